//! The SQLite write queue: the short write transactions of busy request handlers (drawing a
//! call, submitting a review, skipping) run on one thread, several to a database
//! transaction.
//!
//! SQLite lets one connection write at a time. When many reviewers send small writes at once,
//! handing that right from thread to thread — a lock, a wake-up, a commit with its own WAL
//! pages per request — costs more than the writes themselves. Here one thread owns a
//! connection and takes whatever work has queued: it opens one transaction, runs each piece
//! in its own savepoint (a piece that fails rolls back alone, exactly as if it had its own
//! transaction), commits once, and passes the answers to a second thread that waits for the
//! WAL flush ([`WalSync`]) and then answers every request of the batch. While that thread
//! waits on the disk, the writer runs the next batch. No answer leaves before its batch is
//! committed and on disk, so a piece that read what an earlier piece of the same batch wrote
//! never reports something that could still be lost.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use diesel::Connection;
use diesel::connection::{SimpleConnection, TransactionManager};

use super::{DbConnection, DbError, SQLITE_WRITERS, WalSync};
use crate::config::DatabaseUrl;

/// The most pieces of work in one transaction: enough to absorb a burst from every reviewer
/// at once, few enough that one batch stays short.
const MAX_BATCH: usize = 128;

/// The shortest time between two checkpoints (see [`checkpoint_when_due`]).
const CHECKPOINT_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

/// Queued write work, with the way to answer whoever is waiting for it.
trait Job: Send {
    /// Runs the work (inside a savepoint); whether it succeeded, and how to answer once the
    /// batch is committed and flushed.
    fn run(self: Box<Self>, conn: &mut DbConnection) -> (bool, Answer);
    /// The batch failed before this job ran: answers with the error.
    fn fail(self: Box<Self>, error: Arc<DbError>);
}

/// Sends a piece's outcome, or the batch's error when its commit or flush failed.
type Answer = Box<dyn FnOnce(Result<(), Arc<DbError>>) + Send>;

struct Pending<F, T, E> {
    work: F,
    reply: tokio::sync::oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> Job for Pending<F, T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut DbConnection) -> (bool, Answer) {
        let Pending { work, reply } = *self;
        let outcome = work(conn);
        let succeeded = outcome.is_ok();
        let answer: Answer = Box::new(move |batch| {
            let outcome = match batch {
                Err(error) if succeeded => Err(E::from(DbError::Batch(error))),
                _ => outcome,
            };
            // The request may have gone away meanwhile (client disconnected): nothing to do.
            let _ = reply.send(outcome);
        });
        (succeeded, answer)
    }

    fn fail(self: Box<Self>, error: Arc<DbError>) {
        let _ = self.reply.send(Err(E::from(DbError::Batch(error))));
    }
}

/// The handle requests use; the threads stop when it is dropped.
pub struct Writer {
    queue: Sender<Box<dyn Job>>,
}

impl Writer {
    /// Opens the connections and starts the threads: the writer, the one that answers after
    /// each flush, and the checkpointer.
    pub fn start(url: DatabaseUrl, wal: Arc<WalSync>) -> Result<Writer, DbError> {
        let conn = open_writer_connection(&url)?;
        let checkpoint_conn = DbConnection::open(&url)?;
        let (queue, jobs) = channel::<Box<dyn Job>>();
        let (committed, answers) = channel::<Vec<Answer>>();
        let (wrote, checkpoint_due) = sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("callqa-db-ckpt".to_owned())
            .spawn(move || checkpoint_when_due(checkpoint_conn, &checkpoint_due))?;
        std::thread::Builder::new()
            .name("callqa-db-flush".to_owned())
            .spawn(move || answer_after_flush(&wal, &answers, &wrote))?;
        std::thread::Builder::new()
            .name("callqa-db-writer".to_owned())
            .spawn(move || write_batches(conn, &url, &jobs, &committed))?;
        Ok(Writer { queue })
    }

    /// Queues `work` and waits for its outcome, committed and durable.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        if self.queue.send(Box::new(Pending { work, reply })).is_err() {
            return Err(E::from(DbError::Cancelled));
        }
        // A dropped reply means the work panicked (the writer caught it and went on).
        outcome.await.unwrap_or(Err(E::from(DbError::Cancelled)))
    }
}

/// The writer's own connection. Its commits leave checkpoints to the checkpointer.
fn open_writer_connection(url: &DatabaseUrl) -> Result<DbConnection, DbError> {
    let mut conn = DbConnection::open(url)?;
    conn.batch_execute("PRAGMA wal_autocheckpoint = 0")?;
    Ok(conn)
}

fn write_batches(
    mut conn: DbConnection,
    url: &DatabaseUrl,
    jobs: &Receiver<Box<dyn Job>>,
    committed: &Sender<Vec<Answer>>,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        batch.extend(jobs.try_iter().take(MAX_BATCH - 1));
        let answers = match run_batch(&mut conn, batch) {
            Ok(answers) => answers,
            Err(error) => {
                tracing::error!("a batch of database writes failed: {error}");
                if depth(&mut conn) != Some(0) {
                    // Not even a rollback went through: start over on a new connection.
                    match open_writer_connection(url) {
                        Ok(fresh) => conn = fresh,
                        Err(error) => tracing::error!("cannot reopen the database: {error}"),
                    }
                }
                continue;
            }
        };
        if committed.send(answers).is_err() {
            return;
        }
    }
}

/// One transaction over the batch, a savepoint per job. When the transaction itself fails
/// (begin, savepoint bookkeeping, commit) everything is rolled back and every job of the
/// batch is answered with that error; the `Err` is for the log.
fn run_batch(
    conn: &mut DbConnection,
    batch: Vec<Box<dyn Job>>,
) -> Result<Vec<Answer>, Arc<DbError>> {
    // A writer that panicked left nothing behind (see `write_transaction`).
    let _queue = SQLITE_WRITERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Err(error) = conn.begin_write() {
        let error = Arc::new(DbError::from(error));
        fail_all(batch, Vec::new(), &error);
        return Err(error);
    }
    let mut answers = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        if let Err(error) = run_job(conn, job, &mut answers) {
            unwind_to(conn, 0);
            fail_all(jobs.collect(), answers, &error);
            return Err(error);
        }
    }
    match release(conn) {
        Ok(()) => Ok(answers),
        Err(error) => {
            unwind_to(conn, 0);
            fail_all(Vec::new(), answers, &error);
            Err(error)
        }
    }
}

/// Runs one job in a savepoint of the batch's transaction: kept when it succeeded, undone
/// when it failed or panicked (a panic inside a nested transaction of the job leaves more
/// levels open: all of them are undone).
fn run_job(
    conn: &mut DbConnection,
    job: Box<dyn Job>,
    answers: &mut Vec<Answer>,
) -> Result<(), Arc<DbError>> {
    savepoint(conn)?;
    match std::panic::catch_unwind(AssertUnwindSafe(|| job.run(conn))) {
        Ok((succeeded, answer)) => {
            answers.push(answer);
            if succeeded {
                release(conn)
            } else {
                roll_back(conn)
            }
        }
        // The job's reply was dropped with it: its request gets a server error.
        Err(_) => {
            tracing::error!("a database write panicked; it was rolled back");
            unwind_to(conn, 1);
            match depth(conn) {
                Some(1) => Ok(()),
                _ => Err(Arc::new(DbError::Cancelled)),
            }
        }
    }
}

/// Answers jobs that did not run and jobs that ran with the batch's error.
fn fail_all(not_run: Vec<Box<dyn Job>>, ran: Vec<Answer>, error: &Arc<DbError>) {
    for job in not_run {
        job.fail(error.clone());
    }
    for answer in ran {
        answer(Err(error.clone()));
    }
}

/// How many transaction levels are open on the connection; `None` when diesel lost track.
fn depth(conn: &mut DbConnection) -> Option<u32> {
    <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .ok()
        .map(|depth| depth.map_or(0, |d| d.get()))
}

/// Rolls back the levels above `level` (0: everything). Should a rollback fail, the writer
/// replaces the connection (see `write_batches`).
fn unwind_to(conn: &mut DbConnection, level: u32) {
    while depth(conn).is_some_and(|d| d > level) {
        if roll_back(conn).is_err() {
            break;
        }
    }
}

/// A savepoint inside the batch's transaction.
fn savepoint(conn: &mut DbConnection) -> Result<(), Arc<DbError>> {
    <DbConnection as Connection>::TransactionManager::begin_transaction(conn)
        .map_err(|e| Arc::new(e.into()))
}

/// Keeps the innermost savepoint's work (at the outermost level: commits).
fn release(conn: &mut DbConnection) -> Result<(), Arc<DbError>> {
    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
        .map_err(|e| Arc::new(e.into()))
}

/// Undoes the innermost savepoint's work (at the outermost level: rolls back).
fn roll_back(conn: &mut DbConnection) -> Result<(), Arc<DbError>> {
    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)
        .map_err(|e| Arc::new(e.into()))
}

/// Waits for the WAL flush that covers each committed batch (taking every batch that queued
/// meanwhile into the same flush), then answers their requests and tells the checkpoint
/// thread there is something to copy.
fn answer_after_flush(wal: &WalSync, committed: &Receiver<Vec<Answer>>, wrote: &SyncSender<()>) {
    while let Ok(mut answers) = committed.recv() {
        for more in committed.try_iter() {
            answers.extend(more);
        }
        let flushed = wal.wait_durable().map_err(|e| Arc::new(DbError::from(e)));
        for answer in answers {
            answer(flushed.clone());
        }
        // Full: a checkpoint is already due.
        let _ = wrote.try_send(());
    }
}

/// Copies the WAL into the database file — the checkpoint SQLite would otherwise run inside
/// the commit of whichever writer crossed its threshold, with the write lock held and two
/// flushes to wait for. A passive checkpoint here takes no lock writers wait on; the writer
/// thread keeps committing meanwhile. At most one per [`CHECKPOINT_PAUSE`], and none while
/// nothing is written.
fn checkpoint_when_due(mut conn: DbConnection, due: &Receiver<()>) {
    while due.recv().is_ok() {
        if let Err(error) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
            tracing::warn!("a WAL checkpoint failed (the next one will retry): {error}");
        }
        std::thread::sleep(CHECKPOINT_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use crate::config::DatabaseUrl;
    use crate::db::{Db, DbError};

    #[derive(Debug)]
    enum Refused {
        Db,
        Duplicate,
    }

    impl From<DbError> for Refused {
        fn from(_: DbError) -> Self {
            Refused::Db
        }
    }

    fn database() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("test.db")), 4).unwrap();
        db.get()
            .unwrap()
            .batch_execute("CREATE TABLE notes (word TEXT PRIMARY KEY)")
            .unwrap();
        (dir, db)
    }

    /// Inserts `word`; refuses (after writing it) when the word starts with "dup".
    fn insert(db: &Db, word: &'static str) -> tokio::task::JoinHandle<Result<(), Refused>> {
        let db = db.clone();
        tokio::spawn(async move {
            db.write(move |conn| {
                diesel::sql_query("INSERT INTO notes (word) VALUES (?)")
                    .bind::<diesel::sql_types::Text, _>(word)
                    .execute(conn)
                    .map_err(|_| Refused::Db)?;
                if word.starts_with("dup") {
                    return Err(Refused::Duplicate);
                }
                if word.starts_with("panic") {
                    panic!("a bug in a write");
                }
                Ok(())
            })
            .await
        })
    }

    fn words(db: &Db) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Word {
            #[diesel(sql_type = diesel::sql_types::Text)]
            word: String,
        }
        diesel::sql_query("SELECT word FROM notes ORDER BY word")
            .load::<Word>(&mut db.get().unwrap())
            .unwrap()
            .into_iter()
            .map(|w| w.word)
            .collect()
    }

    #[tokio::test]
    async fn a_write_that_fails_or_panics_undoes_only_itself() {
        let (_dir, db) = database();
        // Hold the writer on a first job so the next ones queue up and share one batch.
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let db = db.clone();
            tokio::spawn(async move {
                db.write(move |_conn| {
                    blocked.recv().ok();
                    Ok::<_, Refused>(())
                })
                .await
            })
        };
        let first = insert(&db, "alpha");
        let refused = insert(&db, "dup-beta");
        let panicked = insert(&db, "panic-gamma");
        let last = insert(&db, "omega");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send(()).unwrap();

        assert!(blocker.await.unwrap().is_ok());
        assert!(first.await.unwrap().is_ok());
        assert!(matches!(refused.await.unwrap(), Err(Refused::Duplicate)));
        assert!(matches!(panicked.await.unwrap(), Err(Refused::Db)));
        assert!(last.await.unwrap().is_ok());
        assert_eq!(words(&db), ["alpha", "omega"]);

        // The writer goes on after all that, and a constraint violation is refused alone.
        let again = insert(&db, "alpha");
        let fresh = insert(&db, "zeta");
        assert!(matches!(again.await.unwrap(), Err(Refused::Db)));
        assert!(fresh.await.unwrap().is_ok());
        assert_eq!(words(&db), ["alpha", "omega", "zeta"]);
    }

    #[tokio::test]
    async fn concurrent_writes_all_land() {
        let (_dir, db) = database();
        let words_to_write: Vec<&'static str> = (0..300)
            .map(|i| &*Box::leak(format!("w{i:03}").into_boxed_str()))
            .collect();
        let handles: Vec<_> = words_to_write.iter().map(|w| insert(&db, w)).collect();
        for handle in handles {
            assert!(handle.await.unwrap().is_ok());
        }
        assert_eq!(words(&db), words_to_write);
    }
}
