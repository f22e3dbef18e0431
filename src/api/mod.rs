//! The JSON API under `/api/v1`, with the same rules as the pages, plus `/healthz`.
//! Handlers here are thin: extract, call the domain, serialize.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::db::Db;
use crate::error::AppError;

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

/// Registers `/healthz` and the `/api/v1` routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz));
}
