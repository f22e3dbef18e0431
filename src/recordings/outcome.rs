//! How a call ended: `won`, `lost`, or unknown (no row), with an optional reason. Owner only:
//! reviewers grade blind and never see it. It comes with the call (the ingest API's and the
//! manifest's `outcome`), from the owner on the call's page, or in bulk from a CRM export
//! (CSV: a call by its external id or recording id, its outcome, a reason).

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use super::RecordingError;
use crate::db::DbConnection;
use crate::db::ids::{RecordingId, UserId};
use crate::db::ingest_schema::{call_outcomes, inbound_calls};
use crate::db::schema::recordings;
use crate::db::time::{Timestamp, now};
use crate::validation::FieldProblem;

crate::text_enum! {
    /// How the call ended, when the PBX, the CRM or the owner knows.
    Outcome {
        Won = "won",
        Lost = "lost",
    }
}

/// The longest reason kept.
pub const MAX_REASON: usize = 500;

/// A call's outcome as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct CallOutcome {
    pub outcome: Outcome,
    pub reason: Option<String>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub updated_at: Timestamp,
}

/// The outcome of one call, if known.
pub fn of(conn: &mut DbConnection, recording: &RecordingId) -> QueryResult<Option<CallOutcome>> {
    call_outcomes::table
        .find(recording)
        .select((
            call_outcomes::outcome,
            call_outcomes::reason,
            call_outcomes::updated_at,
        ))
        .first(conn)
        .optional()
}

/// The outcomes of many calls.
pub fn of_all(
    conn: &mut DbConnection,
    ids: &[RecordingId],
) -> QueryResult<BTreeMap<RecordingId, Outcome>> {
    let mut found = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(RecordingId, Outcome)> = call_outcomes::table
            .filter(call_outcomes::recording_id.eq_any(chunk))
            .select((call_outcomes::recording_id, call_outcomes::outcome))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Checks an outcome as typed: `won`, `lost`, or empty / `unknown` for none.
pub fn parse(field: &str, raw: Option<&str>) -> Result<Option<Outcome>, FieldProblem> {
    match raw.map(|w| w.trim().to_lowercase()).as_deref() {
        None | Some("") | Some("unknown") => Ok(None),
        Some(word) => Outcome::parse(word)
            .map(Some)
            .ok_or_else(|| FieldProblem::new(field, "unknown_value")),
    }
}

fn reason(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldProblem> {
    let text = raw.map(str::trim).filter(|r| !r.is_empty());
    match text {
        Some(text) if text.chars().count() > MAX_REASON => {
            Err(FieldProblem::new(field, "too_long").with("max", MAX_REASON))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// Writes (or, with `None`, clears) one call's outcome, in the caller's transaction.
fn write(
    conn: &mut DbConnection,
    recording: &RecordingId,
    outcome: Option<Outcome>,
    reason: Option<&str>,
    by: Option<&UserId>,
) -> QueryResult<()> {
    let Some(outcome) = outcome else {
        diesel::delete(call_outcomes::table.find(recording)).execute(conn)?;
        return Ok(());
    };
    let at = now();
    let upsert = diesel::insert_into(call_outcomes::table)
        .values((
            call_outcomes::recording_id.eq(recording),
            call_outcomes::outcome.eq(outcome),
            call_outcomes::reason.eq(reason),
            call_outcomes::updated_at.eq(at),
            call_outcomes::updated_by.eq(by),
        ))
        .on_conflict(call_outcomes::recording_id)
        .do_update()
        .set((
            call_outcomes::outcome.eq(outcome),
            call_outcomes::reason.eq(reason),
            call_outcomes::updated_at.eq(at),
            call_outcomes::updated_by.eq(by),
        ));
    crate::db::execute_upsert(conn, upsert)?;
    Ok(())
}

/// Sets a call's outcome as it came with the call (no owner acting).
pub fn record(
    conn: &mut DbConnection,
    recording: &RecordingId,
    outcome: Outcome,
) -> QueryResult<()> {
    write(conn, recording, Some(outcome), None, None)
}

/// The owner sets (or clears) a call's outcome; audited.
pub fn set(
    conn: &mut DbConnection,
    owner: &UserId,
    recording: &RecordingId,
    outcome: Option<&str>,
    why: Option<&str>,
) -> Result<Option<CallOutcome>, RecordingError> {
    let mut problems = Vec::new();
    let outcome = parse("outcome", outcome).unwrap_or_else(|p| {
        problems.push(p);
        None
    });
    let why = reason("reason", why).unwrap_or_else(|p| {
        problems.push(p);
        None
    });
    if !problems.is_empty() {
        return Err(RecordingError::Invalid(problems));
    }
    conn.write_transaction(|conn| {
        let known = recordings::table
            .find(recording)
            .select(recordings::id)
            .first::<RecordingId>(conn)
            .optional()?;
        if known.is_none() {
            return Err(RecordingError::NotFound);
        }
        write(conn, recording, outcome, why.as_deref(), Some(owner))?;
        crate::audit::record(
            conn,
            Some(owner),
            "recording.outcome",
            "recording",
            recording.as_str(),
            serde_json::json!({ "outcome": outcome, "reason": why }),
        )?;
        Ok(of(conn, recording)?)
    })
}

/// One line of a CRM export: a call (by `external_id` or `recording_id`), its outcome, a
/// reason.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
struct Line {
    external_id: Option<String>,
    recording_id: Option<String>,
    outcome: Option<String>,
    reason: Option<String>,
}

/// Sets the outcomes of a CRM export (CSV with a header naming `external_id` or
/// `recording_id`, `outcome`, and optionally `reason`; `,` or `;` between fields). All or
/// nothing: any bad line refuses the whole file, each problem named by its line. Returns how
/// many calls were set.
pub fn import(
    conn: &mut DbConnection,
    owner: &UserId,
    csv_text: &str,
) -> Result<usize, RecordingError> {
    let text = csv_text.trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap_or_default();
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| FieldProblem::new("file", "not_a_csv"))?
        .clone();
    let named = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
    if !(named("external_id") || named("recording_id")) || !named("outcome") {
        return Err(FieldProblem::new("file", "outcome_columns").into());
    }
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (index, row) in reader.deserialize::<Line>().enumerate() {
        let field = format!("line {}", index + 2);
        match row {
            Ok(line) => lines.push((field, line)),
            Err(_) => problems.push(FieldProblem::new(field, "not_a_csv")),
        }
    }
    if lines.len() > 100_000 {
        return Err(FieldProblem::new("file", "too_many")
            .with("max", 100_000)
            .into());
    }
    conn.write_transaction(|conn| {
        let mut set = Vec::new();
        for (field, line) in &lines {
            let outcome = parse(field, line.outcome.as_deref());
            let why = reason(field, line.reason.as_deref());
            let recording = match (&line.recording_id, &line.external_id) {
                (Some(id), _) if !id.is_empty() => recordings::table
                    .find(id)
                    .select(recordings::id)
                    .first::<RecordingId>(conn)
                    .optional()?,
                (_, Some(external)) if !external.is_empty() => inbound_calls::table
                    .filter(inbound_calls::external_id.eq(external))
                    .select(inbound_calls::recording_id)
                    .first::<Option<RecordingId>>(conn)
                    .optional()?
                    .flatten(),
                _ => None,
            };
            match (recording, outcome, why) {
                (Some(recording), Ok(outcome), Ok(why)) => set.push((recording, outcome, why)),
                (None, ..) => problems.push(FieldProblem::new(field.clone(), "unknown_call")),
                (_, Err(problem), _) | (_, _, Err(problem)) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            return Err(RecordingError::Invalid(std::mem::take(&mut problems)));
        }
        for (recording, outcome, why) in &set {
            write(conn, recording, *outcome, why.as_deref(), Some(owner))?;
        }
        crate::audit::record(
            conn,
            Some(owner),
            "recording.outcomes_import",
            "recording",
            "",
            serde_json::json!({ "calls": set.len() }),
        )?;
        Ok(set.len())
    })
}
