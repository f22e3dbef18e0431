//! The pool of recordings that can be handed out now, numbered densely so a uniform draw
//! costs one random number and one index lookup whatever the number of recordings (a scan
//! per request would not survive a million of them).
//!
//! Membership is derived, never edited by hand: [`refresh`] recomputes it for one recording
//! from the facts (status, reviews done, active leases) and is called in every transaction
//! that changes one of them. Removal moves the last entry into the hole, keeping the
//! numbering dense.
//!
//! The pool is split in [`SHARDS`] shards by the recording's id ([`shard_of`]), each with its
//! own lock row, so reviewers drawing and reviewing different calls do not queue on one lock
//! through every commit. Within a shard each language (the call's script's) has its part,
//! numbered `0..size` on its own with its size in `assignment_pool_parts`; a draw over some
//! languages lays their parts end to end ([`locate`]) and still costs one random number and
//! one lookup.
//!
//! Every change of a recording's place in the pool happens under its shard's lock
//! ([`Locked`]). A transaction that changes one call locks that call's shard ([`lock_for`]);
//! one that may change many locks every shard, in order ([`lock_all`]), so two transactions
//! never wait on each other's shards in a circle.

use diesel::prelude::*;

use super::AssignmentStatus;
use crate::db::DbConnection;
use crate::db::ids::RecordingId;
use crate::db::schema::{
    assignment_pool, assignment_pool_parts, assignment_pool_shards, assignments, recordings,
    script_versions, scripts,
};
use crate::languages::CallLanguage;
use crate::recordings::status::RecordingStatus;

/// How many shards the pool has (the lock rows the migration made: `0..SHARDS`).
pub const SHARDS: i32 = 16;

/// The shard of a recording: the last character of its id as a hex digit (ids are random
/// UUIDs, so the shards fill evenly), 0 for an id that does not end in one. The migration
/// that made the shards applies the same rule in SQL.
pub fn shard_of(recording_id: &RecordingId) -> i32 {
    shard_of_key(recording_id.as_str())
}

/// The shard of any hex key by the same rule (a content hash, say).
fn shard_of_key(key: &str) -> i32 {
    key.chars()
        .last()
        .and_then(|c| c.to_digit(16))
        .map_or(0, |digit| digit as i32)
}

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

/// Proof of the shard locks this transaction holds (on PostgreSQL row locks held to the end
/// of the transaction; on SQLite the write transaction already excludes other writers).
#[derive(Debug)]
pub struct Locked {
    /// One bit per shard.
    held: u32,
}

impl Locked {
    pub fn holds(&self, shard: i32) -> bool {
        self.held & (1 << shard) != 0
    }

    /// Takes one more shard's lock, unless held already.
    fn take(&mut self, conn: &mut DbConnection, shard: i32) -> QueryResult<()> {
        if self.holds(shard) {
            return Ok(());
        }
        let lock = assignment_pool_shards::table.find(shard);
        match conn {
            DbConnection::Postgresql(pg) => {
                lock.select(assignment_pool_shards::shard)
                    .for_no_key_update()
                    .first::<i32>(pg)?;
            }
            // The write transaction excludes other writers already; a write makes sure it
            // holds SQLite's write lock from here on even if it began as a read.
            DbConnection::Sqlite(_) => {
                diesel::update(lock)
                    .set(assignment_pool_shards::shard.eq(assignment_pool_shards::shard))
                    .execute(conn)?;
            }
        }
        self.held |= 1 << shard;
        Ok(())
    }
}

/// Locks the shard of one recording: for a transaction that changes that call only. Take it
/// before anything else the transaction locks (the recording's row, say), as every
/// transaction that ends in a pool refresh does, or two of them could wait on each other.
pub fn lock_for(conn: &mut DbConnection, recording_id: &RecordingId) -> QueryResult<Locked> {
    lock_shards(conn, &[shard_of(recording_id)])
}

/// Locks the shard a hex key picks (by the rule of [`shard_of`]): a lock for something that
/// is no call yet, such as the content of an upload, that those who share the key take turns
/// on.
pub fn lock_for_key(conn: &mut DbConnection, key: &str) -> QueryResult<Locked> {
    lock_shards(conn, &[shard_of_key(key)])
}

/// Locks the given shards in ascending order, whatever order they come in.
pub fn lock_shards(conn: &mut DbConnection, shards: &[i32]) -> QueryResult<Locked> {
    let mut sorted = shards.to_vec();
    sorted.sort_unstable();
    let mut locked = Locked { held: 0 };
    for shard in sorted {
        locked.take(conn, shard)?;
    }
    Ok(locked)
}

/// Locks every shard, in order: for a transaction that may change many calls, or that wants
/// every other change of the pool to wait for it.
pub fn lock_all(conn: &mut DbConnection) -> QueryResult<Locked> {
    lock_shards(conn, &(0..SHARDS).collect::<Vec<_>>())
}

/// One language's calls in one shard: a part of the pool numbered `0..size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub language: CallLanguage,
    pub shard: i32,
    pub size: i32,
}

/// A place in the pool: a slot of a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub language: CallLanguage,
    pub shard: i32,
    pub slot: i32,
}

/// The recording at a place in the pool.
pub fn at(conn: &mut DbConnection, place: Place) -> QueryResult<Option<RecordingId>> {
    assignment_pool::table
        .find((place.language.code(), place.shard, place.slot))
        .select(assignment_pool::recording_id)
        .first(conn)
        .optional()
}

/// Whether the recording is in the pool (under its shard's lock: it has a free slot).
pub fn contains(conn: &mut DbConnection, recording_id: &RecordingId) -> QueryResult<bool> {
    assignment_pool::table
        .filter(assignment_pool::recording_id.eq(recording_id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// How many calls of a language a shard holds (one row read).
fn part_size(conn: &mut DbConnection, code: &str, shard: i32) -> QueryResult<i32> {
    Ok(assignment_pool_parts::table
        .find((code, shard))
        .select(assignment_pool_parts::size)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// The pool's non-empty parts, in a fixed order (languages in list order, then shards): only
/// those of `languages` when given, every language's otherwise. Read without a lock, so
/// under concurrent draws it is a recent picture, checked under the lock before use.
pub fn parts(
    conn: &mut DbConnection,
    languages: Option<&[CallLanguage]>,
) -> QueryResult<Vec<Part>> {
    let mut query = assignment_pool_parts::table
        .filter(assignment_pool_parts::size.gt(0))
        .select((
            assignment_pool_parts::language,
            assignment_pool_parts::shard,
            assignment_pool_parts::size,
        ))
        .order((
            assignment_pool_parts::language,
            assignment_pool_parts::shard,
        ))
        .into_boxed();
    if let Some(languages) = languages {
        query = query
            .filter(assignment_pool_parts::language.eq_any(languages.iter().map(|l| l.code())));
    }
    let rows: Vec<(String, i32, i32)> = query.load(conn)?;
    Ok(CallLanguage::ALL
        .into_iter()
        .flat_map(|language| {
            rows.iter()
                .filter(move |(code, _, _)| code == language.code())
                .map(move |&(_, shard, size)| Part {
                    language,
                    shard,
                    size,
                })
        })
        .collect())
}

/// The languages with calls in the pool.
pub fn languages(conn: &mut DbConnection) -> QueryResult<Vec<CallLanguage>> {
    let mut languages: Vec<CallLanguage> = parts(conn, None)?.iter().map(|p| p.language).collect();
    languages.dedup();
    Ok(languages)
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
    let mut locked = lock_for(conn, recording_id)?;
    refresh_locked(conn, &mut locked, recording_id)
}

/// [`refresh`] in a transaction that holds shard locks already (the recording's shard is
/// taken too if it is not among them). A recording pooled under another language than its
/// script's now (the script's language changed) moves to its language's part.
pub fn refresh_locked(
    conn: &mut DbConnection,
    locked: &mut Locked,
    recording_id: &RecordingId,
) -> QueryResult<()> {
    let shard = shard_of(recording_id);
    locked.take(conn, shard)?;
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
        (Some(language), None) => insert(conn, language.code(), shard, recording_id),
        (Some(language), Some((code, slot))) if code != language.code() => {
            remove(conn, &code, shard, slot)?;
            insert(conn, language.code(), shard, recording_id)
        }
        (None, Some((code, slot))) => remove(conn, &code, shard, slot),
        _ => Ok(()),
    }
}

/// Adds calls that belong in the pool and are not in it yet (new, ready, with a free slot, in
/// no sample) at the end of their parts: one insert each and one size update per part, for a
/// bulk load (the benchmark's million calls) where [`refresh`] per call would cost seven
/// statements. Their shards are locked if they are not already.
pub fn append_new(
    conn: &mut DbConnection,
    locked: &mut Locked,
    calls: &[(RecordingId, CallLanguage)],
) -> QueryResult<()> {
    let mut sizes: std::collections::BTreeMap<(&str, i32), i32> = Default::default();
    for (recording_id, language) in calls {
        let shard = shard_of(recording_id);
        locked.take(conn, shard)?;
        let code = language.code();
        let size = match sizes.get(&(code, shard)) {
            Some(size) => *size,
            None => part_size(conn, code, shard)?,
        };
        insert_row(conn, code, shard, size, recording_id)?;
        sizes.insert((code, shard), size + 1);
    }
    for ((code, shard), size) in sizes {
        set_part_size(conn, code, shard, size)?;
    }
    Ok(())
}

/// Adds the recording at the end of its part (its shard's lock held).
fn insert(
    conn: &mut DbConnection,
    code: &str,
    shard: i32,
    recording_id: &RecordingId,
) -> QueryResult<()> {
    let size = part_size(conn, code, shard)?;
    insert_row(conn, code, shard, size, recording_id)?;
    set_part_size(conn, code, shard, size + 1)
}

/// Puts a recording at a slot of a part; the part's size is the caller's to set.
fn insert_row(
    conn: &mut DbConnection,
    code: &str,
    shard: i32,
    slot: i32,
    recording_id: &RecordingId,
) -> QueryResult<()> {
    diesel::insert_into(assignment_pool::table)
        .values((
            assignment_pool::language.eq(code),
            assignment_pool::shard.eq(shard),
            assignment_pool::slot.eq(slot),
            assignment_pool::recording_id.eq(recording_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Empties a slot of a part, moving that part's last entry into the hole (its shard's lock
/// held).
fn remove(conn: &mut DbConnection, code: &str, shard: i32, hole: i32) -> QueryResult<()> {
    let last = part_size(conn, code, shard)? - 1;
    diesel::delete(assignment_pool::table.find((code, shard, hole))).execute(conn)?;
    if hole != last {
        diesel::update(assignment_pool::table.find((code, shard, last)))
            .set(assignment_pool::slot.eq(hole))
            .execute(conn)?;
    }
    set_part_size(conn, code, shard, last)
}

fn set_part_size(conn: &mut DbConnection, code: &str, shard: i32, size: i32) -> QueryResult<()> {
    let updated = diesel::update(assignment_pool_parts::table.find((code, shard)))
        .set(assignment_pool_parts::size.eq(size))
        .execute(conn)?;
    if updated == 0 {
        // The part's first call: under the shard's lock nobody else adds its row meanwhile.
        diesel::insert_into(assignment_pool_parts::table)
            .values((
                assignment_pool_parts::language.eq(code),
                assignment_pool_parts::shard.eq(shard),
                assignment_pool_parts::size.eq(size),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The place of a position among the parts laid end to end.
pub fn locate(parts: &[Part], mut position: i32) -> Option<Place> {
    for part in parts {
        if position < part.size {
            return Some(Place {
                language: part.language,
                shard: part.shard,
                slot: position,
            });
        }
        position -= part.size;
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
    use super::{Part, Place, SHARDS, locate, nth_allowed_slot, shard_of};
    use crate::db::ids::RecordingId;
    use crate::languages::CallLanguage;

    #[test]
    fn positions_fall_in_the_parts_laid_end_to_end() {
        let [ru, en, ..] = CallLanguage::ALL;
        let part = |language, shard, size| Part {
            language,
            shard,
            size,
        };
        let parts = [part(ru, 3, 2), part(en, 0, 1), part(en, 7, 2)];
        let place = |language, shard, slot| {
            Some(Place {
                language,
                shard,
                slot,
            })
        };
        let found: Vec<_> = (0..6).map(|p| locate(&parts, p)).collect();
        assert_eq!(
            found,
            [
                place(ru, 3, 0),
                place(ru, 3, 1),
                place(en, 0, 0),
                place(en, 7, 0),
                place(en, 7, 1),
                None
            ]
        );
    }

    #[test]
    fn a_recording_shard_is_the_last_hex_digit_of_its_id() {
        let shard = |id: &str| shard_of(&RecordingId::from_raw(id));
        assert_eq!(shard("6f1c0a52-8d3e-4b7a-9c21-00000000000a"), 10);
        assert_eq!(shard("6f1c0a52-8d3e-4b7a-9c21-00000000000F"), 15);
        assert_eq!(shard("x-3"), 3);
        assert_eq!(shard("not-hex"), 0);
        assert_eq!(shard(""), 0);
        assert_eq!(shard("ё"), 0);
        for _ in 0..200 {
            assert!((0..SHARDS).contains(&shard_of(&RecordingId::random())));
        }
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
