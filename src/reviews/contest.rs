//! The reviews' side of an operator's dispute: its states and decisions as types, the link
//! between a dispute and its blind re-review (kept by the write path of reviews), and what a
//! decided dispute means to the figures read elsewhere: which steps of a call were
//! overturned, and how each original reviewer's verdict on a decided step scores (like a
//! step of a gold call whose key is the decision).
//!
//! The dispute itself (opening, the owner's decision, the lists) is `crate::disputes`.

use std::collections::HashSet;

use diesel::prelude::*;

use super::status::ReviewStatus;
use super::verdict::Verdict;
use crate::db::DbConnection;
use crate::db::ids::{DisputeId, RecordingId, ReviewId, UserId};
use crate::db::schema::{dispute_steps, disputes, reviews, verdicts};
use crate::db::time::Timestamp;

crate::text_enum! {
    /// Where a dispute is.
    DisputeStatus {
        /// Waiting for a reviewer who has not had the call to review it again.
        AwaitingReview = "awaiting_review",
        /// The re-review is in: the owner decides.
        AwaitingDecision = "awaiting_decision",
        /// Every contested step is upheld or overturned.
        Decided = "decided",
    }
}

crate::text_enum! {
    /// The owner's decision on one contested step.
    Decision {
        /// The verdict stands.
        Upheld = "upheld",
        /// The verdict was wrong: the step counts as done correctly, and against the
        /// reviewers who said `incorrect`.
        Overturned = "overturned",
    }
}

/// The re-review of a dispute is in: the dispute waits for the owner. `false` when the
/// dispute no longer waited for one (decided meanwhile, or another re-review came first).
pub fn link_re_review(
    conn: &mut DbConnection,
    dispute: &DisputeId,
    review: &ReviewId,
) -> QueryResult<bool> {
    let linked = diesel::update(
        disputes::table
            .find(dispute)
            .filter(disputes::status.eq(DisputeStatus::AwaitingReview)),
    )
    .set((
        disputes::status.eq(DisputeStatus::AwaitingDecision),
        disputes::re_review_id.eq(review),
    ))
    .execute(conn)?;
    Ok(linked == 1)
}

/// A review was rejected or restored: a rejected re-review no longer stands, and the dispute
/// waits for another; a restored one stands again while the dispute still waits.
pub fn review_judged(
    conn: &mut DbConnection,
    review: &ReviewId,
    status: ReviewStatus,
) -> QueryResult<()> {
    let dispute: Option<Option<DisputeId>> = reviews::table
        .find(review)
        .select(reviews::dispute_id)
        .first(conn)
        .optional()?;
    let Some(Some(dispute)) = dispute else {
        return Ok(());
    };
    match status {
        ReviewStatus::Rejected => {
            diesel::update(
                disputes::table
                    .find(&dispute)
                    .filter(disputes::status.eq(DisputeStatus::AwaitingDecision))
                    .filter(disputes::re_review_id.eq(review)),
            )
            .set((
                disputes::status.eq(DisputeStatus::AwaitingReview),
                disputes::re_review_id.eq(None::<ReviewId>),
            ))
            .execute(conn)?;
        }
        ReviewStatus::Accepted => {
            link_re_review(conn, &dispute, review)?;
        }
    }
    Ok(())
}

/// The (call, step key) pairs of `recordings` whose verdict an owner overturned.
pub fn overturned(
    conn: &mut DbConnection,
    recordings: &[RecordingId],
) -> QueryResult<HashSet<(RecordingId, String)>> {
    let rows: Vec<(RecordingId, String)> = dispute_steps::table
        .inner_join(disputes::table)
        .filter(disputes::recording_id.eq_any(recordings))
        .filter(dispute_steps::decision.eq(Decision::Overturned))
        .select((disputes::recording_id, dispute_steps::step_key))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Each decided step the `reviewers` graded in a counted review (not the re-review), newest
/// decision first: (reviewer, decided at, hit). Overturned, the truth was `correct`; upheld,
/// `incorrect`.
pub fn scored_steps(
    conn: &mut DbConnection,
    reviewers: &[UserId],
) -> QueryResult<Vec<(UserId, Timestamp, bool)>> {
    let rows: Vec<(UserId, Option<Timestamp>, Verdict, Option<Decision>)> = verdicts::table
        .inner_join(reviews::table)
        .inner_join(disputes::table.on(disputes::recording_id.eq(reviews::recording_id)))
        .inner_join(
            dispute_steps::table.on(dispute_steps::dispute_id
                .eq(disputes::id)
                .and(dispute_steps::step_key.eq(verdicts::step_key))),
        )
        .filter(reviews::reviewer_id.eq_any(reviewers))
        .filter(super::counted())
        .filter(dispute_steps::decision.is_not_null())
        .order((dispute_steps::decided_at.desc(), verdicts::id.asc()))
        .select((
            reviews::reviewer_id,
            dispute_steps::decided_at,
            verdicts::verdict,
            dispute_steps::decision,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(reviewer, at, given, decision)| {
            let truth = match decision? {
                Decision::Overturned => Verdict::Correct,
                Decision::Upheld => Verdict::Incorrect,
            };
            Some((reviewer, at?, given == truth))
        })
        .collect())
}
