//! Every response carries the browser security headers: a Content-Security-Policy that
//! forbids framing and plugins, `nosniff`, a same-origin referrer policy and `DENY` for
//! frames. Checked on every route of the route table (each GET as a user allowed to call
//! it, with real ids; each other method as an anonymous caller, so the refusal is checked),
//! and on the answers no route names: the 404 page, an API 404, a validation error, a static
//! asset, audio with and without a Range.

use callqa::http::routes::Access;
use reqwest::Method;
use serde_json::json;

use crate::fuzz::{Dataset, Who, query_base};

/// What is missing or wrong in the security headers of `headers`.
fn header_problems(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let mut problems = Vec::new();
    match get("content-security-policy") {
        None => problems.push("no Content-Security-Policy".to_owned()),
        Some(policy) => {
            let directives: Vec<String> = policy
                .split(';')
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            for wanted in ["frame-ancestors 'none'", "object-src 'none'"] {
                if !directives.iter().any(|d| d == wanted) {
                    problems.push(format!("CSP `{policy}` lacks `{wanted}`"));
                }
            }
            if !directives.iter().any(|d| d.starts_with("default-src ")) {
                problems.push(format!("CSP `{policy}` lacks `default-src`"));
            }
        }
    }
    if get("x-content-type-options") != Some("nosniff") {
        problems.push(format!(
            "X-Content-Type-Options is {:?}, not nosniff",
            get("x-content-type-options")
        ));
    }
    // `same-origin` or stricter: nothing of the URL may leave for another site.
    if !matches!(get("referrer-policy"), Some("same-origin" | "no-referrer")) {
        problems.push(format!(
            "Referrer-Policy is {:?}, not same-origin or no-referrer",
            get("referrer-policy")
        ));
    }
    if !get("x-frame-options").is_some_and(|v| v.eq_ignore_ascii_case("DENY")) {
        problems.push(format!(
            "X-Frame-Options is {:?}, not DENY",
            get("x-frame-options")
        ));
    }
    problems
}

struct Target {
    label: String,
    method: Method,
    path: String,
    who: Who,
    body: Option<serde_json::Value>,
    range: bool,
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let ds = Dataset::build().await;
    let browsers = ds.browsers().await;
    let mut targets = Vec::new();
    for route in callqa::startup::route_table() {
        let mut path = ds.path(route.path, None);
        let query: Vec<String> = query_base(route.path)
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        let path = ds.resolve(&path, str::to_owned);
        // actix and reqwest use different versions of the `http` crate.
        let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        let who = if method == Method::GET {
            match route.access {
                Access::Public => Who::Anonymous,
                Access::Reviewer => Who::Reviewer,
                Access::Operator => Who::Operator,
                Access::SignedIn if route.path.starts_with("/api/v1/assignments/") => Who::Reviewer,
                Access::SignedIn | Access::Owner | Access::OwnerOrKey => Who::Owner,
            }
        } else {
            // Refused before anything happens, so the check changes no data.
            Who::Anonymous
        };
        targets.push(Target {
            label: format!("{} {}", route.method, route.path),
            method,
            path,
            who,
            body: None,
            range: false,
        });
    }
    let code = ds.code.clone().unwrap();
    let recording = ds.recordings[0].clone();
    let extra = [
        (
            "the 404 page",
            "/no/such/page".to_owned(),
            Who::Anonymous,
            None,
            false,
        ),
        (
            "an API 404",
            "/api/v1/no/such/thing".to_owned(),
            Who::Owner,
            None,
            false,
        ),
        (
            "an API validation error",
            "/api/v1/scripts".to_owned(),
            Who::Owner,
            Some(json!({"name": ""})),
            false,
        ),
        (
            "a static asset",
            "/assets/0/app.css".to_owned(),
            Who::Anonymous,
            None,
            false,
        ),
        (
            "reviewer audio",
            format!("/api/v1/assignments/{code}/audio"),
            Who::Reviewer,
            None,
            false,
        ),
        (
            "reviewer audio, a range",
            format!("/api/v1/assignments/{code}/audio"),
            Who::Reviewer,
            None,
            true,
        ),
        (
            "original audio, a range",
            format!("/api/v1/recordings/{recording}/audio"),
            Who::Owner,
            None,
            true,
        ),
    ];
    for (label, path, who, body, range) in extra {
        targets.push(Target {
            label: label.to_owned(),
            method: if body.is_some() {
                Method::POST
            } else {
                Method::GET
            },
            path,
            who,
            body,
            range,
        });
    }

    let mut failures = Vec::new();
    for target in &targets {
        let page = !target.path.starts_with("/api/")
            && target.path != "/healthz"
            && target.path != "/metrics";
        let client = if page {
            browsers[&target.who].0.clone()
        } else {
            ds.app.api.clone()
        };
        let mut request = client.request(target.method.clone(), ds.app.url(&target.path));
        if target.path == "/metrics" {
            // The scraper's token, not a session.
            request = request.bearer_auth(crate::helpers::METRICS_TOKEN);
        } else if !page && let Some(user) = ds.user_of(target.who) {
            request = request.bearer_auth(&user.token);
        }
        if let Some(body) = &target.body {
            request = request.json(body);
        }
        if target.range {
            request = request.header("Range", "bytes=0-99");
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        if status >= 500 {
            failures.push(format!(
                "{} ({}): status {status}",
                target.label, target.path
            ));
        }
        // A GET with a session shows the page or data itself, so the headers checked are
        // those of a real answer (a dead link answers 410, a language switch redirects).
        let expected_error = target.path.starts_with("/setup/")
            || target.path.starts_with("/lang/")
            || target.label.contains("404")
            || target.label.contains("error");
        if target.method == Method::GET && status >= 400 && !expected_error {
            failures.push(format!(
                "{} ({}): status {status}, expected a successful answer",
                target.label, target.path
            ));
        }
        for problem in header_problems(response.headers()) {
            failures.push(format!(
                "{} ({}, {status}): {problem}",
                target.label, target.path
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} header problems on {} responses:\n{}",
        failures.len(),
        targets.len(),
        failures.join("\n")
    );
}
