//! The owner's overview: with known verdicts on two operators' calls, the per-operator
//! figures, the trend, the heatmap cells, the open gaps and the CSV export come out exactly
//! right; calls still waiting for a review count for nothing; only owners get in; bad dates
//! are refused naming the field.

use serde_json::{Value, json};

use crate::helpers::{
    Invitee, TestApp, TestUser, problem_fields, spawn_app_with, test_settings, tone_wav,
};

const ANNA: &str = "Анна Смирнова, старшая";
const BORIS: &str = "Boris \"Bob\" Lee";

struct Floor {
    app: TestApp,
    owner: TestUser,
    script_id: String,
    rita: TestUser,
    rob: TestUser,
}

impl Floor {
    async fn operator(&self, name: &str, external_id: Option<&str>) -> String {
        let response = self
            .app
            .post_json(
                "/api/v1/operators",
                Some(&self.owner.token),
                &json!({"name": name, "external_id": external_id}),
            )
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// One call of `operator` on `called_at` (RFC 3339), processed and in the pool.
    async fn call_on(&self, operator: &str, called_at: &str, reviews: u32) {
        let response = self
            .app
            .upload(
                &self.owner,
                "call.wav",
                tone_wav(1.0, 8000),
                &[
                    ("operator_id", operator),
                    ("script_id", &self.script_id),
                    ("called_at", called_at),
                    ("reviews_required", &reviews.to_string()),
                ],
            )
            .await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        let done = self
            .app
            .wait_processed(&self.owner.token, body["id"].as_str().unwrap())
            .await;
        assert_eq!(done["status"], "ready", "{done}");
    }

    /// The reviewer takes the next call and grades its steps in order with `verdicts`
    /// (`c`, `i`, `m`).
    async fn review(&self, reviewer: &TestUser, verdicts: &str) {
        let response = self
            .app
            .post_json(
                "/api/v1/assignments/next",
                Some(&reviewer.token),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), 200, "{} gets a call", reviewer.login);
        let task: Value = response.json().await.unwrap();
        let marks: Vec<Value> = task["script"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .zip(verdicts.chars())
            .map(|(step, mark)| match mark {
                'c' => json!({"step_id": step["id"], "verdict": "correct"}),
                'i' => json!({"step_id": step["id"], "verdict": "incorrect", "comment": "Rushed it"}),
                _ => json!({"step_id": step["id"], "verdict": "missing", "comment": "Asked about delivery"}),
            })
            .collect();
        let code = task["code"].as_str().unwrap();
        let response = self
            .app
            .post_json(
                &format!("/api/v1/assignments/{code}/review"),
                Some(&reviewer.token),
                &json!({ "verdicts": marks }),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }

    async fn get(&self, path: &str, user: &TestUser) -> reqwest::Response {
        self.app.get_as(path, &user.token).await
    }
}

async fn floor() -> Floor {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let script_id = app.script(&owner).await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let rob = app.invited(&owner, Invitee::Reviewer, "rob").await;
    Floor {
        app,
        owner,
        script_id,
        rita,
        rob,
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[tokio::test]
async fn the_overview_adds_up_the_consensus_of_each_operator() {
    let f = floor().await;
    let anna = f.operator(ANNA, Some("A-17")).await;
    let boris = f.operator(BORIS, None).await;
    let now = time::OffsetDateTime::now_utc();
    let today = rfc3339(now - time::Duration::hours(1));

    // Calls are reviewed batch by batch, so each reviewer's next call is the one meant.
    // Anna, 40 days ago (the 30 days before the default period): 1/3.
    f.call_on(&anna, &rfc3339(now - time::Duration::days(40)), 1)
        .await;
    f.review(&f.rita, "iic").await;
    // Anna today: 2/3 and (one missing) 2/2.
    f.call_on(&anna, &today, 1).await;
    f.call_on(&anna, &today, 1).await;
    f.review(&f.rita, "cci").await;
    f.review(&f.rita, "cmc").await;
    // Boris today, two reviews: correct, incorrect, and a tie (correct vs missing) = 1/2.
    f.call_on(&boris, &today, 2).await;
    f.review(&f.rita, "cic").await;
    f.review(&f.rob, "cim").await;
    // A call of Boris still waiting for its second review counts for nothing.
    f.call_on(&boris, &today, 2).await;
    f.review(&f.rita, "iii").await;

    let response = f.get("/api/v1/overview", &f.owner).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let to = body["to"].as_str().unwrap().to_owned();
    let from = body["from"].as_str().unwrap().to_owned();
    assert_eq!(to, rfc3339(now).get(..10).unwrap());
    assert_eq!(body["calls"], 3);
    assert!(close(&body["average_score"], (2.0 / 3.0 + 1.0 + 0.5) / 3.0));

    let operators = body["operators"].as_array().unwrap();
    assert_eq!(operators.len(), 2, "{body}");
    let (b, a) = (&operators[0], &operators[1]);
    assert_eq!(a["name"], ANNA);
    assert_eq!(a["external_id"], "A-17");
    assert_eq!(a["calls"], 2);
    assert!(close(&a["average_score"], 5.0 / 6.0), "{a}");
    assert_eq!(a["previous_calls"], 1);
    assert!(close(&a["previous_average"], 1.0 / 3.0));
    assert_eq!(a["trend"], "up");
    assert_eq!(
        [&a["correct"], &a["incorrect"], &a["missing"], &a["split"]],
        [4, 1, 1, 0]
    );
    let weekly = a["weekly"].as_array().unwrap();
    assert_eq!(
        weekly.len(),
        5,
        "30 days are five weeks, the last one short"
    );
    assert_eq!(weekly.last().unwrap()["calls"], 2);
    assert!(close(&weekly.last().unwrap()["average_score"], 5.0 / 6.0));
    assert_eq!(weekly[0]["average_score"], Value::Null);

    assert_eq!(b["name"], BORIS);
    assert_eq!(b["calls"], 1);
    assert!(close(&b["average_score"], 0.5));
    assert_eq!(b["trend"], Value::Null, "nothing to compare with");
    assert_eq!(
        [&b["correct"], &b["incorrect"], &b["missing"], &b["split"]],
        [1, 1, 0, 1]
    );

    let heatmap = &body["heatmap"];
    let titles: Vec<&str> = heatmap["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Greeting", "Listen", "Ask the source"]);
    let cells = |row: usize| -> Vec<(Value, Value, Value)> {
        heatmap["rows"][row]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["correct"].clone(),
                    c["incorrect"].clone(),
                    c["share"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(heatmap["rows"][0]["name"], BORIS);
    assert_eq!(
        cells(0),
        [
            (json!(1), json!(0), json!(1.0)),
            (json!(0), json!(1), json!(0.0)),
            (json!(0), json!(0), Value::Null),
        ]
    );
    let tie = &heatmap["rows"][0]["cells"][2];
    assert_eq!((&tie["split"], &tie["missing"]), (&json!(1), &json!(0)));
    assert_eq!(
        cells(1),
        [
            (json!(2), json!(0), json!(1.0)),
            (json!(1), json!(0), json!(1.0)),
            (json!(1), json!(1), json!(0.5)),
        ]
    );

    // One gap on "Listen" (Anna's call), one on "Ask the source" (rob's verdict on Boris's).
    let mut gaps: Vec<(String, i64)> = body["open_gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert_eq!(g["script_id"], f.script_id.as_str());
            assert_eq!(g["script_name"], "Inbound call");
            (
                g["title"].as_str().unwrap().to_owned(),
                g["open"].as_i64().unwrap(),
            )
        })
        .collect();
    gaps.sort();
    assert_eq!(
        gaps,
        [("Ask the source".to_owned(), 1), ("Listen".to_owned(), 1)]
    );

    // A period with only the old call: Anna alone, compared with nothing.
    let old = rfc3339(now - time::Duration::days(40));
    let day = &old[..10];
    let past: Value = f
        .get(&format!("/api/v1/overview?from={day}&to={day}"), &f.owner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(past["calls"], 1);
    assert_eq!(past["operators"][0]["name"], ANNA);
    assert!(close(&past["operators"][0]["average_score"], 1.0 / 3.0));

    // The CSV of the same period, in English and in Russian.
    let response = f
        .get(&format!("/overview.csv?from={from}&to={to}"), &f.owner)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"callqa-overview-{from}-{to}.csv\"")
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "starts with a BOM");
    assert_eq!(
        std::str::from_utf8(&bytes[3..]).unwrap(),
        "Operator,External ID,Reviewed calls,\"Average score, %\",Correct,Incorrect,Not in the script,Split,\"Compliance, %\",Failed on a critical step,Did not arise\r\n\
         \"Boris \"\"Bob\"\" Lee\",,1,50.0,1,1,0,1,100.0,0,0\r\n\
         \"Анна Смирнова, старшая\",A-17,2,83.3,4,1,1,0,100.0,0,0\r\n"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let names: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(names, [BORIS, ANNA]);

    let russian = f
        .app
        .api
        .get(f.app.url("/overview.csv"))
        .bearer_auth(&f.owner.token)
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        russian.starts_with(
            "\u{feff}Оператор,Внешний ID,Проверено звонков,\"Средняя оценка, %\",Верно,"
        ),
        "{russian}"
    );

    // The page, in both languages, links each step's gaps to the queue.
    for lang in ["en", "ru"] {
        let response = f
            .app
            .api
            .get(f.app.url("/overview"))
            .bearer_auth(&f.owner.token)
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("Анна Смирнова, старшая"));
        assert!(
            html.contains("Boris &quot;Bob&quot; Lee") || html.contains("Boris &#34;Bob&#34; Lee")
        );
        assert!(html.contains(&format!("/gaps?script_id={}&amp;step_key=", f.script_id)));
        assert!(html.contains("<svg class=\"sparkline\""));
        assert!(html.contains("83%"));
    }
}

#[tokio::test]
async fn only_owners_see_the_overview_and_bad_dates_are_named() {
    let f = floor().await;
    let operator = f.app.invited(&f.owner, Invitee::Operator, "oleg").await;
    for path in ["/api/v1/overview", "/overview", "/overview.csv"] {
        assert_eq!(f.get(path, &f.rita).await.status(), 403, "{path}");
        assert_eq!(f.get(path, &operator).await.status(), 403, "{path}");
        assert_eq!(f.get(path, &f.owner).await.status(), 200, "{path}");
    }
    assert_eq!(
        f.app
            .api
            .get(f.app.url("/api/v1/overview"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let fields = problem_fields;
    let cases = [
        ("from=2026-02-30", vec![("from", "bad_date")]),
        ("to=yesterday", vec![("to", "bad_date")]),
        (
            "from=x&to=2026-1-1",
            vec![("from", "bad_date"), ("to", "bad_date")],
        ),
        (
            "from=2026-02-02&to=2026-02-01",
            vec![("to", "period_reversed")],
        ),
        (
            "from=1990-01-01&to=2026-01-01",
            vec![("from", "period_too_long")],
        ),
    ];
    for (query, expected) in cases {
        let response = f.get(&format!("/api/v1/overview?{query}"), &f.owner).await;
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.unwrap();
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect();
        assert_eq!(fields(&body), expected, "{query}");
        assert_eq!(
            f.get(&format!("/overview.csv?{query}"), &f.owner)
                .await
                .status(),
            422
        );
        let page = f.get(&format!("/overview?{query}"), &f.owner).await;
        assert_eq!(page.status(), 422);
        let html = page.text().await.unwrap();
        assert!(html.contains("role=\"alert\""));
        assert!(
            html.contains("Start date: ") || html.contains("End date: "),
            "{html}"
        );
    }

    // A period with nothing in it is an empty overview, not an error.
    let body: Value = f
        .get("/api/v1/overview?from=2020-01-01&to=2020-01-31", &f.owner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["calls"], 0);
    assert_eq!(body["operators"], json!([]));
    assert_eq!(
        body["previous"],
        json!({"from": "2019-12-01", "to": "2019-12-31"})
    );
    assert_eq!(body["average_score"], Value::Null);
}

/// The raw export: one row per answer, in the order the reviews were sent, read a page at a
/// time (here one review per page, so every page boundary is crossed), in the asker's
/// locale, every text cell safe from spreadsheet formulas.
#[tokio::test]
async fn every_answer_of_the_period_is_exported_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    settings.export_page_reviews = 1;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let script_id = app.script(&owner).await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let rob = app.invited(&owner, Invitee::Reviewer, "rob").await;
    let floor = Floor {
        app,
        owner,
        script_id,
        rita,
        rob,
    };
    let anna = floor.operator(ANNA, None).await;
    let boris = floor.operator(BORIS, None).await;
    let today = rfc3339(time::OffsetDateTime::now_utc());
    floor.call_on(&anna, &today, 1).await;
    floor.call_on(&boris, &today, 1).await;
    floor.call_on(&anna, &today, 1).await;
    floor.review(&floor.rita, "cim").await;
    floor.review(&floor.rob, "ccc").await;
    floor.review(&floor.rita, "icc").await;

    let response = floor.get("/api/v1/answers.csv", &floor.owner).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("callqa-answers-")
    );
    let body = response.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&body[3..]);
    let header = reader.headers().unwrap().clone();
    assert_eq!(header.len(), 11);
    assert!(header[0].starts_with("Sent ("), "{header:?}");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let steps = rows.len() / 3;
    assert_eq!(rows.len(), 3 * steps, "{rows:?}");
    assert!(steps >= 3);
    // In the order sent, each review's steps in the script's order.
    let verdicts: Vec<&str> = rows.iter().map(|r| &r[8]).collect();
    assert_eq!(&verdicts[..3], ["correct", "incorrect", "missing"]);
    assert_eq!(
        &verdicts[steps..steps + 3],
        ["correct", "correct", "correct"]
    );
    assert_eq!(
        &verdicts[2 * steps..2 * steps + 3],
        ["incorrect", "correct", "correct"]
    );
    let operators: Vec<&str> = rows.iter().step_by(steps).map(|r| &r[2]).collect();
    assert_eq!(operators.len(), 3);
    assert!(
        operators.contains(&BORIS) && operators.contains(&ANNA),
        "{operators:?}"
    );
    assert_eq!(&rows[1][9], "Rushed it");
    assert_eq!(&rows[0][5], "1");
    // Reviewers appear by pseudonym, never by name.
    assert!(
        rows.iter()
            .all(|r| !r[7].is_empty() && &r[7] != "rita" && &r[7] != "rob")
    );
    assert_ne!(&rows[0][7], &rows[steps][7]);
    assert_eq!(&rows[0][7], &rows[2 * steps][7]);

    // In Russian: semicolons and Russian headers.
    let ru = floor
        .app
        .api
        .get(floor.app.url("/api/v1/answers.csv"))
        .bearer_auth(&floor.owner.token)
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ru.contains("Оператор;") || ru.contains(";Оператор"), "{ru}");

    // An empty period gives the header only; bad input is refused naming the field.
    let empty = floor
        .get(
            "/api/v1/answers.csv?from=2020-01-01&to=2020-01-31",
            &floor.owner,
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(csv::Reader::from_reader(&empty[3..]).records().count(), 0);
    let bad = floor
        .get("/api/v1/answers.csv?from=yesterday", &floor.owner)
        .await;
    assert_eq!(bad.status(), 422);
    let unknown = floor
        .get("/api/v1/answers.csv?script_id=nope", &floor.owner)
        .await;
    assert_eq!(unknown.status(), 422);
    let reviewer = floor.get("/api/v1/answers.csv", &floor.rita).await;
    assert_eq!(reviewer.status(), 403);
}
