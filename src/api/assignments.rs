//! `/api/v1/assignments`: a reviewer asks for a call, listens by its opaque code, skips it
//! or sends the review; `/api/v1/me/reviews` is their history and earnings.
//!
//! What a reviewer can fetch here carries nothing about the call's origin: the task JSON has
//! the code, length, deadline and checklist; the audio is the rebuilt MP3 (or the WAV of an
//! earlier version) under a neutral name, without dates (no Last-Modified, no ETag). Under the
//! address the task gives, which names the copy, the browser keeps it privately, so a reload
//! downloads nothing; the peaks and the plain address are never cached.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts::Role;
use crate::assignments::{self, AssignmentCode};
use crate::audio::CopyFormat;
use crate::dashboards::reviewer;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::routes::{Access, RouteSink};
use crate::http::stored_file;
use crate::http::{Listener, Reviewer, Session};
use crate::recordings::store::{Kind, Located};
use crate::reviews::{self, heard::RangeInput, validate::VerdictInput};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::POST,
        "/api/v1/assignments/next",
        Access::Reviewer,
        next,
    );
    r.add(
        Method::GET,
        "/api/v1/assignments/{code}/audio",
        Access::SignedIn,
        audio,
    );
    r.add(
        Method::GET,
        "/api/v1/assignments/{code}/peaks",
        Access::SignedIn,
        peaks,
    );
    r.add(
        Method::POST,
        "/api/v1/assignments/{code}/skip",
        Access::Reviewer,
        skip,
    );
    r.add(
        Method::POST,
        "/api/v1/assignments/{code}/review",
        Access::Reviewer,
        review,
    );
    r.add(
        Method::GET,
        "/api/v1/me/reviews",
        Access::Reviewer,
        my_reviews,
    );
}

/// The caller's live assignment or a newly drawn one, as a task; `None` when there is
/// nothing to review. Shared with the workspace page.
async fn next(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    Ok(
        match assignments::next_task(&state.db, session.user_id).await? {
            Some(task) => HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(task),
            None => HttpResponse::NoContent().finish(),
        },
    )
}

/// The reviewer copy's file of `kind` behind a code, for its holder or an owner.
async fn reviewer_file(
    session: &Session,
    state: &AppState,
    code: AssignmentCode,
    kind: Kind,
) -> Result<(String, Located), AppError> {
    let viewer = session.user_id.clone();
    let is_owner = session.role == Role::Owner;
    let (audio, peaks) = state
        .db
        .run(move |conn| assignments::reviewer_files(conn, &code, &viewer, is_owner))
        .await?;
    let name = if kind == Kind::Peaks { peaks } else { audio };
    let located = state
        .store
        .locate(kind, &name)
        .map_err(AppError::internal)?;
    Ok((name, located))
}

/// `?copy=…` on the audio address: which reviewer copy the client expects.
#[derive(Deserialize)]
struct AudioQuery {
    copy: Option<String>,
}

/// How long a browser may keep a reviewer copy fetched under its own address: a year. The
/// address names one copy (see [`assignments::audio_url`]), so what is kept never goes stale.
const CACHE_NAMED_COPY: &str = "private, max-age=31536000, immutable";

async fn audio(
    Listener(session): Listener,
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<AssignmentCode>,
    query: web::Query<AudioQuery>,
) -> Result<HttpResponse, AppError> {
    let (name, located) =
        reviewer_file(&session, &state, code.into_inner(), Kind::Reviewer).await?;
    // A copy asked for by name is served only while it is the current one: once the owner's
    // change to what is hidden is acknowledged, the old address serves nothing.
    let named = match &query.copy {
        None => false,
        Some(tag) if *tag == assignments::copy_tag(&name) => true,
        Some(_) => return Err(assignments::AssignmentError::AudioRebuilding.into()),
    };
    // Served as what the stored file is: copies built by earlier versions are WAV.
    let head = stored_file::read_head(&located, 12)
        .await
        .map_err(AppError::internal)?;
    let format = CopyFormat::sniff(&head)
        .ok_or_else(|| AppError::internal("a stored reviewer copy of unknown format"))?;
    let mut response = stored_file::respond(&req, located, format.media_type()).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("inline; filename=\"call.{}\"", format.extension()))
            .map_err(AppError::internal)?,
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if named { CACHE_NAMED_COPY } else { "no-store" }),
    );
    Ok(response)
}

async fn peaks(
    Listener(session): Listener,
    state: web::Data<AppState>,
    code: web::Path<AssignmentCode>,
) -> Result<HttpResponse, AppError> {
    let (_, located) = reviewer_file(&session, &state, code.into_inner(), Kind::Peaks).await?;
    let body = stored_file::read_head(&located, u64::MAX)
        .await
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[derive(Deserialize)]
struct SkipBody {
    #[serde(default)]
    reason: String,
}

async fn skip(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
    code: web::Path<AssignmentCode>,
    body: web::Json<SkipBody>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let reason = body.into_inner().reason;
    state
        .db
        .write(move |conn| assignments::skip(conn, &session.user_id, &code, &reason))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ReviewBody {
    #[serde(default)]
    pub verdicts: Vec<VerdictInput>,
    /// What the player played, `[[start_ms, end_ms], …]`; left out by a client that does not
    /// report it (then only the time since the draw counts).
    #[serde(default)]
    pub heard: Option<Vec<RangeInput>>,
}

async fn review(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
    code: web::Path<AssignmentCode>,
    body: web::Json<ReviewBody>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let ReviewBody { verdicts, heard } = body.into_inner();
    let ratio = state.settings.min_listen_ratio;
    let submitted = state
        .db
        .write(move |conn| {
            let heard = heard.as_deref();
            reviews::submit(conn, &session.user_id, &code, &verdicts, heard, ratio)
        })
        .await?;
    Ok(HttpResponse::Created().json(submitted))
}

async fn my_reviews(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let history = state
        .db
        .run(move |conn| {
            reviewer::history(conn, &session.user_id, &session.zone).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(history))
}
