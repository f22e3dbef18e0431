//! `/api/v1/pay/…`: the owner's side of paying reviewers (settings and script rates, the
//! open entries, adjustments and releases, periods closed, approved and paid, the registry
//! and the ledger as CSV and XLSX); and `/api/v1/me/earnings` and `/api/v1/me/payout-details`
//! for a reviewer's own money and where it goes.

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::db::ids::{PayPeriodId, ScriptId, UserId};
use crate::error::AppError;
use crate::http::download::attachment;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner, Reviewer};
use crate::org_settings::OrgSettings;
use crate::pay::details::{self, DetailsInput};
use crate::pay::ledger::{self, AdjustmentInput, LedgerQuery};
use crate::pay::periods::{self, CloseInput, PaidInput};
use crate::pay::settings::{self as pay_settings, ScriptRateInput};
use crate::pay::{PaySettings, earnings, export};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::GET,
        "/api/v1/me/earnings",
        Access::Reviewer,
        my_earnings,
    );
    r.add(
        Method::GET,
        "/api/v1/me/payout-details",
        Access::Reviewer,
        my_details,
    );
    r.add(
        Method::PUT,
        "/api/v1/me/payout-details",
        Access::Reviewer,
        set_my_details,
    );
    r.add(
        Method::GET,
        "/api/v1/pay/settings",
        Access::Owner,
        get_settings,
    );
    r.add(
        Method::PUT,
        "/api/v1/pay/settings",
        Access::Owner,
        put_settings,
    );
    r.add(
        Method::GET,
        "/api/v1/pay/scripts",
        Access::Owner,
        script_rates,
    );
    r.add(
        Method::PUT,
        "/api/v1/pay/scripts/{id}/rate",
        Access::Owner,
        set_script_rate,
    );
    r.add(
        Method::DELETE,
        "/api/v1/pay/scripts/{id}/rate",
        Access::Owner,
        clear_script_rate,
    );
    r.add(Method::GET, "/api/v1/pay/open", Access::Owner, open_lines);
    r.add(
        Method::GET,
        "/api/v1/pay/ledger",
        Access::Owner,
        ledger_json,
    );
    r.add(
        Method::GET,
        "/api/v1/pay/ledger.csv",
        Access::Owner,
        ledger_csv,
    );
    r.add(
        Method::GET,
        "/api/v1/pay/ledger.xlsx",
        Access::Owner,
        ledger_xlsx,
    );
    r.add(
        Method::POST,
        "/api/v1/pay/adjustments",
        Access::Owner,
        adjust,
    );
    r.add(
        Method::POST,
        "/api/v1/pay/reviewers/{id}/release",
        Access::Owner,
        release,
    );
    r.add(
        Method::GET,
        "/api/v1/pay/periods",
        Access::Owner,
        list_periods,
    );
    r.add(
        Method::POST,
        "/api/v1/pay/periods",
        Access::Owner,
        close_period,
    );
    r.add(
        Method::GET,
        "/api/v1/pay/periods/{id}",
        Access::Owner,
        one_period,
    );
    r.add(
        Method::POST,
        "/api/v1/pay/periods/{id}/approve",
        Access::Owner,
        approve,
    );
    r.add(
        Method::POST,
        "/api/v1/pay/periods/{id}/paid",
        Access::Owner,
        mark_paid,
    );
    r.add(
        Method::GET,
        "/api/v1/pay/periods/{id}/registry.csv",
        Access::Owner,
        registry_csv,
    );
    r.add(
        Method::GET,
        "/api/v1/pay/periods/{id}/registry.xlsx",
        Access::Owner,
        registry_xlsx,
    );
}

async fn my_earnings(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let mine = state
        .db
        .run(move |conn| earnings::of(conn, &session.user_id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(earnings::for_reviewer(mine)))
}

async fn my_details(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let found = state
        .db
        .run(move |conn| details::of(conn, &session.user_id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "details": found.map(details::PayoutDetails::masked) })))
}

async fn set_my_details(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
    body: web::Json<DetailsInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let saved = state
        .db
        .write(move |conn| details::save(conn, &session.user_id, &input).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "details": saved })))
}

async fn get_settings(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let settings = state
        .db
        .run(|conn| PaySettings::load(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(settings))
}

async fn put_settings(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    body: web::Json<PaySettings>,
) -> Result<HttpResponse, AppError> {
    let settings = body.into_inner();
    let saved = settings.clone();
    state
        .db
        .write(move |conn| saved.save(conn, &owner.user_id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(settings))
}

async fn script_rates(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rates = state
        .db
        .run(|conn| pay_settings::script_rates(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(rates))
}

async fn set_script_rate(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
    body: web::Json<ScriptRateInput>,
) -> Result<HttpResponse, AppError> {
    let (id, input) = (id.into_inner(), body.into_inner());
    let rate = state
        .db
        .write(move |conn| {
            pay_settings::set_script_rate(conn, &owner.user_id, &id, &input).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rate))
}

async fn clear_script_rate(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            pay_settings::clear_script_rate(conn, &owner.user_id, &id).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn open_lines(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (lines, changes) = state
        .db
        .run(|conn| {
            Ok::<_, AppError>((
                ledger::open_lines(conn)?,
                details::changed_since_last_close(conn)?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "reviewers": lines, "details_changed": changes })))
}

async fn ledger_json(
    _: Owner,
    state: web::Data<AppState>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter();
    let entries = state
        .db
        .run(move |conn| ledger::entries(conn, &filter).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "entries": entries })))
}

/// A file to download, never cached (it carries payout details).
pub fn download(bytes: Vec<u8>, name: &str, content_type: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, attachment(name)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn ledger_file(
    state: web::Data<AppState>,
    query: LedgerQuery,
    xlsx: bool,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter();
    let bytes = state
        .db
        .run(move |conn| {
            let entries = ledger::entries(conn, &filter)?;
            let settings = PaySettings::load(conn)?;
            let zone = OrgSettings::load_zone(conn)?;
            let bytes = if xlsx {
                export::ledger_xlsx(&entries, &settings, &zone)
            } else {
                export::ledger_csv(&entries, &settings, &zone)
            };
            bytes.map_err(AppError::internal)
        })
        .await?;
    Ok(if xlsx {
        download(bytes, "callqa-ledger.xlsx", XLSX)
    } else {
        download(bytes, "callqa-ledger.csv", CSV)
    })
}

async fn ledger_csv(
    _: Owner,
    state: web::Data<AppState>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    ledger_file(state, query.into_inner(), false).await
}

async fn ledger_xlsx(
    _: Owner,
    state: web::Data<AppState>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    ledger_file(state, query.into_inner(), true).await
}

async fn adjust(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    body: web::Json<AdjustmentInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let entry = state
        .db
        .write(move |conn| ledger::adjust(conn, &owner.user_id, &input).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Created().json(entry))
}

async fn release(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let released = state
        .db
        .write(move |conn| ledger::release_holds(conn, &owner.user_id, &id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "released": released })))
}

async fn list_periods(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let list = state
        .db
        .run(|conn| periods::list(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn close_period(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    body: web::Json<CloseInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let (period, closed) = state
        .db
        .write(move |conn| {
            let until = periods::end_of(conn, &input.until)?;
            periods::close(conn, &owner.user_id, until).map_err(AppError::from)
        })
        .await?;
    Ok(if closed {
        HttpResponse::Created().json(period)
    } else {
        HttpResponse::Ok().json(period)
    })
}

async fn one_period(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<PayPeriodId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let detail = state
        .db
        .run(move |conn| periods::detail(conn, &id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(detail))
}

async fn approve(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<PayPeriodId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let period = state
        .db
        .write(move |conn| periods::approve(conn, &owner.user_id, &id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(period))
}

async fn mark_paid(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<PayPeriodId>,
    body: web::Json<PaidInput>,
) -> Result<HttpResponse, AppError> {
    let (id, input) = (id.into_inner(), body.into_inner());
    let period = state
        .db
        .write(move |conn| {
            periods::mark_paid(conn, &owner.user_id, &id, &input).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(period))
}

/// The period's registry file (CSV or XLSX).
pub async fn registry_file(
    state: &AppState,
    id: PayPeriodId,
    xlsx: bool,
) -> Result<HttpResponse, AppError> {
    let (bytes, number) = state
        .db
        .run(move |conn| {
            let detail = periods::detail(conn, &id)?;
            let settings = PaySettings::load(conn)?;
            let bytes = if xlsx {
                export::registry_xlsx(&detail, &settings)
            } else {
                export::registry_csv(&detail, &settings)
            };
            Ok::<_, AppError>((bytes.map_err(AppError::internal)?, detail.period.number))
        })
        .await?;
    Ok(if xlsx {
        download(bytes, &format!("callqa-registry-{number}.xlsx"), XLSX)
    } else {
        download(bytes, &format!("callqa-registry-{number}.csv"), CSV)
    })
}

async fn registry_csv(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<PayPeriodId>,
) -> Result<HttpResponse, AppError> {
    registry_file(&state, id.into_inner(), false).await
}

async fn registry_xlsx(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<PayPeriodId>,
) -> Result<HttpResponse, AppError> {
    registry_file(&state, id.into_inner(), true).await
}
