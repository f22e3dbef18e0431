//! The reviewer's pages without JavaScript: ask for a call, see only what the promise allows,
//! send an incomplete review and get it back with the messages by the steps, send it whole,
//! see the earnings; in Russian too; nobody else can open the call.

use crate::helpers::{
    Invitee, TestApp, TestUser, csrf_of, spawn_app_with, test_settings, tone_wav,
};

const OPERATOR: &str = "Ivan Petrovsky";
const CUSTOMER: &str = "+7 916 555-44-33";
const FILE_NAME: &str = "petrovsky_2023-03-14_79165554433.wav";

/// An app that does not wait for the reviewer to listen, with one processed call to review.
async fn app_with_a_call() -> (TestApp, TestUser) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let response = app
        .api
        .put(app.url("/api/v1/settings"))
        .bearer_auth(&owner.token)
        .json(&serde_json::json!({"review_rate": "1.50", "currency": "EUR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let script = app.script(&owner).await;
    let operator = app.operator_record(&owner, OPERATOR).await;
    let response = app
        .upload(
            &owner,
            FILE_NAME,
            tone_wav(1.0, 8000),
            &[
                ("operator_id", &operator),
                ("script_id", &script),
                ("called_at", "2023-03-14T10:20:00Z"),
                ("customer_number", CUSTOMER),
            ],
        )
        .await;
    assert_eq!(response.status(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.wait_processed(&owner.token, &id).await["status"],
        "ready"
    );
    (app, owner)
}

async fn page(browser: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// The step ids of the checklist, in order (from the verdict radios' names).
fn step_ids(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for piece in html.split(r#"name="verdict-"#).skip(1) {
        let id = piece.split('"').next().unwrap().to_owned();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The code of the call on the workspace page.
fn code_of(html: &str) -> String {
    let marker = r#"data-code=""#;
    let start = html.find(marker).expect("a workspace") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The part of the page that belongs to step `n` (1-based).
fn step_section(html: &str, n: usize) -> &str {
    let start = html
        .find(&format!(r#"id="step-{n}""#))
        .expect("the step is shown");
    let rest = &html[start..];
    let end = rest.find("</fieldset>").unwrap();
    &rest[..end]
}

#[tokio::test]
async fn a_reviewer_grades_a_call_without_javascript() {
    let (app, owner) = app_with_a_call().await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let browser = app.browser_for(&rita).await;

    // Before a call: the big button.
    let (status, html) = page(&browser, &app, "/review").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"action="/review/next""#), "{html}");
    assert!(html.contains(r#"href="/review/history""#));
    let csrf = csrf_of(&html);

    let response = app
        .post_form(&browser, "/review/next", &pairs(&[("csrf", &csrf)]))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/review");

    // The workspace: the code, the length, the script's title, and nothing about the origin.
    let (status, html) = page(&browser, &app, "/review").await;
    assert_eq!(status, 200);
    let code = code_of(&html);
    assert!(html.contains("Inbound call"));
    assert!(html.contains("0:01"), "the length is shown");
    assert!(html.contains(&format!("/api/v1/assignments/{code}/audio")));
    for secret in [
        "Petrovsky",
        "Ivan",
        "555-44-33",
        "79165554433",
        FILE_NAME,
        "petrovsky",
        "2023-03-14",
        "10:20",
    ] {
        assert!(!html.contains(secret), "the workspace shows {secret:?}");
    }
    let steps = step_ids(&html);
    assert_eq!(steps.len(), 3);
    assert!(html.contains("0 of 3 steps"));

    // Another reviewer cannot open or grade it.
    let rob = app.invited(&owner, Invitee::Reviewer, "rob").await;
    let other = app.browser_for(&rob).await;
    let (status, other_html) = page(&other, &app, &format!("/review/{code}")).await;
    assert_eq!(status, 404);
    let (_, rob_start) = page(&other, &app, "/review").await;
    let rob_csrf = csrf_of(&rob_start);
    let stolen = pairs(&[
        ("csrf", &rob_csrf),
        (&format!("verdict-{}", steps[0]), "correct"),
    ]);
    let response = app
        .post_form(&other, &format!("/review/{code}"), &stolen)
        .await;
    assert_eq!(response.status(), 404);
    let response = app
        .post_form(
            &other,
            &format!("/review/{code}/skip"),
            &pairs(&[("csrf", &rob_csrf), ("reason", "other"), ("details", "x")]),
        )
        .await;
    assert_eq!(response.status(), 404);
    assert!(!other_html.contains("Inbound call"));
    // Rita can open it by its code.
    let (status, _) = page(&browser, &app, &format!("/review/{code}")).await;
    assert_eq!(status, 200);

    // Incomplete: no comment on "incorrect", an unreadable time. Shown again, input kept.
    let comment_3 = "The customer asked for a discount; the script has nothing on it.";
    let form = pairs(&[
        ("csrf", &csrf),
        (&format!("verdict-{}", steps[0]), "correct"),
        (&format!("comment-{}", steps[0]), ""),
        (&format!("at-{}", steps[0]), ""),
        (&format!("verdict-{}", steps[1]), "incorrect"),
        (&format!("comment-{}", steps[1]), "  "),
        (&format!("at-{}", steps[1]), "soon"),
        (&format!("verdict-{}", steps[2]), "missing"),
        (&format!("comment-{}", steps[2]), comment_3),
        (&format!("at-{}", steps[2]), "0:01"),
    ]);
    let response = app
        .post_form(&browser, &format!("/review/{code}"), &form)
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    let second = step_section(&html, 2);
    assert!(
        second.contains("a comment is required for this verdict"),
        "{second}"
    );
    assert!(
        second.contains("Write the time as minutes:seconds"),
        "{second}"
    );
    assert!(second.contains(r#"value="incorrect" checked"#), "{second}");
    assert!(second.contains(r#"value="soon""#));
    let first = step_section(&html, 1);
    assert!(!first.contains("field-error"), "{first}");
    assert!(first.contains(r#"value="correct" checked"#));
    let third = step_section(&html, 3);
    assert!(third.contains(comment_3) || third.contains("the script has nothing on it"));
    assert!(third.contains(r#"value="0:01""#));
    assert!(html.contains("3 of 3 steps"));

    // A step left without a verdict is named by that step.
    let partial = pairs(&[
        ("csrf", &csrf),
        (&format!("verdict-{}", steps[0]), "correct"),
        (&format!("verdict-{}", steps[2]), "correct"),
    ]);
    let response = app
        .post_form(&browser, &format!("/review/{code}"), &partial)
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(step_section(&html, 2).contains("Choose a verdict for this step."));
    assert!(html.contains("2 of 3 steps"));

    // Complete.
    let form = pairs(&[
        ("csrf", &csrf),
        (&format!("verdict-{}", steps[0]), "correct"),
        (&format!("verdict-{}", steps[1]), "incorrect"),
        (
            &format!("comment-{}", steps[1]),
            "Interrupted the customer.",
        ),
        (&format!("at-{}", steps[1]), "0:00"),
        (&format!("verdict-{}", steps[2]), "missing"),
        (&format!("comment-{}", steps[2]), comment_3),
        (&format!("at-{}", steps[2]), "0:01"),
    ]);
    let response = app
        .post_form(&browser, &format!("/review/{code}"), &form)
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/review?done=1");
    let (status, html) = page(&browser, &app, "/review?done=1").await;
    assert_eq!(status, 200);
    assert!(html.contains("Your review has been sent"));
    assert!(html.contains("Next call"));

    // Sent twice: a clear answer, not a second review.
    let response = app
        .post_form(&browser, &format!("/review/{code}"), &form)
        .await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("already been sent"));

    // The pool is empty now: a friendly message.
    let response = app
        .post_form(&browser, "/review/next", &pairs(&[("csrf", &csrf)]))
        .await;
    assert_eq!(response.headers()["location"], "/review?empty=1");
    let (_, html) = page(&browser, &app, "/review?empty=1").await;
    assert!(html.contains("Nothing to review right now."));

    // History and earnings.
    let (status, html) = page(&browser, &app, "/review/history").await;
    assert_eq!(status, 200);
    assert!(html.contains("1 review × 1.50 EUR"), "{html}");
    assert!(html.contains("1.50 EUR"));
    assert!(html.contains("0:01"));
    assert!(!html.contains("Petrovsky") && !html.contains("2023-03-14"));
}

#[tokio::test]
async fn the_workspace_speaks_russian_and_is_for_reviewers_only() {
    let (app, owner) = app_with_a_call().await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let browser = app.browser_for(&rita).await;

    let response = browser
        .get(app.url("/review"))
        .header("Accept-Language", "ru-RU,ru;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("Получить звонок"), "{html}");
    let csrf = csrf_of(&html);
    app.post_form(&browser, "/review/next", &pairs(&[("csrf", &csrf)]))
        .await;
    let response = browser
        .get(app.url("/review"))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("0 из 3 шагов"), "{html}");
    assert!(html.contains("Нет в скрипте"));
    assert!(html.contains("Отправить проверку"));

    // A refused review comes back in Russian too.
    let code = code_of(&html);
    let steps = step_ids(&html);
    let response = browser
        .post(app.url(&format!("/review/{code}")))
        .header("Origin", &app.address)
        .header("Accept-Language", "ru")
        .form(&pairs(&[
            ("csrf", &csrf),
            (&format!("verdict-{}", steps[0]), "missing"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(step_section(&html, 2).contains("Выберите оценку для этого шага."));

    let (status, html) = page(&browser, &app, "/review/history").await;
    assert_eq!(status, 200);
    assert!(html.contains("You have not sent any reviews yet."));

    // Owners and operators are not reviewers.
    let owner_browser = app.browser_for(&owner).await;
    let (status, _) = page(&owner_browser, &app, "/review").await;
    assert_eq!(status, 403);
    let oleg = app.invited(&owner, Invitee::Operator, "oleg").await;
    let operator_browser = app.browser_for(&oleg).await;
    let (status, _) = page(&operator_browser, &app, "/review").await;
    assert_eq!(status, 403);
    let (status, _) = page(&operator_browser, &app, "/review/history").await;
    assert_eq!(status, 403);
    // Nobody signed in: to the login page.
    let response = app.get("/review").await;
    assert_eq!(response.status(), 303);
}
