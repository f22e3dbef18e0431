//! Storage: one connection type over SQLite and PostgreSQL, a pool, the embedded migrations of
//! both backends, id newtypes and time helpers; for SQLite, durable group commits
//! ([`WalSync`]) and the queue that batches the busiest writes ([`writer`]).
//!
//! Domain modules write their queries once against [`DbConnection`]; a construct that exists
//! on one backend only lives behind one named function here, never in a handler.

pub mod ids;
pub mod ingest_schema;
pub mod pay_schema;
pub mod schema;
pub mod time;
mod writer;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend; diesel dispatches every query to the active variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// What can go wrong below the domain: all of it is a server-side fault (HTTP 500) unless a
/// domain module recognises a constraint violation and turns it into its own error.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] ConnectionError),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("cannot prepare the database file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the database task was cancelled")]
    Cancelled,
    /// The shared transaction of a batch of writes failed (see [`writer`]).
    #[error("{0}")]
    Batch(std::sync::Arc<DbError>),
}

impl DbConnection {
    /// Opens one connection, SQLite with the settings every connection needs: WAL so readers
    /// never block the writer, foreign keys enforced, a busy timeout so concurrent writers
    /// queue instead of failing. Commits do not wait for the disk one by one (`synchronous =
    /// NORMAL`); [`Db::run`] makes them durable in groups before answering (see [`WalSync`]).
    pub fn open(url: &DatabaseUrl) -> Result<Self, DbError> {
        match url {
            DatabaseUrl::Postgres(url) => {
                Ok(DbConnection::Postgresql(PgConnection::establish(url)?))
            }
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)?;
                }
                configure_sqlite();
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbConnection::Sqlite(_))
    }

    /// Rows this SQLite connection has changed since it opened (`None` on PostgreSQL).
    fn sqlite_changes(&mut self) -> Option<i64> {
        let DbConnection::Sqlite(conn) = self else {
            return None;
        };
        diesel::RunQueryDsl::get_result(
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "total_changes()",
            )),
            conn,
        )
        .ok()
    }

    /// Applies the pending migrations of this connection's backend; returns how many ran.
    pub fn apply_migrations(&mut self) -> Result<usize, DbError> {
        let applied = match self {
            DbConnection::Postgresql(conn) => conn.run_pending_migrations(POSTGRES_MIGRATIONS),
            DbConnection::Sqlite(conn) => conn.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(applied.len())
    }

    /// A transaction that will write. On SQLite it starts with `BEGIN IMMEDIATE`, taking the
    /// write lock up front: a deferred transaction that reads first and writes later fails at
    /// once with "database is locked" when another writer got in between, whereas an immediate
    /// one simply waits its turn. PostgreSQL needs nothing special.
    ///
    /// Writers of this process also queue on [`SQLITE_WRITERS`] before `BEGIN IMMEDIATE`: they
    /// would otherwise wait in SQLite's busy handler, which sleeps in growing steps (up to
    /// 100 ms) and turns a short queue into long tail latencies. Other processes on the same
    /// file still meet the busy timeout.
    pub fn write_transaction<T, E, F>(&mut self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        // Inside a transaction already (the write lock is held): a savepoint will do.
        if !self.is_idle() || !self.is_sqlite() {
            return self.transaction(body);
        }
        // A writer that panicked left nothing behind (its transaction rolled back with the
        // connection), so a poisoned lock is still a good lock.
        let _queue = SQLITE_WRITERS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.begin_write()?;
        match body(self) {
            Ok(value) => match <Self as Connection>::TransactionManager::commit_transaction(self) {
                Ok(()) => Ok(value),
                Err(commit_error) => {
                    let _ = <Self as Connection>::TransactionManager::rollback_transaction(self);
                    Err(commit_error.into())
                }
            },
            Err(error) => {
                <Self as Connection>::TransactionManager::rollback_transaction(self)?;
                Err(error)
            }
        }
    }

    /// Opens a write transaction: `BEGIN IMMEDIATE` on SQLite (see
    /// [`DbConnection::write_transaction`]), a plain one on PostgreSQL.
    fn begin_write(&mut self) -> diesel::QueryResult<()> {
        match self {
            DbConnection::Sqlite(sqlite) => {
                AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
            }
            DbConnection::Postgresql(_) => {
                <Self as Connection>::TransactionManager::begin_transaction(self)
            }
        }
    }

    /// Outside any transaction, with a transaction manager in order.
    fn is_idle(&mut self) -> bool {
        <Self as Connection>::TransactionManager::transaction_manager_status_mut(self)
            .transaction_depth()
            .is_ok_and(|depth| depth.is_none())
    }
}

/// Process-wide SQLite settings, applied once before the first connection opens.
///
/// - Stable query plans (QPSG) on every connection. The bundled SQLite (3.53) compiles the
///   value bound to `LIMIT ?` into the statement and marks the statement stale whenever that
///   parameter is bound again, so every cached diesel statement with `.first()` (which binds
///   `LIMIT 1`) was compiled anew on each use — a quarter of the writer's time in a profile
///   of the review loop. With QPSG,
///   bound values never shape a plan; nothing here relies on that (no `LIKE ?` prefix
///   searches, no STAT4 statistics). SQLite offers the switch per connection only, and diesel
///   opens connections itself, so an auto-extension (which SQLite runs for every new
///   connection of the process) turns it on.
/// - No memory statistics: they put one global lock around every allocation SQLite makes,
///   which threads running queries at once then queue on. Nothing reads them.
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_config` is called before SQLite initializes (the first connection
        // opens after this); if it had initialized already the call is refused with
        // SQLITE_MISUSE and changes nothing. The entry point has the signature SQLite
        // expects and stays valid for the life of the process.
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0);
            libsqlite3_sys::sqlite3_auto_extension(Some(stable_query_plans));
        }
    });
}

/// Run by SQLite for each new connection (see [`configure_sqlite`]).
unsafe extern "C" fn stable_query_plans(
    db: *mut libsqlite3_sys::sqlite3,
    _error: *mut *mut std::ffi::c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::ffi::c_int {
    // SAFETY: `db` is the connection being opened; the option takes an int and an optional
    // pointer for the previous value (none wanted).
    unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            std::ptr::null_mut::<std::ffi::c_int>(),
        );
    }
    libsqlite3_sys::SQLITE_OK
}

/// The queue of this process's SQLite writers (see [`DbConnection::write_transaction`]).
static SQLITE_WRITERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Opens connections for the pool; the backend was chosen from the URL scheme beforehand.
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        DbConnection::open(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Group commit for SQLite. Each commit is written to the WAL without waiting for the disk;
/// before a request that wrote is answered, [`WalSync::wait_durable`] makes sure the WAL has
/// been flushed since that commit. One flush covers every commit made before it started, so
/// when many reviewers write at once they share flushes instead of queueing for one each —
/// the durability of `synchronous = FULL` at a fraction of the flushes. (A checkpoint that
/// moves frames into the database file flushes both, so nothing escapes between the two.)
pub struct WalSync {
    wal: PathBuf,
    state: std::sync::Mutex<SyncState>,
    flushed: std::sync::Condvar,
}

#[derive(Default)]
struct SyncState {
    /// Requests so far; each comes after its commit.
    requested: u64,
    /// Every request up to this one is on disk.
    synced: u64,
    flushing: bool,
}

impl WalSync {
    fn new(database: &std::path::Path) -> Self {
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        WalSync {
            wal: PathBuf::from(wal),
            state: std::sync::Mutex::new(SyncState::default()),
            flushed: std::sync::Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SyncState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Returns once everything committed before the call is on disk.
    pub fn wait_durable(&self) -> std::io::Result<()> {
        let mut state = self.lock();
        state.requested += 1;
        let mine = state.requested;
        loop {
            if state.synced >= mine {
                return Ok(());
            }
            if state.flushing {
                state = self
                    .flushed
                    .wait(state)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                continue;
            }
            // This thread flushes for everyone who asked so far.
            state.flushing = true;
            let target = state.requested;
            drop(state);
            let outcome = match std::fs::File::open(&self.wal) {
                Ok(file) => file.sync_data(),
                // No WAL file: everything was checkpointed into the (flushed) database file.
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(error) => Err(error),
            };
            state = self.lock();
            state.flushing = false;
            if outcome.is_ok() {
                state.synced = state.synced.max(target);
            }
            self.flushed.notify_all();
            outcome?;
        }
    }
}

/// The shared handle to the database: cheap to clone, one per process.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    url: DatabaseUrl,
    /// SQLite only: the group commit of this database file.
    wal_sync: Option<std::sync::Arc<WalSync>>,
    /// SQLite only: the queue of short request writes, started on first use.
    writer: std::sync::Arc<std::sync::OnceLock<Option<writer::Writer>>>,
}

impl Db {
    /// Connects (failing fast with the driver's message when the database is unreachable)
    /// and builds a pool of at most `max_size` connections.
    pub fn connect(url: &DatabaseUrl, max_size: u32) -> Result<Self, DbError> {
        let manager = ConnectionManager { url: url.clone() };
        drop(r2d2::ManageConnection::connect(&manager)?);
        let pool = r2d2::Pool::builder()
            .max_size(max_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(15))
            .build(manager)?;
        let wal_sync = match url {
            DatabaseUrl::Sqlite(path) => Some(std::sync::Arc::new(WalSync::new(path))),
            DatabaseUrl::Postgres(_) => None,
        };
        Ok(Db {
            pool,
            url: url.clone(),
            wal_sync,
            writer: Default::default(),
        })
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// This process's connections now: open, idle, and the most it may open.
    pub fn pool_use(&self) -> crate::metrics::PoolUse {
        let state = self.pool.state();
        crate::metrics::PoolUse {
            open: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// A connection for blocking code (CLI commands, background workers, tests). What it
    /// commits is durable once [`Db::make_durable`] returns (or the next request's flush).
    pub fn get(&self) -> Result<PooledConnection, DbError> {
        Ok(self.pool.get()?)
    }

    /// Waits until everything committed so far is on disk (a no-op on PostgreSQL, where
    /// every commit is).
    pub fn make_durable(&self) -> Result<(), DbError> {
        match &self.wal_sync {
            Some(wal) => Ok(wal.wait_durable()?),
            None => Ok(()),
        }
    }

    pub fn migrate(&self) -> Result<usize, DbError> {
        self.get()?.apply_migrations()
    }

    /// Runs a short read: on SQLite, when a connection is free at once, right here on the
    /// calling thread — an indexed lookup in an embedded database takes microseconds, less
    /// than the hand-off to the blocking pool and back; otherwise as [`Db::run`]. Only for
    /// reads that hit an index (it briefly occupies an async worker).
    pub async fn read_quick<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        if self.wal_sync.is_some()
            && let Some(mut conn) = self.pool.try_get()
        {
            return work(&mut conn);
        }
        self.run(work).await
    }

    /// Runs a short write transaction of a request (a few indexed reads and writes, nothing
    /// else: no file or network work, no password hashing). On SQLite it goes to the write
    /// queue ([`writer`]), which runs such work back to back, many to one commit; elsewhere
    /// it is [`Db::run`]. Either way the outcome is
    /// committed and on disk when this returns.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match self.writer() {
            Some(writer) => writer.write(work).await,
            None => self.run(work).await,
        }
    }

    fn writer(&self) -> Option<&writer::Writer> {
        self.writer
            .get_or_init(|| {
                let wal = self.wal_sync.clone()?;
                writer::Writer::start(self.url.clone(), wal)
                    .inspect_err(|e| tracing::warn!("no write queue, writing directly: {e}"))
                    .ok()
            })
            .as_ref()
    }

    /// Runs blocking database work on actix's blocking thread pool, so the async workers keep
    /// serving other requests while diesel waits on the database. When the work changed
    /// anything, it is on disk before this returns.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let wal_sync = self.wal_sync.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(DbError::from)?;
            let before = conn.sqlite_changes();
            let outcome = work(&mut conn);
            let wrote = conn.sqlite_changes() != before;
            // The connection goes back to the pool before the wait: the flush needs no
            // connection, and other requests can use it meanwhile.
            drop(conn);
            if let Some(wal) = wal_sync.as_deref().filter(|_| wrote) {
                wal.wait_durable().map_err(DbError::from)?;
            }
            outcome
        })
        .await
        .map_err(|_| E::from(DbError::Cancelled))?
    }
}

/// A closed set of words stored as text (`role`, `status`, `verdict`, …): parsed once at the
/// boundary, written and read back by diesel on both backends, serialized as the same word.
#[macro_export]
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// `None` for any other word.
            pub fn parse(word: &str) -> Option<Self> {
                match word { $($word => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let word = String::from_sql(bytes)?;
                $name::parse(&word).ok_or_else(|| format!("unexpected {} `{word}` in the database", stringify!($name)).into())
            }
        }
    };
}

/// Runs an `INSERT … ON CONFLICT` (an upsert). Both backends have it, but diesel's
/// multi-backend connection does not offer it, so the statement runs on the connection of
/// the active backend (inside whatever transaction the caller holds).
pub fn execute_upsert<Q>(conn: &mut DbConnection, upsert: Q) -> diesel::QueryResult<usize>
where
    Q: ExecuteDsl<PgConnection> + ExecuteDsl<SqliteConnection>,
{
    match conn {
        DbConnection::Postgresql(pg) => ExecuteDsl::<PgConnection>::execute(upsert, pg),
        DbConnection::Sqlite(sqlite) => ExecuteDsl::<SqliteConnection>::execute(upsert, sqlite),
    }
}

/// Whether a database error is a unique-constraint violation. SQLite names no constraint,
/// so callers decide which field clashed from what they were writing.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
