//! Agreement between reviewers through the API: Krippendorff's alpha per step and overall
//! on a small example computed by hand, only over the reviews that count (a call with a
//! single review adds nothing, a rejected review drops out), for the owner only. On both
//! backends.

use serde_json::{Value, json};

use crate::helpers::{Invitee, TestApp, TestUser, all_correct, spawn_app_with, test_settings};

struct Setup {
    app: TestApp,
    owner: TestUser,
    olga: TestUser,
    operator: String,
    script: String,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let olga = app.invited(&owner, Invitee::Operator, "olga").await;
    let operator = olga.operator_id.clone().unwrap();
    let script = app.script(&owner).await;
    Setup {
        app,
        owner,
        olga,
        operator,
        script,
    }
}

impl Setup {
    async fn get(&self, path: &str, user: &TestUser) -> (u16, Value) {
        let response = self.app.get_as(path, &user.token).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A new call needing `required` reviews, then each of `reviews` in turn: the reviewer
    /// draws it (the only call in the pool) and grades it. Returns the call's id.
    async fn call(&self, required: u32, reviews: &[(&TestUser, [char; 3])]) -> String {
        let call = self
            .app
            .ready_calls(&self.owner, &self.operator, &self.script, 1, required)
            .await
            .remove(0);
        for (reviewer, words) in reviews {
            self.review_next(reviewer, *words).await;
        }
        call
    }

    /// `reviewer` draws a call and gives these verdicts on the script's three steps
    /// (`c`orrect, `i`ncorrect, `m`issing).
    async fn review_next(&self, reviewer: &TestUser, words: [char; 3]) {
        let response = self
            .app
            .post_json(
                "/api/v1/assignments/next",
                Some(&reviewer.token),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let task: Value = response.json().await.unwrap();
        let mut verdicts = all_correct(&task);
        for (n, word) in words.iter().enumerate() {
            let verdict = match word {
                'c' => continue,
                'i' => "incorrect",
                _ => "missing",
            };
            verdicts[n] = json!({
                "step_id": task["script"]["steps"][n]["id"],
                "verdict": verdict,
                "comment": "Heard otherwise",
                "at_ms": 300,
            });
        }
        let code = task["code"].as_str().unwrap();
        let response = self
            .app
            .post_json(
                &format!("/api/v1/assignments/{code}/review"),
                Some(&reviewer.token),
                &json!({ "verdicts": verdicts }),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }

    async fn agreement(&self) -> Value {
        let (status, body) = self
            .get(
                &format!("/api/v1/agreement?script_id={}", self.script),
                &self.owner,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn close(value: &Value, expected: f64) {
    let got = value.as_f64().unwrap_or_else(|| panic!("alpha {value}"));
    assert!(
        (got - expected).abs() < 1e-9,
        "alpha {got}, expected {expected}"
    );
}

#[tokio::test]
async fn alpha_per_step_and_overall_on_a_hand_computed_example() {
    let s = setup().await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    let vera = s.app.invited(&s.owner, Invitee::Reviewer, "vera").await;

    // Nothing reviewed yet: every step listed, nothing to measure.
    let empty = s.agreement().await;
    assert_eq!(empty["overall"], json!({"alpha": null, "values": 0}));
    let titles: Vec<&str> = empty["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Greeting", "Listen", "Ask the source"]);

    // Steps: Greeting, Listen, Ask the source.
    let first = s
        .call(
            3,
            &[
                (&anna, ['c', 'c', 'c']),
                (&boris, ['i', 'c', 'c']),
                (&vera, ['c', 'c', 'c']),
            ],
        )
        .await;
    s.call(2, &[(&anna, ['i', 'c', 'c']), (&boris, ['i', 'm', 'c'])])
        .await;
    s.call(2, &[(&boris, ['c', 'c', 'c']), (&vera, ['c', 'c', 'c'])])
        .await;
    // A call with one review: not pairable, whatever it says.
    s.call(1, &[(&vera, ['i', 'm', 'i'])]).await;

    // Greeting: units {c,i,c} {i,i} {c,c}; n = 7, n_c = 4, n_i = 3. Only the first unit
    // disagrees: o_ci + o_ic = (3² − (2² + 1²)) / (3 − 1) = 2. Σ n_c·n_k (c≠k) = 7² − 4² − 3² = 24.
    // α = 1 − (n − 1)·2/24 = 1 − 12/24 = 0.5.
    // Listen: {c,c,c} {c,m} {c,c}; n = 7, n_c = 6, n_m = 1; disagreement (2² − 2)/1 = 2;
    // expected 49 − 36 − 1 = 12; α = 1 − 6·2/12 = 0.
    // Ask the source: all 7 values `correct`: no variation, α undefined.
    // Overall: the 9 units pooled; n = 21, n_c = 17, n_i = 3, n_m = 1; disagreement 2 + 2 = 4;
    // expected 441 − 289 − 9 − 1 = 142; α = 1 − 20·4/142 = 31/71.
    let figures = s.agreement().await;
    close(&figures["overall"]["alpha"], 31.0 / 71.0);
    assert_eq!(figures["overall"]["values"], 21);
    let steps = figures["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["title"], "Greeting");
    assert!(steps[0]["step_key"].as_str().is_some_and(|k| !k.is_empty()));
    close(&steps[0]["alpha"], 0.5);
    assert_eq!(steps[0]["values"], 7);
    close(&steps[1]["alpha"], 0.0);
    assert_eq!(steps[1]["values"], 7);
    assert_eq!(steps[2]["alpha"], Value::Null);
    assert_eq!(steps[2]["values"], 7);
    let mut keys: Vec<&str> = steps[0]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["alpha", "step_key", "title", "values"]);

    // The only version gives the same figures; another version is unknown.
    let (status, one) = s
        .get(
            &format!("/api/v1/agreement?script_id={}&version=1", s.script),
            &s.owner,
        )
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one, figures);
    let (status, _) = s
        .get(
            &format!("/api/v1/agreement?script_id={}&version=2", s.script),
            &s.owner,
        )
        .await;
    assert_eq!(status, 404);

    // Boris's review of the first call rejected: it counts no more.
    let (_, view) = s
        .get(&format!("/api/v1/recordings/{first}/reviews"), &s.owner)
        .await;
    let review = view["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reviewer"]["id"] == boris.id.as_str())
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .expect("boris reviewed the first call");
    let response = s
        .app
        .post_json(
            &format!("/api/v1/reviews/{review}/reject"),
            Some(&s.owner.token),
            &json!({"reason": "Not listened"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    // Greeting: {c,c} {i,i} {c,c}: no disagreement, α = 1 on 6 values.
    // Listen: {c,c} {c,m} {c,c}; n = 6, n_c = 5, n_m = 1; α = 1 − 5·2/(36 − 25 − 1) = 0.
    let figures = s.agreement().await;
    close(&figures["steps"][0]["alpha"], 1.0);
    assert_eq!(figures["steps"][0]["values"], 6);
    close(&figures["steps"][1]["alpha"], 0.0);
    assert_eq!(figures["steps"][1]["values"], 6);
    assert_eq!(figures["overall"]["values"], 18);

    // Only the owner reads it.
    let path = format!("/api/v1/agreement?script_id={}", s.script);
    assert_eq!(s.get(&path, &anna).await.0, 403);
    assert_eq!(s.get(&path, &s.olga).await.0, 403);
}

#[tokio::test]
async fn the_script_is_required_and_must_exist() {
    let s = setup().await;
    for path in ["/api/v1/agreement", "/api/v1/agreement?script_id=%20"] {
        let (status, problem) = s.get(path, &s.owner).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["error"]["fields"][0]["field"], "script_id");
    }
    let (status, _) = s
        .get(
            "/api/v1/agreement?script_id=00000000-0000-0000-0000-000000000000",
            &s.owner,
        )
        .await;
    assert_eq!(status, 404);
    for version in ["0", "x", "7"] {
        let (status, _) = s
            .get(
                &format!("/api/v1/agreement?script_id={}&version={version}", s.script),
                &s.owner,
            )
            .await;
        assert_eq!(status, 404, "version {version}");
    }
    let reviewer = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    assert_eq!(s.get("/api/v1/agreement", &reviewer).await.0, 403);
    assert_eq!(s.get("/api/v1/agreement", &s.olga).await.0, 403);
}

#[tokio::test]
async fn a_step_with_low_agreement_is_flagged_on_the_script_page_and_in_the_gap_queue() {
    let s = setup().await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    s.app
        .ready_calls(&s.owner, &s.operator, &s.script, 10, 2)
        .await;
    // Anna finds every step correct on all ten calls; Boris finds the greeting wrong on the
    // first five he draws. Greeting: five units {c,i}, five {c,c}; n = 20, n_c = 15,
    // n_i = 5, disagreement 5·2 = 10, expected 400 − 225 − 25 = 150:
    // α = 1 − 19·10/150 = −4/15 ≈ −0.27.
    for _ in 0..10 {
        s.review_next(&anna, ['c', 'c', 'c']).await;
    }
    for n in 0..9 {
        let greeting = if n < 5 { 'i' } else { 'c' };
        s.review_next(&boris, [greeting, 'c', 'c']).await;
    }
    let browser = s.app.browser_for(&s.owner).await;
    let script_page = format!("/scripts/{}", s.script);
    // 18 values: too few to flag, however low.
    let page = s.app.page_text(&browser, &script_page).await;
    assert!(page.contains("Agreement between reviewers"), "{page}");
    assert!(
        page.contains("-0.") && !page.contains("Low agreement"),
        "{page}"
    );
    let queue = s.app.page_text(&browser, "/gaps").await;
    assert!(
        !queue.contains("Steps reviewers judge differently"),
        "{queue}"
    );

    s.review_next(&boris, ['c', 'c', 'c']).await;
    let figures = s.agreement().await;
    close(&figures["steps"][0]["alpha"], -4.0 / 15.0);
    assert_eq!(figures["steps"][0]["values"], 20);
    let page = s.app.page_text(&browser, &script_page).await;
    assert!(page.contains("-0.27"), "{page}");
    assert!(page.contains("Low agreement"), "{page}");
    assert!(page.contains("guidance is probably unclear"), "{page}");
    let queue = s.app.page_text(&browser, "/gaps").await;
    assert!(
        queue.contains("Steps reviewers judge differently"),
        "{queue}"
    );
    assert!(
        queue.contains("“Greeting” in Inbound call: agreement (alpha) -0.27 over 20 verdicts"),
        "{queue}"
    );
    assert!(
        queue.contains(&format!("/scripts/{}/edit#step-1", s.script)),
        "{queue}"
    );
    assert!(queue.contains(&format!("/scripts/{}#agreement", s.script)));
    // Filtered by another script, the item is not that script's.
    let other = format!("/gaps?script_id={}", "00000000-0000-0000-0000-000000000000");
    let queue = s.app.page_text(&browser, &other).await;
    assert!(!queue.contains("Steps reviewers judge differently"));

    // In Russian.
    browser.get(s.app.url("/lang/ru")).send().await.unwrap();
    let page = s.app.page_text(&browser, &script_page).await;
    assert!(page.contains("Согласие между проверяющими"), "{page}");
    assert!(
        page.contains("-0,27") && page.contains("Низкое согласие"),
        "{page}"
    );
    let queue = s.app.page_text(&browser, "/gaps").await;
    assert!(queue.contains("Шаг неясен"), "{queue}");
}
