//! A processing server is killed (`kill -9`) in the middle of building reviewer copies. The
//! work it held resumes within seconds: at once when it restarts on the same data directory,
//! and within one short lease when another process on the same database carries on.
//!
//! Each test runs an HTTP-only server in the test (users, uploads) and real `callqa serve`
//! processes with one job worker each on the same data directory and database.

use std::time::{Duration, Instant};

use callqa::db::schema::jobs;
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::Value;

use crate::helpers::{ServerProcess, TestApp, TestUser, spawn_app_with, test_settings, tone_wav};

/// Calls long enough that building each reviewer copy takes about a second (debug build).
const CALL_SECONDS: f32 = 120.0;
const CALLS: usize = 3;

struct Floor {
    app: TestApp,
    owner: TestUser,
    db: callqa::db::Db,
    ids: Vec<String>,
}

/// An HTTP-only server (no job workers) with `CALLS` long calls uploaded and queued.
async fn floor() -> Floor {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path());
    settings.job_workers = Some(0);
    let app = spawn_app_with(settings, data_dir).await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Oleg").await;
    let script = app.script(&owner).await;
    let audio = tone_wav(CALL_SECONDS, 8000);
    let mut ids = Vec::new();
    for n in 0..CALLS {
        let response = app
            .upload(
                &owner,
                &format!("long-{n}.wav"),
                audio.clone(),
                &[("operator_id", &operator), ("script_id", &script)],
            )
            .await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let db = callqa::db::Db::connect(&app.settings.storage.database(), 1).unwrap();
    Floor {
        app,
        owner,
        db,
        ids,
    }
}

impl Floor {
    /// The worker holding a running job, once one is: `(job id, worker)`.
    async fn running(&self, held_by: Option<&str>) -> (String, String) {
        for _ in 0..600 {
            let mut conn = self.db.get().unwrap();
            let running: Vec<(String, Option<String>)> = jobs::table
                .filter(jobs::status.eq("running"))
                .select((jobs::id, jobs::locked_by))
                .load(&mut conn)
                .unwrap();
            if let Some((id, Some(worker))) = running
                .into_iter()
                .find(|(_, worker)| held_by.is_none() || worker.as_deref() == held_by)
            {
                return (id, worker);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no job was running for 30 s");
    }

    /// Waits until every call is ready, at most `limit`; returns how long it took.
    async fn all_ready_within(&self, limit: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let mut waiting = Vec::new();
            for id in &self.ids {
                let body: Value = self
                    .app
                    .get_as(&format!("/api/v1/recordings/{id}"), &self.owner.token)
                    .await
                    .json()
                    .await
                    .unwrap();
                assert_ne!(body["status"], "failed", "{body}");
                if body["status"] != "ready" {
                    waiting.push(body["status"].to_string());
                }
            }
            if waiting.is_empty() {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "calls still not ready {:?} after the crash: {waiting:?}; jobs: {:?}",
                started.elapsed(),
                self.jobs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every job's status, holder and attempts, for failure messages.
    fn jobs(&self) -> Vec<(String, Option<String>, i32)> {
        let mut conn = self.db.get().unwrap();
        jobs::table
            .select((jobs::status, jobs::locked_by, jobs::attempts))
            .load(&mut conn)
            .unwrap()
    }

    fn attempts(&self, job: &str) -> i32 {
        let mut conn = self.db.get().unwrap();
        jobs::table
            .find(job)
            .select(jobs::attempts)
            .first(&mut conn)
            .unwrap()
    }
}

#[tokio::test]
async fn a_server_killed_while_processing_resumes_its_own_work_at_once_on_restart() {
    let f = floor().await;
    let server = ServerProcess::start(&f.app.settings).await;
    let (job, _) = f.running(None).await;
    server.crash();

    let restarted = ServerProcess::start(&f.app.settings).await;
    let took = f.all_ready_within(Duration::from_secs(20)).await;
    eprintln!("all calls ready {took:?} after the restart");
    assert_eq!(
        f.attempts(&job),
        1,
        "the interrupted attempt is not counted against the job"
    );
    drop(restarted);
}

#[tokio::test]
async fn work_held_by_a_killed_server_is_taken_by_another_within_one_lease() {
    let f = floor().await;
    let doomed = ServerProcess::start(&f.app.settings).await;
    let (_, doomed_worker) = f.running(None).await;
    // The other process shares the data directory but not the identity file (the doomed
    // one holds it), so it can only learn of the death when the lease stops being renewed.
    let survivor = ServerProcess::start(&f.app.settings).await;
    let (job, _) = f.running(Some(&doomed_worker)).await;
    doomed.crash();

    // A lease runs out 15 s after the last renewal; a few more seconds to build the copy.
    let took = f.all_ready_within(Duration::from_secs(30)).await;
    eprintln!("all calls ready {took:?} after the crash");
    assert_eq!(f.attempts(&job), 2, "the survivor claimed the job again");
    drop(survivor);
}
