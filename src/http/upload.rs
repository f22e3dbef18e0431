//! Multipart uploads, shared by the upload page and the API: every `file` part streamed to
//! the audio store's `incoming/` (never held whole in memory), the text fields collected and
//! checked, then each file kept as a recording.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::TryStreamExt;

use crate::error::AppError;
use crate::http::{AppState, Session};
use crate::recordings::intake::{self, RawMetadata, ReceivedFile, Receiver};
use crate::validation::FieldProblem;

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

    /// The fields as the ingest path reads them (external id, extension, outcome, language).
    pub fn call_fields(&self) -> crate::ingest::CallFields {
        let field = |name: &str| {
            self.fields
                .get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        crate::ingest::CallFields {
            external_id: field("external_id"),
            operator_id: field("operator_id"),
            operator_extension: field("operator_extension"),
            script_id: field("script_id"),
            called_at: field("called_at"),
            direction: field("direction"),
            customer_number: field("customer_number"),
            outcome: field("outcome"),
            language: field("language"),
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
                if let Some(problem) = crate::http::input_guard::text_problem(&name, &value) {
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
/// the files not yet kept) and wakes the workers. `duplicates` says what becomes of a file
/// the store already has.
pub async fn keep_all(
    state: &AppState,
    owner: &Session,
    upload: Upload,
    duplicates: intake::Duplicates,
) -> Result<intake::Kept, AppError> {
    if upload.files.is_empty() {
        upload.discard();
        return Err(AppError::field("file", "required"));
    }
    let raw = upload.metadata();
    intake::keep_all(
        &state.db,
        &state.store,
        &state.workers,
        &owner.user_id,
        upload.files,
        raw,
        duplicates,
    )
    .await
    .map_err(AppError::from)
}
