//! "Send a test event": the server sends one event to its own webhook, shaped and signed as
//! the vendor would with the stored settings and naming the test call
//! ([`super::TEST_CALL_ID`]), so the owner learns whether the public address reaches the
//! server and the settings check out, without waiting for a real call. The receiving side
//! notes it in the connector's log as `test` and keeps nothing else.

use std::time::Duration;

use super::{Stored, Vendor};

/// One event as the vendor would send it.
#[derive(Debug, Clone)]
pub struct TestEvent {
    /// The webhook's path.
    pub path: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

impl TestEvent {
    /// A form-encoded event.
    pub fn form(
        path: String,
        fields: &[(&str, String)],
        headers: Vec<(&'static str, String)>,
    ) -> TestEvent {
        TestEvent {
            path,
            content_type: "application/x-www-form-urlencoded",
            body: serde_urlencoded::to_string(fields)
                .unwrap_or_default()
                .into_bytes(),
            headers,
        }
    }
}

/// The test event of `vendor` under `settings`.
pub fn event(vendor: Vendor, settings: &Stored) -> TestEvent {
    match vendor {
        Vendor::Generic => {
            let (body, signature) = super::generic::test_event(settings);
            TestEvent {
                path: super::webhook_path(vendor),
                content_type: "application/json",
                body,
                headers: vec![(super::generic::SIGNATURE_HEADER, signature)],
            }
        }
        Vendor::Mango => super::mango::test_event(settings),
        Vendor::Zadarma => super::zadarma::test_event(settings),
        Vendor::Megafon => super::megafon::test_event(settings),
    }
}

/// Why a test event did not come through, in words for the owner.
#[derive(Debug, thiserror::Error)]
pub enum TestFailure {
    #[error("the connector is not set up yet")]
    NotConfigured,
    #[error("{url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} answered {status}: {body}")]
    Refused {
        url: String,
        status: u16,
        body: String,
    },
}

/// Sends `event` to the server at `base_url` and reads the answer.
pub async fn send(base_url: &str, event: TestEvent) -> Result<(), TestFailure> {
    let url = format!("{base_url}{}", event.path);
    let unreachable = |e: reqwest::Error| TestFailure::Unreachable {
        url: url.clone(),
        reason: e.to_string(),
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(unreachable)?;
    let mut request = client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, event.content_type)
        .body(event.body);
    for (name, value) in event.headers {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let answered: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    if status.is_success() && answered["test"] == true {
        return Ok(());
    }
    Err(TestFailure::Refused {
        url,
        status: status.as_u16(),
        body: body.chars().take(300).collect(),
    })
}
