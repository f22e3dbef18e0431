//! The PBX's extension numbers and employee ids, mapped to operators on the People page. A
//! call that names an unmapped extension waits in the "needs an operator" list; mapping the
//! extension sends every such waiting call on (see [`super::inbound::release_waiting`]).

use diesel::prelude::*;
use serde::Serialize;

use super::IngestError;
use crate::accounts::operators::OperatorRecord;
use crate::db::DbConnection;
use crate::db::ids::{OperatorId, UserId};
use crate::db::ingest_schema::operator_extensions;
use crate::db::schema::operators;
use crate::db::time::{Timestamp, now};
use crate::validation::FieldProblem;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = operator_extensions)]
pub struct Extension {
    pub extension: String,
    pub operator_id: OperatorId,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
}

/// The operator an extension stands for: a mapped extension, else an operator whose
/// external id is that extension (as `callqa import` matches file names).
pub fn resolve(conn: &mut DbConnection, extension: &str) -> QueryResult<Option<OperatorId>> {
    let mapped: Option<OperatorId> = operator_extensions::table
        .find(extension)
        .select(operator_extensions::operator_id)
        .first(conn)
        .optional()?;
    match mapped {
        Some(id) => Ok(Some(id)),
        None => Ok(OperatorRecord::find_by_external_id(conn, extension)?.map(|r| r.id)),
    }
}

/// Every mapping, by operator.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Extension>> {
    operator_extensions::table
        .order((
            operator_extensions::operator_id,
            operator_extensions::extension,
        ))
        .select(Extension::as_select())
        .load(conn)
}

/// Checks an extension as typed: trimmed, 1–64 characters.
pub fn parse(raw: &str) -> Result<String, FieldProblem> {
    let extension = raw.trim();
    if extension.is_empty() {
        return Err(FieldProblem::new("extension", "required"));
    }
    if extension.chars().count() > super::MAX_EXTENSION {
        return Err(FieldProblem::new("extension", "too_long").with("max", super::MAX_EXTENSION));
    }
    Ok(extension.to_owned())
}

/// Maps `extension` to `operator` and sends on the calls that waited for it; returns how
/// many were sent on. An extension already mapped elsewhere is refused (`taken`), to the
/// same operator it is a no-op.
pub fn map(
    conn: &mut DbConnection,
    owner: &UserId,
    operator: &OperatorId,
    raw: &str,
) -> Result<usize, IngestError> {
    let extension = parse(raw)?;
    conn.write_transaction(|conn| {
        let known = operators::table
            .find(operator)
            .select(operators::id)
            .first::<OperatorId>(conn)
            .optional()?;
        if known.is_none() {
            return Err(IngestError::NotFound);
        }
        let inserted = diesel::insert_into(operator_extensions::table)
            .values((
                operator_extensions::extension.eq(&extension),
                operator_extensions::operator_id.eq(operator),
                operator_extensions::created_at.eq(now()),
            ))
            .on_conflict_do_nothing();
        let inserted = crate::db::execute_upsert(conn, inserted)?;
        if inserted == 0 {
            let holder: OperatorId = operator_extensions::table
                .find(&extension)
                .select(operator_extensions::operator_id)
                .first(conn)?;
            if &holder != operator {
                return Err(FieldProblem::new("extension", "taken").into());
            }
        } else {
            crate::audit::record(
                conn,
                Some(owner),
                "extension.map",
                "operator",
                operator.as_str(),
                serde_json::json!({ "extension": extension }),
            )?;
        }
        super::inbound::release_waiting(conn, &extension, operator)
    })
}

/// Removes a mapping; calls already taken in keep their operator.
pub fn unmap(conn: &mut DbConnection, owner: &UserId, raw: &str) -> Result<(), IngestError> {
    let extension = parse(raw)?;
    conn.write_transaction(|conn| {
        let removed = diesel::delete(operator_extensions::table.find(&extension)).execute(conn)?;
        if removed == 0 {
            return Err(IngestError::NotFound);
        }
        crate::audit::record(
            conn,
            Some(owner),
            "extension.unmap",
            "extension",
            &extension,
            serde_json::json!({}),
        )?;
        Ok(())
    })
}
