//! Calls that arrive by themselves, from a PBX or a script, rather than by hand:
//!
//! - [`keys`]: machine keys (`cq_…`) that may send recordings and nothing else;
//! - [`extensions`]: the PBX's extension or employee ids, mapped to operators;
//! - [`inbound`]: a call known by its external id (the PBX's call id), idempotent however
//!   often it is sent, that becomes a recording once its file is here and its operator known.
//!
//! The fields a call may come with ([`CallFields`]) are the same for the ingest API, the
//! connectors and the generic webhook; they are checked here once.

pub mod extensions;
pub mod inbound;
pub mod keys;

use diesel::prelude::*;
use serde::Deserialize;

use crate::db::ids::{OperatorId, ScriptId};
use crate::db::schema::scripts;
use crate::db::{DbConnection, DbError};
use crate::languages::CallLanguage;
use crate::recordings::RecordingError;
use crate::recordings::intake::{Details, RawMetadata, present};
use crate::validation::FieldProblem;

/// What can go wrong taking in a call or managing keys and extensions.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("not found")]
    NotFound,
    /// The file is one the store already has (same content), as the recording named.
    #[error("the same file is already recording {0}")]
    DuplicateFile(crate::db::ids::RecordingId),
    /// A connector's event whose signature does not match its secret.
    #[error("the event's signature does not match")]
    BadSignature,
    /// An event for a connector the owner has not set up.
    #[error("this connector is not set up")]
    NotConfigured,
    #[error(transparent)]
    Recording(#[from] RecordingError),
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(IngestError);

crate::text_enum! {
    /// Where a call came from.
    Source {
        /// `POST /api/v1/recordings` (a key or the owner) or the web upload.
        Api = "api",
        Mango = "mango",
        Zadarma = "zadarma",
        Megafon = "megafon",
        Generic = "generic",
    }
}

pub use crate::recordings::outcome::Outcome;

/// The longest external id and extension accepted.
pub const MAX_EXTERNAL_ID: usize = 200;
pub const MAX_EXTENSION: usize = 64;

/// A call's fields as they arrive (form, multipart, JSON, a vendor's event): all text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CallFields {
    pub external_id: Option<String>,
    pub operator_id: Option<String>,
    pub operator_extension: Option<String>,
    pub script_id: Option<String>,
    pub called_at: Option<String>,
    pub direction: Option<String>,
    pub customer_number: Option<String>,
    pub outcome: Option<String>,
    pub language: Option<String>,
    pub reviews_required: Option<String>,
}

/// [`CallFields`] checked (references not yet resolved).
#[derive(Debug, Clone, Default)]
pub struct CheckedFields {
    pub external_id: Option<String>,
    pub operator_id: Option<OperatorId>,
    pub operator_extension: Option<String>,
    pub script_id: Option<ScriptId>,
    pub details: Details,
    pub outcome: Option<Outcome>,
    pub language: Option<CallLanguage>,
}

fn bounded(
    field: &str,
    value: &Option<String>,
    max: usize,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    let value = present(value)?;
    if value.chars().count() > max {
        problems.push(FieldProblem::new(field, "too_long").with("max", max));
        return None;
    }
    Some(value.to_owned())
}

impl CallFields {
    /// Checks every field that needs no database; every problem at once.
    pub fn check(&self) -> Result<CheckedFields, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let external_id = bounded(
            "external_id",
            &self.external_id,
            MAX_EXTERNAL_ID,
            &mut problems,
        );
        let operator_extension = bounded(
            "operator_extension",
            &self.operator_extension,
            MAX_EXTENSION,
            &mut problems,
        );
        let raw = RawMetadata {
            called_at: self.called_at.clone(),
            direction: self.direction.clone(),
            customer_number: self.customer_number.clone(),
            reviews_required: self.reviews_required.clone(),
            ..RawMetadata::default()
        };
        let details = raw.parse_details(&mut problems);
        let outcome = match present(&self.outcome) {
            None => None,
            Some(word) => {
                let parsed = Outcome::parse(&word.to_lowercase());
                if parsed.is_none() {
                    problems.push(FieldProblem::new("outcome", "unknown_value"));
                }
                parsed
            }
        };
        let language = match present(&self.language) {
            None => None,
            Some(code) => match CallLanguage::check("language", &code.to_lowercase()) {
                Ok(language) => Some(language),
                Err(problem) => {
                    problems.push(problem);
                    None
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(CheckedFields {
            external_id,
            operator_id: present(&self.operator_id).map(OperatorId::from_raw),
            operator_extension,
            script_id: present(&self.script_id).map(ScriptId::from_raw),
            details,
            outcome,
            language,
        })
    }
}

/// The script a call is graded against: the one named, or else the only active script (of
/// the call's language, when it says). Several candidates and none named: the caller must
/// say which (`script_id` required); none at all: `no_script`.
pub fn resolve_script(
    conn: &mut DbConnection,
    named: Option<&ScriptId>,
    language: Option<CallLanguage>,
) -> Result<ScriptId, IngestError> {
    if let Some(id) = named {
        return match crate::scripts::current_version(conn, id)? {
            Some(_) => Ok(id.clone()),
            None => Err(FieldProblem::new("script_id", "unknown_script").into()),
        };
    }
    let mut query = scripts::table
        .filter(scripts::archived.eq(false))
        .select(scripts::id)
        .limit(2)
        .into_boxed();
    if let Some(language) = language {
        query = query.filter(scripts::language.eq(language.code()));
    }
    let found: Vec<ScriptId> = query.load(conn).map_err(DbError::from)?;
    match found.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(FieldProblem::new("script_id", "no_script").into()),
        _ => Err(FieldProblem::new("script_id", "required").into()),
    }
}
