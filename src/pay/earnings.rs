//! A reviewer's own money, as `GET /api/v1/me/earnings` and the "My earnings" page show it:
//! the open period so far (what the next close will pay, what is on hold), each past period
//! with its status and payment reference, every entry (the call by its opaque code), and the
//! effective hourly rate: what they earned over the time they held their calls.

use diesel::prelude::*;
use serde::Serialize;

use super::ledger::{self, EntryFilter, EntryView};
use super::periods::{self, Amount, PeriodView, amounts};
use crate::assignments::AssignmentStatus;
use crate::db::DbConnection;
use crate::db::ids::UserId;
use crate::db::schema::assignments;
use crate::db::time::Timestamp;
use crate::org_settings::OrgSettings;

/// The open period so far.
#[derive(Debug, Clone, Serialize)]
pub struct OpenPeriod {
    /// The end of the last closed period (`null` before the first close).
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub since: Option<Timestamp>,
    /// What the next close pays (held entries left out).
    pub payable: Vec<Amount>,
    /// Held for low gold accuracy until an owner releases it.
    pub held: Vec<Amount>,
    pub entries: usize,
    pub hourly: Option<Amount>,
}

/// A past period, as the reviewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PastPeriod {
    #[serde(flatten)]
    pub period: PeriodView,
    /// The reviewer's own total in it (the period's `totals` are everyone's and left out).
    pub own: Vec<Amount>,
}

/// Effective pay per hour of held calls.
#[derive(Debug, Clone, Serialize)]
pub struct Hourly {
    /// The time the reviewer held their finished assignments, ms.
    pub time_spent_ms: i64,
    pub earned: Vec<Amount>,
    /// Earnings in the organization's currency per hour spent (`null` before any time).
    pub per_hour: Option<Amount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Earnings {
    pub currency: String,
    pub open: OpenPeriod,
    pub periods: Vec<PastPeriod>,
    pub all_time: Hourly,
    pub entries: Vec<EntryView>,
}

/// Time held on finished assignments, in ms, for those finished at or after `since`.
fn time_spent(
    conn: &mut DbConnection,
    reviewer: &UserId,
    since: Option<Timestamp>,
) -> QueryResult<i64> {
    let rows: Vec<(Timestamp, Option<Timestamp>)> = assignments::table
        .filter(assignments::reviewer_id.eq(reviewer))
        .filter(
            assignments::status.eq_any([AssignmentStatus::Submitted, AssignmentStatus::Skipped]),
        )
        .select((assignments::assigned_at, assignments::finished_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(from, to)| to.map(|to| (from, to)))
        .filter(|(_, to)| since.is_none_or(|since| *to >= since))
        .map(|(from, to)| i64::try_from((to - from).whole_milliseconds().max(0)).unwrap_or(0))
        .sum())
}

fn per_hour(currency: &str, earned: &[Amount], spent_ms: i64) -> Option<Amount> {
    let minor = earned.iter().find(|a| a.currency == currency)?.amount_minor;
    (spent_ms > 0).then(|| {
        let hourly = i128::from(minor) * 3_600_000 / i128::from(spent_ms);
        Amount::new(currency, i64::try_from(hourly).unwrap_or(i64::MAX))
    })
}

/// The reviewer's earnings; see the module doc.
pub fn of(conn: &mut DbConnection, reviewer: &UserId) -> QueryResult<Earnings> {
    let currency = OrgSettings::load(conn)?.currency;
    let entries = ledger::entries(
        conn,
        &EntryFilter {
            reviewer: Some(reviewer.clone()),
            ..EntryFilter::default()
        },
    )?;
    let since = periods::open_since(conn)?;
    let open: Vec<&EntryView> = entries.iter().filter(|e| e.period_id.is_none()).collect();
    let payable = amounts(
        open.iter()
            .filter(|e| !e.on_hold())
            .map(|e| (e.currency.clone(), e.amount_minor)),
    );
    let held = amounts(
        open.iter()
            .filter(|e| e.on_hold())
            .map(|e| (e.currency.clone(), e.amount_minor)),
    );
    let open_earned = amounts(open.iter().map(|e| (e.currency.clone(), e.amount_minor)));
    let open_spent = time_spent(conn, reviewer, since)?;
    let all_earned = amounts(entries.iter().map(|e| (e.currency.clone(), e.amount_minor)));
    let all_spent = time_spent(conn, reviewer, None)?;
    let periods = periods::of_reviewer(conn, reviewer)?
        .into_iter()
        .map(|(mut period, own)| {
            period.totals = Vec::new();
            period.entries = 0;
            PastPeriod { period, own }
        })
        .collect();
    Ok(Earnings {
        open: OpenPeriod {
            since,
            payable,
            held,
            entries: open.len(),
            hourly: per_hour(&currency, &open_earned, open_spent),
        },
        all_time: Hourly {
            time_spent_ms: all_spent,
            per_hour: per_hour(&currency, &all_earned, all_spent),
            earned: all_earned,
        },
        periods,
        entries,
        currency,
    })
}

/// The earnings as the reviewer may read them: each entry says what the gold rule did (a
/// bonus, a hold) but not the accuracy it read, which would change right after a gold call
/// and so tell it from the others.
pub fn for_reviewer(mut earnings: Earnings) -> Earnings {
    for entry in &mut earnings.entries {
        entry.gold_accuracy = None;
    }
    earnings
}
