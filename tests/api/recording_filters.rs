//! From a figure to the calls behind it: the recordings list narrowed to calls with a step
//! marked incorrect or with reviewers disagreeing (on one step or any), to one script's calls,
//! and the overview's names and heatmap cells linking there. Only counted reviews matter: a
//! rejected review stops putting its call in the list. On both backends.

use serde_json::{Value, json};

use crate::helpers::{Invitee, TestApp, TestUser, all_correct, spawn_app_with, test_settings};

struct Calls {
    app: TestApp,
    owner: TestUser,
    operator: String,
    script: String,
    /// Both reviewers found every step correct.
    clean: String,
    /// Both found the first step incorrect.
    wrong: String,
    /// Anna found every step correct, Boris the second step incorrect.
    split: String,
    step_keys: Vec<String>,
    anna: TestUser,
}

/// Step `n` of the task marked incorrect, the others correct.
fn incorrect_at(task: &Value, n: usize) -> Vec<Value> {
    let mut verdicts = all_correct(task);
    verdicts[n] = json!({
        "step_id": task["script"]["steps"][n]["id"], "verdict": "incorrect",
        "comment": "Not as the script says", "at_ms": 200
    });
    verdicts
}

/// Three calls of one operator, each reviewed by Anna and Boris before the next is uploaded
/// (so each draw can only be the call just uploaded).
async fn three_reviewed_calls() -> Calls {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let olga = app.invited(&owner, Invitee::Operator, "olga").await;
    let operator = olga.operator_id.clone().unwrap();
    let script = app.script(&owner).await;
    let anna = app.invited(&owner, Invitee::Reviewer, "anna").await;
    let boris = app.invited(&owner, Invitee::Reviewer, "boris").await;
    let mut ids = Vec::new();
    type Verdicts = fn(&Value) -> Vec<Value>;
    let plans: [(Verdicts, Verdicts); 3] = [
        (all_correct, all_correct),
        (|t| incorrect_at(t, 0), |t| incorrect_at(t, 0)),
        (all_correct, |t| incorrect_at(t, 1)),
    ];
    for (for_anna, for_boris) in plans {
        let id = app.ready_calls(&owner, &operator, &script, 1, 2).await;
        ids.extend(id);
        for (reviewer, verdicts) in [(&anna, for_anna), (&boris, for_boris)] {
            let response = app
                .post_json(
                    "/api/v1/assignments/next",
                    Some(&reviewer.token),
                    &json!({}),
                )
                .await;
            assert_eq!(response.status(), 200);
            let task: Value = response.json().await.unwrap();
            let code = task["code"].as_str().unwrap();
            let sent = app
                .post_json(
                    &format!("/api/v1/assignments/{code}/review"),
                    Some(&reviewer.token),
                    &json!({ "verdicts": verdicts(&task) }),
                )
                .await;
            assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
        }
    }
    let [clean, wrong, split] = <[String; 3]>::try_from(ids).unwrap();
    // Reviewers never see the keys; the owner's view of a call names them.
    let view: Value = app
        .get_as(&format!("/api/v1/recordings/{clean}/reviews"), &owner.token)
        .await
        .json()
        .await
        .unwrap();
    let step_keys = view["consensus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step_key"].as_str().unwrap().to_owned())
        .collect();
    Calls {
        app,
        owner,
        operator,
        script,
        clean,
        wrong,
        split,
        step_keys,
        anna,
    }
}

impl Calls {
    /// The ids the list answers `query` with, sorted, and the total it reports.
    async fn listed(&self, query: &str) -> (Vec<String>, String) {
        let response = self
            .app
            .get_as(&format!("/api/v1/recordings?{query}"), &self.owner.token)
            .await;
        assert_eq!(response.status(), 200, "{query}");
        let total = response.headers()["X-Total-Count"]
            .to_str()
            .unwrap()
            .to_owned();
        let rows: Vec<Value> = response.json().await.unwrap();
        let mut ids: Vec<String> = rows
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        (ids, total)
    }

    fn sorted(&self, ids: &[&String]) -> Vec<String> {
        let mut ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        ids.sort();
        ids
    }
}

#[tokio::test]
async fn the_list_narrows_to_calls_with_an_incorrect_step_or_a_disagreement() {
    let c = three_reviewed_calls().await;
    let (first, second) = (&c.step_keys[0], &c.step_keys[1]);

    let (all, total) = c.listed("").await;
    assert_eq!(all, c.sorted(&[&c.clean, &c.wrong, &c.split]));
    assert_eq!(total, "3");
    let (found, total) = c.listed("problem=incorrect").await;
    assert_eq!(found, c.sorted(&[&c.wrong, &c.split]));
    assert_eq!(total, "2", "the count follows the filter");
    let (found, _) = c
        .listed(&format!("problem=incorrect&step_key={first}"))
        .await;
    assert_eq!(found, c.sorted(&[&c.wrong]));
    let (found, _) = c.listed("problem=disagreement").await;
    assert_eq!(
        found,
        c.sorted(&[&c.split]),
        "two reviews alike are no dispute"
    );
    let (found, _) = c
        .listed(&format!("problem=disagreement&step_key={first}"))
        .await;
    assert!(found.is_empty(), "nobody disagreed on the first step");
    let (found, _) = c
        .listed(&format!("problem=disagreement&step_key={second}"))
        .await;
    assert_eq!(found, c.sorted(&[&c.split]));
    // A step alone: the calls graded on it (all three); a key no script has: none.
    let (found, _) = c.listed(&format!("step_key={second}")).await;
    assert_eq!(found.len(), 3);
    let (found, _) = c.listed("step_key=no-such-step").await;
    assert!(found.is_empty());
    // Combined with the other filters.
    let (found, _) = c
        .listed(&format!(
            "problem=incorrect&operator_id={}&script_id={}",
            c.operator, c.script
        ))
        .await;
    assert_eq!(found.len(), 2);
    let (found, _) = c
        .listed("problem=incorrect&script_id=00000000-0000-0000-0000-000000000000")
        .await;
    assert!(found.is_empty());

    // The day of the call (the upload day here: no call time is known).
    let (found, _) = c
        .listed("problem=incorrect&called_from=2000-01-01&called_to=2000-01-31")
        .await;
    assert!(found.is_empty(), "no call took place in January 2000");
    let response = c
        .app
        .get_as("/api/v1/recordings?called_from=yesterday", &c.owner.token)
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "called_from");

    // A word the filter does not know is a clear 422 naming the field.
    let response = c
        .app
        .get_as("/api/v1/recordings?problem=bad", &c.owner.token)
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "problem");
    // Reviewers and operators have no list at all.
    let response = c
        .app
        .get_as("/api/v1/recordings?problem=incorrect", &c.anna.token)
        .await;
    assert_eq!(response.status(), 403);

    // Rejecting Boris's review of the split call takes it out of both lists.
    let response = c
        .app
        .get_as(
            &format!("/api/v1/recordings/{}/reviews", c.split),
            &c.owner.token,
        )
        .await;
    let view: Value = response.json().await.unwrap();
    let boris_review = view["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["verdicts"][1]["verdict"] == "incorrect")
        .expect("Boris's review")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = c
        .app
        .post_json(
            &format!("/api/v1/reviews/{boris_review}/reject"),
            Some(&c.owner.token),
            &json!({"reason": "Did not listen"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (found, _) = c.listed("problem=disagreement").await;
    assert!(found.is_empty(), "a rejected review disagrees with nobody");
    let (found, _) = c.listed("problem=incorrect").await;
    assert_eq!(found, c.sorted(&[&c.wrong]));
}

#[tokio::test]
async fn overview_names_and_heatmap_cells_lead_to_the_calls_behind_them() {
    let c = three_reviewed_calls().await;
    let browser = c.app.browser_for(&c.owner).await;
    let overview = c.app.page_text(&browser, "/overview").await;
    // The href of every link whose tag starts with `opening`.
    let links = |opening: &str| -> Vec<String> {
        overview
            .split(opening)
            .skip(1)
            .map(|rest| {
                let href = rest.split("href=\"").nth(1).unwrap();
                href[..href.find('"').unwrap()].replace("&amp;", "&")
            })
            .collect()
    };
    let names: Vec<String> = links("<th scope=\"row\" class=\"ov-name\"><a")
        .into_iter()
        .collect();
    assert_eq!(
        names.len(),
        2,
        "the operators table and the heatmap: {overview}"
    );
    assert!(names[0].contains(&format!("operator_id={}", c.operator)));
    let cells = links("<a class=\"hm-link\"");
    assert_eq!(cells.len(), 3, "one link per step with data");
    // The first step's cell: the calls where it was marked incorrect.
    let first = cells
        .iter()
        .find(|href| href.contains(&format!("step_key={}", c.step_keys[0])))
        .expect("a link for the first step");
    assert!(first.contains("problem=incorrect"), "{first}");
    let query = first.trim_start_matches("/recordings?");
    let (found, _) = c.listed(query).await;
    assert_eq!(found, c.sorted(&[&c.wrong]), "{first}");
    // The last step was never marked incorrect: its cell lists the calls graded on it.
    let last = cells
        .iter()
        .find(|href| href.contains(&format!("step_key={}", c.step_keys[2])))
        .unwrap();
    assert!(!last.contains("problem="), "{last}");
    let (found, _) = c.listed(last.trim_start_matches("/recordings?")).await;
    assert_eq!(found.len(), 3);

    // The page follows the link: the filter is shown, kept in the form, and can be cleared.
    let page = c.app.page_text(&browser, first).await;
    assert!(page.contains("class=\"notice narrowed\""), "{page}");
    assert!(page.contains(&format!("name=\"step_key\" value=\"{}\"", c.step_keys[0])));
    assert!(page.contains("<option value=\"incorrect\" selected>"));
    assert_eq!(
        page.matches("<td class=\"filename\"").count(),
        1,
        "one call listed"
    );
    // "All steps" keeps the operator, the problem and the period.
    let all_steps = page.split("class=\"notice narrowed\"").nth(1).unwrap();
    let all_steps = all_steps.split("href=\"").nth(1).unwrap();
    let all_steps = all_steps[..all_steps.find('"').unwrap()].replace("&amp;", "&");
    assert!(!all_steps.contains("step_key"), "{all_steps}");
    let (found, _) = c.listed(all_steps.trim_start_matches("/recordings?")).await;
    assert_eq!(found.len(), 2, "{all_steps}");

    // In Russian too, and a bad value is said in words on the page (422).
    browser.get(c.app.url("/lang/ru")).send().await.unwrap();
    let response = browser
        .get(c.app.url("/recordings?problem=bad"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let text = response.text().await.unwrap();
    assert!(text.contains("Такое значение не допускается"), "{text}");
    let russian = c.app.page_text(&browser, first).await;
    assert!(russian.contains("Шаг отмечен как неверный"));
    assert!(russian.contains("Только шаг «"));
    assert!(
        russian.contains("Только звонки с "),
        "the days of the overview"
    );
}
