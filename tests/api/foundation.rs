//! A fresh install: the server starts on an empty data directory, migrates its database,
//! answers health checks, and speaks JSON errors and two languages from the first page.

use crate::helpers::{is_postgres, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn health_check_answers_and_names_the_backend() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let expected = if is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
}

#[tokio::test]
async fn first_start_creates_the_database_and_a_private_signing_key() {
    let app = spawn_app().await;
    let data_dir = &app.settings.storage.data_dir;
    if !is_postgres() {
        assert!(
            data_dir.join("callqa.db").is_file(),
            "SQLite file in the data dir"
        );
    }
    let key = data_dir.join("secret.key");
    assert!(key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[tokio::test]
async fn restarting_on_the_same_data_keeps_it() {
    // A second server on the same data directory and database migrates nothing twice and
    // keeps the signing key.
    let app = spawn_app().await;
    let key_before = std::fs::read(app.settings.storage.data_dir.join("secret.key")).unwrap();
    let mut settings = app.settings.clone();
    settings.bind = "127.0.0.1:0".into();
    let again = callqa::startup::Application::build(settings)
        .await
        .expect("second start");
    let key_after = std::fs::read(app.settings.storage.data_dir.join("secret.key")).unwrap();
    assert_eq!(key_before, key_after);
    drop(again);
}

#[tokio::test]
async fn unknown_api_route_is_a_json_404_in_the_clients_language() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/no-such-thing"))
        .header("Accept-Language", "ru-RU,ru;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(
        body["error"]["message"],
        "По этому адресу ничего не найдено."
    );
}

#[tokio::test]
async fn unknown_page_is_an_html_404() {
    let app = spawn_app().await;
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Nothing was found at this address."),
        "{html}"
    );
}

#[tokio::test]
async fn front_page_speaks_russian_and_english() {
    let app = spawn_app().await;
    let english = app
        .client
        .get(app.url("/"))
        .header("Accept-Language", "en-GB")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains(r#"<html lang="en">"#));
    assert!(english.contains("Blind review of sales calls"));

    let russian = app
        .client
        .get(app.url("/"))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(russian.contains(r#"<html lang="ru">"#));
    assert!(russian.contains("Слепая проверка звонков"));
}

#[tokio::test]
async fn language_cookie_beats_the_browser_header() {
    let app = spawn_app().await;
    let switch = app.get("/lang/ru?next=%2F").await;
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers()["location"], "/");
    let page = app
        .client
        .get(app.url("/"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Слепая проверка звонков"));

    let elsewhere = app.get("/lang/en?next=https%3A%2F%2Fevil.example").await;
    assert_eq!(
        elsewhere.headers()["location"],
        "/",
        "never redirects off-site"
    );
}

#[tokio::test]
async fn assets_are_served_with_long_cache_lifetimes() {
    let app = spawn_app().await;
    let page = app.get("/").await.text().await.unwrap();
    let css_url = page
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with("simple.min.css"))
        .expect("stylesheet link")
        .to_owned();
    let css = app.get(&css_url).await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(app.get("/assets/0000/nothing.css").await.status(), 404);
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |backend: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(format!(
            "{}/migrations/{backend}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}
