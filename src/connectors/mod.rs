//! Connectors: a PBX (or any script) pushes a signed event when a recording is ready; the
//! event is checked and answered at once, and the recording is downloaded by a background
//! job with retries ([`fetch`]), through the SSRF guard of [`download`].
//!
//! - [`generic`]: a JSON body with a recording URL and the ingest API's fields, signed with
//!   an HMAC-SHA256 of the body.
//!
//! Each connector's settings (its secret, never shown again once saved, and the script its
//! calls are graded against) are one row of `connectors`; the last [`KEPT_EVENTS`] events
//! each received are kept with what became of them, for the owner to see.

pub mod download;
pub mod fetch;
pub mod generic;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::ids::{ConnectorEventId, ScriptId, UserId};
use crate::db::ingest_schema::{connector_events, connectors};
use crate::db::time::{Timestamp, now};
use crate::ingest::IngestError;
use crate::validation::FieldProblem;

crate::text_enum! {
    /// The connectors there are.
    Vendor {
        /// Any PBX or script: the documented JSON event, signed with HMAC-SHA256.
        Generic = "generic",
    }
}

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
                webhook_url: format!("{base_url}{}", webhook_path(vendor)),
                updated_at: found.map(|s| s.updated_at),
            })
        })
        .collect()
}

/// Saves a connector's settings. An empty `secret` keeps the stored one (the owner never
/// sees it again, so a form cannot show it); the first save needs one.
pub fn save(
    conn: &mut DbConnection,
    vendor: Vendor,
    secret: Option<&str>,
    script: Option<&ScriptId>,
    by: &UserId,
) -> Result<(), IngestError> {
    let secret = secret.map(str::trim).filter(|s| !s.is_empty());
    let mut problems = Vec::new();
    if let Some(secret) = secret {
        let length = secret.chars().count();
        if length < MIN_SECRET {
            problems.push(FieldProblem::new("secret", "too_short").with("min", MIN_SECRET));
        } else if length > MAX_SECRET {
            problems.push(FieldProblem::new("secret", "too_long").with("max", MAX_SECRET));
        }
    }
    if let Some(script) = script
        && crate::scripts::current_version(conn, script)?.is_none()
    {
        problems.push(FieldProblem::new("script_id", "unknown_script"));
    }
    conn.write_transaction(|conn| {
        let existing = stored(conn, vendor)?;
        let secret = match (secret, &existing) {
            (Some(secret), _) => secret.to_owned(),
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
                connectors::updated_at.eq(at),
                connectors::updated_by.eq(by),
            ))
            .on_conflict(connectors::vendor)
            .do_update()
            .set((
                connectors::secret.eq(&secret),
                connectors::script_id.eq(script),
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
            }),
        )?;
        Ok(())
    })
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
    /// `accepted`, `repeat`, `bad_signature`, `invalid`, `not_configured`, `test`.
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
