//! The processing pool: a few threads (one per core by default) that claim jobs from the
//! database and build reviewer copies. They are woken at once when this process queues work
//! and poll every second for work queued by other processes or due for a retry.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::prelude::*;

use super::jobs::{self, Job};
use super::store::{AudioStore, Kind};
use super::{Recording, RecordingStatus};
use crate::audio::{self, AnonymizeOptions, AudioError};
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
}

/// Wakes the workers when work was queued.
#[derive(Clone)]
pub struct Waker(Arc<Shared>);

impl Waker {
    pub fn wake(&self) {
        if let Ok(mut signal) = self.0.signal.lock() {
            *signal = signal.wrapping_add(1);
        }
        self.0.condvar.notify_all();
    }
}

pub struct WorkerPool {
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub fn start(db: Db, store: AudioStore, threads: usize) -> WorkerPool {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            signal: Mutex::new(0),
            condvar: Condvar::new(),
        });
        let process_id = uuid::Uuid::new_v4().simple().to_string();
        let handles = (0..threads)
            .filter_map(|index| {
                let worker = format!("{}-{index}", &process_id[..8]);
                let (db, store, shared) = (db.clone(), store.clone(), shared.clone());
                std::thread::Builder::new()
                    .name(format!("callqa-worker-{index}"))
                    .spawn(move || run(&worker, &db, &store, &shared))
                    .map_err(|e| tracing::error!(error = %e, "cannot start a processing worker"))
                    .ok()
            })
            .collect();
        WorkerPool { shared, handles }
    }

    pub fn waker(&self) -> Waker {
        Waker(self.shared.clone())
    }

    /// Asks the workers to stop after their current job and waits for them.
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

fn run(worker: &str, db: &Db, store: &AudioStore, shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let seen = shared.signal.lock().map(|s| *s).unwrap_or_default();
        let worked = match db
            .get()
            .and_then(|mut conn| Ok(jobs::claim(&mut conn, worker)?))
        {
            Ok(Some(job)) => {
                process(db, store, &job);
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
                (build.finish(db, store).map(|_| ()), Some(generation))
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
                voice: settings.voice(),
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
        let original = store.path(Kind::Original, &recording.original_file)?;
        let (reviewer_name, peaks_name) = (AudioStore::new_name(), AudioStore::new_name());
        let report = audio::anonymize(
            &original,
            &store.path(Kind::Reviewer, &reviewer_name)?,
            &store.path(Kind::Peaks, &peaks_name)?,
            &options,
        )?;
        store.make_durable(&[(Kind::Reviewer, &reviewer_name), (Kind::Peaks, &peaks_name)])?;

        let id = &recording.id;
        let mut conn = db.get()?;
        let updated = conn.write_transaction(|conn| {
            // The pool's lock first, as in every transaction that ends in a pool refresh.
            let mut locked = crate::assignments::pool::lock(conn)?;
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
                recordings::anonymized_file.eq(&reviewer_name),
                recordings::peaks_file.eq(&peaks_name),
                recordings::ready_at.eq(now()),
            ))
            .execute(conn)?;
            if updated == 1 {
                // Ready: reviewers can be given it now.
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
