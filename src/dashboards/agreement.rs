//! How far reviewers agree on a script's steps: Krippendorff's alpha (nominal, the verdict
//! words; see [`crate::reviews::agreement`]) per step key and over all steps, for one
//! version or for every version of the script.
//!
//! A unit is one step of one call; its values are the verdicts of the call's counted
//! reviews (accepted, not of a gold call: [`crate::reviews::counted`]), its coders the
//! reviewers. Only calls with at least two counted reviews enter. A step's title is the one
//! in the chosen version, else in the latest version that has the key. The figures for
//! every script (the gap queue's "step unclear" items) come from the same three queries as
//! those for one.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;
use serde::Serialize;

use super::DashboardError;
use crate::db::DbConnection;
use crate::db::ids::{RecordingId, ReviewId, ScriptId, ScriptVersionId};
use crate::db::schema::{reviews, script_versions, scripts, steps, verdicts};
use crate::reviews::agreement::{Agreement, nominal_alpha};
use crate::reviews::counted;

/// One step key's agreement.
#[derive(Debug, Clone, Serialize)]
pub struct StepAgreement {
    pub step_key: String,
    pub title: String,
    /// `null` when undefined: no call with two reviews of the step, or every value alike.
    pub alpha: Option<f64>,
    /// Pairable values: verdicts on the step in calls with at least two counted reviews.
    pub values: usize,
    /// Low on enough values ([`Agreement::is_low`]): the step's guidance needs work.
    #[serde(skip)]
    pub low: bool,
    /// The step's 1-based place in the chosen (else latest) version; `None` for a key only
    /// older versions have.
    #[serde(skip)]
    pub place: Option<usize>,
}

/// A script's agreement: over all its steps (every unit pooled) and step by step, in the
/// order of the chosen (else the latest) version, keys only older versions have after.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptAgreement {
    pub overall: Agreement,
    pub steps: Vec<StepAgreement>,
}

/// A step of some script with low agreement, for the gap queue.
#[derive(Debug, Clone, Serialize)]
pub struct UnclearStep {
    pub script_id: ScriptId,
    pub script_name: String,
    pub step: StepAgreement,
}

/// A step as some version has it.
struct StepRow {
    script: ScriptId,
    number: i32,
    position: i32,
    key: String,
    title: String,
}

/// One counted verdict.
struct VerdictRow {
    script: ScriptId,
    recording: RecordingId,
    review: ReviewId,
    key: String,
    verdict: String,
}

fn step_rows(conn: &mut DbConnection, scripts_wanted: &[ScriptId]) -> QueryResult<Vec<StepRow>> {
    let rows: Vec<(ScriptId, i32, i32, String, String)> = steps::table
        .inner_join(script_versions::table)
        .filter(script_versions::script_id.eq_any(scripts_wanted))
        .select((
            script_versions::script_id,
            script_versions::number,
            steps::position,
            steps::step_key,
            steps::title,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(script, number, position, key, title)| StepRow {
            script,
            number,
            position,
            key,
            title,
        })
        .collect())
}

fn verdict_rows(
    conn: &mut DbConnection,
    scripts_wanted: &[ScriptId],
    version: Option<&ScriptVersionId>,
) -> QueryResult<Vec<VerdictRow>> {
    let mut query = verdicts::table
        .inner_join(reviews::table)
        .inner_join(script_versions::table.on(script_versions::id.eq(reviews::script_version_id)))
        .filter(counted())
        .filter(script_versions::script_id.eq_any(scripts_wanted))
        .select((
            script_versions::script_id,
            reviews::recording_id,
            reviews::id,
            verdicts::step_key,
            verdicts::verdict,
        ))
        .into_boxed();
    if let Some(version) = version {
        query = query.filter(reviews::script_version_id.eq(version));
    }
    let rows: Vec<(ScriptId, RecordingId, ReviewId, String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(script, recording, review, key, verdict)| VerdictRow {
            script,
            recording,
            review,
            key,
            verdict,
        })
        .collect())
}

/// The figures of one script from its steps and counted verdicts; `version` is the chosen
/// version's number (its steps give the order and titles).
fn figures(steps: &[&StepRow], verdicts: &[&VerdictRow], version: Option<i32>) -> ScriptAgreement {
    // Calls with at least two counted reviews.
    let mut reviews_of: HashMap<&RecordingId, HashSet<&ReviewId>> = HashMap::new();
    for row in verdicts {
        reviews_of
            .entry(&row.recording)
            .or_default()
            .insert(&row.review);
    }
    // Units by step key, then by call: the verdict words given.
    let mut units: BTreeMap<&str, BTreeMap<&RecordingId, Vec<&str>>> = BTreeMap::new();
    for row in verdicts {
        if reviews_of.get(&row.recording).map_or(0, HashSet::len) < 2 {
            continue;
        }
        units
            .entry(&row.key)
            .or_default()
            .entry(&row.recording)
            .or_default()
            .push(&row.verdict);
    }
    // The step list: the chosen (else latest) version's steps in order, then the keys only
    // older versions have, where reviews graded them; titles from the newest version having
    // the key.
    let latest = version.or_else(|| steps.iter().map(|s| s.number).max());
    let mut ordered: Vec<&StepRow> = steps.to_vec();
    ordered.sort_by_key(|s| (Some(s.number) != latest, -s.number, s.position));
    let mut seen: HashSet<&str> = HashSet::new();
    let mut lines = Vec::new();
    for step in ordered {
        let in_chosen = Some(step.number) == latest;
        if !seen.insert(&step.key) || (!in_chosen && !units.contains_key(step.key.as_str())) {
            continue;
        }
        let step_units: Vec<&Vec<&str>> = units
            .get(step.key.as_str())
            .map(|by_call| by_call.values().collect())
            .unwrap_or_default();
        let agreement = nominal_alpha(&step_units);
        lines.push(StepAgreement {
            step_key: step.key.clone(),
            title: step.title.clone(),
            alpha: agreement.alpha,
            values: agreement.values,
            low: agreement.is_low(),
            place: in_chosen.then_some(lines.len() + 1),
        });
    }
    let all: Vec<&Vec<&str>> = units
        .values()
        .flat_map(|by_call| by_call.values())
        .collect();
    ScriptAgreement {
        overall: nominal_alpha(&all),
        steps: lines,
    }
}

/// The agreement on a script's steps, over version `version` (a number) or every version.
/// `NotFound` for an unknown or archived script or an unknown version.
pub fn load(
    conn: &mut DbConnection,
    script_id: &ScriptId,
    version: Option<i32>,
) -> Result<ScriptAgreement, DashboardError> {
    let known = scripts::table
        .find(script_id)
        .filter(scripts::archived.eq(false))
        .select(scripts::id)
        .first::<ScriptId>(conn)
        .optional()
        .map_err(crate::db::DbError::from)?;
    if known.is_none() {
        return Err(DashboardError::NotFound);
    }
    let version_id = match version {
        None => None,
        Some(number) => Some(
            script_versions::table
                .filter(script_versions::script_id.eq(script_id))
                .filter(script_versions::number.eq(number))
                .select(script_versions::id)
                .first::<ScriptVersionId>(conn)
                .optional()
                .map_err(crate::db::DbError::from)?
                .ok_or(DashboardError::NotFound)?,
        ),
    };
    let wanted = [script_id.clone()];
    let steps = step_rows(conn, &wanted).map_err(crate::db::DbError::from)?;
    let verdicts =
        verdict_rows(conn, &wanted, version_id.as_ref()).map_err(crate::db::DbError::from)?;
    Ok(figures(
        &steps.iter().collect::<Vec<_>>(),
        &verdicts.iter().collect::<Vec<_>>(),
        version,
    ))
}

/// The steps of every script (not archived) whose agreement over all versions is low, by
/// script name then step order.
pub fn unclear_steps(conn: &mut DbConnection) -> QueryResult<Vec<UnclearStep>> {
    let named: Vec<(ScriptId, String)> = scripts::table
        .filter(scripts::archived.eq(false))
        .order((scripts::name.asc(), scripts::id.asc()))
        .select((scripts::id, scripts::name))
        .load(conn)?;
    let ids: Vec<ScriptId> = named.iter().map(|(id, _)| id.clone()).collect();
    let steps = step_rows(conn, &ids)?;
    let verdicts = verdict_rows(conn, &ids, None)?;
    let mut out = Vec::new();
    for (id, name) in named {
        let mine: Vec<&StepRow> = steps.iter().filter(|s| s.script == id).collect();
        let theirs: Vec<&VerdictRow> = verdicts.iter().filter(|v| v.script == id).collect();
        if theirs.is_empty() {
            continue;
        }
        for step in figures(&mine, &theirs, None).steps {
            if step.low {
                out.push(UnclearStep {
                    script_id: id.clone(),
                    script_name: name.clone(),
                    step,
                });
            }
        }
    }
    Ok(out)
}
