//! The vendors' connectors — Mango Office, Zadarma / Novofon, a MegaFon-style virtual PBX —
//! each against a local fake of the vendor serving its documented payloads: events signed as
//! the vendor signs them (computed here from the documentation, not with the product's code),
//! the vendor's recording API checking the product's signatures, a good event, a bad
//! signature (401, nothing stored), repeats (one recording), a download that fails twice then
//! works, one that never works (the call ends `failed` with a reason), events that bring no
//! recording, and the "send a test event" check.

use std::collections::HashMap;

use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Digest;

use crate::connectors::{
    Behaviour, FakePbx, VendorApi, all_settled, app_with_fetch, calls, vendor_events,
};
use crate::helpers::{TestApp, TestUser};

const MANGO_KEY: &str = "4lp1nd2z8lqlbb9a7g3f0m0qz0v3d1oe";
const MANGO_SALT: &str = "ewv0j9mz1c6y5k0b2n8h4u7x3q2w1e9r";
const ZADARMA_KEY: &str = "a1b2c3d4e5f6a7b8c9d0";
const ZADARMA_SECRET: &str = "0f9e8d7c6b5a4f3e2d1c";
const MEGAFON_TOKEN: &str = "4f0c2e39-7a1b-4f6d-9c1e-2b7a5d3e8f10";

/// An owner, an operator whose extension `extension` is mapped, and a script.
async fn owner_with_operator(app: &TestApp, extension: &str) -> (TestUser, String, String) {
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    let mapped = app
        .put_json(
            &format!("/api/v1/extensions/{extension}"),
            &owner.token,
            &json!({"operator_id": operator}),
        )
        .await;
    assert_eq!(mapped.status(), 200);
    (owner, operator, script)
}

async fn configure(app: &TestApp, owner: &TestUser, vendor: &str, settings: Value) {
    let response = app
        .put_json(
            &format!("/api/v1/connectors/{vendor}"),
            &owner.token,
            &settings,
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn post_form(
    app: &TestApp,
    path: &str,
    form: &[(&str, String)],
    headers: &[(&str, String)],
) -> reqwest::Response {
    let mut request = app.api.post(app.url(path)).form(form);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.unwrap()
}

fn count(events: &[String], outcome: &str) -> usize {
    events.iter().filter(|e| *e == outcome).count()
}

async fn test_event_arrives(app: &TestApp, owner: &TestUser, vendor: &str) {
    let tested: Value = app
        .post_json(
            &format!("/api/v1/connectors/{vendor}/test"),
            Some(&owner.token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tested["arrived"], true, "{tested}");
    assert_eq!(vendor_events(app, owner, vendor).await[0], "test");
}

// --- Mango Office ---------------------------------------------------------------------------

fn mango_form(key: &str, salt: &str, event: &Value) -> Vec<(&'static str, String)> {
    let json = event.to_string();
    let sign = hex::encode(sha2::Sha256::digest(format!("{key}{json}{salt}")));
    vec![
        ("vpbx_api_key", key.to_owned()),
        ("sign", sign),
        ("json", json),
    ]
}

async fn mango_app(behaviours: HashMap<&'static str, Behaviour>) -> (FakePbx, TestApp) {
    let pbx = FakePbx::with_api(
        behaviours,
        VendorApi::Mango {
            key: MANGO_KEY.to_owned(),
            salt: MANGO_SALT.to_owned(),
        },
    )
    .await;
    (pbx, app_with_fetch(true, 3).await)
}

async fn mango_settings(app: &TestApp, owner: &TestUser, pbx: &FakePbx, script: &str) {
    configure(
        app,
        owner,
        "mango",
        json!({"secret": MANGO_SALT, "api_key": MANGO_KEY, "api_url": pbx.url("/vpbx"), "script_id": script}),
    )
    .await;
}

const MANGO_RECORD: &str = "/hooks/mango/events/record/added";

#[tokio::test]
async fn mango_record_added_is_verified_and_fetched_once_through_the_recording_api() {
    let (pbx, app) = mango_app(HashMap::new()).await;
    let (owner, operator, script) = owner_with_operator(&app, "1001").await;

    // An API key is needed beside the salt.
    let missing = app
        .put_json(
            "/api/v1/connectors/mango",
            &owner.token,
            &json!({"secret": MANGO_SALT}),
        )
        .await;
    assert_eq!(missing.status(), 422);
    mango_settings(&app, &owner, &pbx, &script).await;
    let listed: Value = app
        .get_as("/api/v1/connectors", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let mango = listed["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["vendor"] == "mango")
        .unwrap();
    assert_eq!(mango["api_key"], MANGO_KEY);
    assert!(!listed.to_string().contains(MANGO_SALT));

    let event = json!({
        "entry_id": "MToxMDA1NzU5Mzo1MDI6NjI1ODM4MzQ=",
        "recording_id": "rec-81",
        "user_id": 1001,
        "timestamp": 1764583500,
    });
    // Signed with another salt, or sent under another account's key: refused, nothing kept.
    for form in [
        mango_form(MANGO_KEY, "another-salt-of-another-pbx", &event),
        mango_form("another-account-key", MANGO_SALT, &event),
    ] {
        let refused = post_form(&app, MANGO_RECORD, &form, &[]).await;
        assert_eq!(refused.status(), 401);
    }
    assert!(calls(&app).is_empty());
    assert_eq!(pbx.total(), 0);

    let form = mango_form(MANGO_KEY, MANGO_SALT, &event);
    let first = post_form(&app, MANGO_RECORD, &form, &[]).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["repeat"], false);
    let repeats =
        futures_util::future::join_all((0..3).map(|_| post_form(&app, MANGO_RECORD, &form, &[])))
            .await;
    for repeat in repeats {
        let repeat: Value = repeat.json().await.unwrap();
        assert_eq!(repeat["inbound_id"], first["inbound_id"]);
        assert_eq!(repeat["repeat"], true);
    }
    let settled = all_settled(&app, 1).await;
    assert_eq!(settled[0].state, "accepted", "{settled:?}");
    let processed = app
        .wait_processed(&owner.token, settled[0].recording_id.as_deref().unwrap())
        .await;
    assert_eq!(processed["status"], "ready");
    assert_eq!(processed["operator_id"], operator);
    assert_eq!(pbx.hits("/vpbx/queries/recording/post/"), 1);
    assert_eq!(pbx.hits("/rec/rec-81.wav"), 1);

    // Another kind of event is checked and noted; nothing is fetched for it.
    let call_event = mango_form(
        MANGO_KEY,
        MANGO_SALT,
        &json!({"entry_id": "x", "call_state": "Appeared"}),
    );
    let ignored = post_form(&app, "/hooks/mango/events/call", &call_event, &[]).await;
    assert_eq!(ignored.status(), 200);
    assert!(ignored.json::<Value>().await.unwrap()["ignored"].is_string());
    let bad_json = mango_form(MANGO_KEY, MANGO_SALT, &json!({"recording_id": "r"}));
    assert_eq!(
        post_form(&app, MANGO_RECORD, &bad_json, &[]).await.status(),
        422
    );

    test_event_arrives(&app, &owner, "mango").await;
    let seen = vendor_events(&app, &owner, "mango").await;
    assert_eq!(count(&seen, "bad_signature"), 2);
    assert_eq!(count(&seen, "accepted"), 1);
    assert_eq!(count(&seen, "repeat"), 3);
    assert_eq!(count(&seen, "ignored"), 1);
    assert_eq!(count(&seen, "invalid"), 1);
    assert_eq!(calls(&app).len(), 1);
    assert!(app.invariant_violations().is_empty());
}

#[tokio::test]
async fn mango_downloads_are_retried_and_one_that_never_works_fails_with_a_reason() {
    let (pbx, app) = mango_app(HashMap::from([
        (
            "/rec/flaky.wav",
            Behaviour {
                failures: 2,
                status: 503,
            },
        ),
        (
            "/rec/gone.wav",
            Behaviour {
                failures: u32::MAX,
                status: 500,
            },
        ),
    ]))
    .await;
    let (owner, _, script) = owner_with_operator(&app, "1001").await;
    mango_settings(&app, &owner, &pbx, &script).await;
    for recording in ["flaky", "gone"] {
        let event = json!({"entry_id": format!("entry-{recording}"), "recording_id": recording, "user_id": "1001"});
        let form = mango_form(MANGO_KEY, MANGO_SALT, &event);
        assert_eq!(
            post_form(&app, MANGO_RECORD, &form, &[]).await.status(),
            200
        );
    }
    let settled = all_settled(&app, 2).await;
    let (flaky, gone) = (&settled[0], &settled[1]);
    assert_eq!(flaky.external_id, "entry-flaky/flaky");
    assert_eq!(flaky.state, "accepted", "{flaky:?}");
    assert_eq!(flaky.attempts, 2);
    assert_eq!(pbx.hits("/rec/flaky.wav"), 3);
    assert_eq!(gone.state, "failed", "{gone:?}");
    let reason = gone.error.as_deref().unwrap();
    assert!(
        reason.contains("gave up after 3 attempts") && reason.contains("500"),
        "{reason}"
    );
}

// --- Zadarma / Novofon ----------------------------------------------------------------------

/// The vendor's signature: base64 of the hex HMAC-SHA1.
fn zadarma_sign(data: &str) -> String {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(ZADARMA_SECRET.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(hex::encode(mac.finalize().into_bytes()))
}

fn notify_end(
    call: &str,
    recording: &str,
    internal: &str,
    recorded: bool,
) -> Vec<(&'static str, String)> {
    vec![
        ("event", "NOTIFY_END".to_owned()),
        ("call_start", "2026-12-01 13:15:00".to_owned()),
        ("pbx_call_id", call.to_owned()),
        ("caller_id", "79990001122".to_owned()),
        ("called_did", "74950001100".to_owned()),
        ("internal", internal.to_owned()),
        ("duration", "95".to_owned()),
        ("disposition", "answered".to_owned()),
        ("is_recorded", if recorded { "1" } else { "0" }.to_owned()),
        ("call_id_with_rec", recording.to_owned()),
    ]
}

fn end_signature() -> String {
    // caller_id + called_did + call_start
    zadarma_sign(concat!("79990001122", "74950001100", "2026-12-01 13:15:00"))
}

fn notify_record(call: &str, recording: &str) -> (Vec<(&'static str, String)>, String) {
    (
        vec![
            ("event", "NOTIFY_RECORD".to_owned()),
            ("pbx_call_id", call.to_owned()),
            ("call_id_with_rec", recording.to_owned()),
        ],
        zadarma_sign(&format!("{call}{recording}")),
    )
}

async fn zadarma_app(
    behaviours: HashMap<&'static str, Behaviour>,
    retry_seconds: u64,
) -> (FakePbx, TestApp) {
    let pbx = FakePbx::with_api(
        behaviours,
        VendorApi::Zadarma {
            key: ZADARMA_KEY.to_owned(),
            secret: ZADARMA_SECRET.to_owned(),
        },
    )
    .await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(data_dir.path());
    settings.fetch.fetch_allow_private = true;
    settings.fetch.fetch_retry_seconds = retry_seconds;
    settings.fetch.fetch_attempts = 3;
    settings.fetch.fetch_timeout_seconds = 10;
    (
        pbx,
        crate::helpers::spawn_app_with(settings, data_dir).await,
    )
}

async fn zadarma_settings(app: &TestApp, owner: &TestUser, pbx: &FakePbx, script: &str) {
    configure(
        app,
        owner,
        "zadarma",
        json!({"secret": ZADARMA_SECRET, "api_key": ZADARMA_KEY, "api_url": pbx.url(""), "script_id": script}),
    )
    .await;
}

#[tokio::test]
async fn zadarma_call_ends_and_records_are_verified_and_each_call_fetched_once() {
    let (pbx, app) = zadarma_app(HashMap::new(), 0).await;
    let (owner, operator, script) = owner_with_operator(&app, "100").await;
    zadarma_settings(&app, &owner, &pbx, &script).await;

    // The address check echoes its value, and only a plain one.
    let echo = app
        .api
        .get(app.url("/hooks/zadarma?zd_echo=a8Zk31x"))
        .send()
        .await
        .unwrap();
    assert_eq!(echo.status(), 200);
    assert_eq!(echo.text().await.unwrap(), "a8Zk31x");
    let hostile = app
        .api
        .get(app.url("/hooks/zadarma?zd_echo=%3Cscript%3E"))
        .send()
        .await
        .unwrap();
    assert_eq!(hostile.status(), 400);

    let end = notify_end("in_1764594900.1", "1764594900.5674", "100", true);
    let bad = post_form(
        &app,
        "/hooks/zadarma",
        &end,
        &[("Signature", zadarma_sign("forged"))],
    )
    .await;
    assert_eq!(bad.status(), 401);
    let unsigned = post_form(&app, "/hooks/zadarma", &end, &[]).await;
    assert_eq!(unsigned.status(), 401);
    assert!(calls(&app).is_empty());
    assert_eq!(pbx.total(), 0);

    let signature = end_signature();
    let first = post_form(
        &app,
        "/hooks/zadarma",
        &end,
        &[("Signature", signature.clone())],
    )
    .await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["repeat"], false);
    // The record event for the same call is a repeat.
    let (record, record_signature) = notify_record("in_1764594900.1", "1764594900.5674");
    let repeat = post_form(
        &app,
        "/hooks/zadarma",
        &record,
        &[("Signature", record_signature)],
    )
    .await;
    let repeat: Value = repeat.json().await.unwrap();
    assert_eq!(repeat["repeat"], true);
    assert_eq!(repeat["inbound_id"], first["inbound_id"]);

    // A call that was not recorded, and a call's start: noted, nothing kept.
    let unrecorded = notify_end("in_1764594999.2", "", "100", false);
    let ignored = post_form(
        &app,
        "/hooks/zadarma",
        &unrecorded,
        &[("Signature", signature.clone())],
    )
    .await;
    assert_eq!(ignored.status(), 200);
    let mut start = notify_end("in_1764594999.3", "", "100", false);
    start[0].1 = "NOTIFY_START".to_owned();
    assert_eq!(
        post_form(&app, "/hooks/zadarma", &start, &[("Signature", signature)])
            .await
            .status(),
        200
    );

    // A record event alone (its call's end never heard) waits for the owner to name the
    // operator, the file kept.
    let (alone, alone_signature) = notify_record("out_1764595100.4", "1764595100.77");
    assert_eq!(
        post_form(
            &app,
            "/hooks/zadarma",
            &alone,
            &[("Signature", alone_signature)]
        )
        .await
        .status(),
        200
    );

    let settled = all_settled(&app, 2).await;
    let (recorded, waiting) = (&settled[0], &settled[1]);
    assert_eq!(recorded.external_id, "in_1764594900.1");
    assert_eq!(recorded.state, "accepted", "{recorded:?}");
    assert_eq!(waiting.state, "needs_operator", "{waiting:?}");
    let processed = app
        .wait_processed(&owner.token, recorded.recording_id.as_deref().unwrap())
        .await;
    assert_eq!(processed["operator_id"], operator);
    assert_eq!(pbx.hits("/rec/1764594900.5674.wav"), 1);
    assert_eq!(pbx.hits_under("/v1/pbx/record/request/"), 2);

    test_event_arrives(&app, &owner, "zadarma").await;
    let seen = vendor_events(&app, &owner, "zadarma").await;
    assert_eq!(count(&seen, "bad_signature"), 2);
    assert_eq!(count(&seen, "accepted"), 2);
    assert_eq!(count(&seen, "repeat"), 1);
    assert_eq!(count(&seen, "ignored"), 2);
    assert!(app.invariant_violations().is_empty());
}

#[tokio::test]
async fn zadarma_downloads_are_retried_and_a_late_call_end_fills_in_the_operator() {
    // Retried after a second: the call's end, sent right after its record, is heard while
    // the first attempt's failure waits.
    let (pbx, app) = zadarma_app(
        HashMap::from([
            (
                "/rec/flaky.wav",
                Behaviour {
                    failures: 2,
                    status: 503,
                },
            ),
            (
                "/rec/gone.wav",
                Behaviour {
                    failures: u32::MAX,
                    status: 500,
                },
            ),
        ]),
        1,
    )
    .await;
    let (owner, operator, script) = owner_with_operator(&app, "100").await;
    zadarma_settings(&app, &owner, &pbx, &script).await;
    let (record, signature) = notify_record("call-flaky", "flaky");
    assert_eq!(
        post_form(&app, "/hooks/zadarma", &record, &[("Signature", signature)])
            .await
            .status(),
        200
    );
    let end = notify_end("call-flaky", "flaky", "100", true);
    let late = post_form(
        &app,
        "/hooks/zadarma",
        &end,
        &[("Signature", end_signature())],
    )
    .await;
    assert_eq!(late.json::<Value>().await.unwrap()["repeat"], true);
    let (record, signature) = notify_record("call-gone", "gone");
    assert_eq!(
        post_form(&app, "/hooks/zadarma", &record, &[("Signature", signature)])
            .await
            .status(),
        200
    );

    let settled = all_settled(&app, 2).await;
    let (flaky, gone) = (&settled[0], &settled[1]);
    assert_eq!(flaky.state, "accepted", "{flaky:?}");
    assert_eq!(flaky.operator_extension.as_deref(), Some("100"));
    assert_eq!(flaky.attempts, 2);
    let processed = app
        .wait_processed(&owner.token, flaky.recording_id.as_deref().unwrap())
        .await;
    assert_eq!(processed["operator_id"], operator);
    assert_eq!(gone.state, "failed", "{gone:?}");
    let reason = gone.error.as_deref().unwrap();
    assert!(
        reason.contains("gave up after 3 attempts") && reason.contains("500"),
        "{reason}"
    );

    // A wrong API secret: the vendor's API refuses, and the call says so.
    configure(
        &app,
        &owner,
        "zadarma",
        json!({"secret": "a-wrong-secret-1234567", "api_key": ZADARMA_KEY, "api_url": pbx.url(""), "script_id": script}),
    )
    .await;
    let wrong = "a-wrong-secret-1234567";
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(wrong.as_bytes()).unwrap();
    mac.update(b"call-authfail");
    let signature =
        base64::engine::general_purpose::STANDARD.encode(hex::encode(mac.finalize().into_bytes()));
    let record = vec![
        ("event", "NOTIFY_RECORD".to_owned()),
        ("pbx_call_id", "call-auth".to_owned()),
        ("call_id_with_rec", "fail".to_owned()),
    ];
    assert_eq!(
        post_form(&app, "/hooks/zadarma", &record, &[("Signature", signature)])
            .await
            .status(),
        200
    );
    let settled = all_settled(&app, 3).await;
    let refused = settled
        .iter()
        .find(|c| c.external_id == "call-auth")
        .unwrap();
    assert_eq!(refused.state, "failed");
    assert!(
        refused.error.as_deref().unwrap().contains("401"),
        "{refused:?}"
    );
}

// --- MegaFon ---------------------------------------------------------------------------------

fn history(call: &str, link: Option<String>, token: &str) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("cmd", "history".to_owned()),
        ("type", "in".to_owned()),
        ("callid", call.to_owned()),
        ("user", "olga".to_owned()),
        ("ext", "201".to_owned()),
        ("phone", "79990001122".to_owned()),
        ("start", "20261201T101500Z".to_owned()),
        ("duration", "95".to_owned()),
        (
            "status",
            if link.is_some() { "Success" } else { "missed" }.to_owned(),
        ),
        ("crm_token", token.to_owned()),
    ];
    if let Some(link) = link {
        form.push(("link", link));
    }
    form
}

#[tokio::test]
async fn megafon_history_with_a_link_is_fetched_once_and_others_are_noted() {
    let pbx = FakePbx::start(HashMap::from([
        (
            "/rec/flaky.mp3",
            Behaviour {
                failures: 2,
                status: 503,
            },
        ),
        (
            "/rec/gone.mp3",
            Behaviour {
                failures: u32::MAX,
                status: 500,
            },
        ),
    ]))
    .await;
    let app = app_with_fetch(true, 3).await;
    let (owner, operator, script) = owner_with_operator(&app, "201").await;
    configure(
        &app,
        &owner,
        "megafon",
        json!({"secret": MEGAFON_TOKEN, "script_id": script}),
    )
    .await;

    let good = history("mf-1", Some(pbx.url("/rec/1.mp3")), MEGAFON_TOKEN);
    let forged = history(
        "mf-1",
        Some(pbx.url("/rec/1.mp3")),
        "not-the-token-at-all-123",
    );
    assert_eq!(
        post_form(&app, "/hooks/megafon", &forged, &[])
            .await
            .status(),
        401
    );
    assert!(calls(&app).is_empty());
    assert_eq!(pbx.total(), 0);

    let first: Value = post_form(&app, "/hooks/megafon", &good, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["repeat"], false);
    let again: Value = post_form(&app, "/hooks/megafon", &good, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["repeat"], true);
    let missed = history("mf-2", None, MEGAFON_TOKEN);
    let missed: Value = post_form(&app, "/hooks/megafon", &missed, &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        missed["ignored"].as_str().unwrap().contains("missed"),
        "{missed}"
    );
    let other = vec![
        ("cmd", "event".to_owned()),
        ("crm_token", MEGAFON_TOKEN.to_owned()),
    ];
    assert_eq!(
        post_form(&app, "/hooks/megafon", &other, &[])
            .await
            .status(),
        200
    );
    let bad_link = history("mf-3", Some("ftp://pbx/3.mp3".to_owned()), MEGAFON_TOKEN);
    assert_eq!(
        post_form(&app, "/hooks/megafon", &bad_link, &[])
            .await
            .status(),
        422
    );
    for call in ["flaky", "gone"] {
        let form = history(
            &format!("mf-{call}"),
            Some(pbx.url(&format!("/rec/{call}.mp3"))),
            MEGAFON_TOKEN,
        );
        assert_eq!(
            post_form(&app, "/hooks/megafon", &form, &[]).await.status(),
            200
        );
    }

    let settled = all_settled(&app, 3).await;
    let by_id: HashMap<&str, _> = settled
        .iter()
        .map(|c| (c.external_id.as_str(), c))
        .collect();
    let first_call = by_id["mf-1"];
    assert_eq!(first_call.state, "accepted", "{first_call:?}");
    let processed = app
        .wait_processed(&owner.token, first_call.recording_id.as_deref().unwrap())
        .await;
    assert_eq!(processed["operator_id"], operator);
    assert_eq!(pbx.hits("/rec/1.mp3"), 1);
    assert_eq!(by_id["mf-flaky"].state, "accepted");
    assert_eq!(by_id["mf-flaky"].attempts, 2);
    assert_eq!(by_id["mf-gone"].state, "failed");
    assert!(
        by_id["mf-gone"]
            .error
            .as_deref()
            .unwrap()
            .contains("gave up after 3 attempts")
    );

    // The owner sees the call's time and direction as the PBX said.
    let listed: Value = app
        .get_as("/api/v1/inbound?state=accepted", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let row = listed["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["external_id"] == "mf-1")
        .unwrap();
    assert_eq!(row["direction"], "inbound", "{row}");
    assert!(
        row["called_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-01T10:15:00"),
        "{row}"
    );

    test_event_arrives(&app, &owner, "megafon").await;
    let seen = vendor_events(&app, &owner, "megafon").await;
    assert_eq!(count(&seen, "bad_signature"), 1);
    assert_eq!(count(&seen, "accepted"), 3);
    assert_eq!(count(&seen, "repeat"), 1);
    assert_eq!(count(&seen, "ignored"), 2);
    assert_eq!(count(&seen, "invalid"), 1);
}

/// Presses the generic connector's test button; the page it leads back to.
async fn test_on_page(app: &TestApp, browser: &reqwest::Client) -> String {
    let csrf = crate::helpers::csrf_of(&app.page_text(browser, "/connectors").await);
    let tested = app
        .post_form(
            browser,
            "/connectors/generic/test",
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(tested.status(), 303);
    let back = tested.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, "/connectors?tested=generic#connector-generic");
    app.page_text(browser, &back).await
}

#[tokio::test]
async fn the_test_button_says_what_went_wrong_on_the_page() {
    let app = app_with_fetch(true, 1).await;
    let owner = app.owner().await;
    let browser = app.browser_for(&owner).await;
    // Not set up: the API says so.
    let untested: Value = app
        .post_json(
            "/api/v1/connectors/generic/test",
            Some(&owner.token),
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(untested["arrived"], false);
    assert!(untested["reason"].as_str().unwrap().contains("not set up"));
    configure(
        &app,
        &owner,
        "generic",
        json!({"secret": "a-shared-secret-of-the-office-pbx"}),
    )
    .await;
    let text = test_on_page(&app, &browser).await;
    assert!(
        text.contains("arrived and its signature checked out"),
        "{text}"
    );
    assert_eq!(
        vendor_events(&app, &owner, "generic").await,
        vec!["test", "test_failed"]
    );

    // A public address the server cannot reach: the page says what went wrong, and so do
    // the events.
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(data_dir.path());
    settings.public_url = Some("http://127.0.0.1:9".to_owned());
    let unreachable = crate::helpers::spawn_app_with(settings, data_dir).await;
    let owner = unreachable.owner().await;
    configure(
        &unreachable,
        &owner,
        "generic",
        json!({"secret": "a-shared-secret-of-the-office-pbx"}),
    )
    .await;
    let browser = unreachable.browser_for(&owner).await;
    let text = test_on_page(&unreachable, &browser).await;
    assert!(
        text.contains("did not come through") && text.contains("127.0.0.1:9"),
        "{text}"
    );
    assert_eq!(
        vendor_events(&unreachable, &owner, "generic").await,
        vec!["test_failed"]
    );
}
