//! Taking in a new recording: the metadata is parsed and checked, the original (already
//! received into the store's `incoming/` folder) is synced and moved into place, and the
//! recording row and its processing job are committed together — all before the client is
//! told 202. A refused upload leaves no file and no row behind.

use std::fs::File;
use std::path::PathBuf;

use diesel::prelude::*;
use sha2::Digest;

use super::store::{AudioStore, Kind};
use super::worker::Waker;
use super::{Direction, Recording, RecordingError, RecordingStatus, jobs};
use crate::accounts::operators::OperatorRecord;
use crate::db::ids::{OperatorId, RecordingId, ScriptId, UserId};
use crate::db::schema::recordings;
use crate::db::time::{Timestamp, now, parse_rfc3339};
use crate::db::{Db, DbConnection};
use crate::org_settings::MAX_REVIEWS_REQUIRED;
use crate::validation::FieldProblem;

/// A file received into `incoming/`, hashed on the way in.
pub struct ReceivedFile {
    pub path: PathBuf,
    pub file: File,
    pub sha256: String,
    pub size: u64,
    /// The name the uploader gave it: kept for the owner, never shown to reviewers.
    pub original_name: String,
}

impl ReceivedFile {
    /// Drops an upload that will not be kept.
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Hashes and counts bytes as they are written to the incoming file.
pub struct Receiver {
    path: PathBuf,
    file: std::io::BufWriter<File>,
    hasher: sha2::Sha256,
    size: u64,
    limit: u64,
    original_name: String,
}

impl Receiver {
    pub fn new(store: &AudioStore, original_name: &str, limit: u64) -> std::io::Result<Self> {
        let (path, file) = store.incoming()?;
        Ok(Receiver {
            path,
            file: std::io::BufWriter::with_capacity(256 * 1024, file),
            hasher: sha2::Sha256::new(),
            size: 0,
            limit,
            original_name: clean_file_name(original_name),
        })
    }

    /// Appends a chunk; `Err(TooLarge)` once the file passes the limit (the partial
    /// file is removed).
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), RecordingError> {
        use std::io::Write;
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            let _ = std::fs::remove_file(&self.path);
            return Err(RecordingError::TooLarge);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).map_err(RecordingError::storage)
    }

    pub fn finish(self) -> Result<ReceivedFile, RecordingError> {
        let file = self
            .file
            .into_inner()
            .map_err(|e| RecordingError::storage(e.error()))?;
        Ok(ReceivedFile {
            path: self.path,
            file,
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
            original_name: self.original_name,
        })
    }

    /// Abandons the upload.
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The uploader's file name without any folders, trimmed to a sane length.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    base.chars().filter(|c| !c.is_control()).take(255).collect()
}

/// The metadata fields as they arrive (form, multipart, CSV, file name).
#[derive(Debug, Clone, Default)]
pub struct RawMetadata {
    pub operator_id: Option<String>,
    pub script_id: Option<String>,
    pub called_at: Option<String>,
    pub direction: Option<String>,
    pub customer_number: Option<String>,
    pub reviews_required: Option<String>,
}

/// The metadata, checked.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub operator_id: OperatorId,
    pub script_id: ScriptId,
    pub called_at: Option<Timestamp>,
    pub direction: Option<Direction>,
    pub customer_number: Option<String>,
    pub reviews_required: Option<i32>,
}

pub fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Accepts RFC 3339 (`2026-11-23T10:00:00Z`) or a form's local date and time
/// (`2026-11-23T10:00`, taken as UTC).
pub fn parse_call_time(text: &str) -> Option<Timestamp> {
    parse_rfc3339(text).or_else(|| {
        let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
        let with_seconds =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        time::PrimitiveDateTime::parse(text.trim(), &format)
            .or_else(|_| time::PrimitiveDateTime::parse(text.trim(), &with_seconds))
            .ok()
    })
}

/// The fields of [`Metadata`] that need no reference checked: every one optional.
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub called_at: Option<Timestamp>,
    pub direction: Option<Direction>,
    pub customer_number: Option<String>,
    pub reviews_required: Option<i32>,
}

impl RawMetadata {
    /// Checks the fields that need no database; every problem at once.
    pub fn parse(&self) -> Result<Metadata, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let operator_id = present(&self.operator_id).map(OperatorId::from_raw);
        if operator_id.is_none() {
            problems.push(FieldProblem::new("operator_id", "required"));
        }
        let script_id = present(&self.script_id).map(ScriptId::from_raw);
        if script_id.is_none() {
            problems.push(FieldProblem::new("script_id", "required"));
        }
        let details = self.parse_details(&mut problems);
        match (operator_id, script_id) {
            (Some(operator_id), Some(script_id)) if problems.is_empty() => Ok(Metadata {
                operator_id,
                script_id,
                called_at: details.called_at,
                direction: details.direction,
                customer_number: details.customer_number,
                reviews_required: details.reviews_required,
            }),
            _ => Err(problems),
        }
    }

    /// Checks the optional fields, adding what is wrong to `problems`.
    pub fn parse_details(&self, problems: &mut Vec<FieldProblem>) -> Details {
        let called_at = match present(&self.called_at) {
            None => None,
            Some(text) => {
                let parsed = parse_call_time(text);
                if parsed.is_none() {
                    problems.push(FieldProblem::new("called_at", "bad_time"));
                }
                parsed
            }
        };
        let direction = match present(&self.direction) {
            None => None,
            Some(word) => {
                let parsed = Direction::parse(&word.to_lowercase());
                if parsed.is_none() {
                    problems.push(FieldProblem::new("direction", "unknown_value"));
                }
                parsed
            }
        };
        let customer_number = present(&self.customer_number).map(str::to_owned);
        if customer_number
            .as_ref()
            .is_some_and(|n| n.chars().count() > 64)
        {
            problems.push(FieldProblem::new("customer_number", "too_long").with("max", 64));
        }
        let reviews_required = match present(&self.reviews_required) {
            None => None,
            Some(text) => match text.parse::<i32>() {
                Ok(n) if (1..=MAX_REVIEWS_REQUIRED).contains(&n) => Some(n),
                _ => {
                    problems.push(
                        FieldProblem::new("reviews_required", "out_of_range")
                            .with("min", 1)
                            .with("max", MAX_REVIEWS_REQUIRED),
                    );
                    None
                }
            },
        };
        Details {
            called_at,
            direction,
            customer_number,
            reviews_required,
        }
    }
}

/// How many reviews a new call gets: a fixed number asked for at upload, or its script's
/// bounds (dynamic overlap, starting at the minimum).
struct Overlap {
    first: i32,
    bounds: Option<(i32, i32)>,
}

/// An original already in the audio store (kept when it arrived), with what was learnt of
/// it on the way in.
#[derive(Debug, Clone)]
pub struct StoredOriginal {
    pub file: String,
    pub sha256: String,
    pub size: u64,
    pub original_name: String,
}

/// Keeps a received file as a new recording bound to the script's current version, and
/// queues its processing. On any refusal the received file is removed.
pub fn accept(
    conn: &mut DbConnection,
    store: &AudioStore,
    received: ReceivedFile,
    raw: &RawMetadata,
    uploaded_by: Option<&UserId>,
) -> Result<Recording, RecordingError> {
    let checked = match check(conn, received.size, raw) {
        Ok(checked) => checked,
        Err(error) => {
            received.discard();
            return Err(error);
        }
    };
    let stored = keep(store, received)?;
    insert(conn, &stored, checked, uploaded_by).inspect_err(|_| {
        store.remove(Kind::Original, &stored.file);
    })
}

/// Moves a received file into the store's originals; on failure it is removed.
pub fn keep(store: &AudioStore, received: ReceivedFile) -> Result<StoredOriginal, RecordingError> {
    match store.keep_original(&received.path, &received.file) {
        Ok(file) => Ok(StoredOriginal {
            file,
            sha256: received.sha256,
            size: received.size,
            original_name: received.original_name,
        }),
        Err(error) => {
            received.discard();
            Err(RecordingError::storage(error))
        }
    }
}

/// Makes an original already in the store a new recording (a call that waited for its
/// operator). On refusal the stored file stays where it is: the caller still holds it.
pub fn accept_stored(
    conn: &mut DbConnection,
    stored: &StoredOriginal,
    raw: &RawMetadata,
    uploaded_by: Option<&UserId>,
) -> Result<Recording, RecordingError> {
    let checked = check(conn, stored.size, raw)?;
    insert(conn, stored, checked, uploaded_by)
}

fn insert(
    conn: &mut DbConnection,
    stored: &StoredOriginal,
    (metadata, version_id, overlap): (Metadata, crate::db::ids::ScriptVersionId, Overlap),
    uploaded_by: Option<&UserId>,
) -> Result<Recording, RecordingError> {
    let id = RecordingId::random();
    conn.write_transaction(|conn| {
        diesel::insert_into(recordings::table)
            .values((
                recordings::id.eq(&id),
                recordings::operator_id.eq(&metadata.operator_id),
                recordings::script_version_id.eq(&version_id),
                recordings::status.eq(RecordingStatus::Queued),
                recordings::original_name.eq(&stored.original_name),
                recordings::original_file.eq(&stored.file),
                recordings::content_sha256.eq(&stored.sha256),
                recordings::size_bytes.eq(i64::try_from(stored.size).unwrap_or(i64::MAX)),
                recordings::called_at.eq(metadata.called_at),
                recordings::direction.eq(metadata.direction),
                recordings::customer_number.eq(&metadata.customer_number),
                recordings::reviews_required.eq(overlap.first),
                recordings::reviews_min.eq(overlap.bounds.map(|(min, _)| min)),
                recordings::reviews_max.eq(overlap.bounds.map(|(_, max)| max)),
                recordings::reviews_done.eq(0),
                recordings::uploaded_by.eq(uploaded_by),
                recordings::created_at.eq(now()),
            ))
            .execute(conn)?;
        jobs::enqueue(conn, &id)?;
        Recording::find(conn, &id)?.ok_or(diesel::result::Error::NotFound)
    })
    .map_err(RecordingError::from)
}

fn check(
    conn: &mut DbConnection,
    size: u64,
    raw: &RawMetadata,
) -> Result<(Metadata, crate::db::ids::ScriptVersionId, Overlap), RecordingError> {
    let mut problems = Vec::new();
    if size == 0 {
        problems.push(FieldProblem::new("file", "empty_file"));
    }
    let metadata = match raw.parse() {
        Ok(metadata) => Some(metadata),
        Err(found) => {
            problems.extend(found);
            None
        }
    };
    // The references are checked even when other fields are wrong, so every problem shows
    // at once.
    if let Some(operator_id) = present(&raw.operator_id)
        && !OperatorRecord::exists(conn, &OperatorId::from_raw(operator_id))?
    {
        problems.push(FieldProblem::new("operator_id", "unknown_operator"));
    }
    let mut version = None;
    if let Some(script_id) = present(&raw.script_id) {
        version = crate::scripts::current_version(conn, &ScriptId::from_raw(script_id))?;
        if version.is_none() {
            problems.push(FieldProblem::new("script_id", "unknown_script"));
        }
    }
    match (metadata, version) {
        (Some(metadata), Some((version_id, _))) if problems.is_empty() => {
            let overlap = match metadata.reviews_required {
                Some(n) => Overlap {
                    first: n,
                    bounds: None,
                },
                None => {
                    let bounds = crate::scripts::overlap::load(conn, &metadata.script_id)?;
                    Overlap {
                        first: bounds.min_reviews,
                        bounds: Some((bounds.min_reviews, bounds.max_reviews)),
                    }
                }
            };
            Ok((metadata, version_id, overlap))
        }
        _ => Err(RecordingError::Invalid(problems)),
    }
}

/// What an upload does with a file the store already has (same content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// Keep it as another recording (the API without `if_new`: scripts may resend on
    /// purpose and use `external_id` to be idempotent).
    Keep,
    /// Skip it and say so (the upload page).
    Skip,
}

/// What an upload kept, and the names of the files it skipped as already uploaded.
#[derive(Debug, Default)]
pub struct Kept {
    pub recordings: Vec<Recording>,
    pub duplicates: Vec<(String, RecordingId)>,
}

/// Fills `raw` from what an Asterisk/FreePBX file name says: the time, the direction, the
/// customer number, and the operator whose extension the name carries (mapped on the People
/// page, or an operator's external id). With `overwrite` the name wins over what `raw`
/// holds (`callqa import`: over the command's defaults); without, it only fills empty fields
/// (the upload form: what the owner typed wins).
pub fn read_pbx_name(
    conn: &mut DbConnection,
    raw: &mut RawMetadata,
    file_name: &str,
    overwrite: bool,
) -> diesel::QueryResult<()> {
    let Some(name) = super::import::parse_asterisk_name(file_name) else {
        return Ok(());
    };
    let to = crate::ingest::extensions::resolve(conn, &name.to)?;
    let from = crate::ingest::extensions::resolve(conn, &name.from)?;
    let (operator, outside) = match (to, from) {
        (Some(operator), _) => (Some(operator), name.from),
        (None, Some(operator)) => (Some(operator), name.to),
        // No extension is known: the outside party is the longer number.
        (None, None) if name.to.len() >= name.from.len() => (None, name.to),
        (None, None) => (None, name.from),
    };
    let fill = |target: &mut Option<String>, value: Option<String>| {
        if value.is_some() && (overwrite || present(target).is_none()) {
            *target = value;
        }
    };
    fill(&mut raw.called_at, Some(name.called_at));
    fill(&mut raw.direction, name.direction.map(str::to_owned));
    fill(&mut raw.operator_id, operator.map(|o| o.to_string()));
    fill(&mut raw.customer_number, Some(outside));
    Ok(())
}

/// Keeps each received file as a recording, in order, stopping at the first refusal (the
/// files not yet kept are discarded), and wakes the workers for what was kept. A file whose
/// content the store already has is skipped when `duplicates` says so; the check and the
/// insert hold the lock of a pool shard picked by the content (the last hex digit of its
/// hash, as a call's id picks its own), so two identical uploads racing keep one.
pub async fn keep_all(
    db: &Db,
    store: &AudioStore,
    workers: &Waker,
    owner: &UserId,
    files: Vec<ReceivedFile>,
    raw: RawMetadata,
    duplicates: Duplicates,
) -> Result<Kept, RecordingError> {
    let store = store.clone();
    let owner = owner.clone();
    let kept = db
        .run(move |conn| {
            let mut kept = Kept::default();
            let mut files = files.into_iter();
            while let Some(file) = files.next() {
                // Into the store before the transaction: sending a large file to an object
                // store must not hold the database's write lock.
                let stored = match keep(&store, file) {
                    Ok(stored) => stored,
                    Err(error) => {
                        files.for_each(ReceivedFile::discard);
                        return Err(error);
                    }
                };
                let outcome = conn.write_transaction(|conn| {
                    if duplicates == Duplicates::Skip {
                        // Held through the insert: an identical upload racing this one
                        // waits on the same shard, then finds this recording.
                        crate::assignments::pool::lock_for_key(conn, &stored.sha256)?;
                        if let Some(existing) = Recording::with_content(conn, &stored.sha256)? {
                            return Ok(Err(existing));
                        }
                    }
                    let mut raw = raw.clone();
                    read_pbx_name(conn, &mut raw, &stored.original_name, false)?;
                    accept_stored(conn, &stored, &raw, Some(&owner)).map(Ok)
                });
                match outcome {
                    Ok(Ok(recording)) => kept.recordings.push(recording),
                    Ok(Err(existing)) => {
                        store.remove(Kind::Original, &stored.file);
                        kept.duplicates.push((stored.original_name, existing));
                    }
                    Err(error) => {
                        store.remove(Kind::Original, &stored.file);
                        files.for_each(ReceivedFile::discard);
                        return Err(error);
                    }
                }
            }
            Ok(kept)
        })
        .await?;
    workers.wake();
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_problems_are_reported_together() {
        let raw = RawMetadata {
            called_at: Some("yesterday".into()),
            direction: Some("sideways".into()),
            reviews_required: Some("0".into()),
            ..RawMetadata::default()
        };
        let fields: Vec<String> = raw
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                "operator_id",
                "script_id",
                "called_at",
                "direction",
                "reviews_required"
            ]
        );
    }

    #[test]
    fn call_times_from_apis_and_forms() {
        assert!(parse_call_time("2026-11-23T10:00:00+03:00").is_some());
        assert!(parse_call_time("2026-11-23T10:00").is_some());
        assert!(parse_call_time("23.11.2026").is_none());
    }

    #[test]
    fn uploaded_names_lose_their_folders() {
        assert_eq!(clean_file_name("C:\\calls\\a.wav"), "a.wav");
        assert_eq!(clean_file_name("../../x.mp3"), "x.mp3");
    }
}
