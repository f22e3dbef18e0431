//! Audio that fits a phone plan: a reviewer on a phone gets each call as a small mono MP3
//! (at most 160 KB per minute of call, whatever the source's rate and channels), it lasts as long
//! as the call, its address names the copy so the browser keeps it instead of fetching it again
//! on every visit, and players can still seek in it. A copy built by an earlier version (a WAV
//! in the store) still plays, as a WAV; the owner still downloads the original, byte for byte.
//!
//! The calls are spoken by espeak-ng and encoded by sox and ffmpeg (`apt-get install espeak-ng
//! sox ffmpeg`).

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, contains_bytes, decode_audio, encodings_of, spawn_app_with,
    test_settings, tone_wav,
};

/// The most a minute of call may take on the wire (1 KB = 1,000 bytes): a sixth of 8 kHz PCM16.
const MAX_BYTES_PER_MINUTE: u64 = 160_000;
/// How much longer the MP3 may decode than the call: the encoder's delay and last frame's padding.
const MP3_EXTRA_MS: u64 = 106;

const CANARIES: [&str; 3] = ["CanaryTitle41d7", "Канарейкин Пётр", "+7 901 555-77-01"];

fn run(cmd: &mut Command) {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let output = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {program} ({e}): apt-get install espeak-ng sox ffmpeg")
    });
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A spoken call of exactly `seconds` (speech looped, then cut), written by ffmpeg at `rate` Hz
/// with `channels` channels and the codec arguments given, tagged with the canaries.
fn spoken_call(
    dir: &Path,
    name: &str,
    seconds: u32,
    rate: u32,
    channels: u32,
    codec: &[&str],
) -> Vec<u8> {
    let speech = dir.join(format!("{name}.speech.wav"));
    run(Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "160", "-w"])
        .arg(&speech)
        .arg(
            "Good afternoon, thank you for calling the kettle shop. How can I help you today? \
             I would like to order the blue kettle that is on sale this week, please.",
        ));
    let out = dir.join(name);
    let seconds = seconds.to_string();
    let (rate, channels) = (rate.to_string(), channels.to_string());
    let mut args: Vec<&str> = vec![
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-stream_loop",
        "-1",
        "-i",
    ];
    let speech = speech.to_str().unwrap();
    args.push(speech);
    args.extend(["-t", &seconds, "-ar", &rate, "-ac", &channels]);
    args.extend(codec);
    let tags = [
        format!("title={}", CANARIES[0]),
        format!("artist={}", CANARIES[1]),
        format!("comment={}", CANARIES[2]),
    ];
    for tag in &tags {
        args.extend(["-metadata", tag]);
    }
    args.push(out.to_str().unwrap());
    run(Command::new("ffmpeg").args(&args));
    std::fs::read(out).unwrap()
}

struct Desk {
    app: TestApp,
    owner: TestUser,
    reviewer: TestUser,
    operator_id: String,
    script_id: String,
}

async fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
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
    }
}

impl Desk {
    /// Uploads a call and waits until its reviewer copy is built; returns the recording's id.
    async fn upload(&self, name: &str, bytes: Vec<u8>) -> String {
        let fields = [
            ("operator_id", self.operator_id.as_str()),
            ("script_id", self.script_id.as_str()),
        ];
        let response = self.app.upload(&self.owner, name, bytes, &fields).await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        let id = body["id"].as_str().unwrap().to_owned();
        let done = self.app.wait_processed(&self.owner.token, &id).await;
        assert_eq!(done["status"], "ready", "{done}");
        id
    }

    async fn next(&self) -> Value {
        let response = self
            .app
            .post_json(
                "/api/v1/assignments/next",
                Some(&self.reviewer.token),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn submit(&self, task: &Value) {
        let code = task["code"].as_str().unwrap();
        let response = self
            .app
            .post_json(
                &format!("/api/v1/assignments/{code}/review"),
                Some(&self.reviewer.token),
                &json!({ "verdicts": crate::helpers::all_correct(task) }),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
}

#[tokio::test]
async fn a_minute_of_call_costs_a_reviewer_at_most_160_kb_and_plays_as_long_as_the_call() {
    let d = desk().await;
    let dir = tempfile::tempdir().unwrap();
    // What call recorders produce (8 kHz mono MP3) and the worst case the issue names: a
    // 44.1 kHz stereo WAV, 1.41 Mbit/s.
    let sources = [
        (
            "call-8k.mp3",
            60u32,
            spoken_call(
                dir.path(),
                "call-8k.mp3",
                60,
                8_000,
                1,
                &["-c:a", "libmp3lame", "-b:a", "32k"],
            ),
        ),
        (
            "call-44k-stereo.wav",
            45,
            spoken_call(
                dir.path(),
                "call-44k-stereo.wav",
                45,
                44_100,
                2,
                &["-c:a", "pcm_s16le"],
            ),
        ),
    ];
    for (name, seconds, bytes) in sources {
        let source_ms = u64::from(seconds) * 1000;
        assert!(
            encodings_of(&CANARIES)
                .iter()
                .any(|(_, c)| contains_bytes(&bytes, c)),
            "{name}: the tags were not written, the test proves nothing"
        );
        d.upload(name, bytes.clone()).await;
        let task = d.next().await;
        let url = task["audio_url"].as_str().unwrap();
        assert!(
            url.contains("?copy="),
            "{name}: the address names the copy: {url}"
        );

        let response = d.app.get_as(url, &d.reviewer.token).await;
        assert_eq!(response.status(), 200, "{name}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "audio/mpeg", "{name}");
        assert_eq!(headers["accept-ranges"], "bytes", "{name}");
        let cache = headers["cache-control"].to_str().unwrap();
        assert!(
            cache.starts_with("private") && cache.contains("max-age=31536000"),
            "{name}: a reload must not fetch it again: {cache}"
        );
        assert!(headers.get("last-modified").is_none() && headers.get("etag").is_none());
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert_eq!(disposition, "inline; filename=\"call.mp3\"", "{name}");
        let served = response.bytes().await.unwrap().to_vec();

        let per_minute = served.len() as u64 * 60_000 / source_ms;
        eprintln!(
            "{name}: {} bytes uploaded, {} served for {source_ms} ms = {per_minute} bytes a minute",
            bytes.len(),
            served.len()
        );
        assert!(
            per_minute <= MAX_BYTES_PER_MINUTE,
            "{name}: {per_minute} bytes a minute"
        );
        // Decoded, it is mono speech lasting as long as the call.
        let copy = decode_audio(&served);
        assert_eq!(copy.sample_rate, 16_000, "{name}");
        let copy_ms = copy.duration_ms();
        assert!(
            (source_ms.saturating_sub(5)..=source_ms + MP3_EXTRA_MS).contains(&copy_ms),
            "{name}: {copy_ms} ms for a {source_ms} ms call"
        );
        let loud = copy
            .samples
            .iter()
            .filter(|s| s.unsigned_abs() > 1000)
            .count();
        assert!(
            loud > copy.samples.len() / 10,
            "{name}: the copy is nearly silent"
        );
        let task_ms = task["duration_ms"].as_u64().unwrap();
        assert!(
            task_ms.abs_diff(source_ms) <= 30,
            "the task says {task_ms} ms"
        );
        // Nothing of the original's tags, and no tag of our own: MP3 frames only.
        for (what, canary) in encodings_of(&CANARIES) {
            assert!(
                !contains_bytes(&served, &canary),
                "{name}: {what} in the copy"
            );
        }
        assert_eq!(
            &served[..2],
            b"\xff\xf3",
            "{name}: an MPEG-2 Layer III frame first"
        );
        assert_ne!(
            &served[served.len() - 128..][..3],
            b"TAG",
            "{name}: an ID3v1 tag"
        );

        // A player seeking: the range it asks for, and only that.
        let response = d
            .app
            .api
            .get(d.app.url(url))
            .bearer_auth(&d.reviewer.token)
            .header("Range", "bytes=60000-60999")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 206, "{name}");
        assert_eq!(
            response.headers()["content-range"].to_str().unwrap(),
            format!("bytes 60000-60999/{}", served.len())
        );
        assert_eq!(
            response.bytes().await.unwrap(),
            served[60_000..61_000],
            "{name}"
        );

        d.submit(&task).await;
    }
}

#[tokio::test]
async fn a_wav_copy_built_by_an_earlier_version_still_plays_as_a_wav() {
    let d = desk().await;
    let id = d.upload("call.wav", tone_wav(2.0, 8000)).await;
    // The store as an earlier version left it: the reviewer copy is a WAV.
    let reviewer_dir = d.app.settings.storage.data_dir.join("audio/reviewer");
    let stored: Vec<_> = std::fs::read_dir(&reviewer_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(stored.len(), 1);
    let old_copy = tone_wav(2.0, 8000);
    std::fs::write(&stored[0], &old_copy).unwrap();

    let task = d.next().await;
    let url = task["audio_url"].as_str().unwrap();
    let response = d.app.get_as(url, &d.reviewer.token).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/wav");
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert_eq!(disposition, "inline; filename=\"call.wav\"");
    assert_eq!(response.bytes().await.unwrap(), old_copy);
    let response = d
        .app
        .api
        .get(d.app.url(url))
        .bearer_auth(&d.reviewer.token)
        .header("Range", "bytes=44-143")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    assert_eq!(response.bytes().await.unwrap(), old_copy[44..144]);

    // Any change to what is hidden rebuilds it, as an MP3.
    let response = d
        .app
        .api
        .put(d.app.url(&format!("/api/v1/recordings/{id}/redactions")))
        .bearer_auth(&d.owner.token)
        .json(&json!({"redactions": [{"start_ms": 0, "end_ms": 500}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    d.app.wait_processed(&d.owner.token, &id).await;
    assert_eq!(
        d.app.get_as(url, &d.reviewer.token).await.status(),
        409,
        "the WAV's address serves nothing once the copy is rebuilt"
    );
    let renewed = d.next().await;
    let response = d
        .app
        .get_as(renewed["audio_url"].as_str().unwrap(), &d.reviewer.token)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/mpeg");
}

#[tokio::test]
async fn the_owner_still_downloads_the_original_byte_for_byte() {
    let d = desk().await;
    let dir = tempfile::tempdir().unwrap();
    let original = spoken_call(
        dir.path(),
        "orig.mp3",
        5,
        8_000,
        1,
        &["-c:a", "libmp3lame", "-b:a", "32k"],
    );
    let id = d.upload("orig.mp3", original.clone()).await;
    let response = d
        .app
        .get_as(&format!("/api/v1/recordings/{id}/audio"), &d.owner.token)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "audio/mpeg");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("orig.mp3")
    );
    assert_eq!(response.bytes().await.unwrap(), original);
}
