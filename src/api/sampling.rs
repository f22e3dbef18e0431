//! Sampling plans over the API: a script's plan (`GET/PUT /api/v1/scripts/{id}/sampling`)
//! and pulling a call that was left out into review (`POST /api/v1/recordings/{id}/sample`).
//! See [`crate::sampling`].

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use crate::db::ids::{RecordingId, ScriptId};
use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::sampling::{self, PlanInput};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::GET,
        "/api/v1/scripts/{id}/sampling",
        Access::Owner,
        show,
    );
    r.add(
        Method::PUT,
        "/api/v1/scripts/{id}/sampling",
        Access::Owner,
        save,
    );
    r.add(
        Method::POST,
        "/api/v1/recordings/{id}/sample",
        Access::Owner,
        pull_in,
    );
}

async fn show(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let plan = state
        .db
        .run(move |conn| sampling::load(conn, &id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(plan))
}

async fn save(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
    body: web::Json<PlanInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = body.into_inner();
    let plan = state
        .db
        .write(move |conn| sampling::save(conn, &owner.user_id, &id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// Sends a call that was left out of the sample (or is still held) to reviewers now.
async fn pull_in(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db
        .write(move |conn| sampling::pull_in(conn, &owner.user_id, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
