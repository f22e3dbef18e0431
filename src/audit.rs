//! The audit log: who changed what, when. Rows are only ever inserted, in the same
//! transaction as the change they describe, so the log and the data cannot disagree.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::ids::{AuditId, UserId};
use crate::db::schema::audit_log;
use crate::db::time::now;

/// Records `action` (e.g. `script.publish`) on one object, with details as JSON.
pub fn record(
    conn: &mut DbConnection,
    actor: Option<&UserId>,
    action: &str,
    object_type: &str,
    object_id: &str,
    details: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(AuditId::random()),
            audit_log::at.eq(now()),
            audit_log::actor_id.eq(actor),
            audit_log::action.eq(action),
            audit_log::object_type.eq(object_type),
            audit_log::object_id.eq(object_id),
            audit_log::details.eq(details.to_string()),
        ))
        .execute(conn)
        .map(|_| ())
}
