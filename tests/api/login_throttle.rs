//! Guessing passwords, as an attacker would try it: many guesses at once, from one address or
//! behind a proxy, for a login that exists or not — and the person who knows their password
//! still getting in from their own address. Addresses are simulated with `X-Forwarded-For`
//! through a trusted proxy (the test client connects from 127.0.0.1).

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, csrf_of, spawn_app, spawn_app_with, test_settings};
use callqa::db::schema::{login_throttle, script_drafts};

/// An app that believes `X-Forwarded-For` from the test client's own address.
async fn app_behind_proxy() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(data_dir.path());
    settings.trusted_proxies = "127.0.0.1".parse().unwrap();
    spawn_app_with(settings, data_dir).await
}

/// A login over the API, as relayed by a proxy for a client at `from`.
async fn login_from(app: &TestApp, from: &str, login: &str, password: &str) -> reqwest::Response {
    app.api
        .post(app.url("/api/v1/login"))
        .header("X-Forwarded-For", from)
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .expect("request")
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Sends `count` wrong guesses at once for `login(i)` from `from`; their statuses.
async fn parallel_guesses(
    app: &TestApp,
    count: usize,
    from: &'static str,
    login: impl Fn(usize) -> String,
) -> Vec<u16> {
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..count {
        let (client, url, login) = (app.api.clone(), app.url("/api/v1/login"), login(i));
        guesses.spawn(async move {
            client
                .post(url)
                .header("X-Forwarded-For", from)
                .json(&json!({"login": login, "password": format!("wrong guess {i}")}))
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        });
    }
    guesses.join_all().await
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Moves every throttle window back, as if `ago` had passed since it started.
fn age_throttle_windows(app: &TestApp, ago: time::Duration) {
    let db = callqa::db::Db::connect(&app.settings.storage.database(), 1).unwrap();
    let mut conn = db.get().unwrap();
    diesel::update(login_throttle::table)
        .set(login_throttle::window_start.eq(callqa::db::time::now() - ago))
        .execute(&mut *conn)
        .unwrap();
}

#[tokio::test]
async fn parallel_wrong_passwords_for_an_unseen_login_never_fail_the_server() {
    let app = spawn_app().await;
    let statuses = parallel_guesses(&app, 20, "203.0.113.7", |_| "nobody".to_owned()).await;
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 429)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn at_most_the_limit_of_parallel_guesses_is_checked() {
    let app = spawn_app().await;
    app.owner().await;
    let statuses = parallel_guesses(&app, 40, "203.0.113.7", |_| "owner".to_owned()).await;
    assert_eq!(count(&statuses, 401), 10, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 30, "{statuses:?}");
}

#[tokio::test]
async fn guessing_from_one_address_does_not_lock_the_owner_out_elsewhere() {
    let app = app_behind_proxy().await;
    app.owner().await;
    for _ in 0..10 {
        let guess = login_from(&app, "203.0.113.7", "owner", "wrong password").await;
        assert_eq!(guess.status(), 401);
    }
    let attacker = login_from(&app, "203.0.113.7", "owner", PASSWORD).await;
    assert_eq!(attacker.status(), 429, "the guessing address waits");

    // The owner at home, behind the same proxy (which appends what it saw to what the
    // client claimed).
    let owner = login_from(&app, "203.0.113.7, 198.51.100.2", "owner", PASSWORD).await;
    assert_eq!(owner.status(), 200, "{}", owner.text().await.unwrap());
    let still_blocked = login_from(&app, "203.0.113.7", "owner", PASSWORD).await;
    assert_eq!(still_blocked.status(), 429);
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    for trusted in ["", "10.0.0.0/8"] {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut settings = test_settings(data_dir.path());
        settings.trusted_proxies = trusted.parse().unwrap();
        let app = spawn_app_with(settings, data_dir).await;
        app.owner().await;
        for i in 0..10 {
            // A client that claims a new address each time is still the one client.
            let guess = login_from(&app, &format!("203.0.113.{i}"), "owner", "wrong").await;
            assert_eq!(guess.status(), 401);
        }
        let blocked = login_from(&app, "198.51.100.2", "owner", PASSWORD).await;
        assert_eq!(blocked.status(), 429, "a claimed address is not believed");
    }
}

#[tokio::test]
async fn one_address_guessing_many_logins_is_stopped_for_all_of_them() {
    let app = app_behind_proxy().await;
    app.owner().await;
    let statuses = parallel_guesses(&app, 50, "203.0.113.7", |i| format!("user{i}")).await;
    assert_eq!(count(&statuses, 401), 50, "{statuses:?}");

    let next = login_from(&app, "203.0.113.7", "user50", "wrong").await;
    assert_eq!(next.status(), 429);
    let blocked_owner = login_from(&app, "203.0.113.7", "owner", PASSWORD).await;
    assert_eq!(
        blocked_owner.status(),
        429,
        "every login from that address waits"
    );
    let owner = login_from(&app, "198.51.100.2", "owner", PASSWORD).await;
    assert_eq!(owner.status(), 200, "other addresses are not affected");
}

#[tokio::test]
async fn a_block_that_recurs_lasts_longer_and_is_forgiven_after_a_quiet_day() {
    let app = app_behind_proxy().await;
    app.owner().await;
    let block = || async {
        for _ in 0..10 {
            let guess = login_from(&app, "203.0.113.7", "owner", "wrong password").await;
            assert_eq!(guess.status(), 401);
        }
        let blocked = login_from(&app, "203.0.113.7", "owner", PASSWORD).await;
        assert_eq!(blocked.status(), 429);
        retry_after(&blocked)
    };

    let first = block().await;
    assert!((1..=900).contains(&first), "{first}");

    // The first block is over; the guessing resumes at once.
    age_throttle_windows(&app, time::Duration::minutes(16));
    let second = block().await;
    assert!((901..=1800).contains(&second), "doubled: {second}");

    // A day and more without guessing: back to the first step.
    age_throttle_windows(&app, time::Duration::days(2));
    let after_quiet_day = block().await;
    assert!((1..=900).contains(&after_quiet_day), "{after_quiet_day}");
}

#[tokio::test]
async fn an_absurdly_long_login_is_refused_as_invalid() {
    let app = spawn_app().await;
    let response = app.login(&"a".repeat(8 * 1024), "whatever it is").await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let field = &body["error"]["fields"][0];
    assert_eq!(field["field"], "login");
    assert_eq!(field["code"], "too_long");
    assert!(
        field["message"].as_str().unwrap().contains("100"),
        "{field}"
    );
}

#[tokio::test]
async fn parallel_saves_of_one_draft_keep_one_draft() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let browser = app.browser_for(&owner).await;
    let list = browser.get(app.url("/scripts")).send().await.unwrap();
    let csrf = csrf_of(&list.text().await.unwrap());
    let created = app
        .post_form(
            &browser,
            "/scripts",
            &[("csrf", csrf.as_str()), ("name", "Outbound")],
        )
        .await;
    assert_eq!(created.status(), 303);
    let edit_path = created.headers()["location"].to_str().unwrap().to_owned();
    let id = edit_path
        .strip_prefix("/scripts/")
        .and_then(|rest| rest.strip_suffix("/edit"))
        .unwrap()
        .to_owned();

    let mut saves = tokio::task::JoinSet::new();
    for i in 0..10 {
        let (browser, url, origin) = (browser.clone(), app.url(&edit_path), app.address.clone());
        let form: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("name", "Outbound".to_owned()),
            ("key", String::new()),
            ("title", format!("Greeting {i}")),
            ("say", String::new()),
            ("guidance", String::new()),
            ("action", "save".to_owned()),
        ];
        saves.spawn(async move {
            let response = browser
                .post(url)
                .header("Origin", origin)
                .form(&form)
                .send()
                .await
                .expect("request");
            response.status().as_u16()
        });
    }
    let statuses = saves.join_all().await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");

    let db = callqa::db::Db::connect(&app.settings.storage.database(), 1).unwrap();
    let drafts: i64 = script_drafts::table
        .filter(script_drafts::script_id.eq(&id))
        .count()
        .get_result(&mut *db.get().unwrap())
        .unwrap();
    assert_eq!(drafts, 1);
    let page = browser.get(app.url(&edit_path)).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert_eq!(page.matches(r#"name="title""#).count(), 1);
    assert!(
        page.contains("Greeting "),
        "one of the saved drafts is shown"
    );
}
