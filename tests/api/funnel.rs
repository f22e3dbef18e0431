//! Where calls fail: with known verdicts and outcomes on five calls, the funnel's counts per
//! step (reached without a failure, first failed here) come out as counted by hand, for won
//! and lost calls apart; the page shows the chart, the table and the calls behind a step.

use serde_json::{Value, json};

use crate::helpers::{Invitee, TestApp, TestUser, spawn_app_with, test_settings, tone_wav};

/// A call of `operator` uploaded, taken by `reviewer` and graded with `verdicts` in step
/// order (c correct, i incorrect, m missing); returns its id.
async fn reviewed_call(
    app: &TestApp,
    owner: &TestUser,
    reviewer: &TestUser,
    script: &str,
    operator: &str,
    verdicts: &str,
) -> String {
    let response = app
        .upload(
            owner,
            "call.wav",
            tone_wav(1.0, 8000),
            &[
                ("operator_id", operator),
                ("script_id", script),
                ("called_at", "2026-11-10T10:00:00Z"),
                ("reviews_required", "1"),
            ],
        )
        .await;
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.wait_processed(&owner.token, &id).await;
    let task: Value = app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let marks: Vec<Value> = task["script"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .zip(verdicts.chars())
        .map(|(step, mark)| match mark {
            'c' => json!({"step_id": step["id"], "verdict": "correct"}),
            'i' => json!({"step_id": step["id"], "verdict": "incorrect", "comment": "Rushed"}),
            _ => json!({"step_id": step["id"], "verdict": "missing", "comment": "Delivery?"}),
        })
        .collect();
    let code = task["code"].as_str().unwrap();
    let sent = app
        .post_json(
            &format!("/api/v1/assignments/{code}/review"),
            Some(&reviewer.token),
            &json!({ "verdicts": marks }),
        )
        .await;
    assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
    id
}

#[tokio::test]
async fn the_funnel_counts_where_won_and_lost_calls_first_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let script = app.script(&owner).await;
    let operator = app.operator_record(&owner, "Anna").await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;

    // Steps: greeting, listen, ask the source. c correct, i incorrect, m missing.
    let calls = [
        ("ccc", Some("won")),
        ("cic", Some("lost")),
        ("ccm", Some("lost")),
        ("icc", None),
        ("cci", Some("won")),
    ];
    let mut ids = Vec::new();
    for (verdicts, outcome) in calls {
        let id = reviewed_call(&app, &owner, &reviewer, &script, &operator, verdicts).await;
        if let Some(outcome) = outcome {
            let set = app
                .put_json(
                    &format!("/api/v1/recordings/{id}/outcome"),
                    &owner.token,
                    &json!({ "outcome": outcome }),
                )
                .await;
            assert_eq!(set.status(), 200);
        }
        ids.push(id);
    }

    let query = format!("/api/v1/funnel?script_id={script}&from=2026-11-01&to=2026-11-30");
    let body: Value = app.get_as(&query, &owner.token).await.json().await.unwrap();
    let funnel = &body["funnel"];
    assert_eq!(funnel["version"], 1);
    assert_eq!(
        funnel["calls"],
        json!({"won": 2, "lost": 2, "unknown": 1, "all": 5})
    );
    assert_eq!(funnel["clean"]["all"], 1);
    let counts = |name: &str| -> Vec<(i64, i64, i64)> {
        funnel["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let c = &s[name];
                (
                    c["won"].as_i64().unwrap(),
                    c["lost"].as_i64().unwrap(),
                    c["all"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(counts("reached"), [(2, 2, 5), (2, 2, 4), (2, 1, 3)]);
    assert_eq!(
        counts("failed_incorrect"),
        [(0, 0, 1), (0, 1, 1), (1, 0, 1)]
    );
    assert_eq!(counts("failed_missing"), [(0, 0, 0), (0, 0, 0), (0, 1, 1)]);
    let failed: Vec<(String, String)> = body["failed_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["recording_id"].as_str().unwrap().to_owned(),
                c["failure"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(failed.len(), 4);
    assert!(failed.contains(&(ids[2].clone(), "missing".to_owned())));

    // Bad queries are named; an unknown version is a 404.
    let missing = app
        .get_as("/api/v1/funnel?from=2026-11-01", &owner.token)
        .await;
    assert_eq!(missing.status(), 422);
    let unknown = app
        .get_as(&format!("{query}&version=9"), &owner.token)
        .await;
    assert_eq!(unknown.status(), 404);

    // The page: the chart, the table, and the calls that first failed at "Ask the source".
    let browser = app.browser_for(&owner).await;
    let overview = app
        .page_text(
            &browser,
            &format!("/overview/funnel?script_id={script}&from=2026-11-01&to=2026-11-30"),
        )
        .await;
    // The link behind "Ask the source": its calls.
    let at = overview.find("first failed at Ask the source").unwrap();
    let start = overview[..at].rfind("href=\"").unwrap() + 6;
    let end = start + overview[start..].find('"').unwrap();
    let link = overview[start..end].replace("&amp;", "&");
    let page = app.page_text(&browser, &link).await;
    assert!(page.contains("<svg"), "{page}");
    assert!(page.contains("Where calls fail"));
    let at_step =
        &page[page.find(r#"id="calls""#).unwrap()..page.find(r#"id="win-back""#).unwrap()];
    assert!(
        at_step.contains(&format!("/recordings/{}", ids[2])),
        "{page}"
    );
    assert!(at_step.contains(&format!("/recordings/{}", ids[4])));
    assert!(!at_step.contains(&format!("/recordings/{}", ids[1])));
    // The win-back list: the two lost calls with a failed step, with the reviewers' words.
    let list_query = format!("/api/v1/win-back?script_id={script}&from=2026-11-01&to=2026-11-30");
    let list: Value = app
        .get_as(&list_query, &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let lines = list["lines"].as_array().unwrap();
    let mut listed: Vec<&str> = lines
        .iter()
        .map(|l| l["recording_id"].as_str().unwrap())
        .collect();
    listed.sort();
    let mut lost = vec![ids[1].as_str(), ids[2].as_str()];
    lost.sort();
    assert_eq!(listed, lost);
    let missing_line = lines
        .iter()
        .find(|l| l["recording_id"] == ids[2].as_str())
        .unwrap();
    assert_eq!(missing_line["step_title"], "Ask the source");
    assert_eq!(missing_line["comments"], json!(["Delivery?"]));
    let marked = app
        .put_json(
            &format!("/api/v1/win-back/{}", ids[2]),
            &owner.token,
            &json!({"status": "won_back"}),
        )
        .await;
    assert_eq!(marked.status(), 204);
    let not_lost = app
        .put_json(
            &format!("/api/v1/win-back/{}", ids[0]),
            &owner.token,
            &json!({"status": "won_back"}),
        )
        .await;
    assert_eq!(not_lost.status(), 404, "only lost calls are won back");
    let wrong = app
        .put_json(
            &format!("/api/v1/win-back/{}", ids[1]),
            &owner.token,
            &json!({"status": "maybe"}),
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let csrf = crate::helpers::csrf_of(&page);
    let on_page = app
        .post_form(
            &browser,
            &format!("/overview/win-back/{}", ids[1]),
            &[
                ("csrf", csrf.as_str()),
                ("status", "called_back"),
                (
                    "back",
                    &format!("script_id={script}&from=2026-11-01&to=2026-11-30"),
                ),
            ],
        )
        .await;
    assert_eq!(on_page.status(), 303);
    let elsewhere = app
        .post_form(
            &browser,
            &format!("/overview/win-back/{}", ids[1]),
            &[
                ("csrf", csrf.as_str()),
                ("status", "called_back"),
                ("back", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(
        elsewhere.headers()["location"].to_str().unwrap(),
        "/overview/funnel#win-back"
    );
    let list: Value = app
        .get_as(&list_query, &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&list["won_back"], &list["called_back"]),
        (&json!(1), &json!(1))
    );
    let shown = app.page_text(&browser, &link).await;
    assert!(shown.contains("1 won back"), "{shown}");

    let bad = browser
        .get(app.url("/overview/funnel?from=yesterday"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn each_version_of_a_script_is_scored_over_its_own_calls() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let script = app.script(&owner).await;
    let operator = app.operator_record(&owner, "Anna").await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    for verdicts in ["cci", "ccm"] {
        reviewed_call(&app, &owner, &reviewer, &script, &operator, verdicts).await;
    }
    // Version 2 handles what was missing; its calls do better on "Ask the source".
    let detail: Value = app
        .get_as(&format!("/api/v1/scripts/{script}"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let steps: Vec<Value> = detail["version"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"key": s["key"], "title": s["title"], "say": "Refined."}))
        .collect();
    // It resolves the gap the second call raised.
    let gaps: Value = app
        .get_as("/api/v1/gaps?status=open", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let gap = gaps[0]["id"].as_str().unwrap().to_owned();
    let published = app
        .post_json(
            &format!("/api/v1/scripts/{script}/versions"),
            Some(&owner.token),
            &json!({"notes": "Delivery questions", "steps": steps, "resolves_gaps": [gap]}),
        )
        .await;
    assert_eq!(published.status(), 201);
    for verdicts in ["ccc", "ccc", "ccm"] {
        reviewed_call(&app, &owner, &reviewer, &script, &operator, verdicts).await;
    }
    let body: Value = app
        .get_as(&format!("/api/v1/scripts/{script}/effect"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let ask = body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Ask the source")
        .unwrap();
    let versions = ask["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (&versions[0]["version"], &versions[0]["calls"]),
        (&json!(1), &json!(2))
    );
    assert_eq!(versions[0]["score"]["value"], 0.0);
    assert_eq!(versions[0]["score"]["n"], 1);
    assert_eq!(versions[0]["missing"]["value"], 0.5);
    assert_eq!(versions[1]["score"]["value"], 1.0);
    assert_eq!(versions[1]["score_change"], 1.0);
    assert!((versions[1]["missing_change"].as_f64().unwrap() - (1.0 / 3.0 - 0.5)).abs() < 1e-9);
    // The resolved gap: "Ask the source" missing in 1 of 2 calls before version 2, in 1 of 3
    // from it on.
    let resolved = &body["resolved_gaps"];
    assert_eq!(resolved.as_array().unwrap().len(), 1, "{body}");
    assert_eq!(resolved[0]["title"], "Ask the source");
    assert_eq!(
        (&resolved[0]["version"], &resolved[0]["gaps"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(resolved[0]["missing_before"]["value"], 0.5);
    assert_eq!(resolved[0]["missing_before"]["n"], 2);
    assert_eq!(resolved[0]["missing_after"]["n"], 3);
    assert!((resolved[0]["missing_after"]["value"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let page = app
        .page_text(
            &app.browser_for(&owner).await,
            &format!("/scripts/{script}"),
        )
        .await;
    assert!(page.contains("Did the refinement work?"), "{page}");
    assert!(page.contains("100 points"), "{page}");
    assert!(
        page.contains("Gaps resolved by a version: before and after"),
        "{page}"
    );
    assert!(
        page.contains("50% (9%–91%)") && page.contains("33% (6%–79%)"),
        "{page}"
    );
    assert!(
        page.contains("Version 2, published"),
        "the time line marks each publish: {page}"
    );
    // The overview of the month sets version 2 against version 1, the largest change first.
    let overview: Value = app
        .get_as(
            "/api/v1/overview?from=2026-11-01&to=2026-11-30",
            &owner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let changes = overview["version_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{overview}");
    assert_eq!(
        (&changes[0]["version"], &changes[0]["calls"]),
        (&json!(2), &json!(3))
    );
    let first = &changes[0]["steps"][0];
    assert_eq!(first["title"], "Ask the source");
    assert_eq!(first["before"]["version"], 1);
    assert_eq!(first["after"]["score_change"], 1.0);
    assert_eq!(changes[0]["steps"].as_array().unwrap().len(), 3);
    let page = app
        .page_text(
            &app.browser_for(&owner).await,
            "/overview?from=2026-11-01&to=2026-11-30",
        )
        .await;
    assert!(
        page.contains("version 2, 3 calls graded in the period"),
        "{page}"
    );
    assert!(page.contains("version 1 (2 calls) → 3 calls"), "{page}");
    // Score 0 of 1 → 2 of 2; "not in the script" 1 of 2 → 1 of 3.
    assert!(page.contains("0% (0%–79%) → 100% (34%–100%)"), "{page}");
    assert!(page.contains("50% (9%–91%) → 33% (6%–79%)"), "{page}");
    let unknown = app
        .get_as(
            "/api/v1/scripts/00000000-0000-0000-0000-000000000000/effect",
            &owner.token,
        )
        .await;
    assert_eq!(unknown.status(), 404);
}
