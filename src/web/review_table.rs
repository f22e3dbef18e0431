//! The reviews table of a call's page, as the owner reads it: one column per review, one row
//! per step with each verdict, comment and marked time, the consensus with its agreement and
//! confidence, the gold key, where dynamic overlap stands, the call's score (0 after a
//! critical step judged incorrect) and its operator's dispute. Worded here so the template
//! only lays it out; the forms acting on it are in `call_reviews`.

use serde::Serialize;

use super::format::clock::clock;
use super::format::percent::percent;
use super::format::seconds::exact;
use super::page::Page;
use crate::dashboards::call_reviews::{self, CallReviews};
use crate::dashboards::operator::{self as feedback, CallFeedback};
use crate::db::ids::{RecordingId, ReviewId};
use crate::db::time::Timestamp;
use crate::error::AppError;
use crate::reviews::ReviewStatus;
use crate::reviews::contest::{Decision, DisputeStatus};
use crate::reviews::gold::GoldAnswer;
use crate::reviews::overlap::Need;

#[derive(Debug, Serialize)]
pub struct ReviewColumn {
    pub id: ReviewId,
    pub name: String,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub submitted_at: Timestamp,
    pub rejected: bool,
    pub reject_reason: Option<String>,
    pub gold: bool,
    /// `1 / 2`: a gold review's hits of its scored steps.
    pub gold_score: Option<String>,
    /// Time held over the call's length, as a percentage.
    pub listened: Option<String>,
    /// The share of the call the reviewer's player played (`87%`), when it reported it.
    pub heard: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Cell {
    pub verdict: Option<String>,
    pub comment: Option<String>,
    /// The marked moment: `0:03` for people, seconds for the player.
    pub at: Option<String>,
    pub at_s: Option<String>,
    /// Counted in the consensus (accepted, not gold).
    pub counted: bool,
    /// Differs from the gold key (a gold review's miss).
    pub miss: bool,
}

#[derive(Debug, Serialize)]
pub struct StepRow {
    pub key: String,
    pub title: String,
    pub cells: Vec<Cell>,
    pub consensus: Option<String>,
    pub agreement: Option<String>,
    /// How sure the consensus is, as a percent.
    pub confidence: Option<String>,
    pub disagreement: bool,
    pub answer: Option<String>,
    pub critical: bool,
    pub optional: bool,
    /// The owner overturned its verdict on the operator's appeal: it counts as correct.
    pub overturned: bool,
}

/// The operator's dispute of the call, linked from its page.
#[derive(Debug, Serialize)]
pub struct DisputeLink {
    pub id: String,
    /// `awaiting_review`, `awaiting_decision` or `decided`.
    pub status: &'static str,
}

/// What the call's page shows of its reviews.
#[derive(Debug, Serialize)]
pub struct ReviewsSection {
    pub columns: Vec<ReviewColumn>,
    pub rows: Vec<StepRow>,
    pub disagreements: usize,
    pub complete: bool,
    /// Gold now (not only once).
    pub gold: bool,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub gold_since: Option<Timestamp>,
    /// The key to edit: the call's own, or one proposed from the consensus.
    pub key: Vec<KeyRow>,
    /// Dynamic overlap: how many reviews, within which bounds, and why one more.
    pub overlap: Option<OverlapLine>,
    pub answers: &'static [&'static str],
    /// The call's score as the operator sees it (`75%`), once its reviews are in.
    pub score: Option<String>,
    /// The critical steps judged incorrect (the score is then 0), as one line.
    pub critical_failure: Option<String>,
    pub dispute: Option<DisputeLink>,
}

#[derive(Debug, Serialize)]
pub struct OverlapLine {
    pub min: i32,
    pub max: i32,
    pub done: i32,
    pub required: i32,
    /// `minimum`, `another`, `at_maximum` or `settled`.
    pub need: &'static str,
    pub untrusted: bool,
    /// Titles of the steps reviewers disagree on, and of those not sure enough.
    pub disputed: String,
    pub unsure: String,
    /// Critical steps failed by one reviewer alone (a second must confirm).
    pub critical: String,
}

#[derive(Debug, Serialize)]
pub struct KeyRow {
    pub key: String,
    pub title: String,
    pub answer: GoldAnswer,
}

/// The section for the call's page, from its reviews.
pub fn section(
    recording: &RecordingId,
    view: CallReviews,
    call: Option<&CallFeedback>,
) -> ReviewsSection {
    let shown = |key: &str| call.and_then(|c| c.steps.iter().find(|s| s.key == key));
    let key = view.key_or_proposal(recording);
    let answer = |step: &str| {
        key.answers
            .iter()
            .find(|a| a.step_key == step)
            .map(|a| a.verdict)
    };
    let rows = view
        .consensus
        .iter()
        .map(|step| StepRow {
            key: step.step_key.clone(),
            title: step.title.clone(),
            cells: view
                .reviews
                .iter()
                .map(|review| {
                    let given = review.verdicts.iter().find(|v| v.step_key == step.step_key);
                    let expected = step.key.filter(|k| *k != GoldAnswer::Any);
                    Cell {
                        verdict: given.map(|v| v.verdict.as_str().to_owned()),
                        comment: given.and_then(|v| v.comment.clone()),
                        at: given.and_then(|v| v.at_ms).map(clock),
                        at_s: given.and_then(|v| v.at_ms).map(exact),
                        counted: review.status == ReviewStatus::Accepted && !review.gold,
                        miss: review.gold
                            && given
                                .zip(expected)
                                .is_some_and(|(v, k)| v.verdict.as_str() != k.as_str()),
                    }
                })
                .collect(),
            consensus: step.verdict.map(|o| o.as_str().to_owned()),
            agreement: step.agreement.map(percent),
            confidence: step.confidence.map(percent),
            disagreement: step.disagreement,
            answer: step.key.map(|k| k.as_str().to_owned()),
            critical: shown(&step.step_key).is_some_and(|s| s.critical),
            optional: shown(&step.step_key).is_some_and(|s| s.optional),
            overturned: shown(&step.step_key).is_some_and(|s| {
                s.dispute
                    .as_ref()
                    .is_some_and(|d| d.decision == Some(Decision::Overturned))
            }),
        })
        .collect::<Vec<_>>();
    let columns = view
        .reviews
        .iter()
        .map(|review| ReviewColumn {
            id: review.id.clone(),
            name: review.reviewer.name.clone(),
            submitted_at: review.submitted_at,
            rejected: review.status == ReviewStatus::Rejected,
            reject_reason: review.reject_reason.clone(),
            gold: review.gold,
            gold_score: review
                .gold_score
                .map(|s| format!("{} / {}", s.hits, s.scored)),
            listened: review.listen_ratio.map(percent),
            heard: review.heard_percent.map(|p| format!("{p}%")),
        })
        .collect();
    let key_rows = view
        .consensus
        .iter()
        .map(|step| KeyRow {
            key: step.step_key.clone(),
            title: step.title.clone(),
            answer: answer(&step.step_key).unwrap_or(GoldAnswer::Any),
        })
        .collect();
    let titles = |keys: &[String]| {
        keys.iter()
            .map(|key| {
                let title = view.consensus.iter().find(|s| s.step_key == *key);
                title.map_or(key.as_str(), |s| s.title.as_str()).to_owned()
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let overlap = view.overlap.as_ref().map(|standing| OverlapLine {
        min: standing.bounds.min,
        max: standing.bounds.max,
        done: standing.done,
        required: standing.required,
        need: match standing.need {
            Need::Minimum => "minimum",
            Need::Another => "another",
            Need::AtMaximum => "at_maximum",
            Need::Settled => "settled",
        },
        untrusted: standing.signals.untrusted,
        disputed: titles(&standing.signals.disagreements),
        unsure: titles(&standing.signals.unsure),
        critical: titles(&standing.signals.critical_unconfirmed),
    });
    ReviewsSection {
        overlap,
        disagreements: rows.iter().filter(|r| r.disagreement).count(),
        columns,
        rows,
        complete: view.complete,
        gold: key.active,
        gold_since: key.active.then_some(key.marked_at).flatten(),
        key: key_rows,
        answers: &["correct", "incorrect", "missing", "any"],
        score: call
            .filter(|c| c.complete)
            .map(|c| super::format::percent::score(c.score)),
        critical_failure: call
            .filter(|c| c.complete)
            .and_then(super::operator::critical_titles),
        dispute: call.and_then(|c| c.dispute.as_ref()).map(|d| DisputeLink {
            id: d.id.to_string(),
            status: match d.status {
                DisputeStatus::AwaitingReview => "awaiting_review",
                DisputeStatus::AwaitingDecision => "awaiting_decision",
                DisputeStatus::Decided => "decided",
            },
        }),
    }
}

/// The section of a call, for the call's page.
pub async fn load(page: &Page, recording: RecordingId) -> Result<Option<ReviewsSection>, AppError> {
    let target = recording.clone();
    let (view, call) = page
        .state()
        .db
        .run(move |conn| {
            let view = call_reviews::load(conn, &target)?;
            let call = feedback::for_recordings(conn, std::slice::from_ref(&target))?;
            Ok::<_, AppError>((view, call.into_iter().next()))
        })
        .await?;
    Ok(view.map(|view| section(&recording, view, call.as_ref())))
}
