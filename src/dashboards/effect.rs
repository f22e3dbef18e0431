//! Did the refinement work: for each step key of a script, its score (the share of calls
//! where it was done correctly, of those where it was judged correct or incorrect) and its
//! missing-rate (the share of calls where the script had no handling for what happened
//! there), per script version, over the calls graded against that version, each with the
//! number of calls and a 95 % Wilson interval, and the change from the version before.
//! And for each gap the owner resolved with a version: how often that step was marked
//! missing over the calls graded against the versions before it and from it on.
//! And for the overview, per script: what the latest version graded in a period changed
//! against the one before, step by step ([`latest_changes`]).
//! [`effect`], [`resolved_gaps`] and [`latest_changes`] are pure; [`load`] reads every
//! reviewed call of the script and its resolved gaps.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;

use super::DashboardError;
use super::overview::aggregate::CallOutcomes;
use crate::db::DbConnection;
use crate::db::ids::ScriptId;
use crate::db::schema::{gaps, script_versions};
use crate::reviews::consensus::Outcome;
use crate::zone::Zone;

/// A share with its 95 % interval, over `n` calls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub n: i64,
}

/// The Wilson score interval of `hits` out of `n` at 95 %; `None` without calls.
pub fn wilson(hits: i64, n: i64) -> Option<Share> {
    if n <= 0 {
        return None;
    }
    let z = 1.959_964_f64;
    let (k, m) = (hits as f64, n as f64);
    let p = k / m;
    let centre = (p + z * z / (2.0 * m)) / (1.0 + z * z / m);
    let half = z / (1.0 + z * z / m) * (p * (1.0 - p) / m + z * z / (4.0 * m * m)).sqrt();
    Some(Share {
        value: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
        n,
    })
}

/// One step key in one version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionFigures {
    pub version: i32,
    /// Calls of this version that have this step judged at all.
    pub calls: i64,
    pub score: Option<Share>,
    pub missing: Option<Share>,
    /// Against the version before that has this step: the change of each, in points (0–1).
    pub score_change: Option<f64>,
    pub missing_change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepEffect {
    pub key: String,
    pub title: String,
    pub versions: Vec<VersionFigures>,
}

/// Gaps the owner resolved with one version, on one step, and the situation before and
/// after: the share of calls where that step was marked missing, over the calls graded
/// against the older versions and against this one and later.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedGaps {
    pub key: String,
    pub title: String,
    /// The version that resolved them.
    pub version: i32,
    pub gaps: i64,
    pub missing_before: Option<Share>,
    pub missing_after: Option<Share>,
}

/// The before and after of each `(step key, resolving version, gaps)` over `calls`, in the
/// steps' `order`, then by version.
pub fn resolved_gaps(
    order: &[(String, String)],
    calls: &[CallOutcomes],
    resolutions: &[(String, i32, i64)],
) -> Vec<ResolvedGaps> {
    let mut lines: Vec<ResolvedGaps> = resolutions
        .iter()
        .map(|(key, version, gaps)| {
            // (missing, judged) before and from `version` on.
            let (mut before, mut after) = ((0, 0), (0, 0));
            for call in calls {
                let Some((_, outcome)) = call.steps.iter().find(|(k, _)| k == key) else {
                    continue;
                };
                let side = if call.version < *version {
                    &mut before
                } else {
                    &mut after
                };
                side.0 += i64::from(*outcome == Outcome::Missing);
                side.1 += 1;
            }
            ResolvedGaps {
                key: key.clone(),
                title: order
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_else(|| key.clone()),
                version: *version,
                gaps: *gaps,
                missing_before: wilson(before.0, before.1),
                missing_after: wilson(after.0, after.1),
            }
        })
        .collect();
    let place = |key: &str| {
        order
            .iter()
            .position(|(k, _)| k == key)
            .unwrap_or(usize::MAX)
    };
    lines.sort_by_key(|l| (place(&l.key), l.version));
    lines
}

/// The figures of every step key (in `order`: key, latest title) over `calls` (all of one
/// script), per version, oldest version first.
pub fn effect<'a>(
    order: &[(String, String)],
    calls: impl IntoIterator<Item = &'a CallOutcomes>,
) -> Vec<StepEffect> {
    // (key, version) -> (correct, incorrect, missing, judged)
    let mut tally: BTreeMap<(&str, i32), (i64, i64, i64, i64)> = BTreeMap::new();
    for call in calls {
        for (key, outcome) in &call.steps {
            let cell = tally.entry((key.as_str(), call.version)).or_default();
            match outcome {
                Outcome::Correct => cell.0 += 1,
                Outcome::Incorrect => cell.1 += 1,
                Outcome::Missing => cell.2 += 1,
                Outcome::Split | Outcome::DidNotArise => {}
            }
            cell.3 += 1;
        }
    }
    order
        .iter()
        .map(|(key, title)| {
            let mut versions: Vec<VersionFigures> = Vec::new();
            for (&(_, version), &(correct, incorrect, missing, judged)) in
                tally.range((key.as_str(), i32::MIN)..=(key.as_str(), i32::MAX))
            {
                let score = wilson(correct, correct + incorrect);
                let missing = wilson(missing, judged);
                let before = versions.last();
                let change = |now: Option<Share>, then: Option<Option<Share>>| {
                    Some(now?.value - then.flatten()?.value)
                };
                versions.push(VersionFigures {
                    version,
                    calls: judged,
                    score_change: change(score, before.map(|b| b.score)),
                    missing_change: change(missing, before.map(|b| b.missing)),
                    score,
                    missing,
                });
            }
            StepEffect {
                key: key.clone(),
                title: title.clone(),
                versions,
            }
        })
        .collect()
}

/// What a script's latest version graded in a period changed: each step judged both in
/// it and in an earlier version, the largest changes first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionChange {
    pub script_id: ScriptId,
    pub script_name: String,
    /// The latest version with graded calls.
    pub version: i32,
    /// Its graded calls.
    pub calls: i64,
    pub steps: Vec<StepChange>,
}

/// One step in the version before (the latest earlier one that has it) and in the latest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepChange {
    pub key: String,
    pub title: String,
    pub before: VersionFigures,
    pub after: VersionFigures,
}

impl StepChange {
    /// How much moved, in points (0–1): the score's change and the missing-rate's together.
    fn size(&self) -> f64 {
        self.after.score_change.unwrap_or(0.0).abs()
            + self.after.missing_change.unwrap_or(0.0).abs()
    }
}

/// A script with its step keys in order, each with its latest title.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptSteps {
    pub id: ScriptId,
    pub name: String,
    pub order: Vec<(String, String)>,
}

/// For each script that has calls graded against more than one version among `calls`: the
/// change its latest version made. Scripts in the given order; a script whose latest
/// version shares no judged step with an earlier one is left out.
pub fn latest_changes(scripts: &[ScriptSteps], calls: &[&CallOutcomes]) -> Vec<VersionChange> {
    let mut changes = Vec::new();
    for ScriptSteps {
        id: script_id,
        name,
        order,
    } in scripts
    {
        let own = || calls.iter().copied().filter(|c| &c.script_id == script_id);
        let Some(latest) = own().map(|c| c.version).max() else {
            continue;
        };
        let mut steps: Vec<StepChange> = effect(order, own())
            .into_iter()
            .filter_map(|step| {
                let at = step.versions.iter().position(|v| v.version == latest)?;
                let before = step.versions.get(at.checked_sub(1)?)?.clone();
                Some(StepChange {
                    after: step.versions[at].clone(),
                    before,
                    key: step.key,
                    title: step.title,
                })
            })
            .collect();
        if steps.is_empty() {
            continue;
        }
        // Stable: equal changes keep the script's order.
        steps.sort_by(|a, b| b.size().total_cmp(&a.size()));
        changes.push(VersionChange {
            script_id: script_id.clone(),
            script_name: name.clone(),
            version: latest,
            calls: own().filter(|c| c.version == latest).count() as i64,
            steps,
        });
    }
    changes
}

/// The figures of `script`'s steps over all its reviewed calls; steps in the current
/// version's order, then keys only older versions had.
pub fn load(
    conn: &mut DbConnection,
    script: &ScriptId,
    zone: &Zone,
) -> Result<(Vec<StepEffect>, Vec<ResolvedGaps>), DashboardError> {
    let loaded = crate::scripts::load(conn, script).map_err(|_| DashboardError::NotFound)?;
    let mut order: Vec<(String, String)> = Vec::new();
    let mut numbers: Vec<i32> = loaded.versions.iter().map(|v| v.number).collect();
    numbers.sort_unstable_by(|a, b| b.cmp(a));
    for number in numbers {
        let version = crate::scripts::load_version(conn, script, number)
            .map_err(|_| DashboardError::NotFound)?;
        for step in version.steps {
            if !order.iter().any(|(k, _)| k == &step.key) {
                order.push((step.key, step.title));
            }
        }
    }
    let start = time::macros::datetime!(2000-01-01 0:00);
    let end = crate::db::time::now() + time::Duration::days(1);
    let calls = super::overview::load_calls(conn, start, end, zone, Some(script))?;
    let mut counted: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for key in gaps::table
        .inner_join(
            script_versions::table
                .on(gaps::resolved_in_version_id.eq(script_versions::id.nullable())),
        )
        .filter(gaps::script_id.eq(script))
        .filter(gaps::status.eq("resolved"))
        .select((gaps::step_key, script_versions::number))
        .load::<(String, i32)>(conn)?
    {
        *counted.entry(key).or_default() += 1;
    }
    let resolutions: Vec<(String, i32, i64)> = counted
        .into_iter()
        .map(|((key, version), gaps)| (key, version, gaps))
        .collect();
    Ok((
        effect(&order, &calls),
        resolved_gaps(&order, &calls, &resolutions),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::{OperatorId, RecordingId};
    use crate::reviews::consensus::CallScore;
    use Outcome::{Correct as C, Incorrect as I, Missing as M};

    fn call(version: i32, outcome: Outcome) -> CallOutcomes {
        CallOutcomes {
            recording_id: RecordingId::from_raw("r"),
            operator_id: OperatorId::from_raw("o"),
            script_id: ScriptId::from_raw("s"),
            version,
            day: time::macros::date!(2026 - 11 - 02),
            steps: vec![("ask".to_owned(), outcome)],
            score: CallScore {
                score: None,
                critical_failure: false,
            },
        }
    }

    #[test]
    fn wilson_intervals_match_the_textbook() {
        // 8 of 10: the Wilson 95 % interval is 0.490–0.943.
        let share = wilson(8, 10).unwrap();
        assert!((share.low - 0.490).abs() < 0.001, "{share:?}");
        assert!((share.high - 0.943).abs() < 0.001, "{share:?}");
        assert_eq!(wilson(0, 0), None);
        let none = wilson(0, 5).unwrap();
        assert!(none.low.abs() < 1e-12, "{none:?}");
    }

    #[test]
    fn each_version_is_counted_over_its_own_calls_with_the_change() {
        let mut calls = Vec::new();
        // Version 1: 2 correct, 2 incorrect, 4 missing (8 judged).
        for outcome in [C, C, I, I, M, M, M, M] {
            calls.push(call(1, outcome));
        }
        // Version 2: 3 correct, 1 incorrect, 1 missing (5 judged).
        for outcome in [C, C, C, I, M] {
            calls.push(call(2, outcome));
        }
        let order = vec![("ask".to_owned(), "Ask".to_owned())];
        let figures = effect(&order, &calls);
        let v = &figures[0].versions;
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].version, v[0].calls), (1, 8));
        assert_eq!(v[0].score.unwrap().value, 0.5);
        assert_eq!(v[0].missing.unwrap().value, 0.5);
        assert_eq!(v[0].score_change, None);
        assert_eq!(v[1].score.unwrap().value, 0.75);
        assert!((v[1].score_change.unwrap() - 0.25).abs() < 1e-9);
        assert!((v[1].missing_change.unwrap() - (0.2 - 0.5)).abs() < 1e-9);
    }

    #[test]
    fn a_resolved_gap_compares_the_versions_before_with_those_from_it_on() {
        let mut calls = Vec::new();
        // Versions 1 and 2: 3 missing of 5; versions 3 and 4: 1 missing of 4.
        for (version, outcome) in [
            (1, M),
            (1, M),
            (1, C),
            (2, M),
            (2, I),
            (3, C),
            (3, M),
            (4, C),
            (4, C),
        ] {
            calls.push(call(version, outcome));
        }
        let order = vec![("ask".to_owned(), "Ask".to_owned())];
        let lines = resolved_gaps(&order, &calls, &[("ask".to_owned(), 3, 2)]);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(
            (line.title.as_str(), line.version, line.gaps),
            ("Ask", 3, 2)
        );
        let before = line.missing_before.unwrap();
        assert_eq!((before.value, before.n), (0.6, 5));
        let after = line.missing_after.unwrap();
        assert_eq!((after.value, after.n), (0.25, 4));
        // Resolved by the first version: nothing before.
        let first = resolved_gaps(&order, &calls, &[("ask".to_owned(), 1, 1)]);
        assert_eq!(first[0].missing_before, None);
        assert_eq!(first[0].missing_after.unwrap().n, 9);
    }
    #[test]
    fn the_latest_version_is_set_against_the_one_before_that_has_each_step() {
        let with = |script: &str, version, steps: &[(&str, Outcome)]| CallOutcomes {
            script_id: ScriptId::from_raw(script),
            steps: steps.iter().map(|(k, o)| ((*k).to_owned(), *o)).collect(),
            ..call(version, C)
        };
        let calls = [
            // "ask" is judged in versions 1 and 3, "close" in 2 and 3.
            with("s", 1, &[("ask", M)]),
            with("s", 1, &[("ask", M)]),
            with("s", 2, &[("close", C)]),
            with("s", 2, &[("close", I)]),
            with("s", 3, &[("ask", C), ("close", C)]),
            with("s", 3, &[("ask", C), ("close", I)]),
            // Another script graded against one version only.
            with("t", 4, &[("ask", M)]),
        ];
        let order = |keys: &[&str]| -> Vec<(String, String)> {
            keys.iter()
                .map(|k| ((*k).to_owned(), k.to_uppercase()))
                .collect()
        };
        let script = |id: &str, name: &str, keys: &[&str]| ScriptSteps {
            id: ScriptId::from_raw(id),
            name: name.to_owned(),
            order: order(keys),
        };
        let scripts = [
            script("s", "Sales", &["close", "ask"]),
            script("t", "Other", &["ask"]),
        ];
        let changes = latest_changes(&scripts, &calls.iter().collect::<Vec<_>>());
        assert_eq!(changes.len(), 1, "{changes:?}");
        let change = &changes[0];
        assert_eq!(
            (change.script_name.as_str(), change.version, change.calls),
            ("Sales", 3, 2)
        );
        // "ask" moved most (missing 100 % → 0 %, score — → 100 %): first, against version 1;
        // "close" did not move (50 % → 50 %), against version 2.
        let keys: Vec<(&str, i32)> = change
            .steps
            .iter()
            .map(|s| (s.key.as_str(), s.before.version))
            .collect();
        assert_eq!(keys, [("ask", 1), ("close", 2)]);
        assert_eq!(change.steps[0].after.missing_change, Some(-1.0));
        assert_eq!(change.steps[1].after.score_change, Some(0.0));
    }
}
