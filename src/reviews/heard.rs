//! Proof of listening: the parts of a call the reviewer's player reported as played, as time
//! ranges in milliseconds. What a client sends is cleaned here (clipped to the call, empty or
//! unreadable ranges dropped, overlaps merged) before anything is judged or stored, and
//! `crate::reviews::submit` refuses a review that heard too little of the call, or claims more
//! than could have been played since the call was drawn.

use crate::validation::FieldProblem;

/// The most ranges a review may report; a player's own record is a handful.
pub const MAX_HEARD_RANGES: usize = 1000;

/// The fastest playback the workspace offers: a review may claim at most twice the time the
/// reviewer has held the call.
pub const MAX_PLAYBACK_RATE: i64 = 2;

/// One range as a client sent it: `[start_ms, end_ms]` (anything else is refused).
pub type RangeInput = Vec<f64>;

/// What was heard of a call, cleaned: sorted ranges that neither overlap nor touch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Heard {
    pub ranges: Vec<(i64, i64)>,
}

impl Heard {
    /// Milliseconds heard (each moment once).
    pub fn ms(&self) -> i64 {
        self.ranges.iter().map(|(start, end)| end - start).sum()
    }

    /// The share heard of a call of `duration_ms`, in whole percent rounded down (a call of
    /// unknown length counts as wholly heard: there is nothing to measure it against).
    pub fn percent_of(&self, duration_ms: i64) -> i64 {
        percent(self.ms(), duration_ms)
    }

    /// The ranges as stored: `0-5300,8000-12000` (the page form's spelling as well).
    pub fn encode(&self) -> String {
        self.ranges
            .iter()
            .map(|(start, end)| format!("{start}-{end}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `heard_ms` of a call of `duration_ms` in whole percent, rounded down; 100 for a call of
/// unknown (zero) length.
pub fn percent(heard_ms: i64, duration_ms: i64) -> i64 {
    if duration_ms <= 0 {
        return 100;
    }
    (i128::from(heard_ms.max(0)) * 100 / i128::from(duration_ms)).min(100) as i64
}

/// Cleans what a client sent about a call of `duration_ms`: each range clipped to
/// `[0, duration_ms]`, empty, reversed and non-finite ones dropped, the rest merged. More than
/// [`MAX_HEARD_RANGES`] ranges, or a range that is not a pair of numbers, is refused (field
/// `heard`).
pub fn clean(input: &[RangeInput], duration_ms: i64) -> Result<Heard, FieldProblem> {
    if input.len() > MAX_HEARD_RANGES {
        return Err(FieldProblem::new("heard", "too_many_ranges").with("max", MAX_HEARD_RANGES));
    }
    let mut pairs = Vec::with_capacity(input.len());
    for range in input {
        match range.as_slice() {
            [start, end] => pairs.push((*start, *end)),
            _ => return Err(FieldProblem::new("heard", "not_a_range")),
        }
    }
    Ok(merge(&pairs, duration_ms))
}

/// The pure merge: clips each `(start, end)` to `[0, duration_ms]` (rounded to whole
/// milliseconds), drops the empty, reversed and non-finite ones, and joins those that overlap
/// or touch.
pub fn merge(pairs: &[(f64, f64)], duration_ms: i64) -> Heard {
    let limit = duration_ms.max(0) as f64;
    let mut ranges: Vec<(i64, i64)> = pairs
        .iter()
        .filter(|(start, end)| start.is_finite() && end.is_finite())
        .map(|(start, end)| {
            (
                start.clamp(0.0, limit).round() as i64,
                end.clamp(0.0, limit).round() as i64,
            )
        })
        .filter(|(start, end)| end > start)
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    Heard { ranges: merged }
}

/// The page form's hidden field (`0-5300,8000-12000`) as ranges; a piece that is not two
/// numbers joined by `-` becomes a range [`clean`] refuses. An empty field is no ranges.
pub fn parse_form(text: &str) -> Vec<RangeInput> {
    text.split(',')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let numbers = piece.split_once('-').and_then(|(start, end)| {
                Some((start.trim().parse().ok()?, end.trim().parse().ok()?))
            });
            match numbers {
                Some((start, end)) => vec![start, end],
                None => Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_and_touching_ranges_are_merged_in_order() {
        let heard = merge(
            &[
                (8000.0, 12000.0),
                (0.0, 5300.0),
                (5000.0, 6000.0),
                (12000.0, 12500.0),
            ],
            60_000,
        );
        assert_eq!(heard.ranges, vec![(0, 6000), (8000, 12500)]);
        assert_eq!(heard.ms(), 10_500);
        assert_eq!(heard.encode(), "0-6000,8000-12500");
    }

    #[test]
    fn ranges_are_clipped_to_the_call_and_the_empty_dropped() {
        let heard = merge(
            &[
                (-500.0, 1000.0),
                (59_000.0, 75_000.0),
                (3000.0, 3000.0),
                (9000.0, 4000.0),
                (f64::NAN, 2000.0),
                (1000.0, f64::INFINITY),
                (70_000.0, 80_000.0),
                (-9.0, -1.0),
            ],
            60_000,
        );
        assert_eq!(heard.ranges, vec![(0, 1000), (59_000, 60_000)]);
        assert_eq!(heard.ms(), 2000);
    }

    #[test]
    fn a_range_inside_another_adds_nothing() {
        let heard = merge(&[(0.0, 10_000.0), (2000.0, 3000.0), (0.4, 9999.6)], 10_000);
        assert_eq!(heard.ranges, vec![(0, 10_000)]);
        assert_eq!(heard.percent_of(10_000), 100);
    }

    #[test]
    fn the_percent_is_rounded_down() {
        assert_eq!(percent(5999, 10_000), 59);
        assert_eq!(percent(6000, 10_000), 60);
        assert_eq!(percent(0, 10_000), 0);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(Heard::default().ms(), 0);
    }

    #[test]
    fn too_many_ranges_or_a_range_that_is_not_a_pair_is_refused() {
        let many: Vec<RangeInput> = (0..=MAX_HEARD_RANGES)
            .map(|i| vec![i as f64 * 10.0, i as f64 * 10.0 + 5.0])
            .collect();
        let problem = clean(&many, 60_000).unwrap_err();
        assert_eq!(
            (problem.field.as_str(), problem.code),
            ("heard", "too_many_ranges")
        );
        assert!(clean(&many[..MAX_HEARD_RANGES], 60_000).is_ok());
        for bad in [vec![1.0], vec![1.0, 2.0, 3.0], vec![]] {
            let problem = clean(&[vec![0.0, 5.0], bad], 60_000).unwrap_err();
            assert_eq!(problem.code, "not_a_range");
        }
        assert_eq!(clean(&[], 60_000).unwrap(), Heard::default());
    }

    #[test]
    fn the_form_field_is_read_as_ranges() {
        assert_eq!(
            parse_form("0-5300, 8000-12000"),
            vec![vec![0.0, 5300.0], vec![8000.0, 12000.0]]
        );
        assert_eq!(parse_form(""), Vec::<RangeInput>::new());
        assert_eq!(parse_form("12.5-20"), vec![vec![12.5, 20.0]]);
        for bad in ["5300", "a-b", "-5-10", "1-2-3"] {
            assert_eq!(parse_form(bad), vec![Vec::<f64>::new()], "{bad}");
        }
    }
}
