//! Amounts as people write them and as the ledger keeps them: integers in minor units (two
//! decimals for every currency callqa pays in), never floats.

/// A signed amount from a decimal text (`12`, `-0.5`, `3,50`, `+2.00`); `None` when it is
/// not one (more than two decimals, more than nine whole digits, anything but digits).
pub fn parse_minor(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = crate::org_settings::parse_cents(rest)?;
    Some(if negative { -magnitude } else { magnitude })
}

/// Minor units as a decimal with `separator` (`.` or `,`): `-1205` → `-12.05`.
pub fn format_minor(minor: i64, separator: char) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    format!("{sign}{}{separator}{:02}", magnitude / 100, magnitude % 100)
}

/// `rate` per minute over `duration_ms`, to the nearest minor unit (halves up).
pub fn per_minute(rate_minor: i64, duration_ms: i64) -> i64 {
    let product = i128::from(rate_minor) * i128::from(duration_ms.max(0));
    i64::try_from((product + 30_000) / 60_000).unwrap_or(i64::MAX)
}

/// `percent` of `amount`, to the nearest minor unit (halves away from zero).
pub fn percent_of(amount_minor: i64, percent: i32) -> i64 {
    let product = i128::from(amount_minor) * i128::from(percent);
    let rounded = if product >= 0 {
        (product + 50) / 100
    } else {
        (product - 50) / 100
    };
    i64::try_from(rounded).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_their_sign_and_cents() {
        assert_eq!(parse_minor("-0.5"), Some(-50));
        assert_eq!(parse_minor("+2"), Some(200));
        assert_eq!(parse_minor("3,50"), Some(350));
        assert_eq!(parse_minor("--1"), None);
        assert_eq!(parse_minor("1.005"), None);
        assert_eq!(format_minor(-1205, '.'), "-12.05");
        assert_eq!(format_minor(-5, ','), "-0,05");
        assert_eq!(format_minor(123_450, ','), "1234,50");
    }

    #[test]
    fn minutes_and_percents_round_to_the_nearest_unit() {
        // 1.00 a minute for 90 s is 1.50; for 1 s it is 1.67 cents → 2.
        assert_eq!(per_minute(100, 90_000), 150);
        assert_eq!(per_minute(100, 1_000), 2);
        assert_eq!(percent_of(150, 10), 15);
        assert_eq!(percent_of(155, 10), 16);
        assert_eq!(percent_of(-155, 10), -16);
    }
}
