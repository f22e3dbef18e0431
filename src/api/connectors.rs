//! Connectors over HTTP: the owner sets them up (`/api/v1/connectors`) and reads what each
//! received; a PBX sends its signed events to `/hooks/{vendor}`, which answer at once (the
//! download runs as a job). See [`crate::connectors`].

use actix_web::http::Method;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::connectors::{self, Vendor, generic};
use crate::db::ids::ScriptId;
use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::ingest::inbound::Claim;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::GET,
        "/api/v1/connectors",
        Access::Owner,
        list_connectors,
    );
    r.add(
        Method::PUT,
        "/api/v1/connectors/{vendor}",
        Access::Owner,
        save_connector,
    );
    r.add(
        Method::GET,
        "/api/v1/connectors/{vendor}/events",
        Access::Owner,
        connector_events,
    );
    r.add(Method::POST, "/hooks/generic", Access::Public, generic_hook);
}

fn vendor(word: &str) -> Result<Vendor, AppError> {
    Vendor::parse(word).ok_or(AppError::NotFound)
}

async fn list_connectors(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let base = state.base_url.clone();
    let found = state
        .db
        .run(move |conn| connectors::list(conn, &base).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "connectors": found })))
}

#[derive(Deserialize)]
struct SaveBody {
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    script_id: Option<ScriptId>,
}

async fn save_connector(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<SaveBody>,
) -> Result<HttpResponse, AppError> {
    let vendor = vendor(&path)?;
    let body = body.into_inner();
    let base = state.base_url.clone();
    let view = state
        .db
        .write(move |conn| {
            connectors::save(
                conn,
                vendor,
                body.secret.as_deref(),
                body.script_id.as_ref(),
                &owner.user_id,
            )?;
            let all = connectors::list(conn, &base)?;
            Ok::<_, AppError>(all.into_iter().find(|c| c.vendor == vendor))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

async fn connector_events(
    _: Owner,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let vendor = vendor(&path)?;
    let events = state
        .db
        .run(move |conn| connectors::events(conn, vendor).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "events": events })))
}

/// The generic connector's event: 202 for a new call (its download queued), 200 for a
/// repeat, 401 for a bad signature (nothing stored), 422 for a bad body.
async fn generic_hook(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: Bytes,
) -> Result<HttpResponse, AppError> {
    let signature = request
        .headers()
        .get(generic::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let claim = state
        .db
        .write(move |conn| generic::receive(conn, &body, signature.as_deref()))
        .await??;
    state.workers.wake();
    let call = generic::call_of(&claim);
    let answer = serde_json::json!({
        "inbound_id": call.id,
        "external_id": call.external_id,
        "state": call.state,
        "recording_id": call.recording_id,
        "repeat": matches!(claim, Claim::Existing(_)),
    });
    Ok(match claim {
        Claim::New(_) => HttpResponse::Accepted().json(answer),
        Claim::Existing(_) => HttpResponse::Ok().json(answer),
    })
}
