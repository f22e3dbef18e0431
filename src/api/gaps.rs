//! `/api/v1/gaps`: the owner's gap queue — list with filters, accept, dismiss. Resolving is
//! done by publishing a script version with `resolves_gaps`.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::ids::GapId;
use crate::error::AppError;
use crate::gaps::{self};
use crate::http::AppState;
use crate::http::Owner;
use crate::http::routes::{Access, RouteSink};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/gaps", Access::Owner, list);
    r.add(Method::GET, "/api/v1/gaps/{id}", Access::Owner, show);
    r.add(
        Method::POST,
        "/api/v1/gaps/{id}/accept",
        Access::Owner,
        accept,
    );
    r.add(
        Method::POST,
        "/api/v1/gaps/{id}/dismiss",
        Access::Owner,
        dismiss,
    );
}

async fn list(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    query: web::Query<crate::http::query::GapQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter(&owner.zone)?;
    let found = state
        .db
        .run(move |conn| gaps::list(conn, &filter, gaps::LIST_LIMIT).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

async fn one(state: &AppState, id: GapId) -> Result<HttpResponse, AppError> {
    let gap = state
        .db
        .run(move |conn| gaps::find(conn, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(gap))
}

async fn show(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<GapId>,
) -> Result<HttpResponse, AppError> {
    one(&state, id.into_inner()).await
}

async fn accept(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<GapId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let target = id.clone();
    state
        .db
        .run(move |conn| gaps::accept(conn, &owner.user_id, &[target]))
        .await?;
    one(&state, id).await
}

#[derive(Deserialize)]
struct DismissBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: Option<String>,
}

async fn dismiss(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<GapId>,
    body: web::Json<DismissBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let target = id.clone();
    let body = body.into_inner();
    state
        .db
        .run(move |conn| {
            gaps::dismiss(
                conn,
                &owner.user_id,
                &[target],
                &body.reason,
                body.note.as_deref(),
            )
        })
        .await?;
    one(&state, id).await
}
