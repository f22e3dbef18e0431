//! The reviewer's pages: ask for a call, the workspace (player and checklist), skipping a call,
//! and the history with earnings.
//!
//! Everything works without JavaScript: the checklist is one form posted to
//! `/review/{code}`, and a refused review comes back with what was typed and each message next
//! to its step. `review.js` adds the waveform, the keyboard, the progress count and a draft
//! kept in the browser.
//!
//! The workspace shows the code, the length and the script's title, never anything about the
//! call's origin (see the anonymity promise in DESIGN.md).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::format::clock::{clock, parse_clock};
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
use crate::reviews::validate::{VerdictInput, VerdictPart, VerdictProblem};
use crate::reviews::{self, ReviewError};
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

/// The verdict words, in the order of their buttons (and of the 1/2/3 keys).
const VERDICTS: [&str; 3] = ["correct", "incorrect", "missing"];

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
    /// A call was just given back.
    skipped: bool,
    /// Why the last action failed (a lease lost, a review already sent).
    problem: Option<String>,
}

#[derive(Deserialize)]
struct StartQuery {
    done: Option<String>,
    empty: Option<String>,
    skipped: Option<String>,
}

fn start_view(
    page: &Page,
    query: &StartQuery,
    problem: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let status = problem.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = StartPage {
        base: page.base(),
        done: query.done.is_some(),
        empty: query.empty.is_some(),
        skipped: query.skipped.is_some(),
        problem: problem.map(|e| e.message(page.lang)),
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
                .map(|a| assignments::task(conn, &a))
                .transpose()
                .map_err(AppError::from)
        })
        .await?;
    match task {
        Some(task) => {
            let form = ReviewForm::default();
            workspace_view(&page, &task, &form, Problems::default())
        }
        None => start_view(&page, &query, None),
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
        match assignments::next_task(&state.db, session.user_id).await? {
            Some(_) => see_other("/review"),
            None => see_other("/review?empty=1"),
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

#[derive(Serialize)]
struct WorkStep {
    id: String,
    number: usize,
    title: String,
    say: String,
    guidance: String,
    verdict: String,
    choices: Vec<VerdictChoice>,
    comment: String,
    at: String,
    needs_comment: bool,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct ReasonChoice {
    value: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct WorkspacePage {
    #[serde(flatten)]
    base: PageBase,
    code: AssignmentCode,
    title: String,
    duration: String,
    duration_ms: i64,
    audio_url: String,
    peaks_url: String,
    steps: Vec<WorkStep>,
    total: usize,
    graded: usize,
    general: Vec<String>,
    any_step_problem: bool,
    echo: bool,
    reasons: Vec<ReasonChoice>,
    skip_details: String,
    skip_problems: Vec<String>,
}

fn workspace_view(
    page: &Page,
    task: &Task,
    form: &ReviewForm,
    problems: Problems,
) -> Result<HttpResponse, AppError> {
    let steps: Vec<WorkStep> = task
        .script
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let verdict = value_of(&form.verdicts, &step.id).to_owned();
            WorkStep {
                id: step.id.clone(),
                number: index + 1,
                title: step.title.clone(),
                say: step.say.clone(),
                guidance: step.guidance.clone(),
                choices: VERDICTS
                    .iter()
                    .enumerate()
                    .map(|(i, &value)| VerdictChoice {
                        value,
                        key: i + 1,
                        checked: verdict == value,
                    })
                    .collect(),
                needs_comment: verdict == "incorrect" || verdict == "missing",
                verdict,
                comment: value_of(&form.comments, &step.id).to_owned(),
                at: value_of(&form.times, &step.id).to_owned(),
                problems: problems
                    .steps
                    .iter()
                    .filter(|(id, _)| *id == step.id)
                    .map(|(_, m)| m.clone())
                    .collect(),
            }
        })
        .collect();
    let graded = steps
        .iter()
        .filter(|s| VERDICTS.contains(&s.verdict.as_str()))
        .count();
    let data = WorkspacePage {
        base: page.base(),
        code: task.code.clone(),
        title: task.script.title.clone(),
        duration: clock(task.duration_ms),
        duration_ms: task.duration_ms,
        audio_url: task.audio_url.clone(),
        peaks_url: task.peaks_url.clone(),
        total: steps.len(),
        graded,
        steps,
        general: problems.general,
        any_step_problem: !problems.steps.is_empty(),
        echo: form.echo,
        reasons: SKIP_REASONS
            .iter()
            .map(|&value| ReasonChoice {
                value,
                selected: form.skip_reason == value,
            })
            .collect(),
        skip_details: form.skip_details.clone(),
        skip_problems: problems.skip,
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
    workspace_view(&page, &task, &ReviewForm::default(), Problems::default())
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

/// `POST /review/{code}`: the checklist form without JavaScript (and with it).
async fn review_submit(
    Reviewer(_): Reviewer,
    page: Page,
    code: web::Path<AssignmentCode>,
    PageForm(session, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let code = code.into_inner();
    let reviewer = session.user_id.clone();
    let Some((_, task)) = open_task(state, reviewer.clone(), code.clone()).await? else {
        return already_done(&page, reviewer, code).await;
    };
    let form = ReviewForm::read(&fields);
    let (inputs, bad_times) = verdict_inputs(&task, &form);
    let ratio = state.settings.min_listen_ratio;
    let submitted = state
        .db
        .write(move |conn| reviews::submit(conn, &reviewer, &code, &inputs, ratio))
        .await;
    match submitted {
        Ok(_) => Ok(see_other("/review?done=1")),
        Err(ReviewError::Invalid { general, verdicts }) => {
            let problems = place_problems(page.lang, &task, &form, &bad_times, &general, &verdicts);
            workspace_view(&page, &task, &form, problems)
        }
        Err(
            gone @ (ReviewError::AlreadySubmitted | ReviewError::Finished | ReviewError::LeaseLost),
        ) => {
            let query = StartQuery {
                done: None,
                empty: None,
                skipped: None,
            };
            start_view(&page, &query, Some(gone.into()))
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
        .run(move |conn| {
            Ok::<_, AppError>(
                assignments::by_code(conn, &code)?
                    .filter(|a| a.reviewer_id == reviewer)
                    .map(|a| a.status),
            )
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
    start_view(page, &query, Some(problem.into()))
}

#[derive(Deserialize)]
struct SkipForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    details: String,
}

/// `POST /review/{code}/skip`: gives the call back with a reason (a listed one, words, or
/// both: `bad_audio: crackling from 2:10`).
async fn skip_submit(
    Reviewer(_): Reviewer,
    page: Page,
    code: web::Path<AssignmentCode>,
    PageForm(session, form): PageForm<SkipForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let code = code.into_inner();
    let reviewer = session.user_id.clone();
    let (_, task) = open_task(state, reviewer.clone(), code.clone())
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
    workspace_view(&page, &task, &form, problems)
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
}

#[derive(Serialize)]
struct HistoryPage {
    #[serde(flatten)]
    base: PageBase,
    days: Vec<reviewer::DayLine>,
    rows: Vec<HistoryRow>,
    total_reviews: usize,
    rate: String,
    currency: String,
    total_earned: String,
}

/// `GET /review/history`: reviews per day, earnings and every review sent.
async fn history_page(Reviewer(session): Reviewer, page: Page) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let history = state
        .db
        .run(move |conn| reviewer::history(conn, &session.user_id).map_err(AppError::from))
        .await?;
    let rows = history
        .reviews
        .iter()
        .map(|line| {
            let at = crate::db::time::rfc3339(line.submitted_at);
            HistoryRow {
                submitted: at.get(..16).unwrap_or(&at).replace('T', " "),
                duration: clock(line.duration_ms),
                correct: line.correct,
                incorrect: line.incorrect,
                missing: line.missing,
            }
        })
        .collect();
    let data = HistoryPage {
        base: page.base(),
        days: history.days,
        rows,
        total_reviews: history.total_reviews,
        rate: history.rate,
        currency: history.currency,
        total_earned: history.total_earned,
    };
    page.render("review/history.html", StatusCode::OK, &data)
}
