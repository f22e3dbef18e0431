//! Accounts and access as people meet them: the first owner's setup link, logging in and out,
//! invites for reviewers and operators, deactivation, tokens that cannot be forged, login
//! throttling, CSRF on cookie sessions, and the pages working without JavaScript.

use diesel::{QueryDsl, RunQueryDsl};
use serde_json::{Value, json};

use crate::helpers::{Invitee, PASSWORD, callqa_command, csrf_of, new_client, spawn_app};

#[tokio::test]
async fn the_setup_link_creates_the_first_owner_once() {
    let app = spawn_app().await;
    let setup_url = app
        .setup_url
        .clone()
        .expect("a fresh install prints a setup link");
    let path = setup_url.trim_start_matches(&app.address).to_owned();

    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Create the owner account")
    );

    let browser = new_client();
    let response = browser
        .post(app.url(&path))
        .form(&[
            ("name", "Olga"),
            ("login", "olga"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/",
        "the owner starts on the start page"
    );
    let start = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(start.status(), 200);
    assert!(
        start
            .text()
            .await
            .unwrap()
            .contains("Write your sales script")
    );
    let people = browser.get(app.url("/people")).send().await.unwrap();
    assert_eq!(people.status(), 200, "signed in right away");

    let again = new_client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), 410, "the link works once");

    // After a restart there is an owner, so no new setup link.
    let restarted = callqa::startup::Application::build(app.settings.clone())
        .await
        .unwrap();
    assert!(restarted.setup_url().is_none());
}

#[tokio::test]
async fn login_gives_a_token_and_a_strict_http_only_cookie() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let response = app.login("OWNER ", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("callqa_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http here: {cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["role"], "owner");
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));

    let me: Value = app
        .get_as("/api/v1/me", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "owner");
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn bad_credentials_get_one_generic_answer() {
    let app = spawn_app().await;
    app.owner().await;
    let wrong_password: Value = app
        .login("owner", "wrong password")
        .await
        .json()
        .await
        .unwrap();
    let unknown_login = app.login("nobody", "wrong password").await;
    assert_eq!(unknown_login.status(), 401);
    let unknown_login: Value = unknown_login.json().await.unwrap();
    assert_eq!(wrong_password, unknown_login);
    assert_eq!(unknown_login["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn forged_expired_and_garbage_tokens_are_refused() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let app = spawn_app().await;
    let owner = app.owner().await;
    let key = std::fs::read(app.settings.storage.data_dir.join("secret.key")).unwrap();
    let claims = |exp: i64, role: &str| json!({"sub": owner.id, "role": role, "ver": 0, "iat": 0, "exp": exp});
    let far = 4_000_000_000i64;

    let expired = encode(
        &Header::new(Algorithm::HS256),
        &claims(1_000, "owner"),
        &EncodingKey::from_secret(&key),
    )
    .unwrap();
    let other_key = encode(
        &Header::new(Algorithm::HS256),
        &claims(far, "owner"),
        &EncodingKey::from_secret(b"another key that is long enough!"),
    )
    .unwrap();
    let other_alg = encode(
        &Header::new(Algorithm::HS512),
        &claims(far, "owner"),
        &EncodingKey::from_secret(&key),
    )
    .unwrap();
    let wrong_role = encode(
        &Header::new(Algorithm::HS256),
        &claims(far, "reviewer"),
        &EncodingKey::from_secret(&key),
    )
    .unwrap();
    let mut tampered = owner.token.clone();
    let middle = tampered.find('.').unwrap() + 3;
    tampered.replace_range(
        middle..middle + 1,
        if &tampered[middle..middle + 1] == "A" {
            "B"
        } else {
            "A"
        },
    );
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let alg_none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims(far, "owner").to_string())
    );

    assert_eq!(app.get_as("/api/v1/me", &owner.token).await.status(), 200);
    for (what, token) in [
        ("expired", expired),
        ("signed with another key", other_key),
        ("HS512", other_alg),
        ("role changed", wrong_role),
        ("tampered", tampered),
        ("alg none", alg_none),
        ("garbage", "not-a-token".to_owned()),
    ] {
        let response = app.get_as("/api/v1/me", &token).await;
        assert_eq!(response.status(), 401, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated", "{what}");
    }
}

#[tokio::test]
async fn logout_and_deactivation_take_effect_at_once() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    assert_eq!(
        app.get_as("/api/v1/me", &reviewer.token).await.status(),
        200
    );

    let deactivated = app
        .post_json(
            &format!("/api/v1/users/{}/deactivate", reviewer.id),
            Some(&owner.token),
            &json!({}),
        )
        .await;
    assert_eq!(deactivated.status(), 200);
    assert_eq!(
        app.get_as("/api/v1/me", &reviewer.token).await.status(),
        401
    );
    assert_eq!(
        app.login("rita", PASSWORD).await.status(),
        401,
        "cannot log in while deactivated"
    );

    let reactivated = app
        .post_json(
            &format!("/api/v1/users/{}/reactivate", reviewer.id),
            Some(&owner.token),
            &json!({}),
        )
        .await;
    assert_eq!(reactivated.status(), 200);
    assert_eq!(
        app.get_as("/api/v1/me", &reviewer.token).await.status(),
        401,
        "old tokens stay dead"
    );
    let fresh: Value = app.login("rita", PASSWORD).await.json().await.unwrap();
    let fresh = fresh["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_as("/api/v1/me", &fresh).await.status(), 200);

    let logout = app
        .post_json("/api/v1/logout", Some(&fresh), &json!({}))
        .await;
    assert_eq!(logout.status(), 204);
    assert_eq!(app.get_as("/api/v1/me", &fresh).await.status(), 401);

    let own = app
        .post_json(
            &format!("/api/v1/users/{}/deactivate", owner.id),
            Some(&owner.token),
            &json!({}),
        )
        .await;
    assert_eq!(own.status(), 409, "an owner cannot lock themselves out");
}

#[tokio::test]
async fn stored_passwords_are_argon2id_hashes() {
    use callqa::db::schema::users;
    let app = spawn_app().await;
    let owner = app.owner().await;
    app.invited(&owner, Invitee::Reviewer, "rita").await;
    let db = callqa::db::Db::connect(&app.settings.storage.database(), 1).unwrap();
    let hashes: Vec<String> = users::table
        .select(users::password_hash)
        .load(&mut db.get().unwrap())
        .unwrap();
    assert_eq!(hashes.len(), 2);
    for hash in hashes {
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains(PASSWORD));
    }
}

#[tokio::test]
async fn invites_are_single_use_and_link_operators_to_their_record() {
    let app = spawn_app().await;
    let owner = app.owner().await;

    let no_record = app
        .post_json(
            "/api/v1/invites",
            Some(&owner.token),
            &json!({"role": "operator"}),
        )
        .await;
    assert_eq!(no_record.status(), 422);
    let body: Value = no_record.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "operator_id");

    let operator = app.invited(&owner, Invitee::Operator, "oleg").await;
    let me: Value = app
        .get_as("/api/v1/me", &operator.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "operator");
    assert_eq!(me["operator_id"].as_str(), operator.operator_id.as_deref());

    let operators: Value = app
        .get_as("/api/v1/operators", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(operators[0]["has_login"], true);

    let invite: Value = app
        .post_json(
            "/api/v1/invites",
            Some(&owner.token),
            &json!({"role": "reviewer"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = invite["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let accept = |login: &'static str| {
        let path = format!("/api/v1/invites/{token}/accept");
        let app = &app;
        async move {
            app.post_json(
                &path,
                None,
                &json!({"login": login, "name": "R", "password": PASSWORD}),
            )
            .await
        }
    };
    assert_eq!(accept("first").await.status(), 201);
    let second = accept("second").await;
    assert_eq!(second.status(), 410);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invite_invalid");

    let revoked: Value = app
        .post_json(
            "/api/v1/invites",
            Some(&owner.token),
            &json!({"role": "reviewer"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let response = app
        .api
        .delete(app.url(&format!(
            "/api/v1/invites/{}",
            revoked["id"].as_str().unwrap()
        )))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let revoked_token = revoked["url"].as_str().unwrap().rsplit('/').next().unwrap();
    assert_eq!(
        app.get(&format!("/invite/{revoked_token}")).await.status(),
        410
    );
}

#[tokio::test]
async fn taken_logins_and_weak_passwords_are_field_errors() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let invite: Value = app
        .post_json(
            "/api/v1/invites",
            Some(&owner.token),
            &json!({"role": "reviewer"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = invite["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let response = app
        .post_json(
            &format!("/api/v1/invites/{token}/accept"),
            None,
            &json!({"login": "Owner", "name": " ", "password": "short"}),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "password"]);

    let taken = app
        .post_json(
            &format!("/api/v1/invites/{token}/accept"),
            None,
            &json!({"login": "Owner", "name": "Rita", "password": PASSWORD}),
        )
        .await;
    assert_eq!(taken.status(), 422);
    let body: Value = taken.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["code"], "login_taken");
    // A failed attempt leaves the invite usable.
    let ok = app
        .post_json(
            &format!("/api/v1/invites/{token}/accept"),
            None,
            &json!({"login": "rita", "name": "Rita", "password": PASSWORD}),
        )
        .await;
    assert_eq!(ok.status(), 201);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_a_retry_hint() {
    let app = spawn_app().await;
    app.owner().await;
    for _ in 0..10 {
        assert_eq!(app.login("owner", "wrong password").await.status(), 401);
    }
    let blocked = app.login("owner", PASSWORD).await;
    assert_eq!(blocked.status(), 429, "even the right password waits");
    let retry_after: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after));
    let body: Value = blocked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
}

#[tokio::test]
async fn the_role_is_checked_before_the_body_is_read() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let response = app
        .api
        .post(app.url("/api/v1/operators"))
        .bearer_auth(&reviewer.token)
        .header("Content-Type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let anonymous = app
        .api
        .post(app.url("/api/v1/operators"))
        .header("Content-Type", "text/plain")
        .body("whatever")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn cookie_sessions_refuse_cross_site_and_tokenless_form_posts() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let browser = app.browser_for(&owner).await;
    let people = browser
        .get(app.url("/people"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&people);

    let from_elsewhere = browser
        .post(app.url("/people/operators"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("name", "Mallory")])
        .send()
        .await
        .unwrap();
    assert_eq!(from_elsewhere.status(), 403);

    let cross_site_fetch = browser
        .post(app.url("/api/v1/operators"))
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({"name": "Mallory"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site_fetch.status(), 403);

    let without_token = app
        .post_form(&browser, "/people/operators", &[("name", "Mallory")])
        .await;
    assert_eq!(without_token.status(), 403);

    let proper = app
        .post_form(
            &browser,
            "/people/operators",
            &[
                ("csrf", csrf.as_str()),
                ("name", "Marta"),
                ("external_id", "201"),
            ],
        )
        .await;
    assert_eq!(proper.status(), 303);
    let operators: Value = app
        .get_as("/api/v1/operators", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = operators
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Marta"], "nothing from the refused posts");
}

#[tokio::test]
async fn the_login_page_works_without_javascript_in_both_languages() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    for (language, title, wrong) in [
        ("ru", "Вход", "Неверный логин или пароль."),
        ("en", "Log in", "Wrong login or password."),
    ] {
        let browser = new_client();
        let page = browser
            .get(app.url("/people"))
            .header("Accept-Language", language)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 303);
        assert_eq!(page.headers()["location"], "/login?next=%2Fpeople");

        let form = browser
            .get(app.url("/login?next=%2Fpeople"))
            .header("Accept-Language", language)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(form.contains(title), "{form}");
        assert!(form.contains(r#"<form method="post" action="/login""#));
        assert!(!form.contains("<script"), "no script needed");

        let refused = browser
            .post(app.url("/login"))
            .header("Accept-Language", language)
            .header("Origin", &app.address)
            .form(&[
                ("login", "owner"),
                ("password", "nope"),
                ("next", "/people"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        assert!(refused.text().await.unwrap().contains(wrong));

        let accepted = app
            .post_form(
                &browser,
                "/login",
                &[
                    ("login", owner.login.as_str()),
                    ("password", PASSWORD),
                    ("next", "/people"),
                ],
            )
            .await;
        assert_eq!(accepted.status(), 303);
        assert_eq!(accepted.headers()["location"], "/people");
        let people = browser
            .get(app.url("/people"))
            .header("Accept-Language", language)
            .send()
            .await
            .unwrap();
        assert_eq!(people.status(), 200);
    }
}

#[tokio::test]
async fn the_owner_invites_from_the_people_page_and_the_invitee_joins_by_form() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let browser = app.browser_for(&owner).await;
    let people = browser
        .get(app.url("/people"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    let link_start = html
        .find(&format!("{}/invite/", app.address))
        .expect("the new link is shown");
    let link = html[link_start..].split('"').next().unwrap().to_owned();

    let invitee = new_client();
    let form = invitee
        .get(&link)
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("Проверяющий"), "the role is named in Russian");
    let mismatch = invitee
        .post(&link)
        .form(&[
            ("name", "Rita"),
            ("login", "rita"),
            ("password", PASSWORD),
            ("password_again", "different"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), 422, "{}", mismatch.text().await.unwrap());
    let joined = invitee
        .post(&link)
        .form(&[
            ("name", "Rita"),
            ("login", "rita"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 303);
    assert_eq!(
        invitee
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        invitee
            .get(app.url("/people"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn the_account_page_changes_password_and_language() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let browser = app.browser_for(&reviewer).await;
    let page = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);

    let language = app
        .post_form(
            &browser,
            "/account/language",
            &[("csrf", csrf.as_str()), ("language", "ru")],
        )
        .await;
    assert_eq!(language.status(), 303);
    let page = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Моя учётная запись"));

    let changed = app
        .post_form(
            &browser,
            "/account/password",
            &[
                ("csrf", csrf.as_str()),
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
                ("new_password_again", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(
        browser
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "this browser stays in"
    );
    assert_eq!(
        app.get_as("/api/v1/me", &reviewer.token).await.status(),
        401,
        "other sessions end"
    );
    assert_eq!(app.login("rita", "a brand new secret").await.status(), 200);
}

#[tokio::test]
async fn the_command_line_adds_users_for_scripting() {
    let app = spawn_app().await;
    let mut command = callqa_command(&app.settings);
    command.args([
        "user",
        "add",
        "--role",
        "reviewer",
        "--login",
        "cli-rev",
        "--name",
        "CLI Reviewer",
        "--password-stdin",
    ]);
    let run = |mut command: std::process::Command, input: &'static str| {
        use std::io::Write;
        let mut child = command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let output = run(command, "a long enough password\n");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert_eq!(id.len(), 36, "prints the new id: {id}");
    let login: Value = app
        .login("cli-rev", "a long enough password")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(login["role"], "reviewer");

    let mut weak = callqa_command(&app.settings);
    weak.args([
        "user",
        "add",
        "--role",
        "reviewer",
        "--login",
        "weak",
        "--name",
        "W",
        "--password-stdin",
    ]);
    let output = run(weak, "short\n");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--password"));
}
