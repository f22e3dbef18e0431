//! `/metrics` for Prometheus: only the scraper's token opens it, it counts requests by route
//! pattern (never a raw path, id or code), the calls handed out, the reviews stored and the
//! copies built, and reads the job queue and the database pool at each scrape.

use serde_json::{Value, json};

use crate::helpers::{Invitee, METRICS_TOKEN, TestApp, spawn_app_with, test_settings, tone_wav};

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.api.get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The value of the series named exactly `series` (name and labels), if present.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn the_scraper_sees_requests_draws_reviews_and_builds_by_route_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    for token in [None, Some("not-the-token"), Some("")] {
        let refused = scrape(&app, token).await;
        assert_eq!(refused.status(), 401, "{token:?}");
        let body: Value = refused.json().await.unwrap();
        assert!(
            body["error"].is_object() || body["error"].is_string(),
            "{body}"
        );
    }
    // A session is not the scraper's token either.
    let owner = app.owner().await;
    assert_eq!(scrape(&app, Some(&owner.token)).await.status(), 401);

    let script = app.script(&owner).await;
    let operator = app.operator_record(&owner, "Anna").await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let uploaded: Value = app
        .upload(
            &owner,
            "call.wav",
            tone_wav(1.0, 8000),
            &[("operator_id", &operator), ("script_id", &script)],
        )
        .await
        .json()
        .await
        .unwrap();
    let id = uploaded["id"].as_str().unwrap().to_owned();
    app.wait_processed(&owner.token, &id).await;
    let task: Value = app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let code = task["code"].as_str().unwrap().to_owned();
    let verdicts: Vec<Value> = task["script"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"step_id": s["id"], "verdict": "correct"}))
        .collect();
    let sent = app
        .post_json(
            &format!("/api/v1/assignments/{code}/review"),
            Some(&reviewer.token),
            &json!({ "verdicts": verdicts }),
        )
        .await;
    assert_eq!(sent.status(), 201);
    // Nothing more for this reviewer.
    let none = app
        .post_json(
            "/api/v1/assignments/next",
            Some(&reviewer.token),
            &json!({}),
        )
        .await;
    assert_eq!(none.status(), 204);
    app.get_as(&format!("/api/v1/recordings/{id}"), &owner.token)
        .await;

    let scraped = scrape(&app, Some(METRICS_TOKEN)).await;
    assert_eq!(scraped.status(), 200);
    assert_eq!(
        scraped.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(scraped.headers()["cache-control"], "no-store");
    let text = scraped.text().await.unwrap();
    // One registry per process: other tests' servers count in it too, hence "at least".
    for (series, least) in [
        (
            r#"callqa_http_requests_total{method="POST",route="/api/v1/recordings",status="202"}"#,
            1.0,
        ),
        (
            r#"callqa_http_requests_total{method="GET",route="/api/v1/recordings/{id}",status="200"}"#,
            1.0,
        ),
        (
            r#"callqa_http_requests_total{method="GET",route="/metrics",status="401"}"#,
            4.0,
        ),
        (
            r#"callqa_http_request_duration_seconds_count{method="POST",route="/api/v1/assignments/{code}/review"}"#,
            1.0,
        ),
        (r#"callqa_draws_total{result="call"}"#, 1.0),
        (r#"callqa_draws_total{result="none"}"#, 1.0),
        ("callqa_reviews_total", 1.0),
        ("callqa_copy_build_duration_seconds_count", 1.0),
    ] {
        let found = value(&text, series).unwrap_or_else(|| panic!("{series} in\n{text}"));
        assert!(found >= least, "{series} = {found}");
    }
    // This server's pool: at most 4 connections (the tests' setting).
    assert_eq!(
        value(&text, r#"callqa_db_pool_connections{state="max"}"#),
        Some(4.0)
    );
    assert!(value(&text, r#"callqa_db_pool_connections{state="open"}"#).unwrap() >= 1.0);
    // No id, code or raw path reaches the monitoring system.
    for secret in [
        id.as_str(),
        code.as_str(),
        operator.as_str(),
        script.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
}

#[tokio::test]
async fn the_queue_is_read_at_each_scrape_and_without_a_token_there_are_no_metrics() {
    // No job workers: the upload's job stays queued.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.job_workers = Some(0);
    let app = spawn_app_with(settings, dir).await;
    app.expect_unfinished_jobs();
    let owner = app.owner().await;
    let script = app.script(&owner).await;
    let operator = app.operator_record(&owner, "Anna").await;
    let before = scrape(&app, Some(METRICS_TOKEN))
        .await
        .text()
        .await
        .unwrap();
    assert!(!before.contains("callqa_jobs{"), "{before}");
    // Two different files (an identical one would be skipped).
    for seconds in [1.0, 1.5] {
        let response = app
            .upload(
                &owner,
                "call.wav",
                tone_wav(seconds, 8000),
                &[("operator_id", &operator), ("script_id", &script)],
            )
            .await;
        assert_eq!(response.status(), 202);
    }
    let text = scrape(&app, Some(METRICS_TOKEN))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        value(
            &text,
            r#"callqa_jobs{kind="process_recording",status="queued"}"#
        ),
        Some(2.0),
        "{text}"
    );
    let age = value(
        &text,
        r#"callqa_job_oldest_queued_age_seconds{kind="process_recording"}"#,
    )
    .unwrap();
    assert!((0.0..60.0).contains(&age), "{age}");

    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.metrics_token = None;
    let off = spawn_app_with(settings, dir).await;
    assert_eq!(scrape(&off, Some(METRICS_TOKEN)).await.status(), 404);
    assert_eq!(scrape(&off, None).await.status(), 404);
}
