//! The owner's gap queue page: gaps grouped by script and step with counts and the age of
//! the oldest open one, filters, each gap's comment with the call's original audio from the
//! marked time, and actions on one gap or a selection: accept, dismiss with a reason, or
//! refine the script (opens the script's draft with the gaps attached).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::page::Page;
use super::{FormErrors, PageBase, safe_next, see_other};
use crate::db::ids::GapId;
use crate::error::AppError;
use crate::gaps::{self, DismissReason, GapGroup, GapStatus};
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::query::GapQuery;
use crate::http::routes::{Access, RouteSink};
use crate::scripts::{self, ScriptListItem, draft};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/gaps", Access::Owner, queue_page);
    r.add(Method::POST, "/gaps", Access::Owner, act);
}

#[derive(Serialize, Default)]
struct FilterEcho {
    status: String,
    script_id: String,
    step_key: String,
    from: String,
    to: String,
}

#[derive(Serialize)]
struct QueuePage {
    #[serde(flatten)]
    base: PageBase,
    groups: Vec<GapGroup>,
    total: usize,
    limit: i64,
    scripts: Vec<ScriptListItem>,
    statuses: Vec<&'static str>,
    reasons: Vec<&'static str>,
    filter: FilterEcho,
    errors: FormErrors,
    /// Where the action form comes back to: this page with its filters.
    back: String,
}

async fn queue_view(
    page: &Page,
    query: GapQuery,
    failed: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    // No status chosen means the open ones; "all" means every status.
    let status_word = query.status.clone().unwrap_or_else(|| "open".to_owned());
    let filter = GapQuery {
        status: (status_word != "all").then(|| status_word.clone()),
        ..query
    };
    let echo = FilterEcho {
        status: status_word,
        script_id: filter.script_id.clone().unwrap_or_default(),
        step_key: filter.step_key.clone().unwrap_or_default(),
        from: filter.from.clone().unwrap_or_default(),
        to: filter.to.clone().unwrap_or_default(),
    };
    let (parsed, mut error) = match filter.filter(&page.zone()) {
        Ok(parsed) => (Some(parsed), None),
        Err(error) => (None, Some(error)),
    };
    if failed.is_some() {
        error = failed;
    }
    let (found, scripts) = state
        .db
        .run(move |conn| {
            let found = match parsed {
                Some(parsed) => gaps::list(conn, &parsed, gaps::LIST_LIMIT)?,
                None => Vec::new(),
            };
            Ok::<_, AppError>((found, scripts::list(conn)?))
        })
        .await?;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = QueuePage {
        base: page.base(),
        total: found.len(),
        groups: gaps::group(found),
        limit: gaps::LIST_LIMIT,
        scripts,
        statuses: GapStatus::ALL.iter().map(|s| s.as_str()).collect(),
        reasons: DismissReason::ALL.iter().map(|r| r.as_str()).collect(),
        filter: echo,
        errors: page.errors(error.as_ref()),
        back: page
            .req()
            .uri()
            .path_and_query()
            .map_or("/gaps", |pq| pq.as_str())
            .to_owned(),
    };
    page.render("gaps/queue.html", status, &data)
}

async fn queue_page(
    _: Owner,
    page: Page,
    query: web::Query<GapQuery>,
) -> Result<HttpResponse, AppError> {
    queue_view(&page, query.into_inner(), None).await
}

/// `POST /gaps`: `action` (accept, dismiss, refine) on the gaps listed as repeated `gap`
/// fields; `reason` and `note` for dismiss; `back` is where to return.
async fn act(
    _: Owner,
    page: Page,
    PageForm(session, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ids: Vec<GapId> = fields
        .iter()
        .filter(|(n, _)| n == "gap")
        .map(|(_, v)| GapId::from_raw(v.clone()))
        .collect();
    let back = safe_next(Some(&field("back")));
    let action = field("action");
    let (reason, note) = (field("reason"), field("note"));
    let user = session.user_id.clone();
    let outcome = state
        .db
        .run(move |conn| -> Result<Option<String>, AppError> {
            Ok(match action.as_str() {
                "accept" => gaps::accept(conn, &user, &ids).map(|_| None)?,
                "dismiss" => {
                    gaps::dismiss(conn, &user, &ids, &reason, Some(&note)).map(|_| None)?
                }
                "refine" => draft::refine(conn, &ids)
                    .map(|(script, step)| Some(format!("/scripts/{script}/edit#step-{step}")))?,
                _ => return Err(AppError::BadRequest("invalid_form")),
            })
        })
        .await;
    match outcome {
        Ok(Some(editor)) => Ok(see_other(&editor)),
        Ok(None) => Ok(see_other(&back)),
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_) | AppError::NotFound)) => {
            // The queue again, as it was, with what went wrong.
            let query = back
                .split_once('?')
                .and_then(|(_, q)| serde_urlencoded::from_str::<GapQuery>(q).ok())
                .unwrap_or_default();
            queue_view(&page, query, Some(error)).await
        }
        Err(other) => Err(other),
    }
}
