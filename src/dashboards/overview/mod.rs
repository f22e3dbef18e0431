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
//! unit-tested there); [`load`] fetches exactly the calls of the period and of the period
//! before in a fixed number of queries, whatever the number of calls.

pub mod aggregate;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::prelude::*;
use serde::Serialize;

use super::DashboardError;
use super::effect::ScriptSteps;
use super::period::Period;
use crate::db::DbConnection;
use crate::db::ids::{OperatorId, RecordingId, ScriptId, ScriptVersionId, UserId};
use crate::db::schema::{
    gaps, operators, recordings, reviews, script_versions, scripts, steps, verdicts,
};
use crate::db::time::Timestamp;
use crate::reviews::consensus::{Graded, Outcome, call_score};
use crate::reviews::verdict::Verdict;
use crate::reviews::weighted;
use crate::zone::Zone;
use aggregate::{Aggregate, CallOutcomes, Cell, Mean, OperatorTally, aggregate};

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
    #[serde(flatten)]
    pub tally: OperatorTally,
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
    /// Of the period's calls, those that failed on a critical step...
    pub critical_failures: usize,
    /// ...and the compliance figure: the share that did not, 0–1 (`null` without calls).
    pub compliance: Option<f64>,
    pub operators: Vec<OperatorFigures>,
    pub heatmap: Heatmap,
    /// Open gaps right now (whatever the period), by script and step, most first.
    pub open_gaps: Vec<OpenGaps>,
    /// What dynamic overlap spent on the period's calls.
    pub reviews: ReviewSpend,
    /// How many calls arrived in the period, how many are in review (sampled), and how many
    /// have all their reviews, per operator (most arrived first) and in all.
    pub intake: Vec<OperatorIntake>,
    pub intake_total: Intake,
    /// Per script graded against more than one version in the period: what its latest
    /// version changed, step by step, against the version before.
    pub version_changes: Vec<super::effect::VersionChange>,
}

/// Calls that arrived, were sampled and were reviewed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Intake {
    pub arrived: i64,
    /// In review: every call of a script without a plan, or in its period's sample (held
    /// or already sent); not the calls left out.
    pub sampled: i64,
    pub reviewed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorIntake {
    pub operator_id: OperatorId,
    pub name: String,
    #[serde(flatten)]
    pub intake: Intake,
}

/// The calls that took place in `start..end`, reviewed or not.
macro_rules! arrived_in {
    ($start:expr, $end:expr) => {
        recordings::called_at
            .ge($start)
            .and(recordings::called_at.lt($end))
            .or(recordings::called_at
                .is_null()
                .and(recordings::created_at.ge($start))
                .and(recordings::created_at.lt($end)))
    };
}

/// [`Intake`] per operator over the calls of `start..end`.
fn load_intake(
    conn: &mut DbConnection,
    start: Timestamp,
    end: Timestamp,
) -> QueryResult<(Vec<OperatorIntake>, Intake)> {
    use crate::sampling::Sample;
    let rows: Vec<(OperatorId, String, Option<Sample>, i32, i32)> = recordings::table
        .inner_join(operators::table)
        .filter(arrived_in!(start, end))
        .select((
            recordings::operator_id,
            operators::name,
            recordings::sample,
            recordings::reviews_done,
            recordings::reviews_required,
        ))
        .load(conn)?;
    let mut by_operator: BTreeMap<OperatorId, (String, Intake)> = BTreeMap::new();
    let mut total = Intake::default();
    for (operator, name, sample, done, required) in rows {
        let line = &mut by_operator
            .entry(operator)
            .or_insert((name, Intake::default()))
            .1;
        for tally in [line, &mut total] {
            tally.arrived += 1;
            tally.sampled += i64::from(sample != Some(Sample::Out));
            tally.reviewed += i64::from(done > 0 && done >= required);
        }
    }
    let mut lines: Vec<OperatorIntake> = by_operator
        .into_iter()
        .map(|(operator_id, (name, intake))| OperatorIntake {
            operator_id,
            name,
            intake,
        })
        .collect();
    lines.sort_by(|a, b| {
        b.intake
            .arrived
            .cmp(&a.intake.arrived)
            .then(a.name.cmp(&b.name))
    });
    Ok((lines, total))
}

/// The reviews the period's calls with dynamic overlap got, against what a fixed overlap at
/// each call's maximum would have cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ReviewSpend {
    pub calls: i64,
    pub spent: i64,
    pub at_maximum: i64,
}

impl ReviewSpend {
    /// The share of `at_maximum` not spent, 0–1; `None` without such calls.
    pub fn saved(&self) -> Option<f64> {
        (self.at_maximum > 0).then(|| 1.0 - self.spent as f64 / self.at_maximum as f64)
    }
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

// After the macros above, which it uses.
pub mod kpi;
pub mod kpi_files;

/// A reviewed call as read: id, operator, script, version (id and number), call and upload
/// times.
type CallRow = (
    RecordingId,
    OperatorId,
    ScriptId,
    ScriptVersionId,
    i32,
    Option<Timestamp>,
    Timestamp,
);

/// The reviewed calls of `start..end` (stored times), reduced for [`aggregate`]: two
/// queries, one for the calls and one for all their verdicts.
pub fn load_calls(
    conn: &mut DbConnection,
    start: Timestamp,
    end: Timestamp,
    zone: &Zone,
    script: Option<&ScriptId>,
) -> QueryResult<Vec<CallOutcomes>> {
    let mut query = recordings::table
        .inner_join(script_versions::table)
        .filter(reviewed_in!(start, end))
        .into_boxed();
    if let Some(script) = script {
        query = query.filter(script_versions::script_id.eq(script));
    }
    let calls: Vec<CallRow> = query
        .select((
            recordings::id,
            recordings::operator_id,
            script_versions::script_id,
            recordings::script_version_id,
            script_versions::number,
            recordings::called_at,
            recordings::created_at,
        ))
        .load(conn)?;
    let versions: BTreeSet<&ScriptVersionId> = calls.iter().map(|c| &c.3).collect();
    // What each version says of its steps: critical, and their weights.
    let flags: HashMap<(ScriptVersionId, String), (bool, Option<i32>)> = steps::table
        .filter(steps::version_id.eq_any(versions.iter().cloned()))
        .select((
            steps::version_id,
            steps::step_key,
            steps::critical,
            steps::weight,
        ))
        .load::<(ScriptVersionId, String, bool, Option<i32>)>(conn)?
        .into_iter()
        .map(|(version, key, critical, weight)| ((version, key), (critical, weight)))
        .collect();
    let ids: Vec<RecordingId> = calls.iter().map(|c| c.0.clone()).collect();
    let overturned = crate::reviews::contest::overturned(conn, &ids)?;
    let mut marks = verdicts::table
        .inner_join(reviews::table)
        .inner_join(recordings::table.on(recordings::id.eq(reviews::recording_id)))
        .filter(reviewed_in!(start, end))
        .filter(crate::reviews::counted())
        .into_boxed();
    if script.is_some() {
        // Only the verdicts of the script's calls: its versions, as the calls found them.
        marks = marks.filter(recordings::script_version_id.eq_any(versions.iter().cloned()));
    }
    let marks: Vec<(RecordingId, UserId, String, Verdict)> = marks
        .select((
            reviews::recording_id,
            reviews::reviewer_id,
            verdicts::step_key,
            verdicts::verdict,
        ))
        .load(conn)?;
    let reviewers: Vec<UserId> = marks
        .iter()
        .map(|m| m.1.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let model = weighted::load(conn, &reviewers)?;
    let mut given: HashMap<RecordingId, BTreeMap<String, Vec<(UserId, Verdict)>>> = HashMap::new();
    for (recording, reviewer, key, verdict) in marks {
        given
            .entry(recording)
            .or_default()
            .entry(key)
            .or_default()
            .push((reviewer, verdict));
    }
    Ok(calls
        .into_iter()
        .map(
            |(id, operator_id, script_id, version, number, called_at, uploaded_at)| {
                let steps: Vec<(String, Outcome)> = given
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(key, marks)| {
                        if overturned.contains(&(id.clone(), key.clone())) {
                            return Some((key, Outcome::Correct));
                        }
                        let pairs: Vec<(&UserId, Verdict)> =
                            marks.iter().map(|(r, v)| (r, *v)).collect();
                        Some((key, model.step(&pairs).outcome?))
                    })
                    .collect();
                let graded: Vec<Graded> = steps
                    .iter()
                    .map(|(key, outcome)| {
                        let (critical, weight) = flags
                            .get(&(version.clone(), key.clone()))
                            .copied()
                            .unwrap_or_default();
                        Graded {
                            outcome: *outcome,
                            critical,
                            weight,
                        }
                    })
                    .collect();
                CallOutcomes {
                    recording_id: id,
                    operator_id,
                    script_id,
                    version: number,
                    day: zone.local(called_at.unwrap_or(uploaded_at)).date(),
                    steps,
                    score: call_score(&graded),
                }
            },
        )
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

/// Each script of `refs` (by name) with its step keys and titles in their latest order.
fn script_orders(refs: &HashMap<(ScriptId, String), StepRef>) -> Vec<ScriptSteps> {
    let mut by_script: BTreeMap<&ScriptId, Vec<&StepRef>> = BTreeMap::new();
    for step in refs.values() {
        by_script.entry(&step.script_id).or_default().push(step);
    }
    let mut scripts: Vec<ScriptSteps> = by_script
        .into_iter()
        .map(|(id, mut steps)| {
            steps.sort_by(|a, b| (a.position, &a.key).cmp(&(b.position, &b.key)));
            let name = steps
                .first()
                .map(|s| s.script_name.clone())
                .unwrap_or_default();
            let order = steps
                .into_iter()
                .map(|s| (s.key.clone(), s.title.clone()))
                .collect();
            ScriptSteps {
                id: id.clone(),
                name,
                order,
            }
        })
        .collect();
    scripts.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
    scripts
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
pub fn load(conn: &mut DbConnection, period: &Period, zone: &Zone) -> QueryResult<Overview> {
    let previous = period.previous().unwrap_or(*period);
    let calls = load_calls(conn, previous.start(zone), period.end(zone), zone, None)?;
    let mut all = Mean::default();
    let mut failures = 0;
    for call in calls.iter().filter(|c| period.contains(c.day)) {
        all.add(call.score.score);
        failures += usize::from(call.score.critical_failure);
    }
    let Aggregate {
        operators: tallies,
        steps,
    } = aggregate(period, &calls);

    let open: Vec<(ScriptId, String, i64, Option<Timestamp>)> = gaps::table
        .filter(gaps::status.eq("open"))
        .filter(gaps::verdict_id.eq_any(crate::gaps::standing()))
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
    for (operator_id, mut tally) in tallies {
        let cells = std::mem::take(&mut tally.cells);
        let (name, external_id, active) = people
            .get(&operator_id)
            .cloned()
            .unwrap_or_else(|| (operator_id.to_string(), None, false));
        rows.push(HeatmapRow {
            operator_id: operator_id.clone(),
            name: name.clone(),
            cells: columns
                .iter()
                .map(|(column, _)| cells.get(column).copied().unwrap_or_default())
                .collect(),
        });
        figures.push(OperatorFigures {
            operator_id,
            name,
            external_id,
            active,
            tally,
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

    let dynamic: Vec<(i32, Option<i32>)> = recordings::table
        .filter(reviewed_in!(period.start(zone), period.end(zone)))
        .filter(recordings::reviews_max.is_not_null())
        .select((recordings::reviews_done, recordings::reviews_max))
        .load(conn)?;
    let reviews = dynamic
        .iter()
        .fold(ReviewSpend::default(), |sum, (done, max)| ReviewSpend {
            calls: sum.calls + 1,
            spent: sum.spent + i64::from(*done),
            at_maximum: sum.at_maximum + i64::from(max.unwrap_or(*done).max(*done)),
        });

    let (intake, intake_total) = load_intake(conn, period.start(zone), period.end(zone))?;
    let version_changes = super::effect::latest_changes(
        &script_orders(&refs),
        &calls
            .iter()
            .filter(|c| period.contains(c.day))
            .collect::<Vec<_>>(),
    );
    Ok(Overview {
        version_changes,
        reviews,
        intake,
        intake_total,
        period: *period,
        previous,
        calls: all.calls,
        average_score: all.value(),
        critical_failures: failures,
        compliance: aggregate::compliance(all.calls, failures),
        operators: figures,
        heatmap: Heatmap {
            columns: columns.into_iter().map(|(_, r)| r).collect(),
            rows,
        },
        open_gaps,
    })
}

/// The overview of `period` (days in `zone`), read on the blocking pool.
pub async fn figures(
    db: &crate::db::Db,
    period: Period,
    zone: Zone,
) -> Result<Overview, DashboardError> {
    db.run(move |conn| Ok(load(conn, &period, &zone)?)).await
}
