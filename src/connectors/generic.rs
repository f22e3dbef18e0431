//! The generic connector, for any PBX or script: `POST /hooks/generic` with a JSON body
//!
//! ```json
//! {"external_id": "call-81", "recording_url": "https://pbx.example/rec/81.mp3",
//!  "operator_extension": "201", "called_at": "2026-12-01T10:15:00Z",
//!  "direction": "inbound", "customer_number": "+79990001122", "outcome": "won"}
//! ```
//!
//! (the fields of the ingest API, plus `recording_url`), signed in the header
//! `X-Callqa-Signature: sha256=<hex of HMAC-SHA256(secret, body)>`. The same `external_id`
//! sent again is the same call.

use hmac::{KeyInit, Mac};
use serde::Deserialize;

use super::fetch::Payload;
use super::{Answer, Said, Stored, Vendor};
use crate::db::DbConnection;
use crate::ingest::{CallFields, IngestError};
use crate::validation::FieldProblem;

/// The header that carries the body's signature.
pub const SIGNATURE_HEADER: &str = "X-Callqa-Signature";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn mac(secret: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    mac
}

/// The signature header's value for `body` (what a sender computes).
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

/// Whether `header` is the signature of `body` (compared in constant time).
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_part) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_part) else {
        return false;
    };
    mac(secret, body).verify_slice(&given).is_ok()
}

#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    recording_url: Option<String>,
    #[serde(flatten)]
    fields: CallFields,
}

/// Takes in one event ([`super::receive`]): a bad signature stores nothing but the note in
/// the event log.
pub fn receive(
    conn: &mut DbConnection,
    body: &[u8],
    signature: Option<&str>,
) -> Result<Result<Answer, IngestError>, IngestError> {
    super::receive(conn, Vendor::Generic, |settings| {
        if !verify(&settings.secret, body, signature) {
            return Err(IngestError::BadSignature);
        }
        let (url, fields) = parse(body)?;
        Ok(Said::Recording {
            fields: Box::new(fields),
            fetch: Payload::link(Vendor::Generic, url),
        })
    })
}

/// The body's link (checked to be an http(s) URL; where it may point is checked when it is
/// fetched) and call fields.
fn parse(body: &[u8]) -> Result<(String, CallFields), IngestError> {
    let event: Event =
        serde_json::from_slice(body).map_err(|_| FieldProblem::new("body", "invalid_json"))?;
    let url = match event.recording_url.as_deref().map(str::trim) {
        None | Some("") => return Err(FieldProblem::new("recording_url", "required").into()),
        Some(url) if !super::is_web_url(url) => {
            return Err(FieldProblem::new("recording_url", "invalid_url").into());
        }
        Some(url) => url,
    };
    Ok((url.to_owned(), event.fields))
}

/// A test event as a script would send it: its body and signature header.
pub fn test_event(settings: &Stored) -> (Vec<u8>, String) {
    let body = serde_json::to_vec(&serde_json::json!({
        "external_id": super::TEST_CALL_ID,
        "recording_url": "https://pbx.example.com/rec/test.mp3",
    }))
    .unwrap_or_default();
    let signature = sign(&settings.secret, &body);
    (body, signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_the_same_secret_and_body() {
        let body = br#"{"external_id":"1"}"#;
        let header = sign("a-long-shared-secret", body);
        assert!(verify("a-long-shared-secret", body, Some(&header)));
        assert!(!verify("another-long-secret", body, Some(&header)));
        assert!(!verify(
            "a-long-shared-secret",
            br#"{"external_id":"2"}"#,
            Some(&header)
        ));
        assert!(!verify("a-long-shared-secret", body, None));
        assert!(!verify("a-long-shared-secret", body, Some("sha256=zz")));
        assert!(!verify("a-long-shared-secret", body, Some(&header[7..])));
    }
}
