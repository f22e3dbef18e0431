//! Pay periods: an owner closes one (every open entry made before its end, and not on hold,
//! is frozen into it, with each reviewer's total; a reviewer whose total would be negative
//! keeps their entries open for the next period), approves it and marks it paid with the
//! day and the payout service's reference. Each step is one conditional write, audited: a
//! repeated request changes nothing, and of two owners closing at once one closes and the
//! other is told (the period number and end are unique, so neither backend can take the
//! same entries twice).

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::details::{self, PayoutDetails};
use super::money::format_minor;
use super::{PayError, PeriodStatus};
use crate::audit;
use crate::db::DbConnection;
use crate::db::ids::{PayPeriodId, UserId};
use crate::db::pay_schema::{pay_entries, pay_period_totals, pay_periods};
use crate::db::schema::users;
use crate::db::time::{Timestamp, now};
use crate::org_settings::OrgSettings;
use crate::validation::FieldProblem;
use crate::zone::Zone;

/// The longest payment reference.
pub const MAX_REFERENCE_CHARS: usize = 200;

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amount {
    pub currency: String,
    pub amount_minor: i64,
    /// `12.50`.
    pub amount: String,
}

impl Amount {
    pub fn new(currency: impl Into<String>, amount_minor: i64) -> Amount {
        Amount {
            currency: currency.into(),
            amount_minor,
            amount: format_minor(amount_minor, '.'),
        }
    }
}

/// Sums per currency, in currency order.
pub fn amounts(parts: impl IntoIterator<Item = (String, i64)>) -> Vec<Amount> {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for (currency, minor) in parts {
        *sums.entry(currency).or_default() += minor;
    }
    sums.into_iter().map(|(c, m)| Amount::new(c, m)).collect()
}

/// A closed period as lists and pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodView {
    pub id: PayPeriodId,
    pub number: i32,
    pub status: PeriodStatus,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub starts_at: Option<Timestamp>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub ends_at: Timestamp,
    /// The first and last day it covers (`YYYY-MM-DD`, in the organization's zone).
    pub from: String,
    pub to: String,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub closed_at: Timestamp,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub approved_at: Option<Timestamp>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub paid_at: Option<Timestamp>,
    /// The day the money went out (`YYYY-MM-DD`) and the payout's reference.
    pub paid_on: Option<String>,
    pub payment_reference: Option<String>,
    pub entries: i64,
    pub totals: Vec<Amount>,
}

/// What one reviewer is owed by a period, in one currency, with where to pay them.
#[derive(Debug, Clone, Serialize)]
pub struct PayeeLine {
    pub reviewer_id: UserId,
    pub name: String,
    pub currency: String,
    pub amount_minor: i64,
    pub amount: String,
    pub entries: i32,
    /// In full: only owners read a period's lines.
    pub details: Option<PayoutDetails>,
}

/// A period with its reviewers' lines.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodDetail {
    #[serde(flatten)]
    pub period: PeriodView,
    pub payees: Vec<PayeeLine>,
}

type PeriodRow = (
    PayPeriodId,
    i32,
    PeriodStatus,
    Option<Timestamp>,
    Timestamp,
    Timestamp,
    Option<Timestamp>,
    Option<Timestamp>,
    Option<String>,
    Option<String>,
);

fn period_rows(conn: &mut DbConnection, only: Option<&PayPeriodId>) -> QueryResult<Vec<PeriodRow>> {
    let mut query = pay_periods::table.into_boxed();
    if let Some(id) = only {
        query = query.filter(pay_periods::id.eq(id.clone()));
    }
    query
        .order(pay_periods::number.desc())
        .select((
            pay_periods::id,
            pay_periods::number,
            pay_periods::status,
            pay_periods::starts_at,
            pay_periods::ends_at,
            pay_periods::closed_at,
            pay_periods::approved_at,
            pay_periods::paid_at,
            pay_periods::paid_on,
            pay_periods::payment_reference,
        ))
        .load(conn)
}

fn day(zone: &Zone, at: Timestamp) -> String {
    crate::dashboards::period::day_text(zone.local(at).date())
}

/// The periods (`only` one, or all, newest first), with their totals.
fn views(conn: &mut DbConnection, only: Option<&PayPeriodId>) -> QueryResult<Vec<PeriodView>> {
    let zone = OrgSettings::load_zone(conn)?;
    let rows = period_rows(conn, only)?;
    let ids: Vec<&PayPeriodId> = rows.iter().map(|r| &r.0).collect();
    let totals: Vec<(PayPeriodId, String, i64, i32)> = pay_period_totals::table
        .filter(pay_period_totals::period_id.eq_any(&ids))
        .select((
            pay_period_totals::period_id,
            pay_period_totals::currency,
            pay_period_totals::amount_minor,
            pay_period_totals::entries,
        ))
        .load(conn)?;
    // The first entry of a first period says where it starts.
    let earliest: Option<Timestamp> = match rows.iter().find(|r| r.3.is_none()) {
        Some(first) => pay_entries::table
            .filter(pay_entries::period_id.eq(&first.0))
            .select(diesel::dsl::min(pay_entries::created_at))
            .first::<Option<Timestamp>>(conn)?,
        None => None,
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let own = totals.iter().filter(|t| t.0 == r.0);
            let entries = own.clone().map(|t| i64::from(t.3)).sum();
            let last_moment = r.4 - time::Duration::milliseconds(1);
            PeriodView {
                from: day(&zone, r.3.or(earliest).unwrap_or(last_moment)),
                to: day(&zone, last_moment),
                totals: amounts(own.map(|t| (t.1.clone(), t.2))),
                entries,
                id: r.0,
                number: r.1,
                status: r.2,
                starts_at: r.3,
                ends_at: r.4,
                closed_at: r.5,
                approved_at: r.6,
                paid_at: r.7,
                paid_on: r.8,
                payment_reference: r.9,
            }
        })
        .collect())
}

/// Every closed period, newest first.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<PeriodView>> {
    views(conn, None)
}

/// One period with each reviewer's line (by name) and their payout details in full.
pub fn detail(conn: &mut DbConnection, id: &PayPeriodId) -> Result<PeriodDetail, PayError> {
    let period = views(conn, Some(id))?.pop().ok_or(PayError::NotFound)?;
    let lines: Vec<(UserId, String, String, i64, i32)> = pay_period_totals::table
        .inner_join(users::table.on(users::id.eq(pay_period_totals::reviewer_id)))
        .filter(pay_period_totals::period_id.eq(id))
        .order((users::display_name.asc(), pay_period_totals::currency.asc()))
        .select((
            pay_period_totals::reviewer_id,
            users::display_name,
            pay_period_totals::currency,
            pay_period_totals::amount_minor,
            pay_period_totals::entries,
        ))
        .load(conn)?;
    let ids: Vec<UserId> = lines.iter().map(|l| l.0.clone()).collect();
    let mut all_details = details::of_many(conn, &ids)?;
    let payees = lines
        .into_iter()
        .map(
            |(reviewer_id, name, currency, amount_minor, entries)| PayeeLine {
                details: all_details.remove(&reviewer_id),
                amount: format_minor(amount_minor, '.'),
                reviewer_id,
                name,
                currency,
                amount_minor,
                entries,
            },
        )
        .collect();
    Ok(PeriodDetail { period, payees })
}

/// When the open period ends: the end of the latest closed one (`None` before the first).
pub fn open_since(conn: &mut DbConnection) -> QueryResult<Option<Timestamp>> {
    pay_periods::table
        .order(pay_periods::number.desc())
        .select(pay_periods::ends_at)
        .first(conn)
        .optional()
}

/// Closes a period at `until` (now when `None`), see the module doc. `Ok((period, true))`
/// when this call closed it; `Ok((period, false))` when a period with that very end was
/// closed before (a repeated request).
pub fn close(
    conn: &mut DbConnection,
    owner: &UserId,
    until: Option<Timestamp>,
) -> Result<(PeriodView, bool), PayError> {
    conn.write_transaction(|conn| {
        let at = now();
        let ends = until.unwrap_or(at);
        if ends > at {
            return Err(FieldProblem::new("until", "in_future").into());
        }
        let last: Option<(PayPeriodId, i32, Timestamp)> = pay_periods::table
            .order(pay_periods::number.desc())
            .select((pay_periods::id, pay_periods::number, pay_periods::ends_at))
            .first(conn)
            .optional()?;
        if let Some((id, _, last_end)) = &last {
            match until {
                // The same end asked again: the period it closed.
                Some(_) if *last_end == ends => {
                    let view = views(conn, Some(id))?.pop().ok_or(PayError::NotFound)?;
                    return Ok((view, false));
                }
                Some(_) if *last_end > ends => {
                    return Err(FieldProblem::new("until", "before_last_period").into());
                }
                // Up to now, in the very millisecond another close ended: nothing is left
                // before that end, and what came after it belongs to the next period.
                None if *last_end >= ends => return Err(PayError::NothingToClose),
                _ => {}
            }
        }
        let id = PayPeriodId::random();
        let number = last.as_ref().map_or(1, |l| l.1 + 1);
        let inserted = diesel::insert_into(pay_periods::table)
            .values((
                pay_periods::id.eq(&id),
                pay_periods::number.eq(number),
                pay_periods::starts_at.eq(last.as_ref().map(|l| l.2)),
                pay_periods::ends_at.eq(ends),
                pay_periods::status.eq(PeriodStatus::Closed),
                pay_periods::closed_at.eq(at),
                pay_periods::closed_by.eq(owner),
            ))
            .execute(conn);
        match inserted {
            Err(e) if crate::db::is_unique_violation(&e) => return Err(PayError::ClosedMeanwhile),
            other => other?,
        };
        let taken = diesel::update(
            pay_entries::table
                .filter(pay_entries::period_id.is_null())
                .filter(pay_entries::created_at.lt(ends))
                .filter(
                    pay_entries::held
                        .eq(false)
                        .or(pay_entries::released_at.is_not_null()),
                ),
        )
        .set(pay_entries::period_id.eq(&id))
        .execute(conn)?;
        if taken == 0 {
            return Err(PayError::NothingToClose);
        }
        let frozen: Vec<(UserId, String, i64)> = pay_entries::table
            .filter(pay_entries::period_id.eq(&id))
            .select((
                pay_entries::reviewer_id,
                pay_entries::currency,
                pay_entries::amount_minor,
            ))
            .load(conn)?;
        let mut totals: BTreeMap<(UserId, String), (i64, i32)> = BTreeMap::new();
        for (reviewer, currency, amount) in frozen {
            let total = totals.entry((reviewer, currency)).or_default();
            total.0 += amount;
            total.1 += 1;
        }
        // A reviewer who owes more than they earned (deductions, reversals of paid reviews)
        // cannot be paid a negative amount: their entries stay open for the next period.
        let owing: Vec<(UserId, String)> = totals
            .iter()
            .filter(|(_, (amount, _))| *amount < 0)
            .map(|(key, _)| key.clone())
            .collect();
        for (reviewer, currency) in &owing {
            diesel::update(
                pay_entries::table
                    .filter(pay_entries::period_id.eq(&id))
                    .filter(pay_entries::reviewer_id.eq(reviewer))
                    .filter(pay_entries::currency.eq(currency)),
            )
            .set(pay_entries::period_id.eq(None::<PayPeriodId>))
            .execute(conn)?;
            totals.remove(&(reviewer.clone(), currency.clone()));
        }
        let taken: usize = totals.values().map(|t| t.1 as usize).sum();
        if taken == 0 {
            return Err(PayError::NothingToClose);
        }
        for ((reviewer, currency), (amount, entries)) in &totals {
            diesel::insert_into(pay_period_totals::table)
                .values((
                    pay_period_totals::period_id.eq(&id),
                    pay_period_totals::reviewer_id.eq(reviewer),
                    pay_period_totals::currency.eq(currency),
                    pay_period_totals::amount_minor.eq(amount),
                    pay_period_totals::entries.eq(entries),
                ))
                .execute(conn)?;
        }
        let view = views(conn, Some(&id))?.pop().ok_or(PayError::NotFound)?;
        audit::record(
            conn,
            Some(owner),
            "pay.period_close",
            "pay_period",
            id.as_str(),
            serde_json::json!({
                "number": number,
                "ends_at": crate::db::time::rfc3339(ends),
                "entries": taken,
                "totals": view.totals,
            }),
        )?;
        Ok((view, true))
    })
}

/// Approves a closed period; approving it again changes nothing. Audited.
pub fn approve(
    conn: &mut DbConnection,
    owner: &UserId,
    id: &PayPeriodId,
) -> Result<PeriodView, PayError> {
    conn.write_transaction(|conn| {
        let at = now();
        let changed = diesel::update(
            pay_periods::table
                .find(id)
                .filter(pay_periods::status.eq(PeriodStatus::Closed)),
        )
        .set((
            pay_periods::status.eq(PeriodStatus::Approved),
            pay_periods::approved_at.eq(at),
            pay_periods::approved_by.eq(owner),
        ))
        .execute(conn)?;
        let view = views(conn, Some(id))?.pop().ok_or(PayError::NotFound)?;
        if changed == 0 {
            return match view.status {
                PeriodStatus::Paid => Err(PayError::AlreadyPaid),
                _ => Ok(view),
            };
        }
        audit::record(
            conn,
            Some(owner),
            "pay.period_approve",
            "pay_period",
            id.as_str(),
            serde_json::json!({ "number": view.number, "totals": view.totals }),
        )?;
        Ok(view)
    })
}

/// How an owner marks a period paid.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PaidInput {
    /// `YYYY-MM-DD`.
    pub paid_on: String,
    pub reference: String,
}

/// Marks an approved period paid; the same day and reference again change nothing, another
/// pair is refused (`already_paid`). Audited.
pub fn mark_paid(
    conn: &mut DbConnection,
    owner: &UserId,
    id: &PayPeriodId,
    input: &PaidInput,
) -> Result<PeriodView, PayError> {
    let mut problems = Vec::new();
    let paid_on = match crate::db::time::day_bound("paid_on", &Some(input.paid_on.clone()), 0) {
        Ok(Some(day)) => Some(crate::dashboards::period::day_text(day.date())),
        Ok(None) => {
            problems.push(FieldProblem::new("paid_on", "required"));
            None
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let reference = input.reference.trim().to_owned();
    if reference.is_empty() {
        problems.push(FieldProblem::new("reference", "required"));
    } else if reference.chars().count() > MAX_REFERENCE_CHARS {
        problems.push(FieldProblem::new("reference", "too_long").with("max", MAX_REFERENCE_CHARS));
    } else if reference.chars().any(char::is_control) {
        problems.push(FieldProblem::new("reference", "control_characters"));
    }
    let Some(paid_on) = paid_on.filter(|_| problems.is_empty()) else {
        return Err(PayError::Invalid(problems));
    };
    conn.write_transaction(|conn| {
        let at = now();
        let changed = diesel::update(
            pay_periods::table
                .find(id)
                .filter(pay_periods::status.eq(PeriodStatus::Approved)),
        )
        .set((
            pay_periods::status.eq(PeriodStatus::Paid),
            pay_periods::paid_at.eq(at),
            pay_periods::paid_by.eq(owner),
            pay_periods::paid_on.eq(&paid_on),
            pay_periods::payment_reference.eq(&reference),
        ))
        .execute(conn)?;
        let view = views(conn, Some(id))?.pop().ok_or(PayError::NotFound)?;
        if changed == 0 {
            return match view.status {
                PeriodStatus::Closed => Err(PayError::NotApproved),
                PeriodStatus::Paid
                    if view.paid_on.as_deref() == Some(&paid_on)
                        && view.payment_reference.as_deref() == Some(&reference) =>
                {
                    Ok(view)
                }
                _ => Err(PayError::AlreadyPaid),
            };
        }
        audit::record(
            conn,
            Some(owner),
            "pay.period_paid",
            "pay_period",
            id.as_str(),
            serde_json::json!({
                "number": view.number,
                "paid_on": paid_on,
                "reference": reference,
                "totals": view.totals,
            }),
        )?;
        Ok(view)
    })
}

/// A reviewer's own line in each period that has one, newest first.
pub fn of_reviewer(
    conn: &mut DbConnection,
    reviewer: &UserId,
) -> QueryResult<Vec<(PeriodView, Vec<Amount>)>> {
    let own: Vec<(PayPeriodId, String, i64)> = pay_period_totals::table
        .filter(pay_period_totals::reviewer_id.eq(reviewer))
        .select((
            pay_period_totals::period_id,
            pay_period_totals::currency,
            pay_period_totals::amount_minor,
        ))
        .load(conn)?;
    Ok(list(conn)?
        .into_iter()
        .filter_map(|period| {
            let mine: Vec<(String, i64)> = own
                .iter()
                .filter(|o| o.0 == period.id)
                .map(|o| (o.1.clone(), o.2))
                .collect();
            (!mine.is_empty()).then(|| (period, amounts(mine)))
        })
        .collect())
}

/// How an owner closes a period: through the end of `until` (`YYYY-MM-DD`, in the
/// organization's zone), or up to now.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseInput {
    pub until: Option<String>,
}

/// The moment a close through `until` ends: the end of that day in the organization's zone
/// (`None`: now).
pub fn end_of(
    conn: &mut DbConnection,
    until: &Option<String>,
) -> Result<Option<Timestamp>, PayError> {
    let Some(day) = crate::db::time::day_bound("until", until, 0)? else {
        return Ok(None);
    };
    let next = day
        .date()
        .next_day()
        .ok_or_else(|| FieldProblem::new("until", "date_out_of_range"))?;
    Ok(Some(OrgSettings::load_zone(conn)?.start_of(next)))
}
