//! One call's reviews as the owner reads them: every review side by side, step by step (the
//! reviewer, each verdict with its comment and marked time, whether the review was rejected
//! and why, a gold review's score against the key), and per step the consensus of the
//! reviews that count, how far they agree, and whether they disagree at all. Only the owner
//! reads this; reviewers never see another reviewer's verdicts.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::ids::{RecordingId, ReviewId, StepId, UserId};
use crate::db::schema::{assignments, recordings, reviews, users, verdicts};
use crate::db::time::Timestamp;
use crate::reviews::ReviewStatus;
use crate::reviews::consensus::Outcome;
use crate::reviews::gold::{self, GoldAnswer, GoldKey, KeyAnswer};
use crate::reviews::heard;
use crate::reviews::overlap::{self, Standing};
use crate::reviews::verdict::Verdict;
use crate::reviews::weighted;
use crate::scripts::version_steps;

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerdictLine {
    pub step_id: StepId,
    pub step_key: String,
    pub verdict: Verdict,
    pub comment: Option<String>,
    pub at_ms: Option<i64>,
}

/// A gold review's result against the key: `hits` of `scored` steps (`any` is not scored).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct GoldScore {
    pub scored: usize,
    pub hits: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewLine {
    pub id: ReviewId,
    pub reviewer: Person,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub submitted_at: Timestamp,
    pub status: ReviewStatus,
    /// A review of the call made while it was gold: scored against the key, not part of
    /// the consensus.
    pub gold: bool,
    pub gold_score: Option<GoldScore>,
    pub reject_reason: Option<String>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub rejected_at: Option<Timestamp>,
    /// Time from the draw to the review, over the call's length.
    pub listen_ratio: Option<f64>,
    /// How much of the call the reviewer's player reported as played (milliseconds, each
    /// moment once) and that share of the call in whole percent; `null` for a review sent
    /// without it.
    pub heard_ms: Option<i64>,
    pub heard_percent: Option<i64>,
    pub verdicts: Vec<VerdictLine>,
}

/// The consensus of one step over the reviews that count.
#[derive(Debug, Clone, Serialize)]
pub struct ConsensusStep {
    pub step_key: String,
    pub title: String,
    /// The weighted consensus's verdict (`split` on a tie or when unsure; the majority's
    /// until reviewers are weighed); `null` when no counted review graded it.
    pub verdict: Option<Outcome>,
    /// How likely that verdict is, 0–1; `null` until a fit weighs the reviewers.
    pub confidence: Option<f64>,
    /// The share of counted reviews that gave the most common verdict, 0–1.
    pub agreement: Option<f64>,
    /// Counted reviews gave different verdicts.
    pub disagreement: bool,
    /// The gold key's answer, when the call has a key.
    pub key: Option<GoldAnswer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallReviews {
    pub reviews: Vec<ReviewLine>,
    pub consensus: Vec<ConsensusStep>,
    /// Every review the call needs has been counted.
    pub complete: bool,
    pub gold: Option<GoldKey>,
    /// Where dynamic overlap stands; `None` when the call's overlap is fixed.
    pub overlap: Option<Standing>,
}

type Row = (
    ReviewId,
    UserId,
    String,
    Timestamp,
    ReviewStatus,
    bool,
    Option<String>,
    Option<Timestamp>,
    Timestamp,
    Option<i64>,
);

/// The reviews of one call (oldest first); `None` when there is no such call.
pub fn load(conn: &mut DbConnection, recording: &RecordingId) -> QueryResult<Option<CallReviews>> {
    let Some((version, duration, required, done)) = recordings::table
        .find(recording)
        .select((
            recordings::script_version_id,
            recordings::duration_ms,
            recordings::reviews_required,
            recordings::reviews_done,
        ))
        .first::<(crate::db::ids::ScriptVersionId, Option<i64>, i32, i32)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let steps = version_steps(conn, &version)?;
    let rows: Vec<Row> = reviews::table
        .inner_join(users::table.on(users::id.eq(reviews::reviewer_id)))
        .inner_join(assignments::table)
        .filter(reviews::recording_id.eq(recording))
        .order((reviews::submitted_at.asc(), reviews::id.asc()))
        .select((
            reviews::id,
            users::id,
            users::display_name,
            reviews::submitted_at,
            reviews::status,
            reviews::gold,
            reviews::reject_reason,
            reviews::rejected_at,
            assignments::assigned_at,
            reviews::heard_ms,
        ))
        .load(conn)?;
    let ids: Vec<&ReviewId> = rows.iter().map(|r| &r.0).collect();
    let mut marks: HashMap<ReviewId, Vec<VerdictLine>> = HashMap::new();
    for (review, step_id, step_key, verdict, comment, at_ms) in verdicts::table
        .filter(verdicts::review_id.eq_any(&ids))
        .select((
            verdicts::review_id,
            verdicts::step_id,
            verdicts::step_key,
            verdicts::verdict,
            verdicts::comment,
            verdicts::at_ms,
        ))
        .load::<(
            ReviewId,
            StepId,
            String,
            Verdict,
            Option<String>,
            Option<i64>,
        )>(conn)?
    {
        marks.entry(review).or_default().push(VerdictLine {
            step_id,
            step_key,
            verdict,
            comment,
            at_ms,
        });
    }
    let mut key = gold::key(conn, recording)?;
    if let Some(key) = &mut key {
        key.answers
            .sort_by_key(|a| steps.iter().position(|s| s.key == a.step_key));
    }
    let answer = |step: &str| {
        key.as_ref()
            .and_then(|k| k.answers.iter().find(|a| a.step_key == step))
            .map(|a| a.verdict)
    };
    let position = |key: &str| {
        steps
            .iter()
            .position(|s| s.key == key)
            .unwrap_or(usize::MAX)
    };
    let reviews: Vec<ReviewLine> = rows
        .into_iter()
        .map(|row| {
            let (
                id,
                reviewer_id,
                name,
                submitted_at,
                status,
                is_gold,
                reason,
                rejected_at,
                drawn,
                heard_ms,
            ) = row;
            let mut verdicts = marks.remove(&id).unwrap_or_default();
            verdicts.sort_by_key(|v| position(&v.step_key));
            let gold_score = is_gold.then(|| {
                let scored: Vec<bool> = verdicts
                    .iter()
                    .filter_map(|v| match answer(&v.step_key) {
                        None | Some(GoldAnswer::Any) => None,
                        Some(expected) => Some(expected.as_str() == v.verdict.as_str()),
                    })
                    .collect();
                GoldScore {
                    scored: scored.len(),
                    hits: scored.iter().filter(|hit| **hit).count(),
                }
            });
            let listened = (submitted_at - drawn).whole_milliseconds() as f64;
            ReviewLine {
                id,
                reviewer: Person {
                    id: reviewer_id,
                    name,
                },
                submitted_at,
                status,
                gold: is_gold,
                gold_score,
                reject_reason: reason,
                rejected_at,
                listen_ratio: duration.filter(|d| *d > 0).map(|d| listened / d as f64),
                heard_ms,
                heard_percent: heard_ms.map(|ms| heard::percent(ms, duration.unwrap_or(0))),
                verdicts,
            }
        })
        .collect();
    let counted: Vec<&ReviewLine> = reviews
        .iter()
        .filter(|r| r.status == ReviewStatus::Accepted && !r.gold)
        .collect();
    let reviewers: Vec<UserId> = counted.iter().map(|r| r.reviewer.id.clone()).collect();
    let model = weighted::load(conn, &reviewers)?;
    let consensus = steps
        .iter()
        .map(|step| {
            let given: Vec<(&UserId, Verdict)> = counted
                .iter()
                .flat_map(|r| {
                    r.verdicts
                        .iter()
                        .filter(|v| v.step_key == step.key)
                        .map(|v| (&r.reviewer.id, v.verdict))
                })
                .collect();
            let top = Verdict::ALL
                .iter()
                .map(|v| given.iter().filter(|(_, g)| g == v).count())
                .max()
                .unwrap_or(0);
            let weighed = model.step(&given);
            ConsensusStep {
                step_key: step.key.clone(),
                title: step.title.clone(),
                verdict: weighed.outcome,
                // The majority's share is already `agreement`: a confidence only once the
                // reviewers are weighed.
                confidence: weighed.confidence.filter(|_| model.weighted),
                agreement: (!given.is_empty()).then(|| top as f64 / given.len() as f64),
                disagreement: given.iter().any(|(_, v)| *v != given[0].1),
                key: answer(&step.key),
            }
        })
        .collect();
    Ok(Some(CallReviews {
        reviews,
        consensus,
        complete: done >= required,
        gold: key,
        overlap: overlap::standing(conn, recording)?,
    }))
}

impl CallReviews {
    /// The call's gold key; for a call never made gold, one proposed from the consensus
    /// (a split or ungraded step proposes `any`).
    pub fn key_or_proposal(&self, recording: &RecordingId) -> GoldKey {
        self.gold.clone().unwrap_or_else(|| GoldKey {
            recording_id: recording.clone(),
            active: false,
            marked_at: None,
            answers: self
                .consensus
                .iter()
                .map(|step| KeyAnswer {
                    step_key: step.step_key.clone(),
                    verdict: match step.verdict {
                        Some(Outcome::Correct) => GoldAnswer::Correct,
                        Some(Outcome::Incorrect) => GoldAnswer::Incorrect,
                        Some(Outcome::Missing) => GoldAnswer::Missing,
                        Some(Outcome::Split | Outcome::DidNotArise) | None => GoldAnswer::Any,
                    },
                })
                .collect(),
        })
    }
}
