//! Times in the viewer's zone: the organization's zone (UTC until the owner picks one), a
//! person's own zone over it, unknown zones refused with a field error, and date filters
//! that count days in the viewer's zone.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, csrf_of, problem_fields, spawn_app, tone_wav};

async fn set_org_zone(app: &TestApp, owner: &TestUser, zone: &str) -> reqwest::Response {
    let mut settings: Value = app
        .get_as("/api/v1/settings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    settings["time_zone"] = json!(zone);
    app.put_json("/api/v1/settings", &owner.token, &settings)
        .await
}

/// A processed call that took place at `called_at`; returns its id.
async fn call_at(app: &TestApp, owner: &TestUser, called_at: &str) -> String {
    let operator = app.operator_record(owner, "Vera").await;
    let script = app.script(owner).await;
    let response = app
        .upload(
            owner,
            "call.wav",
            tone_wav(1.0, 8000),
            &[
                ("operator_id", operator.as_str()),
                ("script_id", script.as_str()),
                ("called_at", called_at),
            ],
        )
        .await;
    assert_eq!(response.status(), 202);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.wait_processed(&owner.token, &id).await;
    id
}

#[tokio::test]
async fn times_follow_the_organization_then_the_person() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let id = call_at(&app, &owner, "2025-03-14T21:30:00Z").await;
    let browser = app.browser_for(&owner).await;
    let detail_path = format!("/recordings/{id}");

    // UTC until the owner picks a zone.
    let detail = app.page_text(&browser, &detail_path).await;
    assert!(detail.contains("14 Mar 2025, 21:30"), "{detail}");
    assert!(
        !detail.contains(">2025-03-14T21:30"),
        "no raw ISO text shown"
    );

    // The organization's zone, written in any case, is stored in the database's spelling.
    let saved = set_org_zone(&app, &owner, "europe/moscow").await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let settings: Value = app
        .get_as("/api/v1/settings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["time_zone"], "Europe/Moscow");
    let detail = app.page_text(&browser, &detail_path).await;
    assert!(detail.contains("15 Mar 2025, 00:30"), "{detail}");

    // The person's own zone wins over the organization's; null goes back to it.
    let own = app
        .put_json(
            "/api/v1/me/time-zone",
            &owner.token,
            &json!({"time_zone": "America/New_York"}),
        )
        .await;
    assert_eq!(own.status(), 204);
    let detail = app.page_text(&browser, &detail_path).await;
    assert!(detail.contains("14 Mar 2025, 17:30"), "{detail}");
    let back = app
        .put_json(
            "/api/v1/me/time-zone",
            &owner.token,
            &json!({"time_zone": null}),
        )
        .await;
    assert_eq!(back.status(), 204);
    let detail = app.page_text(&browser, &detail_path).await;
    assert!(detail.contains("15 Mar 2025, 00:30"), "{detail}");

    // The same choice from the account page, in Russian.
    let account = app.page_text(&browser, "/account").await;
    let form = [
        ("csrf", csrf_of(&account)),
        ("time_zone", "Asia/Yekaterinburg".to_owned()),
    ];
    let response = app.post_form(&browser, "/account/time-zone", &form).await;
    assert_eq!(response.status(), 303);
    browser
        .get(app.url("/lang/ru?next=/"))
        .send()
        .await
        .unwrap();
    let ru = app.page_text(&browser, &format!("/recordings/{id}")).await;
    assert!(ru.contains("15 мар 2025, 02:30"), "{ru}");
}

#[tokio::test]
async fn unknown_zones_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    assert_eq!(
        set_org_zone(&app, &owner, "Europe/Berlin").await.status(),
        200
    );

    for bad in ["Mars/Olympus_Mons", "../../etc/passwd", "", "UTC+3"] {
        let response = set_org_zone(&app, &owner, bad).await;
        assert_eq!(response.status(), 422, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert!(
            problem_fields(&body).contains(&("time_zone".to_owned(), "unknown_zone".to_owned())),
            "{bad}: {body}"
        );
        let own = app
            .put_json(
                "/api/v1/me/time-zone",
                &owner.token,
                &json!({"time_zone": bad}),
            )
            .await;
        // An empty name means "the organization's"; anything else unknown is refused.
        if bad.is_empty() {
            assert_eq!(own.status(), 204);
        } else {
            assert_eq!(own.status(), 422, "{bad}");
        }
    }
    let settings: Value = app
        .get_as("/api/v1/settings", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["time_zone"], "Europe/Berlin");

    // The account form shows the refusal in the page's language.
    let browser = app.browser_for(&owner).await;
    let account = app.page_text(&browser, "/account").await;
    browser
        .get(app.url("/lang/ru?next=/"))
        .send()
        .await
        .unwrap();
    let form = [
        ("csrf", csrf_of(&account)),
        ("time_zone", "Mars/Base".into()),
    ];
    let response = app.post_form(&browser, "/account/time-zone", &form).await;
    assert_eq!(response.status(), 422);
    let text = response.text().await.unwrap();
    assert!(text.contains("Такого часового пояса нет"), "{text}");
}

#[tokio::test]
async fn date_filters_count_days_in_the_viewers_zone() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    call_at(&app, &owner, "2025-03-14T21:30:00Z").await;
    // UTC+14 and UTC−11 are 25 hours apart: the call, uploaded just now, falls on "today"
    // in the first and on an earlier day in the second.
    let now = time::OffsetDateTime::now_utc();
    let kiritimati_today = (now + time::Duration::hours(14)).date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        kiritimati_today.year(),
        u8::from(kiritimati_today.month()),
        kiritimati_today.day()
    );
    let listed = |zone: &'static str| {
        let app = &app;
        let owner = &owner;
        let day = day.clone();
        async move {
            let own = app
                .put_json(
                    "/api/v1/me/time-zone",
                    &owner.token,
                    &json!({"time_zone": zone}),
                )
                .await;
            assert_eq!(own.status(), 204);
            let list: Value = app
                .get_as(
                    &format!("/api/v1/recordings?from={day}&to={day}"),
                    &owner.token,
                )
                .await
                .json()
                .await
                .unwrap();
            list.as_array().map_or(0, Vec::len)
        }
    };
    assert_eq!(listed("Pacific/Kiritimati").await, 1);
    assert_eq!(listed("Pacific/Pago_Pago").await, 0);
}
