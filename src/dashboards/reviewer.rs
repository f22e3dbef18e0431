//! The reviewer's own page: every review they sent (newest first), per day (in their zone),
//! and what they earned by the ledger (`crate::pay`). A review the owner rejected is listed
//! with the owner's reason; its money was taken back by a reversing entry. Nothing here tells a gold (control) call
//! from another.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::ids::{RecordingId, ReviewId, UserId};
use crate::db::pay_schema::pay_entries;
use crate::db::schema::{recordings, reviews, verdicts};
use crate::db::time::Timestamp;
use crate::org_settings::{OrgSettings, format_cents};
use crate::pay::format_minor;
use crate::reviews::ReviewStatus;
use crate::zone::Zone;

/// One of the reviewer's reviews, as they may see it: when, how long, what they found.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewLine {
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub submitted_at: Timestamp,
    pub duration_ms: i64,
    pub correct: usize,
    pub incorrect: usize,
    pub missing: usize,
    pub status: ReviewStatus,
    /// The owner's reason, for a rejected review.
    pub reject_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayLine {
    /// `YYYY-MM-DD`, in the reviewer's zone.
    #[serde(serialize_with = "crate::dashboards::period::day")]
    pub day: time::Date,
    /// Accepted reviews sent that day.
    pub reviews: usize,
    /// What the ledger's entries of that day add up to.
    pub earned: String,
}

/// The reviewer's history: every review (newest first), per day, and the earnings.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub reviews: Vec<ReviewLine>,
    pub days: Vec<DayLine>,
    /// The zone the days are counted in (the reviewer's own, else the organization's).
    pub time_zone: String,
    /// Accepted reviews, the ones paid.
    pub total_reviews: usize,
    pub rejected: usize,
    pub rate: String,
    pub currency: String,
    pub total_earned: String,
}

/// The reviewer's history; the money is the ledger's, in the settings' currency.
pub fn history(conn: &mut DbConnection, reviewer: &UserId, zone: &Zone) -> QueryResult<History> {
    let settings = OrgSettings::load(conn)?;
    type Row = (
        ReviewId,
        Timestamp,
        RecordingId,
        ReviewStatus,
        Option<String>,
    );
    let rows: Vec<Row> = reviews::table
        .filter(reviews::reviewer_id.eq(reviewer))
        .order(reviews::submitted_at.desc())
        .select((
            reviews::id,
            reviews::submitted_at,
            reviews::recording_id,
            reviews::status,
            reviews::reject_reason,
        ))
        .load(conn)?;
    let ids: Vec<&ReviewId> = rows.iter().map(|r| &r.0).collect();
    let marks: Vec<(ReviewId, String)> = verdicts::table
        .filter(verdicts::review_id.eq_any(&ids))
        .select((verdicts::review_id, verdicts::verdict))
        .load(conn)?;
    // Verdict counts per review, counted once rather than searched per review.
    let mut tally: std::collections::HashMap<(&ReviewId, &str), usize> =
        std::collections::HashMap::new();
    for (review, verdict) in &marks {
        *tally.entry((review, verdict.as_str())).or_default() += 1;
    }
    let recording_ids: Vec<&RecordingId> = rows.iter().map(|r| &r.2).collect();
    let durations: BTreeMap<RecordingId, Option<i64>> = recordings::table
        .filter(recordings::id.eq_any(&recording_ids))
        .select((recordings::id, recordings::duration_ms))
        .load::<(RecordingId, Option<i64>)>(conn)?
        .into_iter()
        .collect();
    let rate = settings.rate_cents();
    let money: Vec<(Timestamp, i64)> = pay_entries::table
        .filter(pay_entries::reviewer_id.eq(reviewer))
        .filter(pay_entries::currency.eq(&settings.currency))
        .select((pay_entries::created_at, pay_entries::amount_minor))
        .load(conn)?;
    let mut earned_per_day: BTreeMap<time::Date, i64> = BTreeMap::new();
    for (at, amount) in &money {
        *earned_per_day.entry(zone.local(*at).date()).or_default() += amount;
    }
    let mut per_day: BTreeMap<time::Date, usize> = BTreeMap::new();
    let reviews: Vec<ReviewLine> = rows
        .iter()
        .map(|(id, at, recording, status, reason)| {
            let count = |word: &str| tally.get(&(id, word)).copied().unwrap_or_default();
            if *status == ReviewStatus::Accepted {
                *per_day.entry(zone.local(*at).date()).or_default() += 1;
            }
            ReviewLine {
                status: *status,
                reject_reason: reason.clone(),
                submitted_at: *at,
                duration_ms: durations.get(recording).copied().flatten().unwrap_or(0),
                correct: count("correct"),
                incorrect: count("incorrect"),
                missing: count("missing"),
            }
        })
        .collect();
    for day in earned_per_day.keys() {
        per_day.entry(*day).or_default();
    }
    let days = per_day
        .into_iter()
        .rev()
        .map(|(day, count)| DayLine {
            day,
            reviews: count,
            earned: format_minor(earned_per_day.get(&day).copied().unwrap_or(0), '.'),
        })
        .collect();
    let paid = rows
        .iter()
        .filter(|r| r.3 == ReviewStatus::Accepted)
        .count();
    Ok(History {
        total_reviews: paid,
        rejected: reviews.len() - paid,
        total_earned: format_minor(money.iter().map(|m| m.1).sum(), '.'),
        reviews,
        days,
        time_zone: zone.name().to_owned(),
        rate: format_cents(rate),
        currency: settings.currency.clone(),
    })
}
