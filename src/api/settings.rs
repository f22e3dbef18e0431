//! `/api/v1/settings`: the owner's shared settings (voice disguise, reviews per call, lease,
//! pay rate). Saving a new voice rebuilds the reviewer copies of calls still being reviewed.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::org_settings::{OrgSettings, SettingsInput};
use crate::recordings::Recording;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/settings", Access::Owner, get_settings);
    r.add(Method::PUT, "/api/v1/settings", Access::Owner, put_settings);
}

async fn get_settings(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let settings = state
        .db
        .run(|conn| OrgSettings::load(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(settings))
}

async fn put_settings(
    _: Owner,
    state: web::Data<AppState>,
    body: web::Json<SettingsInput>,
) -> Result<HttpResponse, AppError> {
    let settings = body.into_inner().check().map_err(AppError::Validation)?;
    let saved = settings.clone();
    state
        .db
        .run(move |conn| Recording::save_settings(conn, &saved).map_err(AppError::from))
        .await?;
    // A change of voice queued new reviewer copies.
    state.workers.wake();
    Ok(HttpResponse::Ok().json(settings))
}
