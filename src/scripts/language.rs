//! The language a script's calls are in. It routes them: the draw offers a call only to
//! reviewers of its language (see `crate::languages`). Changing it moves the script's calls
//! that wait in the pool to the new language's part at once, every shard locked, so no
//! draw sees them in both or in neither.

use diesel::prelude::*;

use super::ScriptError;
use crate::assignments::pool;
use crate::db::DbConnection;
use crate::db::ids::{RecordingId, ScriptId, UserId};
use crate::db::schema::{assignment_pool, recordings, script_versions, scripts};
use crate::languages::CallLanguage;

/// The language of a script that is not archived.
pub fn load(conn: &mut DbConnection, id: &ScriptId) -> Result<CallLanguage, ScriptError> {
    let code: String = scripts::table
        .find(id)
        .filter(scripts::archived.eq(false))
        .select(scripts::language)
        .first(conn)?;
    Ok(CallLanguage::stored(&code))
}

/// Sets the script's language (`raw`, a code; an unknown one is a problem of the field
/// `language`) and re-routes its calls waiting in the pool; audited when it changes.
pub fn save(
    conn: &mut DbConnection,
    by: &UserId,
    id: &ScriptId,
    raw: &str,
) -> Result<CallLanguage, ScriptError> {
    let language = CallLanguage::check("language", raw)?;
    conn.write_transaction(|conn| {
        // Every shard first (its calls may be in any), as every change of the pool locks
        // the shards it changes before anything else.
        let mut locked = pool::lock_all(conn)?;
        let before = load(conn, id)?;
        if before == language {
            return Ok(language);
        }
        diesel::update(scripts::table.find(id))
            .set(scripts::language.eq(language.code()))
            .execute(conn)?;
        let pooled: Vec<RecordingId> = assignment_pool::table
            .inner_join(recordings::table.inner_join(script_versions::table))
            .filter(script_versions::script_id.eq(id))
            .select(assignment_pool::recording_id)
            .load(conn)?;
        for recording_id in &pooled {
            pool::refresh_locked(conn, &mut locked, recording_id)?;
        }
        crate::audit::record(
            conn,
            Some(by),
            "script.language",
            "script",
            id.as_str(),
            serde_json::json!({"from": before, "to": language, "calls_moved": pooled.len()}),
        )?;
        Ok(language)
    })
}
