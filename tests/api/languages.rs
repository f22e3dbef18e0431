//! Routing by language: a script's calls are in its language, and a reviewer is only given
//! calls in the languages they review (set by the owner or by themselves; none set: every
//! language). The draw stays uniform over the calls a reviewer can take, a script whose
//! language changes takes its waiting calls to the new language's reviewers, and a code not
//! on the list is refused naming its field.

use rand::SeedableRng;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, csrf_of, problem_fields, spawn_app_with, test_settings,
};

/// A server where reviews may be sent at once, its owner and an operator.
async fn floor() -> (TestApp, TestUser, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    (app, owner, operator)
}

/// A published one-step script named `name` whose calls are in `language` (left out: the
/// default); returns its id.
async fn script_in(app: &TestApp, owner: &TestUser, name: &str, language: Option<&str>) -> String {
    let mut body = json!({"name": name, "steps": [{"title": "Greeting"}]});
    if let Some(language) = language {
        body["language"] = json!(language);
    }
    let response = app
        .post_json("/api/v1/scripts", Some(&owner.token), &body)
        .await;
    assert_eq!(response.status(), 201);
    let script: Value = response.json().await.unwrap();
    script["id"].as_str().unwrap().to_owned()
}

async fn set_languages(app: &TestApp, owner: &TestUser, reviewer: &TestUser, codes: &[&str]) {
    let response = app
        .put_json(
            &format!("/api/v1/reviewers/{}/languages", reviewer.id),
            &owner.token,
            &json!({ "languages": codes }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "languages": codes }));
}

/// The reviewer's next call: its status and its script's title (`None` on 204).
async fn next(app: &TestApp, reviewer: &TestUser) -> (u16, Option<Value>) {
    let response = app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

/// Draws and reviews calls until none is left for the reviewer; the scripts' titles of the
/// calls they were given.
async fn review_all(app: &TestApp, reviewer: &TestUser) -> Vec<String> {
    let mut titles = Vec::new();
    loop {
        let (status, task) = next(app, reviewer).await;
        if status == 204 {
            return titles;
        }
        assert_eq!(status, 200);
        let task = task.unwrap();
        titles.push(task["script"]["title"].as_str().unwrap().to_owned());
        let verdicts = crate::helpers::all_correct(&task);
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
}

#[tokio::test]
async fn a_reviewer_is_only_given_calls_in_their_languages() {
    let (app, owner, operator) = floor().await;
    let russian = script_in(&app, &owner, "Russian script", None).await;
    let english = script_in(&app, &owner, "English script", Some("en")).await;
    let shown: Value = app
        .get_as(&format!("/api/v1/scripts/{russian}"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["language"], "ru", "Russian unless told otherwise");
    app.ready_calls(&owner, &operator, &russian, 2, 2).await;
    app.ready_calls(&owner, &operator, &english, 2, 2).await;

    // Eve reviews English only: both English calls, then nothing though Russian ones wait.
    let eve = app.invited(&owner, Invitee::Reviewer, "eve").await;
    set_languages(&app, &owner, &eve, &["en"]).await;
    assert_eq!(
        review_all(&app, &eve).await,
        ["English script", "English script"]
    );
    let (status, _) = next(&app, &eve).await;
    assert_eq!(status, 204, "only Russian calls are left");
    // Her page says why, in her interface's language.
    let browser = app.browser_for(&eve).await;
    browser
        .get(app.url("/lang/ru?next=%2F"))
        .send()
        .await
        .unwrap();
    let page = app.page_text(&browser, "/review?empty=1").await;
    assert!(
        page.contains("Есть звонки на других языках"),
        "the empty page names the other languages: {page}"
    );

    // Ann has no language set: she is given both languages' calls.
    let ann = app.invited(&owner, Invitee::Reviewer, "ann").await;
    let own: Value = app
        .get_as("/api/v1/me/languages", &ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own, json!({"languages": []}));
    let mut given = review_all(&app, &ann).await;
    given.sort();
    assert_eq!(
        given,
        [
            "English script",
            "English script",
            "Russian script",
            "Russian script",
        ],
        "the second review of each English call, and both Russian ones"
    );
    let page = app
        .page_text(&app.browser_for(&ann).await, "/review?empty=1")
        .await;
    assert!(
        !page.contains("Calls in other languages are waiting"),
        "nothing waits anywhere"
    );
}

#[tokio::test]
async fn a_reviewer_sets_their_own_languages_and_the_owner_sees_them() {
    let (app, owner, operator) = floor().await;
    let english = script_in(&app, &owner, "English script", Some("en")).await;
    app.ready_calls(&owner, &operator, &english, 1, 1).await;
    let rob = app.invited(&owner, Invitee::Reviewer, "rob").await;
    let response = app
        .put_json(
            "/api/v1/me/languages",
            &rob.token,
            &json!({"languages": ["ru", "uk", "ru"]}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"languages": ["ru", "uk"]}), "once each");
    let (status, _) = next(&app, &rob).await;
    assert_eq!(status, 204, "the only call is English");
    let seen: Value = app
        .get_as(
            &format!("/api/v1/reviewers/{}/languages", rob.id),
            &owner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen, json!({"languages": ["ru", "uk"]}));

    // On his account page, as boxes; ticking English there gives him the call.
    let browser = app.browser_for(&rob).await;
    let page = app.page_text(&browser, "/account").await;
    assert!(
        page.contains(r#"name="language" value="uk" checked"#),
        "{page}"
    );
    assert!(page.contains(r#"name="language" value="en">"#));
    let response = app
        .post_form(
            &browser,
            "/account/languages",
            &[
                ("csrf", csrf_of(&page).as_str()),
                ("language", "en"),
                ("language", "ru"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (status, _) = next(&app, &rob).await;
    assert_eq!(status, 200);

    // The owner's page of him shows the same, and unticking every box means every language.
    let owners = app.browser_for(&owner).await;
    let path = format!("/reviewers/{}", rob.id);
    let page = app.page_text(&owners, &path).await;
    assert!(
        page.contains(r#"name="language" value="en" checked"#),
        "{page}"
    );
    assert!(page.contains("English"));
    let response = app
        .post_form(
            &owners,
            &format!("{path}/languages"),
            &[("csrf", csrf_of(&page))],
        )
        .await;
    assert_eq!(response.status(), 303);
    let seen: Value = app
        .get_as(
            &format!("/api/v1/reviewers/{}/languages", rob.id),
            &owner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen, json!({"languages": []}));
}

#[tokio::test]
async fn changing_a_scripts_language_moves_its_waiting_calls() {
    let (app, owner, operator) = floor().await;
    let script = script_in(&app, &owner, "Inbound", None).await;
    app.ready_calls(&owner, &operator, &script, 3, 2).await;
    let eve = app.invited(&owner, Invitee::Reviewer, "eve").await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    set_languages(&app, &owner, &eve, &["en"]).await;
    set_languages(&app, &owner, &rita, &["ru"]).await;
    // Rita holds one of the calls while its language changes.
    let (status, _) = next(&app, &rita).await;
    assert_eq!(status, 200);
    assert_eq!(next(&app, &eve).await.0, 204);

    let path = format!("/api/v1/scripts/{script}/language");
    let response = app
        .put_json(&path, &owner.token, &json!({"language": "en"}))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"language": "en"}));
    let shown: Value = app
        .get_as(&format!("/api/v1/scripts/{script}"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["language"], "en");

    // Every call of the script is Eve's now (the one Rita holds has a second slot).
    assert_eq!(review_all(&app, &eve).await.len(), 3);
    let ruth = app.invited(&owner, Invitee::Reviewer, "ruth").await;
    set_languages(&app, &owner, &ruth, &["ru"]).await;
    assert_eq!(next(&app, &ruth).await.0, 204, "nothing Russian is left");

    // And back, from the script's page.
    let browser = app.browser_for(&owner).await;
    let page_path = format!("/scripts/{script}");
    let page = app.page_text(&browser, &page_path).await;
    assert!(
        page.contains(r#"<option value="en" selected>English</option>"#),
        "{page}"
    );
    let response = app
        .post_form(
            &browser,
            &format!("{page_path}/language"),
            &[("csrf", csrf_of(&page).as_str()), ("language", "ru")],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("Language saved."));
    assert!(page.contains(r#"<option value="ru" selected>Russian</option>"#));
    assert_eq!(
        next(&app, &ruth).await.0,
        200,
        "Ruth now gets the waiting calls"
    );
}

#[tokio::test]
async fn codes_not_on_the_list_are_refused_naming_the_field() {
    let (app, owner, _) = floor().await;
    let rob = app.invited(&owner, Invitee::Reviewer, "rob").await;
    let response = app
        .post_json(
            "/api/v1/scripts",
            Some(&owner.token),
            &json!({"name": "X", "steps": [{"title": "A"}], "language": "xx"}),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        problem_fields(&body),
        [("language".to_owned(), "unknown_value".to_owned())]
    );
    let listed: Value = app
        .get_as("/api/v1/scripts", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]), "no script was made");

    let script = script_in(&app, &owner, "Inbound", Some("de")).await;
    for bad in ["en-US", "", "klingon", "EN GB"] {
        let response = app
            .put_json(
                &format!("/api/v1/scripts/{script}/language"),
                &owner.token,
                &json!({ "language": bad }),
            )
            .await;
        assert_eq!(response.status(), 422, "{bad:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            problem_fields(&body),
            [("language".to_owned(), "unknown_value".to_owned())]
        );
    }
    let shown: Value = app
        .get_as(&format!("/api/v1/scripts/{script}"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["language"], "de", "unchanged");

    // An exported file carries the language and its import keeps it; a file with an unknown
    // one is refused naming it.
    let file: Value = app
        .get_as(&format!("/api/v1/scripts/{script}/export"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(file["language"], "de");
    let import = |file: Value| {
        app.api
            .post(app.url("/api/v1/scripts/import"))
            .bearer_auth(&owner.token)
            .json(&file)
            .send()
    };
    let copy: Value = import(file.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(copy["language"], "de");
    let mut bad = file.clone();
    bad["language"] = json!("xx");
    let response = import(bad).await.unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        problem_fields(&body),
        [("language".to_owned(), "unknown_value".to_owned())]
    );
    let mut older = file;
    older.as_object_mut().unwrap().remove("language");
    let copy: Value = import(older).await.unwrap().json().await.unwrap();
    assert_eq!(copy["language"], "ru", "a file from before languages");

    for (path, token) in [
        (
            format!("/api/v1/reviewers/{}/languages", rob.id),
            &owner.token,
        ),
        ("/api/v1/me/languages".to_owned(), &rob.token),
    ] {
        let response = app
            .put_json(&path, token, &json!({"languages": ["ru", "zz"]}))
            .await;
        assert_eq!(response.status(), 422, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            problem_fields(&body),
            [("languages".to_owned(), "unknown_value".to_owned())]
        );
    }
    let seen: Value = app
        .get_as("/api/v1/me/languages", &rob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen, json!({"languages": []}), "unchanged");

    // Only reviewers have languages.
    let response = app
        .put_json(
            &format!("/api/v1/reviewers/{}/languages", owner.id),
            &owner.token,
            &json!({"languages": ["ru"]}),
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn the_draw_is_uniform_over_the_calls_a_reviewer_can_take() {
    // Six Russian, three English and two German calls that each need many reviews; 450
    // reviewers of Russian and English each draw once and hand the call back, so the pool
    // stays the same and every first draw counts. A draw that picked a language first and
    // then a call would give each English call twice a Russian one's share.
    let (app, owner, operator) = floor().await;
    let russian = script_in(&app, &owner, "Russian", Some("ru")).await;
    let english = script_in(&app, &owner, "English", Some("en")).await;
    let german = script_in(&app, &owner, "German", Some("de")).await;
    let mut takeable = app.ready_calls(&owner, &operator, &russian, 6, 20).await;
    takeable.extend(app.ready_calls(&owner, &operator, &english, 3, 20).await);
    app.ready_calls(&owner, &operator, &german, 2, 20).await;

    let owner_id = callqa::db::ids::UserId::from_raw(owner.id.clone());
    let counts = crate::helpers::first_draws(&app, 450, 20261203, |conn, reviewer| {
        let both = ["en".to_owned(), "ru".to_owned()];
        callqa::languages::set_for_reviewer(conn, &owner_id, reviewer, &both).unwrap();
    });
    let mut drawn: Vec<&String> = counts.keys().collect();
    drawn.sort();
    let mut expected_calls: Vec<&String> = takeable.iter().collect();
    expected_calls.sort();
    assert_eq!(
        drawn, expected_calls,
        "every Russian and English call, no German one"
    );
    let chi_square = crate::helpers::chi_square(&counts, takeable.len());
    // 8 degrees of freedom: 20.09 is the 99th percentile of the chi-square distribution.
    assert!(
        chi_square < 20.09,
        "chi-square {chi_square:.2} for {counts:?}"
    );
}

#[tokio::test]
async fn the_exact_draw_keeps_to_the_reviewers_languages() {
    // Reviewers of English go through every English call among as many Russian ones, one
    // by one: as the calls they have had pile up, the random tries miss and the exact draw
    // takes over (certainly for some of the thirty); it too only ever gives an English call
    // not had before, and nothing once they are all had.
    let (app, owner, operator) = floor().await;
    let russian = script_in(&app, &owner, "Russian", Some("ru")).await;
    let english = script_in(&app, &owner, "English", Some("en")).await;
    app.ready_calls(&owner, &operator, &russian, 6, 1).await;
    let mut english_calls = app.ready_calls(&owner, &operator, &english, 6, 1).await;
    english_calls.sort();
    let db = callqa::db::Db::connect(&app.settings.storage.database(), 2).unwrap();
    let mut conn = db.get().unwrap();
    let settings = callqa::org_settings::OrgSettings::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let owner_id = callqa::db::ids::UserId::from_raw(owner.id.clone());
    for n in 0..30 {
        let reviewer = crate::helpers::unhashed_reviewer(&mut conn, &format!("english{n}"));
        callqa::languages::set_for_reviewer(&mut conn, &owner_id, &reviewer, &["en".to_owned()])
            .unwrap();
        let mut seen = Vec::new();
        for _ in 0..english_calls.len() {
            let assignment = callqa::assignments::next(&mut conn, &reviewer, &settings, &mut rng)
                .unwrap()
                .expect("an English call left");
            seen.push(assignment.recording_id.to_string());
            callqa::assignments::skip(&mut conn, &reviewer, &assignment.code, "test").unwrap();
        }
        seen.sort();
        assert_eq!(seen, english_calls, "each English call once");
        assert!(
            callqa::assignments::next(&mut conn, &reviewer, &settings, &mut rng)
                .unwrap()
                .is_none(),
            "nothing once every English call was had"
        );
    }
}

#[tokio::test]
async fn reviewers_drawing_while_the_owner_flips_a_scripts_language_keep_every_promise() {
    // Reviewers of Russian and of English draw and review while the owner switches the
    // script's language back and forth: no request fails, every review is of a call in the
    // reviewer's language at the moment of the draw (the pool's invariants, checked when the
    // app drops, say each waiting call sits in its script's language's part), and no call
    // gets more reviews than it needs.
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    settings.storage.db_pool_size = 12;
    let app = std::sync::Arc::new(spawn_app_with(settings, dir).await);
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let flipped = script_in(&app, &owner, "Flipped", None).await;
    let german = script_in(&app, &owner, "German", Some("de")).await;
    app.ready_calls(&owner, &operator, &flipped, 8, 3).await;
    app.ready_calls(&owner, &operator, &german, 2, 3).await;
    let mut reviewers = Vec::new();
    for n in 0..6 {
        let reviewer = app
            .invited(&owner, Invitee::Reviewer, &format!("rev{n}"))
            .await;
        let language = if n % 2 == 0 { "ru" } else { "en" };
        set_languages(&app, &owner, &reviewer, &[language]).await;
        reviewers.push(reviewer);
    }

    let deadline = Instant::now() + Duration::from_secs(4);
    let mut tasks = Vec::new();
    for reviewer in reviewers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while Instant::now() < deadline {
                let (status, task) = next(&app, &reviewer).await;
                statuses.push(("next", status));
                let Some(task) = task.filter(|_| status == 200) else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                assert_ne!(task["script"]["title"], "German", "never a German call");
                let verdicts = crate::helpers::all_correct(&task);
                let sent = app
                    .post_json(
                        &format!(
                            "/api/v1/assignments/{}/review",
                            task["code"].as_str().unwrap()
                        ),
                        Some(&reviewer.token),
                        &json!({ "verdicts": verdicts }),
                    )
                    .await;
                statuses.push(("review", sent.status().as_u16()));
            }
            statuses
        }));
    }
    {
        let app = app.clone();
        let token = owner.token.clone();
        let path = format!("/api/v1/scripts/{flipped}/language");
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            let mut round = 0u32;
            while Instant::now() < deadline {
                let language = if round.is_multiple_of(2) { "en" } else { "ru" };
                let response = app
                    .put_json(&path, &token, &json!({ "language": language }))
                    .await;
                statuses.push(("language", response.status().as_u16()));
                round += 1;
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            statuses
        }));
    }
    let mut unexpected = Vec::new();
    let mut count = 0;
    for task in tasks {
        for (what, status) in task.await.unwrap() {
            count += 1;
            let fine = match what {
                "next" => status == 200 || status == 204,
                "review" => status == 201,
                _ => status == 200,
            };
            if !fine {
                unexpected.push(format!("{what} → {status}"));
            }
        }
    }
    assert!(count > 50, "the race ran: {count} requests");
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:?}");
    assert_eq!(app.invariant_violations(), []);
}
