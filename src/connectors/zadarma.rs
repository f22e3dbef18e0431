//! Zadarma (and Novofon, the same API under another address). The PBX posts its events as a
//! form with an `event` field and a `Signature` header: base64 of the hex HMAC-SHA1 (keyed
//! with the API secret, the connector's secret) of fields that depend on the event.
//!
//! - `NOTIFY_END` (an incoming call ended; signs `caller_id` + `called_did` + `call_start`)
//!   and `NOTIFY_OUT_END` (an outgoing one; `internal` + `destination` + `call_start`) name
//!   the employee's extension (`internal`), the customer and, when `is_recorded` is `1`, the
//!   recording (`call_id_with_rec`): the call is claimed with all of it.
//! - `NOTIFY_RECORD` (the recording is ready; `pbx_call_id` + `call_id_with_rec`) claims the
//!   call if its end was not heard; an end heard afterwards fills in the extension.
//! - Other events are checked and noted.
//!
//! The call's id is `pbx_call_id`. The link to the file is asked for with
//! `GET /v1/pbx/record/request/` under the header `Authorization: {key}:{signature}`, the
//! signature being base64 of the hex HMAC-SHA1 of method + sorted query + MD5 of the query.
//! When the URL is first set up, the PBX checks it with `GET ?zd_echo=…`, answered with the
//! value.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};
use serde::Deserialize;

use super::download::{FetchError, Fetched, Fetcher};
use super::fetch::Payload;
use super::self_test::TestEvent;
use super::{Answer, Said, Stored, Vendor, field, form_fields};
use crate::db::DbConnection;
use crate::ingest::{CallFields, IngestError};
use crate::validation::FieldProblem;

/// The header that carries an event's signature.
pub const SIGNATURE_HEADER: &str = "Signature";
/// The API method that gives a recording's link.
pub const RECORD_REQUEST: &str = "/v1/pbx/record/request/";

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

fn mac(secret: &str, data: &str) -> HmacSha1 {
    let mut mac = HmacSha1::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(data.as_bytes());
    mac
}

/// The vendor's signature of `data`: base64 of the hex HMAC-SHA1.
pub fn sign(secret: &str, data: &str) -> String {
    STANDARD.encode(hex::encode(mac(secret, data).finalize().into_bytes()))
}

/// Whether `header` is the signature of `data` (compared in constant time).
pub fn verify(secret: &str, data: &str, header: Option<&str>) -> bool {
    let Some(given) = header
        .and_then(|h| STANDARD.decode(h.trim()).ok())
        .and_then(|hex_text| hex::decode(hex_text).ok())
    else {
        return false;
    };
    mac(secret, data).verify_slice(&given).is_ok()
}

/// The fields an event signs, by event; `None` for an event this connector does not know.
fn signed_fields(event: &str) -> Option<[&'static str; 3]> {
    Some(match event {
        "NOTIFY_START" | "NOTIFY_INTERNAL" | "NOTIFY_END" => {
            ["caller_id", "called_did", "call_start"]
        }
        "NOTIFY_ANSWER" => ["caller_id", "destination", "call_start"],
        "NOTIFY_OUT_START" | "NOTIFY_OUT_END" => ["internal", "destination", "call_start"],
        "NOTIFY_RECORD" => ["pbx_call_id", "call_id_with_rec", ""],
        _ => return None,
    })
}

/// Takes in one event.
pub fn receive(
    conn: &mut DbConnection,
    body: &[u8],
    signature: Option<&str>,
) -> Result<Result<Answer, IngestError>, IngestError> {
    let form = form_fields(body);
    super::receive(conn, Vendor::Zadarma, |settings| {
        let form = form?;
        let Some(event) = field(&form, "event") else {
            return Err(FieldProblem::new("event", "required").into());
        };
        let Some(names) = signed_fields(event) else {
            return Ok(Said::Nothing(format!("the {event} event is not used")));
        };
        let data: String = names
            .iter()
            .map(|name| form.get(*name).map(String::as_str).unwrap_or_default())
            .collect();
        if !verify(&settings.secret, &data, signature) {
            return Err(IngestError::BadSignature);
        }
        read(event, &form)
    })
}

fn read(event: &str, form: &HashMap<String, String>) -> Result<Said, IngestError> {
    let (direction, customer) = match event {
        "NOTIFY_END" => ("inbound", "caller_id"),
        "NOTIFY_OUT_END" => ("outbound", "destination"),
        "NOTIFY_RECORD" => ("", ""),
        _ => {
            return Ok(Said::Nothing(format!(
                "the {event} event brings no recording"
            )));
        }
    };
    let Some(call) = field(form, "pbx_call_id") else {
        return Err(FieldProblem::new("pbx_call_id", "required").into());
    };
    let recording = field(form, "call_id_with_rec");
    let recorded = event == "NOTIFY_RECORD" || field(form, "is_recorded") == Some("1");
    let Some(recording) = recording.filter(|_| recorded) else {
        if event == "NOTIFY_RECORD" {
            return Err(FieldProblem::new("call_id_with_rec", "required").into());
        }
        return Ok(Said::Nothing("a call that was not recorded".to_owned()));
    };
    let mut fields = CallFields {
        external_id: Some(call.to_owned()),
        ..CallFields::default()
    };
    if !direction.is_empty() {
        fields.direction = Some(direction.to_owned());
        fields.operator_extension = field(form, "internal").map(str::to_owned);
        fields.customer_number = field(form, customer).map(str::to_owned);
    }
    Ok(Said::Recording {
        fields: Box::new(fields),
        fetch: Payload::api(Vendor::Zadarma, recording.to_owned(), Some(call.to_owned())),
    })
}

/// The answer to the URL check: the value itself, when it looks like one (letters, digits,
/// `-`, `_`, at most 64), so the check cannot be made to echo arbitrary content.
pub fn echo(value: &str) -> Option<&str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    (!value.is_empty() && value.len() <= 64 && value.chars().all(plain)).then_some(value)
}

/// The `Authorization` header of an API call of `method` with `params`.
pub fn authorization(settings: &Stored, method: &str, params: &[(&str, &str)]) -> String {
    let query = query_of(params);
    let md5 = hex::encode(Md5::digest(query.as_bytes()));
    format!(
        "{}:{}",
        settings.key(),
        sign(&settings.secret, &format!("{method}{query}{md5}"))
    )
}

/// The query string the vendor signs: parameters sorted by name, form-encoded.
fn query_of(params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    serde_urlencoded::to_string(&sorted).unwrap_or_default()
}

#[derive(Deserialize)]
struct LinkAnswer {
    status: String,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    links: Vec<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Asks the API for the link of recording `recording` of call `call`, then downloads it.
pub fn download(
    fetcher: &Fetcher,
    settings: &Stored,
    recording: &str,
    call: Option<&str>,
) -> Result<Fetched, FetchError> {
    let mut params = vec![("call_id", recording)];
    if let Some(call) = call {
        params.push(("pbx_call_id", call));
    }
    let url = fetcher.checked(&format!(
        "{}{RECORD_REQUEST}?{}",
        settings.api_url(Vendor::Zadarma),
        query_of(&params)
    ))?;
    let answer = fetcher
        .send(fetcher.client().get(url).header(
            "Authorization",
            authorization(settings, RECORD_REQUEST, &params),
        ))?
        .text()?;
    let answer: LinkAnswer =
        serde_json::from_str(&answer).map_err(|_| FetchError::Answer(answer.clone()))?;
    let link = answer.link.or_else(|| answer.links.into_iter().next());
    match link {
        Some(link) if answer.status == "success" => fetcher.get(&link),
        _ => {
            Err(FetchError::Answer(answer.message.unwrap_or_else(|| {
                format!("status {}, no link", answer.status)
            })))
        }
    }
}

/// A `NOTIFY_RECORD` event as the PBX would send it, naming the test call.
pub fn test_event(settings: &Stored) -> TestEvent {
    let (call, recording) = (super::TEST_CALL_ID, "test");
    TestEvent::form(
        super::webhook_path(Vendor::Zadarma),
        &[
            ("event", "NOTIFY_RECORD".to_owned()),
            ("pbx_call_id", call.to_owned()),
            ("call_id_with_rec", recording.to_owned()),
        ],
        vec![(
            SIGNATURE_HEADER,
            sign(&settings.secret, &format!("{call}{recording}")),
        )],
    )
}
