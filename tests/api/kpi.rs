//! The KPI for pay: with known verdicts, outcomes, disputes and acknowledgements on two
//! operators' calls, the JSON figures, the CSV (byte for byte, in English and Russian) and the
//! XLSX (read back) come out as counted by hand; only owners get them; bad dates are refused.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::{Value, json};

use crate::helpers::{Invitee, TestApp, TestUser, spawn_app_with, test_settings, tone_wav};

struct Floor {
    app: TestApp,
    owner: TestUser,
    script: String,
}

impl Floor {
    /// One processed call of `operator` that needs one review.
    async fn call(&self, operator: &TestUser) -> String {
        let response = self
            .app
            .upload(
                &self.owner,
                "call.wav",
                tone_wav(1.0, 8000),
                &[
                    ("operator_id", operator.operator_id.as_deref().unwrap()),
                    ("script_id", &self.script),
                    ("reviews_required", "1"),
                ],
            )
            .await;
        assert_eq!(response.status(), 202);
        let id = response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let done = self.app.wait_processed(&self.owner.token, &id).await;
        assert_eq!(done["status"], "ready", "{done}");
        id
    }

    /// The reviewer takes the next task and grades its steps with `marks` (`c`, `i`, `m`).
    async fn review(&self, reviewer: &TestUser, marks: &str) {
        let next = self
            .app
            .post_json(
                "/api/v1/assignments/next",
                Some(&reviewer.token),
                &json!({}),
            )
            .await;
        assert_eq!(next.status(), 200);
        let task: Value = next.json().await.unwrap();
        let verdicts: Vec<Value> = task["script"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .zip(marks.chars())
            .map(|(step, mark)| match mark {
                'c' => json!({"step_id": step["id"], "verdict": "correct"}),
                'i' => json!({"step_id": step["id"], "verdict": "incorrect", "comment": "Rushed it"}),
                _ => json!({"step_id": step["id"], "verdict": "missing", "comment": "Asked about delivery"}),
            })
            .collect();
        let code = task["code"].as_str().unwrap();
        let sent = self
            .app
            .post_json(
                &format!("/api/v1/assignments/{code}/review"),
                Some(&reviewer.token),
                &json!({ "verdicts": verdicts }),
            )
            .await;
        assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
    }

    async fn outcome(&self, call: &str, outcome: &str) {
        let set = self
            .app
            .put_json(
                &format!("/api/v1/recordings/{call}/outcome"),
                &self.owner.token,
                &json!({ "outcome": outcome }),
            )
            .await;
        assert_eq!(set.status(), 200);
    }

    async fn acknowledge(&self, operator: &TestUser, call: &str) {
        let done = self
            .app
            .post_json(
                &format!("/api/v1/me/calls/{call}/acknowledge"),
                Some(&operator.token),
                &json!({}),
            )
            .await;
        assert!(done.status().is_success(), "{}", done.status());
    }

    /// The operator contests the first step of `call`; `re_reviewer` reviews it again (all
    /// correct); the owner decides `decision` (`uphold` or `overturn`).
    async fn dispute(
        &self,
        operator: &TestUser,
        call: &str,
        re_reviewer: &TestUser,
        decision: &str,
    ) {
        let calls: Value = self
            .app
            .get_as("/api/v1/me/calls", &operator.token)
            .await
            .json()
            .await
            .unwrap();
        let feedback = calls
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["recording_id"] == call)
            .unwrap();
        let step = feedback["steps"][0]["key"].as_str().unwrap();
        let opened = self
            .app
            .post_json(
                &format!("/api/v1/me/calls/{call}/disputes"),
                Some(&operator.token),
                &json!({"steps": [{"step_key": step, "comment": "I did ask, listen again."}]}),
            )
            .await;
        assert_eq!(opened.status(), 201);
        let dispute = opened.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        self.review(re_reviewer, "ccc").await;
        let decided = self
            .app
            .post_json(
                &format!("/api/v1/disputes/{dispute}/decision"),
                Some(&self.owner.token),
                &json!({"steps": [{"step_key": step, "decision": decision, "note": "Listened."}]}),
            )
            .await;
        assert_eq!(decided.status(), 200, "{}", decided.text().await.unwrap());
    }
}

fn today() -> String {
    let now = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

#[tokio::test]
async fn the_kpi_for_pay_adds_up_and_exports_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let script = app.script(&owner).await;
    let olga = app.invited(&owner, Invitee::Operator, "olga").await;
    let pavel = app.invited(&owner, Invitee::Operator, "pavel").await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let rob = app.invited(&owner, Invitee::Reviewer, "rob").await;
    let f = Floor { app, owner, script };

    // Olga, call A: the first step incorrect, the third missing (a gap); lost. She
    // acknowledges it, contests the first step, and the owner upholds it: closed in
    // violation, a dispute lost.
    let a = f.call(&olga).await;
    f.review(&rita, "icm").await;
    f.outcome(&a, "lost").await;
    f.acknowledge(&olga, &a).await;
    f.dispute(&olga, &a, &rob, "uphold").await;
    // Olga, call B: the first step incorrect, overturned on her dispute; won. Not
    // acknowledged.
    let b = f.call(&olga).await;
    f.review(&rita, "icc").await;
    f.outcome(&b, "won").await;
    f.dispute(&olga, &b, &rob, "overturn").await;
    // Pavel, call C: the second step missing (a gap, not his fault); lost, but no step
    // incorrect: no violation. Acknowledged.
    let c = f.call(&pavel).await;
    f.review(&rita, "cmc").await;
    f.outcome(&c, "lost").await;
    f.acknowledge(&pavel, &c).await;

    let day = today();
    let query = format!("from={day}&to={day}");
    let kpi: Value = f
        .app
        .get_as(&format!("/api/v1/kpi?{query}"), &f.owner.token)
        .await
        .json()
        .await
        .unwrap();
    let lines = kpi["operators"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{kpi}");
    let (o, p) = (&lines[0], &lines[1]);
    assert_eq!(o["name"], "Operator olga");
    for (field, value) in [
        ("arrived", 2),
        ("sampled", 2),
        ("reviewed", 2),
        ("critical_failures", 0),
        ("lost_in_violation", 1),
        ("gaps_raised", 1),
        ("disputes_won", 1),
        ("disputes_lost", 1),
        ("acknowledged", 1),
    ] {
        assert_eq!(o[field], value, "olga {field}: {kpi}");
    }
    // A: 1 of 2 judged steps right; B: 3 of 3 once overturned.
    assert!(
        (o["average_score"].as_f64().unwrap() - 0.75).abs() < 1e-9,
        "{kpi}"
    );
    assert_eq!(o["acknowledgement_rate"], 0.5);
    for (field, value) in [
        ("reviewed", 1),
        ("lost_in_violation", 0),
        ("gaps_raised", 1),
        ("disputes_won", 0),
        ("disputes_lost", 0),
        ("acknowledged", 1),
    ] {
        assert_eq!(p[field], value, "pavel {field}: {kpi}");
    }
    assert_eq!(kpi["total"]["gaps_raised"], 2);
    assert_eq!(kpi["versions"][0]["version"], 1);
    assert_eq!(kpi["versions"][0]["calls"], 3);

    // The CSV, byte for byte.
    let csv = f
        .app
        .get_as(&format!("/overview/kpi.csv?{query}"), &f.owner.token)
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("callqa-kpi-{day}-{day}.csv"))
    );
    let expected = format!(
        "\u{feff}Period {day} – {day} · script versions: Inbound call v1\r\n\
         Operator,Calls arrived,Sampled,Reviewed,\"Average score, %\",\"Compliance, %\",\
         Failed on a critical step,Lost with an incorrect step,Gaps raised,Disputes won,\
         Disputes lost,Feedback acknowledged,\"Acknowledged, %\"\r\n\
         Operator olga,2,2,2,75.0,100.0,0,1,1,1,1,1,50.0\r\n\
         Operator pavel,1,1,1,100.0,100.0,0,0,1,0,0,1,100.0\r\n\
         All operators,3,3,3,83.3,100.0,0,1,2,1,1,2,66.7\r\n"
    );
    assert_eq!(csv.text().await.unwrap(), expected);
    let ru = f
        .app
        .api
        .get(f.app.url(&format!("/overview/kpi.csv?{query}")))
        .bearer_auth(&f.owner.token)
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ru_day = {
        let parts: Vec<&str> = day.split('-').collect();
        format!("{}.{}.{}", parts[2], parts[1], parts[0])
    };
    let lines: Vec<&str> = ru.split("\r\n").collect();
    assert_eq!(
        lines[0],
        format!("\u{feff}Период {ru_day} – {ru_day} · версии скриптов: Inbound call v1")
    );
    assert_eq!(lines[2], "Operator olga;2;2;2;75,0;100,0;0;1;1;1;1;1;50,0");
    assert_eq!(lines[4], "Все операторы;3;3;3;83,3;100,0;0;1;2;1;1;2;66,7");

    // The workbook: a sheet per table, each headed by the period and the versions.
    let xlsx = f
        .app
        .get_as(&format!("/overview/kpi.xlsx?{query}"), &f.owner.token)
        .await;
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), ["Operators", "Script versions"]);
    let sheet = book.worksheet_range("Operators").unwrap();
    let title = format!("Period {day} – {day} · script versions: Inbound call v1");
    assert_eq!(sheet.get((0, 0)), Some(&Data::String(title.clone())));
    assert_eq!(
        sheet.get((1, 7)),
        Some(&Data::String("Lost with an incorrect step".into()))
    );
    assert_eq!(
        sheet.get((2, 0)),
        Some(&Data::String("Operator olga".into()))
    );
    assert_eq!(sheet.get((2, 1)), Some(&Data::Float(2.0)));
    assert_eq!(sheet.get((2, 4)), Some(&Data::Float(0.75)));
    assert_eq!(sheet.get((2, 7)), Some(&Data::Float(1.0)));
    assert_eq!(sheet.get((2, 12)), Some(&Data::Float(0.5)));
    assert_eq!(
        sheet.get((4, 0)),
        Some(&Data::String("All operators".into()))
    );
    assert_eq!(sheet.get((4, 8)), Some(&Data::Float(2.0)));
    let versions = book.worksheet_range("Script versions").unwrap();
    assert_eq!(versions.get((0, 0)), Some(&Data::String(title)));
    assert_eq!(
        versions.get((2, 0)),
        Some(&Data::String("Inbound call".into()))
    );
    assert_eq!(versions.get((2, 1)), Some(&Data::Float(1.0)));
    assert_eq!(versions.get((2, 2)), Some(&Data::Float(3.0)));

    // The overview page shows the table and links the files.
    let page = f
        .app
        .get_as(&format!("/overview?{query}"), &f.owner.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("KPI for pay"), "{page}");
    assert!(page.contains(&format!(
        "/overview/kpi.xlsx?{}",
        query.replace('&', "&amp;")
    )));

    // Only owners; a bad date names the field; a period without calls is the header only.
    for who in [&olga, &rita] {
        for path in ["/api/v1/kpi", "/overview/kpi.csv", "/overview/kpi.xlsx"] {
            assert_eq!(f.app.get_as(path, &who.token).await.status(), 403, "{path}");
        }
    }
    let bad = f
        .app
        .get_as("/overview/kpi.csv?from=someday", &f.owner.token)
        .await;
    assert_eq!(bad.status(), 422);
    let empty = f
        .app
        .get_as(
            "/overview/kpi.csv?from=2020-01-01&to=2020-01-31",
            &f.owner.token,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        empty.ends_with("All operators,0,0,0,,,0,0,0,0,0,0,\r\n"),
        "{empty}"
    );
    assert!(empty.contains("script versions: none (no reviewed calls)"));
}
