//! Owner-editable settings that every server process must agree on (so they live in the
//! database, not in flags): how voices are disguised for reviewers and how many reviews a
//! call gets by default.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audio::{OperatorChannel, VoiceMode};
use crate::db::DbConnection;
use crate::db::schema::settings;
use crate::db::time::now;
use crate::validation::FieldProblem;
use crate::zone::Zone;

/// The most reviews one call may require.
pub const MAX_REVIEWS_REQUIRED: i32 = 20;
/// Bounds of the lease a reviewer gets on a call: at least this many minutes (1–240)...
pub const LEASE_MINUTES_RANGE: (i32, i32) = (1, 240);
/// ...or this many times the call's length (1–10), whichever is longer.
pub const LEASE_FACTOR_RANGE: (i32, i32) = (1, 10);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgSettings {
    /// `off`, `pitch`, `strong` or `mcadams`: applied to every reviewer copy built from now on.
    pub voice_mode: VoiceMode,
    /// `unknown`, `left` or `right`: the side of a stereo recording the operator is on, so
    /// that only their voice is disguised.
    pub operator_channel: OperatorChannel,
    /// Reviews a new call needs unless the upload says otherwise (1–20).
    pub reviews_required: i32,
    /// A reviewer holds a call for max(`lease_minutes`, `lease_factor` × its length).
    pub lease_minutes: i32,
    pub lease_factor: i32,
    /// What one review pays, as a decimal with at most two fractional digits (`0.50`).
    pub review_rate: String,
    /// The currency of the rate (ISO 4217 code, e.g. `EUR`), shown next to earnings.
    pub currency: String,
    /// The organization's time zone (an IANA name): times are shown in it to everyone who
    /// has not picked their own, and "today" and date filters follow it.
    pub time_zone: String,
    /// Percent of a reviewer's draws that are gold calls while they have sent fewer than
    /// `gold_new_reviews` reviews (0–100)...
    pub gold_percent_new: i32,
    pub gold_new_reviews: i32,
    /// ...and after that (0–100).
    pub gold_percent: i32,
    /// A reviewer whose gold accuracy falls below this percent (0–100; 0: never) once at
    /// least `pause_min_steps` gold steps are scored is paused.
    pub pause_accuracy: i32,
    pub pause_min_steps: i32,
    /// A call with dynamic overlap gets another review while one of its reviewers has fewer
    /// scored gold steps than this (0: every reviewer is trusted)...
    pub trust_gold_steps: i32,
    /// ...or a step's consensus is less confident than this percent (50–100).
    pub confidence_percent: i32,
    /// A review sent from the workspace, which reports what was played, is refused until at
    /// least this percent of the call was heard (0–100; 0: only the listening time counts).
    pub min_heard_percent: i32,
    /// Days after a call's feedback during which its operator may contest verdicts (0–90;
    /// 0: operators cannot contest).
    pub dispute_days: i32,
}

/// Bounds of the days an operator may contest a verdict in.
pub const DISPUTE_DAYS_RANGE: (i32, i32) = (0, 90);

/// Bounds of a percent setting.
pub const PERCENT_RANGE: (i32, i32) = (0, 100);
/// Bounds of the gold counts (reviews before the lower gold rate, steps before a pause).
pub const GOLD_COUNT_RANGE: (i32, i32) = (1, 1000);
/// Bounds of the gold steps before a reviewer is trusted alone.
pub const TRUST_STEPS_RANGE: (i32, i32) = (0, 1000);
/// Bounds of the consensus confidence a call must reach, %.
pub const CONFIDENCE_RANGE: (i32, i32) = (50, 100);

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            voice_mode: VoiceMode::default(),
            operator_channel: OperatorChannel::default(),
            reviews_required: 1,
            lease_minutes: 15,
            lease_factor: 3,
            review_rate: "0.00".to_owned(),
            currency: "USD".to_owned(),
            time_zone: "UTC".to_owned(),
            gold_percent_new: 20,
            gold_new_reviews: 20,
            gold_percent: 5,
            pause_accuracy: 70,
            pause_min_steps: 20,
            trust_gold_steps: 20,
            confidence_percent: 90,
            min_heard_percent: 60,
            dispute_days: 7,
        }
    }
}

/// The settings as an owner sends them (the API's body, the page's form), not yet checked.
/// The voice and the operator's channel are still words here, so an unknown one is reported
/// with the other problems (`voice_mode`: `unknown_value`) rather than refused as an
/// unreadable body. What is left
/// out of a body takes its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsInput {
    pub voice_mode: String,
    pub operator_channel: String,
    pub reviews_required: i32,
    pub lease_minutes: i32,
    pub lease_factor: i32,
    pub review_rate: String,
    pub currency: String,
    pub time_zone: String,
    pub gold_percent_new: i32,
    pub gold_new_reviews: i32,
    pub gold_percent: i32,
    pub pause_accuracy: i32,
    pub pause_min_steps: i32,
    pub trust_gold_steps: i32,
    pub confidence_percent: i32,
    pub min_heard_percent: i32,
    pub dispute_days: i32,
}

impl Default for SettingsInput {
    fn default() -> Self {
        OrgSettings::default().into()
    }
}

impl From<OrgSettings> for SettingsInput {
    fn from(settings: OrgSettings) -> Self {
        SettingsInput {
            voice_mode: settings.voice_mode.as_str().to_owned(),
            operator_channel: settings.operator_channel.as_str().to_owned(),
            reviews_required: settings.reviews_required,
            lease_minutes: settings.lease_minutes,
            lease_factor: settings.lease_factor,
            review_rate: settings.review_rate,
            currency: settings.currency,
            time_zone: settings.time_zone,
            gold_percent_new: settings.gold_percent_new,
            gold_new_reviews: settings.gold_new_reviews,
            gold_percent: settings.gold_percent,
            pause_accuracy: settings.pause_accuracy,
            pause_min_steps: settings.pause_min_steps,
            trust_gold_steps: settings.trust_gold_steps,
            confidence_percent: settings.confidence_percent,
            min_heard_percent: settings.min_heard_percent,
            dispute_days: settings.dispute_days,
        }
    }
}

impl SettingsInput {
    /// The settings, or every problem at once (the voice's first).
    pub fn check(self) -> Result<OrgSettings, Vec<FieldProblem>> {
        let voice = self.voice_mode.parse::<VoiceMode>().ok();
        let side = self.operator_channel.parse::<OperatorChannel>().ok();
        let settings = OrgSettings {
            voice_mode: voice.unwrap_or_default(),
            operator_channel: side.unwrap_or_default(),
            reviews_required: self.reviews_required,
            lease_minutes: self.lease_minutes,
            lease_factor: self.lease_factor,
            review_rate: self.review_rate,
            currency: self.currency,
            // The zone database's own spelling of a name typed in another case.
            time_zone: Zone::named(&self.time_zone)
                .map_or(self.time_zone, |zone| zone.name().to_owned()),
            gold_percent_new: self.gold_percent_new,
            gold_new_reviews: self.gold_new_reviews,
            gold_percent: self.gold_percent,
            pause_accuracy: self.pause_accuracy,
            pause_min_steps: self.pause_min_steps,
            trust_gold_steps: self.trust_gold_steps,
            confidence_percent: self.confidence_percent,
            min_heard_percent: self.min_heard_percent,
            dispute_days: self.dispute_days,
        };
        let mut problems = Vec::new();
        if voice.is_none() {
            problems.push(FieldProblem::new("voice_mode", "unknown_value"));
        }
        if side.is_none() {
            problems.push(FieldProblem::new("operator_channel", "unknown_value"));
        }
        if let Err(more) = settings.validate() {
            problems.extend(more);
        }
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(problems)
        }
    }
}

/// A money amount in hundredths from a decimal text (`12`, `0.5`, `0.50`); `None` when it
/// is not one or is negative.
pub fn parse_cents(text: &str) -> Option<i64> {
    let text = text.trim().replace(',', ".");
    let (whole, fraction) = match text.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (text.as_str(), ""),
    };
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || whole.len() > 9 {
        return None;
    }
    if fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    Some(whole.parse::<i64>().ok()? * 100 + cents)
}

/// Hundredths as a decimal text: `1250` → `12.50`.
pub fn format_cents(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

impl OrgSettings {
    /// The organization's zone (UTC if the stored name ever stops being known).
    pub fn zone(&self) -> Zone {
        Zone::named(&self.time_zone).unwrap_or_default()
    }

    /// Only the organization's zone, for a page that needs nothing else.
    pub fn load_zone(conn: &mut DbConnection) -> QueryResult<Zone> {
        let name: Option<String> = settings::table
            .find("time_zone")
            .select(settings::value)
            .first(conn)
            .optional()?;
        Ok(name.and_then(|n| Zone::named(&n)).unwrap_or_default())
    }

    pub fn rate_cents(&self) -> i64 {
        parse_cents(&self.review_rate).unwrap_or(0)
    }

    /// How long a reviewer may hold a call of `duration_ms`.
    pub fn lease_for(&self, duration_ms: i64) -> time::Duration {
        let minimum = time::Duration::minutes(i64::from(self.lease_minutes));
        let by_length =
            time::Duration::milliseconds(duration_ms.max(0) * i64::from(self.lease_factor));
        minimum.max(by_length)
    }

    /// The share (0–1) of draws that are gold for a reviewer who has sent `reviews_sent`.
    pub fn gold_share(&self, reviews_sent: i64) -> f64 {
        let percent = if reviews_sent < i64::from(self.gold_new_reviews) {
            self.gold_percent_new
        } else {
            self.gold_percent
        };
        f64::from(percent.clamp(0, 100)) / 100.0
    }

    fn pairs(&self) -> [(&'static str, String); 17] {
        [
            ("voice_mode", self.voice_mode.as_str().to_owned()),
            (
                "operator_channel",
                self.operator_channel.as_str().to_owned(),
            ),
            ("reviews_required", self.reviews_required.to_string()),
            ("lease_minutes", self.lease_minutes.to_string()),
            ("lease_factor", self.lease_factor.to_string()),
            ("review_rate", self.review_rate.clone()),
            ("currency", self.currency.clone()),
            ("time_zone", self.time_zone.clone()),
            ("gold_percent_new", self.gold_percent_new.to_string()),
            ("gold_new_reviews", self.gold_new_reviews.to_string()),
            ("gold_percent", self.gold_percent.to_string()),
            ("pause_accuracy", self.pause_accuracy.to_string()),
            ("pause_min_steps", self.pause_min_steps.to_string()),
            ("trust_gold_steps", self.trust_gold_steps.to_string()),
            ("confidence_percent", self.confidence_percent.to_string()),
            ("min_heard_percent", self.min_heard_percent.to_string()),
            ("dispute_days", self.dispute_days.to_string()),
        ]
    }

    /// The stored settings, defaults for what was never set (or no longer valid).
    pub fn load(conn: &mut DbConnection) -> QueryResult<OrgSettings> {
        let rows: Vec<(String, String)> = settings::table
            .select((settings::name, settings::value))
            .load(conn)?;
        let mut loaded = OrgSettings::default();
        for (name, value) in rows {
            let mut candidate = loaded.clone();
            let number = value.parse::<i32>();
            match (name.as_str(), number) {
                ("voice_mode", _) => match value.parse() {
                    Ok(voice) => candidate.voice_mode = voice,
                    Err(_) => continue,
                },
                ("operator_channel", _) => match value.parse() {
                    Ok(side) => candidate.operator_channel = side,
                    Err(_) => continue,
                },
                ("reviews_required", Ok(n)) => candidate.reviews_required = n,
                ("lease_minutes", Ok(n)) => candidate.lease_minutes = n,
                ("lease_factor", Ok(n)) => candidate.lease_factor = n,
                ("review_rate", _) => candidate.review_rate = value,
                ("currency", _) => candidate.currency = value,
                ("time_zone", _) => candidate.time_zone = value,
                ("gold_percent_new", Ok(n)) => candidate.gold_percent_new = n,
                ("gold_new_reviews", Ok(n)) => candidate.gold_new_reviews = n,
                ("gold_percent", Ok(n)) => candidate.gold_percent = n,
                ("pause_accuracy", Ok(n)) => candidate.pause_accuracy = n,
                ("pause_min_steps", Ok(n)) => candidate.pause_min_steps = n,
                ("trust_gold_steps", Ok(n)) => candidate.trust_gold_steps = n,
                ("confidence_percent", Ok(n)) => candidate.confidence_percent = n,
                ("min_heard_percent", Ok(n)) => candidate.min_heard_percent = n,
                ("dispute_days", Ok(n)) => candidate.dispute_days = n,
                _ => continue,
            }
            if candidate.validate().is_ok() {
                loaded = candidate;
            }
        }
        Ok(loaded)
    }

    /// Checks every field but the voice and the channel (which their types keep valid); all problems at once.
    pub fn validate(&self) -> Result<(), Vec<FieldProblem>> {
        let mut problems = Vec::new();
        for (field, value, (min, max)) in [
            (
                "reviews_required",
                self.reviews_required,
                (1, MAX_REVIEWS_REQUIRED),
            ),
            ("lease_minutes", self.lease_minutes, LEASE_MINUTES_RANGE),
            ("lease_factor", self.lease_factor, LEASE_FACTOR_RANGE),
            ("gold_percent_new", self.gold_percent_new, PERCENT_RANGE),
            ("gold_new_reviews", self.gold_new_reviews, GOLD_COUNT_RANGE),
            ("gold_percent", self.gold_percent, PERCENT_RANGE),
            ("pause_accuracy", self.pause_accuracy, PERCENT_RANGE),
            ("pause_min_steps", self.pause_min_steps, GOLD_COUNT_RANGE),
            ("trust_gold_steps", self.trust_gold_steps, TRUST_STEPS_RANGE),
            (
                "confidence_percent",
                self.confidence_percent,
                CONFIDENCE_RANGE,
            ),
            ("min_heard_percent", self.min_heard_percent, PERCENT_RANGE),
            ("dispute_days", self.dispute_days, DISPUTE_DAYS_RANGE),
        ] {
            if !(min..=max).contains(&value) {
                problems.push(
                    FieldProblem::new(field, "out_of_range")
                        .with("min", min)
                        .with("max", max),
                );
            }
        }
        if parse_cents(&self.review_rate).is_none() {
            problems.push(FieldProblem::new("review_rate", "not_an_amount"));
        }
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            problems.push(FieldProblem::new("currency", "not_a_currency"));
        }
        match Zone::named(&self.time_zone) {
            Some(zone) if zone.name() == self.time_zone => {}
            _ => problems.push(FieldProblem::new("time_zone", "unknown_zone")),
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Stores every setting; an upsert per row, so two owners saving at once cannot both
    /// try to insert a setting that was never stored.
    pub fn save(&self, conn: &mut DbConnection) -> QueryResult<()> {
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
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_to_the_cent() {
        assert_eq!(parse_cents("0.50"), Some(50));
        assert_eq!(parse_cents("12"), Some(1200));
        assert_eq!(parse_cents("3,5"), Some(350));
        assert_eq!(format_cents(1205), "12.05");
        for bad in ["", "-1", "1.234", "abc", "1.", ".5", "1e3"] {
            assert_eq!(parse_cents(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_lease_is_the_longer_of_the_minimum_and_the_length_multiple() {
        let settings = OrgSettings::default();
        assert_eq!(settings.lease_for(60_000), time::Duration::minutes(15));
        assert_eq!(settings.lease_for(600_000), time::Duration::minutes(30));
    }
}
