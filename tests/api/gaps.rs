//! The gap queue: a `missing` verdict becomes an open gap; the owner accepts, dismisses with
//! a reason, or refines the script, and publishing the refined version resolves the gaps it
//! carries. Each move is allowed once, in order, and the pages work as plain forms.

use serde_json::{Value, json};

use crate::helpers::{Invitee, TestApp, TestUser, csrf_of, spawn_app_with, test_settings};

struct Queue {
    app: TestApp,
    owner: TestUser,
    script_id: String,
}

/// A server with `calls` reviewed calls, each reviewed once with its last step marked
/// missing (comment "No answer for delivery abroad N", at 0.5 s).
async fn queue_with_gaps(calls: usize) -> Queue {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script_id = app.script(&owner).await;
    app.ready_calls(&owner, &operator, &script_id, calls, 1)
        .await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    for n in 0..calls {
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
        let steps = task["script"]["steps"].as_array().unwrap();
        let mut verdicts: Vec<Value> = steps
            .iter()
            .map(|s| json!({"step_id": s["id"], "verdict": "correct"}))
            .collect();
        let last = verdicts.len() - 1;
        verdicts[last] = json!({
            "step_id": steps[last]["id"],
            "verdict": "missing",
            "comment": format!("No answer for delivery abroad {n}"),
            "at_ms": 500
        });
        let response = app
            .post_json(
                &format!(
                    "/api/v1/assignments/{}/review",
                    task["code"].as_str().unwrap()
                ),
                Some(&reviewer.token),
                &json!({ "verdicts": verdicts }),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    Queue {
        app,
        owner,
        script_id,
    }
}

impl Queue {
    async fn gaps(&self, query: &str) -> Vec<Value> {
        let response = self
            .app
            .get_as(&format!("/api/v1/gaps{query}"), &self.owner.token)
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .app
            .post_json(path, Some(&self.owner.token), &body)
            .await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn a_gap_is_accepted_dismissed_or_resolved_by_publishing() {
    let q = queue_with_gaps(3).await;
    let open = q.gaps("?status=open").await;
    assert_eq!(open.len(), 3);
    let gap = &open[0];
    assert_eq!(gap["status"], "open");
    assert_eq!(gap["script_id"], q.script_id.as_str());
    assert_eq!(gap["script_version"], 1);
    assert_eq!(gap["step"]["title"], "Ask the source");
    assert_eq!(gap["at_ms"], 500);
    assert_eq!(gap["reviewer"], "A");
    assert!(
        gap["comment"]
            .as_str()
            .unwrap()
            .starts_with("No answer for delivery abroad")
    );
    assert!(gap["recording_id"].is_string() && gap["created_at"].is_string());
    let key = gap["step"]["key"].as_str().unwrap();
    assert_eq!(
        q.gaps(&format!("?step_key={key}&script_id={}", q.script_id))
            .await
            .len(),
        3
    );
    assert_eq!(q.gaps("?step_key=other").await.len(), 0);
    let (status, _) = q.post("/api/v1/gaps/x/accept", json!({})).await;
    assert_eq!(status, 404);
    let response = q
        .app
        .get_as("/api/v1/gaps?status=lost", &q.owner.token)
        .await;
    assert_eq!(response.status(), 422);

    let ids: Vec<&str> = open.iter().map(|g| g["id"].as_str().unwrap()).collect();
    // Accepted, then dismissed; a dismissed gap stays dismissed.
    let (status, accepted) = q
        .post(&format!("/api/v1/gaps/{}/accept", ids[0]), json!({}))
        .await;
    assert_eq!(
        (status, accepted["status"].as_str()),
        (200, Some("accepted"))
    );
    let (status, _) = q
        .post(&format!("/api/v1/gaps/{}/accept", ids[0]), json!({}))
        .await;
    assert_eq!(status, 409, "only an open gap can be accepted");
    let (status, body) = q
        .post(
            &format!("/api/v1/gaps/{}/dismiss", ids[1]),
            json!({"reason": "bored"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "reason");
    let (status, dismissed) = q
        .post(
            &format!("/api/v1/gaps/{}/dismiss", ids[1]),
            json!({"reason": "operator_error", "note": "It is in step 2"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(dismissed["status"], "dismissed");
    assert_eq!(dismissed["dismiss_reason"], "operator_error");
    assert_eq!(dismissed["dismiss_note"], "It is in step 2");

    // Publishing a version that resolves the accepted and the open gap.
    let script: Value = q
        .app
        .get_as(&format!("/api/v1/scripts/{}", q.script_id), &q.owner.token)
        .await
        .json()
        .await
        .unwrap();
    let mut steps: Vec<Value> = script["version"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"key": s["key"], "title": s["title"], "say": s["say"], "guidance": s["guidance"]}))
        .collect();
    steps.push(json!({"title": "Delivery abroad", "say": "We ship abroad with DHL."}));
    let versions = format!("/api/v1/scripts/{}/versions", q.script_id);
    let (status, body) = q
        .post(
            &versions,
            json!({"steps": steps, "resolves_gaps": [ids[1]]}),
        )
        .await;
    assert_eq!(status, 422, "a dismissed gap cannot be resolved");
    assert_eq!(body["error"]["fields"][0]["code"], "gap_closed");
    let (status, _) = q
        .post(
            &versions,
            json!({"steps": steps, "resolves_gaps": [ids[0], ids[2]]}),
        )
        .await;
    assert_eq!(status, 201);
    let resolved = q.gaps("?status=resolved").await;
    assert_eq!(resolved.len(), 2);
    assert!(resolved.iter().all(|g| g["resolved_in_version"] == 2));
    assert_eq!(q.gaps("?status=open").await.len(), 0);
    let (status, _) = q
        .post(
            &format!("/api/v1/gaps/{}/dismiss", ids[0]),
            json!({"reason": "noise"}),
        )
        .await;
    assert_eq!(status, 409, "a resolved gap stays resolved");
}

#[tokio::test]
async fn the_queue_page_groups_gaps_and_refines_the_script() {
    let q = queue_with_gaps(2).await;
    let browser = q.app.browser_for(&q.owner).await;
    let page = browser.get(q.app.url("/gaps")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Ask the source"));
    assert!(
        html.contains("2 gaps") && html.contains("2 open"),
        "grouped with counts"
    );
    assert!(html.contains("No answer for delivery abroad 0"));
    assert!(
        html.contains("#t=0.5"),
        "the audio starts at the marked time"
    );
    let csrf = csrf_of(&html);
    let ru = browser
        .get(q.app.url("/gaps?status=all"))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ru.contains("Доработки") && ru.contains("2 доработки"));

    let open = q.gaps("?status=open").await;
    let ids: Vec<String> = open
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect();
    // Refine with both gaps selected: the editor opens at the step, the gaps attached.
    let response = q
        .app
        .post_form(
            &browser,
            "/gaps",
            &[
                ("csrf", csrf.as_str()),
                ("back", "/gaps"),
                ("gap", &ids[0]),
                ("gap", &ids[1]),
                ("action", "refine"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let editor = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(editor, format!("/scripts/{}/edit#step-3", q.script_id));
    let html = q
        .app
        .page_text(&browser, &format!("/scripts/{}/edit", q.script_id))
        .await;
    assert!(html.contains(&format!(
        r#"name="resolves_gap" value="{}" checked"#,
        ids[0]
    )));
    assert!(html.contains("these 2 gaps"));
    assert!(html.contains("step focus"), "the step is highlighted");

    // Publish from the editor as it stands (with a reworded step): both gaps resolved.
    let mut form = vec![("csrf".to_owned(), csrf_of(&html))];
    let field = |name: &str, html: &str| -> Vec<String> {
        let marker = format!(r#"name="{name}" value=""#);
        html.match_indices(&marker)
            .map(|(at, _)| {
                html[at + marker.len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let keys = field("key", &html);
    let titles = field("title", &html);
    assert_eq!(keys.len(), 3);
    form.push(("name".into(), "Inbound call".into()));
    form.push(("focus_key".into(), keys[2].clone()));
    for (i, key) in keys.iter().enumerate() {
        form.push(("key".into(), key.clone()));
        form.push(("title".into(), titles[i].clone()));
        let say = if i == 2 {
            "Where did you hear about us? We also ship abroad."
        } else {
            ""
        };
        form.push(("say".into(), say.into()));
        form.push(("guidance".into(), String::new()));
    }
    for id in &ids {
        form.push(("resolves_gap".into(), id.clone()));
    }
    form.push(("notes".into(), "Answer delivery abroad".into()));
    form.push(("action".into(), "publish".into()));
    let response = q
        .app
        .post_form(&browser, &format!("/scripts/{}/edit", q.script_id), &form)
        .await;
    assert_eq!(response.status(), 303);
    let resolved = q.gaps("?status=resolved").await;
    assert_eq!(resolved.len(), 2);
    assert!(resolved.iter().all(|g| g["resolved_in_version"] == 2));

    // Dismissing a resolved gap from the page is refused, the queue shown with the reason.
    let response = q
        .app
        .post_form(
            &browser,
            "/gaps",
            &[
                ("csrf", csrf.as_str()),
                ("back", "/gaps?status=resolved"),
                ("gap", &ids[0]),
                ("action", "dismiss"),
                ("reason", "noise"),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already been dismissed or resolved")
    );
    let empty = q.app.page_text(&browser, "/gaps").await;
    assert!(empty.contains("No open gaps"));
}

/// The `before` and `left` fields of the undo form on a queue page.
fn undo_fields(html: &str) -> (String, String) {
    let value = |name: &str| {
        let marker = format!(r#"name="{name}" value=""#);
        let at = html.find(&marker).expect("an undo form") + marker.len();
        html[at..].split('"').next().unwrap().replace("&#x2F;", "/")
    };
    (value("left"), value("before"))
}

#[tokio::test]
async fn accepting_or_dismissing_is_confirmed_and_can_be_undone_once() {
    let q = queue_with_gaps(2).await;
    let browser = q.app.browser_for(&q.owner).await;
    let html = q.app.page_text(&browser, "/gaps").await;
    assert!(html.contains("Reason to dismiss</") || html.contains("Reason to dismiss\n"));
    let csrf = csrf_of(&html);
    let ids: Vec<String> = q
        .gaps("?status=open")
        .await
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect();
    let dismissed = q
        .app
        .post_form(
            &browser,
            "/gaps",
            &[
                ("csrf", csrf.as_str()),
                ("back", "/gaps?status=open"),
                ("gap", &ids[0]),
                ("gap", &ids[1]),
                ("action", "dismiss"),
                ("reason", "noise"),
            ],
        )
        .await;
    assert_eq!(dismissed.status(), 303);
    let back = dismissed.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with("/gaps?status=open&done=dismissed"),
        "{back}"
    );
    let html = q.app.page_text(&browser, &back).await;
    assert!(html.contains("2 gaps dismissed."), "{html}");
    assert_eq!(q.gaps("?status=dismissed").await.len(), 2);

    // Two undos at once: one takes the gaps back, the other is told it is too late.
    let (left, before) = undo_fields(&html);
    assert_eq!(left, "dismissed");
    let form = [
        ("csrf", csrf.clone()),
        ("back", "/gaps?status=open".to_owned()),
        ("action", "undo".to_owned()),
        ("left", left),
        ("before", before),
    ];
    let (a, b) = tokio::join!(
        q.app.post_form(&browser, "/gaps", &form),
        q.app.post_form(&browser, "/gaps", &form)
    );
    let mut codes = [a.status().as_u16(), b.status().as_u16()];
    codes.sort();
    assert_eq!(codes, [303, 409]);
    let open = q.gaps("?status=open").await;
    assert_eq!(open.len(), 2, "both back to open");
    assert!(open.iter().all(|g| g["dismiss_reason"].is_null()));
    let late = q.app.post_form(&browser, "/gaps", &form).await;
    assert_eq!(late.status(), 409);
    assert!(
        late.text()
            .await
            .unwrap()
            .contains("can no longer be undone")
    );

    // An accept that someone changed since cannot be undone over that change.
    let accepted = q
        .app
        .post_form(
            &browser,
            "/gaps",
            &[
                ("csrf", csrf.as_str()),
                ("back", "/gaps"),
                ("gap", &ids[0]),
                ("action", "accept"),
            ],
        )
        .await;
    let back = accepted.headers()["location"].to_str().unwrap().to_owned();
    let html = q.app.page_text(&browser, &back).await;
    assert!(html.contains("1 gap accepted."), "{html}");
    let (left, before) = undo_fields(&html);
    let (status, _) = q
        .post(
            &format!("/api/v1/gaps/{}/dismiss", ids[0]),
            json!({"reason": "duplicate"}),
        )
        .await;
    assert_eq!(status, 200);
    let undo = q
        .app
        .post_form(
            &browser,
            "/gaps",
            &[
                ("csrf", csrf.as_str()),
                ("back", "/gaps"),
                ("action", "undo"),
                ("left", &left),
                ("before", &before),
            ],
        )
        .await;
    assert_eq!(undo.status(), 409);
    let gap: Vec<Value> = q.gaps("?status=dismissed").await;
    assert_eq!(gap.len(), 1, "the later dismissal stands");

    // A hand-made undo that would move a gap somewhere no action comes from is refused.
    let forged = q
        .app
        .post_form(
            &browser,
            "/gaps",
            &[
                ("csrf", csrf.as_str()),
                ("back", "/gaps"),
                ("action", "undo"),
                ("left", "dismissed"),
                ("before", &format!("{}:resolved", ids[0])),
            ],
        )
        .await;
    assert_eq!(forged.status(), 422);
    assert_eq!(q.gaps("?status=dismissed").await.len(), 1);
}

#[tokio::test]
async fn a_refine_across_scripts_explains_itself_and_keeps_the_ticks() {
    let q = queue_with_gaps(1).await;
    // A second script with a gap of its own.
    let operator = q.app.operator_record(&q.owner, "Pavel").await;
    let other = q.app.script(&q.owner).await;
    q.app.ready_calls(&q.owner, &operator, &other, 1, 1).await;
    let reviewer = q.app.invited(&q.owner, Invitee::Reviewer, "roma").await;
    let task: Value = q
        .app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let steps = task["script"]["steps"].as_array().unwrap();
    let verdicts: Vec<Value> = steps
        .iter()
        .map(|s| json!({"step_id": s["id"], "verdict": "missing", "comment": "No answer here"}))
        .collect();
    let response = q
        .app
        .post_json(
            &format!(
                "/api/v1/assignments/{}/review",
                task["code"].as_str().unwrap()
            ),
            Some(&reviewer.token),
            &json!({ "verdicts": verdicts }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let open = q.gaps("?status=open").await;
    let scripts: std::collections::BTreeSet<&str> = open
        .iter()
        .map(|g| g["script_id"].as_str().unwrap())
        .collect();
    assert_eq!(scripts.len(), 2, "gaps of two scripts");

    let browser = q.app.browser_for(&q.owner).await;
    let html = q.app.page_text(&browser, "/gaps").await;
    let mut form = vec![
        ("csrf".to_owned(), csrf_of(&html)),
        ("back".to_owned(), "/gaps".to_owned()),
        ("action".to_owned(), "refine".to_owned()),
    ];
    for gap in &open {
        form.push(("gap".to_owned(), gap["id"].as_str().unwrap().to_owned()));
    }
    let refused = q.app.post_form(&browser, "/gaps", &form).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("belong to different scripts"), "{html}");
    for gap in &open {
        assert!(
            html.contains(&format!(
                r#"value="{}" form="bulk" aria-label="Select this gap" checked"#,
                gap["id"].as_str().unwrap()
            )),
            "the tick of {gap} is kept"
        );
    }
}
