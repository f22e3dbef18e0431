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

#[cfg(test)]
mod tests {
    use super::{percent, score, whole};

    #[test]
    fn shares_read_as_whole_percentages() {
        assert_eq!(whole(2.0 / 3.0), 67);
        assert_eq!(whole(1.5), 100);
        assert_eq!(percent(2.0 / 3.0), "67%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(score(None), "—");
        assert_eq!(score(Some(0.5)), "50%");
    }
}
