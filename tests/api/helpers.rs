//! The test harness: [`spawn_app`] starts the real application (the same
//! `Application::build` as `callqa serve`) on a random port with its own data directory and
//! its own database, and returns a client for it.
//!
//! Backend: SQLite in a temporary directory, or, when `CALLQA_TEST_POSTGRES` holds the URL of
//! a PostgreSQL server (e.g. `postgres://postgres@127.0.0.1:5433/postgres`), a new database
//! `t_<random>` on it for each test, so tests run in parallel without seeing each other.

use callqa::config::Settings;
use callqa::startup::Application;
use diesel::{Connection, PgConnection, RunQueryDsl};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    /// Keeps the data directory alive as long as the app.
    _data_dir: tempfile::TempDir,
}

/// The database a test runs against: which backend and its URL.
pub fn fresh_database_url(data_dir: &std::path::Path) -> Option<String> {
    let admin_url = std::env::var("CALLQA_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&admin_url)
        .unwrap_or_else(|e| panic!("CALLQA_TEST_POSTGRES={admin_url} is not reachable: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create the test database");
    let _ = data_dir;
    let mut url = url::Url::parse(&admin_url).expect("CALLQA_TEST_POSTGRES is a URL");
    url.set_path(&name);
    Some(url.to_string())
}

pub fn is_postgres() -> bool {
    std::env::var("CALLQA_TEST_POSTGRES").is_ok_and(|u| !u.is_empty())
}

/// Settings for a test server: random port, its own data dir, its own database.
pub fn test_settings(data_dir: &std::path::Path) -> Settings {
    let mut settings = Settings::with_data_dir(data_dir);
    settings.storage.database_url = fresh_database_url(data_dir);
    settings.storage.db_pool_size = 4;
    settings.workers = Some(2);
    settings
}

pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(data_dir.path());
    spawn_app_with(settings, data_dir).await
}

pub async fn spawn_app_with(settings: Settings, data_dir: tempfile::TempDir) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: new_client(),
        settings,
        _data_dir: data_dir,
    }
}

/// A client that keeps cookies (like a browser) and never follows redirects, so tests can
/// assert them.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }
}
