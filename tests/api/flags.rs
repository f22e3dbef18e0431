//! Reviews worth a second look: the same answer on every step five calls in a row, and a
//! review far from the agreeing rest of its call, are listed for the owner (flags, not
//! verdicts), who keeps or rejects each; a kept one leaves the list. On both backends.

use serde_json::{Value, json};

use crate::helpers::{Invitee, TestApp, TestUser, all_correct, spawn_app_with, test_settings};

fn all_incorrect(task: &Value) -> Vec<Value> {
    all_correct(task)
        .into_iter()
        .map(|mut v| {
            v["verdict"] = json!("incorrect");
            v["comment"] = json!("Not as written");
            v
        })
        .collect()
}

async fn send(app: &TestApp, reviewer: &TestUser, verdicts: fn(&Value) -> Vec<Value>) {
    let response = app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", reviewer.login);
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
}

async fn flagged(app: &TestApp, owner: &TestUser) -> Vec<Value> {
    let response = app.get_as("/api/v1/reviews/flagged", &owner.token).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["reviews"].as_array().unwrap().clone()
}

#[tokio::test]
async fn straight_lining_and_outliers_are_listed_until_the_owner_decides() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    app.put_json(
        "/api/v1/settings",
        &owner.token,
        &json!({"gold_percent_new": 0, "gold_percent": 0}),
    )
    .await;
    let [anna, boris, xena, lazy] = [
        app.invited(&owner, Invitee::Reviewer, "anna").await,
        app.invited(&owner, Invitee::Reviewer, "boris").await,
        app.invited(&owner, Invitee::Reviewer, "xena").await,
        app.invited(&owner, Invitee::Reviewer, "lazy").await,
    ];

    // One call, three reviews: two agree, the third says the opposite everywhere.
    let disputed = app
        .ready_calls(&owner, &operator, &script, 1, 3)
        .await
        .remove(0);
    send(&app, &anna, all_correct).await;
    send(&app, &boris, all_correct).await;
    send(&app, &xena, all_incorrect).await;
    // Five calls answered `correct` on every step without a pause for thought.
    app.ready_calls(&owner, &operator, &script, 5, 1).await;
    for _ in 0..5 {
        send(&app, &lazy, all_correct).await;
    }

    let list = flagged(&app, &owner).await;
    let by = |login: &str| -> Vec<&Value> {
        list.iter()
            .filter(|r| {
                r["reviewer"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase()
                    .contains(login)
            })
            .collect()
    };
    assert_eq!(list.len(), 2, "{list:?}");
    let outlier = by("xena");
    assert_eq!(outlier.len(), 1, "{list:?}");
    assert_eq!(outlier[0]["flags"], json!(["outlier"]));
    assert_eq!(outlier[0]["recording_id"], json!(disputed));
    let same = by("lazy");
    assert_eq!(same.len(), 1, "only the fifth in a row: {list:?}");
    assert_eq!(same[0]["flags"], json!(["same_answers"]));

    // The owner keeps the straight-liner's review (eight times at once: one change, one
    // audit line) and rejects Xena's.
    let kept = same[0]["review_id"].as_str().unwrap().to_owned();
    let rejected = outlier[0]["review_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/reviews/{kept}/check");
    let empty = json!({});
    let answers = futures_util::future::join_all(
        (0..8).map(|_| app.post_json(&path, Some(&owner.token), &empty)),
    )
    .await;
    let mut checked_at = std::collections::HashSet::new();
    for response in answers {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        checked_at.insert(body["checked_at"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        checked_at.len(),
        1,
        "every answer names the one time it was kept"
    );
    {
        use callqa::db::schema::audit_log;
        use diesel::prelude::*;
        let mut conn = app.connect_db();
        let lines: i64 = audit_log::table
            .filter(audit_log::object_id.eq(&kept))
            .filter(audit_log::action.eq("review.checked"))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(lines, 1);
    }
    let response = app
        .post_json(
            &format!("/api/v1/reviews/{rejected}/reject"),
            Some(&owner.token),
            &json!({"reason": "Opposite of everyone, on every step"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(flagged(&app, &owner).await.is_empty(), "both decided");
    let response = app
        .post_json(
            &format!("/api/v1/reviews/{rejected}/check"),
            Some(&owner.token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 409, "a rejected review is not kept");
    let response = app
        .post_json(
            &format!("/api/v1/reviews/{kept}/check"),
            Some(&lazy.token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 403);

    // One more straight line: listed again, on the reviewers page, in Russian.
    app.ready_calls(&owner, &operator, &script, 1, 1).await;
    send(&app, &lazy, all_correct).await;
    let browser = app.browser_for(&owner).await;
    browser.get(app.url("/lang/ru")).send().await.unwrap();
    let page = app.page_text(&browser, "/reviewers").await;
    assert!(
        page.contains("Проверки, на которые стоит взглянуть: 1"),
        "{page}"
    );
    assert!(page.contains("Один и тот же ответ на каждом шаге"));
    let csrf = crate::helpers::csrf_of(&page);
    let newest = flagged(&app, &owner).await[0]["review_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .post_form(
            &browser,
            &format!("/reviewers/flagged/{newest}/check"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(flagged(&app, &owner).await.is_empty());
}
