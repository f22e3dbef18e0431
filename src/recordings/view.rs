//! A recording as people see it: everything for the owner, no file or customer details for
//! its own operator, nothing for anyone else (another operator's call looks like none).

use serde::Serialize;

use super::{Direction, Recording, RecordingError, RecordingStatus, RedactionRange};
use crate::accounts::Role;
use crate::db::Db;
use crate::db::ids::{OperatorId, RecordingId, ScriptId};
use crate::db::time::serde_rfc3339;
use crate::i18n::Lang;

/// Who is looking at a recording.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub role: Role,
    /// The operator record of an operator's login.
    pub operator_id: Option<OperatorId>,
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
    /// The reviews the call needs now (with dynamic overlap it moves between the bounds).
    pub reviews_required: i32,
    pub reviews_done: i32,
    /// The bounds of dynamic overlap; `null` when the call's overlap is fixed.
    pub reviews_min: Option<i32>,
    pub reviews_max: Option<i32>,
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
    /// For the owner: `left` or `right` when only the operator's side of a stereo call was
    /// disguised, `null` when the whole call was (or nothing was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_channel: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redactions: Option<Vec<RedactionRange>>,
    /// The call's place in its script's sampling plan, for the owner: `held` (in its
    /// period's sample, reviewed when the period ends) or `out` (not sampled); absent when
    /// it is reviewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<crate::sampling::Sample>,
    /// How the call ended, for the owner (absent while unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<super::outcome::CallOutcome>,
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

/// Whether processing a call that failed with `code` again can succeed: a server-side
/// failure (disk, database, something unexpected) can; a file that is empty, damaged,
/// truncated, too long or in a format callqa cannot read stays so, and a bad marked range
/// is fixed by changing the ranges (which rebuilds the copy by itself).
pub fn retry_can_help(code: &str) -> bool {
    !matches!(
        code,
        "audio_empty"
            | "audio_unsupported"
            | "audio_corrupt"
            | "audio_truncated"
            | "audio_too_long"
            | "audio_invalid_options"
    )
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
        reviews_min: recording.reviews_min,
        reviews_max: recording.reviews_max,
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
        voice_channel: for_owner.then_some(recording.voice_channel),
        redactions: if for_owner { redactions } else { None },
        sample: recording.sample.filter(|_| for_owner),
        outcome: None,
    }
}

/// The recording if this user may see it: owners all, an operator only their own (another
/// operator's looks like no recording at all), reviewers none through this route.
pub async fn visible(
    db: &Db,
    viewer: &Viewer,
    id: RecordingId,
) -> Result<(Recording, ScriptId, i32, Vec<RedactionRange>), RecordingError> {
    if viewer.role == Role::Reviewer {
        return Err(RecordingError::Forbidden);
    }
    let (recording, bound, redactions) = db
        .run(move |conn| {
            let recording = Recording::find(conn, &id)?.ok_or(RecordingError::NotFound)?;
            let bound = recording.bound_version(conn)?;
            let redactions = Recording::redactions(conn, &id)?;
            Ok::<_, RecordingError>((recording, bound, redactions))
        })
        .await?;
    if viewer.role == Role::Operator && viewer.operator_id.as_ref() != Some(&recording.operator_id)
    {
        return Err(RecordingError::NotFound);
    }
    Ok((recording, bound.script_id, bound.number, redactions))
}

#[cfg(test)]
mod tests {
    use super::retry_can_help;

    #[test]
    fn a_retry_is_offered_only_for_failures_of_the_server() {
        for code in ["audio_io", "database_error", "something_new"] {
            assert!(retry_can_help(code), "{code}");
        }
        for code in [
            "audio_empty",
            "audio_unsupported",
            "audio_corrupt",
            "audio_truncated",
        ] {
            assert!(!retry_can_help(code), "{code}");
        }
    }
}
