//! The owner's side of calls that arrive by themselves: machine keys (`/api/v1/keys`), the
//! PBX extensions of operators (`/api/v1/extensions`), and the inbound calls that wait for
//! an operator or could not be fetched (`/api/v1/inbound`). See [`crate::ingest`].

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::ids::{ApiKeyId, InboundId, OperatorId};
use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::ingest::inbound::{self, InboundState};
use crate::ingest::{extensions, keys};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/keys", Access::Owner, list_keys);
    r.add(Method::POST, "/api/v1/keys", Access::Owner, create_key);
    r.add(
        Method::DELETE,
        "/api/v1/keys/{id}",
        Access::Owner,
        revoke_key,
    );
    r.add(
        Method::GET,
        "/api/v1/extensions",
        Access::Owner,
        list_extensions,
    );
    r.add(
        Method::PUT,
        "/api/v1/extensions/{extension}",
        Access::Owner,
        map_extension,
    );
    r.add(
        Method::DELETE,
        "/api/v1/extensions/{extension}",
        Access::Owner,
        unmap_extension,
    );
    r.add(Method::GET, "/api/v1/inbound", Access::Owner, list_inbound);
    r.add(
        Method::POST,
        "/api/v1/inbound/{id}/operator",
        Access::Owner,
        assign_operator,
    );
}

async fn list_keys(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let keys = state
        .db
        .run(|conn| keys::list(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "keys": keys })))
}

#[derive(Deserialize)]
struct NewKey {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: Option<String>,
}

async fn create_key(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    body: web::Json<NewKey>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let created = state
        .db
        .write(move |conn| {
            let scope = body.scope.as_deref().unwrap_or("ingest");
            keys::create(conn, &owner.user_id, &body.name, scope)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

async fn revoke_key(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ApiKeyId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db
        .write(move |conn| keys::revoke(conn, &owner.user_id, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_extensions(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let found = state
        .db
        .run(|conn| extensions::list(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "extensions": found })))
}

#[derive(Deserialize)]
struct MapBody {
    operator_id: OperatorId,
}

async fn map_extension(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    extension: web::Path<String>,
    body: web::Json<MapBody>,
) -> Result<HttpResponse, AppError> {
    let extension = extension.into_inner();
    let operator = body.into_inner().operator_id;
    let (shown, mapped_to) = (extension.trim().to_owned(), operator.clone());
    let released = state
        .db
        .write(move |conn| extensions::map(conn, &owner.user_id, &operator, &extension))
        .await?;
    state.workers.wake();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "extension": shown,
        "operator_id": mapped_to,
        "released": released,
    })))
}

async fn unmap_extension(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    extension: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let extension = extension.into_inner();
    state
        .db
        .write(move |conn| extensions::unmap(conn, &owner.user_id, &extension))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct InboundQuery {
    /// Comma-separated states; the default is the calls that need the owner.
    state: Option<String>,
}

/// Parses `needs_operator,failed` and the like; an unknown word is a 422 on `state`.
pub fn parse_states(raw: Option<&str>) -> Result<Vec<InboundState>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(vec![InboundState::NeedsOperator, InboundState::Failed]),
        Some(list) => list
            .split(',')
            .map(|word| {
                InboundState::parse(word.trim())
                    .ok_or_else(|| AppError::field("state", "unknown_value"))
            })
            .collect(),
    }
}

async fn list_inbound(
    _: Owner,
    state: web::Data<AppState>,
    query: web::Query<InboundQuery>,
) -> Result<HttpResponse, AppError> {
    let states = parse_states(query.state.as_deref())?;
    let calls = state
        .db
        .run(move |conn| inbound::list(conn, &states, 200).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "calls": calls })))
}

async fn assign_operator(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<InboundId>,
    body: web::Json<MapBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let operator = body.into_inner().operator_id;
    let recording = state
        .db
        .write(move |conn| inbound::assign(conn, &id, &operator, &owner.user_id))
        .await?;
    state.workers.wake();
    Ok(HttpResponse::Created().json(serde_json::json!({ "recording_id": recording })))
}
