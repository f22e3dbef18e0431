//! Reviewers at work while the owner reprocesses the same calls: new marked ranges, a voice
//! setting switched back and forth, retries — all at once, with the job workers rebuilding
//! copies meanwhile. Every transaction that changes the pool takes the pool's lock first, so
//! nothing deadlocks (PostgreSQL aborts one side of a deadlock with a 500 or a failed job),
//! and the promises still hold when the dust settles.

use std::time::{Duration, Instant};

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{Value, json};

use crate::helpers::{Invitee, TestUser, spawn_app_with, test_settings};

#[tokio::test]
async fn reviewers_and_owner_reprocessing_the_same_calls_never_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    settings.job_workers = Some(2);
    settings.storage.db_pool_size = 12;
    let app = std::sync::Arc::new(spawn_app_with(settings.clone(), dir).await);
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    let calls = app.ready_calls(&owner, &operator, &script, 6, 3).await;
    let mut reviewers: Vec<TestUser> = Vec::new();
    for n in 0..6 {
        reviewers.push(
            app.invited(&owner, Invitee::Reviewer, &format!("rev{n}"))
                .await,
        );
    }

    let deadline = Instant::now() + Duration::from_secs(6);
    let mut tasks = Vec::new();
    for reviewer in reviewers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while Instant::now() < deadline {
                let next = app
                    .post_json(
                        "/api/v1/assignments/next",
                        Some(&reviewer.token),
                        &json!({}),
                    )
                    .await;
                let status = next.status().as_u16();
                statuses.push(("next".to_owned(), status));
                if status != 200 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                let task: Value = next.json().await.unwrap();
                let verdicts: Vec<Value> = crate::helpers::all_correct(&task);
                let code = task["code"].as_str().unwrap();
                let sent = app
                    .post_json(
                        &format!("/api/v1/assignments/{code}/review"),
                        Some(&reviewer.token),
                        &json!({ "verdicts": verdicts }),
                    )
                    .await;
                statuses.push(("review".to_owned(), sent.status().as_u16()));
            }
            statuses
        }));
    }
    {
        let app = app.clone();
        let calls = calls.clone();
        let token = owner.token.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            let mut round = 0u64;
            let mut settings: Value = app
                .get_as("/api/v1/settings", &token)
                .await
                .json()
                .await
                .unwrap();
            while Instant::now() < deadline {
                for (n, id) in calls.iter().enumerate() {
                    let start = ((round + n as u64) % 5) * 100;
                    let hide = app
                        .api
                        .put(app.url(&format!("/api/v1/recordings/{id}/redactions")))
                        .bearer_auth(&token)
                        .json(&json!({"redactions": [{"start_ms": start, "end_ms": start + 200}]}))
                        .send()
                        .await
                        .unwrap();
                    statuses.push(("redactions".to_owned(), hide.status().as_u16()));
                    let retry = app
                        .post_json(
                            &format!("/api/v1/recordings/{id}/retry"),
                            Some(&token),
                            &json!({}),
                        )
                        .await;
                    statuses.push(("retry".to_owned(), retry.status().as_u16()));
                }
                settings["voice_mode"] = json!(if round.is_multiple_of(2) {
                    "off"
                } else {
                    "pitch"
                });
                let saved = app
                    .api
                    .put(app.url("/api/v1/settings"))
                    .bearer_auth(&token)
                    .json(&settings)
                    .send()
                    .await
                    .unwrap();
                statuses.push(("settings".to_owned(), saved.status().as_u16()));
                round += 1;
            }
            statuses
        }));
    }
    let mut server_errors = Vec::new();
    let mut count = 0;
    for task in tasks {
        for (what, status) in task.await.unwrap() {
            count += 1;
            if status >= 500 {
                server_errors.push(format!("{what} → {status}"));
            }
        }
    }
    assert!(count > 50, "the race ran: {count} requests");
    assert!(server_errors.is_empty(), "server errors: {server_errors:?}");

    // Everything the owner queued is built; no job or call failed on the way.
    for id in &calls {
        let done = app.wait_processed(&owner.token, id).await;
        assert_eq!(done["status"], "ready", "{done}");
    }
    let db = callqa::db::Db::connect(&settings.storage.database(), 1).unwrap();
    let mut conn = db.get().unwrap();
    use callqa::db::schema::{jobs, recordings};
    let errors: Vec<Option<String>> = jobs::table
        .filter(jobs::last_error.is_not_null())
        .select(jobs::last_error)
        .load(&mut conn)
        .unwrap();
    assert!(errors.is_empty(), "jobs failed on the way: {errors:?}");
    let over: i64 = recordings::table
        .filter(recordings::reviews_done.gt(recordings::reviews_required))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(over, 0, "no call got more reviews than it needs");
}

#[tokio::test]
async fn owners_saving_the_settings_at_once_all_succeed_and_one_value_wins() {
    let app = std::sync::Arc::new(crate::helpers::spawn_app().await);
    let owner = app.owner().await;
    let settings: Value = app
        .get_as("/api/v1/settings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let saves = (0..10u32).map(|n| {
        let (app, token) = (app.clone(), owner.token.clone());
        let mut body = settings.clone();
        body["voice_mode"] = json!(if n.is_multiple_of(2) { "off" } else { "pitch" });
        tokio::spawn(async move {
            app.api
                .put(app.url("/api/v1/settings"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures_util::future::join_all(saves)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let saved: Value = app
        .get_as("/api/v1/settings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        ["off", "pitch"].contains(&saved["voice_mode"].as_str().unwrap()),
        "{saved}"
    );
}
