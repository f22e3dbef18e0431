//! The owner's disputes: the open ones with their age (`/disputes`, `?all=1` for decided ones
//! too), and one side by side (`/disputes/{id}`): per contested step the consensus and the
//! verdicts behind it under neutral labels, the operator's comment and the blind re-review,
//! with a form to uphold or overturn each undecided step with a note (`POST /disputes/{id}`).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::format::clock::clock;
use super::page::Page;
use super::{FormErrors, PageBase, see_other};
use crate::db::ids::DisputeId;
use crate::disputes::{self, DecisionInput, Detail, DisputeLine, DisputeStatus, GivenVerdict};
use crate::error::AppError;
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};
use crate::reviews::consensus::Outcome;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/disputes", Access::Owner, list_page);
    r.add(Method::GET, "/disputes/{id}", Access::Owner, detail_page);
    r.add(Method::POST, "/disputes/{id}", Access::Owner, decide_submit);
}

fn status_word(status: DisputeStatus) -> &'static str {
    status.as_str()
}

// ---- the list -------------------------------------------------------------------------------

#[derive(Deserialize)]
struct ListQuery {
    all: Option<String>,
}

#[derive(Serialize)]
struct ListRow {
    #[serde(flatten)]
    line: DisputeLine,
    status_word: &'static str,
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    base: PageBase,
    all: bool,
    disputes: Vec<ListRow>,
}

/// `GET /disputes`: the disputes waiting, oldest first (every one, newest first, with `all`).
async fn list_page(
    _: Owner,
    page: Page,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let all = query.all.is_some();
    let lines = page
        .state()
        .db
        .run(move |conn| disputes::list(conn, all).map_err(AppError::from))
        .await?;
    let data = ListPage {
        base: page.base(),
        all,
        disputes: lines
            .into_iter()
            .map(|line| ListRow {
                status_word: status_word(line.status),
                line,
            })
            .collect(),
    };
    page.render("disputes/list.html", StatusCode::OK, &data)
}

// ---- one dispute ----------------------------------------------------------------------------

#[derive(Serialize)]
struct VerdictView {
    reviewer: String,
    verdict: &'static str,
    comment: String,
    at: Option<String>,
}

impl From<&GivenVerdict> for VerdictView {
    fn from(given: &GivenVerdict) -> Self {
        VerdictView {
            reviewer: given.reviewer.clone(),
            verdict: given.verdict.as_str(),
            comment: given.comment.clone().unwrap_or_default(),
            at: given.at_ms.map(clock),
        }
    }
}

#[derive(Serialize)]
struct StepView {
    number: usize,
    key: String,
    title: String,
    critical: bool,
    /// The consensus that was contested (`none` when there was none).
    contested: &'static str,
    original: Vec<VerdictView>,
    operator_comment: String,
    re_review: Option<VerdictView>,
    /// `upheld`, `overturned`, or empty while undecided.
    decision: &'static str,
    note: String,
    /// What a refused form sent for it.
    chosen: String,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct DetailPage {
    #[serde(flatten)]
    base: PageBase,
    id: String,
    recording_id: String,
    operator: String,
    status: &'static str,
    opened_at: String,
    decided_at: Option<String>,
    steps: Vec<StepView>,
    /// Some step waits for a decision: the form is shown.
    undecided: bool,
    saved: bool,
    errors: FormErrors,
    general: Vec<String>,
}

/// The form as sent: `decision-{n}` (`uphold`/`overturn`) and `note-{n}` by step number.
fn sent_value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The numbers of the steps the owner chose a decision for, in the order they are sent.
fn chosen_numbers(detail: &Detail, fields: &[(String, String)]) -> Vec<usize> {
    (1..=detail.steps_side_by_side.len())
        .filter(|n| !sent_value(fields, &format!("decision-{n}")).is_empty())
        .collect()
}

fn detail_view(
    page: &Page,
    detail: Detail,
    sent: Option<(&[(String, String)], &AppError)>,
) -> DetailPage {
    let (lang, zone) = (page.lang, page.zone());
    let fields = sent.map_or(&[][..], |(f, _)| f);
    let numbers = chosen_numbers(&detail, fields);
    let mut general = Vec::new();
    let mut by_number: Vec<(usize, String)> = Vec::new();
    for message in sent
        .map(|(_, e)| e.field_messages(lang))
        .unwrap_or_default()
    {
        let place = message
            .field
            .strip_prefix("steps[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| numbers.get(i).copied());
        match place {
            Some(number) => by_number.push((number, message.message)),
            None => general.push(message.message),
        }
    }
    let steps: Vec<StepView> = detail
        .steps_side_by_side
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let number = index + 1;
            StepView {
                number,
                key: step.step_key.clone(),
                title: step.title.clone(),
                critical: step.critical,
                contested: step.contested.map_or("none", Outcome::as_str),
                original: step.original.iter().map(VerdictView::from).collect(),
                operator_comment: step.operator_comment.clone(),
                re_review: step.re_review.as_ref().map(VerdictView::from),
                decision: step.decision.map_or("", |d| d.as_str()),
                note: step
                    .note
                    .clone()
                    .unwrap_or_else(|| sent_value(fields, &format!("note-{number}")).to_owned()),
                chosen: sent_value(fields, &format!("decision-{number}")).to_owned(),
                problems: by_number
                    .iter()
                    .filter(|(n, _)| *n == number)
                    .map(|(_, m)| m.clone())
                    .collect(),
            }
        })
        .collect();
    let saved = url::form_urlencoded::parse(page.req().query_string().as_bytes())
        .any(|(name, _)| name == "saved");
    DetailPage {
        base: page.base(),
        id: detail.dispute.id.to_string(),
        recording_id: detail.dispute.recording_id.to_string(),
        operator: detail.operator.clone(),
        status: status_word(detail.dispute.status),
        opened_at: super::format::when::moment(lang, &zone, detail.dispute.opened_at),
        decided_at: detail
            .dispute
            .decided_at
            .map(|at| super::format::when::moment(lang, &zone, at)),
        undecided: steps.iter().any(|s| s.decision.is_empty()),
        steps,
        saved,
        errors: page.errors(sent.map(|(_, e)| e)),
        general,
    }
}

async fn load_detail(page: &Page, id: DisputeId) -> Result<Detail, AppError> {
    page.state()
        .db
        .run(move |conn| disputes::detail(conn, &id).map_err(AppError::from))
        .await
}

/// `GET /disputes/{id}`: one dispute side by side, with the decision form.
async fn detail_page(
    _: Owner,
    page: Page,
    id: web::Path<DisputeId>,
) -> Result<HttpResponse, AppError> {
    let detail = load_detail(&page, id.into_inner()).await?;
    let data = detail_view(&page, detail, None);
    page.render("disputes/detail.html", StatusCode::OK, &data)
}

/// `POST /disputes/{id}`: uphold or overturn the steps chosen, each with a note, then back to
/// the dispute; a refusal shows the page again with the problems next to the steps.
async fn decide_submit(
    Owner(owner): Owner,
    page: Page,
    id: web::Path<DisputeId>,
    PageForm(_, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let detail = load_detail(&page, id.clone()).await?;
    let steps: Vec<DecisionInput> = chosen_numbers(&detail, &fields)
        .into_iter()
        .filter_map(|number| {
            let step = detail.steps_side_by_side.get(number - 1)?;
            Some(DecisionInput {
                step_key: step.step_key.clone(),
                decision: sent_value(&fields, &format!("decision-{number}")).to_owned(),
                note: sent_value(&fields, &format!("note-{number}")).to_owned(),
            })
        })
        .collect();
    let target = id.clone();
    let decided = page
        .state()
        .db
        .write(move |conn| {
            disputes::decide(conn, &owner.user_id, &target, &steps).map_err(AppError::from)
        })
        .await;
    match decided {
        Ok(_) => Ok(see_other(&format!("/disputes/{id}?saved=1"))),
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let detail = load_detail(&page, id).await?;
            let data = detail_view(&page, detail, Some((&fields, &error)));
            page.render("disputes/detail.html", error.status(), &data)
        }
        Err(error) => Err(error),
    }
}
