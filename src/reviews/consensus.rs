//! From several reviewers' verdicts to one outcome per step, and from the outcomes to a
//! call's score. Pure functions: the rules are small and must be exactly right.
//!
//! - A step's outcome is the verdict most reviewers gave; a tie between the top verdicts is
//!   `split` (shown to the owner, counted for nobody).
//! - Score = correct / (correct + incorrect) over the outcomes, each step weighed by its
//!   weight when the owner set weights (1 for a step without one). `missing` means the script
//!   had no answer, which is not the operator's fault, so it never counts against them; a
//!   step that `did_not_arise` counts neither way.
//! - An `incorrect` outcome on a critical step fails the call: its score is 0.

use serde::Serialize;

use super::verdict::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Correct,
    Incorrect,
    Missing,
    DidNotArise,
    Split,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Correct => "correct",
            Outcome::Incorrect => "incorrect",
            Outcome::Missing => "missing",
            Outcome::DidNotArise => "did_not_arise",
            Outcome::Split => "split",
        }
    }
}

impl From<Verdict> for Outcome {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Correct => Outcome::Correct,
            Verdict::Incorrect => Outcome::Incorrect,
            Verdict::Missing => Outcome::Missing,
            Verdict::DidNotArise => Outcome::DidNotArise,
        }
    }
}

/// The majority verdict of one step; `None` when nobody graded it.
pub fn step_outcome(verdicts: &[Verdict]) -> Option<Outcome> {
    let mut tally: Vec<(usize, Verdict)> = Verdict::ALL
        .iter()
        .map(|v| (verdicts.iter().filter(|x| *x == v).count(), *v))
        .collect();
    tally.sort_by_key(|t| std::cmp::Reverse(t.0));
    match tally.as_slice() {
        [(0, _), ..] | [] => None,
        [(top, _), (second, _), ..] if top == second => Some(Outcome::Split),
        [(_, verdict), ..] => Some((*verdict).into()),
    }
}

/// One step's outcome with what its version says of the step, for [`call_score`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Graded {
    pub outcome: Outcome,
    pub critical: bool,
    /// `None`: not weighed, which counts as 1.
    pub weight: Option<i32>,
}

/// A call's score and whether it failed on a critical step.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CallScore {
    /// 0–1; `None` when no step was judged correct or incorrect (all missing, split or not
    /// arisen). 0 after a critical failure.
    pub score: Option<f64>,
    /// An `incorrect` outcome on a critical step.
    pub critical_failure: bool,
}

/// The weighted share of judged steps done correctly, or 0 after a critical failure.
pub fn call_score(steps: &[Graded]) -> CallScore {
    if steps
        .iter()
        .any(|s| s.critical && s.outcome == Outcome::Incorrect)
    {
        return CallScore {
            score: Some(0.0),
            critical_failure: true,
        };
    }
    let weight = |s: &Graded| i64::from(s.weight.unwrap_or(1).max(1));
    let sum = |outcome: Outcome| -> i64 {
        steps
            .iter()
            .filter(|s| s.outcome == outcome)
            .map(weight)
            .sum()
    };
    let (correct, incorrect) = (sum(Outcome::Correct), sum(Outcome::Incorrect));
    CallScore {
        score: (correct + incorrect > 0).then(|| correct as f64 / (correct + incorrect) as f64),
        critical_failure: false,
    }
}

/// The plain score of outcomes (no step critical, none weighed): the tests' shorthand.
#[cfg(test)]
pub fn score(outcomes: &[Outcome]) -> Option<f64> {
    let steps: Vec<Graded> = outcomes
        .iter()
        .map(|outcome| Graded {
            outcome: *outcome,
            critical: false,
            weight: None,
        })
        .collect();
    call_score(&steps).score
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
        use Verdict::DidNotArise as D;
        assert_eq!(step_outcome(&[D, D, C]), Some(Outcome::DidNotArise));
        assert_eq!(step_outcome(&[D, C]), Some(Outcome::Split));
    }

    fn graded(outcome: Outcome, critical: bool, weight: Option<i32>) -> Graded {
        Graded {
            outcome,
            critical,
            weight,
        }
    }

    #[test]
    fn a_critical_failure_scores_zero_and_weights_weigh() {
        use Outcome::*;
        let failed = call_score(&[graded(Correct, false, None), graded(Incorrect, true, None)]);
        assert_eq!(failed.score, Some(0.0));
        assert!(failed.critical_failure);
        // A critical step done right is just a step.
        let passed = call_score(&[graded(Correct, true, None), graded(Incorrect, false, None)]);
        assert_eq!(passed.score, Some(0.5));
        assert!(!passed.critical_failure);
        // Weights 3 (correct) and 1 (incorrect): 3/4; a step without one weighs 1.
        let weighed = call_score(&[
            graded(Correct, false, Some(3)),
            graded(Incorrect, false, None),
            graded(DidNotArise, false, Some(50)),
            graded(Missing, false, Some(50)),
        ]);
        assert_eq!(weighed.score, Some(0.75));
        assert_eq!(call_score(&[graded(DidNotArise, false, None)]).score, None);
        assert_eq!(call_score(&[]), CallScore::default());
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
