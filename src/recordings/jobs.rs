//! The job queue, kept in the database so work survives restarts and is shared by every
//! server process on one database. A worker claims a job with a conditional update whose row
//! count it checks (portable to SQLite and PostgreSQL, no `SKIP LOCKED` needed); a claim is a
//! lease, so a job whose worker died is claimed again once the lease runs out.
//!
//! Leases are short and kept alive by a heartbeat: each process renews the leases of the jobs
//! its workers hold every few seconds ([`renew`]), however long a job takes. A process that
//! dies stops renewing, so other processes take its jobs within one [`LEASE`]; a process that
//! restarts on the same data directory releases its dead predecessor's jobs at once
//! ([`release_claims_of`], see [`super::identity`]).

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::ids::{InboundId, JobId, RecordingId};
use crate::db::schema::jobs;
use crate::db::time::{Timestamp, now};
use crate::recordings::identity::claims_pattern;

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
/// Downloading an inbound call's file from its PBX (`inbound_id`, `payload`).
pub const FETCH_CALL: &str = "fetch_call";
/// How long a claim lasts without renewal: how long the jobs of a process that died stay
/// stuck before another process takes them. Renewed every [`RENEW_EVERY`], so two renewals in
/// a row may fail (a database hiccup) before the claim is lost.
pub const LEASE: time::Duration = time::Duration::seconds(15);
/// How often a process renews the leases of the jobs its workers hold.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
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
    pub inbound_id: Option<InboundId>,
    /// What a fetch job fetches (the connector's own JSON).
    pub payload: Option<String>,
}

/// The queue now, for monitoring: jobs queued, running and failed per kind (done ones are
/// history), and per kind how long the oldest due queued job has waited, in seconds.
pub fn queue_now(conn: &mut DbConnection) -> QueryResult<crate::metrics::Queue> {
    let at = now();
    let counts: Vec<(String, JobStatus, i64)> = jobs::table
        .filter(jobs::status.ne(JobStatus::Done))
        .group_by((jobs::kind, jobs::status))
        .select((jobs::kind, jobs::status, diesel::dsl::count_star()))
        .load(conn)?;
    let oldest: Vec<(String, Option<Timestamp>)> = jobs::table
        .filter(jobs::status.eq(JobStatus::Queued))
        .filter(jobs::run_after.le(at))
        .group_by(jobs::kind)
        .select((jobs::kind, diesel::dsl::min(jobs::run_after)))
        .load(conn)?;
    Ok(crate::metrics::Queue {
        counts: counts
            .into_iter()
            .map(|(kind, status, jobs)| crate::metrics::QueueCount {
                kind,
                status: status.as_str().to_owned(),
                jobs,
            })
            .collect(),
        oldest_due: oldest
            .into_iter()
            .filter_map(|(kind, first)| Some((kind, (at - first?).whole_seconds().max(0))))
            .collect(),
    })
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

/// Queues the download of an inbound call's file; `payload` tells the connector what to
/// fetch.
pub fn enqueue_fetch(
    conn: &mut DbConnection,
    inbound: &InboundId,
    payload: &str,
) -> QueryResult<JobId> {
    let id = JobId::random();
    let at = now();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(&id),
            jobs::kind.eq(FETCH_CALL),
            jobs::inbound_id.eq(inbound),
            jobs::payload.eq(payload),
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
    fail_with_backoff(conn, job, error, retry, Backoff::DEFAULT)
}

/// How a failing job is retried: after `first`, doubling each time, at most `attempts` tries.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: time::Duration,
    pub attempts: i32,
}

impl Backoff {
    pub const DEFAULT: Backoff = Backoff {
        first: time::Duration::seconds(30),
        attempts: MAX_ATTEMPTS,
    };
}

/// [`fail`] with a given retry policy.
pub fn fail_with_backoff(
    conn: &mut DbConnection,
    job: &Job,
    error: &str,
    retry: bool,
    backoff: Backoff,
) -> QueryResult<bool> {
    let give_up = !retry || job.attempts >= backoff.attempts;
    let at = now();
    let pause = backoff.first * (1i32 << (job.attempts - 1).clamp(0, 10));
    diesel::update(jobs::table.find(&job.id))
        .set((
            jobs::status.eq(if give_up {
                JobStatus::Failed
            } else {
                JobStatus::Queued
            }),
            jobs::run_after.eq(at + pause),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<Timestamp>),
            jobs::last_error.eq(error),
            jobs::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(give_up)
}

/// Extends the leases of the running jobs held by the workers of `process` (see
/// [`super::identity`]); returns how many. A job another process took over in the meantime is
/// not touched.
pub fn renew(conn: &mut DbConnection, process: &str) -> QueryResult<usize> {
    let at = now();
    conn.write_transaction(|conn| {
        diesel::update(
            jobs::table
                .filter(jobs::status.eq(JobStatus::Running))
                .filter(jobs::locked_by.like(claims_pattern(process))),
        )
        .set(jobs::locked_until.eq(at + LEASE))
        .execute(conn)
    })
}

/// Puts the jobs held by the workers of `process`, which is known to be dead, back in the
/// queue, due now; returns how many. The interrupted attempt does not count against the job:
/// the process died, not the job.
pub fn release_claims_of(conn: &mut DbConnection, process: &str) -> QueryResult<usize> {
    let at = now();
    conn.write_transaction(|conn| {
        diesel::update(
            jobs::table
                .filter(jobs::status.eq(JobStatus::Running))
                .filter(jobs::locked_by.like(claims_pattern(process))),
        )
        .set((
            jobs::status.eq(JobStatus::Queued),
            jobs::run_after.eq(at),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<Timestamp>),
            jobs::attempts.eq(jobs::attempts - 1),
            jobs::updated_at.eq(at),
        ))
        .execute(conn)
    })
}

/// Jobs still to do (queued or running), for status displays and tests.
pub fn pending(conn: &mut DbConnection) -> QueryResult<i64> {
    jobs::table
        .filter(jobs::status.eq_any([JobStatus::Queued, JobStatus::Running]))
        .count()
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;
    use crate::db::Db;

    fn database() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("test.db")), 2).unwrap();
        db.migrate().unwrap();
        (dir, db)
    }

    /// A queued job with no recording behind it.
    fn queued(conn: &mut DbConnection) -> JobId {
        let id = JobId::random();
        let at = now();
        diesel::insert_into(jobs::table)
            .values((
                jobs::id.eq(&id),
                jobs::kind.eq(PROCESS_RECORDING),
                jobs::status.eq(JobStatus::Queued),
                jobs::attempts.eq(0),
                jobs::run_after.eq(at),
                jobs::created_at.eq(at),
                jobs::updated_at.eq(at),
            ))
            .execute(conn)
            .unwrap();
        id
    }

    fn lease_of(conn: &mut DbConnection, id: &JobId) -> (JobStatus, Option<Timestamp>, i32) {
        jobs::table
            .find(id)
            .select((jobs::status, jobs::locked_until, jobs::attempts))
            .first(conn)
            .unwrap()
    }

    /// Lets the lease of job `id` run out, as if its holder had stopped renewing long ago.
    fn expire(conn: &mut DbConnection, id: &JobId) {
        diesel::update(jobs::table.find(id))
            .set(jobs::locked_until.eq(now() - time::Duration::seconds(1)))
            .execute(conn)
            .unwrap();
    }

    fn process_id() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    #[test]
    fn renewal_keeps_a_claim_that_would_have_run_out() {
        let (_dir, db) = database();
        let mut conn = db.get().unwrap();
        let (mine, theirs) = (process_id(), process_id());
        let id = queued(&mut conn);
        let job = claim(&mut conn, &format!("{mine}-0")).unwrap().unwrap();
        assert_eq!(job.id, id);

        expire(&mut conn, &id);
        assert_eq!(renew(&mut conn, &theirs).unwrap(), 0, "not their job");
        assert_eq!(renew(&mut conn, &mine).unwrap(), 1);
        let (status, until, _) = lease_of(&mut conn, &id);
        assert_eq!(status, JobStatus::Running);
        assert!(until.unwrap() > now() + LEASE - time::Duration::seconds(5));
        assert!(
            claim(&mut conn, &format!("{theirs}-0")).unwrap().is_none(),
            "a renewed claim is not taken"
        );

        // Without renewal the lease runs out and another process takes the job.
        expire(&mut conn, &id);
        let taken = claim(&mut conn, &format!("{theirs}-1")).unwrap().unwrap();
        assert_eq!((taken.id, taken.attempts), (id.clone(), 2));
        assert_eq!(
            renew(&mut conn, &mine).unwrap(),
            0,
            "no longer mine to renew"
        );
    }

    #[test]
    fn a_dead_process_s_claims_are_due_again_at_once_without_counting_the_attempt() {
        let (_dir, db) = database();
        let mut conn = db.get().unwrap();
        let (dead, alive) = (process_id(), process_id());
        let (first, second, other) = (queued(&mut conn), queued(&mut conn), queued(&mut conn));
        for (id, worker) in [
            (&first, format!("{dead}-0")),
            (&second, format!("{dead}-1")),
            (&other, format!("{alive}-0")),
        ] {
            diesel::update(jobs::table.find(id))
                .set((
                    jobs::status.eq(JobStatus::Running),
                    jobs::locked_by.eq(worker),
                    jobs::locked_until.eq(now() + LEASE),
                    jobs::attempts.eq(1),
                ))
                .execute(&mut conn)
                .unwrap();
        }

        assert_eq!(release_claims_of(&mut conn, &dead).unwrap(), 2);
        for id in [&first, &second] {
            assert_eq!(lease_of(&mut conn, id), (JobStatus::Queued, None, 0));
        }
        assert_eq!(lease_of(&mut conn, &other).0, JobStatus::Running, "alive");
        let mut claimed: Vec<JobId> = (0..2)
            .map(|n| {
                claim(&mut conn, &format!("{alive}-{n}"))
                    .unwrap()
                    .unwrap()
                    .id
            })
            .collect();
        claimed.sort();
        let mut expected = vec![first, second];
        expected.sort();
        assert_eq!(claimed, expected, "due now, not after a lease");
    }
}
