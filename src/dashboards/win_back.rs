//! The win-back list: lost calls with a failed step, newest first, each with the step where
//! it first went wrong and what the reviewers wrote there, for someone to call the customer
//! back. The owner marks each as called back, won back or no chance; the list's figures
//! count them (how many were won back of those lost).

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use super::DashboardError;
use super::funnel::FailedCall;
use crate::db::DbConnection;
use crate::db::ids::{RecordingId, ScriptId, UserId};
use crate::db::ingest_schema::{call_outcomes, win_backs};
use crate::db::schema::{recordings, reviews, verdicts};
use crate::db::time::{Timestamp, now};
use crate::recordings::outcome::Outcome as CallEnd;
use crate::validation::FieldProblem;

crate::text_enum! {
    /// What came of calling a lost customer back.
    WinBack {
        CalledBack = "called_back",
        WonBack = "won_back",
        NoChance = "no_chance",
    }
}

/// One lost call on the list.
#[derive(Debug, Clone, Serialize)]
pub struct WinBackLine {
    pub recording_id: RecordingId,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub called_at: Option<Timestamp>,
    pub step_key: String,
    pub step_title: String,
    /// What the reviewers wrote on that step (no names: reviewers stay anonymous).
    pub comments: Vec<String>,
    pub reason: Option<String>,
    pub status: Option<WinBack>,
}

/// The list and its figures.
#[derive(Debug, Clone, Serialize)]
pub struct WinBackList {
    pub lines: Vec<WinBackLine>,
    pub called_back: usize,
    pub won_back: usize,
    pub no_chance: usize,
}

/// What the list shows of a lost call besides its step: when, why lost, what came of it.
type Facts = (Option<Timestamp>, Option<String>, Option<WinBack>);

/// The lost calls among `failed` (the funnel's calls by first failure), newest first.
pub fn list(
    conn: &mut DbConnection,
    failed: &[FailedCall],
    titles: &BTreeMap<String, String>,
) -> Result<WinBackList, DashboardError> {
    let lost: Vec<&FailedCall> = failed
        .iter()
        .filter(|c| c.outcome == Some(CallEnd::Lost))
        .collect();
    let ids: Vec<&RecordingId> = lost.iter().map(|c| &c.recording_id).collect();
    let facts: BTreeMap<RecordingId, Facts> = recordings::table
        .inner_join(call_outcomes::table)
        .left_join(win_backs::table)
        .filter(recordings::id.eq_any(&ids))
        .select((
            recordings::id,
            recordings::called_at,
            call_outcomes::reason,
            win_backs::status.nullable(),
        ))
        .load::<(
            RecordingId,
            Option<Timestamp>,
            Option<String>,
            Option<String>,
        )>(conn)?
        .into_iter()
        .map(|(id, at, reason, status)| {
            (id, (at, reason, status.as_deref().and_then(WinBack::parse)))
        })
        .collect();
    let notes: Vec<(RecordingId, String, Option<String>)> = verdicts::table
        .inner_join(reviews::table)
        .filter(reviews::recording_id.eq_any(&ids))
        .filter(crate::reviews::counted())
        .select((reviews::recording_id, verdicts::step_key, verdicts::comment))
        .load(conn)?;
    let mut lines: Vec<WinBackLine> = lost
        .iter()
        .map(|call| {
            let (called_at, reason, status) =
                facts.get(&call.recording_id).cloned().unwrap_or_default();
            WinBackLine {
                recording_id: call.recording_id.clone(),
                called_at,
                step_key: call.step_key.clone(),
                step_title: titles.get(&call.step_key).cloned().unwrap_or_default(),
                comments: notes
                    .iter()
                    .filter(|(id, key, _)| id == &call.recording_id && key == &call.step_key)
                    .filter_map(|(_, _, comment)| comment.clone())
                    .collect(),
                reason,
                status,
            }
        })
        .collect();
    lines.sort_by_key(|l| std::cmp::Reverse(l.called_at));
    let count = |wanted| lines.iter().filter(|l| l.status == Some(wanted)).count();
    Ok(WinBackList {
        called_back: count(WinBack::CalledBack),
        won_back: count(WinBack::WonBack),
        no_chance: count(WinBack::NoChance),
        lines,
    })
}

/// Marks what came of calling a lost call back (empty: not yet); only lost calls.
pub fn mark(
    conn: &mut DbConnection,
    owner: &UserId,
    recording: &RecordingId,
    status: &str,
) -> Result<(), DashboardError> {
    let status =
        match status.trim() {
            "" => None,
            word => Some(WinBack::parse(word).ok_or_else(|| {
                DashboardError::from(FieldProblem::new("status", "unknown_value"))
            })?),
        };
    conn.write_transaction(|conn| {
        let end: Option<CallEnd> = call_outcomes::table
            .find(recording)
            .select(call_outcomes::outcome)
            .first(conn)
            .optional()?;
        if end != Some(CallEnd::Lost) {
            return Err(DashboardError::NotFound);
        }
        match status {
            None => {
                diesel::delete(win_backs::table.find(recording)).execute(conn)?;
            }
            Some(status) => {
                let at = now();
                let upsert = diesel::insert_into(win_backs::table)
                    .values((
                        win_backs::recording_id.eq(recording),
                        win_backs::status.eq(status.as_str()),
                        win_backs::updated_at.eq(at),
                        win_backs::updated_by.eq(owner),
                    ))
                    .on_conflict(win_backs::recording_id)
                    .do_update()
                    .set((
                        win_backs::status.eq(status.as_str()),
                        win_backs::updated_at.eq(at),
                        win_backs::updated_by.eq(owner),
                    ));
                crate::db::execute_upsert(conn, upsert)?;
            }
        }
        crate::audit::record(
            conn,
            Some(owner),
            "recording.win_back",
            "recording",
            recording.as_str(),
            serde_json::json!({ "status": status }),
        )?;
        Ok(())
    })
}

/// The titles of a script version's steps, by key.
pub fn titles(
    conn: &mut DbConnection,
    script: &ScriptId,
    version: i32,
) -> Result<BTreeMap<String, String>, DashboardError> {
    let version = crate::scripts::load_version(conn, script, version)
        .map_err(|_| DashboardError::NotFound)?;
    Ok(version
        .steps
        .into_iter()
        .map(|s| (s.key, s.title))
        .collect())
}
