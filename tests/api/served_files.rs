//! A browser must never be led to run something an uploader sent. An original named
//! `page.html` or `x.svg` (or holding such a page) is served as the audio the decoder finds
//! in it, or as opaque bytes, always as a download and never sniffed, to the owner and to the
//! call's operator alike. Every response carries a Content-Security-Policy that runs only
//! this origin's own scripts, and no template carries inline script for it to block.

use serde_json::Value;

use crate::helpers::{Invitee, TestApp, TestUser, spawn_app, tone_wav};

const SVG_PAGE: &[u8] =
    b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(document.cookie)\">\
<script>fetch('/api/v1/me')</script></svg>";

struct Floor {
    app: TestApp,
    owner: TestUser,
    operator: TestUser,
    script_id: String,
}

async fn floor() -> Floor {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let operator = app.invited(&owner, Invitee::Operator, "oleg").await;
    let script_id = app.script(&owner).await;
    Floor {
        app,
        owner,
        operator,
        script_id,
    }
}

impl Floor {
    /// Uploads `bytes` as `name` for the operator's call and waits for processing to end.
    async fn upload(&self, name: &str, bytes: Vec<u8>) -> String {
        let operator = self.operator.operator_id.clone().unwrap();
        let response = self
            .app
            .upload(
                &self.owner,
                name,
                bytes,
                &[("operator_id", &operator), ("script_id", &self.script_id)],
            )
            .await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        let id = body["id"].as_str().unwrap().to_owned();
        self.app.wait_processed(&self.owner.token, &id).await;
        id
    }

    /// The original as `who` gets it, with `range` when given; asserts it is safe to hand to
    /// a browser and returns its content type and body.
    async fn original(&self, id: &str, who: &TestUser, range: Option<&str>) -> (String, Vec<u8>) {
        let mut request = self
            .app
            .api
            .get(self.app.url(&format!("/api/v1/recordings/{id}/audio")))
            .bearer_auth(&who.token);
        if let Some(range) = range {
            request = request.header("Range", range);
        }
        let response = request.send().await.unwrap();
        let expected = if range.is_some() { 206 } else { 200 };
        assert_eq!(
            response.status(),
            expected,
            "{} gets the original",
            who.login
        );
        let headers = response.headers().clone();
        let content_type = headers["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type == "application/octet-stream" || content_type.starts_with("audio/"),
            "{}: served as {content_type}",
            who.login
        );
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment;"),
            "a download, never inline: {disposition}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        (content_type, response.bytes().await.unwrap().to_vec())
    }
}

#[tokio::test]
async fn audio_named_like_a_page_is_served_as_the_audio_it_is_for_owner_and_operator() {
    let f = floor().await;
    let audio = tone_wav(1.0, 8000);
    for name in ["page.html", "x.svg"] {
        let id = f.upload(name, audio.clone()).await;
        for who in [&f.owner, &f.operator] {
            let (content_type, body) = f.original(&id, who, None).await;
            assert_eq!(
                content_type, "audio/wav",
                "what the decoder found, not {name}"
            );
            assert_eq!(body, audio, "the original, byte for byte");
            let (_, part) = f.original(&id, who, Some("bytes=100-199")).await;
            assert_eq!(part, audio[100..200].to_vec(), "players can still seek");
        }
        let response = f
            .app
            .get_as(&format!("/api/v1/recordings/{id}/audio"), &f.owner.token)
            .await;
        let disposition = response.headers()["content-disposition"].to_str().unwrap();
        assert!(
            disposition.contains(&format!("filename*=UTF-8''{name}")),
            "the real name for saving it: {disposition}"
        );
    }
}

#[tokio::test]
async fn a_page_uploaded_as_a_call_is_served_as_opaque_bytes() {
    let f = floor().await;
    for name in ["x.svg", "page.html", "call.wav"] {
        let id = f.upload(name, SVG_PAGE.to_vec()).await;
        for who in [&f.owner, &f.operator] {
            let (content_type, body) = f.original(&id, who, None).await;
            assert_eq!(content_type, "application/octet-stream", "{name}");
            assert_eq!(body, SVG_PAGE);
        }
    }
}

#[tokio::test]
async fn every_response_carries_the_content_security_policy() {
    let f = floor().await;
    let login_page = f.app.get("/login").await;
    let page = login_page.text().await.unwrap();
    let css = page
        .split('"')
        .find(|s| s.starts_with("/assets/") && s.ends_with("/app.css"))
        .expect("the page links its stylesheet")
        .to_owned();
    let signed_out = reqwest::Client::new();
    let responses = [
        ("a page", f.app.get("/login").await),
        ("a signed-in page", {
            let browser = f.app.browser_for(&f.owner).await;
            browser.get(f.app.url("/")).send().await.unwrap()
        }),
        (
            "an API response",
            f.app.get_as("/api/v1/me", &f.owner.token).await,
        ),
        ("the health check", f.app.get("/healthz").await),
        (
            "an API error",
            signed_out
                .get(f.app.url("/api/v1/me"))
                .send()
                .await
                .unwrap(),
        ),
        ("a missing page", f.app.get("/no/such/page").await),
        ("an asset", f.app.get(&css).await),
    ];
    for (what, response) in responses {
        let status = response.status();
        let policy = response
            .headers()
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{what} ({status}) has no Content-Security-Policy"));
        assert_strict(&policy, what);
    }
}

/// Only this origin's own scripts run, no plugins, no `<base>`, no framing, forms post here.
fn assert_strict(policy: &str, what: &str) {
    let directive = |name: &str| {
        policy
            .split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{what}: no {name} in {policy}"))
            .to_owned()
    };
    assert_eq!(directive("default-src"), "default-src 'self'", "{what}");
    assert_eq!(directive("script-src"), "script-src 'self'", "{what}");
    assert_eq!(directive("object-src"), "object-src 'none'", "{what}");
    assert_eq!(directive("base-uri"), "base-uri 'none'", "{what}");
    assert_eq!(directive("form-action"), "form-action 'self'", "{what}");
    assert_eq!(
        directive("frame-ancestors"),
        "frame-ancestors 'none'",
        "{what}"
    );
    for name in ["style-src", "img-src", "media-src"] {
        let sources = directive(name);
        assert!(
            !sources.contains('*') && !sources.contains("data:") && !sources.contains("http"),
            "{what}: {sources}"
        );
    }
}

/// Inline script would be blocked by the policy and break the page: none may exist.
#[test]
fn no_template_carries_inline_script() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut pending = vec![root];
    let mut checked = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let html = std::fs::read_to_string(&path).unwrap();
            checked += 1;
            for tag in html.split("<script").skip(1) {
                let open = tag.split('>').next().unwrap_or_default();
                assert!(
                    open.contains(" src="),
                    "{}: inline <script{open}>",
                    path.display()
                );
            }
            let lower = html.to_lowercase();
            for handler in lower.split(" on").skip(1) {
                let name: String = handler
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                assert!(
                    name.is_empty() || !handler[name.len()..].starts_with('='),
                    "{}: inline on{name}= handler",
                    path.display()
                );
            }
            assert!(
                !lower.contains("javascript:"),
                "{}: javascript: URL",
                path.display()
            );
        }
    }
    assert!(checked > 10, "templates found: {checked}");
}
