//! Mango Office. The PBX posts each event to `{webhook}/events/{kind}` as a form of
//! `vpbx_api_key` (the account's key), `json` (the event) and `sign`, the hex SHA-256 of
//! key + json + salt (the salt is the connector's secret). `record/added` says a recording is
//! ready:
//!
//! ```json
//! {"entry_id": "MToxMDA1...", "recording_id": "MToxMDA1...Ng==", "user_id": 1001, "timestamp": 1764583500}
//! ```
//!
//! Its file is then asked for with the API's `queries/recording/post` command (the same form
//! and signature, `{"recording_id": …, "action": "download"}`), which answers with a one-time
//! link (a redirect) that is followed at once. The call's id is the entry and recording
//! together: an entry transferred between employees has a recording per employee, and each
//! is a call of its own to review; the same event sent again is the same call.

use std::collections::HashMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::download::{FetchError, Fetched, Fetcher};
use super::fetch::Payload;
use super::self_test::TestEvent;
use super::{Answer, Said, Stored, Vendor, field, form_fields};
use crate::db::DbConnection;
use crate::ingest::{CallFields, IngestError};
use crate::validation::FieldProblem;

/// The event that names a new recording.
pub const RECORD_ADDED: &str = "record/added";

/// `sign` for `json` sent under account `key` with `salt`.
pub fn sign(key: &str, json: &str, salt: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(key.as_bytes());
    digest.update(json.as_bytes());
    digest.update(salt.as_bytes());
    hex::encode(digest.finalize())
}

/// Whether the form is signed with this connector's key and salt.
fn verify(settings: &Stored, form: &HashMap<String, String>) -> bool {
    let (Some(key), Some(json), Some(given)) = (
        form.get("vpbx_api_key"),
        form.get("json"),
        field(form, "sign"),
    ) else {
        return false;
    };
    if settings.key().is_empty() || key != settings.key() {
        return false;
    }
    // Both are hex digests of the same length: compared as digests, so the comparison's
    // time says nothing about the expected value.
    let expected = Sha256::digest(sign(key, json, &settings.secret).as_bytes());
    let given = Sha256::digest(given.to_ascii_lowercase().as_bytes());
    expected == given
}

#[derive(Deserialize)]
struct RecordAdded {
    #[serde(default)]
    entry_id: Option<String>,
    #[serde(default)]
    recording_id: Option<String>,
    #[serde(default)]
    user_id: Option<serde_json::Value>,
    #[serde(default)]
    timestamp: Option<i64>,
}

/// Takes in one event of kind `kind` (the path after `events/`); only `record/added` brings
/// a call, others are checked and noted.
pub fn receive(
    conn: &mut DbConnection,
    kind: &str,
    body: &[u8],
) -> Result<Result<Answer, IngestError>, IngestError> {
    let form = form_fields(body);
    super::receive(conn, Vendor::Mango, |settings| {
        let form = form?;
        if !verify(settings, &form) {
            return Err(IngestError::BadSignature);
        }
        if kind != RECORD_ADDED {
            return Ok(Said::Nothing(format!("the {kind} event is not used")));
        }
        let json = form.get("json").map(String::as_str).unwrap_or_default();
        let event: RecordAdded =
            serde_json::from_str(json).map_err(|_| FieldProblem::new("json", "invalid_json"))?;
        let (entry, recording) = match (present(&event.entry_id), present(&event.recording_id)) {
            (Some(entry), Some(recording)) => (entry.to_owned(), recording.to_owned()),
            (entry, _) => {
                let missing = if entry.is_none() {
                    "entry_id"
                } else {
                    "recording_id"
                };
                return Err(FieldProblem::new(missing, "required").into());
            }
        };
        let employee = match event.user_id {
            Some(serde_json::Value::String(text)) => Some(text),
            Some(serde_json::Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        let fields = CallFields {
            external_id: Some(format!("{entry}/{recording}")),
            operator_extension: employee.filter(|e| !e.trim().is_empty()),
            called_at: event.timestamp.and_then(rfc3339_of_unix),
            ..CallFields::default()
        };
        Ok(Said::Recording {
            fields: Box::new(fields),
            fetch: Payload::api(Vendor::Mango, recording, None),
        })
    })
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn rfc3339_of_unix(seconds: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// The form of an API command (or an event): key, JSON, signature.
fn signed_form(settings: &Stored, json: &str) -> Vec<(&'static str, String)> {
    vec![
        ("vpbx_api_key", settings.key().to_owned()),
        ("sign", sign(settings.key(), json, &settings.secret)),
        ("json", json.to_owned()),
    ]
}

/// Asks the API for recording `recording` and follows the one-time link it answers with.
pub fn download(
    fetcher: &Fetcher,
    settings: &Stored,
    recording: &str,
) -> Result<Fetched, FetchError> {
    let url = fetcher.checked(&format!(
        "{}/queries/recording/post/",
        settings.api_url(Vendor::Mango)
    ))?;
    let json = serde_json::json!({"recording_id": recording, "action": "download"}).to_string();
    let fetched = fetcher.send(
        fetcher
            .client()
            .post(url)
            .form(&signed_form(settings, &json)),
    )?;
    if fetched.is_json() {
        // An error in words instead of the file (an unknown recording, a wrong key).
        return Err(FetchError::Answer(fetched.text()?));
    }
    Ok(fetched)
}

/// A `record/added` event as the PBX would send it, naming the test call.
pub fn test_event(settings: &Stored) -> TestEvent {
    let json = serde_json::json!({
        "entry_id": super::TEST_CALL_ID,
        "recording_id": "test",
    })
    .to_string();
    TestEvent::form(
        format!(
            "{}/events/{RECORD_ADDED}",
            super::webhook_path(Vendor::Mango)
        ),
        &signed_form(settings, &json),
        Vec::new(),
    )
}
