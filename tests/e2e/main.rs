//! The whole loop through the real UI in headless Chromium: an owner sets the installation
//! up, writes a script, invites a reviewer and an operator and uploads two calls; the reviewer
//! grades a call with the keyboard only and marks one step missing; the owner refines the
//! script from the gap; the operator reads the feedback. Then a tour (`tour.rs`) opens every
//! page each role can reach, and the signed-out pages, in English and in Russian; last, the
//! owner reads the second call's review side by side on its page and rejects it, makes the
//! first call gold, and the reviewer reads the rejection and its reason in their history;
//! then the reviewer enters their payout details, the owner closes the pay period, approves
//! it and marks it paid, and the reviewer sees it paid. Last, a dispute (`disputes.rs`): a
//! third call judged incorrect on a step, contested by its operator, reviewed again blind by a
//! second reviewer, overturned by the owner.
//!
//! Every page shown is saved at 390 px and 1280 px wide in `$CARGO_TARGET_DIR/e2e-screenshots/`
//! (else `target/e2e-screenshots/`) as `NN-<page>-<language>-<width>.png`, checked with
//! axe-core at both widths, and measured against the viewport's width. The test fails at the
//! end, listing them all, on any axe violation of impact serious or critical, on any page
//! wider than its viewport (a table may scroll inside its own box) and on any page whose
//! language link does not switch it; the list is also written to `checks.txt` beside the
//! screenshots.
//!
//! Needs `chromium` and `chromedriver` on `PATH` (Debian: `chromium`, `chromium-driver`), and
//! axe-core installed by `npm ci` in `tests/e2e/` (the version pinned in its
//! `package-lock.json`); `.ci/run` installs all three. The test fails, never skips, without
//! them. Runs on SQLite, or on PostgreSQL when `CALLQA_TEST_POSTGRES` names a server, like the
//! API tests.

mod app;
mod browser;
mod disputes;
mod tour;

use std::time::{Duration, Instant};

use browser::{Browser, Checks, Driver, eventually};
use fantoccini::key::Key;

const PASSWORD: &str = "correct horse battery";
/// The operator of both calls: the reviewer must never see any of this.
const OPERATOR_NAME: &str = "Zinaida Kvasnikova";
const CUSTOMER_NUMBER: &str = "+7 912 555-01-23";
const FILE_NAMES: [&str; 2] = [
    "kvasnikova_2024-03-14_0915_inbound.wav",
    "kvasnikova_2024-03-14_1140_inbound.wav",
];
/// What the reviewer writes on the step the script has no handling for.
const GAP_COMMENT: &str = "Customer asked for delivery to Kazan; the script has no answer";
/// The payout service's reference of the first pay period.
const PAYMENT_REFERENCE: &str = "SBP-2026-0042";
/// Why the owner rejects the review of the second call.
const REJECT_REASON: &str = "The greeting is there at 0:01: listen to the whole call";

/// Things the reviewer's pages must not contain (compared in lower case).
fn secrets() -> Vec<String> {
    let mut secrets = vec![
        "zinaida".to_owned(),
        "kvasnikova".to_owned(),
        "555-01-23".to_owned(),
        "5550123".to_owned(),
        "2024-03-14".to_owned(),
    ];
    for name in FILE_NAMES {
        secrets.push(name.to_lowercase());
        secrets.push(name.trim_end_matches(".wav").to_lowercase());
    }
    secrets
}

async fn assert_anonymous(reviewer: &Browser) {
    let page = reviewer.source().await.to_lowercase();
    let path = reviewer.path().await;
    for secret in secrets() {
        assert!(
            !page.contains(&secret),
            "the reviewer's page {path} shows «{secret}» (the operator, the customer or the \
             original file)"
        );
    }
}

/// Opens an invite (or setup) link and joins through the form; returns the page joined to.
async fn join(person: &Browser, link: &str, name: &str, login: &str) -> String {
    person.goto(link).await;
    person.fill("#name", name).await;
    person.fill("#login", login).await;
    person.fill("#password", PASSWORD).await;
    person.fill("#password_again", PASSWORD).await;
    person
        .click_and_load("form.narrow button[type=submit]")
        .await;
    let path = person.path().await;
    assert!(
        !person.has("#password_again").await,
        "{login} could not join through {link}: {}",
        person.text().await
    );
    path
}

struct Timer {
    started: Instant,
    last: Instant,
}

impl Timer {
    fn lap(&mut self, what: &str) {
        let now = Instant::now();
        eprintln!(
            "e2e: {what} in {:.1} s (total {:.1} s)",
            (now - self.last).as_secs_f32(),
            (now - self.started).as_secs_f32()
        );
        self.last = now;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_loop_in_a_browser() {
    let mut timer = Timer {
        started: Instant::now(),
        last: Instant::now(),
    };
    let shots = Checks::new();
    let driver = Driver::start(shots.clone()).await;
    let app = app::start().await;
    eprintln!(
        "e2e: server on {} ({}), screenshots in {}",
        app.address,
        app.backend,
        shots.dir().display()
    );
    timer.lap("chromedriver and server started");

    // ---- the owner sets the installation up ------------------------------------------------
    // Someone signed out sees the setup page first, in both languages (using it ends it).
    let visitor = driver.session("signed-out visitor").await;
    visitor.goto(&app.setup_url).await;
    tour::both_languages(&visitor, "signed-out-setup").await;
    let owner = driver.session("owner").await;
    owner.goto(&app.setup_url).await;
    owner.find("#password_again").await;
    owner.screenshot("owner-setup").await;
    let home = join(&owner, &app.setup_url, "Olga Owner", "owner").await;
    assert_eq!(home, "/", "the first owner lands on the home page");
    owner.screenshot("owner-home").await;

    // A script through the no-JavaScript editor: name it, fill the steps, add steps, publish.
    owner.goto(&app.url("/scripts")).await;
    owner.screenshot("owner-scripts").await;
    owner.fill("#new-name", "Inbound call").await;
    owner
        .click_and_load("form[action='/scripts'] button[type=submit]")
        .await;
    let edit_path = owner.path().await;
    assert!(
        edit_path.ends_with("/edit"),
        "a new script opens its editor, not {edit_path}"
    );
    let script_path = edit_path.trim_end_matches("/edit").to_owned();
    owner.screenshot("owner-script-new").await;
    if owner.find_all("fieldset.step").await.is_empty() {
        owner
            .click_and_load("button[name=action][value='add']")
            .await;
    }
    let steps = [
        (
            "Greeting",
            "Good afternoon, kettle shop, Anna speaking.",
            "Smile; say the shop's name first.",
        ),
        (
            "Listen",
            "",
            "Let the customer finish before offering anything.",
        ),
        (
            "Ask the source",
            "Where did you hear about us?",
            "Ask before the transfer.",
        ),
    ];
    for (i, (title, say, guidance)) in steps.iter().enumerate() {
        if i > 0 {
            // The editor works without JavaScript: adding a step posts the form and reloads.
            owner
                .click_and_load(&format!("button[name=action][value='add-{}']", i - 1))
                .await;
            let count = owner.find_all("fieldset.step").await.len();
            assert_eq!(count, i + 1, "adding a step gives {} steps", i + 1);
        }
        owner.fill(&format!("#title-{i}"), title).await;
        owner.fill(&format!("#say-{i}"), say).await;
        owner.fill(&format!("#guidance-{i}"), guidance).await;
    }
    owner.screenshot("owner-script-editor").await;
    owner
        .click_and_load("button[name=action][value='publish']")
        .await;
    assert_eq!(
        owner.path().await,
        script_path,
        "publishing shows the script: {}",
        owner.text().await
    );
    let text = owner.text().await;
    assert!(
        text.contains("Ask the source"),
        "the published script: {text}"
    );
    owner.screenshot("owner-script-published").await;
    timer.lap("owner: setup and script");

    // People: an operator record, then an invite for a reviewer and one for that operator.
    owner.goto(&app.url("/people")).await;
    owner.fill("#operator-name", OPERATOR_NAME).await;
    owner
        .click_and_load("form[action='/people/operators'] button[type=submit]")
        .await;
    assert!(
        owner.text().await.contains(OPERATOR_NAME),
        "the People page lists the new operator"
    );
    owner.select("#invite-role", "reviewer").await;
    owner
        .click_and_load("form[action='/people/invites'] button[type=submit]")
        .await;
    let reviewer_link = invite_link(&owner).await;
    owner.screenshot("owner-people-invite").await;
    owner.select("#invite-role", "operator").await;
    owner.select_label("#invite-operator", OPERATOR_NAME).await;
    owner
        .click_and_load("form[action='/people/invites'] button[type=submit]")
        .await;
    let operator_link = invite_link(&owner).await;
    assert_ne!(reviewer_link, operator_link);
    timer.lap("owner: people and invites");

    // Two calls through the upload page, one review each.
    let audio_dir = tempfile::tempdir().expect("a directory for the calls");
    let mut files = Vec::new();
    for (n, name) in FILE_NAMES.iter().enumerate() {
        let path = audio_dir.path().join(name);
        std::fs::write(&path, app::call_wav(8, 220.0 + 40.0 * n as f32)).expect("write a call");
        files.push(path.to_str().expect("a UTF-8 path").to_owned());
    }
    owner.goto(&app.url("/recordings/upload")).await;
    owner.screenshot("owner-upload").await;
    owner
        .find("#file")
        .await
        .send_keys(&files.join("\n"))
        .await
        .expect("choose the files");
    owner.select_label("#operator_id", OPERATOR_NAME).await;
    owner.select_label("#script_id", "Inbound call").await;
    owner.click("#upload-form details summary").await;
    owner.fill("#customer_number", CUSTOMER_NUMBER).await;
    owner.fill("#reviews_required", "1").await;
    owner.click("#upload-form button[type=submit]").await;
    // The page sends each file on its own request and links to the list when all are in.
    owner.find("#upload-progress a[href='/recordings']").await;
    let failed = owner.find_all("#upload-progress li.bad").await;
    assert!(failed.is_empty(), "uploads failed: {}", owner.text().await);
    owner.screenshot("owner-upload-done").await;

    owner.goto(&app.url("/recordings")).await;
    let mut recordings = Vec::new();
    for link in owner.find_all("td a[href^='/recordings/']").await {
        let href = link.attr("href").await.expect("href").unwrap_or_default();
        recordings.push(href.trim_start_matches("/recordings/").to_owned());
    }
    assert_eq!(recordings.len(), 2, "two uploaded calls: {recordings:?}");
    for id in &recordings {
        owner.goto(&app.url(&format!("/recordings/{id}"))).await;
        wait_processed(&owner).await;
    }
    owner.screenshot("owner-recording").await;
    owner.goto(&app.url("/recordings")).await;
    owner.screenshot("owner-recordings").await;
    timer.lap("owner: two calls uploaded and processed");

    // ---- the reviewer -----------------------------------------------------------------------
    let reviewer = driver.session("reviewer").await;
    reviewer.goto(&reviewer_link).await;
    reviewer.find("#password_again").await;
    reviewer.screenshot("reviewer-invite").await;
    let home = join(&reviewer, &reviewer_link, "Rita Reviewer", "rita").await;
    assert_eq!(home, "/review", "a reviewer starts on the review page");
    assert_anonymous(&reviewer).await;
    reviewer.screenshot("reviewer-start").await;
    reviewer
        .click_and_load(".get-call button[type=submit]")
        .await;
    let workspace = reviewer.path().await;
    assert!(
        reviewer.has("#workspace").await,
        "«get a call» opens a call, not {workspace}: {}",
        reviewer.text().await
    );
    assert_anonymous(&reviewer).await;
    grade_with_keyboard(&reviewer).await;
    assert_anonymous(&reviewer).await;
    reviewer
        .press_and_load(&char::from(Key::Enter).to_string())
        .await;
    let after = reviewer.path().await;
    assert_eq!(
        after,
        "/review?done=1",
        "the review was sent: {}",
        reviewer.text().await
    );
    assert_anonymous(&reviewer).await;
    reviewer.screenshot("reviewer-sent").await;
    reviewer.goto(&app.url("/review/history")).await;
    assert_anonymous(&reviewer).await;
    reviewer.screenshot("reviewer-history").await;
    timer.lap("reviewer: joined, graded with the keyboard, sent");

    // ---- the owner refines the script from the gap ----------------------------------------
    owner.goto(&app.url("/gaps")).await;
    let text = owner.text().await;
    assert!(
        text.contains(GAP_COMMENT),
        "the gap queue shows the reviewer's comment: {text}"
    );
    owner.screenshot("owner-gaps").await;
    owner
        .click_and_load("form.gap-actions button[name=action][value='refine']")
        .await;
    assert_eq!(
        owner.path().await.split('#').next().unwrap_or_default(),
        edit_path,
        "«Refine the script» opens the script's editor"
    );
    owner.find("fieldset.step.focus").await;
    let attached = owner
        .find_all(".attached-gaps input[name=resolves_gap]:checked")
        .await;
    assert_eq!(attached.len(), 1, "the gap is attached to the new version");
    assert!(owner.text().await.contains(GAP_COMMENT));
    owner.screenshot("owner-refine").await;
    owner
        .fill(
            "fieldset.step.focus input[name=title]",
            "Ask the source and the delivery city",
        )
        .await;
    owner
        .fill(
            "fieldset.step.focus textarea[name=say]",
            "Where did you hear about us? And which city shall we deliver to?",
        )
        .await;
    owner
        .click_and_load("button[name=action][value='publish']")
        .await;
    assert_eq!(
        owner.path().await,
        script_path,
        "the refined script is published: {}",
        owner.text().await
    );
    assert!(
        owner
            .text()
            .await
            .contains("Ask the source and the delivery city")
    );
    owner.screenshot("owner-script-refined").await;
    owner.goto(&app.url("/gaps?status=resolved")).await;
    assert!(
        owner.has("article.gap-resolved").await,
        "the gap is resolved: {}",
        owner.text().await
    );
    assert!(owner.text().await.contains(GAP_COMMENT));
    owner.screenshot("owner-gaps-resolved").await;
    owner.goto(&app.url("/gaps")).await;
    assert!(
        !owner.text().await.contains(GAP_COMMENT),
        "a resolved gap leaves the open queue"
    );
    timer.lap("owner: gap refined and resolved");

    // ---- the operator reads the feedback ----------------------------------------------------
    let operator = driver.session("operator").await;
    let home = join(&operator, &operator_link, OPERATOR_NAME, "zina").await;
    assert_eq!(home, "/calls", "an operator starts on their calls");
    operator.screenshot("operator-calls").await;
    let calls = operator.find_all(".op-calls a[href^='/calls/']").await;
    assert_eq!(
        calls.len(),
        1,
        "one call is fully reviewed: {}",
        operator.text().await
    );
    let href = calls[0]
        .attr("href")
        .await
        .expect("href")
        .unwrap_or_default();
    let call_id = href.trim_start_matches("/calls/").to_owned();
    assert!(
        recordings.contains(&call_id),
        "{href} is one of the uploaded calls"
    );
    operator
        .click_and_load(".op-calls a[href^='/calls/']")
        .await;
    assert_eq!(operator.path().await, href);
    let text = operator.text().await;
    assert!(
        text.contains(GAP_COMMENT),
        "the operator sees the reviewer's comment: {text}"
    );
    assert!(text.contains("Greeting") && text.contains("Ask the source"));
    assert!(
        !text.contains("Rita"),
        "the operator never sees who reviewed"
    );
    // The player reads the original, which is served as a download of the audio type the
    // decoder found: a media element still plays it.
    operator
        .js("var a = document.getElementById('op-audio'); a.preload = 'auto'; a.load(); return true;")
        .await;
    eventually("the operator's player loads the call", async || {
        let loaded = operator
            .js("var a = document.getElementById('op-audio'); return a.readyState >= 1 && a.duration > 0;")
            .await;
        (loaded == true).then_some(())
    })
    .await;
    operator.screenshot("operator-call").await;
    operator.click_and_load(".op-ack button[type=submit]").await;
    operator.find(".op-ack .notice").await;
    operator.screenshot("operator-call-acknowledged").await;
    timer.lap("operator: feedback read");

    // ---- the tour: every page of every role, in both languages ------------------------------
    tour::reviewer(&reviewer, &app).await;
    timer.lap("tour: the reviewer's pages");
    let invite = tour::owner(&owner, &app, &script_path, &recordings[0]).await;
    timer.lap("tour: the owner's pages");
    tour::operator(&operator, &app, &call_id).await;
    timer.lap("tour: the operator's pages");
    tour::signed_out(&visitor, &app, &invite).await;
    timer.lap("tour: the signed-out pages");

    // ---- the owner checks the reviews: side by side, a rejection, a gold call --------------
    // The owner goes from a heatmap cell to the calls behind it, and from there to the
    // second call's page (the tour's reviewer graded it).
    let second = recordings
        .iter()
        .find(|id| **id != call_id)
        .expect("the second call");
    owner.goto(&app.url("/overview")).await;
    owner.click_and_load("a.hm-link").await;
    assert!(
        owner.path().await.starts_with("/recordings?"),
        "a heatmap cell opens the recordings list: {}",
        owner.path().await
    );
    owner.find(".notice.narrowed").await;
    let listed = owner.find_all("td.filename a").await;
    assert_eq!(
        listed.len(),
        2,
        "both calls were graded on the cell's step: {}",
        owner.text().await
    );
    owner.screenshot("owner-recordings-from-heatmap").await;
    owner
        .click_and_load(&format!("td.filename a[href='/recordings/{second}']"))
        .await;
    let second_call = owner.path().await;
    assert_eq!(second_call, format!("/recordings/{second}"));
    let text = owner.text().await;
    assert!(
        text.contains(GAP_COMMENT) && text.contains("Rita Reviewer"),
        "the call's page shows the review side by side: {text}"
    );
    owner.find("table.side-by-side").await;
    assert!(
        owner.has("table.side-by-side th span.heard").await,
        "the review's column says how much of the call was heard: {}",
        owner.text().await
    );
    owner.screenshot("owner-call-reviews").await;
    owner.click("#reviews details summary").await;
    owner
        .fill("#reviews details textarea[name=reason]", REJECT_REASON)
        .await;
    owner
        .click_and_load("#reviews details button[type=submit]")
        .await;
    assert!(
        owner.has("table.side-by-side th.rejected").await,
        "the review is shown rejected: {}",
        owner.text().await
    );
    owner.screenshot("owner-call-review-rejected").await;
    // The first call (its review accepted) becomes gold, its key prefilled from the consensus.
    let first_call = recordings
        .iter()
        .map(|id| format!("/recordings/{id}"))
        .find(|path| *path != second_call.split('#').next().unwrap_or_default())
        .expect("the other call");
    owner.goto(&app.url(&first_call)).await;
    owner.click_and_load(".gold-form button[type=submit]").await;
    assert!(
        owner.has("#gold .status-gold").await,
        "the call is gold now: {}",
        owner.text().await
    );
    owner.screenshot("owner-call-gold").await;
    // The reviewer reads the rejection and its reason in their history.
    reviewer.goto(&app.url("/review/history")).await;
    let history = reviewer.text().await;
    assert!(
        history.contains(REJECT_REASON),
        "the reviewer's history shows the rejection: {history}"
    );
    assert_anonymous(&reviewer).await;
    reviewer.screenshot("reviewer-history-rejected").await;
    timer.lap("owner: reviews read side by side, one rejected, a gold call");

    // ---- paying: the reviewer says where, the owner closes and pays, the reviewer sees it --
    reviewer.goto(&app.url("/account")).await;
    reviewer.fill("#full_name", "Rita Reviewer").await;
    reviewer.fill("#inn", "500100732259").await;
    reviewer.fill("#card", "4111 1111 1111 1111").await;
    reviewer
        .click_and_load("form[action='/account/payout'] button[type=submit]")
        .await;
    let account = reviewer.text().await;
    assert!(
        account.contains("1111") && !account.contains("4111111111111111"),
        "the payout details are saved and shown masked: {account}"
    );
    owner.goto(&app.url("/pay")).await;
    assert!(
        owner.has("#details-changed").await,
        "the owner is told the payout details changed: {}",
        owner.text().await
    );
    owner
        .click_and_load("form[action='/pay/close'] button[type=submit]")
        .await;
    assert!(
        owner.path().await.starts_with("/pay/periods/"),
        "closing opens the period: {} {}",
        owner.path().await,
        owner.text().await
    );
    owner.screenshot("owner-pay-period-closed").await;
    owner.click_and_load("#approve").await;
    owner.fill("#reference", PAYMENT_REFERENCE).await;
    owner.click_and_load("#mark-paid").await;
    let period = owner.text().await;
    assert!(
        period.contains(PAYMENT_REFERENCE) && period.contains("4111111111111111"),
        "the period is paid, the registry lists the details in full: {period}"
    );
    tour::both_languages(&owner, "owner-pay-period-paid").await;
    reviewer.goto(&app.url("/review/earnings")).await;
    assert!(
        reviewer.has(".status-paid").await && reviewer.text().await.contains(PAYMENT_REFERENCE),
        "the reviewer sees the period paid: {}",
        reviewer.text().await
    );
    assert_anonymous(&reviewer).await;
    reviewer.screenshot("reviewer-earnings-paid").await;
    timer.lap("paying: a period closed, approved and paid");

    // ---- a dispute, settled blind -----------------------------------------------------------
    disputes::flow(&driver, &app, &owner, &reviewer, &operator).await;
    timer.lap("a dispute: contested, reviewed again, overturned, read");

    for person in [reviewer, owner, operator, visitor] {
        person.close().await;
    }
    drop(driver);

    let report = shots.report();
    eprintln!(
        "e2e: screenshots and checks.txt in {}",
        shots.dir().display()
    );
    match report {
        Ok(summary) => eprintln!("e2e: {summary}"),
        Err(report) => panic!("the pages fail their checks:\n{report}"),
    }
}

/// The link in the «invite created» notice of the People page.
async fn invite_link(owner: &Browser) -> String {
    let field = owner.find(".notice.ok input[readonly]").await;
    let link = field
        .prop("value")
        .await
        .expect("the invite link")
        .unwrap_or_default();
    assert!(link.contains("/invite/"), "an invite link, not «{link}»");
    link
}

/// Waits on a recording's page (which reloads itself while the call is processed) until the
/// call is ready.
async fn wait_processed(owner: &Browser) {
    let started = Instant::now();
    loop {
        if owner.has(".status-ready").await {
            return;
        }
        if owner.has(".status-failed").await {
            panic!("processing failed: {}", owner.text().await);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the call was not processed in 60 s: {}",
            owner.text().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the workspace's script has started (it reveals the player controls) and the
/// audio is known.
async fn wait_workspace(reviewer: &Browser) {
    eventually("the workspace script", async || {
        let ready = reviewer
            .js(
                "return !document.getElementById('player-controls').hidden && \
                 document.getElementById('audio').readyState >= 1;",
            )
            .await;
        (ready == true).then_some(())
    })
    .await;
}

/// Listens to three quarters of the call at 2× (Play, then paused and back at the start), as
/// a review of too little of it is refused; the page will send what was played.
async fn listen(reviewer: &Browser) {
    reviewer
        .js("document.getElementById('audio').playbackRate = 2; return true;")
        .await;
    reviewer.click("#play").await;
    eventually(
        "the player to play three quarters of the call",
        async || {
            let share = reviewer
                .js("var a = document.getElementById('audio'); return a.currentTime / a.duration;")
                .await;
            (share.as_f64()? >= 0.75).then_some(())
        },
    )
    .await;
    reviewer
        .js(
            "var a = document.getElementById('audio'); a.pause(); a.currentTime = 0; \
             a.playbackRate = 1; document.activeElement.blur(); return true;",
        )
        .await;
    let heard = eventually("the page to record what was played", async || {
        let field = reviewer
            .js("var f = document.getElementById('heard'); \
                 return f.disabled ? '' : f.value;")
            .await;
        let text = field.as_str()?.to_owned();
        let (start, end) = text.split_once('-')?;
        let end: f64 = end.parse().ok()?;
        (start == "0" && end >= 5000.0).then_some(text)
    })
    .await;
    let line = reviewer.find("#send-heard").await.text().await.unwrap();
    assert!(
        line.contains('%'),
        "the page shows the share heard: {line} ({heard})"
    );
}

/// Grades every step of the call on the page with the keyboard only: «correct» (1) on all but
/// the last, which is «missing» (3) with a typed comment and a time marked (M) after seeking
/// 5 s ahead (→), having listened to most of it first. Leaves the focus on the «send» button.
async fn grade_with_keyboard(reviewer: &Browser) {
    wait_workspace(reviewer).await;
    reviewer.screenshot("reviewer-workspace").await;
    listen(reviewer).await;
    let mut steps = Vec::new();
    for step in reviewer.find_all(".ws-step").await {
        let id = step.attr("data-step").await.expect("data-step");
        steps.push(id.expect("a step id"));
    }
    assert_eq!(steps.len(), 3, "the call is graded against the three steps");
    let last = steps.len() - 1;
    for (i, _) in steps.iter().enumerate() {
        if i > 0 {
            reviewer.press("j").await;
        }
        reviewer.press(if i == last { "3" } else { "1" }).await;
    }
    let missing = &steps[last];
    // From the step: Tab to its verdicts, Tab to its comment box; type; Escape back.
    let comment = format!("comment-{missing}");
    let mut tabs = 0;
    while reviewer.focused_id().await != comment {
        tabs += 1;
        assert!(tabs <= 4, "Tab does not reach the comment box of the step");
        reviewer.press(&char::from(Key::Tab).to_string()).await;
    }
    reviewer.press(GAP_COMMENT).await;
    reviewer.press(&char::from(Key::Escape).to_string()).await;
    assert_eq!(
        reviewer.focused_id().await,
        format!("step-{}", steps.len()),
        "Escape returns to the step"
    );
    reviewer.press(&char::from(Key::Right).to_string()).await;
    eventually("the player to seek 5 s ahead", async || {
        let at = reviewer
            .js("return document.getElementById('audio').currentTime;")
            .await;
        (at.as_f64()? >= 4.9).then_some(())
    })
    .await;
    reviewer.press("m").await;

    // What the keyboard did, as the form will send it.
    let state = reviewer
        .js(
            "return Array.from(document.querySelectorAll('.ws-step')).map(step => { \
               const checked = step.querySelector('input[type=radio]:checked'); \
               const id = step.dataset.step; \
               return [checked ? checked.value : '', \
                       document.getElementById('comment-' + id).value, \
                       document.getElementById('at-' + id).value]; });",
        )
        .await;
    let expected: Vec<serde_json::Value> = (0..steps.len())
        .map(|i| {
            if i == last {
                serde_json::json!(["missing", GAP_COMMENT, "0:05"])
            } else {
                serde_json::json!(["correct", "", ""])
            }
        })
        .collect();
    assert_eq!(state, serde_json::Value::Array(expected), "the graded form");
    let progress = reviewer.find("#progress").await.text().await.unwrap();
    assert!(
        progress.contains('3'),
        "the progress counts 3 of 3: {progress}"
    );
    reviewer.screenshot("reviewer-graded").await;

    let mut tabs = 0;
    while reviewer.focused_id().await != "send" {
        tabs += 1;
        assert!(tabs <= 8, "Tab does not reach the send button");
        reviewer.press(&char::from(Key::Tab).to_string()).await;
    }
    let enabled = reviewer.find("#send").await.is_enabled().await.unwrap();
    assert!(enabled, "send is enabled once every step has a verdict");
}
