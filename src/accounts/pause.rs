//! Pausing a reviewer: a paused reviewer keeps their login, history and the call they hold,
//! but is given no new call until an owner resumes them. The gold check pauses a reviewer
//! whose accuracy falls too low (`by` is `None` then); an owner may pause and resume by hand.
//! Every change is in the audit log; pausing a paused reviewer (or resuming an active one)
//! changes nothing and logs nothing.

use diesel::prelude::*;

use crate::accounts::{AccountError, Role};
use crate::audit;
use crate::db::DbConnection;
use crate::db::ids::UserId;
use crate::db::schema::users;
use crate::db::time::{Timestamp, now};

/// When the reviewer was paused; `None` when they are not (or are no reviewer).
pub fn paused_at(conn: &mut DbConnection, reviewer: &UserId) -> QueryResult<Option<Timestamp>> {
    Ok(users::table
        .find(reviewer)
        .select(users::paused_at)
        .first::<Option<Timestamp>>(conn)
        .optional()?
        .flatten())
}

/// Pauses the reviewer (inside the caller's transaction), with why in the audit log;
/// `false` when they were already paused; `NotFound` when `reviewer` is no reviewer.
pub fn pause(
    conn: &mut DbConnection,
    by: Option<&UserId>,
    reviewer: &UserId,
    details: serde_json::Value,
) -> Result<bool, AccountError> {
    if mark_paused(conn, by, reviewer, details)? {
        return Ok(true);
    }
    known_reviewer(conn, reviewer).map(|_| false)
}

/// [`pause`] for a reviewer known to exist: `false` when nothing changed.
pub fn mark_paused(
    conn: &mut DbConnection,
    by: Option<&UserId>,
    reviewer: &UserId,
    details: serde_json::Value,
) -> QueryResult<bool> {
    let changed = diesel::update(
        users::table
            .find(reviewer)
            .filter(users::role.eq(Role::Reviewer))
            .filter(users::paused_at.is_null()),
    )
    .set(users::paused_at.eq(now()))
    .execute(conn)?;
    if changed > 0 {
        audit::record(
            conn,
            by,
            "reviewer.pause",
            "user",
            reviewer.as_str(),
            details,
        )?;
    }
    Ok(changed > 0)
}

/// Resumes a paused reviewer: from now on the automatic pause judges only gold steps they
/// score after this moment. `false` when they were not paused.
pub fn resume(
    conn: &mut DbConnection,
    by: &UserId,
    reviewer: &UserId,
) -> Result<bool, AccountError> {
    conn.write_transaction(|conn| {
        let changed = diesel::update(
            users::table
                .find(reviewer)
                .filter(users::role.eq(Role::Reviewer))
                .filter(users::paused_at.is_not_null()),
        )
        .set((
            users::paused_at.eq(None::<Timestamp>),
            users::resumed_at.eq(now()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return known_reviewer(conn, reviewer).map(|_| false);
        }
        audit::record(
            conn,
            Some(by),
            "reviewer.resume",
            "user",
            reviewer.as_str(),
            serde_json::json!({}),
        )?;
        Ok(true)
    })
}

/// `NotFound` unless `id` is a reviewer's login.
fn known_reviewer(conn: &mut DbConnection, id: &UserId) -> Result<(), AccountError> {
    let role: Option<Role> = users::table
        .find(id)
        .select(users::role)
        .first(conn)
        .optional()?;
    match role {
        Some(Role::Reviewer) => Ok(()),
        _ => Err(AccountError::NotFound),
    }
}
