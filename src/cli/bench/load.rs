//! The measured loop: each reviewer, on its own connection, asks for the `next` assignment and
//! sends a review of it, again and again, noting latencies and errors.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use awc::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::ReviewLoopArgs;
use super::client::{Api, Body, Reply};

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

/// What one reviewer did during the loop.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) reviews: u64,
    /// Latencies in microseconds.
    pub(super) next: Vec<u32>,
    pub(super) review: Vec<u32>,
    /// "next 500", "review 409 conflict", "next transport" ... → count.
    pub(super) errors: BTreeMap<String, u64>,
    /// Ran out of work (204) before the time was up.
    pub(super) exhausted: bool,
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

/// What the reviewers did, and how long the loop ran (until the last reviewer stopped).
pub(super) struct Run {
    pub(super) tallies: Vec<Tally>,
    /// Seconds.
    pub(super) elapsed: f64,
}

/// Runs one reviewer per token, each on its own connection, until `--seconds` are up or the
/// work runs out. Fails when the server refuses a review as too soon.
pub(super) async fn drive(
    args: &ReviewLoopArgs,
    reviewer_tokens: Vec<String>,
) -> Result<Run, String> {
    // One client per server, one connection per reviewer: every reviewer keeps its
    // connection alive. Reviewers are spread over the servers in turn.
    let servers = args.servers();
    let apis: Vec<Rc<Api>> = servers
        .iter()
        .map(|url| Rc::new(Api::new(url, args.reviewers.div_ceil(servers.len()))))
        .collect();
    let shared = Rc::new(Shared::default());
    println!(
        "running: {} reviewers for {} s against {} ...",
        args.reviewers,
        args.seconds,
        servers.join(" and ")
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let handles: Vec<_> = reviewer_tokens
        .into_iter()
        .enumerate()
        .map(|(n, token)| {
            let api = apis[n % apis.len()].clone();
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
    Ok(Run { tallies, elapsed })
}
