//! Scripts: the checklists reviewers grade against. A script has a name and a line of
//! published versions; a version is immutable once published (the database refuses to change
//! it, see the `published_versions_immutable` migration), so a call graded against version 3
//! is read against exactly the steps it was graded on. A step keeps its `key` when reworded
//! or moved, so statistics and gaps follow it from version to version.
//!
//! - [`validate`]: the rules for names, steps, keys and notes (pure);
//! - [`diff`]: what changed between two versions (pure);
//! - [`draft`]: the owner's unpublished edit, kept between page loads;
//! - [`language`]: the language a script's calls are in, which routes them to reviewers;
//! - [`transfer`]: the JSON export/import format.

pub mod diff;
pub mod draft;
pub mod language;
pub mod overlap;
pub mod transfer;
pub mod validate;

use std::collections::HashSet;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::ids::{ScriptId, ScriptVersionId, StepId, UserId};
use crate::db::schema::{script_drafts, script_versions, scripts, steps};
use crate::db::time::{Timestamp, now};
use crate::db::{DbError, is_unique_violation};
use crate::gaps::{self, GapError};
use crate::languages::CallLanguage;
use crate::validation::FieldProblem;
use validate::{CleanStep, KeyRule, StepInput};

#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("no such script or version")]
    NotFound,
    /// Someone else published a version at the same moment.
    #[error("another version was published at the same time")]
    VersionConflict,
    /// Refining from the gap queue: a chosen gap is unknown or no longer open.
    #[error(transparent)]
    Gap(#[from] GapError),
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(ScriptError);

/// One step of a published version.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = steps)]
pub struct Step {
    pub id: StepId,
    #[diesel(column_name = step_key)]
    pub key: String,
    pub position: i32,
    pub title: String,
    pub say: String,
    pub guidance: String,
    /// An `incorrect` consensus on it fails the call (score 0).
    pub critical: bool,
    /// It may not come up: reviewers may say `did_not_arise`.
    pub optional: bool,
    /// Its weight in the score; `None`: not weighed (counts as 1 when others are).
    pub weight: Option<i32>,
}

/// A published version with its steps in order. Its JSON never changes once published.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub id: ScriptVersionId,
    pub number: i32,
    pub notes: String,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub published_at: Timestamp,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct VersionSummary {
    pub number: i32,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub published_at: Timestamp,
    pub notes: String,
}

/// A script with its current version and the list of all versions, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct Script {
    pub id: ScriptId,
    pub name: String,
    /// The language the script's calls are in (a code of `crate::languages`).
    pub language: CallLanguage,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
    /// The current (latest) version; `null` until the first is published.
    pub version: Option<Version>,
    pub versions: Vec<VersionSummary>,
}

/// A line of the script list.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptListItem {
    pub id: ScriptId,
    pub name: String,
    /// The current version's number; `null` until the first is published.
    pub version: Option<i32>,
    pub step_count: i64,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub published_at: Option<Timestamp>,
    pub has_draft: bool,
}

/// The latest published version of a script (id and number); `None` when the script does
/// not exist, is archived or has no version yet.
pub fn current_version(
    conn: &mut DbConnection,
    script_id: &ScriptId,
) -> QueryResult<Option<(ScriptVersionId, i32)>> {
    script_versions::table
        .inner_join(scripts::table)
        .filter(scripts::id.eq(script_id))
        .filter(scripts::archived.eq(false))
        .order(script_versions::number.desc())
        .select((script_versions::id, script_versions::number))
        .first(conn)
        .optional()
}

/// Every key any version of the script has used: a step sent with one of these keeps it.
pub fn known_keys(conn: &mut DbConnection, script_id: &ScriptId) -> QueryResult<HashSet<String>> {
    let keys: Vec<String> = steps::table
        .inner_join(script_versions::table)
        .filter(script_versions::script_id.eq(script_id))
        .select(steps::step_key)
        .distinct()
        .load(conn)?;
    Ok(keys.into_iter().collect())
}

/// The latest wording of the step with `key` (in `script`, or in whichever script last used
/// the key); `None` when no version has it.
pub fn step_title(
    conn: &mut DbConnection,
    script: Option<&ScriptId>,
    key: &str,
) -> QueryResult<Option<String>> {
    let mut query = steps::table
        .inner_join(script_versions::table)
        .filter(steps::step_key.eq(key))
        .into_boxed();
    if let Some(script) = script {
        query = query.filter(script_versions::script_id.eq(script));
    }
    query
        .order((
            script_versions::published_at.desc(),
            script_versions::number.desc(),
        ))
        .select(steps::title)
        .first(conn)
        .optional()
}

/// Creates a script and publishes its version 1; its calls are in `language` (a code,
/// checked; [`CallLanguage::DEFAULT`] when `None`).
pub fn create(
    conn: &mut DbConnection,
    by: &UserId,
    name: &str,
    steps: &[StepInput],
    language: Option<&str>,
) -> Result<Script, ScriptError> {
    let language = language.map(|raw| CallLanguage::check("language", raw));
    create_with(
        conn,
        by,
        name,
        steps,
        KeyRule::Known(&HashSet::new()),
        "",
        language,
    )
}

/// Creates a script from checked input; `rule` decides whether the steps may bring keys.
pub(crate) fn create_with(
    conn: &mut DbConnection,
    by: &UserId,
    name: &str,
    steps: &[StepInput],
    rule: KeyRule<'_>,
    notes: &str,
    language: Option<Result<CallLanguage, FieldProblem>>,
) -> Result<Script, ScriptError> {
    let name = validate::check_name(name);
    let steps = validate::check_steps(steps, rule);
    let language = language.unwrap_or(Ok(CallLanguage::DEFAULT));
    let (name, steps, language) = match (name, steps, language) {
        (Ok(name), Ok(steps), Ok(language)) => (name, steps, language),
        (name, steps, language) => {
            let mut problems: Vec<FieldProblem> = name.err().into_iter().collect();
            problems.extend(steps.err().unwrap_or_default());
            problems.extend(language.err());
            return Err(ScriptError::Invalid(problems));
        }
    };
    conn.write_transaction(|conn| {
        let id = insert_script(conn, by, &name, language)?;
        insert_version(conn, by, &id, 1, notes, &steps)?;
        crate::audit::record(
            conn,
            Some(by),
            "script.create",
            "script",
            id.as_str(),
            serde_json::json!({"name": name, "steps": steps.len(), "language": language}),
        )?;
        load(conn, &id)
    })
}

/// Creates a script with no version yet (the editor page starts this way: the owner names
/// it, writes the steps as a draft and publishes when ready).
pub fn create_unpublished(
    conn: &mut DbConnection,
    by: &UserId,
    name: &str,
) -> Result<ScriptId, ScriptError> {
    let name = validate::check_name(name)?;
    conn.write_transaction(|conn| {
        let id = insert_script(conn, by, &name, CallLanguage::DEFAULT)?;
        crate::audit::record(
            conn,
            Some(by),
            "script.create",
            "script",
            id.as_str(),
            serde_json::json!({"name": name}),
        )?;
        Ok(id)
    })
}

fn insert_script(
    conn: &mut DbConnection,
    by: &UserId,
    name: &str,
    language: CallLanguage,
) -> Result<ScriptId, ScriptError> {
    let id = ScriptId::random();
    let bounds = overlap::ReviewBounds::for_new(&crate::org_settings::OrgSettings::load(conn)?);
    diesel::insert_into(scripts::table)
        .values((
            scripts::id.eq(&id),
            scripts::name.eq(name),
            scripts::created_by.eq(by),
            scripts::created_at.eq(now()),
            scripts::archived.eq(false),
            scripts::min_reviews.eq(bounds.min_reviews),
            scripts::max_reviews.eq(bounds.max_reviews),
            scripts::language.eq(language.code()),
        ))
        .execute(conn)?;
    Ok(id)
}

fn insert_version(
    conn: &mut DbConnection,
    by: &UserId,
    script_id: &ScriptId,
    number: i32,
    notes: &str,
    steps: &[CleanStep],
) -> Result<ScriptVersionId, ScriptError> {
    let version_id = ScriptVersionId::random();
    diesel::insert_into(script_versions::table)
        .values((
            script_versions::id.eq(&version_id),
            script_versions::script_id.eq(script_id),
            script_versions::number.eq(number),
            script_versions::notes.eq(notes),
            script_versions::published_by.eq(by),
            script_versions::published_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| {
            if is_unique_violation(&e) {
                ScriptError::VersionConflict
            } else {
                e.into()
            }
        })?;
    let rows: Vec<_> = steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            (
                steps::id.eq(StepId::random()),
                steps::version_id.eq(&version_id),
                steps::step_key.eq(&step.key),
                steps::position.eq(index as i32 + 1),
                steps::title.eq(&step.title),
                steps::say.eq(&step.say),
                steps::guidance.eq(&step.guidance),
                steps::critical.eq(step.critical),
                steps::optional.eq(step.optional),
                steps::weight.eq(step.weight),
            )
        })
        .collect();
    // One statement per step keeps every backend's bind-parameter limit out of the way.
    for row in rows {
        diesel::insert_into(steps::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(version_id)
}

/// What publishing a new version takes.
#[derive(Debug, Clone, Default)]
pub struct NewVersion {
    pub steps: Vec<StepInput>,
    pub notes: Option<String>,
    /// Gaps of this script the new version answers; they are marked resolved by it.
    pub resolves_gaps: Vec<String>,
    /// A new name for the script, when the editor changed it.
    pub rename: Option<String>,
}

/// Publishes version N+1 of a script. Earlier versions are untouched; the script's draft, if
/// any, is discarded; the listed gaps are marked resolved by the new version.
pub fn publish(
    conn: &mut DbConnection,
    by: &UserId,
    script_id: &ScriptId,
    new: &NewVersion,
) -> Result<Version, ScriptError> {
    conn.write_transaction(|conn| {
        let exists: i64 = scripts::table
            .filter(scripts::id.eq(script_id))
            .filter(scripts::archived.eq(false))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            return Err(ScriptError::NotFound);
        }
        let known = known_keys(conn, script_id)?;
        let mut problems = Vec::new();
        let name = new
            .rename
            .as_deref()
            .map(validate::check_name)
            .transpose()
            .map_err(|p| problems.push(p))
            .ok()
            .flatten();
        let steps = validate::check_steps(&new.steps, KeyRule::Known(&known))
            .map_err(|p| problems.extend(p))
            .ok();
        let notes = validate::check_notes(new.notes.as_deref())
            .map_err(|p| problems.push(p))
            .ok();
        let gap_ids = gaps::resolvable(conn, script_id, &new.resolves_gaps, &mut problems)?;
        let (Some(steps), Some(notes), true) = (steps, notes, problems.is_empty()) else {
            return Err(ScriptError::Invalid(problems));
        };

        let latest: Option<i32> = script_versions::table
            .filter(script_versions::script_id.eq(script_id))
            .select(diesel::dsl::max(script_versions::number))
            .first(conn)?;
        let number = latest.unwrap_or(0) + 1;
        let version_id = insert_version(conn, by, script_id, number, &notes, &steps)?;
        if let Some(name) = &name {
            diesel::update(scripts::table.find(script_id))
                .set(scripts::name.eq(name))
                .execute(conn)?;
        }
        gaps::resolve(conn, by, &gap_ids, &version_id)?;
        diesel::delete(script_drafts::table.find(script_id)).execute(conn)?;
        crate::audit::record(
            conn,
            Some(by),
            "script.publish",
            "script",
            script_id.as_str(),
            serde_json::json!({"version": number, "steps": steps.len(), "resolves_gaps": gap_ids}),
        )?;
        load_version(conn, script_id, number)
    })
}

/// A script with its current version and version list.
pub fn load(conn: &mut DbConnection, id: &ScriptId) -> Result<Script, ScriptError> {
    let (id, name, created_at, language): (ScriptId, String, Timestamp, String) = scripts::table
        .find(id)
        .filter(scripts::archived.eq(false))
        .select((
            scripts::id,
            scripts::name,
            scripts::created_at,
            scripts::language,
        ))
        .first(conn)?;
    let versions: Vec<VersionSummary> = script_versions::table
        .filter(script_versions::script_id.eq(&id))
        .order(script_versions::number.desc())
        .select((
            script_versions::number,
            script_versions::published_at,
            script_versions::notes,
        ))
        .load(conn)?;
    let version = match versions.first() {
        Some(latest) => Some(load_version(conn, &id, latest.number)?),
        None => None,
    };
    Ok(Script {
        id,
        name,
        language: CallLanguage::stored(&language),
        created_at,
        version,
        versions,
    })
}

/// Version `number` of a script, with its steps in order.
pub fn load_version(
    conn: &mut DbConnection,
    script_id: &ScriptId,
    number: i32,
) -> Result<Version, ScriptError> {
    let (id, notes, published_at): (ScriptVersionId, String, Timestamp) = script_versions::table
        .filter(script_versions::script_id.eq(script_id))
        .filter(script_versions::number.eq(number))
        .select((
            script_versions::id,
            script_versions::notes,
            script_versions::published_at,
        ))
        .first(conn)?;
    let steps = version_steps(conn, &id)?;
    Ok(Version {
        id,
        number,
        notes,
        published_at,
        steps,
    })
}

/// The steps of a version, in order.
pub fn version_steps(
    conn: &mut DbConnection,
    version_id: &ScriptVersionId,
) -> QueryResult<Vec<Step>> {
    steps::table
        .filter(steps::version_id.eq(version_id))
        .order(steps::position.asc())
        .select(Step::as_select())
        .load(conn)
}

/// Every script that is not archived, by name.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ScriptListItem>> {
    let rows: Vec<(ScriptId, String)> = scripts::table
        .filter(scripts::archived.eq(false))
        .order(scripts::name.asc())
        .select((scripts::id, scripts::name))
        .load(conn)?;
    let drafts: HashSet<ScriptId> = script_drafts::table
        .select(script_drafts::script_id)
        .load::<ScriptId>(conn)?
        .into_iter()
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for (id, name) in rows {
        let latest: Option<(ScriptVersionId, i32, Timestamp)> = script_versions::table
            .filter(script_versions::script_id.eq(&id))
            .order(script_versions::number.desc())
            .select((
                script_versions::id,
                script_versions::number,
                script_versions::published_at,
            ))
            .first(conn)
            .optional()?;
        let step_count = match &latest {
            Some((version_id, ..)) => steps::table
                .filter(steps::version_id.eq(version_id))
                .count()
                .get_result(conn)?,
            None => 0,
        };
        items.push(ScriptListItem {
            has_draft: drafts.contains(&id),
            version: latest.as_ref().map(|l| l.1),
            published_at: latest.map(|l| l.2),
            step_count,
            id,
            name,
        });
    }
    Ok(items)
}
