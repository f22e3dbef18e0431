//! The weighted consensus over HTTP: reviewers who always answer `correct` are outvoted by
//! one careful reviewer once a fit has seen them miss on gold calls, where the plain
//! majority (the baseline, used before any fit) sided with them. On both backends.

use serde_json::{Value, json};

use crate::helpers::{Invitee, TestUser, all_correct, spawn_app_with, test_settings};

/// Every step correct but the first, marked incorrect.
fn first_incorrect(task: &Value) -> Vec<Value> {
    let mut verdicts = all_correct(task);
    verdicts[0] = json!({"step_id": task["script"]["steps"][0]["id"], "verdict": "incorrect",
        "comment": "No greeting"});
    verdicts
}

#[tokio::test]
async fn reviewers_who_always_say_correct_are_outweighed_once_gold_calls_show_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    let response = app
        .put_json(
            "/api/v1/settings",
            &owner.token,
            &json!({"gold_percent_new": 0, "gold_percent": 0, "trust_gold_steps": 0}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let careful = app.invited(&owner, Invitee::Reviewer, "careful").await;
    let yes1 = app.invited(&owner, Invitee::Reviewer, "yes1").await;
    let yes2 = app.invited(&owner, Invitee::Reviewer, "yes2").await;

    // Every call: the greeting was missing; the careful reviewer says so, the others never.
    let review_all = async |calls: &[String]| {
        for reviewer in [&careful, &yes1, &yes2] {
            for _ in calls {
                send(&app, reviewer, reviewer.login == "careful").await;
            }
        }
    };
    let gold = app.ready_calls(&owner, &operator, &script, 6, 3).await;
    review_all(&gold).await;
    for call in &gold {
        let key: Value = app
            .get_as(&format!("/api/v1/recordings/{call}/gold"), &owner.token)
            .await
            .json()
            .await
            .unwrap();
        let mut answers = key["answers"].as_array().unwrap().clone();
        answers[0]["verdict"] = json!("incorrect");
        let response = app
            .put_json(
                &format!("/api/v1/recordings/{call}/gold"),
                &owner.token,
                &json!({ "answers": answers }),
            )
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
    let later = app.ready_calls(&owner, &operator, &script, 2, 3).await;
    review_all(&later).await;

    let first_step = async |call: &str| -> Value {
        let view: Value = app
            .get_as(&format!("/api/v1/recordings/{call}/reviews"), &owner.token)
            .await
            .json()
            .await
            .unwrap();
        view["consensus"][0].clone()
    };
    // Before any fit: the majority, two against one.
    let before = first_step(&later[0]).await;
    assert_eq!(before["verdict"], "correct", "{before}");
    assert_eq!(
        before["confidence"],
        Value::Null,
        "no confidence without a fit"
    );

    // Refits at once (as several processes would do) take turns: all succeed.
    let empty = json!({});
    let refits = futures_util::future::join_all(
        (0..4).map(|_| app.post_json("/api/v1/consensus/refit", Some(&owner.token), &empty)),
    )
    .await;
    let mut fits = Vec::new();
    for response in refits {
        assert_eq!(response.status(), 200);
        fits.push(response.json::<Value>().await.unwrap());
    }
    let fit = fits.remove(0);
    assert_eq!(fit["weighted"], true, "{fit}");
    assert_eq!(fit["reviewers"], 3);
    assert_eq!(fit["labels"], 8 * 3 * 3);

    for call in &later {
        let after = first_step(call).await;
        assert_eq!(after["verdict"], "incorrect", "{after}");
        assert!(after["confidence"].as_f64().unwrap() > 0.5, "{after}");
    }
    // The steps everybody agrees on stay as they were, and sure.
    let view: Value = app
        .get_as(
            &format!("/api/v1/recordings/{}/reviews", later[0]),
            &owner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["consensus"][1]["verdict"], "correct");
    assert!(
        view["consensus"][1]["confidence"].as_f64().unwrap() > 0.9,
        "{view}"
    );
    // Only owners refit.
    let response = app
        .post_json("/api/v1/consensus/refit", Some(&careful.token), &json!({}))
        .await;
    assert_eq!(response.status(), 403);
}

/// Draws the next call for `reviewer` and reviews it: the first step incorrect when
/// `careful`, every step correct otherwise.
async fn send(app: &crate::helpers::TestApp, reviewer: &TestUser, careful: bool) {
    let response = app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", reviewer.login);
    let task: Value = response.json().await.unwrap();
    let verdicts = if careful {
        first_incorrect(&task)
    } else {
        all_correct(&task)
    };
    let code = task["code"].as_str().unwrap();
    let sent = app
        .post_json(
            &format!("/api/v1/assignments/{code}/review"),
            Some(&reviewer.token),
            &json!({ "verdicts": verdicts }),
        )
        .await;
    assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
}
