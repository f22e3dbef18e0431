//! Proof of listening: a review that reports what the player played (`heard`) is refused
//! below the owner's minimum share of the call, in the reviewer's language, and when it
//! claims more than could have been played at 2× since the draw; what was heard is stored and
//! shown to the owner. Malformed ranges are refused and store nothing; a review without
//! `heard` is judged by the time since the draw, as before; the minimum at 0 is off. On both
//! backends.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, all_correct, csrf_of, problem_fields, spawn_app_with, test_settings,
};

struct Setup {
    app: TestApp,
    owner: TestUser,
    operator: String,
    script: String,
}

/// An app whose reviews must be held for `min_listen_ratio` of the call when they report
/// nothing heard.
async fn setup(min_listen_ratio: f64) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = min_listen_ratio;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let olga = app.invited(&owner, Invitee::Operator, "olga").await;
    let operator = olga.operator_id.clone().unwrap();
    let script = app.script(&owner).await;
    Setup {
        app,
        owner,
        operator,
        script,
    }
}

impl Setup {
    /// One ready one-second call and a reviewer holding it: the reviewer and the task.
    async fn held_call(&self, login: &str) -> (TestUser, Value) {
        self.app
            .ready_calls(&self.owner, &self.operator, &self.script, 1, 1)
            .await;
        let reviewer = self
            .app
            .invited(&self.owner, Invitee::Reviewer, login)
            .await;
        let response = self
            .app
            .post_json(
                "/api/v1/assignments/next",
                Some(&reviewer.token),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let task: Value = response.json().await.unwrap();
        assert!(task["duration_ms"].as_i64().unwrap() > 500, "{task}");
        (reviewer, task)
    }

    /// Sends the task's review (all steps correct) with `body`'s other fields, in `lang`.
    async fn send(
        &self,
        reviewer: &TestUser,
        task: &Value,
        extra: Value,
        lang: &str,
    ) -> (u16, Value) {
        let mut body = json!({ "verdicts": all_correct(task) });
        for (name, value) in extra.as_object().unwrap() {
            body[name] = value.clone();
        }
        let code = task["code"].as_str().unwrap();
        let response = self
            .app
            .api
            .post(self.app.url(&format!("/api/v1/assignments/{code}/review")))
            .bearer_auth(&reviewer.token)
            .header("Accept-Language", lang)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn settings(&self, body: Value) -> (u16, Value) {
        let response = self
            .app
            .put_json("/api/v1/settings", &self.owner.token, &body)
            .await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The stored `(heard_ms, heard_ranges)` of every review.
    fn stored(&self) -> Vec<(Option<i64>, Option<String>)> {
        use callqa::db::schema::reviews;
        let mut conn = self.app.connect_db();
        reviews::table
            .select((reviews::heard_ms, reviews::heard_ranges))
            .load(&mut conn)
            .unwrap()
    }

    /// Every call's reviews as the owner's API gives them.
    async fn reviews_of(&self) -> Vec<Value> {
        let calls = self
            .app
            .get_as("/api/v1/recordings", &self.owner.token)
            .await
            .json::<Value>()
            .await
            .unwrap();
        let mut all = Vec::new();
        for call in calls.as_array().unwrap() {
            let id = call["id"].as_str().unwrap();
            let view: Value = self
                .app
                .get_as(
                    &format!("/api/v1/recordings/{id}/reviews"),
                    &self.owner.token,
                )
                .await
                .json()
                .await
                .unwrap();
            all.extend(view["reviews"].as_array().unwrap().iter().cloned());
        }
        all
    }
}

fn duration(task: &Value) -> i64 {
    task["duration_ms"].as_i64().unwrap()
}

#[tokio::test]
async fn too_little_heard_is_refused_in_the_reviewers_language() {
    let s = setup(0.0).await;
    let (rita, task) = s.held_call("rita").await;
    // Just over 30 %, so that it reads 30 % whatever the call's exact length.
    let third = duration(&task) * 3 / 10 + 1;
    let heard = json!({ "heard": [[0, third]] });
    let (status, body) = s.send(&rita, &task, heard.clone(), "en").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        problem_fields(&body),
        vec![("heard".to_owned(), "not_heard".to_owned())]
    );
    let message = body["error"]["fields"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("30 %") && message.contains("60 %"),
        "{message}"
    );
    assert!(
        message.starts_with("Listen to more of the call"),
        "{message}"
    );

    let (status, body) = s.send(&rita, &task, heard, "ru").await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["fields"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "Сначала дослушайте звонок: прослушано 30 %, а чтобы отправить проверку, нужно не меньше 60 %."
    );
    assert!(s.stored().is_empty());

    // The owner's minimum is theirs to set, within 0–100.
    let (status, body) = s.settings(json!({ "min_heard_percent": 20 })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["min_heard_percent"], 20, "{body}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = s
        .send(&rita, &task, json!({ "heard": [[0, third]] }), "en")
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = s.settings(json!({ "min_heard_percent": 101 })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        problem_fields(&body),
        vec![("min_heard_percent".to_owned(), "out_of_range".to_owned())]
    );
}

#[tokio::test]
async fn a_review_heard_enough_is_taken_no_faster_than_at_double_speed() {
    let s = setup(0.0).await;
    let (rita, task) = s.held_call("rita").await;
    let length = duration(&task);
    // Played twice over in part, with a jump back: the whole call, each moment once.
    let heard = json!({ "heard": [[0, length / 2], [length / 3, length], [length * 9 / 10, length + 5000]] });
    // At once, nobody can have played the whole call even at 2×.
    let (status, body) = s.send(&rita, &task, heard.clone(), "en").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        problem_fields(&body),
        vec![("verdicts".to_owned(), "too_soon".to_owned())]
    );
    assert!(s.stored().is_empty());

    // Half the call's length after the draw, it could have been.
    tokio::time::sleep(Duration::from_millis(length as u64 / 2 + 100)).await;
    let (status, body) = s.send(&rita, &task, heard, "en").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        s.stored(),
        vec![(Some(length), Some(format!("0-{length}")))]
    );

    let reviews = s.reviews_of().await;
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["heard_ms"], length);
    assert_eq!(reviews[0]["heard_percent"], 100);

    // The owner's page of the call says it.
    let browser = s.app.browser_for(&s.owner).await;
    let calls: Value = s
        .app
        .get_as("/api/v1/recordings", &s.owner.token)
        .await
        .json()
        .await
        .unwrap();
    let id = calls[0]["id"].as_str().unwrap();
    let html = s
        .app
        .page_text(&browser, &format!("/recordings/{id}"))
        .await;
    assert!(html.contains("heard 100% of the call"), "{html}");
}

#[tokio::test]
async fn malformed_ranges_are_refused_and_nothing_is_stored() {
    let s = setup(0.0).await;
    let (rita, task) = s.held_call("rita").await;
    let many: Vec<Value> = (0..1001).map(|i| json!([i, i + 1])).collect();
    for (heard, code) in [
        (json!([[0, 100, 200]]), "not_a_range"),
        (json!([[0, 500], [700]]), "not_a_range"),
        (json!([[]]), "not_a_range"),
        (Value::Array(many), "too_many_ranges"),
    ] {
        let (status, body) = s.send(&rita, &task, json!({ "heard": heard }), "en").await;
        assert_eq!(status, 422, "{heard}: {body}");
        assert_eq!(
            problem_fields(&body),
            vec![("heard".to_owned(), code.to_owned())],
            "{heard}"
        );
    }
    // Not numbers at all: the body is not of the expected shape.
    let (status, body) = s
        .send(&rita, &task, json!({ "heard": [["a", "b"]] }), "en")
        .await;
    assert_eq!(status / 100, 4, "{body}");
    assert_ne!(status, 201);
    assert!(s.stored().is_empty());

    // Ranges outside the call, reversed or empty are left out, not refused: here nothing of
    // the call was heard.
    let (status, body) = s
        .send(
            &rita,
            &task,
            json!({ "heard": [[-500, -1], [900000, 990000], [400, 300], [200, 200]] }),
            "en",
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["fields"][0]["message"].as_str().unwrap();
    assert!(message.contains(" 0 %"), "{message}");
    assert!(s.stored().is_empty());
}

#[tokio::test]
async fn without_heard_the_time_since_the_draw_counts_as_before() {
    // Held ten times the call's length before a review that reports nothing is taken.
    let s = setup(10.0).await;
    let (rita, task) = s.held_call("rita").await;
    let (status, body) = s.send(&rita, &task, json!({}), "en").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        problem_fields(&body),
        vec![("verdicts".to_owned(), "too_soon".to_owned())]
    );
    let null = json!({ "heard": null });
    assert_eq!(s.send(&rita, &task, null, "en").await.0, 422);
    assert!(s.stored().is_empty());

    // What the player reports replaces that wait: the whole call heard, at up to 2×.
    tokio::time::sleep(Duration::from_millis(duration(&task) as u64 / 2 + 100)).await;
    let heard = json!({ "heard": [[0, duration(&task)]] });
    let (status, body) = s.send(&rita, &task, heard, "en").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(s.stored()[0].0, Some(duration(&task)));
}

#[tokio::test]
async fn the_minimum_at_zero_lets_any_share_through_and_keeps_what_was_heard() {
    let s = setup(0.0).await;
    let (status, body) = s.settings(json!({ "min_heard_percent": 0 })).await;
    assert_eq!(status, 200, "{body}");
    let (rita, task) = s.held_call("rita").await;
    // 100 ms heard could have been played at 2× in 50 ms.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = s
        .send(&rita, &task, json!({ "heard": [[100, 200]] }), "en")
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(s.stored(), vec![(Some(100), Some("100-200".to_owned()))]);
    let reviews = s.reviews_of().await;
    assert_eq!(reviews[0]["heard_ms"], 100);
    assert!(reviews[0]["heard_percent"].as_i64().unwrap() <= 20);

    // A review without it is shown as not known.
    let (boris, task) = s.held_call("boris").await;
    let (status, body) = s.send(&boris, &task, json!({}), "en").await;
    assert_eq!(status, 201, "{body}");
    let reviews = s.reviews_of().await;
    assert_eq!(reviews.len(), 2);
    assert!(
        reviews
            .iter()
            .any(|r| r["heard_ms"].is_null() && r["heard_percent"].is_null())
    );
}

#[tokio::test]
async fn the_workspace_form_reports_what_was_heard() {
    let s = setup(0.0).await;
    s.app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 1)
        .await;
    let rita = s.app.invited(&s.owner, Invitee::Reviewer, "rita").await;
    let browser = s.app.browser_for(&rita).await;
    let html = s.app.page_text(&browser, "/review").await;
    let csrf = csrf_of(&html);
    let response = s
        .app
        .post_form(
            &browser,
            "/review/next",
            &[("csrf".to_owned(), csrf.clone())],
        )
        .await;
    assert_eq!(response.status(), 303);
    let html = s.app.page_text(&browser, "/review").await;
    // The field is there for the page's script, and sent only once it enables it.
    assert!(
        html.contains(r#"<input type="hidden" name="heard" id="heard" value="" disabled>"#),
        "{html}"
    );
    assert!(html.contains(r#"data-min-heard-percent="60""#));
    let code = html
        .split(r#"data-code=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let mut form = vec![("csrf".to_owned(), csrf)];
    for piece in html.split(r#"name="verdict-"#).skip(1) {
        let id = piece.split('"').next().unwrap();
        form.push((format!("verdict-{id}"), "correct".to_owned()));
    }
    form.dedup();
    let mut short = form.clone();
    short.push(("heard".to_owned(), "0-100".to_owned()));
    let response = browser
        .post(s.app.url(&format!("/review/{code}")))
        .header("Origin", &s.app.address)
        .header("Accept-Language", "ru")
        .form(&short)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Сначала дослушайте звонок: прослушано "),
        "{html}"
    );
    // What was heard comes back with the page, so the next try adds to it.
    assert!(
        html.contains(r#"name="heard" id="heard" value="0-100""#),
        "{html}"
    );
    let mut bad = form.clone();
    bad.push(("heard".to_owned(), "0-100,oops".to_owned()));
    let response = s
        .app
        .post_form(&browser, &format!("/review/{code}"), &bad)
        .await;
    assert_eq!(response.status(), 422);
    assert!(s.stored().is_empty());

    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut whole = form.clone();
    whole.push(("heard".to_owned(), "0-400,300-100000".to_owned()));
    let response = s
        .app
        .post_form(&browser, &format!("/review/{code}"), &whole)
        .await;
    assert_eq!(response.status(), 303);
    let stored = s.stored();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].0.unwrap() > 500, "{stored:?}");
}
