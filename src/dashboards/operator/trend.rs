//! What an operator's reviewed calls say over time: the average score per ISO week, and the
//! steps whose consensus is most often `incorrect`. Pure functions over feedback already
//! loaded, so the rules are unit-tested here.

use std::collections::HashMap;

use serde::Serialize;
use time::{Date, Duration};

use super::StepFeedback;
use crate::reviews::consensus::Outcome;

/// One ISO week of the series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekScore {
    /// The Monday the week starts on.
    pub monday: Date,
    /// `2025-W07`.
    pub label: String,
    /// The average score of the week's calls that have one, 0–1; `None` for a week without.
    pub average: Option<f64>,
    /// How many calls with a score went into the average.
    pub calls: usize,
}

/// The Monday of the ISO week `day` falls in.
pub fn week_start(day: Date) -> Date {
    day - Duration::days(i64::from(day.weekday().number_days_from_monday()))
}

/// The average score per ISO week over the `weeks` weeks ending with the week of `today`,
/// oldest first. Each call is `(its day, its score)`; calls without a score (every step
/// missing or split) and calls outside the span are left out.
pub fn weekly_scores(calls: &[(Date, Option<f64>)], today: Date, weeks: usize) -> Vec<WeekScore> {
    let last = week_start(today);
    (0..weeks)
        .rev()
        .map(|back| {
            let monday = last - Duration::weeks(back as i64);
            let scores: Vec<f64> = calls
                .iter()
                .filter(|(day, _)| week_start(*day) == monday)
                .filter_map(|(_, score)| *score)
                .collect();
            let (year, week, _) = monday.to_iso_week_date();
            WeekScore {
                monday,
                label: format!("{year}-W{week:02}"),
                average: (!scores.is_empty())
                    .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
                calls: scores.len(),
            }
        })
        .collect()
}

/// A step the operator gets wrong, across calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissedStep {
    pub key: String,
    /// The title in the newest call that has the step.
    pub title: String,
    /// Calls where the consensus on the step is `incorrect`.
    pub incorrect: usize,
    /// Calls where the step has a consensus at all.
    pub judged: usize,
}

/// The steps whose consensus is most often `incorrect`, most first (then by share, then by
/// title), at most `limit`. Steps never judged incorrect are not listed. `calls` are each
/// call's steps, newest call first.
pub fn most_missed<'a>(
    calls: impl IntoIterator<Item = &'a [StepFeedback]>,
    limit: usize,
) -> Vec<MissedStep> {
    let mut by_key: HashMap<&str, MissedStep> = HashMap::new();
    for steps in calls {
        for step in steps {
            let Some(outcome) = step.verdict else {
                continue;
            };
            let entry = by_key.entry(&step.key).or_insert_with(|| MissedStep {
                key: step.key.clone(),
                title: step.title.clone(),
                incorrect: 0,
                judged: 0,
            });
            entry.judged += 1;
            if outcome == Outcome::Incorrect {
                entry.incorrect += 1;
            }
        }
    }
    let mut missed: Vec<MissedStep> = by_key.into_values().filter(|s| s.incorrect > 0).collect();
    missed.sort_by(|a, b| {
        b.incorrect
            .cmp(&a.incorrect)
            .then_with(|| (b.incorrect * a.judged).cmp(&(a.incorrect * b.judged)))
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.key.cmp(&b.key))
    });
    missed.truncate(limit);
    missed
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn step(key: &str, title: &str, verdict: Option<Outcome>) -> StepFeedback {
        StepFeedback {
            key: key.to_owned(),
            title: title.to_owned(),
            position: 0,
            verdict,
            critical: false,
            optional: false,
            weight: None,
            correct: 0,
            incorrect: 0,
            missing: 0,
            did_not_arise: 0,
            comments: Vec::new(),
            dispute: None,
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_start(date!(2025 - 03 - 12)), date!(2025 - 03 - 10));
        assert_eq!(week_start(date!(2025 - 03 - 10)), date!(2025 - 03 - 10));
        assert_eq!(week_start(date!(2025 - 03 - 16)), date!(2025 - 03 - 10));
        assert_eq!(
            week_start(date!(2024 - 12 - 31)).weekday(),
            time::Weekday::Monday
        );
    }

    #[test]
    fn the_weekly_series_averages_each_week_and_leaves_gaps() {
        let today = date!(2025 - 03 - 12); // a Wednesday, week 11
        let calls = [
            (date!(2025 - 03 - 10), Some(1.0)),
            (date!(2025 - 03 - 16), Some(0.5)),
            (date!(2025 - 03 - 11), None),
            (date!(2025 - 02 - 25), Some(0.25)),
            // Before the twelve weeks and after today's week: left out.
            (date!(2024 - 12 - 01), Some(0.0)),
            (date!(2025 - 03 - 17), Some(0.0)),
        ];
        let series = weekly_scores(&calls, today, 12);
        assert_eq!(series.len(), 12);
        assert_eq!(series[11].monday, date!(2025 - 03 - 10));
        assert_eq!(series[11].label, "2025-W11");
        assert_eq!(series[11].average, Some(0.75));
        assert_eq!(series[11].calls, 2);
        assert_eq!(series[10].average, None);
        assert_eq!(series[10].calls, 0);
        assert_eq!(series[9].monday, date!(2025 - 02 - 24));
        assert_eq!(series[9].average, Some(0.25));
        assert_eq!(series[0].monday, date!(2024 - 12 - 23));
        assert_eq!(series[0].label, "2024-W52");
        let scored: usize = series.iter().map(|w| w.calls).sum();
        assert_eq!(scored, 3);
    }

    #[test]
    fn iso_weeks_cross_the_new_year() {
        let series = weekly_scores(
            &[(date!(2024 - 12 - 31), Some(0.5))],
            date!(2025 - 01 - 02),
            2,
        );
        assert_eq!(series[1].label, "2025-W01");
        assert_eq!(series[1].average, Some(0.5));
        assert_eq!(series[0].label, "2024-W52");
    }

    #[test]
    fn the_most_missed_steps_count_incorrect_consensus_only() {
        use Outcome::*;
        let newest = vec![
            step("greet", "Greeting", Some(Correct)),
            step("source", "Ask the source (new)", Some(Incorrect)),
            step("listen", "Listen", Some(Split)),
        ];
        let older = vec![
            step("greet", "Greeting", Some(Incorrect)),
            step("source", "Ask the source", Some(Incorrect)),
            step("listen", "Listen", Some(Missing)),
        ];
        let oldest = vec![
            step("greet", "Greeting", Some(Correct)),
            step("source", "Ask the source", None),
            step("listen", "Listen", Some(Split)),
        ];
        let calls = [newest.as_slice(), older.as_slice(), oldest.as_slice()];
        let missed = most_missed(calls, 5);
        assert_eq!(
            missed,
            vec![
                MissedStep {
                    key: "source".into(),
                    title: "Ask the source (new)".into(),
                    incorrect: 2,
                    judged: 2,
                },
                MissedStep {
                    key: "greet".into(),
                    title: "Greeting".into(),
                    incorrect: 1,
                    judged: 3,
                },
            ]
        );
        assert_eq!(most_missed(calls, 1).len(), 1);
        assert!(most_missed([oldest.as_slice()], 5).is_empty());
    }

    #[test]
    fn ties_go_to_the_larger_share() {
        use Outcome::*;
        let a = vec![
            step("a", "Alpha", Some(Incorrect)),
            step("b", "Beta", Some(Incorrect)),
        ];
        let b = vec![step("a", "Alpha", Some(Correct))];
        let missed = most_missed([a.as_slice(), b.as_slice()], 5);
        assert_eq!(missed[0].key, "b");
        assert_eq!(missed[1].key, "a");
    }
}
