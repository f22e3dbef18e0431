//! Least privilege, route by route: every route of the application is called by an anonymous
//! visitor, an owner, a reviewer, an operator and a second operator, and the status of each
//! call is asserted. The table must name every route the application registers (taken from
//! `callqa::startup::route_table()`), so a new route without a row fails this test.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{Invitee, TestApp, TestUser, csrf_of, spawn_app, tone_wav};

#[derive(Clone)]
enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

/// One route and what each caller gets: [anonymous, owner, reviewer, operator, other operator].
struct Row {
    method: &'static str,
    route: &'static str,
    path: String,
    body: Body,
    expect: [u16; 5],
}

fn row(
    method: &'static str,
    route: &'static str,
    path: impl Into<String>,
    body: Body,
    expect: [u16; 5],
) -> Row {
    Row {
        method,
        route,
        path: path.into(),
        body,
        expect,
    }
}

const NO_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The matrix. Page forms get each caller's own CSRF token added when called. Writes that
/// would end the caller's session (logout) come last.
fn matrix(recording: &str) -> Vec<Row> {
    let join = Body::Form(vec![
        ("login", "x".into()),
        ("name", "x".into()),
        ("password", "long enough".into()),
        ("password_again", "long enough".into()),
    ]);
    vec![
        // --- public ---------------------------------------------------------------------
        row("GET", "/healthz", "/healthz", Body::None, [200; 5]),
        // Only the scraper's token opens it; no session does.
        row("GET", "/metrics", "/metrics", Body::None, [401; 5]),
        row("GET", "/", "/", Body::None, [200, 200, 303, 303, 303]),
        row(
            "GET",
            "/lang/{code}",
            "/lang/ru?next=%2F",
            Body::None,
            [303; 5],
        ),
        row(
            "GET",
            "/assets/{hash}/{path:.*}",
            "/assets/0/app.css",
            Body::None,
            [200; 5],
        ),
        row(
            "POST",
            "/api/v1/login",
            "/api/v1/login",
            Body::Json(json!({"login": "nobody", "password": "wrong"})),
            [401; 5],
        ),
        row(
            "GET",
            "/login",
            "/login",
            Body::None,
            [200, 303, 303, 303, 303],
        ),
        row(
            "POST",
            "/login",
            "/login",
            Body::Form(vec![
                ("login", "nobody".into()),
                ("password", "wrong".into()),
            ]),
            [401; 5],
        ),
        row(
            "GET",
            "/setup/{token}",
            "/setup/not-a-token",
            Body::None,
            [410; 5],
        ),
        row(
            "POST",
            "/setup/{token}",
            "/setup/not-a-token",
            join.clone(),
            [410; 5],
        ),
        row(
            "GET",
            "/invite/{token}",
            "/invite/not-a-token",
            Body::None,
            [410; 5],
        ),
        row(
            "POST",
            "/invite/{token}",
            "/invite/not-a-token",
            join,
            [410; 5],
        ),
        row(
            "POST",
            "/api/v1/invites/{token}/accept",
            "/api/v1/invites/not-a-token/accept",
            Body::Json(json!({"login": "x", "name": "x", "password": "long enough"})),
            [410; 5],
        ),
        // --- any signed-in user -----------------------------------------------------------
        row(
            "GET",
            "/api/v1/me",
            "/api/v1/me",
            Body::None,
            [401, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/me/password",
            "/api/v1/me/password",
            Body::Json(json!({"current_password": "wrong", "new_password": "whatever long"})),
            [401, 422, 422, 422, 422],
        ),
        row(
            "PUT",
            "/api/v1/me/language",
            "/api/v1/me/language",
            Body::Json(json!({"language": "ru"})),
            [401, 204, 204, 204, 204],
        ),
        row(
            "PUT",
            "/api/v1/me/time-zone",
            "/api/v1/me/time-zone",
            Body::Json(json!({"time_zone": "Europe/Moscow"})),
            [401, 204, 204, 204, 204],
        ),
        row(
            "GET",
            "/api/v1/me/languages",
            "/api/v1/me/languages",
            Body::None,
            [401, 403, 200, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/me/languages",
            "/api/v1/me/languages",
            Body::Json(json!({"languages": []})),
            [401, 403, 200, 403, 403],
        ),
        row(
            "GET",
            "/account",
            "/account",
            Body::None,
            [303, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/account/password",
            "/account/password",
            Body::Form(vec![
                ("current_password", "x".into()),
                ("new_password", "long enough 1".into()),
                ("new_password_again", "long enough 2".into()),
            ]),
            [303, 422, 422, 422, 422],
        ),
        row(
            "POST",
            "/account/language",
            "/account/language",
            Body::Form(vec![("language", "en".into())]),
            [303; 5],
        ),
        row(
            "POST",
            "/account/time-zone",
            "/account/time-zone",
            Body::Form(vec![("time_zone", "Asia/Yekaterinburg".into())]),
            [303; 5],
        ),
        row(
            "POST",
            "/account/languages",
            "/account/languages",
            Body::Form(vec![]),
            [303, 403, 303, 403, 403],
        ),
        // --- owner only -------------------------------------------------------------------
        row(
            "GET",
            "/api/v1/operators",
            "/api/v1/operators",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/operators",
            "/api/v1/operators",
            Body::Json(json!({"name": ""})),
            [401, 422, 403, 403, 403],
        ),
        row(
            "PATCH",
            "/api/v1/operators/{id}",
            format!("/api/v1/operators/{NO_ID}"),
            Body::Json(json!({"name": "x"})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/users",
            "/api/v1/users",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/users/{id}/deactivate",
            format!("/api/v1/users/{NO_ID}/deactivate"),
            Body::Json(json!({})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/users/{id}/reactivate",
            format!("/api/v1/users/{NO_ID}/reactivate"),
            Body::Json(json!({})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/invites",
            "/api/v1/invites",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/invites",
            "/api/v1/invites",
            Body::Json(json!({"role": "owner"})),
            [401, 422, 403, 403, 403],
        ),
        row(
            "DELETE",
            "/api/v1/invites/{id}",
            format!("/api/v1/invites/{NO_ID}"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/people",
            "/people",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/people/operators",
            "/people/operators",
            Body::Form(vec![("name", "".into())]),
            [303, 422, 403, 403, 403],
        ),
        row(
            "POST",
            "/people/operators/{id}/name",
            format!("/people/operators/{NO_ID}/name"),
            Body::Form(vec![("name", "x".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/people/invites",
            "/people/invites",
            Body::Form(vec![("role", "owner".into())]),
            [303, 422, 403, 403, 403],
        ),
        row(
            "POST",
            "/people/invites/{id}/revoke",
            format!("/people/invites/{NO_ID}/revoke"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/people/users/{id}/active",
            format!("/people/users/{NO_ID}/active"),
            Body::Form(vec![("active", "true".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/recordings",
            "/api/v1/recordings",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/recordings",
            "/api/v1/recordings",
            Body::Json(json!({})),
            [401, 400, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/recordings/{id}/retry",
            format!("/api/v1/recordings/{NO_ID}/retry"),
            Body::Json(json!({})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/recordings/{id}/redactions",
            format!("/api/v1/recordings/{NO_ID}/redactions"),
            Body::Json(json!({"redactions": []})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/recordings/{id}/reviews",
            format!("/api/v1/recordings/{NO_ID}/reviews"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/reviews/{id}/reject",
            format!("/api/v1/reviews/{NO_ID}/reject"),
            Body::Json(json!({"reason": "x"})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/reviews/{id}/restore",
            format!("/api/v1/reviews/{NO_ID}/restore"),
            Body::Json(json!({})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/recordings/{id}/gold",
            format!("/api/v1/recordings/{NO_ID}/gold"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/recordings/{id}/gold",
            format!("/api/v1/recordings/{NO_ID}/gold"),
            Body::Json(json!({"answers": []})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "DELETE",
            "/api/v1/recordings/{id}/gold",
            format!("/api/v1/recordings/{NO_ID}/gold"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/settings",
            "/api/v1/settings",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/settings",
            "/api/v1/settings",
            Body::Json(json!({"voice_mode": "off", "reviews_required": 1})),
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/recordings",
            "/recordings",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/recordings/upload",
            "/recordings/upload",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/upload",
            "/recordings/upload",
            Body::Form(vec![]),
            [303, 400, 403, 403, 403],
        ),
        row(
            "GET",
            "/recordings/{id}",
            format!("/recordings/{recording}"),
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/{id}/redactions",
            format!("/recordings/{NO_ID}/redactions"),
            Body::Form(vec![("action", "remove".into()), ("index", "0".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/{id}/reviews/{review}/reject",
            format!("/recordings/{NO_ID}/reviews/{NO_ID}/reject"),
            Body::Form(vec![("reason", "x".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/{id}/reviews/{review}/restore",
            format!("/recordings/{NO_ID}/reviews/{NO_ID}/restore"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/{id}/gold",
            format!("/recordings/{NO_ID}/gold"),
            Body::Form(vec![("answer-x", "correct".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/{id}/gold/unmark",
            format!("/recordings/{NO_ID}/gold/unmark"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/{id}/retry",
            format!("/recordings/{NO_ID}/retry"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/settings",
            "/settings",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/settings",
            "/settings",
            Body::Form(vec![
                ("voice_mode", "off".into()),
                ("reviews_required", "1".into()),
            ]),
            [303, 303, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/scripts",
            "/api/v1/scripts",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/scripts",
            "/api/v1/scripts",
            Body::Json(json!({})),
            [401, 422, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/scripts/import",
            "/api/v1/scripts/import",
            Body::Json(json!({})),
            [401, 422, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/scripts/{id}",
            format!("/api/v1/scripts/{NO_ID}"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/scripts/{id}/versions",
            format!("/api/v1/scripts/{NO_ID}/versions"),
            Body::Json(json!({"steps": [{"title": "A"}]})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/scripts/{id}/versions/{number}",
            format!("/api/v1/scripts/{NO_ID}/versions/1"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/scripts/{id}/diff",
            format!("/api/v1/scripts/{NO_ID}/diff?from=1&to=1"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/scripts/{id}/export",
            format!("/api/v1/scripts/{NO_ID}/export"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/reviews/flagged",
            "/api/v1/reviews/flagged",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/reviews/{id}/check",
            format!("/api/v1/reviews/{NO_ID}/check"),
            Body::Json(json!({})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/reviewers/flagged/{review}/check",
            format!("/reviewers/flagged/{NO_ID}/check"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/consensus/refit",
            "/api/v1/consensus/refit",
            Body::Json(json!({})),
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/scripts/{id}/overlap",
            format!("/api/v1/scripts/{NO_ID}/overlap"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/scripts/{id}/overlap",
            format!("/api/v1/scripts/{NO_ID}/overlap"),
            Body::Json(json!({"min_reviews": 1, "max_reviews": 3})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/scripts/{id}/language",
            format!("/api/v1/scripts/{NO_ID}/language"),
            Body::Json(json!({"language": "en"})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/scripts/{id}/overlap",
            format!("/scripts/{NO_ID}/overlap"),
            Body::Form(vec![
                ("min_reviews", "1".into()),
                ("max_reviews", "3".into()),
            ]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/scripts/{id}/language",
            format!("/scripts/{NO_ID}/language"),
            Body::Form(vec![("language", "en".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/scripts",
            "/scripts",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/scripts",
            "/scripts",
            Body::Form(vec![("name", "".into())]),
            [303, 422, 403, 403, 403],
        ),
        row(
            "POST",
            "/scripts/import",
            "/scripts/import",
            Body::Form(vec![("file", "{}".into())]),
            [303, 422, 403, 403, 403],
        ),
        row(
            "GET",
            "/scripts/{id}",
            format!("/scripts/{NO_ID}"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/scripts/{id}/versions/{number}",
            format!("/scripts/{NO_ID}/versions/1"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/scripts/{id}/edit",
            format!("/scripts/{NO_ID}/edit"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/scripts/{id}/edit",
            format!("/scripts/{NO_ID}/edit"),
            Body::Form(vec![("action", "save".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/scripts/{id}/diff",
            format!("/scripts/{NO_ID}/diff"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/scripts/{id}/preview",
            format!("/scripts/{NO_ID}/preview"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/scripts/{id}/print",
            format!("/scripts/{NO_ID}/print"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/assignments/next",
            "/api/v1/assignments/next",
            Body::Json(json!({})),
            [401, 403, 200, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/assignments/{code}/audio",
            format!("/api/v1/assignments/{NO_ID}/audio"),
            Body::None,
            [401, 404, 404, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/assignments/{code}/peaks",
            format!("/api/v1/assignments/{NO_ID}/peaks"),
            Body::None,
            [401, 404, 404, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/assignments/{code}/skip",
            format!("/api/v1/assignments/{NO_ID}/skip"),
            Body::Json(json!({"reason": "noise"})),
            [401, 403, 404, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/assignments/{code}/review",
            format!("/api/v1/assignments/{NO_ID}/review"),
            Body::Json(json!({"verdicts": []})),
            [401, 403, 404, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/me/reviews",
            "/api/v1/me/reviews",
            Body::None,
            [401, 403, 200, 403, 403],
        ),
        row(
            "GET",
            "/review",
            "/review",
            Body::None,
            [303, 403, 200, 403, 403],
        ),
        row(
            "POST",
            "/review/next",
            "/review/next",
            Body::Form(vec![]),
            [303, 403, 303, 403, 403],
        ),
        row(
            "GET",
            "/review/history",
            "/review/history",
            Body::None,
            [303, 403, 200, 403, 403],
        ),
        row(
            "GET",
            "/review/{code}",
            format!("/review/{NO_ID}"),
            Body::None,
            [303, 403, 404, 403, 403],
        ),
        row(
            "POST",
            "/review/{code}",
            format!("/review/{NO_ID}"),
            Body::Form(vec![]),
            [303, 403, 404, 403, 403],
        ),
        row(
            "POST",
            "/review/{code}/skip",
            format!("/review/{NO_ID}/skip"),
            Body::Form(vec![]),
            [303, 403, 404, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/gaps",
            "/api/v1/gaps",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/gaps/{id}",
            format!("/api/v1/gaps/{NO_ID}"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/gaps/{id}/accept",
            format!("/api/v1/gaps/{NO_ID}/accept"),
            Body::Json(json!({})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/gaps/{id}/dismiss",
            format!("/api/v1/gaps/{NO_ID}/dismiss"),
            Body::Json(json!({"reason": "noise"})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/gaps",
            "/gaps",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/gaps",
            "/gaps",
            Body::Form(vec![("action", "accept".into()), ("gap", NO_ID.into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/me/calls",
            "/api/v1/me/calls",
            Body::None,
            [401, 403, 403, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/me/calls/{id}/acknowledge",
            format!("/api/v1/me/calls/{NO_ID}/acknowledge"),
            Body::Json(json!({})),
            [401, 403, 403, 404, 404],
        ),
        row(
            "POST",
            "/api/v1/me/calls/{id}/disputes",
            format!("/api/v1/me/calls/{NO_ID}/disputes"),
            Body::Json(json!({"steps": []})),
            [401, 403, 403, 404, 404],
        ),
        row(
            "GET",
            "/api/v1/disputes",
            "/api/v1/disputes",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/disputes/{id}",
            format!("/api/v1/disputes/{NO_ID}"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/disputes/{id}/decision",
            format!("/api/v1/disputes/{NO_ID}/decision"),
            Body::Json(json!({"steps": []})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/recordings/{id}/outcome",
            format!("/api/v1/recordings/{NO_ID}/outcome"),
            Body::Json(json!({"outcome": "won"})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/outcomes",
            "/api/v1/outcomes",
            Body::Json(json!({})),
            [401, 422, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/{id}/outcome",
            format!("/recordings/{NO_ID}/outcome"),
            Body::Form(vec![("outcome", "won".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/outcomes",
            "/recordings/outcomes",
            Body::Form(vec![]),
            [303, 400, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/funnel",
            "/api/v1/funnel",
            Body::None,
            [401, 422, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/scripts/{id}/effect",
            format!("/api/v1/scripts/{NO_ID}/effect"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/win-back",
            "/api/v1/win-back",
            Body::None,
            [401, 422, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/win-back/{id}",
            format!("/api/v1/win-back/{NO_ID}"),
            Body::Json(json!({"status": "won_back"})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/overview/win-back/{id}",
            format!("/overview/win-back/{NO_ID}"),
            Body::Form(vec![("status", "won_back".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/overview/funnel",
            "/overview/funnel",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/connectors",
            "/connectors",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/connectors/{vendor}",
            "/connectors/generic",
            Body::Form(vec![("secret", "short".into())]),
            [303, 422, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/connectors",
            "/api/v1/connectors",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/connectors/{vendor}",
            "/api/v1/connectors/generic",
            Body::Json(json!({"secret": "short"})),
            [401, 422, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/connectors/{vendor}/events",
            "/api/v1/connectors/generic/events",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/hooks/generic",
            "/hooks/generic",
            Body::Json(json!({})),
            [404, 404, 404, 404, 404],
        ),
        row(
            "POST",
            "/hooks/mango/events/record/added",
            "/hooks/mango/events/record/added",
            Body::Form(vec![("json", "{}".into())]),
            [404, 404, 404, 404, 404],
        ),
        row(
            "POST",
            "/hooks/mango/events/{kind}",
            "/hooks/mango/events/call",
            Body::Form(vec![("json", "{}".into())]),
            [404, 404, 404, 404, 404],
        ),
        row(
            "GET",
            "/hooks/zadarma",
            "/hooks/zadarma?zd_echo=abc123",
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/hooks/zadarma",
            "/hooks/zadarma",
            Body::Form(vec![("event", "NOTIFY_RECORD".into())]),
            [404, 404, 404, 404, 404],
        ),
        row(
            "POST",
            "/hooks/megafon",
            "/hooks/megafon",
            Body::Form(vec![("cmd", "history".into())]),
            [404, 404, 404, 404, 404],
        ),
        row(
            "POST",
            "/api/v1/connectors/{vendor}/test",
            "/api/v1/connectors/generic/test",
            Body::Json(json!({})),
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/connectors/{vendor}/test",
            "/connectors/generic/test",
            Body::Form(vec![]),
            [303, 303, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/keys",
            "/api/v1/keys",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/keys",
            "/api/v1/keys",
            Body::Json(json!({"name": ""})),
            [401, 422, 403, 403, 403],
        ),
        row(
            "DELETE",
            "/api/v1/keys/{id}",
            format!("/api/v1/keys/{NO_ID}"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/extensions",
            "/api/v1/extensions",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/extensions/{extension}",
            "/api/v1/extensions/201",
            Body::Json(json!({"operator_id": NO_ID})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "DELETE",
            "/api/v1/extensions/{extension}",
            "/api/v1/extensions/201",
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/inbound",
            "/api/v1/inbound",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/inbound/{id}/operator",
            format!("/api/v1/inbound/{NO_ID}/operator"),
            Body::Json(json!({"operator_id": NO_ID})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/scripts/{id}/sampling",
            format!("/api/v1/scripts/{NO_ID}/sampling"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/scripts/{id}/sampling",
            format!("/api/v1/scripts/{NO_ID}/sampling"),
            Body::Json(json!({"size": 2})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/recordings/{id}/sample",
            format!("/api/v1/recordings/{NO_ID}/sample"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/calls",
            "/calls",
            Body::None,
            [303, 403, 403, 200, 200],
        ),
        row(
            "GET",
            "/calls/{id}",
            format!("/calls/{NO_ID}"),
            Body::None,
            [303, 403, 403, 404, 404],
        ),
        row(
            "POST",
            "/calls/{id}/acknowledge",
            format!("/calls/{NO_ID}/acknowledge"),
            Body::Form(vec![]),
            [303, 403, 403, 404, 404],
        ),
        row(
            "POST",
            "/calls/{id}/dispute",
            format!("/calls/{NO_ID}/dispute"),
            Body::Form(vec![]),
            [303, 403, 403, 404, 404],
        ),
        row(
            "GET",
            "/disputes",
            "/disputes",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/disputes/{id}",
            format!("/disputes/{NO_ID}"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/disputes/{id}",
            format!("/disputes/{NO_ID}"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/keys",
            "/keys",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/keys",
            "/keys",
            Body::Form(vec![("name", String::new())]),
            [303, 422, 403, 403, 403],
        ),
        row(
            "POST",
            "/keys/{id}/revoke",
            format!("/keys/{NO_ID}/revoke"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/people/operators/{id}/extensions",
            format!("/people/operators/{NO_ID}/extensions"),
            Body::Form(vec![("extension", "201".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/people/extensions/remove",
            "/people/extensions/remove",
            Body::Form(vec![("extension", "999".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/recordings/inbound",
            "/recordings/inbound",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/inbound/{id}/operator",
            format!("/recordings/inbound/{NO_ID}/operator"),
            Body::Form(vec![("operator_id", NO_ID.into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/recordings/{id}/sample",
            format!("/recordings/{NO_ID}/sample"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/scripts/{id}/sampling",
            format!("/scripts/{NO_ID}/sampling"),
            Body::Form(vec![("mode", "all".into())]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/overview",
            "/api/v1/overview",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/agreement",
            format!("/api/v1/agreement?script_id={NO_ID}"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/overview",
            "/overview",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/overview.csv",
            "/overview.csv",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/overview/answers.csv",
            "/overview/answers.csv",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/answers.csv",
            "/api/v1/answers.csv",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/kpi",
            "/api/v1/kpi",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/overview/kpi.csv",
            "/overview/kpi.csv",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/overview/kpi.xlsx",
            "/overview/kpi.xlsx",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        // --- paying reviewers ---------------------------------------------------------
        row(
            "GET",
            "/api/v1/me/earnings",
            "/api/v1/me/earnings",
            Body::None,
            [401, 403, 200, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/me/payout-details",
            "/api/v1/me/payout-details",
            Body::None,
            [401, 403, 200, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/me/payout-details",
            "/api/v1/me/payout-details",
            Body::Json(json!({})),
            [401, 403, 422, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/settings",
            "/api/v1/pay/settings",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/pay/settings",
            "/api/v1/pay/settings",
            Body::Json(json!({})),
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/scripts",
            "/api/v1/pay/scripts",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/pay/scripts/{id}/rate",
            format!("/api/v1/pay/scripts/{NO_ID}/rate"),
            Body::Json(json!({"review_rate": "1.00"})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "DELETE",
            "/api/v1/pay/scripts/{id}/rate",
            format!("/api/v1/pay/scripts/{NO_ID}/rate"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/open",
            "/api/v1/pay/open",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/ledger",
            "/api/v1/pay/ledger",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/ledger.csv",
            "/api/v1/pay/ledger.csv",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/ledger.xlsx",
            "/api/v1/pay/ledger.xlsx",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/pay/adjustments",
            "/api/v1/pay/adjustments",
            Body::Json(json!({})),
            [401, 422, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/pay/reviewers/{id}/release",
            format!("/api/v1/pay/reviewers/{NO_ID}/release"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/periods",
            "/api/v1/pay/periods",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        // Nothing was earned before 2020: nothing to close, whatever the rows above did.
        row(
            "POST",
            "/api/v1/pay/periods",
            "/api/v1/pay/periods",
            Body::Json(json!({"until": "2020-01-01"})),
            [401, 409, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/periods/{id}",
            format!("/api/v1/pay/periods/{NO_ID}"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/pay/periods/{id}/approve",
            format!("/api/v1/pay/periods/{NO_ID}/approve"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/pay/periods/{id}/paid",
            format!("/api/v1/pay/periods/{NO_ID}/paid"),
            Body::Json(json!({"paid_on": "2026-12-01", "reference": "x"})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/periods/{id}/registry.csv",
            format!("/api/v1/pay/periods/{NO_ID}/registry.csv"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/pay/periods/{id}/registry.xlsx",
            format!("/api/v1/pay/periods/{NO_ID}/registry.xlsx"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row("GET", "/pay", "/pay", Body::None, [303, 200, 403, 403, 403]),
        row(
            "POST",
            "/pay/close",
            "/pay/close",
            Body::Form(vec![("until", "2020-01-01".into())]),
            [303, 409, 403, 403, 403],
        ),
        row(
            "POST",
            "/pay/adjustments",
            "/pay/adjustments",
            Body::Form(vec![]),
            [303, 422, 403, 403, 403],
        ),
        row(
            "POST",
            "/pay/settings",
            "/pay/settings",
            Body::Form(vec![
                ("minute_rate", "0.00".into()),
                ("gold_min_steps", "20".into()),
                ("bonus_accuracy", "90".into()),
                ("bonus_percent", "0".into()),
                ("hold_accuracy", "0".into()),
                ("locale", "en".into()),
            ]),
            [303, 303, 403, 403, 403],
        ),
        row(
            "POST",
            "/pay/scripts/rate",
            "/pay/scripts/rate",
            Body::Form(vec![
                ("script_id", NO_ID.into()),
                ("review_rate", "1".into()),
            ]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/pay/reviewers/{id}/release",
            format!("/pay/reviewers/{NO_ID}/release"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/pay/ledger",
            "/pay/ledger",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/pay/periods/{id}",
            format!("/pay/periods/{NO_ID}"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/pay/periods/{id}/approve",
            format!("/pay/periods/{NO_ID}/approve"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/pay/periods/{id}/paid",
            format!("/pay/periods/{NO_ID}/paid"),
            Body::Form(vec![
                ("paid_on", "2026-12-01".into()),
                ("reference", "x".into()),
            ]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/review/earnings",
            "/review/earnings",
            Body::None,
            [303, 403, 200, 403, 403],
        ),
        row(
            "POST",
            "/account/payout",
            "/account/payout",
            Body::Form(vec![]),
            [303, 403, 422, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/reviewers",
            "/api/v1/reviewers",
            Body::None,
            [401, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/reviewers/{id}",
            format!("/api/v1/reviewers/{NO_ID}"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/reviewers/{id}/pause",
            format!("/api/v1/reviewers/{NO_ID}/pause"),
            Body::Json(json!({})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/api/v1/reviewers/{id}/resume",
            format!("/api/v1/reviewers/{NO_ID}/resume"),
            Body::Json(json!({})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/api/v1/reviewers/{id}/languages",
            format!("/api/v1/reviewers/{NO_ID}/languages"),
            Body::None,
            [401, 404, 403, 403, 403],
        ),
        row(
            "PUT",
            "/api/v1/reviewers/{id}/languages",
            format!("/api/v1/reviewers/{NO_ID}/languages"),
            Body::Json(json!({"languages": ["ru"]})),
            [401, 404, 403, 403, 403],
        ),
        row(
            "GET",
            "/reviewers",
            "/reviewers",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        row(
            "GET",
            "/reviewers/{id}",
            format!("/reviewers/{NO_ID}"),
            Body::None,
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/reviewers/{id}/pause",
            format!("/reviewers/{NO_ID}/pause"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/reviewers/{id}/resume",
            format!("/reviewers/{NO_ID}/resume"),
            Body::Form(vec![]),
            [303, 404, 403, 403, 403],
        ),
        row(
            "POST",
            "/reviewers/{id}/languages",
            format!("/reviewers/{NO_ID}/languages"),
            Body::Form(vec![("language", "ru".into())]),
            [303, 404, 403, 403, 403],
        ),
        // --- the owner, and an operator for their own calls only ------------------------------
        row(
            "GET",
            "/api/v1/recordings/{id}",
            format!("/api/v1/recordings/{recording}"),
            Body::None,
            [401, 200, 403, 200, 404],
        ),
        row(
            "GET",
            "/api/v1/recordings/{id}/audio",
            format!("/api/v1/recordings/{recording}/audio"),
            Body::None,
            [401, 200, 403, 200, 404],
        ),
        // --- ends the session: last --------------------------------------------------------
        row("POST", "/logout", "/logout", Body::Form(vec![]), [303; 5]),
        row(
            "POST",
            "/api/v1/logout",
            "/api/v1/logout",
            Body::Json(json!({})),
            [401, 204, 204, 204, 204],
        ),
    ]
}

/// Each signed-in caller's page-form token, as their browser would have it.
async fn page_tokens(app: &TestApp, callers: &[Option<TestUser>]) -> Vec<String> {
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(match caller {
            Some(user) => csrf_of(
                &app.get_as("/account", &user.token)
                    .await
                    .text()
                    .await
                    .unwrap(),
            ),
            None => String::new(),
        });
    }
    tokens
}

async fn call(app: &TestApp, row: &Row, caller: Option<&TestUser>, csrf: &str) -> u16 {
    let method = reqwest::Method::from_bytes(row.method.as_bytes()).unwrap();
    let mut request = app.api.request(method, app.url(&row.path));
    if let Some(user) = caller {
        request = request.bearer_auth(&user.token);
    }
    request = match &row.body {
        Body::None => request,
        Body::Json(value) => request.json(value),
        Body::Form(fields) => {
            let mut fields = fields.clone();
            if !csrf.is_empty() {
                fields.push(("csrf", csrf.to_owned()));
            }
            request.form(&fields)
        }
    };
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_checks_role_and_ownership() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let operator = app.invited(&owner, Invitee::Operator, "oleg").await;
    let other_operator = app.invited(&owner, Invitee::Operator, "olga").await;
    let mut callers: [Option<TestUser>; 5] = [
        None,
        Some(owner),
        Some(reviewer),
        Some(operator),
        Some(other_operator),
    ];
    let mut tokens = page_tokens(&app, &callers).await;
    let owner = callers[1].as_ref().unwrap();
    let operator = callers[3].as_ref().unwrap();
    let script = app.script(owner).await;
    let upload: Value = app
        .upload(
            owner,
            "call.wav",
            tone_wav(1.0, 8000),
            &[
                ("operator_id", operator.operator_id.as_deref().unwrap()),
                ("script_id", &script),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let recording = upload["id"].as_str().unwrap();
    // Processed, so a reviewer asking for a call gets this one.
    app.wait_processed(&owner.token, recording).await;
    let rows = matrix(recording);

    let registered: BTreeSet<(String, String)> = callqa::startup::route_table()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_owned(), r.route.to_owned()))
        .collect();
    let missing: Vec<_> = registered.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the role matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );

    // The declared access of each route agrees with the statuses the matrix expects.
    for route in callqa::startup::route_table() {
        let row = rows
            .iter()
            .find(|r| r.method == route.method.as_str() && r.route == route.path)
            .unwrap();
        use callqa::http::routes::Access;
        let [anonymous, _, reviewer, operator, _] = row.expect;
        match route.access {
            Access::Public => assert!(
                anonymous != 401 || row.expect.iter().all(|s| *s == 401),
                "{} {} is public",
                row.method,
                row.route
            ),
            Access::SignedIn => assert!(
                matches!(anonymous, 401 | 303),
                "{} {}",
                row.method,
                row.route
            ),
            Access::Owner | Access::OwnerOrKey => assert!(
                matches!(anonymous, 401 | 303) && reviewer == 403 && operator == 403,
                "{} {} is for owners",
                row.method,
                row.route
            ),
            Access::Reviewer | Access::Operator => {
                assert!(
                    matches!(anonymous, 401 | 303),
                    "{} {}",
                    row.method,
                    row.route
                )
            }
        }
    }

    let mut failures = Vec::new();
    for row in &rows {
        for (index, caller) in callers.iter().enumerate() {
            let status = call(&app, row, caller.as_ref(), &tokens[index]).await;
            if status != row.expect[index] {
                let who = [
                    "anonymous",
                    "owner",
                    "reviewer",
                    "operator",
                    "other operator",
                ][index];
                failures.push(format!(
                    "{} {} as {who}: got {status}, expected {}",
                    row.method, row.path, row.expect[index]
                ));
            }
        }
        if row.route.ends_with("logout") {
            // Everyone logged out: log in again for the rows that follow.
            for user in callers.iter_mut().flatten() {
                let login: Value = app
                    .login(&user.login, &user.password)
                    .await
                    .json()
                    .await
                    .unwrap();
                user.token = login["token"].as_str().unwrap().to_owned();
            }
            tokens = page_tokens(&app, &callers).await;
        }
    }
    assert!(
        failures.is_empty(),
        "role matrix mismatches:\n{}",
        failures.join("\n")
    );
}
