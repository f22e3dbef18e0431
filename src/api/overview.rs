//! `GET /api/v1/overview?from=YYYY-MM-DD&to=YYYY-MM-DD`: the owner's overview of a period
//! (see [`crate::overview`]) as JSON. A bad date is a 422 naming the field.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::AppError;
use crate::http::AppState;
use crate::http::Owner;
use crate::http::routes::{Access, RouteSink};
use crate::overview::{self, Overview, Period};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/overview", Access::Owner, get_overview);
}

/// The period of a request, both ends `YYYY-MM-DD` and inclusive; blank means the default.
#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl PeriodQuery {
    pub fn period(&self) -> Result<Period, AppError> {
        Period::parse(&self.from, &self.to, overview::today())
    }
}

/// The overview of `period`, read on the blocking pool.
pub async fn figures(state: &AppState, period: Period) -> Result<Overview, AppError> {
    state
        .db
        .run(move |conn| overview::load(conn, &period).map_err(AppError::from))
        .await
}

async fn get_overview(
    _: Owner,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period()?;
    let overview = figures(&state, period).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(overview))
}
