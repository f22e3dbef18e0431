//! The owner's table of reviewers: figures worked out by hand for two reviewers on the same
//! calls (agreement, skip rate, time spent), pausing and resuming through the API with its
//! audit rows, the status words, the owner-only rule and bad query words. On both backends.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, all_correct, problem_fields, spawn_app, spawn_app_with,
    test_settings,
};

async fn get(app: &TestApp, path: &str, user: &TestUser) -> (u16, Value) {
    let response = app.get_as(path, &user.token).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, path: &str, user: &TestUser) -> (u16, Value) {
    let response = app.post_json(path, Some(&user.token), &json!({})).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn draw(app: &TestApp, reviewer: &TestUser) -> Value {
    let (status, task) = post(app, "/api/v1/assignments/next", reviewer).await;
    assert_eq!(status, 200, "{task}");
    task
}

async fn send(app: &TestApp, reviewer: &TestUser, task: &Value, verdicts: Vec<Value>) {
    let code = task["code"].as_str().unwrap();
    let response = app
        .post_json(
            &format!("/api/v1/assignments/{code}/review"),
            Some(&reviewer.token),
            &json!({ "verdicts": verdicts }),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

fn row<'a>(rows: &'a Value, id: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id} in {rows}"))
}

#[tokio::test]
async fn two_reviewers_on_the_same_calls_get_the_figures_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let olga = app.invited(&owner, Invitee::Operator, "olga").await;
    let operator = olga.operator_id.clone().unwrap();
    let script = app.script(&owner).await;
    let anna = app.invited(&owner, Invitee::Reviewer, "anna").await;
    let boris = app.invited(&owner, Invitee::Reviewer, "boris").await;

    // One call, both review it: Anna all correct, Boris the first step incorrect.
    app.ready_calls(&owner, &operator, &script, 1, 2).await;
    let task = draw(&app, &anna).await;
    let steps = task["script"]["steps"].as_array().unwrap().len();
    assert!(steps >= 2);
    send(&app, &anna, &task, all_correct(&task)).await;
    let task = draw(&app, &boris).await;
    let mut verdicts = all_correct(&task);
    verdicts[0] = json!({
        "step_id": task["script"]["steps"][0]["id"], "verdict": "incorrect",
        "comment": "No greeting", "at_ms": 100
    });
    send(&app, &boris, &task, verdicts).await;

    // A second call needing one review: Anna skips it, Boris reviews it alone.
    app.ready_calls(&owner, &operator, &script, 1, 1).await;
    let task = draw(&app, &anna).await;
    let code = task["code"].as_str().unwrap();
    let response = app
        .post_json(
            &format!("/api/v1/assignments/{code}/skip"),
            Some(&anna.token),
            &json!({"reason": "Too noisy"}),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let task = draw(&app, &boris).await;
    send(&app, &boris, &task, all_correct(&task)).await;

    let (status, rows) = get(&app, "/api/v1/reviewers", &owner).await;
    assert_eq!(status, 200, "{rows}");
    let a = row(&rows, &anna.id);
    let b = row(&rows, &boris.id);
    let share = (steps - 1) as f64 / steps as f64;
    assert_eq!(a["name"], "Name of anna", "{a}");
    assert_eq!(
        (a["reviews"].as_u64(), b["reviews"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        (a["gold_reviews"].as_u64(), a["rejected"].as_u64()),
        (Some(0), Some(0))
    );
    // Every step of the shared call is one pair; all but the first agree. Boris's lone call
    // has nobody to pair with.
    for r in [a, b] {
        assert_eq!(r["agreement_pairs"].as_u64(), Some(steps as u64), "{r}");
        assert!(
            (r["agreement"].as_f64().unwrap() - share).abs() < 1e-9,
            "{r}"
        );
        assert_eq!(r["gold_accuracy"], Value::Null, "{r}");
        assert_eq!(r["status"], "active");
        // A one-second call listened to: the time from draw to review over its length.
        let ratio = r["median_listen_ratio"].as_f64().unwrap();
        assert!(ratio > 0.0 && ratio < 600.0, "{r}");
    }
    assert_eq!(a["skip_rate"].as_f64(), Some(0.5), "{a}");
    assert_eq!(b["skip_rate"].as_f64(), Some(0.0), "{b}");

    // Sorted by reviews, most first; then the other way.
    let (_, sorted) = get(&app, "/api/v1/reviewers?sort=reviews", &owner).await;
    assert_eq!(sorted[0]["id"], boris.id.as_str());
    let (_, sorted) = get(&app, "/api/v1/reviewers?sort=reviews&dir=asc", &owner).await;
    assert_eq!(sorted[0]["id"], anna.id.as_str());

    // One reviewer: the same row, the weeks, and the latest reviews newest first.
    let (status, one) = get(&app, &format!("/api/v1/reviewers/{}", boris.id), &owner).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["reviews"], 2);
    let weekly_sum: u64 = one["weekly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["reviews"].as_u64().unwrap())
        .sum();
    assert_eq!(weekly_sum, 2);
    let recent = one["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 2);
    assert_eq!(recent[1]["incorrect"], 1, "{one}");
    assert_eq!(recent[0]["incorrect"], 0);
    assert_eq!(recent[0]["status"], "accepted");

    // An empty period has no figures.
    let (_, past) = get(
        &app,
        "/api/v1/reviewers?from=2020-01-01&to=2020-01-31",
        &owner,
    )
    .await;
    let a = row(&past, &anna.id);
    assert_eq!(a["reviews"], 0);
    assert_eq!(a["agreement"], Value::Null);
    assert_eq!(a["skip_rate"], Value::Null);
    assert_eq!(a["median_listen_ratio"], Value::Null);
}

#[tokio::test]
async fn the_owner_pauses_and_resumes_a_reviewer_and_nobody_else_may_look() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let olga = app.invited(&owner, Invitee::Operator, "olga").await;
    let anna = app.invited(&owner, Invitee::Reviewer, "anna").await;
    let boris = app.invited(&owner, Invitee::Reviewer, "boris").await;
    let pause = format!("/api/v1/reviewers/{}/pause", anna.id);
    let resume = format!("/api/v1/reviewers/{}/resume", anna.id);

    for (status, row) in [
        post(&app, &pause, &owner).await,
        post(&app, &pause, &owner).await,
    ] {
        assert_eq!(status, 200, "{row}");
        assert_eq!(row["status"], "paused");
    }
    let (_, paused) = get(&app, "/api/v1/reviewers?status=paused", &owner).await;
    let ids: Vec<&str> = paused
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [anna.id.as_str()]);
    // The pages: the start page counts the paused reviewer, the table offers a resume.
    let browser = app.browser_for(&owner).await;
    let start = app.page_text(&browser, "/").await;
    assert!(start.contains("/reviewers?status=paused"), "{start}");
    let table = app.page_text(&browser, "/reviewers?status=paused").await;
    assert!(
        table.contains(&format!("/reviewers/{}/resume", anna.id)),
        "{table}"
    );
    assert!(!table.contains("Name of boris"), "{table}");
    let page = app
        .page_text(&browser, &format!("/reviewers/{}", anna.id))
        .await;
    assert!(page.contains("Name of anna"), "{page}");
    let bad = browser
        .get(app.url("/reviewers?sort=wage"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    let (status, resumed) = post(&app, &resume, &owner).await;
    assert_eq!((status, resumed["status"].as_str()), (200, Some("active")));
    assert_eq!(post(&app, &resume, &owner).await.0, 200);
    let start = app.page_text(&browser, "/").await;
    assert!(!start.contains("/reviewers?status=paused"), "{start}");

    // One pause and one resume in the log, however often they were asked for.
    let actions: Vec<String> = {
        use callqa::db::schema::audit_log;
        let mut conn = app.connect_db();
        audit_log::table
            .filter(audit_log::object_id.eq(&anna.id))
            .filter(audit_log::action.like("reviewer.%"))
            .order(audit_log::at.asc())
            .select(audit_log::action)
            .load(&mut conn)
            .unwrap()
    };
    assert_eq!(actions, ["reviewer.pause", "reviewer.resume"]);

    // Deactivated is a status of its own.
    let response = app
        .post_json(
            &format!("/api/v1/users/{}/deactivate", boris.id),
            Some(&owner.token),
            &json!({}),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let (_, rows) = get(&app, "/api/v1/reviewers", &owner).await;
    assert_eq!(row(&rows, &boris.id)["status"], "deactivated");

    // Not a reviewer: 404. Reviewers and operators: 403 everywhere.
    let operator_pause = format!("/api/v1/reviewers/{}/pause", olga.id);
    assert_eq!(post(&app, &operator_pause, &owner).await.0, 404);
    let one = format!("/api/v1/reviewers/{}", anna.id);
    for user in [&anna, &olga] {
        assert_eq!(get(&app, "/api/v1/reviewers", user).await.0, 403);
        assert_eq!(get(&app, &one, user).await.0, 403);
        assert_eq!(post(&app, &pause, user).await.0, 403);
        assert_eq!(post(&app, &resume, user).await.0, 403);
    }

    // Bad words are field errors.
    for (query, field) in [
        ("sort=wage", "sort"),
        ("dir=up", "dir"),
        ("status=asleep", "status"),
        ("from=soon", "from"),
    ] {
        let (status, body) = get(&app, &format!("/api/v1/reviewers?{query}"), &owner).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(
            problem_fields(&body).iter().any(|(f, _)| f == field),
            "{query}: {body}"
        );
    }
}
