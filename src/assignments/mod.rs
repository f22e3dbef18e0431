//! Handing calls to reviewers: a uniform random draw over the recordings that still need a
//! review, a lease that frees the slot when it runs out, skipping, and access to the
//! anonymized audio by the assignment's opaque code (never the recording's id).
//!
//! Safe under concurrency on both backends and across processes: a draw runs in one write
//! transaction that first locks the reviewer (so one reviewer's parallel requests take turns),
//! then picks a call from a recent picture of the pool and claims it under its shard's lock
//! ([`pool::Locked`]), where the call's free slots are known exactly; a call taken meanwhile
//! is not claimed and the draw picks again. So a call is never held by more reviewers than it
//! needs, and reviewers drawing calls of different shards do not wait for each other.

mod code;
pub mod pool;

pub use code::AssignmentCode;

use diesel::prelude::*;
use rand::{Rng, RngExt};
use serde::Serialize;

use crate::db::ids::{AssignmentId, DisputeId, OperatorId, RecordingId, ScriptVersionId, UserId};
use crate::db::schema::{assignment_pool, assignments, recordings, script_versions, scripts};
use crate::db::time::{Timestamp, now, to_timestamp};
use crate::db::{Db, DbConnection, DbError};
use crate::languages::CallLanguage;
use crate::org_settings::OrgSettings;
use crate::recordings::status::RecordingStatus;
use crate::scripts::{Step, version_steps};
use crate::validation::FieldProblem;

/// How many random slots are tried before the exact (history-aware) draw.
const QUICK_TRIES: usize = 8;
/// Expired leases reclaimed per draw (the rest on the next draws).
const RECLAIM_BATCH: i64 = 100;
pub const MAX_SKIP_REASON_CHARS: usize = 500;

/// What can go wrong handing out, skipping or serving an assigned call.
#[derive(Debug, thiserror::Error)]
pub enum AssignmentError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    /// No such code, or not the asker's.
    #[error("no such assignment")]
    NotFound,
    /// The assignment was already submitted or skipped.
    #[error("the assignment is finished")]
    Finished,
    /// The call's reviewer copy is being built again (its ranges or the voice changed), or the
    /// copy asked for by name was replaced by a rebuilt one (a new task carries its address).
    #[error("the call's audio is being rebuilt")]
    AudioRebuilding,
    /// The reviewer is paused (their gold accuracy fell too low, or an owner paused them).
    #[error("the reviewer is paused")]
    Paused,
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(AssignmentError);

crate::text_enum! {
    /// Where an assignment is: held (`active`, even once its lease ran out, until the next
    /// draw reclaims it), or finished one of three ways.
    AssignmentStatus {
        Active = "active",
        Submitted = "submitted",
        Skipped = "skipped",
        /// The lease ran out and a draw gave the slot back to the pool.
        Expired = "expired",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assignments)]
pub struct Assignment {
    pub id: AssignmentId,
    pub code: AssignmentCode,
    pub recording_id: RecordingId,
    pub reviewer_id: UserId,
    pub status: AssignmentStatus,
    pub assigned_at: Timestamp,
    pub expires_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub skip_reason: Option<String>,
    /// A lease on a gold (control) call: it takes none of the call's review slots.
    pub gold: bool,
    /// A lease for the blind re-review of an operator's dispute: it takes no slot either, and
    /// nothing the reviewer sees tells it from any other.
    pub dispute_id: Option<DisputeId>,
}

impl Assignment {
    /// Active and not yet run out at `at`.
    pub fn is_live(&self, at: Timestamp) -> bool {
        self.status == AssignmentStatus::Active && self.expires_at > at
    }
}

/// What a reviewer needs to do the work, and nothing about who or when.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub code: AssignmentCode,
    pub audio_url: String,
    pub peaks_url: String,
    pub duration_ms: i64,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub expires_at: Timestamp,
    pub script: TaskScript,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskScript {
    pub title: String,
    pub steps: Vec<TaskStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskStep {
    pub id: String,
    pub title: String,
    pub say: String,
    pub guidance: String,
    /// The step may not come up: `did_not_arise` is a fourth verdict for it.
    pub optional: bool,
}

/// The reviewer's unexpired assignment, if any.
pub fn live_for(conn: &mut DbConnection, reviewer: &UserId) -> QueryResult<Option<Assignment>> {
    assignments::table
        .filter(assignments::reviewer_id.eq(reviewer))
        .filter(assignments::status.eq(AssignmentStatus::Active))
        .filter(assignments::expires_at.gt(now()))
        .select(Assignment::as_select())
        .first(conn)
        .optional()
}

pub fn by_code(conn: &mut DbConnection, code: &AssignmentCode) -> QueryResult<Option<Assignment>> {
    assignments::table
        .filter(assignments::code.eq(code))
        .select(Assignment::as_select())
        .first(conn)
        .optional()
}

/// Marks leases that ran out as expired and returns their slots to the pool, a batch at a
/// time, in a transaction of its own that locks the shards of their calls in order.
pub fn reclaim_expired(conn: &mut DbConnection) -> QueryResult<usize> {
    let expired: Vec<(AssignmentId, RecordingId)> = assignments::table
        .filter(assignments::status.eq(AssignmentStatus::Active))
        .filter(assignments::expires_at.le(now()))
        .select((assignments::id, assignments::recording_id))
        .limit(RECLAIM_BATCH)
        .load(conn)?;
    if expired.is_empty() {
        return Ok(0);
    }
    conn.write_transaction(|conn| {
        let shards: Vec<i32> = expired.iter().map(|(_, r)| pool::shard_of(r)).collect();
        let mut locked = pool::lock_shards(conn, &shards)?;
        let mut reclaimed = 0;
        for (id, recording_id) in &expired {
            // Submitted, skipped or reclaimed by another draw since the list was read: not
            // this one's to reclaim.
            let marked = diesel::update(
                assignments::table
                    .find(id)
                    .filter(assignments::status.eq(AssignmentStatus::Active))
                    .filter(assignments::expires_at.le(now())),
            )
            .set((
                assignments::status.eq(AssignmentStatus::Expired),
                assignments::finished_at.eq(now()),
            ))
            .execute(conn)?;
            if marked == 1 {
                pool::refresh_locked(conn, &mut locked, recording_id)?;
                reclaimed += 1;
            }
        }
        Ok(reclaimed)
    })
}

/// Locks the reviewer's row to the end of the transaction: their requests that hand out or
/// finish their calls take turns (two parallel `next` would otherwise both find no live
/// lease and take two calls). Taken before any shard lock.
pub fn lock_reviewer(conn: &mut DbConnection, reviewer: &UserId) -> QueryResult<()> {
    use crate::db::schema::users;
    // SQLite: the write transaction excludes every other writer already. PostgreSQL: a lock
    // that rows referring to the reviewer do not wait for (their foreign-key check takes a
    // key-share lock, which FOR UPDATE would block: a transaction holding every shard and
    // writing such a row would then wait for a reviewer who waits for a shard).
    if let DbConnection::Postgresql(pg) = conn {
        users::table
            .find(reviewer)
            .select(users::id)
            .for_no_key_update()
            .first::<UserId>(pg)
            .optional()?;
    }
    Ok(())
}

/// Gives the reviewer a call: their unexpired one if they hold one, else a new one — a gold
/// (control) call at the settings' rate ([`crate::reviews::gold::draw`]), or a uniformly drawn
/// recording they have never been given, in a language they review. `None` when there is
/// nothing for them; a paused
/// reviewer gets nothing new ([`AssignmentError::Paused`]).
pub fn next(
    conn: &mut DbConnection,
    reviewer: &UserId,
    settings: &OrgSettings,
    rng: &mut impl Rng,
) -> Result<Option<Assignment>, AssignmentError> {
    reclaim_expired(conn)?;
    conn.write_transaction(|conn| {
        lock_reviewer(conn, reviewer)?;
        if crate::accounts::pause::paused_at(conn, reviewer)?.is_some() {
            return Err(AssignmentError::Paused);
        }
        if let Some(live) = live_for(conn, reviewer)? {
            return Ok(Some(live));
        }
        let own = users_operator(conn, reviewer)?;
        let languages = crate::languages::of_reviewer(conn, reviewer)?;
        let disputed = draw_dispute(conn, reviewer, own.as_ref(), &languages, rng)?;
        let (recording_id, gold, dispute_id, mut locked) = match disputed {
            Some((recording, dispute, locked)) => (recording, false, Some(dispute), locked),
            None => match crate::reviews::gold::draw(
                conn,
                reviewer,
                own.as_ref(),
                &languages,
                settings,
                rng,
            )? {
                Some(gold) => {
                    let locked = pool::lock_for(conn, &gold)?;
                    (gold, true, None, locked)
                }
                None => match draw(conn, reviewer, own.as_ref(), &languages, rng)? {
                    Some((drawn, locked)) => (drawn, false, None, locked),
                    None => return Ok(None),
                },
            },
        };
        let duration_ms: Option<i64> = recordings::table
            .find(&recording_id)
            .select(recordings::duration_ms)
            .first(conn)?;
        let assigned_at = now();
        let expires_at =
            to_timestamp(assigned_at.assume_utc() + settings.lease_for(duration_ms.unwrap_or(0)));
        let assignment = Assignment {
            id: AssignmentId::random(),
            code: AssignmentCode::random(rng),
            recording_id,
            reviewer_id: reviewer.clone(),
            status: AssignmentStatus::Active,
            assigned_at,
            expires_at,
            finished_at: None,
            skip_reason: None,
            gold,
            dispute_id,
        };
        diesel::insert_into(assignments::table)
            .values((
                assignments::id.eq(&assignment.id),
                assignments::code.eq(&assignment.code),
                assignments::recording_id.eq(&assignment.recording_id),
                assignments::reviewer_id.eq(reviewer),
                assignments::status.eq(AssignmentStatus::Active),
                assignments::assigned_at.eq(assigned_at),
                assignments::expires_at.eq(expires_at),
                assignments::gold.eq(gold),
                assignments::dispute_id.eq(&assignment.dispute_id),
            ))
            .execute(conn)?;
        pool::refresh_locked(conn, &mut locked, &assignment.recording_id)?;
        Ok(Some(assignment))
    })
}

/// A dispute waiting for its blind re-review that this reviewer may take: ready audio, in one
/// of their languages (any when none is set), a call they were never given and not their
/// own, and nobody holding it right now. Disputes come before any other draw (an owner and an
/// operator wait on them), a uniform pick among those the reviewer may take.
fn draw_dispute(
    conn: &mut DbConnection,
    reviewer: &UserId,
    own: Option<&OperatorId>,
    languages: &[CallLanguage],
    rng: &mut impl Rng,
) -> QueryResult<Option<(RecordingId, DisputeId, pool::Locked)>> {
    use crate::db::schema::disputes;
    use crate::reviews::contest::DisputeStatus;
    let waiting: Vec<(DisputeId, RecordingId, String)> = disputes::table
        .inner_join(recordings::table.inner_join(script_versions::table.inner_join(scripts::table)))
        .filter(disputes::status.eq(DisputeStatus::AwaitingReview))
        .filter(recordings::status.eq(RecordingStatus::Ready))
        .select((disputes::id, disputes::recording_id, scripts::language))
        .load(conn)?;
    if waiting.is_empty() {
        return Ok(None);
    }
    let held: Vec<Option<DisputeId>> = assignments::table
        .filter(assignments::dispute_id.is_not_null())
        .filter(assignments::status.eq(AssignmentStatus::Active))
        .select(assignments::dispute_id)
        .load(conn)?;
    let mut open = Vec::new();
    for (dispute, recording, language) in waiting {
        if held.contains(&Some(dispute.clone()))
            || !languages.is_empty() && !languages.iter().any(|l| l.code() == language)
        {
            continue;
        }
        if eligible(conn, reviewer, own, &recording)? {
            open.push((recording, dispute));
        }
    }
    // Another reviewer may take a dispute between this list and the claim: then the next.
    while !open.is_empty() {
        let (recording, dispute) = open.swap_remove(rng.random_range(0..open.len()));
        let unheld = |conn: &mut DbConnection| {
            let holders: i64 = assignments::table
                .filter(assignments::dispute_id.eq(&dispute))
                .filter(assignments::status.eq(AssignmentStatus::Active))
                .count()
                .get_result(conn)?;
            Ok(holders == 0)
        };
        if let Some(locked) = claim(conn, &recording, unheld)? {
            return Ok(Some((recording, dispute, locked)));
        }
    }
    Ok(None)
}

/// Takes the lock of a drawn call's shard and checks, under it, that the call may still be
/// handed out (`still`): another reviewer may have taken it since the draw read it. In a
/// savepoint, so a call not claimed leaves its shard unlocked again (a transaction holds one
/// shard at a time while it draws, and never waits for one while holding another).
fn claim(
    conn: &mut DbConnection,
    recording_id: &RecordingId,
    still: impl FnOnce(&mut DbConnection) -> QueryResult<bool>,
) -> QueryResult<Option<pool::Locked>> {
    let claimed = conn.transaction(|conn| {
        let locked = pool::lock_for(conn, recording_id)?;
        if still(conn)? {
            Ok(locked)
        } else {
            Err(diesel::result::Error::RollbackTransaction)
        }
    });
    match claimed {
        Ok(locked) => Ok(Some(locked)),
        Err(diesel::result::Error::RollbackTransaction) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Whether this reviewer may be given this recording: never twice (whatever became of the
/// first time), never their own call (a reviewer linked to an operator record: `own`).
fn eligible(
    conn: &mut DbConnection,
    reviewer: &UserId,
    own: Option<&OperatorId>,
    recording_id: &RecordingId,
) -> QueryResult<bool> {
    let before: i64 = assignments::table
        .filter(assignments::reviewer_id.eq(reviewer))
        .filter(assignments::recording_id.eq(recording_id))
        .count()
        .get_result(conn)?;
    if before > 0 {
        return Ok(false);
    }
    let Some(operator) = own else {
        return Ok(true);
    };
    let theirs: i64 = recordings::table
        .find(recording_id)
        .filter(recordings::operator_id.eq(operator))
        .count()
        .get_result(conn)?;
    Ok(theirs == 0)
}

/// The parts of the pool a reviewer of `languages` may draw from, with their sizes (every
/// language's when none is set; see [`crate::languages`]).
fn parts_for(conn: &mut DbConnection, languages: &[CallLanguage]) -> QueryResult<Vec<pool::Part>> {
    pool::parts(conn, (!languages.is_empty()).then_some(languages))
}

/// Whether the pool holds calls in languages this reviewer does not review: said to them
/// when there is nothing in theirs.
pub fn waiting_in_other_languages(conn: &mut DbConnection, reviewer: &UserId) -> QueryResult<bool> {
    let languages = crate::languages::of_reviewer(conn, reviewer)?;
    if languages.is_empty() {
        return Ok(false);
    }
    Ok(pool::languages(conn)?
        .iter()
        .any(|language| !languages.contains(language)))
}

/// How many times a draw starts again from a fresh picture of the pool when the call it
/// picked was taken by someone else meanwhile, before it says there is nothing.
const DRAW_ROUNDS: usize = 64;

/// A uniform draw among the pool's recordings in the reviewer's languages that they are
/// eligible for, claimed under its shard's lock. The parts of their languages are laid end to
/// end, so one random position picks a part with probability proportional to its size and
/// then a uniform slot in it. A few random positions are tried first (cheap, and almost
/// always enough); when they all fail, the positions the reviewer cannot take are listed and
/// a rank among the others is drawn. Both ways pick every eligible recording with the same
/// probability. The picture of the pool is read without a lock; a pick that another reviewer
/// took meanwhile is not claimed, and the draw starts again from a new picture.
fn draw(
    conn: &mut DbConnection,
    reviewer: &UserId,
    own: Option<&OperatorId>,
    languages: &[CallLanguage],
    rng: &mut impl Rng,
) -> QueryResult<Option<(RecordingId, pool::Locked)>> {
    for _ in 0..DRAW_ROUNDS {
        let parts = parts_for(conn, languages)?;
        let recording_id = match pick(conn, reviewer, own, &parts, rng)? {
            Pick::Found(recording_id) => recording_id,
            Pick::Nothing => return Ok(None),
            Pick::Stale => continue,
        };
        if let Some(locked) = claim(conn, &recording_id, |conn| {
            pool::contains(conn, &recording_id)
        })? {
            return Ok(Some((recording_id, locked)));
        }
    }
    Ok(None)
}

/// What one pick over a picture of the pool found.
enum Pick {
    Found(RecordingId),
    /// Nothing this reviewer may take.
    Nothing,
    /// The picture was out of date where the pick fell: draw again.
    Stale,
}

/// One uniform pick among the eligible recordings of `parts` (see [`draw`]), unclaimed.
fn pick(
    conn: &mut DbConnection,
    reviewer: &UserId,
    own: Option<&OperatorId>,
    parts: &[pool::Part],
    rng: &mut impl Rng,
) -> QueryResult<Pick> {
    let size: i32 = parts.iter().map(|part| part.size).sum();
    if size == 0 {
        return Ok(Pick::Nothing);
    }
    for _ in 0..QUICK_TRIES {
        let Some(place) = pool::locate(parts, rng.random_range(0..size)) else {
            continue;
        };
        if let Some(recording_id) = pool::at(conn, place)?
            && eligible(conn, reviewer, own, &recording_id)?
        {
            return Ok(Pick::Found(recording_id));
        }
    }
    // Where each part starts among the positions. A slot past its part's size in the
    // picture (the part grew since) is no position.
    let mut starts: Vec<(&pool::Part, i32)> = Vec::with_capacity(parts.len());
    let mut start = 0;
    for part in parts {
        starts.push((part, start));
        start += part.size;
    }
    let position = |(code, shard, slot): (String, i32, i32)| {
        starts
            .iter()
            .find(|(p, _)| p.language.code() == code && p.shard == shard && slot < p.size)
            .map(|(_, start)| start + slot)
    };
    let codes: Vec<&str> = parts.iter().map(|part| part.language.code()).collect();
    let had: Vec<(String, i32, i32)> = assignment_pool::table
        .inner_join(
            assignments::table.on(assignments::recording_id.eq(assignment_pool::recording_id)),
        )
        .filter(assignments::reviewer_id.eq(reviewer))
        .filter(assignment_pool::language.eq_any(codes.clone()))
        .select((
            assignment_pool::language,
            assignment_pool::shard,
            assignment_pool::slot,
        ))
        .load(conn)?;
    // Own calls, for a reviewer who is also an operator.
    let own_calls: Vec<(String, i32, i32)> = match own {
        Some(operator) => assignment_pool::table
            .inner_join(recordings::table)
            .filter(recordings::operator_id.eq(operator))
            .filter(assignment_pool::language.eq_any(codes))
            .select((
                assignment_pool::language,
                assignment_pool::shard,
                assignment_pool::slot,
            ))
            .load(conn)?,
        None => Vec::new(),
    };
    let mut excluded: Vec<i32> = had
        .into_iter()
        .chain(own_calls)
        .filter_map(position)
        .collect();
    excluded.sort_unstable();
    excluded.dedup();
    let allowed = size - excluded.len() as i32;
    if allowed <= 0 {
        return Ok(Pick::Nothing);
    }
    let chosen = pool::nth_allowed_slot(rng.random_range(0..allowed), &excluded);
    let Some(place) = pool::locate(parts, chosen) else {
        return Ok(Pick::Stale);
    };
    // The picture may be out of date: the slot may be empty now, or hold a call this
    // reviewer cannot take.
    Ok(match pool::at(conn, place)? {
        Some(recording_id) if eligible(conn, reviewer, own, &recording_id)? => {
            Pick::Found(recording_id)
        }
        _ => Pick::Stale,
    })
}

fn users_operator(conn: &mut DbConnection, user: &UserId) -> QueryResult<Option<OperatorId>> {
    use crate::db::schema::users;
    Ok(users::table
        .find(user)
        .select(users::operator_id)
        .first::<Option<OperatorId>>(conn)
        .optional()?
        .flatten())
}

/// The reviewer gives a call back (with a reason): it returns to the pool, never to them.
pub fn skip(
    conn: &mut DbConnection,
    reviewer: &UserId,
    code: &AssignmentCode,
    reason: &str,
) -> Result<(), AssignmentError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(FieldProblem::new("reason", "required").into());
    }
    if reason.chars().count() > MAX_SKIP_REASON_CHARS {
        return Err(FieldProblem::new("reason", "too_long")
            .with("max", MAX_SKIP_REASON_CHARS)
            .into());
    }
    conn.write_transaction(|conn| {
        lock_reviewer(conn, reviewer)?;
        let (assignment, mut locked) =
            locked_by_code(conn, reviewer, code)?.ok_or(AssignmentError::NotFound)?;
        if assignment.status != AssignmentStatus::Active {
            return Err(AssignmentError::Finished);
        }
        diesel::update(assignments::table.find(&assignment.id))
            .set((
                assignments::status.eq(AssignmentStatus::Skipped),
                assignments::skip_reason.eq(reason),
                assignments::finished_at.eq(now()),
            ))
            .execute(conn)?;
        pool::refresh_locked(conn, &mut locked, &assignment.recording_id)?;
        Ok(())
    })
}

/// The reviewer's assignment of this code, read again under the lock of its call's shard
/// (a draw reclaiming run-out leases may have changed it meanwhile), with that lock.
pub fn locked_by_code(
    conn: &mut DbConnection,
    reviewer: &UserId,
    code: &AssignmentCode,
) -> QueryResult<Option<(Assignment, pool::Locked)>> {
    let Some(found) = by_code(conn, code)?.filter(|a| a.reviewer_id == *reviewer) else {
        return Ok(None);
    };
    let locked = pool::lock_for(conn, &found.recording_id)?;
    Ok(by_code(conn, code)?.map(|assignment| (assignment, locked)))
}

/// Marks the assignment submitted (inside the review's transaction, which refreshes the pool).
pub fn mark_submitted(
    conn: &mut DbConnection,
    id: &AssignmentId,
    at: Timestamp,
) -> QueryResult<()> {
    diesel::update(assignments::table.find(id))
        .set((
            assignments::status.eq(AssignmentStatus::Submitted),
            assignments::finished_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The task as the reviewer sees it: code, audio and peaks addresses, length, deadline, and
/// the checklist of the script version the call is bound to.
pub fn task(conn: &mut DbConnection, assignment: &Assignment) -> QueryResult<Task> {
    let (duration_ms, version_id, status, copy): (
        Option<i64>,
        ScriptVersionId,
        RecordingStatus,
        Option<String>,
    ) = recordings::table
        .find(&assignment.recording_id)
        .select((
            recordings::duration_ms,
            recordings::script_version_id,
            recordings::status,
            recordings::anonymized_file,
        ))
        .first(conn)?;
    let title: String = script_versions::table
        .inner_join(scripts::table)
        .filter(script_versions::id.eq(&version_id))
        .select(scripts::name)
        .first(conn)?;
    let steps = version_steps(conn, &version_id)?;
    Ok(Task {
        audio_url: audio_url(&assignment.code, status, copy.as_deref()),
        peaks_url: format!("/api/v1/assignments/{}/peaks", assignment.code),
        code: assignment.code.clone(),
        duration_ms: duration_ms.unwrap_or(0),
        expires_at: assignment.expires_at,
        script: TaskScript {
            title,
            steps: steps.into_iter().map(TaskStep::from).collect(),
        },
    })
}

impl From<Step> for TaskStep {
    fn from(step: Step) -> Self {
        TaskStep {
            id: step.id.to_string(),
            title: step.title,
            say: step.say,
            guidance: step.guidance,
            optional: step.optional,
        }
    }
}

/// Where a reviewer fetches the audio of a task. A copy that is ready is named in the address
/// (`?copy=…`, see [`copy_tag`]), so the address always means the same bytes and the browser may
/// keep them; a rebuilt copy gets a new address. While the copy is being rebuilt there is none
/// to name: the plain address serves whatever copy is current once it is ready, uncached.
pub fn audio_url(code: &AssignmentCode, status: RecordingStatus, copy: Option<&str>) -> String {
    match (status, copy) {
        (RecordingStatus::Ready, Some(copy)) => {
            format!("/api/v1/assignments/{code}/audio?copy={}", copy_tag(copy))
        }
        _ => format!("/api/v1/assignments/{code}/audio"),
    }
}

/// A short name for one reviewer copy, from its stored file name (random, new for every
/// build): it tells a rebuilt copy from the one before without showing where either is stored,
/// and says nothing about the call.
pub fn copy_tag(stored_name: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("reviewer copy {stored_name}").as_bytes());
    hex::encode(&digest[..8])
}

/// The stored files of the reviewer copy behind a code, for the reviewer holding it or an
/// owner: (anonymized audio, peaks JSON).
pub fn reviewer_files(
    conn: &mut DbConnection,
    code: &AssignmentCode,
    viewer: &UserId,
    viewer_is_owner: bool,
) -> Result<(String, String), AssignmentError> {
    let assignment = by_code(conn, code)?.ok_or(AssignmentError::NotFound)?;
    let holds = assignment.reviewer_id == *viewer && assignment.is_live(now());
    if !holds && !viewer_is_owner {
        return Err(AssignmentError::NotFound);
    }
    let (status, audio, peaks): (RecordingStatus, Option<String>, Option<String>) =
        recordings::table
            .find(&assignment.recording_id)
            .select((
                recordings::status,
                recordings::anonymized_file,
                recordings::peaks_file,
            ))
            .first(conn)?;
    match (status, audio, peaks) {
        (RecordingStatus::Ready, Some(audio), Some(peaks)) => Ok((audio, peaks)),
        _ => Err(AssignmentError::AudioRebuilding),
    }
}

/// Draws the reviewer's next call (or gives back the one they hold) and returns it as a
/// task; `None` when no call needs them.
pub async fn next_task(db: &Db, reviewer: UserId) -> Result<Option<Task>, AssignmentError> {
    use crate::metrics::Draw;
    let answered = db
        .write(move |conn| {
            let settings = OrgSettings::load(conn)?;
            let drawn = next(conn, &reviewer, &settings, &mut rand::rng())?;
            let kind = match &drawn {
                None => Draw::Nothing,
                Some(a) if a.gold => Draw::Gold,
                Some(a) if a.dispute_id.is_some() => Draw::Dispute,
                Some(_) => Draw::Call,
            };
            Ok((kind, drawn.map(|a| task(conn, &a)).transpose()?))
        })
        .await;
    match answered {
        Ok((kind, task)) => {
            crate::metrics::draw(kind);
            Ok(task)
        }
        Err(AssignmentError::Paused) => {
            crate::metrics::draw(Draw::Paused);
            Err(AssignmentError::Paused)
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::AssignmentStatus;

    /// The words the schema's CHECK constraint accepts are exactly the enum's, on both
    /// backends: a variant the database refuses (or a stored word the code cannot read)
    /// would only show up as a failed write or a 500.
    #[test]
    fn statuses_match_the_schema() {
        for schema in [
            include_str!("../../migrations/sqlite/2026-11-23-000001_domain/up.sql"),
            include_str!("../../migrations/postgres/2026-11-23-000001_domain/up.sql"),
        ] {
            let check = schema
                .lines()
                .find(|l| l.contains("status IN ('active'"))
                .unwrap_or_default();
            let words: Vec<&str> = check.split('\'').skip(1).step_by(2).collect();
            let ours: Vec<&str> = AssignmentStatus::ALL.iter().map(|s| s.as_str()).collect();
            assert_eq!(words, ours);
        }
        for status in AssignmentStatus::ALL {
            assert_eq!(AssignmentStatus::parse(status.as_str()), Some(*status));
        }
    }
}
