//! The owner's check on reviews: a call's reviews side by side (`GET
//! /api/v1/recordings/{id}/reviews`), rejecting a review with a reason and taking that back
//! (`POST /api/v1/reviews/{id}/reject`, `…/restore`), and a call's gold answer key (`GET`,
//! `PUT`, `DELETE /api/v1/recordings/{id}/gold`).

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::dashboards::call_reviews;
use crate::db::ids::{RecordingId, ReviewId};
use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::reviews::{self, gold};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::GET,
        "/api/v1/recordings/{id}/reviews",
        Access::Owner,
        list,
    );
    r.add(
        Method::POST,
        "/api/v1/reviews/{id}/reject",
        Access::Owner,
        reject,
    );
    r.add(
        Method::POST,
        "/api/v1/reviews/{id}/restore",
        Access::Owner,
        restore,
    );
    r.add(
        Method::GET,
        "/api/v1/reviews/flagged",
        Access::Owner,
        flagged,
    );
    r.add(
        Method::POST,
        "/api/v1/reviews/{id}/check",
        Access::Owner,
        check,
    );
    r.add(
        Method::GET,
        "/api/v1/recordings/{id}/gold",
        Access::Owner,
        gold_key,
    );
    r.add(
        Method::PUT,
        "/api/v1/recordings/{id}/gold",
        Access::Owner,
        mark_gold,
    );
    r.add(
        Method::DELETE,
        "/api/v1/recordings/{id}/gold",
        Access::Owner,
        unmark_gold,
    );
}

async fn list(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let found = state
        .db
        .run(move |conn| call_reviews::load(conn, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Deserialize)]
struct RejectBody {
    #[serde(default)]
    reason: String,
}

async fn reject(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
    body: web::Json<RejectBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let reason = body.into_inner().reason;
    let judged = state
        .db
        .write(move |conn| reviews::reject(conn, &owner.user_id, &id, &reason))
        .await?;
    Ok(HttpResponse::Ok().json(judged))
}

async fn restore(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let judged = state
        .db
        .write(move |conn| reviews::restore(conn, &owner.user_id, &id))
        .await?;
    Ok(HttpResponse::Ok().json(judged))
}

async fn flagged(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let reviews = state
        .db
        .run(|conn| crate::dashboards::flags::load(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "reviews": reviews })))
}

async fn check(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let review = id.clone();
    let at = state
        .db
        .write(move |conn| reviews::mark_checked(conn, &owner.user_id, &review))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "review_id": id,
        "checked_at": crate::db::time::rfc3339(at),
    })))
}

async fn gold_key(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let target = id.clone();
    let view = state
        .db
        .run(move |conn| call_reviews::load(conn, &target).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(view.key_or_proposal(&id)))
}

async fn mark_gold(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
    body: web::Json<gold::KeyInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = body.into_inner();
    let key = state
        .db
        .write(move |conn| gold::mark(conn, &owner.user_id, &id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(key))
}

async fn unmark_gold(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db
        .write(move |conn| gold::unmark(conn, &owner.user_id, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
