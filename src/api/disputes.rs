//! Disputes over the API: an operator contests verdicts of their own call (`POST
//! /api/v1/me/calls/{id}/disputes`, once per call, within the settings' days); the owner
//! lists them (`GET /api/v1/disputes`, `?all=true` for decided ones too), reads one side by
//! side (`GET /api/v1/disputes/{id}`) and decides per step (`POST
//! /api/v1/disputes/{id}/decision`). See [`crate::disputes`].

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::ids::{DisputeId, RecordingId};
use crate::disputes::{self, DecisionInput, StepInput};
use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Operator, Owner};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::POST,
        "/api/v1/me/calls/{id}/disputes",
        Access::Operator,
        open,
    );
    r.add(Method::GET, "/api/v1/disputes", Access::Owner, list);
    r.add(Method::GET, "/api/v1/disputes/{id}", Access::Owner, detail);
    r.add(
        Method::POST,
        "/api/v1/disputes/{id}/decision",
        Access::Owner,
        decide,
    );
}

#[derive(Deserialize)]
struct OpenBody {
    #[serde(default)]
    steps: Vec<StepInput>,
}

async fn open(
    Operator(session): Operator,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
    body: web::Json<OpenBody>,
) -> Result<HttpResponse, AppError> {
    let operator = session.operator_id.ok_or(AppError::NotFound)?;
    let recording = id.into_inner();
    let steps = body.into_inner().steps;
    let dispute = state
        .db
        .write(move |conn| disputes::open(conn, &operator, &session.user_id, &recording, &steps))
        .await?;
    Ok(HttpResponse::Created().json(dispute))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    all: bool,
}

async fn list(
    _: Owner,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let all = query.all;
    let lines = state
        .db
        .run(move |conn| disputes::list(conn, all).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "disputes": lines })))
}

async fn detail(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<DisputeId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let detail = state
        .db
        .run(move |conn| disputes::detail(conn, &id))
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

#[derive(Deserialize)]
struct DecisionBody {
    #[serde(default)]
    steps: Vec<DecisionInput>,
}

async fn decide(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<DisputeId>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let steps = body.into_inner().steps;
    let dispute = state
        .db
        .write(move |conn| disputes::decide(conn, &owner.user_id, &id, &steps))
        .await?;
    Ok(HttpResponse::Ok().json(dispute))
}
