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

/// `/healthz` and the `/api/v1` routes.
pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/healthz", Access::Public, healthz);
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
