//! The owner's gap queue page: gaps grouped by script and step with counts and the age of
//! the oldest open one, filters, each gap's comment with the call's original audio from the
//! marked time, and actions on one gap or a selection: accept, dismiss with a reason, or
//! refine the script (opens the script's draft with the gaps attached). An accept or
//! dismiss is confirmed on the page it came from, with a button that takes it back for
//! [`gaps::UNDO_MINUTES`] minutes. Above the stored gaps, "step unclear" items: steps of a
//! script that reviewers judge differently (low agreement between reviewers), each linking
//! to the script's editor and page.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::agreement::{UnclearItem, unclear_items};
use super::page::Page;
use super::{FormErrors, PageBase, safe_next, see_other};
use crate::dashboards::agreement;
use crate::db::ids::GapId;
use crate::error::AppError;
use crate::gaps::{self, Before, DismissReason, GapGroup, GapStatus};
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::query::GapQuery;
use crate::http::routes::{Access, RouteSink};
use crate::i18n::MessageArgs;
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
    /// How many of the gaps shown can still be acted on (open or accepted).
    tickable: usize,
    limit: i64,
    scripts: Vec<ScriptListItem>,
    statuses: Vec<&'static str>,
    reasons: Vec<&'static str>,
    filter: FilterEcho,
    errors: FormErrors,
    /// Where the action form comes back to: this page with its filters.
    back: String,
    /// What the last action did, with what undoes it.
    done: Option<Done>,
    /// Gaps ticked when an action was refused: they stay ticked.
    selected: Vec<String>,
    /// "Step unclear": steps reviewers judge differently (low agreement), derived from the
    /// reviews rather than stored; of the chosen script only when the queue is filtered by one.
    unclear: Vec<UnclearItem>,
}

/// The confirmation of an accept or dismiss, and the form that takes it back.
#[derive(Serialize)]
struct Done {
    message: String,
    /// `accepted` / `dismissed`: the state the action left the gaps in.
    left: &'static str,
    /// `id:status` of each gap before the action.
    before: String,
    undone: bool,
}

/// The query words a finished action leaves on the queue's URL.
#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
    before: Option<String>,
    undone: Option<String>,
}

/// `id:status,id:status` → the states to return to; `None` when any part is unreadable.
fn parse_before(text: &str) -> Option<Vec<Before>> {
    text.split(',')
        .map(|pair| {
            let (id, status) = pair.split_once(':')?;
            Some(Before {
                id: GapId::from_raw(id.to_owned()),
                status: GapStatus::parse(status)?,
            })
        })
        .collect()
}

fn write_before(before: &[Before]) -> String {
    before
        .iter()
        .map(|b| format!("{}:{}", b.id, b.status))
        .collect::<Vec<_>>()
        .join(",")
}

/// `back` with `pairs` added to its query (any older confirmation dropped).
fn with_query(back: &str, pairs: &[(&str, &str)]) -> String {
    let (path, query) = back.split_once('?').unwrap_or((back, ""));
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if !matches!(name.as_ref(), "done" | "before" | "undone") {
            out.append_pair(&name, &value);
        }
    }
    for (name, value) in pairs {
        out.append_pair(name, value);
    }
    format!("{path}?{}", out.finish())
}

async fn queue_view(
    page: &Page,
    query: GapQuery,
    done: DoneQuery,
    failed: Option<(AppError, Vec<String>)>,
) -> Result<HttpResponse, AppError> {
    let (failed, selected) = match failed {
        Some((error, selected)) => (Some(error), selected),
        None => (None, Vec::new()),
    };
    let done = done_notice(page, &done);
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
    let only_script = echo.script_id.clone();
    let (found, scripts, unclear) = state
        .db
        .run(move |conn| {
            let found = match parsed {
                Some(parsed) => gaps::list(conn, &parsed, gaps::LIST_LIMIT)?,
                None => Vec::new(),
            };
            let mut unclear = agreement::unclear_steps(conn)?;
            if !only_script.is_empty() {
                unclear.retain(|u| u.script_id.as_str() == only_script);
            }
            Ok::<_, AppError>((found, scripts::list(conn)?, unclear))
        })
        .await?;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = QueuePage {
        base: page.base(),
        total: found.len(),
        tickable: found
            .iter()
            .filter(|g| matches!(g.status, GapStatus::Open | GapStatus::Accepted))
            .count(),
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
        done,
        selected,
        unclear: unclear_items(page.lang, unclear),
    };
    page.render("gaps/queue.html", status, &data)
}

/// The confirmation shown after an action, from the words it left on the URL.
fn done_notice(page: &Page, done: &DoneQuery) -> Option<Done> {
    let left = match done.done.as_deref()? {
        "accepted" => "accepted",
        "dismissed" => "dismissed",
        _ => return None,
    };
    let before = done.before.clone().unwrap_or_default();
    let count = parse_before(&before).map_or(0, |b| b.len());
    let undone = done.undone.is_some();
    let mut args = MessageArgs::default();
    args.push("count", count);
    let key = if undone {
        "gaps-undone"
    } else {
        match left {
            "accepted" => "gaps-done-accepted",
            _ => "gaps-done-dismissed",
        }
    };
    Some(Done {
        message: page.t_with(key, &args),
        left,
        before,
        undone,
    })
}

async fn queue_page(
    _: Owner,
    page: Page,
    query: web::Query<GapQuery>,
    done: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    queue_view(&page, query.into_inner(), done.into_inner(), None).await
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
    let back_again = back.clone();
    let action = field("action");
    let (reason, note) = (field("reason"), field("note"));
    let (left, before) = (field("left"), field("before"));
    let user = session.user_id.clone();
    let selected: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let outcome = state
        .db
        .run(move |conn| -> Result<String, AppError> {
            let done = |left: &str, before: Vec<Before>| {
                with_query(&back, &[("done", left), ("before", &write_before(&before))])
            };
            Ok(match action.as_str() {
                "accept" => done("accepted", gaps::accept(conn, &user, &ids)?),
                "dismiss" => done(
                    "dismissed",
                    gaps::dismiss(conn, &user, &ids, &reason, Some(&note))?,
                ),
                "undo" => {
                    let left_status =
                        GapStatus::parse(&left).ok_or(AppError::BadRequest("invalid_form"))?;
                    let states =
                        parse_before(&before).ok_or(AppError::BadRequest("invalid_form"))?;
                    gaps::undo(conn, &user, left_status, &states)?;
                    with_query(
                        &back,
                        &[
                            ("done", left.as_str()),
                            ("before", &before),
                            ("undone", "1"),
                        ],
                    )
                }
                "refine" => draft::refine(conn, &ids)
                    .map(|(script, step)| format!("/scripts/{script}/edit#step-{step}"))?,
                _ => return Err(AppError::BadRequest("invalid_form")),
            })
        })
        .await;
    match outcome {
        Ok(next) => Ok(see_other(&next)),
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_) | AppError::NotFound)) => {
            // The queue again, as it was (ticks kept), with what went wrong.
            let query = back_again
                .split_once('?')
                .and_then(|(_, q)| serde_urlencoded::from_str::<GapQuery>(q).ok())
                .unwrap_or_default();
            queue_view(&page, query, DoneQuery::default(), Some((error, selected))).await
        }
        Err(other) => Err(other),
    }
}
