//! `/api/v1/recordings`: upload (streamed to disk), list, details, the original audio (with
//! HTTP Range), retry, redaction ranges.

use actix_multipart::Multipart;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::accounts::Role;
use crate::db::ids::RecordingId;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::routes::{Access, RouteSink};
use crate::http::{Owner, SignedIn};
use crate::i18n::Lang;
use crate::recordings::intake::Duplicates;
use crate::recordings::store::Kind;
use crate::recordings::{Recording, RecordingStatus, RedactionKind, RedactionRange};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::POST,
        "/api/v1/recordings",
        Access::OwnerOrKey,
        upload,
    );
    r.add(Method::GET, "/api/v1/recordings", Access::Owner, list);
    r.add(
        Method::GET,
        "/api/v1/recordings/{id}",
        Access::SignedIn,
        details,
    );
    r.add(
        Method::GET,
        "/api/v1/recordings/{id}/audio",
        Access::SignedIn,
        original_audio,
    );
    r.add(
        Method::POST,
        "/api/v1/recordings/{id}/retry",
        Access::Owner,
        retry,
    );
    r.add(
        Method::PUT,
        "/api/v1/recordings/{id}/redactions",
        Access::Owner,
        set_redactions,
    );
    r.add(
        Method::PUT,
        "/api/v1/recordings/{id}/outcome",
        Access::Owner,
        set_outcome,
    );
    r.add(
        Method::POST,
        "/api/v1/outcomes",
        Access::Owner,
        import_outcomes,
    );
}

#[derive(Deserialize)]
struct OutcomeBody {
    /// `won`, `lost`, or null / `unknown` to clear it.
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// Sets how a call ended (owner only; reviewers never see it).
async fn set_outcome(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
    body: web::Json<OutcomeBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let stored = state
        .db
        .write(move |conn| {
            crate::recordings::outcome::set(
                conn,
                &owner.user_id,
                &id,
                body.outcome.as_deref(),
                body.reason.as_deref(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "outcome": stored.as_ref().map(|o| o.outcome),
        "reason": stored.and_then(|o| o.reason),
    })))
}

/// Outcomes in bulk from a CRM export: the CSV as the body (`external_id` or `recording_id`,
/// `outcome`, `reason`); all or nothing.
async fn import_outcomes(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let text = String::from_utf8(body.to_vec()).map_err(|_| AppError::field("file", "not_utf8"))?;
    let updated = state
        .db
        .write(move |conn| crate::recordings::outcome::import(conn, &owner.user_id, &text))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "updated": updated })))
}

#[derive(Serialize)]
struct Queued {
    id: RecordingId,
    status: RecordingStatus,
}

/// What an upload through the ingest path answers: the recording (once there is one), and
/// the inbound call it is known by.
#[derive(Serialize)]
struct Ingested {
    id: Option<RecordingId>,
    status: String,
    inbound_id: crate::db::ids::InboundId,
    external_id: String,
    /// This external id was sent before: nothing new was stored.
    repeat: bool,
}

/// `POST /api/v1/recordings`. A plain owner upload (operator and script by id) is kept at
/// once, as always. With an `external_id` (the PBX's call id), an `operator_extension`, an
/// `outcome` or a `language`, or from a machine key, it goes through the ingest path: the
/// same external id twice is the same call (200 with what it became), and a call whose
/// extension no operator has yet waits for one.
async fn upload(
    who: crate::http::session::Ingester,
    lang: Lang,
    state: web::Data<AppState>,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    use crate::http::session::Ingester;
    use crate::ingest::inbound::{self, Claim, Delivered, Sender};

    let upload = crate::http::upload::receive(multipart, &state).await?;
    if upload.files.len() > 1 {
        upload.discard();
        return Err(AppError::field("file", "one_file_per_request"));
    }
    let fields = upload.call_fields();
    let plain = fields.external_id.is_none()
        && fields.operator_extension.is_none()
        && fields.outcome.is_none()
        && fields.language.is_none();
    let (owner, key) = match who {
        Ingester::Owner(owner) if plain => {
            // `if_new=true` (the upload page sends it): a file already uploaded is refused.
            let duplicates = match upload.fields.get("if_new").map(|v| v.trim()) {
                Some("true") => Duplicates::Skip,
                _ => Duplicates::Keep,
            };
            let kept = crate::http::upload::keep_all(&state, &owner, upload, duplicates).await?;
            if let Some((_, existing)) = kept.duplicates.into_iter().next() {
                let error = AppError::Conflict("duplicate_file");
                return Ok(HttpResponse::Conflict().json(serde_json::json!({
                    "error": {"code": error.code(), "message": error.message(lang)},
                    "existing_id": existing,
                })));
            }
            let recording = kept
                .recordings
                .into_iter()
                .next()
                .ok_or(AppError::internal("nothing kept"))?;
            return Ok(HttpResponse::Accepted().json(Queued {
                id: recording.id,
                status: recording.status,
            }));
        }
        Ingester::Owner(owner) => (Some(owner), None),
        Ingester::Key(key) => (None, Some(key)),
    };
    let Some(file) = upload.files.into_iter().next() else {
        return Err(AppError::field("file", "required"));
    };
    let mut fields = fields;
    if fields.external_id.is_none() {
        // No id to be idempotent on: the call is still tracked (it may wait for an operator).
        fields.external_id = Some(format!("upload:{}", uuid::Uuid::new_v4()));
    }
    let sender = Sender {
        source: crate::ingest::Source::Api,
        name: key.as_ref().map(|k| k.name.clone()),
    };
    let store = state.store.clone();
    let (claim, delivered) = state
        .db
        .run(move |conn| {
            let uploaded_by = owner.as_ref().map(|o| &o.user_id);
            let outcome = inbound::receive(conn, &store, &sender, &fields, file, uploaded_by)?;
            if let Some(key) = &key {
                let (call, repeat) = match &outcome.0 {
                    Claim::New(call) => (call, false),
                    Claim::Existing(call) => (call, true),
                };
                crate::ingest::keys::record_use(
                    conn,
                    key,
                    "api_key.use",
                    call.id.as_str(),
                    serde_json::json!({ "external_id": call.external_id, "repeat": repeat }),
                )?;
            }
            Ok::<_, AppError>(outcome)
        })
        .await?;
    state.workers.wake();
    let (call, status, repeat, recording) = match (claim, delivered) {
        (Claim::New(call), Some(Delivered::Accepted(recording))) => {
            let status = recording.status.as_str().to_owned();
            (call, status, false, Some(recording.id))
        }
        (Claim::New(call), Some(Delivered::NeedsOperator(waiting))) => {
            (call, waiting.state.as_str().to_owned(), false, None)
        }
        (Claim::New(call), None) | (Claim::Existing(call), _) => {
            let status = match call.recording_id.clone() {
                Some(id) => state
                    .db
                    .run(move |conn| Recording::find(conn, &id).map_err(AppError::from))
                    .await?
                    .map(|r| r.status.as_str().to_owned()),
                None => None,
            };
            let status = status.unwrap_or_else(|| call.state.as_str().to_owned());
            let recording = call.recording_id.clone();
            (call, status, true, recording)
        }
    };
    let answer = Ingested {
        id: recording,
        status,
        inbound_id: call.id,
        external_id: call.external_id,
        repeat,
    };
    Ok(if repeat {
        HttpResponse::Ok().json(answer)
    } else {
        HttpResponse::Accepted().json(answer)
    })
}

async fn details(
    SignedIn(session): SignedIn,
    lang: Lang,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
) -> Result<HttpResponse, AppError> {
    let (recording, script_id, number, redactions) =
        crate::recordings::view::visible(&state.db, &session.viewer(), id.into_inner()).await?;
    let for_owner = session.role == Role::Owner;
    let mut shown = crate::recordings::view::view(
        recording,
        script_id,
        number,
        Some(redactions),
        for_owner,
        lang,
    );
    if for_owner {
        let id = shown.id.clone();
        shown.outcome = state
            .db
            .run(move |conn| crate::recordings::outcome::of(conn, &id).map_err(AppError::from))
            .await?;
    }
    Ok(HttpResponse::Ok().json(shown))
}

/// The original audio for its owner and operator, with Range support for seeking.
///
/// The uploaded file can hold anything and its name is the uploader's, so neither decides
/// how a browser treats it: it is sent as the audio type the decoder finds in it (so the
/// pages' players can play it) or else as opaque bytes, always as a download under its
/// (sanitized) name and never sniffed — an HTML or SVG file named or disguised as a call
/// is never rendered in this origin.
async fn original_audio(
    SignedIn(session): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
) -> Result<HttpResponse, AppError> {
    use actix_web::http::header::{self, HeaderValue};

    let (recording, ..) =
        crate::recordings::view::visible(&state.db, &session.viewer(), id.into_inner()).await?;
    let store = state.store.clone();
    let located = store
        .locate(Kind::Original, &recording.original_file)
        .map_err(AppError::internal)?;
    let media_type = sniff_media_type(&store, &located)
        .await
        .map_err(AppError::internal)?;
    let disposition =
        HeaderValue::from_str(&crate::http::download::attachment(&recording.original_name))
            .map_err(AppError::internal)?;
    let mut response = crate::http::stored_file::respond(
        &req,
        located,
        media_type.unwrap_or("application/octet-stream"),
    )
    .await?;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// The audio type the decoder finds in a stored original. One in the object store is judged
/// by its first 256 KiB, copied here for the decoder (enough for every container's header
/// but an MP4 whose index comes last, which is then sent as opaque bytes).
async fn sniff_media_type(
    store: &crate::recordings::store::AudioStore,
    located: &crate::recordings::store::Located,
) -> std::io::Result<Option<&'static str>> {
    use crate::recordings::store::Located;
    let (path, temporary) = match located {
        Located::Local(path) => (path.clone(), false),
        Located::Remote(..) => {
            let head = crate::http::stored_file::read_head(located, 256 * 1024).await?;
            let (path, file) = store.incoming()?;
            drop(file);
            std::fs::write(&path, head)?;
            (path, true)
        }
    };
    let media_type = web::block({
        let path = path.clone();
        move || crate::audio::media_type(&path)
    })
    .await
    .map_err(std::io::Error::other);
    if temporary {
        let _ = std::fs::remove_file(&path);
    }
    media_type
}

async fn list(
    Owner(owner): Owner,
    lang: Lang,
    state: web::Data<AppState>,
    query: web::Query<crate::http::query::ListQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter(&owner.zone)?;
    let limit = crate::recordings::LIST_LIMIT;
    let offset = (crate::http::query::page_number(&query.page)? - 1) * limit;
    let (rows, total) = state
        .db
        .run(move |conn| {
            let total = Recording::count(conn, &filter)?;
            let recordings = Recording::list(conn, &filter, offset, limit)?;
            let mut rows = Vec::with_capacity(recordings.len());
            for recording in recordings {
                let bound = recording.bound_version(conn)?;
                rows.push((recording, bound));
            }
            Ok::<_, AppError>((rows, total))
        })
        .await?;
    let views: Vec<crate::recordings::view::RecordingView> = rows
        .into_iter()
        .map(|(recording, bound)| {
            crate::recordings::view::view(
                recording,
                bound.script_id,
                bound.number,
                None,
                true,
                lang,
            )
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("X-Total-Count", total.to_string()))
        .json(views))
}

async fn retry(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let requeued = id.clone();
    state
        .db
        .run(move |conn| {
            Recording::find(conn, &requeued)?.ok_or(AppError::NotFound)?;
            Recording::requeue(conn, &requeued).map_err(AppError::from)
        })
        .await?;
    state.workers.wake();
    Ok(HttpResponse::Accepted().json(Queued {
        id,
        status: RecordingStatus::Queued,
    }))
}

#[derive(Deserialize)]
struct RedactionsBody {
    redactions: Vec<RedactionBody>,
}

#[derive(Deserialize)]
struct RedactionBody {
    start_ms: i64,
    end_ms: i64,
    #[serde(default)]
    mode: Option<String>,
}

async fn set_redactions(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
    body: web::Json<RedactionsBody>,
) -> Result<HttpResponse, AppError> {
    let mut ranges = Vec::new();
    for (index, range) in body.into_inner().redactions.into_iter().enumerate() {
        let mode = match range.mode.as_deref() {
            None => RedactionKind::Silence,
            Some(word) => RedactionKind::parse(word).ok_or_else(|| {
                AppError::field(format!("redactions[{index}].mode"), "unknown_value")
            })?,
        };
        ranges.push(RedactionRange {
            start_ms: range.start_ms,
            end_ms: range.end_ms,
            mode,
        });
    }
    let id = id.into_inner();
    state
        .db
        .run(move |conn| Recording::set_redactions(conn, &id, &ranges))
        .await?;
    state.workers.wake();
    Ok(HttpResponse::NoContent().finish())
}
