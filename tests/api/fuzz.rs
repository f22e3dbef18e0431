//! Hostile input on every route: a seeded, bounded fuzz run over `callqa::startup::route_table()`.
//!
//! A small but realistic installation is set up through the API (an owner, a reviewer, an
//! operator, a published script, processed calls, a submitted review with its gap, a held
//! assignment, an open invite). Then every route is called, as the role that may call it and
//! anonymously where it is public, with hostile path segments, query values, JSON bodies,
//! page forms and upload fields: NUL and other control characters, lone surrogates, 100 KB
//! strings, bidirectional and zero-width characters, SQL and HTML snippets, wrong types,
//! numbers out of range, malformed bodies.
//!
//! Every response must stay below 500; an `/api/` error must have the documented body
//! `{"error":{"code","message","fields"?}}`; and a refused (4xx) request must leave the
//! domain tables exactly as they were (read straight from the database). All findings are
//! collected and reported together, grouped, one line each.
//!
//! The run is reproducible: the cases come from a fixed seed (`SEED`), so a failure names an
//! input that fails again on the next run.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use callqa::http::routes::Access;
use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, PASSWORD, TestApp, TestUser, csrf_of, spawn_app_with, test_settings, tone_wav,
};

/// The seed of the run; change it to explore other samples of the extended inputs.
const SEED: u64 = 0x00ca_11aa_f022_2026;

/// Every request waits at most this long; longer counts as a failure (a request that hangs
/// is as bad as one that fails).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The most failure lines the report prints.
const REPORT_LINES: usize = 200;

const NO_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Stand-ins for values that change as the run goes on (a used invite or assignment is
/// replaced, a changed password is remembered); put in when a case is sent. Letters only, so
/// no encoding changes them.
const TOKEN_MARK: &str = "zzINVITEzTOKENzz";
/// Stands for the data set's script in a query (`query_base` values are fixed text).
const SCRIPT_MARK: &str = "zzSCRIPTzIDzz";
const CODE_MARK: &str = "zzASSIGNMENTzCODEzz";
const OPERATOR_PASSWORD_MARK: &str = "zzOPERATORzPASSWORDzz";
const REVIEWER_PASSWORD_MARK: &str = "zzREVIEWERzPASSWORDzz";

// ---- a small reproducible random source ---------------------------------------------------

/// SplitMix64: tiny, fast and the same on every platform, which is all a test sampler needs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `count` distinct items of `items`, in a seeded order.
    fn sample<T: Clone>(&mut self, items: &[T], count: usize) -> Vec<T> {
        let mut indexes: Vec<usize> = (0..items.len()).collect();
        for i in (1..indexes.len()).rev() {
            let j = self.below(i + 1);
            indexes.swap(i, j);
        }
        indexes
            .into_iter()
            .take(count)
            .map(|i| items[i].clone())
            .collect()
    }
}

// ---- the hostile values -------------------------------------------------------------------

/// A hostile text: a class name for the report and the text itself.
#[derive(Clone)]
struct Text {
    class: &'static str,
    text: String,
}

fn text(class: &'static str, text: impl Into<String>) -> Text {
    Text {
        class,
        text: text.into(),
    }
}

/// `len` letters and digits that do not compress (a repeated letter would: PostgreSQL then
/// stores even a long value in an index, and the limit on index entries is never met).
fn noise(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = Rng(len as u64);
    (0..len)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())] as char)
        .collect()
}

/// Texts every string field gets.
fn core_texts() -> Vec<Text> {
    vec![
        text("nul", "\u{0}"),
        text("nul_inside", "Good\u{0}day"),
        text(
            "c0_controls",
            "a\u{1}\u{2}\u{8}\u{b}\u{c}\u{e}\u{1b}\u{1f}\u{7f}z",
        ),
        text("long_8k", noise(8 * 1024)),
        text("long_100k", "A".repeat(100 * 1024)),
        text(
            "bidi_zero_width",
            "\u{202e}txt.exe\u{202c}\u{200b}\u{200d}\u{feff}",
        ),
        text(
            "sql_html",
            "' OR '1'='1'; DROP TABLE users; --<script>alert(1)</script>",
        ),
        text("empty", ""),
    ]
}

/// Texts from which each field gets a seeded sample.
fn extended_texts() -> Vec<Text> {
    vec![
        text("newlines", "line one\r\nline two\nthree\ttab"),
        text("html", "<img src=x onerror=alert(1)><svg/onload=alert(1)>"),
        text("long_multibyte", "ж".repeat(40_000)),
        text("combining", "e\u{301}\u{302}\u{303}".repeat(2_000)),
        text("whitespace_only", " \u{a0}\u{3000}\t "),
        text("emoji", "👩‍👩‍👧‍👦🏳️‍🌈"),
        text("noncharacters", "\u{fffe}\u{ffff}\u{10ffff}\u{fffd}"),
        text("template", "{{ 7*7 }}{% if true %}x{% endif %}${7*7}"),
        text("format", "%s%n%x%d%p"),
        text("path_traversal", "../../../../etc/passwd"),
        text("nan", "NaN"),
        text("infinity", "-Infinity"),
        text("huge_number_text", "99999999999999999999999999"),
        text("negative_text", "-1"),
        text("json_text", "{\"$gt\":\"\"}"),
        text("uuid_nil", NO_ID),
        text("crlf_header", "x\r\nSet-Cookie: session=evil"),
        text("url", "javascript:alert(1)"),
    ]
}

/// A JSON value to put in a field: a plain value, or raw JSON text that no `Value` can hold
/// (lone surrogates, numbers beyond any float).
#[derive(Clone)]
struct JsonInput {
    class: String,
    value: Value,
    raw: Option<String>,
}

fn json_input(class: impl Into<String>, value: Value) -> JsonInput {
    JsonInput {
        class: class.into(),
        value,
        raw: None,
    }
}

fn raw_json(class: &'static str, raw: &str) -> JsonInput {
    JsonInput {
        class: class.to_owned(),
        value: Value::String(RAW_MARK.to_owned()),
        raw: Some(raw.to_owned()),
    }
}

/// Stands in a `Value` for the raw text, replaced after serialisation.
const RAW_MARK: &str = "\u{e000}raw-json\u{e000}";

/// Values every field gets besides the core texts: other types and out-of-range numbers.
fn core_json_values() -> Vec<JsonInput> {
    vec![
        raw_json("lone_surrogate", r#""\ud800""#),
        json_input("negative", json!(-1)),
        json_input("i64_overflow", json!(9_223_372_036_854_775_808_u64)),
        json_input("null", Value::Null),
        json_input("object", json!({"$ne": null})),
    ]
}

fn extended_json_values() -> Vec<JsonInput> {
    vec![
        raw_json("lone_low_surrogate", r#""x\udc00y""#),
        raw_json("lone_surrogate_pair_reversed", r#""\udfff\ud800""#),
        raw_json("beyond_f64", "1e999"),
        json_input("float_huge", json!(1e308)),
        json_input("bool", json!(true)),
        json_input("array", json!(["\u{0}", 1])),
        json_input("zero", json!(0)),
        json_input("i32_overflow", json!(2_147_483_648_i64)),
        json_input("i32_underflow", json!(-2_147_483_649_i64)),
        json_input("i64_min", json!(i64::MIN)),
        json_input("fraction", json!(1.5)),
        json_input("negative_float", json!(-1e308)),
        json_input("string_number", json!("1")),
        json_input("empty_array", json!([])),
        json_input("empty_object", json!({})),
        // Nested deeper than any JSON parser should follow.
        raw_json(
            "deep_array",
            &format!("{}{}", "[".repeat(300), "]".repeat(300)),
        ),
    ]
}

/// Path segments, already percent-encoded as a client would send them.
fn core_segments() -> Vec<(&'static str, String)> {
    vec![
        ("nul", "%00".into()),
        ("nul_inside", "abc%00def".into()),
        ("c0_controls", "%01%02%1B%1F%7F".into()),
        ("newline", "a%0Ab%0D%0Ac".into()),
        ("long_8k", noise(8 * 1024)),
        ("dot_dot", "..%2F..%2F..%2Fetc%2Fpasswd".into()),
        ("invalid_utf8", "%FF%FE%FD".into()),
        ("negative", "-1".into()),
        ("i64_overflow", "9223372036854775808".into()),
        ("empty", String::new()),
        ("bidi", "%E2%80%AEabc%E2%80%8B".into()),
        ("uuid_nil", NO_ID.into()),
    ]
}

fn extended_segments() -> Vec<(&'static str, String)> {
    vec![
        ("percent_literal", "%2500".into()),
        ("tab_space", "%09%20%20".into()),
        ("long_multibyte", "%D0%96".repeat(1_000)),
        ("backslash", "..%5C..%5Cwindows%5Cwin.ini".into()),
        ("emoji", "%F0%9F%98%80".into()),
        ("overlong_utf8", "%C0%AF%C0%AE".into()),
        ("surrogate_utf8", "%ED%A0%80".into()),
        ("zero", "0".into()),
        ("i32_overflow", "2147483648".into()),
        ("huge", "9".repeat(40)),
        ("float", "1.5e308".into()),
        ("nan", "NaN".into()),
        ("sql", "1'%20OR%20'1'='1".into()),
        ("html", "%3Cscript%3Ealert(1)%3C%2Fscript%3E".into()),
        ("question_mark", "x%3Fa=b".into()),
        ("hash", "x%23y".into()),
        ("semicolon", "x;y=z".into()),
        ("upper_nil", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF".into()),
    ]
}

/// Query values, already percent-encoded.
fn core_query_values() -> Vec<(&'static str, String)> {
    vec![
        ("date_max", "9999-12-31".into()),
        ("date_zero", "0000-01-01".into()),
        ("negative", "-1".into()),
        ("huge", "99999999999999999999".into()),
        ("nul", "%00".into()),
        ("newline", "%2F%0Aevil".into()),
        ("invalid_utf8", "%FF%FE".into()),
        ("long_8k", noise(8 * 1024)),
    ]
}

fn extended_query_values() -> Vec<(&'static str, String)> {
    vec![
        ("date_negative_year", "-0001-01-01".into()),
        ("date_far", "%2B275760-09-13".into()),
        ("date_feb_30", "2024-02-30".into()),
        ("date_month_13", "2024-13-45".into()),
        ("date_unpadded", "2024-1-1".into()),
        ("datetime", "9999-12-31T23%3A59%3A59Z".into()),
        ("zero", "0".into()),
        ("i32_overflow", "2147483648".into()),
        ("float", "1e308".into()),
        ("nan", "NaN".into()),
        ("nul_inside", "2024%0001-01".into()),
        ("crlf_header", "%2F%0D%0ASet-Cookie%3A%20x%3Dy".into()),
        ("protocol_relative", "%2F%2Fevil.example".into()),
        ("backslash", "%2F%5Cevil.example".into()),
        ("tab", "%2F%09%2Fevil.example".into()),
        ("javascript", "javascript%3Aalert(1)".into()),
        ("bidi", "%E2%80%AE".into()),
        ("empty", String::new()),
    ]
}

/// `text` as a form or query value.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

// ---- the installation under test ----------------------------------------------------------

/// The data every route is called against (shared with the security-headers test).
pub struct Dataset {
    pub app: TestApp,
    pub owner: TestUser,
    pub reviewer: TestUser,
    pub operator: TestUser,
    pub script_id: String,
    /// Processed calls of the operator, all ready.
    pub recordings: Vec<String>,
    /// The call whose review is in: the operator's feedback, with a gap.
    pub reviewed: String,
    pub gap_id: String,
    /// The operator's dispute of the reviewed call (its first step was marked incorrect).
    pub dispute_id: String,
    pub invite_id: String,
    pub invite_token: String,
    /// The reviewer's held assignment, while there is one.
    pub code: Option<String>,
    /// The step ids of the held assignment's checklist.
    pub task_steps: Vec<String>,
    /// The script as its export file.
    pub export: Value,
    /// The owner's settings as the API returns them.
    pub settings: Value,
    /// The current version's steps (with their keys).
    pub steps: Value,
    /// A closed pay period (with the review's ledger entry in it).
    pub period_id: String,
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

impl Dataset {
    pub async fn build() -> Dataset {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(dir.path());
        settings.min_listen_ratio = 0.0;
        let app = spawn_app_with(settings, dir).await;
        let owner = app.owner().await;
        let operator = app.invited(&owner, Invitee::Operator, "oleg").await;
        let reviewer = app.invited(&owner, Invitee::Reviewer, "rita").await;
        let script_id = app.script(&owner).await;
        let operator_id = operator.operator_id.clone().unwrap();
        let recordings = app
            .ready_calls(&owner, &operator_id, &script_id, 5, 1)
            .await;

        // One call reviewed, its first step marked incorrect and its last missing: a review,
        // feedback, a gap and a dispute.
        let task = json_of(
            app.post_json(
                "/api/v1/assignments/next",
                Some(&reviewer.token),
                &json!({}),
            )
            .await,
        )
        .await;
        let steps = task["script"]["steps"].as_array().unwrap();
        let last = steps.len() - 1;
        let verdicts: Vec<Value> = steps
            .iter()
            .enumerate()
            .map(|(n, s)| {
                if n == last {
                    json!({"step_id": s["id"], "verdict": "missing",
                           "comment": "No answer for delivery abroad", "at_ms": 500})
                } else if n == 0 {
                    json!({"step_id": s["id"], "verdict": "incorrect",
                           "comment": "No greeting", "at_ms": 100})
                } else {
                    json!({"step_id": s["id"], "verdict": "correct"})
                }
            })
            .collect();
        let code = task["code"].as_str().unwrap();
        json_of(
            app.post_json(
                &format!("/api/v1/assignments/{code}/review"),
                Some(&reviewer.token),
                &json!({ "verdicts": verdicts }),
            )
            .await,
        )
        .await;
        let listed = json_of(app.get_as("/api/v1/recordings", &owner.token).await).await;
        let reviewed = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reviews_done"] == 1)
            .expect("the reviewed call")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let gaps = json_of(app.get_as("/api/v1/gaps", &owner.token).await).await;
        let gap_id = gaps[0]["id"].as_str().expect("a gap").to_owned();
        let feedback = json_of(app.get_as("/api/v1/me/calls", &operator.token).await).await;
        let greeting = feedback[0]["steps"][0]["key"].clone();
        let dispute = json_of(
            app.post_json(
                &format!("/api/v1/me/calls/{reviewed}/disputes"),
                Some(&operator.token),
                &json!({"steps": [{"step_key": greeting, "comment": "I greeted the customer"}]}),
            )
            .await,
        )
        .await;

        let invite = json_of(
            app.post_json(
                "/api/v1/invites",
                Some(&owner.token),
                &json!({"role": "reviewer"}),
            )
            .await,
        )
        .await;
        let export = json_of(
            app.get_as(&format!("/api/v1/scripts/{script_id}/export"), &owner.token)
                .await,
        )
        .await;
        let shown = json_of(
            app.get_as(&format!("/api/v1/scripts/{script_id}"), &owner.token)
                .await,
        )
        .await;
        let settings = json_of(app.get_as("/api/v1/settings", &owner.token).await).await;
        let period = json_of(
            app.post_json("/api/v1/pay/periods", Some(&owner.token), &json!({}))
                .await,
        )
        .await;
        let mut dataset = Dataset {
            period_id: period["id"].as_str().unwrap().to_owned(),
            owner,
            reviewer,
            operator,
            script_id,
            recordings,
            reviewed,
            gap_id,
            dispute_id: dispute["id"].as_str().unwrap().to_owned(),
            invite_id: invite["id"].as_str().unwrap().to_owned(),
            invite_token: token_of(&invite),
            code: None,
            task_steps: Vec::new(),
            export,
            settings,
            steps: shown["version"]["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    json!({"key": s["key"], "title": s["title"],
                           "say": s["say"], "guidance": s["guidance"]})
                })
                .collect(),
            app,
        };
        dataset.hold_assignment().await;
        assert!(dataset.code.is_some(), "the reviewer holds a call");
        dataset
    }

    /// The reviewer's live assignment, drawing a new one when the last was used up.
    async fn hold_assignment(&mut self) {
        let response = self
            .app
            .post_json(
                "/api/v1/assignments/next",
                Some(&self.reviewer.token),
                &json!({}),
            )
            .await;
        if response.status() != 200 {
            self.code = None;
            return;
        }
        let task: Value = response.json().await.unwrap();
        self.code = task["code"].as_str().map(str::to_owned);
        self.task_steps = task["script"]["steps"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .filter_map(|s| s["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    }

    /// A fresh invite after the last one was used.
    async fn renew_invite(&mut self) {
        let invite = json_of(
            self.app
                .post_json(
                    "/api/v1/invites",
                    Some(&self.owner.token),
                    &json!({"role": "reviewer"}),
                )
                .await,
        )
        .await;
        self.invite_id = invite["id"].as_str().unwrap().to_owned();
        self.invite_token = token_of(&invite);
    }

    /// The value a path parameter takes when it is not the one under attack.
    pub fn valid_param(&self, route: &str, name: &str) -> String {
        let under = |prefixes: &[&str]| prefixes.iter().any(|p| route.starts_with(p));
        match name {
            "number" => "1".into(),
            "hash" => "0".into(),
            "path" => "app.css".into(),
            "vendor" => "generic".into(),
            "kind" => "call".into(),
            "token" => TOKEN_MARK.into(),
            "code" if route.starts_with("/lang/") => "ru".into(),
            "code" => CODE_MARK.into(),
            _ if under(&[
                "/api/v1/users/",
                "/people/users/",
                "/api/v1/reviewers/",
                "/reviewers/",
            ]) =>
            {
                self.reviewer.id.clone()
            }
            _ if under(&["/api/v1/pay/periods/", "/pay/periods/"]) => self.period_id.clone(),
            _ if under(&["/api/v1/pay/reviewers/", "/pay/reviewers/"]) => self.reviewer.id.clone(),
            _ if under(&["/api/v1/pay/scripts/"]) => self.script_id.clone(),
            _ if under(&["/api/v1/invites/", "/people/invites/"]) => self.invite_id.clone(),
            _ if under(&["/api/v1/me/calls/", "/calls/"]) => self.reviewed.clone(),
            _ if under(&["/api/v1/recordings/", "/recordings/"]) => self.recordings[0].clone(),
            _ if under(&["/api/v1/scripts/", "/scripts/"]) => self.script_id.clone(),
            _ if under(&["/api/v1/gaps/"]) => self.gap_id.clone(),
            _ if under(&["/api/v1/disputes/", "/disputes/"]) => self.dispute_id.clone(),
            _ => NO_ID.into(),
        }
    }

    /// `route` with its parameters filled: `attacked` (by name) gets `value`, the others
    /// their valid values.
    pub fn path(&self, route: &str, attacked: Option<(&str, &str)>) -> String {
        route
            .split('/')
            .map(|segment| match param_name(segment) {
                Some(name) => match attacked {
                    Some((target, value)) if target == name => value.to_owned(),
                    _ => self.valid_param(route, name),
                },
                None => segment.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// `text` with the stand-ins replaced by the current values (`escape` encodes them for
    /// where they go).
    pub fn resolve(&self, text: &str, escape: impl Fn(&str) -> String) -> String {
        text.replace(TOKEN_MARK, &escape(&self.invite_token))
            .replace(SCRIPT_MARK, &escape(&self.script_id))
            .replace(
                CODE_MARK,
                &escape(self.code.as_deref().unwrap_or("no-assignment-left")),
            )
            .replace(OPERATOR_PASSWORD_MARK, &escape(&self.operator.password))
            .replace(REVIEWER_PASSWORD_MARK, &escape(&self.reviewer.password))
    }

    /// Page clients signed in through the login form (an anonymous one too), each with the
    /// CSRF token its pages carry.
    pub async fn browsers(&self) -> BTreeMap<Who, (reqwest::Client, String)> {
        let mut browsers = BTreeMap::new();
        browsers.insert(Who::Anonymous, (client(true), String::new()));
        for who in [Who::Owner, Who::Reviewer, Who::Operator] {
            let user = self.user(who).unwrap();
            let browser = client(true);
            let response = self
                .app
                .post_form(
                    &browser,
                    "/login",
                    &[("login", user.login.as_str()), ("password", &user.password)],
                )
                .await;
            assert_eq!(response.status(), 303, "form login of {}", user.login);
            let page = browser
                .get(self.app.url("/account"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            browsers.insert(who, (browser, csrf_of(&page)));
        }
        browsers
    }

    pub fn user_of(&self, who: Who) -> Option<&TestUser> {
        self.user(who)
    }

    fn user(&self, who: Who) -> Option<&TestUser> {
        match who {
            Who::Anonymous => None,
            Who::Owner => Some(&self.owner),
            Who::Reviewer => Some(&self.reviewer),
            Who::Operator => Some(&self.operator),
        }
    }

    fn user_mut(&mut self, who: Who) -> Option<&mut TestUser> {
        match who {
            Who::Anonymous => None,
            Who::Owner => Some(&mut self.owner),
            Who::Reviewer => Some(&mut self.reviewer),
            Who::Operator => Some(&mut self.operator),
        }
    }
}

fn token_of(invite: &Value) -> String {
    invite["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// `{id}` or `{path:.*}` → the parameter's name.
fn param_name(segment: &str) -> Option<&str> {
    let inner = segment.strip_prefix('{')?.strip_suffix('}')?;
    Some(inner.split(':').next().unwrap_or(inner))
}

fn params_of(route: &str) -> Vec<&str> {
    route.split('/').filter_map(param_name).collect()
}

// ---- who calls -----------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    Anonymous,
    Owner,
    Reviewer,
    Operator,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Anonymous => "anonymous",
            Who::Owner => "owner",
            Who::Reviewer => "reviewer",
            Who::Operator => "operator",
        }
    }
}

/// The callers of a route: the roles that may call it, and anonymous visitors where it is
/// public.
fn callers(route: &str, method: &Method, access: Access) -> Vec<Who> {
    match access {
        Access::Public => vec![Who::Anonymous],
        Access::Owner | Access::OwnerOrKey => vec![Who::Owner],
        Access::Reviewer => vec![Who::Reviewer],
        Access::Operator => vec![Who::Operator],
        // A password change ends the caller's other sessions: each form is tried by a user
        // who needs no other session afterwards.
        Access::SignedIn if route == "/api/v1/me/password" => vec![Who::Operator],
        Access::SignedIn if route == "/account/password" => vec![Who::Reviewer],
        Access::SignedIn if route.starts_with("/api/v1/assignments/") => {
            vec![Who::Reviewer, Who::Owner]
        }
        Access::SignedIn if route.starts_with("/api/v1/recordings/") => {
            vec![Who::Owner, Who::Operator]
        }
        Access::SignedIn if *method == Method::GET => {
            vec![Who::Owner, Who::Reviewer, Who::Operator]
        }
        Access::SignedIn => vec![Who::Owner],
    }
}

// ---- the cases -----------------------------------------------------------------------------

#[derive(Clone)]
enum Payload {
    None,
    /// Bytes and their content type.
    Raw(Vec<u8>, &'static str),
    /// Urlencoded `name=value` pairs, already encoded; the caller's CSRF token is added.
    Form(Vec<(String, String)>),
    /// Text fields, and the file part (name and bytes) if any; the page's CSRF token is
    /// added for page uploads.
    Multipart(Vec<(String, String)>, Option<(String, Vec<u8>)>),
}

#[derive(Clone)]
struct Case {
    route: &'static str,
    method: Method,
    who: Who,
    path: String,
    payload: Payload,
    /// What was attacked and how, e.g. `body steps[0].title ← nul`.
    input: String,
    /// Leave out the page's CSRF token (to probe the form parser without it).
    no_csrf: bool,
}

fn is_api(route: &str) -> bool {
    route.starts_with("/api/") || route == "/healthz"
}

/// Routes whose fuzzing ends or changes sessions: they run last, in this order.
const LATE: [&str; 6] = [
    "/api/v1/me/password",
    "/account/password",
    "/api/v1/login",
    "/login",
    "/api/v1/logout",
    "/logout",
];

/// A valid JSON body of each JSON route that takes one. Routes without an entry take no
/// body worth attacking, or act on a valid path at once (revoke, deactivate, retry,
/// acknowledge): those get path attacks only.
fn json_base(ds: &Dataset, method: &Method, route: &str) -> Option<Value> {
    let steps_with_keys = ds.steps.clone();
    let verdicts: Vec<Value> = ds
        .task_steps
        .iter()
        .enumerate()
        .map(|(n, id)| {
            if n == 0 {
                json!({"step_id": id, "verdict": "incorrect", "comment": "Too fast", "at_ms": 300})
            } else {
                json!({"step_id": id, "verdict": "correct"})
            }
        })
        .collect();
    Some(match (method.as_str(), route) {
        ("POST", "/api/v1/login") => json!({"login": "owner", "password": PASSWORD}),
        ("POST", "/api/v1/logout") => json!({}),
        ("POST", "/api/v1/me/password") => json!({
            "current_password": OPERATOR_PASSWORD_MARK,
            "new_password": "a brand new passphrase"
        }),
        ("PUT", "/api/v1/me/language") => json!({"language": "en"}),
        ("PUT", "/api/v1/me/languages") => json!({"languages": ["ru", "en"]}),
        ("PUT", "/api/v1/reviewers/{id}/languages") => json!({"languages": ["ru", "en"]}),
        // The data set's calls stay where its reviewer can be given them.
        ("PUT", "/api/v1/scripts/{id}/language") => json!({"language": "ru"}),
        ("POST", "/api/v1/operators") => json!({"name": "Fuzz Operator", "external_id": "ext-1"}),
        ("POST", "/api/v1/invites") => {
            json!({"role": "operator", "operator_id": ds.operator.operator_id})
        }
        ("POST", "/api/v1/invites/{token}/accept") => json!({
            "login": "newcomer", "name": "New Comer", "password": "long enough password"
        }),
        ("PUT", "/api/v1/recordings/{id}/redactions") => json!({
            "redactions": [{"start_ms": 100, "end_ms": 300, "mode": "silence"}]
        }),
        ("PUT", "/api/v1/settings") => ds.settings.clone(),
        ("POST", "/api/v1/scripts") => json!({
            "name": "Fuzzed script",
            "steps": [{"title": "Greet", "say": "Hello", "guidance": "Smile"}]
        }),
        ("POST", "/api/v1/scripts/import") => ds.export.clone(),
        ("POST", "/api/v1/scripts/{id}/versions") => json!({
            "steps": steps_with_keys, "notes": "Fuzzed version", "resolves_gaps": []
        }),
        ("POST", "/api/v1/assignments/next") => json!({}),
        ("POST", "/api/v1/assignments/{code}/skip") => json!({"reason": "bad_audio"}),
        ("POST", "/api/v1/assignments/{code}/review") => json!({ "verdicts": verdicts }),
        ("POST", "/api/v1/gaps/{id}/dismiss") => json!({"reason": "noise", "note": "Heard it"}),
        ("POST", "/api/v1/me/calls/{id}/disputes") => json!({
            "steps": [{"step_key": ds.steps[0]["key"], "comment": "I greeted the customer"}]
        }),
        ("POST", "/api/v1/disputes/{id}/decision") => json!({
            "steps": [{"step_key": ds.steps[0]["key"], "decision": "uphold", "note": "Heard it"}]
        }),
        _ => return None,
    })
}

/// A valid form of each page form that takes fields (plain text, encoded when sent).
fn form_base(ds: &Dataset, route: &str) -> Option<Vec<(String, String)>> {
    let pairs = |items: &[(&str, &str)]| {
        items
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
    };
    let join = pairs(&[
        ("login", "newcomer"),
        ("name", "New Comer"),
        ("password", "long enough password"),
        ("password_again", "long enough password"),
    ]);
    Some(match route {
        "/login" => pairs(&[
            ("login", "owner"),
            ("password", PASSWORD),
            ("next", "/scripts"),
        ]),
        "/logout" | "/review/next" => Vec::new(),
        "/setup/{token}" | "/invite/{token}" => join,
        "/people/operators" => pairs(&[("name", "Form Operator"), ("external_id", "ext-2")]),
        "/people/invites" => pairs(&[("role", "reviewer"), ("operator_id", "")]),
        "/people/users/{id}/active" => pairs(&[("active", "true")]),
        "/account/password" => vec![
            ("current_password".into(), REVIEWER_PASSWORD_MARK.into()),
            ("new_password".into(), "another new passphrase".into()),
            ("new_password_again".into(), "another new passphrase".into()),
        ],
        "/account/language" => pairs(&[("language", "en")]),
        "/account/languages" | "/reviewers/{id}/languages" => {
            pairs(&[("language", "ru"), ("language", "en")])
        }
        "/scripts/{id}/language" => pairs(&[("language", "ru")]),
        "/recordings/{id}/redactions" => pairs(&[
            ("action", "add"),
            ("start", "0.1"),
            ("end", "0.3"),
            ("mode", "silence"),
            ("index", "0"),
        ]),
        "/settings" => pairs(&[
            ("voice_mode", "off"),
            ("reviews_required", "1"),
            ("lease_minutes", "15"),
            ("lease_factor", "3"),
            ("review_rate", "0.00"),
            ("currency", "USD"),
        ]),
        "/scripts" => pairs(&[("name", "Form script")]),
        "/scripts/import" => vec![("file".into(), ds.export.to_string())],
        "/scripts/{id}/edit" => {
            let mut fields = vec![
                ("action".to_owned(), "save".to_owned()),
                ("name".to_owned(), "Inbound call".to_owned()),
            ];
            for step in ds.steps.as_array().into_iter().flatten() {
                for name in ["key", "title", "say", "guidance"] {
                    let value = step[name].as_str().unwrap_or_default().to_owned();
                    fields.push((name.to_owned(), value));
                }
            }
            fields.push(("notes".into(), "Edited".into()));
            fields.push(("resolves_gap".into(), ds.gap_id.clone()));
            fields
        }
        "/review/{code}" => {
            let mut fields = Vec::new();
            for (n, id) in ds.task_steps.iter().enumerate() {
                let verdict = if n == 0 { "incorrect" } else { "correct" };
                fields.push((format!("verdict-{id}"), verdict.to_owned()));
                fields.push((format!("comment-{id}"), "Rushed".to_owned()));
                fields.push((format!("at-{id}"), "0:01".to_owned()));
            }
            fields
        }
        "/review/{code}/skip" => pairs(&[("reason", "bad_audio"), ("details", "Hiss")]),
        "/gaps" => vec![
            ("action".into(), "accept".into()),
            ("gap".into(), ds.gap_id.clone()),
            ("reason".into(), "noise".into()),
            ("note".into(), "Heard".into()),
            ("back".into(), "/gaps?status=open".into()),
        ],
        _ => return None,
    })
}

/// The query parameters each GET route reads, with a valid value each.
pub fn query_base(route: &str) -> &'static [(&'static str, &'static str)] {
    match route {
        "/api/v1/recordings" | "/recordings" => &[
            ("operator_id", ""),
            ("status", "ready"),
            ("from", "2024-01-01"),
            ("to", "2030-12-31"),
        ],
        "/api/v1/gaps" | "/gaps" => &[
            ("status", "open"),
            ("script_id", ""),
            ("step_key", ""),
            ("from", "2024-01-01"),
            ("to", "2030-12-31"),
        ],
        "/api/v1/overview" | "/overview" | "/overview.csv" => {
            &[("from", "2024-01-01"), ("to", "2024-01-31")]
        }
        "/api/v1/agreement" => &[("script_id", SCRIPT_MARK), ("version", "1")],
        "/api/v1/funnel" | "/api/v1/win-back" | "/overview/funnel" => &[
            ("script_id", SCRIPT_MARK),
            ("version", "1"),
            ("from", "2024-01-01"),
            ("to", "2024-01-31"),
        ],
        "/api/v1/scripts/{id}/diff" | "/scripts/{id}/diff" => &[("from", "1"), ("to", "1")],
        "/api/v1/scripts/{id}/export" | "/scripts/{id}/print" => &[("version", "1")],
        "/login" | "/lang/{code}" => &[("next", "/scripts")],
        "/review" => &[("done", "1"), ("empty", "1"), ("skipped", "1")],
        "/account" | "/settings" => &[("saved", "1")],
        _ => &[],
    }
}

/// Every leaf of `value` (object members, arrays and their first element) by its path, e.g.
/// `steps[0].title`.
fn leaves(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(member, &path, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(prefix.to_owned());
            // The first element stands for the others: they are parsed alike.
            leaves(&items[0], &format!("{prefix}[0]"), out);
        }
        _ => out.push(prefix.to_owned()),
    }
}

/// The member at `path` of `value`, if any.
fn at_path<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut current = value;
    for part in path.split('.') {
        let (name, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            current = current.get_mut(name)?;
        }
        for index in indexes
            .split(['[', ']'])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse::<usize>().ok())
        {
            current = current.get_mut(index)?;
        }
    }
    Some(current)
}

/// `base` with the member at `path` removed.
fn without(base: &Value, path: &str) -> Value {
    let mut copy = base.clone();
    let (parent, last) = match path.rsplit_once('.') {
        Some((parent, last)) => (Some(parent), last),
        None => (None, path),
    };
    let holder = match parent {
        Some(parent) => at_path(&mut copy, parent),
        None => Some(&mut copy),
    };
    if let Some(Value::Object(members)) = holder {
        members.remove(last);
    }
    copy
}

fn serialise(value: &Value, raw: Option<&str>) -> Vec<u8> {
    let text = value.to_string();
    match raw {
        Some(raw) => text.replace(&format!("\"{RAW_MARK}\""), raw).into_bytes(),
        None => text.into_bytes(),
    }
}

/// Whole-body attacks on a JSON route: those every route gets, and those it gets a sample of.
type BodyAttack = (&'static str, Vec<u8>, &'static str);

fn json_body_attacks() -> (Vec<BodyAttack>, Vec<BodyAttack>) {
    let json = "application/json";
    let mut big = b"{\"name\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'B', 2 << 20));
    big.extend(b"\"}");
    let core = vec![
        ("empty_body", Vec::new(), json),
        ("truncated", b"{\"name\":".to_vec(), json),
        ("nul_byte", b"\0".to_vec(), json),
        ("json_null", b"null".to_vec(), json),
        ("invalid_utf8", b"{\"name\":\"\xff\xfe\"}".to_vec(), json),
        ("deep_nesting", "[".repeat(100_000).into_bytes(), json),
        ("over_limit_2mb", big, json),
        ("wrong_content_type", b"{}".to_vec(), "text/plain"),
    ];
    let extended = vec![
        ("json_array", b"[]".to_vec(), json),
        ("json_string", b"\"\\u0000\"".to_vec(), json),
        ("bom", b"\xef\xbb\xbf{}".to_vec(), json),
        (
            "duplicate_keys",
            b"{\"name\":\"a\",\"name\":\"b\"}".to_vec(),
            json,
        ),
        (
            "form_content_type",
            b"name=x".to_vec(),
            "application/x-www-form-urlencoded",
        ),
    ];
    (core, extended)
}

/// Raw (already encoded) form values that only an encoded body can carry.
fn raw_form_values() -> Vec<(&'static str, &'static str)> {
    vec![
        ("invalid_utf8", "%FF%FE"),
        ("overlong_utf8", "%C0%AF"),
        ("bad_percent", "%G0%"),
        ("surrogate_utf8", "%ED%A0%80"),
    ]
}

/// All cases of the run, in order, sampled with `rng`.
fn cases(ds: &Dataset, rng: &mut Rng) -> Vec<Case> {
    let mut table = callqa::startup::route_table();
    table.sort_by_key(|r| LATE.iter().position(|l| *l == r.path).map_or(0, |p| p + 1));
    let mut all = Vec::new();
    for route in table {
        // actix and reqwest use different versions of the `http` crate.
        let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        for who in callers(route.path, &method, route.access) {
            let mut add = |path: String, payload: Payload, input: String| {
                all.push(Case {
                    route: route.path,
                    method: method.clone(),
                    who,
                    path,
                    no_csrf: input.starts_with("form ← no_csrf"),
                    payload,
                    input,
                });
            };
            let valid_path = ds.path(route.path, None);
            let json = is_api(route.path) && method != Method::GET;
            let base_json = json_base(ds, &method, route.path);
            let base_form = form_base(ds, route.path);
            let upload = method == Method::POST
                && matches!(route.path, "/api/v1/recordings" | "/recordings/upload");
            // The payload sent with a path attack: the valid body, so the path is what fails.
            let body_for_path = if upload {
                upload_payload(&upload_fields(ds), Some(upload_file()))
            } else if json {
                match &base_json {
                    Some(base) => Payload::Raw(serialise(base, None), "application/json"),
                    None => Payload::Raw(b"{}".to_vec(), "application/json"),
                }
            } else if method != Method::GET {
                Payload::Form(encode_pairs(base_form.as_deref().unwrap_or_default()))
            } else {
                Payload::None
            };

            // Path parameters.
            for param in params_of(route.path) {
                let mut segments = core_segments();
                segments.extend(rng.sample(&extended_segments(), 2));
                for (class, segment) in segments {
                    add(
                        ds.path(route.path, Some((param, &segment))),
                        body_for_path.clone(),
                        format!("path {{{param}}} ← {class}"),
                    );
                }
            }

            // Query parameters of GET routes.
            if method == Method::GET {
                let base = query_base(route.path);
                let query = |attacked: Option<(&str, &str)>| {
                    base.iter()
                        .map(|(n, v)| match attacked {
                            Some((target, value)) if target == *n => format!("{n}={value}"),
                            _ => format!("{n}={v}"),
                        })
                        .collect::<Vec<_>>()
                        .join("&")
                };
                add(
                    format!("{valid_path}?{}", query(None)),
                    Payload::None,
                    "baseline".into(),
                );
                for (name, _) in base {
                    let mut values = core_query_values();
                    values.extend(rng.sample(&extended_query_values(), 3));
                    for (class, value) in values {
                        add(
                            format!("{valid_path}?{}", query(Some((name, &value)))),
                            Payload::None,
                            format!("query {name} ← {class}"),
                        );
                    }
                    add(
                        format!("{valid_path}?{}&{name}=x&{name}=y", query(None)),
                        Payload::None,
                        format!("query {name} ← duplicated"),
                    );
                }
                if base.iter().any(|(n, _)| *n == "from") {
                    for (class, from, to) in [
                        ("range_max_to_zero", "9999-12-31", "0000-01-01"),
                        ("range_zero_to_max", "0000-01-01", "9999-12-31"),
                        ("range_one_to_max", "0001-01-01", "9999-12-31"),
                        ("range_reversed", "2024-02-01", "2024-01-01"),
                    ] {
                        add(
                            format!("{valid_path}?from={from}&to={to}"),
                            Payload::None,
                            format!("query from,to ← {class}"),
                        );
                    }
                }
                for (class, query) in [
                    ("junk_nul_name", "%00=%00".to_owned()),
                    ("junk_brackets", "a[b][c]=d&a[]=e".to_owned()),
                    ("junk_long", format!("z={}", "z".repeat(8 * 1024))),
                ] {
                    add(
                        format!("{valid_path}?{query}"),
                        Payload::None,
                        format!("query ← {class}"),
                    );
                }
            }

            // JSON bodies.
            if json && !upload {
                if let Some(base) = &base_json {
                    let mut paths = Vec::new();
                    leaves(base, "", &mut paths);
                    for field in paths {
                        let mut inputs: Vec<JsonInput> = core_texts()
                            .into_iter()
                            .map(|t| json_input(t.class, Value::String(t.text)))
                            .collect();
                        inputs.extend(core_json_values());
                        let extended: Vec<JsonInput> = extended_texts()
                            .into_iter()
                            .map(|t| json_input(t.class, Value::String(t.text)))
                            .chain(extended_json_values())
                            .collect();
                        inputs.extend(rng.sample(&extended, 2));
                        let original = {
                            let mut copy = base.clone();
                            at_path(&mut copy, &field).cloned()
                        };
                        if let Some(Value::Array(items)) = &original
                            && let Some(first) = items.first()
                        {
                            inputs.push(json_input(
                                "array_10k",
                                Value::Array(vec![first.clone(); 10_000]),
                            ));
                            inputs.push(json_input(
                                "array_of_nul",
                                json!(["\u{0}", "\u{0}", "\u{0}"]),
                            ));
                        }
                        for input in inputs {
                            let mut body = base.clone();
                            if let Some(slot) = at_path(&mut body, &field) {
                                *slot = input.value.clone();
                            }
                            add(
                                valid_path.clone(),
                                Payload::Raw(
                                    serialise(&body, input.raw.as_deref()),
                                    "application/json",
                                ),
                                format!("body {field} ← {}", input.class),
                            );
                        }
                        if !field.ends_with(']') {
                            add(
                                valid_path.clone(),
                                Payload::Raw(
                                    serialise(&without(base, &field), None),
                                    "application/json",
                                ),
                                format!("body {field} ← missing"),
                            );
                        }
                    }
                    let mut extra = base.clone();
                    if let Value::Object(members) = &mut extra {
                        members.insert("\u{0}unknown".into(), json!("\u{0}"));
                    }
                    add(
                        valid_path.clone(),
                        Payload::Raw(serialise(&extra, None), "application/json"),
                        "body ← unknown_nul_member".into(),
                    );
                }
                // Routes that act on a valid path whatever the body says get no body attacks.
                let (core, extended) = json_body_attacks();
                let sampled = rng.sample(&extended, 2);
                for (class, bytes, content_type) in core.into_iter().chain(sampled) {
                    if base_json.is_some() {
                        add(
                            valid_path.clone(),
                            Payload::Raw(bytes, content_type),
                            format!("body ← {class}"),
                        );
                    }
                }
            }

            // Page forms.
            if !is_api(route.path) && method == Method::POST && !upload {
                if let Some(base) = &base_form {
                    // One of each kind of field: the review form's fields for the first step
                    // stand for the other steps'.
                    let mut labels = BTreeSet::new();
                    let names: Vec<&str> = base
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .filter(|n| labels.insert(field_label(n)))
                        .collect();
                    for name in names {
                        let mut texts = core_texts();
                        texts.extend(rng.sample(&extended_texts(), 2));
                        let replace = |value: &str| -> Vec<(String, String)> {
                            base.iter()
                                .map(|(n, v)| {
                                    let v = if n == name {
                                        value.to_owned()
                                    } else {
                                        encode(v)
                                    };
                                    (encode(n), v)
                                })
                                .collect()
                        };
                        for t in texts {
                            add(
                                valid_path.clone(),
                                Payload::Form(replace(&encode(&t.text))),
                                format!("form {} ← {}", field_label(name), t.class),
                            );
                        }
                        for (class, raw) in rng.sample(&raw_form_values(), 2) {
                            add(
                                valid_path.clone(),
                                Payload::Form(replace(raw)),
                                format!("form {} ← {class}", field_label(name)),
                            );
                        }
                        let missing: Vec<(String, String)> = base
                            .iter()
                            .filter(|(n, _)| n != name)
                            .map(|(n, v)| (encode(n), encode(v)))
                            .collect();
                        add(
                            valid_path.clone(),
                            Payload::Form(missing),
                            format!("form {} ← missing", field_label(name)),
                        );
                    }
                    let mut junk = encode_pairs(base);
                    junk.push(("%00".into(), "%00".into()));
                    junk.push(("a%5B%5D".into(), "%FF".into()));
                    add(
                        valid_path.clone(),
                        Payload::Form(junk),
                        "form ← junk_names".into(),
                    );
                    let mut huge = encode_pairs(base);
                    huge.push(("filler".into(), "F".repeat(2 << 20)));
                    add(
                        valid_path.clone(),
                        Payload::Form(huge),
                        "form ← over_limit_2mb".into(),
                    );
                }
                if base_form.is_some() && who != Who::Anonymous {
                    add(
                        valid_path.clone(),
                        Payload::Form(vec![("%00".into(), "%FF".into())]),
                        "form ← no_csrf_invalid_utf8".into(),
                    );
                }
            }

            // Uploads: the metadata fields, the file name, the file.
            if upload {
                let base = upload_fields(ds);
                for (name, _) in &base {
                    let mut texts = core_texts();
                    texts.extend(rng.sample(&extended_texts(), 1));
                    for t in texts {
                        let fields: Vec<(String, String)> = base
                            .iter()
                            .map(|(n, v)| {
                                let v = if n == name { t.text.clone() } else { v.clone() };
                                (n.clone(), v)
                            })
                            .collect();
                        add(
                            valid_path.clone(),
                            upload_payload(&fields, Some(upload_file())),
                            format!("upload {name} ← {}", t.class),
                        );
                    }
                }
                let names = [
                    ("path_traversal", "../../../../etc/passwd.wav".to_owned()),
                    ("nul", "call\u{0}.wav".to_owned()),
                    ("c0_controls", "call\u{1}\u{1b}\r\n.wav".to_owned()),
                    ("bidi", "\u{202e}vaw.exe".to_owned()),
                    ("long_8k", format!("{}.wav", "n".repeat(8 * 1024))),
                    ("empty", String::new()),
                ];
                for (class, name) in names {
                    add(
                        valid_path.clone(),
                        upload_payload(&base, Some((name, tone_wav(0.5, 8000)))),
                        format!("upload file name ← {class}"),
                    );
                }
                add(
                    valid_path.clone(),
                    upload_payload(&base, Some(("empty.wav".into(), Vec::new()))),
                    "upload file ← empty".into(),
                );
                add(
                    valid_path.clone(),
                    upload_payload(&base, None),
                    "upload file ← missing".into(),
                );
                add(
                    valid_path.clone(),
                    Payload::Raw(b"--x\r\n\0\0\0".to_vec(), "multipart/form-data; boundary=x"),
                    "upload ← broken_multipart".into(),
                );
                add(
                    valid_path.clone(),
                    Payload::Raw(b"{}".to_vec(), "multipart/form-data"),
                    "upload ← no_boundary".into(),
                );
            }
        }
    }
    all
}

fn field_label(name: &str) -> String {
    // The review form's field names carry step ids; the report names the kind of field.
    match name.split_once('-') {
        Some((kind, rest)) if rest.len() > 16 => format!("{kind}-{{step}}"),
        _ => name.to_owned(),
    }
}

fn encode_pairs(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| (encode(n), encode(v))).collect()
}

fn upload_fields(ds: &Dataset) -> Vec<(String, String)> {
    vec![
        (
            "operator_id".into(),
            ds.operator.operator_id.clone().unwrap(),
        ),
        ("script_id".into(), ds.script_id.clone()),
        ("reviews_required".into(), "1".into()),
        ("called_at".into(), "2024-05-01T10:00:00Z".into()),
        ("direction".into(), "inbound".into()),
        ("customer_number".into(), "+15551234567".into()),
    ]
}

fn upload_file() -> (String, Vec<u8>) {
    ("call.wav".into(), tone_wav(0.5, 8000))
}

fn upload_payload(fields: &[(String, String)], file: Option<(String, Vec<u8>)>) -> Payload {
    Payload::Multipart(fields.to_vec(), file)
}

// ---- the database fingerprint --------------------------------------------------------------

/// Tables that legitimately change on a refused request: failed logins are counted, refusals
/// are audited.
const CHANGING_TABLES: [&str; 3] = ["login_throttle", "audit_log", "__diesel_schema_migrations"];

/// Tables a route may change while it refuses, by design.
fn allowed_changes(route: &str) -> &'static [&'static str] {
    match route {
        // The editor saves the draft before it tries to publish, so a refused publish loses
        // nothing that was typed.
        "/scripts/{id}/edit" => &["script_drafts"],
        // A PBX's refused event is noted in its connector's log: the owner sees that events
        // arrive and why they were refused.
        hook if hook.starts_with("/hooks/") => &["connector_events"],
        _ => &[],
    }
}

#[derive(diesel::QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct TableDigest {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    content: String,
}

/// Row count and a hash of the contents of each domain table.
type Tables = BTreeMap<String, (i64, u64)>;

/// The domain tables at one moment, and the commit counter read just before them.
#[derive(Clone)]
struct Fingerprint {
    version: Option<i64>,
    tables: Tables,
}

/// A direct connection to the server's database, reading what the API cannot show.
struct Snapshotter {
    conn: callqa::db::DbConnection,
    /// One query returning every domain table's rows as text.
    query: String,
    /// Time spent reading fingerprints, and how many.
    spent: (Duration, usize, usize),
}

impl Snapshotter {
    fn open(app: &TestApp) -> Snapshotter {
        let mut conn = callqa::db::DbConnection::open(&app.settings.storage.database())
            .expect("the test reads the database");
        let query = match &mut conn {
            callqa::db::DbConnection::Sqlite(c) => {
                let tables: Vec<TableName> = diesel::sql_query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .load(c)
                .unwrap();
                let mut parts = Vec::new();
                for table in tables
                    .iter()
                    .filter(|t| !CHANGING_TABLES.contains(&t.name.as_str()))
                {
                    let columns: Vec<TableName> = diesel::sql_query(format!(
                        "SELECT name FROM pragma_table_info('{}') ORDER BY cid",
                        table.name
                    ))
                    .load(c)
                    .unwrap();
                    // hex() keeps NUL bytes and tells '' from NULL ('~').
                    let row = columns
                        .iter()
                        .map(|col| format!("iif(\"{0}\" IS NULL, '~', hex(\"{0}\"))", col.name))
                        .collect::<Vec<_>>()
                        .join(" || ',' || ");
                    parts.push(format!(
                        "SELECT '{0}' AS name, count(*) AS rows, \
                         coalesce(group_concat(r, char(10) ORDER BY r), '') AS content \
                         FROM (SELECT {row} AS r FROM \"{0}\")",
                        table.name
                    ));
                }
                parts.join(" UNION ALL ")
            }
            callqa::db::DbConnection::Postgresql(c) => {
                let tables: Vec<TableName> = diesel::sql_query(
                    "SELECT tablename::text AS name FROM pg_tables \
                     WHERE schemaname = current_schema() ORDER BY tablename",
                )
                .load(c)
                .unwrap();
                tables
                    .iter()
                    .filter(|t| !CHANGING_TABLES.contains(&t.name.as_str()))
                    .map(|t| {
                        format!(
                            "SELECT '{0}'::text AS name, count(*)::bigint AS rows, \
                             coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') AS content \
                             FROM \"{0}\" x",
                            t.name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ")
            }
        };
        Snapshotter {
            conn,
            query,
            spent: (Duration::ZERO, 0, 0),
        }
    }

    /// A number that moves whenever anything is committed (SQLite's `data_version`; on
    /// PostgreSQL the WAL position, which other databases of the server move too, costing
    /// only a needless full read): while it stands still, the last fingerprint holds.
    fn data_version(&mut self) -> Option<i64> {
        #[derive(diesel::QueryableByName)]
        struct Version {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            data_version: i64,
        }
        match &mut self.conn {
            callqa::db::DbConnection::Sqlite(c) => {
                let rows: Vec<Version> = diesel::sql_query("PRAGMA data_version")
                    .load(c)
                    .expect("data_version");
                rows.first().map(|v| v.data_version)
            }
            callqa::db::DbConnection::Postgresql(c) => {
                let rows: Vec<Version> = diesel::sql_query(
                    "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint AS data_version",
                )
                .load(c)
                .expect("WAL position");
                rows.first().map(|v| v.data_version)
            }
        }
    }

    /// The state now: `previous` again when nothing was committed since.
    fn fingerprint_since(&mut self, previous: &Fingerprint) -> Fingerprint {
        match (previous.version, self.data_version()) {
            (Some(before), Some(now)) if before == now => previous.clone(),
            _ => self.fingerprint(),
        }
    }

    fn fingerprint(&mut self) -> Fingerprint {
        let started = Instant::now();
        // Read first: a commit between the two then makes the next comparison look again.
        let version = self.data_version();
        let digests: Vec<TableDigest> = match &mut self.conn {
            callqa::db::DbConnection::Sqlite(c) => diesel::sql_query(&self.query).load(c),
            callqa::db::DbConnection::Postgresql(c) => diesel::sql_query(&self.query).load(c),
        }
        .expect("fingerprint query");
        self.spent.0 += started.elapsed();
        self.spent.1 += 1;
        self.spent.2 = digests.iter().map(|d| d.content.len()).sum();
        let tables = digests
            .into_iter()
            .map(|d| {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                d.content.hash(&mut hasher);
                (d.name, (d.rows, hasher.finish()))
            })
            .collect();
        Fingerprint { version, tables }
    }

    /// Processing jobs still to run.
    fn pending_jobs(&mut self) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = "SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running')";
        let counted: Vec<Count> = match &mut self.conn {
            callqa::db::DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
            callqa::db::DbConnection::Postgresql(c) => diesel::sql_query(sql).load(c),
        }
        .expect("jobs query");
        counted.first().map_or(0, |c| c.n)
    }

    /// Waits (bounded) until background processing has settled, so that a later comparison
    /// sees only what a request changed.
    async fn settle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.pending_jobs() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn changed_tables(before: &Tables, after: &Tables, allowed: &[&str]) -> Vec<String> {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter(|name| !allowed.contains(&name.as_str()))
        .filter_map(|name| {
            let (b, a) = (before.get(name), after.get(name));
            (b != a).then(|| {
                let rows = |x: Option<&(i64, u64)>| x.map_or(-1, |(rows, _)| *rows);
                if rows(b) == rows(a) {
                    format!("{name} (rows changed)")
                } else {
                    format!("{name} ({} → {} rows)", rows(b), rows(a))
                }
            })
        })
        .collect()
}

// ---- checks --------------------------------------------------------------------------------

fn is_snake_case(code: &str) -> bool {
    !code.is_empty()
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// What is wrong with an API error body, if anything.
pub fn error_body_problem(body: &str) -> Option<String> {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return Some("error body is not JSON".into());
    };
    let Some(top) = value.as_object() else {
        return Some("error body is not an object".into());
    };
    if top.len() != 1 || !top.contains_key("error") {
        return Some("error body has members other than `error`".into());
    }
    let Some(error) = top["error"].as_object() else {
        return Some("`error` is not an object".into());
    };
    if let Some(extra) = error
        .keys()
        .find(|k| !["code", "message", "fields"].contains(&k.as_str()))
    {
        return Some(format!("`error` has an undocumented member `{extra}`"));
    }
    match error.get("code").and_then(Value::as_str) {
        Some(code) if is_snake_case(code) => {}
        _ => return Some("`error.code` is not a snake_case string".into()),
    }
    match error.get("message").and_then(Value::as_str) {
        Some(message) if !message.trim().is_empty() => {}
        _ => return Some("`error.message` is not a non-empty string".into()),
    }
    if let Some(fields) = error.get("fields") {
        let Some(fields) = fields.as_array() else {
            return Some("`error.fields` is not an array".into());
        };
        for field in fields {
            let ok = field["field"].is_string()
                && field["code"].as_str().is_some_and(is_snake_case)
                && field["message"]
                    .as_str()
                    .is_some_and(|m| !m.trim().is_empty());
            if !ok {
                return Some("an `error.fields` item lacks field, code or message".into());
            }
        }
    }
    None
}

/// One finding: what went wrong, where, with what input.
struct Finding {
    kind: String,
    method: Method,
    route: &'static str,
    who: Who,
    input: String,
    path: String,
    excerpt: String,
}

/// What a response body says, short: the error code of a JSON error, the title of a page,
/// else its start.
fn gist(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<Value>(body)
        && let Some(code) = value["error"]["code"].as_str()
    {
        return format!("error.code {code}");
    }
    let between = |open: &str, close: &str| {
        let start = body.find(open)? + open.len();
        let end = body[start..].find(close)? + start;
        Some(excerpt(&body[start..end], 80))
    };
    match between("<title>", "</title>") {
        Some(title) => format!("page \"{title}\""),
        None => excerpt(body, 140),
    }
}

fn excerpt(text: &str, limit: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > limit {
        format!("{}…", flat.chars().take(limit).collect::<String>())
    } else {
        flat
    }
}

/// The report: findings grouped by what failed, on which route, with which input; one line
/// each, capped, with the totals.
fn report(findings: &[Finding], requests: usize, elapsed: Duration) -> String {
    // (what failed, route, method, input) → (callers, count, an example)
    type Group<'a> = (Vec<Who>, usize, &'a Finding);
    let mut groups: BTreeMap<(String, &str, String, String), Group> = BTreeMap::new();
    for f in findings {
        let key = (
            f.kind.clone(),
            f.route,
            f.method.to_string(),
            f.input.clone(),
        );
        let entry = groups.entry(key).or_insert((Vec::new(), 0, f));
        if !entry.0.contains(&f.who) {
            entry.0.push(f.who);
        }
        entry.1 += 1;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} findings in {} groups ({requests} requests, seed {SEED:#x}, {:.1} s, {}):",
        findings.len(),
        groups.len(),
        elapsed.as_secs_f64(),
        if crate::helpers::is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    // First the shape of it: each kind of failure by input class, over how many routes.
    let mut classes: BTreeMap<(&str, &str), BTreeSet<(&str, &str)>> = BTreeMap::new();
    for (kind, route, method, input) in groups.keys() {
        let class = input.rsplit("← ").next().unwrap_or(input);
        classes
            .entry((kind, class))
            .or_default()
            .insert((method, route));
    }
    for ((kind, class), routes) in &classes {
        let _ = writeln!(out, "  {kind} on {class}: {} routes", routes.len());
    }
    for ((kind, route, method, input), (whos, count, example)) in groups.iter().take(REPORT_LINES) {
        let whos: Vec<&str> = whos.iter().map(|w| w.name()).collect();
        let times = if *count > 1 {
            format!(" ×{count}")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{kind} | {method} {route} [{}] {input}{times} | {} | {}",
            whos.join(","),
            excerpt(&example.path, 90),
            example.excerpt
        );
    }
    if groups.len() > REPORT_LINES {
        let _ = writeln!(out, "… and {} more groups", groups.len() - REPORT_LINES);
    }
    out
}

// ---- the run -------------------------------------------------------------------------------

struct Runner {
    ds: Dataset,
    /// The API client (no cookies), with a timeout.
    api: reqwest::Client,
    /// Page clients signed in by the login form, and their CSRF tokens.
    browsers: BTreeMap<Who, (reqwest::Client, String)>,
    db: Snapshotter,
    /// The fingerprint of the current state, when known.
    known: Option<Fingerprint>,
    findings: Vec<Finding>,
    requests: usize,
}

fn client(cookies: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(cookies)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("http client")
}

impl Runner {
    async fn new(ds: Dataset) -> Runner {
        let browsers = ds.browsers().await;
        let db = Snapshotter::open(&ds.app);
        Runner {
            ds,
            api: client(false),
            browsers,
            db,
            known: None,
            findings: Vec::new(),
            requests: 0,
        }
    }

    fn find(&mut self, case: &Case, kind: impl Into<String>, excerpt_text: String) {
        self.findings.push(Finding {
            kind: kind.into(),
            method: case.method.clone(),
            route: case.route,
            who: case.who,
            input: case.input.clone(),
            path: case.path.clone(),
            excerpt: excerpt_text,
        });
    }

    fn request(&self, case: &Case) -> reqwest::RequestBuilder {
        let url = self.ds.app.url(&case.path);
        let page = !is_api(case.route);
        let (client, csrf) = if page {
            let (client, csrf) = &self.browsers[&case.who];
            (client.clone(), csrf.clone())
        } else {
            (self.api.clone(), String::new())
        };
        let mut request = client.request(case.method.clone(), url);
        if !page && let Some(user) = self.ds.user(case.who) {
            request = request.bearer_auth(&user.token);
        }
        if case.method != Method::GET {
            // Same-origin, as the app's own pages post.
            request = request.header("Origin", &self.ds.app.address);
        }
        let with_csrf = page && case.who != Who::Anonymous && !case.no_csrf;
        match &case.payload {
            Payload::None => request,
            Payload::Raw(bytes, content_type) => request
                .header("Content-Type", *content_type)
                .body(bytes.clone()),
            Payload::Form(pairs) => {
                let mut pairs = pairs.clone();
                if with_csrf {
                    pairs.push(("csrf".into(), encode(&csrf)));
                }
                let body = pairs
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join("&");
                request
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
            }
            Payload::Multipart(fields, file) => {
                let mut form = reqwest::multipart::Form::new();
                if with_csrf {
                    form = form.text("csrf", csrf);
                }
                for (name, value) in fields {
                    form = form.text(name.clone(), value.clone());
                }
                if let Some((name, bytes)) = file {
                    form = form.part(
                        "file",
                        reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
                    );
                }
                request.multipart(form)
            }
        }
    }

    /// Sends one case and checks the response.
    async fn run(&mut self, case: &Case) {
        let mutating = case.method != Method::GET;
        let before = if mutating {
            match self.known.take() {
                Some(known) => Some(known),
                None => {
                    self.db.settle().await;
                    Some(self.db.fingerprint())
                }
            }
        } else {
            None
        };
        self.requests += 1;
        let sent = self.request(case).send().await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                // A dropped connection is what a panicking handler leaves the client with.
                let kind = if error.is_timeout() {
                    "timeout"
                } else {
                    "no response (connection dropped)"
                };
                let mut cause = error.to_string();
                let mut source = std::error::Error::source(&error);
                while let Some(inner) = source {
                    cause = format!("{cause}: {inner}");
                    source = inner.source();
                }
                let cause = cause.replace(&self.ds.app.address, "");
                self.find(case, kind, excerpt(&cause, 160));
                return;
            }
        };
        let status = response.status().as_u16();
        let body = match response.bytes().await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(error) => {
                self.find(case, format!("{status} body unreadable"), error.to_string());
                return;
            }
        };
        if status >= 500 {
            self.find(case, status.to_string(), gist(&body));
        } else if (400..500).contains(&status)
            && case.path.starts_with("/api/")
            && let Some(problem) = error_body_problem(&body)
        {
            self.find(case, format!("{status} {problem}"), excerpt(&body, 140));
        }
        if let Some(before) = before {
            if (400..500).contains(&status) {
                let after = self.db.fingerprint_since(&before);
                let changed =
                    changed_tables(&before.tables, &after.tables, allowed_changes(case.route));
                if !changed.is_empty() {
                    self.find(case, format!("{status} changed data"), changed.join(", "));
                }
                self.known = Some(after);
            } else {
                self.after_success(case, status, &body).await;
            }
        }
    }

    /// The checks can fail: a write is seen in the fingerprint (through the fast path too),
    /// and a malformed error body is flagged.
    async fn check_the_checks(&mut self) {
        let before = self.db.fingerprint();
        let response = self
            .ds
            .app
            .post_json(
                "/api/v1/operators",
                Some(&self.ds.owner.token),
                &json!({"name": "Seen by the fingerprint"}),
            )
            .await;
        assert_eq!(response.status(), 201);
        let after = self.db.fingerprint_since(&before);
        let changed = changed_tables(&before.tables, &after.tables, &[]);
        assert!(
            changed.len() == 1 && changed[0].starts_with("operators ("),
            "a new operator is seen: {changed:?}"
        );
        assert_eq!(
            changed_tables(
                &after.tables,
                &self.db.fingerprint_since(&after).tables,
                &[]
            ),
            Vec::<String>::new()
        );
        for bad in [
            "<html>",
            r#"{"error":"x"}"#,
            r#"{"error":{"code":"NotFound","message":"x"}}"#,
            r#"{"error":{"code":"not_found","message":""}}"#,
            r#"{"error":{"code":"x","message":"y","fields":[{"field":"a"}]}}"#,
            r#"{"error":{"code":"x","message":"y"},"detail":"z"}"#,
        ] {
            assert!(error_body_problem(bad).is_some(), "{bad} is flagged");
        }
        assert_eq!(
            error_body_problem(
                r#"{"error":{"code":"validation_failed","message":"m","fields":[{"field":"name","code":"required","message":"n"}]}}"#
            ),
            None
        );
    }

    /// Keeps the run's sessions and fixtures usable after a request that went through.
    async fn after_success(&mut self, case: &Case, status: u16, body: &str) {
        if status >= 400 {
            return;
        }
        match case.route {
            "/api/v1/me/password" => {
                if let Ok(value) = serde_json::from_str::<Value>(body)
                    && let Some(token) = value["token"].as_str()
                {
                    let sent: Value = match &case.payload {
                        Payload::Raw(bytes, _) => serde_json::from_slice(bytes).unwrap_or_default(),
                        _ => Value::Null,
                    };
                    let user = self.ds.user_mut(case.who).unwrap();
                    user.token = token.to_owned();
                    if let Some(password) = sent["new_password"].as_str() {
                        user.password = password.to_owned();
                    }
                }
            }
            "/account/password" if status == 303 => {
                if let Payload::Form(pairs) = &case.payload
                    && let Some((_, value)) = pairs.iter().find(|(n, _)| n == "new_password")
                {
                    let password = url::form_urlencoded::parse(format!("x={value}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    self.ds.user_mut(case.who).unwrap().password = password;
                }
            }
            "/api/v1/invites/{token}/accept" | "/invite/{token}" => {
                self.ds.renew_invite().await;
            }
            "/api/v1/assignments/{code}/skip"
            | "/api/v1/assignments/{code}/review"
            | "/review/{code}"
            | "/review/{code}/skip" => {
                self.ds.hold_assignment().await;
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn hostile_input_gets_a_clean_refusal_and_changes_nothing() {
    let ds = Dataset::build().await;
    let mut rng = Rng(SEED);
    let planned = cases(&ds, &mut rng);
    let mut runner = Runner::new(ds).await;
    runner.check_the_checks().await;
    let started = Instant::now();
    // Where the time goes, for whoever tunes the bounds.
    let mut spent: BTreeMap<(String, &str), (Duration, usize)> = BTreeMap::new();
    for (n, case) in planned.into_iter().enumerate() {
        let case = runner.ds.resolved(case, n);
        let begun = Instant::now();
        runner.run(&case).await;
        let entry = spent
            .entry((case.method.to_string(), case.route))
            .or_default();
        entry.0 += begun.elapsed();
        entry.1 += 1;
    }
    let elapsed = started.elapsed();
    let mut slowest: Vec<_> = spent.into_iter().collect();
    slowest.sort_by_key(|(_, (time, _))| std::cmp::Reverse(*time));
    eprintln!(
        "fuzz: {} fingerprints in {:.1} s, the last of {} KB",
        runner.db.spent.1,
        runner.db.spent.0.as_secs_f64(),
        runner.db.spent.2 / 1024
    );
    for ((method, route), (time, count)) in slowest.iter().take(80) {
        eprintln!(
            "fuzz: {method} {route}: {count} requests, {:.1} s",
            time.as_secs_f64()
        );
    }
    let findings = std::mem::take(&mut runner.findings);
    assert!(
        findings.is_empty(),
        "{}",
        report(&findings, runner.requests, elapsed)
    );
    eprintln!(
        "fuzz: {} requests in {:.1} s, no findings",
        runner.requests,
        elapsed.as_secs_f64()
    );
}

impl Dataset {
    /// `case` with the stand-ins put in, and a login of its own where it joins (so that one
    /// join that goes through does not turn the rest into conflicts).
    fn resolved(&self, mut case: Case, n: usize) -> Case {
        let joins = [
            "/api/v1/invites/{token}/accept",
            "/invite/{token}",
            "/setup/{token}",
        ];
        let login = if joins.contains(&case.route) {
            format!("newcomer{n}")
        } else {
            "newcomer".to_owned()
        };
        case.path = self.resolve(&case.path, |v| encode(v).replace('+', "%20"));
        case.payload = match case.payload {
            Payload::Raw(bytes, content_type) => match String::from_utf8(bytes) {
                Ok(text) => {
                    let text = self.resolve(&text, |v| {
                        let quoted = Value::String(v.to_owned()).to_string();
                        quoted[1..quoted.len() - 1].to_owned()
                    });
                    Payload::Raw(
                        text.replace("\"newcomer\"", &format!("\"{login}\""))
                            .into_bytes(),
                        content_type,
                    )
                }
                Err(error) => Payload::Raw(error.into_bytes(), content_type),
            },
            Payload::Form(pairs) => Payload::Form(
                pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let v = if k == "login" && v == "newcomer" {
                            login.clone()
                        } else {
                            self.resolve(&v, encode)
                        };
                        (k, v)
                    })
                    .collect(),
            ),
            Payload::Multipart(fields, file) => Payload::Multipart(
                fields
                    .into_iter()
                    .map(|(k, v)| (k, self.resolve(&v, str::to_owned)))
                    .collect(),
                file,
            ),
            Payload::None => Payload::None,
        };
        case
    }
}
