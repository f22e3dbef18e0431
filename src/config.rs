//! Typed configuration: every setting comes from a command-line flag or a `CALLQA_*`
//! environment variable, with a default that works on a fresh machine. Nothing else in the
//! crate reads the environment.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::http::client_address::TrustedProxies;

/// Where the data lives: shared by every subcommand that touches the database.
#[derive(Debug, Clone, clap::Args)]
pub struct StorageSettings {
    /// Directory for the embedded SQLite database, the signing key and the audio store.
    /// Created on first start.
    #[arg(long, env = "CALLQA_DATA_DIR", default_value = "./callqa-data")]
    pub data_dir: PathBuf,

    /// Database URL. Default: a SQLite file `callqa.db` inside the data directory.
    /// A `postgres://…` or `postgresql://…` URL selects PostgreSQL; `sqlite://PATH` or a plain
    /// path selects a SQLite file.
    #[arg(long, env = "CALLQA_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Largest number of database connections this process keeps open.
    #[arg(long, env = "CALLQA_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,

    /// Where the audio lives when not under the data directory.
    #[command(flatten)]
    pub object_store: ObjectStoreSettings,
}

/// An S3-compatible object store for the audio (originals, reviewer copies, peaks). Unset
/// bucket: the audio stays under the data directory.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ObjectStoreSettings {
    /// The bucket that keeps the audio. Setting it moves new audio into the object store.
    #[arg(long, env = "CALLQA_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The store's address, for a service other than Amazon S3 (MinIO, Ceph, a cloud's S3
    /// API): `https://s3.example.com`. Plain `http://` is accepted for a store on the local
    /// network. Default: Amazon S3 in the region below.
    #[arg(long, env = "CALLQA_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region.
    #[arg(long, env = "CALLQA_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    /// A prefix for every key (`callqa/`), to share a bucket with other data.
    #[arg(long, env = "CALLQA_S3_PREFIX", default_value = "")]
    pub s3_prefix: String,
    /// The access key. Unset: the instance's or container's credentials (EC2, ECS, EKS).
    #[arg(long, env = "CALLQA_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,
    #[arg(long, env = "CALLQA_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,
}

/// Settings of the HTTP server (`callqa serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    #[command(flatten)]
    pub storage: StorageSettings,

    /// Address and port to listen on. Port 0 picks a free port.
    #[arg(long, env = "CALLQA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// File holding the key that signs login tokens. Default: `secret.key` in the data
    /// directory, generated on first start with owner-only (0600) permissions.
    #[arg(long, env = "CALLQA_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,

    /// Base URL people use to reach this server, used in printed and shared links
    /// (setup, invites). Default: `http://` and the bound address.
    #[arg(long, env = "CALLQA_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// How long a login lasts, in hours.
    #[arg(long, env = "CALLQA_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,

    /// HTTP worker threads. Default: one per CPU core.
    #[arg(long, env = "CALLQA_WORKERS")]
    pub workers: Option<usize>,

    /// Threads that build reviewer copies of recordings. Default: one per CPU core; 0 makes
    /// this process serve HTTP only (another process on the same database does the work).
    #[arg(long, env = "CALLQA_JOB_WORKERS")]
    pub job_workers: Option<usize>,

    /// Largest accepted upload, in megabytes.
    #[arg(long, env = "CALLQA_MAX_UPLOAD_MB", default_value_t = 200)]
    pub max_upload_mb: u64,

    /// A review is refused when sent sooner than this fraction of the call's length after
    /// the call was assigned (0.5: the whole call at double speed). 0 turns the check off.
    #[arg(long, env = "CALLQA_MIN_LISTEN_RATIO", default_value_t = 0.5)]
    pub min_listen_ratio: f64,

    /// Reviews read per page of the raw answer export (its memory is about one page).
    #[arg(long, env = "CALLQA_EXPORT_PAGE_REVIEWS", default_value_t = 500,
          value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub export_page_reviews: i64,

    /// A sampling period's held calls go to reviewers once the period has ended and no call
    /// has joined it for this many seconds (late uploads and imports still count in it).
    #[arg(long, env = "CALLQA_SAMPLE_QUIET_SECONDS", default_value_t = 600)]
    pub sample_quiet_seconds: u64,

    /// The token a Prometheus scraper sends (`Authorization: Bearer …`) to read `/metrics`.
    /// Unset: `/metrics` answers 404.
    #[arg(long, env = "CALLQA_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// How recordings are downloaded from a PBX for the connectors.
    #[command(flatten)]
    pub fetch: FetchSettings,

    /// Reverse proxies or load balancers in front of this server, as IP addresses or CIDR
    /// ranges separated by commas (`10.0.0.1,10.1.0.0/16`). Only for a connection from one of
    /// them is the client's address taken from `X-Forwarded-For` (the rightmost entry that is
    /// not itself a trusted proxy); it decides whose login attempts are throttled together.
    /// Default: none — the header is ignored, since any client can send it.
    #[arg(
        long,
        env = "CALLQA_TRUSTED_PROXIES",
        default_value = "",
        hide_default_value = true
    )]
    pub trusted_proxies: TrustedProxies,
}

/// Downloads of recordings a connector was told about (see `crate::connectors::download`).
#[derive(Debug, Clone, clap::Args)]
pub struct FetchSettings {
    /// Lets downloads use plain `http` and reach private, loopback and link-local addresses
    /// (a PBX on the office network). Off by default: only `https` to public addresses, so a
    /// forged or hostile event cannot make the server fetch an internal URL.
    #[arg(long, env = "CALLQA_FETCH_ALLOW_PRIVATE", default_value_t = false)]
    pub fetch_allow_private: bool,
    /// The longest one download may take, in seconds (connecting, redirects and body).
    #[arg(long, env = "CALLQA_FETCH_TIMEOUT_SECONDS", default_value_t = 120)]
    pub fetch_timeout_seconds: u64,
    /// The pause before the first retry of a failed download, in seconds; it doubles with
    /// each further attempt.
    #[arg(long, env = "CALLQA_FETCH_RETRY_SECONDS", default_value_t = 60)]
    pub fetch_retry_seconds: u64,
    /// Attempts before a download gives up and the call ends `failed`.
    #[arg(long, env = "CALLQA_FETCH_ATTEMPTS", default_value_t = 6)]
    pub fetch_attempts: u32,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            fetch_allow_private: false,
            fetch_timeout_seconds: 120,
            fetch_retry_seconds: 60,
            fetch_attempts: 6,
        }
    }
}

impl Settings {
    /// Settings with every default, for a given data directory (used by tests and `demo`).
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Settings {
            storage: StorageSettings {
                data_dir: data_dir.into(),
                database_url: None,
                db_pool_size: 8,
                object_store: ObjectStoreSettings::default(),
            },
            bind: "127.0.0.1:0".to_owned(),
            secret_file: None,
            public_url: None,
            session_hours: 12,
            workers: None,
            job_workers: None,
            max_upload_mb: 200,
            min_listen_ratio: 0.5,
            export_page_reviews: 500,
            sample_quiet_seconds: 600,
            metrics_token: None,
            fetch: FetchSettings::default(),
            trusted_proxies: TrustedProxies::default(),
        }
    }

    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_mb.saturating_mul(1024 * 1024)
    }

    pub fn job_threads(&self) -> usize {
        self.job_workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        })
    }

    /// The signing key file, explicit or inside the data directory.
    pub fn secret_file(&self) -> PathBuf {
        self.secret_file
            .clone()
            .unwrap_or_else(|| self.storage.data_dir.join("secret.key"))
    }
}

/// The database a URL names, decided by its scheme (never by trial: SQLite would accept any
/// string as a file name).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl StorageSettings {
    /// The database to use: the explicit URL or the embedded default in the data directory.
    pub fn database(&self) -> DatabaseUrl {
        match self.database_url.as_deref().map(str::trim) {
            None | Some("") => DatabaseUrl::Sqlite(self.data_dir.join("callqa.db")),
            Some(url) => DatabaseUrl::parse(url),
        }
    }
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            DatabaseUrl::Sqlite(Path::new(path).to_path_buf())
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgresql",
        }
    }
}

/// Printed at start and in logs: the PostgreSQL password is masked.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match url::Url::parse(url) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    let _ = parsed.set_password(Some("****"));
                    write!(f, "{parsed}")
                }
                Ok(parsed) => write!(f, "{parsed}"),
                Err(_) => f.write_str("postgres://(unparsable URL)"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// One line per setting, secrets masked, for the start-up banner.
impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  bind          {}", self.bind)?;
        writeln!(f, "  data dir      {}", self.storage.data_dir.display())?;
        writeln!(f, "  database      {}", self.storage.database())?;
        writeln!(f, "  db pool size  {}", self.storage.db_pool_size)?;
        let store = &self.storage.object_store;
        match &store.s3_bucket {
            Some(bucket) => writeln!(
                f,
                "  audio         s3://{bucket}/{} at {} (secret not shown)",
                store.s3_prefix,
                store.s3_endpoint.as_deref().unwrap_or("Amazon S3"),
            )?,
            None => writeln!(f, "  audio         the data dir")?,
        }
        writeln!(
            f,
            "  signing key   {} (contents not shown)",
            self.secret_file().display()
        )?;
        writeln!(f, "  session       {} h", self.session_hours)?;
        writeln!(f, "  max upload    {} MB", self.max_upload_mb)?;
        writeln!(f, "  job workers   {}", self.job_threads())?;
        let metrics = if self.metrics_token.is_some() {
            "/metrics (token not shown)"
        } else {
            "off (no CALLQA_METRICS_TOKEN)"
        };
        writeln!(f, "  metrics       {metrics}")?;
        if self.trusted_proxies.is_empty() {
            writeln!(f, "  proxies       none trusted (X-Forwarded-For ignored)")?;
        } else {
            writeln!(f, "  proxies       {}", self.trusted_proxies)?;
        }
        match &self.public_url {
            Some(url) => write!(f, "  public url    {url}"),
            None => write!(f, "  public url    (from bind address)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_decides_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u:p@h/db"),
            DatabaseUrl::Postgres("postgres://u:p@h/db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db"),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("data/x.db"),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
    }

    #[test]
    fn password_is_masked_when_printed() {
        let shown = DatabaseUrl::parse("postgres://alice:hunter2@db:5432/callqa").to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("alice"), "{shown}");
    }
}
