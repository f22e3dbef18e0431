//! Connectors: a PBX (or any script) pushes a signed event when a recording is ready; the
//! event is checked and answered at once, and the recording is downloaded by a background
//! job with retries ([`fetch`]), through the SSRF guard of [`download`].
//!
//! - [`generic`]: a JSON body with a recording URL and the ingest API's fields, signed with
//!   an HMAC-SHA256 of the body.
//! - [`mango`]: Mango Office's `record/added` event; the file through its recording API.
//! - [`zadarma`]: Zadarma's (and Novofon's) call-end and `NOTIFY_RECORD` events; the link
//!   through its `record/request` API.
//! - [`megafon`]: a MegaFon-style virtual PBX's CRM `history` command, which carries the link.
//!
//! Each connector's settings (its secret, never shown again once saved, the vendor's account
//! key and API address where it has an API, and the script its calls are graded against) are
//! one row of `connectors`; the last [`KEPT_EVENTS`] events each received are kept with what
//! became of them, for the owner to see. Every vendor's event goes through [`receive`]: the
//! vendor's module checks the signature and reads the event, the rest is shared.

pub mod download;
pub mod fetch;
pub mod generic;
pub mod mango;
pub mod megafon;
pub mod self_test;
pub mod zadarma;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::db::ids::{ConnectorEventId, ScriptId, UserId};
use crate::db::ingest_schema::{connector_events, connectors};
use crate::db::time::{Timestamp, now};
use crate::ingest::inbound::{self, Claim, InboundCall, Sender};
use crate::ingest::{CallFields, IngestError, Source};
use crate::validation::FieldProblem;

crate::text_enum! {
    /// The connectors there are.
    Vendor {
        /// Any PBX or script: the documented JSON event, signed with HMAC-SHA256.
        Generic = "generic",
        /// Mango Office: `record/added`, signed with SHA-256 of key, JSON and salt.
        Mango = "mango",
        /// Zadarma / Novofon: `NOTIFY_END`, `NOTIFY_OUT_END`, `NOTIFY_RECORD`, HMAC-SHA1.
        Zadarma = "zadarma",
        /// A MegaFon-style virtual PBX: the CRM `history` command with its token.
        Megafon = "megafon",
    }
}

impl Vendor {
    /// Whether the vendor's API is called with an account key (kept beside the secret).
    pub fn has_api(self) -> bool {
        matches!(self, Vendor::Mango | Vendor::Zadarma)
    }

    /// The vendor's own API address, used unless the settings name another.
    pub fn default_api_url(self) -> Option<&'static str> {
        match self {
            Vendor::Mango => Some("https://app.mango-office.ru/vpbx"),
            Vendor::Zadarma => Some("https://api.zadarma.com"),
            Vendor::Generic | Vendor::Megafon => None,
        }
    }

    /// Where the vendor's calls say they came from.
    pub fn source(self) -> Source {
        match self {
            Vendor::Generic => Source::Generic,
            Vendor::Mango => Source::Mango,
            Vendor::Zadarma => Source::Zadarma,
            Vendor::Megafon => Source::Megafon,
        }
    }
}

/// The call id (or its start) of a test event ([`self_test`]): checked like any event, never
/// kept as a call.
pub const TEST_CALL_ID: &str = "callqa-test";

/// Events kept per connector.
pub const KEPT_EVENTS: i64 = 50;
/// The shortest secret accepted.
pub const MIN_SECRET: usize = 16;
/// The longest secret accepted.
pub const MAX_SECRET: usize = 200;

/// A connector as the owner sees it: whether it is set up, never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectorView {
    pub vendor: Vendor,
    pub configured: bool,
    pub script_id: Option<ScriptId>,
    /// Whether the vendor has an API that needs `api_key` (and may have `api_url`).
    pub has_api: bool,
    /// The vendor account's key (not a secret: the vendor sends it in its events).
    pub api_key: Option<String>,
    /// The API address in use (the vendor's own unless the settings name another).
    pub api_url: Option<String>,
    /// Where the PBX must send its events.
    pub webhook_url: String,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub updated_at: Option<Timestamp>,
}

/// A connector's stored settings, secret included (for checking signatures only).
#[derive(Debug, Clone, Queryable)]
pub struct Stored {
    pub secret: String,
    pub script_id: Option<ScriptId>,
    pub updated_at: Timestamp,
    pub api_key: Option<String>,
    api_url: Option<String>,
}

impl Stored {
    /// The API address to call, without a trailing slash.
    pub fn api_url(&self, vendor: Vendor) -> String {
        self.api_url
            .as_deref()
            .or(vendor.default_api_url())
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned()
    }

    /// The account key, or an empty text when none is set (a signature then never matches).
    pub fn key(&self) -> &str {
        self.api_key.as_deref().unwrap_or_default()
    }
}

/// What the owner saves: every field as given; an empty or absent `secret` keeps the stored
/// one, an empty `api_url` means the vendor's own.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Changes {
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub api_url: Option<String>,
    #[serde(default)]
    pub script_id: Option<ScriptId>,
}

/// The path (under the public URL) a vendor's events are sent to.
pub fn webhook_path(vendor: Vendor) -> String {
    format!("/hooks/{}", vendor.as_str())
}

pub fn stored(conn: &mut DbConnection, vendor: Vendor) -> QueryResult<Option<Stored>> {
    connectors::table
        .find(vendor.as_str())
        .select((
            connectors::secret,
            connectors::script_id,
            connectors::updated_at,
            connectors::api_key,
            connectors::api_url,
        ))
        .first(conn)
        .optional()
}

/// Every connector, set up or not.
pub fn list(conn: &mut DbConnection, base_url: &str) -> QueryResult<Vec<ConnectorView>> {
    Vendor::ALL
        .iter()
        .map(|&vendor| {
            let found = stored(conn, vendor)?;
            Ok(ConnectorView {
                vendor,
                configured: found.is_some(),
                script_id: found.as_ref().and_then(|s| s.script_id.clone()),
                has_api: vendor.has_api(),
                api_key: found.as_ref().and_then(|s| s.api_key.clone()),
                api_url: match &found {
                    Some(stored) if vendor.has_api() => Some(stored.api_url(vendor)),
                    _ => vendor.default_api_url().map(str::to_owned),
                },
                webhook_url: format!("{base_url}{}", webhook_path(vendor)),
                updated_at: found.map(|s| s.updated_at),
            })
        })
        .collect()
}

/// Saves a connector's settings, every problem at once. The first save needs a secret; a
/// vendor with an API needs its account key.
pub fn save(
    conn: &mut DbConnection,
    vendor: Vendor,
    changes: &Changes,
    by: &UserId,
) -> Result<(), IngestError> {
    let present = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let secret = present(&changes.secret);
    let api_key = present(&changes.api_key).filter(|_| vendor.has_api());
    let api_url = present(&changes.api_url).filter(|_| vendor.has_api());
    let mut problems = Vec::new();
    if let Some(secret) = &secret {
        let length = secret.chars().count();
        if length < MIN_SECRET {
            problems.push(FieldProblem::new("secret", "too_short").with("min", MIN_SECRET));
        } else if length > MAX_SECRET {
            problems.push(FieldProblem::new("secret", "too_long").with("max", MAX_SECRET));
        }
    }
    match &api_key {
        None if vendor.has_api() => problems.push(FieldProblem::new("api_key", "required")),
        Some(key) if key.chars().count() > MAX_SECRET => {
            problems.push(FieldProblem::new("api_key", "too_long").with("max", MAX_SECRET));
        }
        _ => {}
    }
    if let Some(url) = &api_url
        && !is_web_url(url)
    {
        problems.push(FieldProblem::new("api_url", "invalid_url"));
    }
    if let Some(script) = &changes.script_id
        && crate::scripts::current_version(conn, script)?.is_none()
    {
        problems.push(FieldProblem::new("script_id", "unknown_script"));
    }
    let script = changes.script_id.as_ref();
    conn.write_transaction(|conn| {
        let existing = stored(conn, vendor)?;
        let secret = match (&secret, &existing) {
            (Some(secret), _) => secret.clone(),
            (None, Some(existing)) => existing.secret.clone(),
            (None, None) => {
                problems.push(FieldProblem::new("secret", "required"));
                String::new()
            }
        };
        if !problems.is_empty() {
            return Err(IngestError::Invalid(std::mem::take(&mut problems)));
        }
        let at = now();
        // One statement, so two owners saving the first settings at once cannot clash.
        let upsert = diesel::insert_into(connectors::table)
            .values((
                connectors::vendor.eq(vendor.as_str()),
                connectors::secret.eq(&secret),
                connectors::script_id.eq(script),
                connectors::api_key.eq(&api_key),
                connectors::api_url.eq(&api_url),
                connectors::updated_at.eq(at),
                connectors::updated_by.eq(by),
            ))
            .on_conflict(connectors::vendor)
            .do_update()
            .set((
                connectors::secret.eq(&secret),
                connectors::script_id.eq(script),
                connectors::api_key.eq(&api_key),
                connectors::api_url.eq(&api_url),
                connectors::updated_at.eq(at),
                connectors::updated_by.eq(by),
            ));
        crate::db::execute_upsert(conn, upsert)?;
        crate::audit::record(
            conn,
            Some(by),
            "connector.save",
            "connector",
            vendor.as_str(),
            serde_json::json!({
                "secret_changed": secret_changed(&existing, &secret),
                "script_id": script,
                "api_key": api_key,
                "api_url": api_url,
            }),
        )?;
        Ok(())
    })
}

/// Whether `text` is an http(s) URL with a host (where it may point is checked when it is
/// fetched).
pub fn is_web_url(text: &str) -> bool {
    reqwest::Url::parse(text.trim())
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
}

fn secret_changed(existing: &Option<Stored>, secret: &str) -> bool {
    existing.as_ref().is_none_or(|e| e.secret != secret)
}

/// One event a connector received.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Event {
    pub id: ConnectorEventId,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub received_at: Timestamp,
    /// `accepted`, `repeat`, `ignored`, `bad_signature`, `invalid`, `not_configured`, `test`.
    pub outcome: String,
    pub external_id: Option<String>,
    pub detail: Option<String>,
}

/// Notes an event and drops the ones beyond the last [`KEPT_EVENTS`].
pub fn log_event(
    conn: &mut DbConnection,
    vendor: Vendor,
    outcome: &str,
    external_id: Option<&str>,
    detail: Option<&str>,
) -> QueryResult<()> {
    conn.write_transaction(|conn| {
        diesel::insert_into(connector_events::table)
            .values((
                connector_events::id.eq(ConnectorEventId::random()),
                connector_events::vendor.eq(vendor.as_str()),
                connector_events::received_at.eq(now()),
                connector_events::outcome.eq(outcome),
                connector_events::external_id.eq(external_id),
                connector_events::detail.eq(detail),
            ))
            .execute(conn)?;
        // Older than the oldest of the last KEPT_EVENTS: a cut by time, so an event a
        // concurrent request is adding (newer) is never the one dropped.
        let oldest_kept: Option<Timestamp> = connector_events::table
            .filter(connector_events::vendor.eq(vendor.as_str()))
            .order(connector_events::received_at.desc())
            .offset(KEPT_EVENTS - 1)
            .select(connector_events::received_at)
            .first(conn)
            .optional()?;
        if let Some(cut) = oldest_kept {
            diesel::delete(
                connector_events::table
                    .filter(connector_events::vendor.eq(vendor.as_str()))
                    .filter(connector_events::received_at.lt(cut)),
            )
            .execute(conn)?;
        }
        Ok(())
    })
}

/// A connector's last events, newest first.
pub fn events(conn: &mut DbConnection, vendor: Vendor) -> QueryResult<Vec<Event>> {
    connector_events::table
        .filter(connector_events::vendor.eq(vendor.as_str()))
        .order((
            connector_events::received_at.desc(),
            connector_events::id.desc(),
        ))
        .limit(KEPT_EVENTS)
        .select((
            connector_events::id,
            connector_events::received_at,
            connector_events::outcome,
            connector_events::external_id,
            connector_events::detail,
        ))
        .load(conn)
}

/// What a vendor's event says, once its module has checked the signature and read it.
#[derive(Debug)]
pub enum Said {
    /// A recording to fetch: the call's fields and how to download its file.
    Recording {
        fields: Box<CallFields>,
        fetch: fetch::Payload,
    },
    /// An event that brings no recording (a missed call, an event of another kind): noted in
    /// the log with the reason, nothing else kept.
    Nothing(String),
}

/// What became of an event that was taken.
#[derive(Debug)]
pub enum Answer {
    /// The call it names: new (its download queued) or already known.
    Call(Box<Claim>),
    /// Noted, nothing kept; the reason.
    Ignored(String),
    /// A test event ([`TEST_CALL_ID`]): checked, noted, nothing kept.
    Test,
}

/// Takes in one event of `vendor`: `read` checks its signature against the stored settings
/// and reads it; a new call is claimed and its download queued, a repeat answered with the
/// call as it stands (filling in what the first event did not say). Every event is noted in
/// the connector's log with what became of it.
///
/// The outer error is the database's; the inner result is the event's verdict, returned as
/// a success of the work so that the note in the log is committed even for a refusal.
pub fn receive(
    conn: &mut DbConnection,
    vendor: Vendor,
    read: impl FnOnce(&Stored) -> Result<Said, IngestError>,
) -> Result<Result<Answer, IngestError>, IngestError> {
    let Some(settings) = stored(conn, vendor)? else {
        log_event(conn, vendor, "not_configured", None, None)?;
        return Ok(Err(IngestError::NotConfigured));
    };
    let (mut fields, payload) = match read(&settings) {
        Ok(Said::Recording { fields, fetch }) => (fields, fetch),
        Ok(Said::Nothing(reason)) => {
            log_event(conn, vendor, "ignored", None, Some(&reason))?;
            return Ok(Ok(Answer::Ignored(reason)));
        }
        Err(IngestError::BadSignature) => {
            log_event(conn, vendor, "bad_signature", None, None)?;
            return Ok(Err(IngestError::BadSignature));
        }
        Err(IngestError::Invalid(problems)) => {
            let detail = FieldProblem::summary(&problems);
            log_event(conn, vendor, "invalid", None, Some(&detail))?;
            return Ok(Err(IngestError::Invalid(problems)));
        }
        Err(other) => return Err(other),
    };
    let external_id = fields.external_id.clone();
    if external_id
        .as_deref()
        .is_some_and(|id| id.starts_with(TEST_CALL_ID))
    {
        log_event(conn, vendor, "test", external_id.as_deref(), None)?;
        return Ok(Ok(Answer::Test));
    }
    if fields.script_id.is_none() {
        fields.script_id = settings.script_id.as_ref().map(ToString::to_string);
    }
    let sender = Sender {
        source: vendor.source(),
        name: Some(format!("{} connector", vendor.as_str())),
    };
    let outcome = serde_json::to_string(&payload)
        .map_err(|_| IngestError::Invalid(vec![FieldProblem::new("body", "invalid_json")]))
        .and_then(|payload| inbound::announce(conn, &sender, &fields, &payload));
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
        Err(IngestError::Db(_)) => return outcome.map(|claim| Ok(Answer::Call(Box::new(claim)))),
        Err(_) => {}
    }
    Ok(outcome.map(|claim| Answer::Call(Box::new(claim))))
}

/// The call an event is about, for the answer.
pub fn call_of(claim: &Claim) -> &InboundCall {
    match claim {
        Claim::New(call) | Claim::Existing(call) => call,
    }
}

/// A form-encoded event's fields by name (the last value of a repeated name wins).
pub fn form_fields(body: &[u8]) -> Result<std::collections::HashMap<String, String>, IngestError> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map(|pairs| pairs.into_iter().collect())
        .map_err(|_| FieldProblem::new("body", "invalid_form").into())
}

/// A field of a form event, trimmed; `None` when absent or blank.
pub fn field<'a>(
    form: &'a std::collections::HashMap<String, String>,
    name: &str,
) -> Option<&'a str> {
    form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}
