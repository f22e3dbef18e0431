//! The owner renames an operator: through the API and on the People page, with the name
//! checked as at creation, refusals as field errors in the caller's language, an audit row
//! per change, calls staying with the record, and renames at once leaving one clean result.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, csrf_of, spawn_app, tone_wav};

async fn rename(
    app: &TestApp,
    owner: &TestUser,
    id: &str,
    body: &Value,
    lang: &str,
) -> reqwest::Response {
    app.api
        .patch(app.url(&format!("/api/v1/operators/{id}")))
        .bearer_auth(&owner.token)
        .header("Accept-Language", lang)
        .json(body)
        .send()
        .await
        .expect("request")
}

/// The `(from, to)` of every `operator.rename` row of one operator.
fn renames_logged(app: &TestApp, id: &str) -> Vec<(String, String)> {
    use callqa::db::schema::audit_log;
    let rows: Vec<(String, String)> = audit_log::table
        .filter(audit_log::action.eq("operator.rename"))
        .filter(audit_log::object_id.eq(id))
        .select((audit_log::details, audit_log::object_type))
        .load(&mut app.connect_db())
        .unwrap();
    rows.into_iter()
        .map(|(details, object_type)| {
            assert_eq!(object_type, "operator");
            let details: Value = serde_json::from_str(&details).unwrap();
            (
                details["from"].as_str().unwrap().to_owned(),
                details["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn operator_json(app: &TestApp, owner: &TestUser, id: &str) -> Value {
    let list: Value = app
        .get_as("/api/v1/operators", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .cloned()
        .expect("the operator is listed")
}

#[tokio::test]
async fn the_owner_renames_an_operator_and_their_calls_follow_the_new_name() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Anna Petrova").await;
    let script = app.script(&owner).await;
    let upload: Value = app
        .upload(
            &owner,
            "call.wav",
            tone_wav(1.0, 8000),
            &[("operator_id", &operator), ("script_id", &script)],
        )
        .await
        .json()
        .await
        .unwrap();
    let recording = upload["id"].as_str().unwrap();

    let response = rename(
        &app,
        &owner,
        &operator,
        &json!({"name": "  Anna Sidorova "}),
        "en",
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], operator);
    assert_eq!(body["name"], "Anna Sidorova", "trimmed as at creation");
    assert_eq!(
        operator_json(&app, &owner, &operator).await["name"],
        "Anna Sidorova"
    );
    assert_eq!(
        renames_logged(&app, &operator),
        [("Anna Petrova".to_owned(), "Anna Sidorova".to_owned())]
    );

    // The call is still the operator's, and the owner's list shows the new name only.
    let detail: Value = app
        .get_as(&format!("/api/v1/recordings/{recording}"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["operator_id"], operator);
    let browser = app.browser_for(&owner).await;
    let list = app.page_text(&browser, "/recordings").await;
    assert!(list.contains("Anna Sidorova"), "{list}");
    assert!(!list.contains("Anna Petrova"));

    // The same name again changes nothing and logs nothing.
    let same = rename(
        &app,
        &owner,
        &operator,
        &json!({"name": "Anna Sidorova"}),
        "en",
    )
    .await;
    assert_eq!(same.status(), 200);
    assert_eq!(renames_logged(&app, &operator).len(), 1);
}

#[tokio::test]
async fn a_refused_name_is_a_field_error_in_the_callers_language_and_changes_nothing() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Boris").await;
    let too_long = "я".repeat(201);
    for (name, code, english, russian) in [
        (
            "   ",
            "required",
            "This field is required.",
            "Обязательное поле.",
        ),
        (
            too_long.as_str(),
            "too_long",
            "Too long: at most 200 characters.",
            "Слишком длинно: не больше 200 символов.",
        ),
    ] {
        for (lang, message) in [("en", english), ("ru", russian)] {
            let response = rename(&app, &owner, &operator, &json!({"name": name}), lang).await;
            assert_eq!(response.status(), 422);
            let body: Value = response.json().await.unwrap();
            let field = &body["error"]["fields"][0];
            assert_eq!(field["field"], "name", "{body}");
            assert_eq!(field["code"], code, "{body}");
            assert_eq!(field["message"], message, "{body}");
        }
    }
    assert_eq!(
        operator_json(&app, &owner, &operator).await["name"],
        "Boris"
    );
    assert!(renames_logged(&app, &operator).is_empty());

    let unknown = "00000000-0000-0000-0000-000000000000";
    let missing = rename(&app, &owner, unknown, &json!({"name": "Nobody"}), "en").await;
    assert_eq!(missing.status(), 404);
    let garbage = rename(&app, &owner, "not-an-id", &json!({"name": "Nobody"}), "en").await;
    assert_eq!(garbage.status(), 404);
    let shapeless = rename(&app, &owner, &operator, &json!({"title": "Boris"}), "en").await;
    assert_eq!(shapeless.status(), 400);
}

#[tokio::test]
async fn renames_at_once_end_with_one_of_them_and_log_an_unbroken_chain() {
    let app = std::sync::Arc::new(spawn_app().await);
    let owner = std::sync::Arc::new(app.owner().await);
    let operator = app.operator_record(&owner, "Start").await;
    let names: Vec<String> = (0..12).map(|n| format!("Name {n}")).collect();
    let mut tasks = Vec::new();
    for name in names.clone() {
        let (app, owner, operator) = (app.clone(), owner.clone(), operator.clone());
        tasks.push(tokio::spawn(async move {
            rename(&app, &owner, &operator, &json!({"name": name}), "en")
                .await
                .status()
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let last = operator_json(&app, &owner, &operator).await["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(names.contains(&last), "{last}");

    // Each rename replaced the name the one before it left: following the log from the first
    // name uses every row once and ends at the name that stayed.
    let mut logged = renames_logged(&app, &operator);
    assert_eq!(logged.len(), names.len(), "{logged:?}");
    let mut current = "Start".to_owned();
    while let Some(at) = logged.iter().position(|(from, _)| *from == current) {
        current = logged.remove(at).1;
    }
    assert!(logged.is_empty(), "rows off the chain: {logged:?}");
    assert_eq!(current, last);
}

#[tokio::test]
async fn the_people_page_renames_an_operator_and_keeps_a_refused_name_in_its_form() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Vera").await;
    let browser = app.browser_for(&owner).await;
    let people = app.page_text(&browser, "/people").await;
    let action = format!("/people/operators/{operator}/name");
    assert!(
        people.contains(&format!(r#"action="{action}""#)),
        "{people}"
    );
    let csrf = csrf_of(&people);

    let renamed = app
        .post_form(
            &browser,
            &action,
            &[("csrf", csrf.as_str()), ("name", "Vera Ivanova")],
        )
        .await;
    assert_eq!(renamed.status(), 303);
    let location = renamed.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/people?renamed"), "{location}");
    let after = app.page_text(&browser, &location).await;
    assert!(after.contains("Operator renamed."), "{after}");
    assert!(after.contains(r#"<span class="operator-name">Vera Ivanova</span>"#));

    // Refused, in Russian: the page says why next to the field, which keeps what was typed.
    let refused = browser
        .post(app.url(&action))
        .header("Origin", &app.address)
        .header("Accept-Language", "ru")
        .form(&[("csrf", csrf.as_str()), ("name", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains(r#"<details class="rename" open>"#), "{html}");
    assert!(html.contains(&format!(r#"aria-describedby="rename-error-{operator}""#)));
    assert!(html.contains("Обязательное поле."), "{html}");
    assert_eq!(
        operator_json(&app, &owner, &operator).await["name"],
        "Vera Ivanova"
    );
    assert_eq!(renames_logged(&app, &operator).len(), 1);

    // A reviewer cannot rename.
    let reviewer = app
        .invited(&owner, crate::helpers::Invitee::Reviewer, "rita")
        .await;
    let refused = rename(&app, &reviewer, &operator, &json!({"name": "X"}), "en").await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn the_people_page_has_labelled_columns_plain_logins_and_a_copy_button_for_js() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    app.operator_record(&owner, "Galina").await;
    let browser = app.browser_for(&owner).await;
    let people = app.page_text(&browser, "/people").await;
    // Every column header says something, if only to a screen reader.
    let headers = people.split("<th").skip(1);
    for header in headers.filter(|h| h.starts_with('>') || h.starts_with(' ')) {
        let inner = header.split_once('>').unwrap().1;
        let text = inner.split("</th>").next().unwrap();
        let visible: String = text
            .split('<')
            .map(|piece| piece.split_once('>').map_or(piece, |(_, after)| after))
            .collect();
        assert!(!visible.trim().is_empty(), "an empty header: <th{header}");
    }
    // Logins are not dressed as code (the base styles colour code pink, like an error).
    assert!(!people.contains("<code>owner</code>"));
    assert!(people.contains(r#"<span class="login">owner</span>"#));

    let created = app
        .post_form(
            &browser,
            "/people/invites",
            &[
                ("csrf", csrf_of(&people).as_str()),
                ("role", "reviewer"),
                ("operator_id", ""),
            ],
        )
        .await;
    assert_eq!(created.status(), 200);
    let html = created.text().await.unwrap();
    // Without JavaScript: a read-only field to select by hand, and no button that does nothing.
    assert!(
        html.contains(r#"<input id="new-invite-link" readonly value=""#),
        "{html}"
    );
    let button = html
        .split("<button")
        .find(|b| b.contains("data-copy="))
        .expect("a copy button");
    let tag = button.split('>').next().unwrap();
    assert!(
        tag.contains(" hidden "),
        "the button waits for its script: {tag}"
    );
    assert!(tag.contains(r#"data-copied="Link copied.""#), "{tag}");
    assert!(html.contains("copy.js"));
}
