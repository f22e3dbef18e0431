//! Operator records: the people on the company side of calls. A record exists before (and
//! without) a login; an operator account links to exactly one record.

use diesel::prelude::*;
use serde::Serialize;

use super::AccountError;
use crate::db::DbConnection;
use crate::db::ids::{OperatorId, UserId};
use crate::db::schema::{operators, users};
use crate::db::time::{Timestamp, now};
use crate::validation::FieldProblem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = operators)]
pub struct OperatorRecord {
    pub id: OperatorId,
    pub name: String,
    pub external_id: Option<String>,
    pub active: bool,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
}

/// An operator record with whether someone has logged in for it.
#[derive(Debug, Clone, Serialize)]
pub struct OperatorView {
    #[serde(flatten)]
    pub record: OperatorRecord,
    pub has_login: bool,
}

impl OperatorRecord {
    /// Creates a record; the optional external id (an extension number, a CRM id) is unique.
    pub fn create(
        conn: &mut DbConnection,
        name: &str,
        external_id: Option<&str>,
    ) -> Result<OperatorRecord, AccountError> {
        let name = super::name::parse_display_name("name", name);
        let external_id = external_id.map(str::trim).filter(|s| !s.is_empty());
        let mut problems = Vec::new();
        if let Err(p) = &name {
            problems.push(p.clone());
        }
        if external_id.is_some_and(|e| e.chars().count() > 100) {
            problems.push(FieldProblem::new("external_id", "too_long").with("max", 100));
        }
        let name = match name {
            Ok(name) if problems.is_empty() => name,
            _ => return Err(AccountError::Invalid(problems)),
        };
        let record = OperatorRecord {
            id: OperatorId::random(),
            name,
            external_id: external_id.map(str::to_owned),
            active: true,
            created_at: now(),
        };
        diesel::insert_into(operators::table)
            .values((
                operators::id.eq(&record.id),
                operators::name.eq(&record.name),
                operators::external_id.eq(&record.external_id),
                operators::active.eq(true),
                operators::created_at.eq(record.created_at),
            ))
            .execute(conn)
            .map_err(|e| {
                if crate::db::is_unique_violation(&e) {
                    AccountError::from(FieldProblem::new("external_id", "external_id_taken"))
                } else {
                    e.into()
                }
            })?;
        Ok(record)
    }

    /// Gives a record a new name, checked as at creation. Calls, reviews and the login stay
    /// attached to the record's id, so history simply shows the new name. The change is
    /// written to the audit log with the name it replaced; a name that does not change
    /// writes nothing. Two renames at once: the later one wins, each logs what it replaced.
    pub fn rename(
        conn: &mut DbConnection,
        by: &UserId,
        id: &OperatorId,
        name: &str,
    ) -> Result<OperatorRecord, AccountError> {
        let name = super::name::parse_display_name("name", name)?;
        conn.write_transaction(|conn| {
            // A write that changes nothing takes the row's lock first (PostgreSQL; SQLite's
            // write transaction already holds the database's), so the name read next is the
            // one this rename replaces, not one a concurrent rename is about to replace.
            let found = diesel::update(operators::table.find(id))
                .set(operators::name.eq(operators::name))
                .execute(conn)?;
            if found == 0 {
                return Err(AccountError::NotFound);
            }
            let before = OperatorRecord::find(conn, id)?.ok_or(AccountError::NotFound)?;
            if before.name == name {
                return Ok(before);
            }
            diesel::update(operators::table.find(id))
                .set(operators::name.eq(&name))
                .execute(conn)?;
            crate::audit::record(
                conn,
                Some(by),
                "operator.rename",
                "operator",
                id.as_str(),
                serde_json::json!({"from": before.name, "to": name}),
            )?;
            Ok(OperatorRecord { name, ..before })
        })
    }

    pub fn exists(conn: &mut DbConnection, id: &OperatorId) -> QueryResult<bool> {
        let count: i64 = operators::table.find(id).count().get_result(conn)?;
        Ok(count > 0)
    }

    pub fn find(conn: &mut DbConnection, id: &OperatorId) -> QueryResult<Option<OperatorRecord>> {
        operators::table
            .find(id)
            .select(OperatorRecord::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_external_id(
        conn: &mut DbConnection,
        external_id: &str,
    ) -> QueryResult<Option<OperatorRecord>> {
        operators::table
            .filter(operators::external_id.eq(external_id))
            .select(OperatorRecord::as_select())
            .first(conn)
            .optional()
    }

    /// All records by name, each with whether it has a login.
    pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<OperatorView>> {
        let records = operators::table
            .order(operators::name.asc())
            .select(OperatorRecord::as_select())
            .load(conn)?;
        let linked: Vec<Option<OperatorId>> = users::table
            .filter(users::operator_id.is_not_null())
            .select(users::operator_id)
            .load(conn)?;
        Ok(records
            .into_iter()
            .map(|record| OperatorView {
                has_login: linked.iter().flatten().any(|id| *id == record.id),
                record,
            })
            .collect())
    }
}
