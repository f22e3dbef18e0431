//! Sampling plans: N random calls per operator and period reach reviewers, held until the
//! period ends; the rest are kept as not sampled, and the owner can pull one in. Decided as
//! calls arrive, also for uploads racing each other; the uniformity of the draw itself is
//! checked by the unit test of `callqa::sampling::step`.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, problem_fields, spawn_app_with, test_settings, tone_wav};

async fn app_with_short_quiet() -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path());
    settings.sample_quiet_seconds = 1;
    spawn_app_with(settings, data_dir).await
}

async fn upload(
    app: &TestApp,
    owner: &TestUser,
    operator: &str,
    script: &str,
    called_at: &str,
    direction: &str,
    seconds: f32,
) -> String {
    let response = app
        .upload(
            owner,
            "call.wav",
            tone_wav(seconds, 8000),
            &[
                ("operator_id", operator),
                ("script_id", script),
                ("called_at", called_at),
                ("direction", direction),
            ],
        )
        .await;
    assert_eq!(response.status(), 202);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The sample word of each recording (`None`: in review).
async fn samples(app: &TestApp, owner: &TestUser, ids: &[String]) -> Vec<Option<String>> {
    let mut found = Vec::new();
    for id in ids {
        let body = app.wait_processed(&owner.token, id).await;
        assert_eq!(body["status"], "ready", "{body}");
        found.push(body["sample"].as_str().map(str::to_owned));
    }
    found
}

fn pooled(app: &TestApp) -> Vec<String> {
    use callqa::db::schema::assignment_pool;
    assignment_pool::table
        .select(assignment_pool::recording_id)
        .load(&mut app.connect_db())
        .unwrap()
}

/// The most calls any period's sample holds right now (one statement: a consistent view).
fn fullest_sample(app: &TestApp) -> i64 {
    #[derive(QueryableByName)]
    struct Most {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(
        "SELECT COALESCE(MAX(n), 0) AS n FROM (SELECT COUNT(*) AS n FROM sample_members \
         WHERE taken GROUP BY script_id, operator_id, period_start) AS taken",
    )
    .get_result::<Most>(&mut app.connect_db())
    .unwrap()
    .n
}

/// Waits until none of `ids` is held any more (their period was released), checking all
/// along that no sample ever holds more than the plan's size.
async fn released(app: &TestApp, owner: &TestUser, ids: &[String]) -> Vec<Option<String>> {
    for _ in 0..100 {
        assert!(fullest_sample(app) <= 2, "never more than the plan's size");
        let now = samples(app, owner, ids).await;
        if now.iter().all(|s| s.as_deref() != Some("held")) {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the period's sample was not released");
}

#[tokio::test]
async fn n_calls_per_operator_and_week_reach_reviewers_when_the_week_ends() {
    let app = app_with_short_quiet().await;
    let owner = app.owner().await;
    let anna = app.operator_record(&owner, "Anna").await;
    let boris = app.operator_record(&owner, "Boris").await;
    let script = app.script(&owner).await;
    let plan = app
        .put_json(
            &format!("/api/v1/scripts/{script}/sampling"),
            &owner.token,
            &json!({"size": 2, "period": "week"}),
        )
        .await;
    assert_eq!(plan.status(), 200);
    let shown: Value = app
        .get_as(&format!("/api/v1/scripts/{script}/sampling"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        shown,
        json!({"size": 2, "period": "week", "min_seconds": null, "direction": null})
    );

    // Six calls of Anna's in one past week, uploaded at once; one of Boris's.
    let anna_calls: Vec<String> = futures_util::future::join_all((0..6).map(|day| {
        let (app, owner, anna, script) = (&app, &owner, &anna, &script);
        async move {
            let at = format!("2026-11-0{}T10:00:00Z", 2 + day);
            upload(app, owner, anna, script, &at, "inbound", 1.0).await
        }
    }))
    .await;
    let boris_call = upload(
        &app,
        &owner,
        &boris,
        &script,
        "2026-11-03T12:00:00Z",
        "inbound",
        1.0,
    )
    .await;

    let anna_samples = released(&app, &owner, &anna_calls).await;
    let in_review: Vec<&String> = anna_calls
        .iter()
        .zip(&anna_samples)
        .filter(|(_, s)| s.is_none())
        .map(|(id, _)| id)
        .collect();
    assert_eq!(in_review.len(), 2, "{anna_samples:?}");
    assert_eq!(
        anna_samples
            .iter()
            .filter(|s| s.as_deref() == Some("out"))
            .count(),
        4
    );
    assert_eq!(
        released(&app, &owner, std::slice::from_ref(&boris_call)).await,
        [None]
    );

    // Reviewers can be given exactly the sampled calls.
    let mut pool = pooled(&app);
    pool.sort();
    let mut expected: Vec<String> = in_review.iter().map(|s| s.to_string()).collect();
    expected.push(boris_call.clone());
    expected.sort();
    assert_eq!(pool, expected);

    // The owner pulls one that was left out into review.
    let (left_out, _) = anna_calls
        .iter()
        .zip(&anna_samples)
        .find(|(_, s)| s.as_deref() == Some("out"))
        .unwrap();
    let pulled = app
        .post_json(
            &format!("/api/v1/recordings/{left_out}/sample"),
            Some(&owner.token),
            &json!({}),
        )
        .await;
    assert_eq!(pulled.status(), 204);
    assert!(pooled(&app).contains(left_out));
    let view = app.wait_processed(&owner.token, left_out).await;
    assert!(view.get("sample").is_none(), "{view}");
    let missing = app
        .post_json(
            "/api/v1/recordings/00000000-0000-0000-0000-000000000000/sample",
            Some(&owner.token),
            &json!({}),
        )
        .await;
    assert_eq!(missing.status(), 404);

    // The overview counts what arrived, what is in review, and what was reviewed.
    let overview: Value = app
        .get_as(
            "/api/v1/overview?from=2026-11-01&to=2026-11-30",
            &owner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let lines: Vec<(String, i64, i64, i64)> = overview["intake"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_owned(),
                l["arrived"].as_i64().unwrap(),
                l["sampled"].as_i64().unwrap(),
                l["reviewed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [("Anna".to_owned(), 6, 3, 0), ("Boris".to_owned(), 1, 1, 0)]
    );
    assert_eq!(
        overview["intake_total"],
        json!({"arrived": 7, "sampled": 4, "reviewed": 0})
    );
    let page = app
        .page_text(
            &app.browser_for(&owner).await,
            "/overview?from=2026-11-01&to=2026-11-30",
        )
        .await;
    assert!(page.contains("Calls that arrived"), "{page}");

    #[derive(QueryableByName)]
    struct Period {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        seen: i32,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        taken: i32,
    }
    let periods: Vec<Period> =
        diesel::sql_query("SELECT seen, taken FROM sample_periods ORDER BY seen")
            .load(&mut app.connect_db())
            .unwrap();
    let periods: Vec<(i32, i32)> = periods.iter().map(|p| (p.seen, p.taken)).collect();
    assert_eq!(periods, [(1, 1), (6, 2)]);
}

#[tokio::test]
async fn short_calls_and_the_other_direction_are_not_sampled_and_the_current_week_waits() {
    let app = app_with_short_quiet().await;
    let owner = app.owner().await;
    let anna = app.operator_record(&owner, "Anna").await;
    let script = app.script(&owner).await;

    let bad = app
        .put_json(
            &format!("/api/v1/scripts/{script}/sampling"),
            &owner.token,
            &json!({"size": 0, "period": "year", "min_seconds": -1, "direction": "up"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    let fields: Vec<String> = problem_fields(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["size", "period", "min_seconds", "direction"]);
    let unknown = app
        .put_json(
            "/api/v1/scripts/00000000-0000-0000-0000-000000000000/sampling",
            &owner.token,
            &json!({"size": 2}),
        )
        .await;
    assert_eq!(unknown.status(), 404);

    let plan = app
        .put_json(
            &format!("/api/v1/scripts/{script}/sampling"),
            &owner.token,
            &json!({"size": "5", "period": "day", "min_seconds": 2, "direction": "outbound"}),
        )
        .await;
    assert_eq!(plan.status(), 200);
    let past = "2026-11-02T10:00:00Z";
    let short = upload(&app, &owner, &anna, &script, past, "outbound", 1.0).await;
    let inbound = upload(&app, &owner, &anna, &script, past, "inbound", 3.0).await;
    let kept = upload(&app, &owner, &anna, &script, past, "outbound", 3.0).await;
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let today = upload(&app, &owner, &anna, &script, &now, "outbound", 3.0).await;

    let settled = released(
        &app,
        &owner,
        &[short.clone(), inbound.clone(), kept.clone()],
    )
    .await;
    assert_eq!(
        settled,
        [Some("out".to_owned()), Some("out".to_owned()), None]
    );
    // Today's call is in today's sample, held until the day ends: no reviewer gets it yet.
    assert_eq!(
        samples(&app, &owner, std::slice::from_ref(&today)).await,
        [Some("held".to_owned())]
    );
    assert_eq!(pooled(&app), std::slice::from_ref(&kept));
    let pulled = app
        .post_json(
            &format!("/api/v1/recordings/{today}/sample"),
            Some(&owner.token),
            &json!({}),
        )
        .await;
    assert_eq!(pulled.status(), 204);
    let mut pool = pooled(&app);
    pool.sort();
    let mut expected = vec![kept, today];
    expected.sort();
    assert_eq!(pool, expected);
}
