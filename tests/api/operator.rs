//! Operators read the feedback on their own calls: the consensus per step (a tie is `split`),
//! a score that counts neither `missing` nor `split`, the comments under "Reviewer A/B" and
//! never a reviewer's name; they acknowledge it. Another operator reaches none of it, and a
//! call still being reviewed is not there yet.

use serde_json::{Value, json};

use crate::helpers::{Invitee, TestApp, TestUser, csrf_of, redact, spawn_app_with, test_settings};

struct Floor {
    app: TestApp,
    oleg: TestUser,
    olga: TestUser,
    reviewers: [TestUser; 2],
    /// Oleg's call with both its reviews.
    done: String,
    /// Oleg's call with one review of two.
    pending: String,
}

async fn next_code(app: &TestApp, reviewer: &TestUser) -> (String, Vec<String>) {
    let response = app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let task: Value = response.json().await.unwrap();
    let steps = task["script"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    (task["code"].as_str().unwrap().to_owned(), steps)
}

async fn send(app: &TestApp, reviewer: &TestUser, code: &str, verdicts: Value) {
    let response = app
        .post_json(
            &format!("/api/v1/assignments/{code}/review"),
            Some(&reviewer.token),
            &json!({ "verdicts": verdicts }),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// Oleg's call graded by Rita then Roman: greeting correct by both, "listen" correct against
/// incorrect (split), "ask the source" missing by both (a gap, not Oleg's fault).
async fn floor() -> Floor {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let oleg = app.invited(&owner, Invitee::Operator, "oleg").await;
    let olga = app.invited(&owner, Invitee::Operator, "olga").await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let roman = app.invited(&owner, Invitee::Reviewer, "roman").await;
    let script = app.script(&owner).await;
    let operator = oleg.operator_id.clone().unwrap();
    let done = app.ready_calls(&owner, &operator, &script, 1, 2).await[0].clone();

    let (code, steps) = next_code(&app, &rita).await;
    send(
        &app,
        &rita,
        &code,
        json!([
            {"step_id": steps[0], "verdict": "correct"},
            {"step_id": steps[1], "verdict": "correct"},
            {"step_id": steps[2], "verdict": "missing", "comment": "Asked about delivery to Minsk: no answer in the script", "at_ms": 300},
        ]),
    )
    .await;
    let (code, steps) = next_code(&app, &roman).await;
    send(
        &app,
        &roman,
        &code,
        json!([
            {"step_id": steps[0], "verdict": "correct", "comment": "Warm greeting"},
            {"step_id": steps[1], "verdict": "incorrect", "comment": "Interrupted the customer twice", "at_ms": 650},
            {"step_id": steps[2], "verdict": "missing", "comment": "Delivery abroad is not covered", "at_ms": 320},
        ]),
    )
    .await;

    // A second call that only one review of two has reached.
    let pending = app.ready_calls(&owner, &operator, &script, 1, 2).await[0].clone();
    let (code, steps) = next_code(&app, &rita).await;
    let all: Vec<Value> = steps
        .iter()
        .map(|s| json!({"step_id": s, "verdict": "correct"}))
        .collect();
    send(&app, &rita, &code, Value::Array(all)).await;

    Floor {
        app,
        oleg,
        olga,
        reviewers: [rita, roman],
        done,
        pending,
    }
}

impl Floor {
    async fn my_calls(&self, user: &TestUser) -> (u16, Value) {
        let response = self.app.get_as("/api/v1/me/calls", &user.token).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn acknowledge(&self, user: &TestUser, id: &str) -> u16 {
        self.app
            .post_json(
                &format!("/api/v1/me/calls/{id}/acknowledge"),
                Some(&user.token),
                &json!({}),
            )
            .await
            .status()
            .as_u16()
    }

    /// Nothing that names a reviewer: logins, names, user ids.
    fn assert_no_reviewer_in(&self, text: &str) {
        for reviewer in &self.reviewers {
            for secret in [
                reviewer.login.clone(),
                format!("Name of {}", reviewer.login),
                reviewer.id.clone(),
            ] {
                assert!(!text.contains(&secret), "{secret} leaked in {text}");
            }
        }
    }
}

#[tokio::test]
async fn an_operator_reads_the_consensus_of_their_own_reviewed_calls() {
    let f = floor().await;
    let (status, calls) = f.my_calls(&f.oleg).await;
    assert_eq!(status, 200);
    let calls = calls.as_array().unwrap();
    assert_eq!(
        calls.len(),
        1,
        "only the call with all its reviews: {calls:?}"
    );
    let call = &calls[0];
    assert_eq!(call["recording_id"], f.done.as_str());
    assert_eq!(call["duration_ms"], 1000);
    assert!(call["called_at"].is_null());
    assert_eq!(call["acknowledged"], false);
    // Correct 1, split and missing left out: 1 / 1.
    assert_eq!(call["score"], 1.0);
    let steps = call["steps"].as_array().unwrap();
    let verdicts: Vec<&str> = steps
        .iter()
        .map(|s| s["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["correct", "split", "missing"]);
    assert_eq!(steps[0]["title"], "Greeting");
    assert!(steps[0]["key"].as_str().is_some_and(|k| !k.is_empty()));
    let comments = |i: usize| -> Vec<(String, String, Value)> {
        steps[i]["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["reviewer"].as_str().unwrap().to_owned(),
                    c["text"].as_str().unwrap().to_owned(),
                    c["at_ms"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        comments(0),
        [("B".to_owned(), "Warm greeting".to_owned(), Value::Null)]
    );
    assert_eq!(
        comments(1),
        [(
            "B".to_owned(),
            "Interrupted the customer twice".to_owned(),
            json!(650)
        )]
    );
    assert_eq!(
        comments(2),
        [
            (
                "A".to_owned(),
                "Asked about delivery to Minsk: no answer in the script".to_owned(),
                json!(300)
            ),
            (
                "B".to_owned(),
                "Delivery abroad is not covered".to_owned(),
                json!(320)
            ),
        ]
    );
    f.assert_no_reviewer_in(&serde_json::to_string(&calls).unwrap());
    // The whole feedback as the operator's client receives it; what changes from run to run
    // is checked for its kind and hidden.
    insta::assert_json_snapshot!("operator_feedback", calls, {
        "[].recording_id" => redact::known(f.done.as_str(), "[recording id]"),
        "[].uploaded_at" => redact::time(),
        "[].feedback_at" => redact::time(),
        "[].script_id" => redact::id("[script id]"),
        "[].steps[].key" => redact::step_key(),
    });

    // Reading it: the call is acknowledged, once or twice.
    assert_eq!(f.acknowledge(&f.oleg, &f.done).await, 204);
    assert_eq!(f.acknowledge(&f.oleg, &f.done).await, 204);
    let (_, calls) = f.my_calls(&f.oleg).await;
    assert_eq!(calls[0]["acknowledged"], true);
    // Not the call still being reviewed, nor a made-up one.
    assert_eq!(f.acknowledge(&f.oleg, &f.pending).await, 404);
    assert_eq!(f.acknowledge(&f.oleg, "no-such-call").await, 404);

    // Only operators have calls of their own.
    for reviewer in &f.reviewers {
        assert_eq!(f.my_calls(reviewer).await.0, 403);
        assert_eq!(f.acknowledge(reviewer, &f.done).await, 403);
    }
    let anonymous = f.app.get("/api/v1/me/calls").await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn another_operator_reaches_none_of_it() {
    let f = floor().await;
    let (status, calls) = f.my_calls(&f.olga).await;
    assert_eq!(status, 200);
    assert_eq!(calls, json!([]));
    assert_eq!(f.acknowledge(&f.olga, &f.done).await, 404);
    for path in [
        format!("/api/v1/recordings/{}", f.done),
        format!("/api/v1/recordings/{}/audio", f.done),
    ] {
        let response = f.app.get_as(&path, &f.olga.token).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    let (_, calls) = f.my_calls(&f.oleg).await;
    assert_eq!(calls[0]["acknowledged"], false, "Olga acknowledged nothing");

    let browser = f.app.browser_for(&f.olga).await;
    let page = browser.get(f.app.url("/calls")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("No reviewed calls yet"), "{html}");
    assert!(!html.contains(&f.done));
    let csrf = csrf_of(&html);
    let page = browser
        .get(f.app.url(&format!("/calls/{}", f.done)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    let post = f
        .app
        .post_form(
            &browser,
            &format!("/calls/{}/acknowledge", f.done),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(post.status(), 404);
}

#[tokio::test]
async fn the_operator_pages_show_the_feedback_and_take_the_acknowledgement() {
    let f = floor().await;
    let browser = f.app.browser_for(&f.oleg).await;
    let get = |path: String| {
        let request = browser.get(f.app.url(&path)).send();
        async move {
            let response = request.await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };

    let (status, list) = get("/calls".to_owned()).await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("/calls/{}", f.done)), "{list}");
    assert!(!list.contains(&f.pending), "a call still being reviewed");
    assert!(list.contains("100%"));
    assert!(list.contains("badge-new"));
    assert!(list.contains("<svg"), "the weekly chart");
    assert!(list.contains("1. Greeting: Correct"));
    assert!(list.contains("2. Listen: Reviewers disagree"));
    assert!(list.contains("3. Ask the source: Not in the script"));
    assert!(list.contains("No step was judged wrong"));
    f.assert_no_reviewer_in(&list);

    let (status, page) = get(format!("/calls/{}", f.done)).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/api/v1/recordings/{}/audio", f.done)));
    assert!(page.contains("Reviewer A"));
    assert!(page.contains("Reviewer B"));
    assert!(page.contains("Interrupted the customer twice"));
    assert!(page.contains("data-seek=\"0.650\""), "a marker at 0:00.65");
    assert!(page.contains("data-seek=\"0.300\""));
    f.assert_no_reviewer_in(&page);
    assert_eq!(get(format!("/calls/{}", f.pending)).await.0, 404);
    assert_eq!(get("/calls/no-such-call".to_owned()).await.0, 404);

    // "I have read this": without the form token it is refused, with it it is kept.
    let action = f.app.url(&format!("/calls/{}/acknowledge", f.done));
    let refused = browser
        .post(&action)
        .header("Origin", &f.app.address)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let sent = browser
        .post(&action)
        .header("Origin", &f.app.address)
        .form(&[("csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303);
    assert_eq!(
        sent.headers()["location"].to_str().unwrap(),
        format!("/calls/{}", f.done)
    );
    let (_, page) = get(format!("/calls/{}", f.done)).await;
    assert!(page.contains("You have read this feedback."));
    let (_, calls) = f.my_calls(&f.oleg).await;
    assert_eq!(calls[0]["acknowledged"], true);

    // The pages speak Russian too.
    let switched = browser.get(f.app.url("/lang/ru")).send().await.unwrap();
    assert_eq!(switched.status(), 303);
    let (_, russian) = get(format!("/calls/{}", f.done)).await;
    assert!(russian.contains("Проверяющий A"), "{russian}");
}
