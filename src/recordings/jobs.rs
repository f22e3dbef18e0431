//! The job queue, kept in the database so work survives restarts and is shared by every
//! server process on one database. A worker claims a job with a conditional update whose row
//! count it checks (portable to SQLite and PostgreSQL, no `SKIP LOCKED` needed); a claim is a
//! lease, so a job whose worker died is claimed again once the lease runs out.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::ids::{JobId, RecordingId};
use crate::db::schema::jobs;
use crate::db::time::{Timestamp, now};

crate::text_enum! {
    JobStatus {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

/// Building a recording's reviewer copy.
pub const PROCESS_RECORDING: &str = "process_recording";
/// How long a claim lasts; processing a 4-hour call takes well under a minute.
pub const LEASE: time::Duration = time::Duration::minutes(2);
/// Attempts before a job that keeps failing for passing reasons (disk, database) gives up.
pub const MAX_ATTEMPTS: i32 = 5;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub recording_id: Option<RecordingId>,
    pub status: JobStatus,
    pub attempts: i32,
    pub run_after: Timestamp,
}

pub fn enqueue(conn: &mut DbConnection, recording: &RecordingId) -> QueryResult<JobId> {
    let id = JobId::random();
    let at = now();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(&id),
            jobs::kind.eq(PROCESS_RECORDING),
            jobs::recording_id.eq(recording),
            jobs::status.eq(JobStatus::Queued),
            jobs::attempts.eq(0),
            jobs::run_after.eq(at),
            jobs::created_at.eq(at),
            jobs::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Claims the next due job for `worker`: a queued job whose time has come, or a running one
/// whose lease ran out (its worker died). `None` when there is nothing to do.
pub fn claim(conn: &mut DbConnection, worker: &str) -> QueryResult<Option<Job>> {
    let at = now();
    let due = || {
        jobs::status
            .eq(JobStatus::Queued)
            .and(jobs::run_after.le(at))
            .or(jobs::status
                .eq(JobStatus::Running)
                .and(jobs::locked_until.lt(at)))
    };
    let candidates: Vec<JobId> = jobs::table
        .filter(due())
        .order(jobs::run_after.asc())
        .limit(8)
        .select(jobs::id)
        .load(conn)?;
    for id in candidates {
        let claimed = diesel::update(jobs::table.find(&id).filter(due()))
            .set((
                jobs::status.eq(JobStatus::Running),
                jobs::locked_by.eq(worker),
                jobs::locked_until.eq(at + LEASE),
                jobs::attempts.eq(jobs::attempts + 1),
                jobs::updated_at.eq(at),
            ))
            .execute(conn)?;
        if claimed == 1 {
            return jobs::table
                .find(&id)
                .select(Job::as_select())
                .first(conn)
                .optional();
        }
    }
    Ok(None)
}

pub fn complete(conn: &mut DbConnection, id: &JobId) -> QueryResult<()> {
    diesel::update(jobs::table.find(id))
        .set((
            jobs::status.eq(JobStatus::Done),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<Timestamp>),
            jobs::last_error.eq(None::<String>),
            jobs::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failure. A passing one (`retry`) is tried again after a growing pause (30 s,
/// 1 min, 2 min, …) until [`MAX_ATTEMPTS`]; returns whether the job gave up.
pub fn fail(conn: &mut DbConnection, job: &Job, error: &str, retry: bool) -> QueryResult<bool> {
    let give_up = !retry || job.attempts >= MAX_ATTEMPTS;
    let at = now();
    let backoff = time::Duration::seconds(30 * (1i64 << job.attempts.clamp(0, 10)));
    diesel::update(jobs::table.find(&job.id))
        .set((
            jobs::status.eq(if give_up {
                JobStatus::Failed
            } else {
                JobStatus::Queued
            }),
            jobs::run_after.eq(at + backoff),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<Timestamp>),
            jobs::last_error.eq(error),
            jobs::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(give_up)
}

/// Jobs still to do (queued or running), for status displays and tests.
pub fn pending(conn: &mut DbConnection) -> QueryResult<i64> {
    jobs::table
        .filter(jobs::status.eq_any([JobStatus::Queued, JobStatus::Running]))
        .count()
        .get_result(conn)
}
