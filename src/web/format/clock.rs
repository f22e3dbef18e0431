//! Moments in a call and call lengths as people read and type them: `1:05`, `1:02:05`.

/// `m:ss`, or `h:mm:ss` from an hour on.
pub fn clock(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Reads a time typed as `ss`, `m:ss` or `h:mm:ss` (the last part may have a fraction).
pub fn parse_clock(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let (last, whole) = parts.split_last()?;
    let mut ms: i64 = 0;
    for part in whole {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) || part.len() > 4 {
            return None;
        }
        ms = ms * 60 + part.parse::<i64>().ok()?;
    }
    let seconds: f64 = last
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s >= 0.0)?;
    if !whole.is_empty() && seconds >= 60.0 {
        return None;
    }
    if !last.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Some(ms * 60_000 + (seconds * 1000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::{clock, parse_clock};

    #[test]
    fn clocks_read_and_write() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(65_400), "1:05");
        assert_eq!(clock(3_725_000), "1:02:05");
        assert_eq!(clock(-5), "0:00");
        assert_eq!(parse_clock("1:05"), Some(65_000));
        assert_eq!(parse_clock(" 42 "), Some(42_000));
        assert_eq!(parse_clock("0:07.5"), Some(7_500));
        assert_eq!(parse_clock("1:02:05"), Some(3_725_000));
        for bad in [
            "", "x", "1:75", "-3", "1::2", "1:2:3:4", "1e3", "inf", "1:-5",
        ] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }
}
