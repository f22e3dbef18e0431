//! Sampling plans: which calls of a script are reviewed. A script reviews every call (the
//! default), or `size` random calls per operator per day, week or month (in the
//! organization's time zone), optionally only calls of at least `min_seconds` and of one
//! direction. Calls left out are kept as `not sampled`: the owner can listen, or pull one
//! into review by hand; reviewers never get them.
//!
//! **Uniform, and decided as calls arrive.** Each operator's period keeps a reservoir
//! (Vitter's algorithm R): the k-th eligible call of a period is taken while fewer than
//! `size` are, later with probability `size / k`, replacing a uniformly chosen call of the
//! reservoir, which is then left out. So at every moment each call of the period so far is in
//! the sample with the same probability, and the sample never holds more than `size`. The
//! calls in the reservoir are *held*: they go to reviewers when the period has ended (and no
//! call has joined it for a quiet while), because a call already reviewed could no longer be
//! replaced. A call that arrives for a period already released is taken if the sample is
//! still short, else left out. Every decision runs in the build's transaction with every
//! shard of the reviewer pool locked, so several server processes on one database decide one
//! at a time.
//!
//! The decision is made once, when a call's reviewer copy is first built (its duration is
//! known then); rebuilding a copy later (new redactions) keeps it.

use diesel::prelude::*;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

use crate::db::ids::{OperatorId, RecordingId, ScriptId, UserId};
use crate::db::ingest_schema::{sample_members, sample_periods};
use crate::db::schema::{recordings, script_versions, scripts};
use crate::db::time::{Timestamp, now};
use crate::db::{DbConnection, DbError};
use crate::recordings::{Direction, Recording};
use crate::validation::FieldProblem;
use crate::zone::Zone;

crate::text_enum! {
    /// Where a call stands in its script's sampling plan (`None` on the recording: reviewed).
    Sample {
        /// In its period's sample; it goes to reviewers when the period ends.
        Held = "held",
        /// Not sampled: kept for the owner, never given to reviewers unless pulled in.
        Out = "out",
    }
}

crate::text_enum! {
    /// The period a plan samples within.
    Period {
        Day = "day",
        Week = "week",
        Month = "month",
    }
}

/// What can go wrong setting a plan or pulling a call in.
#[derive(Debug, thiserror::Error)]
pub enum SamplingError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(SamplingError);

/// A script's sampling plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Calls per operator per period; `None`: every call is reviewed.
    pub size: Option<i32>,
    pub period: Period,
    pub min_seconds: Option<i32>,
    pub direction: Option<Direction>,
}

impl Plan {
    pub const EVERY_CALL: Plan = Plan {
        size: None,
        period: Period::Week,
        min_seconds: None,
        direction: None,
    };
}

/// A plan as sent (JSON or form); `size` empty or absent means every call.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanInput {
    pub size: Option<serde_json::Value>,
    pub period: Option<String>,
    pub min_seconds: Option<serde_json::Value>,
    pub direction: Option<String>,
}

/// A number sent as JSON number or text; empty or null: none.
fn number(
    field: &str,
    value: &Option<serde_json::Value>,
    max: i64,
    problems: &mut Vec<FieldProblem>,
) -> Option<i32> {
    let parsed = match value {
        None | Some(serde_json::Value::Null) => return None,
        Some(serde_json::Value::String(text)) if text.trim().is_empty() => return None,
        Some(serde_json::Value::String(text)) => text.trim().parse::<i64>().ok(),
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(_) => None,
    };
    match parsed {
        Some(n) if (1..=max).contains(&n) => i32::try_from(n).ok(),
        _ => {
            problems.push(
                FieldProblem::new(field, "out_of_range")
                    .with("min", 1)
                    .with("max", max),
            );
            None
        }
    }
}

impl PlanInput {
    pub fn check(&self) -> Result<Plan, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let size = number("size", &self.size, 10_000, &mut problems);
        let period = match self.period.as_deref().map(str::trim) {
            None | Some("") => Period::Week,
            Some(word) => Period::parse(word).unwrap_or_else(|| {
                problems.push(FieldProblem::new("period", "unknown_value"));
                Period::Week
            }),
        };
        let min_seconds = number("min_seconds", &self.min_seconds, 86_400, &mut problems);
        let direction = match self.direction.as_deref().map(str::trim) {
            None | Some("") | Some("any") => None,
            Some(word) => {
                let parsed = Direction::parse(word);
                if parsed.is_none() {
                    problems.push(FieldProblem::new("direction", "unknown_value"));
                }
                parsed
            }
        };
        if problems.is_empty() {
            Ok(Plan {
                size,
                period,
                min_seconds,
                direction,
            })
        } else {
            Err(problems)
        }
    }
}

/// A script's plan.
pub fn load(conn: &mut DbConnection, script: &ScriptId) -> QueryResult<Plan> {
    let row: (Option<i32>, String, Option<i32>, Option<String>) = scripts::table
        .find(script)
        .select((
            scripts::sample_size,
            scripts::sample_period,
            scripts::sample_min_seconds,
            scripts::sample_direction,
        ))
        .first(conn)?;
    Ok(Plan {
        size: row.0,
        period: Period::parse(&row.1).unwrap_or(Period::Week),
        min_seconds: row.2,
        direction: row.3.as_deref().and_then(Direction::parse),
    })
}

/// Sets a script's plan (audited). It applies to calls that arrive from now on; calls
/// already decided keep their decision.
pub fn save(
    conn: &mut DbConnection,
    owner: &UserId,
    script: &ScriptId,
    input: &PlanInput,
) -> Result<Plan, SamplingError> {
    let plan = input.check().map_err(SamplingError::Invalid)?;
    conn.write_transaction(|conn| {
        let updated = diesel::update(scripts::table.find(script))
            .set((
                scripts::sample_size.eq(plan.size),
                scripts::sample_period.eq(plan.period.as_str()),
                scripts::sample_min_seconds.eq(plan.min_seconds),
                scripts::sample_direction.eq(plan.direction.map(|d| d.as_str())),
            ))
            .execute(conn)?;
        if updated == 0 {
            return Err(SamplingError::NotFound);
        }
        crate::audit::record(
            conn,
            Some(owner),
            "script.sampling",
            "script",
            script.as_str(),
            serde_json::to_value(plan).unwrap_or_default(),
        )?;
        Ok(plan)
    })
}

/// The period that holds the local instant `at` in `zone`: `[start, end)` as stored (UTC)
/// instants. Weeks start on Monday.
pub fn period_bounds(period: Period, at: Timestamp, zone: &Zone) -> (Timestamp, Timestamp) {
    let day = zone.local(at).date();
    let (first, next) = match period {
        Period::Day => (day, day.next_day().unwrap_or(day)),
        Period::Week => {
            let monday = day - Duration::days(i64::from(day.weekday().number_days_from_monday()));
            (monday, monday + Duration::days(7))
        }
        Period::Month => {
            let first = Date::from_calendar_date(day.year(), day.month(), 1).unwrap_or(day);
            let (year, month) = match day.month() {
                Month::December => (day.year() + 1, Month::January),
                other => (day.year(), other.next()),
            };
            (
                first,
                Date::from_calendar_date(year, month, 1).unwrap_or(day),
            )
        }
    };
    (zone.start_of(first), zone.start_of(next))
}

/// One step of the reservoir: what the `seen`-th eligible call of a period (counting from
/// 1) does, when the sample holds `taken` of at most `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Taken, the sample still short.
    Take,
    /// Taken in place of the held call at this index (of `taken`).
    Replace(usize),
    /// Left out.
    Skip,
}

pub fn step(seen: i64, taken: i64, size: i64, rng: &mut impl Rng) -> Step {
    if taken < size {
        return Step::Take;
    }
    if size <= 0 || taken <= 0 {
        return Step::Skip;
    }
    // Algorithm R: keep the new call with probability size / seen.
    if rng.random_range(0..seen.max(1)) < size {
        Step::Replace(rng.random_range(0..taken as usize))
    } else {
        Step::Skip
    }
}

/// Decides a call's place in its script's plan, once, in the transaction that makes its
/// first reviewer copy ready (every shard of the pool locked). Sets `recordings.sample`; returns it.
pub fn decide(
    conn: &mut DbConnection,
    recording: &Recording,
    duration_ms: u64,
    rng: &mut impl Rng,
) -> QueryResult<Option<Sample>> {
    let already = recording.ready_at.is_some()
        || sample_members::table
            .find(&recording.id)
            .select(sample_members::recording_id)
            .first::<RecordingId>(conn)
            .optional()?
            .is_some();
    if already {
        return Ok(recording.sample);
    }
    let script: ScriptId = script_versions::table
        .find(&recording.script_version_id)
        .select(script_versions::script_id)
        .first(conn)?;
    let plan = load(conn, &script)?;
    let Some(size) = plan.size else {
        return Ok(None);
    };
    let short = plan
        .min_seconds
        .is_some_and(|min| duration_ms < u64::try_from(min).unwrap_or(0) * 1000);
    let other_direction = plan
        .direction
        .is_some_and(|wanted| recording.direction != Some(wanted));
    let sample = if short || other_direction {
        Some(Sample::Out)
    } else {
        reservoir(conn, recording, &script, size, plan.period, rng)?
    };
    diesel::update(recordings::table.find(&recording.id))
        .set(recordings::sample.eq(sample))
        .execute(conn)?;
    Ok(sample)
}

/// The reservoir step for an eligible call: its period's row is created or advanced, a
/// replaced call is left out.
fn reservoir(
    conn: &mut DbConnection,
    recording: &Recording,
    script: &ScriptId,
    size: i32,
    period: Period,
    rng: &mut impl Rng,
) -> QueryResult<Option<Sample>> {
    let zone = crate::org_settings::OrgSettings::load_zone(conn)?;
    let at = recording.called_at.unwrap_or(recording.created_at);
    let (start, end) = period_bounds(period, at, &zone);
    let key = (script, &recording.operator_id, start);
    let arrived = now();
    let create = diesel::insert_into(sample_periods::table)
        .values((
            sample_periods::script_id.eq(script),
            sample_periods::operator_id.eq(&recording.operator_id),
            sample_periods::period_start.eq(start),
            sample_periods::period_end.eq(end),
            sample_periods::sample_size.eq(size),
            sample_periods::seen.eq(0),
            sample_periods::taken.eq(0),
            sample_periods::last_arrival_at.eq(arrived),
        ))
        .on_conflict_do_nothing();
    crate::db::execute_upsert(conn, create)?;
    let (seen, taken, released, period_size): (i32, i32, Option<Timestamp>, i32) =
        sample_periods::table
            .find(key)
            .select((
                sample_periods::seen,
                sample_periods::taken,
                sample_periods::released_at,
                sample_periods::sample_size,
            ))
            .first(conn)?;
    // A period keeps the size it started with, so a plan changed mid-period cannot make it
    // over-full.
    let size = i64::from(period_size);
    let seen = i64::from(seen) + 1;
    let (sample, taken_after, taken_now) = match (released, step(seen, taken.into(), size, rng)) {
        // The period's sample already went to reviewers: a late call fills a gap only.
        (Some(_), Step::Take) => (None, taken + 1, true),
        (Some(_), _) => (Some(Sample::Out), taken, false),
        (None, Step::Take) => (Some(Sample::Held), taken + 1, true),
        (None, Step::Replace(index)) => {
            let held: Vec<RecordingId> = sample_members::table
                .filter(sample_members::script_id.eq(script))
                .filter(sample_members::operator_id.eq(&recording.operator_id))
                .filter(sample_members::period_start.eq(start))
                .filter(sample_members::taken.eq(true))
                .order(sample_members::recording_id)
                .select(sample_members::recording_id)
                .load(conn)?;
            match held.get(index) {
                Some(replaced) => {
                    diesel::update(sample_members::table.find(replaced))
                        .set(sample_members::taken.eq(false))
                        .execute(conn)?;
                    diesel::update(recordings::table.find(replaced))
                        .set(recordings::sample.eq(Sample::Out))
                        .execute(conn)?;
                    (Some(Sample::Held), taken, true)
                }
                None => (Some(Sample::Out), taken, false),
            }
        }
        (None, Step::Skip) => (Some(Sample::Out), taken, false),
    };
    diesel::update(sample_periods::table.find(key))
        .set((
            sample_periods::seen.eq(i32::try_from(seen).unwrap_or(i32::MAX)),
            sample_periods::taken.eq(taken_after),
            sample_periods::last_arrival_at.eq(arrived),
        ))
        .execute(conn)?;
    diesel::insert_into(sample_members::table)
        .values((
            sample_members::recording_id.eq(&recording.id),
            sample_members::script_id.eq(script),
            sample_members::operator_id.eq(&recording.operator_id),
            sample_members::period_start.eq(start),
            sample_members::taken.eq(taken_now),
            sample_members::decided_at.eq(arrived),
        ))
        .execute(conn)?;
    Ok(sample)
}

/// Sends the held calls of every period that has ended, once no call joined it for `quiet`,
/// to reviewers; returns how many calls were released.
pub fn release_due(conn: &mut DbConnection, quiet: Duration) -> QueryResult<usize> {
    let at = now();
    let due: Vec<(ScriptId, OperatorId, Timestamp)> = sample_periods::table
        .filter(sample_periods::released_at.is_null())
        .filter(sample_periods::period_end.le(at))
        .filter(sample_periods::last_arrival_at.le(at - quiet))
        .select((
            sample_periods::script_id,
            sample_periods::operator_id,
            sample_periods::period_start,
        ))
        .limit(100)
        .load(conn)?;
    let mut released = 0;
    for key in due {
        released += conn.write_transaction(|conn| {
            let mut locked = crate::assignments::pool::lock_all(conn)?;
            let marked = diesel::update(
                sample_periods::table
                    .find((&key.0, &key.1, key.2))
                    .filter(sample_periods::released_at.is_null()),
            )
            .set(sample_periods::released_at.eq(at))
            .execute(conn)?;
            if marked == 0 {
                return Ok::<_, diesel::result::Error>(0);
            }
            let held: Vec<RecordingId> = sample_members::table
                .inner_join(recordings::table)
                .filter(sample_members::script_id.eq(&key.0))
                .filter(sample_members::operator_id.eq(&key.1))
                .filter(sample_members::period_start.eq(key.2))
                .filter(recordings::sample.eq(Sample::Held))
                .select(sample_members::recording_id)
                .load(conn)?;
            for id in &held {
                diesel::update(recordings::table.find(id))
                    .set(recordings::sample.eq(None::<Sample>))
                    .execute(conn)?;
                crate::assignments::pool::refresh_locked(conn, &mut locked, id)?;
            }
            Ok(held.len())
        })?;
    }
    Ok(released)
}

/// The owner pulls a call left out (or still held) into review now.
pub fn pull_in(
    conn: &mut DbConnection,
    owner: &UserId,
    id: &RecordingId,
) -> Result<(), SamplingError> {
    conn.write_transaction(|conn| {
        let mut locked = crate::assignments::pool::lock_for(conn, id)?;
        let sample: Option<Option<Sample>> = recordings::table
            .find(id)
            .select(recordings::sample)
            .first(conn)
            .optional()?;
        let Some(sample) = sample else {
            return Err(SamplingError::NotFound);
        };
        if sample.is_none() {
            return Ok(());
        }
        diesel::update(recordings::table.find(id))
            .set(recordings::sample.eq(None::<Sample>))
            .execute(conn)?;
        crate::assignments::pool::refresh_locked(conn, &mut locked, id)?;
        crate::audit::record(
            conn,
            Some(owner),
            "recording.pull_in",
            "recording",
            id.as_str(),
            serde_json::json!({ "was": sample }),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Runs the reservoir over one period of `n` calls; returns which positions ended in it.
    fn simulate(n: usize, size: usize, rng: &mut impl Rng) -> Vec<usize> {
        let mut held: Vec<usize> = Vec::new();
        for call in 0..n {
            match step((call + 1) as i64, held.len() as i64, size as i64, rng) {
                Step::Take => held.push(call),
                Step::Replace(index) => {
                    // The database orders the held calls by id: any fixed order will do.
                    held.sort_unstable();
                    held[index] = call;
                }
                Step::Skip => {}
            }
            assert!(held.len() <= size, "never over-filled");
        }
        held
    }

    #[test]
    fn every_call_of_a_period_is_equally_likely_to_be_sampled() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (n, size, trials) = (12usize, 3usize, 60_000usize);
        let mut counts = vec![0u64; n];
        for _ in 0..trials {
            let held = simulate(n, size, &mut rng);
            assert_eq!(held.len(), size);
            for call in held {
                counts[call] += 1;
            }
        }
        let expected = (trials * size) as f64 / n as f64;
        let chi_square: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        // 11 degrees of freedom: the 99.9th percentile is 31.26.
        assert!(
            chi_square < 31.26,
            "chi-square {chi_square:.1} over {counts:?}"
        );
    }

    #[test]
    fn a_short_period_samples_every_call() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(simulate(2, 5, &mut rng), vec![0, 1]);
    }

    #[test]
    fn periods_follow_the_local_calendar() {
        let zone = Zone::named("Europe/Moscow").unwrap();
        // Sunday 2026-11-29 22:30 UTC is Monday 01:30 in Moscow: the new week there.
        let at = time::macros::datetime!(2026-11-29 22:30);
        let (start, end) = period_bounds(Period::Week, at, &zone);
        assert_eq!(start, time::macros::datetime!(2026-11-29 21:00));
        assert_eq!(end, time::macros::datetime!(2026-12-06 21:00));
        let (start, end) = period_bounds(Period::Month, at, &zone);
        assert_eq!(start, time::macros::datetime!(2026-10-31 21:00));
        assert_eq!(end, time::macros::datetime!(2026-11-30 21:00));
        let (start, end) = period_bounds(Period::Day, at, &Zone::utc());
        assert_eq!(start, time::macros::datetime!(2026-11-29 00:00));
        assert_eq!(end, time::macros::datetime!(2026-11-30 00:00));
    }

    #[test]
    fn plans_are_checked() {
        let input = PlanInput {
            size: Some(serde_json::json!(0)),
            period: Some("year".into()),
            min_seconds: Some(serde_json::json!("ten")),
            direction: Some("sideways".into()),
        };
        let fields: Vec<String> = input
            .check()
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["size", "period", "min_seconds", "direction"]);
        let every = PlanInput::default().check().unwrap();
        assert_eq!(every, Plan::EVERY_CALL);
    }
}
