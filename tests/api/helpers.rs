//! The test harness: [`spawn_app`] starts the real application (the same
//! `Application::build` as `callqa serve`) on a random port with its own data directory and
//! its own database, and returns a client for it.
//!
//! Backend: SQLite in a temporary directory, or, when `CALLQA_TEST_POSTGRES` holds the URL of
//! a PostgreSQL server (e.g. `postgres://postgres@127.0.0.1:5433/postgres`), a new database
//! `t_<random>` on it for each test, so tests run in parallel without seeing each other.
//!
//! When a [`TestApp`] is dropped at the end of a test that passed, it checks the invariants
//! of [`crate::invariants`] against that database and fails the test when one is broken.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use callqa::config::Settings;
use callqa::db::DbConnection;
use callqa::startup::Application;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::invariants::{self, Violation};

/// How long a dropped [`TestApp`] lets the jobs still running finish before it counts them
/// as left running (a test may end while a worker is building a copy it did not wait for).
const JOBS_SETTLE: Duration = Duration::from_secs(60);

pub struct TestApp {
    pub address: String,
    /// A client without cookies, like an API client or script (used with bearer tokens).
    pub api: reqwest::Client,
    /// The one-time link that creates the first owner (the server printed it at start).
    pub setup_url: Option<String>,
    pub client: reqwest::Client,
    pub settings: Settings,
    /// Whether the check on drop counts a job still running (see
    /// [`TestApp::expect_unfinished_jobs`]).
    check_jobs: AtomicBool,
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
/// The token tests' servers expect from a Prometheus scraper on `/metrics`.
pub const METRICS_TOKEN: &str = "scraper-token-for-tests";

pub fn test_settings(data_dir: &std::path::Path) -> Settings {
    let mut settings = Settings::with_data_dir(data_dir);
    settings.storage.database_url = fresh_database_url(data_dir);
    settings.storage.db_pool_size = 4;
    settings.workers = Some(2);
    settings.metrics_token = Some(METRICS_TOKEN.to_owned());
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
    let setup_url = app.setup_url().map(str::to_owned);
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        setup_url,
        api: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client"),
        client: new_client(),
        settings,
        check_jobs: AtomicBool::new(true),
        _data_dir: data_dir,
    }
}

/// A client that keeps cookies (like a browser) and never follows redirects, so tests can
/// assert them. (Unlike a browser it sends no `Origin`: tests add it to form posts.)
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

    /// Posts `form` from `browser` as the app's own pages do (same-origin, form-encoded).
    pub async fn post_form<F: serde::Serialize + ?Sized>(
        &self,
        browser: &reqwest::Client,
        path: &str,
        form: &F,
    ) -> reqwest::Response {
        browser
            .post(self.url(path))
            .header("Origin", &self.address)
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// A new connection of its own to this app's database (the SQLite file or the test's
    /// PostgreSQL database).
    pub fn connect_db(&self) -> DbConnection {
        DbConnection::open(&self.settings.storage.database())
            .expect("the test's database is reachable")
    }

    /// The invariants of [`crate::invariants`] this app's database breaks right now, jobs
    /// included: empty when all hold.
    pub fn invariant_violations(&self) -> Vec<Violation> {
        invariants::violations(&mut self.connect_db(), true).expect("the invariants are read")
    }

    /// For a test that ends with a job legitimately still running (its worker was stopped
    /// on purpose): the check on drop then leaves jobs out. Every other invariant is still
    /// checked.
    pub fn expect_unfinished_jobs(&self) {
        self.check_jobs.store(false, Ordering::SeqCst);
    }

    /// What the check on drop finds: first the queued and running jobs get [`JOBS_SETTLE`]
    /// to finish (the workers are threads of their own, so they go on while this one
    /// waits; a queued job counts, or a worker claiming it just after the wait would look
    /// like a job left running), then every invariant is read.
    fn violations_once_settled(&self) -> Vec<Violation> {
        let mut conn = self.connect_db();
        let check_jobs = self.check_jobs.load(Ordering::SeqCst);
        let started = Instant::now();
        while check_jobs
            && started.elapsed() < JOBS_SETTLE
            && invariants::jobs_pending(&mut conn).expect("the jobs are read")
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        invariants::violations(&mut conn, check_jobs).expect("the invariants are read")
    }
}

/// A test that passed fails here when it left the database inconsistent. A test already
/// failing is not checked: a second panic while unwinding would abort the whole run and
/// hide the first failure.
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let found = self.violations_once_settled();
        let list: Vec<String> = found.iter().map(|v| format!("- {v}")).collect();
        assert!(
            found.is_empty(),
            "the test left the database breaking its invariants:\n{}",
            list.join("\n")
        );
    }
}

/// The role of a test user, spelled as the API spells it (the tests' own words, so a
/// renamed role in the product breaks them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Reviewer,
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Reviewer => "reviewer",
            Role::Operator => "operator",
        }
    }
}

/// Whom an owner can invite: anyone but another owner (the first owner comes from the
/// setup link, see [`TestApp::owner`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invitee {
    Reviewer,
    Operator,
}

impl Invitee {
    pub fn role(self) -> Role {
        match self {
            Invitee::Reviewer => Role::Reviewer,
            Invitee::Operator => Role::Operator,
        }
    }
}

/// A signed-in user of a test, with the bearer token of their API session.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub login: String,
    pub password: String,
    /// The role the user joined with (the server confirmed it).
    #[allow(dead_code)]
    pub role: Role,
    pub token: String,
    /// For an operator: their operator record.
    pub operator_id: Option<String>,
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut request = self.api.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn put_json(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.api
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// The HTML of the page at `path` as `browser` (a signed-in cookie client) sees it.
    pub async fn page_text(&self, browser: &reqwest::Client, path: &str) -> String {
        browser
            .get(self.url(path))
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("a page body")
    }

    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.api
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Logs in over the API; returns the token.
    pub async fn login(&self, login: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/login",
            None,
            &serde_json::json!({"login": login, "password": password}),
        )
        .await
    }

    async fn token_for(&self, login: &str) -> String {
        let response = self.login(login, PASSWORD).await;
        assert_eq!(response.status(), 200, "login of {login}");
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// Creates the first owner through the setup link, as a new installation would.
    pub async fn owner(&self) -> TestUser {
        let setup_url = self
            .setup_url
            .as_deref()
            .expect("a fresh install has a setup link");
        let token = setup_url.rsplit('/').next().unwrap();
        let login = "owner";
        let response = self
            .post_json(
                &format!("/api/v1/invites/{token}/accept"),
                None,
                &serde_json::json!({"login": login, "name": "Olga Owner", "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["role"], Role::Owner.as_str(), "{body}");
        TestUser {
            id: body["id"].as_str().unwrap().to_owned(),
            login: login.to_owned(),
            password: PASSWORD.to_owned(),
            role: Role::Owner,
            token: self.token_for(login).await,
            operator_id: None,
        }
    }

    /// An operator record, created by the owner.
    pub async fn operator_record(&self, owner: &TestUser, name: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/operators",
                Some(&owner.token),
                &serde_json::json!({"name": name}),
            )
            .await;
        assert_eq!(response.status(), 201);
        let body: serde_json::Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// A reviewer or operator who joined through the owner's invite.
    pub async fn invited(&self, owner: &TestUser, invitee: Invitee, login: &str) -> TestUser {
        let role = invitee.role();
        let operator_id = if invitee == Invitee::Operator {
            Some(
                self.operator_record(owner, &format!("Operator {login}"))
                    .await,
            )
        } else {
            None
        };
        let response = self
            .post_json(
                "/api/v1/invites",
                Some(&owner.token),
                &serde_json::json!({"role": role.as_str(), "operator_id": operator_id}),
            )
            .await;
        assert_eq!(response.status(), 201);
        let invite: serde_json::Value = response.json().await.unwrap();
        let token = invite["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let response = self
            .post_json(
                &format!("/api/v1/invites/{token}/accept"),
                None,
                &serde_json::json!({"login": login, "name": format!("Name of {login}"), "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["role"], role.as_str(), "{body}");
        TestUser {
            id: body["id"].as_str().unwrap().to_owned(),
            login: login.to_owned(),
            password: PASSWORD.to_owned(),
            role,
            token: self.token_for(login).await,
            operator_id,
        }
    }

    /// A browser-like client signed in through the login form (cookie session).
    pub async fn browser_for(&self, user: &TestUser) -> reqwest::Client {
        let browser = new_client();
        let response = self
            .post_form(
                &browser,
                "/login",
                &[
                    ("login", user.login.as_str()),
                    ("password", user.password.as_str()),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "form login of {}", user.login);
        browser
    }
}

/// A `correct` verdict for every step of a reviewer's task (as `next` returns it).
pub fn all_correct(task: &serde_json::Value) -> Vec<serde_json::Value> {
    task["script"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| serde_json::json!({"step_id": s["id"], "verdict": "correct"}))
        .collect()
}

/// The verdicts of a task with step `n` marked `verdict` (with a comment), the others correct.
pub fn with_step(
    task: &serde_json::Value,
    n: usize,
    verdict: &str,
    comment: &str,
) -> Vec<serde_json::Value> {
    let mut verdicts = all_correct(task);
    let step = &task["script"]["steps"][n];
    verdicts[n] = serde_json::json!({
        "step_id": step["id"], "verdict": verdict, "comment": comment, "at_ms": 300
    });
    verdicts
}

/// The hidden CSRF field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

impl TestApp {
    /// A published script with three steps, created by the owner; returns its id.
    pub async fn script(&self, owner: &TestUser) -> String {
        let response = self
            .post_json(
                "/api/v1/scripts",
                Some(&owner.token),
                &serde_json::json!({
                    "name": "Inbound call",
                    "steps": [
                        {"title": "Greeting", "say": "Good afternoon, kettle shop, Anna speaking."},
                        {"title": "Listen", "guidance": "Let the customer finish."},
                        {"title": "Ask the source", "say": "Where did you hear about us?"}
                    ]
                }),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let body: serde_json::Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// Uploads a file as the owner; returns the response.
    pub async fn upload(
        &self,
        owner: &TestUser,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        self.api
            .post(self.url("/api/v1/recordings"))
            .bearer_auth(&owner.token)
            .multipart(form)
            .send()
            .await
            .expect("upload")
    }

    /// Polls a recording until processing ends (ready or failed); returns its JSON.
    pub async fn wait_processed(&self, token: &str, id: &str) -> serde_json::Value {
        for _ in 0..300 {
            let body: serde_json::Value = self
                .get_as(&format!("/api/v1/recordings/{id}"), token)
                .await
                .json()
                .await
                .unwrap();
            if body["status"] == "ready" || body["status"] == "failed" {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("recording {id} was not processed in 30 s");
    }
}

/// A WAV file of `seconds` of a 440 Hz tone at `rate` Hz, PCM16 mono.
pub fn tone_wav(seconds: f32, rate: u32) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
        let frames = (seconds * rate as f32) as u32;
        for n in 0..frames {
            let t = n as f32 / rate as f32;
            let sample = (t * 440.0 * std::f32::consts::TAU).sin() * 12_000.0;
            writer.write_sample(sample as i16).unwrap();
        }
        writer.finalize().unwrap();
    }
    cursor.into_inner()
}

/// A stereo WAV file (PCM16) of `frames` frames at `rate` Hz: `sides(n)` gives frame `n`'s
/// left and right samples.
pub fn stereo_wav(frames: u32, rate: u32, sides: impl Fn(u32) -> (i16, i16)) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for n in 0..frames {
        let (left, right) = sides(n);
        writer.write_sample(left).unwrap();
        writer.write_sample(right).unwrap();
    }
    writer.finalize().unwrap();
    cursor.into_inner()
}

/// Served audio, decoded: its sample rate and its samples (mono, 16-bit).
pub struct Decoded {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

impl Decoded {
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(self.sample_rate)
    }
}

/// Decodes audio bytes (an MP3 or a WAV, as served) with symphonia, through the same reader the
/// server uses on uploads.
pub fn decode_audio(bytes: &[u8]) -> Decoded {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("served");
    std::fs::write(&path, bytes).unwrap();
    let mut source = callqa::audio::decode::Source::open(&path).expect("served audio decodes");
    let mut planes = Vec::new();
    let mut samples = Vec::new();
    while source
        .next_block(&mut planes)
        .expect("served audio decodes")
    {
        assert_eq!(planes.len(), 1, "served audio is mono");
        samples.extend(
            planes[0]
                .iter()
                .map(|s| (s.clamp(-1.0, 1.0) * 32767.0).round() as i16),
        );
    }
    Decoded {
        sample_rate: source.info().sample_rate,
        samples,
    }
}

impl TestApp {
    /// `count` one-second calls of one operator, uploaded and processed (status `ready`),
    /// each needing `reviews` reviews; returns their ids.
    pub async fn ready_calls(
        &self,
        owner: &TestUser,
        operator_id: &str,
        script_id: &str,
        count: usize,
        reviews: u32,
    ) -> Vec<String> {
        let reviews = reviews.to_string();
        let mut ids = Vec::new();
        for n in 0..count {
            let response = self
                .upload(
                    owner,
                    &format!("call-{n}.wav"),
                    tone_wav(1.0, 8000),
                    &[
                        ("operator_id", operator_id),
                        ("script_id", script_id),
                        ("reviews_required", &reviews),
                    ],
                )
                .await;
            assert_eq!(response.status(), 202);
            let body: serde_json::Value = response.json().await.unwrap();
            ids.push(body["id"].as_str().unwrap().to_owned());
        }
        for id in &ids {
            let done = self.wait_processed(&owner.token, id).await;
            assert_eq!(done["status"], "ready", "{done}");
        }
        ids
    }
}

/// Each of `texts` in every encoding a file or a response could carry it in: UTF-8,
/// UTF-16LE and UTF-16BE, labelled for failure messages.
pub fn encodings_of(texts: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut patterns = Vec::new();
    for text in texts {
        patterns.push((format!("{text} (UTF-8)"), text.as_bytes().to_vec()));
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        patterns.push((format!("{text} (UTF-16LE)"), le));
        patterns.push((format!("{text} (UTF-16BE)"), be));
    }
    patterns
}

/// Whether `needle` occurs in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `callqa` binary, set to the data directory and database of a test server.
pub fn callqa_command(settings: &Settings) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_callqa"));
    command.env("CALLQA_DATA_DIR", &settings.storage.data_dir);
    match &settings.storage.database_url {
        Some(url) => command.env("CALLQA_DATABASE_URL", url),
        None => command.env_remove("CALLQA_DATABASE_URL"),
    };
    let store = &settings.storage.object_store;
    for (name, value) in [
        ("CALLQA_S3_BUCKET", store.s3_bucket.as_deref()),
        ("CALLQA_S3_ENDPOINT", store.s3_endpoint.as_deref()),
        ("CALLQA_S3_REGION", Some(store.s3_region.as_str())),
        ("CALLQA_S3_PREFIX", Some(store.s3_prefix.as_str())),
        ("CALLQA_S3_ACCESS_KEY_ID", store.s3_access_key_id.as_deref()),
        (
            "CALLQA_S3_SECRET_ACCESS_KEY",
            store.s3_secret_access_key.as_deref(),
        ),
    ] {
        match value {
            Some(value) if store.s3_bucket.is_some() => command.env(name, value),
            _ => command.env_remove(name),
        };
    }
    command
}

/// A second `callqa serve` process (the built binary) on the data directory and database of
/// a test server, as an installation running several processes would. Killed (SIGKILL) when
/// dropped.
pub struct ServerProcess {
    pub address: String,
    child: std::process::Child,
}

impl ServerProcess {
    pub async fn start(settings: &Settings) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = callqa_command(settings);
        command
            .arg("serve")
            .env("CALLQA_BIND", format!("127.0.0.1:{port}"))
            .env(
                "CALLQA_MIN_LISTEN_RATIO",
                settings.min_listen_ratio.to_string(),
            )
            .env("CALLQA_JOB_WORKERS", "1")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null());
        let mut server = ServerProcess {
            address: format!("http://127.0.0.1:{port}"),
            child: command.spawn().expect("callqa serve starts"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = client
                .get(format!("{}/healthz", server.address))
                .send()
                .await
                && response.status() == 200
            {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the second callqa serve exited: {status}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the second callqa serve did not answer in 15 s");
    }
}

impl ServerProcess {
    /// Ends the process with SIGKILL, as a crash would: no graceful stop, nothing flushed.
    pub fn crash(self) {
        drop(self);
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `(field, code)` pairs of an error body's field problems (none when it has none).
pub fn problem_fields(body: &serde_json::Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or_default().to_owned(),
                f["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Redactions for `insta` snapshots of API responses: each hides a value that differs from
/// run to run (ids, codes, times) behind a placeholder, and first checks that the value is
/// of the kind it claims, so a snapshot cannot hide a wrong value behind a placeholder.
pub mod redact {
    use insta::internals::{Content, ContentPath, Redaction};

    fn text(value: &Content, path: &ContentPath<'_>) -> String {
        value
            .as_str()
            .unwrap_or_else(|| panic!("{path} is not text: {value:?}"))
            .to_owned()
    }

    /// A random id (a UUID).
    pub fn id(placeholder: &'static str) -> Redaction {
        insta::dynamic_redaction(move |value, path| {
            let id = text(&value, &path);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{path} is no id: {id}");
            placeholder
        })
    }

    /// A point in time, as the API writes it (RFC 3339 in UTC).
    pub fn time() -> Redaction {
        insta::dynamic_redaction(|value, path| {
            let at = text(&value, &path);
            let parsed =
                time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339);
            assert!(
                parsed.is_ok_and(|t| t.offset().is_utc()) && at.ends_with('Z'),
                "{path} is no UTC time: {at}"
            );
            "[time]"
        })
    }

    /// A value known to the test (an id it was given, a URL with a code in it), exactly.
    pub fn known(expected: impl Into<String>, placeholder: &'static str) -> Redaction {
        let expected = expected.into();
        insta::dynamic_redaction(move |value, path| {
            assert_eq!(text(&value, &path), expected, "{path}");
            placeholder
        })
    }

    /// A task's audio address: the code's, naming the copy by 16 hex digits.
    pub fn audio_url(code: &str) -> Redaction {
        let code = code.to_owned();
        let prefix = format!("/api/v1/assignments/{code}/audio?copy=");
        insta::dynamic_redaction(move |value, path| {
            let url = text(&value, &path);
            let tag = url.strip_prefix(&prefix).unwrap_or_default();
            assert!(
                tag.len() == 16
                    && tag
                        .chars()
                        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
                "{path} is no audio address of {code}: {url}"
            );
            "/api/v1/assignments/[code]/audio?copy=[copy]"
        })
    }

    /// A step key as the server makes one: ten lowercase letters and digits.
    pub fn step_key() -> Redaction {
        insta::dynamic_redaction(|value, path| {
            let key = text(&value, &path);
            assert!(
                key.len() == 10
                    && key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{path} is no step key: {key}"
            );
            "[step key]"
        })
    }
}

/// A reviewer account written straight into the database with a fixed hash: such reviewers
/// never log in, and hashing hundreds of passwords is slow.
pub fn unhashed_reviewer(conn: &mut DbConnection, login: &str) -> callqa::db::ids::UserId {
    let new = callqa::accounts::users::NewUser::parse(
        callqa::accounts::Role::Reviewer,
        login,
        "Reviewer",
        "a long enough password",
        None,
    )
    .unwrap();
    callqa::accounts::users::User::insert_hashed(conn, &new, "$argon2id$unused")
        .unwrap()
        .id
}

/// `draws` first draws by as many new reviewers (each `prepare`d, then handing the call
/// back, so the pool stays the same): how often each call came up, with a seeded RNG.
pub fn first_draws(
    app: &TestApp,
    draws: u32,
    seed: u64,
    mut prepare: impl FnMut(&mut DbConnection, &callqa::db::ids::UserId),
) -> std::collections::HashMap<String, u32> {
    use rand::SeedableRng;
    let db = callqa::db::Db::connect(&app.settings.storage.database(), 2).unwrap();
    let mut conn = db.get().unwrap();
    let settings = callqa::org_settings::OrgSettings::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut counts = std::collections::HashMap::new();
    for n in 0..draws {
        let reviewer = unhashed_reviewer(&mut conn, &format!("draw{n}"));
        prepare(&mut conn, &reviewer);
        let assignment = callqa::assignments::next(&mut conn, &reviewer, &settings, &mut rng)
            .unwrap()
            .expect("a call to review");
        *counts
            .entry(assignment.recording_id.to_string())
            .or_default() += 1;
        callqa::assignments::skip(&mut conn, &reviewer, &assignment.code, "test").unwrap();
    }
    counts
}

/// Pearson's chi-square of `counts` against an even spread of their total over `cells`.
pub fn chi_square(counts: &std::collections::HashMap<String, u32>, cells: usize) -> f64 {
    let total: u32 = counts.values().sum();
    let expected = f64::from(total) / cells as f64;
    counts
        .values()
        .map(|&observed| (f64::from(observed) - expected).powi(2) / expected)
        .sum()
}
