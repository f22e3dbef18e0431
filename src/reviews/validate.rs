//! Checking a submitted review against the checklist it answers: one verdict per step, a
//! known verdict word, a comment where the verdict needs one, a time inside the call. Pure,
//! so every rule is unit-tested here.

use std::collections::HashSet;

use serde::Deserialize;

use crate::scripts::Step;
use crate::validation::FieldProblem;

pub const MAX_COMMENT_CHARS: usize = 2000;

pub use super::verdict::Verdict;

/// The part of the review a [`VerdictProblem`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictPart {
    /// The step the verdict names (unknown, or graded twice).
    Step,
    /// The verdict word.
    Verdict,
    Comment,
    /// The moment in the call it points at.
    Time,
    /// A step of the checklist that no verdict answers.
    Ungraded,
}

impl VerdictPart {
    /// The field's name inside a verdict, as the API reports it (`verdicts[2].at_ms`).
    fn field(self) -> &'static str {
        match self {
            VerdictPart::Step => "step_id",
            VerdictPart::Verdict => "verdict",
            VerdictPart::Comment => "comment",
            VerdictPart::Time => "at_ms",
            VerdictPart::Ungraded => "",
        }
    }
}

/// One problem with a submitted review, tied to the step it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictProblem {
    /// The step a verdict was sent for (as sent: it may name no step), or for
    /// [`VerdictPart::Ungraded`] the step nobody graded.
    pub step_id: String,
    pub part: VerdictPart,
    /// The problem as the API reports it, naming the field by its place in the list
    /// (`verdicts[2].comment`), or `verdicts` for an ungraded step.
    pub problem: FieldProblem,
}

impl VerdictProblem {
    fn sent(index: usize, given: &VerdictInput, part: VerdictPart, code: &'static str) -> Self {
        VerdictProblem {
            step_id: given.step_id.clone(),
            part,
            problem: FieldProblem::new(format!("verdicts[{index}].{}", part.field()), code),
        }
    }

    fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.problem = self.problem.with(name, value);
        self
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VerdictInput {
    #[serde(default)]
    pub step_id: String,
    #[serde(default)]
    pub verdict: String,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub at_ms: Option<i64>,
}

/// A verdict that passed the checks, tied to its step.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanVerdict {
    pub step: Step,
    pub verdict: Verdict,
    pub comment: Option<String>,
    pub at_ms: Option<i64>,
}

/// Checks the verdicts against the version's steps; every problem at once, each tied to its
/// step and part.
pub fn check_verdicts(
    steps: &[Step],
    duration_ms: i64,
    input: &[VerdictInput],
) -> Result<Vec<CleanVerdict>, Vec<VerdictProblem>> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut clean = Vec::with_capacity(input.len());
    for (index, given) in input.iter().enumerate() {
        let problem = |part, code| VerdictProblem::sent(index, given, part, code);
        let step = steps.iter().find(|s| s.id.as_str() == given.step_id);
        match step {
            None => problems.push(problem(VerdictPart::Step, "unknown_step")),
            Some(step) if !seen.insert(step.id.as_str()) => {
                problems.push(problem(VerdictPart::Step, "duplicate_step"))
            }
            Some(_) => {}
        }
        let verdict = Verdict::parse(given.verdict.trim());
        if verdict.is_none() {
            problems.push(problem(VerdictPart::Verdict, "unknown_verdict"));
        }
        let comment = given
            .comment
            .as_deref()
            .map(|c| c.replace("\r\n", "\n").trim().to_owned())
            .filter(|c| !c.is_empty());
        if matches!(verdict, Some(Verdict::Incorrect | Verdict::Missing)) && comment.is_none() {
            problems.push(problem(VerdictPart::Comment, "comment_required"));
        }
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
        {
            problems.push(problem(VerdictPart::Comment, "too_long").with("max", MAX_COMMENT_CHARS));
        }
        if verdict == Some(Verdict::DidNotArise) && step.is_some_and(|s| !s.optional) {
            problems.push(problem(VerdictPart::Verdict, "not_optional"));
        }
        if let Some(at) = given.at_ms
            && !(0..=duration_ms).contains(&at)
        {
            problems.push(problem(VerdictPart::Time, "outside_call").with("max", duration_ms));
        }
        if let (Some(step), Some(verdict)) = (step, verdict) {
            clean.push(CleanVerdict {
                step: step.clone(),
                verdict,
                comment,
                at_ms: given.at_ms,
            });
        }
    }
    for step in steps {
        if !seen.contains(step.id.as_str()) {
            problems.push(VerdictProblem {
                step_id: step.id.to_string(),
                part: VerdictPart::Ungraded,
                problem: FieldProblem::new("verdicts", "step_not_graded").with("step", &step.title),
            });
        }
    }
    if problems.is_empty() {
        clean.sort_by_key(|v| v.step.position);
        Ok(clean)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::StepId;

    fn steps() -> Vec<Step> {
        (1..=3)
            .map(|i| Step {
                id: StepId::from_raw(format!("s{i}")),
                key: format!("k{i}"),
                position: i,
                title: format!("Step {i}"),
                say: String::new(),
                guidance: String::new(),
                critical: false,
                optional: i == 3,
                weight: None,
            })
            .collect()
    }

    fn given(step: &str, verdict: &str, comment: Option<&str>, at_ms: Option<i64>) -> VerdictInput {
        VerdictInput {
            step_id: step.to_owned(),
            verdict: verdict.to_owned(),
            comment: comment.map(str::to_owned),
            at_ms,
        }
    }

    fn problems(input: &[VerdictInput]) -> Vec<(String, &'static str)> {
        check_verdicts(&steps(), 60_000, input)
            .unwrap_err()
            .into_iter()
            .map(|p| (p.problem.field, p.problem.code))
            .collect()
    }

    #[test]
    fn a_complete_review_passes_in_step_order() {
        let clean = check_verdicts(
            &steps(),
            60_000,
            &[
                given(
                    "s3",
                    "missing",
                    Some("Customer asked for a refund"),
                    Some(59_000),
                ),
                given("s1", "correct", None, None),
                given("s2", "incorrect", Some(" Too fast "), Some(0)),
            ],
        )
        .unwrap();
        let order: Vec<&str> = clean.iter().map(|v| v.step.id.as_str()).collect();
        assert_eq!(order, ["s1", "s2", "s3"]);
        assert_eq!(clean[1].comment.as_deref(), Some("Too fast"));
    }

    #[test]
    fn did_not_arise_needs_no_comment_but_an_optional_step() {
        let clean = check_verdicts(
            &steps(),
            60_000,
            &[
                given("s1", "correct", None, None),
                given("s2", "correct", None, None),
                given("s3", "did_not_arise", None, None),
            ],
        )
        .unwrap();
        assert_eq!(clean[2].verdict, Verdict::DidNotArise);
        assert_eq!(
            problems(&[
                given("s1", "did_not_arise", None, None),
                given("s2", "correct", None, None),
                given("s3", "correct", None, None),
            ]),
            vec![("verdicts[0].verdict".to_owned(), "not_optional")]
        );
    }

    #[test]
    fn every_problem_is_named() {
        assert_eq!(
            problems(&[
                given("s1", "correct", None, None),
                given("s1", "correct", None, None),
                given("nope", "great", None, None),
                given("s2", "incorrect", Some("  "), Some(60_001)),
            ]),
            vec![
                ("verdicts[1].step_id".to_owned(), "duplicate_step"),
                ("verdicts[2].step_id".to_owned(), "unknown_step"),
                ("verdicts[2].verdict".to_owned(), "unknown_verdict"),
                ("verdicts[3].comment".to_owned(), "comment_required"),
                ("verdicts[3].at_ms".to_owned(), "outside_call"),
                ("verdicts".to_owned(), "step_not_graded"),
            ]
        );
        assert_eq!(
            problems(&[given("s1", "missing", None, Some(-1))])[..2],
            [
                ("verdicts[0].comment".to_owned(), "comment_required"),
                ("verdicts[0].at_ms".to_owned(), "outside_call"),
            ]
        );
    }
}
