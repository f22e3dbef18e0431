//! Calls that arrive by themselves: machine keys that may send recordings and nothing else,
//! the same external id twice being one call (also when sent in parallel), calls that wait
//! for their operator's extension to be mapped, and the script a call is graded against
//! inferred when one is not named.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, problem_fields, spawn_app, tone_wav};

/// Sends a call to `POST /api/v1/recordings` with `bearer` (a key or a session token).
pub async fn send(
    app: &TestApp,
    bearer: &str,
    fields: &[(&str, &str)],
    bytes: Vec<u8>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("pbx-call.wav"),
    );
    app.api
        .post(app.url("/api/v1/recordings"))
        .bearer_auth(bearer)
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

/// A new ingest key named `name`; returns its secret.
pub async fn ingest_key(app: &TestApp, owner: &TestUser, name: &str) -> String {
    let response = app
        .post_json("/api/v1/keys", Some(&owner.token), &json!({"name": name}))
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["secret"].as_str().unwrap().to_owned()
}

fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.connect_db();
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n
}

#[tokio::test]
async fn a_key_sends_calls_once_per_external_id_and_nothing_else() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    let key = ingest_key(&app, &owner, "Asterisk on the office box").await;
    assert!(key.starts_with("cq_"));

    // The key itself is shown once: the list has only its first characters.
    let listed: Value = app
        .get_as("/api/v1/keys", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let listed = &listed["keys"][0];
    assert_eq!(listed["name"], "Asterisk on the office box");
    assert_eq!(listed["scope"], "ingest");
    assert!(key.starts_with(listed["prefix"].as_str().unwrap()));
    assert!(!listed.to_string().contains(&key));
    // Two live keys never share a name.
    let twin = app
        .post_json(
            "/api/v1/keys",
            Some(&owner.token),
            &json!({"name": "Asterisk on the office box"}),
        )
        .await;
    assert_eq!(twin.status(), 422);
    let body: Value = twin.json().await.unwrap();
    assert_eq!(
        problem_fields(&body),
        [("name".to_owned(), "taken".to_owned())]
    );

    let fields = [
        ("external_id", "1700032530.12"),
        ("operator_id", operator.as_str()),
        ("script_id", script.as_str()),
        ("called_at", "2026-11-23T10:00:00Z"),
        ("direction", "inbound"),
        ("customer_number", "+79161234567"),
        ("outcome", "won"),
    ];
    let first = send(&app, &key, &fields, tone_wav(1.0, 8000)).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    let id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(first["external_id"], "1700032530.12");
    assert_eq!(first["repeat"], false);
    let done = app.wait_processed(&owner.token, &id).await;
    assert_eq!(done["status"], "ready");
    assert_eq!(done["operator_id"], operator.as_str());
    assert_eq!(done["customer_number"], "+79161234567");

    // The same external id again, also six at once: the same call, nothing new stored.
    let again = send(&app, &key, &fields, tone_wav(1.0, 8000)).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["repeat"], true);
    let fresh = [
        ("external_id", "1700032999.1"),
        ("operator_id", operator.as_str()),
        ("script_id", script.as_str()),
    ];
    let racing = futures_util::future::join_all(
        (0..6).map(|_| send(&app, &key, &fresh, tone_wav(1.0, 8000))),
    )
    .await;
    let mut ids = std::collections::BTreeSet::new();
    let mut created = 0;
    for response in racing {
        let status = response.status().as_u16();
        assert!(matches!(status, 200 | 202), "{status}");
        created += usize::from(status == 202);
        let body: Value = response.json().await.unwrap();
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(created, 1, "one of the racing requests created the call");
    assert_eq!(ids.len(), 1);
    assert_eq!(count(&app, "recordings"), 2);
    assert_eq!(count(&app, "inbound_calls"), 2);
    // Repeats leave no file behind.
    let incoming = app.settings.storage.data_dir.join("audio").join("incoming");
    let left = std::fs::read_dir(&incoming).map_or(0, |d| d.count());
    assert_eq!(left, 0, "files left in {}", incoming.display());

    // The outcome is kept; every use of the key is audited under its name.
    assert_eq!(count(&app, "call_outcomes"), 1);
    #[derive(QueryableByName)]
    struct Detail {
        #[diesel(sql_type = diesel::sql_types::Text)]
        details: String,
    }
    let uses: Vec<Detail> =
        diesel::sql_query("SELECT details FROM audit_log WHERE action = 'api_key.use'")
            .load(&mut app.connect_db())
            .unwrap();
    assert_eq!(uses.len(), 8);
    assert!(
        uses.iter()
            .all(|u| u.details.contains("Asterisk on the office box"))
    );

    // The key may send recordings and call nothing else.
    for route in callqa::startup::route_table() {
        use callqa::http::routes::Access;
        if route.access == Access::Public || route.path == "/api/v1/recordings" {
            continue;
        }
        let path = route
            .path
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    "00000000-0000-0000-0000-000000000000"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = reqwest::Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        let response = app
            .api
            .request(method, app.url(&path))
            .bearer_auth(&key)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        // Pages send whoever may not see them to the login page.
        let to_login = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.starts_with("/login"));
        assert!(
            matches!(status, 401 | 403) || (status == 303 && to_login),
            "{} {} answered a key with {status}",
            route.method,
            route.path
        );
    }
    let refused: Value = app
        .get_as("/api/v1/recordings", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refused["error"]["code"], "key_not_allowed");

    // Revoked, it stops working at once.
    let key_id = listed["id"].as_str().unwrap();
    let revoked = app
        .api
        .delete(app.url(&format!("/api/v1/keys/{key_id}")))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let after = send(&app, &key, &fields, tone_wav(1.0, 8000)).await;
    assert_eq!(after.status(), 401);
    let forged = send(&app, "cq_0000", &fields, tone_wav(1.0, 8000)).await;
    assert_eq!(forged.status(), 401);
}

#[tokio::test]
async fn a_call_from_an_unmapped_extension_waits_for_its_operator() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Pavel").await;
    let other = app.operator_record(&owner, "Rimma").await;
    app.script(&owner).await;
    let key = ingest_key(&app, &owner, "PBX").await;

    // No script named: the only one is used. The extension is unknown yet.
    let waiting = send(
        &app,
        &key,
        &[("external_id", "call-77"), ("operator_extension", "201")],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(waiting.status(), 202);
    let waiting: Value = waiting.json().await.unwrap();
    assert_eq!(waiting["status"], "needs_operator");
    assert!(waiting["id"].is_null());
    assert_eq!(count(&app, "recordings"), 0);

    let list: Value = app
        .get_as("/api/v1/inbound?state=needs_operator", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let calls = list["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["operator_extension"], "201");
    assert_eq!(calls[0]["external_id"], "call-77");
    assert!(calls[0].get("original_file").is_none());
    let bad_state = app.get_as("/api/v1/inbound?state=lost", &owner.token).await;
    assert_eq!(bad_state.status(), 422);

    // Mapping the extension sends the waiting call on, to that operator.
    let mapped = app
        .put_json(
            "/api/v1/extensions/201",
            &owner.token,
            &json!({"operator_id": operator}),
        )
        .await;
    assert_eq!(mapped.status(), 200);
    let mapped: Value = mapped.json().await.unwrap();
    assert_eq!(mapped["released"], 1);
    let list: Value = app
        .get_as("/api/v1/inbound?state=accepted", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let recording = list["calls"][0]["recording_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = app.wait_processed(&owner.token, &recording).await;
    assert_eq!(done["status"], "ready");
    assert_eq!(done["operator_id"], operator.as_str());

    // The extension is Pavel's now: not Rimma's too; later calls go straight to Pavel.
    let taken = app
        .put_json(
            "/api/v1/extensions/201",
            &owner.token,
            &json!({"operator_id": other}),
        )
        .await;
    assert_eq!(taken.status(), 422);
    let direct = send(
        &app,
        &key,
        &[("external_id", "call-78"), ("operator_extension", "201")],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(direct.status(), 202);
    let direct: Value = direct.json().await.unwrap();
    assert_eq!(direct["status"], "queued");

    // The owner can also name the operator of one waiting call.
    let second = send(
        &app,
        &key,
        &[("external_id", "call-79"), ("operator_extension", "305")],
        tone_wav(1.0, 8000),
    )
    .await;
    let inbound = second.json::<Value>().await.unwrap()["inbound_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assigned = app
        .post_json(
            &format!("/api/v1/inbound/{inbound}/operator"),
            Some(&owner.token),
            &json!({"operator_id": other}),
        )
        .await;
    assert_eq!(assigned.status(), 201);
    let again = app
        .post_json(
            &format!("/api/v1/inbound/{inbound}/operator"),
            Some(&owner.token),
            &json!({"operator_id": other}),
        )
        .await;
    assert_eq!(again.status(), 404, "a call is taken in once");
    assert_eq!(count(&app, "recordings"), 3);

    let unmapped = app
        .api
        .delete(app.url("/api/v1/extensions/201"))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(unmapped.status(), 204);
    let listed: Value = app
        .get_as("/api/v1/extensions", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["extensions"], json!([]));
}

#[tokio::test]
async fn bad_fields_are_refused_together_and_store_nothing() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    let long = "x".repeat(201);
    let response = send(
        &app,
        &owner.token,
        &[
            ("external_id", long.as_str()),
            ("operator_id", operator.as_str()),
            ("script_id", script.as_str()),
            ("outcome", "maybe"),
            ("language", "klingon"),
            ("called_at", "yesterday"),
        ],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<String> = problem_fields(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["external_id", "called_at", "outcome", "language"]);

    // No operator at all, an unknown one, an unknown script.
    for (fields, expected) in [
        (
            vec![("external_id", "a"), ("script_id", script.as_str())],
            ("operator_id", "required"),
        ),
        (
            vec![
                ("external_id", "b"),
                ("operator_id", "nobody"),
                ("script_id", script.as_str()),
            ],
            ("operator_id", "unknown_operator"),
        ),
        (
            vec![
                ("external_id", "c"),
                ("operator_id", operator.as_str()),
                ("script_id", "nothing"),
            ],
            ("script_id", "unknown_script"),
        ),
    ] {
        let response = send(&app, &owner.token, &fields, tone_wav(1.0, 8000)).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            problem_fields(&body),
            [(expected.0.to_owned(), expected.1.to_owned())]
        );
    }
    // An empty file is refused, and the claim with it: the id can be sent again.
    let empty = send(
        &app,
        &owner.token,
        &[("external_id", "d"), ("operator_id", operator.as_str())],
        Vec::new(),
    )
    .await;
    assert_eq!(empty.status(), 422);
    assert_eq!(count(&app, "inbound_calls"), 0);
    assert_eq!(count(&app, "recordings"), 0);
    let incoming = app.settings.storage.data_dir.join("audio").join("incoming");
    assert_eq!(std::fs::read_dir(&incoming).map_or(0, |d| d.count()), 0);
    let later = send(
        &app,
        &owner.token,
        &[("external_id", "d"), ("operator_id", operator.as_str())],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(later.status(), 202);
}

#[tokio::test]
async fn the_script_is_inferred_from_the_language_when_several_exist() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let english = app.script(&owner).await;
    let russian = app.script(&owner).await;
    let set = app
        .put_json(
            &format!("/api/v1/scripts/{english}/language"),
            &owner.token,
            &json!({"language": "en"}),
        )
        .await;
    assert!(set.status().is_success(), "{}", set.status());

    let ambiguous = send(
        &app,
        &owner.token,
        &[("external_id", "e1"), ("operator_id", operator.as_str())],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(ambiguous.status(), 422);
    let body: Value = ambiguous.json().await.unwrap();
    assert_eq!(
        problem_fields(&body),
        [("script_id".to_owned(), "required".to_owned())]
    );
    for (language, script) in [("ru", &russian), ("en", &english)] {
        let response = send(
            &app,
            &owner.token,
            &[
                ("external_id", &format!("e-{language}")),
                ("operator_id", operator.as_str()),
                ("language", language),
            ],
            tone_wav(1.0, 8000),
        )
        .await;
        assert_eq!(response.status(), 202);
        let id = response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let done = app.wait_processed(&owner.token, &id).await;
        assert_eq!(&done["script_id"], script.as_str());
    }
}

#[tokio::test]
async fn the_upload_page_reads_pbx_file_names_and_skips_files_already_uploaded() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Pavel").await;
    let script = app.script(&owner).await;
    let mapped = app
        .put_json(
            "/api/v1/extensions/201",
            &owner.token,
            &json!({"operator_id": operator}),
        )
        .await;
    assert_eq!(mapped.status(), 200);
    let browser = app.browser_for(&owner).await;
    let page = app.page_text(&browser, "/recordings/upload").await;
    // No operator is chosen for the owner: the first choice is "from the file name".
    assert!(page.contains(r#"<option value="">"#), "{page}");
    let csrf = crate::helpers::csrf_of(&page);
    let post = |files: Vec<(&'static str, Vec<u8>)>| {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("if_new", "true")
            .text("operator_id", "")
            .text("script_id", script.clone());
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        }
        browser
            .post(app.url("/recordings/upload"))
            .header("Origin", &app.address)
            .multipart(form)
            .send()
    };
    let named = "in-201-79161234567-20231115-101530-1700032530.12.wav";
    let response = post(vec![(named, tone_wav(1.0, 8000))]).await.unwrap();
    assert_eq!(response.status(), 303);
    let list: Value = app
        .get_as("/api/v1/recordings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let first = &list[0];
    assert_eq!(first["operator_id"], operator.as_str());
    assert_eq!(first["customer_number"], "79161234567");
    assert_eq!(first["direction"], "inbound");
    assert_eq!(first["called_at"], "2023-11-15T10:15:30Z");

    // The same file again, with a new one: the new one is kept, the other reported.
    let response = post(vec![
        ("again.wav", tone_wav(1.0, 8000)),
        (named, tone_wav(2.0, 8000)),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("again.wav"), "{text}");
    assert!(text.contains(&format!("/recordings/{}", first["id"].as_str().unwrap())));
    assert_eq!(count(&app, "recordings"), 2);

    // A name that says nothing, and no operator chosen: the operator is asked for.
    let response = post(vec![("meeting.wav", tone_wav(3.0, 8000))])
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(count(&app, "recordings"), 2);

    // The page's script path refuses a duplicate with the call it is; others may resend.
    let refused = send(
        &app,
        &owner.token,
        &[
            ("operator_id", operator.as_str()),
            ("script_id", script.as_str()),
            ("if_new", "true"),
        ],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "duplicate_file");
    assert_eq!(body["existing_id"], first["id"]);
    // Two identical new files racing: one is kept.
    let fields = [
        ("operator_id", operator.as_str()),
        ("script_id", script.as_str()),
        ("if_new", "true"),
    ];
    let racing = futures_util::future::join_all(
        (0..4).map(|_| send(&app, &owner.token, &fields, tone_wav(4.0, 8000))),
    )
    .await;
    let kept = racing.iter().filter(|r| r.status() == 202).count();
    assert_eq!(kept, 1);
    assert_eq!(count(&app, "recordings"), 3);
}

#[tokio::test]
async fn the_owner_manages_keys_extensions_and_waiting_calls_on_pages_without_javascript() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Pavel").await;
    let script = app.script(&owner).await;
    let browser = app.browser_for(&owner).await;
    let csrf = crate::helpers::csrf_of(&app.page_text(&browser, "/keys").await);

    // A key: shown once on the page that made it, then only its first characters.
    let made = app
        .post_form(
            &browser,
            "/keys",
            &[("csrf", csrf.as_str()), ("name", "Office PBX")],
        )
        .await;
    assert_eq!(made.status(), 200);
    let made = made.text().await.unwrap();
    let start = made.find("cq_").unwrap();
    let key: String = made[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert_eq!(key.len(), 3 + 64);
    let listed = app.page_text(&browser, "/keys").await;
    assert!(listed.contains("Office PBX") && !listed.contains(&key));
    let empty = app
        .post_form(&browser, "/keys", &[("csrf", csrf.as_str()), ("name", " ")])
        .await;
    assert_eq!(empty.status(), 422);

    // A call from an unmapped extension waits on the arriving-calls page.
    let sent = send(
        &app,
        &key,
        &[
            ("external_id", "pbx-1"),
            ("operator_extension", "305"),
            ("script_id", script.as_str()),
        ],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(sent.status(), 202);
    let recordings = app.page_text(&browser, "/recordings").await;
    assert!(recordings.contains("/recordings/inbound"), "{recordings}");
    let inbound = app.page_text(&browser, "/recordings/inbound").await;
    assert!(inbound.contains("pbx-1") && inbound.contains("305"));

    // Mapping the extension on the People page sends it on.
    let mapped = app
        .post_form(
            &browser,
            &format!("/people/operators/{operator}/extensions"),
            &[("csrf", csrf.as_str()), ("extension", "305")],
        )
        .await;
    assert_eq!(mapped.status(), 303);
    let location = mapped.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/people?released=1"), "{location}");
    let people = app.page_text(&browser, &location).await;
    assert!(people.contains("<code>305</code>"), "{people}");
    assert!(people.contains("one call that waited for it went on"));
    assert_eq!(count(&app, "recordings"), 1);
    let inbound = app.page_text(&browser, "/recordings/inbound").await;
    assert!(!inbound.contains("pbx-1"));

    // Revoked on the page, the key stops working.
    let id = {
        let listed: Value = app
            .get_as("/api/v1/keys", &owner.token)
            .await
            .json()
            .await
            .unwrap();
        listed["keys"][0]["id"].as_str().unwrap().to_owned()
    };
    let revoked = app
        .post_form(
            &browser,
            &format!("/keys/{id}/revoke"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(revoked.status(), 303);
    assert!(app.page_text(&browser, "/keys").await.contains("revoked"));
    let after = send(
        &app,
        &key,
        &[("external_id", "pbx-2"), ("operator_extension", "305")],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn the_script_page_sets_the_sampling_plan_and_the_call_page_pulls_a_call_in() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Pavel").await;
    let script = app.script(&owner).await;
    let browser = app.browser_for(&owner).await;
    let page = app.page_text(&browser, &format!("/scripts/{script}")).await;
    let csrf = crate::helpers::csrf_of(&page);
    let refused = app
        .post_form(
            &browser,
            &format!("/scripts/{script}/sampling"),
            &[
                ("csrf", csrf.as_str()),
                ("mode", "sample"),
                ("size", "0"),
                ("period", "week"),
                ("min_seconds", ""),
                ("direction", "any"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let saved = app
        .post_form(
            &browser,
            &format!("/scripts/{script}/sampling"),
            &[
                ("csrf", csrf.as_str()),
                ("mode", "sample"),
                ("size", "1"),
                ("period", "day"),
                ("min_seconds", ""),
                ("direction", "any"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 200);
    assert!(
        saved
            .text()
            .await
            .unwrap()
            .contains("The sampling plan is saved.")
    );
    let plan: Value = app
        .get_as(&format!("/api/v1/scripts/{script}/sampling"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plan["size"], 1);
    assert_eq!(plan["period"], "day");

    // Two calls today: one is held for today's sample, the other left out.
    let mut ids = Vec::new();
    for seconds in [1.0, 1.5] {
        let response = app
            .upload(
                &owner,
                "call.wav",
                tone_wav(seconds, 8000),
                &[("operator_id", &operator), ("script_id", &script)],
            )
            .await;
        ids.push(
            response.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut out = None;
    for id in &ids {
        let done = app.wait_processed(&owner.token, id).await;
        if done["sample"] == "out" {
            out = Some(id.clone());
        }
    }
    let out = out.expect("one of two calls is left out of a sample of one");
    let detail = app.page_text(&browser, &format!("/recordings/{out}")).await;
    assert!(detail.contains("This call was not sampled"), "{detail}");
    let listing = app.page_text(&browser, "/recordings").await;
    assert!(listing.contains("not sampled") && listing.contains("in this period"));
    let pulled = app
        .post_form(
            &browser,
            &format!("/recordings/{out}/sample"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(pulled.status(), 303);
    let view = app.wait_processed(&owner.token, &out).await;
    assert!(view.get("sample").is_none());
}
