//! Owner-editable settings that every server process must agree on (so they live in the
//! database, not in flags): how voices are disguised for reviewers and how many reviews a
//! call gets by default.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audio::VoiceMode;
use crate::db::DbConnection;
use crate::db::schema::settings;
use crate::db::time::now;
use crate::error::FieldProblem;

/// The most reviews one call may require.
pub const MAX_REVIEWS_REQUIRED: i32 = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSettings {
    /// `off`, `pitch` or `mcadams`: applied to every reviewer copy built from now on.
    pub voice_mode: String,
    /// Reviews a new call needs unless the upload says otherwise (1–20).
    pub reviews_required: i32,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            voice_mode: VoiceMode::default().as_str().to_owned(),
            reviews_required: 1,
        }
    }
}

const VOICE_MODE: &str = "voice_mode";
const REVIEWS_REQUIRED: &str = "reviews_required";

impl OrgSettings {
    pub fn voice(&self) -> VoiceMode {
        self.voice_mode.parse().unwrap_or_default()
    }

    /// The stored settings, defaults for what was never set.
    pub fn load(conn: &mut DbConnection) -> QueryResult<OrgSettings> {
        let rows: Vec<(String, String)> = settings::table
            .select((settings::name, settings::value))
            .load(conn)?;
        let mut loaded = OrgSettings::default();
        for (name, value) in rows {
            match name.as_str() {
                VOICE_MODE if value.parse::<VoiceMode>().is_ok() => loaded.voice_mode = value,
                REVIEWS_REQUIRED => {
                    if let Ok(n) = value.parse::<i32>() {
                        loaded.reviews_required = n.clamp(1, MAX_REVIEWS_REQUIRED);
                    }
                }
                _ => {}
            }
        }
        Ok(loaded)
    }

    /// Checks every field; all problems at once.
    pub fn validate(&self) -> Result<(), Vec<FieldProblem>> {
        let mut problems = Vec::new();
        if self.voice_mode.parse::<VoiceMode>().is_err() {
            problems.push(FieldProblem::new("voice_mode", "unknown_value"));
        }
        if !(1..=MAX_REVIEWS_REQUIRED).contains(&self.reviews_required) {
            problems.push(
                FieldProblem::new("reviews_required", "out_of_range")
                    .with("min", 1)
                    .with("max", MAX_REVIEWS_REQUIRED),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    pub fn save(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let values = [
            (VOICE_MODE, self.voice_mode.clone()),
            (REVIEWS_REQUIRED, self.reviews_required.to_string()),
        ];
        conn.write_transaction(|conn| {
            for (name, value) in values {
                let updated = diesel::update(settings::table.find(name))
                    .set((settings::value.eq(&value), settings::updated_at.eq(now())))
                    .execute(conn)?;
                if updated == 0 {
                    diesel::insert_into(settings::table)
                        .values((
                            settings::name.eq(name),
                            settings::value.eq(&value),
                            settings::updated_at.eq(now()),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(())
        })
    }
}
