//! `GET /api/v1/reviewers` (the owner's table of reviewers over a period, sortable and
//! filterable by status), `GET /api/v1/reviewers/{id}` (one reviewer with their weeks and
//! latest reviews), `POST /api/v1/reviewers/{id}/pause` and `/resume`, and the languages a
//! reviewer reviews (`GET`/`PUT /api/v1/reviewers/{id}/languages`).

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::accounts::pause;
use crate::dashboards::reviewers::{self, ReviewerQuery, ReviewerSort, ReviewerStatus};
use crate::db::ids::UserId;
use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::languages;
use crate::zone::Zone;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/reviewers", Access::Owner, list);
    r.add(Method::GET, "/api/v1/reviewers/{id}", Access::Owner, one);
    r.add(
        Method::POST,
        "/api/v1/reviewers/{id}/pause",
        Access::Owner,
        pause_one,
    );
    r.add(
        Method::POST,
        "/api/v1/reviewers/{id}/resume",
        Access::Owner,
        resume_one,
    );
    r.add(
        Method::GET,
        "/api/v1/reviewers/{id}/languages",
        Access::Owner,
        languages_of,
    );
    r.add(
        Method::PUT,
        "/api/v1/reviewers/{id}/languages",
        Access::Owner,
        set_languages,
    );
}

/// The body of a languages change, here and on `/api/v1/me/languages`.
#[derive(Deserialize)]
pub struct LanguagesBody {
    #[serde(default)]
    pub languages: Vec<String>,
}

/// `{"languages": [...]}`: the reviewer's languages (empty: every language).
pub async fn languages_answer(
    state: &AppState,
    by: UserId,
    reviewer: UserId,
    body: Option<LanguagesBody>,
) -> Result<HttpResponse, AppError> {
    let languages = state
        .db
        .run(move |conn| match body {
            Some(body) => languages::set_for_reviewer(conn, &by, &reviewer, &body.languages)
                .map_err(AppError::from),
            None => {
                let role: Option<crate::accounts::Role> =
                    crate::accounts::User::find(conn, &reviewer)?.map(|u| u.role);
                if role != Some(crate::accounts::Role::Reviewer) {
                    return Err(AppError::NotFound);
                }
                languages::of_reviewer(conn, &reviewer).map_err(AppError::from)
            }
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "languages": languages })))
}

async fn languages_of(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    languages_answer(&state, owner.user_id, id.into_inner(), None).await
}

/// `PUT /api/v1/reviewers/{id}/languages {"languages": ["ru", "en"]}`: 200 with the
/// languages set; 422 naming `languages` for an unknown code; 404 for anyone not a reviewer.
async fn set_languages(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    body: web::Json<LanguagesBody>,
) -> Result<HttpResponse, AppError> {
    languages_answer(
        &state,
        owner.user_id,
        id.into_inner(),
        Some(body.into_inner()),
    )
    .await
}

/// The query of the reviewers' table and page.
#[derive(Debug, Default, Deserialize)]
pub struct ReviewersQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub status: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    /// Set by the page after the reviewer's languages were saved.
    pub languages_saved: Option<String>,
}

fn word(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

impl ReviewersQuery {
    pub fn period(&self, zone: &Zone) -> Result<crate::dashboards::period::Period, AppError> {
        crate::http::query::PeriodQuery {
            from: self.from.clone(),
            to: self.to.clone(),
        }
        .period(zone)
    }

    /// The status filter and the order; every bad word is a field error.
    pub fn query(&self) -> Result<ReviewerQuery, AppError> {
        let status = match word(&self.status) {
            None => None,
            Some(w) => Some(
                ReviewerStatus::parse(w)
                    .ok_or_else(|| AppError::field("status", "unknown_value"))?,
            ),
        };
        let sort = match word(&self.sort) {
            None => ReviewerSort::Name,
            Some(w) => {
                ReviewerSort::parse(w).ok_or_else(|| AppError::field("sort", "unknown_value"))?
            }
        };
        let descending =
            crate::http::query::descending(&self.dir)?.unwrap_or(sort.descending_first());
        Ok(ReviewerQuery {
            status,
            sort,
            descending,
        })
    }
}

async fn list(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    query: web::Query<ReviewersQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period(&owner.zone)?;
    let order = query.query()?;
    let zone = owner.zone.clone();
    let rows = state
        .db
        .run(move |conn| {
            reviewers::figures(conn, period, &zone, None, order).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(rows))
}

async fn one(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    query: web::Query<ReviewersQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period(&owner.zone)?;
    let zone = owner.zone.clone();
    let id = id.into_inner();
    let detail = state
        .db
        .run(move |conn| reviewers::detail(conn, period, &zone, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(detail))
}

/// Pauses or resumes, then answers with the reviewer's row for the default period.
async fn change(
    owner: crate::http::Session,
    state: &AppState,
    id: UserId,
    paused: bool,
) -> Result<HttpResponse, AppError> {
    let zone = owner.zone.clone();
    let period = crate::http::query::PeriodQuery::default().period(&zone)?;
    let by = owner.user_id.clone();
    let target = id.clone();
    state
        .db
        .write(move |conn| {
            if paused {
                let details = serde_json::json!({"reason": "owner"});
                conn.write_transaction(|conn| pause::pause(conn, Some(&by), &target, details))
                    .map_err(AppError::from)
            } else {
                pause::resume(conn, &by, &target).map_err(AppError::from)
            }
        })
        .await?;
    let detail = state
        .db
        .run(move |conn| reviewers::detail(conn, period, &zone, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(detail.row))
}

async fn pause_one(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    change(owner, &state, id.into_inner(), true).await
}

async fn resume_one(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    change(owner, &state, id.into_inner(), false).await
}
