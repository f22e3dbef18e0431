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
use super::{Vendor, log_event, stored};
use crate::db::DbConnection;
use crate::ingest::inbound::{self, Claim, InboundCall, Sender};
use crate::ingest::{CallFields, IngestError, Source};
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

/// Takes in one event: checks the signature (a bad one stores nothing but the note in the
/// event log), the body and the link, then claims the call and queues its download. Every
/// event is noted in the connector's log with what became of it.
///
/// The outer error is the database's; the inner result is the event's verdict, returned as
/// a success of the work so that the note in the log is committed even for a refusal.
pub fn receive(
    conn: &mut DbConnection,
    body: &[u8],
    signature: Option<&str>,
) -> Result<Result<Claim, IngestError>, IngestError> {
    let vendor = Vendor::Generic;
    let Some(settings) = stored(conn, vendor)? else {
        log_event(conn, vendor, "not_configured", None, None)?;
        return Ok(Err(IngestError::NotConfigured));
    };
    if !verify(&settings.secret, body, signature) {
        log_event(conn, vendor, "bad_signature", None, None)?;
        return Ok(Err(IngestError::BadSignature));
    }
    let parsed = parse(body);
    let external_id = parsed
        .as_ref()
        .ok()
        .and_then(|(_, fields)| fields.external_id.clone());
    let outcome = parsed.and_then(|(url, mut fields)| {
        if fields.script_id.is_none() {
            fields.script_id = settings.script_id.as_ref().map(ToString::to_string);
        }
        let payload = serde_json::to_string(&Payload { vendor, url })
            .map_err(|_| FieldProblem::new("recording_url", "invalid_url"))?;
        let sender = Sender {
            source: Source::Generic,
            name: Some("generic webhook".to_owned()),
        };
        inbound::announce(conn, &sender, &fields, &payload)
    });
    match &outcome {
        Ok(Claim::New(call)) => log_event(conn, vendor, "accepted", Some(&call.external_id), None)?,
        Ok(Claim::Existing(call)) => {
            log_event(conn, vendor, "repeat", Some(&call.external_id), None)?
        }
        Err(IngestError::Invalid(problems)) => {
            let detail = FieldProblem::summary(problems);
            log_event(
                conn,
                vendor,
                "invalid",
                external_id.as_deref(),
                Some(&detail),
            )?;
        }
        Err(IngestError::Db(_)) => return outcome.map(Ok),
        Err(_) => {}
    }
    Ok(outcome)
}

/// The body's link (checked to be an http(s) URL; where it may point is checked when it is
/// fetched) and call fields.
fn parse(body: &[u8]) -> Result<(String, CallFields), IngestError> {
    let event: Event =
        serde_json::from_slice(body).map_err(|_| FieldProblem::new("body", "invalid_json"))?;
    let url = match event.recording_url.as_deref().map(str::trim) {
        None | Some("") => return Err(FieldProblem::new("recording_url", "required").into()),
        Some(url) => url,
    };
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {}
        _ => return Err(FieldProblem::new("recording_url", "invalid_url").into()),
    }
    Ok((url.to_owned(), event.fields))
}

/// The call an accepted event is about, for the answer.
pub fn call_of(claim: &Claim) -> &InboundCall {
    match claim {
        Claim::New(call) | Claim::Existing(call) => call,
    }
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
