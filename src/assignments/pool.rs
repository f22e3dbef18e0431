//! The pool of recordings that can be handed out now, numbered densely `0..size`, so a
//! uniform draw costs one random number and one index lookup whatever the number of
//! recordings (a scan per request would not survive a million of them).
//!
//! Membership is derived, never edited by hand: [`refresh`] recomputes it for one recording
//! from the facts (status, reviews done, active leases) and is called in every transaction
//! that changes one of them. Removal moves the last entry into the hole, keeping the
//! numbering dense.

use diesel::prelude::*;

use super::AssignmentStatus;
use crate::db::DbConnection;
use crate::db::ids::RecordingId;
use crate::db::schema::{assignment_pool, assignment_pool_size, assignments, recordings};
use crate::recordings::status::RecordingStatus;

/// Review slots of a recording not taken by a counted review or an active lease (a gold
/// lease takes no slot).
pub fn free_slots(conn: &mut DbConnection, recording_id: &RecordingId) -> QueryResult<i64> {
    let (required, done): (i32, i32) = recordings::table
        .find(recording_id)
        .select((recordings::reviews_required, recordings::reviews_done))
        .first(conn)?;
    unleased(conn, recording_id, required, done)
}

/// Of `required` review slots with `done` filled, those no active lease holds.
fn unleased(
    conn: &mut DbConnection,
    recording_id: &RecordingId,
    required: i32,
    done: i32,
) -> QueryResult<i64> {
    let leased: i64 = assignments::table
        .filter(assignments::recording_id.eq(recording_id))
        .filter(assignments::status.eq(AssignmentStatus::Active))
        .filter(assignments::gold.eq(false))
        .count()
        .get_result(conn)?;
    Ok(i64::from(required) - i64::from(done) - leased)
}

/// Proof that this transaction holds the pool's lock, with the pool's size.
pub struct Locked {
    pub size: i32,
}

/// Takes the pool's lock (on PostgreSQL a row lock held to the end of the transaction; on
/// SQLite the write transaction already excludes other writers) and reads its size.
pub fn lock(conn: &mut DbConnection) -> QueryResult<Locked> {
    diesel::update(assignment_pool_size::table.find(1))
        .set(assignment_pool_size::size.eq(assignment_pool_size::size))
        .execute(conn)?;
    let size = assignment_pool_size::table
        .find(1)
        .select(assignment_pool_size::size)
        .first(conn)?;
    Ok(Locked { size })
}

/// The recording at a slot.
pub fn at(conn: &mut DbConnection, slot: i32) -> QueryResult<Option<RecordingId>> {
    assignment_pool::table
        .find(slot)
        .select(assignment_pool::recording_id)
        .first(conn)
        .optional()
}

/// Puts the recording in the pool when it is ready with a free slot, takes it out otherwise.
/// Call inside the transaction that changed it, after the change.
pub fn refresh(conn: &mut DbConnection, recording_id: &RecordingId) -> QueryResult<()> {
    let mut locked = lock(conn)?;
    refresh_locked(conn, &mut locked, recording_id)
}

/// [`refresh`] in a transaction that already holds the lock.
pub fn refresh_locked(
    conn: &mut DbConnection,
    locked: &mut Locked,
    recording_id: &RecordingId,
) -> QueryResult<()> {
    let recording: Option<(RecordingStatus, i32, i32)> = recordings::table
        .find(recording_id)
        .select((
            recordings::status,
            recordings::reviews_required,
            recordings::reviews_done,
        ))
        .first(conn)
        .optional()?;
    let belongs = match recording {
        Some((RecordingStatus::Ready, required, done)) => {
            unleased(conn, recording_id, required, done)? > 0
        }
        _ => false,
    };
    let slot: Option<i32> = assignment_pool::table
        .filter(assignment_pool::recording_id.eq(recording_id))
        .select(assignment_pool::slot)
        .first(conn)
        .optional()?;
    let size = locked.size;
    match (belongs, slot) {
        (true, None) => {
            diesel::insert_into(assignment_pool::table)
                .values((
                    assignment_pool::slot.eq(size),
                    assignment_pool::recording_id.eq(recording_id),
                ))
                .execute(conn)?;
            locked.size = size + 1;
            set_size(conn, size + 1)
        }
        (false, Some(hole)) => {
            let last = size - 1;
            diesel::delete(assignment_pool::table.find(hole)).execute(conn)?;
            if hole != last {
                diesel::update(assignment_pool::table.find(last))
                    .set(assignment_pool::slot.eq(hole))
                    .execute(conn)?;
            }
            locked.size = last;
            set_size(conn, last)
        }
        _ => Ok(()),
    }
}

fn set_size(conn: &mut DbConnection, size: i32) -> QueryResult<()> {
    diesel::update(assignment_pool_size::table.find(1))
        .set(assignment_pool_size::size.eq(size))
        .execute(conn)
        .map(|_| ())
}

/// The slot of rank `rank` among `0..size` once the `excluded` slots (sorted, distinct, all
/// below `size`) are left out: a uniform rank gives a uniform slot among the rest.
pub fn nth_allowed_slot(rank: i32, excluded: &[i32]) -> i32 {
    let mut slot = rank;
    for &taken in excluded {
        if taken <= slot {
            slot += 1;
        } else {
            break;
        }
    }
    slot
}

#[cfg(test)]
mod tests {
    use super::nth_allowed_slot;

    #[test]
    fn ranks_skip_the_excluded_slots() {
        let excluded = [0, 2, 3, 7];
        let allowed: Vec<i32> = (0..6).map(|r| nth_allowed_slot(r, &excluded)).collect();
        assert_eq!(allowed, [1, 4, 5, 6, 8, 9]);
        assert_eq!(nth_allowed_slot(3, &[]), 3);
        assert_eq!(nth_allowed_slot(0, &[1, 2]), 0);
    }
}
