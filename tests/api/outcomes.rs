//! How calls ended: set with the call, by the owner on the call's page or over the API, and
//! in bulk from a CRM export (all or nothing); never shown to anyone but the owner.

use serde_json::{Value, json};

use crate::helpers::{Invitee, problem_fields, spawn_app, tone_wav};
use crate::ingest::send;

#[tokio::test]
async fn outcomes_come_with_calls_from_the_owner_and_from_a_crm_export() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.invited(&owner, Invitee::Operator, "oleg").await;
    let operator_id = operator.operator_id.clone().unwrap();
    let script = app.script(&owner).await;

    let with_outcome = send(
        &app,
        &owner.token,
        &[
            ("external_id", "crm-1"),
            ("operator_id", operator_id.as_str()),
            ("script_id", script.as_str()),
            ("outcome", "lost"),
        ],
        tone_wav(1.0, 8000),
    )
    .await;
    assert_eq!(with_outcome.status(), 202);
    let first = with_outcome.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = send(
        &app,
        &owner.token,
        &[
            ("external_id", "crm-2"),
            ("operator_id", operator_id.as_str()),
            ("script_id", script.as_str()),
        ],
        tone_wav(1.5, 8000),
    )
    .await
    .json::<Value>()
    .await
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = app.wait_processed(&owner.token, &first).await;
    assert_eq!(shown["outcome"]["outcome"], "lost");
    // The operator sees their call, not its outcome.
    let theirs = app
        .get_as(&format!("/api/v1/recordings/{first}"), &operator.token)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(theirs.get("outcome").is_none(), "{theirs}");

    // The owner sets one over the API; a wrong word is refused and changes nothing.
    let set = app
        .put_json(
            &format!("/api/v1/recordings/{second}/outcome"),
            &owner.token,
            &json!({"outcome": "won", "reason": "paid upfront"}),
        )
        .await;
    assert_eq!(set.status(), 200);
    let wrong = app
        .put_json(
            &format!("/api/v1/recordings/{second}/outcome"),
            &owner.token,
            &json!({"outcome": "maybe", "reason": "x".repeat(501)}),
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(
        problem_fields(&body),
        [
            ("outcome".to_owned(), "unknown_value".to_owned()),
            ("reason".to_owned(), "too_long".to_owned())
        ]
    );
    let unknown = app
        .put_json(
            "/api/v1/recordings/00000000-0000-0000-0000-000000000000/outcome",
            &owner.token,
            &json!({"outcome": "won"}),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    let shown = app.wait_processed(&owner.token, &second).await;
    assert_eq!(
        (&shown["outcome"]["outcome"], &shown["outcome"]["reason"]),
        (&json!("won"), &json!("paid upfront"))
    );

    // A CRM export with one bad line changes nothing, and names the line.
    let import = |body: &'static str| {
        app.api
            .post(app.url("/api/v1/outcomes"))
            .bearer_auth(&owner.token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let refused = import("external_id;outcome;reason\ncrm-1;won;\nnobody;lost;\ncrm-2;perhaps;\n")
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        problem_fields(&body),
        [
            ("line 3".to_owned(), "unknown_call".to_owned()),
            ("line 4".to_owned(), "unknown_value".to_owned())
        ]
    );
    assert_eq!(
        app.wait_processed(&owner.token, &first).await["outcome"]["outcome"],
        "lost"
    );
    let no_columns = import("call,result\ncrm-1,won\n").await.unwrap();
    assert_eq!(no_columns.status(), 422);
    let done =
        import("\u{feff}external_id,outcome,reason\ncrm-1,won,called back\ncrm-2,unknown,\n")
            .await
            .unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(done.json::<Value>().await.unwrap()["updated"], 2);
    let first_now = app.wait_processed(&owner.token, &first).await;
    assert_eq!(first_now["outcome"]["reason"], "called back");
    assert!(
        app.wait_processed(&owner.token, &second)
            .await
            .get("outcome")
            .is_none()
    );

    // On the pages: the call's form, and the export from the arriving-calls page.
    let browser = app.browser_for(&owner).await;
    let page = app
        .page_text(&browser, &format!("/recordings/{first}"))
        .await;
    assert!(page.contains("How the call ended"));
    let csrf = crate::helpers::csrf_of(&page);
    let saved = app
        .post_form(
            &browser,
            &format!("/recordings/{first}/outcome"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "lost"),
                ("reason", "too expensive"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let again = app
        .post_form(
            &browser,
            &format!("/recordings/{first}/outcome"),
            &[("csrf", csrf.as_str()), ("outcome", "soon"), ("reason", "")],
        )
        .await;
    assert_eq!(again.status(), 422);
    let page = app
        .page_text(&browser, &format!("/recordings/{first}"))
        .await;
    assert!(page.contains(r#"value="too expensive""#), "{page}");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"recording_id,outcome\n".to_vec())
                .file_name("crm.csv"),
        );
    let posted = browser
        .post(app.url("/recordings/outcomes"))
        .header("Origin", &app.address)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    assert!(posted.text().await.unwrap().contains("0 calls are set"));
}
