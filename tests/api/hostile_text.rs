//! Text with control characters is refused at the door, whoever sends it and wherever it
//! hides: a JSON field, a form field, a query parameter, a path id, an upload's fields. The
//! answer is a 422 naming the field (404 for a path), and nothing is stored — PostgreSQL
//! cannot store U+0000 at all and used to answer 500, SQLite stored it.

use serde_json::{Value, json};

use crate::helpers::{Invitee, csrf_of, problem_fields as fields, spawn_app, tone_wav};

#[tokio::test]
async fn control_characters_are_refused_in_every_kind_of_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let owner = app.owner().await;

    // Anonymous: the login name.
    let login = app
        .post_json(
            "/api/v1/login",
            None,
            &json!({"login": "own\u{0}er", "password": "x"}),
        )
        .await;
    assert_eq!(login.status(), 422);
    let body: Value = login.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(
        fields(&body),
        [("login".to_owned(), "control_characters".to_owned())]
    );
    assert!(
        !body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    // Owner: names of operators and scripts, nested step fields, a NUL-only name.
    for name in ["\u{0}", "Olga\u{0}", "Olga\u{1b}[31m"] {
        let created = app
            .post_json(
                "/api/v1/operators",
                Some(&owner.token),
                &json!({"name": name}),
            )
            .await;
        assert_eq!(created.status(), 422, "{name:?}");
    }
    let script = app
        .post_json(
            "/api/v1/scripts",
            Some(&owner.token),
            &json!({"name": "Inbound", "steps": [{"title": "Greeting"}, {"title": "Li\u{0}sten"}]}),
        )
        .await;
    assert_eq!(script.status(), 422);
    assert_eq!(
        fields(&script.json().await.unwrap()),
        [("steps[1].title".to_owned(), "control_characters".to_owned())]
    );
    let operators: Value = app
        .get_as("/api/v1/operators", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(operators.as_array().map(Vec::len), Some(0), "{operators}");
    let scripts: Value = app
        .get_as("/api/v1/scripts", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(scripts.as_array().map(Vec::len), Some(0), "{scripts}");

    // Tabs and line breaks are text like any other.
    let fine = app
        .post_json(
            "/api/v1/operators",
            Some(&owner.token),
            &json!({"name": "Olga\tK."}),
        )
        .await;
    assert_eq!(fine.status(), 201);
    let operator_id = fine.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A path id and a query parameter.
    let by_id = app
        .get_as("/api/v1/recordings/abc%00def", &owner.token)
        .await;
    assert_eq!(by_id.status(), 404);
    assert_eq!(
        by_id.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let query = app
        .get_as("/api/v1/recordings?status=ready%00", &owner.token)
        .await;
    assert_eq!(query.status(), 422);
    assert_eq!(
        fields(&query.json().await.unwrap()),
        [("status".to_owned(), "control_characters".to_owned())]
    );

    // An upload's text fields.
    let script_id = app.script(&owner).await;
    let upload = app
        .upload(
            &owner,
            "call.wav",
            tone_wav(1.0, 8000),
            &[
                ("operator_id", operator_id.as_str()),
                ("script_id", script_id.as_str()),
                ("customer_number", "+7 900\u{0}"),
            ],
        )
        .await;
    assert_eq!(upload.status(), 422);
    let recordings: Value = app
        .get_as("/api/v1/recordings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recordings.as_array().map(Vec::len), Some(0), "{recordings}");

    // A page form, in the page's language.
    let browser = app.browser_for(&owner).await;
    let page = browser
        .get(app.url("/people"))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let form = app
        .post_form(
            &browser,
            "/people/operators",
            &[("csrf", csrf.as_str()), ("name", "Oleg\u{7}")],
        )
        .await;
    assert_eq!(form.status(), 422);
    let page = form.text().await.unwrap();
    assert!(page.contains("<html"), "a page, not JSON: {page}");
}

#[tokio::test]
async fn a_review_comment_with_a_nul_is_refused_and_the_review_can_still_be_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = crate::helpers::spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    app.ready_calls(&owner, &operator, &script, 1, 1).await;
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
    let code = task["code"].as_str().unwrap();
    let steps = task["script"]["steps"].as_array().unwrap();
    let verdicts = |comment: &str| -> Vec<Value> {
        steps
            .iter()
            .map(|s| json!({"step_id": s["id"], "verdict": "incorrect", "comment": comment}))
            .collect()
    };
    let path = format!("/api/v1/assignments/{code}/review");
    let refused = app
        .post_json(
            &path,
            Some(&reviewer.token),
            &json!({"verdicts": verdicts("said\u{0}nothing")}),
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        fields(&refused.json().await.unwrap())[0],
        (
            "verdicts[0].comment".to_owned(),
            "control_characters".to_owned()
        )
    );
    let skip = app
        .post_json(
            &format!("/api/v1/assignments/{code}/skip"),
            Some(&reviewer.token),
            &json!({"reason": "\u{0}"}),
        )
        .await;
    assert_eq!(skip.status(), 422);
    let sent = app
        .post_json(
            &path,
            Some(&reviewer.token),
            &json!({"verdicts": verdicts("said nothing\r\nat all")}),
        )
        .await;
    assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
}
