//! The owner's check on the reviewers: a call's reviews side by side (owner only), rejecting
//! a review (it then counts nowhere and the call goes back for one more review) and taking
//! that back, gold calls with an answer key mixed into the stream, scored, and the automatic
//! pause of a reviewer whose gold accuracy falls too low. On both backends.

use callqa::db::ids::UserId;
use diesel::prelude::*;
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, all_correct, spawn_app_with, test_settings, with_step,
};

struct Setup {
    app: TestApp,
    owner: TestUser,
    /// The operator's login; `operator` is its operator record.
    olga: TestUser,
    operator: String,
    script: String,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let olga = app.invited(&owner, Invitee::Operator, "olga").await;
    let operator = olga.operator_id.clone().unwrap();
    let script = app.script(&owner).await;
    Setup {
        app,
        owner,
        olga,
        operator,
        script,
    }
}

impl Setup {
    async fn next(&self, reviewer: &TestUser) -> (u16, Value) {
        let response = self
            .app
            .post_json(
                "/api/v1/assignments/next",
                Some(&reviewer.token),
                &json!({}),
            )
            .await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Draws a call for `reviewer` and sends `verdicts(task)`; returns the task.
    async fn review(&self, reviewer: &TestUser, verdicts: impl Fn(&Value) -> Vec<Value>) -> Value {
        let (status, task) = self.next(reviewer).await;
        assert_eq!(status, 200, "{task}");
        self.send(reviewer, &task, verdicts(&task)).await;
        task
    }

    /// Sends the review of a task the reviewer holds; it must be taken (201).
    async fn send(&self, reviewer: &TestUser, task: &Value, verdicts: Vec<Value>) {
        let code = task["code"].as_str().unwrap();
        let response = self
            .app
            .post_json(
                &format!("/api/v1/assignments/{code}/review"),
                Some(&reviewer.token),
                &json!({ "verdicts": verdicts }),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }

    async fn get(&self, path: &str, user: &TestUser) -> (u16, Value) {
        let response = self.app.get_as(path, &user.token).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, user: &TestUser, body: Value) -> (u16, Value) {
        let response = self.app.post_json(path, Some(&user.token), &body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn put(&self, path: &str, user: &TestUser, body: Value) -> (u16, Value) {
        let response = self.app.put_json(path, &user.token, &body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn delete(&self, path: &str, user: &TestUser) -> u16 {
        self.app
            .api
            .delete(self.app.url(path))
            .bearer_auth(&user.token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    async fn settings(&self, body: Value) {
        let (status, answer) = self.put("/api/v1/settings", &self.owner, body).await;
        assert_eq!(status, 200, "{answer}");
    }

    async fn audit_actions(&self, object: &str) -> Vec<String> {
        use callqa::db::schema::audit_log;
        let mut conn = self.app.connect_db();
        audit_log::table
            .filter(audit_log::object_id.eq(object))
            .order(audit_log::at.asc())
            .select(audit_log::action)
            .load(&mut conn)
            .unwrap()
    }
}

#[tokio::test]
async fn the_owner_reads_every_review_side_by_side_and_nobody_else_does() {
    let s = setup().await;
    let call = &s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 2)
        .await[0];
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    s.review(&anna, all_correct).await;
    s.review(&boris, |t| {
        with_step(t, 0, "incorrect", "No greeting at all")
    })
    .await;

    let path = format!("/api/v1/recordings/{call}/reviews");
    let (status, view) = s.get(&path, &s.owner).await;
    assert_eq!(status, 200, "{view}");
    let reviews = view["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 2);
    let names: Vec<&str> = reviews
        .iter()
        .map(|r| r["reviewer"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    for review in reviews {
        assert_eq!(review["status"], "accepted");
        assert!(review["id"].is_string() && review["submitted_at"].is_string());
        assert!(review["reviewer"]["id"].is_string());
        assert_eq!(review["verdicts"].as_array().unwrap().len(), 3);
        for verdict in review["verdicts"].as_array().unwrap() {
            for field in ["step_id", "step_key", "verdict", "comment", "at_ms"] {
                assert!(verdict.get(field).is_some(), "{field} in {verdict}");
            }
        }
    }
    let boris_review = reviews
        .iter()
        .find(|r| r["verdicts"][0]["verdict"] == "incorrect")
        .expect("Boris's review");
    assert_eq!(boris_review["verdicts"][0]["comment"], "No greeting at all");
    assert_eq!(boris_review["verdicts"][0]["at_ms"], 300);
    let consensus = view["consensus"].as_array().unwrap();
    assert_eq!(consensus.len(), 3);
    assert_eq!(consensus[0]["verdict"], "split");
    assert_eq!(consensus[0]["agreement"], 0.5);
    assert_eq!(consensus[0]["disagreement"], true);
    assert_eq!(consensus[1]["verdict"], "correct");
    assert_eq!(consensus[1]["agreement"], 1.0);
    assert_eq!(consensus[1]["disagreement"], false);
    assert!(consensus[1]["step_key"].is_string());

    // Reviewers and operators never see it, nor does anyone for an unknown call.
    let operator_login = &s.olga;
    assert_eq!(s.get(&path, &anna).await.0, 403);
    assert_eq!(s.get(&path, operator_login).await.0, 403);
    let unknown = "/api/v1/recordings/00000000-0000-0000-0000-000000000000/reviews";
    assert_eq!(s.get(unknown, &s.owner).await.0, 404);
}

#[tokio::test]
async fn a_rejected_review_counts_nowhere_until_the_owner_restores_it() {
    let s = setup().await;
    s.settings(json!({"review_rate": "1.50", "currency": "EUR", "reviews_required": 1}))
        .await;
    let call = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 1)
        .await
        .remove(0);
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    let operator_login = &s.olga;
    s.review(&anna, |t| with_step(t, 2, "missing", "Delivery abroad"))
        .await;
    let (_, view) = s
        .get(&format!("/api/v1/recordings/{call}/reviews"), &s.owner)
        .await;
    let review = view["reviews"][0]["id"].as_str().unwrap().to_owned();
    let (_, gaps) = s.get("/api/v1/gaps", &s.owner).await;
    assert_eq!(gaps.as_array().unwrap().len(), 1);
    let (_, history) = s.get("/api/v1/me/reviews", &anna).await;
    assert_eq!(history["total_earned"], "1.50");
    let (_, calls) = s.get("/api/v1/me/calls", operator_login).await;
    assert_eq!(calls.as_array().map(Vec::len), Some(1), "{calls}");

    // A reason is required, in the person's words.
    let reject = format!("/api/v1/reviews/{review}/reject");
    let (status, problem) = s.post(&reject, &s.owner, json!({"reason": "  "})).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["error"]["fields"][0]["field"], "reason");
    let (status, _) = s
        .post(&reject, &anna, json!({"reason": "Not listened"}))
        .await;
    assert_eq!(status, 403);

    let (status, judged) = s
        .post(
            &reject,
            &s.owner,
            json!({"reason": "Sent without listening"}),
        )
        .await;
    assert_eq!(status, 200, "{judged}");
    assert_eq!(judged["status"], "rejected");
    let (status, again) = s.post(&reject, &s.owner, json!({"reason": "Twice"})).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("already_rejected"))
    );

    // Counted nowhere: no gap, no consensus for the operator, no pay; the call needs one
    // more review, by somebody else.
    let (_, gaps) = s.get("/api/v1/gaps", &s.owner).await;
    assert_eq!(gaps.as_array().unwrap().len(), 0, "{gaps}");
    let (_, view) = s
        .get(&format!("/api/v1/recordings/{call}/reviews"), &s.owner)
        .await;
    assert_eq!(view["reviews"][0]["status"], "rejected");
    assert_eq!(
        view["reviews"][0]["reject_reason"],
        "Sent without listening"
    );
    assert_eq!(view["consensus"][2]["verdict"], Value::Null);
    assert_eq!(view["complete"], false);
    let (_, calls) = s.get("/api/v1/me/calls", operator_login).await;
    assert_eq!(calls.as_array().map(Vec::len), Some(0), "{calls}");
    let (_, history) = s.get("/api/v1/me/reviews", &anna).await;
    assert_eq!(history["total_earned"], "0.00");
    assert_eq!(history["total_reviews"], 0);
    assert_eq!(history["reviews"][0]["status"], "rejected");
    assert_eq!(
        history["reviews"][0]["reject_reason"],
        "Sent without listening"
    );
    let (status, none) = s.next(&anna).await;
    assert_eq!(status, 204, "{none}");
    let (status, task) = s.next(&boris).await;
    assert_eq!(status, 200, "{task}");

    // Taken back while Boris holds the replacement: both count, the call now needs two.
    let restore = format!("/api/v1/reviews/{review}/restore");
    let (status, judged) = s.post(&restore, &s.owner, json!({})).await;
    assert_eq!(status, 200, "{judged}");
    assert_eq!(judged["status"], "accepted");
    let (status, again) = s.post(&restore, &s.owner, json!({})).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("not_rejected"))
    );
    let (_, gaps) = s.get("/api/v1/gaps", &s.owner).await;
    assert_eq!(gaps.as_array().unwrap().len(), 1);
    let (_, history) = s.get("/api/v1/me/reviews", &anna).await;
    assert_eq!(history["total_earned"], "1.50");
    s.send(&boris, &task, all_correct(&task)).await;
    let (_, recording) = s.get(&format!("/api/v1/recordings/{call}"), &s.owner).await;
    assert_eq!(recording["reviews_required"], 2, "{recording}");
    assert_eq!(recording["reviews_done"], 2, "{recording}");
    assert_eq!(
        s.audit_actions(&review).await,
        ["review.reject", "review.restore"]
    );
}

#[tokio::test]
async fn gold_calls_are_scored_against_the_key_and_a_careless_reviewer_is_paused() {
    let s = setup().await;
    // Every draw gold while gold calls last; pause below 70 % once 3 steps are scored.
    s.settings(json!({
        "gold_percent_new": 100, "gold_percent": 100, "pause_accuracy": 70, "pause_min_steps": 3
    }))
    .await;
    let calls = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 3, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    for _ in 0..2 {
        s.review(&anna, all_correct).await;
    }
    let reviewed: Vec<&String> = {
        let mut done = Vec::new();
        for call in &calls {
            let (_, rec) = s.get(&format!("/api/v1/recordings/{call}"), &s.owner).await;
            if rec["reviews_done"] == 1 {
                done.push(call);
            }
        }
        done
    };
    assert_eq!(reviewed.len(), 2);
    let (_, view) = s
        .get(
            &format!("/api/v1/recordings/{}/reviews", reviewed[0]),
            &s.owner,
        )
        .await;
    let keys: Vec<String> = view["consensus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["step_key"].as_str().unwrap().to_owned())
        .collect();

    // The key must answer every step, with known words, and score something.
    let gold = |call: &str| format!("/api/v1/recordings/{call}/gold");
    let (status, problem) = s
        .put(
            &gold(reviewed[0]),
            &s.owner,
            json!({"answers": [
                {"step_key": keys[0], "verdict": "maybe"},
                {"step_key": "nope", "verdict": "correct"}
            ]}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["answers[0].verdict", "answers[1].step_key"]);
    let any: Vec<Value> = keys
        .iter()
        .map(|k| json!({"step_key": k, "verdict": "any"}))
        .collect();
    let (status, problem) = s
        .put(&gold(reviewed[0]), &s.owner, json!({"answers": any}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["error"]["fields"][0]["code"], "nothing_scored");
    let (status, proposal) = s.get(&gold(reviewed[0]), &s.owner).await;
    assert_eq!(status, 200, "{proposal}");
    assert_eq!(proposal["active"], false);
    assert_eq!(proposal["marked_at"], Value::Null);
    assert_eq!(
        proposal["answers"][0],
        json!({"step_key": keys[0], "verdict": "correct"})
    );
    let unreviewed = calls.iter().find(|c| !reviewed.contains(c)).unwrap();
    let key = json!({"answers": [
        {"step_key": keys[0], "verdict": "correct"},
        {"step_key": keys[1], "verdict": "incorrect"},
        {"step_key": keys[2], "verdict": "any"}
    ]});
    let (status, refused) = s.put(&gold(unreviewed), &s.owner, key.clone()).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("not_reviewed"))
    );
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    assert_eq!(s.put(&gold(reviewed[0]), &boris, key.clone()).await.0, 403);

    for call in &reviewed {
        let (status, marked) = s.put(&gold(call), &s.owner, key.clone()).await;
        assert_eq!(status, 200, "{marked}");
        assert_eq!(marked["answers"][1]["verdict"], "incorrect");
    }
    let (status, read) = s.get(&gold(reviewed[0]), &s.owner).await;
    assert_eq!((status, read["active"].as_bool()), (200, Some(true)));

    // Boris gets both gold calls (every draw is gold while any is left for him), looking
    // like any other task; each is scored 1 of 2 (step 3 is "any").
    let normal_shape: Vec<String> = {
        let (_, task) = s.next(&anna).await;
        let mut keys: Vec<String> = task.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let first = s
        .review(&boris, |t| {
            with_step(t, 2, "missing", "Asked about gift wrapping")
        })
        .await;
    let mut shape: Vec<String> = first.as_object().unwrap().keys().cloned().collect();
    shape.sort();
    assert_eq!(shape, normal_shape);
    // 1 of 2 scored steps right, but fewer than 3 scored: not paused yet.
    let (status, second) = s.next(&boris).await;
    assert_eq!(status, 200, "{second}");
    s.send(&boris, &second, all_correct(&second)).await;

    // Neither gold review counted for the calls; both are scored in the review view.
    for call in &reviewed {
        let (_, rec) = s.get(&format!("/api/v1/recordings/{call}"), &s.owner).await;
        assert_eq!(rec["reviews_done"], 1, "{rec}");
        let (_, view) = s
            .get(&format!("/api/v1/recordings/{call}/reviews"), &s.owner)
            .await;
        let gold_review = view["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["gold"] == true)
            .expect("a gold review");
        assert_eq!(gold_review["gold_score"], json!({"scored": 2, "hits": 1}));
        assert_eq!(view["consensus"][1]["verdict"], "correct");
        assert_eq!(view["consensus"][1]["key"], "incorrect");
    }
    // The missing on a step the key leaves open is a possible gap for the owner.
    let (_, gaps) = s.get("/api/v1/gaps", &s.owner).await;
    let gaps = gaps.as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["from_gold"], true);
    assert_eq!(gaps[0]["comment"], "Asked about gift wrapping");

    // 2 of 4 scored steps: below 70 %, so Boris is paused, in his language.
    let (status, paused) = s.next(&boris).await;
    assert_eq!(status, 403, "{paused}");
    assert_eq!(paused["error"]["code"], "reviewer_paused");
    assert!(
        paused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("paused")
    );
    assert_eq!(s.audit_actions(&boris.id).await, ["reviewer.pause"]);
    let browser = s.app.browser_for(&boris).await;
    let start = s.app.page_text(&browser, "/review").await;
    assert!(start.contains("Reviewing is paused"), "{start}");
    assert!(
        !start.contains("/review/next"),
        "no call is offered: {start}"
    );

    // Unmarked, a call is no longer gold; its key stays for the reviews made against it.
    assert_eq!(s.delete(&gold(reviewed[0]), &s.owner).await, 204);
    assert_eq!(s.delete(&gold(reviewed[0]), &s.owner).await, 404);
    let (status, read) = s.get(&gold(reviewed[0]), &s.owner).await;
    assert_eq!((status, read["active"].as_bool()), (200, Some(false)));
    assert_eq!(
        read["answers"][1]["verdict"], "incorrect",
        "the key is kept"
    );
    let (_, view) = s
        .get(
            &format!("/api/v1/recordings/{}/reviews", reviewed[0]),
            &s.owner,
        )
        .await;
    assert_eq!(view["gold"]["active"], false);
    assert_eq!(
        s.audit_actions(reviewed[0]).await,
        ["recording.gold", "recording.gold_unmark"]
    );
}

/// Over many reviewers' first draws with a seeded generator, the share of gold draws is
/// the setting's: a binomial check (within 3.3 standard deviations), not a hand-picked count.
#[tokio::test]
async fn the_share_of_gold_draws_follows_the_settings() {
    use callqa::accounts::users::{NewUser, User};
    use callqa::accounts::{Login, Role};
    use callqa::org_settings::OrgSettings;

    let s = setup().await;
    s.settings(json!({"gold_percent_new": 20, "gold_percent": 5, "gold_new_reviews": 20}))
        .await;
    let calls = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 2, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    s.review(&anna, all_correct).await;
    let (_, rec0) = s
        .get(&format!("/api/v1/recordings/{}", calls[0]), &s.owner)
        .await;
    let (gold_call, normal_call) = if rec0["reviews_done"] == 1 {
        (&calls[0], &calls[1])
    } else {
        (&calls[1], &calls[0])
    };
    let (_, view) = s
        .get(&format!("/api/v1/recordings/{gold_call}/reviews"), &s.owner)
        .await;
    let answers: Vec<Value> = view["consensus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"step_key": c["step_key"], "verdict": "correct"}))
        .collect();
    let (status, _) = s
        .put(
            &format!("/api/v1/recordings/{gold_call}/gold"),
            &s.owner,
            json!({ "answers": answers }),
        )
        .await;
    assert_eq!(status, 200);

    // Fresh reviewers, each drawing once (then giving the call back, so the one normal
    // slot is free for the next): a gold call is available to every one of them.
    const REVIEWERS: usize = 400;
    let mut conn = s.app.connect_db();
    let settings = OrgSettings::load(&mut conn).unwrap();
    let hash = callqa::accounts::password::hash("long enough password").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let mut gold = 0;
    for n in 0..REVIEWERS {
        let new = NewUser {
            login: Login::parse("login", &format!("r{n}")).unwrap(),
            display_name: format!("R {n}"),
            role: Role::Reviewer,
            password: String::new(),
            operator_id: None,
        };
        let reviewer: UserId = User::insert_hashed(&mut conn, &new, &hash).unwrap().id;
        let drawn = callqa::assignments::next(&mut conn, &reviewer, &settings, &mut rng)
            .unwrap()
            .expect("a call for a fresh reviewer");
        if drawn.gold {
            assert_eq!(drawn.recording_id.as_str(), gold_call);
            gold += 1;
        } else {
            assert_eq!(drawn.recording_id.as_str(), normal_call);
        }
        callqa::assignments::skip(&mut conn, &reviewer, &drawn.code, "test").unwrap();
    }
    let (n, p) = (REVIEWERS as f64, 0.20);
    let sd = (n * p * (1.0 - p)).sqrt();
    assert!(
        (f64::from(gold) - n * p).abs() < 3.3 * sd,
        "{gold} gold draws of {REVIEWERS} at 20 %"
    );
}

/// The call's page is a working tool: the reviews side by side, a rejection with its reason
/// in the person's language, a problem shown on the page, and the gold key form.
#[tokio::test]
async fn the_call_page_rejects_a_review_and_makes_the_call_gold() {
    let s = setup().await;
    let call = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 1)
        .await
        .remove(0);
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    s.review(&anna, |t| with_step(t, 0, "incorrect", "Greeting skipped"))
        .await;
    let browser = s.app.browser_for(&s.owner).await;
    let path = format!("/recordings/{call}");
    let page = s.app.page_text(&browser, &path).await;
    assert!(
        page.contains("side-by-side") && page.contains("Greeting skipped"),
        "{page}"
    );
    assert!(
        page.contains("Name of anna"),
        "the reviewer is named: {page}"
    );
    let (_, view) = s
        .get(&format!("/api/v1/recordings/{call}/reviews"), &s.owner)
        .await;
    let review = view["reviews"][0]["id"].as_str().unwrap().to_owned();
    let csrf = crate::helpers::csrf_of(&page);

    // An empty reason is refused on the page, in Russian for a Russian page.
    browser.get(s.app.url("/lang/ru")).send().await.unwrap();
    let reject = format!("{path}/reviews/{review}/reject");
    let response = s
        .app
        .post_form(
            &browser,
            &reject,
            &[("csrf", csrf.as_str()), ("reason", " ")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let text = response.text().await.unwrap();
    assert!(text.contains("Обязательное поле"), "{text}");
    let response = s
        .app
        .post_form(
            &browser,
            &reject,
            &[("csrf", csrf.as_str()), ("reason", "Не дослушал")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = s.app.page_text(&browser, &path).await;
    assert!(
        page.contains("Отклонена") && page.contains("Не дослушал"),
        "{page}"
    );
    let restore = format!("{path}/reviews/{review}/restore");
    let response = s
        .app
        .post_form(&browser, &restore, &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(response.status(), 303);

    // The key form, one field per step, prefilled from the consensus.
    let page = s.app.page_text(&browser, &path).await;
    assert!(page.contains("gold-form"), "{page}");
    let keys: Vec<String> = view["consensus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["step_key"].as_str().unwrap().to_owned())
        .collect();
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf.clone())];
    for (n, key) in keys.iter().enumerate() {
        let answer = if n == 0 { "incorrect" } else { "any" };
        form.push((format!("answer-{key}"), answer.into()));
    }
    let response = s
        .app
        .post_form(&browser, &format!("{path}/gold"), &form)
        .await;
    assert_eq!(response.status(), 303);
    let (_, key) = s
        .get(&format!("/api/v1/recordings/{call}/gold"), &s.owner)
        .await;
    assert_eq!(key["active"], true);
    assert_eq!(key["answers"][0]["verdict"], "incorrect");
    assert_eq!(key["answers"][1]["verdict"], "any");
    let page = s.app.page_text(&browser, &path).await;
    assert!(page.contains("status-gold"), "{page}");
    let response = s
        .app
        .post_form(
            &browser,
            &format!("{path}/gold/unmark"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, key) = s
        .get(&format!("/api/v1/recordings/{call}/gold"), &s.owner)
        .await;
    assert_eq!(key["active"], false);
}

/// Races are input too: owners rejecting the same review at once, restoring it at once, and
/// marking the same call gold at once each end with one outcome, never a 500 or a second one.
#[tokio::test]
async fn parallel_owner_actions_on_a_review_and_a_key_end_once() {
    let s = setup().await;
    let call = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 1)
        .await
        .remove(0);
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    s.review(&anna, all_correct).await;
    let (_, view) = s
        .get(&format!("/api/v1/recordings/{call}/reviews"), &s.owner)
        .await;
    let review = view["reviews"][0]["id"].as_str().unwrap().to_owned();

    const RACERS: usize = 8;
    let reject = format!("/api/v1/reviews/{review}/reject");
    let body = json!({"reason": "Sent without listening"});
    let statuses = futures_util::future::join_all(
        (0..RACERS).map(|_| s.post(&reject, &s.owner, body.clone())),
    )
    .await;
    let mut codes: Vec<u16> = statuses.iter().map(|(status, _)| *status).collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [&[200][..], &[409; RACERS - 1][..]].concat(),
        "{statuses:?}"
    );

    let restore = format!("/api/v1/reviews/{review}/restore");
    let statuses =
        futures_util::future::join_all((0..RACERS).map(|_| s.post(&restore, &s.owner, json!({}))))
            .await;
    let mut codes: Vec<u16> = statuses.iter().map(|(status, _)| *status).collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [&[200][..], &[409; RACERS - 1][..]].concat(),
        "{statuses:?}"
    );

    let answers: Vec<Value> = view["consensus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"step_key": c["step_key"], "verdict": "correct"}))
        .collect();
    let gold = format!("/api/v1/recordings/{call}/gold");
    let key = json!({ "answers": answers });
    let statuses =
        futures_util::future::join_all((0..RACERS).map(|_| s.put(&gold, &s.owner, key.clone())))
            .await;
    assert!(
        statuses.iter().all(|(status, _)| *status == 200),
        "{statuses:?}"
    );
    let (_, read) = s.get(&gold, &s.owner).await;
    assert_eq!(
        read["answers"].as_array().map(Vec::len),
        Some(answers.len())
    );
    let actions = s.audit_actions(&call).await;
    assert_eq!(actions, vec!["recording.gold"; RACERS]);
}
