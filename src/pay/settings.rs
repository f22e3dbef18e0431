//! What pay follows besides the settings' per-review rate and currency
//! (`crate::org_settings`): a rate per audio minute, the gold-accuracy rule (a bonus above
//! one accuracy, a hold below another; both off by default), how exports write numbers
//! (the organization's locale) and the payment purpose. Stored as `pay_*` rows of the shared
//! settings table; per-script rates have their own table.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::money::parse_minor;
use crate::db::DbConnection;
use crate::db::ids::{ScriptId, UserId};
use crate::db::pay_schema::pay_script_rates;
use crate::db::schema::{scripts, settings};
use crate::db::time::now;
use crate::i18n::Lang;
use crate::validation::FieldProblem;

/// The longest payment purpose template.
pub const MAX_PURPOSE_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaySettings {
    /// What one minute of a call's audio pays, on top of the per-review rate (`0.00`: none).
    pub minute_rate: String,
    /// The gold rule judges a reviewer once this many gold steps are scored (1–1000).
    pub gold_min_steps: i32,
    /// A review pays `bonus_percent` more while the reviewer's gold accuracy is at least
    /// `bonus_accuracy` % (0–100; a bonus of 0 turns it off).
    pub bonus_accuracy: i32,
    pub bonus_percent: i32,
    /// A review's pay is held (not paid until an owner releases it) while the reviewer's
    /// gold accuracy is below this % (0: never).
    pub hold_accuracy: i32,
    /// `ru` or `en`: the language, separators and decimal mark of the exports.
    pub locale: String,
    /// The payment purpose of the registry, with `{from}`, `{to}`, `{period}` and `{name}`;
    /// empty: the locale's default.
    pub purpose: String,
}

impl Default for PaySettings {
    fn default() -> Self {
        PaySettings {
            minute_rate: "0.00".to_owned(),
            gold_min_steps: 20,
            bonus_accuracy: 90,
            bonus_percent: 0,
            hold_accuracy: 0,
            locale: "en".to_owned(),
            purpose: String::new(),
        }
    }
}

impl PaySettings {
    pub fn minute_rate_minor(&self) -> i64 {
        parse_minor(&self.minute_rate).unwrap_or(0).max(0)
    }

    /// The exports' language.
    pub fn lang(&self) -> Lang {
        Lang::from_code(&self.locale).unwrap_or_default()
    }

    /// The purpose template in force (the owner's, else the locale's default).
    pub fn purpose_template(&self) -> String {
        if self.purpose.trim().is_empty() {
            self.lang().translate("pay-purpose-default")
        } else {
            self.purpose.trim().to_owned()
        }
    }

    fn pairs(&self) -> [(&'static str, String); 7] {
        [
            ("pay_minute_rate", self.minute_rate.clone()),
            ("pay_gold_min_steps", self.gold_min_steps.to_string()),
            ("pay_bonus_accuracy", self.bonus_accuracy.to_string()),
            ("pay_bonus_percent", self.bonus_percent.to_string()),
            ("pay_hold_accuracy", self.hold_accuracy.to_string()),
            ("pay_locale", self.locale.clone()),
            ("pay_purpose", self.purpose.clone()),
        ]
    }

    /// The stored settings; defaults for what was never set or is no longer valid.
    pub fn load(conn: &mut DbConnection) -> QueryResult<PaySettings> {
        let rows: Vec<(String, String)> = settings::table
            .filter(settings::name.like("pay\\_%").escape('\\'))
            .select((settings::name, settings::value))
            .load(conn)?;
        let mut loaded = PaySettings::default();
        for (name, value) in rows {
            let mut candidate = loaded.clone();
            let number = value.parse::<i32>();
            match (name.as_str(), number) {
                ("pay_minute_rate", _) => candidate.minute_rate = value,
                ("pay_gold_min_steps", Ok(n)) => candidate.gold_min_steps = n,
                ("pay_bonus_accuracy", Ok(n)) => candidate.bonus_accuracy = n,
                ("pay_bonus_percent", Ok(n)) => candidate.bonus_percent = n,
                ("pay_hold_accuracy", Ok(n)) => candidate.hold_accuracy = n,
                ("pay_locale", _) => candidate.locale = value,
                ("pay_purpose", _) => candidate.purpose = value,
                _ => continue,
            }
            if candidate.validate().is_ok() {
                loaded = candidate;
            }
        }
        Ok(loaded)
    }

    /// Every problem at once.
    pub fn validate(&self) -> Result<(), Vec<FieldProblem>> {
        let mut problems = Vec::new();
        if crate::org_settings::parse_cents(&self.minute_rate).is_none() {
            problems.push(FieldProblem::new("minute_rate", "not_an_amount"));
        }
        for (field, value, (min, max)) in [
            ("gold_min_steps", self.gold_min_steps, (1, 1000)),
            ("bonus_accuracy", self.bonus_accuracy, (0, 100)),
            ("bonus_percent", self.bonus_percent, (0, 100)),
            ("hold_accuracy", self.hold_accuracy, (0, 100)),
        ] {
            if !(min..=max).contains(&value) {
                problems.push(
                    FieldProblem::new(field, "out_of_range")
                        .with("min", min)
                        .with("max", max),
                );
            }
        }
        if self.bonus_percent > 0 && self.hold_accuracy > self.bonus_accuracy {
            problems.push(FieldProblem::new("hold_accuracy", "hold_above_bonus"));
        }
        if Lang::from_code(&self.locale).is_none_or(|l| l.code() != self.locale) {
            problems.push(FieldProblem::new("locale", "unknown_value"));
        }
        if self.purpose.chars().count() > MAX_PURPOSE_CHARS {
            problems.push(FieldProblem::new("purpose", "too_long").with("max", MAX_PURPOSE_CHARS));
        }
        if self.purpose.chars().any(char::is_control) {
            problems.push(FieldProblem::new("purpose", "control_characters"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Checks and stores every setting (an upsert per row), audited.
    pub fn save(&self, conn: &mut DbConnection, owner: &UserId) -> Result<(), super::PayError> {
        self.validate().map_err(super::PayError::Invalid)?;
        let values = self.pairs();
        conn.write_transaction(|conn| {
            for (name, value) in values {
                let at = now();
                let upsert = diesel::insert_into(settings::table)
                    .values((
                        settings::name.eq(name),
                        settings::value.eq(&value),
                        settings::updated_at.eq(at),
                    ))
                    .on_conflict(settings::name)
                    .do_update()
                    .set((settings::value.eq(&value), settings::updated_at.eq(at)));
                crate::db::execute_upsert(conn, upsert)?;
            }
            crate::audit::record(
                conn,
                Some(owner),
                "pay.settings",
                "settings",
                "pay",
                serde_json::to_value(self).unwrap_or_default(),
            )?;
            Ok(())
        })
    }
}

/// A script's own rates, replacing the settings' for its calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptRate {
    pub script_id: ScriptId,
    pub script_name: String,
    pub review_rate_minor: i64,
    pub minute_rate_minor: i64,
    /// The same as decimals (`1.50`).
    pub review_rate: String,
    pub minute_rate: String,
}

impl ScriptRate {
    fn new(script_id: ScriptId, script_name: String, review: i64, minute: i64) -> ScriptRate {
        ScriptRate {
            script_id,
            script_name,
            review_rate_minor: review,
            minute_rate_minor: minute,
            review_rate: super::format_minor(review, '.'),
            minute_rate: super::format_minor(minute, '.'),
        }
    }
}

/// A script's rates as an owner sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScriptRateInput {
    pub review_rate: String,
    pub minute_rate: String,
}

/// Every script's own rates, by script name.
pub fn script_rates(conn: &mut DbConnection) -> QueryResult<Vec<ScriptRate>> {
    let rows: Vec<(ScriptId, String, i64, i64)> = pay_script_rates::table
        .inner_join(scripts::table.on(scripts::id.eq(pay_script_rates::script_id)))
        .order(scripts::name.asc())
        .select((
            pay_script_rates::script_id,
            scripts::name,
            pay_script_rates::review_rate_minor,
            pay_script_rates::minute_rate_minor,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(script_id, script_name, review, minute)| {
            ScriptRate::new(script_id, script_name, review, minute)
        })
        .collect())
}

/// The rates of the scripts that have their own.
pub fn script_rate_map(conn: &mut DbConnection) -> QueryResult<HashMap<ScriptId, (i64, i64)>> {
    Ok(script_rates(conn)?
        .into_iter()
        .map(|r| (r.script_id, (r.review_rate_minor, r.minute_rate_minor)))
        .collect())
}

/// One script's own rates, if it has them.
pub fn script_rate(conn: &mut DbConnection, script: &ScriptId) -> QueryResult<Option<(i64, i64)>> {
    pay_script_rates::table
        .find(script)
        .select((
            pay_script_rates::review_rate_minor,
            pay_script_rates::minute_rate_minor,
        ))
        .first(conn)
        .optional()
}

/// Gives a script its own rates (an upsert), audited.
pub fn set_script_rate(
    conn: &mut DbConnection,
    owner: &UserId,
    script: &ScriptId,
    input: &ScriptRateInput,
) -> Result<ScriptRate, super::PayError> {
    let mut problems = Vec::new();
    let review = crate::org_settings::parse_cents(&input.review_rate);
    let minute = crate::org_settings::parse_cents(if input.minute_rate.trim().is_empty() {
        "0"
    } else {
        &input.minute_rate
    });
    if review.is_none() {
        problems.push(FieldProblem::new("review_rate", "not_an_amount"));
    }
    if minute.is_none() {
        problems.push(FieldProblem::new("minute_rate", "not_an_amount"));
    }
    let (Some(review), Some(minute)) = (review, minute) else {
        return Err(super::PayError::Invalid(problems));
    };
    conn.write_transaction(|conn| {
        let name: String = scripts::table
            .find(script)
            .select(scripts::name)
            .first(conn)?;
        let at = now();
        let upsert = diesel::insert_into(pay_script_rates::table)
            .values((
                pay_script_rates::script_id.eq(script),
                pay_script_rates::review_rate_minor.eq(review),
                pay_script_rates::minute_rate_minor.eq(minute),
                pay_script_rates::updated_at.eq(at),
            ))
            .on_conflict(pay_script_rates::script_id)
            .do_update()
            .set((
                pay_script_rates::review_rate_minor.eq(review),
                pay_script_rates::minute_rate_minor.eq(minute),
                pay_script_rates::updated_at.eq(at),
            ));
        crate::db::execute_upsert(conn, upsert)?;
        crate::audit::record(
            conn,
            Some(owner),
            "pay.script_rate",
            "script",
            script.as_str(),
            serde_json::json!({"review_rate_minor": review, "minute_rate_minor": minute}),
        )?;
        Ok(ScriptRate::new(script.clone(), name, review, minute))
    })
}

/// The script pays the settings' rates again (harmless when it had none of its own), audited.
pub fn clear_script_rate(
    conn: &mut DbConnection,
    owner: &UserId,
    script: &ScriptId,
) -> Result<(), super::PayError> {
    conn.write_transaction(|conn| {
        scripts::table
            .find(script)
            .select(scripts::id)
            .first::<ScriptId>(conn)?;
        let removed = diesel::delete(pay_script_rates::table.find(script)).execute(conn)?;
        if removed > 0 {
            crate::audit::record(
                conn,
                Some(owner),
                "pay.script_rate_cleared",
                "script",
                script.as_str(),
                serde_json::json!({}),
            )?;
        }
        Ok(())
    })
}
