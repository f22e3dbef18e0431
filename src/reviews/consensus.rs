//! From several reviewers' verdicts to one outcome per step, and from the outcomes to a
//! call's score. Pure functions: the rules are small and must be exactly right.
//!
//! - A step's outcome is the verdict most reviewers gave; a tie between the top verdicts is
//!   `split` (shown to the owner, counted for nobody).
//! - Score = correct / (correct + incorrect) over the outcomes. `missing` means the script
//!   had no answer, which is not the operator's fault, so it never counts against them.

use serde::Serialize;

use super::verdict::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Correct,
    Incorrect,
    Missing,
    Split,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Correct => "correct",
            Outcome::Incorrect => "incorrect",
            Outcome::Missing => "missing",
            Outcome::Split => "split",
        }
    }
}

/// The majority verdict of one step; `None` when nobody graded it.
pub fn step_outcome(verdicts: &[Verdict]) -> Option<Outcome> {
    let count = |v: Verdict| verdicts.iter().filter(|x| **x == v).count();
    let mut tally = [
        (count(Verdict::Correct), Outcome::Correct),
        (count(Verdict::Incorrect), Outcome::Incorrect),
        (count(Verdict::Missing), Outcome::Missing),
    ];
    tally.sort_by_key(|t| std::cmp::Reverse(t.0));
    match tally {
        [(0, _), ..] => None,
        [(top, _), (second, _), _] if top == second => Some(Outcome::Split),
        [(_, outcome), ..] => Some(outcome),
    }
}

/// The share of judged steps done correctly, 0–1; `None` when no step was judged correct
/// or incorrect (all missing or split).
pub fn score(outcomes: &[Outcome]) -> Option<f64> {
    let correct = outcomes.iter().filter(|o| **o == Outcome::Correct).count();
    let incorrect = outcomes
        .iter()
        .filter(|o| **o == Outcome::Incorrect)
        .count();
    (correct + incorrect > 0).then(|| correct as f64 / (correct + incorrect) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::{Correct as C, Incorrect as I, Missing as M};

    #[test]
    fn the_majority_wins_and_a_tie_is_split() {
        assert_eq!(step_outcome(&[C]), Some(Outcome::Correct));
        assert_eq!(step_outcome(&[C, I, I]), Some(Outcome::Incorrect));
        assert_eq!(step_outcome(&[M, M, C]), Some(Outcome::Missing));
        assert_eq!(step_outcome(&[C, I]), Some(Outcome::Split));
        assert_eq!(step_outcome(&[C, I, M]), Some(Outcome::Split));
        assert_eq!(step_outcome(&[C, C, I, I, M]), Some(Outcome::Split));
        assert_eq!(step_outcome(&[]), None);
    }

    #[test]
    fn missing_and_split_never_count_against_the_operator() {
        use Outcome::*;
        assert_eq!(
            score(&[Correct, Correct, Incorrect, Missing, Split]),
            Some(2.0 / 3.0)
        );
        assert_eq!(score(&[Correct, Missing]), Some(1.0));
        assert_eq!(score(&[Missing, Split]), None);
    }
}
