//! The KPI for pay as files (`GET /overview/kpi.csv`, `GET /overview/kpi.xlsx`) and as JSON
//! (`GET /api/v1/kpi`), for the period asked (`from`, `to`; the current month by default).
//! See [`crate::dashboards::overview::kpi`] and its files.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use crate::dashboards::overview::kpi::{self, Kpi};
use crate::dashboards::overview::kpi_files;
use crate::dashboards::period::{Period, day_text};
use crate::error::AppError;
use crate::http::query::PeriodQuery;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::i18n::Lang;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/kpi", Access::Owner, kpi_json);
    r.add(Method::GET, "/overview/kpi.csv", Access::Owner, kpi_csv);
    r.add(Method::GET, "/overview/kpi.xlsx", Access::Owner, kpi_xlsx);
}

/// The KPI of the period asked, read on the blocking pool.
pub async fn load(
    state: &AppState,
    period: Period,
    zone: crate::zone::Zone,
) -> Result<Kpi, AppError> {
    state
        .db
        .run(move |conn| kpi::load(conn, &period, &zone).map_err(AppError::from))
        .await
}

async fn kpi_json(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period(&owner.zone)?;
    let kpi = load(&state, period, owner.zone).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(kpi))
}

fn file(period: &Period, extension: &str, content_type: &str, body: Vec<u8>) -> HttpResponse {
    let name = format!(
        "callqa-kpi-{}-{}.{extension}",
        day_text(period.from),
        day_text(period.to)
    );
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            crate::http::download::attachment(&name),
        ))
        .body(body)
}

async fn kpi_csv(
    Owner(owner): Owner,
    lang: Lang,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period(&owner.zone)?;
    let kpi = load(&state, period, owner.zone).await?;
    let body = kpi_files::csv(&kpi, lang).map_err(AppError::internal)?;
    Ok(file(&period, "csv", "text/csv; charset=utf-8", body))
}

async fn kpi_xlsx(
    Owner(owner): Owner,
    lang: Lang,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period(&owner.zone)?;
    let kpi = load(&state, period, owner.zone).await?;
    let body = kpi_files::xlsx(&kpi, lang).map_err(AppError::internal)?;
    Ok(file(
        &period,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        body,
    ))
}
