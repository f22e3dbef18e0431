//! Every redirect callqa sends stays on callqa: the language switch and the login come back
//! to the page named in `next` only when a browser would read it as a path of this site.

use crate::helpers::{PASSWORD, spawn_app};

/// What a browser could make of each `next`: tabs and newlines are dropped by browsers
/// (`/\t/evil` becomes `//evil`, another host), backslashes read as slashes.
const HOSTILE: &[&str] = &[
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D%0A/evil.example",
    "%09//evil.example",
    "//evil.example",
    "/%5Cevil.example",
    "/%2F/evil.example",
    "/%252F/evil.example",
    "https://evil.example",
    "/%20/evil.example",
    "javascript:alert(1)",
];

#[tokio::test]
async fn the_language_switch_never_sends_anyone_to_another_site() {
    let app = spawn_app().await;
    for next in HOSTILE {
        let response = app
            .api
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{next}");
        let location = response.headers()["location"].to_str().unwrap();
        let resolved = url::Url::parse("http://callqa.test")
            .unwrap()
            .join(location)
            .unwrap();
        assert_eq!(
            resolved.host_str(),
            Some("callqa.test"),
            "{next} → {location:?}"
        );
        assert_eq!(location, "/", "{next}");
    }
    let fine = app
        .api
        .get(app.url("/lang/ru?next=%2Fscripts%3Fx%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.headers()["location"], "/scripts?x=1");
}

#[tokio::test]
async fn the_login_form_goes_back_only_to_this_site() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    for next in HOSTILE {
        let decoded: String = url::form_urlencoded::parse(format!("next={next}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .collect();
        // The page that shows the form.
        let page = app
            .api
            .get(app.url(&format!("/login?next={next}")))
            .send()
            .await
            .unwrap();
        assert!(page.status().is_success(), "{next}: {}", page.status());
        // The form itself.
        let browser = crate::helpers::new_client();
        let response = app
            .post_form(
                &browser,
                "/login",
                &[
                    ("login", owner.login.as_str()),
                    ("password", PASSWORD),
                    ("next", decoded.as_str()),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{next}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "{next} → {location:?}"
        );
        assert!(!location.contains("evil"), "{next} → {location:?}");
    }
}
