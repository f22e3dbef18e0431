//! The owner's view of the reviewers: per reviewer over a period, how much they reviewed,
//! how well (gold accuracy, agreement with the other reviewers of the same calls), how
//! carefully (time spent against the call's length), how often they skipped and how many of
//! their reviews were rejected, and what they earned. Rejected reviews count only as
//! rejections; gold reviews are paid work but stay out of the agreement.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::accounts::Role;
use crate::assignments::AssignmentStatus;
use crate::dashboards::period::Period;
use crate::db::DbConnection;
use crate::db::ids::{RecordingId, ReviewId, UserId};
use crate::db::schema::{assignments, recordings, reviews, users, verdicts};
use crate::db::time::Timestamp;
use crate::org_settings::OrgSettings;
use crate::reviews::ReviewStatus;
use crate::reviews::gold;
use crate::zone::Zone;

crate::text_enum! {
    /// Where a reviewer stands.
    ReviewerStatus {
        Active = "active",
        Paused = "paused",
        Deactivated = "deactivated",
    }
}

crate::text_enum! {
    /// A column the reviewers can be sorted by.
    ReviewerSort {
        Name = "name",
        Status = "status",
        Reviews = "reviews",
        GoldAccuracy = "gold_accuracy",
        Agreement = "agreement",
        ListenRatio = "median_listen_ratio",
        SkipRate = "skip_rate",
        Rejected = "rejected",
    }
}

/// One reviewer's figures over a period.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewerRow {
    pub id: UserId,
    pub name: String,
    pub status: ReviewerStatus,
    /// Accepted reviews sent in the period (gold ones included: they are paid work).
    pub reviews: usize,
    pub gold_reviews: usize,
    /// Over the latest scored gold steps (not only the period's); `None` before any.
    pub gold_accuracy: Option<f64>,
    /// The scored gold steps `gold_accuracy` rests on.
    pub gold_steps: usize,
    /// The share of equal verdicts over pairs of this reviewer's verdict and another
    /// reviewer's on the same call and step (accepted, non-gold reviews only).
    pub agreement: Option<f64>,
    pub agreement_pairs: usize,
    /// The median of (sent − drawn) / call length over the period's accepted reviews.
    pub median_listen_ratio: Option<f64>,
    /// Skipped calls over calls finished (sent or skipped) in the period.
    pub skip_rate: Option<f64>,
    pub skipped: usize,
    pub rejected: usize,
    pub earned: String,
    pub currency: String,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub paused_at: Option<Timestamp>,
}

/// Which reviewers, in which order.
#[derive(Debug, Clone, Copy)]
pub struct ReviewerQuery {
    pub status: Option<ReviewerStatus>,
    pub sort: ReviewerSort,
    pub descending: bool,
}

impl ReviewerSort {
    /// Numbers read best largest first; names and words from A.
    pub fn descending_first(self) -> bool {
        !matches!(self, ReviewerSort::Name | ReviewerSort::Status)
    }
}

type UserRow = (UserId, String, bool, Option<Timestamp>);
type ReviewRow = (
    ReviewId,
    UserId,
    RecordingId,
    ReviewStatus,
    bool,
    Timestamp,
    Timestamp,
    Option<i64>,
);

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// The figures of the reviewers (`only` one of them, or all) over `period` in `zone`.
pub fn figures(
    conn: &mut DbConnection,
    period: Period,
    zone: &Zone,
    only: Option<&UserId>,
    query: ReviewerQuery,
) -> QueryResult<Vec<ReviewerRow>> {
    let settings = OrgSettings::load(conn)?;
    let (start, end) = (period.start(zone), period.end(zone));
    let mut people = users::table
        .filter(users::role.eq(Role::Reviewer))
        .select((
            users::id,
            users::display_name,
            users::active,
            users::paused_at,
        ))
        .into_boxed();
    if let Some(id) = only {
        people = people.filter(users::id.eq(id.clone()));
    }
    let people: Vec<UserRow> = people.load(conn)?;
    let ids: Vec<UserId> = people.iter().map(|p| p.0.clone()).collect();

    let rows: Vec<ReviewRow> = reviews::table
        .inner_join(assignments::table)
        .inner_join(recordings::table.on(recordings::id.eq(reviews::recording_id)))
        .filter(reviews::reviewer_id.eq_any(&ids))
        .filter(reviews::submitted_at.ge(start))
        .filter(reviews::submitted_at.lt(end))
        .select((
            reviews::id,
            reviews::reviewer_id,
            reviews::recording_id,
            reviews::status,
            reviews::gold,
            reviews::submitted_at,
            assignments::assigned_at,
            recordings::duration_ms,
        ))
        .load(conn)?;

    // Every counted verdict on the calls this period's counted reviews are of, so each of
    // them can be paired with the other reviewers' verdicts on the same step.
    let calls: Vec<&RecordingId> = rows
        .iter()
        .filter(|r| r.3 == ReviewStatus::Accepted && !r.4)
        .map(|r| &r.2)
        .collect();
    let marks: Vec<(ReviewId, UserId, RecordingId, String, String)> = verdicts::table
        .inner_join(reviews::table)
        .filter(reviews::recording_id.eq_any(&calls))
        .filter(reviews::status.eq(ReviewStatus::Accepted))
        .filter(reviews::gold.eq(false))
        .select((
            reviews::id,
            reviews::reviewer_id,
            reviews::recording_id,
            verdicts::step_key,
            verdicts::verdict,
        ))
        .load(conn)?;
    let mut by_step: HashMap<(&RecordingId, &str), Vec<(&UserId, &str)>> = HashMap::new();
    for (_, reviewer, call, step, verdict) in &marks {
        by_step
            .entry((call, step.as_str()))
            .or_default()
            .push((reviewer, verdict.as_str()));
    }
    let in_period: std::collections::HashSet<&ReviewId> = rows
        .iter()
        .filter(|r| r.3 == ReviewStatus::Accepted && !r.4)
        .map(|r| &r.0)
        .collect();
    // (pairs, equal) per reviewer.
    let mut agreement: HashMap<&UserId, (usize, usize)> = HashMap::new();
    for (review, reviewer, call, step, verdict) in &marks {
        if !in_period.contains(review) {
            continue;
        }
        let entry = agreement.entry(reviewer).or_default();
        for (other, theirs) in &by_step[&(call, step.as_str())] {
            if *other != reviewer {
                entry.0 += 1;
                entry.1 += usize::from(*theirs == verdict.as_str());
            }
        }
    }

    let finished: Vec<(UserId, AssignmentStatus)> = assignments::table
        .filter(assignments::reviewer_id.eq_any(&ids))
        .filter(
            assignments::status.eq_any([AssignmentStatus::Submitted, AssignmentStatus::Skipped]),
        )
        .filter(assignments::finished_at.ge(start))
        .filter(assignments::finished_at.lt(end))
        .select((assignments::reviewer_id, assignments::status))
        .load(conn)?;
    let accuracy = gold::accuracies(conn, &ids)?;
    // What the ledger's entries of the period add up to, in the settings' currency.
    let earned = crate::pay::ledger::earned_between(conn, &ids, &settings.currency, start, end)?;

    let mut out: Vec<ReviewerRow> = people
        .into_iter()
        .map(|(id, name, active, paused_at)| {
            let own: Vec<&ReviewRow> = rows.iter().filter(|r| r.1 == id).collect();
            let accepted: Vec<&&ReviewRow> = own
                .iter()
                .filter(|r| r.3 == ReviewStatus::Accepted)
                .collect();
            let ratios = accepted
                .iter()
                .filter_map(|r| {
                    let length = r.7.filter(|d| *d > 0)?;
                    Some((r.5 - r.6).whole_milliseconds() as f64 / length as f64)
                })
                .collect();
            let done = finished.iter().filter(|f| f.0 == id);
            let (submitted, skipped) = done.fold((0, 0), |(s, k), f| match f.1 {
                AssignmentStatus::Skipped => (s, k + 1),
                _ => (s + 1, k),
            });
            let (pairs, equal) = agreement.get(&id).copied().unwrap_or_default();
            let gold_accuracy = accuracy.get(&id).copied().unwrap_or_default();
            let status = if !active {
                ReviewerStatus::Deactivated
            } else if paused_at.is_some() {
                ReviewerStatus::Paused
            } else {
                ReviewerStatus::Active
            };
            ReviewerRow {
                reviews: accepted.len(),
                gold_reviews: accepted.iter().filter(|r| r.4).count(),
                gold_accuracy: gold_accuracy.value,
                gold_steps: gold_accuracy.scored,
                agreement: (pairs > 0).then(|| equal as f64 / pairs as f64),
                agreement_pairs: pairs,
                median_listen_ratio: median(ratios),
                skip_rate: (submitted + skipped > 0)
                    .then(|| skipped as f64 / (submitted + skipped) as f64),
                skipped,
                rejected: own.len() - accepted.len(),
                earned: crate::pay::format_minor(earned.get(&id).copied().unwrap_or(0), '.'),
                currency: settings.currency.clone(),
                id,
                name,
                status,
                paused_at,
            }
        })
        .filter(|row| query.status.is_none_or(|s| s == row.status))
        .collect();
    sort(&mut out, query.sort, query.descending);
    Ok(out)
}

/// Orders the rows; rows without a figure go last either way, ties by name.
fn sort(rows: &mut [ReviewerRow], by: ReviewerSort, descending: bool) {
    use std::cmp::Ordering;
    let number = |row: &ReviewerRow| -> Option<f64> {
        match by {
            ReviewerSort::Reviews => Some(row.reviews as f64),
            ReviewerSort::GoldAccuracy => row.gold_accuracy,
            ReviewerSort::Agreement => row.agreement,
            ReviewerSort::ListenRatio => row.median_listen_ratio,
            ReviewerSort::SkipRate => row.skip_rate,
            ReviewerSort::Rejected => Some(row.rejected as f64),
            ReviewerSort::Name | ReviewerSort::Status => None,
        }
    };
    rows.sort_by(|a, b| {
        let turn = |o: Ordering| if descending { o.reverse() } else { o };
        let first = match by {
            ReviewerSort::Name => turn(a.name.to_lowercase().cmp(&b.name.to_lowercase())),
            ReviewerSort::Status => turn(a.status.as_str().cmp(b.status.as_str())),
            _ => match (number(a), number(b)) {
                (Some(x), Some(y)) => turn(x.total_cmp(&y)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        first.then_with(|| a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}

/// One week of a reviewer's trend.
#[derive(Debug, Clone, Serialize)]
pub struct WeekLine {
    #[serde(serialize_with = "crate::dashboards::period::day")]
    pub from: time::Date,
    #[serde(serialize_with = "crate::dashboards::period::day")]
    pub to: time::Date,
    pub reviews: usize,
}

/// One of the reviewer's latest reviews.
#[derive(Debug, Clone, Serialize)]
pub struct RecentReview {
    pub id: ReviewId,
    pub recording_id: RecordingId,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub submitted_at: Timestamp,
    pub status: ReviewStatus,
    pub gold: bool,
    pub reject_reason: Option<String>,
    pub correct: usize,
    pub incorrect: usize,
    pub missing: usize,
}

/// One reviewer's page: their figures, their weeks and their latest reviews.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewerDetail {
    #[serde(flatten)]
    pub row: ReviewerRow,
    pub weekly: Vec<WeekLine>,
    pub recent: Vec<RecentReview>,
}

/// How many of the latest reviews the page lists.
pub const RECENT: i64 = 20;

/// One reviewer over `period`; `None` when `id` is no reviewer.
pub fn detail(
    conn: &mut DbConnection,
    period: Period,
    zone: &Zone,
    id: &UserId,
) -> QueryResult<Option<ReviewerDetail>> {
    let query = ReviewerQuery {
        status: None,
        sort: ReviewerSort::Name,
        descending: false,
    };
    let Some(row) = figures(conn, period, zone, Some(id), query)?.pop() else {
        return Ok(None);
    };
    let sent: Vec<Timestamp> = reviews::table
        .filter(reviews::reviewer_id.eq(id))
        .filter(reviews::status.eq(ReviewStatus::Accepted))
        .filter(reviews::submitted_at.ge(period.start(zone)))
        .filter(reviews::submitted_at.lt(period.end(zone)))
        .select(reviews::submitted_at)
        .load(conn)?;
    let weekly = period
        .weeks()
        .into_iter()
        .map(|week| WeekLine {
            from: week.from,
            to: week.to,
            reviews: sent
                .iter()
                .filter(|at| week.contains(zone.local(**at).date()))
                .count(),
        })
        .collect();
    let latest: Vec<(
        ReviewId,
        RecordingId,
        Timestamp,
        ReviewStatus,
        bool,
        Option<String>,
    )> = reviews::table
        .filter(reviews::reviewer_id.eq(id))
        .order((reviews::submitted_at.desc(), reviews::id.desc()))
        .limit(RECENT)
        .select((
            reviews::id,
            reviews::recording_id,
            reviews::submitted_at,
            reviews::status,
            reviews::gold,
            reviews::reject_reason,
        ))
        .load(conn)?;
    let ids: Vec<&ReviewId> = latest.iter().map(|r| &r.0).collect();
    let mut tally: HashMap<(ReviewId, String), usize> = HashMap::new();
    for mark in verdicts::table
        .filter(verdicts::review_id.eq_any(&ids))
        .select((verdicts::review_id, verdicts::verdict))
        .load::<(ReviewId, String)>(conn)?
    {
        *tally.entry(mark).or_default() += 1;
    }
    let recent = latest
        .into_iter()
        .map(
            |(review, recording_id, submitted_at, status, gold, reject_reason)| {
                let count = |word: &str| {
                    tally
                        .get(&(review.clone(), word.to_owned()))
                        .copied()
                        .unwrap_or_default()
                };
                RecentReview {
                    correct: count("correct"),
                    incorrect: count("incorrect"),
                    missing: count("missing"),
                    id: review,
                    recording_id,
                    submitted_at,
                    status,
                    gold,
                    reject_reason,
                }
            },
        )
        .collect();
    Ok(Some(ReviewerDetail {
        row,
        weekly,
        recent,
    }))
}
