//! The JSON file a script is exported to and imported from: a name and the steps of one
//! version with their keys, so a script can move between installations (or be kept in version
//! control) and come back with its steps' identities.

use serde::{Deserialize, Serialize};

use super::validate::{KeyRule, StepInput};
use super::{Script, ScriptError, Version};
use crate::db::DbConnection;
use crate::db::ids::UserId;
use crate::languages::CallLanguage;
use crate::validation::FieldProblem;

/// Marks the file as ours, so a random JSON file is refused with a clear message.
pub const FORMAT: &str = "callqa-script";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScriptFile {
    pub format: String,
    pub format_version: u32,
    pub name: String,
    /// The version the file was exported from (informational).
    #[serde(default)]
    pub version: Option<i32>,
    /// The language of the script's calls; a file from before languages has none, and is
    /// imported in the default language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub steps: Vec<StepInput>,
}

pub fn export(name: &str, language: CallLanguage, version: &Version) -> ScriptFile {
    ScriptFile {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        name: name.to_owned(),
        version: Some(version.number),
        language: Some(language.code().to_owned()),
        steps: version.steps.iter().map(StepInput::from).collect(),
    }
}

/// Reads an exported file: its JSON shape and its format marker.
pub fn parse(text: &str) -> Result<ScriptFile, ScriptError> {
    let file: ScriptFile = serde_json::from_str(text)
        .map_err(|_| ScriptError::from(FieldProblem::new("file", "not_a_script_file")))?;
    if file.format != FORMAT || file.format_version != FORMAT_VERSION {
        return Err(FieldProblem::new("file", "not_a_script_file").into());
    }
    Ok(file)
}

/// Creates a new script from a file, keeping the file's step keys.
pub fn import(
    conn: &mut DbConnection,
    by: &UserId,
    file: &ScriptFile,
) -> Result<Script, ScriptError> {
    let notes = match file.version {
        Some(number) => format!("Imported (exported from version {number})"),
        None => "Imported".to_owned(),
    };
    super::create_with(
        conn,
        by,
        &file.name,
        &file.steps,
        KeyRule::AnyWellFormed,
        &notes,
        file.language
            .as_deref()
            .map(|raw| CallLanguage::check("language", raw)),
    )
}
