//! The benchmark's HTTP client: requests to the server's public API and their answers.

use std::time::Duration;

use actix_web::web::Bytes;
use awc::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An HTTP answer: status and the whole body.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Bytes,
}

impl Reply {
    /// The body as JSON when the status is the expected one; otherwise an error naming `what`.
    pub(super) fn expect<T: for<'de> Deserialize<'de>>(
        self,
        expected: StatusCode,
        what: &str,
    ) -> Result<T, String> {
        if self.status != expected {
            return Err(format!(
                "{what}: expected {expected}, got {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "{what}: unexpected answer ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The error code from a JSON error body (`{"error": {"code", "fields": [{"code"}]}}`),
    /// field codes included, e.g. `validation_failed/too_soon`.
    pub(super) fn error_codes(&self) -> Vec<String> {
        let Ok(value) = serde_json::from_slice::<Value>(&self.body) else {
            return Vec::new();
        };
        let error = &value["error"];
        let mut codes: Vec<String> = error["code"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect();
        if let Some(fields) = error["fields"].as_array() {
            codes.extend(
                fields
                    .iter()
                    .filter_map(|f| f["code"].as_str().map(str::to_owned)),
            );
        }
        codes
    }
}

/// One HTTP client (its own connection pool) and the server's base URL.
pub(super) struct Api {
    client: awc::Client,
    pub(super) base: String,
}

pub(super) enum Body {
    Empty,
    Json(Vec<u8>),
    Multipart { boundary: String, bytes: Bytes },
}

impl Api {
    pub(super) fn new(base: &str, connections: usize) -> Api {
        let connector = awc::Connector::new().limit(connections.max(1));
        let client = awc::Client::builder()
            .connector(connector)
            .timeout(Duration::from_secs(60))
            .disable_redirects()
            .finish();
        Api {
            client,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub(super) async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        token: Option<&str>,
        body: Body,
    ) -> Result<Reply, String> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let sent = match body {
            Body::Empty => request.send().await,
            Body::Json(bytes) => {
                request
                    .content_type("application/json")
                    .send_body(bytes)
                    .await
            }
            Body::Multipart { boundary, bytes } => {
                request
                    .content_type(format!("multipart/form-data; boundary={boundary}"))
                    .send_body(bytes)
                    .await
            }
        };
        let mut response = sent.map_err(|e| format!("{path}: {e}"))?;
        let body = response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .map_err(|e| format!("{path}: reading the answer: {e}"))?;
        Ok(Reply {
            status: response.status(),
            body,
        })
    }

    pub(super) async fn get(&self, path: &str, token: Option<&str>) -> Result<Reply, String> {
        self.send(awc::http::Method::GET, path, token, Body::Empty)
            .await
    }

    pub(super) async fn post_json<T: Serialize>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &T,
    ) -> Result<Reply, String> {
        let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        self.send(awc::http::Method::POST, path, token, Body::Json(bytes))
            .await
    }
}
