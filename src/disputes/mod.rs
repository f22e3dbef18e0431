//! Disputes: an operator contests the verdicts of some steps of their own reviewed call, and
//! the call is settled blind.
//!
//! - Opening ([`open`]): within the settings' days after the feedback (the last counted
//!   review), once per call (the database's unique key decides between racing requests), on
//!   steps whose consensus counts against the operator (`incorrect`), each with a comment.
//! - The call then goes to one more reviewer who never had it, through a lease like any other
//!   (`crate::assignments`): nothing they see says it is a re-review, and their review counts
//!   in no figure of the call (`crate::reviews::contest`).
//! - The owner sees the contested verdicts, the operator's comments and the re-review side by
//!   side ([`detail`]) and upholds or overturns each step with a note ([`decide`]). An
//!   overturned step counts as done correctly for the operator, and against the reviewers
//!   who said `incorrect` (like a gold miss). Everything is in the audit log.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::dashboards::operator::{self as feedback, CallFeedback};
use crate::db::ids::{DisputeId, OperatorId, RecordingId, ReviewId, ScriptVersionId, UserId};
use crate::db::schema::{dispute_steps, disputes, recordings, reviews, verdicts};
use crate::db::time::{Timestamp, now, to_timestamp};
use crate::db::{DbConnection, DbError, is_unique_violation};
use crate::org_settings::OrgSettings;
use crate::reviews::consensus::Outcome;
pub use crate::reviews::contest::{Decision, DisputeStatus};
use crate::reviews::label::reviewer_label;
use crate::reviews::verdict::Verdict;
use crate::validation::FieldProblem;

/// The most characters of an operator's comment or an owner's note.
pub const MAX_TEXT_CHARS: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum DisputeError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    /// No such call or dispute, or not the asker's.
    #[error("no such dispute")]
    NotFound,
    /// The call does not have all its reviews yet.
    #[error("the call is not reviewed yet")]
    NotReviewed,
    /// The days for contesting this call's feedback are over (or contesting is off).
    #[error("the dispute window is closed")]
    WindowClosed,
    /// The call was already contested once.
    #[error("the call was already disputed")]
    AlreadyDisputed,
    /// A step sent was already decided.
    #[error("the step was already decided")]
    AlreadyDecided,
    /// Checking the reviewers for a pause after a decision failed.
    #[error(transparent)]
    Review(#[from] crate::reviews::ReviewError),
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(DisputeError);

/// One contested step as the operator sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StepInput {
    #[serde(default)]
    pub step_key: String,
    #[serde(default)]
    pub comment: String,
}

/// The owner's decision on one step as sent: `uphold` or `overturn`, with a note.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecisionInput {
    #[serde(default)]
    pub step_key: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// A dispute as its operator and its owner both may read it (no reviewer named).
#[derive(Debug, Clone, Serialize)]
pub struct Dispute {
    pub id: DisputeId,
    pub recording_id: RecordingId,
    pub status: DisputeStatus,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub opened_at: Timestamp,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub decided_at: Option<Timestamp>,
    pub steps: Vec<DisputedStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DisputedStep {
    pub step_key: String,
    pub comment: String,
    pub decision: Option<Decision>,
    pub note: Option<String>,
}

/// Until when the operator may contest the call's feedback; `None` when they may not (the
/// feedback is not in, or contesting is off).
pub fn window_end(call: &CallFeedback, settings: &OrgSettings) -> Option<Timestamp> {
    let feedback_at = call.feedback_at.filter(|_| call.complete)?;
    (settings.dispute_days > 0).then(|| {
        to_timestamp(
            feedback_at.assume_utc() + time::Duration::days(i64::from(settings.dispute_days)),
        )
    })
}

/// Whether a step's consensus may be contested: it counts against the operator.
pub fn disputable(outcome: Option<Outcome>) -> bool {
    outcome == Some(Outcome::Incorrect)
}

fn clean_text(field: String, text: &str, problems: &mut Vec<FieldProblem>) -> String {
    let text = text.replace("\r\n", "\n").trim().to_owned();
    if text.is_empty() {
        problems.push(FieldProblem::new(field, "required"));
    } else if text.chars().count() > MAX_TEXT_CHARS {
        problems.push(FieldProblem::new(field, "too_long").with("max", MAX_TEXT_CHARS));
    }
    text
}

/// The operator contests the verdicts of `steps` of their call `recording`. Audited.
pub fn open(
    conn: &mut DbConnection,
    operator: &OperatorId,
    user: &UserId,
    recording: &RecordingId,
    steps: &[StepInput],
) -> Result<Dispute, DisputeError> {
    conn.write_transaction(|conn| {
        let owner_of: Option<OperatorId> = recordings::table
            .find(recording)
            .select(recordings::operator_id)
            .first(conn)
            .optional()?;
        if owner_of.as_ref() != Some(operator) {
            return Err(DisputeError::NotFound);
        }
        let call = feedback::for_recordings(conn, std::slice::from_ref(recording))?
            .into_iter()
            .next()
            .ok_or(DisputeError::NotFound)?;
        if !call.complete {
            return Err(DisputeError::NotReviewed);
        }
        if call.dispute.is_some() {
            return Err(DisputeError::AlreadyDisputed);
        }
        let settings = OrgSettings::load(conn)?;
        let at = now();
        if window_end(&call, &settings).is_none_or(|end| at > end) {
            return Err(DisputeError::WindowClosed);
        }
        let mut problems = Vec::new();
        if steps.is_empty() {
            problems.push(FieldProblem::new("steps", "required"));
        }
        let mut seen = HashSet::new();
        let mut clean = Vec::with_capacity(steps.len());
        for (index, given) in steps.iter().enumerate() {
            let field = |name: &str| format!("steps[{index}].{name}");
            let key = given.step_key.trim();
            match call.steps.iter().find(|s| s.key == key) {
                None => problems.push(FieldProblem::new(field("step_key"), "unknown_step")),
                Some(_) if !seen.insert(key) => {
                    problems.push(FieldProblem::new(field("step_key"), "duplicate_step"))
                }
                Some(step) if !disputable(step.verdict) => {
                    problems.push(FieldProblem::new(field("step_key"), "not_disputable"))
                }
                Some(_) => {}
            }
            let comment = clean_text(field("comment"), &given.comment, &mut problems);
            clean.push((key.to_owned(), comment));
        }
        if !problems.is_empty() {
            return Err(DisputeError::Invalid(problems));
        }
        let id = DisputeId::random();
        diesel::insert_into(disputes::table)
            .values((
                disputes::id.eq(&id),
                disputes::recording_id.eq(recording),
                disputes::opened_by.eq(user),
                disputes::opened_at.eq(at),
                disputes::status.eq(DisputeStatus::AwaitingReview),
            ))
            .execute(conn)
            .map_err(|e| {
                if is_unique_violation(&e) {
                    DisputeError::AlreadyDisputed
                } else {
                    e.into()
                }
            })?;
        for (key, comment) in &clean {
            diesel::insert_into(dispute_steps::table)
                .values((
                    dispute_steps::dispute_id.eq(&id),
                    dispute_steps::step_key.eq(key),
                    dispute_steps::comment.eq(comment),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            Some(user),
            "dispute.open",
            "recording",
            recording.as_str(),
            serde_json::json!({
                "dispute_id": id.as_str(),
                "steps": clean.iter().map(|(key, _)| key).collect::<Vec<_>>(),
            }),
        )?;
        load(conn, &id)
    })
}

/// A dispute with its steps.
pub fn load(conn: &mut DbConnection, id: &DisputeId) -> Result<Dispute, DisputeError> {
    let (recording_id, status, opened_at, decided_at): (
        RecordingId,
        DisputeStatus,
        Timestamp,
        Option<Timestamp>,
    ) = disputes::table
        .find(id)
        .select((
            disputes::recording_id,
            disputes::status,
            disputes::opened_at,
            disputes::decided_at,
        ))
        .first(conn)?;
    let steps: Vec<(String, String, Option<Decision>, Option<String>)> = dispute_steps::table
        .filter(dispute_steps::dispute_id.eq(id))
        .order(dispute_steps::step_key.asc())
        .select((
            dispute_steps::step_key,
            dispute_steps::comment,
            dispute_steps::decision,
            dispute_steps::note,
        ))
        .load(conn)?;
    Ok(Dispute {
        id: id.clone(),
        recording_id,
        status,
        opened_at,
        decided_at,
        steps: steps
            .into_iter()
            .map(|(step_key, comment, decision, note)| DisputedStep {
                step_key,
                comment,
                decision,
                note,
            })
            .collect(),
    })
}

/// The owner upholds or overturns contested steps, each with a note; the dispute is decided
/// once every step is. A step is decided once: sending it again (or two owners at once) is a
/// conflict and changes nothing. The reviewers whose verdicts were decided on are checked for
/// a pause, as after a gold review. Audited.
pub fn decide(
    conn: &mut DbConnection,
    owner: &UserId,
    id: &DisputeId,
    input: &[DecisionInput],
) -> Result<Dispute, DisputeError> {
    conn.write_transaction(|conn| {
        let dispute = load(conn, id)?;
        let mut problems = Vec::new();
        if input.is_empty() {
            problems.push(FieldProblem::new("steps", "required"));
        }
        let mut seen = HashSet::new();
        let mut clean = Vec::with_capacity(input.len());
        for (index, given) in input.iter().enumerate() {
            let field = |name: &str| format!("steps[{index}].{name}");
            let key = given.step_key.trim();
            if !dispute.steps.iter().any(|s| s.step_key == key) {
                problems.push(FieldProblem::new(field("step_key"), "unknown_step"));
            } else if !seen.insert(key) {
                problems.push(FieldProblem::new(field("step_key"), "duplicate_step"));
            }
            let decision = match given.decision.trim() {
                "uphold" => Some(Decision::Upheld),
                "overturn" => Some(Decision::Overturned),
                _ => {
                    problems.push(FieldProblem::new(field("decision"), "unknown_value"));
                    None
                }
            };
            let note = clean_text(field("note"), &given.note, &mut problems);
            if let Some(decision) = decision {
                clean.push((key.to_owned(), decision, note));
            }
        }
        if !problems.is_empty() {
            return Err(DisputeError::Invalid(problems));
        }
        let at = now();
        for (key, decision, note) in &clean {
            let decided = diesel::update(
                dispute_steps::table
                    .find((id, key))
                    .filter(dispute_steps::decision.is_null()),
            )
            .set((
                dispute_steps::decision.eq(decision),
                dispute_steps::note.eq(note),
                dispute_steps::decided_at.eq(at),
                dispute_steps::decided_by.eq(owner),
            ))
            .execute(conn)?;
            if decided == 0 {
                return Err(DisputeError::AlreadyDecided);
            }
        }
        let undecided: i64 = dispute_steps::table
            .filter(dispute_steps::dispute_id.eq(id))
            .filter(dispute_steps::decision.is_null())
            .count()
            .get_result(conn)?;
        if undecided == 0 {
            diesel::update(disputes::table.find(id))
                .set((
                    disputes::status.eq(DisputeStatus::Decided),
                    disputes::decided_at.eq(at),
                    disputes::decided_by.eq(owner),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            Some(owner),
            "dispute.decide",
            "recording",
            dispute.recording_id.as_str(),
            serde_json::json!({
                "dispute_id": id.as_str(),
                "steps": clean
                    .iter()
                    .map(|(key, decision, note)| serde_json::json!({
                        "step_key": key, "decision": decision, "note": note,
                    }))
                    .collect::<Vec<_>>(),
            }),
        )?;
        // The decided steps score the reviewers of the call: a pause may follow.
        let settings = OrgSettings::load(conn)?;
        let reviewers: Vec<UserId> = reviews::table
            .filter(reviews::recording_id.eq(&dispute.recording_id))
            .filter(crate::reviews::counted())
            .select(reviews::reviewer_id)
            .load(conn)?;
        for reviewer in &reviewers {
            crate::reviews::gold::check_pause(conn, reviewer, &settings)?;
        }
        load(conn, id)
    })
}

/// A line of the owner's list of disputes.
#[derive(Debug, Clone, Serialize)]
pub struct DisputeLine {
    pub id: DisputeId,
    pub recording_id: RecordingId,
    pub status: DisputeStatus,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub opened_at: Timestamp,
    /// Whole days since it was opened.
    pub age_days: i64,
    pub steps: usize,
    pub operator: String,
}

/// The disputes not yet decided, oldest first (or every dispute, newest first, with `all`).
pub fn list(conn: &mut DbConnection, all: bool) -> QueryResult<Vec<DisputeLine>> {
    use crate::db::schema::operators;
    let mut query = disputes::table
        .inner_join(recordings::table.inner_join(operators::table))
        .select((
            disputes::id,
            disputes::recording_id,
            disputes::status,
            disputes::opened_at,
            operators::name,
        ))
        .into_boxed();
    query = if all {
        query.order(disputes::opened_at.desc())
    } else {
        query
            .filter(disputes::status.ne(DisputeStatus::Decided))
            .order(disputes::opened_at.asc())
    };
    let rows: Vec<(DisputeId, RecordingId, DisputeStatus, Timestamp, String)> =
        query.limit(500).load(conn)?;
    let ids: Vec<&DisputeId> = rows.iter().map(|r| &r.0).collect();
    let counts: HashMap<DisputeId, i64> = dispute_steps::table
        .filter(dispute_steps::dispute_id.eq_any(&ids))
        .group_by(dispute_steps::dispute_id)
        .select((dispute_steps::dispute_id, diesel::dsl::count_star()))
        .load::<(DisputeId, i64)>(conn)?
        .into_iter()
        .collect();
    let at = now();
    Ok(rows
        .into_iter()
        .map(
            |(id, recording_id, status, opened_at, operator)| DisputeLine {
                steps: counts.get(&id).copied().unwrap_or(0) as usize,
                age_days: (at - opened_at).whole_days(),
                id,
                recording_id,
                status,
                opened_at,
                operator,
            },
        )
        .collect())
}

/// How many disputes wait for the owner's decision (or for their re-review).
pub fn open_count(conn: &mut DbConnection) -> QueryResult<i64> {
    disputes::table
        .filter(disputes::status.ne(DisputeStatus::Decided))
        .count()
        .get_result(conn)
}

/// One reviewer's verdict on a contested step, under the neutral label of their review.
#[derive(Debug, Clone, Serialize)]
pub struct GivenVerdict {
    pub reviewer: String,
    pub verdict: Verdict,
    pub comment: Option<String>,
    pub at_ms: Option<i64>,
}

/// A contested step side by side: the consensus that was contested, the verdicts behind it,
/// the operator's comment, the blind re-review's verdict, and the decision.
#[derive(Debug, Clone, Serialize)]
pub struct SideBySide {
    pub step_key: String,
    pub title: String,
    pub critical: bool,
    /// The consensus of the counted reviews (before any overturn).
    pub contested: Option<Outcome>,
    pub original: Vec<GivenVerdict>,
    pub operator_comment: String,
    /// `None` while the re-review is not in.
    pub re_review: Option<GivenVerdict>,
    pub decision: Option<Decision>,
    pub note: Option<String>,
}

/// What the owner decides on.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub dispute: Dispute,
    pub operator: String,
    pub steps_side_by_side: Vec<SideBySide>,
}

/// The owner's view of a dispute: the call's counted reviews and the re-review are read
/// once, and the contested consensus is weighed from those same verdicts.
pub fn detail(conn: &mut DbConnection, id: &DisputeId) -> Result<Detail, DisputeError> {
    use crate::db::schema::operators;
    let dispute = load(conn, id)?;
    let (operator, version, re_review): (String, ScriptVersionId, Option<ReviewId>) =
        disputes::table
            .inner_join(recordings::table.inner_join(operators::table))
            .filter(disputes::id.eq(id))
            .select((
                operators::name,
                recordings::script_version_id,
                disputes::re_review_id,
            ))
            .first(conn)?;
    let counted: Vec<(ReviewId, UserId)> = reviews::table
        .filter(reviews::recording_id.eq(&dispute.recording_id))
        .filter(crate::reviews::counted())
        .order((reviews::submitted_at.asc(), reviews::id.asc()))
        .select((reviews::id, reviews::reviewer_id))
        .load(conn)?;
    // Each counted review's neutral label and reviewer, by its rank among the call's reviews.
    let of_review: HashMap<&ReviewId, (String, &UserId)> = counted
        .iter()
        .enumerate()
        .map(|(rank, (review, reviewer))| (review, (reviewer_label(rank), reviewer)))
        .collect();
    let keys: Vec<&String> = dispute.steps.iter().map(|s| &s.step_key).collect();
    let mut review_ids: Vec<&ReviewId> = counted.iter().map(|(review, _)| review).collect();
    review_ids.extend(re_review.as_ref());
    type Given = (ReviewId, String, Verdict, Option<String>, Option<i64>);
    let given: Vec<Given> = verdicts::table
        .filter(verdicts::review_id.eq_any(&review_ids))
        .filter(verdicts::step_key.eq_any(&keys))
        .select((
            verdicts::review_id,
            verdicts::step_key,
            verdicts::verdict,
            verdicts::comment,
            verdicts::at_ms,
        ))
        .load(conn)?;
    let reviewers: Vec<UserId> = counted.iter().map(|(_, r)| r.clone()).collect();
    let model = crate::reviews::weighted::load(conn, &reviewers)?;
    let steps = crate::scripts::version_steps(conn, &version)?;
    let steps_side_by_side = dispute
        .steps
        .iter()
        .map(|step| {
            let mut original = Vec::new();
            let mut weighed: Vec<(&UserId, Verdict)> = Vec::new();
            let mut again = None;
            for (review, _, verdict, comment, at_ms) in
                given.iter().filter(|g| g.1 == step.step_key)
            {
                let shown = |reviewer: String| GivenVerdict {
                    reviewer,
                    verdict: *verdict,
                    comment: comment.clone(),
                    at_ms: *at_ms,
                };
                if re_review.as_ref() == Some(review) {
                    again = Some(shown(String::new()));
                } else if let Some((label, reviewer)) = of_review.get(review) {
                    original.push(shown(label.clone()));
                    weighed.push((reviewer, *verdict));
                }
            }
            original.sort_by(|a, b| a.reviewer.cmp(&b.reviewer));
            let of_version = steps.iter().find(|s| s.key == step.step_key);
            SideBySide {
                step_key: step.step_key.clone(),
                title: of_version.map(|s| s.title.clone()).unwrap_or_default(),
                critical: of_version.is_some_and(|s| s.critical),
                // The model's, whatever the decision made of it since.
                contested: model.step(&weighed).outcome,
                original,
                operator_comment: step.comment.clone(),
                re_review: again,
                decision: step.decision,
                note: step.note.clone(),
            }
        })
        .collect();
    Ok(Detail {
        dispute,
        operator,
        steps_side_by_side,
    })
}

/// The operator's dispute of their call, if any (another's call: not found).
pub fn own(
    conn: &mut DbConnection,
    operator: &OperatorId,
    recording: &RecordingId,
) -> Result<Option<Dispute>, DisputeError> {
    let theirs: i64 = recordings::table
        .find(recording)
        .filter(recordings::operator_id.eq(operator))
        .count()
        .get_result(conn)?;
    if theirs == 0 {
        return Err(DisputeError::NotFound);
    }
    let id: Option<DisputeId> = disputes::table
        .filter(disputes::recording_id.eq(recording))
        .select(disputes::id)
        .first(conn)
        .optional()?;
    id.map(|id| load(conn, &id)).transpose()
}
