//! `/api/v1/me/calls`: an operator's own reviewed calls with the consensus per step and the
//! reviewers' comments under neutral labels, and acknowledging that they read the feedback.
//!
//! Only the caller's own calls with all their reviews in are reachable; anyone else's call
//! (or one still being reviewed) is "not found". Nothing here names a reviewer.

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::dashboards::operator as feedback;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Operator;
use crate::http::routes::{Access, RouteSink};
use crate::reviews;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/me/calls", Access::Operator, my_calls);
    r.add(
        Method::POST,
        "/api/v1/me/calls/{id}/acknowledge",
        Access::Operator,
        acknowledge,
    );
}

async fn my_calls(
    Operator(session): Operator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let calls = feedback::own_calls(&state.db, session.operator_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(calls))
}

async fn acknowledge(
    Operator(session): Operator,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    reviews::acknowledge_own(&state.db, session.operator_id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
