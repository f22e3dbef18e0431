//! Operators' disputes, settled blind, and the scorecard's critical, optional and weighed
//! steps. On both backends:
//! - a dispute is taken once per call, within the window, only on the operator's own call and
//!   only on steps that count against them; racing requests open one;
//! - the call goes to a reviewer who has not had it, and their task is byte for byte the shape
//!   of any task; the re-review counts in no figure of the call;
//! - the owner's decision: overturned, the step counts as correct for the operator and as a
//!   miss for the reviewer who said `incorrect`; upheld, the verdict stands and scores a hit;
//!   a step is decided once (racing owners too); everything is audited;
//! - a critical step's `incorrect` fails the call (score 0) and shows in the compliance figure;
//!   `did_not_arise` only on optional steps and counts for nobody; weights weigh; published
//!   versions keep their meaning.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, all_correct, spawn_app_with, test_settings, with_step,
};

struct Setup {
    app: TestApp,
    owner: TestUser,
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

    async fn next(&self, reviewer: &TestUser) -> (u16, Value) {
        self.post("/api/v1/assignments/next", reviewer, json!({}))
            .await
    }

    async fn send(&self, reviewer: &TestUser, task: &Value, verdicts: Vec<Value>) -> (u16, Value) {
        let code = task["code"].as_str().unwrap();
        self.post(
            &format!("/api/v1/assignments/{code}/review"),
            reviewer,
            json!({ "verdicts": verdicts }),
        )
        .await
    }

    /// Draws a call for `reviewer` and sends `verdicts(task)`; returns the task.
    async fn review(&self, reviewer: &TestUser, verdicts: impl Fn(&Value) -> Vec<Value>) -> Value {
        let (status, task) = self.next(reviewer).await;
        assert_eq!(status, 200, "{task}");
        let (status, answer) = self.send(reviewer, &task, verdicts(&task)).await;
        assert_eq!(status, 201, "{answer}");
        task
    }

    /// The operator's feedback on `call`.
    async fn feedback(&self, call: &str) -> Value {
        let (status, calls) = self.get("/api/v1/me/calls", &self.olga).await;
        assert_eq!(status, 200, "{calls}");
        calls
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["recording_id"] == call)
            .cloned()
            .unwrap_or_else(|| panic!("{call} not in {calls}"))
    }

    async fn dispute(&self, who: &TestUser, call: &str, steps: Value) -> (u16, Value) {
        self.post(
            &format!("/api/v1/me/calls/{call}/disputes"),
            who,
            json!({ "steps": steps }),
        )
        .await
    }

    async fn reviewer_row(&self, reviewer: &TestUser) -> Value {
        let id = reviewer.id.as_str();
        let (status, row) = self
            .get(&format!("/api/v1/reviewers/{id}"), &self.owner)
            .await;
        assert_eq!(status, 200, "{row}");
        row
    }

    /// Changes settings as the owner; the rest keep their values (the API takes a whole set).
    async fn settings(&self, change: Value) {
        let (status, mut current) = self.get("/api/v1/settings", &self.owner).await;
        assert_eq!(status, 200, "{current}");
        for (name, value) in change.as_object().unwrap() {
            current[name] = value.clone();
        }
        let response = self
            .app
            .put_json("/api/v1/settings", &self.owner.token, &current)
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    fn disputes_in_db(&self) -> i64 {
        use callqa::db::schema::disputes;
        let mut conn = self.app.connect_db();
        disputes::table.count().get_result(&mut conn).unwrap()
    }

    fn audit_actions(&self, object: &str) -> Vec<String> {
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

/// A task with what differs from draw to draw (its code, in the addresses too, and its
/// deadline) blanked, as text: two tasks of one call must then be the same bytes.
fn task_shape(task: &Value) -> String {
    let code = task["code"].as_str().unwrap();
    let mut shape = task.clone();
    shape["expires_at"] = json!("T");
    serde_json::to_string(&shape).unwrap().replace(code, "CODE")
}

/// The statuses of requests run all at once, in ascending order.
async fn sorted_statuses(
    racers: impl IntoIterator<Item: Future<Output = (u16, Value)>>,
) -> Vec<u16> {
    let mut statuses: Vec<u16> = futures_util::future::join_all(racers)
        .await
        .into_iter()
        .map(|(status, _)| status)
        .collect();
    statuses.sort_unstable();
    statuses
}

fn codes(body: &Value) -> Vec<(String, String)> {
    crate::helpers::problem_fields(body)
}

#[tokio::test]
async fn a_dispute_is_re_reviewed_blind_and_an_overturn_moves_the_miss_to_the_reviewer() {
    let s = setup().await;
    let call = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 1)
        .await
        .remove(0);
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    let pavel = s.app.invited(&s.owner, Invitee::Operator, "pavel").await;
    let first = s
        .review(&anna, |t| {
            with_step(t, 1, "incorrect", "Interrupted the customer")
        })
        .await;
    let before = s.feedback(&call).await;
    assert_eq!(before["steps"][1]["verdict"], "incorrect", "{before}");
    assert!((before["score"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(before["dispute"], Value::Null);
    let listen = before["steps"][1]["key"].as_str().unwrap().to_owned();
    let greeting = before["steps"][0]["key"].as_str().unwrap().to_owned();

    // Refused, field by field, and nothing stored.
    let (status, body) = s.dispute(&s.olga, &call, json!([])).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(codes(&body), [("steps".to_owned(), "required".to_owned())]);
    let (status, body) = s
        .dispute(
            &s.olga,
            &call,
            json!([
                {"step_key": "nope", "comment": "x"},
                {"step_key": greeting, "comment": "It was fine"},
                {"step_key": listen, "comment": "   "},
            ]),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        codes(&body),
        [
            ("steps[0].step_key".to_owned(), "unknown_step".to_owned()),
            ("steps[1].step_key".to_owned(), "not_disputable".to_owned()),
            ("steps[2].comment".to_owned(), "required".to_owned()),
        ]
    );
    // Another operator's call is not theirs to contest (nor is it shown to exist).
    let (status, body) = s
        .dispute(
            &pavel,
            &call,
            json!([{"step_key": listen, "comment": "No"}]),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    // Owners and reviewers have no such route.
    for who in [&s.owner, &anna] {
        let (status, _) = s
            .dispute(who, &call, json!([{"step_key": listen, "comment": "No"}]))
            .await;
        assert_eq!(status, 403);
    }
    assert_eq!(s.disputes_in_db(), 0);

    let (status, opened) = s
        .dispute(
            &s.olga,
            &call,
            json!([{"step_key": listen, "comment": "The customer had finished: listen at 0:40."}]),
        )
        .await;
    assert_eq!(status, 201, "{opened}");
    assert_eq!(opened["status"], "awaiting_review");
    assert_eq!(opened["steps"][0]["step_key"], listen.as_str());
    assert_eq!(opened["steps"][0]["decision"], Value::Null);
    let dispute = opened["id"].as_str().unwrap().to_owned();
    let (status, again) = s
        .dispute(
            &s.olga,
            &call,
            json!([{"step_key": listen, "comment": "Again"}]),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("already_disputed"))
    );

    // Anna had the call: it never comes back to her. Boris gets it, as any task.
    let (status, _) = s.next(&anna).await;
    assert_eq!(status, 204);
    let (status, again_task) = s.next(&boris).await;
    assert_eq!(status, 200, "{again_task}");
    assert_eq!(task_shape(&again_task), task_shape(&first));
    // Boris holds it; nobody else is given it meanwhile.
    let carla = s.app.invited(&s.owner, Invitee::Reviewer, "carla").await;
    assert_eq!(s.next(&carla).await.0, 204);
    let (status, answer) = s.send(&boris, &again_task, all_correct(&again_task)).await;
    assert_eq!(status, 201, "{answer}");
    // The re-review counts in no figure of the call.
    let waiting = s.feedback(&call).await;
    assert_eq!(waiting["steps"][1]["verdict"], "incorrect");
    assert_eq!(waiting["reviews_done"], 1);
    assert_eq!(waiting["steps"][1]["correct"], 0);
    assert_eq!(waiting["dispute"]["status"], "awaiting_decision");
    assert_eq!(s.next(&carla).await.0, 204);

    // The owner's list, with the age, and the side-by-side view.
    let (status, list) = s.get("/api/v1/disputes", &s.owner).await;
    assert_eq!(status, 200, "{list}");
    let line = &list["disputes"][0];
    assert_eq!(line["id"], dispute.as_str());
    assert_eq!(line["age_days"], 0);
    assert_eq!(line["steps"], 1);
    assert_eq!(line["operator"], "Operator olga");
    let (status, detail) = s
        .get(&format!("/api/v1/disputes/{dispute}"), &s.owner)
        .await;
    assert_eq!(status, 200, "{detail}");
    let side = &detail["steps_side_by_side"][0];
    assert_eq!(side["contested"], "incorrect");
    assert_eq!(side["original"][0]["verdict"], "incorrect");
    assert_eq!(side["original"][0]["comment"], "Interrupted the customer");
    assert_eq!(side["re_review"]["verdict"], "correct");
    assert_eq!(
        side["operator_comment"],
        "The customer had finished: listen at 0:40."
    );
    assert!(!detail.to_string().contains("anna") && !detail.to_string().contains("boris"));
    // Nobody but the owner reads disputes.
    for who in [&s.olga, &anna] {
        assert_eq!(s.get("/api/v1/disputes", who).await.0, 403);
        let path = format!("/api/v1/disputes/{dispute}");
        assert_eq!(s.get(&path, who).await.0, 403);
    }

    // The decision: refused field by field first, then taken once.
    let decide = |body: Value| {
        let path = format!("/api/v1/disputes/{dispute}/decision");
        let owner = &s.owner;
        let s = &s;
        async move { s.post(&path, owner, body).await }
    };
    let (status, body) = decide(json!({"steps": [
        {"step_key": listen, "decision": "maybe", "note": ""},
        {"step_key": greeting, "decision": "uphold", "note": "x"},
    ]}))
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        codes(&body),
        [
            ("steps[0].decision".to_owned(), "unknown_value".to_owned()),
            ("steps[0].note".to_owned(), "required".to_owned()),
            ("steps[1].step_key".to_owned(), "unknown_step".to_owned()),
        ]
    );
    let (status, decided) = decide(json!({"steps": [
        {"step_key": listen, "decision": "overturn", "note": "She waited for the customer to finish."},
    ]}))
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "decided");
    assert_eq!(decided["steps"][0]["decision"], "overturned");
    let (status, body) = decide(json!({"steps": [
        {"step_key": listen, "decision": "uphold", "note": "Changed my mind"},
    ]}))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("already_decided"))
    );

    // The operator sees the outcome and the note; the step counts as correct.
    let after = s.feedback(&call).await;
    assert_eq!(after["steps"][1]["verdict"], "correct", "{after}");
    assert_eq!(after["steps"][1]["dispute"]["decision"], "overturned");
    assert_eq!(
        after["steps"][1]["dispute"]["note"],
        "She waited for the customer to finish."
    );
    assert_eq!(after["score"].as_f64(), Some(1.0));
    assert_eq!(after["dispute"]["status"], "decided");
    assert!(!after.to_string().contains("boris") && !after.to_string().contains("anna"));
    // The overview counts it the same way.
    let (_, overview) = s.get("/api/v1/overview", &s.owner).await;
    assert_eq!(overview["average_score"].as_f64(), Some(1.0), "{overview}");
    // Against Anna's accuracy: a miss on her only scored step; Boris's re-review is not scored.
    let anna_row = s.reviewer_row(&anna).await;
    assert_eq!(anna_row["gold_steps"], 1, "{anna_row}");
    assert_eq!(anna_row["gold_accuracy"].as_f64(), Some(0.0));
    assert_eq!(s.reviewer_row(&boris).await["gold_steps"], 0);
    assert_eq!(s.audit_actions(&call), ["dispute.open", "dispute.decide"]);
}

#[tokio::test]
async fn the_window_closes_and_an_upheld_verdict_stands() {
    let s = setup().await;
    let calls = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 2, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    for _ in &calls {
        s.review(&anna, |t| with_step(t, 2, "incorrect", "Did not ask"))
            .await;
    }
    let source = s.feedback(&calls[0]).await["steps"][2]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let contest = json!([{"step_key": source, "comment": "I asked at the end"}]);

    // Eight days after the feedback the (default seven-day) window is closed.
    {
        use callqa::db::schema::reviews;
        let mut conn = s.app.connect_db();
        let old = callqa::db::time::to_timestamp(
            time::OffsetDateTime::now_utc() - time::Duration::days(8),
        );
        diesel::update(reviews::table.filter(reviews::recording_id.eq(&calls[1])))
            .set(reviews::submitted_at.eq(old))
            .execute(&mut conn)
            .unwrap();
    }
    let (status, body) = s.dispute(&s.olga, &calls[1], contest.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("dispute_window_closed"))
    );
    // With contesting turned off, no call may be contested.
    s.settings(json!({"dispute_days": 0})).await;
    let (status, body) = s.dispute(&s.olga, &calls[0], contest.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("dispute_window_closed"))
    );
    s.settings(json!({"dispute_days": 7})).await;
    assert_eq!(s.disputes_in_db(), 0);

    // Eight requests at once: one dispute.
    let racers = (0..8).map(|_| s.dispute(&s.olga, &calls[0], contest.clone()));
    assert_eq!(
        sorted_statuses(racers).await,
        [[201].as_slice(), &[409; 7]].concat()
    );
    assert_eq!(s.disputes_in_db(), 1);

    let task = s
        .review(&boris, |t| with_step(t, 2, "incorrect", "Never asked"))
        .await;
    assert!(task["code"].is_string());
    let (_, list) = s.get("/api/v1/disputes", &s.owner).await;
    let dispute = list["disputes"][0]["id"].as_str().unwrap().to_owned();
    // Deciding eight times at once (two owners' tabs): one decision lands.
    let path = format!("/api/v1/disputes/{dispute}/decision");
    let body =
        |note: &str| json!({"steps": [{"step_key": source, "decision": "uphold", "note": note}]});
    let racers = (0..8).map(|n| s.post(&path, &s.owner, body(&format!("Upheld {n}"))));
    assert_eq!(
        sorted_statuses(racers).await,
        [[200].as_slice(), &[409; 7]].concat()
    );

    let after = s.feedback(&calls[0]).await;
    assert_eq!(after["steps"][2]["verdict"], "incorrect");
    assert_eq!(after["steps"][2]["dispute"]["decision"], "upheld");
    assert!((after["score"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    // Upheld, Anna's verdict was right: a hit.
    let row = s.reviewer_row(&anna).await;
    assert_eq!(
        (row["gold_steps"].as_u64(), row["gold_accuracy"].as_f64()),
        (Some(1), Some(1.0))
    );
    let decided = s.audit_actions(&calls[0]);
    assert_eq!(decided, ["dispute.open", "dispute.decide"]);
    // The open list is empty now; `all` keeps it.
    let (_, open) = s.get("/api/v1/disputes", &s.owner).await;
    assert_eq!(open["disputes"], json!([]));
    let (_, all) = s.get("/api/v1/disputes?all=true", &s.owner).await;
    assert_eq!(all["disputes"][0]["status"], "decided");
}

#[tokio::test]
async fn a_rejected_re_review_sends_the_dispute_back_for_another() {
    let s = setup().await;
    let call = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 1)
        .await
        .remove(0);
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    let carla = s.app.invited(&s.owner, Invitee::Reviewer, "carla").await;
    s.review(&anna, |t| with_step(t, 0, "incorrect", "No greeting"))
        .await;
    let greeting = s.feedback(&call).await["steps"][0]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, opened) = s
        .dispute(
            &s.olga,
            &call,
            json!([{"step_key": greeting, "comment": "I greeted"}]),
        )
        .await;
    assert_eq!(status, 201, "{opened}");
    s.review(&boris, all_correct).await;
    let (_, detail) = s
        .get(
            &format!("/api/v1/disputes/{}", opened["id"].as_str().unwrap()),
            &s.owner,
        )
        .await;
    assert_eq!(detail["status"], "awaiting_decision");
    let re_review: String = {
        use callqa::db::schema::reviews;
        let mut conn = s.app.connect_db();
        reviews::table
            .filter(reviews::dispute_id.is_not_null())
            .select(reviews::id)
            .first(&mut conn)
            .unwrap()
    };
    let (status, body) = s
        .post(
            &format!("/api/v1/reviews/{re_review}/reject"),
            &s.owner,
            json!({"reason": "Did not listen"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, detail) = s
        .get(
            &format!("/api/v1/disputes/{}", opened["id"].as_str().unwrap()),
            &s.owner,
        )
        .await;
    assert_eq!(detail["status"], "awaiting_review");
    assert_eq!(detail["steps_side_by_side"][0]["re_review"], Value::Null);
    // Carla gets it now; the call's own figures never moved.
    s.review(&carla, all_correct).await;
    let (_, detail) = s
        .get(
            &format!("/api/v1/disputes/{}", opened["id"].as_str().unwrap()),
            &s.owner,
        )
        .await;
    assert_eq!(detail["status"], "awaiting_decision");
    let feedback = s.feedback(&call).await;
    assert_eq!(feedback["reviews_done"], 1);
    assert_eq!(feedback["steps"][0]["verdict"], "incorrect");
    assert!(
        s.app.invariant_violations().is_empty(),
        "{:?}",
        s.app.invariant_violations()
    );
}

/// A script whose steps are: a critical greeting, an optional transfer, and a step with
/// weight 3; the rest plain.
async fn flagged_script(s: &Setup) -> Value {
    let (status, script) = s
        .post(
            "/api/v1/scripts",
            &s.owner,
            json!({
                "name": "Outbound",
                "steps": [
                    {"title": "Say the recorded-call notice", "critical": true},
                    {"title": "Transfer to a manager", "optional": true},
                    {"title": "Offer the product", "weight": 3},
                    {"title": "Goodbye"}
                ]
            }),
        )
        .await;
    assert_eq!(status, 201, "{script}");
    script
}

#[tokio::test]
async fn critical_optional_and_weighed_steps_score_as_the_scorecard_says() {
    let s = setup().await;
    // Bad flags are refused field by field.
    let (status, body) = s
        .post(
            "/api/v1/scripts",
            &s.owner,
            json!({"name": "Bad", "steps": [{"title": "A", "weight": 0}, {"title": "B", "weight": 101}]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        codes(&body),
        [
            ("steps[0].weight".to_owned(), "out_of_range".to_owned()),
            ("steps[1].weight".to_owned(), "out_of_range".to_owned()),
        ]
    );
    let script = flagged_script(&s).await;
    let steps = &script["version"]["steps"];
    assert_eq!(
        (
            steps[0]["critical"].as_bool(),
            steps[1]["optional"].as_bool(),
            steps[2]["weight"].as_i64()
        ),
        (Some(true), Some(true), Some(3))
    );
    assert_eq!(steps[3]["weight"], Value::Null);
    let id = script["id"].as_str().unwrap();
    let calls = s.app.ready_calls(&s.owner, &s.operator, id, 3, 1).await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;

    let (status, task) = s.next(&anna).await;
    assert_eq!(status, 200, "{task}");
    let optional: Vec<bool> = task["script"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["optional"].as_bool().unwrap())
        .collect();
    assert_eq!(optional, [false, true, false, false]);
    // `did_not_arise` on a step that is not optional is refused; on an optional one it needs
    // no comment.
    let mut verdicts = all_correct(&task);
    verdicts[0]["verdict"] = json!("did_not_arise");
    let (status, body) = s.send(&anna, &task, verdicts).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        codes(&body).contains(&("verdicts[0].verdict".to_owned(), "not_optional".to_owned())),
        "{body}"
    );
    // Call 1: the transfer did not arise, the offer (weight 3) was wrong: 2 / (2 + 3).
    let mut verdicts = with_step(&task, 2, "incorrect", "No offer");
    verdicts[1] = json!({"step_id": task["script"]["steps"][1]["id"], "verdict": "did_not_arise"});
    let (status, body) = s.send(&anna, &task, verdicts).await;
    assert_eq!(status, 201, "{body}");
    // Call 2: the notice (critical) was wrong: the call fails, whatever else.
    s.review(&anna, |t| with_step(t, 0, "incorrect", "No notice"))
        .await;
    // Call 3: all correct.
    s.review(&anna, all_correct).await;

    let mut by_id = std::collections::HashMap::new();
    for call in &calls {
        by_id.insert(call.clone(), s.feedback(call).await);
    }
    let scores: Vec<(f64, bool)> = by_id
        .values()
        .map(|c| {
            (
                c["score"].as_f64().unwrap(),
                c["critical_failure"].as_bool().unwrap(),
            )
        })
        .collect();
    let has = |score: f64, failed: bool| {
        scores
            .iter()
            .any(|(s, f)| (s - score).abs() < 1e-9 && *f == failed)
    };
    assert!(has(0.4, false), "{scores:?}");
    assert!(has(0.0, true), "{scores:?}");
    assert!(has(1.0, false), "{scores:?}");
    let weighed = by_id.values().find(|c| c["score"] == 0.4).unwrap();
    assert_eq!(weighed["steps"][1]["verdict"], "did_not_arise");
    assert_eq!(weighed["steps"][1]["did_not_arise"], 1);
    // No gap from a step that did not arise.
    let (_, gaps) = s.get("/api/v1/gaps", &s.owner).await;
    assert!(!gaps.to_string().contains("did_not_arise"), "{gaps}");

    // The overview: the same scores, and compliance 2 of 3.
    let (_, overview) = s.get("/api/v1/overview", &s.owner).await;
    assert_eq!(overview["critical_failures"], 1, "{overview}");
    assert!((overview["compliance"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!((overview["average_score"].as_f64().unwrap() - 1.4 / 3.0).abs() < 1e-9);
    let operator = &overview["operators"][0];
    assert_eq!(operator["critical_failures"], 1);
    assert_eq!(operator["did_not_arise"], 1);

    // Version 2 drops every flag; version 1's calls keep their meaning and version 1 its JSON.
    let v1_path = format!("/api/v1/scripts/{id}/versions/1");
    let v1_before = s
        .app
        .get_as(&v1_path, &s.owner.token)
        .await
        .text()
        .await
        .unwrap();
    let plain: Vec<Value> = steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"key": s["key"], "title": s["title"]}))
        .collect();
    let (status, body) = s
        .post(
            &format!("/api/v1/scripts/{id}/versions"),
            &s.owner,
            json!({ "steps": plain }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["version"]["steps"][0]["critical"], false);
    // The diff names what changed in the scoring, on the API and on the page.
    let (_, diff) = s
        .get(&format!("/api/v1/scripts/{id}/diff?from=1&to=2"), &s.owner)
        .await;
    let changes: Vec<&str> = diff["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        ["rescored", "rescored", "rescored", "unchanged"],
        "{diff}"
    );
    assert_eq!(
        diff["steps"][2]["flags"],
        json!([{"flag": "weight", "before": 3, "after": null}])
    );
    let browser = s.app.browser_for(&s.owner).await;
    let page = s
        .app
        .page_text(&browser, &format!("/scripts/{id}/diff?from=1&to=2"))
        .await;
    assert!(page.contains("scoring changed"), "{page}");
    assert!(page.contains("not weighed"), "{page}");
    let v1_after = s
        .app
        .get_as(&v1_path, &s.owner.token)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(v1_before, v1_after);
    for call in &calls {
        let now = s.feedback(call).await;
        assert_eq!(now["score"], by_id[call]["score"], "{now}");
        assert_eq!(now["critical_failure"], by_id[call]["critical_failure"]);
    }
    // The exported script file carries the flags, and imports back with them.
    let exported = s
        .app
        .get_as(
            &format!("/api/v1/scripts/{id}/export?version=1"),
            &s.owner.token,
        )
        .await;
    assert_eq!(exported.status(), 200);
    let file: Value = exported.json().await.unwrap();
    assert_eq!(file["steps"][0]["critical"], true, "{file}");
    assert_eq!(file["steps"][1]["optional"], true, "{file}");
    assert_eq!(file["steps"][2]["weight"], 3, "{file}");
    assert!(file["steps"][3].get("weight").is_none(), "{file}");
}

#[tokio::test]
async fn with_dynamic_overlap_a_critical_failure_waits_for_a_second_reviewer() {
    let s = setup().await;
    s.settings(json!({"trust_gold_steps": 0})).await;
    let script = flagged_script(&s).await;
    let id = script["id"].as_str().unwrap();
    // Uploaded without a number of reviews: the script's bounds, 1 to 3.
    let response = s
        .app
        .upload(
            &s.owner,
            "call.wav",
            crate::helpers::tone_wav(1.0, 8000),
            &[("operator_id", s.operator.as_str()), ("script_id", id)],
        )
        .await;
    assert_eq!(response.status(), 202);
    let call = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.app.wait_processed(&s.owner.token, &call).await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    let required = || async {
        let (_, recording) = s.get(&format!("/api/v1/recordings/{call}"), &s.owner).await;
        recording["reviews_required"].as_i64()
    };
    // One reviewer alone fails the critical step: a second one must say so too.
    s.review(&anna, |t| with_step(t, 0, "incorrect", "No notice"))
        .await;
    assert_eq!(required().await, Some(2));
    let browser = s.app.browser_for(&s.owner).await;
    let page = s
        .app
        .page_text(&browser, &format!("/recordings/{call}"))
        .await;
    assert!(
        page.contains("a critical step was failed by one reviewer alone"),
        "{page}"
    );
    s.review(&boris, |t| with_step(t, 0, "incorrect", "No notice at all"))
        .await;
    assert_eq!(required().await, Some(2), "confirmed: the call is settled");
    let feedback = s.feedback(&call).await;
    assert_eq!(feedback["critical_failure"], true, "{feedback}");
    assert_eq!(feedback["score"].as_f64(), Some(0.0));
}
