//! `GET /api/v1/overview?from=YYYY-MM-DD&to=YYYY-MM-DD`: the owner's overview of a period
//! (see [`crate::overview`]) as JSON. A bad date is a 422 naming the field.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use crate::dashboards::overview;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Owner;
use crate::http::routes::{Access, RouteSink};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/overview", Access::Owner, get_overview);
}

async fn get_overview(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    query: web::Query<crate::http::query::PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period(&owner.zone)?;
    let overview = overview::figures(&state.db, period, owner.zone).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(overview))
}
