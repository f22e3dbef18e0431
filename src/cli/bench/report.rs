//! The figures printed at the end of a run: throughput, latency percentiles and errors.

use std::collections::BTreeMap;

use super::ReviewLoopArgs;
use super::load::Run;

/// Prints the figures of `run` as a table, then the errors by kind, and a warning when some
/// reviewers ran out of work before the time was up.
pub(super) fn print(args: &ReviewLoopArgs, backend: &str, version: &str, run: Run) {
    let Run { tallies, elapsed } = run;
    let reviews: u64 = tallies.iter().map(|t| t.reviews).sum();
    let exhausted = tallies.iter().filter(|t| t.exhausted).count();
    let mut next: Vec<u32> = tallies
        .iter()
        .flat_map(|t| t.next.iter().copied())
        .collect();
    let mut review: Vec<u32> = tallies
        .iter()
        .flat_map(|t| t.review.iter().copied())
        .collect();
    next.sort_unstable();
    review.sort_unstable();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for tally in &tallies {
        for (key, count) in &tally.errors {
            *errors.entry(key.clone()).or_default() += count;
        }
    }
    let error_total: u64 = errors.values().sum();

    println!();
    println!("| {:<22} | {:>12} |", "callqa bench review-loop", "");
    println!("|{:-<24}|{:->14}|", "", "");
    let row = |name: &str, value: String| println!("| {name:<22} | {value:>12} |");
    row("backend", backend.to_owned());
    row("server version", version.to_owned());
    row("reviewers", args.reviewers.to_string());
    row("seconds", format!("{elapsed:.1}"));
    row("reviews done", reviews.to_string());
    row(
        "reviews/s",
        format!("{:.0}", reviews as f64 / elapsed.max(1e-9)),
    );
    for (name, samples) in [("next", &next), ("review", &review)] {
        for (label, p) in [("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("max", 100.0)] {
            row(
                &format!("{name} {label} ms"),
                percentile_ms(samples, p).map_or_else(|| "-".to_owned(), |ms| format!("{ms:.2}")),
            );
        }
    }
    row("errors", error_total.to_string());
    println!();
    for (key, count) in &errors {
        println!("error: {key}: {count}");
    }
    if exhausted > 0 {
        println!(
            "warning: {exhausted} of {} reviewers ran out of work (204) before {} s: seed more \
             calls (--calls, now {}) or raise --reviews-per-call; the figures cover {elapsed:.1} s",
            args.reviewers,
            args.seconds,
            args.calls()
        );
    }
}

/// The `p`-th percentile (nearest rank) of sorted microsecond samples, in milliseconds.
fn percentile_ms(sorted: &[u32], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    Some(f64::from(sorted[index]) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<u32> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(percentile_ms(&samples, 50.0), Some(50.0));
        assert_eq!(percentile_ms(&samples, 99.0), Some(99.0));
        assert_eq!(percentile_ms(&samples, 100.0), Some(100.0));
        assert_eq!(percentile_ms(&[], 50.0), None);
    }
}
