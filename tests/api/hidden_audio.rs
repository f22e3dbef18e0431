//! What the owner hides stays hidden: once a change to the marked ranges or to the voice
//! setting is acknowledged, no reviewer receives a copy built without it — not the copy that
//! was ready before, and not one that was already being built when the change came.
//!
//! The server runs without job workers; the test plays the worker itself through the
//! library, so it can put the owner's change exactly between the start and the end of a
//! build, as a busy queue does.

use callqa::db::Db;
use callqa::recordings::jobs;
use callqa::recordings::store::AudioStore;
use callqa::recordings::worker::{self, Build, Built};
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, decode_audio, spawn_app_with, test_settings, tone_wav,
};

struct Desk {
    app: TestApp,
    owner: TestUser,
    reviewer: TestUser,
    operator_id: String,
    script_id: String,
    db: Db,
    store: AudioStore,
}

async fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.job_workers = Some(0);
    settings.min_listen_ratio = 0.0;
    let db = Db::connect(&settings.storage.database(), 2).unwrap();
    let store = AudioStore::open(dir.path()).unwrap();
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let operator_id = app.operator_record(&owner, "Olga").await;
    let script_id = app.script(&owner).await;
    Desk {
        app,
        owner,
        reviewer,
        operator_id,
        script_id,
        db,
        store,
    }
}

impl Desk {
    async fn upload(&self) -> String {
        self.upload_file("call.wav", tone_wav(3.0, 8000)).await
    }

    async fn upload_file(&self, name: &str, bytes: Vec<u8>) -> String {
        let fields = [
            ("operator_id", self.operator_id.as_str()),
            ("script_id", self.script_id.as_str()),
        ];
        let response = self.app.upload(&self.owner, name, bytes, &fields).await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// Runs every queued job to its end, as a worker would.
    fn run_jobs(&self) {
        loop {
            let job = jobs::claim(&mut self.db.get().unwrap(), "test-worker").unwrap();
            match job {
                Some(job) => worker::process(&self.db, &self.store, &job),
                None => break,
            }
        }
    }

    /// Claims the one queued job and starts building its copy, reading what must be hidden.
    fn start_build(&self, id: &str) -> (jobs::Job, Build) {
        let job = jobs::claim(&mut self.db.get().unwrap(), "test-worker")
            .unwrap()
            .expect("a job is queued");
        let recording = callqa::db::ids::RecordingId::from_raw(id.to_owned());
        let build = Build::start(&self.db, &recording)
            .unwrap()
            .expect("there is a copy to build");
        (job, build)
    }

    fn finish(&self, job: &jobs::Job, build: Build) -> Built {
        let built = build.finish(&self.db, &self.store).unwrap();
        jobs::complete(&mut self.db.get().unwrap(), &job.id).unwrap();
        built
    }

    async fn status(&self, id: &str) -> Value {
        self.app
            .get_as(&format!("/api/v1/recordings/{id}"), &self.owner.token)
            .await
            .json()
            .await
            .unwrap()
    }

    async fn hide(&self, id: &str, ranges: Value) {
        let response = self
            .app
            .api
            .put(self.app.url(&format!("/api/v1/recordings/{id}/redactions")))
            .bearer_auth(&self.owner.token)
            .json(&json!({ "redactions": ranges }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }

    async fn settings(&self) -> Value {
        self.app
            .get_as("/api/v1/settings", &self.owner.token)
            .await
            .json()
            .await
            .unwrap()
    }

    async fn put_settings(&self, settings: &Value) -> reqwest::Response {
        self.app
            .api
            .put(self.app.url("/api/v1/settings"))
            .bearer_auth(&self.owner.token)
            .json(settings)
            .send()
            .await
            .unwrap()
    }

    /// Saves the settings with one field changed.
    async fn set(&self, field: &str, value: Value) {
        let mut settings = self.settings().await;
        settings[field] = value;
        let response = self.put_settings(&settings).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    async fn set_voice(&self, voice: &str) {
        self.set("voice_mode", json!(voice)).await;
    }

    /// The reviewer's next task: `None` when nothing is handed out.
    async fn next(&self) -> Option<Value> {
        let response = self
            .app
            .api
            .post(self.app.url("/api/v1/assignments/next"))
            .bearer_auth(&self.reviewer.token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            200 => Some(response.json().await.unwrap()),
            204 => None,
            other => panic!("next answered {other}: {}", response.text().await.unwrap()),
        }
    }

    /// The reviewer's audio of a task: status and, when served, the samples.
    async fn audio(&self, task: &Value) -> (u16, Vec<i16>) {
        self.audio_at(task["audio_url"].as_str().unwrap()).await
    }

    /// The reviewer's audio at `url`, fetched as a browser that keeps nothing would, and also
    /// at the plain address without the copy's name: both must serve the same bytes.
    async fn audio_at(&self, url: &str) -> (u16, Vec<i16>) {
        let response = self.app.get_as(url, &self.reviewer.token).await;
        let status = response.status().as_u16();
        if status != 200 {
            return (status, Vec::new());
        }
        let bytes = response.bytes().await.unwrap();
        let plain = url.split('?').next().unwrap();
        let again = self.app.get_as(plain, &self.reviewer.token).await;
        assert_eq!(again.status(), 200, "{plain}");
        assert_eq!(
            again.bytes().await.unwrap(),
            bytes,
            "{plain} serves another copy"
        );
        (status, decode_audio(&bytes).samples)
    }
}

fn loudest(samples: &[i16]) -> u32 {
    samples
        .iter()
        .map(|s| s.unsigned_abs() as u32)
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_copy_built_before_the_owner_hid_more_is_thrown_away_not_handed_out() {
    let d = desk().await;
    let id = d.upload().await;
    d.run_jobs();
    assert_eq!(d.status(&id).await["status"], "ready");

    // The owner hides the middle; a worker starts building that copy…
    d.hide(&id, json!([{"start_ms": 1000, "end_ms": 2000}]))
        .await;
    let (job, build) = d.start_build(&id);
    // …and before it is done, the owner hides the whole call.
    d.hide(&id, json!([{"start_ms": 0, "end_ms": 3000}])).await;
    assert_eq!(
        d.finish(&job, build),
        Built::Superseded,
        "a copy without the whole call hidden was about to be marked ready"
    );
    let after = d.status(&id).await;
    assert_ne!(after["status"], "ready", "{after}");
    assert!(
        d.next().await.is_none(),
        "no reviewer is given the call while only an outdated copy exists"
    );

    // The change's own job builds the copy that hides everything.
    d.run_jobs();
    assert_eq!(d.status(&id).await["status"], "ready");
    let task = d.next().await.expect("the rebuilt call is handed out");
    let (status, samples) = d.audio(&task).await;
    assert_eq!(status, 200);
    assert!(samples.len() > 20_000);
    assert_eq!(loudest(&samples), 0, "the whole call is hidden");
}

#[tokio::test]
async fn a_reviewer_holding_the_call_stops_getting_the_old_copy_once_the_change_is_acknowledged() {
    let d = desk().await;
    let id = d.upload().await;
    d.run_jobs();
    let task = d.next().await.expect("the call is handed out");
    let (status, samples) = d.audio(&task).await;
    assert_eq!(status, 200);
    assert!(loudest(&samples) > 5000, "the tone is audible before");

    d.hide(&id, json!([{"start_ms": 0, "end_ms": 3000}])).await;
    let (status, samples) = d.audio(&task).await;
    assert_eq!(status, 409, "the old copy is not served: {samples:?}");
    let peaks = d
        .app
        .get_as(task["peaks_url"].as_str().unwrap(), &d.reviewer.token)
        .await;
    assert_eq!(peaks.status(), 409);

    d.run_jobs();
    let (status, _) = d.audio(&task).await;
    assert_eq!(
        status, 409,
        "the old copy's address (a browser may have kept it) never serves the new copy"
    );
    let renewed = d.next().await.expect("the reviewer still holds the call");
    assert_eq!(renewed["code"], task["code"], "the same lease");
    assert_ne!(renewed["audio_url"], task["audio_url"]);
    let (status, samples) = d.audio(&renewed).await;
    assert_eq!(status, 200, "the same lease plays the new copy");
    assert_eq!(loudest(&samples), 0);
}

#[tokio::test]
async fn a_change_of_voice_rebuilds_waiting_calls_and_outdates_copies_being_built() {
    let d = desk().await;
    d.set_voice("off").await;
    let ready = d.upload().await;
    d.run_jobs();
    let building = d.upload().await;
    let (job, build) = d.start_build(&building);
    let task = d.next().await.expect("the ready call is handed out");
    assert_eq!(d.audio(&task).await.0, 200);

    d.set_voice("mcadams").await;
    for id in [&ready, &building] {
        let recording = d.status(id).await;
        assert_ne!(recording["status"], "ready", "{recording}");
    }
    assert_eq!(
        d.audio(&task).await.0,
        409,
        "the undisguised copy is not served"
    );
    assert_eq!(d.finish(&job, build), Built::Superseded);
    assert_ne!(d.status(&building).await["status"], "ready");

    d.run_jobs();
    for id in [&ready, &building] {
        let recording = d.status(id).await;
        assert_eq!(recording["status"], "ready");
        assert_eq!(recording["voice_mode"], "mcadams", "{recording}");
    }
    assert_eq!(
        d.audio(&task).await.0,
        409,
        "the undisguised copy's address"
    );
    let renewed = d.next().await.expect("the reviewer still holds the call");
    assert_eq!(d.audio(&renewed).await.0, 200);
}

#[tokio::test]
async fn saving_the_same_voice_rebuilds_nothing() {
    let d = desk().await;
    d.set_voice("pitch").await;
    let id = d.upload().await;
    d.run_jobs();
    d.set_voice("pitch").await;
    assert_eq!(d.status(&id).await["status"], "ready");
    assert_eq!(jobs::pending(&mut d.db.get().unwrap()).unwrap(), 0);
}

/// A stereo call: the customer at 440 Hz on the left, the operator at 1 kHz on the right.
fn stereo_wav(seconds: f32) -> Vec<u8> {
    let tone =
        |n: u32, hz: f32| ((n as f32 / 8000.0) * hz * std::f32::consts::TAU).sin() * 12_000.0;
    crate::helpers::stereo_wav((seconds * 8000.0) as u32, 8000, |n| {
        (tone(n, 440.0) as i16, tone(n, 1000.0) as i16)
    })
}

/// The owner names the operator's side of stereo calls (API and page, both checked like the
/// other settings): the stereo calls waiting for reviews are rebuilt with only that side
/// disguised, which the owner sees on the call; mono calls are left alone, and saving the
/// same side again rebuilds nothing.
#[tokio::test]
async fn naming_the_operators_side_rebuilds_the_stereo_calls_only() {
    let d = desk().await;
    d.set_voice("pitch").await;
    let stereo = d.upload_file("stereo.wav", stereo_wav(2.0)).await;
    let mono = d.upload().await;
    d.run_jobs();
    for id in [&stereo, &mono] {
        let recording = d.status(id).await;
        assert_eq!(recording["status"], "ready");
        assert_eq!(recording["voice_channel"], Value::Null, "{recording}");
    }

    let mut settings = d.settings().await;
    assert_eq!(settings["operator_channel"], "unknown");
    settings["operator_channel"] = json!("middle");
    let response = d.put_settings(&settings).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        crate::helpers::problem_fields(&body),
        [("operator_channel".to_owned(), "unknown_value".to_owned())]
    );
    assert_eq!(jobs::pending(&mut d.db.get().unwrap()).unwrap(), 0);

    settings["operator_channel"] = json!("right");
    let response = d.put_settings(&settings).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), settings);
    assert_ne!(d.status(&stereo).await["status"], "ready");
    assert_eq!(d.status(&mono).await["status"], "ready");
    assert_eq!(jobs::pending(&mut d.db.get().unwrap()).unwrap(), 1);
    d.run_jobs();
    let recording = d.status(&stereo).await;
    assert_eq!(recording["status"], "ready");
    assert_eq!(recording["voice_channel"], "right", "{recording}");
    assert_eq!(d.status(&mono).await["voice_channel"], Value::Null);
    d.put_settings(&settings).await;
    assert_eq!(jobs::pending(&mut d.db.get().unwrap()).unwrap(), 0);

    // The page shows the choice, in both languages, and saves another.
    let browser = d.app.browser_for(&d.owner).await;
    for (lang, legend) in [
        ("en", "Stereo recordings: the operator"),
        ("ru", "Стереозаписи: сторона оператора"),
    ] {
        let html = browser
            .get(d.app.url("/settings"))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(legend), "{lang}");
        assert!(html.contains(r#"name="operator_channel" value="right" checked"#));
    }
    let detail = browser
        .get(d.app.url(&format!("/recordings/{stereo}")))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains("side only (right)"), "{detail}");
    let page = browser.get(d.app.url("/settings")).send().await.unwrap();
    let csrf = crate::helpers::csrf_of(&page.text().await.unwrap());
    let response = d
        .app
        .post_form(
            &browser,
            "/settings",
            &[
                ("csrf", csrf.as_str()),
                ("voice_mode", "pitch"),
                ("operator_channel", "left"),
                ("reviews_required", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(d.settings().await["operator_channel"], "left");
}

/// The migration that brought the strong disguise and the operator's side, undone and done
/// again over calls built with both (on SQLite it builds the recordings table anew): every
/// call is still there with its fields; undoing records a strong copy as the pitch shift it
/// mostly is and forgets the side.
#[tokio::test]
async fn the_voice_choices_migration_keeps_every_call_both_ways() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let d = desk().await;
    d.set_voice("strong").await;
    let stereo = d.upload_file("stereo.wav", stereo_wav(1.0)).await;
    let mono = d.upload().await;
    d.set("operator_channel", json!("left")).await;
    d.run_jobs();
    let before = [d.status(&stereo).await, d.status(&mono).await];
    assert_eq!(before[0]["voice_mode"], "strong");
    assert_eq!(before[0]["voice_channel"], "left");
    assert_eq!(before[1]["voice_channel"], Value::Null);

    let (down, up) = if crate::helpers::is_postgres() {
        (
            include_str!("../../migrations/postgres/2026-12-07-000015_voice_choices/down.sql"),
            include_str!("../../migrations/postgres/2026-12-07-000015_voice_choices/up.sql"),
        )
    } else {
        (
            include_str!("../../migrations/sqlite/2026-12-07-000015_voice_choices/down.sql"),
            include_str!("../../migrations/sqlite/2026-12-07-000015_voice_choices/up.sql"),
        )
    };
    let mut conn = d.app.connect_db();
    for sql in [down, up] {
        conn.transaction::<_, diesel::result::Error, _>(|conn| conn.batch_execute(sql))
            .unwrap();
    }
    drop(conn);
    let after = [d.status(&stereo).await, d.status(&mono).await];
    for (mut was, now) in before.into_iter().zip(after) {
        was["voice_mode"] = json!("pitch");
        was["voice_channel"] = Value::Null;
        assert_eq!(was, now);
    }
    let settings = d.settings().await;
    assert_eq!(
        (&settings["voice_mode"], &settings["operator_channel"]),
        (&json!("pitch"), &json!("unknown"))
    );
    assert_eq!(d.app.invariant_violations(), []);
    assert!(d.next().await.is_some(), "the calls are still handed out");
}
