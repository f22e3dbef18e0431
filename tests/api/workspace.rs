//! The reviewer's pages without JavaScript: ask for a call, see only what the promise allows,
//! send an incomplete review and get it back with the messages by the steps, send it whole,
//! see the earnings; in Russian too; nobody else can open the call. Nothing that needs the
//! page's script shows before it runs; a refused review or skip comes back on the
//! workspace's own address with its message at the top, focused; the minimum listening time
//! is counted before Send; the owner's script preview is the reviewer's checklist itself.

use crate::helpers::{
    Invitee, TestApp, TestUser, csrf_of, spawn_app_with, test_settings, tone_wav,
};

const OPERATOR: &str = "Ivan Petrovsky";
const CUSTOMER: &str = "+7 916 555-44-33";
const FILE_NAME: &str = "petrovsky_2023-03-14_79165554433.wav";

/// An app that does not wait for the reviewer to listen, with one processed call to review.
async fn app_with_a_call() -> (TestApp, TestUser) {
    app_with_a_call_of(1.0, 0.0).await
}

/// An app with one processed call of `seconds` that must be held for `min_listen_ratio` of
/// its length before a review of it is taken.
async fn app_with_a_call_of(seconds: f32, min_listen_ratio: f64) -> (TestApp, TestUser) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = min_listen_ratio;
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
            tone_wav(seconds, 8000),
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
    assert!(
        html.contains("1 review accepted · 1.50 EUR a review now"),
        "{html}"
    );
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

/// A reviewer signed in on a workspace: the browser, the page's form token, the page.
async fn reviewer_on_a_call(
    app: &TestApp,
    owner: &TestUser,
    lang: &str,
) -> (reqwest::Client, String, String) {
    let rita = app.invited(owner, Invitee::Reviewer, "rita").await;
    let browser = app.browser_for(&rita).await;
    let (_, html) = page(&browser, app, "/review").await;
    let csrf = csrf_of(&html);
    let response = app
        .post_form(&browser, "/review/next", &pairs(&[("csrf", &csrf)]))
        .await;
    assert_eq!(response.status(), 303);
    let html = browser
        .get(app.url("/review"))
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (browser, csrf, html)
}

/// The opening tag of the element with `id`.
fn tag_of<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// Every opening tag of `name` (`textarea`, `audio`, …).
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    html.match_indices(&format!("<{name}"))
        .map(|(at, _)| &html[at..=at + html[at..].find('>').unwrap()])
        .collect()
}

#[tokio::test]
async fn nothing_that_needs_javascript_shows_before_it_runs() {
    let (app, owner) = app_with_a_call().await;
    let (_, _, html) = reviewer_on_a_call(&app, &owner, "ru").await;
    assert!(html.contains(r#"id="workspace""#), "{html}");

    // The browser's own player works without the page's script …
    let audio = tags(&html, "audio");
    assert_eq!(audio.len(), 1);
    assert!(audio[0].contains(" controls"), "{}", audio[0]);
    // … and the page's own controls, the waveform, the key hints, the count and the seven
    // "mark time" buttons wait for it, hidden.
    for id in ["player-controls", "waveform", "keys-hint", "progress"] {
        let tag = tag_of(&html, id);
        assert!(
            tag.contains(" hidden"),
            "#{id} shows without JavaScript: {tag}"
        );
    }
    let marks: Vec<&str> = html.split("data-mark").skip(1).collect();
    assert_eq!(marks.len(), 3, "one mark button per step");
    for rest in marks {
        assert!(
            rest.starts_with(" hidden>"),
            "a mark button shows: {}",
            &rest[..40]
        );
    }
    // No style rule may undo `hidden` on the workspace (it did: a display rule won).
    let css_url = html
        .split('"')
        .find(|s| s.starts_with("/assets/") && s.ends_with("/review.css"))
        .expect("the workspace's stylesheet");
    let css = app.get(css_url).await.text().await.unwrap();
    assert!(
        css.contains(".workspace [hidden] { display: none !important; }"),
        "{css}"
    );

    // The browser is never left to word a message in its own language: no `required`; the
    // page's script takes its messages from the page, in the page's language.
    for textarea in tags(&html, "textarea") {
        assert!(!textarea.contains(" required"), "{textarea}");
    }
    let bar = tag_of(&html, "send-bar");
    assert!(
        bar.contains(r#"data-choose="Выберите оценку для этого шага.""#),
        "{bar}"
    );
    assert!(
        bar.contains(r#"data-open-one="Без оценки: шаг #""#),
        "{bar}"
    );
    assert!(
        bar.contains("data-too-soon=\"Сначала прослушайте звонок"),
        "{bar}"
    );

    // ±5 s: the name a screen reader hears starts with the text on the button.
    for id in ["back", "forward"] {
        let tag = tag_of(&html, id);
        assert!(!tag.contains("aria-label"), "{tag}");
    }
    assert!(html.contains(r#"id="back" class="secondary">−5 с<span class="visually-hidden">: Назад на 5 секунд</span>"#));
    assert!(!html.to_lowercase().contains("рецензент"));
}

#[tokio::test]
async fn refusals_show_at_the_top_on_the_workspace_address() {
    let (app, owner) = app_with_a_call().await;
    let (browser, csrf, html) = reviewer_on_a_call(&app, &owner, "en").await;
    let code = code_of(&html);
    let steps = step_ids(&html);
    let workspace = format!("/review/{code}");

    // Both forms post to the workspace's own address, which a reload or a shared link can
    // open again; none to an address that only takes posts.
    assert!(!html.contains(&format!("/review/{code}/skip")), "{html}");
    assert_eq!(
        html.matches(&format!(r#"method="post" action="{workspace}""#))
            .count(),
        2,
        "{html}"
    );
    assert!(html.contains(r#"name="intent" value="skip""#));

    // A skip without a reason for "other": refused, the message focused by the skip form.
    let response = app
        .post_form(
            &browser,
            &workspace,
            &pairs(&[
                ("csrf", &csrf),
                ("intent", "skip"),
                ("reason", "other"),
                ("details", " "),
            ]),
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    let problem = tag_of(&html, "skip-problem");
    assert!(
        problem.contains("autofocus") && problem.contains(r#"tabindex="-1""#),
        "{problem}"
    );
    assert!(problem.contains(r#"role="alert""#), "{problem}");
    let skip = &html[html.find(r#"id="skip""#).unwrap()..];
    assert!(
        skip.contains("<details open>"),
        "the skip form is open: {skip}"
    );
    let message = skip.find("Say why in the details.").expect("the message");
    assert!(
        message < skip.find(r#"id="skip-reason""#).unwrap(),
        "the message comes first"
    );
    assert!(
        !html.contains(r#"id="refusal""#),
        "no review refusal at the top"
    );
    // Nothing was given back, and the address still opens the call.
    let (status, _) = page(&browser, &app, &workspace).await;
    assert_eq!(status, 200);

    // A review with two steps open: a summary at the top (before the player), focused, that
    // links to each open step; the messages by the steps stay.
    let response = app
        .post_form(
            &browser,
            &workspace,
            &pairs(&[
                ("csrf", &csrf),
                (&format!("verdict-{}", steps[0]), "correct"),
            ]),
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    let refusal = tag_of(&html, "refusal");
    assert!(
        refusal.contains("autofocus") && refusal.contains(r#"role="alert""#),
        "{refusal}"
    );
    let top = html.find(r#"id="refusal""#).unwrap();
    assert!(
        top < html.find(r#"id="player""#).unwrap(),
        "the summary is above the player"
    );
    let summary = &html[top..html.find(r#"id="player""#).unwrap()];
    assert!(summary.contains("The review was not sent."), "{summary}");
    assert!(!summary.contains(r##"href="#step-1""##), "{summary}");
    for n in [2, 3] {
        assert!(
            summary.contains(&format!(r##"<a href="#step-{n}">Step {n} · "##)),
            "{summary}"
        );
        assert!(step_section(&html, n).contains("Choose a verdict for this step."));
    }
    assert!(!html.contains("skip-problem"));

    // The old skip address still works for a client that has it, with the same answers.
    let response = app
        .post_form(
            &browser,
            &format!("/review/{code}/skip"),
            &pairs(&[("csrf", &csrf), ("reason", "other")]),
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .post_form(
            &browser,
            &workspace,
            &pairs(&[("csrf", &csrf), ("intent", "skip"), ("reason", "bad_audio")]),
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/review?skipped=1");
}

#[tokio::test]
async fn send_counts_down_the_listening_time() {
    // A 10 s call that must be held for half its length.
    let (app, owner) = app_with_a_call_of(10.0, 0.5).await;
    let (browser, csrf, html) = reviewer_on_a_call(&app, &owner, "en").await;
    let workspace = tag_of(&html, "workspace");
    let wait: i64 = workspace
        .split(r#"data-send-wait-ms=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|ms| ms.parse().ok())
        .expect("the wait in the page");
    assert!((1..=5000).contains(&wait), "{wait} ms");
    let line = tag_of(&html, "send-wait");
    assert!(!line.contains("hidden"), "{line}");
    assert!(
        line.contains(r#"data-template="Send opens in #""#),
        "{line}"
    );
    assert!(
        html.contains("Listen to the call first: Send opens 0:05 after this page loaded."),
        "{html}"
    );

    // Sent at once anyway: refused, and the summary at the top says why.
    let code = code_of(&html);
    let mut form = vec![("csrf".to_owned(), csrf.clone())];
    for step in step_ids(&html) {
        form.push((format!("verdict-{step}"), "correct".to_owned()));
    }
    let response = app
        .post_form(&browser, &format!("/review/{code}"), &form)
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    let top = html.find(r#"id="refusal""#).expect("a summary");
    assert!(
        html[top..].contains("Please listen to the call first"),
        "{html}"
    );

    // Where the call need not be held, no countdown.
    let (app, owner) = app_with_a_call().await;
    let (_, _, html) = reviewer_on_a_call(&app, &owner, "en").await;
    assert!(tag_of(&html, "workspace").contains(r#"data-send-wait-ms="0""#));
    assert!(tag_of(&html, "send-wait").contains(" hidden"));
}

#[tokio::test]
async fn the_script_preview_is_the_reviewers_checklist() {
    let (app, owner) = app_with_a_call().await;
    let (_, _, workspace) = reviewer_on_a_call(&app, &owner, "en").await;
    let ids = step_ids(&workspace);
    let script = app
        .api
        .get(app.url("/api/v1/scripts"))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let script_id = script
        .as_array()
        .and_then(|list| list.first())
        .and_then(|s| s["id"].as_str())
        .expect("the script")
        .to_owned();
    let owner_browser = app.browser_for(&owner).await;
    let (status, preview) = page(
        &owner_browser,
        &app,
        &format!("/scripts/{script_id}/preview"),
    )
    .await;
    assert_eq!(status, 200);

    // Step by step the same markup as the reviewer's, ids aside.
    for (n, id) in ids.iter().enumerate() {
        let theirs = step_section(&workspace, n + 1).replace(id.as_str(), "ID");
        let ours = step_section(&preview, n + 1).replace(&format!("p{}", n + 1), "ID");
        assert_eq!(ours, theirs, "step {}", n + 1);
    }
    assert_eq!(step_ids(&preview).len(), ids.len());
    // The send bar and the skip form are there, inert: no form posts anything, the buttons
    // are plain buttons, and a note says so.
    assert!(tag_of(&preview, "send").contains(r#"type="button""#));
    assert!(tag_of(&preview, "skip-send").contains(r#"type="button""#));
    assert!(!preview.contains(r#"action="/review"#));
    assert_eq!(
        preview.matches("<form").count(),
        1,
        "only the header's log-out form"
    );
    assert!(preview.contains("Try the buttons: nothing is saved or sent from this page."));
    // One heading, then the steps' legends: no level skipped.
    assert_eq!(preview.matches("<h1").count(), 1);
    for level in ["<h2", "<h3", "<h4"] {
        assert!(!preview.contains(level), "{level} on the preview");
    }

    let response = owner_browser
        .get(app.url(&format!("/scripts/{script_id}/preview")))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("Кнопки можно нажимать"), "{html}");
    assert!(html.contains("Так проверяющие видят текущую версию"));
    assert!(html.contains("Нет в скрипте"));
}
