//! The reviewer's pages: ask for a call, the workspace (player and checklist), skipping a call,
//! and the history with earnings.
//!
//! Everything works without JavaScript: the checklist is one form posted to
//! `/review/{code}`, and a refused review comes back on that same address (never a POST-only
//! one, so the address bar can be reloaded or shared) with what was typed, a summary at the
//! top that links to each step with a message, and each message next to its step. The skip
//! form posts there too (with `intent=skip`) and comes back at its own section. `review.js`
//! adds the waveform, the keyboard, the progress count, the countdown before Send and a draft
//! kept in the browser.
//!
//! The checklist markup is one template (`review/_checklist.html`) that the owner's script
//! preview renders as well, from [`preview_checklist`], so the preview is the reviewer's page.
//!
//! The workspace shows the code, the length and the script's title, never anything about the
//! call's origin (see the anonymity promise in DESIGN.md).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::format::clock::{clock, parse_clock};
use super::format::when;
use super::page::Page;
use super::{PageBase, see_other};
use crate::assignments::{
    self, Assignment, AssignmentCode, AssignmentError, AssignmentStatus, Task,
};
use crate::dashboards::reviewer;
use crate::db::ids::UserId;
use crate::db::time::now;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Reviewer;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};
use crate::i18n::{Lang, MessageArgs};
use crate::org_settings::OrgSettings;
use crate::reviews::validate::{VerdictInput, VerdictPart, VerdictProblem};
use crate::reviews::{self, ReviewError, heard, listen_wait_ms};
use crate::scripts::validate::StepInput;
use crate::validation::FieldProblem;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/review", Access::Reviewer, start_page);
    r.add(Method::POST, "/review/next", Access::Reviewer, next_submit);
    r.add(
        Method::GET,
        "/review/history",
        Access::Reviewer,
        history_page,
    );
    r.add(Method::GET, "/review/{code}", Access::Reviewer, code_page);
    r.add(
        Method::POST,
        "/review/{code}",
        Access::Reviewer,
        review_submit,
    );
    r.add(
        Method::POST,
        "/review/{code}/skip",
        Access::Reviewer,
        skip_submit,
    );
}

/// The verdict words, in the order of their buttons (and of the 1/2/3/4 keys); the fourth,
/// `did_not_arise`, is offered only on a step that may not come up.
const VERDICTS: [&str; 4] = ["correct", "incorrect", "missing", "did_not_arise"];

/// The verdicts a step offers: the first three, or all four on an optional step.
fn verdicts_of(optional: bool) -> &'static [&'static str] {
    if optional { &VERDICTS } else { &VERDICTS[..3] }
}

/// The skip reasons offered in the list (the stored reason starts with the code).
const SKIP_REASONS: [&str; 5] = [
    "bad_audio",
    "language",
    "not_a_sales_call",
    "conflict",
    "other",
];

// ---- start page -----------------------------------------------------------------------------

#[derive(Serialize)]
struct StartPage {
    #[serde(flatten)]
    base: PageBase,
    /// A review was just sent.
    done: bool,
    /// The last draw found nothing to review.
    empty: bool,
    /// …while calls in languages the reviewer does not review are waiting.
    other_languages: bool,
    /// A call was just given back.
    skipped: bool,
    /// Why the last action failed (a lease lost, a review already sent).
    problem: Option<String>,
    /// The reviewer is paused: no call can be drawn, and the page says why.
    paused: bool,
}

#[derive(Deserialize)]
struct StartQuery {
    done: Option<String>,
    empty: Option<String>,
    skipped: Option<String>,
}

async fn start_view(
    page: &Page,
    reviewer: &UserId,
    query: &StartQuery,
    problem: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let status = problem.as_ref().map_or(StatusCode::OK, AppError::status);
    let reviewer = reviewer.clone();
    let empty = query.empty.is_some();
    let (paused, other_languages) = page
        .state()
        .db
        .run(move |conn| {
            let paused = crate::accounts::pause::paused_at(conn, &reviewer)?.is_some();
            let other = empty && assignments::waiting_in_other_languages(conn, &reviewer)?;
            Ok::<_, AppError>((paused, other))
        })
        .await?;
    let data = StartPage {
        base: page.base(),
        done: query.done.is_some(),
        empty,
        other_languages,
        skipped: query.skipped.is_some(),
        // The paused notice says it already.
        problem: problem
            .filter(|e| e.code() != "reviewer_paused")
            .map(|e| e.message(page.lang)),
        paused,
    };
    page.render("review/start.html", status, &data)
}

/// `GET /review`: the call the reviewer holds, or the button that asks for one.
async fn start_page(
    Reviewer(session): Reviewer,
    page: Page,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let reviewer = session.user_id.clone();
    let task = state
        .db
        .run(move |conn| {
            assignments::live_for(conn, &reviewer)?
                .map(|a| assignments::task(conn, &a).map(|task| (a, task)))
                .transpose()
                .map_err(AppError::from)
        })
        .await?;
    match task {
        Some((assignment, task)) => {
            let form = ReviewForm::default();
            workspace_view(&page, &assignment, &task, &form, Problems::default()).await
        }
        None => start_view(&page, &session.user_id, &query, None).await,
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

/// `POST /review/next`: draws a call (or keeps the one held) and shows it.
async fn next_submit(
    Reviewer(_): Reviewer,
    state: web::Data<AppState>,
    PageForm(session, _): PageForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    Ok(
        match assignments::next_task(&state.db, session.user_id).await {
            Ok(Some(_)) => see_other("/review"),
            Ok(None) => see_other("/review?empty=1"),
            // The start page tells a paused reviewer why.
            Err(AssignmentError::Paused) => see_other("/review"),
            Err(other) => return Err(other.into()),
        },
    )
}

// ---- the workspace --------------------------------------------------------------------------

/// What the reviewer typed, by step id; empty on a fresh page.
#[derive(Default)]
struct ReviewForm {
    verdicts: Vec<(String, String)>,
    comments: Vec<(String, String)>,
    times: Vec<(String, String)>,
    skip_reason: String,
    skip_details: String,
    /// What the player reported as played (`0-5300,8000-12000`); `None` when the page was
    /// sent without JavaScript.
    heard: Option<String>,
    /// The page shows a post's input again (the browser draft must not overwrite it).
    echo: bool,
}

fn value_of<'a>(pairs: &'a [(String, String)], step: &str) -> &'a str {
    pairs
        .iter()
        .find(|(id, _)| id == step)
        .map_or("", |(_, v)| v.as_str())
}

impl ReviewForm {
    /// The checklist form: `verdict-{step}`, `comment-{step}`, `at-{step}` per step.
    fn read(fields: &[(String, String)]) -> Self {
        let mut form = ReviewForm {
            echo: true,
            ..ReviewForm::default()
        };
        for (name, value) in fields {
            if let Some(step) = name.strip_prefix("verdict-") {
                form.verdicts.push((step.to_owned(), value.clone()));
            } else if let Some(step) = name.strip_prefix("comment-") {
                form.comments.push((step.to_owned(), value.clone()));
            } else if let Some(step) = name.strip_prefix("at-") {
                form.times.push((step.to_owned(), value.clone()));
            } else if name == "heard" {
                form.heard = Some(value.clone());
            }
        }
        form
    }
}

/// Messages to show: next to a step (by id), by the skip control, or at the top.
#[derive(Default)]
struct Problems {
    general: Vec<String>,
    steps: Vec<(String, String)>,
    skip: Vec<String>,
    status: Option<StatusCode>,
}

#[derive(Serialize)]
struct VerdictChoice {
    value: &'static str,
    key: usize,
    checked: bool,
}

/// One step of the checklist as the reviewer grades it.
#[derive(Serialize)]
pub(crate) struct WorkStep {
    id: String,
    number: usize,
    title: String,
    say: String,
    guidance: String,
    verdict: String,
    /// The step may not come up: it offers `did_not_arise` too.
    optional: bool,
    choices: Vec<VerdictChoice>,
    comment: String,
    at: String,
    needs_comment: bool,
    problems: Vec<String>,
}

impl WorkStep {
    fn new(
        id: String,
        number: usize,
        title: &str,
        say: &str,
        guidance: &str,
        optional: bool,
    ) -> Self {
        WorkStep {
            id,
            number,
            title: title.to_owned(),
            say: say.to_owned(),
            guidance: guidance.to_owned(),
            verdict: String::new(),
            optional,
            choices: Vec::new(),
            comment: String::new(),
            at: String::new(),
            needs_comment: false,
            problems: Vec::new(),
        }
        .with_verdict(String::new())
    }

    /// Sets the chosen verdict (one of [`VERDICTS`] or empty) and what follows from it.
    fn with_verdict(mut self, verdict: String) -> Self {
        self.choices = verdicts_of(self.optional)
            .iter()
            .enumerate()
            .map(|(i, &value)| VerdictChoice {
                value,
                key: i + 1,
                checked: verdict == value,
            })
            .collect();
        self.needs_comment = verdict == "incorrect" || verdict == "missing";
        self.verdict = verdict;
        self
    }
}

#[derive(Serialize)]
struct ReasonChoice {
    value: &'static str,
    selected: bool,
}

fn reason_choices(selected: &str) -> Vec<ReasonChoice> {
    SKIP_REASONS
        .iter()
        .map(|&value| ReasonChoice {
            value,
            selected: selected == value,
        })
        .collect()
}

/// A line of the summary at the top of a refused review: the step and its message.
#[derive(Serialize)]
struct StepProblem {
    number: usize,
    title: String,
    message: String,
}

/// What `review/_checklist.html` needs: the steps, the send bar and the skip form. The
/// workspace fills it from the call; the script preview from the script, marked `preview`.
#[derive(Serialize)]
pub(crate) struct Checklist {
    steps: Vec<WorkStep>,
    total: usize,
    graded: usize,
    /// Milliseconds until a review may be sent (the minimum listening time), and the same as
    /// a clock (`1:05`) for the page without JavaScript.
    send_wait_ms: i64,
    send_wait: String,
    reasons: Vec<ReasonChoice>,
    skip_details: String,
    skip_problems: Vec<String>,
    /// The owner's preview: nothing is posted, the buttons only show what they would do.
    preview: bool,
}

/// The checklist of a script as a reviewer will see it, for the owner's preview.
pub(crate) fn preview_checklist(steps: &[StepInput]) -> Checklist {
    let steps: Vec<WorkStep> = steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            WorkStep::new(
                format!("p{}", index + 1),
                index + 1,
                &step.title,
                step.say.as_deref().unwrap_or_default(),
                step.guidance.as_deref().unwrap_or_default(),
                step.optional,
            )
        })
        .collect();
    Checklist {
        total: steps.len(),
        graded: 0,
        steps,
        send_wait_ms: 0,
        send_wait: clock(0),
        reasons: reason_choices(""),
        skip_details: String::new(),
        skip_problems: Vec::new(),
        preview: true,
    }
}

#[derive(Serialize)]
struct WorkspacePage {
    #[serde(flatten)]
    base: PageBase,
    #[serde(flatten)]
    checklist: Checklist,
    code: AssignmentCode,
    title: String,
    duration: String,
    duration_ms: i64,
    audio_url: String,
    peaks_url: String,
    general: Vec<String>,
    /// The steps with a message, for the summary at the top of a refused review.
    step_problems: Vec<StepProblem>,
    echo: bool,
    /// What the player had played when the page was sent (shown again on a refusal, so what
    /// was heard before is not lost), and the percent of the call Send waits for (0: none).
    heard: String,
    min_heard_percent: i32,
}

async fn workspace_view(
    page: &Page,
    assignment: &Assignment,
    task: &Task,
    form: &ReviewForm,
    problems: Problems,
) -> Result<HttpResponse, AppError> {
    let min_heard_percent = page
        .state()
        .db
        .run(|conn| OrgSettings::load(conn).map_err(AppError::from))
        .await?
        .min_heard_percent;
    let steps: Vec<WorkStep> = task
        .script
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let verdict = value_of(&form.verdicts, &step.id).to_owned();
            let mut shown = WorkStep::new(
                step.id.clone(),
                index + 1,
                &step.title,
                &step.say,
                &step.guidance,
                step.optional,
            )
            .with_verdict(verdict);
            shown.comment = value_of(&form.comments, &step.id).to_owned();
            shown.at = value_of(&form.times, &step.id).to_owned();
            shown.problems = problems
                .steps
                .iter()
                .filter(|(id, _)| *id == step.id)
                .map(|(_, m)| m.clone())
                .collect();
            shown
        })
        .collect();
    let graded = steps
        .iter()
        .filter(|s| verdicts_of(s.optional).contains(&s.verdict.as_str()))
        .count();
    let step_problems = steps
        .iter()
        .filter_map(|s| {
            Some(StepProblem {
                number: s.number,
                title: s.title.clone(),
                message: s.problems.first()?.clone(),
            })
        })
        .collect();
    let ratio = page.state().settings.min_listen_ratio;
    let send_wait_ms = listen_wait_ms(assignment, task.duration_ms, ratio, now());
    let data = WorkspacePage {
        base: page.base(),
        checklist: Checklist {
            total: steps.len(),
            graded,
            steps,
            send_wait_ms,
            // Rounded up, as the refusal counts it: never "0:00" while Send is still refused.
            send_wait: clock((send_wait_ms + 999) / 1000 * 1000),
            reasons: reason_choices(&form.skip_reason),
            skip_details: form.skip_details.clone(),
            skip_problems: problems.skip,
            preview: false,
        },
        code: task.code.clone(),
        title: task.script.title.clone(),
        duration: clock(task.duration_ms),
        duration_ms: task.duration_ms,
        audio_url: task.audio_url.clone(),
        peaks_url: task.peaks_url.clone(),
        general: problems.general,
        step_problems,
        echo: form.echo,
        heard: form.heard.clone().unwrap_or_default(),
        min_heard_percent,
    };
    page.render(
        "review/workspace.html",
        problems.status.unwrap_or(StatusCode::OK),
        &data,
    )
}

/// The reviewer's assignment behind `code` while it can still be worked on (active, even if
/// the lease ran out: a late review nobody else took is accepted), as a task. Anyone else's
/// code, or an unknown one, is "not found".
async fn open_task(
    state: &AppState,
    reviewer: UserId,
    code: AssignmentCode,
) -> Result<Option<(Assignment, Task)>, AppError> {
    state
        .db
        .run(move |conn| {
            let Some(assignment) = assignments::by_code(conn, &code)?
                .filter(|a| a.reviewer_id == reviewer && a.status == AssignmentStatus::Active)
            else {
                return Ok(None);
            };
            let task = assignments::task(conn, &assignment)?;
            Ok(Some((assignment, task)))
        })
        .await
}

/// `GET /review/{code}`: the workspace of a call the reviewer holds.
async fn code_page(
    Reviewer(session): Reviewer,
    page: Page,
    code: web::Path<AssignmentCode>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let (assignment, task) = open_task(state, session.user_id, code.into_inner())
        .await?
        .ok_or(AppError::NotFound)?;
    if !assignment.is_live(now()) {
        // Run out: it may still be sent, but the workspace is only shown while it lasts.
        return Ok(see_other("/review"));
    }
    workspace_view(
        &page,
        &assignment,
        &task,
        &ReviewForm::default(),
        Problems::default(),
    )
    .await
}

/// Turns the form into the verdicts the domain checks, in the checklist's order. A step with
/// no verdict is left out (the domain names it); a time that cannot be read is sent as -1 so
/// the review is refused, and reported here in words.
fn verdict_inputs(task: &Task, form: &ReviewForm) -> (Vec<VerdictInput>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut bad_times = Vec::new();
    for step in &task.script.steps {
        let verdict = value_of(&form.verdicts, &step.id).trim();
        if verdict.is_empty() {
            continue;
        }
        let typed = value_of(&form.times, &step.id).trim();
        let at_ms = if typed.is_empty() {
            None
        } else {
            Some(parse_clock(typed).unwrap_or_else(|| {
                bad_times.push(step.id.clone());
                -1
            }))
        };
        let comment = value_of(&form.comments, &step.id);
        inputs.push(VerdictInput {
            step_id: step.id.clone(),
            verdict: verdict.to_owned(),
            comment: (!comment.trim().is_empty()).then(|| comment.to_owned()),
            at_ms,
        });
    }
    (inputs, bad_times)
}

/// Places the domain's messages next to the steps they are about.
fn place_problems(
    lang: Lang,
    task: &Task,
    form: &ReviewForm,
    bad_times: &[String],
    general: &[FieldProblem],
    verdicts: &[VerdictProblem],
) -> Problems {
    let mut problems = Problems {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        general: general.iter().map(|p| p.message(lang)).collect(),
        ..Problems::default()
    };
    // Ungraded steps get their message here, in place of the domain's list at the top.
    for step in &task.script.steps {
        if value_of(&form.verdicts, &step.id).trim().is_empty() {
            problems
                .steps
                .push((step.id.clone(), lang.translate("review-choose-verdict")));
        }
    }
    for found in verdicts {
        let id = found.step_id.clone();
        match found.part {
            VerdictPart::Time => {
                let key = if bad_times.contains(&id) {
                    "review-time-unreadable"
                } else {
                    "review-time-outside"
                };
                let mut args = MessageArgs::default();
                args.push("max", clock(task.duration_ms));
                problems.steps.push((id, lang.translate_with(key, &args)));
            }
            VerdictPart::Step | VerdictPart::Verdict | VerdictPart::Comment => {
                problems.steps.push((id, found.problem.message(lang)))
            }
            VerdictPart::Ungraded => {}
        }
    }
    problems
}

/// `POST /review/{code}`: the checklist form without JavaScript (and with it); with
/// `intent=skip`, the skip form.
async fn review_submit(
    Reviewer(_): Reviewer,
    page: Page,
    code: web::Path<AssignmentCode>,
    PageForm(session, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    if field("intent").as_deref() == Some("skip") {
        let form = SkipForm {
            reason: field("reason").unwrap_or_default(),
            details: field("details").unwrap_or_default(),
        };
        return skip(&page, session.user_id, code, form).await;
    }
    let state = page.state();
    let reviewer = session.user_id.clone();
    let Some((assignment, task)) = open_task(state, reviewer.clone(), code.clone()).await? else {
        return already_done(&page, reviewer, code).await;
    };
    let form = ReviewForm::read(&fields);
    let (inputs, bad_times) = verdict_inputs(&task, &form);
    let heard = form.heard.as_deref().map(heard::parse_form);
    let ratio = state.settings.min_listen_ratio;
    let submitted = state
        .db
        .write(move |conn| {
            let heard = heard.as_deref();
            reviews::submit(conn, &reviewer, &code, &inputs, heard, ratio)
        })
        .await;
    match submitted {
        Ok(_) => Ok(see_other("/review?done=1")),
        Err(ReviewError::Invalid { general, verdicts }) => {
            let problems = place_problems(page.lang, &task, &form, &bad_times, &general, &verdicts);
            workspace_view(&page, &assignment, &task, &form, problems).await
        }
        Err(
            gone @ (ReviewError::AlreadySubmitted | ReviewError::Finished | ReviewError::LeaseLost),
        ) => {
            let query = StartQuery {
                done: None,
                empty: None,
                skipped: None,
            };
            start_view(&page, &session.user_id, &query, Some(gone.into())).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A post for a call that is no longer open: the reviewer's own finished call (a form sent
/// twice, a lease lost) gets a page that says so; anyone else's code stays "not found".
async fn already_done(
    page: &Page,
    reviewer: UserId,
    code: AssignmentCode,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let status = state
        .db
        .run({
            let reviewer = reviewer.clone();
            move |conn| {
                Ok::<_, AppError>(
                    assignments::by_code(conn, &code)?
                        .filter(|a| a.reviewer_id == reviewer)
                        .map(|a| a.status),
                )
            }
        })
        .await?;
    let problem = match status {
        Some(AssignmentStatus::Submitted) => ReviewError::AlreadySubmitted,
        Some(_) => ReviewError::Finished,
        None => return Err(AppError::NotFound),
    };
    let query = StartQuery {
        done: None,
        empty: None,
        skipped: None,
    };
    start_view(page, &reviewer, &query, Some(problem.into())).await
}

#[derive(Deserialize)]
struct SkipForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    details: String,
}

/// `POST /review/{code}/skip`: the skip form's earlier address (the page now posts it to
/// `/review/{code}`, so that a refusal is shown on the workspace's own address).
async fn skip_submit(
    Reviewer(_): Reviewer,
    page: Page,
    code: web::Path<AssignmentCode>,
    PageForm(session, form): PageForm<SkipForm>,
) -> Result<HttpResponse, AppError> {
    skip(&page, session.user_id, code.into_inner(), form).await
}

/// Gives the call back with a reason (a listed one, words, or both: `bad_audio: crackling
/// from 2:10`); a refusal shows the workspace again with the message by the skip form.
async fn skip(
    page: &Page,
    reviewer: UserId,
    code: AssignmentCode,
    form: SkipForm,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let (assignment, task) = open_task(state, reviewer.clone(), code.clone())
        .await?
        .ok_or(AppError::NotFound)?;
    let listed = SKIP_REASONS
        .iter()
        .find(|r| **r == form.reason.trim())
        .copied()
        .unwrap_or_default();
    let details = form.details.trim().to_owned();
    let mut problems = Problems {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        ..Problems::default()
    };
    let reason = match (listed, details.is_empty()) {
        ("", true) => String::new(),
        ("other", true) => {
            problems
                .skip
                .push(page.lang.translate("review-skip-say-why"));
            String::new()
        }
        ("", false) => details.clone(),
        (listed, true) => listed.to_owned(),
        (listed, false) => format!("{listed}: {details}"),
    };
    if problems.skip.is_empty() {
        let outcome = state
            .db
            .write(move |conn| assignments::skip(conn, &reviewer, &code, &reason))
            .await;
        match outcome {
            Ok(()) => return Ok(see_other("/review?skipped=1")),
            Err(AssignmentError::Invalid(found)) => problems
                .skip
                .extend(found.iter().map(|p| p.message(page.lang))),
            Err(other) => return Err(other.into()),
        }
    }
    let form = ReviewForm {
        skip_reason: listed.to_owned(),
        skip_details: form.details,
        ..ReviewForm::default()
    };
    workspace_view(page, &assignment, &task, &form, problems).await
}

// ---- history --------------------------------------------------------------------------------

#[derive(Serialize)]
struct HistoryRow {
    /// `YYYY-MM-DD HH:MM` (UTC).
    submitted: String,
    duration: String,
    correct: usize,
    incorrect: usize,
    missing: usize,
    rejected: bool,
    reject_reason: Option<String>,
}

#[derive(Serialize)]
struct HistoryPage {
    #[serde(flatten)]
    base: PageBase,
    days: Vec<DayRow>,
    rows: Vec<HistoryRow>,
    total_reviews: usize,
    rejected: usize,
    rate: String,
    currency: String,
    total_earned: String,
}

/// A day of the history as the page shows it.
#[derive(Serialize)]
struct DayRow {
    day: String,
    reviews: usize,
    earned: String,
}

/// `GET /review/history`: reviews per day, earnings and every review sent.
async fn history_page(Reviewer(session): Reviewer, page: Page) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let zone = page.zone();
    let this_year = zone.today().year();
    let history = state
        .db
        .run(move |conn| reviewer::history(conn, &session.user_id, &zone).map_err(AppError::from))
        .await?;
    let rows = history
        .reviews
        .iter()
        .map(|line| HistoryRow {
            submitted: when::moment(page.lang, &page.zone(), line.submitted_at),
            duration: clock(line.duration_ms),
            correct: line.correct,
            incorrect: line.incorrect,
            missing: line.missing,
            rejected: line.status == crate::reviews::ReviewStatus::Rejected,
            reject_reason: line.reject_reason.clone(),
        })
        .collect();
    let data = HistoryPage {
        base: page.base(),
        days: history
            .days
            .iter()
            .map(|d| DayRow {
                day: when::day(page.lang, d.day, this_year),
                reviews: d.reviews,
                earned: d.earned.clone(),
            })
            .collect(),
        rows,
        total_reviews: history.total_reviews,
        rejected: history.rejected,
        rate: history.rate,
        currency: history.currency,
        total_earned: history.total_earned,
    };
    page.render("review/history.html", StatusCode::OK, &data)
}
