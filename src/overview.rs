//! The owner's overview of a period: per operator, the reviewed calls, the average score and
//! its trend against the period before; a heatmap of operators × script steps (how often each
//! step was done correctly); and the open gaps per step.
//!
//! A call belongs to the day it took place (`called_at`), or to the day it was uploaded when
//! the call time is unknown. Only calls with all their reviews in count. The consensus and
//! score rules are those of [`crate::reviews::consensus`]: `missing` and `split` never count
//! against the operator.
//!
//! The work is split in two: [`aggregate`] is pure (a list of reduced calls in, figures out,
//! unit-tested below); [`load`] fetches exactly the calls of the period and of the period
//! before in a fixed number of queries, whatever the number of calls.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::prelude::*;
use serde::{Serialize, Serializer};
use time::{Date, Duration, PrimitiveDateTime};

use crate::db::DbConnection;
use crate::db::ids::{OperatorId, RecordingId, ScriptId};
use crate::db::schema::{
    gaps, operators, recordings, reviews, script_versions, scripts, steps, verdicts,
};
use crate::db::time::Timestamp;
use crate::error::AppError;
use crate::reviews::consensus::{Outcome, score, step_outcome};
use crate::reviews::feedback::CallFeedback;
use crate::reviews::validate::Verdict;
use crate::validation::FieldProblem;

/// The period shown when none is asked for: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;
/// The longest period one overview covers (about five years).
pub const MAX_DAYS: i64 = 1830;
/// Averages closer than this (two points of score) are a flat trend.
pub const FLAT_BAND: f64 = 0.02;

// ---- the period ---------------------------------------------------------------------------

/// A run of whole days (UTC), both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    #[serde(serialize_with = "day")]
    pub from: Date,
    #[serde(serialize_with = "day")]
    pub to: Date,
}

/// `YYYY-MM-DD`.
pub fn day_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn day<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&day_text(*date))
}

impl Period {
    /// The period of a query: `from` and `to` as `YYYY-MM-DD`, either or both blank. Without
    /// `to` it ends `today`; without `from` it is [`DEFAULT_DAYS`] long.
    pub fn parse(
        from: &Option<String>,
        to: &Option<String>,
        today: Date,
    ) -> Result<Self, AppError> {
        let day =
            |field, text| crate::db::time::day_bound(field, text, 0).map(|t| t.map(|t| t.date()));
        let (from, to) = match (day("from", from), day("to", to)) {
            (Ok(from), Ok(to)) => (from, to),
            (from, to) => {
                let problems = [from.err(), to.err()]
                    .into_iter()
                    .flatten()
                    .flat_map(|e| match e {
                        AppError::Validation(problems) => problems,
                        _ => Vec::new(),
                    })
                    .collect();
                return Err(AppError::Validation(problems));
            }
        };
        let to = to.unwrap_or(today);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub(Duration::days(DEFAULT_DAYS - 1))
                .ok_or_else(|| AppError::field("to", "bad_date"))?,
        };
        if from > to {
            return Err(AppError::field("to", "period_reversed"));
        }
        let period = Period { from, to };
        if period.days() > MAX_DAYS {
            return Err(AppError::Validation(vec![
                FieldProblem::new("from", "period_too_long").with("max", MAX_DAYS),
            ]));
        }
        // Both the period before and the end of this one must be representable.
        if period.previous().is_none() || to.next_day().is_none() {
            return Err(AppError::field("from", "bad_date"));
        }
        Ok(period)
    }

    /// The number of days, both ends counted.
    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Option<Period> {
        let to = self.from.previous_day()?;
        let from = self.from.checked_sub(Duration::days(self.days()))?;
        Some(Period { from, to })
    }

    pub fn contains(&self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }

    /// The first moment of the period, as stored.
    fn start(&self) -> Timestamp {
        PrimitiveDateTime::new(self.from, time::Time::MIDNIGHT)
    }

    /// The first moment after the period, as stored.
    fn end(&self) -> Timestamp {
        let next = self.to.next_day().unwrap_or(self.to);
        PrimitiveDateTime::new(next, time::Time::MIDNIGHT)
    }

    /// The weeks of the sparkline: seven days from `from` on, the last one possibly shorter.
    pub fn weeks(&self) -> Vec<Period> {
        let mut weeks = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let end = start
                .checked_add(Duration::days(6))
                .map_or(self.to, |end| end.min(self.to));
            weeks.push(Period {
                from: start,
                to: end,
            });
            match end.next_day() {
                Some(next) => start = next,
                None => break,
            }
        }
        weeks
    }
}

// ---- the pure part ------------------------------------------------------------------------

/// One reviewed call, reduced to what the overview counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcomes {
    pub operator_id: OperatorId,
    pub script_id: ScriptId,
    /// The day of the call (or of the upload when the call time is unknown).
    pub day: Date,
    /// The consensus of each step, by step key.
    pub steps: Vec<(String, Outcome)>,
}

impl CallOutcomes {
    /// The overview's view of a call's feedback; `None` while reviews are still missing.
    pub fn from_feedback(call: &CallFeedback) -> Option<Self> {
        if !call.complete {
            return None;
        }
        Some(CallOutcomes {
            operator_id: call.operator_id.clone(),
            script_id: call.script_id.clone(),
            day: call.called_at.unwrap_or(call.uploaded_at).date(),
            steps: call
                .steps
                .iter()
                .filter_map(|s| Some((s.key.clone(), s.verdict?)))
                .collect(),
        })
    }

    fn outcomes(&self) -> Vec<Outcome> {
        self.steps.iter().map(|(_, o)| *o).collect()
    }
}

/// Whether an operator's average went up, down or stayed about the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Up,
    Down,
    Flat,
}

impl Trend {
    /// The trend from `before` to `now`; `None` when either period has no score.
    pub fn between(before: Option<f64>, now: Option<f64>) -> Option<Trend> {
        let delta = now? - before?;
        Some(if delta.abs() < FLAT_BAND {
            Trend::Flat
        } else if delta > 0.0 {
            Trend::Up
        } else {
            Trend::Down
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::Flat => "flat",
        }
    }
}

/// Calls and the mean of their scores (calls without a score, all missing or split, are
/// counted but not averaged).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Mean {
    calls: usize,
    scored: usize,
    sum: f64,
}

impl Mean {
    fn add(&mut self, score: Option<f64>) {
        self.calls += 1;
        if let Some(score) = score {
            self.scored += 1;
            self.sum += score;
        }
    }

    fn value(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.sum / self.scored as f64)
    }
}

/// One point of the weekly sparkline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekPoint {
    #[serde(serialize_with = "day")]
    pub from: Date,
    #[serde(serialize_with = "day")]
    pub to: Date,
    pub calls: usize,
    pub average_score: Option<f64>,
}

/// A heatmap cell: how often one operator did one step correctly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Cell {
    pub correct: usize,
    pub incorrect: usize,
    /// Outcomes that count for nobody: the script had no answer, or the reviewers disagreed.
    pub missing: usize,
    pub split: usize,
    /// correct / (correct + incorrect); `null` when neither was found.
    pub share: Option<f64>,
}

impl Cell {
    pub fn judged(&self) -> usize {
        self.correct + self.incorrect
    }

    /// Every call in which the step got an outcome.
    pub fn graded(&self) -> usize {
        self.judged() + self.missing + self.split
    }
}

/// The figures of one operator, before names and titles are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorTally {
    pub calls: usize,
    pub scored_calls: usize,
    pub average_score: Option<f64>,
    pub previous_calls: usize,
    pub previous_average: Option<f64>,
    pub trend: Option<Trend>,
    pub correct: usize,
    pub incorrect: usize,
    pub missing: usize,
    pub split: usize,
    pub weekly: Vec<WeekPoint>,
    /// By (script, step key).
    pub cells: BTreeMap<(ScriptId, String), Cell>,
}

/// Everything [`aggregate`] finds: the operators with reviewed calls in the period, and
/// every (script, step key) graded in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Aggregate {
    pub operators: BTreeMap<OperatorId, OperatorTally>,
    pub steps: BTreeSet<(ScriptId, String)>,
}

/// The overview's figures from the calls of `period` and of the period before (calls on
/// other days are ignored). Operators without a call in `period` are left out.
pub fn aggregate(period: &Period, calls: &[CallOutcomes]) -> Aggregate {
    let previous = period.previous();
    let weeks = period.weeks();
    #[derive(Default)]
    struct Work {
        now: Mean,
        before: Mean,
        weeks: Vec<Mean>,
        counts: [usize; 4],
        cells: BTreeMap<(ScriptId, String), Cell>,
    }
    let mut work: BTreeMap<&OperatorId, Work> = BTreeMap::new();
    let mut steps = BTreeSet::new();
    for call in calls {
        let call_score = score(&call.outcomes());
        if period.contains(call.day) {
            let entry = work.entry(&call.operator_id).or_default();
            entry.now.add(call_score);
            if entry.weeks.is_empty() {
                entry.weeks = vec![Mean::default(); weeks.len()];
            }
            let week = ((call.day - period.from).whole_days() / 7) as usize;
            if let Some(mean) = entry.weeks.get_mut(week) {
                mean.add(call_score);
            }
            for (key, outcome) in &call.steps {
                let slot = match outcome {
                    Outcome::Correct => 0,
                    Outcome::Incorrect => 1,
                    Outcome::Missing => 2,
                    Outcome::Split => 3,
                };
                entry.counts[slot] += 1;
                let column = (call.script_id.clone(), key.clone());
                steps.insert(column.clone());
                let cell = entry.cells.entry(column).or_default();
                match outcome {
                    Outcome::Correct => cell.correct += 1,
                    Outcome::Incorrect => cell.incorrect += 1,
                    Outcome::Missing => cell.missing += 1,
                    Outcome::Split => cell.split += 1,
                }
            }
        } else if previous.is_some_and(|p| p.contains(call.day)) {
            work.entry(&call.operator_id)
                .or_default()
                .before
                .add(call_score);
        }
    }
    let operators = work
        .into_iter()
        .filter(|(_, w)| w.now.calls > 0)
        .map(|(id, w)| {
            let cells = w
                .cells
                .into_iter()
                .map(|(column, mut cell)| {
                    cell.share =
                        (cell.judged() > 0).then(|| cell.correct as f64 / cell.judged() as f64);
                    (column, cell)
                })
                .collect();
            let tally = OperatorTally {
                calls: w.now.calls,
                scored_calls: w.now.scored,
                average_score: w.now.value(),
                previous_calls: w.before.calls,
                previous_average: w.before.value(),
                trend: Trend::between(w.before.value(), w.now.value()),
                correct: w.counts[0],
                incorrect: w.counts[1],
                missing: w.counts[2],
                split: w.counts[3],
                weekly: weeks
                    .iter()
                    .zip(&w.weeks)
                    .map(|(week, mean)| WeekPoint {
                        from: week.from,
                        to: week.to,
                        calls: mean.calls,
                        average_score: mean.value(),
                    })
                    .collect(),
                cells,
            };
            (id.clone(), tally)
        })
        .collect();
    Aggregate { operators, steps }
}

// ---- what the owner reads ------------------------------------------------------------------

/// A step as a heatmap column or a gap line: titled with its latest wording.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRef {
    pub script_id: ScriptId,
    pub script_name: String,
    pub key: String,
    pub title: String,
    /// Its place in the latest version of the script that has it.
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorFigures {
    pub operator_id: OperatorId,
    pub name: String,
    pub external_id: Option<String>,
    pub active: bool,
    /// Reviewed calls (all reviews in) in the period.
    pub calls: usize,
    /// Of those, the calls with a score (not all steps missing or split).
    pub scored_calls: usize,
    /// The mean of the calls' scores, 0–1.
    pub average_score: Option<f64>,
    pub previous_calls: usize,
    pub previous_average: Option<f64>,
    pub trend: Option<Trend>,
    /// Consensus outcomes of all steps of the period's calls.
    pub correct: usize,
    pub incorrect: usize,
    pub missing: usize,
    pub split: usize,
    pub weekly: Vec<WeekPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeatmapRow {
    pub operator_id: OperatorId,
    pub name: String,
    /// One per column, in the columns' order.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heatmap {
    pub columns: Vec<StepRef>,
    pub rows: Vec<HeatmapRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenGaps {
    #[serde(flatten)]
    pub step: StepRef,
    pub open: i64,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub oldest_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    #[serde(flatten)]
    pub period: Period,
    pub previous: Period,
    /// Reviewed calls of all operators in the period.
    pub calls: usize,
    /// The mean score of all scored calls in the period.
    pub average_score: Option<f64>,
    pub operators: Vec<OperatorFigures>,
    pub heatmap: Heatmap,
    /// Open gaps right now (whatever the period), by script and step, most first.
    pub open_gaps: Vec<OpenGaps>,
}

/// The calls (with all their reviews in) that took place in `start..end`: on `called_at`,
/// or on the upload time when the call time is unknown.
macro_rules! reviewed_in {
    ($start:expr, $end:expr) => {
        recordings::reviews_done
            .ge(recordings::reviews_required)
            .and(recordings::reviews_done.gt(0))
            .and(
                recordings::called_at
                    .ge($start)
                    .and(recordings::called_at.lt($end))
                    .or(recordings::called_at
                        .is_null()
                        .and(recordings::created_at.ge($start))
                        .and(recordings::created_at.lt($end))),
            )
    };
}

/// The reviewed calls of `start..end` (stored times), reduced for [`aggregate`]: two
/// queries, one for the calls and one for all their verdicts.
pub fn load_calls(
    conn: &mut DbConnection,
    start: Timestamp,
    end: Timestamp,
) -> QueryResult<Vec<CallOutcomes>> {
    let calls: Vec<(
        RecordingId,
        OperatorId,
        ScriptId,
        Option<Timestamp>,
        Timestamp,
    )> = recordings::table
        .inner_join(script_versions::table)
        .filter(reviewed_in!(start, end))
        .select((
            recordings::id,
            recordings::operator_id,
            script_versions::script_id,
            recordings::called_at,
            recordings::created_at,
        ))
        .load(conn)?;
    let marks: Vec<(RecordingId, String, Verdict)> = verdicts::table
        .inner_join(reviews::table)
        .inner_join(recordings::table.on(recordings::id.eq(reviews::recording_id)))
        .filter(reviewed_in!(start, end))
        .select((reviews::recording_id, verdicts::step_key, verdicts::verdict))
        .load(conn)?;
    let mut given: HashMap<RecordingId, BTreeMap<String, Vec<Verdict>>> = HashMap::new();
    for (recording, key, verdict) in marks {
        given
            .entry(recording)
            .or_default()
            .entry(key)
            .or_default()
            .push(verdict);
    }
    Ok(calls
        .into_iter()
        .map(|(id, operator_id, script_id, called_at, uploaded_at)| {
            let steps = given
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(key, marks)| Some((key, step_outcome(&marks)?)))
                .collect();
            CallOutcomes {
                operator_id,
                script_id,
                day: called_at.unwrap_or(uploaded_at).date(),
                steps,
            }
        })
        .collect())
}

/// The latest title, script name and position of each step key of the given scripts.
fn step_refs(
    conn: &mut DbConnection,
    script_ids: &BTreeSet<ScriptId>,
) -> QueryResult<HashMap<(ScriptId, String), StepRef>> {
    let names: HashMap<ScriptId, String> = scripts::table
        .filter(scripts::id.eq_any(script_ids))
        .select((scripts::id, scripts::name))
        .load::<(ScriptId, String)>(conn)?
        .into_iter()
        .collect();
    let rows: Vec<(ScriptId, i32, String, String, i32)> = steps::table
        .inner_join(script_versions::table)
        .filter(script_versions::script_id.eq_any(script_ids))
        .order(script_versions::number.asc())
        .select((
            script_versions::script_id,
            script_versions::number,
            steps::step_key,
            steps::title,
            steps::position,
        ))
        .load(conn)?;
    let mut refs = HashMap::new();
    // Later versions come later and overwrite: the latest wording wins.
    for (script_id, _, key, title, position) in rows {
        let script_name = names.get(&script_id).cloned().unwrap_or_default();
        refs.insert(
            (script_id.clone(), key.clone()),
            StepRef {
                script_id,
                script_name,
                key,
                title,
                position,
            },
        );
    }
    Ok(refs)
}

fn step_ref(refs: &HashMap<(ScriptId, String), StepRef>, column: &(ScriptId, String)) -> StepRef {
    refs.get(column).cloned().unwrap_or_else(|| StepRef {
        script_id: column.0.clone(),
        script_name: String::new(),
        key: column.1.clone(),
        title: column.1.clone(),
        position: i32::MAX,
    })
}

/// The overview of `period`: a fixed handful of queries, whatever the number of calls.
pub fn load(conn: &mut DbConnection, period: &Period) -> QueryResult<Overview> {
    let previous = period.previous().unwrap_or(*period);
    let calls = load_calls(conn, previous.start(), period.end())?;
    let mut all = Mean::default();
    for call in calls.iter().filter(|c| period.contains(c.day)) {
        all.add(score(&call.outcomes()));
    }
    let Aggregate {
        operators: tallies,
        steps,
    } = aggregate(period, &calls);

    let open: Vec<(ScriptId, String, i64, Option<Timestamp>)> = gaps::table
        .filter(gaps::status.eq("open"))
        .group_by((gaps::script_id, gaps::step_key))
        .select((
            gaps::script_id,
            gaps::step_key,
            diesel::dsl::count_star(),
            diesel::dsl::min(gaps::created_at),
        ))
        .load(conn)?;

    let script_ids: BTreeSet<ScriptId> = steps
        .iter()
        .map(|(s, _)| s.clone())
        .chain(open.iter().map(|g| g.0.clone()))
        .collect();
    let refs = step_refs(conn, &script_ids)?;

    let ids: Vec<&OperatorId> = tallies.keys().collect();
    let people: HashMap<OperatorId, (String, Option<String>, bool)> = operators::table
        .filter(operators::id.eq_any(&ids))
        .select((
            operators::id,
            operators::name,
            operators::external_id,
            operators::active,
        ))
        .load::<(OperatorId, String, Option<String>, bool)>(conn)?
        .into_iter()
        .map(|(id, name, external, active)| (id, (name, external, active)))
        .collect();

    let mut columns: Vec<((ScriptId, String), StepRef)> = steps
        .iter()
        .map(|column| (column.clone(), step_ref(&refs, column)))
        .collect();
    columns.sort_by(|a, b| {
        (
            a.1.script_name.to_lowercase(),
            &a.1.script_id,
            a.1.position,
            &a.1.key,
        )
            .cmp(&(
                b.1.script_name.to_lowercase(),
                &b.1.script_id,
                b.1.position,
                &b.1.key,
            ))
    });

    let mut figures = Vec::with_capacity(tallies.len());
    let mut rows = Vec::with_capacity(tallies.len());
    for (operator_id, tally) in tallies {
        let (name, external_id, active) = people
            .get(&operator_id)
            .cloned()
            .unwrap_or_else(|| (operator_id.to_string(), None, false));
        rows.push(HeatmapRow {
            operator_id: operator_id.clone(),
            name: name.clone(),
            cells: columns
                .iter()
                .map(|(column, _)| tally.cells.get(column).copied().unwrap_or_default())
                .collect(),
        });
        figures.push(OperatorFigures {
            operator_id,
            name,
            external_id,
            active,
            calls: tally.calls,
            scored_calls: tally.scored_calls,
            average_score: tally.average_score,
            previous_calls: tally.previous_calls,
            previous_average: tally.previous_average,
            trend: tally.trend,
            correct: tally.correct,
            incorrect: tally.incorrect,
            missing: tally.missing,
            split: tally.split,
            weekly: tally.weekly,
        });
    }
    let by_name = |a: &str, b: &str| a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b));
    figures.sort_by(|a, b| by_name(&a.name, &b.name).then(a.operator_id.cmp(&b.operator_id)));
    rows.sort_by(|a, b| by_name(&a.name, &b.name).then(a.operator_id.cmp(&b.operator_id)));

    let mut open_gaps: Vec<OpenGaps> = open
        .into_iter()
        .map(|(script_id, key, count, oldest_at)| OpenGaps {
            step: step_ref(&refs, &(script_id, key)),
            open: count,
            oldest_at,
        })
        .collect();
    open_gaps.sort_by(|a, b| {
        b.open
            .cmp(&a.open)
            .then(a.oldest_at.cmp(&b.oldest_at))
            .then(a.step.key.cmp(&b.step.key))
    });

    Ok(Overview {
        period: *period,
        previous,
        calls: all.calls,
        average_score: all.value(),
        operators: figures,
        heatmap: Heatmap {
            columns: columns.into_iter().map(|(_, r)| r).collect(),
            rows,
        },
        open_gaps,
    })
}

/// Today (UTC), the default end of a period.
pub fn today() -> Date {
    crate::db::time::now().date()
}

/// The overview of `period`, read on the blocking pool.
pub async fn figures(db: &crate::db::Db, period: Period) -> Result<Overview, AppError> {
    db.run(move |conn| load(conn, &period).map_err(AppError::from))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::{Correct as C, Incorrect as I, Missing as M, Split as S};
    use time::macros::date;

    fn call(operator: &str, day: Date, outcomes: &[(&str, Outcome)]) -> CallOutcomes {
        CallOutcomes {
            operator_id: OperatorId::from_raw(operator),
            script_id: ScriptId::from_raw("s"),
            day,
            steps: outcomes.iter().map(|(k, o)| (k.to_string(), *o)).collect(),
        }
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn a_period_defaults_to_the_last_thirty_days_and_checks_its_dates() {
        let today = date!(2026 - 03 - 10);
        let p = Period::parse(&None, &None, today).unwrap();
        assert_eq!((p.from, p.to), (date!(2026 - 02 - 09), today));
        assert_eq!(p.days(), 30);
        let prev = p.previous().unwrap();
        assert_eq!(
            (prev.from, prev.to),
            (date!(2026 - 01 - 10), date!(2026 - 02 - 08))
        );

        let p = Period::parse(&some("2026-01-01"), &some(" 2026-01-01 "), today).unwrap();
        assert_eq!(p.days(), 1);
        assert_eq!(p.previous().unwrap().from, date!(2025 - 12 - 31));

        let fields = |e: AppError| match e {
            AppError::Validation(p) => p.into_iter().map(|p| (p.field, p.code)).collect(),
            _ => Vec::new(),
        };
        let bad = Period::parse(&some("yesterday"), &some("2026-13-01"), today).unwrap_err();
        assert_eq!(
            fields(bad),
            [("from".into(), "bad_date"), ("to".into(), "bad_date")]
        );
        let reversed = Period::parse(&some("2026-02-02"), &some("2026-02-01"), today);
        assert_eq!(
            fields(reversed.unwrap_err()),
            [("to".into(), "period_reversed")]
        );
        let long = Period::parse(&some("2000-01-01"), &None, today);
        assert_eq!(
            fields(long.unwrap_err()),
            [("from".into(), "period_too_long")]
        );
    }

    #[test]
    fn weeks_cover_the_period_and_the_last_may_be_short() {
        let p = Period {
            from: date!(2026 - 01 - 01),
            to: date!(2026 - 01 - 16),
        };
        let weeks = p.weeks();
        assert_eq!(weeks.len(), 3);
        assert_eq!(weeks[1].from, date!(2026 - 01 - 08));
        assert_eq!(
            (weeks[2].from, weeks[2].to),
            (p.to - Duration::days(1), p.to)
        );
    }

    #[test]
    fn figures_count_only_correct_and_incorrect_against_the_operator() {
        let p = Period {
            from: date!(2026 - 01 - 01),
            to: date!(2026 - 01 - 14),
        };
        let calls = [
            // Anna: 2/3 and 1/1 this period (mean 5/6), 1/2 before.
            call(
                "anna",
                date!(2026 - 01 - 02),
                &[("a", C), ("b", I), ("c", C), ("d", M)],
            ),
            call(
                "anna",
                date!(2026 - 01 - 09),
                &[("a", C), ("b", S), ("c", M), ("d", M)],
            ),
            call("anna", date!(2025 - 12 - 25), &[("a", C), ("b", I)]),
            // Boris: one call with nothing judged; another long before: ignored.
            call("boris", date!(2026 - 01 - 14), &[("a", M), ("b", S)]),
            call("boris", date!(2025 - 06 - 01), &[("a", C)]),
            // Carl: only before the period: not listed.
            call("carl", date!(2025 - 12 - 20), &[("a", C)]),
            // After the period: ignored.
            call("anna", date!(2026 - 01 - 15), &[("a", I)]),
        ];
        let found = aggregate(&p, &calls);
        assert_eq!(found.operators.len(), 2);
        let anna = &found.operators[&OperatorId::from_raw("anna")];
        assert_eq!((anna.calls, anna.scored_calls), (2, 2));
        assert!(close(anna.average_score, 5.0 / 6.0));
        assert_eq!(anna.previous_calls, 1);
        assert!(close(anna.previous_average, 0.5));
        assert_eq!(anna.trend, Some(Trend::Up));
        assert_eq!(
            (anna.correct, anna.incorrect, anna.missing, anna.split),
            (3, 1, 3, 1)
        );
        assert_eq!(anna.weekly.len(), 2);
        assert_eq!(anna.weekly[0].calls, 1);
        assert!(close(anna.weekly[0].average_score, 2.0 / 3.0));
        assert!(close(anna.weekly[1].average_score, 1.0));
        let cell = |o: &OperatorTally, key: &str| o.cells[&(ScriptId::from_raw("s"), key.into())];
        assert_eq!(cell(anna, "a").share, Some(1.0));
        assert_eq!(cell(anna, "a").judged(), 2);
        assert_eq!(cell(anna, "b").share, Some(0.0));
        assert_eq!(cell(anna, "b").judged(), 1);
        assert_eq!(cell(anna, "d").share, None);
        assert_eq!((cell(anna, "d").missing, cell(anna, "d").graded()), (2, 2));
        assert_eq!(cell(anna, "b").split, 1);

        let boris = &found.operators[&OperatorId::from_raw("boris")];
        assert_eq!((boris.calls, boris.scored_calls), (1, 0));
        assert_eq!(boris.average_score, None);
        assert_eq!(boris.trend, None, "no score before the period either");
        assert_eq!(boris.weekly[1].calls, 1);
        assert_eq!(boris.weekly[0].calls, 0);
        assert_eq!(found.steps.len(), 4);
    }

    #[test]
    fn small_changes_are_flat() {
        assert_eq!(Trend::between(Some(0.80), Some(0.81)), Some(Trend::Flat));
        assert_eq!(Trend::between(Some(0.80), Some(0.75)), Some(Trend::Down));
        assert_eq!(Trend::between(Some(0.50), Some(0.60)), Some(Trend::Up));
        assert_eq!(Trend::between(None, Some(0.60)), None);
    }
}
