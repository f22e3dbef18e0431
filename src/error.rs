//! The one error type at the HTTP edge. Domain modules return their own errors and convert
//! them into [`AppError`]; this file alone decides the status code, the stable snake_case
//! `code` and the message a person reads (translated, see `assets/locales/*/errors.ftl`).
//!
//! A handler's error first becomes a plain response here; the `localize` middleware in
//! [`crate::web::errors`] then renders it again in the requester's language, as JSON under
//! `/api/` and as a page everywhere else.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::accounts::AccountError;
use crate::assignments::AssignmentError;
use crate::dashboards::DashboardError;
use crate::db::DbError;
use crate::gaps::GapError;
use crate::i18n::{Lang, MessageArgs};
use crate::recordings::RecordingError;
use crate::reviews::ReviewError;
use crate::scripts::ScriptError;
use crate::validation::FieldProblem;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldProblem>),
    /// A malformed request (unparsable JSON, wrong content type); the code says which.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("not logged in")]
    Unauthenticated,
    #[error("wrong login or password")]
    BadCredentials,
    /// A signed request (a PBX's event) whose signature does not match.
    #[error("bad signature")]
    BadSignature,
    #[error("forbidden")]
    Forbidden,
    /// The asker may not do this now, for a reason the code names (403).
    #[error("refused: {0}")]
    Refused(&'static str),
    /// A browser request that changes state came from another site, or a page form's token
    /// does not match the session.
    #[error("cross-site request refused")]
    CsrfFailed,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request clashes with the current state; the code says how.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The thing existed but is no longer usable (a used or expired link); the code says which.
    #[error("gone: {0}")]
    Gone(&'static str),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests, retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database (or another service we depend on) does not answer.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A fault on our side: the cause is logged, the client gets only the code.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(field: impl Into<String>, code: &'static str) -> Self {
        AppError::Validation(vec![FieldProblem::new(field, code)])
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::BadCredentials | AppError::BadSignature => {
                StatusCode::UNAUTHORIZED
            }
            AppError::Forbidden | AppError::Refused(_) | AppError::CsrfFailed => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest(code)
            | AppError::Conflict(code)
            | AppError::Gone(code)
            | AppError::Refused(code) => code,
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "invalid_credentials",
            AppError::BadSignature => "bad_signature",
            AppError::Forbidden => "forbidden",
            AppError::CsrfFailed => "csrf_failed",
            AppError::NotFound => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Unavailable(_) => "service_unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// The person-readable message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let key = format!("error-{}", self.code().replace('_', "-"));
        match self {
            AppError::TooManyRequests { retry_after_secs } => {
                let mut args = MessageArgs::default();
                args.push("seconds", retry_after_secs);
                lang.translate_with(&key, &args)
            }
            _ => lang.translate(&key),
        }
    }

    /// Each field problem with its message in `lang`.
    pub fn field_messages(&self, lang: Lang) -> Vec<FieldMessage> {
        let AppError::Validation(problems) = self else {
            return Vec::new();
        };
        problems
            .iter()
            .map(|p| FieldMessage {
                field: p.field.clone(),
                code: p.code,
                message: p.message(lang),
            })
            .collect()
    }

    /// `{"error": {"code", "message", "fields"?}}` in `lang`, with `Retry-After` on 429.
    pub fn json_response(&self, lang: Lang) -> HttpResponse {
        let fields = self.field_messages(lang);
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.message(lang),
                fields: (!fields.is_empty()).then_some(fields),
            },
        };
        let mut response = HttpResponse::build(self.status());
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        response.json(body)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldMessage {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize)]
struct ErrorDetail {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<FieldMessage>>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(cause) => tracing::error!(%cause, "request failed"),
            AppError::Unavailable(cause) => tracing::warn!(%cause, "service unavailable"),
            _ => {}
        }
        self.json_response(Lang::default())
    }
}

impl From<DbError> for AppError {
    fn from(error: DbError) -> Self {
        AppError::Internal(error.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Internal(other.to_string()),
        }
    }
}

// Each domain's error, mapped to what a client sees, once. A domain's `Invalid` is a 422
// listing its field problems; `NotFound` a 404 (also for what exists but is not the asker's);
// its conflicts 409 with a code naming the state that stood in the way; `Db` a 500.

impl From<FieldProblem> for AppError {
    fn from(problem: FieldProblem) -> Self {
        AppError::Validation(vec![problem])
    }
}

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid(problems) => AppError::Validation(problems),
            AccountError::BadCredentials => AppError::BadCredentials,
            AccountError::Throttled { retry_after_secs } => {
                AppError::TooManyRequests { retry_after_secs }
            }
            AccountError::InviteInvalid => AppError::Gone("invite_invalid"),
            AccountError::NotFound => AppError::NotFound,
            AccountError::CannotDeactivateSelf => AppError::Conflict("cannot_deactivate_self"),
            AccountError::Db(db) => db.into(),
            AccountError::Crypto(cause) => AppError::Internal(cause),
        }
    }
}

impl From<ScriptError> for AppError {
    fn from(error: ScriptError) -> Self {
        match error {
            ScriptError::Invalid(problems) => AppError::Validation(problems),
            ScriptError::NotFound => AppError::NotFound,
            ScriptError::VersionConflict => AppError::Conflict("version_conflict"),
            ScriptError::Gap(gap) => gap.into(),
            ScriptError::Db(db) => db.into(),
        }
    }
}

impl From<crate::languages::LanguageError> for AppError {
    fn from(error: crate::languages::LanguageError) -> Self {
        use crate::languages::LanguageError;
        match error {
            LanguageError::Invalid(problems) => AppError::Validation(problems),
            LanguageError::NotFound => AppError::NotFound,
            LanguageError::Db(db) => db.into(),
        }
    }
}

impl From<AssignmentError> for AppError {
    fn from(error: AssignmentError) -> Self {
        match error {
            AssignmentError::Invalid(problems) => AppError::Validation(problems),
            AssignmentError::NotFound => AppError::NotFound,
            AssignmentError::Finished => AppError::Conflict("assignment_finished"),
            AssignmentError::AudioRebuilding => AppError::Conflict("audio_rebuilding"),
            AssignmentError::Paused => AppError::Refused("reviewer_paused"),
            AssignmentError::Db(db) => db.into(),
        }
    }
}

impl From<crate::disputes::DisputeError> for AppError {
    fn from(error: crate::disputes::DisputeError) -> Self {
        use crate::disputes::DisputeError;
        match error {
            DisputeError::Invalid(problems) => AppError::Validation(problems),
            DisputeError::NotFound => AppError::NotFound,
            DisputeError::NotReviewed => AppError::Conflict("not_reviewed"),
            DisputeError::WindowClosed => AppError::Conflict("dispute_window_closed"),
            DisputeError::AlreadyDisputed => AppError::Conflict("already_disputed"),
            DisputeError::AlreadyDecided => AppError::Conflict("already_decided"),
            DisputeError::Review(review) => review.into(),
            DisputeError::Db(db) => db.into(),
        }
    }
}

impl From<ReviewError> for AppError {
    fn from(error: ReviewError) -> Self {
        match error {
            ReviewError::Invalid { general, verdicts } => AppError::Validation(
                general
                    .into_iter()
                    .chain(verdicts.into_iter().map(|v| v.problem))
                    .collect(),
            ),
            ReviewError::NotFound => AppError::NotFound,
            ReviewError::AlreadySubmitted => AppError::Conflict("already_submitted"),
            ReviewError::Finished => AppError::Conflict("assignment_finished"),
            ReviewError::LeaseLost => AppError::Conflict("lease_lost"),
            ReviewError::NotReviewed => AppError::Conflict("not_reviewed"),
            ReviewError::AlreadyRejected => AppError::Conflict("already_rejected"),
            ReviewError::NotRejected => AppError::Conflict("not_rejected"),
            ReviewError::Db(db) => db.into(),
        }
    }
}

impl From<GapError> for AppError {
    fn from(error: GapError) -> Self {
        match error {
            GapError::Invalid(problems) => AppError::Validation(problems),
            GapError::NotFound => AppError::NotFound,
            GapError::NotOpen => AppError::Conflict("gap_not_open"),
            GapError::UndoExpired => AppError::Conflict("undo_expired"),
            GapError::Db(db) => db.into(),
        }
    }
}

impl From<RecordingError> for AppError {
    fn from(error: RecordingError) -> Self {
        match error {
            RecordingError::Invalid(problems) => AppError::Validation(problems),
            RecordingError::NotFound => AppError::NotFound,
            RecordingError::Forbidden => AppError::Forbidden,
            RecordingError::TooLarge => AppError::PayloadTooLarge,
            RecordingError::Storage(cause) => AppError::Internal(cause),
            RecordingError::Db(db) => db.into(),
        }
    }
}

impl From<crate::ingest::IngestError> for AppError {
    fn from(error: crate::ingest::IngestError) -> Self {
        use crate::ingest::IngestError;
        match error {
            IngestError::Invalid(problems) => AppError::Validation(problems),
            IngestError::NotFound => AppError::NotFound,
            IngestError::DuplicateFile(_) => AppError::Conflict("duplicate_file"),
            IngestError::BadSignature => AppError::BadSignature,
            IngestError::NotConfigured => AppError::NotFound,
            IngestError::Recording(recording) => recording.into(),
            IngestError::Db(db) => db.into(),
        }
    }
}

impl From<crate::sampling::SamplingError> for AppError {
    fn from(error: crate::sampling::SamplingError) -> Self {
        use crate::sampling::SamplingError;
        match error {
            SamplingError::Invalid(problems) => AppError::Validation(problems),
            SamplingError::NotFound => AppError::NotFound,
            SamplingError::Db(db) => db.into(),
        }
    }
}

impl From<DashboardError> for AppError {
    fn from(error: DashboardError) -> Self {
        match error {
            DashboardError::Invalid(problems) => AppError::Validation(problems),
            DashboardError::NotFound => AppError::NotFound,
            DashboardError::Db(db) => db.into(),
        }
    }
}

impl From<crate::pay::PayError> for AppError {
    fn from(error: crate::pay::PayError) -> Self {
        use crate::pay::PayError;
        match error {
            PayError::Invalid(problems) => AppError::Validation(problems),
            PayError::NotFound => AppError::NotFound,
            PayError::NothingToClose => AppError::Conflict("nothing_to_close"),
            PayError::ClosedMeanwhile => AppError::Conflict("period_closed_meanwhile"),
            PayError::NotApproved => AppError::Conflict("period_not_approved"),
            PayError::AlreadyPaid => AppError::Conflict("period_already_paid"),
            PayError::Db(db) => db.into(),
        }
    }
}

/// Maps errors raised by actix itself (unknown route, wrong method, body limits) onto the
/// same codes, so every error a client sees has the same shape.
pub fn from_status(status: StatusCode) -> AppError {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNAUTHORIZED => AppError::Unauthenticated,
        StatusCode::FORBIDDEN => AppError::Forbidden,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest("unsupported_media_type"),
        s if s.is_client_error() => AppError::BadRequest("bad_request"),
        s => AppError::Internal(format!("unexpected status {s}")),
    }
}
