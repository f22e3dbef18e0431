//! The anonymity promise, checked end to end: a call whose tags (ID3v2 with UTF-16 frames,
//! Vorbis comments, MP4 atoms), file name, operator name and customer number carry known
//! strings is uploaded; every byte a reviewer can then fetch — task JSON, audio, peaks,
//! review answers, history, and every response header — is searched for those strings in
//! UTF-8, UTF-16LE and UTF-16BE.
//!
//! The files are made at test time with ffmpeg (`apt-get install ffmpeg`).

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{Invitee, contains_bytes, encodings_of, spawn_app_with, test_settings};

const CANARIES: [&str; 5] = [
    "CanaryTitle7f3a",
    "Канарейкина",
    "79990001122",
    "canaryfile9b2e",
    "CanaryAlbum51c0",
];

fn leaks(what: &str, bytes: &[u8]) -> Vec<String> {
    encodings_of(&CANARIES)
        .into_iter()
        .filter(|(_, needle)| contains_bytes(bytes, needle))
        .map(|(name, _)| format!("{what} contains {name}"))
        .collect()
}

fn header_leaks(what: &str, response: &reqwest::Response) -> Vec<String> {
    let mut headers = Vec::new();
    for (name, value) in response.headers() {
        headers.extend_from_slice(name.as_str().as_bytes());
        headers.extend_from_slice(value.as_bytes());
    }
    leaks(&format!("{what} headers"), &headers)
}

/// A two-second tone encoded with `codec` arguments and tagged with the canaries.
fn tagged_file(dir: &std::path::Path, name: &str, codec: &[&str]) -> Vec<u8> {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg("sine=frequency=440:duration=2")
        .args(["-ar", "8000", "-ac", "1"])
        .args(["-metadata", "title=CanaryTitle7f3a"])
        .args(["-metadata", "artist=Канарейкина Ольга"])
        .args(["-metadata", "album=CanaryAlbum51c0"])
        .args(["-metadata", "comment=+79990001122"])
        .args(codec)
        .arg(&path)
        .status()
        .expect("ffmpeg is installed");
    assert!(status.success(), "ffmpeg made {name}");
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        !leaks(name, &bytes).is_empty(),
        "the source {name} carries the canaries"
    );
    bytes
}

#[tokio::test]
async fn nothing_a_reviewer_can_fetch_carries_the_calls_identity() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Канарейкина Ольга").await;
    let script = app.script(&owner).await;
    let sources = tempfile::tempdir().unwrap();
    let files = [
        (
            "canaryfile9b2e.mp3",
            tagged_file(
                sources.path(),
                "a.mp3",
                &["-c:a", "libmp3lame", "-id3v2_version", "3"],
            ),
        ),
        (
            "canaryfile9b2e.ogg",
            tagged_file(sources.path(), "b.ogg", &["-c:a", "libvorbis"]),
        ),
        (
            "canaryfile9b2e.m4a",
            tagged_file(sources.path(), "c.m4a", &["-c:a", "aac"]),
        ),
    ];
    for (name, bytes) in files {
        let response = app
            .upload(
                &owner,
                name,
                bytes,
                &[
                    ("operator_id", &operator),
                    ("script_id", &script),
                    ("customer_number", "+79990001122"),
                    ("called_at", "2026-11-20T10:15:00Z"),
                    ("direction", "inbound"),
                ],
            )
            .await;
        assert_eq!(response.status(), 202);
        let id: Value = response.json().await.unwrap();
        let done = app
            .wait_processed(&owner.token, id["id"].as_str().unwrap())
            .await;
        assert_eq!(done["status"], "ready", "{name}: {done}");
    }

    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let mut found = Vec::new();
    let mut fetched = 0;
    loop {
        let response = app
            .post_json(
                "/api/v1/assignments/next",
                Some(&reviewer.token),
                &json!({}),
            )
            .await;
        if response.status() == 204 {
            break;
        }
        assert_eq!(response.status(), 200);
        found.extend(header_leaks("task", &response));
        let body = response.bytes().await.unwrap();
        let task: Value = serde_json::from_slice(&body).unwrap();
        found.extend(leaks("task", &body));
        for url in [&task["audio_url"], &task["peaks_url"]] {
            let url = url.as_str().unwrap();
            let response = app.get_as(url, &reviewer.token).await;
            assert_eq!(response.status(), 200, "{url}");
            found.extend(header_leaks(url, &response));
            let body = response.bytes().await.unwrap();
            found.extend(leaks(url, &body));
            fetched += 1;
        }
        let verdicts: Vec<Value> = crate::helpers::all_correct(&task);
        let response = app
            .post_json(
                &format!(
                    "/api/v1/assignments/{}/review",
                    task["code"].as_str().unwrap()
                ),
                Some(&reviewer.token),
                &json!({ "verdicts": verdicts }),
            )
            .await;
        assert_eq!(response.status(), 201);
        found.extend(header_leaks("review answer", &response));
        let body = response.bytes().await.unwrap();
        found.extend(leaks("review answer", &body));
    }
    assert_eq!(fetched, 6, "three calls, audio and peaks each");
    let history = app
        .get_as("/api/v1/me/reviews", &reviewer.token)
        .await
        .bytes()
        .await
        .unwrap();
    found.extend(leaks("history", &history));
    assert!(
        found.is_empty(),
        "a reviewer can learn who called:\n{}",
        found.join("\n")
    );
}
