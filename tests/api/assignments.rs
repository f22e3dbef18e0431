//! Reviewers ask for calls and grade them: the task carries nothing about the call's origin,
//! the draw is uniform and never gives a call to more reviewers than it needs (even with
//! many racing, through one server or two server processes on one database), leases run out
//! and skips return a call to the pool but never to the same reviewer, and every bad review
//! is refused with a reason.

use std::collections::HashSet;

use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, problem_fields, redact, spawn_app_with, test_settings,
};

struct Floor {
    app: TestApp,
    owner: TestUser,
    operator_id: String,
    script_id: String,
}

/// A server where reviews may be sent at once (`min_listen_ratio` 0 unless given).
async fn floor(min_listen_ratio: f64) -> Floor {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = min_listen_ratio;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let operator_id = app.operator_record(&owner, "Olga Kuznetsova").await;
    let script_id = app.script(&owner).await;
    Floor {
        app,
        owner,
        operator_id,
        script_id,
    }
}

impl Floor {
    async fn calls(&self, count: usize, reviews: u32) -> Vec<String> {
        self.app
            .ready_calls(
                &self.owner,
                &self.operator_id,
                &self.script_id,
                count,
                reviews,
            )
            .await
    }

    async fn next(&self, reviewer: &TestUser) -> (u16, Value) {
        self.next_via(&self.app.address, reviewer).await
    }

    async fn review(&self, reviewer: &TestUser, code: &str, verdicts: Value) -> (u16, Value) {
        self.review_via(&self.app.address, reviewer, code, verdicts)
            .await
    }

    /// `next` through the server at `server` (this test's or another process on its data).
    async fn next_via(&self, server: &str, reviewer: &TestUser) -> (u16, Value) {
        self.post_via(server, "/api/v1/assignments/next", reviewer, json!({}))
            .await
    }

    async fn review_via(
        &self,
        server: &str,
        reviewer: &TestUser,
        code: &str,
        verdicts: Value,
    ) -> (u16, Value) {
        let path = format!("/api/v1/assignments/{code}/review");
        self.post_via(server, &path, reviewer, json!({ "verdicts": verdicts }))
            .await
    }

    async fn post_via(
        &self,
        server: &str,
        path: &str,
        reviewer: &TestUser,
        body: Value,
    ) -> (u16, Value) {
        let response = self
            .app
            .api
            .post(format!("{server}{path}"))
            .bearer_auth(&reviewer.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A verdict of `correct` for every step of a task, as the review body's array.
fn all_correct(task: &Value) -> Value {
    Value::Array(crate::helpers::all_correct(task))
}

#[tokio::test]
async fn a_reviewer_gets_a_blind_task_and_the_audio_only_they_may_hear() {
    let f = floor(0.0).await;
    let rita = f.app.invited(&f.owner, Invitee::Reviewer, "rita").await;
    let (status, _) = f.next(&rita).await;
    assert_eq!(status, 204, "nothing to review yet");

    f.calls(1, 1).await;
    let (status, task) = f.next(&rita).await;
    assert_eq!(status, 200);
    let code = task["code"].as_str().unwrap();
    assert!(code.len() >= 16);
    assert_eq!(task["duration_ms"], 1000);
    assert_eq!(task["script"]["title"], "Inbound call");
    assert_eq!(task["script"]["steps"].as_array().unwrap().len(), 3);
    let mut keys: Vec<&str> = task
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "audio_url",
            "code",
            "duration_ms",
            "expires_at",
            "peaks_url",
            "script"
        ]
    );
    // The whole task as a reviewer's client receives it; what changes from run to run is
    // checked for its kind and hidden.
    insta::assert_json_snapshot!("reviewer_task", task, {
        ".code" => redact::known(code, "[code]"),
        ".audio_url" => redact::audio_url(code),
        ".peaks_url" => redact::known(
            format!("/api/v1/assignments/{code}/peaks"),
            "/api/v1/assignments/[code]/peaks",
        ),
        ".expires_at" => redact::time(),
        ".script.steps[].id" => redact::id("[step id]"),
    });
    let text = task.to_string();
    for secret in ["Kuznetsova", "call-0", "operator", "recording"] {
        assert!(!text.contains(secret), "the task mentions {secret}: {text}");
    }
    let (_, again) = f.next(&rita).await;
    assert_eq!(
        again["code"], task["code"],
        "a held call comes back, not a new one"
    );

    let audio_url = task["audio_url"].as_str().unwrap();
    let response = f
        .app
        .api
        .get(f.app.url(audio_url))
        .bearer_auth(&rita.token)
        .header("Range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    let headers = response.headers().clone();
    // The address names the copy: the browser keeps it, for this user only.
    assert_eq!(
        headers["cache-control"],
        "private, max-age=31536000, immutable"
    );
    assert_eq!(headers["content-type"], "audio/mpeg");
    assert!(headers.get("last-modified").is_none() && headers.get("etag").is_none());
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("call.mp3"), "{disposition}");
    assert_eq!(response.bytes().await.unwrap().len(), 100);
    // The plain address is never kept; a copy name that is not the current copy's gets nothing.
    let plain = audio_url.split('?').next().unwrap();
    let response = f.app.get_as(plain, &rita.token).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let stale = format!("{plain}?copy=0123456789abcdef");
    let response = f.app.get_as(&stale, &rita.token).await;
    assert_eq!(response.status(), 409);
    let kept = response.headers().get("cache-control");
    assert!(
        kept.is_none_or(|c| !c.to_str().unwrap().contains("max-age")),
        "{kept:?}"
    );
    let peaks = f
        .app
        .get_as(task["peaks_url"].as_str().unwrap(), &rita.token)
        .await;
    assert_eq!(peaks.status(), 200);

    let other = f.app.invited(&f.owner, Invitee::Reviewer, "rob").await;
    assert_eq!(f.app.get_as(audio_url, &other.token).await.status(), 404);
    assert_eq!(f.app.get_as(audio_url, &f.owner.token).await.status(), 200);
    let operator = f.app.invited(&f.owner, Invitee::Operator, "oleg").await;
    assert_eq!(f.app.get_as(audio_url, &operator.token).await.status(), 403);
    let (status, _) = f.next(&other).await;
    assert_eq!(status, 204, "the call needs one review and rita holds it");

    let (status, done) = f.review(&rita, code, all_correct(&task)).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["gaps"], 0);
    let (status, body) = f.review(&rita, code, all_correct(&task)).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "already_submitted");
    assert_eq!(
        f.app.get_as(audio_url, &rita.token).await.status(),
        404,
        "a finished task's audio is closed"
    );

    let history: Value = f
        .app
        .get_as("/api/v1/me/reviews", &rita.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["total_reviews"], 1);
    assert_eq!(history["days"][0]["reviews"], 1);
    // Days are counted in the reviewer's zone, which the answer names.
    assert_eq!(history["time_zone"], "UTC");
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    assert_eq!(history["days"][0]["day"], day.as_str());
}

/// A path segment that cannot be a code names nothing: "not found" before the body is read
/// (an unknown but well-formed code reaches the body check first), and after the role check.
#[tokio::test]
async fn a_code_of_the_wrong_shape_is_not_found_before_the_body_is_read() {
    let f = floor(0.0).await;
    let rita = f.app.invited(&f.owner, Invitee::Reviewer, "rita").await;
    f.calls(1, 1).await;
    let (_, task) = f.next(&rita).await;
    let code = task["code"].as_str().unwrap().to_owned();
    let send_broken_json = |path: String| {
        f.app
            .api
            .post(f.app.url(&path))
            .bearer_auth(&rita.token)
            .header("Content-Type", "application/json")
            .body("{")
            .send()
    };
    let response = send_broken_json(format!("/api/v1/assignments/{code}/review"))
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "a real code: the body is read");
    let malformed = [
        "short".to_owned(),
        code.to_uppercase(),
        format!("{code}x"),
        code[1..].to_owned(),
        "00000000-0000-0000-0000-000000000000".to_owned(),
        "%FF%FE%FD".to_owned(),
    ];
    let operator = f.app.invited(&f.owner, Invitee::Operator, "oleg").await;
    let browser = f.app.browser_for(&rita).await;
    for bad in &malformed {
        for action in ["review", "skip"] {
            let response = send_broken_json(format!("/api/v1/assignments/{bad}/{action}"))
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{action} {bad}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "not_found", "{action} {bad}");
        }
        for file in ["audio", "peaks"] {
            let path = format!("/api/v1/assignments/{bad}/{file}");
            assert_eq!(f.app.get_as(&path, &rita.token).await.status(), 404);
            assert_eq!(f.app.get_as(&path, &f.owner.token).await.status(), 404);
            assert_eq!(
                f.app.get_as(&path, &operator.token).await.status(),
                403,
                "the role is refused first: {path}"
            );
            assert_eq!(f.app.get(&path).await.status(), 401, "{path}");
        }
        let page = browser
            .get(f.app.url(&format!("/review/{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 404, "/review/{bad}");
    }
    let (status, _) = f.review(&rita, &code, all_correct(&task)).await;
    assert_eq!(status, 201, "the real code still works");
}

#[tokio::test]
async fn every_bad_review_is_refused_with_its_reason_and_changes_nothing() {
    let f = floor(0.0).await;
    let rita = f.app.invited(&f.owner, Invitee::Reviewer, "rita").await;
    let ids = f.calls(1, 1).await;
    let (_, task) = f.next(&rita).await;
    let code = task["code"].as_str().unwrap();
    let steps: Vec<String> = task["script"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let ok = |i: usize| json!({"step_id": steps[i], "verdict": "correct"});
    let cases = [
        (json!([ok(0), ok(1)]), "verdicts", "step_not_graded"),
        (
            json!([ok(0), ok(1), ok(2), ok(2)]),
            "verdicts[3].step_id",
            "duplicate_step",
        ),
        (
            json!([ok(0), ok(1), ok(2), {"step_id": "nope", "verdict": "correct"}]),
            "verdicts[3].step_id",
            "unknown_step",
        ),
        (
            json!([ok(0), ok(1), {"step_id": steps[2], "verdict": "great"}]),
            "verdicts[2].verdict",
            "unknown_verdict",
        ),
        (
            json!([ok(0), ok(1), {"step_id": steps[2], "verdict": "incorrect"}]),
            "verdicts[2].comment",
            "comment_required",
        ),
        (
            json!([ok(0), ok(1), {"step_id": steps[2], "verdict": "missing", "comment": "  "}]),
            "verdicts[2].comment",
            "comment_required",
        ),
        (
            json!([ok(0), ok(1), {"step_id": steps[2], "verdict": "correct", "at_ms": 1001}]),
            "verdicts[2].at_ms",
            "outside_call",
        ),
        (
            json!([ok(0), ok(1), {"step_id": steps[2], "verdict": "correct", "at_ms": -5}]),
            "verdicts[2].at_ms",
            "outside_call",
        ),
    ];
    for (verdicts, field, code_word) in cases {
        let (status, body) = f.review(&rita, code, verdicts.clone()).await;
        assert_eq!(status, 422, "{verdicts}");
        let fields = problem_fields(&body);
        assert!(
            fields.contains(&(field.to_owned(), code_word.to_owned())),
            "{field}/{code_word} expected in {fields:?}"
        );
    }
    let response = f
        .app
        .api
        .post(f.app.url(&format!("/api/v1/assignments/{code}/review")))
        .bearer_auth(&rita.token)
        .header("Accept-Language", "ru")
        .json(&json!({"verdicts": [ok(0), ok(1), {"step_id": steps[2], "verdict": "missing"}]}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["fields"][0]["message"],
        "Опишите, что произошло: для этой оценки нужен комментарий."
    );

    let recording: Value = f
        .app
        .get_as(&format!("/api/v1/recordings/{}", ids[0]), &f.owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        recording["reviews_done"], 0,
        "refused reviews leave no trace"
    );

    let (status, body) = f
        .review(&rita, code, json!([ok(0), {"step_id": steps[1], "verdict": "incorrect", "comment": "Interrupted"}, {"step_id": steps[2], "verdict": "missing", "comment": "Asked about delivery abroad", "at_ms": 800}]))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["gaps"], 1, "a gap for the missing verdict");
    let recording: Value = f
        .app
        .get_as(&format!("/api/v1/recordings/{}", ids[0]), &f.owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recording["reviews_done"], 1);

    let (status, _) = f.review(&rita, "no-such-code", json!([])).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_review_sent_before_the_call_could_be_heard_is_refused() {
    let f = floor(0.5).await;
    let rita = f.app.invited(&f.owner, Invitee::Reviewer, "rita").await;
    let response = f
        .app
        .upload(
            &f.owner,
            "long.wav",
            crate::helpers::tone_wav(30.0, 8000),
            &[("operator_id", &f.operator_id), ("script_id", &f.script_id)],
        )
        .await;
    let id: Value = response.json().await.unwrap();
    f.app
        .wait_processed(&f.owner.token, id["id"].as_str().unwrap())
        .await;
    let (_, task) = f.next(&rita).await;
    let (status, body) = f
        .review(&rita, task["code"].as_str().unwrap(), all_correct(&task))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        problem_fields(&body),
        [("verdicts".to_owned(), "too_soon".to_owned())]
    );
    let message = body["error"]["fields"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("15 s") || message.contains("14 s"),
        "{message}"
    );
}

/// Moves every active lease's end into the past, as if the reviewers walked away.
fn expire_leases(app: &TestApp) {
    let db = callqa::db::Db::connect(&app.settings.storage.database(), 1).unwrap();
    let mut conn = db.get().unwrap();
    let past = callqa::db::time::now() - time::Duration::minutes(1);
    diesel::update(callqa::db::schema::assignments::table)
        .set(callqa::db::schema::assignments::expires_at.eq(past))
        .execute(&mut *conn)
        .unwrap();
}

use diesel::ExpressionMethods;

#[tokio::test]
async fn expired_leases_and_skips_return_calls_to_the_pool_but_not_to_the_same_reviewer() {
    let f = floor(0.0).await;
    let rita = f.app.invited(&f.owner, Invitee::Reviewer, "rita").await;
    let rob = f.app.invited(&f.owner, Invitee::Reviewer, "rob").await;
    let kim = f.app.invited(&f.owner, Invitee::Reviewer, "kim").await;
    f.calls(1, 1).await;

    // Rita's lease runs out; nobody takes the call: her late review is still taken.
    let (_, first) = f.next(&rita).await;
    expire_leases(&f.app);
    let (status, _) = f
        .review(&rita, first["code"].as_str().unwrap(), all_correct(&first))
        .await;
    assert_eq!(status, 201, "a late review of a lease nobody took");

    // A second call: Rita's lease runs out and Rob takes it; her late review is refused.
    f.calls(1, 1).await;
    let (_, mine) = f.next(&rita).await;
    expire_leases(&f.app);
    let (status, robs) = f.next(&rob).await;
    assert_eq!(status, 200);
    let (status, body) = f
        .review(&rita, mine["code"].as_str().unwrap(), all_correct(&mine))
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "lease_lost");

    // Rob skips it with a reason: it goes to Kim, and never back to Rob (nor to Rita).
    let skip = |reason: &str| json!({ "reason": reason });
    let skip_url = format!(
        "/api/v1/assignments/{}/skip",
        robs["code"].as_str().unwrap()
    );
    let response = f
        .app
        .post_json(&skip_url, Some(&rob.token), &skip(" "))
        .await;
    assert_eq!(response.status(), 422, "a skip needs a reason");
    let response = f
        .app
        .post_json(
            &skip_url,
            Some(&rob.token),
            &skip("The recording is silent"),
        )
        .await;
    assert_eq!(response.status(), 204);
    let response = f
        .app
        .post_json(&skip_url, Some(&rob.token), &skip("again"))
        .await;
    assert_eq!(response.status(), 409);
    let (status, _) = f.next(&rob).await;
    assert_eq!(
        status, 204,
        "a skipped call never returns to the reviewer who skipped it"
    );
    let (status, _) = f.next(&rita).await;
    assert_eq!(status, 204, "nor to one who had it before");
    let (status, kims) = f.next(&kim).await;
    assert_eq!(status, 200);
    let (status, _) = f
        .review(&kim, kims["code"].as_str().unwrap(), all_correct(&kims))
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn racing_reviewers_give_every_call_exactly_its_overlap() {
    let f = floor(0.0).await;
    let servers = [f.app.address.clone()];
    race(f, 8, &servers).await;
}

#[tokio::test]
async fn reviewers_racing_through_two_server_processes_give_every_call_exactly_its_overlap() {
    // A second `callqa serve` process on the same data and database, as an installation
    // with several processes would run; half the reviewers go through each.
    let f = floor(0.0).await;
    let other = crate::helpers::ServerProcess::start(&f.app.settings).await;
    let servers = [f.app.address.clone(), other.address.clone()];
    race(f, 8, &servers).await;
}

/// `reviewers` new reviewers, each through one of `servers` in turn, take and review calls
/// (6 calls needing 3 reviews each) until none is left; then every call has exactly 3
/// reviews from 3 different reviewers and no code was handed out twice.
async fn race(f: Floor, reviewers: usize, servers: &[String]) {
    let calls = f.calls(6, 3).await;
    let mut racers = Vec::new();
    for n in 0..reviewers {
        let reviewer = f
            .app
            .invited(&f.owner, Invitee::Reviewer, &format!("racer{n}"))
            .await;
        racers.push((reviewer, servers[n % servers.len()].clone()));
    }
    let app = std::sync::Arc::new(f);
    let mut tasks = Vec::new();
    for (reviewer, server) in racers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let (status, task) = app.next_via(&server, &reviewer).await;
                if status == 204 {
                    return done;
                }
                assert_eq!(status, 200, "{task}");
                let code = task["code"].as_str().unwrap().to_owned();
                let (status, body) = app
                    .review_via(&server, &reviewer, &code, all_correct(&task))
                    .await;
                assert_eq!(status, 201, "{body}");
                done.push(code);
            }
        }));
    }
    let mut total = 0;
    let mut codes = HashSet::new();
    for task in tasks {
        for code in task.await.unwrap() {
            total += 1;
            assert!(codes.insert(code), "codes are unique");
        }
    }
    assert_eq!(total, calls.len() * 3, "every slot filled once");
    for id in &calls {
        let recording: Value = app
            .app
            .get_as(&format!("/api/v1/recordings/{id}"), &app.owner.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(recording["reviews_done"], 3, "{id}");
    }
    // Distinct reviewers per call: the database holds one review per reviewer and call.
    let db = callqa::db::Db::connect(&app.app.settings.storage.database(), 1).unwrap();
    let mut conn = db.get().unwrap();
    use callqa::db::schema::reviews;
    use diesel::QueryDsl;
    let pairs: Vec<(String, String)> = reviews::table
        .select((reviews::recording_id, reviews::reviewer_id))
        .load(&mut *conn)
        .unwrap();
    let distinct: HashSet<&(String, String)> = pairs.iter().collect();
    assert_eq!(distinct.len(), pairs.len());
}

#[tokio::test]
async fn the_draw_is_uniform() {
    // Ten calls that each need many reviews; 400 reviewers each draw once and hand the call
    // back, so the pool stays the same and every first draw counts.
    let f = floor(0.0).await;
    let calls = f.calls(10, 20).await;
    const DRAWS: u32 = 400;
    let counts = crate::helpers::first_draws(&f.app, DRAWS, 20261123, |_, _| {});
    assert_eq!(counts.len(), calls.len(), "every call was drawn");
    let chi_square = crate::helpers::chi_square(&counts, calls.len());
    // 9 degrees of freedom: 21.67 is the 99th percentile of the chi-square distribution.
    assert!(
        chi_square < 21.67,
        "chi-square {chi_square:.2} for {counts:?}"
    );
}
