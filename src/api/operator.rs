//! `/api/v1/me/calls`: an operator's own reviewed calls with the consensus per step and the
//! reviewers' comments under neutral labels, and acknowledging that they read the feedback.
//!
//! Only the caller's own calls with all their reviews in are reachable; anyone else's call
//! (or one still being reviewed) is "not found". Nothing here names a reviewer.

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::db::ids::RecordingId;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Operator;
use crate::http::routes::{Access, RouteSink};
use crate::reviews::feedback::{self, CallFeedback};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/me/calls", Access::Operator, my_calls);
    r.add(
        Method::POST,
        "/api/v1/me/calls/{id}/acknowledge",
        Access::Operator,
        acknowledge,
    );
}

/// The operator's reviewed calls, newest first by when the call took place (else when it
/// was uploaded); empty for an operator login that is not linked to an operator record.
pub async fn own_calls(
    state: &AppState,
    session: crate::http::Session,
) -> Result<Vec<CallFeedback>, AppError> {
    let Some(operator) = session.operator_id else {
        return Ok(Vec::new());
    };
    let mut calls = state
        .db
        .run(move |conn| feedback::operator_calls(conn, &operator).map_err(AppError::from))
        .await?;
    calls.sort_by_key(|c| std::cmp::Reverse(c.called_at.unwrap_or(c.uploaded_at)));
    Ok(calls)
}

/// One of the operator's own reviewed calls; anything else is "not found".
pub async fn own_call(
    state: &AppState,
    session: crate::http::Session,
    id: String,
) -> Result<CallFeedback, AppError> {
    let operator = session.operator_id.ok_or(AppError::NotFound)?;
    let id = RecordingId::from_raw(id);
    let found = state
        .db
        .run(move |conn| feedback::for_recordings(conn, &[id]).map_err(AppError::from))
        .await?;
    found
        .into_iter()
        .find(|call| call.operator_id == operator && call.complete)
        .ok_or(AppError::NotFound)
}

/// Marks the feedback on one of the operator's own reviewed calls as read.
pub async fn acknowledge_own(
    state: &AppState,
    session: crate::http::Session,
    id: String,
) -> Result<(), AppError> {
    let operator = session.operator_id.ok_or(AppError::NotFound)?;
    let id = RecordingId::from_raw(id);
    state
        .db
        .run(move |conn| feedback::acknowledge(conn, &operator, &id))
        .await
}

async fn my_calls(
    Operator(session): Operator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let calls = own_calls(&state, session).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(calls))
}

async fn acknowledge(
    Operator(session): Operator,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    acknowledge_own(&state, session, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
