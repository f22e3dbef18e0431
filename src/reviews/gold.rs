//! Gold (control) calls: reviewed calls the owner gave an answer key, mixed into every
//! reviewer's stream so that each reviewer's accuracy is measured on calls whose right
//! answers are known. A reviewer cannot tell a gold call from any other.
//!
//! A gold review is scored step by step against the key (a key of `any` scores nothing;
//! `missing` against a key of `incorrect` is a miss like any other difference). Accuracy is
//! the share of hits over a reviewer's last [`ACCURACY_WINDOW`] scored gold steps of accepted
//! reviews; the key is read when the accuracy is computed, so an owner correcting a key
//! rescores the reviews already made against it.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::ReviewStatus;
use crate::db::DbConnection;
use crate::db::ids::UserId;
use crate::db::schema::{gold_answers, reviews, verdicts};
use crate::db::time::Timestamp;

/// Accuracy is measured over this many of a reviewer's latest scored gold steps.
pub const ACCURACY_WINDOW: usize = 50;

crate::text_enum! {
    /// The answer a gold call's key expects at one step: a verdict, or `any` (not scored).
    GoldAnswer {
        Correct = "correct",
        Incorrect = "incorrect",
        Missing = "missing",
        Any = "any",
    }
}

/// A reviewer's gold accuracy: `hits` of `scored` steps (the latest, at most
/// [`ACCURACY_WINDOW`]); `value` is `None` before any step is scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Accuracy {
    pub scored: usize,
    pub hits: usize,
    pub value: Option<f64>,
}

impl Accuracy {
    /// From the hits of scored steps, newest first: the window's share.
    pub fn of(newest_first: impl IntoIterator<Item = bool>) -> Accuracy {
        let (mut scored, mut hits) = (0, 0);
        for hit in newest_first.into_iter().take(ACCURACY_WINDOW) {
            scored += 1;
            hits += usize::from(hit);
        }
        Accuracy {
            scored,
            hits,
            value: (scored > 0).then(|| hits as f64 / scored as f64),
        }
    }
}

/// Each scored gold step of the reviewers' accepted gold reviews, newest first: (reviewer,
/// submitted at, hit).
fn scored_steps(
    conn: &mut DbConnection,
    reviewers: &[UserId],
) -> QueryResult<Vec<(UserId, Timestamp, bool)>> {
    let rows: Vec<(UserId, Timestamp, String, GoldAnswer)> = verdicts::table
        .inner_join(reviews::table)
        .inner_join(
            gold_answers::table.on(gold_answers::recording_id
                .eq(reviews::recording_id)
                .and(gold_answers::step_key.eq(verdicts::step_key))),
        )
        .filter(reviews::reviewer_id.eq_any(reviewers))
        .filter(reviews::gold.eq(true))
        .filter(reviews::status.eq(ReviewStatus::Accepted))
        .filter(gold_answers::verdict.ne(GoldAnswer::Any))
        .order((reviews::submitted_at.desc(), verdicts::id.asc()))
        .select((
            reviews::reviewer_id,
            reviews::submitted_at,
            verdicts::verdict,
            gold_answers::verdict,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(reviewer, at, given, key)| (reviewer, at, given == key.as_str()))
        .collect())
}

/// The gold accuracy of each of `reviewers` (those without a scored step get the default).
pub fn accuracies(
    conn: &mut DbConnection,
    reviewers: &[UserId],
) -> QueryResult<HashMap<UserId, Accuracy>> {
    let mut steps: HashMap<UserId, Vec<bool>> = HashMap::new();
    for (reviewer, _, hit) in scored_steps(conn, reviewers)? {
        steps.entry(reviewer).or_default().push(hit);
    }
    Ok(steps
        .into_iter()
        .map(|(reviewer, hits)| (reviewer, Accuracy::of(hits)))
        .collect())
}

/// One reviewer's gold accuracy over the steps of reviews submitted at or after `since`
/// (all of them when `None`): what the automatic pause judges after an owner's resume.
pub fn accuracy_since(
    conn: &mut DbConnection,
    reviewer: &UserId,
    since: Option<Timestamp>,
) -> QueryResult<Accuracy> {
    let steps = scored_steps(conn, std::slice::from_ref(reviewer))?;
    Ok(Accuracy::of(
        steps
            .into_iter()
            .filter(|(_, at, _)| since.is_none_or(|since| *at >= since))
            .map(|(_, _, hit)| hit),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_the_latest_window_only() {
        assert_eq!(Accuracy::of([]).value, None);
        let three = Accuracy::of([true, false, true]);
        assert_eq!((three.scored, three.hits), (3, 2));
        // 50 misses newest, then 30 hits that fall out of the window.
        let old_hits = std::iter::repeat_n(false, 50).chain(std::iter::repeat_n(true, 30));
        let windowed = Accuracy::of(old_hits);
        assert_eq!((windowed.scored, windowed.hits), (50, 0));
        assert_eq!(windowed.value, Some(0.0));
    }
}
