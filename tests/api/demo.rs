//! `callqa demo`: the seeding, run into a fresh data directory on a real server, leaves what
//! the printed logins promise: two seven-step scripts (one in two versions), twelve
//! processed calls, two thirds of them reviewed, open gaps for the owner, feedback for the
//! operator and calls still waiting for a reviewer.

use std::time::{Duration, Instant};

use callqa::demo::content;
use callqa::startup::Application;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with, test_settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_seeds_a_tryable_installation() {
    let started = Instant::now();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(data_dir.path());
    // Seeding talks to the application's own state (its database, store and job workers)
    // while the server runs; the test's server then reads the same database.
    let seeder = Application::build(settings.clone())
        .await
        .expect("the demo application starts");
    let state = seeder.state().clone();
    tokio::spawn(seeder.run_until_stopped());
    let seeded = tokio::task::spawn_blocking(move || callqa::demo::seed(&state, &mut |_| {}))
        .await
        .expect("seeding finishes")
        .expect("seeding succeeds");
    assert_eq!(seeded.recordings, 12);
    assert_eq!(seeded.reviews, 16);
    assert!(seeded.open_gaps > 0);

    let app = spawn_app_with(settings, data_dir).await;
    let owner = token(&app, content::OWNER).await;

    let scripts = json(&app, "/api/v1/scripts", &owner).await;
    let scripts = scripts.as_array().expect("a list of scripts");
    assert_eq!(scripts.len(), 2);
    for script in scripts {
        assert_eq!(script["step_count"], 7, "{script}");
    }
    assert!(
        scripts.iter().any(|s| s["version"] == 2),
        "the Russian script has a second version"
    );

    let recordings = json(&app, "/api/v1/recordings", &owner).await;
    let recordings = recordings.as_array().expect("a list of recordings");
    assert_eq!(recordings.len(), 12);
    assert!(recordings.iter().all(|r| r["status"] == "ready"));
    let reviewed = recordings
        .iter()
        .filter(|r| r["reviews_done"].as_i64() >= r["reviews_required"].as_i64())
        .count();
    assert_eq!(reviewed, 8);
    assert!(recordings.iter().any(|r| r["reviews_done"] == 0));

    let open = json(&app, "/api/v1/gaps?status=open", &owner).await;
    assert!(!open.as_array().expect("a list of gaps").is_empty());
    let resolved = json(&app, "/api/v1/gaps?status=resolved", &owner).await;
    assert!(!resolved.as_array().expect("a list of gaps").is_empty());

    let operator = token(&app, content::OPERATOR).await;
    let calls = json(&app, "/api/v1/me/calls", &operator).await;
    assert_eq!(calls.as_array().expect("the operator's calls").len(), 3);

    for reviewer in content::REVIEWERS {
        token(&app, reviewer).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the demo took {:?} to seed and check",
        started.elapsed()
    );
}

async fn token(app: &TestApp, account: content::DemoAccount) -> String {
    let response = app.login(account.login, account.password).await;
    assert_eq!(
        response.status(),
        200,
        "the printed login {}",
        account.login
    );
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("a token").to_owned()
}

async fn json(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get_as(path, token).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.expect("json")
}
