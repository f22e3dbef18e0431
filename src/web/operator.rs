//! The operator's pages: their reviewed calls with the weekly score and the steps they miss
//! most (`/calls`), and one call with its player, the verdict per step and the reviewers'
//! comments (`/calls/{id}`), where they acknowledge having read the feedback and, for the
//! settings' days after it, may contest the verdicts of steps judged incorrect
//! (`POST /calls/{id}/dispute`). The page then says only whether the dispute is under review
//! or decided, and per step the decision and the owner's note: never who reviews it again.
//!
//! Reviewers appear only as "Reviewer A", "Reviewer B" (their order on the call). Another
//! operator's call, or one still being reviewed, is "not found". The weekly chart is an
//! inline SVG drawn here; the player is a plain `<audio>` with a bar of markers at the
//! commented times (`operator.js` makes them seek; without it they open the audio there).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use time::Date;

use super::format::chart::{broken_line, coordinate};
use super::format::clock::clock;
use super::format::{percent, seconds, when};
use super::page::Page;
use super::{PageBase, see_other};
use crate::dashboards::operator::trend::{self, MissedStep, WeekScore};
use crate::dashboards::operator::{CallFeedback, StepFeedback, own_call, own_calls};
use crate::db::time::{Timestamp, now};
use crate::disputes::{self, Decision, DisputeStatus, StepInput};
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Operator;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};
use crate::i18n::{Lang, MessageArgs};
use crate::org_settings::OrgSettings;
use crate::reviews::acknowledge_own;
use crate::reviews::consensus::Outcome;
use crate::zone::Zone;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/calls", Access::Operator, list_page);
    r.add(Method::GET, "/calls/{id}", Access::Operator, call_page);
    r.add(
        Method::POST,
        "/calls/{id}/acknowledge",
        Access::Operator,
        acknowledge_submit,
    );
    r.add(
        Method::POST,
        "/calls/{id}/dispute",
        Access::Operator,
        dispute_submit,
    );
}

/// How many weeks the chart covers, and how many steps "the steps you miss most" lists.
const WEEKS: usize = 12;
const MISSED_LIMIT: usize = 5;

// ---- words and numbers ----------------------------------------------------------------------

/// When the call took place, or else when it was uploaded.
fn call_time(call: &CallFeedback) -> Timestamp {
    call.called_at.unwrap_or(call.uploaded_at)
}

fn icon(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Correct) => "✓",
        Some(Outcome::Incorrect) => "✗",
        Some(Outcome::Missing) => "?",
        Some(Outcome::DidNotArise) => "–",
        Some(Outcome::Split) => "±",
        None => "·",
    }
}

fn outcome_word(outcome: Option<Outcome>) -> &'static str {
    outcome.map_or("none", Outcome::as_str)
}

// ---- the weekly chart -----------------------------------------------------------------------

/// The chart's drawing box (SVG user units) and the plot inside it.
const CHART_W: f64 = 320.0;
const CHART_H: f64 = 132.0;
const PLOT_LEFT: f64 = 34.0;
const PLOT_RIGHT: f64 = 310.0;
const PLOT_TOP: f64 = 10.0;
const PLOT_BOTTOM: f64 = 104.0;

#[derive(Debug, Serialize)]
struct ChartDot {
    x: String,
    y: String,
    /// "Week of 10 Mar: 75 % (2 calls)".
    title: String,
}

#[derive(Debug, Serialize)]
struct ChartLabel {
    x: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct ChartLine {
    y: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct Chart {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    /// Where the percentages (right-aligned) and the dates sit.
    axis_x: f64,
    dates_y: f64,
    /// `points` of each polyline: consecutive weeks with a score; an empty week breaks it.
    segments: Vec<String>,
    dots: Vec<ChartDot>,
    grid: Vec<ChartLine>,
    labels: Vec<ChartLabel>,
    /// The whole series in words, for screen readers.
    summary: String,
    /// Some week has a score.
    any: bool,
}

fn chart(lang: Lang, series: &[WeekScore], this_year: i32) -> Chart {
    let step = if series.len() > 1 {
        (PLOT_RIGHT - PLOT_LEFT) / (series.len() - 1) as f64
    } else {
        0.0
    };
    let x_of = |index: usize| PLOT_LEFT + step * index as f64;
    let y_of = |score: f64| PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * score.clamp(0.0, 1.0);
    let segments = broken_line(
        series
            .iter()
            .enumerate()
            .map(|(index, week)| week.average.map(|a| (x_of(index), y_of(a)))),
    );
    let mut dots = Vec::new();
    let mut words = Vec::new();
    for (index, week) in series.iter().enumerate() {
        let Some(average) = week.average else {
            continue;
        };
        let mut args = MessageArgs::default();
        args.push("week", when::day(lang, week.monday, this_year));
        args.push("score", percent::whole(average));
        args.push("count", week.calls);
        let title = lang.translate_with("calls-chart-week", &args);
        words.push(title.clone());
        dots.push(ChartDot {
            x: coordinate(x_of(index)),
            y: coordinate(y_of(average)),
            title,
        });
    }
    let grid = [1.0, 0.5, 0.0]
        .iter()
        .map(|&share| ChartLine {
            y: coordinate(y_of(share)),
            text: percent::percent(share),
        })
        .collect();
    // Four dates along the bottom: the first week, two between, and this week.
    let last = series.len().saturating_sub(1);
    let mut marks: Vec<usize> = vec![0, last / 3, last * 2 / 3, last];
    marks.dedup();
    let labels = marks
        .into_iter()
        .filter_map(|index| {
            Some(ChartLabel {
                x: coordinate(x_of(index)),
                text: when::day(lang, series.get(index)?.monday, this_year),
            })
        })
        .collect();
    Chart {
        width: CHART_W,
        height: CHART_H,
        left: PLOT_LEFT,
        right: PLOT_RIGHT,
        axis_x: PLOT_LEFT - 5.0,
        dates_y: CHART_H - 8.0,
        any: !dots.is_empty(),
        segments,
        dots,
        grid,
        labels,
        summary: words.join("; "),
    }
}

// ---- the list -------------------------------------------------------------------------------

#[derive(Serialize)]
struct StepIcon {
    verdict: &'static str,
    icon: &'static str,
    /// "2. Listen: correct".
    label: String,
}

#[derive(Serialize)]
struct CallRow {
    id: String,
    when: String,
    duration: String,
    score: String,
    new: bool,
    steps: Vec<StepIcon>,
    /// "3 correct, 1 incorrect, 1 not in the script" (for screen readers and the title).
    summary: String,
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    base: PageBase,
    calls: Vec<CallRow>,
    total: usize,
    unread: usize,
    average: String,
    chart: Chart,
    missed: Vec<MissedStep>,
}

fn verdict_label(lang: Lang, outcome: Option<Outcome>) -> String {
    lang.translate(&format!("calls-verdict-{}", outcome_word(outcome)))
}

fn call_row(lang: Lang, zone: &Zone, call: &CallFeedback) -> CallRow {
    let count = |o: Outcome| call.steps.iter().filter(|s| s.verdict == Some(o)).count();
    let mut args = MessageArgs::default();
    args.push("correct", count(Outcome::Correct));
    args.push("incorrect", count(Outcome::Incorrect));
    args.push("missing", count(Outcome::Missing));
    args.push("split", count(Outcome::Split));
    CallRow {
        id: call.recording_id.to_string(),
        when: when::moment(lang, zone, call_time(call)),
        duration: clock(call.duration_ms),
        score: percent::score(call.score),
        new: !call.acknowledged,
        steps: call
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| StepIcon {
                verdict: outcome_word(step.verdict),
                icon: icon(step.verdict),
                label: format!(
                    "{}. {}: {}",
                    index + 1,
                    step.title,
                    verdict_label(lang, step.verdict)
                ),
            })
            .collect(),
        summary: lang.translate_with("calls-summary", &args),
    }
}

/// `GET /calls`: the operator's reviewed calls, the weekly score and the steps they miss.
async fn list_page(Operator(session): Operator, page: Page) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let calls = own_calls(&state.db, session.operator_id).await?;
    let zone = &session.zone;
    let today = zone.today();
    let this_year = today.year();
    let days: Vec<(Date, Option<f64>)> = calls
        .iter()
        .map(|c| (zone.local(call_time(c)).date(), c.score))
        .collect();
    let series = trend::weekly_scores(&days, today, WEEKS);
    let scores: Vec<f64> = calls.iter().filter_map(|c| c.score).collect();
    let missed = trend::most_missed(calls.iter().map(|c| c.steps.as_slice()), MISSED_LIMIT);
    let data = ListPage {
        base: page.base(),
        total: calls.len(),
        unread: calls.iter().filter(|c| !c.acknowledged).count(),
        average: percent::score(
            (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64),
        ),
        chart: chart(page.lang, &series, this_year),
        missed,
        calls: calls
            .iter()
            .map(|call| call_row(page.lang, zone, call))
            .collect(),
    };
    page.render("operator/list.html", StatusCode::OK, &data)
}

// ---- one call -------------------------------------------------------------------------------

#[derive(Serialize)]
struct CommentView {
    reviewer: String,
    verdict: &'static str,
    icon: &'static str,
    verdict_label: String,
    text: String,
    /// `m:ss` and seconds, when the reviewer gave a time.
    at: Option<String>,
    at_s: Option<String>,
}

#[derive(Serialize)]
struct StepView {
    number: usize,
    title: String,
    verdict: &'static str,
    icon: &'static str,
    verdict_label: String,
    /// "1 correct, 1 incorrect": how the reviewers voted.
    votes: String,
    comments: Vec<CommentView>,
    critical: bool,
    optional: bool,
    /// The owner overturned its verdict on the operator's appeal: it now counts as correct.
    overturned: bool,
    dispute: Option<StepDisputeView>,
}

/// What the operator said about a contested step, and the owner's answer once given.
#[derive(Serialize)]
struct StepDisputeView {
    comment: String,
    /// `upheld`, `overturned`, or empty while undecided.
    decision: &'static str,
    note: String,
}

/// The operator's dispute of this call: only where it stands, never who looks at it.
#[derive(Serialize)]
struct DisputeView {
    /// `under_review` (waiting for another look or for the decision) or `decided`.
    status: &'static str,
    opened: String,
    decided: Option<String>,
}

/// A step the operator may contest, in the form.
#[derive(Serialize)]
struct ContestStep {
    number: usize,
    title: String,
    checked: bool,
    comment: String,
    problems: Vec<String>,
}

/// The form to contest verdicts, while the days for it last.
#[derive(Serialize)]
struct ContestForm {
    until: String,
    steps: Vec<ContestStep>,
    /// Problems not tied to one step (no step chosen).
    problems: Vec<String>,
}

#[derive(Serialize)]
struct Marker {
    #[serde(skip)]
    ms: i64,
    /// Percent of the bar.
    left: String,
    at_s: String,
    at: String,
    verdict: &'static str,
    label: String,
}

#[derive(Serialize)]
struct CallPage {
    #[serde(flatten)]
    base: PageBase,
    id: String,
    when: String,
    duration: String,
    duration_ms: i64,
    score: String,
    acknowledged: bool,
    audio_url: String,
    markers: Vec<Marker>,
    steps: Vec<StepView>,
    reviews: i32,
    /// The titles of the critical steps judged incorrect, joined: the call failed (score 0).
    critical_failure: Option<String>,
    dispute: Option<DisputeView>,
    contest: Option<ContestForm>,
    /// A dispute was just sent.
    disputed: bool,
    errors: super::FormErrors,
}

/// The operator's contest form as sent: the steps ticked (`contest-{n}`, by step number) and
/// their comments (`comment-{n}`).
#[derive(Default)]
struct ContestSent {
    fields: Vec<(String, String)>,
}

impl ContestSent {
    fn checked(&self, number: usize) -> bool {
        let name = format!("contest-{number}");
        self.fields.iter().any(|(n, _)| *n == name)
    }

    fn comment(&self, number: usize) -> &str {
        let name = format!("comment-{number}");
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

fn overturned(step: &StepFeedback) -> bool {
    step.dispute
        .as_ref()
        .is_some_and(|d| d.decision == Some(Decision::Overturned))
}

/// The call page; `sent` is a refused contest form, shown again with its problems.
fn call_view(
    page: &Page,
    call: &CallFeedback,
    settings: &OrgSettings,
    sent: Option<(&ContestSent, &AppError)>,
) -> CallPage {
    let (req, lang, zone) = (page.req(), page.lang, page.zone());
    let duration = call.duration_ms.max(0);
    let mut markers = Vec::new();
    let steps = call
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let mut votes = Vec::new();
            for (word, n) in [
                ("correct", step.correct),
                ("incorrect", step.incorrect),
                ("missing", step.missing),
                ("did_not_arise", step.did_not_arise),
            ] {
                if n > 0 {
                    let mut args = MessageArgs::default();
                    args.push("count", n);
                    votes.push(lang.translate_with(&format!("calls-votes-{word}"), &args));
                }
            }
            let comments = step
                .comments
                .iter()
                .map(|comment| {
                    let word = comment.verdict.as_str();
                    let label = lang.translate(&format!("calls-verdict-{word}"));
                    if let Some(at) = comment.at_ms {
                        let position = if duration > 0 {
                            (at.clamp(0, duration) as f64 / duration as f64) * 100.0
                        } else {
                            0.0
                        };
                        let mut args = MessageArgs::default();
                        args.push("reviewer", &comment.reviewer);
                        args.push("number", index + 1);
                        args.push("step", &step.title);
                        args.push("time", clock(at));
                        markers.push(Marker {
                            ms: at,
                            left: format!("{position:.2}"),
                            at_s: seconds::exact(at),
                            at: clock(at),
                            verdict: word,
                            label: lang.translate_with("calls-marker", &args),
                        });
                    }
                    CommentView {
                        reviewer: comment.reviewer.clone(),
                        verdict: word,
                        icon: icon(Some(comment.verdict.into())),
                        verdict_label: label,
                        text: comment.text.clone(),
                        at: comment.at_ms.map(clock),
                        at_s: comment.at_ms.map(seconds::exact),
                    }
                })
                .collect();
            StepView {
                number: index + 1,
                title: step.title.clone(),
                verdict: outcome_word(step.verdict),
                icon: icon(step.verdict),
                verdict_label: verdict_label(lang, step.verdict),
                votes: votes.join(", "),
                comments,
                critical: step.critical,
                optional: step.optional,
                overturned: overturned(step),
                dispute: step.dispute.as_ref().map(|d| StepDisputeView {
                    comment: d.comment.clone(),
                    decision: d.decision.map_or("", |d| d.as_str()),
                    note: d.note.clone().unwrap_or_default(),
                }),
            }
        })
        .collect();
    markers.sort_by_key(|m| m.ms);
    let dispute = call.dispute.as_ref().map(|d| DisputeView {
        status: if d.status == DisputeStatus::Decided {
            "decided"
        } else {
            "under_review"
        },
        opened: when::moment(lang, &zone, d.opened_at),
        decided: d.decided_at.map(|at| when::moment(lang, &zone, at)),
    });
    let contest = contest_form(page, call, settings, sent);
    CallPage {
        base: PageBase::from_request(req, lang),
        id: call.recording_id.to_string(),
        when: when::moment(lang, &zone, call_time(call)),
        duration: clock(call.duration_ms),
        duration_ms: call.duration_ms,
        score: percent::score(call.score),
        acknowledged: call.acknowledged,
        audio_url: format!("/api/v1/recordings/{}/audio", call.recording_id),
        markers,
        steps,
        reviews: call.reviews_done,
        critical_failure: critical_titles(call),
        dispute,
        contest,
        disputed: url::form_urlencoded::parse(req.query_string().as_bytes())
            .any(|(name, _)| name == "disputed"),
        errors: page.errors(sent.map(|(_, e)| e)),
    }
}

/// The contest form, while the days for it last and no dispute was sent: the steps whose
/// verdict counts against the operator. A refused form shows what was sent, and each
/// problem next to its step (the domain names them by their place in what was sent).
fn contest_form(
    page: &Page,
    call: &CallFeedback,
    settings: &OrgSettings,
    sent: Option<(&ContestSent, &AppError)>,
) -> Option<ContestForm> {
    if call.dispute.is_some() {
        return None;
    }
    let until = disputes::window_end(call, settings).filter(|end| *end > now())?;
    let empty = ContestSent::default();
    let form = sent.map_or(&empty, |(form, _)| form);
    let messages = sent
        .map(|(_, e)| e.field_messages(page.lang))
        .unwrap_or_default();
    let sent_numbers = contested_numbers(call, form);
    let mut general = Vec::new();
    let mut by_number: Vec<(usize, String)> = Vec::new();
    for message in messages {
        let place = message
            .field
            .strip_prefix("steps[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| sent_numbers.get(i).copied());
        match place {
            Some(number) => by_number.push((number, message.message)),
            None => general.push(message.message),
        }
    }
    let steps: Vec<ContestStep> = call
        .steps
        .iter()
        .enumerate()
        .filter(|(_, step)| disputes::disputable(step.verdict))
        .map(|(index, step)| {
            let number = index + 1;
            ContestStep {
                number,
                title: step.title.clone(),
                checked: form.checked(number),
                comment: form.comment(number).to_owned(),
                problems: by_number
                    .iter()
                    .filter(|(n, _)| *n == number)
                    .map(|(_, m)| m.clone())
                    .collect(),
            }
        })
        .collect();
    if steps.is_empty() {
        return None;
    }
    Some(ContestForm {
        until: when::moment(page.lang, &page.zone(), until),
        steps,
        problems: general,
    })
}

/// The critical steps judged incorrect (the call's score is then 0), as one line.
pub(crate) fn critical_titles(call: &CallFeedback) -> Option<String> {
    let titles: Vec<&str> = call
        .steps
        .iter()
        .filter(|s| s.critical && s.verdict == Some(Outcome::Incorrect))
        .map(|s| s.title.as_str())
        .collect();
    (call.critical_failure || !titles.is_empty()).then(|| titles.join(", "))
}

/// The numbers of the steps ticked in the form, in the order they are sent.
fn contested_numbers(call: &CallFeedback, form: &ContestSent) -> Vec<usize> {
    (1..=call.steps.len())
        .filter(|&n| form.checked(n))
        .collect()
}

async fn org_settings(state: &AppState) -> Result<OrgSettings, AppError> {
    state
        .db
        .run(|conn| OrgSettings::load(conn).map_err(AppError::from))
        .await
}

/// `GET /calls/{id}`: one of the operator's reviewed calls.
async fn call_page(
    Operator(session): Operator,
    page: Page,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let call = own_call(&state.db, session.operator_id, id.into_inner()).await?;
    let settings = org_settings(state).await?;
    let data = call_view(&page, &call, &settings, None);
    page.render("operator/call.html", StatusCode::OK, &data)
}

/// `POST /calls/{id}/dispute`: contest the verdicts of the ticked steps, then back to the
/// call; a refusal shows the page again with the problems next to the steps.
async fn dispute_submit(
    Operator(_): Operator,
    page: Page,
    id: web::Path<String>,
    PageForm(session, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let call = own_call(&state.db, session.operator_id.clone(), id.clone()).await?;
    let sent = ContestSent { fields };
    let steps: Vec<StepInput> = contested_numbers(&call, &sent)
        .into_iter()
        .filter_map(|number| {
            Some(StepInput {
                step_key: call.steps.get(number - 1)?.key.clone(),
                comment: sent.comment(number).to_owned(),
            })
        })
        .collect();
    let operator = session.operator_id.clone().ok_or(AppError::NotFound)?;
    let recording = call.recording_id.clone();
    let user = session.user_id.clone();
    let opened = state
        .db
        .write(move |conn| {
            disputes::open(conn, &operator, &user, &recording, &steps).map_err(AppError::from)
        })
        .await;
    let back: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    match opened {
        Ok(_) => Ok(see_other(&format!("/calls/{back}?disputed=1"))),
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            // Shown as the call is now (a dispute may have been opened meanwhile).
            let call = own_call(&state.db, session.operator_id, id).await?;
            let settings = org_settings(state).await?;
            let data = call_view(&page, &call, &settings, Some((&sent, &error)));
            page.render("operator/call.html", error.status(), &data)
        }
        Err(error) => Err(error),
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

/// `POST /calls/{id}/acknowledge`: "I have read this", then back to the call.
async fn acknowledge_submit(
    Operator(_): Operator,
    state: web::Data<AppState>,
    id: web::Path<String>,
    PageForm(session, _): PageForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    acknowledge_own(&state.db, session.operator_id, id.clone()).await?;
    let back: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    Ok(see_other(&format!("/calls/{back}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_chart_breaks_its_line_at_empty_weeks() {
        let week = |day: Date, average: Option<f64>| WeekScore {
            monday: day,
            label: String::new(),
            average,
            calls: usize::from(average.is_some()),
        };
        let series = vec![
            week(date!(2025 - 01 - 06), Some(0.5)),
            week(date!(2025 - 01 - 13), Some(1.0)),
            week(date!(2025 - 01 - 20), None),
            week(date!(2025 - 01 - 27), Some(0.0)),
            week(date!(2025 - 02 - 03), None),
            week(date!(2025 - 02 - 10), Some(1.0)),
            week(date!(2025 - 02 - 17), Some(0.75)),
        ];
        let chart = chart(Lang::En, &series, 2025);
        assert!(chart.any);
        assert_eq!(chart.dots.len(), 5);
        // Two runs of two weeks; the lone week is only a dot.
        assert_eq!(chart.segments.len(), 2);
        assert_eq!(chart.segments[0], "34.0,57.0 80.0,10.0");
        assert_eq!(chart.dots[2].y, coordinate(PLOT_BOTTOM));
        assert_eq!(chart.labels.first().map(|l| l.x.as_str()), Some("34.0"));
        assert_eq!(chart.labels.last().map(|l| l.x.as_str()), Some("310.0"));
        let empty = super::chart(Lang::En, &[week(date!(2025 - 01 - 06), None)], 2025);
        assert!(!empty.any);
        assert!(empty.segments.is_empty());
    }
}
