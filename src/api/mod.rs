//! The JSON API under `/api/v1`, with the same rules as the pages, plus `/healthz`.
//! Handlers here are thin: extract, call the domain, serialize.

pub mod accounts;
pub mod agreement;
pub mod assignments;
pub mod connectors;
pub mod disputes;
pub mod gaps;
pub mod ingest;
pub mod operator;
pub mod overview;
pub mod pay;
pub mod recordings;
pub mod reviewers;
pub mod reviews;
pub mod sampling;
pub mod scripts;
pub mod settings;

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::db::Db;
use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};

/// `GET /healthz`: 200 when the database answers a query, 503 when it does not.
async fn healthz(db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let backend = db.url().backend_name();
    db.run(|conn| {
        conn.batch_execute("SELECT 1")
            .map_err(crate::db::DbError::from)
    })
    .await
    .map_err(|e| AppError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"status": "ok", "database": backend, "version": env!("CARGO_PKG_VERSION")})))
}

/// `GET /metrics`: the Prometheus text, for a scraper that sends `CALLQA_METRICS_TOKEN` as a
/// bearer token (401 otherwise; 404 while no token is set). The queue and pool are read now.
async fn metrics(
    state: web::Data<crate::http::AppState>,
    request: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let Some(token) = state.settings.metrics_token.as_deref() else {
        return Err(AppError::NotFound);
    };
    let presented = crate::http::session::bearer_token(request.headers()).unwrap_or_default();
    if !crate::metrics::token_matches(token, presented) {
        return Err(AppError::Unauthenticated);
    }
    let pool = state.db.pool_use();
    let queue = state
        .db
        .run(|conn| crate::recordings::jobs::queue_now(conn).map_err(crate::db::DbError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .insert_header(("Cache-Control", "no-store"))
        .body(crate::metrics::render(&queue, pool)))
}

/// `/healthz`, `/metrics` and the `/api/v1` routes.
pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/healthz", Access::Public, healthz);
    r.add(Method::GET, "/metrics", Access::Public, metrics);
    accounts::routes(r);
    recordings::routes(r);
    reviews::routes(r);
    reviewers::routes(r);
    settings::routes(r);
    scripts::routes(r);
    assignments::routes(r);
    overview::routes(r);
    gaps::routes(r);
    operator::routes(r);
    agreement::routes(r);
    disputes::routes(r);
    pay::routes(r);
    ingest::routes(r);
    connectors::routes(r);
    sampling::routes(r);
}
