//! The owner's unpublished edit of a script, one per script, kept as JSON so the editor page
//! (which works without JavaScript: every button is a form post) survives reloads and
//! interruptions. A draft may be incomplete (empty titles); it only has to fit the limits.
//! Publishing checks it fully and discards it.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::validate::{self, KeyRule, StepInput};
use super::{Script, ScriptError};
use crate::db::ids::{GapId, ScriptId};
use crate::db::schema::script_drafts;
use crate::db::time::{Timestamp, now};
use crate::db::{DbConnection, execute_upsert};
use crate::gaps;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub name: String,
    pub steps: Vec<StepInput>,
    #[serde(default)]
    pub notes: String,
    /// Gaps this draft answers: publishing it resolves them.
    #[serde(default)]
    pub resolves_gaps: Vec<String>,
    /// The step the owner came to change (from the gap queue), highlighted in the editor.
    #[serde(default)]
    pub focus_key: Option<String>,
}

impl Draft {
    /// Where editing starts when there is no draft: the current version as it stands (or one
    /// empty step for a script that has none yet).
    pub fn from_script(script: &Script) -> Draft {
        let steps = match &script.version {
            Some(version) => version.steps.iter().map(StepInput::from).collect(),
            None => vec![StepInput::default()],
        };
        Draft {
            name: script.name.clone(),
            steps,
            ..Draft::default()
        }
    }
}

/// The saved draft of a script and when it was saved.
pub fn load(
    conn: &mut DbConnection,
    script_id: &ScriptId,
) -> QueryResult<Option<(Draft, Timestamp)>> {
    let row: Option<(String, Timestamp)> = script_drafts::table
        .find(script_id)
        .select((script_drafts::body, script_drafts::updated_at))
        .first(conn)
        .optional()?;
    // A draft that no longer parses (written by another release) is treated as absent.
    Ok(row.and_then(|(body, at)| serde_json::from_str(&body).ok().map(|d| (d, at))))
}

/// Saves the draft, replacing the previous one. Only the size limits apply here; an empty
/// title is fine until publishing.
pub fn save(
    conn: &mut DbConnection,
    script_id: &ScriptId,
    draft: &Draft,
) -> Result<(), ScriptError> {
    let mut problems: Vec<_> = validate::check_steps(&draft.steps, KeyRule::AnyWellFormed)
        .err()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| matches!(p.code, "too_long" | "too_many"))
        .collect();
    for check in [
        validate::check_notes(Some(&draft.notes)).err(),
        validate::check_name(&draft.name)
            .err()
            .filter(|p| p.code == "too_long"),
    ] {
        problems.extend(check);
    }
    if !problems.is_empty() {
        return Err(ScriptError::Invalid(problems));
    }
    let body = serde_json::to_string(draft).expect("a draft is plain strings and always encodes");
    // One statement, so two saves at once cannot both find no draft and both insert one.
    let saved_at = now();
    execute_upsert(
        conn,
        diesel::insert_into(script_drafts::table)
            .values((
                script_drafts::script_id.eq(script_id),
                script_drafts::body.eq(&body),
                script_drafts::updated_at.eq(saved_at),
            ))
            .on_conflict(script_drafts::script_id)
            .do_update()
            .set((
                script_drafts::body.eq(&body),
                script_drafts::updated_at.eq(saved_at),
            )),
    )?;
    Ok(())
}

pub fn discard(conn: &mut DbConnection, script_id: &ScriptId) -> QueryResult<()> {
    diesel::delete(script_drafts::table.find(script_id))
        .execute(conn)
        .map(|_| ())
}

/// "Refine the script" from the gap queue: attaches the chosen gaps (all of one script, open
/// or accepted) to the script's draft — started from the current version when there is
/// none — and points the editor at their step. Returns the script and the 1-based position
/// of that step.
pub fn refine(conn: &mut DbConnection, ids: &[GapId]) -> Result<(ScriptId, usize), ScriptError> {
    conn.write_transaction(|conn| {
        let chosen = gaps::refinable(conn, ids)?;
        let script_id = chosen[0].script_id.clone();
        let mut draft = match load(conn, &script_id)? {
            Some((draft, _)) => draft,
            None => Draft::from_script(&super::load(conn, &script_id)?),
        };
        for gap in &chosen {
            if !draft.resolves_gaps.iter().any(|g| g == gap.id.as_str()) {
                draft.resolves_gaps.push(gap.id.to_string());
            }
        }
        let key = chosen[0].step_key.clone();
        let position = draft
            .steps
            .iter()
            .position(|s| s.key.as_deref() == Some(key.as_str()))
            .map_or(1, |i| i + 1);
        draft.focus_key = Some(key);
        save(conn, &script_id, &draft)?;
        Ok((script_id, position))
    })
}
