//! `/api/v1/recordings`: upload (streamed to disk), list, details, the original audio (with
//! HTTP Range), retry, redaction ranges; and `/api/v1/settings`, the owner's shared settings.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::accounts::{Owner, Role, Session, SignedIn};
use crate::db::ids::{OperatorId, RecordingId, ScriptId};
use crate::db::time::serde_rfc3339;
use crate::error::{AppError, FieldProblem};
use crate::i18n::Lang;
use crate::org_settings::{OrgSettings, SettingsInput};
use crate::recordings::intake::{self, RawMetadata, ReceivedFile, Receiver};
use crate::recordings::store::Kind;
use crate::recordings::{
    Direction, Recording, RecordingFilter, RecordingStatus, RedactionKind, RedactionRange,
};
use crate::routes::{Access, RouteSink};
use crate::startup::AppState;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::POST, "/api/v1/recordings", Access::Owner, upload);
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
    r.add(Method::GET, "/api/v1/settings", Access::Owner, get_settings);
    r.add(Method::PUT, "/api/v1/settings", Access::Owner, put_settings);
}

/// A multipart body taken apart: the files (already on disk in `incoming/`) and the fields.
pub struct Upload {
    pub files: Vec<ReceivedFile>,
    pub fields: HashMap<String, String>,
}

impl Upload {
    pub fn discard(self) {
        for file in self.files {
            file.discard();
        }
    }

    pub fn metadata(&self) -> RawMetadata {
        let field = |name: &str| self.fields.get(name).cloned();
        RawMetadata {
            operator_id: field("operator_id"),
            script_id: field("script_id"),
            called_at: field("called_at"),
            direction: field("direction"),
            customer_number: field("customer_number"),
            reviews_required: field("reviews_required"),
        }
    }
}

/// The most files one multipart upload may carry, and the longest text field.
const MAX_FILES: usize = 100;
const MAX_FIELD_BYTES: usize = 4096;

/// Streams every `file` part to disk (never holding a whole file in memory) and collects the
/// text fields. Over the size limit: 413, with nothing kept.
pub async fn receive(mut multipart: Multipart, state: &AppState) -> Result<Upload, AppError> {
    let limit = state.settings.max_upload_bytes();
    let mut upload = Upload {
        files: Vec::new(),
        fields: HashMap::new(),
    };
    let outcome: Result<(), AppError> = async {
        while let Some(mut field) = multipart
            .try_next()
            .await
            .map_err(|_| AppError::BadRequest("invalid_multipart"))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                if upload.files.len() >= MAX_FILES {
                    return Err(AppError::field("file", "too_many_files"));
                }
                let file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("upload")
                    .to_owned();
                let mut receiver =
                    Receiver::new(&state.store, &file_name, limit).map_err(AppError::internal)?;
                loop {
                    match field.try_next().await {
                        Ok(Some(chunk)) => receiver.write(&chunk)?,
                        Ok(None) => break,
                        Err(_) => {
                            receiver.discard();
                            return Err(AppError::BadRequest("invalid_multipart"));
                        }
                    }
                }
                upload.files.push(receiver.finish()?);
            } else {
                let mut value = Vec::new();
                while let Some(chunk) = field
                    .try_next()
                    .await
                    .map_err(|_| AppError::BadRequest("invalid_multipart"))?
                {
                    value.extend_from_slice(&chunk);
                    if value.len() > MAX_FIELD_BYTES {
                        return Err(AppError::Validation(vec![
                            FieldProblem::new(name, "too_long").with("max", MAX_FIELD_BYTES),
                        ]));
                    }
                }
                let value = String::from_utf8_lossy(&value).into_owned();
                if let Some(problem) = crate::input_guard::text_problem(&name, &value) {
                    return Err(AppError::Validation(vec![problem]));
                }
                upload.fields.insert(name, value);
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(upload),
        Err(error) => {
            upload.discard();
            Err(error)
        }
    }
}

/// Keeps each received file as a recording (stopping at the first refusal, which discards
/// the files not yet kept) and wakes the workers.
pub async fn keep_all(
    state: &AppState,
    owner: &Session,
    upload: Upload,
) -> Result<Vec<Recording>, AppError> {
    if upload.files.is_empty() {
        upload.discard();
        return Err(AppError::field("file", "required"));
    }
    let raw = upload.metadata();
    let store = state.store.clone();
    let owner_id = owner.user_id.clone();
    let kept = state
        .db
        .run(move |conn| {
            let mut kept = Vec::new();
            let mut files = upload.files.into_iter();
            while let Some(file) = files.next() {
                match intake::accept(conn, &store, file, &raw, Some(&owner_id)) {
                    Ok(recording) => kept.push(recording),
                    Err(error) => {
                        files.for_each(ReceivedFile::discard);
                        return Err(error);
                    }
                }
            }
            Ok(kept)
        })
        .await?;
    state.workers.wake();
    Ok(kept)
}

#[derive(Serialize)]
struct Queued {
    id: RecordingId,
    status: RecordingStatus,
}

async fn upload(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let upload = receive(multipart, &state).await?;
    if upload.files.len() > 1 {
        upload.discard();
        return Err(AppError::field("file", "one_file_per_request"));
    }
    let kept = keep_all(&state, &owner, upload).await?;
    let recording = kept
        .into_iter()
        .next()
        .ok_or(AppError::internal("nothing kept"))?;
    Ok(HttpResponse::Accepted().json(Queued {
        id: recording.id,
        status: recording.status,
    }))
}

/// A recording as the owner (everything) or its own operator (no file or customer details)
/// sees it.
#[derive(Serialize)]
pub struct RecordingView {
    pub id: RecordingId,
    pub status: RecordingStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub duration_ms: Option<i64>,
    pub operator_id: OperatorId,
    pub script_id: ScriptId,
    pub script_version: i32,
    pub reviews_required: i32,
    pub reviews_done: i32,
    #[serde(serialize_with = "serde_rfc3339::option::serialize")]
    pub called_at: Option<crate::db::time::Timestamp>,
    pub direction: Option<Direction>,
    pub channels: Option<i32>,
    pub sample_rate: Option<i32>,
    #[serde(serialize_with = "serde_rfc3339::serialize")]
    pub created_at: crate::db::time::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redactions: Option<Vec<RedactionRange>>,
}

/// The failure explained in `lang` (the stored detail is in English, for the log).
pub fn failure_message(code: &str, lang: Lang) -> String {
    let key = format!("recording-error-{}", code.replace('_', "-"));
    if lang.has(&key) {
        lang.translate(&key)
    } else {
        lang.translate("recording-error-unknown")
    }
}

pub fn view(
    recording: Recording,
    script_id: ScriptId,
    script_version: i32,
    redactions: Option<Vec<RedactionRange>>,
    for_owner: bool,
    lang: Lang,
) -> RecordingView {
    RecordingView {
        error: recording
            .error_code
            .as_deref()
            .map(|c| failure_message(c, lang)),
        error_code: recording.error_code,
        id: recording.id,
        status: recording.status,
        duration_ms: recording.duration_ms,
        operator_id: recording.operator_id,
        script_id,
        script_version,
        reviews_required: recording.reviews_required,
        reviews_done: recording.reviews_done,
        called_at: recording.called_at,
        direction: recording.direction,
        channels: recording.channels,
        sample_rate: recording.sample_rate,
        created_at: recording.created_at,
        original_name: for_owner.then_some(recording.original_name),
        customer_number: if for_owner {
            recording.customer_number
        } else {
            None
        },
        size_bytes: for_owner.then_some(recording.size_bytes),
        voice_mode: for_owner.then_some(recording.voice_mode),
        redactions: if for_owner { redactions } else { None },
    }
}

/// The recording if this user may see it: owners all, an operator only their own (another
/// operator's looks like no recording at all), reviewers none through this route.
pub async fn visible(
    state: &AppState,
    session: &Session,
    id: RecordingId,
) -> Result<(Recording, ScriptId, i32, Vec<RedactionRange>), AppError> {
    if session.role == Role::Reviewer {
        return Err(AppError::Forbidden);
    }
    let (recording, bound, redactions) = state
        .db
        .run(move |conn| {
            let recording = Recording::find(conn, &id)?.ok_or(AppError::NotFound)?;
            let bound = recording.bound_version(conn)?;
            let redactions = Recording::redactions(conn, &id)?;
            Ok::<_, AppError>((recording, bound, redactions))
        })
        .await?;
    if session.role == Role::Operator
        && session.operator_id.as_ref() != Some(&recording.operator_id)
    {
        return Err(AppError::NotFound);
    }
    Ok((recording, bound.script_id, bound.number, redactions))
}

async fn details(
    SignedIn(session): SignedIn,
    lang: Lang,
    state: web::Data<AppState>,
    id: web::Path<RecordingId>,
) -> Result<HttpResponse, AppError> {
    let (recording, script_id, number, redactions) =
        visible(&state, &session, id.into_inner()).await?;
    let for_owner = session.role == Role::Owner;
    Ok(HttpResponse::Ok().json(view(
        recording,
        script_id,
        number,
        Some(redactions),
        for_owner,
        lang,
    )))
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

    let (recording, ..) = visible(&state, &session, id.into_inner()).await?;
    let path = state
        .store
        .path(Kind::Original, &recording.original_file)
        .map_err(AppError::internal)?;
    let (path, media_type) = web::block(move || {
        let media_type = crate::audio::media_type(&path);
        (path, media_type)
    })
    .await
    .map_err(AppError::internal)?;
    let content_type = media_type
        .unwrap_or("application/octet-stream")
        .parse()
        .map_err(AppError::internal)?;
    let disposition =
        HeaderValue::from_str(&crate::web::download::attachment(&recording.original_name))
            .map_err(AppError::internal)?;
    let file = actix_files::NamedFile::open(&path)
        .map_err(AppError::internal)?
        .set_content_type(content_type)
        .disable_content_disposition();
    let mut response = file.into_response(&req);
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

#[derive(Deserialize)]
pub struct ListQuery {
    pub operator_id: Option<String>,
    pub status: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
}

impl ListQuery {
    pub fn filter(&self) -> Result<RecordingFilter, AppError> {
        let day = crate::db::time::day_bound;
        let status = match self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(word) => Some(
                RecordingStatus::parse(word)
                    .ok_or_else(|| AppError::field("status", "unknown_value"))?,
            ),
        };
        Ok(RecordingFilter {
            operator_id: self
                .operator_id
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(OperatorId::from_raw),
            status,
            from: day("from", &self.from, 0)?,
            until: day("to", &self.to, 1)?,
        })
    }
}

/// The most recordings one list returns.
pub const LIST_LIMIT: i64 = 500;

async fn list(
    _: Owner,
    lang: Lang,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter()?;
    let rows = state
        .db
        .run(move |conn| {
            let recordings = Recording::list(conn, &filter, LIST_LIMIT)?;
            let mut rows = Vec::with_capacity(recordings.len());
            for recording in recordings {
                let bound = recording.bound_version(conn)?;
                rows.push((recording, bound));
            }
            Ok::<_, AppError>(rows)
        })
        .await?;
    let views: Vec<RecordingView> = rows
        .into_iter()
        .map(|(recording, bound)| view(recording, bound.script_id, bound.number, None, true, lang))
        .collect();
    Ok(HttpResponse::Ok().json(views))
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
