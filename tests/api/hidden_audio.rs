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
        let fields = [
            ("operator_id", self.operator_id.as_str()),
            ("script_id", self.script_id.as_str()),
        ];
        let response = self
            .app
            .upload(&self.owner, "call.wav", tone_wav(3.0, 8000), &fields)
            .await;
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

    async fn set_voice(&self, voice: &str) {
        let mut settings: Value = self
            .app
            .get_as("/api/v1/settings", &self.owner.token)
            .await
            .json()
            .await
            .unwrap();
        settings["voice_mode"] = json!(voice);
        let response = self
            .app
            .api
            .put(self.app.url("/api/v1/settings"))
            .bearer_auth(&self.owner.token)
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
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
