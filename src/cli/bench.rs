//! `callqa bench review-loop`: a load generator for the reviewing loop of a running server.
//!
//! Everything goes through the public HTTP API, as a real client would: the owner logs in,
//! creates an operator, a script and reviewer accounts (through invites), uploads short
//! generated recordings and waits until they are processed. Then R reviewers, each on its own
//! connection, repeat `next` and `review` for S seconds, and the throughput and latency
//! percentiles are printed. `tests/bench/review-loop.sh` runs it on a fresh server.
//!
//! The server must run with `CALLQA_MIN_LISTEN_RATIO=0`: otherwise a review sent right after
//! `next` is refused as too soon (422), as it should be for a person.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Cursor;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::web::Bytes;
use awc::http::StatusCode;
use clap::{Args, Subcommand};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Seed recordings and reviewers on a running server, then measure `next` + `review`.
    ReviewLoop(ReviewLoopArgs),
}

#[derive(Debug, Args)]
pub struct ReviewLoopArgs {
    /// The running server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// Concurrent reviewers (one account and one connection each).
    #[arg(long, default_value_t = 32)]
    reviewers: usize,
    /// How long to run the loop.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// The owner's login (setup is done with the owner's rights).
    #[arg(long, env = "CALLQA_BENCH_OWNER_LOGIN")]
    owner_login: Option<String>,
    /// The owner's password (better given through the environment).
    #[arg(long, env = "CALLQA_BENCH_OWNER_PASSWORD", hide_env_values = true)]
    owner_password: Option<String>,
    /// An owner's bearer token, instead of logging in.
    #[arg(long, env = "CALLQA_BENCH_OWNER_TOKEN", hide_env_values = true,
          conflicts_with_all = ["owner_login", "owner_password"])]
    owner_token: Option<String>,
    /// How many recordings to upload before the loop; each gives `--reviews-per-call`
    /// reviews. Default: enough for 2,500 reviews/s over `--seconds`. When the pool runs dry,
    /// reviewers stop early (and the output says so).
    #[arg(long)]
    calls: Option<usize>,
    /// Reviews each recording needs (1–20; at most `--reviewers` can be used).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    reviews_per_call: u32,
    /// Uploads (and status polls) in flight at once while seeding.
    #[arg(long, default_value_t = 8)]
    upload_concurrency: usize,
}

/// The default pool: enough recordings for this many reviews per second over the run.
const SEEDED_REVIEWS_PER_SECOND: usize = 2500;

impl ReviewLoopArgs {
    fn calls(&self) -> usize {
        self.calls.unwrap_or_else(|| {
            (usize::try_from(self.seconds).unwrap_or(usize::MAX / 2) * SEEDED_REVIEWS_PER_SECOND)
                .div_ceil(self.reviews_per_call as usize)
        })
    }
}

pub fn run(command: BenchCommand) -> Result<(), String> {
    match command {
        BenchCommand::ReviewLoop(args) => {
            actix_web::rt::System::new().block_on(async move { review_loop(args).await })
        }
    }
}

/// An HTTP answer: status and the whole body.
struct Reply {
    status: StatusCode,
    body: Bytes,
}

impl Reply {
    /// The body as JSON when the status is the expected one; otherwise an error naming `what`.
    fn expect<T: for<'de> Deserialize<'de>>(
        self,
        expected: StatusCode,
        what: &str,
    ) -> Result<T, String> {
        if self.status != expected {
            return Err(format!(
                "{what}: expected {expected}, got {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "{what}: unexpected answer ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The error code from a JSON error body (`{"error": {"code", "fields": [{"code"}]}}`),
    /// field codes included, e.g. `validation_failed/too_soon`.
    fn error_codes(&self) -> Vec<String> {
        let Ok(value) = serde_json::from_slice::<Value>(&self.body) else {
            return Vec::new();
        };
        let error = &value["error"];
        let mut codes: Vec<String> = error["code"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect();
        if let Some(fields) = error["fields"].as_array() {
            codes.extend(
                fields
                    .iter()
                    .filter_map(|f| f["code"].as_str().map(str::to_owned)),
            );
        }
        codes
    }
}

/// One HTTP client (its own connection pool) and the server's base URL.
struct Api {
    client: awc::Client,
    base: String,
}

enum Body {
    Empty,
    Json(Vec<u8>),
    Multipart { boundary: String, bytes: Bytes },
}

impl Api {
    fn new(base: &str, connections: usize) -> Api {
        let connector = awc::Connector::new().limit(connections.max(1));
        let client = awc::Client::builder()
            .connector(connector)
            .timeout(Duration::from_secs(60))
            .disable_redirects()
            .finish();
        Api {
            client,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        token: Option<&str>,
        body: Body,
    ) -> Result<Reply, String> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let sent = match body {
            Body::Empty => request.send().await,
            Body::Json(bytes) => {
                request
                    .content_type("application/json")
                    .send_body(bytes)
                    .await
            }
            Body::Multipart { boundary, bytes } => {
                request
                    .content_type(format!("multipart/form-data; boundary={boundary}"))
                    .send_body(bytes)
                    .await
            }
        };
        let mut response = sent.map_err(|e| format!("{path}: {e}"))?;
        let body = response
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .map_err(|e| format!("{path}: reading the answer: {e}"))?;
        Ok(Reply {
            status: response.status(),
            body,
        })
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Result<Reply, String> {
        self.send(awc::http::Method::GET, path, token, Body::Empty)
            .await
    }

    async fn post_json<T: Serialize>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &T,
    ) -> Result<Reply, String> {
        let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        self.send(awc::http::Method::POST, path, token, Body::Json(bytes))
            .await
    }
}

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

#[derive(Deserialize)]
struct Assignment {
    code: String,
    script: AssignedScript,
}

#[derive(Deserialize)]
struct AssignedScript {
    steps: Vec<AssignedStep>,
}

#[derive(Deserialize)]
struct AssignedStep {
    id: String,
}

#[derive(Serialize)]
struct Review<'a> {
    verdicts: Vec<Verdict<'a>>,
}

#[derive(Serialize)]
struct Verdict<'a> {
    step_id: &'a str,
    verdict: &'static str,
}

/// What the server was asked to do, for the report.
struct Setup {
    backend: String,
    version: String,
    reviewer_tokens: Vec<String>,
}

async fn review_loop(args: ReviewLoopArgs) -> Result<(), String> {
    if args.reviewers == 0 || args.seconds == 0 || args.calls() == 0 {
        return Err("--reviewers, --seconds and --calls must be at least 1".to_owned());
    }
    println!(
        "note: the server must run with CALLQA_MIN_LISTEN_RATIO=0, or every review is refused \
         as too soon after `next`"
    );
    if args.reviews_per_call as usize > args.reviewers {
        println!(
            "note: --reviews-per-call {} is more than --reviewers {}: a reviewer reviews a call \
             once, so part of the pool cannot be used",
            args.reviews_per_call, args.reviewers
        );
    }
    let setup = set_up(&args).await?;
    measure(&args, setup).await
}

/// A short tag for this run's names, so runs against the same server do not collide.
fn run_tag() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:08x}", (nanos / 1000) as u32)
}

async fn set_up(args: &ReviewLoopArgs) -> Result<Setup, String> {
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

    seed_recordings(&api, owner, args, &operator.id, &script.id).await?;
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

/// Uploads `--calls` generated recordings, then waits until every one is processed.
async fn seed_recordings(
    api: &Api,
    owner: &str,
    args: &ReviewLoopArgs,
    operator_id: &str,
    script_id: &str,
) -> Result<(), String> {
    let started = Instant::now();
    let reviews_required = args.reviews_per_call.to_string();
    let uploaded = Cell::new(0usize);
    let calls = args.calls();
    let step = (calls / 10).max(1);
    println!(
        "seeding: {calls} recordings of 1 s, {} review(s) each",
        args.reviews_per_call
    );
    let ids: Vec<Result<String, String>> = futures_util::stream::iter(0..calls)
        .map(|i| {
            let reviews_required = reviews_required.as_str();
            let uploaded = &uploaded;
            async move {
                let wav = tone_wav(i)?;
                let (boundary, bytes) = multipart_form(
                    &format!("bench-{i:06}.wav"),
                    &wav,
                    &[
                        ("operator_id", operator_id),
                        ("script_id", script_id),
                        ("reviews_required", reviews_required),
                    ],
                );
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
    Ok(())
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

/// What one reviewer did during the loop.
#[derive(Default)]
struct Tally {
    reviews: u64,
    /// Latencies in microseconds.
    next: Vec<u32>,
    review: Vec<u32>,
    /// "next 500", "review 409 conflict", "next transport" ... → count.
    errors: BTreeMap<String, u64>,
    /// Ran out of work (204) before the time was up.
    exhausted: bool,
}

/// Shared by the reviewers of one run (one thread: plain cells).
#[derive(Default)]
struct Shared {
    stop: Cell<bool>,
    too_soon: RefCell<Option<String>>,
}

fn micros(since: Instant) -> u32 {
    u32::try_from(since.elapsed().as_micros()).unwrap_or(u32::MAX)
}

fn error_key(what: &str, reply: &Reply) -> String {
    let codes = reply.error_codes();
    if codes.is_empty() {
        format!("{what} {}", reply.status.as_u16())
    } else {
        format!("{what} {} {}", reply.status.as_u16(), codes.join("/"))
    }
}

async fn reviewer(api: Rc<Api>, token: String, deadline: Instant, shared: Rc<Shared>) -> Tally {
    let mut tally = Tally::default();
    let token = Some(token.as_str());
    while Instant::now() < deadline && !shared.stop.get() {
        let started = Instant::now();
        let reply = api
            .send(
                awc::http::Method::POST,
                "/api/v1/assignments/next",
                token,
                Body::Empty,
            )
            .await;
        tally.next.push(micros(started));
        let reply = match reply {
            Ok(reply) => reply,
            Err(_) => {
                *tally.errors.entry("next transport".to_owned()).or_default() += 1;
                actix_web::rt::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if reply.status == StatusCode::NO_CONTENT {
            tally.exhausted = true;
            break;
        }
        if reply.status != StatusCode::OK {
            *tally.errors.entry(error_key("next", &reply)).or_default() += 1;
            // Do not spin on a server that refuses everything.
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        let assignment: Assignment = match serde_json::from_slice(&reply.body) {
            Ok(assignment) => assignment,
            Err(_) => {
                *tally
                    .errors
                    .entry("next unreadable".to_owned())
                    .or_default() += 1;
                continue;
            }
        };
        let review = Review {
            verdicts: assignment
                .script
                .steps
                .iter()
                .map(|s| Verdict {
                    step_id: &s.id,
                    verdict: "correct",
                })
                .collect(),
        };
        let body = serde_json::to_vec(&review).unwrap_or_default();
        let path = format!("/api/v1/assignments/{}/review", assignment.code);
        let started = Instant::now();
        let reply = api
            .send(awc::http::Method::POST, &path, token, Body::Json(body))
            .await;
        tally.review.push(micros(started));
        match reply {
            Ok(reply) if reply.status == StatusCode::CREATED => tally.reviews += 1,
            Ok(reply) => {
                if reply.status == StatusCode::UNPROCESSABLE_ENTITY
                    && reply.error_codes().iter().any(|c| c == "too_soon")
                {
                    shared.stop.set(true);
                    shared
                        .too_soon
                        .replace(Some(String::from_utf8_lossy(&reply.body).into_owned()));
                }
                *tally.errors.entry(error_key("review", &reply)).or_default() += 1;
            }
            Err(_) => {
                *tally
                    .errors
                    .entry("review transport".to_owned())
                    .or_default() += 1
            }
        }
    }
    tally
}

async fn measure(args: &ReviewLoopArgs, setup: Setup) -> Result<(), String> {
    // One client, one connection per reviewer: every reviewer keeps its connection alive.
    let api = Rc::new(Api::new(&args.url, args.reviewers));
    let shared = Rc::new(Shared::default());
    println!(
        "running: {} reviewers for {} s against {} ...",
        args.reviewers, args.seconds, args.url
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let handles: Vec<_> = setup
        .reviewer_tokens
        .into_iter()
        .map(|token| {
            let api = api.clone();
            let shared = shared.clone();
            actix_web::rt::spawn(async move {
                let tally = reviewer(api, token, deadline, shared).await;
                (tally, Instant::now())
            })
        })
        .collect();
    let mut tallies = Vec::with_capacity(handles.len());
    let mut last_finish = started;
    for handle in handles {
        let (tally, finished) = handle
            .await
            .map_err(|e| format!("a reviewer task failed: {e}"))?;
        last_finish = last_finish.max(finished);
        tallies.push(tally);
    }
    let elapsed = last_finish.duration_since(started).as_secs_f64();

    if let Some(body) = shared.too_soon.borrow().as_ref() {
        return Err(format!(
            "the server refused a review as too soon after `next` ({body}).\n\
             Restart it with CALLQA_MIN_LISTEN_RATIO=0 for the benchmark (the check must stay on \
             in production)."
        ));
    }

    let reviews: u64 = tallies.iter().map(|t| t.reviews).sum();
    let exhausted = tallies.iter().filter(|t| t.exhausted).count();
    let mut next: Vec<u32> = tallies
        .iter()
        .flat_map(|t| t.next.iter().copied())
        .collect();
    let mut review: Vec<u32> = tallies
        .iter()
        .flat_map(|t| t.review.iter().copied())
        .collect();
    next.sort_unstable();
    review.sort_unstable();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for tally in &tallies {
        for (key, count) in &tally.errors {
            *errors.entry(key.clone()).or_default() += count;
        }
    }
    let error_total: u64 = errors.values().sum();

    println!();
    println!("| {:<22} | {:>12} |", "callqa bench review-loop", "");
    println!("|{:-<24}|{:->14}|", "", "");
    let row = |name: &str, value: String| println!("| {name:<22} | {value:>12} |");
    row("backend", setup.backend.clone());
    row("server version", setup.version.clone());
    row("reviewers", args.reviewers.to_string());
    row("seconds", format!("{elapsed:.1}"));
    row("reviews done", reviews.to_string());
    row(
        "reviews/s",
        format!("{:.0}", reviews as f64 / elapsed.max(1e-9)),
    );
    for (name, samples) in [("next", &next), ("review", &review)] {
        for (label, p) in [("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("max", 100.0)] {
            row(
                &format!("{name} {label} ms"),
                percentile_ms(samples, p).map_or_else(|| "-".to_owned(), |ms| format!("{ms:.2}")),
            );
        }
    }
    row("errors", error_total.to_string());
    println!();
    for (key, count) in &errors {
        println!("error: {key}: {count}");
    }
    if exhausted > 0 {
        println!(
            "warning: {exhausted} of {} reviewers ran out of work (204) before {} s: seed more \
             calls (--calls, now {}) or raise --reviews-per-call; the figures cover {elapsed:.1} s",
            args.reviewers,
            args.seconds,
            args.calls()
        );
    }
    Ok(())
}

/// The `p`-th percentile (nearest rank) of sorted microsecond samples, in milliseconds.
fn percentile_ms(sorted: &[u32], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    Some(f64::from(sorted[index]) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<u32> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(percentile_ms(&samples, 50.0), Some(50.0));
        assert_eq!(percentile_ms(&samples, 99.0), Some(99.0));
        assert_eq!(percentile_ms(&samples, 100.0), Some(100.0));
        assert_eq!(percentile_ms(&[], 50.0), None);
    }

    #[test]
    fn generated_audio_is_one_second_of_8khz_pcm16() {
        let wav = tone_wav(3).unwrap();
        let reader = hound::WavReader::new(Cursor::new(wav)).unwrap();
        assert_eq!(reader.spec().sample_rate, 8000);
        assert_eq!(reader.duration(), 8000);
    }
}
