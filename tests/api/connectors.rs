//! The generic connector: a signed event names a recording's link, the event is answered at
//! once and the file fetched by a job from a local fake PBX (a plain HTTP server in the test)
//! — a good event, a bad signature (401, nothing stored), repeats (one call, also racing),
//! a download that fails twice then works, one that never works (the call ends `failed`
//! with the reason on the owner's list), and the SSRF guard (no request reaches an internal
//! address unless the setting allows it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, TestUser, problem_fields, spawn_app_with, test_settings, tone_wav};

const SECRET: &str = "a-shared-secret-of-the-office-pbx";

/// How the fake PBX answers a path: fail the first `failures` requests with `status`, then
/// serve the file (never, when `failures` is `u32::MAX`).
#[derive(Clone, Copy)]
pub struct Behaviour {
    pub failures: u32,
    pub status: u16,
}

/// The vendor API the fake PBX also plays, checking each call's signature as the vendor
/// does (written here from the vendors' documentation, not with the product's code).
#[derive(Clone)]
pub enum VendorApi {
    None,
    /// `POST /vpbx/queries/recording/post/`: a form of `vpbx_api_key`, `json`, `sign`; a good
    /// one is answered with a redirect to `/rec/{recording_id}.wav`.
    Mango {
        key: String,
        salt: String,
    },
    /// `GET /v1/pbx/record/request/?call_id=…&pbx_call_id=…` under `Authorization:
    /// key:signature`; a good one is answered with `{"status":"success","link":…}` naming
    /// `/rec/{call_id}.wav`.
    Zadarma {
        key: String,
        secret: String,
    },
}

/// One request as the fake received it.
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// A fake PBX serving recordings under `/rec/…` (and its vendor's API), counting every
/// request per path (the query included).
#[derive(Clone)]
pub struct FakePbx {
    pub port: u16,
    hits: Arc<Mutex<HashMap<String, u32>>>,
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buffer[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => body.extend_from_slice(&buffer[..n]),
        }
    }
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

/// Status, extra head lines and body of the fake's answer.
type Reply = (u16, String, Vec<u8>);

fn json_reply(status: u16, body: Value) -> Reply {
    (
        status,
        "Content-Type: application/json\r\n".to_owned(),
        body.to_string().into_bytes(),
    )
}

/// The vendor API's answer, or `None` when the request is not for it.
fn vendor_reply(api: &VendorApi, request: &Request, port: u16) -> Option<Reply> {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    use sha2::Digest;
    match api {
        VendorApi::Mango { key, salt } => {
            if request.method != "POST" || request.path != "/vpbx/queries/recording/post/" {
                return None;
            }
            let form: HashMap<String, String> = serde_urlencoded::from_bytes(&request.body).ok()?;
            let json = form.get("json").cloned().unwrap_or_default();
            let expected = hex::encode(sha2::Sha256::digest(format!("{key}{json}{salt}")));
            if form.get("vpbx_api_key") != Some(key) || form.get("sign") != Some(&expected) {
                return Some(json_reply(401, json!({"result": 3102})));
            }
            let asked: Value = serde_json::from_str(&json).ok()?;
            let recording = asked["recording_id"].as_str()?;
            Some((
                302,
                format!("Location: http://127.0.0.1:{port}/rec/{recording}.wav\r\n"),
                Vec::new(),
            ))
        }
        VendorApi::Zadarma { key, secret } => {
            let (method, query) = request.path.split_once('?')?;
            if request.method != "GET" || method != "/v1/pbx/record/request/" {
                return None;
            }
            let md5 = hex::encode(md5::Md5::digest(query.as_bytes()));
            let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{method}{query}{md5}").as_bytes());
            let signature = base64::engine::general_purpose::STANDARD
                .encode(hex::encode(mac.finalize().into_bytes()));
            let sorted = {
                let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
                let original = pairs.clone();
                pairs.sort();
                pairs == original
            };
            if !sorted
                || request.headers.get("authorization") != Some(&format!("{key}:{signature}"))
            {
                return Some(json_reply(
                    401,
                    json!({"status": "error", "message": "Not authorized"}),
                ));
            }
            let params: HashMap<String, String> = serde_urlencoded::from_str(query).ok()?;
            let call = params.get("call_id")?;
            Some(json_reply(
                200,
                json!({
                    "status": "success",
                    "link": format!("http://127.0.0.1:{port}/rec/{call}.wav"),
                    "lifetime_till": "2026-12-31 10:00:00",
                }),
            ))
        }
        VendorApi::None => None,
    }
}

impl FakePbx {
    pub async fn start(behaviours: HashMap<&'static str, Behaviour>) -> FakePbx {
        FakePbx::with_api(behaviours, VendorApi::None).await
    }

    pub async fn with_api(behaviours: HashMap<&'static str, Behaviour>, api: VendorApi) -> FakePbx {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
        let counted = hits.clone();
        let file = Arc::new(tone_wav(2.0, 8000));
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (counted, file) = (counted.clone(), file.clone());
                let (behaviours, api) = (behaviours.clone(), api.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    let seen = {
                        let mut hits = counted.lock().unwrap();
                        let n = hits.entry(request.path.clone()).or_default();
                        *n += 1;
                        *n
                    };
                    let (status, head, body) = match vendor_reply(&api, &request, port) {
                        Some(reply) => reply,
                        None => {
                            let behaviour = behaviours
                                .get(request.path.as_str())
                                .copied()
                                .unwrap_or(Behaviour {
                                    failures: 0,
                                    status: 200,
                                });
                            if !request.path.starts_with("/rec/") {
                                (404, String::new(), b"unknown".to_vec())
                            } else if seen <= behaviour.failures {
                                (behaviour.status, String::new(), b"no".to_vec())
                            } else {
                                (200, "Content-Type: audio/wav\r\n".to_owned(), file.to_vec())
                            }
                        }
                    };
                    let head = format!(
                        "HTTP/1.1 {status} Answer\r\n{head}Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&body).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        FakePbx { port, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn hits(&self, path: &str) -> u32 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    /// Requests to paths starting with `prefix`.
    pub fn hits_under(&self, prefix: &str) -> u32 {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }

    pub fn total(&self) -> u32 {
        self.hits.lock().unwrap().values().sum()
    }
}

/// An app whose downloads may reach the local fake, retried at once, three attempts.
pub async fn app_with_fetch(allow_private: bool, attempts: u32) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path());
    settings.fetch.fetch_allow_private = allow_private;
    settings.fetch.fetch_retry_seconds = 0;
    settings.fetch.fetch_attempts = attempts;
    settings.fetch.fetch_timeout_seconds = 10;
    spawn_app_with(settings, data_dir).await
}

async fn set_up(app: &TestApp, owner: &TestUser) -> (String, String) {
    let operator = app.operator_record(owner, "Olga").await;
    let script = app.script(owner).await;
    let response = app
        .put_json(
            "/api/v1/connectors/generic",
            &owner.token,
            &json!({"secret": SECRET, "script_id": script}),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    (operator, script)
}

fn sign(secret: &str, body: &[u8]) -> String {
    callqa::connectors::generic::sign(secret, body)
}

async fn hook(app: &TestApp, body: &Value, signature: Option<&str>) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    let mut request = app
        .api
        .post(app.url("/hooks/generic"))
        .header("Content-Type", "application/json")
        .body(bytes.clone());
    let signature = match signature {
        Some(given) => Some(given.to_owned()),
        None => Some(sign(SECRET, &bytes)),
    };
    if let Some(signature) = signature.filter(|s| !s.is_empty()) {
        request = request.header("X-Callqa-Signature", signature);
    }
    request.send().await.unwrap()
}

#[derive(QueryableByName, Debug)]
pub struct Call {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub recording_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub error: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub external_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub operator_extension: Option<String>,
}

pub fn calls(app: &TestApp) -> Vec<Call> {
    diesel::sql_query(
        "SELECT state, recording_id, error, attempts, external_id, operator_extension \
         FROM inbound_calls ORDER BY external_id",
    )
    .load(&mut app.connect_db())
    .unwrap()
}

/// Waits until the one inbound call leaves `fetching`.
async fn settled(app: &TestApp) -> Call {
    for _ in 0..300 {
        let mut found = calls(app);
        if found.len() == 1 && found[0].state != "fetching" {
            return found.remove(0);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the call was not fetched in 30 s: {:?}", calls(app));
}

/// Waits until no inbound call is `fetching` any more; the calls, by external id.
pub async fn all_settled(app: &TestApp, count: usize) -> Vec<Call> {
    for _ in 0..300 {
        let found = calls(app);
        if found.len() == count && found.iter().all(|c| c.state != "fetching") {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the calls were not fetched in 30 s: {:?}", calls(app));
}

async fn events(app: &TestApp, owner: &TestUser) -> Vec<String> {
    vendor_events(app, owner, "generic").await
}

/// The outcomes of a connector's last events, newest first.
pub async fn vendor_events(app: &TestApp, owner: &TestUser, vendor: &str) -> Vec<String> {
    let body: Value = app
        .get_as(&format!("/api/v1/connectors/{vendor}/events"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_signed_event_is_fetched_once_however_often_it_is_sent() {
    let pbx = FakePbx::start(HashMap::new()).await;
    let app = app_with_fetch(true, 3).await;
    let owner = app.owner().await;
    // First settings saved several times at once: every save succeeds, one row stays.
    let bodies: Vec<Value> = (0..4)
        .map(|n| json!({"secret": format!("a-first-secret-number-{n}")}))
        .collect();
    let saves = futures_util::future::join_all(
        bodies
            .iter()
            .map(|body| app.put_json("/api/v1/connectors/generic", &owner.token, body)),
    )
    .await;
    assert!(saves.iter().all(|r| r.status() == 200));
    let (operator, _) = set_up(&app, &owner).await;

    // The secret is never shown again.
    let listed: Value = app
        .get_as("/api/v1/connectors", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let generic = &listed["connectors"][0];
    assert_eq!(generic["vendor"], "generic");
    assert_eq!(generic["configured"], true);
    assert!(
        generic["webhook_url"]
            .as_str()
            .unwrap()
            .ends_with("/hooks/generic")
    );
    assert!(!listed.to_string().contains(SECRET));

    let event = json!({
        "external_id": "pbx-81",
        "recording_url": pbx.url("/rec/81.wav"),
        "operator_id": operator,
        "called_at": "2026-12-01T10:15:00Z",
        "direction": "inbound",
        "customer_number": "+7 999 000-11-22",
        "outcome": "won",
    });
    let first = hook(&app, &event, None).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["repeat"], false);
    assert_eq!(first["external_id"], "pbx-81");

    // The vendor sends it again, six times at once: the same call, never a second download.
    let repeats = futures_util::future::join_all((0..6).map(|_| hook(&app, &event, None))).await;
    for repeat in repeats {
        assert_eq!(repeat.status(), 200);
        let repeat: Value = repeat.json().await.unwrap();
        assert_eq!(repeat["inbound_id"], first["inbound_id"]);
        assert_eq!(repeat["repeat"], true);
    }
    let call = settled(&app).await;
    assert_eq!(call.state, "accepted", "{call:?}");
    let recording = call.recording_id.unwrap();
    let processed = app.wait_processed(&owner.token, &recording).await;
    assert_eq!(processed["status"], "ready", "{processed}");
    assert_eq!(processed["operator_id"], operator);
    assert_eq!(pbx.hits("/rec/81.wav"), 1);
    assert_eq!(calls(&app).len(), 1);

    let seen = events(&app, &owner).await;
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().filter(|e| *e == "accepted").count(), 1);
    assert_eq!(seen.iter().filter(|e| *e == "repeat").count(), 6);
    assert!(app.invariant_violations().is_empty());

    // The Connectors page shows where events go and what came, never the secret.
    let browser = app.browser_for(&owner).await;
    let page = app.page_text(&browser, "/connectors").await;
    assert!(
        page.contains("/hooks/generic") && page.contains("pbx-81"),
        "{page}"
    );
    assert!(page.contains("repeat of a known call"));
    assert!(!page.contains(SECRET));
}

#[tokio::test]
async fn a_bad_signature_or_body_is_refused_and_stores_nothing() {
    let pbx = FakePbx::start(HashMap::new()).await;
    let app = app_with_fetch(true, 3).await;
    let owner = app.owner().await;

    // Not set up yet: nothing listens.
    let event = json!({"external_id": "x-1", "recording_url": pbx.url("/rec/x.wav")});
    assert_eq!(hook(&app, &event, None).await.status(), 404);

    let (operator, _) = set_up(&app, &owner).await;
    let event = json!({
        "external_id": "x-1",
        "recording_url": pbx.url("/rec/x.wav"),
        "operator_id": operator,
    });
    let bytes = serde_json::to_vec(&event).unwrap();
    for signature in [
        "".to_owned(),
        "sha256=00".to_owned(),
        sign("another-secret-entirely-1234", &bytes),
        sign(SECRET, b"{}"),
    ] {
        let response = hook(&app, &event, Some(&signature)).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_signature");
    }

    // Well signed, but the body is wrong: every problem named, nothing kept.
    for (body, field, code) in [
        (
            json!({"external_id": "x-2", "operator_id": operator}),
            "recording_url",
            "required",
        ),
        (
            json!({"external_id": "x-2", "operator_id": operator, "recording_url": "ftp://pbx/x.wav"}),
            "recording_url",
            "invalid_url",
        ),
        (
            json!({"recording_url": pbx.url("/rec/x.wav"), "operator_id": operator}),
            "external_id",
            "required",
        ),
        (
            json!({"external_id": "x-2", "recording_url": pbx.url("/rec/x.wav"), "operator_id": operator, "direction": "sideways"}),
            "direction",
            "unknown_value",
        ),
    ] {
        let response = hook(&app, &body, None).await;
        assert_eq!(response.status(), 422, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert!(
            problem_fields(&answer).contains(&(field.to_owned(), code.to_owned())),
            "{answer}"
        );
    }
    let bad_json = app
        .api
        .post(app.url("/hooks/generic"))
        .header("X-Callqa-Signature", sign(SECRET, b"{not json"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 422);

    assert!(calls(&app).is_empty());
    assert_eq!(pbx.total(), 0);
    let seen = events(&app, &owner).await;
    assert_eq!(seen.iter().filter(|e| *e == "bad_signature").count(), 4);
    assert_eq!(seen.iter().filter(|e| *e == "invalid").count(), 5);

    // A secret too short is refused; an empty one keeps the stored secret.
    let short = app
        .put_json(
            "/api/v1/connectors/generic",
            &owner.token,
            &json!({"secret": "short"}),
        )
        .await;
    assert_eq!(short.status(), 422);
    let kept = app
        .put_json(
            "/api/v1/connectors/generic",
            &owner.token,
            &json!({"secret": ""}),
        )
        .await;
    assert_eq!(kept.status(), 200);
    assert_eq!(hook(&app, &event, None).await.status(), 202);
    let unknown = app
        .put_json(
            "/api/v1/connectors/nokia",
            &owner.token,
            &json!({"secret": SECRET}),
        )
        .await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_download_that_fails_twice_then_works_is_taken_in() {
    let pbx = FakePbx::start(HashMap::from([(
        "/rec/flaky.wav",
        Behaviour {
            failures: 2,
            status: 503,
        },
    )]))
    .await;
    let app = app_with_fetch(true, 3).await;
    let owner = app.owner().await;
    let (operator, _) = set_up(&app, &owner).await;
    let event = json!({
        "external_id": "flaky-1",
        "recording_url": pbx.url("/rec/flaky.wav"),
        "operator_id": operator,
    });
    assert_eq!(hook(&app, &event, None).await.status(), 202);
    let call = settled(&app).await;
    assert_eq!(call.state, "accepted", "{call:?}");
    assert_eq!(call.attempts, 2);
    assert_eq!(call.error, None);
    assert_eq!(pbx.hits("/rec/flaky.wav"), 3);
    let processed = app
        .wait_processed(&owner.token, call.recording_id.as_deref().unwrap())
        .await;
    assert_eq!(processed["status"], "ready");
}

#[tokio::test]
async fn a_download_that_never_works_ends_failed_with_a_reason_on_the_owners_list() {
    let pbx = FakePbx::start(HashMap::from([(
        "/rec/gone.wav",
        Behaviour {
            failures: u32::MAX,
            status: 500,
        },
    )]))
    .await;
    let app = app_with_fetch(true, 3).await;
    let owner = app.owner().await;
    let (operator, _) = set_up(&app, &owner).await;
    let event = json!({
        "external_id": "gone-1",
        "recording_url": pbx.url("/rec/gone.wav"),
        "operator_id": operator,
    });
    assert_eq!(hook(&app, &event, None).await.status(), 202);
    let call = settled(&app).await;
    assert_eq!(call.state, "failed");
    let reason = call.error.unwrap();
    assert!(reason.contains("gave up after 3 attempts"), "{reason}");
    assert!(reason.contains("500"), "{reason}");
    assert_eq!(pbx.hits("/rec/gone.wav"), 3);

    let listed: Value = app
        .get_as("/api/v1/inbound?state=failed", &owner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["calls"][0]["external_id"], "gone-1", "{listed}");
    assert_eq!(listed["calls"][0]["error"], reason.as_str());
    let browser = app.browser_for(&owner).await;
    let page = app.page_text(&browser, "/recordings/inbound").await;
    assert!(page.contains("gone-1") && page.contains("gave up after 3 attempts"));

    // A repeat of a failed call is still the same call: nothing is fetched again.
    assert_eq!(hook(&app, &event, None).await.status(), 200);
    assert_eq!(pbx.hits("/rec/gone.wav"), 3);
}

#[tokio::test]
async fn by_default_no_event_makes_the_server_fetch_an_internal_address() {
    let pbx = FakePbx::start(HashMap::new()).await;
    let app = app_with_fetch(false, 1).await;
    let owner = app.owner().await;
    let (operator, _) = set_up(&app, &owner).await;
    for (n, link) in [
        pbx.url("/rec/plain.wav"),
        format!("https://127.0.0.1:{}/rec/tls.wav", pbx.port),
        format!("https://localhost:{}/rec/name.wav", pbx.port),
        format!("https://[::1]:{}/rec/v6.wav", pbx.port),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
    ]
    .into_iter()
    .enumerate()
    {
        let event = json!({
            "external_id": format!("internal-{n}"),
            "recording_url": link,
            "operator_id": operator,
        });
        assert_eq!(hook(&app, &event, None).await.status(), 202);
    }
    for _ in 0..300 {
        if calls(&app).iter().all(|c| c.state == "failed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let found = calls(&app);
    assert_eq!(found.len(), 5);
    for call in &found {
        assert_eq!(call.state, "failed", "{call:?}");
        assert_eq!(call.recording_id, None);
    }
    // Literals and plain http are refused before anything is sent; the name is refused when
    // it resolves only to loopback.
    let refused = found
        .iter()
        .filter(|c| c.error.as_deref().unwrap_or("").contains("not allowed"))
        .count();
    assert!(refused >= 4, "{found:?}");
    assert_eq!(pbx.total(), 0, "no request may reach the internal server");
}
