//! Audio in an S3-compatible object store: originals, reviewer copies and peaks live in the
//! bucket, not on the server's disk; an upload is answered only once the bucket has it (a
//! store that is down refuses the upload and keeps nothing); reviewers and owners get the
//! audio streamed from the bucket with the byte ranges players seek with; a rebuilt copy
//! replaces the old one in the bucket; a server that cannot write to the bucket does not
//! start.
//!
//! The store is a real S3 server, s3s-fs (the S3 protocol over files on disk, from
//! crates.io), run inside the test process with signed requests.

use std::path::{Path, PathBuf};

use callqa::config::ObjectStoreSettings;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, ServerProcess, TestApp, TestUser, callqa_command, decode_audio, spawn_app_with,
    test_settings, tone_wav,
};

const ACCESS_KEY: &str = "callqa-test-key";
const SECRET_KEY: &str = "callqa-test-secret-0123456789";
const BUCKET: &str = "calls";
const PREFIX: &str = "team-a";

/// An S3 server on a random port, on a runtime of its own, until dropped or stopped.
struct S3Server {
    root: tempfile::TempDir,
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl S3Server {
    fn start() -> S3Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let path = root.path().to_path_buf();
        let (port_sender, port) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                use hyper_util::rt::{TokioExecutor, TokioIo};
                let mut builder =
                    s3s::service::S3ServiceBuilder::new(s3s_fs::FileSystem::new(&path).unwrap());
                builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
                let service = builder.build();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                port_sender
                    .send(listener.local_addr().unwrap().port())
                    .unwrap();
                let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let mut stopped = std::pin::pin!(stopped);
                loop {
                    let socket = tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok((socket, _)) => socket,
                            Err(_) => continue,
                        },
                        _ = stopped.as_mut() => break,
                    };
                    let connection = http
                        .serve_connection(TokioIo::new(socket), service.clone())
                        .into_owned();
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
            });
            // Dropping the runtime here closes every open connection.
        });
        S3Server {
            root,
            port: port.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn settings(&self, secret: &str) -> ObjectStoreSettings {
        self.settings_under(PREFIX, secret)
    }

    fn settings_under(&self, prefix: &str, secret: &str) -> ObjectStoreSettings {
        ObjectStoreSettings {
            s3_bucket: Some(BUCKET.to_owned()),
            s3_endpoint: Some(format!("http://127.0.0.1:{}", self.port)),
            s3_region: "us-east-1".to_owned(),
            s3_prefix: format!("/{prefix}/"),
            s3_access_key_id: Some(ACCESS_KEY.to_owned()),
            s3_secret_access_key: Some(secret.to_owned()),
        }
    }

    /// The objects in `folder` of the callqa prefix, as (name, bytes), by name.
    fn objects(&self, folder: &str) -> Vec<(String, Vec<u8>)> {
        self.objects_under(PREFIX, folder)
    }

    fn objects_under(&self, prefix: &str, folder: &str) -> Vec<(String, Vec<u8>)> {
        files_in(&self.root.path().join(BUCKET).join(prefix).join(folder))
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The files directly in `dir` (none when it does not exist), as (name, bytes), by name.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path: PathBuf| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// A server on the bucket with one ready call.
struct Desk {
    app: TestApp,
    owner: TestUser,
    operator: String,
    script: String,
    id: String,
}

async fn desk(s3: &S3Server) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.storage.object_store = s3.settings(SECRET_KEY);
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    let id = app
        .ready_calls(&owner, &operator, &script, 1, 1)
        .await
        .remove(0);
    Desk {
        app,
        owner,
        operator,
        script,
        id,
    }
}

#[tokio::test]
async fn the_audio_lives_in_the_bucket_and_is_streamed_from_it_with_ranges() {
    let mut s3 = S3Server::start();
    let Desk {
        app,
        owner,
        operator,
        script,
        id,
    } = desk(&s3).await;
    let local = app.settings.storage.data_dir.join("audio");

    // In the bucket, under the prefix; nothing left on the server's disk.
    let originals = s3.objects("originals");
    assert_eq!(originals.len(), 1);
    assert_eq!(
        originals[0].1,
        tone_wav(1.0, 8000),
        "the original, byte for byte"
    );
    let copies = s3.objects("reviewer");
    let peaks = s3.objects("peaks");
    assert_eq!((copies.len(), peaks.len()), (1, 1));
    for folder in ["originals", "reviewer", "peaks", "incoming"] {
        assert_eq!(files_in(&local.join(folder)), [], "{folder} on the disk");
    }

    // The reviewer hears the copy from the bucket, whole or by ranges.
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let task: Value = app
        .api
        .post(app.url("/api/v1/assignments/next"))
        .bearer_auth(&reviewer.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let audio_url = task["audio_url"].as_str().unwrap().to_owned();
    let copy = &copies[0].1;
    let size = copy.len();
    let get = |range: Option<String>| {
        let mut request = app
            .api
            .get(app.url(&audio_url))
            .bearer_auth(&reviewer.token);
        if let Some(range) = range {
            request = request.header("Range", range);
        }
        request.send()
    };
    let whole = get(None).await.unwrap();
    assert_eq!(whole.status(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        header(&whole, "content-type").as_deref(),
        Some("audio/mpeg")
    );
    assert_eq!(header(&whole, "accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(
        header(&whole, "content-disposition").as_deref(),
        Some("inline; filename=\"call.mp3\"")
    );
    assert_eq!(header(&whole, "content-length"), Some(size.to_string()));
    let body = whole.bytes().await.unwrap();
    assert_eq!(&body[..], &copy[..]);
    assert!(decode_audio(&body).duration_ms() >= 1000);

    for (range, expected) in [
        ("bytes=100-199".to_owned(), 100..200),
        ("bytes=-50".to_owned(), size - 50..size),
        (format!("bytes={}-", size - 10), size - 10..size),
        (format!("bytes=10-{}", size + 500), 10..size),
    ] {
        let part = get(Some(range.clone())).await.unwrap();
        assert_eq!(part.status(), 206, "{range}");
        assert_eq!(
            header(&part, "content-range"),
            Some(format!(
                "bytes {}-{}/{size}",
                expected.start,
                expected.end - 1
            )),
            "{range}"
        );
        assert_eq!(&part.bytes().await.unwrap()[..], &copy[expected], "{range}");
    }
    let past = get(Some(format!("bytes={size}-"))).await.unwrap();
    assert_eq!(past.status(), 416);
    assert_eq!(
        header(&past, "content-range"),
        Some(format!("bytes */{size}"))
    );

    let served_peaks = app
        .get_as(task["peaks_url"].as_str().unwrap(), &reviewer.token)
        .await;
    assert_eq!(served_peaks.status(), 200);
    assert_eq!(&served_peaks.bytes().await.unwrap()[..], &peaks[0].1[..]);

    // The owner downloads the original from the bucket, and seeks in it.
    let original_url = format!("/api/v1/recordings/{id}/audio");
    let original = app.get_as(&original_url, &owner.token).await;
    assert_eq!(original.status(), 200);
    assert_eq!(
        header(&original, "content-type").as_deref(),
        Some("audio/wav")
    );
    assert_eq!(&original.bytes().await.unwrap()[..], &originals[0].1[..]);
    let part = app
        .api
        .get(app.url(&original_url))
        .bearer_auth(&owner.token)
        .header("Range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(&part.bytes().await.unwrap()[..], b"RIFF");

    // A rebuilt copy replaces the old one in the bucket.
    let mut body: Value = app
        .get_as("/api/v1/settings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    body["voice_mode"] = json!("off");
    let saved = app
        .api
        .put(app.url("/api/v1/settings"))
        .bearer_auth(&owner.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let rebuilt = app.wait_processed(&owner.token, &id).await;
    assert_eq!(rebuilt["status"], "ready", "{rebuilt}");
    let now = s3.objects("reviewer");
    assert_eq!(now.len(), 1, "the old copy is deleted");
    assert_ne!(now[0].0, copies[0].0);
    assert_eq!(s3.objects("peaks").len(), 1);
    for folder in ["originals", "reviewer", "peaks"] {
        assert_eq!(files_in(&local.join(folder)), [], "{folder} on the disk");
    }

    // With the store down, an upload is refused and nothing is kept.
    s3.stop();
    let refused = app
        .upload(
            &owner,
            "late.wav",
            tone_wav(1.0, 8000),
            &[("operator_id", &operator), ("script_id", &script)],
        )
        .await;
    assert_eq!(refused.status(), 500);
    let error: Value = refused.json().await.unwrap();
    assert!(error["error"]["message"].is_string(), "{error}");
    let list: Value = app
        .get_as("/api/v1/recordings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    for folder in ["originals", "incoming"] {
        assert_eq!(files_in(&local.join(folder)), [], "{folder} on the disk");
    }
}

#[tokio::test]
async fn a_server_that_cannot_write_to_the_bucket_does_not_start() {
    let s3 = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.storage.object_store = s3.settings("not-the-secret");
    let error = match callqa::startup::Application::build(settings).await {
        Ok(_) => panic!("the server started with a wrong secret key"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("cannot use the object store") && error.contains("s3://calls/team-a/"),
        "{error}"
    );
}

/// `callqa backup` copies the audio out of the bucket as the database names it, and
/// `callqa restore` into an installation on another prefix puts it there, where a server on
/// the restored database serves it.
#[tokio::test]
async fn a_backup_takes_the_audio_out_of_the_bucket_and_a_restore_puts_it_back() {
    let s3 = S3Server::start();
    let Desk { app, owner, id, .. } = desk(&s3).await;

    let run = |settings: &callqa::config::Settings, args: &[&Path]| {
        let output = callqa_command(settings).args(args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{text}");
        text
    };
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("b");
    let out = run(&app.settings, &[Path::new("backup"), &backup]);
    assert!(out.contains("3 audio files"), "{out}");
    for folder in ["originals", "reviewer", "peaks"] {
        assert_eq!(
            files_in(&backup.join("audio").join(folder)),
            s3.objects(folder),
            "{folder}"
        );
    }

    let fresh = tempfile::tempdir().unwrap();
    let mut restored = test_settings(fresh.path());
    restored.storage.object_store = s3.settings_under("team-b", SECRET_KEY);
    let out = run(&restored, &[Path::new("restore"), &backup]);
    assert!(out.contains("3 audio files"), "{out}");
    for folder in ["originals", "reviewer", "peaks"] {
        assert_eq!(
            s3.objects_under("team-b", folder),
            s3.objects(folder),
            "{folder}"
        );
        assert_eq!(files_in(&fresh.path().join("audio").join(folder)), []);
    }
    let server = ServerProcess::start(&restored).await;
    let original = reqwest::Client::new()
        .get(format!("{}/api/v1/recordings/{id}/audio", server.address))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(
        &original.bytes().await.unwrap()[..],
        &s3.objects("originals")[0].1[..]
    );
}
