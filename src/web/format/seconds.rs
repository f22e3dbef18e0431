//! Times as a number of seconds: shown to people with only the decimals they carry (`42.3`),
//! and written exactly (`42.300`) where a player reads them (`#t=`, `data-seek`).

/// Seconds with up to three decimals, as people type them: `42.3`, `14`.
pub fn seconds(ms: i64) -> String {
    let text = exact(ms);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Seconds with three decimals, for a media fragment or a seek attribute.
pub fn exact(ms: i64) -> String {
    format!("{:.3}", ms.max(0) as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::{exact, seconds};

    #[test]
    fn seconds_read_as_typed_and_exact_for_players() {
        assert_eq!(seconds(42_300), "42.3");
        assert_eq!(seconds(14_000), "14");
        assert_eq!(seconds(1_005), "1.005");
        assert_eq!(exact(42_300), "42.300");
        assert_eq!(exact(300), "0.300");
        assert_eq!(exact(-1), "0.000");
    }
}
