//! A dispute through the pages: a call gets an `incorrect` verdict on a step; its operator
//! contests that step on their call page; a second reviewer draws the call like any other
//! and reviews it again; the owner overturns the step on the dispute's page; the operator
//! reads the decision and the owner's note.

use super::app::{self, RunningApp};
use super::browser::{Browser, Driver};
use super::{OPERATOR_NAME, join, listen, tour, wait_processed, wait_workspace};

const WRONG: &str = "Interrupted the customer twice";
const CONTEST: &str = "The customer had finished: listen at 0:04";
const NOTE: &str = "Right: the customer had finished speaking";

/// Grades the call on the page: `incorrect` (with a comment) on step `wrong` (1-based), if
/// any, `correct` elsewhere; then sends it.
async fn grade_and_send(reviewer: &Browser, wrong: Option<usize>) {
    wait_workspace(reviewer).await;
    listen(reviewer).await;
    let steps = reviewer.find_all(".ws-step").await;
    for (index, step) in steps.iter().enumerate() {
        let id = step
            .attr("data-step")
            .await
            .expect("data-step")
            .expect("id");
        let verdict = if wrong == Some(index + 1) {
            "incorrect"
        } else {
            "correct"
        };
        reviewer
            .click(&format!(
                "input[name='verdict-{id}'][value='{verdict}'] + span"
            ))
            .await;
        if verdict == "incorrect" {
            reviewer.fill(&format!("#comment-{id}"), WRONG).await;
        }
    }
    reviewer.click_and_load("#send").await;
    assert_eq!(
        reviewer.path().await,
        "/review?done=1",
        "the review was sent: {}",
        reviewer.text().await
    );
}

/// The flow; `owner`, `reviewer` and `operator` are signed in, the operator's call `call`
/// waits for its one review.
pub async fn flow(
    driver: &Driver,
    app: &RunningApp,
    owner: &Browser,
    reviewer: &Browser,
    operator: &Browser,
) {
    // A third call, for one review.
    let audio_dir = tempfile::tempdir().expect("a directory for the call");
    let path = audio_dir
        .path()
        .join("kvasnikova_2024-03-15_1000_inbound.wav");
    std::fs::write(&path, app::call_wav(8, 300.0)).expect("write a call");
    owner.goto(&app.url("/recordings/upload")).await;
    owner
        .find("#file")
        .await
        .send_keys(path.to_str().expect("a UTF-8 path"))
        .await
        .expect("choose the file");
    owner.select_label("#operator_id", OPERATOR_NAME).await;
    owner.select_label("#script_id", "Inbound call").await;
    owner.click("#upload-form details summary").await;
    owner.fill("#reviews_required", "1").await;
    owner.click("#upload-form button[type=submit]").await;
    owner.find("#upload-progress a[href='/recordings']").await;
    owner.goto(&app.url("/recordings")).await;
    let mut calls = Vec::new();
    for link in owner.find_all("td a[href^='/recordings/']").await {
        calls.push(link.attr("href").await.expect("href").unwrap_or_default());
    }
    for href in calls {
        owner.goto(&app.url(&href)).await;
        wait_processed(owner).await;
    }

    // The reviewer judges the second step incorrect (they draw until they get a fresh call).
    reviewer.goto(&app.url("/review")).await;
    reviewer
        .click_and_load(".get-call button[type=submit]")
        .await;
    assert!(
        reviewer.has("#workspace").await,
        "{}",
        reviewer.text().await
    );
    grade_and_send(reviewer, Some(2)).await;

    // The operator contests it.
    operator.goto(&app.url("/calls")).await;
    let mut call = String::new();
    for link in operator.find_all(".op-calls a[href^='/calls/']").await {
        let href = link.attr("href").await.expect("href").unwrap_or_default();
        operator.goto(&app.url(&href)).await;
        if operator.has("input[name='contest-2']").await {
            call = href;
            break;
        }
    }
    assert!(!call.is_empty(), "a call with a verdict to contest");
    tour::both_languages(operator, "operator-call-contest").await;
    operator.click("input[name='contest-2']").await;
    operator.fill("#contest-comment-2", CONTEST).await;
    operator
        .click_and_load(".dispute-box form button[type=submit]")
        .await;
    let text = operator.text().await;
    assert!(
        operator.has(".notice.ok").await && text.contains(CONTEST),
        "the dispute is sent: {text}"
    );
    tour::both_languages(operator, "operator-call-disputed").await;

    // A second reviewer draws calls until the disputed one is reviewed again.
    owner.goto(&app.url("/people")).await;
    owner.select("#invite-role", "reviewer").await;
    owner
        .click_and_load("form[action='/people/invites'] button[type=submit]")
        .await;
    let link = super::invite_link(owner).await;
    let second = driver.session("second reviewer").await;
    join(&second, &link, "Semyon Second", "semyon").await;
    owner.goto(&app.url("/disputes")).await;
    tour::both_languages(owner, "owner-disputes").await;
    owner.click_and_load("td a[href^='/disputes/']").await;
    let dispute = owner.path().await;
    for _ in 0..3 {
        second.goto(&app.url("/review")).await;
        if !second.has(".get-call button[type=submit]").await {
            break;
        }
        second.click_and_load(".get-call button[type=submit]").await;
        if !second.has("#workspace").await {
            break;
        }
        let page = second.text().await.to_lowercase();
        assert!(
            !page.contains("dispute") && !page.contains("спор"),
            "the re-review looks like any task: {page}"
        );
        second.screenshot("second-reviewer-workspace").await;
        grade_and_send(&second, None).await;
        owner.goto(&app.url(&dispute)).await;
        if !owner.has(".re-review-pending").await {
            break;
        }
    }
    owner.goto(&app.url(&dispute)).await;
    tour::both_languages(owner, "owner-dispute").await;
    let text = owner.text().await;
    assert!(
        text.contains(CONTEST) && text.contains(WRONG) && !owner.has(".re-review-pending").await,
        "the dispute side by side, with the re-review: {text}"
    );
    owner
        .click("input[name='decision-1'][value='overturn']")
        .await;
    owner.fill("#note-1", NOTE).await;
    owner
        .click_and_load("form[action^='/disputes/'] button[type=submit]")
        .await;
    assert!(
        owner.has(".notice.ok").await,
        "the decision is saved: {}",
        owner.text().await
    );
    owner.screenshot("owner-dispute-decided").await;

    // The operator reads the outcome.
    operator.goto(&app.url(&call)).await;
    let text = operator.text().await;
    assert!(
        text.contains(NOTE) && operator.has(".op-step .overturned-mark").await,
        "the operator sees the decision: {text}"
    );
    assert!(!text.contains("Semyon"), "never who reviewed again");
    tour::both_languages(operator, "operator-call-overturned").await;
    second.close().await;
}
