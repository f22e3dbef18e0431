//! `GET /api/v1/agreement?script_id=…[&version=N]`: how far reviewers agree on a script's
//! steps (Krippendorff's alpha; see [`crate::dashboards::agreement`]), for the owner; and
//! `POST /api/v1/consensus/refit`: fit the reviewers' weights of the consensus now (the
//! server also does it every few minutes), answering what the fit found.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use crate::dashboards::agreement;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Owner;
use crate::http::query::AgreementQuery;
use crate::http::routes::{Access, RouteSink};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::GET,
        "/api/v1/agreement",
        Access::Owner,
        get_agreement,
    );
    r.add(
        Method::POST,
        "/api/v1/consensus/refit",
        Access::Owner,
        refit,
    );
}

async fn refit(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let fit = state
        .db
        .run(|conn| crate::reviews::weighted::refit(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(fit))
}

async fn get_agreement(
    _: Owner,
    state: web::Data<AppState>,
    query: web::Query<AgreementQuery>,
) -> Result<HttpResponse, AppError> {
    let (script, version) = query.parse()?;
    let figures = state
        .db
        .run(move |conn| agreement::load(conn, &script, version).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(figures))
}
