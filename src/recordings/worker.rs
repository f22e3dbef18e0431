//! The processing pool: a few threads (one per core by default) that claim jobs from the
//! database and build reviewer copies. They are woken at once when this process queues work
//! and poll every second for work queued by other processes or due for a retry.
//!
//! Beside them one thread renews the leases of the jobs they hold (see [`jobs`]); at start,
//! the pool releases the jobs of this data directory's previous process if it died holding
//! them (see [`super::identity`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::identity::ProcessIdentity;
use super::jobs::{self, Job};
use super::store::{AudioStore, Kind};
use super::{Recording, RecordingStatus};
use crate::audio::{self, AnonymizeOptions, AudioError, CopyFormat, OperatorChannel};
use crate::connectors::fetch::Fetch;
use crate::db::ids::RecordingId;
use crate::db::schema::recordings;
use crate::db::time::now;
use crate::db::{Db, DbError};
use crate::org_settings::OrgSettings;

struct Shared {
    stop: AtomicBool,
    /// Bumped on every wake-up so a sleeping worker notices work queued meanwhile.
    signal: Mutex<u64>,
    condvar: Condvar,
    /// Workers still running; the lease renewer outlives them (a stopping worker finishes
    /// its job, and keeps its lease while it does).
    live: AtomicUsize,
    /// Workers inside a job right now: leases to renew.
    busy: AtomicUsize,
}

impl Shared {
    /// Stopped, and every worker has finished.
    fn finished(&self) -> bool {
        self.stop.load(Ordering::SeqCst) && self.live.load(Ordering::SeqCst) == 0
    }
}

/// Counts a worker in `live` or `busy` for as long as it exists, even when the job panics.
struct Count<'a> {
    shared: &'a Shared,
    counter: &'a AtomicUsize,
}

impl<'a> Count<'a> {
    fn new(shared: &'a Shared, counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Count { shared, counter }
    }
}

impl Drop for Count<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::SeqCst);
        // The lease renewer waits for the last worker to end.
        Waker::wake_shared(self.shared);
    }
}

/// Wakes the workers when work was queued.
#[derive(Clone)]
pub struct Waker(Arc<Shared>);

impl Waker {
    pub fn wake(&self) {
        Waker::wake_shared(&self.0);
    }

    fn wake_shared(shared: &Shared) {
        if let Ok(mut signal) = shared.signal.lock() {
            *signal = signal.wrapping_add(1);
        }
        shared.condvar.notify_all();
    }
}

pub struct WorkerPool {
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
    /// Holds the identity file of `data_dir` (when this process got it) until the pool ends.
    _identity: Option<ProcessIdentity>,
}

impl WorkerPool {
    /// Starts `threads` workers and their lease renewer. First, when the previous process
    /// that ran jobs on `data_dir` died holding some, puts them back in the queue, due now.
    /// With no threads this process runs no jobs and leaves the identity file alone.
    pub fn start(
        db: Db,
        store: AudioStore,
        fetch: Fetch,
        threads: usize,
        data_dir: &Path,
    ) -> WorkerPool {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            signal: Mutex::new(0),
            condvar: Condvar::new(),
            live: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
        });
        if threads == 0 {
            return WorkerPool {
                shared,
                handles: Vec::new(),
                _identity: None,
            };
        }
        let takeover = ProcessIdentity::take_over(data_dir);
        if let Some(dead) = &takeover.predecessor {
            release_claims_of(&db, dead);
        }
        let identity = takeover.identity;
        let mut handles: Vec<JoinHandle<()>> = (0..threads)
            .filter_map(|index| {
                let worker = identity.worker_name(index);
                let (db, store, mine) = (db.clone(), store.clone(), shared.clone());
                let fetch = fetch.clone();
                // Counted before the thread starts, so the renewer never sees zero early.
                shared.live.fetch_add(1, Ordering::SeqCst);
                let spawned = std::thread::Builder::new()
                    .name(format!("callqa-worker-{index}"))
                    .spawn(move || {
                        let _live = Count {
                            shared: &mine,
                            counter: &mine.live,
                        };
                        run(&worker, &db, &store, &fetch, &mine)
                    });
                match spawned {
                    Ok(handle) => Some(handle),
                    Err(error) => {
                        shared.live.fetch_sub(1, Ordering::SeqCst);
                        tracing::error!(%error, "cannot start a processing worker");
                        None
                    }
                }
            })
            .collect();
        let (process, db, renewer_shared) = (identity.id().to_owned(), db, shared.clone());
        match std::thread::Builder::new()
            .name("callqa-lease-renewer".to_owned())
            .spawn(move || renew_leases(&process, &db, &renewer_shared))
        {
            Ok(handle) => handles.push(handle),
            // Jobs still run; a long one may then be taken by another process meanwhile.
            Err(error) => tracing::error!(%error, "cannot start the lease renewer"),
        }
        WorkerPool {
            shared,
            handles,
            _identity: Some(identity),
        }
    }

    pub fn waker(&self) -> Waker {
        Waker(self.shared.clone())
    }

    /// Asks the workers to stop after their current job and waits for them (and for the
    /// lease renewer, which ends after them).
    pub fn stop(mut self) {
        self.signal_stop();
        for handle in std::mem::take(&mut self.handles) {
            let _ = handle.join();
        }
    }

    fn signal_stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        Waker(self.shared.clone()).wake();
    }
}

/// A pool dropped without [`WorkerPool::stop`] (an application built but never run) still
/// lets its threads end.
impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

/// Puts the jobs of the dead process `dead` back in the queue. On failure they come back
/// anyway when their leases run out.
fn release_claims_of(db: &Db, dead: &str) {
    let released = db
        .get()
        .and_then(|mut conn| Ok(jobs::release_claims_of(&mut conn, dead)?))
        .and_then(|released| db.make_durable().map(|()| released));
    match released {
        Ok(0) => {}
        Ok(released) => tracing::info!(
            released,
            process = dead,
            "jobs interrupted when the previous process stopped are queued again"
        ),
        Err(error) => tracing::warn!(
            %error,
            process = dead,
            "cannot release the previous process's jobs; they resume when their leases run out"
        ),
    }
}

/// Every [`jobs::RENEW_EVERY`] while any worker is inside a job, renews the leases of this
/// process's jobs. A separate thread, so a long job keeps its lease; ends once every worker
/// has.
fn renew_leases(process: &str, db: &Db, shared: &Shared) {
    let mut last = Instant::now();
    loop {
        let signal = shared.signal.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = jobs::RENEW_EVERY.saturating_sub(last.elapsed());
        drop(
            shared
                .condvar
                .wait_timeout_while(signal, wait, |_| !shared.finished())
                .unwrap_or_else(PoisonError::into_inner),
        );
        if shared.finished() {
            return;
        }
        if last.elapsed() < jobs::RENEW_EVERY {
            continue;
        }
        last = Instant::now();
        if shared.busy.load(Ordering::SeqCst) == 0 {
            continue;
        }
        if let Err(error) = db
            .get()
            .and_then(|mut conn| Ok(jobs::renew(&mut conn, process)?))
        {
            tracing::warn!(%error, "cannot renew the leases of running jobs; retrying shortly");
        }
    }
}

fn run(worker: &str, db: &Db, store: &AudioStore, fetch: &Fetch, shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let seen = shared.signal.lock().map(|s| *s).unwrap_or_default();
        let worked = match db
            .get()
            .and_then(|mut conn| Ok(jobs::claim(&mut conn, worker)?))
        {
            Ok(Some(job)) => {
                let _busy = Count::new(shared, &shared.busy);
                if job.kind == jobs::FETCH_CALL {
                    crate::connectors::fetch::run(db, store, fetch, &job);
                } else {
                    process(db, store, &job);
                }
                true
            }
            Ok(None) => false,
            Err(error) => {
                tracing::warn!(%error, "cannot claim a job; retrying shortly");
                false
            }
        };
        if !worked && let Ok(signal) = shared.signal.lock() {
            let _ = shared
                .condvar
                .wait_timeout_while(signal, Duration::from_secs(1), |s| {
                    *s == seen && !shared.stop.load(Ordering::SeqCst)
                });
        }
    }
}

/// Why building a reviewer copy failed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the stored original is missing: {0}")]
    Store(#[from] std::io::Error),
}

impl From<diesel::result::Error> for ProcessError {
    fn from(error: diesel::result::Error) -> Self {
        ProcessError::Db(DbError::Query(error))
    }
}

impl ProcessError {
    /// Whether trying again later could help (a full disk, a database hiccup), unlike a file
    /// that simply is not valid audio.
    fn is_passing(&self) -> bool {
        matches!(
            self,
            ProcessError::Db(_) | ProcessError::Audio(AudioError::Io { .. })
        )
    }

    fn code(&self) -> &'static str {
        match self {
            ProcessError::Audio(audio) => audio.code(),
            ProcessError::Db(_) => "database_error",
            ProcessError::Store(_) => "audio_io",
        }
    }
}

/// Runs one job and records its outcome on the job and on the recording.
pub fn process(db: &Db, store: &AudioStore, job: &Job) {
    let (outcome, generation) = match &job.recording_id {
        Some(id) => match Build::start(db, id) {
            Ok(Some(build)) => {
                let generation = build.generation;
                let started = std::time::Instant::now();
                let built = build.finish(db, store);
                if let Ok(Built::Ready) = built {
                    crate::metrics::copy_built(started.elapsed());
                }
                (built.map(|_| ()), Some(generation))
            }
            Ok(None) => (Ok(()), None),
            Err(error) => (Err(error), None),
        },
        None => (Ok(()), None),
    };
    let recorded = db
        .get()
        .and_then(|mut conn| {
            match &outcome {
                Ok(()) => jobs::complete(&mut conn, &job.id)?,
                Err(error) => {
                    let gave_up =
                        jobs::fail(&mut conn, job, &error.to_string(), error.is_passing())?;
                    tracing::warn!(job = %job.id, %error, gave_up, "processing failed");
                    if let (true, Some(id)) = (gave_up, &job.recording_id) {
                        let generation = match generation {
                            Some(generation) => Some(generation),
                            None => Recording::build_generation(&mut conn, id)?,
                        };
                        if let Some(generation) = generation {
                            Recording::mark_failed(
                                &mut conn,
                                id,
                                generation,
                                error.code(),
                                &error.to_string(),
                            )?;
                        }
                    }
                }
            }
            Ok(())
        })
        .and_then(|()| db.make_durable());
    if let Err(error) = recorded {
        // The lease will run out and the job will be claimed again.
        tracing::error!(job = %job.id, %error, "cannot record a job's outcome");
    }
}

/// A reviewer copy being built: the recording and exactly what the copy is built from.
///
/// The build generation is read *before* the ranges and settings, and the copy is marked
/// ready only if the generation is still the same when it is done. Every change to what must
/// be hidden moves the generation on in the same transaction as the change, so a copy that
/// started before an acknowledged change can never be handed out: it is thrown away, and the
/// change's own job builds the copy again.
pub struct Build {
    recording: Recording,
    generation: i32,
    options: AnonymizeOptions,
}

/// How a build ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Built {
    /// The copy is the recording's reviewer copy now, and the call is in the pool.
    Ready,
    /// The owner changed what must be hidden while it was being built: it was thrown away.
    Superseded,
}

impl Build {
    /// Reads what the copy must be built from and marks the recording as processing. `None`
    /// when there is nothing to build: the recording is gone, or its current copy is already
    /// built (an earlier job of the same change got there first).
    pub fn start(db: &Db, id: &RecordingId) -> Result<Option<Build>, ProcessError> {
        let mut conn = db.get()?;
        let Some(generation) = Recording::build_generation(&mut conn, id)? else {
            return Ok(None);
        };
        let Some(recording) = Recording::find(&mut conn, id)? else {
            return Ok(None);
        };
        if recording.status == RecordingStatus::Ready {
            return Ok(None);
        }
        Recording::mark_processing(&mut conn, id, generation)?;
        let ranges = Recording::redactions(&mut conn, id)?;
        let settings = OrgSettings::load(&mut conn)?;
        Ok(Some(Build {
            recording,
            generation,
            options: AnonymizeOptions {
                format: CopyFormat::Mp3,
                voice: settings.voice_mode,
                operator_channel: settings.operator_channel,
                redactions: ranges.iter().map(|r| r.to_audio()).collect(),
                seed: None,
            },
        }))
    }

    /// Builds the copy (no database connection is held meanwhile) and makes it the
    /// recording's reviewer copy, unless a change overtook it.
    pub fn finish(self, db: &Db, store: &AudioStore) -> Result<Built, ProcessError> {
        let Build {
            recording,
            generation,
            options,
        } = self;
        let original = store.local_copy(Kind::Original, &recording.original_file)?;
        let (reviewer_name, peaks_name) = (AudioStore::new_name(), AudioStore::new_name());
        let built = audio::anonymize(
            &original,
            &store.path(Kind::Reviewer, &reviewer_name)?,
            &store.path(Kind::Peaks, &peaks_name)?,
            &options,
        );
        store.release(Kind::Original, &recording.original_file);
        let report = built?;
        store.make_durable(&[(Kind::Reviewer, &reviewer_name), (Kind::Peaks, &peaks_name)])?;

        let id = &recording.id;
        let mut conn = db.get()?;
        let updated = conn.write_transaction(|conn| {
            // The call's shard first, as in every transaction that ends in a pool refresh;
            // every shard for a first copy, whose sampling decision (one period's reservoir,
            // shared with other calls) must be taken one at a time across processes.
            let mut locked = if recording.ready_at.is_none() {
                crate::assignments::pool::lock_all(conn)?
            } else {
                crate::assignments::pool::lock_for(conn, id)?
            };
            let previous: Option<(Option<String>, Option<String>)> = recordings::table
                .find(id)
                .select((recordings::anonymized_file, recordings::peaks_file))
                .first(conn)
                .optional()?;
            let updated = diesel::update(
                recordings::table
                    .find(id)
                    .filter(recordings::build_generation.eq(generation)),
            )
            .set((
                recordings::status.eq(RecordingStatus::Ready),
                recordings::error.eq(None::<String>),
                recordings::error_code.eq(None::<String>),
                recordings::duration_ms.eq(i64::try_from(report.duration_ms).unwrap_or(i64::MAX)),
                recordings::channels.eq(i32::from(report.source_channels)),
                recordings::sample_rate.eq(i32::try_from(report.sample_rate).unwrap_or(i32::MAX)),
                recordings::voice_mode.eq(report.voice.as_str()),
                recordings::voice_channel.eq(match report.disguised_channel {
                    OperatorChannel::Unknown => None,
                    side => Some(side.as_str()),
                }),
                recordings::anonymized_file.eq(&reviewer_name),
                recordings::peaks_file.eq(&peaks_name),
                recordings::ready_at.eq(now()),
            ))
            .execute(conn)?;
            if updated == 1 {
                // The first copy decides the call's place in its script's sampling plan.
                crate::sampling::decide(conn, &recording, report.duration_ms, &mut rand::rng())?;
                // Ready: reviewers can be given it now (unless it is not in the sample).
                crate::assignments::pool::refresh_locked(conn, &mut locked, id)?;
            }
            Ok::<_, ProcessError>((updated, previous))
        })?;
        let (updated, previous) = updated;
        if updated == 0 {
            tracing::info!(recording = %id, "a newer change overtook this reviewer copy");
            store.remove(Kind::Reviewer, &reviewer_name);
            store.remove(Kind::Peaks, &peaks_name);
            return Ok(Built::Superseded);
        }
        // The previous reviewer copy (before new ranges or settings) is no longer needed.
        if let Some((audio, peaks)) = previous {
            if let Some(old) = audio {
                store.remove(Kind::Reviewer, &old);
            }
            if let Some(old) = peaks {
                store.remove(Kind::Peaks, &old);
            }
        }
        Ok(Built::Ready)
    }
}
