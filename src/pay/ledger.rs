//! The ledger: entries are only ever inserted (amounts and reasons never change). A review's
//! entries tell its story in order (`review_seq` 0, 1, 2, …, unique per review): the first at
//! the rates in force when it was sent, then a reversal for each rejection and a
//! reinstatement (the first entry's amount again) for each restore; the review hooks run in
//! the transaction of the change they pay for. What an entry may still gain is its period
//! (when a period closes over it) and, for an entry held for low gold accuracy, the moment an
//! owner released it.

use diesel::prelude::*;
use serde::Serialize;

use super::money::{format_minor, per_minute, percent_of};
use super::{EntryKind, PayError, PaySettings, PeriodStatus, parse_minor};
use crate::accounts::Role;
use crate::audit;
use crate::db::DbConnection;
use crate::db::ids::{PayEntryId, PayPeriodId, ReviewId, ScriptId, UserId};
use crate::db::pay_schema::{pay_entries, pay_periods};
use crate::db::schema::{assignments, reviews, users};
use crate::db::time::{Timestamp, now};
use crate::org_settings::OrgSettings;
use crate::validation::FieldProblem;

/// The most characters of an adjustment's reason.
pub const MAX_REASON_CHARS: usize = 1000;

/// A reviewer's gold accuracy as the gold rule reads it: (scored steps, share 0–1).
pub type GoldAccuracy = Option<(usize, f64)>;

/// What a review's first entry needs to know about it.
pub struct Accrual<'a> {
    pub review: &'a ReviewId,
    pub reviewer: &'a UserId,
    pub script: &'a ScriptId,
    pub duration_ms: i64,
    pub at: Timestamp,
}

/// The entry of a review just accepted, at the rates in force now (the script's own, else
/// the settings'), with the gold rule applied when it is on. `accuracy` is asked only then.
pub fn accrue(
    conn: &mut DbConnection,
    accrual: Accrual<'_>,
    accuracy: impl FnOnce(&mut DbConnection) -> QueryResult<GoldAccuracy>,
) -> QueryResult<()> {
    let org = OrgSettings::load(conn)?;
    let pay = PaySettings::load(conn)?;
    let (review_rate, minute_rate, source) =
        match super::settings::script_rate(conn, accrual.script)? {
            Some((review, minute)) => (review, minute, "script"),
            None => (org.rate_cents(), pay.minute_rate_minor(), "settings"),
        };
    let base = review_rate + per_minute(minute_rate, accrual.duration_ms);
    let (mut gold_accuracy, mut bonus_percent, mut held) = (None, 0, false);
    // The accuracy is read only while the rule is on (it is off by default).
    let rule_on = pay.bonus_percent > 0 || pay.hold_accuracy > 0;
    if rule_on
        && let Some((scored, share)) = accuracy(conn)?
        && scored >= usize::try_from(pay.gold_min_steps).unwrap_or(usize::MAX)
    {
        let percent = (share * 100.0).floor().clamp(0.0, 100.0) as i32;
        gold_accuracy = Some(percent);
        if pay.bonus_percent > 0 && percent >= pay.bonus_accuracy {
            bonus_percent = pay.bonus_percent;
        }
        held = pay.hold_accuracy > 0 && percent < pay.hold_accuracy;
    }
    let bonus = percent_of(base, bonus_percent);
    diesel::insert_into(pay_entries::table)
        .values((
            pay_entries::id.eq(PayEntryId::random()),
            pay_entries::reviewer_id.eq(accrual.reviewer),
            pay_entries::kind.eq(EntryKind::Review),
            pay_entries::review_id.eq(accrual.review),
            pay_entries::review_seq.eq(0),
            pay_entries::amount_minor.eq(base + bonus),
            pay_entries::currency.eq(&org.currency),
            pay_entries::review_rate_minor.eq(review_rate),
            pay_entries::minute_rate_minor.eq(minute_rate),
            pay_entries::duration_ms.eq(accrual.duration_ms),
            pay_entries::rate_source.eq(source),
            pay_entries::gold_accuracy.eq(gold_accuracy),
            pay_entries::bonus_percent.eq(bonus_percent),
            pay_entries::bonus_minor.eq(bonus),
            pay_entries::held.eq(held),
            pay_entries::created_at.eq(accrual.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A review's entries so far, in order.
#[derive(Debug, Clone, Queryable)]
struct ReviewEntry {
    seq: Option<i32>,
    amount_minor: i64,
    currency: String,
    review_rate_minor: i64,
    minute_rate_minor: i64,
    duration_ms: i64,
    rate_source: String,
    gold_accuracy: Option<i32>,
    bonus_percent: i32,
    bonus_minor: i64,
    held: bool,
    released_at: Option<Timestamp>,
    period_id: Option<PayPeriodId>,
    reviewer_id: UserId,
}

fn review_entries(conn: &mut DbConnection, review: &ReviewId) -> QueryResult<Vec<ReviewEntry>> {
    pay_entries::table
        .filter(pay_entries::review_id.eq(review))
        .order(pay_entries::review_seq.asc())
        .select((
            pay_entries::review_seq,
            pay_entries::amount_minor,
            pay_entries::currency,
            pay_entries::review_rate_minor,
            pay_entries::minute_rate_minor,
            pay_entries::duration_ms,
            pay_entries::rate_source,
            pay_entries::gold_accuracy,
            pay_entries::bonus_percent,
            pay_entries::bonus_minor,
            pay_entries::held,
            pay_entries::released_at,
            pay_entries::period_id,
            pay_entries::reviewer_id,
        ))
        .load(conn)
}

/// A rejected review's money taken back: one entry of minus what its entries add up to. It
/// is held with the review's first entry while that one is held and unpaid, so the two
/// leave the hold (and reach a period) together.
pub fn reverse(
    conn: &mut DbConnection,
    review: &ReviewId,
    owner: &UserId,
    reason: &str,
    at: Timestamp,
) -> QueryResult<()> {
    let entries = review_entries(conn, review)?;
    let Some(first) = entries.first() else {
        return Ok(());
    };
    let net: i64 = entries.iter().map(|e| e.amount_minor).sum();
    if net == 0 {
        return Ok(());
    }
    follow_up(
        conn,
        review,
        &entries,
        first,
        EntryKind::Reversal,
        -net,
        Some(reason),
        owner,
        at,
    )
}

/// A restored review's money given again: its first entry's amount (the rates in force when
/// it was sent, whatever they are now).
pub fn reinstate(
    conn: &mut DbConnection,
    review: &ReviewId,
    owner: &UserId,
    at: Timestamp,
) -> QueryResult<()> {
    let entries = review_entries(conn, review)?;
    let Some(first) = entries.first() else {
        return Ok(());
    };
    let net: i64 = entries.iter().map(|e| e.amount_minor).sum();
    let amount = first.amount_minor - net;
    if amount == 0 {
        return Ok(());
    }
    follow_up(
        conn,
        review,
        &entries,
        first,
        EntryKind::Reinstatement,
        amount,
        None,
        owner,
        at,
    )
}

#[allow(clippy::too_many_arguments)]
fn follow_up(
    conn: &mut DbConnection,
    review: &ReviewId,
    entries: &[ReviewEntry],
    first: &ReviewEntry,
    kind: EntryKind,
    amount: i64,
    reason: Option<&str>,
    owner: &UserId,
    at: Timestamp,
) -> QueryResult<()> {
    let seq = entries.iter().filter_map(|e| e.seq).max().unwrap_or(0) + 1;
    let held = first.held && first.released_at.is_none() && first.period_id.is_none();
    diesel::insert_into(pay_entries::table)
        .values((
            pay_entries::id.eq(PayEntryId::random()),
            pay_entries::reviewer_id.eq(&first.reviewer_id),
            pay_entries::kind.eq(kind),
            pay_entries::review_id.eq(review),
            pay_entries::review_seq.eq(seq),
            pay_entries::amount_minor.eq(amount),
            pay_entries::currency.eq(&first.currency),
            pay_entries::review_rate_minor.eq(first.review_rate_minor),
            pay_entries::minute_rate_minor.eq(first.minute_rate_minor),
            pay_entries::duration_ms.eq(first.duration_ms),
            pay_entries::rate_source.eq(&first.rate_source),
            pay_entries::gold_accuracy.eq(first.gold_accuracy),
            pay_entries::bonus_percent.eq(first.bonus_percent),
            pay_entries::bonus_minor.eq(if amount < 0 {
                -first.bonus_minor
            } else {
                first.bonus_minor
            }),
            pay_entries::held.eq(held),
            pay_entries::reason.eq(reason),
            pay_entries::created_by.eq(owner),
            pay_entries::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// An owner's bonus (a positive amount) or deduction (a negative one), with a reason.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AdjustmentInput {
    pub reviewer_id: String,
    /// A signed decimal: `5.00`, `-2.50`.
    pub amount: String,
    pub reason: String,
}

/// Adds an owner's bonus or deduction to a reviewer's ledger, audited.
pub fn adjust(
    conn: &mut DbConnection,
    owner: &UserId,
    input: &AdjustmentInput,
) -> Result<EntryView, PayError> {
    let mut problems = Vec::new();
    let amount = parse_minor(&input.amount);
    match amount {
        None => problems.push(FieldProblem::new("amount", "not_an_amount")),
        Some(0) => problems.push(FieldProblem::new("amount", "zero_amount")),
        Some(_) => {}
    }
    let reason = input.reason.trim();
    if reason.is_empty() {
        problems.push(FieldProblem::new("reason", "required"));
    } else if reason.chars().count() > MAX_REASON_CHARS {
        problems.push(FieldProblem::new("reason", "too_long").with("max", MAX_REASON_CHARS));
    } else if reason
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        problems.push(FieldProblem::new("reason", "control_characters"));
    }
    if input.reviewer_id.trim().is_empty() {
        problems.push(FieldProblem::new("reviewer_id", "required"));
    }
    let Some(amount) = amount.filter(|_| problems.is_empty()) else {
        return Err(PayError::Invalid(problems));
    };
    let reviewer = UserId::from_raw(input.reviewer_id.trim());
    conn.write_transaction(|conn| {
        let role: Role = users::table
            .find(&reviewer)
            .select(users::role)
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                PayError::Invalid(vec![FieldProblem::new("reviewer_id", "unknown_value")])
            })?;
        if role != Role::Reviewer {
            return Err(PayError::Invalid(vec![FieldProblem::new(
                "reviewer_id",
                "unknown_value",
            )]));
        }
        let currency = OrgSettings::load(conn)?.currency;
        let id = PayEntryId::random();
        let kind = if amount > 0 {
            EntryKind::Bonus
        } else {
            EntryKind::Deduction
        };
        diesel::insert_into(pay_entries::table)
            .values((
                pay_entries::id.eq(&id),
                pay_entries::reviewer_id.eq(&reviewer),
                pay_entries::kind.eq(kind),
                pay_entries::amount_minor.eq(amount),
                pay_entries::currency.eq(&currency),
                pay_entries::rate_source.eq("none"),
                pay_entries::reason.eq(reason),
                pay_entries::created_by.eq(owner),
                pay_entries::created_at.eq(now()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Some(owner),
            "pay.adjustment",
            "pay_entry",
            id.as_str(),
            serde_json::json!({
                "reviewer_id": reviewer,
                "amount_minor": amount,
                "currency": currency,
                "reason": reason,
            }),
        )?;
        let filter = EntryFilter {
            entry: Some(id),
            ..EntryFilter::default()
        };
        entries(conn, &filter)?.pop().ok_or(PayError::NotFound)
    })
}

/// Releases a reviewer's held entries that no period took yet: they are paid by the next
/// close. Audited when anything was held; returns how many entries were released.
pub fn release_holds(
    conn: &mut DbConnection,
    owner: &UserId,
    reviewer: &UserId,
) -> Result<usize, PayError> {
    conn.write_transaction(|conn| {
        let role: Role = users::table
            .find(reviewer)
            .select(users::role)
            .first(conn)?;
        if role != Role::Reviewer {
            return Err(PayError::NotFound);
        }
        let at = now();
        let released = diesel::update(
            pay_entries::table
                .filter(pay_entries::reviewer_id.eq(reviewer))
                .filter(pay_entries::held.eq(true))
                .filter(pay_entries::released_at.is_null())
                .filter(pay_entries::period_id.is_null()),
        )
        .set((
            pay_entries::released_at.eq(at),
            pay_entries::released_by.eq(owner),
        ))
        .execute(conn)?;
        if released > 0 {
            audit::record(
                conn,
                Some(owner),
                "pay.release",
                "user",
                reviewer.as_str(),
                serde_json::json!({ "entries": released }),
            )?;
        }
        Ok(released)
    })
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub reviewer: Option<UserId>,
    /// `Some(None)`: the open ones (no period yet); `Some(Some(id))`: one period's.
    pub period: Option<Option<PayPeriodId>>,
    pub entry: Option<PayEntryId>,
}

/// One entry as the ledger shows it. The call is named by the reviewer's opaque code only.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub id: PayEntryId,
    pub kind: EntryKind,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    pub review_id: Option<ReviewId>,
    /// The assignment's code: how the reviewer knows the call.
    pub call_code: Option<String>,
    pub amount_minor: i64,
    /// `12.50`.
    pub amount: String,
    pub currency: String,
    /// The rates that made a review's amount.
    pub review_rate_minor: i64,
    pub minute_rate_minor: i64,
    pub duration_ms: i64,
    /// `settings`, `script` (the script's own rate) or `none` (an adjustment).
    pub rate_source: String,
    /// The gold rule: the accuracy it read (%), the bonus it gave, whether it held the pay.
    pub gold_accuracy: Option<i32>,
    pub bonus_percent: i32,
    pub bonus_minor: i64,
    pub held: bool,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub released_at: Option<Timestamp>,
    /// The owner's reason (a rejection's, a bonus's, a deduction's).
    pub reason: Option<String>,
    pub period_id: Option<PayPeriodId>,
    pub period_number: Option<i32>,
    pub period_status: Option<PeriodStatus>,
}

impl EntryView {
    /// Held and not released: not paid until an owner releases it.
    pub fn on_hold(&self) -> bool {
        self.held && self.released_at.is_none()
    }
}

type EntryRow = (
    (
        PayEntryId,
        EntryKind,
        Timestamp,
        UserId,
        String,
        Option<ReviewId>,
        Option<String>,
        i64,
        String,
        i64,
        i64,
        i64,
        String,
    ),
    (
        Option<i32>,
        i32,
        i64,
        bool,
        Option<Timestamp>,
        Option<String>,
        Option<PayPeriodId>,
        Option<i32>,
        Option<PeriodStatus>,
    ),
);

/// The entries the filter names, newest first.
pub fn entries(conn: &mut DbConnection, filter: &EntryFilter) -> QueryResult<Vec<EntryView>> {
    let mut query = pay_entries::table
        .inner_join(users::table.on(users::id.eq(pay_entries::reviewer_id)))
        .left_join(reviews::table.on(reviews::id.nullable().eq(pay_entries::review_id)))
        .left_join(assignments::table.on(assignments::id.eq(reviews::assignment_id)))
        .left_join(pay_periods::table)
        .into_boxed();
    if let Some(reviewer) = &filter.reviewer {
        query = query.filter(pay_entries::reviewer_id.eq(reviewer.clone()));
    }
    match &filter.period {
        None => {}
        Some(None) => query = query.filter(pay_entries::period_id.is_null()),
        Some(Some(period)) => query = query.filter(pay_entries::period_id.eq(period.clone())),
    }
    if let Some(entry) = &filter.entry {
        query = query.filter(pay_entries::id.eq(entry.clone()));
    }
    let rows: Vec<EntryRow> = query
        .order((pay_entries::created_at.desc(), pay_entries::id.desc()))
        .select((
            (
                pay_entries::id,
                pay_entries::kind,
                pay_entries::created_at,
                pay_entries::reviewer_id,
                users::display_name,
                pay_entries::review_id,
                assignments::code.nullable(),
                pay_entries::amount_minor,
                pay_entries::currency,
                pay_entries::review_rate_minor,
                pay_entries::minute_rate_minor,
                pay_entries::duration_ms,
                pay_entries::rate_source,
            ),
            (
                pay_entries::gold_accuracy,
                pay_entries::bonus_percent,
                pay_entries::bonus_minor,
                pay_entries::held,
                pay_entries::released_at,
                pay_entries::reason,
                pay_entries::period_id,
                pay_periods::number.nullable(),
                pay_periods::status.nullable(),
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(a, b)| EntryView {
            id: a.0,
            kind: a.1,
            created_at: a.2,
            reviewer_id: a.3,
            reviewer_name: a.4,
            review_id: a.5,
            call_code: a.6,
            amount_minor: a.7,
            amount: format_minor(a.7, '.'),
            currency: a.8,
            review_rate_minor: a.9,
            minute_rate_minor: a.10,
            duration_ms: a.11,
            rate_source: a.12,
            gold_accuracy: b.0,
            bonus_percent: b.1,
            bonus_minor: b.2,
            held: b.3,
            released_at: b.4,
            reason: b.5,
            period_id: b.6,
            period_number: b.7,
            period_status: b.8,
        })
        .collect())
}

/// What each of `reviewers` earned in `currency` from entries made in `[from, to)`.
pub fn earned_between(
    conn: &mut DbConnection,
    reviewers: &[UserId],
    currency: &str,
    from: Timestamp,
    to: Timestamp,
) -> QueryResult<std::collections::HashMap<UserId, i64>> {
    let rows: Vec<(UserId, i64)> = pay_entries::table
        .filter(pay_entries::reviewer_id.eq_any(reviewers))
        .filter(pay_entries::currency.eq(currency))
        .filter(pay_entries::created_at.ge(from))
        .filter(pay_entries::created_at.lt(to))
        .select((pay_entries::reviewer_id, pay_entries::amount_minor))
        .load(conn)?;
    let mut sums = std::collections::HashMap::new();
    for (reviewer, amount) in rows {
        *sums.entry(reviewer).or_insert(0) += amount;
    }
    Ok(sums)
}

/// A reviewer's open entries, as the owner's pay page lists them before a close.
#[derive(Debug, Clone, Serialize)]
pub struct OpenLine {
    pub reviewer_id: UserId,
    pub name: String,
    /// What the next close pays them.
    pub payable: Vec<super::periods::Amount>,
    /// Held for low gold accuracy until released.
    pub held: Vec<super::periods::Amount>,
    pub entries: usize,
    /// In full: only owners read this.
    pub details: Option<super::details::PayoutDetails>,
}

/// Every reviewer (by name) with their open entries' sums and payout details.
pub fn open_lines(conn: &mut DbConnection) -> QueryResult<Vec<OpenLine>> {
    let people: Vec<(UserId, String)> = users::table
        .filter(users::role.eq(Role::Reviewer))
        .order((users::display_name.asc(), users::id.asc()))
        .select((users::id, users::display_name))
        .load(conn)?;
    let open: Vec<(UserId, String, i64, bool, Option<Timestamp>)> = pay_entries::table
        .filter(pay_entries::period_id.is_null())
        .select((
            pay_entries::reviewer_id,
            pay_entries::currency,
            pay_entries::amount_minor,
            pay_entries::held,
            pay_entries::released_at,
        ))
        .load(conn)?;
    let ids: Vec<UserId> = people.iter().map(|p| p.0.clone()).collect();
    let mut details = super::details::of_many(conn, &ids)?;
    Ok(people
        .into_iter()
        .map(|(id, name)| {
            let own: Vec<_> = open.iter().filter(|o| o.0 == id).collect();
            let on_hold =
                |o: &&&(UserId, String, i64, bool, Option<Timestamp>)| o.3 && o.4.is_none();
            OpenLine {
                payable: super::periods::amounts(
                    own.iter()
                        .filter(|o| !on_hold(o))
                        .map(|o| (o.1.clone(), o.2)),
                ),
                held: super::periods::amounts(
                    own.iter()
                        .filter(|o| on_hold(o))
                        .map(|o| (o.1.clone(), o.2)),
                ),
                entries: own.len(),
                details: details.remove(&id),
                reviewer_id: id,
                name,
            }
        })
        .collect())
}

/// `?period=open|<id>&reviewer=<id>`: which entries, as the ledger's page and files take it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LedgerQuery {
    pub period: Option<String>,
    pub reviewer: Option<String>,
}

impl LedgerQuery {
    pub fn filter(&self) -> EntryFilter {
        let word = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        EntryFilter {
            reviewer: word(&self.reviewer).map(UserId::from_raw),
            period: word(&self.period).map(|p| match p.as_str() {
                "open" => None,
                id => Some(PayPeriodId::from_raw(id)),
            }),
            entry: None,
        }
    }
}
