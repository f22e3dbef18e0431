//! The server under test: the real `Application` on a random port, with a fresh data
//! directory and a fresh database (SQLite inside the data directory by default; a new
//! database on the PostgreSQL server named by `CALLQA_TEST_POSTGRES` when that is set).

use callqa::config::Settings;
use callqa::startup::Application;
use diesel::{Connection, PgConnection, RunQueryDsl};

pub struct RunningApp {
    pub address: String,
    /// The one-time link that creates the first owner.
    pub setup_url: String,
    pub backend: &'static str,
    /// Keeps the data directory (and the SQLite database in it) alive as long as the app.
    _data_dir: tempfile::TempDir,
}

impl RunningApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

/// A new, empty PostgreSQL database when `CALLQA_TEST_POSTGRES` names a server.
fn postgres_database() -> Option<String> {
    let admin_url = std::env::var("CALLQA_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())?;
    let mut admin = PgConnection::establish(&admin_url)
        .unwrap_or_else(|e| panic!("CALLQA_TEST_POSTGRES={admin_url} is not reachable: {e}"));
    let name = format!("e2e_{}", uuid::Uuid::new_v4().simple());
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create the test database");
    let mut url = url::Url::parse(&admin_url).expect("CALLQA_TEST_POSTGRES is a URL");
    url.set_path(&name);
    Some(url.to_string())
}

pub async fn start() -> RunningApp {
    let data_dir = tempfile::tempdir().expect("a temporary data directory");
    let mut settings = Settings::with_data_dir(data_dir.path());
    settings.storage.database_url = postgres_database();
    settings.storage.db_pool_size = 4;
    settings.workers = Some(2);
    // The reviewer in the flow sends the review at once, without listening to the call.
    settings.min_listen_ratio = 0.0;
    let backend = if settings.storage.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = Application::build(settings)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let setup_url = app
        .setup_url()
        .expect("a fresh installation prints a setup link")
        .to_owned();
    tokio::spawn(app.run_until_stopped());
    RunningApp {
        address,
        setup_url,
        backend,
        _data_dir: data_dir,
    }
}

/// A WAV "call" of `seconds` at 8 kHz: two alternating voices (tones of different pitch with
/// short pauses), enough for the pipeline to decode, anonymize and draw.
pub fn call_wav(seconds: u32, pitch: f32) -> Vec<u8> {
    let rate = 8_000u32;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec).expect("a WAV writer");
        for n in 0..seconds * rate {
            let t = n as f32 / rate as f32;
            let turn = (t / 1.5) as u32;
            let within = t - turn as f32 * 1.5;
            let sample = if within > 1.2 {
                0.0
            } else {
                let frequency = if turn.is_multiple_of(2) {
                    pitch
                } else {
                    pitch * 1.6
                };
                (t * frequency * std::f32::consts::TAU).sin() * 9_000.0
            };
            writer.write_sample(sample as i16).expect("a sample");
        }
        writer.finalize().expect("a finished WAV");
    }
    cursor.into_inner()
}
