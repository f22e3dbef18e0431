//! Time as stored: UTC without an offset (`TIMESTAMP` on both backends), truncated to
//! milliseconds so a value reads back the same from SQLite and PostgreSQL. Shown to people and
//! API clients as RFC 3339 with a `Z`.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

/// A stored point in time (UTC).
pub type Timestamp = PrimitiveDateTime;

pub fn now() -> Timestamp {
    to_timestamp(OffsetDateTime::now_utc())
}

/// Converts any instant to the stored UTC form, milliseconds kept.
pub fn to_timestamp(at: OffsetDateTime) -> Timestamp {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let millis = utc.millisecond();
    let utc = utc
        .replace_nanosecond(u32::from(millis) * 1_000_000)
        .unwrap_or(utc);
    PrimitiveDateTime::new(utc.date(), utc.time())
}

pub fn rfc3339(at: Timestamp) -> String {
    at.assume_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

/// Parses RFC 3339 (`2026-11-23T10:00:00Z`, any offset) into the stored UTC form.
pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .ok()
        .map(to_timestamp)
}

/// `#[serde(serialize_with = "…")]` helpers for API responses.
pub mod serde_rfc3339 {
    use super::Timestamp;

    pub fn serialize<S: serde::Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*at))
    }

    pub mod option {
        use super::super::Timestamp;

        pub fn serialize<S: serde::Serializer>(
            at: &Option<Timestamp>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => s.serialize_str(&super::super::rfc3339(*at)),
                None => s.serialize_none(),
            }
        }
    }
}

/// The earliest and latest years a date in a query may name: far wider than any call, and
/// far from the ends of the calendar the time library can represent.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A `YYYY-MM-DD` query parameter as the midnight (UTC) starting that day plus `add_days`
/// (1 gives the exclusive end of an inclusive "to" date); blank is `None`; anything else is a
/// `bad_date` problem on `field`, and a year outside [`DATE_YEARS`] is `date_out_of_range`.
pub fn day_bound(
    field: &'static str,
    text: &Option<String>,
    add_days: i64,
) -> Result<Option<Timestamp>, crate::validation::FieldProblem> {
    use crate::validation::FieldProblem;
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(text, &format)
                .map_err(|_| FieldProblem::new(field, "bad_date"))?;
            let out_of_range = || {
                FieldProblem::new(field, "date_out_of_range")
                    .with("min", DATE_YEARS.start())
                    .with("max", DATE_YEARS.end())
            };
            if !DATE_YEARS.contains(&date.year()) {
                return Err(out_of_range());
            }
            PrimitiveDateTime::new(date, time::Time::MIDNIGHT)
                .checked_add(time::Duration::days(add_days))
                .map(Some)
                .ok_or_else(out_of_range)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_rfc3339_in_utc() {
        let parsed = parse_rfc3339("2026-11-23T13:30:00.123456+03:00").unwrap();
        assert_eq!(rfc3339(parsed), "2026-11-23T10:30:00.123Z");
        assert!(parse_rfc3339("yesterday").is_none());
    }

    #[test]
    fn day_bounds_refuse_dates_past_the_sane_range_instead_of_overflowing() {
        let day = |text: &str| day_bound("to", &Some(text.to_owned()), 1);
        assert!(day("2026-11-23").unwrap().is_some());
        for text in ["9999-12-31", "0000-01-01", "2201-01-01", "1899-12-31"] {
            let error = day(text).unwrap_err();
            assert_eq!(error.code, "date_out_of_range", "{text}");
        }
        assert!(day("2200-12-31").unwrap().is_some());
        assert!(day("-1").is_err());
    }
}
