//! Scripts through the API and the pages: versions are immutable, steps keep their keys
//! across versions, bad payloads are refused field by field and change nothing, and the
//! editor works as plain HTML forms.

use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, csrf_of, spawn_app};

async fn create(app: &TestApp, owner: &TestUser, body: Value) -> reqwest::Response {
    app.post_json("/api/v1/scripts", Some(&owner.token), &body)
        .await
}

async fn get_json(app: &TestApp, owner: &TestUser, path: &str) -> (u16, Value) {
    let response = app.get_as(path, &owner.token).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn inbound() -> Value {
    json!({
        "name": "Inbound call",
        "steps": [
            {"title": "Greeting", "say": "Good afternoon, kettle shop, Anna speaking.", "guidance": "Within 3 seconds."},
            {"title": "Listen", "guidance": "Let the customer finish."},
            {"title": "Transfer", "say": "I will put you through to a manager."}
        ]
    })
}

#[tokio::test]
async fn publishing_v2_leaves_v1_unchanged_and_keys_follow_the_steps() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let response = create(&app, &owner, inbound()).await;
    assert_eq!(response.status(), 201);
    let script: Value = response.json().await.unwrap();
    let id = script["id"].as_str().unwrap();
    assert_eq!(script["name"], "Inbound call");
    let v1 = &script["version"];
    assert_eq!(v1["number"], 1);
    let steps = v1["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for (i, step) in steps.iter().enumerate() {
        assert_eq!(step["position"], i + 1);
        for field in ["id", "key", "title", "say", "guidance"] {
            assert!(step[field].is_string(), "step {i} has {field}");
        }
    }
    assert_eq!(steps[1]["say"], "", "an omitted text is empty, not null");
    let keys: Vec<&str> = steps.iter().map(|s| s["key"].as_str().unwrap()).collect();

    let v1_path = format!("/api/v1/scripts/{id}/versions/1");
    let before = app
        .get_as(&v1_path, &owner.token)
        .await
        .bytes()
        .await
        .unwrap();

    // v2: step 1 reworded (same key), a new step inserted after it, the rest kept.
    let response = app
        .post_json(
            &format!("/api/v1/scripts/{id}/versions"),
            Some(&owner.token),
            &json!({
                "notes": "Ask where the customer heard about us",
                "steps": [
                    {"key": keys[0], "title": "Greeting", "say": "Good afternoon, kettle shop. My name is Anna."},
                    {"title": "Ask the source", "say": "Where did you hear about us?"},
                    {"key": keys[1], "title": "Listen", "guidance": "Let the customer finish."},
                    {"key": keys[2], "title": "Transfer", "say": "I will put you through to a manager."}
                ]
            }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let v2: Value = response.json().await.unwrap();
    let v2 = &v2["version"];
    assert_eq!(v2["number"], 2);
    assert_eq!(v2["notes"], "Ask where the customer heard about us");
    let v2_steps = v2["steps"].as_array().unwrap();
    assert_eq!(
        v2_steps[0]["key"], keys[0],
        "the reworded step keeps its key"
    );
    assert_eq!(
        v2_steps[0]["say"],
        "Good afternoon, kettle shop. My name is Anna."
    );
    let inserted = v2_steps[1]["key"].as_str().unwrap();
    assert!(
        !keys.contains(&inserted),
        "the inserted step gets a new key"
    );
    assert_eq!(v2_steps[2]["key"], keys[1]);
    assert_eq!(v2_steps[2]["position"], 3);
    assert_ne!(
        v2_steps[0]["id"], steps[0]["id"],
        "each version has its own step rows"
    );

    let after = app
        .get_as(&v1_path, &owner.token)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(before, after, "version 1 reads byte for byte the same");

    let (status, detail) = get_json(&app, &owner, &format!("/api/v1/scripts/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(detail["version"]["number"], 2);
    let numbers: Vec<i64> = detail["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);
    assert_eq!(
        detail["versions"][0]["notes"],
        "Ask where the customer heard about us"
    );
    assert!(detail["versions"][1]["published_at"].is_string());

    let (_, list) = get_json(&app, &owner, "/api/v1/scripts").await;
    assert_eq!(list[0]["version"], 2);
    assert_eq!(list[0]["step_count"], 4);

    // A key dropped in v2 may come back in v3: it is still the same step.
    let response = app
        .post_json(
            &format!("/api/v1/scripts/{id}/versions"),
            Some(&owner.token),
            &json!({"steps": [{"key": keys[2], "title": "Transfer"}]}),
        )
        .await;
    assert_eq!(response.status(), 201);

    let (status, diff) = get_json(
        &app,
        &owner,
        &format!("/api/v1/scripts/{id}/diff?from=1&to=2"),
    )
    .await;
    assert_eq!(status, 200);
    let changes: Vec<(&str, &str)> = diff["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["key"].as_str().unwrap(), s["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [
            (keys[0], "reworded"),
            (inserted, "added"),
            (keys[1], "unchanged"),
            (keys[2], "unchanged")
        ]
    );

    for missing in [
        "/versions/9",
        "/versions/0",
        "/versions/x",
        "/diff?from=1&to=9",
    ] {
        let (status, _) = get_json(&app, &owner, &format!("/api/v1/scripts/{id}{missing}")).await;
        assert_eq!(status, 404, "{missing}");
    }
    let (status, _) = get_json(&app, &owner, "/api/v1/scripts/no-such-script").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_database_refuses_to_change_a_published_version() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let script: Value = create(&app, &owner, inbound()).await.json().await.unwrap();
    let db = callqa::db::Db::connect(&app.settings.storage.database(), 1).unwrap();
    let mut conn = db.get().unwrap();
    for statement in [
        "UPDATE steps SET title = 'Changed'",
        "DELETE FROM steps",
        "UPDATE script_versions SET notes = 'Changed'",
        "DELETE FROM script_versions",
    ] {
        let result = diesel::sql_query(statement).execute(&mut *conn);
        assert!(result.is_err(), "{statement} must be refused");
    }
    let id = script["id"].as_str().unwrap();
    let (_, v1) = get_json(&app, &owner, &format!("/api/v1/scripts/{id}/versions/1")).await;
    assert_eq!(v1, script["version"]);
}

/// Each payload, the field its 422 names, and the problem code.
fn bad_new_scripts() -> Vec<(Value, &'static str, &'static str)> {
    let step = json!({"title": "Greeting"});
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"title": format!("Step {i}")}))
        .collect();
    vec![
        (json!({"name": "", "steps": [step]}), "name", "required"),
        (json!({"name": "   ", "steps": [step]}), "name", "required"),
        (json!({"steps": [step]}), "name", "required"),
        (
            json!({"name": "x".repeat(201), "steps": [step]}),
            "name",
            "too_long",
        ),
        (json!({"name": "Inbound"}), "steps", "no_steps"),
        (json!({"name": "Inbound", "steps": []}), "steps", "no_steps"),
        (
            json!({"name": "Inbound", "steps": many}),
            "steps",
            "too_many",
        ),
        (
            json!({"name": "Inbound", "steps": [step, {"title": " "}]}),
            "steps[1].title",
            "required",
        ),
        (
            json!({"name": "Inbound", "steps": [{"say": "Hello"}]}),
            "steps[0].title",
            "required",
        ),
        (
            json!({"name": "Inbound", "steps": [{"title": "t".repeat(201)}]}),
            "steps[0].title",
            "too_long",
        ),
        (
            json!({"name": "Inbound", "steps": [{"title": "A", "say": "s".repeat(2001)}]}),
            "steps[0].say",
            "too_long",
        ),
        (
            json!({"name": "Inbound", "steps": [{"title": "A", "guidance": "g".repeat(2001)}]}),
            "steps[0].guidance",
            "too_long",
        ),
        (
            json!({"name": "Inbound", "steps": [{"key": "made-up", "title": "A"}]}),
            "steps[0].key",
            "unknown_key",
        ),
    ]
}

#[tokio::test]
async fn bad_payloads_get_422_naming_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    for (body, field, code) in bad_new_scripts() {
        let response = create(&app, &owner, body.clone()).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "validation_failed");
        let fields = error["error"]["fields"].as_array().unwrap();
        assert!(
            fields
                .iter()
                .any(|f| f["field"] == field && f["code"] == code),
            "{field}/{code} expected in {fields:?}"
        );
        assert!(
            fields
                .iter()
                .all(|f| !f["message"].as_str().unwrap().is_empty())
        );
    }
    let (_, list) = get_json(&app, &owner, "/api/v1/scripts").await;
    assert_eq!(list, json!([]), "no refused payload left a script behind");

    let script: Value = create(&app, &owner, inbound()).await.json().await.unwrap();
    let id = script["id"].as_str().unwrap();
    let key = script["version"]["steps"][0]["key"].as_str().unwrap();
    let versions = format!("/api/v1/scripts/{id}/versions");
    let bad_versions = [
        (json!({"steps": []}), "steps", "no_steps"),
        (
            json!({"steps": [{"key": key, "title": "A"}, {"key": key, "title": "B"}]}),
            "steps[1].key",
            "duplicate_key",
        ),
        (
            json!({"steps": [{"key": "nope", "title": "A"}]}),
            "steps[0].key",
            "unknown_key",
        ),
        (
            json!({"steps": [{"title": ""}]}),
            "steps[0].title",
            "required",
        ),
        (
            json!({"steps": [{"title": "A"}], "notes": "n".repeat(2001)}),
            "notes",
            "too_long",
        ),
        (
            json!({"steps": [{"title": "A"}], "resolves_gaps": ["no-such-gap"]}),
            "resolves_gaps[0]",
            "unknown_gap",
        ),
    ];
    for (body, field, code) in bad_versions {
        let response = app.post_json(&versions, Some(&owner.token), &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        let fields = error["error"]["fields"].as_array().unwrap();
        assert!(
            fields
                .iter()
                .any(|f| f["field"] == field && f["code"] == code),
            "{field}/{code} expected in {fields:?}"
        );
    }
    let response = app
        .post_json(&versions, Some(&owner.token), &json!({"steps": "three"}))
        .await;
    assert_eq!(
        response.status(),
        400,
        "a body of the wrong shape is a bad request"
    );
    let (_, detail) = get_json(&app, &owner, &format!("/api/v1/scripts/{id}")).await;
    assert_eq!(
        detail["versions"].as_array().unwrap().len(),
        1,
        "nothing was published"
    );
    assert_eq!(detail["version"], script["version"]);

    let response = app
        .post_json(
            "/api/v1/scripts/no-such-script/versions",
            Some(&owner.token),
            &json!({"steps": [{"title": "A"}]}),
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn validation_messages_follow_the_language() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let response = app
        .api
        .post(app.url("/api/v1/scripts"))
        .bearer_auth(&owner.token)
        .header("Accept-Language", "ru")
        .json(&json!({"name": "Входящий", "steps": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    assert_eq!(
        error["error"]["fields"][0]["message"],
        "Добавьте хотя бы один шаг."
    );
}

#[tokio::test]
async fn a_script_exports_and_imports_with_its_keys() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let script: Value = create(&app, &owner, inbound()).await.json().await.unwrap();
    let id = script["id"].as_str().unwrap();
    let response = app
        .get_as(&format!("/api/v1/scripts/{id}/export"), &owner.token)
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let file = response.text().await.unwrap();

    let imported = app
        .api
        .post(app.url("/api/v1/scripts/import"))
        .bearer_auth(&owner.token)
        .header("Content-Type", "application/json")
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 201);
    let copy: Value = imported.json().await.unwrap();
    assert_ne!(copy["id"], script["id"]);
    assert_eq!(copy["name"], "Inbound call");
    let strip = |steps: &Value| -> Vec<Value> {
        steps
            .as_array()
            .unwrap()
            .iter()
            .map(|s| json!([s["key"], s["position"], s["title"], s["say"], s["guidance"]]))
            .collect()
    };
    assert_eq!(
        strip(&copy["version"]["steps"]),
        strip(&script["version"]["steps"])
    );

    for garbage in [
        "",
        "{}",
        "[1,2]",
        "not json",
        r#"{"format":"other","format_version":1,"name":"x","steps":[]}"#,
    ] {
        let response = app
            .api
            .post(app.url("/api/v1/scripts/import"))
            .bearer_auth(&owner.token)
            .body(garbage)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{garbage}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["fields"][0]["field"], "file");
    }
    let emptied = file.replace("\"Greeting\"", "\"\"");
    let response = app
        .api
        .post(app.url("/api/v1/scripts/import"))
        .bearer_auth(&owner.token)
        .body(emptied)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let (_, list) = get_json(&app, &owner, "/api/v1/scripts").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "refused imports add nothing"
    );
}

/// Posts the editor form with the given fields (the page's CSRF token added).
async fn post_editor(
    app: &TestApp,
    browser: &reqwest::Client,
    id: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = browser
        .get(app.url(&format!("/scripts/{id}/edit")))
        .send()
        .await
        .unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend_from_slice(fields);
    app.post_form(browser, &format!("/scripts/{id}/edit"), &form)
        .await
}

#[tokio::test]
async fn the_editor_works_with_plain_forms() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let browser = app.browser_for(&owner).await;

    let list = browser.get(app.url("/scripts")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let csrf = csrf_of(&list.text().await.unwrap());
    let response = app
        .post_form(
            &browser,
            "/scripts",
            &[("csrf", csrf.as_str()), ("name", "Outbound")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id = location
        .strip_prefix("/scripts/")
        .and_then(|rest| rest.strip_suffix("/edit"))
        .unwrap()
        .to_owned();

    // Add a second step after the first: the draft keeps what was typed.
    let response = post_editor(
        &app,
        &browser,
        &id,
        &[
            ("name", "Outbound"),
            ("key", ""),
            ("title", "Introduce yourself"),
            ("say", "Hello!"),
            ("guidance", ""),
            ("action", "add-0"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("#step-2")
    );
    let page = browser
        .get(app.url(&format!("/scripts/{id}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Introduce yourself"));
    assert_eq!(page.matches(r#"name="title""#).count(), 2);

    // Publishing with an empty title is refused, next to the field, and the text survives.
    let two_steps = |second: &'static str, action: &'static str| {
        vec![
            ("name", "Outbound"),
            ("key", ""),
            ("title", "Introduce yourself"),
            ("say", "Hello!"),
            ("guidance", ""),
            ("key", ""),
            ("title", second),
            ("say", ""),
            ("guidance", "Ask before offering"),
            ("notes", "First version"),
            ("action", action),
        ]
    };
    let response = post_editor(&app, &browser, &id, &two_steps(" ", "publish")).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("This field is required."));
    assert!(page.contains("Ask before offering"));
    let (_, detail) = get_json(&app, &owner, &format!("/api/v1/scripts/{id}")).await;
    assert_eq!(detail["version"], Value::Null, "nothing published");

    // Swap the two steps, then publish.
    let response = post_editor(&app, &browser, &id, &two_steps("Find the need", "down-0")).await;
    assert_eq!(response.status(), 303);
    let page = browser
        .get(app.url(&format!("/scripts/{id}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.find("Find the need").unwrap() < page.find("Introduce yourself").unwrap());
    let response = post_editor(
        &app,
        &browser,
        &id,
        &[
            ("name", "Outbound call"),
            ("key", ""),
            ("title", "Find the need"),
            ("say", ""),
            ("guidance", "Ask before offering"),
            ("key", ""),
            ("title", "Introduce yourself"),
            ("say", "Hello!"),
            ("guidance", ""),
            ("notes", "First version"),
            ("action", "publish"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/scripts/{id}").as_str()
    );
    let (_, detail) = get_json(&app, &owner, &format!("/api/v1/scripts/{id}")).await;
    assert_eq!(detail["name"], "Outbound call");
    assert_eq!(detail["version"]["number"], 1);
    assert_eq!(detail["version"]["notes"], "First version");
    assert_eq!(detail["version"]["steps"][0]["title"], "Find the need");
    assert_eq!(detail["version"]["steps"][1]["say"], "Hello!");

    // The next edit starts from version 1 and keeps the keys.
    let page = browser
        .get(app.url(&format!("/scripts/{id}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = detail["version"]["steps"][0]["key"].as_str().unwrap();
    assert!(page.contains(&format!(r#"name="key" value="{key}""#)));

    // Every page of the script renders, in both languages.
    for path in [
        "",
        "/versions/1",
        "/preview",
        "/print",
        "/diff?from=1&to=1",
        "/edit",
    ] {
        for lang in ["en", "ru"] {
            let response = browser
                .get(app.url(&format!("/scripts/{id}{path}")))
                .header("Accept-Language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path} in {lang}");
            let html = response.text().await.unwrap();
            assert!(html.contains("Find the need"), "{path}");
            if lang == "ru" && path != "/print" {
                assert!(html.contains("Скрипты"), "{path} in Russian");
            }
        }
    }
    let response = browser
        .get(app.url(&format!("/scripts/{id}/versions/7")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
