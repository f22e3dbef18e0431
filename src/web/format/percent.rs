//! Shares and scores (0–1) as whole percentages.

/// A share 0–1 as a whole number of percent, held to 0–100.
pub fn whole(share: f64) -> u32 {
    (share.clamp(0.0, 1.0) * 100.0).round() as u32
}

/// `83%`.
pub fn percent(share: f64) -> String {
    format!("{}%", whole(share))
}

/// A score as shown: `67%`, or a dash for a call with nothing to score.
pub fn score(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_owned(), percent)
}

/// A share with its 95 % range: `40% (17%–69%)`, or a dash without calls.
pub fn with_range(share: Option<crate::dashboards::effect::Share>) -> String {
    share.map_or_else(
        || "—".to_owned(),
        |s| {
            format!(
                "{} ({}–{})",
                percent(s.value),
                percent(s.low),
                percent(s.high)
            )
        },
    )
}

/// A change of a share in points, signed: `+25`, `-30`; empty when there is none.
pub fn points(change: Option<f64>) -> String {
    change
        .map(|c| format!("{:+.0}", c * 100.0))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{percent, points, score, whole, with_range};

    #[test]
    fn shares_read_as_whole_percentages() {
        assert_eq!(whole(2.0 / 3.0), 67);
        assert_eq!(whole(1.5), 100);
        assert_eq!(percent(2.0 / 3.0), "67%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(score(None), "—");
        assert_eq!(score(Some(0.5)), "50%");
        let share = crate::dashboards::effect::wilson(1, 2);
        assert_eq!(with_range(share), "50% (9%–91%)");
        assert_eq!(with_range(None), "—");
        assert_eq!(points(Some(0.25)), "+25");
        assert_eq!(points(Some(-0.3)), "-30");
        assert_eq!(points(None), "");
    }
}
