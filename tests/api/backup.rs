//! Backup and restore (`callqa backup DIR`, `callqa restore DIR`) of a server that keeps
//! running: the backup restored into a fresh data directory and database (SQLite, or a new
//! PostgreSQL database with `CALLQA_TEST_POSTGRES`) serves the calls, reviews and audio of the
//! moment it was taken, to the same sessions; restoring over data, or from an unfinished
//! backup, and backing up into a used directory are refused and change nothing.

use serde_json::{Value, json};

use crate::helpers::{
    Invitee, ServerProcess, all_correct, callqa_command, spawn_app_with, test_settings,
};

/// Runs `callqa ARGS` on the installation of `settings`; returns success and the output.
fn callqa(settings: &callqa::config::Settings, args: &[&std::path::Path]) -> (bool, String) {
    let output = callqa_command(settings)
        .args(args)
        .output()
        .expect("callqa runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn get(url: String, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn recording_ids(base: &str, token: &str) -> Vec<String> {
    let list: Value = get(format!("{base}/api/v1/recordings"), token)
        .await
        .json()
        .await
        .unwrap();
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_backup_restored_into_a_fresh_installation_serves_the_same_calls_and_audio() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    let mut calls = app.ready_calls(&owner, &operator, &script, 2, 1).await;
    calls.sort();
    let task: Value = app
        .post_json("/api/v1/assignments/next", Some(&rita.token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let code = task["code"].as_str().unwrap();
    let reviewed = app
        .post_json(
            &format!("/api/v1/assignments/{code}/review"),
            Some(&rita.token),
            &json!({ "verdicts": all_correct(&task) }),
        )
        .await;
    assert_eq!(reviewed.status(), 201);
    let original = app
        .get_as(
            &format!("/api/v1/recordings/{}/audio", calls[0]),
            &owner.token,
        )
        .await
        .bytes()
        .await
        .unwrap();
    let before: Value = app
        .get_as(&format!("/api/v1/recordings/{}", calls[1]), &owner.token)
        .await
        .json()
        .await
        .unwrap();

    // Taken while the server runs.
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("b1");
    let (ok, out) = callqa(&app.settings, &[std::path::Path::new("backup"), &backup]);
    assert!(ok, "{out}");
    assert!(out.contains("backup of the"), "{out}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("callqa-backup.json")).unwrap()).unwrap();
    assert_eq!(manifest["audio_missing"], 0, "{manifest}");
    assert_eq!(manifest["signing_key"], true);
    // A call that arrives after the backup is not in it.
    let later = app.ready_calls(&owner, &operator, &script, 1, 1).await;

    // Into a used directory: refused, nothing written.
    let (ok, out) = callqa(&app.settings, &[std::path::Path::new("backup"), &backup]);
    assert!(!ok && out.contains("is not empty"), "{out}");

    let fresh = tempfile::tempdir().unwrap();
    let restored = test_settings(fresh.path());
    // From a directory that is no finished backup: refused.
    let (ok, out) = callqa(
        &restored,
        &[std::path::Path::new("restore"), backups.path()],
    );
    assert!(!ok && out.contains("not a finished callqa backup"), "{out}");
    let (ok, out) = callqa(&restored, &[std::path::Path::new("restore"), &backup]);
    assert!(ok, "{out}");

    let server = ServerProcess::start(&restored).await;
    let base = server.address.as_str();
    // The owner's session still holds: the signing key came back with the data.
    assert_eq!(recording_ids(base, &owner.token).await, calls);
    assert!(!calls.contains(&later[0]));
    let audio = get(
        format!("{base}/api/v1/recordings/{}/audio", calls[0]),
        &owner.token,
    )
    .await;
    assert_eq!(audio.status(), 200);
    assert_eq!(
        audio.bytes().await.unwrap(),
        original,
        "the original, byte for byte"
    );
    let after: Value = get(
        format!("{base}/api/v1/recordings/{}", calls[1]),
        &owner.token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(after, before);
    // The reviewed call stays done; the other is still there for a reviewer.
    let next = reqwest::Client::new()
        .post(format!("{base}/api/v1/assignments/next"))
        .bearer_auth(&rita.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(next.status(), 200);

    // Over an installation that has data: refused, and it still serves what it had.
    let (ok, out) = callqa(&restored, &[std::path::Path::new("restore"), &backup]);
    assert!(!ok && out.contains("nothing was changed"), "{out}");
    assert_eq!(recording_ids(base, &owner.token).await, calls);
    drop(server);

    let db = callqa::db::Db::connect(&restored.storage.database(), 1).unwrap();
    let mut conn = db.get().unwrap();
    assert_eq!(
        crate::invariants::violations(&mut conn, false).unwrap(),
        [],
        "the restored database holds the invariants (its lease is live, not a violation)"
    );
}
