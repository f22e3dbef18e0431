//! Reviews worth a second look, for the owner: flags, never verdicts. A counted review of the
//! last [`WINDOW_DAYS`] days (the newest [`SCAN_LIMIT`] of them) is flagged when
//!
//! - `same_answers`: it and the reviewer's [`SAME_IN_A_ROW`]` - 1` reviews before it each gave
//!   one and the same verdict to every step;
//! - `fast`: it was sent in less than [`FAST_SHARE`] of the time the reviewer usually takes
//!   (their median over the window, once they have [`MIN_FOR_MEDIAN`] reviews and the median
//!   is at least [`MIN_USUAL_MS`]: a few milliseconds either way is no signal);
//! - `outlier`: the call's other counted reviews agree among themselves and this one differs
//!   from them on more than half of the steps;
//! - `low_coverage`: the player heard less than [`LOW_COVERAGE`] of the call (when the
//!   review says what was heard).
//!
//! A flagged review stays listed until the owner keeps it (`reviews::mark_checked`) or
//! rejects it.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::ids::{RecordingId, ReviewId, UserId};
use crate::db::schema::{assignments, recordings, reviews, users, verdicts};
use crate::db::time::{Timestamp, now};
use crate::reviews::counted;
use crate::reviews::verdict::Verdict;

pub const WINDOW_DAYS: i64 = 30;
pub const SAME_IN_A_ROW: usize = 5;
pub const FAST_SHARE: f64 = 0.5;
pub const MIN_FOR_MEDIAN: usize = 5;
pub const MIN_USUAL_MS: i64 = 10_000;
pub const LOW_COVERAGE: f64 = 0.8;
/// The most flagged reviews listed.
pub const LIST_LIMIT: usize = 50;
/// The newest reviews of the window the rules read: the page stays quick on a busy
/// installation, where runs and medians over the latest reviews are what matters.
pub const SCAN_LIMIT: i64 = 5_000;

crate::text_enum! {
    /// Why a review is worth a look.
    Flag {
        SameAnswers = "same_answers",
        Fast = "fast",
        Outlier = "outlier",
        LowCoverage = "low_coverage",
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Reviewer {
    pub id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlaggedReview {
    pub review_id: ReviewId,
    pub recording_id: RecordingId,
    pub reviewer: Reviewer,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub submitted_at: Timestamp,
    pub flags: Vec<Flag>,
}

/// One review as the rules read it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub id: ReviewId,
    pub recording: RecordingId,
    pub reviewer: UserId,
    pub submitted_at: Timestamp,
    /// From the draw to the review, ms.
    pub took_ms: i64,
    /// Heard over the call's length, when known.
    pub coverage: Option<f64>,
    pub checked: bool,
    pub verdicts: BTreeMap<String, Verdict>,
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    let n = values.len();
    (n > 0).then(|| {
        if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2
        }
    })
}

/// The single verdict a review gave to every step, if it did.
fn one_answer(review: &Seen) -> Option<Verdict> {
    let mut all = review.verdicts.values();
    let first = *all.next()?;
    all.all(|v| *v == first).then_some(first)
}

/// The flags of every unchecked review in `seen` (oldest first per reviewer is not needed:
/// they are sorted here). Pure: the whole rule set.
pub fn flag(seen: &[Seen]) -> Vec<(ReviewId, Vec<Flag>)> {
    let mut by_reviewer: HashMap<&UserId, Vec<&Seen>> = HashMap::new();
    let mut by_call: HashMap<&RecordingId, Vec<&Seen>> = HashMap::new();
    for review in seen {
        by_reviewer
            .entry(&review.reviewer)
            .or_default()
            .push(review);
        by_call.entry(&review.recording).or_default().push(review);
    }
    let mut found = Vec::new();
    for reviews in by_reviewer.values_mut() {
        reviews.sort_by(|a, b| (a.submitted_at, &a.id).cmp(&(b.submitted_at, &b.id)));
        let usual = (reviews.len() >= MIN_FOR_MEDIAN)
            .then(|| median(reviews.iter().map(|r| r.took_ms).collect()))
            .flatten()
            .filter(|m| *m >= MIN_USUAL_MS);
        for (n, review) in reviews.iter().enumerate() {
            if review.checked {
                continue;
            }
            let mut flags = Vec::new();
            if n + 1 >= SAME_IN_A_ROW {
                let run = &reviews[n + 1 - SAME_IN_A_ROW..=n];
                let first = one_answer(run[0]);
                if first.is_some() && run.iter().all(|r| one_answer(r) == first) {
                    flags.push(Flag::SameAnswers);
                }
            }
            if usual.is_some_and(|m| (review.took_ms as f64) < m as f64 * FAST_SHARE) {
                flags.push(Flag::Fast);
            }
            let others: Vec<&&Seen> = by_call[&review.recording]
                .iter()
                .filter(|o| o.id != review.id)
                .collect();
            if let Some(first) = others.first() {
                let agree_among = others.iter().all(|o| o.verdicts == first.verdicts);
                let differ = review
                    .verdicts
                    .iter()
                    .filter(|(key, v)| first.verdicts.get(*key).is_some_and(|o| o != *v))
                    .count();
                if agree_among && differ * 2 > review.verdicts.len() {
                    flags.push(Flag::Outlier);
                }
            }
            if review.coverage.is_some_and(|c| c < LOW_COVERAGE) {
                flags.push(Flag::LowCoverage);
            }
            if !flags.is_empty() {
                found.push((review.id.clone(), flags));
            }
        }
    }
    found
}

type Row = (
    ReviewId,
    RecordingId,
    UserId,
    Timestamp,
    Timestamp,
    Option<i64>,
    Option<Timestamp>,
    Option<i64>,
);

/// The flagged reviews of the window, newest first, at most [`LIST_LIMIT`].
pub fn load(conn: &mut DbConnection) -> QueryResult<Vec<FlaggedReview>> {
    let since = now() - time::Duration::days(WINDOW_DAYS);
    let rows: Vec<Row> = reviews::table
        .inner_join(assignments::table)
        .inner_join(recordings::table.on(recordings::id.eq(reviews::recording_id)))
        .filter(counted())
        .filter(reviews::submitted_at.ge(since))
        .order((reviews::submitted_at.desc(), reviews::id.desc()))
        .limit(SCAN_LIMIT)
        .select((
            reviews::id,
            reviews::recording_id,
            reviews::reviewer_id,
            reviews::submitted_at,
            assignments::assigned_at,
            recordings::duration_ms,
            reviews::checked_at,
            reviews::heard_ms,
        ))
        .load(conn)?;
    let ids: Vec<&ReviewId> = rows.iter().map(|r| &r.0).collect();
    let mut marks: HashMap<ReviewId, BTreeMap<String, Verdict>> = HashMap::new();
    for chunk in ids.chunks(5000) {
        let found: Vec<(ReviewId, String, Verdict)> = verdicts::table
            .filter(verdicts::review_id.eq_any(chunk))
            .select((verdicts::review_id, verdicts::step_key, verdicts::verdict))
            .load(conn)?;
        for (review, key, verdict) in found {
            marks.entry(review).or_default().insert(key, verdict);
        }
    }
    let seen: Vec<Seen> = rows
        .iter()
        .map(
            |(id, recording, reviewer, at, drawn, duration, checked, heard)| Seen {
                id: id.clone(),
                recording: recording.clone(),
                reviewer: reviewer.clone(),
                submitted_at: *at,
                took_ms: i64::try_from((*at - *drawn).whole_milliseconds()).unwrap_or(i64::MAX),
                coverage: heard
                    .zip(duration.filter(|d| *d > 0))
                    .map(|(heard, length)| heard as f64 / length as f64),
                checked: checked.is_some(),
                verdicts: marks.remove(id).unwrap_or_default(),
            },
        )
        .collect();
    let mut flagged = flag(&seen);
    let at: HashMap<&ReviewId, &Row> = rows.iter().map(|r| (&r.0, r)).collect();
    flagged.sort_by(|a, b| {
        let when = |id: &ReviewId| at.get(id).map(|r| r.3);
        when(&b.0).cmp(&when(&a.0)).then(a.0.cmp(&b.0))
    });
    flagged.truncate(LIST_LIMIT);
    let reviewers: Vec<UserId> = flagged
        .iter()
        .filter_map(|(id, _)| at.get(id).map(|r| r.2.clone()))
        .collect();
    let names: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(&reviewers))
        .select((users::id, users::display_name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    Ok(flagged
        .into_iter()
        .filter_map(|(id, flags)| {
            let row = at.get(&id)?;
            Some(FlaggedReview {
                review_id: id.clone(),
                recording_id: row.1.clone(),
                reviewer: Reviewer {
                    id: row.2.clone(),
                    name: names.get(&row.2).cloned().unwrap_or_default(),
                },
                submitted_at: row.3,
                flags,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::{Correct as C, Incorrect as I};

    fn seen(id: &str, reviewer: &str, call: &str, minute: i64, took_s: i64, v: &[Verdict]) -> Seen {
        Seen {
            id: ReviewId::from_raw(id),
            recording: RecordingId::from_raw(call),
            reviewer: UserId::from_raw(reviewer),
            submitted_at: time::macros::datetime!(2026-12-01 10:00)
                + time::Duration::minutes(minute),
            took_ms: took_s * 1000,
            coverage: None,
            checked: false,
            verdicts: v
                .iter()
                .enumerate()
                .map(|(n, v)| (format!("s{n}"), *v))
                .collect(),
        }
    }

    fn flags_of(found: &[(ReviewId, Vec<Flag>)], id: &str) -> Vec<Flag> {
        found
            .iter()
            .find(|(r, _)| r.as_str() == id)
            .map(|(_, f)| f.clone())
            .unwrap_or_default()
    }

    #[test]
    fn the_same_answer_five_times_in_a_row_is_flagged_from_the_fifth() {
        let reviews: Vec<Seen> = (0..6)
            .map(|n| {
                seen(
                    &format!("r{n}"),
                    "anna",
                    &format!("c{n}"),
                    n,
                    60,
                    &[C, C, C],
                )
            })
            .collect();
        let found = flag(&reviews);
        assert!(flags_of(&found, "r3").is_empty());
        assert_eq!(flags_of(&found, "r4"), [Flag::SameAnswers]);
        assert_eq!(flags_of(&found, "r5"), [Flag::SameAnswers]);
        let mut mixed = reviews.clone();
        mixed[2].verdicts.insert("s1".into(), I);
        assert!(
            flags_of(&flag(&mixed), "r4").is_empty(),
            "one real answer breaks the run"
        );
    }

    #[test]
    fn a_review_much_faster_than_the_reviewers_own_median_is_flagged() {
        let mut reviews: Vec<Seen> = (0..5)
            .map(|n| seen(&format!("r{n}"), "anna", &format!("c{n}"), n, 100, &[C, I]))
            .collect();
        reviews.push(seen("quick", "anna", "c9", 9, 20, &[I, C]));
        let found = flag(&reviews);
        assert_eq!(flags_of(&found, "quick"), [Flag::Fast]);
        assert!(flags_of(&found, "r0").is_empty());
        // Too few reviews for a median: nothing.
        assert!(flag(&reviews[3..]).is_empty());
        // Seconds apart on calls that take seconds: no signal.
        let quick: Vec<Seen> = (0..6)
            .map(|n| {
                seen(
                    &format!("q{n}"),
                    "boris",
                    &format!("d{n}"),
                    n,
                    4 - n.min(3),
                    &[C, I],
                )
            })
            .collect();
        assert!(flag(&quick).is_empty());
    }

    #[test]
    fn a_review_against_an_agreeing_rest_is_an_outlier() {
        let reviews = vec![
            seen("a", "anna", "call", 0, 60, &[C, C, I]),
            seen("b", "boris", "call", 1, 60, &[C, C, I]),
            seen("x", "xena", "call", 2, 60, &[I, I, I]),
        ];
        let found = flag(&reviews);
        assert_eq!(flags_of(&found, "x"), [Flag::Outlier]);
        assert!(
            flags_of(&found, "a").is_empty(),
            "the rest disagree among themselves"
        );
        let mut checked = reviews.clone();
        checked[2].checked = true;
        assert!(
            flag(&checked).is_empty(),
            "a kept review is not listed again"
        );
    }

    #[test]
    fn too_little_heard_is_flagged_when_known() {
        let mut review = seen("r", "anna", "call", 0, 60, &[C, I]);
        review.coverage = Some(0.62);
        assert_eq!(flags_of(&flag(&[review.clone()]), "r"), [Flag::LowCoverage]);
        review.coverage = Some(0.95);
        assert!(flag(&[review]).is_empty());
    }
}
