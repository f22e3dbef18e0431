//! What the reviews of a call add up to, as operators and owners read it: each step's
//! consensus, the reviewers' comments under neutral labels ("Reviewer A"), and the score.
//! Only calls with all their reviews in have a consensus. A step an owner overturned in the
//! operator's dispute counts as done correctly; a critical step's `incorrect` fails the call. The operator's feed is their
//! reviewed calls; [`trend`] what those calls say over the weeks.

pub mod trend;

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::DashboardError;
use crate::db::ids::{
    DisputeId, OperatorId, RecordingId, ReviewId, ScriptId, ScriptVersionId, UserId,
};
use crate::db::schema::{dispute_steps, disputes, recordings, reviews, script_versions, verdicts};
use crate::db::time::Timestamp;
use crate::db::{Db, DbConnection};
use crate::reviews::consensus::{Graded, Outcome, call_score};
use crate::reviews::contest::{Decision, DisputeStatus};
use crate::reviews::label::reviewer_label;
use crate::reviews::verdict::Verdict;
use crate::reviews::weighted;
use crate::scripts::version_steps;

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// "A", "B", …: which review of this call it came from, never who wrote it.
    pub reviewer: String,
    pub verdict: Verdict,
    pub text: String,
    pub at_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepFeedback {
    pub key: String,
    pub title: String,
    pub position: i32,
    /// The consensus (`correct` once an owner overturned it); `null` while reviews are
    /// still missing.
    pub verdict: Option<Outcome>,
    /// An `incorrect` here fails the call.
    pub critical: bool,
    /// The step may not come up (`did_not_arise`).
    pub optional: bool,
    /// Its weight in the score, when the owner weighs steps.
    pub weight: Option<i32>,
    pub correct: usize,
    pub incorrect: usize,
    pub missing: usize,
    pub did_not_arise: usize,
    pub comments: Vec<Comment>,
    /// The operator contested this step's verdict: their comment and the owner's decision.
    pub dispute: Option<StepDispute>,
}

/// One contested step: what the operator said, and (once decided) the owner's decision and
/// note. Never who reviewed.
#[derive(Debug, Clone, Serialize)]
pub struct StepDispute {
    pub comment: String,
    pub decision: Option<Decision>,
    pub note: Option<String>,
}

/// The operator's dispute of a call, as the operator reads it.
#[derive(Debug, Clone, Serialize)]
pub struct CallDispute {
    pub id: DisputeId,
    pub status: DisputeStatus,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub opened_at: Timestamp,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub decided_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallFeedback {
    pub recording_id: RecordingId,
    #[serde(skip)]
    pub operator_id: OperatorId,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub called_at: Option<Timestamp>,
    /// When the call was uploaded (the date shown when the call time is unknown).
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub uploaded_at: Timestamp,
    pub duration_ms: i64,
    pub script_id: ScriptId,
    pub script_version: i32,
    pub reviews_required: i32,
    pub reviews_done: i32,
    pub complete: bool,
    /// correct / (correct + incorrect) over the consensus, each step weighed by its weight
    /// when the owner set weights, 0–1; 0 after a critical failure.
    pub score: Option<f64>,
    /// An `incorrect` consensus on a critical step: the call failed.
    pub critical_failure: bool,
    /// When the last review that counts came in: the feedback's time, from which the
    /// operator may contest verdicts for the settings' days.
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub feedback_at: Option<Timestamp>,
    pub acknowledged: bool,
    pub steps: Vec<StepFeedback>,
    pub dispute: Option<CallDispute>,
}

/// A verdict as loaded: review, step key, verdict, comment, marked time.
type Mark = (ReviewId, String, Verdict, Option<String>, Option<i64>);

type RecordingRow = (
    RecordingId,
    OperatorId,
    ScriptVersionId,
    Option<Timestamp>,
    Timestamp,
    Option<i64>,
    i32,
    i32,
    Option<Timestamp>,
);

/// Feedback for each of the recordings, in the order given.
pub fn for_recordings(
    conn: &mut DbConnection,
    ids: &[RecordingId],
) -> QueryResult<Vec<CallFeedback>> {
    let rows: Vec<RecordingRow> = recordings::table
        .filter(recordings::id.eq_any(ids))
        .select((
            recordings::id,
            recordings::operator_id,
            recordings::script_version_id,
            recordings::called_at,
            recordings::created_at,
            recordings::duration_ms,
            recordings::reviews_required,
            recordings::reviews_done,
            recordings::acknowledged_at,
        ))
        .load(conn)?;
    let review_rows: Vec<(ReviewId, RecordingId, UserId, Timestamp)> = reviews::table
        .filter(reviews::recording_id.eq_any(ids))
        .filter(crate::reviews::counted())
        .order((reviews::submitted_at.asc(), reviews::id.asc()))
        .select((
            reviews::id,
            reviews::recording_id,
            reviews::reviewer_id,
            reviews::submitted_at,
        ))
        .load(conn)?;
    let mut feedback_at: HashMap<&RecordingId, Timestamp> = HashMap::new();
    for (_, recording, _, at) in &review_rows {
        feedback_at.insert(recording, *at);
    }
    let (calls_disputed, steps_disputed) = disputes_of(conn, ids)?;
    let reviewers: Vec<UserId> = review_rows.iter().map(|r| r.2.clone()).collect();
    let model = weighted::load(conn, &reviewers)?;
    let reviewer_of: HashMap<&ReviewId, &UserId> =
        review_rows.iter().map(|(r, _, who, _)| (r, who)).collect();
    let review_ids: Vec<&ReviewId> = review_rows.iter().map(|r| &r.0).collect();
    let marks: Vec<Mark> = verdicts::table
        .filter(verdicts::review_id.eq_any(&review_ids))
        .select((
            verdicts::review_id,
            verdicts::step_key,
            verdicts::verdict,
            verdicts::comment,
            verdicts::at_ms,
        ))
        .load(conn)?;
    // The label of each review: its rank among the reviews of its call.
    let mut labels: HashMap<&ReviewId, String> = HashMap::new();
    let mut per_call: HashMap<&RecordingId, usize> = HashMap::new();
    for (review, recording, _, _) in &review_rows {
        let rank = per_call.entry(recording).or_default();
        labels.insert(review, reviewer_label(*rank));
        *rank += 1;
    }
    let call_of: HashMap<&ReviewId, &RecordingId> =
        review_rows.iter().map(|(r, c, _, _)| (r, c)).collect();
    // The verdicts of each call's step, gathered once rather than searched per step.
    let mut by_step: HashMap<(&RecordingId, &str), Vec<&Mark>> = HashMap::new();
    for mark in &marks {
        if let Some(call) = call_of.get(&mark.0) {
            by_step
                .entry((call, mark.1.as_str()))
                .or_default()
                .push(mark);
        }
    }

    let mut versions: HashMap<ScriptVersionId, (ScriptId, i32, Vec<crate::scripts::Step>)> =
        HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for id in ids {
        let Some(row) = rows.iter().find(|r| r.0 == *id) else {
            continue;
        };
        let (id, operator_id, version_id, called_at, uploaded_at, duration, required, done, ack) =
            row.clone();
        if !versions.contains_key(&version_id) {
            let (script_id, number): (ScriptId, i32) = script_versions::table
                .find(&version_id)
                .select((script_versions::script_id, script_versions::number))
                .first(conn)?;
            let steps = version_steps(conn, &version_id)?;
            versions.insert(version_id.clone(), (script_id, number, steps));
        }
        let (script_id, number, steps) = &versions[&version_id];
        let complete = done >= required;
        let steps: Vec<StepFeedback> = steps
            .iter()
            .map(|step| {
                let of_step = by_step
                    .get(&(&id, step.key.as_str()))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let given: Vec<(&UserId, Verdict)> = of_step
                    .iter()
                    .filter_map(|m| Some((*reviewer_of.get(&m.0)?, m.2)))
                    .collect();
                let count = |v: Verdict| given.iter().filter(|(_, g)| *g == v).count();
                let mut comments: Vec<Comment> = of_step
                    .iter()
                    .filter_map(|m| {
                        Some(Comment {
                            reviewer: labels.get(&m.0)?.clone(),
                            verdict: m.2,
                            text: m.3.clone()?,
                            at_ms: m.4,
                        })
                    })
                    .collect();
                comments.sort_by(|a, b| a.reviewer.cmp(&b.reviewer));
                let dispute = steps_disputed.get(&(id.clone(), step.key.clone())).cloned();
                let overturned = dispute
                    .as_ref()
                    .is_some_and(|d| d.decision == Some(Decision::Overturned));
                StepFeedback {
                    key: step.key.clone(),
                    title: step.title.clone(),
                    position: step.position,
                    verdict: match (complete, overturned) {
                        (false, _) => None,
                        (true, true) => Some(Outcome::Correct),
                        (true, false) => model.step(&given).outcome,
                    },
                    critical: step.critical,
                    optional: step.optional,
                    weight: step.weight,
                    correct: count(Verdict::Correct),
                    incorrect: count(Verdict::Incorrect),
                    missing: count(Verdict::Missing),
                    did_not_arise: count(Verdict::DidNotArise),
                    comments,
                    dispute,
                }
            })
            .collect();
        let graded: Vec<Graded> = steps
            .iter()
            .filter_map(|s| {
                Some(Graded {
                    outcome: s.verdict?,
                    critical: s.critical,
                    weight: s.weight,
                })
            })
            .collect();
        let scored = call_score(&graded);
        let feedback_at = feedback_at.get(&id).copied();
        let dispute = calls_disputed.get(&id).cloned();
        out.push(CallFeedback {
            recording_id: id,
            operator_id,
            called_at,
            uploaded_at,
            duration_ms: duration.unwrap_or(0),
            script_id: script_id.clone(),
            script_version: *number,
            reviews_required: required,
            reviews_done: done,
            complete,
            score: if complete { scored.score } else { None },
            critical_failure: complete && scored.critical_failure,
            feedback_at,
            acknowledged: ack.is_some(),
            steps,
            dispute,
        });
    }
    Ok(out)
}

type StepKey = (RecordingId, String);
/// A contested step as loaded: call, step key, comment, decision, note.
type DisputedRow = (
    RecordingId,
    String,
    String,
    Option<Decision>,
    Option<String>,
);
/// A dispute as loaded: id, call, status, opened, decided.
type DisputeRow = (
    DisputeId,
    RecordingId,
    DisputeStatus,
    Timestamp,
    Option<Timestamp>,
);

/// The disputes of the recordings, and their contested steps.
fn disputes_of(
    conn: &mut DbConnection,
    ids: &[RecordingId],
) -> QueryResult<(
    HashMap<RecordingId, CallDispute>,
    HashMap<StepKey, StepDispute>,
)> {
    let calls: Vec<DisputeRow> = disputes::table
        .filter(disputes::recording_id.eq_any(ids))
        .select((
            disputes::id,
            disputes::recording_id,
            disputes::status,
            disputes::opened_at,
            disputes::decided_at,
        ))
        .load(conn)?;
    if calls.is_empty() {
        return Ok(Default::default());
    }
    let steps: Vec<DisputedRow> = dispute_steps::table
        .inner_join(disputes::table)
        .filter(disputes::recording_id.eq_any(ids))
        .select((
            disputes::recording_id,
            dispute_steps::step_key,
            dispute_steps::comment,
            dispute_steps::decision,
            dispute_steps::note,
        ))
        .load(conn)?;
    let calls = calls
        .into_iter()
        .map(|(id, recording, status, opened_at, decided_at)| {
            let dispute = CallDispute {
                id,
                status,
                opened_at,
                decided_at,
            };
            (recording, dispute)
        })
        .collect();
    let steps = steps
        .into_iter()
        .map(|(recording, key, comment, decision, note)| {
            let step = StepDispute {
                comment,
                decision,
                note,
            };
            ((recording, key), step)
        })
        .collect();
    Ok((calls, steps))
}

/// An operator's calls that have all their reviews, newest first.
pub fn operator_calls(
    conn: &mut DbConnection,
    operator: &OperatorId,
) -> QueryResult<Vec<CallFeedback>> {
    let ids: Vec<RecordingId> = recordings::table
        .filter(recordings::operator_id.eq(operator))
        .filter(recordings::reviews_done.ge(recordings::reviews_required))
        .order(recordings::created_at.desc())
        .select(recordings::id)
        .load(conn)?;
    for_recordings(conn, &ids)
}

/// The operator's reviewed calls, newest first by when the call took place (else when it
/// was uploaded); empty for an operator login that is not linked to an operator record.
pub async fn own_calls(
    db: &Db,
    operator: Option<OperatorId>,
) -> Result<Vec<CallFeedback>, DashboardError> {
    let Some(operator) = operator else {
        return Ok(Vec::new());
    };
    let mut calls = db
        .run(move |conn| Ok::<_, DashboardError>(operator_calls(conn, &operator)?))
        .await?;
    calls.sort_by_key(|c| std::cmp::Reverse(c.called_at.unwrap_or(c.uploaded_at)));
    Ok(calls)
}

/// One of the operator's own reviewed calls; anything else is "not found".
pub async fn own_call(
    db: &Db,
    operator: Option<OperatorId>,
    id: String,
) -> Result<CallFeedback, DashboardError> {
    let operator = operator.ok_or(DashboardError::NotFound)?;
    let id = RecordingId::from_raw(id);
    let found = db
        .run(move |conn| Ok::<_, DashboardError>(for_recordings(conn, &[id])?))
        .await?;
    found
        .into_iter()
        .find(|call| call.operator_id == operator && call.complete)
        .ok_or(DashboardError::NotFound)
}
