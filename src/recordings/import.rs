//! Bulk import from a folder (`callqa import DIR --script ID`): every audio file below it
//! becomes a recording, the same as an upload. Metadata comes from, in order of precedence,
//! a CSV manifest, the file name as Asterisk/FreePBX writes it
//! (`{direction}-{to}-{from}-{YYYYMMDD}-{HHMMSS}-{uniqueid}.wav`), and the command's flags.
//! Files already imported (same content) are skipped; a file that is not readable audio is
//! reported and skipped, and the rest go on.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::intake::{self, RawMetadata, Receiver};
use super::store::AudioStore;
use super::{Recording, RecordingError};
use crate::accounts::operators::OperatorRecord;
use crate::db::DbConnection;

/// Audio file endings the importer picks up.
const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "mp3", "flac", "ogg", "oga", "m4a", "mp4", "aac", "gsm", "au",
];

/// What the Asterisk/FreePBX naming convention says about a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsteriskName {
    /// `inbound`, `outbound`, or `None` for internal calls.
    pub direction: Option<&'static str>,
    pub to: String,
    pub from: String,
    /// `YYYY-MM-DDTHH:MM:SS`.
    pub called_at: String,
}

/// Parses `in-201-79161234567-20231115-101530-1700032530.12.wav` and the like.
pub fn parse_asterisk_name(file_name: &str) -> Option<AsteriskName> {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() < 6 {
        return None;
    }
    let direction = match parts[0].to_ascii_lowercase().as_str() {
        "in" | "q" | "rg" => Some("inbound"),
        "out" => Some("outbound"),
        "exten" | "internal" => None,
        _ => return None,
    };
    let (date, clock) = (parts[3], parts[4]);
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(date, 8) || !digits(clock, 6) {
        return None;
    }
    let called_at = format!(
        "{}-{}-{}T{}:{}:{}",
        &date[..4],
        &date[4..6],
        &date[6..],
        &clock[..2],
        &clock[2..4],
        &clock[4..]
    );
    intake::parse_call_time(&called_at)?;
    Some(AsteriskName {
        direction,
        to: parts[1].to_owned(),
        from: parts[2].to_owned(),
        called_at,
    })
}

/// One row of a CSV manifest (`file,operator,called_at,direction,customer_number,reviews_required,outcome`;
/// only `file` is required; `operator` is an operator's external id or id).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ManifestRow {
    pub file: String,
    pub operator: Option<String>,
    pub called_at: Option<String>,
    pub direction: Option<String>,
    pub customer_number: Option<String>,
    pub reviews_required: Option<String>,
    /// How the call ended: `won` or `lost`.
    pub outcome: Option<String>,
}

/// Reads a manifest; rows are keyed by the file's path relative to the folder.
pub fn read_manifest(path: &Path) -> Result<HashMap<String, ManifestRow>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("cannot read the manifest {}: {e}", path.display()))?;
    let mut rows = HashMap::new();
    for (index, row) in reader.deserialize::<ManifestRow>().enumerate() {
        let row = row.map_err(|e| format!("manifest line {}: {e}", index + 2))?;
        rows.insert(row.file.replace('\\', "/"), row);
    }
    Ok(rows)
}

/// Every audio file below `dir`, sorted, manifests and hidden files left out.
pub fn audio_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The outcome of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Imported,
    Duplicate,
    Failed(String),
}

/// Settings of one import run.
pub struct ImportPlan<'a> {
    pub script_id: &'a str,
    /// The operator for files whose name or manifest does not say.
    pub default_operator: Option<&'a str>,
    pub manifest: &'a HashMap<String, ManifestRow>,
    pub max_bytes: u64,
}

/// Imports one file.
pub fn import_file(
    conn: &mut DbConnection,
    store: &AudioStore,
    root: &Path,
    path: &Path,
    plan: &ImportPlan<'_>,
) -> FileOutcome {
    match try_import(conn, store, root, path, plan) {
        Ok(outcome) => outcome,
        Err(message) => FileOutcome::Failed(message),
    }
}

fn try_import(
    conn: &mut DbConnection,
    store: &AudioStore,
    root: &Path,
    path: &Path,
    plan: &ImportPlan<'_>,
) -> Result<FileOutcome, String> {
    let relative = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let raw = metadata_for(conn, &relative, file_name, plan).map_err(|e| e.to_string())?;
    let outcome = plan
        .manifest
        .get(&relative)
        .or_else(|| plan.manifest.get(file_name))
        .map(|row| super::outcome::parse("outcome", row.outcome.as_deref()))
        .transpose()
        .map_err(|p| format!("outcome: {}", p.message(crate::i18n::Lang::En)))?
        .flatten();

    crate::audio::probe(path).map_err(|e| e.to_string())?;
    let mut receiver =
        Receiver::new(store, file_name, plan.max_bytes).map_err(|e| e.to_string())?;
    let mut source = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = match source.read(&mut buffer) {
            Ok(read) => read,
            Err(error) => {
                receiver.discard();
                return Err(error.to_string());
            }
        };
        if read == 0 {
            break;
        }
        if let Err(error) = receiver.write(&buffer[..read]) {
            return Err(describe(&error));
        }
    }
    let received = receiver.finish().map_err(|e| describe(&e))?;
    if Recording::exists_with_content(conn, &received.sha256).map_err(|e| e.to_string())? {
        received.discard();
        return Ok(FileOutcome::Duplicate);
    }
    let recording = intake::accept(conn, store, received, &raw, None).map_err(|e| describe(&e))?;
    if let Some(outcome) = outcome {
        super::outcome::record(conn, &recording.id, outcome).map_err(|e| e.to_string())?;
    }
    Ok(FileOutcome::Imported)
}

/// The metadata of a file: manifest row, else its Asterisk name, else the defaults.
fn metadata_for(
    conn: &mut DbConnection,
    relative: &str,
    file_name: &str,
    plan: &ImportPlan<'_>,
) -> Result<RawMetadata, diesel::result::Error> {
    let mut raw = RawMetadata {
        script_id: Some(plan.script_id.to_owned()),
        operator_id: plan.default_operator.map(str::to_owned),
        ..RawMetadata::default()
    };
    intake::read_pbx_name(conn, &mut raw, file_name, true)?;
    if let Some(row) = plan
        .manifest
        .get(relative)
        .or_else(|| plan.manifest.get(file_name))
    {
        if let Some(operator) = row.operator.as_deref().filter(|o| !o.is_empty()) {
            let record = OperatorRecord::find_by_external_id(conn, operator)?;
            raw.operator_id =
                Some(record.map_or_else(|| operator.to_owned(), |r| r.id.to_string()));
        }
        for (target, value) in [
            (&mut raw.called_at, &row.called_at),
            (&mut raw.direction, &row.direction),
            (&mut raw.customer_number, &row.customer_number),
            (&mut raw.reviews_required, &row.reviews_required),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                *target = Some(value.to_owned());
            }
        }
    }
    Ok(raw)
}

/// An error in plain English for the terminal, fields named.
fn describe(error: &RecordingError) -> String {
    let lang = crate::i18n::Lang::En;
    match error {
        RecordingError::Invalid(problems) => problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message(lang)))
            .collect::<Vec<_>>()
            .join("; "),
        RecordingError::TooLarge => lang.translate("error-payload-too-large"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freepbx_names() {
        let inbound =
            parse_asterisk_name("in-201-79161234567-20231115-101530-1700032530.12.wav").unwrap();
        assert_eq!(inbound.direction, Some("inbound"));
        assert_eq!(
            (inbound.to.as_str(), inbound.from.as_str()),
            ("201", "79161234567")
        );
        assert_eq!(inbound.called_at, "2023-11-15T10:15:30");
        let outbound =
            parse_asterisk_name("out-84951234567-202-20240102-090000-1704186000.7.wav").unwrap();
        assert_eq!(outbound.direction, Some("outbound"));
        assert!(parse_asterisk_name("meeting-notes.wav").is_none());
        assert!(
            parse_asterisk_name("in-201-7916-2023111-101530-1.wav").is_none(),
            "bad date"
        );
        assert!(
            parse_asterisk_name("in-201-7916-20231399-101530-1.wav").is_none(),
            "no 13th month"
        );
    }
}
