//! Builds the application from [`Settings`]: data directory, signing key, database (migrated),
//! templates, and the HTTP server bound to its listener. `callqa serve` and the integration
//! tests both go through [`Application::build`], so tests exercise exactly what runs.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, DefaultHeaders, Next, from_fn};
use actix_web::{App, HttpServer, web};

use crate::accounts::invites::Invite;
use crate::accounts::{AccountError, User};
use crate::config::Settings;
use crate::connectors::fetch::Fetch;
use crate::db::{Db, DbError};
use crate::http::AppState;
use crate::http::routes::{RouteInfo, RouteSink};
use crate::recordings::store::AudioStore;
use crate::recordings::worker::WorkerPool;
use crate::secret::{SecretError, SigningKey};
use crate::web as pages;
use crate::web::errors::{bad_path, bad_payload};
use crate::web::templates::Templates;

/// What pages may load and run, on every response: only this origin's own files. Scripts
/// come from `assets/` only (no inline script or `on…=` handler anywhere); media, images and
/// fetches from this origin (no `data:` or `blob:` sources are used). Inline *style* stays
/// allowed: the vendored waveform (wavesurfer.js) styles its shadow DOM with a `<style>`
/// element it creates, and the operator page places verdict marks with `style="left: …%"`
/// so they stand without JavaScript. No plugins, no `<base>`, forms post only here, and no
/// other site may frame a page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self'; media-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Why the server could not start; printed for the person who ran it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "cannot use the object store for the audio (check CALLQA_S3_BUCKET, the endpoint and \
         the keys): {source}"
    )]
    ObjectStore { source: std::io::Error },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("cannot create the setup link: {0}")]
    SetupLink(String),
    #[error("the page templates do not compile: {0}")]
    Templates(String),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
}

pub struct Application {
    port: u16,
    base_url: String,
    setup_url: Option<String>,
    state: AppState,
    server: Server,
    workers: WorkerPool,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let data_dir = &settings.storage.data_dir;
        std::fs::create_dir_all(data_dir).map_err(|source| StartupError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let signing_key = SigningKey::load_or_create(&settings.secret_file())?;
        let db = Db::connect(&settings.storage.database(), settings.storage.db_pool_size)?;
        let applied = db.migrate()?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        let templates = web::Data::new(
            Templates::load().map_err(|e| StartupError::Templates(format!("{e:?}")))?,
        );

        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let base_url = settings
            .public_url
            .clone()
            .map(|url| url.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{address}"));

        let setup_url = setup_link(&db, &base_url)?;
        let store = AudioStore::open_with(&settings.storage).map_err(|source| {
            match &settings.storage.object_store.s3_bucket {
                Some(_) => StartupError::ObjectStore { source },
                None => StartupError::DataDir {
                    path: data_dir.join("audio").display().to_string(),
                    source,
                },
            }
        })?;
        store.clean_incoming();
        let fetch = Fetch::new(&settings.fetch, settings.max_upload_bytes());
        let workers = WorkerPool::start(
            db.clone(),
            store.clone(),
            fetch,
            settings.job_threads(),
            data_dir,
        );
        let state = AppState {
            db: db.clone(),
            store,
            workers: workers.waker(),
            base_url: base_url.clone(),
            settings: std::sync::Arc::new(settings.clone()),
            signing_key,
        };
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(app_state.clone()))
                .app_data(web::Data::new(app_state.db.clone()))
                .app_data(templates.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(1 << 20)
                        .error_handler(bad_payload),
                )
                .app_data(
                    web::FormConfig::default()
                        .limit(1 << 20)
                        .error_handler(bad_payload),
                )
                .app_data(web::QueryConfig::default().error_handler(bad_payload))
                .app_data(web::PathConfig::default().error_handler(bad_path))
                .configure(routes)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(crate::error::AppError::NotFound)
                }))
                .wrap(from_fn(crate::http::input_guard::guard))
                .wrap(from_fn(crate::http::session::authenticate))
                .wrap(from_fn(pages::errors::localize))
                .wrap(
                    DefaultHeaders::new()
                        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Referrer-Policy", "same-origin")),
                )
                .wrap(Compress::default())
                .wrap(from_fn(log_request))
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?
        .shutdown_timeout(30);
        if let Some(workers) = settings.workers {
            server = server.workers(workers.max(1));
        }
        Ok(Application {
            port: address.port(),
            base_url,
            setup_url,
            state,
            server: server.run(),
            workers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL people use to reach this server (printed links, invites).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The one-time link that creates the first owner, while no owner exists.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT or SIGTERM; in-flight requests then get up to 30 s to finish.
    /// The processing workers then finish their current job and stop.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let refits = tokio::spawn(refit_consensus(self.state.db.clone()));
        let samples = tokio::spawn(release_samples(
            self.state.db.clone(),
            self.state.settings.sample_quiet_seconds,
        ));
        let served = self.server.await;
        refits.abort();
        samples.abort();
        let workers = self.workers;
        let _ = actix_web::rt::task::spawn_blocking(move || workers.stop()).await;
        served
    }
}

/// How often the reviewers' weights of the consensus are fitted again.
const REFIT_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Fits the weighted consensus once a minute after the start, then every [`REFIT_EVERY`].
async fn refit_consensus(db: Db) {
    let mut wait = std::time::Duration::from_secs(60);
    loop {
        tokio::time::sleep(wait).await;
        wait = REFIT_EVERY;
        match db
            .run(|conn| crate::reviews::weighted::refit(conn).map_err(crate::db::DbError::from))
            .await
        {
            Ok(fit) => tracing::info!(
                labels = fit.labels,
                reviewers = fit.reviewers,
                weighted = fit.weighted,
                "consensus refitted"
            ),
            Err(error) => tracing::error!(%error, "cannot refit the consensus"),
        }
    }
}

/// Sends the held calls of ended sampling periods to reviewers: checks every minute (more
/// often when the quiet time is shorter, as in tests).
async fn release_samples(db: Db, quiet_seconds: u64) {
    let every = std::time::Duration::from_secs(quiet_seconds.clamp(1, 60));
    let quiet = time::Duration::seconds(i64::try_from(quiet_seconds).unwrap_or(i64::MAX));
    loop {
        tokio::time::sleep(every).await;
        match db
            .run(move |conn| {
                crate::sampling::release_due(conn, quiet).map_err(crate::db::DbError::from)
            })
            .await
        {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "sampled calls sent to reviewers"),
            Err(error) => tracing::error!(%error, "cannot release sampled calls"),
        }
    }
}

/// While nobody owns this installation, a fresh one-time link that creates the first owner
/// (an earlier unused link stops working).
fn setup_link(db: &Db, base_url: &str) -> Result<Option<String>, StartupError> {
    let mut conn = db.get()?;
    if User::owner_exists(&mut conn).map_err(DbError::from)? {
        return Ok(None);
    }
    let created = Invite::create_setup_link(&mut conn).map_err(|e| match e {
        AccountError::Db(db) => StartupError::Database(db),
        other => StartupError::SetupLink(other.to_string()),
    })?;
    Ok(Some(format!("{base_url}/setup/{}", created.token)))
}

/// One log line per request: method, route pattern (never the raw path, which can carry an
/// invite token or a reviewer's assignment code), status and time taken.
async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let response = next.call(req).await?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    let took = started.elapsed();
    let status = response.status().as_u16();
    crate::metrics::request(method.as_str(), &route, status, took);
    tracing::info!(
        %method,
        route,
        status,
        ms = took.as_millis() as u64,
        "request"
    );
    Ok(response)
}

/// Adds every route of the application, the JSON API's and the pages', to `sink`.
pub fn routes<S: RouteSink>(sink: &mut S) {
    crate::api::routes(sink);
    pages::routes(sink);
}

/// The route table, for tests and documentation.
pub fn route_table() -> Vec<RouteInfo> {
    let mut table = Vec::new();
    routes(&mut table);
    table
}
