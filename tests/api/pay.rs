//! Paying reviewers: every accepted review is a ledger entry at the rates in force when it
//! was sent, a rejection adds a reversing entry and a restore a new one, owners add bonuses
//! and deductions; periods are closed (by two owners at once, too), approved and paid; the
//! payout registry comes out byte for byte as CSV in both locales and as an XLSX that reads
//! back; payout details are checked, masked for everyone but owners, and a change is told to
//! the owner; a reviewer reads only their own money and an operator none. On both backends.

use std::collections::HashSet;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, all_correct, callqa_command, csrf_of, spawn_app_with, test_settings,
};

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
    settings.storage.db_pool_size = 8;
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

    async fn bytes(&self, path: &str, user: &TestUser) -> (u16, String, Vec<u8>) {
        let response = self.app.get_as(path, &user.token).await;
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, response.bytes().await.unwrap().to_vec())
    }

    async fn post(&self, path: &str, user: &TestUser, body: Value) -> (u16, Value) {
        let response = self.app.post_json(path, Some(&user.token), &body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn put(&self, path: &str, user: &TestUser, body: Value) -> (u16, Value) {
        let response = self.app.put_json(path, &user.token, &body).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn settings(&self, body: Value) {
        let (status, answer) = self.put("/api/v1/settings", &self.owner, body).await;
        assert_eq!(status, 200, "{answer}");
    }

    async fn pay_settings(&self, body: Value) {
        let (status, answer) = self.put("/api/v1/pay/settings", &self.owner, body).await;
        assert_eq!(status, 200, "{answer}");
    }

    /// Draws a call for `reviewer` and sends an all-correct review; returns the task.
    async fn review(&self, reviewer: &TestUser) -> Value {
        let (status, task) = self
            .post("/api/v1/assignments/next", reviewer, json!({}))
            .await;
        assert_eq!(status, 200, "{task}");
        let code = task["code"].as_str().unwrap();
        let (status, sent) = self
            .post(
                &format!("/api/v1/assignments/{code}/review"),
                reviewer,
                json!({ "verdicts": all_correct(&task) }),
            )
            .await;
        assert_eq!(status, 201, "{sent}");
        task
    }

    /// The id of the review behind the code of a task.
    fn review_of(&self, code: &str) -> String {
        use callqa::db::schema::{assignments, reviews};
        let mut conn = self.app.connect_db();
        reviews::table
            .inner_join(assignments::table)
            .filter(assignments::code.eq(code))
            .select(reviews::id)
            .first(&mut conn)
            .unwrap()
    }

    async fn earnings(&self, reviewer: &TestUser) -> Value {
        let (status, earnings) = self.get("/api/v1/me/earnings", reviewer).await;
        assert_eq!(status, 200, "{earnings}");
        earnings
    }

    async fn adjust(&self, reviewer: &TestUser, amount: &str, reason: &str) -> (u16, Value) {
        self.post(
            "/api/v1/pay/adjustments",
            &self.owner,
            json!({"reviewer_id": reviewer.id, "amount": amount, "reason": reason}),
        )
        .await
    }

    fn audit_actions(&self, object: &str) -> Vec<String> {
        use callqa::db::schema::audit_log;
        let mut conn = self.app.connect_db();
        audit_log::table
            .filter(audit_log::object_id.eq(object))
            .order(audit_log::at.asc())
            .select(audit_log::action)
            .load(&mut conn)
            .unwrap()
    }

    /// Closes a period up to now; it must close one.
    async fn close(&self) -> Value {
        let (status, period) = self
            .post("/api/v1/pay/periods", &self.owner, json!({}))
            .await;
        assert_eq!(status, 201, "{period}");
        period
    }
}

/// What the ledger must say of every review, restated from the stored words: one first
/// entry of kind `review` (seq 0), then entries numbered densely, adding up to the first
/// amount while the review is accepted and to nothing while it is rejected.
fn assert_ledger_matches_reviews(s: &Setup) {
    use callqa::db::pay_schema::pay_entries;
    use callqa::db::schema::reviews;
    let mut conn = s.app.connect_db();
    let stored: Vec<(String, String)> = reviews::table
        .select((reviews::id, reviews::status))
        .load(&mut conn)
        .unwrap();
    assert!(!stored.is_empty());
    for (review, status) in stored {
        let entries: Vec<(String, Option<i32>, i64)> = pay_entries::table
            .filter(pay_entries::review_id.eq(&review))
            .order(pay_entries::review_seq.asc())
            .select((
                pay_entries::kind,
                pay_entries::review_seq,
                pay_entries::amount_minor,
            ))
            .load(&mut conn)
            .unwrap();
        assert_eq!(
            entries.first().map(|e| e.0.as_str()),
            Some("review"),
            "{review}"
        );
        let seqs: Vec<Option<i32>> = entries.iter().map(|e| e.1).collect();
        let dense: Vec<Option<i32>> = (0..entries.len() as i32).map(Some).collect();
        assert_eq!(seqs, dense, "{review}");
        let net: i64 = entries.iter().map(|e| e.2).sum();
        let expected = if status == "accepted" {
            entries[0].2
        } else {
            0
        };
        assert_eq!(net, expected, "{review} is {status}: {entries:?}");
    }
}

/// The kinds and amounts of entries, oldest first.
fn story(entries: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.reverse();
    out
}

#[tokio::test]
async fn the_ledger_pays_each_review_at_the_rate_it_was_sent_at_and_reverses_rejections() {
    let s = setup().await;
    s.settings(json!({"review_rate": "1.50", "currency": "EUR", "reviews_required": 1}))
        .await;
    s.app
        .ready_calls(&s.owner, &s.operator, &s.script, 3, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;

    let first = s.review(&anna).await;
    // The rate changes mid-period: a review already sent keeps its rate.
    s.settings(json!({"review_rate": "2.00", "currency": "EUR", "reviews_required": 1}))
        .await;
    s.pay_settings(json!({"minute_rate": "1.00"})).await;
    let second = s.review(&anna).await;
    let earnings = s.earnings(&anna).await;
    let entries = &earnings["entries"];
    assert_eq!(entries.as_array().unwrap().len(), 2, "{earnings}");
    let newest = &entries[0];
    let length = newest["duration_ms"].as_i64().unwrap();
    assert!(length > 0, "{newest}");
    // 2.00 a review and 1.00 a minute of audio, to the nearest cent.
    let minute_part = (100 * length + 30_000) / 60_000;
    let expected = 200 + minute_part;
    assert_eq!(newest["amount_minor"], expected, "{newest}");
    assert_eq!(newest["review_rate_minor"], 200);
    assert_eq!(newest["minute_rate_minor"], 100);
    assert_eq!(newest["rate_source"], "settings");
    assert_eq!(newest["call_code"], second["code"]);
    assert_eq!(entries[1]["amount"], "1.50");
    assert_eq!(entries[1]["currency"], "EUR");
    assert_eq!(entries[1]["call_code"], first["code"]);
    assert_eq!(entries[1]["minute_rate_minor"], 0);

    // Rejected: a reversing entry with the owner's reason; restored: the first amount again,
    // not today's rate. Nothing is edited.
    let review = s.review_of(first["code"].as_str().unwrap());
    let (status, judged) = s
        .post(
            &format!("/api/v1/reviews/{review}/reject"),
            &s.owner,
            json!({"reason": "Sent without listening"}),
        )
        .await;
    assert_eq!(status, 200, "{judged}");
    let earnings = s.earnings(&anna).await;
    assert_eq!(earnings["entries"][0]["kind"], "reversal");
    assert_eq!(earnings["entries"][0]["amount"], "-1.50");
    assert_eq!(earnings["entries"][0]["reason"], "Sent without listening");
    assert_eq!(earnings["entries"][0]["call_code"], first["code"]);
    let (_, history) = s.get("/api/v1/me/reviews", &anna).await;
    assert_eq!(
        history["total_earned"],
        callqa::pay::format_minor(expected, '.')
    );
    let (status, _) = s
        .post(
            &format!("/api/v1/reviews/{review}/restore"),
            &s.owner,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .post(
            &format!("/api/v1/reviews/{review}/reject"),
            &s.owner,
            json!({"reason": "Twice"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .post(
            &format!("/api/v1/reviews/{review}/restore"),
            &s.owner,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let earnings = s.earnings(&anna).await;
    let second_amount = callqa::pay::format_minor(expected, '.');
    assert_eq!(
        story(&earnings["entries"]),
        [
            ("review".to_owned(), "1.50".to_owned()),
            ("review".to_owned(), second_amount.clone()),
            ("reversal".to_owned(), "-1.50".to_owned()),
            ("reinstatement".to_owned(), "1.50".to_owned()),
            ("reversal".to_owned(), "-1.50".to_owned()),
            ("reinstatement".to_owned(), "1.50".to_owned()),
        ]
    );
    let total = 150 + expected;
    assert_eq!(
        earnings["open"]["payable"],
        json!([{"currency": "EUR", "amount_minor": total, "amount": callqa::pay::format_minor(total, '.')}])
    );
    // The effective hourly rate: what was earned over the time the calls were held.
    assert!(earnings["all_time"]["time_spent_ms"].as_i64().unwrap() >= 0);
    let (_, history) = s.get("/api/v1/me/reviews", &anna).await;
    assert_eq!(
        history["total_earned"],
        callqa::pay::format_minor(total, '.')
    );
    // The owner's reviewers page reads the ledger too.
    let (_, reviewers) = s.get("/api/v1/reviewers", &s.owner).await;
    let row = reviewers
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == anna.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        row["earned"],
        callqa::pay::format_minor(total, '.'),
        "{row}"
    );

    // A script's own rate replaces the settings' for its calls.
    let (status, rate) = s
        .put(
            &format!("/api/v1/pay/scripts/{}/rate", s.script),
            &s.owner,
            json!({"review_rate": "3.00", "minute_rate": "0"}),
        )
        .await;
    assert_eq!(status, 200, "{rate}");
    let (status, problem) = s
        .put(
            &format!("/api/v1/pay/scripts/{}/rate", s.script),
            &s.owner,
            json!({"review_rate": "abc"}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    s.review(&anna).await;
    let earnings = s.earnings(&anna).await;
    assert_eq!(earnings["entries"][0]["amount"], "3.00");
    assert_eq!(earnings["entries"][0]["rate_source"], "script");

    // Bonuses and deductions need a reason and an amount that is not zero.
    let (status, bonus) = s.adjust(&anna, "5", "Extra weekend shift").await;
    assert_eq!(status, 201, "{bonus}");
    assert_eq!(
        (bonus["kind"].as_str(), bonus["amount"].as_str()),
        (Some("bonus"), Some("5.00"))
    );
    let (status, deduction) = s.adjust(&anna, "-0.50", "Late").await;
    assert_eq!(status, 201, "{deduction}");
    assert_eq!(deduction["kind"], "deduction");
    for (amount, reason, field) in [
        ("0", "Nothing", "amount"),
        ("1.234", "Too precise", "amount"),
        ("1.00", "  ", "reason"),
    ] {
        let (status, problem) = s.adjust(&anna, amount, reason).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["error"]["fields"][0]["field"], field, "{problem}");
    }
    let (status, problem) = s.adjust(&s.olga, "1.00", "An operator").await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        s.audit_actions(bonus["id"].as_str().unwrap()),
        ["pay.adjustment"]
    );
    let (_, ledger) = s.get("/api/v1/pay/ledger", &s.owner).await;
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 9, "{ledger}");
    assert_ledger_matches_reviews(&s);
}

#[tokio::test]
async fn a_period_is_closed_approved_and_paid_once_whatever_is_repeated() {
    let s = setup().await;
    s.settings(json!({"review_rate": "1.00", "currency": "RUB", "reviews_required": 1}))
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let (status, problem) = s.post("/api/v1/pay/periods", &s.owner, json!({})).await;
    assert_eq!(
        (status, problem["error"]["code"].as_str()),
        (409, Some("nothing_to_close"))
    );
    s.adjust(&anna, "10.00", "First week").await;
    s.adjust(&anna, "2.50", "Bonus").await;
    // Boris owes more than he earned: nothing negative is paid, his entry waits.
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    s.adjust(&boris, "-3.00", "Advance").await;

    // Not the future, and a real date.
    let tomorrow = time::OffsetDateTime::now_utc().date().next_day().unwrap();
    for until in [tomorrow.to_string(), "2026-02-30".to_owned()] {
        let (status, problem) = s
            .post("/api/v1/pay/periods", &s.owner, json!({"until": until}))
            .await;
        assert_eq!(status, 422, "{until}: {problem}");
        assert_eq!(problem["error"]["fields"][0]["field"], "until");
    }
    let period = s.close().await;
    let id = period["id"].as_str().unwrap().to_owned();
    assert_eq!(period["number"], 1);
    assert_eq!(period["status"], "closed");
    assert_eq!(period["entries"], 2);
    assert_eq!(
        period["totals"],
        json!([{"currency": "RUB", "amount_minor": 1250, "amount": "12.50"}])
    );
    let (status, problem) = s.post("/api/v1/pay/periods", &s.owner, json!({})).await;
    assert_eq!(
        (status, problem["error"]["code"].as_str()),
        (409, Some("nothing_to_close"))
    );
    // A close through a day before the last period's end is refused.
    let (status, _) = s
        .post(
            "/api/v1/pay/periods",
            &s.owner,
            json!({"until": "2020-01-01"}),
        )
        .await;
    assert_eq!(status, 422);

    // An entry after the close goes to the next period.
    s.adjust(&anna, "-1.00", "Late report").await;
    let earnings = s.earnings(&anna).await;
    assert_eq!(earnings["open"]["payable"][0]["amount"], "-1.00");
    assert_eq!(earnings["periods"][0]["own"][0]["amount"], "12.50");
    assert_eq!(earnings["periods"][0]["status"], "closed");
    // A reviewer sees their own line, not everyone's totals.
    assert_eq!(earnings["periods"][0]["totals"], json!([]));

    let paid = format!("/api/v1/pay/periods/{id}/paid");
    let body = json!({"paid_on": "2026-12-01", "reference": "Batch 42"});
    let (status, problem) = s.post(&paid, &s.owner, body.clone()).await;
    assert_eq!(
        (status, problem["error"]["code"].as_str()),
        (409, Some("period_not_approved"))
    );
    for _ in 0..2 {
        let (status, approved) = s
            .post(
                &format!("/api/v1/pay/periods/{id}/approve"),
                &s.owner,
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{approved}");
        assert_eq!(approved["status"], "approved");
    }
    for (bad, field) in [
        (json!({"paid_on": "yesterday", "reference": "x"}), "paid_on"),
        (
            json!({"paid_on": "2026-12-01", "reference": " "}),
            "reference",
        ),
    ] {
        let (status, problem) = s.post(&paid, &s.owner, bad).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["error"]["fields"][0]["field"], field);
    }
    for _ in 0..2 {
        let (status, done) = s.post(&paid, &s.owner, body.clone()).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["status"], "paid");
        assert_eq!(done["paid_on"], "2026-12-01");
        assert_eq!(done["payment_reference"], "Batch 42");
    }
    let (status, problem) = s
        .post(
            &paid,
            &s.owner,
            json!({"paid_on": "2026-12-02", "reference": "Other"}),
        )
        .await;
    assert_eq!(
        (status, problem["error"]["code"].as_str()),
        (409, Some("period_already_paid"))
    );
    let (status, problem) = s
        .post(
            &format!("/api/v1/pay/periods/{id}/approve"),
            &s.owner,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, problem["error"]["code"].as_str()),
        (409, Some("period_already_paid"))
    );
    assert_eq!(
        s.audit_actions(&id),
        ["pay.period_close", "pay.period_approve", "pay.period_paid"]
    );
    let (status, unknown) = s
        .post(
            "/api/v1/pay/periods/00000000-0000-0000-0000-000000000000/approve",
            &s.owner,
            json!({}),
        )
        .await;
    assert_eq!(status, 404, "{unknown}");

    let earnings = s.earnings(&anna).await;
    let past = &earnings["periods"][0];
    assert_eq!(past["status"], "paid");
    assert_eq!(past["payment_reference"], "Batch 42");
    assert_eq!(past["paid_on"], "2026-12-01");
    // Every entry says which period took it.
    let entries = earnings["entries"].as_array().unwrap();
    assert_eq!(entries[0]["period_id"], Value::Null);
    assert_eq!(entries[1]["period_number"], 1);
    assert_eq!(entries[1]["period_status"], "paid");
    let (_, list) = s.get("/api/v1/pay/periods", &s.owner).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let boris_money = s.earnings(&boris).await;
    assert_eq!(boris_money["open"]["payable"][0]["amount"], "-3.00");
    assert_eq!(boris_money["periods"], json!([]));
    // Once he earns more than he owes, the next close pays the difference; Anna's deduction
    // alone would be negative and waits in turn.
    s.adjust(&boris, "5.00", "Second week").await;
    let second = s.close().await;
    assert_eq!(second["number"], 2);
    assert_eq!(second["entries"], 2);
    assert_eq!(second["totals"][0]["amount"], "2.00");
    let earnings = s.earnings(&anna).await;
    assert_eq!(earnings["open"]["payable"][0]["amount"], "-1.00");
}

/// A second owner, added from the command line.
fn second_owner(s: &Setup) {
    use std::io::Write;
    let mut command = callqa_command(&s.app.settings);
    command.args([
        "user",
        "add",
        "--role",
        "owner",
        "--login",
        "owen",
        "--name",
        "Owen",
        "--password-stdin",
    ]);
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn two_owners_closing_at_once_close_one_period_and_count_each_entry_once() {
    let s = std::sync::Arc::new(setup().await);
    second_owner(&s);
    let login: Value = s
        .app
        .login("owen", "a long enough password")
        .await
        .json()
        .await
        .unwrap();
    let owen = login["token"].as_str().unwrap().to_owned();
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    let mut expected_total = 0;
    for round in 1..=3 {
        for (n, who) in [&anna, &boris, &anna].into_iter().enumerate() {
            let cents = 100 * round + n as i64;
            s.adjust(who, &callqa::pay::format_minor(cents, '.'), "Work")
                .await;
            expected_total += cents;
        }
        let mut tasks = Vec::new();
        for n in 0..8 {
            let s = s.clone();
            let token = if n % 2 == 0 {
                s.owner.token.clone()
            } else {
                owen.clone()
            };
            tasks.push(tokio::spawn(async move {
                let response = s
                    .app
                    .post_json("/api/v1/pay/periods", Some(&token), &json!({}))
                    .await;
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                (status, body)
            }));
        }
        let mut created = 0;
        for task in tasks {
            let (status, body) = task.await.unwrap();
            match status {
                201 => created += 1,
                409 => assert!(
                    matches!(
                        body["error"]["code"].as_str(),
                        Some("nothing_to_close" | "period_closed_meanwhile")
                    ),
                    "{body}"
                ),
                other => panic!("a close answered {other}: {body}"),
            }
        }
        assert_eq!(created, 1, "round {round}");
    }
    let (_, list) = s.get("/api/v1/pay/periods", &s.owner).await;
    let periods = list.as_array().unwrap();
    assert_eq!(periods.len(), 3, "{list}");
    let numbers: HashSet<i64> = periods
        .iter()
        .map(|p| p["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, HashSet::from([1, 2, 3]));
    let summed: i64 = periods
        .iter()
        .flat_map(|p| p["totals"].as_array().unwrap().clone())
        .map(|t| t["amount_minor"].as_i64().unwrap())
        .sum();
    assert_eq!(summed, expected_total);
    let entries: i64 = periods.iter().map(|p| p["entries"].as_i64().unwrap()).sum();
    assert_eq!(entries, 9);

    // Approving and paying at once: one change each, one audit line each.
    let id = periods[0]["id"].as_str().unwrap().to_owned();
    for (path, body) in [
        (format!("/api/v1/pay/periods/{id}/approve"), json!({})),
        (
            format!("/api/v1/pay/periods/{id}/paid"),
            json!({"paid_on": "2026-12-03", "reference": "R-1"}),
        ),
    ] {
        let mut tasks = Vec::new();
        for n in 0..6 {
            let s = s.clone();
            let (path, body) = (path.clone(), body.clone());
            let token = if n % 2 == 0 {
                s.owner.token.clone()
            } else {
                owen.clone()
            };
            tasks.push(tokio::spawn(async move {
                s.app
                    .post_json(&path, Some(&token), &body)
                    .await
                    .status()
                    .as_u16()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 200, "{path}");
        }
    }
    assert_eq!(
        s.audit_actions(&id),
        ["pay.period_close", "pay.period_approve", "pay.period_paid"]
    );
}

/// A valid 20-digit account at the bank of `bik`: the control digit (the ninth) computed
/// with weights 7, 1, 3 over the BIK's last three digits and the account.
fn account_for(bik: &str, pattern: &str) -> String {
    (0..10)
        .map(|k| pattern.replacen('K', &k.to_string(), 1))
        .find(|account| {
            let key = format!("{}{account}", &bik[6..]);
            let sum: u32 = key
                .chars()
                .enumerate()
                .map(|(i, c)| c.to_digit(10).unwrap() * [7, 1, 3][i % 3])
                .sum();
            sum.is_multiple_of(10)
        })
        .unwrap()
}

const BIK: &str = "044525225";

#[tokio::test]
async fn payout_details_are_checked_masked_for_all_but_owners_and_told_to_the_owner() {
    let s = setup().await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let (status, none) = s.get("/api/v1/me/payout-details", &anna).await;
    assert_eq!((status, &none["details"]), (200, &Value::Null));
    let path = "/api/v1/me/payout-details";
    for (body, field, code) in [
        (
            json!({"full_name": "Анна", "inn": "500100732258", "method": "card", "card": "4111111111111111"}),
            "inn",
            "inn_checksum",
        ),
        (
            json!({"full_name": "Анна", "inn": "5001007322", "method": "card", "card": "4111111111111111"}),
            "inn",
            "inn_checksum",
        ),
        (
            json!({"full_name": "Анна", "inn": "12345", "method": "card", "card": "4111111111111111"}),
            "inn",
            "inn_format",
        ),
        (
            json!({"full_name": "Анна", "inn": "500100732259", "method": "card", "card": "4111111111111112"}),
            "card",
            "card_checksum",
        ),
        (
            json!({"full_name": "Анна", "inn": "500100732259", "method": "card", "card": "4111"}),
            "card",
            "card_format",
        ),
        (
            json!({"full_name": "Анна", "inn": "500100732259", "method": "account", "account": "40817810099910004312", "bik": "12"}),
            "bik",
            "bik_format",
        ),
        (
            json!({"full_name": "", "inn": "500100732259", "method": "card", "card": "4111111111111111"}),
            "full_name",
            "required",
        ),
        (
            json!({"full_name": "Анна", "inn": "500100732259", "method": "cash"}),
            "method",
            "unknown_value",
        ),
    ] {
        let (status, problem) = s.put(path, &anna, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["error"]["fields"][0]["field"], field, "{problem}");
        assert_eq!(problem["error"]["fields"][0]["code"], code, "{problem}");
    }
    let valid = account_for(BIK, "40817810K99910004312");
    let wrong: String = {
        let k = valid.chars().nth(8).unwrap().to_digit(10).unwrap();
        valid.replacen(&k.to_string(), &((k + 1) % 10).to_string(), 1)
    };
    let (status, problem) = s
        .put(path, &anna, json!({"full_name": "Анна", "inn": "500100732259", "method": "account", "account": wrong, "bik": BIK}))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["error"]["fields"][0]["code"], "account_checksum");
    let (_, none) = s.get(path, &anna).await;
    assert_eq!(none["details"], Value::Null, "refused input leaves nothing");

    // Nothing changed yet: the owner's start page has no notice.
    let owner_browser = s.app.browser_for(&s.owner).await;
    let home = s.app.page_text(&owner_browser, "/").await;
    assert!(!home.contains("/pay#details-changed"));

    let (status, saved) = s
        .put(path, &anna, json!({"full_name": " Анна Петрова ", "inn": "5001 0073 2259", "method": "card", "card": "4111 1111 1111 1111"}))
        .await;
    assert_eq!(status, 200, "{saved}");
    let details = &saved["details"];
    assert_eq!(details["full_name"], "Анна Петрова");
    assert_eq!(details["inn"], "••••••••2259");
    assert_eq!(details["card"], "••••••••••••1111");
    assert_eq!(details["masked"], true);
    let (_, read) = s.get(path, &anna).await;
    assert_eq!(read["details"]["card"], "••••••••••••1111");
    let anna_browser = s.app.browser_for(&anna).await;
    let account = s.app.page_text(&anna_browser, "/account").await;
    assert!(account.contains("••••••••••••1111"), "{account}");
    assert!(!account.contains("4111111111111111"));

    // The owner reads them in full and is told of the change.
    let (status, open) = s.get("/api/v1/pay/open", &s.owner).await;
    assert_eq!(status, 200);
    let line = &open["reviewers"][0];
    assert_eq!(line["details"]["card"], "4111111111111111");
    assert_eq!(line["details"]["inn"], "500100732259");
    assert_eq!(open["details_changed"][0]["reviewer_id"], anna.id.as_str());
    let home = s.app.page_text(&owner_browser, "/").await;
    assert!(home.contains("/pay#details-changed"), "{home}");
    let pay = s.app.page_text(&owner_browser, "/pay").await;
    assert!(pay.contains("details-changed") && pay.contains("Name of anna"));
    // Audited, with the numbers masked.
    use callqa::db::schema::audit_log;
    let mut conn = s.app.connect_db();
    let audit: Vec<(String, String)> = audit_log::table
        .filter(audit_log::object_id.eq(&anna.id))
        .filter(audit_log::action.eq("pay.payout_details"))
        .select((audit_log::action, audit_log::details))
        .load(&mut conn)
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(!audit[0].1.contains("4111111111111111") && !audit[0].1.contains("500100732259"));

    // An account, checked against its bank's BIK.
    let (status, saved) = s
        .put(path, &anna, json!({"full_name": "Анна Петрова", "inn": "500100732259", "method": "account", "account": valid, "bik": BIK}))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["details"]["method"], "account");
    assert_eq!(saved["details"]["card"], Value::Null);

    // Only a reviewer has payout details of their own.
    for user in [&s.owner, &s.olga] {
        let (status, _) = s.put(path, user, json!({})).await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn the_registry_is_byte_for_byte_in_both_locales_and_the_workbooks_read_back() {
    let s = setup().await;
    s.settings(json!({"review_rate": "1.50", "currency": "RUB", "reviews_required": 1}))
        .await;
    s.app
        .ready_calls(&s.owner, &s.operator, &s.script, 2, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    let account = account_for(BIK, "40817810K99910004312");
    let (status, _) = s
        .put("/api/v1/me/payout-details", &anna, json!({"full_name": "Анна Петрова", "inn": "500100732259", "method": "card", "card": "4111111111111111"}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .put("/api/v1/me/payout-details", &boris, json!({"full_name": "=Борис; \"Иванов\"", "inn": "7707083893", "method": "account", "account": account, "bik": BIK}))
        .await;
    assert_eq!(status, 200);
    let task = s.review(&anna).await;
    s.review(&boris).await;
    s.adjust(&boris, "0.75", "Quick and careful").await;
    let review = s.review_of(task["code"].as_str().unwrap());
    s.post(
        &format!("/api/v1/reviews/{review}/reject"),
        &s.owner,
        json!({"reason": "Не слушала; всё «верно»"}),
    )
    .await;
    s.post(
        &format!("/api/v1/reviews/{review}/restore"),
        &s.owner,
        json!({}),
    )
    .await;
    let period = s.close().await;
    let id = period["id"].as_str().unwrap();
    let (from, to) = (
        period["from"].as_str().unwrap(),
        period["to"].as_str().unwrap(),
    );
    let dotted = |iso: &str| {
        let parts: Vec<&str> = iso.split('-').collect();
        format!("{}.{}.{}", parts[2], parts[1], parts[0])
    };

    s.pay_settings(json!({"locale": "ru"})).await;
    let (status, kind, csv) = s
        .bytes(&format!("/api/v1/pay/periods/{id}/registry.csv"), &s.owner)
        .await;
    assert_eq!(status, 200);
    assert_eq!(kind, "text/csv; charset=utf-8");
    let purpose = format!(
        "Оплата услуг по проверке звонков за период с {} по {}",
        dotted(from),
        dotted(to)
    );
    let expected = format!(
        "\u{feff}ФИО;ИНН;Карта;Счёт;БИК;Сумма;Валюта;Назначение платежа\r\n\
         Анна Петрова;500100732259;4111111111111111;;;1,50;RUB;{purpose}\r\n\
         \"'=Борис; \"\"Иванов\"\"\";7707083893;;{account};{BIK};2,25;RUB;{purpose}\r\n"
    );
    assert_eq!(String::from_utf8(csv.clone()).unwrap(), expected);
    assert_eq!(csv, expected.as_bytes());

    s.pay_settings(json!({"locale": "en", "purpose": "Period {period}: {from}–{to}, {name}"}))
        .await;
    let (_, _, csv) = s
        .bytes(&format!("/api/v1/pay/periods/{id}/registry.csv"), &s.owner)
        .await;
    let expected = format!(
        "\u{feff}Name,INN,Card,Account,BIK,Amount,Currency,Purpose\r\n\
         Анна Петрова,500100732259,4111111111111111,,,1.50,RUB,\"Period 1: {from}–{to}, Анна Петрова\"\r\n\
         \"'=Борис; \"\"Иванов\"\"\",7707083893,,{account},{BIK},2.25,RUB,\"Period 1: {from}–{to}, =Борис; \"\"Иванов\"\"\"\r\n"
    );
    assert_eq!(String::from_utf8(csv).unwrap(), expected);

    // The workbook: numbers as numbers, tax numbers and accounts as text.
    let (status, kind, xlsx) = s
        .bytes(&format!("/api/v1/pay/periods/{id}/registry.xlsx"), &s.owner)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("Registry").unwrap();
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("Name".into())));
    assert_eq!(
        sheet.get((1, 0)),
        Some(&Data::String("Анна Петрова".into()))
    );
    assert_eq!(
        sheet.get((1, 1)),
        Some(&Data::String("500100732259".into()))
    );
    assert_eq!(sheet.get((1, 5)), Some(&Data::Float(1.5)));
    assert_eq!(sheet.get((2, 3)), Some(&Data::String(account.clone())));
    assert_eq!(sheet.get((2, 5)), Some(&Data::Float(2.25)));
    assert_eq!(sheet.get((2, 6)), Some(&Data::String("RUB".into())));
    assert_eq!(sheet.height(), 3);

    // The whole ledger for the accountant, in the locale's numbers.
    s.pay_settings(json!({"locale": "ru"})).await;
    let (status, _, ledger) = s.bytes("/api/v1/pay/ledger.csv", &s.owner).await;
    assert_eq!(status, 200);
    let ledger = String::from_utf8(ledger).unwrap();
    let lines: Vec<&str> = ledger.trim_end().split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}Запись;Дата;Проверяющий;Вид;Звонок;Сумма;Валюта;Причина;Период;Удержание"
    );
    assert_eq!(lines.len(), 6, "{ledger}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(";сторно;")
                && l.contains(";-1,50;RUB;\"Не слушала; всё «верно»\";1;")),
        "{ledger}"
    );
    let (_, _, ledger) = s
        .bytes(&format!("/api/v1/pay/ledger.xlsx?period={id}"), &s.owner)
        .await;
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(ledger)).unwrap();
    let sheet = book.worksheet_range("Журнал").unwrap();
    assert_eq!(sheet.height(), 6);
    let amounts: f64 = (1..6)
        .map(|row| match sheet.get((row, 5)) {
            Some(Data::Float(f)) => *f,
            other => panic!("{other:?}"),
        })
        .sum();
    assert!((amounts - 3.75).abs() < 1e-9, "{amounts}");
    // Nobody else gets the files.
    for user in [&anna, &s.olga] {
        let (status, _, _) = s
            .bytes(&format!("/api/v1/pay/periods/{id}/registry.csv"), user)
            .await;
        assert_eq!(status, 403);
    }
    assert_ledger_matches_reviews(&s);
}

#[tokio::test]
async fn a_reviewer_reads_only_their_own_money_and_an_operator_none() {
    let s = setup().await;
    s.settings(json!({"review_rate": "1.00", "currency": "EUR", "reviews_required": 1}))
        .await;
    s.app
        .ready_calls(&s.owner, &s.operator, &s.script, 2, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    s.review(&anna).await;
    s.review(&boris).await;
    s.adjust(&boris, "7.00", "Secret bonus").await;
    let earnings = s.earnings(&anna).await;
    let entries = earnings["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries.iter().all(|e| e["reviewer_id"] == anna.id.as_str()));
    assert!(!earnings.to_string().contains("Secret bonus"));
    // The call is named by the reviewer's code only: nothing of its origin.
    assert!(entries[0]["call_code"].is_string());
    assert!(entries[0].get("recording_id").is_none());
    for path in ["/api/v1/me/earnings", "/api/v1/me/payout-details"] {
        assert_eq!(s.get(path, &s.olga).await.0, 403, "{path}");
        assert_eq!(s.get(path, &s.owner).await.0, 403, "{path}");
    }
    for path in [
        "/api/v1/pay/ledger",
        "/api/v1/pay/open",
        "/api/v1/pay/periods",
        "/api/v1/pay/ledger.csv",
    ] {
        assert_eq!(s.get(path, &anna).await.0, 403, "{path}");
        assert_eq!(s.get(path, &s.olga).await.0, 403, "{path}");
    }
    let browser = s.app.browser_for(&anna).await;
    let page = s.app.page_text(&browser, "/review/earnings").await;
    assert!(page.contains("1.00 EUR"), "{page}");
    assert!(!page.contains("7.00") && !page.contains("Secret bonus"));
    let operator_browser = s.app.browser_for(&s.olga).await;
    let response = operator_browser
        .get(s.app.url("/review/earnings"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn gold_accuracy_gives_a_bonus_or_holds_pay_and_each_entry_says_which() {
    let s = setup().await;
    s.settings(json!({
        "review_rate": "1.00", "currency": "EUR", "reviews_required": 1,
        "gold_percent_new": 100, "gold_percent": 100, "pause_accuracy": 0
    }))
    .await;
    // Off by default: nothing applies.
    let (_, defaults) = s.get("/api/v1/pay/settings", &s.owner).await;
    assert_eq!(
        (
            defaults["bonus_percent"].as_i64(),
            defaults["hold_accuracy"].as_i64()
        ),
        (Some(0), Some(0))
    );
    let (status, problem) = s
        .put(
            "/api/v1/pay/settings",
            &s.owner,
            json!({"bonus_percent": 150, "locale": "de"}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    s.pay_settings(json!({"bonus_percent": 10, "bonus_accuracy": 90, "hold_accuracy": 60, "gold_min_steps": 2}))
        .await;
    let calls = s
        .app
        .ready_calls(&s.owner, &s.operator, &s.script, 2, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    s.review(&anna).await;
    s.review(&anna).await;
    // Anna has no scored gold step: the rule reads nothing.
    let (_, ledger) = s.get("/api/v1/pay/ledger", &s.owner).await;
    assert!(
        ledger["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["gold_accuracy"].is_null() && e["held"] == false)
    );
    let (_, view) = s
        .get(
            &format!("/api/v1/recordings/{}/reviews", calls[0]),
            &s.owner,
        )
        .await;
    let keys: Vec<String> = view["consensus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["step_key"].as_str().unwrap().to_owned())
        .collect();
    let key = |verdict: &str| {
        json!({"answers": [
            {"step_key": keys[0], "verdict": verdict},
            {"step_key": keys[1], "verdict": verdict},
            {"step_key": keys[2], "verdict": "any"}
        ]})
    };
    let boris = s.app.invited(&s.owner, Invitee::Reviewer, "boris").await;
    // A gold call answered right: 100 %, a bonus of 10 %.
    let (status, marked) = s
        .put(
            &format!("/api/v1/recordings/{}/gold", calls[0]),
            &s.owner,
            key("correct"),
        )
        .await;
    assert_eq!(status, 200, "{marked}");
    s.review(&boris).await;
    // Then one answered wrong: 50 %, below 60: held.
    s.put(
        &format!("/api/v1/recordings/{}/gold", calls[1]),
        &s.owner,
        key("incorrect"),
    )
    .await;
    s.review(&boris).await;
    let (_, ledger) = s
        .get(
            &format!("/api/v1/pay/ledger?reviewer={}", boris.id),
            &s.owner,
        )
        .await;
    let entries = ledger["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{ledger}");
    let (held, bonus) = (&entries[0], &entries[1]);
    assert_eq!(bonus["gold_accuracy"], 100);
    assert_eq!(bonus["bonus_percent"], 10);
    assert_eq!(bonus["amount"], "1.10");
    assert_eq!(bonus["held"], false);
    assert_eq!(held["gold_accuracy"], 50);
    assert_eq!(held["bonus_percent"], 0);
    assert_eq!(held["held"], true);
    assert_eq!(held["amount"], "1.00");

    // The reviewer sees what applied, not the accuracy it read.
    let earnings = s.earnings(&boris).await;
    assert_eq!(earnings["entries"][0]["held"], true);
    assert_eq!(earnings["entries"][0]["gold_accuracy"], Value::Null);
    assert_eq!(earnings["entries"][1]["bonus_percent"], 10);
    assert_eq!(earnings["open"]["payable"][0]["amount"], "1.10");
    assert_eq!(earnings["open"]["held"][0]["amount"], "1.00");

    // A close leaves held pay open; released, the next close pays it.
    let period = s.close().await;
    assert_eq!(period["totals"][0]["amount"], "3.10");
    let (status, released) = s
        .post(
            &format!("/api/v1/pay/reviewers/{}/release", boris.id),
            &s.owner,
            json!({}),
        )
        .await;
    assert_eq!((status, released["released"].as_i64()), (200, Some(1)));
    let (_, again) = s
        .post(
            &format!("/api/v1/pay/reviewers/{}/release", boris.id),
            &s.owner,
            json!({}),
        )
        .await;
    assert_eq!(again["released"], 0);
    let period = s.close().await;
    assert_eq!(period["totals"][0]["amount"], "1.00");
    assert_eq!(
        s.audit_actions(&boris.id)
            .iter()
            .filter(|a| *a == "pay.release")
            .count(),
        1
    );
}

#[tokio::test]
async fn the_owner_closes_and_pays_on_the_pages_and_the_reviewer_sees_it_paid() {
    let s = setup().await;
    s.settings(json!({"review_rate": "1.25", "currency": "RUB", "reviews_required": 1}))
        .await;
    s.app
        .ready_calls(&s.owner, &s.operator, &s.script, 1, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    s.review(&anna).await;
    let owner = s.app.browser_for(&s.owner).await;
    let page = s.app.page_text(&owner, "/pay").await;
    assert!(
        page.contains("Name of anna") && page.contains("1.25 RUB"),
        "{page}"
    );
    let csrf = csrf_of(&page);

    // A refused form shows the page again with the problem.
    let response = s
        .app
        .post_form(
            &owner,
            "/pay/adjustments",
            &[
                ("csrf", csrf.as_str()),
                ("reviewer_id", anna.id.as_str()),
                ("amount", "0"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = s
        .app
        .post_form(
            &owner,
            "/pay/adjustments",
            &[
                ("csrf", csrf.as_str()),
                ("reviewer_id", anna.id.as_str()),
                ("amount", "0.75"),
                ("reason", "Careful notes"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = s
        .app
        .post_form(
            &owner,
            "/pay/settings",
            &[
                ("csrf", csrf.as_str()),
                ("minute_rate", "0.00"),
                ("gold_min_steps", "20"),
                ("bonus_accuracy", "90"),
                ("bonus_percent", "0"),
                ("hold_accuracy", "0"),
                ("locale", "ru"),
                ("purpose", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = s
        .app
        .post_form(
            &owner,
            "/pay/close",
            &[("csrf", csrf.as_str()), ("until", "")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/pay/periods/"), "{location}");
    let period_path = location.split('?').next().unwrap().to_owned();
    let page = s.app.page_text(&owner, &location).await;
    assert!(page.contains("2.00 RUB"), "{page}");
    let response = s
        .app
        .post_form(
            &owner,
            &format!("{period_path}/approve"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = s
        .app
        .post_form(
            &owner,
            &format!("{period_path}/paid"),
            &[
                ("csrf", csrf.as_str()),
                ("paid_on", "2026-12-03"),
                ("reference", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = s
        .app
        .post_form(
            &owner,
            &format!("{period_path}/paid"),
            &[
                ("csrf", csrf.as_str()),
                ("paid_on", "2026-12-03"),
                ("reference", "SBP-2026-77"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = s.app.page_text(&owner, &period_path).await;
    assert!(page.contains("SBP-2026-77"), "{page}");
    let ledger = s.app.page_text(&owner, "/pay/ledger").await;
    assert!(ledger.contains("Careful notes"), "{ledger}");

    let reviewer = s.app.browser_for(&anna).await;
    let page = s.app.page_text(&reviewer, "/review/earnings").await;
    assert!(
        page.contains("status-paid") && page.contains("SBP-2026-77"),
        "{page}"
    );
    assert!(page.contains("Careful notes"));
}

#[tokio::test]
async fn reviews_sent_before_the_ledger_existed_are_carried_over_by_the_migration() {
    use diesel::connection::SimpleConnection;
    let s = setup().await;
    s.settings(json!({"review_rate": "1.50", "currency": "EUR", "reviews_required": 1}))
        .await;
    s.app
        .ready_calls(&s.owner, &s.operator, &s.script, 2, 1)
        .await;
    let anna = s.app.invited(&s.owner, Invitee::Reviewer, "anna").await;
    s.review(&anna).await;
    let rejected = s.review(&anna).await;
    let review = s.review_of(rejected["code"].as_str().unwrap());
    s.post(
        &format!("/api/v1/reviews/{review}/reject"),
        &s.owner,
        json!({"reason": "Not listened to"}),
    )
    .await;
    // The ledger's migration run again over these reviews, as on an upgrade.
    let (down, up) = if crate::helpers::is_postgres() {
        (
            include_str!("../../migrations/postgres/2026-12-04-000010_ledger/down.sql"),
            include_str!("../../migrations/postgres/2026-12-04-000010_ledger/up.sql"),
        )
    } else {
        (
            include_str!("../../migrations/sqlite/2026-12-04-000010_ledger/down.sql"),
            include_str!("../../migrations/sqlite/2026-12-04-000010_ledger/up.sql"),
        )
    };
    let mut conn = s.app.connect_db();
    conn.batch_execute(down).unwrap();
    conn.batch_execute(up).unwrap();
    drop(conn);
    let earnings = s.earnings(&anna).await;
    let mut kinds: Vec<(String, String)> = story(&earnings["entries"]);
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("reversal".to_owned(), "-1.50".to_owned()),
            ("review".to_owned(), "1.50".to_owned()),
            ("review".to_owned(), "1.50".to_owned()),
        ]
    );
    assert_eq!(earnings["open"]["payable"][0]["amount"], "1.50");
    assert_ledger_matches_reviews(&s);
    // Restored after the upgrade, the review pays again.
    let (status, _) = s
        .post(
            &format!("/api/v1/reviews/{review}/restore"),
            &s.owner,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let earnings = s.earnings(&anna).await;
    assert_eq!(earnings["open"]["payable"][0]["amount"], "3.00");
    assert_ledger_matches_reviews(&s);
}
