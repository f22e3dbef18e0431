//! Dynamic overlap: a call uploaded without a fixed number of reviews gets its script's
//! minimum, then one more review at a time while the answer is unsure (a reviewer not yet
//! trusted, reviewers disagreeing), never above the maximum, and never more than it needs
//! at that moment, also under 32 reviewers racing for calls. On both backends.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, all_correct, spawn_app_with, test_settings, tone_wav,
};

struct Setup {
    app: TestApp,
    owner: TestUser,
    operator: String,
    script: String,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    Setup {
        app,
        owner,
        operator,
        script,
    }
}

impl Setup {
    async fn settings(&self, body: Value) {
        let response = self
            .app
            .put_json("/api/v1/settings", &self.owner.token, &body)
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    async fn bounds(&self, min: i32, max: i32) -> Value {
        let response = self
            .app
            .put_json(
                &format!("/api/v1/scripts/{}/overlap", self.script),
                &self.owner.token,
                &json!({"min_reviews": min, "max_reviews": max}),
            )
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// `count` calls uploaded without a number of reviews (dynamic overlap), processed.
    async fn dynamic_calls(&self, count: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for n in 0..count {
            let response = self
                .app
                .upload(
                    &self.owner,
                    &format!("dynamic-{n}.wav"),
                    tone_wav(1.0, 8000),
                    &[("operator_id", &self.operator), ("script_id", &self.script)],
                )
                .await;
            assert_eq!(response.status(), 202);
            let body: Value = response.json().await.unwrap();
            ids.push(body["id"].as_str().unwrap().to_owned());
        }
        for id in &ids {
            let done = self.app.wait_processed(&self.owner.token, id).await;
            assert_eq!(done["status"], "ready", "{done}");
        }
        ids
    }

    async fn reviewers(&self, count: usize) -> Vec<TestUser> {
        let mut found = Vec::new();
        for n in 0..count {
            let login = format!("reviewer{n}");
            found.push(
                self.app
                    .invited(&self.owner, Invitee::Reviewer, &login)
                    .await,
            );
        }
        found
    }

    async fn call(&self, id: &str) -> Value {
        self.app
            .get_as(&format!("/api/v1/recordings/{id}"), &self.owner.token)
            .await
            .json()
            .await
            .unwrap()
    }

    /// (reviews required, reviews done) of a call.
    async fn counts(&self, id: &str) -> (i64, i64) {
        let call = self.call(id).await;
        (
            call["reviews_required"].as_i64().unwrap(),
            call["reviews_done"].as_i64().unwrap(),
        )
    }
}

/// Draws a call for `reviewer` and sends `verdicts(task)`; `false` when nothing was offered.
async fn review(
    app: &TestApp,
    reviewer: &TestUser,
    verdicts: impl Fn(&Value) -> Vec<Value>,
) -> bool {
    let response = app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await;
    if response.status() == 204 {
        return false;
    }
    assert_eq!(response.status(), 200);
    let task: Value = response.json().await.unwrap();
    let code = task["code"].as_str().unwrap();
    let sent = app
        .post_json(
            &format!("/api/v1/assignments/{code}/review"),
            Some(&reviewer.token),
            &json!({ "verdicts": verdicts(&task) }),
        )
        .await;
    assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
    true
}

/// Every step correct but the first, marked incorrect.
fn first_incorrect(task: &Value) -> Vec<Value> {
    let mut verdicts = all_correct(task);
    verdicts[0] = json!({"step_id": task["script"]["steps"][0]["id"], "verdict": "incorrect",
        "comment": "No greeting"});
    verdicts
}

#[tokio::test]
async fn a_trusted_reviewer_settles_a_call_alone_an_untrusted_one_does_not() {
    let s = setup().await;
    let bounds = s.bounds(1, 3).await;
    assert_eq!(bounds, json!({"min_reviews": 1, "max_reviews": 3}));
    let [anna, boris, clara, dora] = <[TestUser; 4]>::try_from(s.reviewers(4).await).unwrap();

    // Trust at once: one review finishes the call.
    s.settings(json!({"trust_gold_steps": 0})).await;
    let call = s.dynamic_calls(1).await.remove(0);
    let view = s.call(&call).await;
    assert_eq!(
        (view["reviews_min"].as_i64(), view["reviews_max"].as_i64()),
        (Some(1), Some(3))
    );
    assert_eq!(s.counts(&call).await, (1, 0), "it starts at the minimum");
    assert!(review(&s.app, &anna, all_correct).await);
    assert_eq!(
        s.counts(&call).await,
        (1, 1),
        "settled by one trusted review"
    );
    assert!(
        !review(&s.app, &boris, all_correct).await,
        "nothing is left to review"
    );

    // Nobody has scored gold steps: each review asks for another, up to the maximum.
    s.settings(json!({"trust_gold_steps": 20})).await;
    let call = s.dynamic_calls(1).await.remove(0);
    assert!(review(&s.app, &anna, all_correct).await);
    assert_eq!(
        s.counts(&call).await,
        (2, 1),
        "an untrusted review asks for a second"
    );
    assert!(review(&s.app, &boris, all_correct).await);
    assert_eq!(s.counts(&call).await, (3, 2));
    assert!(review(&s.app, &clara, all_correct).await);
    assert_eq!(s.counts(&call).await, (3, 3), "never above the maximum");
    assert!(!review(&s.app, &dora, all_correct).await);

    // A fixed number at upload is kept whatever the reviews say.
    let fixed = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 1)
        .await
        .remove(0);
    let view = s.call(&fixed).await;
    assert_eq!(view["reviews_min"], Value::Null);
    assert!(review(&s.app, &dora, first_incorrect).await);
    assert_eq!(
        s.counts(&fixed).await,
        (1, 1),
        "fixed overlap: one and done"
    );
}

#[tokio::test]
async fn reviewers_who_disagree_call_in_one_more_up_to_the_maximum() {
    let s = setup().await;
    s.settings(json!({"trust_gold_steps": 0})).await;
    s.bounds(2, 3).await;
    let [anna, boris, clara, dora] = <[TestUser; 4]>::try_from(s.reviewers(4).await).unwrap();

    let agreed = s.dynamic_calls(1).await.remove(0);
    assert!(review(&s.app, &anna, all_correct).await);
    assert_eq!(s.counts(&agreed).await, (2, 1), "below the minimum");
    assert!(review(&s.app, &boris, all_correct).await);
    assert_eq!(s.counts(&agreed).await, (2, 2), "two alike settle it");

    let disputed = s.dynamic_calls(1).await.remove(0);
    assert!(review(&s.app, &anna, all_correct).await);
    assert!(review(&s.app, &boris, first_incorrect).await);
    assert_eq!(
        s.counts(&disputed).await,
        (3, 2),
        "a dispute calls in a third"
    );
    assert!(review(&s.app, &clara, first_incorrect).await);
    assert_eq!(
        s.counts(&disputed).await,
        (3, 3),
        "still split, but at the maximum"
    );
    assert!(!review(&s.app, &dora, all_correct).await);
    let consensus: Value = s
        .app
        .get_as(
            &format!("/api/v1/recordings/{disputed}/reviews"),
            &s.owner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(consensus["consensus"][0]["verdict"], "incorrect");
}

#[tokio::test]
async fn bounds_are_checked_owned_and_copied_at_upload() {
    let s = setup().await;
    let path = format!("/api/v1/scripts/{}/overlap", s.script);
    let (status, body) = {
        let response = s.app.get_as(&path, &s.owner.token).await;
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"min_reviews": 1, "max_reviews": 3}),
        "the defaults"
    );
    for (bad, field) in [
        (json!({"min_reviews": 0}), "min_reviews"),
        (json!({"max_reviews": 21}), "max_reviews"),
        (json!({"min_reviews": 3, "max_reviews": 2}), "max_reviews"),
    ] {
        let response = s.app.put_json(&path, &s.owner.token, &bad).await;
        assert_eq!(response.status(), 422, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], field, "{body}");
    }
    let unchanged: Value = s
        .app
        .get_as(&path, &s.owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged, json!({"min_reviews": 1, "max_reviews": 3}));
    let unknown = "/api/v1/scripts/00000000-0000-0000-0000-000000000000/overlap";
    assert_eq!(s.app.get_as(unknown, &s.owner.token).await.status(), 404);
    let reviewer = s.reviewers(1).await.remove(0);
    let response = s
        .app
        .put_json(&path, &reviewer.token, &json!({"min_reviews": 2}))
        .await;
    assert_eq!(response.status(), 403);

    // A call copies the bounds of its upload time; later changes apply to later calls.
    s.bounds(2, 4).await;
    let before = s.dynamic_calls(1).await.remove(0);
    s.bounds(1, 2).await;
    let view = s.call(&before).await;
    assert_eq!(
        (view["reviews_min"].as_i64(), view["reviews_max"].as_i64()),
        (Some(2), Some(4))
    );
    assert_eq!(view["reviews_required"], 2);

    // The script page sets them too, and says what is wrong in the owner's language.
    let browser = s.app.browser_for(&s.owner).await;
    browser.get(s.app.url("/lang/ru")).send().await.unwrap();
    let page = s
        .app
        .page_text(&browser, &format!("/scripts/{}", s.script))
        .await;
    assert!(page.contains("Проверок на звонок"), "{page}");
    let csrf = crate::helpers::csrf_of(&page);
    let form_path = format!("/scripts/{}/overlap", s.script);
    let response = s
        .app
        .post_form(
            &browser,
            &form_path,
            &[
                ("csrf", csrf.as_str()),
                ("min_reviews", "3"),
                ("max_reviews", "2"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let text = response.text().await.unwrap();
    assert!(text.contains("Должно быть не меньше минимума, 3"), "{text}");
    let response = s
        .app
        .post_form(
            &browser,
            &form_path,
            &[
                ("csrf", csrf.as_str()),
                ("min_reviews", "2"),
                ("max_reviews", "5"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Сохранено"));
    let saved: Value = s
        .app
        .get_as(&path, &s.owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved, json!({"min_reviews": 2, "max_reviews": 5}));
}

#[tokio::test]
async fn racing_reviewers_never_give_a_call_more_than_it_needs() {
    let s = setup().await;
    // Nobody is trusted: every call needs exactly its maximum.
    s.bounds(1, 3).await;
    let calls = s.dynamic_calls(8).await;
    let reviewers = s.reviewers(32).await;
    let app = Arc::new(s.app);
    let mut tasks = Vec::new();
    for (n, reviewer) in reviewers.into_iter().enumerate() {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0;
            // Half of them disagree with the other half on the first step.
            let verdicts = if n % 2 == 0 {
                all_correct
            } else {
                first_incorrect
            };
            while review(&app, &reviewer, verdicts).await {
                sent += 1;
            }
            sent
        }));
    }
    let mut sent = 0;
    for task in tasks {
        sent += task.await.unwrap();
    }
    assert_eq!(sent, 8 * 3, "each call got exactly its maximum, no more");
    for call in &calls {
        let view: Value = app
            .get_as(&format!("/api/v1/recordings/{call}"), &s.owner.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (
                view["reviews_required"].as_i64(),
                view["reviews_done"].as_i64()
            ),
            (Some(3), Some(3)),
            "{view}"
        );
    }
    assert!(
        app.invariant_violations().is_empty(),
        "{:?}",
        app.invariant_violations()
    );
}

#[tokio::test]
async fn the_draw_is_uniform_over_the_calls_that_need_a_review() {
    let s = setup().await;
    s.settings(json!({"trust_gold_steps": 0})).await;
    s.bounds(2, 3).await;
    let [anna, boris] = <[TestUser; 2]>::try_from(s.reviewers(2).await).unwrap();
    // Two calls settled by two agreeing reviews: never drawn again.
    let settled = s.dynamic_calls(2).await;
    for reviewer in [&anna, &boris] {
        for _ in &settled {
            assert!(review(&s.app, reviewer, all_correct).await);
        }
    }
    // Four calls the two disagree on: each needs a third review.
    let disputed = s.dynamic_calls(4).await;
    for (reviewer, verdicts) in [
        (&anna, all_correct as fn(&Value) -> Vec<Value>),
        (&boris, first_incorrect),
    ] {
        for _ in &disputed {
            assert!(review(&s.app, reviewer, verdicts).await);
        }
    }
    // Six calls nobody reviewed yet: each needs two.
    let fresh = s.dynamic_calls(6).await;
    for call in &disputed {
        assert_eq!(s.counts(call).await, (3, 2));
    }
    for call in &settled {
        assert_eq!(s.counts(call).await, (2, 2));
    }

    // 400 new reviewers each draw once and hand the call back: every draw is a first one.
    let counts = crate::helpers::first_draws(&s.app, 400, 20261203, |_, _| {});
    let needing: Vec<&String> = disputed.iter().chain(&fresh).collect();
    assert_eq!(
        counts.len(),
        needing.len(),
        "only and all the calls that need one: {counts:?}"
    );
    assert!(settled.iter().all(|c| !counts.contains_key(c)));
    let chi_square = crate::helpers::chi_square(&counts, needing.len());
    // 9 degrees of freedom: 21.67 is the 99th percentile of the chi-square distribution.
    assert!(
        chi_square < 21.67,
        "chi-square {chi_square:.2} for {counts:?}"
    );
}
