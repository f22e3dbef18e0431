//! The pure part of the owner's overview: reduced calls in, figures out — per operator the
//! calls, the average score, its trend and weekly points; per operator and step the share
//! done correctly. No database here, so every rule is unit-tested below.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::Date;

use crate::dashboards::operator::CallFeedback;
use crate::dashboards::period::Period;
use crate::db::ids::{OperatorId, RecordingId, ScriptId};
use crate::reviews::consensus::{CallScore, Outcome};

/// Averages closer than this (two points of score) are a flat trend.
pub const FLAT_BAND: f64 = 0.02;

/// One reviewed call, reduced to what the overview counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcomes {
    pub recording_id: RecordingId,
    pub operator_id: OperatorId,
    pub script_id: ScriptId,
    /// The number of the script version the call was graded against.
    pub version: i32,
    /// The day of the call (or of the upload when the call time is unknown).
    pub day: Date,
    /// The consensus of each step, by step key.
    pub steps: Vec<(String, Outcome)>,
    /// The call's score (weights and critical steps applied).
    pub score: CallScore,
}

impl CallOutcomes {
    /// The overview's view of a call's feedback; `None` while reviews are still missing.
    pub fn from_feedback(call: &CallFeedback) -> Option<Self> {
        if !call.complete {
            return None;
        }
        Some(CallOutcomes {
            recording_id: call.recording_id.clone(),
            operator_id: call.operator_id.clone(),
            script_id: call.script_id.clone(),
            version: call.script_version,
            day: call.called_at.unwrap_or(call.uploaded_at).date(),
            steps: call
                .steps
                .iter()
                .filter_map(|s| Some((s.key.clone(), s.verdict?)))
                .collect(),
            score: CallScore {
                score: call.score,
                critical_failure: call.critical_failure,
            },
        })
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
pub struct Mean {
    pub calls: usize,
    scored: usize,
    sum: f64,
}

impl Mean {
    pub fn add(&mut self, score: Option<f64>) {
        self.calls += 1;
        if let Some(score) = score {
            self.scored += 1;
            self.sum += score;
        }
    }

    pub fn value(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.sum / self.scored as f64)
    }
}

/// One point of the weekly sparkline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekPoint {
    #[serde(serialize_with = "crate::dashboards::period::day")]
    pub from: Date,
    #[serde(serialize_with = "crate::dashboards::period::day")]
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
    /// The step did not come up (an optional step): counts for nobody either.
    pub did_not_arise: usize,
    /// correct / (correct + incorrect); `null` when neither was found.
    pub share: Option<f64>,
}

impl Cell {
    pub fn judged(&self) -> usize {
        self.correct + self.incorrect
    }

    /// Every call in which the step got an outcome.
    pub fn graded(&self) -> usize {
        self.judged() + self.missing + self.split + self.did_not_arise
    }
}

/// The figures of one operator, before names and titles are attached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorTally {
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
    pub did_not_arise: usize,
    /// Of the period's calls, those that failed on a critical step...
    pub critical_failures: usize,
    /// ...and the share that did not (the compliance figure), 0–1.
    pub compliance: Option<f64>,
    pub weekly: Vec<WeekPoint>,
    /// By (script, step key); shown as the heatmap's row, not with the figures.
    #[serde(skip)]
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
        counts: [usize; 5],
        failures: usize,
        cells: BTreeMap<(ScriptId, String), Cell>,
    }
    let mut work: BTreeMap<&OperatorId, Work> = BTreeMap::new();
    let mut steps = BTreeSet::new();
    for call in calls {
        let call_score = call.score.score;
        if period.contains(call.day) {
            let entry = work.entry(&call.operator_id).or_default();
            entry.now.add(call_score);
            entry.failures += usize::from(call.score.critical_failure);
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
                    Outcome::DidNotArise => 4,
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
                    Outcome::DidNotArise => cell.did_not_arise += 1,
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
                did_not_arise: w.counts[4],
                critical_failures: w.failures,
                compliance: compliance(w.now.calls, w.failures),
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

/// The share of `calls` that did not fail on a critical step; `None` without calls.
pub fn compliance(calls: usize, failures: usize) -> Option<f64> {
    (calls > 0).then(|| 1.0 - failures as f64 / calls as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::{Correct as C, Incorrect as I, Missing as M, Split as S};
    use time::macros::date;

    fn call(operator: &str, day: Date, outcomes: &[(&str, Outcome)]) -> CallOutcomes {
        CallOutcomes {
            recording_id: RecordingId::from_raw(format!("{operator}-{day}")),
            operator_id: OperatorId::from_raw(operator),
            script_id: ScriptId::from_raw("s"),
            version: 1,
            day,
            steps: outcomes.iter().map(|(k, o)| (k.to_string(), *o)).collect(),
            score: CallScore {
                score: crate::reviews::consensus::score(
                    &outcomes.iter().map(|(_, o)| *o).collect::<Vec<_>>(),
                ),
                critical_failure: false,
            },
        }
    }
    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
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
