//! Connectors over HTTP: the owner sets them up (`/api/v1/connectors`), reads what each
//! received and sends a test event; a PBX sends its signed events to `/hooks/{vendor}`
//! (Mango Office to `/hooks/mango/events/{kind}`), which answer at once (the download runs
//! as a job). See [`crate::connectors`].

use actix_web::http::Method;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::connectors::{
    self, Answer, Changes, Vendor, generic, mango, megafon, self_test, zadarma,
};
use crate::error::AppError;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::ingest::IngestError;
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
    r.add(
        Method::POST,
        "/api/v1/connectors/{vendor}/test",
        Access::Owner,
        test_connector,
    );
    r.add(Method::POST, "/hooks/generic", Access::Public, generic_hook);
    r.add(
        Method::POST,
        "/hooks/mango/events/record/added",
        Access::Public,
        mango_record_added,
    );
    r.add(
        Method::POST,
        "/hooks/mango/events/{kind}",
        Access::Public,
        mango_event,
    );
    r.add(Method::GET, "/hooks/zadarma", Access::Public, zadarma_echo);
    r.add(Method::POST, "/hooks/zadarma", Access::Public, zadarma_hook);
    r.add(Method::POST, "/hooks/megafon", Access::Public, megafon_hook);
}

pub(crate) fn vendor(word: &str) -> Result<Vendor, AppError> {
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

async fn save_connector(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Changes>,
) -> Result<HttpResponse, AppError> {
    let vendor = vendor(&path)?;
    let changes = body.into_inner();
    let base = state.base_url.clone();
    let view = state
        .db
        .write(move |conn| {
            connectors::save(conn, vendor, &changes, &owner.user_id)?;
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

/// Sends a test event to the connector's own webhook: 200 `{"arrived": true}`, or
/// `{"arrived": false, "reason": …}` saying what went wrong.
async fn test_connector(
    _: Owner,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let vendor = vendor(&path)?;
    let outcome = send_test(&state, vendor).await?;
    Ok(HttpResponse::Ok().json(match outcome {
        Ok(()) => serde_json::json!({ "arrived": true }),
        Err(failure) => serde_json::json!({ "arrived": false, "reason": failure.to_string() }),
    }))
}

/// Sends `vendor`'s test event; one that does not come through is noted in the connector's
/// events as `test_failed` with the reason (one that does is noted by the receiving side).
/// The outer error is the database's.
pub(crate) async fn send_test(
    state: &AppState,
    vendor: Vendor,
) -> Result<Result<(), self_test::TestFailure>, AppError> {
    let settings = state
        .db
        .run(move |conn| connectors::stored(conn, vendor).map_err(AppError::from))
        .await?;
    let outcome = match settings {
        None => Err(self_test::TestFailure::NotConfigured),
        Some(settings) => {
            self_test::send(&state.base_url, self_test::event(vendor, &settings)).await
        }
    };
    if let Err(failure) = &outcome {
        let reason = failure.to_string();
        state
            .db
            .write(move |conn| {
                connectors::log_event(conn, vendor, "test_failed", None, Some(&reason))
                    .map_err(AppError::from)
            })
            .await?;
    }
    Ok(outcome)
}

fn header(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Answers a vendor's event: `new` for a new call (202 for the generic connector, whose
/// senders are scripts; 200 for a PBX), 200 for a repeat, an ignored event or a test.
async fn answer(
    state: &AppState,
    new: actix_web::http::StatusCode,
    receive: impl FnOnce(
        &mut crate::db::DbConnection,
    ) -> Result<Result<Answer, IngestError>, IngestError>
    + Send
    + 'static,
) -> Result<HttpResponse, AppError> {
    let answer = state.db.write(receive).await??;
    let claim = match answer {
        Answer::Call(claim) => *claim,
        Answer::Ignored(reason) => {
            return Ok(HttpResponse::Ok().json(serde_json::json!({ "ignored": reason })));
        }
        Answer::Test => return Ok(HttpResponse::Ok().json(serde_json::json!({ "test": true }))),
    };
    state.workers.wake();
    let call = connectors::call_of(&claim);
    let body = serde_json::json!({
        "inbound_id": call.id,
        "external_id": call.external_id,
        "state": call.state,
        "recording_id": call.recording_id,
        "repeat": matches!(claim, Claim::Existing(_)),
    });
    Ok(match claim {
        Claim::New(_) => HttpResponse::build(new).json(body),
        Claim::Existing(_) => HttpResponse::Ok().json(body),
    })
}

/// The generic connector's event: 202 for a new call (its download queued), 200 for a
/// repeat, 401 for a bad signature (nothing stored), 422 for a bad body.
async fn generic_hook(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: Bytes,
) -> Result<HttpResponse, AppError> {
    let signature = header(&request, generic::SIGNATURE_HEADER);
    answer(&state, actix_web::http::StatusCode::ACCEPTED, move |conn| {
        generic::receive(conn, &body, signature.as_deref())
    })
    .await
}

/// Mango Office's `record/added`.
async fn mango_record_added(
    state: web::Data<AppState>,
    body: Bytes,
) -> Result<HttpResponse, AppError> {
    answer(&state, actix_web::http::StatusCode::OK, move |conn| {
        mango::receive(conn, mango::RECORD_ADDED, &body)
    })
    .await
}

/// Mango Office's other events (calls, summaries): checked and noted.
async fn mango_event(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, AppError> {
    let kind = path.into_inner();
    answer(&state, actix_web::http::StatusCode::OK, move |conn| {
        mango::receive(conn, &kind, &body)
    })
    .await
}

#[derive(Deserialize)]
struct Echo {
    #[serde(default)]
    zd_echo: Option<String>,
}

/// Zadarma's check of the webhook's address: the value of `zd_echo`, as plain text.
async fn zadarma_echo(query: web::Query<Echo>) -> Result<HttpResponse, AppError> {
    let Some(value) = query.into_inner().zd_echo else {
        return Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("callqa: Zadarma events are posted here"));
    };
    let value = zadarma::echo(&value).ok_or(AppError::BadRequest("invalid_echo"))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(value.to_owned()))
}

async fn zadarma_hook(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: Bytes,
) -> Result<HttpResponse, AppError> {
    let signature = header(&request, zadarma::SIGNATURE_HEADER);
    answer(&state, actix_web::http::StatusCode::OK, move |conn| {
        zadarma::receive(conn, &body, signature.as_deref())
    })
    .await
}

async fn megafon_hook(state: web::Data<AppState>, body: Bytes) -> Result<HttpResponse, AppError> {
    answer(&state, actix_web::http::StatusCode::OK, move |conn| {
        megafon::receive(conn, &body)
    })
    .await
}
