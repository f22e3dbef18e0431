//! The owner compares two versions of a script: a reworded step marks only what changed,
//! down to a punctuation mark, and a step the newer version added shows what it says.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_diff_marks_punctuation_alone_and_shows_an_added_steps_text() {
    let app = spawn_app().await;
    let owner = app.owner().await;
    let created: Value = app
        .post_json(
            "/api/v1/scripts",
            Some(&owner.token),
            &json!({"name": "Inbound", "steps": [
                {"title": "Greeting", "say": "Good afternoon, kettle shop, Anna speaking."},
                {"title": "Transfer", "say": "I will put you through."}
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let keys: Vec<&str> = created["version"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    let published = app
        .post_json(
            &format!("/api/v1/scripts/{id}/versions"),
            Some(&owner.token),
            &json!({"steps": [
                {"key": keys[0], "title": "Greeting", "say": "Good afternoon, kettle shop. Anna speaking."},
                {"title": "Ask the source", "say": "Where did you hear about us?", "guidance": "Note the answer."},
                {"key": keys[1], "title": "Transfer", "say": "I will put you through."}
            ]}),
        )
        .await;
    assert_eq!(published.status(), 201);

    let diff: Value = app
        .get_as(
            &format!("/api/v1/scripts/{id}/diff?from=1&to=2"),
            &owner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let steps = diff["steps"].as_array().unwrap();
    let marked = |fragments: &Value| -> Vec<(String, String)> {
        fragments
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_owned(),
                    f["text"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pair = |kind: &str, text: &str| (kind.to_owned(), text.to_owned());

    assert_eq!(steps[0]["change"], "reworded");
    assert_eq!(steps[0]["fields"][0]["field"], "say");
    assert_eq!(
        marked(&steps[0]["fields"][0]["fragments"]),
        [
            pair("same", "Good afternoon, kettle shop"),
            pair("removed", ","),
            pair("added", "."),
            pair("same", " Anna speaking.")
        ]
    );

    assert_eq!(steps[1]["change"], "added");
    assert_eq!(steps[1]["title"], "Ask the source");
    let added: Vec<(String, Vec<(String, String)>)> = steps[1]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                marked(&f["fragments"]),
            )
        })
        .collect();
    assert_eq!(
        added,
        [
            (
                "say".to_owned(),
                vec![pair("added", "Where did you hear about us?")]
            ),
            (
                "guidance".to_owned(),
                vec![pair("added", "Note the answer.")]
            )
        ]
    );
    assert_eq!(steps[2]["change"], "unchanged");
    assert!(steps[2]["fields"].as_array().unwrap().is_empty());

    // The page shows the same: the mark alone, and the added step's words as inserted text.
    let browser = app.browser_for(&owner).await;
    let page = browser
        .get(app.url(&format!("/scripts/{id}/diff?from=1&to=2")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Good afternoon, kettle shop<del>,</del><ins>.</ins> Anna speaking."),
        "{page}"
    );
    assert!(
        page.contains("<ins>Where did you hear about us?</ins>"),
        "{page}"
    );
    assert!(page.contains("<ins>Note the answer.</ins>"), "{page}");
}
