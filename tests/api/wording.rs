//! What every visitor reads whatever page they land on: the 404 page and the language switch
//! in the visitor's own language with nothing left in English, the favicon, one Russian word
//! for the reviewer role, and a start page that promises only what callqa does.

use crate::helpers::{new_client, spawn_app};

/// Every Russian message file and every template, with its name.
fn russian_texts() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut folders = vec![root.join("assets/locales/ru"), root.join("templates")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path.display().to_string(), text));
            }
        }
    }
    assert!(
        files.len() > 10,
        "the message files and templates are found"
    );
    files
}

#[test]
fn the_reviewer_is_called_one_thing_in_russian() {
    for (name, text) in russian_texts() {
        let lower = text.to_lowercase();
        assert!(!lower.contains("рецензент"), "{name} says «рецензент»");
        // «Пробел» is the space bar: the gap queue is «доработки».
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            let space_bar = lower.contains("клавиш");
            assert!(
                space_bar || !lower.contains("пробел"),
                "{name}:{}: {line}",
                n + 1
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_address_answers_in_the_visitors_language_without_english_codes() {
    let app = spawn_app().await;
    for (header, cookie, lang, message, code_line) in [
        (
            "ru-RU,ru;q=0.9",
            None,
            "ru",
            "По этому адресу ничего не найдено.",
            "Ошибка 404",
        ),
        (
            "en",
            None,
            "en",
            "Nothing was found at this address.",
            "Error 404",
        ),
        // The language chosen on the site beats the browser's.
        (
            "en",
            Some("lang=ru"),
            "ru",
            "По этому адресу ничего не найдено.",
            "Ошибка 404",
        ),
    ] {
        let mut request = app
            .client
            .get(app.url("/no/such/page"))
            .header("Accept-Language", header);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 404);
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!(r#"<html lang="{lang}">"#)), "{html}");
        assert!(html.contains(&format!("<h1>{message}</h1>")), "{html}");
        assert!(
            html.contains(&format!(r#"<p class="muted">{code_line}</p>"#)),
            "{html}"
        );
        // The tab's title is the message, and the machine code only an attribute.
        let title = message.trim_end_matches('.');
        assert!(
            html.contains(&format!("<title>{title} · callqa</title>")),
            "{html}"
        );
        assert!(html.contains(r#"data-error-code="not_found""#));
        assert!(!html.contains("(not_found)"));
        if lang == "ru" {
            for english in [
                "Log in",
                "Back to the start page",
                "Main menu",
                "blind review",
            ] {
                assert!(!html.contains(english), "«{english}» on a Russian page");
            }
        }
    }
}

#[tokio::test]
async fn a_language_switch_to_no_language_is_a_404_and_keeps_the_current_one() {
    let app = spawn_app().await;
    let browser = new_client();
    let switched = browser
        .get(app.url("/lang/ru?next=%2Flogin"))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 303);
    assert_eq!(switched.headers()["location"], "/login");
    assert!(
        switched.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("lang=ru")
    );

    let unknown = browser
        .get(app.url("/lang/xx?next=%2Flogin"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(
        unknown.headers().get("set-cookie").is_none(),
        "no silent switch to English"
    );
    let html = unknown.text().await.unwrap();
    assert!(html.contains(r#"<html lang="ru">"#), "{html}");
    assert!(html.contains("По этому адресу ничего не найдено."));
    let login = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains(r#"<html lang="ru">"#), "still Russian");
}

#[tokio::test]
async fn every_page_links_a_favicon_served_as_an_svg_asset() {
    let app = spawn_app().await;
    let page = app.get("/login").await.text().await.unwrap();
    let link = page
        .lines()
        .find(|line| line.contains(r#"rel="icon""#))
        .expect("a favicon link");
    assert!(link.contains(r#"type="image/svg+xml""#), "{link}");
    let href = link
        .split(r#"href=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(
        href.starts_with("/assets/") && href.ends_with("/favicon.svg"),
        "{href}"
    );
    let icon = app.get(href).await;
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(
        icon.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let svg = icon.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("viewBox"), "{svg}");
    assert!(!svg.contains("<script"), "an icon runs nothing");
}

#[tokio::test]
async fn the_landing_page_promises_only_what_callqa_does() {
    let app = spawn_app().await;
    for (lang, true_promise, marked_ranges, overpromise) in [
        (
            "en",
            "without the file's name, tags or date",
            "names and numbers spoken in a call are hidden where you mark them",
            "names, numbers, dates and file details are stripped",
        ),
        (
            "ru",
            "без имени файла, тегов и даты",
            "имена и номера, произнесённые в разговоре, скрываются там, где вы их отметите",
            "имена, номера, даты и сведения о файлах удаляются",
        ),
    ] {
        let html = app
            .client
            .get(app.url("/"))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // The HTML escapes the apostrophe of "file's"; the text is what counts.
        let text = html.replace("&#39;", "'").replace("&#x27;", "'");
        assert!(text.contains(true_promise), "{lang}: {html}");
        assert!(text.contains(marked_ranges), "{lang}: {html}");
        assert!(!text.contains(overpromise), "{lang}");
    }
}
