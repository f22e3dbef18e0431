//! The pool of recordings that can be handed out now, numbered densely `0..size`, so a
//! uniform draw costs one random number and one index lookup whatever the number of
//! recordings (a scan per request would not survive a million of them).
//!
//! Membership is derived, never edited by hand: [`refresh`] recomputes it for one recording
//! from the facts (status, reviews done, active leases) and is called in every transaction
//! that changes one of them. Removal moves the last entry into the hole, keeping the
//! numbering dense.
//!
//! The pool is partitioned by the calls' language (their script's): each language's part is
//! numbered `0..size` on its own, its size kept in `assignment_pool_languages`, so a draw over
//! some languages lays their parts end to end ([`locate`]) and still costs one random number
//! and one lookup. `assignment_pool_size` holds the total and is the lock.

use diesel::prelude::*;

use super::AssignmentStatus;
use crate::db::DbConnection;
use crate::db::ids::RecordingId;
use crate::db::schema::{
    assignment_pool, assignment_pool_languages, assignment_pool_size, assignments, recordings,
    script_versions, scripts,
};
use crate::languages::CallLanguage;
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
    Ok(i64::from(required) - i64::from(done) - leased(conn, recording_id)?)
}

/// The active leases of a recording that hold a review slot (a gold lease holds none, nor
/// a dispute's re-review).
pub fn leased(conn: &mut DbConnection, recording_id: &RecordingId) -> QueryResult<i64> {
    assignments::table
        .filter(assignments::recording_id.eq(recording_id))
        .filter(assignments::status.eq(AssignmentStatus::Active))
        .filter(assignments::gold.eq(false))
        .filter(assignments::dispute_id.is_null())
        .count()
        .get_result(conn)
}

/// Proof that this transaction holds the pool's lock, with the pool's size (every language).
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

/// The recording at a slot of a language's part of the pool.
pub fn at(
    conn: &mut DbConnection,
    language: CallLanguage,
    slot: i32,
) -> QueryResult<Option<RecordingId>> {
    assignment_pool::table
        .find((language.code(), slot))
        .select(assignment_pool::recording_id)
        .first(conn)
        .optional()
}

/// How many calls of a language the pool holds (one row read).
pub fn language_size(conn: &mut DbConnection, language: CallLanguage) -> QueryResult<i32> {
    Ok(assignment_pool_languages::table
        .find(language.code())
        .select(assignment_pool_languages::size)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// The pool's languages with calls in them and their sizes, in list order: only those of
/// `languages` when given, every language otherwise.
pub fn sizes(
    conn: &mut DbConnection,
    languages: Option<&[CallLanguage]>,
) -> QueryResult<Vec<(CallLanguage, i32)>> {
    let mut query = assignment_pool_languages::table
        .filter(assignment_pool_languages::size.gt(0))
        .select((
            assignment_pool_languages::language,
            assignment_pool_languages::size,
        ))
        .into_boxed();
    if let Some(languages) = languages {
        query = query
            .filter(assignment_pool_languages::language.eq_any(languages.iter().map(|l| l.code())));
    }
    let rows: Vec<(String, i32)> = query.load(conn)?;
    Ok(CallLanguage::ALL
        .into_iter()
        .filter_map(|l| {
            rows.iter()
                .find(|(code, _)| code == l.code())
                .map(|(_, size)| (l, *size))
        })
        .collect())
}

/// The language of a recording's calls: its script's.
pub fn recording_language(
    conn: &mut DbConnection,
    recording_id: &RecordingId,
) -> QueryResult<Option<CallLanguage>> {
    let code: Option<String> = recordings::table
        .inner_join(script_versions::table.inner_join(scripts::table))
        .filter(recordings::id.eq(recording_id))
        .select(scripts::language)
        .first(conn)
        .optional()?;
    Ok(code.as_deref().map(CallLanguage::stored))
}

/// Puts the recording in the pool when it is ready with a free slot, takes it out otherwise.
/// Call inside the transaction that changed it, after the change.
pub fn refresh(conn: &mut DbConnection, recording_id: &RecordingId) -> QueryResult<()> {
    let mut locked = lock(conn)?;
    refresh_locked(conn, &mut locked, recording_id)
}

/// [`refresh`] in a transaction that already holds the lock. A recording pooled under
/// another language than its script's now (the script's language changed) moves to its
/// language's part.
pub fn refresh_locked(
    conn: &mut DbConnection,
    locked: &mut Locked,
    recording_id: &RecordingId,
) -> QueryResult<()> {
    let recording: Option<(RecordingStatus, i32, i32, Option<crate::sampling::Sample>)> =
        recordings::table
            .find(recording_id)
            .select((
                recordings::status,
                recordings::reviews_required,
                recordings::reviews_done,
                recordings::sample,
            ))
            .first(conn)
            .optional()?;
    // A call held for its period's sample, or left out of it, is not for reviewers (yet).
    let belongs = match recording {
        Some((RecordingStatus::Ready, required, done, None)) => {
            unleased(conn, recording_id, required, done)? > 0
        }
        _ => false,
    };
    let language = if belongs {
        recording_language(conn, recording_id)?
    } else {
        None
    };
    let pooled: Option<(String, i32)> = assignment_pool::table
        .filter(assignment_pool::recording_id.eq(recording_id))
        .select((assignment_pool::language, assignment_pool::slot))
        .first(conn)
        .optional()?;
    match (language, pooled) {
        (Some(language), None) => insert(conn, locked, language, recording_id),
        (Some(language), Some((code, slot))) if code != language.code() => {
            remove(conn, locked, &code, slot)?;
            insert(conn, locked, language, recording_id)
        }
        (None, Some((code, slot))) => remove(conn, locked, &code, slot),
        _ => Ok(()),
    }
}

/// Adds the recording at the end of its language's part.
fn insert(
    conn: &mut DbConnection,
    locked: &mut Locked,
    language: CallLanguage,
    recording_id: &RecordingId,
) -> QueryResult<()> {
    let size = language_size(conn, language)?;
    diesel::insert_into(assignment_pool::table)
        .values((
            assignment_pool::language.eq(language.code()),
            assignment_pool::slot.eq(size),
            assignment_pool::recording_id.eq(recording_id),
        ))
        .execute(conn)?;
    set_language_size(conn, language.code(), size + 1)?;
    locked.size += 1;
    set_size(conn, locked.size)
}

/// Empties a slot of a language's part, moving that part's last entry into the hole.
fn remove(conn: &mut DbConnection, locked: &mut Locked, code: &str, hole: i32) -> QueryResult<()> {
    let size: i32 = assignment_pool_languages::table
        .find(code)
        .select(assignment_pool_languages::size)
        .first(conn)?;
    let last = size - 1;
    diesel::delete(assignment_pool::table.find((code, hole))).execute(conn)?;
    if hole != last {
        diesel::update(assignment_pool::table.find((code, last)))
            .set(assignment_pool::slot.eq(hole))
            .execute(conn)?;
    }
    set_language_size(conn, code, last)?;
    locked.size -= 1;
    set_size(conn, locked.size)
}

fn set_language_size(conn: &mut DbConnection, code: &str, size: i32) -> QueryResult<()> {
    let updated = diesel::update(assignment_pool_languages::table.find(code))
        .set(assignment_pool_languages::size.eq(size))
        .execute(conn)?;
    if updated == 0 {
        // The language's first call: under the lock nobody else adds its row meanwhile.
        diesel::insert_into(assignment_pool_languages::table)
            .values((
                assignment_pool_languages::language.eq(code),
                assignment_pool_languages::size.eq(size),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn set_size(conn: &mut DbConnection, size: i32) -> QueryResult<()> {
    diesel::update(assignment_pool_size::table.find(1))
        .set(assignment_pool_size::size.eq(size))
        .execute(conn)
        .map(|_| ())
}

/// The language part and slot of a position among the parts `parts` laid end to end.
pub fn locate(parts: &[(CallLanguage, i32)], mut position: i32) -> Option<(CallLanguage, i32)> {
    for &(language, size) in parts {
        if position < size {
            return Some((language, position));
        }
        position -= size;
    }
    None
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
    use super::{locate, nth_allowed_slot};
    use crate::languages::CallLanguage;

    #[test]
    fn positions_fall_in_the_parts_laid_end_to_end() {
        let [ru, en, ..] = CallLanguage::ALL;
        let parts = [(ru, 2), (en, 3)];
        let found: Vec<_> = (0..6).map(|p| locate(&parts, p)).collect();
        assert_eq!(
            found,
            [
                Some((ru, 0)),
                Some((ru, 1)),
                Some((en, 0)),
                Some((en, 1)),
                Some((en, 2)),
                None
            ]
        );
    }

    #[test]
    fn ranks_skip_the_excluded_slots() {
        let excluded = [0, 2, 3, 7];
        let allowed: Vec<i32> = (0..6).map(|r| nth_allowed_slot(r, &excluded)).collect();
        assert_eq!(allowed, [1, 4, 5, 6, 8, 9]);
        assert_eq!(nth_allowed_slot(3, &[]), 3);
        assert_eq!(nth_allowed_slot(0, &[1, 2]), 0);
    }
}
