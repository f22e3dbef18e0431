//! The tour after the flow: every page a person of each role can reach — the reviewer, the
//! owner, the operator, and someone signed out — opened and checked in English and in Russian
//! (switched with the page's own language link), each at both widths (see
//! [`Browser::screenshot`]). Pages that only show something after an action (a refused
//! login, a call being graded, a dismissed gap) get that action first.

use crate::app::RunningApp;
use crate::browser::Browser;
use crate::{PASSWORD, assert_anonymous, grade_with_keyboard, invite_link, wait_workspace};

/// Checks the page the person is on, then the same page in the other language.
pub async fn both_languages(person: &Browser, name: &str) {
    person.screenshot(name).await;
    person.switch_language(other_language(person).await).await;
    person.screenshot(name).await;
}

async fn other_language(person: &Browser) -> &'static str {
    if person.lang().await == "ru" {
        "en"
    } else {
        "ru"
    }
}

/// Opens `path` and checks it in both languages.
async fn visit(person: &Browser, app: &RunningApp, name: &str, path: &str) {
    person.goto(&app.url(path)).await;
    both_languages(person, name).await;
}

/// The reviewer's pages; grades the second call on the way (its last step «missing», which
/// leaves an open gap for the owner's tour).
pub async fn reviewer(reviewer: &Browser, app: &RunningApp) {
    visit(reviewer, app, "reviewer-start", "/review").await;
    reviewer
        .click_and_load(".get-call button[type=submit]")
        .await;
    assert!(
        reviewer.has("#workspace").await,
        "«get a call» opens the second call, not {}: {}",
        reviewer.path().await,
        reviewer.text().await
    );
    assert_anonymous(reviewer).await;
    wait_workspace(reviewer).await;
    reviewer.screenshot("reviewer-workspace").await;
    reviewer
        .switch_language(other_language(reviewer).await)
        .await;
    assert_anonymous(reviewer).await;
    grade_with_keyboard(reviewer).await;
    reviewer
        .press_and_load(&char::from(fantoccini::key::Key::Enter).to_string())
        .await;
    assert_eq!(
        reviewer.path().await,
        "/review?done=1",
        "the second review was sent: {}",
        reviewer.text().await
    );
    both_languages(reviewer, "reviewer-sent").await;
    visit(reviewer, app, "reviewer-history", "/review/history").await;
    visit(reviewer, app, "reviewer-earnings", "/review/earnings").await;
    visit(reviewer, app, "reviewer-account", "/account").await;
    visit(reviewer, app, "reviewer-forbidden", "/scripts").await;
    visit(reviewer, app, "reviewer-404", "/no-such-page").await;
}

/// Everything the owner can reach. Dismisses the gap the reviewer's tour left, so that the
/// queue shows a resolved and a dismissed gap; ends with a fresh reviewer invite, whose link
/// it gives for the signed-out tour.
pub async fn owner(
    owner: &Browser,
    app: &RunningApp,
    script_path: &str,
    recording: &str,
) -> String {
    visit(owner, app, "owner-home", "/").await;
    visit(owner, app, "owner-account", "/account").await;
    visit(owner, app, "owner-scripts", "/scripts").await;
    visit(owner, app, "owner-script", script_path).await;
    assert!(
        owner.has("section.effect h2").await,
        "the script page shows each step's figures per version: {}",
        owner.text().await
    );
    let version = format!("{script_path}/versions/1");
    visit(owner, app, "owner-script-version", &version).await;
    let diff = format!("{script_path}/diff");
    visit(owner, app, "owner-script-diff", &diff).await;
    let preview = format!("{script_path}/preview");
    visit(owner, app, "owner-script-preview", &preview).await;
    let print = format!("{script_path}/print");
    visit(owner, app, "owner-script-print", &print).await;
    let edit = format!("{script_path}/edit");
    visit(owner, app, "owner-script-edit", &edit).await;
    visit(owner, app, "owner-recordings", "/recordings").await;
    visit(owner, app, "owner-upload", "/recordings/upload").await;
    let detail = format!("/recordings/{recording}");
    visit(owner, app, "owner-recording", &detail).await;
    visit(owner, app, "owner-settings", "/settings").await;
    visit(owner, app, "owner-keys", "/keys").await;
    visit(owner, app, "owner-inbound", "/recordings/inbound").await;
    visit(owner, app, "owner-connectors", "/connectors").await;
    // A connector set up in the browser, then checked with a test event sent to itself.
    owner
        .fill("#secret-megafon", "4f0c2e39-7a1b-4f6d-9c1e")
        .await;
    owner
        .click_and_load("form[action='/connectors/megafon'] button[type=submit]")
        .await;
    owner
        .click_and_load("form[action='/connectors/megafon/test'] button")
        .await;
    assert!(
        owner.has(".notice.ok").await && !owner.has(".notice.error").await,
        "the test event did not arrive: {}",
        owner.text().await
    );
    both_languages(owner, "owner-connectors-tested").await;
    visit(owner, app, "owner-overview", "/overview").await;
    assert!(
        owner.has("table.ov-kpi tbody tr").await,
        "the overview shows the KPI for pay: {}",
        owner.text().await
    );
    // Where the calls graded against version 1 failed: the chart and the table behind it.
    let script_id = script_path.trim_start_matches("/scripts/");
    let funnel = format!("/overview/funnel?script_id={script_id}&version=1");
    visit(owner, app, "owner-funnel", &funnel).await;
    assert!(
        owner.has("figure.funnel svg rect").await,
        "the funnel draws its chart: {}",
        owner.text().await
    );
    visit(owner, app, "owner-people", "/people").await;
    visit(owner, app, "owner-reviewers", "/reviewers").await;
    owner.click_and_load("td a[href^='/reviewers/']").await;
    both_languages(owner, "owner-reviewer").await;
    visit(owner, app, "owner-pay", "/pay").await;
    visit(owner, app, "owner-pay-ledger", "/pay/ledger").await;
    visit(owner, app, "owner-gaps-open", "/gaps").await;
    owner
        .click_and_load("form.gap-actions button[name=action][value='dismiss']")
        .await;
    visit(owner, app, "owner-gaps-all", "/gaps?status=all").await;
    visit(owner, app, "owner-404", "/no-such-page").await;

    owner.goto(&app.url("/people")).await;
    owner.select("#invite-role", "reviewer").await;
    owner
        .click_and_load("form[action='/people/invites'] button[type=submit]")
        .await;
    invite_link(owner).await
}

/// The operator's pages.
pub async fn operator(operator: &Browser, app: &RunningApp, call_id: &str) {
    visit(operator, app, "operator-calls", "/calls").await;
    let call = format!("/calls/{call_id}");
    visit(operator, app, "operator-call", &call).await;
    visit(operator, app, "operator-account", "/account").await;
}

/// What someone signed out sees: the start page, the login page (also refusing a wrong
/// password), an invite, the used setup link and a missing page.
pub async fn signed_out(visitor: &Browser, app: &RunningApp, invite: &str) {
    visit(visitor, app, "signed-out-home", "/").await;
    visit(visitor, app, "signed-out-login", "/login").await;
    for _ in 0..2 {
        // Refused in the language the page is in, then again in the other one.
        visitor.goto(&app.url("/login")).await;
        visitor.fill("#login", "owner").await;
        visitor.fill("#password", &format!("not {PASSWORD}")).await;
        visitor
            .click_and_load("form[action='/login'] button[type=submit]")
            .await;
        assert!(
            visitor.has("#password").await,
            "a wrong password is refused on the login page: {}",
            visitor.text().await
        );
        visitor.screenshot("signed-out-login-refused").await;
        visitor.switch_language(other_language(visitor).await).await;
    }
    visitor.goto(invite).await;
    both_languages(visitor, "signed-out-invite").await;
    visitor.goto(&app.setup_url).await;
    both_languages(visitor, "signed-out-setup-used").await;
    visit(visitor, app, "signed-out-404", "/no-such-page").await;
}
