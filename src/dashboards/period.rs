//! The period a dashboard covers: a run of whole days in the viewer's zone, both ends
//! included, read from a query's `from` and `to`, with the period of the same length before it (for trends) and
//! its weeks (for sparklines).

use serde::{Serialize, Serializer};
use time::{Date, Duration};

use crate::db::time::Timestamp;
use crate::validation::FieldProblem;
use crate::zone::Zone;

/// The period shown when none is asked for: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;
/// The longest period one overview covers (about five years).
pub const MAX_DAYS: i64 = 1830;

/// A run of whole (local) days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    #[serde(serialize_with = "day")]
    pub from: Date,
    #[serde(serialize_with = "day")]
    pub to: Date,
}

/// `YYYY-MM-DD`.
pub fn day_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Serializes a date as `YYYY-MM-DD`.
pub fn day<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&day_text(*date))
}

impl Period {
    /// The period of a query: `from` and `to` as `YYYY-MM-DD`, either or both blank. Without
    /// `to` it ends `today`; without `from` it is [`DEFAULT_DAYS`] long.
    pub fn parse(
        from: &Option<String>,
        to: &Option<String>,
        today: Date,
    ) -> Result<Self, Vec<FieldProblem>> {
        let day =
            |field, text| crate::db::time::day_bound(field, text, 0).map(|t| t.map(|t| t.date()));
        let (from, to) = match (day("from", from), day("to", to)) {
            (Ok(from), Ok(to)) => (from, to),
            (from, to) => return Err([from.err(), to.err()].into_iter().flatten().collect()),
        };
        let one = |field, code| vec![FieldProblem::new(field, code)];
        let to = to.unwrap_or(today);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub(Duration::days(DEFAULT_DAYS - 1))
                .ok_or_else(|| one("to", "bad_date"))?,
        };
        if from > to {
            return Err(one("to", "period_reversed"));
        }
        let period = Period { from, to };
        if period.days() > MAX_DAYS {
            return Err(vec![
                FieldProblem::new("from", "period_too_long").with("max", MAX_DAYS),
            ]);
        }
        // Both the period before and the end of this one must be representable.
        if period.previous().is_none() || to.next_day().is_none() {
            return Err(one("from", "bad_date"));
        }
        Ok(period)
    }

    /// The number of days, both ends counted.
    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Option<Period> {
        let to = self.from.previous_day()?;
        let from = self.from.checked_sub(Duration::days(self.days()))?;
        Some(Period { from, to })
    }

    pub fn contains(&self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }

    /// The first moment of the period in `zone`, as stored.
    pub fn start(&self, zone: &Zone) -> Timestamp {
        zone.start_of(self.from)
    }

    /// The first moment after the period in `zone`, as stored.
    pub fn end(&self, zone: &Zone) -> Timestamp {
        zone.start_of(self.to.next_day().unwrap_or(self.to))
    }

    /// The weeks of the sparkline: seven days from `from` on, the last one possibly shorter.
    pub fn weeks(&self) -> Vec<Period> {
        let mut weeks = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let end = start
                .checked_add(Duration::days(6))
                .map_or(self.to, |end| end.min(self.to));
            weeks.push(Period {
                from: start,
                to: end,
            });
            match end.next_day() {
                Some(next) => start = next,
                None => break,
            }
        }
        weeks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn some(text: &str) -> Option<String> {
        Some(text.to_owned())
    }
    #[test]
    fn a_period_defaults_to_the_last_thirty_days_and_checks_its_dates() {
        let today = date!(2026 - 03 - 10);
        let p = Period::parse(&None, &None, today).unwrap();
        assert_eq!((p.from, p.to), (date!(2026 - 02 - 09), today));
        assert_eq!(p.days(), 30);
        let prev = p.previous().unwrap();
        assert_eq!(
            (prev.from, prev.to),
            (date!(2026 - 01 - 10), date!(2026 - 02 - 08))
        );

        let p = Period::parse(&some("2026-01-01"), &some(" 2026-01-01 "), today).unwrap();
        assert_eq!(p.days(), 1);
        assert_eq!(p.previous().unwrap().from, date!(2025 - 12 - 31));

        let fields = |e: Vec<FieldProblem>| -> Vec<(String, &str)> {
            e.into_iter().map(|p| (p.field, p.code)).collect()
        };
        let bad = Period::parse(&some("yesterday"), &some("2026-13-01"), today).unwrap_err();
        assert_eq!(
            fields(bad),
            [("from".into(), "bad_date"), ("to".into(), "bad_date")]
        );
        let reversed = Period::parse(&some("2026-02-02"), &some("2026-02-01"), today);
        assert_eq!(
            fields(reversed.unwrap_err()),
            [("to".into(), "period_reversed")]
        );
        let long = Period::parse(&some("2000-01-01"), &None, today);
        assert_eq!(
            fields(long.unwrap_err()),
            [("from".into(), "period_too_long")]
        );
    }

    #[test]
    fn weeks_cover_the_period_and_the_last_may_be_short() {
        let p = Period {
            from: date!(2026 - 01 - 01),
            to: date!(2026 - 01 - 16),
        };
        let weeks = p.weeks();
        assert_eq!(weeks.len(), 3);
        assert_eq!(weeks[1].from, date!(2026 - 01 - 08));
        assert_eq!(
            (weeks[2].from, weeks[2].to),
            (p.to - Duration::days(1), p.to)
        );
    }
}
