//! Setting up a run through the API with the owner's rights: an operator, a script, reviewer
//! accounts (through invites) and generated recordings, awaited until they are processed.

use std::cell::Cell;
use std::fmt::Write as _;
use std::io::Cursor;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::web::Bytes;
use awc::http::StatusCode;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ReviewLoopArgs;
use super::client::{Api, Body};

#[derive(Deserialize)]
struct Health {
    database: String,
    version: String,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct InviteCreated {
    url: String,
}

#[derive(Deserialize)]
struct RecordingState {
    status: String,
    #[serde(default)]
    error: Option<String>,
}

/// What the server was asked to do, for the report.
pub(super) struct Setup {
    pub(super) backend: String,
    pub(super) version: String,
    pub(super) reviewer_tokens: Vec<String>,
}

/// A short tag for this run's names, so runs against the same server do not collide.
fn run_tag() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:08x}", (nanos / 1000) as u32)
}

pub(super) async fn set_up(args: &ReviewLoopArgs) -> Result<Setup, String> {
    let api = Api::new(&args.url, args.upload_concurrency.max(4) + 2);
    let health: Health = api
        .get("/healthz", None)
        .await?
        .expect(StatusCode::OK, "GET /healthz")?;
    println!(
        "server: {} (callqa {}, {} database)",
        api.base, health.version, health.database
    );

    let owner = match (&args.owner_token, &args.owner_login, &args.owner_password) {
        (Some(token), _, _) => token.clone(),
        (None, Some(login), Some(password)) => {
            let reply = api
                .post_json(
                    "/api/v1/login",
                    None,
                    &json!({"login": login, "password": password}),
                )
                .await?;
            reply.expect::<Token>(StatusCode::OK, "owner login")?.token
        }
        _ => {
            return Err(
                "give --owner-login and --owner-password (or --owner-token) of an owner account"
                    .to_owned(),
            );
        }
    };
    let owner = owner.as_str();
    let tag = run_tag();
    let started = Instant::now();

    let operator: Created = api
        .post_json(
            "/api/v1/operators",
            Some(owner),
            &json!({"name": format!("Bench operator {tag}"), "external_id": format!("bench-{tag}")}),
        )
        .await?
        .expect(StatusCode::CREATED, "POST /api/v1/operators")?;
    let script: Created = api
        .post_json(
            "/api/v1/scripts",
            Some(owner),
            &json!({
                "name": format!("Bench script {tag}"),
                "steps": [
                    {"title": "Greeting", "say": "Good afternoon, this is the shop."},
                    {"title": "Needs", "guidance": "Ask what the customer is looking for."},
                    {"title": "Offer", "say": "This one is on sale until the end of the month."},
                    {"title": "Close", "guidance": "Confirm the order and say goodbye."}
                ]
            }),
        )
        .await?
        .expect(StatusCode::CREATED, "POST /api/v1/scripts")?;

    let reviewer_tokens = create_reviewers(&api, owner, &tag, args.reviewers).await?;
    println!(
        "setup: operator, script and {} reviewer accounts in {:.1} s",
        args.reviewers,
        started.elapsed().as_secs_f64()
    );

    let calls = args.calls();
    match &args.database_url {
        Some(url) => {
            // A few real uploads, processed by the server, as templates for the rest.
            let uploads = calls.min(DIRECT_TEMPLATES);
            let templates =
                seed_recordings(&api, owner, args, uploads, &operator.id, &script.id).await?;
            println!(
                "seeding: the other {} recordings are copies of these written straight into \
                 the database (sharing their audio files: for a benchmark only)",
                calls - uploads
            );
            super::direct::copy_ready(url, &templates, calls - uploads)?;
        }
        None => {
            seed_recordings(&api, owner, args, calls, &operator.id, &script.id).await?;
        }
    }
    Ok(Setup {
        backend: health.database,
        version: health.version,
        reviewer_tokens,
    })
}

/// Invites, accepts and logs in `count` reviewers (a few at a time: each costs the server a
/// password hash); returns their bearer tokens.
async fn create_reviewers(
    api: &Api,
    owner: &str,
    tag: &str,
    count: usize,
) -> Result<Vec<String>, String> {
    let password = format!("bench-{tag}-{:x}", std::process::id());
    let results: Vec<Result<String, String>> = futures_util::stream::iter(0..count)
        .map(|i| {
            let password = password.clone();
            async move {
                let invite: InviteCreated = api
                    .post_json("/api/v1/invites", Some(owner), &json!({"role": "reviewer"}))
                    .await?
                    .expect(StatusCode::CREATED, "POST /api/v1/invites")?;
                let token = invite
                    .url
                    .rsplit('/')
                    .next()
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| format!("invite URL without a token: {}", invite.url))?;
                let login = format!("bench-{tag}-r{i}");
                api.post_json(
                    &format!("/api/v1/invites/{token}/accept"),
                    None,
                    &json!({"login": login, "name": format!("Bench reviewer {i}"), "password": password}),
                )
                .await?
                .expect::<Value>(StatusCode::CREATED, "accepting an invite")?;
                let session: Token = api
                    .post_json(
                        "/api/v1/login",
                        None,
                        &json!({"login": login, "password": password}),
                    )
                    .await?
                    .expect(StatusCode::OK, "reviewer login")?;
                Ok(session.token)
            }
        })
        .buffered(4)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Recordings uploaded for real when the rest are written straight into the database.
const DIRECT_TEMPLATES: usize = 8;

/// Uploads `calls` generated recordings, then waits until every one is processed; returns
/// their ids.
async fn seed_recordings(
    api: &Api,
    owner: &str,
    args: &ReviewLoopArgs,
    calls: usize,
    operator_id: &str,
    script_id: &str,
) -> Result<Vec<String>, String> {
    let started = Instant::now();
    let reviews_required = args.reviews_per_call.to_string();
    let uploaded = Cell::new(0usize);
    let step = (calls / 10).max(1);
    if args.dynamic {
        println!("seeding: {calls} recordings of 1 s, dynamic overlap (the script's bounds)");
    } else {
        println!(
            "seeding: {calls} recordings of 1 s, {} review(s) each",
            args.reviews_per_call
        );
    }
    let ids: Vec<Result<String, String>> = futures_util::stream::iter(0..calls)
        .map(|i| {
            let reviews_required = reviews_required.as_str();
            let uploaded = &uploaded;
            async move {
                let wav = tone_wav(i)?;
                let fields = [
                    ("operator_id", operator_id),
                    ("script_id", script_id),
                    ("reviews_required", reviews_required),
                ];
                let fields = if args.dynamic {
                    &fields[..2]
                } else {
                    &fields[..]
                };
                let (boundary, bytes) = multipart_form(&format!("bench-{i:06}.wav"), &wav, fields);
                let queued: Created = api
                    .send(
                        awc::http::Method::POST,
                        "/api/v1/recordings",
                        Some(owner),
                        Body::Multipart { boundary, bytes },
                    )
                    .await?
                    .expect(StatusCode::ACCEPTED, "POST /api/v1/recordings")?;
                uploaded.set(uploaded.get() + 1);
                if uploaded.get().is_multiple_of(step) {
                    eprintln!(
                        "  uploaded {}/{} ({:.1} s)",
                        uploaded.get(),
                        calls,
                        started.elapsed().as_secs_f64()
                    );
                }
                Ok(queued.id)
            }
        })
        .buffer_unordered(args.upload_concurrency.max(1))
        .collect()
        .await;
    let ids: Vec<String> = ids.into_iter().collect::<Result<_, _>>()?;
    let upload_secs = started.elapsed().as_secs_f64();
    println!(
        "seeding: {} recordings uploaded in {upload_secs:.1} s ({:.0}/s)",
        ids.len(),
        ids.len() as f64 / upload_secs
    );

    // Jobs run roughly in upload order, so the ids are awaited in that order: by the time the
    // first ones are ready, most later ones are too, and each costs one request.
    let ready = Cell::new(0usize);
    let outcomes: Vec<Result<(), String>> = futures_util::stream::iter(ids.iter())
        .map(|id| {
            let ready = &ready;
            async move {
                loop {
                    let state: RecordingState = api
                        .get(&format!("/api/v1/recordings/{id}"), Some(owner))
                        .await?
                        .expect(StatusCode::OK, "GET /api/v1/recordings/{id}")?;
                    match state.status.as_str() {
                        "ready" => break,
                        "failed" => {
                            return Err(format!(
                                "recording {id} failed to process: {}",
                                state.error.unwrap_or_default()
                            ));
                        }
                        _ => actix_web::rt::time::sleep(Duration::from_millis(200)).await,
                    }
                }
                ready.set(ready.get() + 1);
                if ready.get().is_multiple_of(step) {
                    eprintln!(
                        "  ready {}/{} ({:.1} s)",
                        ready.get(),
                        calls,
                        started.elapsed().as_secs_f64()
                    );
                }
                Ok(())
            }
        })
        .buffer_unordered(args.upload_concurrency.max(1))
        .collect()
        .await;
    outcomes.into_iter().collect::<Result<(), _>>()?;
    let total = started.elapsed().as_secs_f64();
    println!(
        "seeding: all {} ready after {total:.1} s ({:.0} recordings/s end to end)",
        ids.len(),
        ids.len() as f64 / total
    );
    Ok(ids)
}

/// One second of 8 kHz mono PCM16: a tone whose pitch depends on `index`, so no two uploads
/// are the same file.
fn tone_wav(index: usize) -> Result<Vec<u8>, String> {
    const RATE: u32 = 8000;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let frequency = 220.0 + (index % 1000) as f64;
    let mut cursor = Cursor::new(Vec::with_capacity(2 * RATE as usize + 64));
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec).map_err(|e| e.to_string())?;
        for n in 0..RATE {
            let t = f64::from(n) / f64::from(RATE);
            let sample = (t * frequency * std::f64::consts::TAU).sin() * 8000.0;
            writer
                .write_sample(sample as i16)
                .map_err(|e| e.to_string())?;
        }
        writer.finalize().map_err(|e| e.to_string())?;
    }
    Ok(cursor.into_inner())
}

/// A `multipart/form-data` body with one `file` part and some text fields.
fn multipart_form(file_name: &str, file: &[u8], fields: &[(&str, &str)]) -> (String, Bytes) {
    let boundary = format!("callqa-bench-{:016x}", file.len() as u64 ^ 0x5eed_cafe);
    let mut body = Vec::with_capacity(file.len() + 512);
    for (name, value) in fields {
        let mut part = String::new();
        let _ = write!(
            part,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        );
        body.extend_from_slice(part.as_bytes());
    }
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: audio/wav\r\n\r\n"
    );
    body.extend_from_slice(head.as_bytes());
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (boundary, Bytes::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_audio_is_one_second_of_8khz_pcm16() {
        let wav = tone_wav(3).unwrap();
        let reader = hound::WavReader::new(Cursor::new(wav)).unwrap();
        assert_eq!(reader.spec().sample_rate, 8000);
        assert_eq!(reader.duration(), 8000);
    }
}
