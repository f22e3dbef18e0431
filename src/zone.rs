//! Time zones: times are stored in UTC and shown in the viewer's zone — their own setting, or
//! else the organization's, which is UTC until the owner picks one. The zone database is built
//! into the binary, so every IANA name is known on any server.

use std::fmt;

use jiff::tz::TimeZone;
use time::{Date, Month, PrimitiveDateTime, Time};

use crate::db::time::Timestamp;
use crate::validation::FieldProblem;

/// A named IANA zone (`Europe/Moscow`, `UTC`).
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::utc()
    }
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// The zone with this IANA name, or `None` for a name the database does not know.
    pub fn named(name: &str) -> Option<Zone> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return None;
        }
        let tz = jiff::tz::db().get(name).ok()?;
        // The database matches names without regard to case; keep its own spelling.
        let name = tz.iana_name().unwrap_or(name).to_owned();
        Some(Zone { name, tz })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The wall-clock time here at a stored (UTC) instant.
    pub fn local(&self, at: Timestamp) -> PrimitiveDateTime {
        let millis = (at.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        let civil = jiff::Timestamp::from_millisecond(millis)
            .map(|ts| self.tz.to_datetime(ts))
            .ok();
        civil.and_then(to_primitive).unwrap_or(at)
    }

    /// The stored (UTC) instant at which `day` begins here.
    pub fn start_of(&self, day: Date) -> Timestamp {
        let start = i16::try_from(day.year())
            .ok()
            .and_then(|year| {
                jiff::civil::Date::new(year, u8::from(day.month()) as i8, day.day() as i8).ok()
            })
            .and_then(|date| date.to_zoned_datetime(self.tz.clone()).ok())
            .and_then(|zoned| {
                time::OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second()).ok()
            });
        start.map_or(PrimitiveDateTime::new(day, Time::MIDNIGHT), |at| {
            crate::db::time::to_timestamp(at)
        })
    }

    /// Today's date here.
    pub fn today(&self) -> Date {
        self.local(crate::db::time::now()).date()
    }
}

fn to_primitive(civil: jiff::civil::DateTime) -> Option<PrimitiveDateTime> {
    let month = Month::try_from(civil.month() as u8).ok()?;
    let date = Date::from_calendar_date(i32::from(civil.year()), month, civil.day() as u8).ok()?;
    let time = Time::from_hms_milli(
        civil.hour() as u8,
        civil.minute() as u8,
        civil.second() as u8,
        civil.millisecond() as u16,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

/// A person's own pick: a known name, or nothing (absent or empty) to follow the
/// organization's zone.
pub fn own_choice(text: Option<&str>) -> Result<Option<Zone>, FieldProblem> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(name) => Zone::named(name)
            .map(Some)
            .ok_or_else(|| FieldProblem::new("time_zone", "unknown_zone")),
    }
}

/// Every zone name the database knows, sorted, for a picker (read from the database once).
pub fn names() -> &'static [String] {
    static NAMES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|name| name.as_str().to_owned())
            .filter(|name| name.contains('/') || name == "UTC")
            .collect();
        names.sort();
        names.dedup();
        names
    });
    &NAMES
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn names_are_checked_against_the_database() {
        assert_eq!(
            Zone::named("Europe/Moscow").unwrap().name(),
            "Europe/Moscow"
        );
        assert_eq!(Zone::named(" UTC ").unwrap().name(), "UTC");
        for bad in ["", "Mars/Olympus", "../etc/passwd", &"x".repeat(100)] {
            assert!(Zone::named(bad).is_none(), "{bad}");
        }
        let all = names();
        assert!(all.len() > 300, "{}", all.len());
        assert!(all.iter().any(|n| n == "Asia/Yekaterinburg"));
    }

    #[test]
    fn local_times_follow_the_zone_and_its_daylight_saving() {
        let moscow = Zone::named("Europe/Moscow").unwrap();
        assert_eq!(
            moscow.local(datetime!(2026-12-02 21:30)),
            datetime!(2026-12-03 00:30)
        );
        let berlin = Zone::named("Europe/Berlin").unwrap();
        assert_eq!(
            berlin.local(datetime!(2026-07-01 12:00)),
            datetime!(2026-07-01 14:00)
        );
        assert_eq!(
            berlin.local(datetime!(2026-01-01 12:00)),
            datetime!(2026-01-01 13:00)
        );
        assert_eq!(
            Zone::utc().local(datetime!(2026-01-01 12:00)),
            datetime!(2026-01-01 12:00)
        );
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let moscow = Zone::named("Europe/Moscow").unwrap();
        assert_eq!(
            moscow.start_of(date!(2026 - 12 - 03)),
            datetime!(2026-12-02 21:00)
        );
        let new_york = Zone::named("America/New_York").unwrap();
        assert_eq!(
            new_york.start_of(date!(2026 - 07 - 04)),
            datetime!(2026-07-04 04:00)
        );
        assert_eq!(
            Zone::utc().start_of(date!(2026 - 07 - 04)),
            datetime!(2026-07-04 00:00)
        );
    }
}
