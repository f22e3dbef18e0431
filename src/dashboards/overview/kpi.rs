//! The figures an owner pays operators by, per operator over a period: calls that arrived,
//! were sampled and were reviewed; the average score; compliance (no critical failure);
//! lost calls closed in violation; gaps raised; disputes won and lost; and how many of the
//! reviewed calls' feedback the operator acknowledged.
//!
//! "Closed in violation" is a call that ended `lost` with at least one step whose consensus
//! is `incorrect`. A `missing` step does not make one: it means the script had no handling
//! there, which is never counted against the operator (as everywhere in the overview).
//! A dispute is won when the owner overturned at least one of its steps, lost when every
//! step was upheld; disputes still open count as neither. Gaps count the standing `missing`
//! verdicts on the operator's calls (not those of rejected reviews).
//!
//! The calls are those of [`super::load_calls`]: reviewed, on the day they took place.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use diesel::prelude::*;
use serde::Serialize;

use super::aggregate::{Aggregate, aggregate, compliance};
use super::{Intake, load_calls, load_intake};
use crate::dashboards::period::Period;
use crate::db::DbConnection;
use crate::db::ids::{OperatorId, RecordingId, ScriptId};
use crate::db::ingest_schema::call_outcomes;
use crate::db::schema::{dispute_steps, disputes, gaps, recordings, scripts};
use crate::reviews::consensus::Outcome;
use crate::zone::Zone;

/// One operator's figures (or all operators' together).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KpiFigures {
    #[serde(flatten)]
    pub intake: Intake,
    /// The mean score of the reviewed calls, 0–1.
    pub average_score: Option<f64>,
    pub critical_failures: usize,
    /// The share of reviewed calls without a critical failure, 0–1.
    pub compliance: Option<f64>,
    /// Lost calls with an `incorrect` step.
    pub lost_in_violation: usize,
    pub gaps_raised: usize,
    pub disputes_won: usize,
    pub disputes_lost: usize,
    /// Reviewed calls whose feedback the operator acknowledged...
    pub acknowledged: usize,
    /// ...as a share of the reviewed calls, 0–1.
    pub acknowledgement_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiLine {
    pub operator_id: OperatorId,
    pub name: String,
    #[serde(flatten)]
    pub figures: KpiFigures,
}

/// A script version the period's reviewed calls were graded against.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VersionUsed {
    pub script_name: String,
    pub script_id: ScriptId,
    pub version: i32,
    pub calls: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    #[serde(flatten)]
    pub period: Period,
    pub versions: Vec<VersionUsed>,
    /// Every operator with a call that arrived in the period, by name.
    pub operators: Vec<KpiLine>,
    pub total: KpiFigures,
}

/// Tallies of one kind of event per operator.
type PerOperator = BTreeMap<OperatorId, usize>;

fn per_operator(ids: impl IntoIterator<Item = OperatorId>) -> PerOperator {
    let mut counts = PerOperator::new();
    for id in ids {
        *counts.entry(id).or_default() += 1;
    }
    counts
}

/// The KPI of `period` (days in `zone`): a fixed handful of queries.
pub fn load(conn: &mut DbConnection, period: &Period, zone: &Zone) -> QueryResult<Kpi> {
    let (start, end) = (period.start(zone), period.end(zone));
    let calls: Vec<_> = load_calls(conn, start, end, zone, None)?
        .into_iter()
        .filter(|c| period.contains(c.day))
        .collect();
    let Aggregate {
        operators: tallies, ..
    } = aggregate(period, &calls);
    let (intake, total_intake) = load_intake(conn, start, end)?;

    let lost: HashSet<RecordingId> = recordings::table
        .inner_join(call_outcomes::table)
        .filter(reviewed_in!(start, end))
        .filter(call_outcomes::outcome.eq("lost"))
        .select(recordings::id)
        .load::<RecordingId>(conn)?
        .into_iter()
        .collect();
    let violations = per_operator(
        calls
            .iter()
            .filter(|c| lost.contains(&c.recording_id))
            .filter(|c| c.steps.iter().any(|(_, o)| *o == Outcome::Incorrect))
            .map(|c| c.operator_id.clone()),
    );
    let gaps_raised = per_operator(
        gaps::table
            .inner_join(recordings::table.on(recordings::id.eq(gaps::recording_id)))
            .filter(reviewed_in!(start, end))
            .filter(gaps::verdict_id.eq_any(crate::gaps::standing()))
            .select(recordings::operator_id)
            .load::<OperatorId>(conn)?,
    );
    let decided: Vec<(OperatorId, String, Option<String>)> = dispute_steps::table
        .inner_join(disputes::table.inner_join(recordings::table))
        .filter(reviewed_in!(start, end))
        .filter(disputes::status.eq("decided"))
        .select((
            recordings::operator_id,
            disputes::id,
            dispute_steps::decision,
        ))
        .load(conn)?;
    let mut disputes_by: BTreeMap<String, (OperatorId, bool)> = BTreeMap::new();
    for (operator, dispute, decision) in decided {
        let entry = disputes_by.entry(dispute).or_insert((operator, false));
        entry.1 |= decision.as_deref() == Some("overturned");
    }
    let won = per_operator(
        disputes_by
            .values()
            .filter(|(_, won)| *won)
            .map(|(o, _)| o.clone()),
    );
    let lost_disputes = per_operator(
        disputes_by
            .values()
            .filter(|(_, won)| !*won)
            .map(|(o, _)| o.clone()),
    );
    let acknowledged = per_operator(
        recordings::table
            .filter(reviewed_in!(start, end))
            .filter(recordings::acknowledged_at.is_not_null())
            .select(recordings::operator_id)
            .load::<OperatorId>(conn)?,
    );

    let count = |map: &PerOperator, id: &OperatorId| map.get(id).copied().unwrap_or(0);
    let mut total = KpiFigures {
        intake: total_intake,
        ..KpiFigures::default()
    };
    let mut scores = super::aggregate::Mean::default();
    for call in &calls {
        scores.add(call.score.score);
    }
    let mut operators: Vec<KpiLine> = intake
        .into_iter()
        .map(|line| {
            let id = &line.operator_id;
            let tally = tallies.get(id);
            let reviewed = tally.map_or(0, |t| t.calls);
            let acknowledged = count(&acknowledged, id);
            let figures = KpiFigures {
                intake: line.intake,
                average_score: tally.and_then(|t| t.average_score),
                critical_failures: tally.map_or(0, |t| t.critical_failures),
                compliance: tally.and_then(|t| t.compliance),
                lost_in_violation: count(&violations, id),
                gaps_raised: count(&gaps_raised, id),
                disputes_won: count(&won, id),
                disputes_lost: count(&lost_disputes, id),
                acknowledged,
                acknowledgement_rate: share(acknowledged, reviewed),
            };
            total.critical_failures += figures.critical_failures;
            total.lost_in_violation += figures.lost_in_violation;
            total.gaps_raised += figures.gaps_raised;
            total.disputes_won += figures.disputes_won;
            total.disputes_lost += figures.disputes_lost;
            total.acknowledged += figures.acknowledged;
            KpiLine {
                operator_id: line.operator_id,
                name: line.name,
                figures,
            }
        })
        .collect();
    total.average_score = scores.value();
    total.compliance = compliance(calls.len(), total.critical_failures);
    total.acknowledgement_rate = share(total.acknowledged, calls.len());
    operators.sort_by(|a, b| {
        (a.name.to_lowercase(), &a.name, &a.operator_id).cmp(&(
            b.name.to_lowercase(),
            &b.name,
            &b.operator_id,
        ))
    });
    Ok(Kpi {
        period: *period,
        versions: versions_used(conn, &calls)?,
        operators,
        total,
    })
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The script versions the calls were graded against, by script name and number.
fn versions_used(
    conn: &mut DbConnection,
    calls: &[super::aggregate::CallOutcomes],
) -> QueryResult<Vec<VersionUsed>> {
    let ids: BTreeSet<&ScriptId> = calls.iter().map(|c| &c.script_id).collect();
    let names: BTreeMap<ScriptId, String> = scripts::table
        .filter(scripts::id.eq_any(&ids))
        .select((scripts::id, scripts::name))
        .load::<(ScriptId, String)>(conn)?
        .into_iter()
        .collect();
    let mut counts: BTreeMap<(&ScriptId, i32), usize> = BTreeMap::new();
    for call in calls {
        *counts.entry((&call.script_id, call.version)).or_default() += 1;
    }
    let mut used: Vec<VersionUsed> = counts
        .into_iter()
        .map(|((script, version), calls)| VersionUsed {
            script_name: names.get(script).cloned().unwrap_or_default(),
            script_id: script.clone(),
            version,
            calls,
        })
        .collect();
    used.sort();
    Ok(used)
}
