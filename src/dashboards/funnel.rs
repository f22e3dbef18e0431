//! Where calls fail: for the reviewed calls of one script version in a period, how many
//! reached each step without a failure, and at which step the first `incorrect` or `missing`
//! came, separately for won, lost and calls whose outcome is not known. The owner sees where
//! lost calls go wrong, and where won calls differ.
//!
//! A step's verdict is the call's consensus (as everywhere: weighted, disputes applied). A
//! step that was `split`, did not arise, or has no verdict is no failure. [`build`] is pure
//! and unit-tested; [`load`] reads the calls through the overview's reader.

use std::collections::BTreeMap;

use serde::Serialize;

use super::DashboardError;
use super::overview::aggregate::CallOutcomes;
use super::period::Period;
use crate::db::DbConnection;
use crate::db::ids::{RecordingId, ScriptId};
use crate::recordings::outcome::Outcome as CallEnd;
use crate::reviews::consensus::Outcome;
use crate::zone::Zone;

/// Calls counted by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByEnd {
    pub won: i64,
    pub lost: i64,
    pub unknown: i64,
    pub all: i64,
}

impl ByEnd {
    fn add(&mut self, end: Option<CallEnd>) {
        match end {
            Some(CallEnd::Won) => self.won += 1,
            Some(CallEnd::Lost) => self.lost += 1,
            None => self.unknown += 1,
        }
        self.all += 1;
    }
}

/// One step of the funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    pub key: String,
    pub title: String,
    /// Calls with no failure before this step.
    pub reached: ByEnd,
    /// Calls whose first failure is this step: marked incorrect...
    pub failed_incorrect: ByEnd,
    /// ...or missing (the script had no handling for what happened).
    pub failed_missing: ByEnd,
}

/// The funnel of one script version over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funnel {
    pub script_id: ScriptId,
    pub version: i32,
    #[serde(flatten)]
    pub period: Period,
    /// The reviewed calls counted.
    pub calls: ByEnd,
    /// Calls with no failure at any step.
    pub clean: ByEnd,
    pub steps: Vec<FunnelStep>,
}

/// A call and where it first failed, for the list behind a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedCall {
    pub recording_id: RecordingId,
    pub step_key: String,
    pub outcome: Option<CallEnd>,
    pub failure: Outcome,
}

/// The first step (in the version's order) whose consensus is a failure.
fn first_failure(order: &[(String, String)], call: &CallOutcomes) -> Option<(usize, Outcome)> {
    let verdicts: BTreeMap<&str, Outcome> =
        call.steps.iter().map(|(k, o)| (k.as_str(), *o)).collect();
    order
        .iter()
        .enumerate()
        .find_map(|(index, (key, _))| match verdicts.get(key.as_str()) {
            Some(outcome @ (Outcome::Incorrect | Outcome::Missing)) => Some((index, *outcome)),
            _ => None,
        })
}

/// The funnel over `calls` (all of one version), the steps in `order` (key, title).
pub fn build(
    order: &[(String, String)],
    calls: &[(CallOutcomes, Option<CallEnd>)],
) -> (ByEnd, ByEnd, Vec<FunnelStep>, Vec<FailedCall>) {
    let mut steps: Vec<FunnelStep> = order
        .iter()
        .map(|(key, title)| FunnelStep {
            key: key.clone(),
            title: title.clone(),
            reached: ByEnd::default(),
            failed_incorrect: ByEnd::default(),
            failed_missing: ByEnd::default(),
        })
        .collect();
    let (mut total, mut clean, mut failed) = (ByEnd::default(), ByEnd::default(), Vec::new());
    for (call, end) in calls {
        total.add(*end);
        let first = first_failure(order, call);
        let reached = first.map_or(steps.len(), |(index, _)| index + 1);
        for step in steps.iter_mut().take(reached) {
            step.reached.add(*end);
        }
        match first {
            None => clean.add(*end),
            Some((index, outcome)) => {
                let step = &mut steps[index];
                if outcome == Outcome::Missing {
                    step.failed_missing.add(*end);
                } else {
                    step.failed_incorrect.add(*end);
                }
                failed.push(FailedCall {
                    recording_id: call.recording_id.clone(),
                    step_key: step.key.clone(),
                    outcome: *end,
                    failure: outcome,
                });
            }
        }
    }
    (total, clean, steps, failed)
}

/// The funnel of `script`'s version `number` (its current one when `None`) over `period`,
/// and the calls that first failed at each step.
pub fn load(
    conn: &mut DbConnection,
    script: &ScriptId,
    number: Option<i32>,
    period: &Period,
    zone: &Zone,
) -> Result<(Funnel, Vec<FailedCall>), DashboardError> {
    let number = match number {
        Some(n) => n,
        None => crate::scripts::current_version(conn, script)?
            .map(|(_, n)| n)
            .ok_or(DashboardError::NotFound)?,
    };
    let version =
        crate::scripts::load_version(conn, script, number).map_err(|_| DashboardError::NotFound)?;
    let order: Vec<(String, String)> = version
        .steps
        .iter()
        .map(|s| (s.key.clone(), s.title.clone()))
        .collect();
    let calls: Vec<CallOutcomes> = super::overview::load_calls(
        conn,
        period.start(zone),
        period.end(zone),
        zone,
        Some(script),
    )?
    .into_iter()
    .filter(|c| c.version == number)
    .collect();
    let ids: Vec<RecordingId> = calls.iter().map(|c| c.recording_id.clone()).collect();
    let ends = crate::recordings::outcome::of_all(conn, &ids)?;
    let mut calls: Vec<(CallOutcomes, Option<CallEnd>)> = calls
        .into_iter()
        .map(|c| {
            let end = ends.get(&c.recording_id).copied();
            (c, end)
        })
        .collect();
    calls.sort_by_key(|c| std::cmp::Reverse(c.0.day));
    let (total, clean, steps, failed) = build(&order, &calls);
    Ok((
        Funnel {
            script_id: script.clone(),
            version: number,
            period: *period,
            calls: total,
            clean,
            steps,
        },
        failed,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::OperatorId;
    use crate::reviews::consensus::CallScore;
    use Outcome::{Correct as C, DidNotArise as D, Incorrect as I, Missing as M, Split as S};

    fn call(id: &str, steps: &[(&str, Outcome)]) -> CallOutcomes {
        CallOutcomes {
            recording_id: RecordingId::from_raw(id),
            operator_id: OperatorId::from_raw("o"),
            script_id: ScriptId::from_raw("s"),
            version: 1,
            day: time::macros::date!(2026 - 11 - 02),
            steps: steps.iter().map(|(k, o)| (k.to_string(), *o)).collect(),
            score: CallScore {
                score: None,
                critical_failure: false,
            },
        }
    }

    #[test]
    fn the_first_failure_ends_a_calls_way_down_the_funnel() {
        let order: Vec<(String, String)> = ["greet", "ask", "offer", "close"]
            .iter()
            .map(|k| (k.to_string(), k.to_uppercase()))
            .collect();
        let calls = vec![
            // Lost at "ask" (incorrect), though "close" failed too: only the first counts.
            (
                call("a", &[("greet", C), ("ask", I), ("offer", C), ("close", I)]),
                Some(CallEnd::Lost),
            ),
            // Lost at "offer" (missing); a split "ask" is no failure.
            (
                call("b", &[("greet", C), ("ask", S), ("offer", M)]),
                Some(CallEnd::Lost),
            ),
            // Won, clean; a step that did not arise is no failure.
            (
                call("c", &[("greet", C), ("ask", D), ("offer", C), ("close", C)]),
                Some(CallEnd::Won),
            ),
            // Unknown outcome, failed at the first step.
            (call("d", &[("greet", I)]), None),
        ];
        let (total, clean, steps, failed) = build(&order, &calls);
        assert_eq!(
            total,
            ByEnd {
                won: 1,
                lost: 2,
                unknown: 1,
                all: 4
            }
        );
        assert_eq!(clean.all, 1);
        let reached: Vec<(i64, i64, i64)> = steps
            .iter()
            .map(|s| (s.reached.won, s.reached.lost, s.reached.all))
            .collect();
        assert_eq!(reached, [(1, 2, 4), (1, 2, 3), (1, 1, 2), (1, 0, 1)]);
        let first: Vec<(i64, i64)> = steps
            .iter()
            .map(|s| (s.failed_incorrect.all, s.failed_missing.all))
            .collect();
        assert_eq!(first, [(1, 0), (1, 0), (0, 1), (0, 0)]);
        let where_: Vec<(&str, &str)> = failed
            .iter()
            .map(|f| (f.recording_id.as_str(), f.step_key.as_str()))
            .collect();
        assert_eq!(where_, [("a", "ask"), ("b", "offer"), ("d", "greet")]);
    }
}
