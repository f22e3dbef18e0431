//! The weighted consensus of a step: its reviewers' verdicts weighed by how each reviewer
//! tends to answer (a confusion matrix per reviewer and the verdicts' base rates, from the
//! last Dawid–Skene fit, see [`refit`]), giving the verdict most likely true and how sure it
//! is (its posterior probability).
//!
//! - A reviewer the fit does not know yet gets [`UNKNOWN`]: right 70 % of the time.
//! - A step whose best verdict is less likely than [`SPLIT_BELOW`], or tied, is `split`, as
//!   a tie of the majority was.
//! - `did_not_arise` (optional steps only) is settled before the weighing: it is the
//!   outcome when more than half the reviewers said so, `split` at exactly half, and
//!   otherwise the others' verdicts are weighed as usual.
//! - Until a fit had enough data (or when none ran yet) the plain majority decides, with
//!   the share of reviewers who agree as its confidence: the documented baseline.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::consensus::{Outcome, step_outcome};
use super::dawid_skene::{self, LabelsBuilder};
use super::gold::GoldAnswer;
use super::status::ReviewStatus;
use super::verdict::Verdict;
use crate::db::DbConnection;
use crate::db::ids::{RecordingId, UserId};
use crate::db::schema::{consensus_fit, gold_answers, reviewer_skill, reviews, verdicts};
use crate::db::time::{Timestamp, now};

/// Row: the true verdict (correct, incorrect, missing); column: the verdict given.
pub type Matrix = [[f64; 3]; 3];

/// The verdicts in the order of a matrix's rows and columns.
pub const ORDER: [Verdict; 3] = [Verdict::Correct, Verdict::Incorrect, Verdict::Missing];

/// What a reviewer the fit has not seen is taken to be.
pub const UNKNOWN: Matrix = [[0.7, 0.15, 0.15], [0.15, 0.7, 0.15], [0.15, 0.15, 0.7]];

/// A best verdict less likely than this is shown as `split` (counted for nobody).
pub const SPLIT_BELOW: f64 = 0.5;

/// A weighed verdict's row and column; `None` for `did_not_arise`, settled apart.
fn index(verdict: Verdict) -> Option<usize> {
    match verdict {
        Verdict::Correct => Some(0),
        Verdict::Incorrect => Some(1),
        Verdict::Missing => Some(2),
        Verdict::DidNotArise => None,
    }
}

/// The reviewers' weights in use.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// `false`: the plain majority decides.
    pub weighted: bool,
    pub priors: [f64; 3],
    pub skills: HashMap<UserId, Matrix>,
}

/// One step's consensus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepConsensus {
    /// `None` when nobody graded the step.
    pub outcome: Option<Outcome>,
    /// How likely the outcome is, 0–1 (for `split`: the best verdict's).
    pub confidence: Option<f64>,
}

impl Model {
    /// The baseline: plain majority.
    pub fn majority() -> Model {
        Model {
            weighted: false,
            priors: [1.0 / 3.0; 3],
            skills: HashMap::new(),
        }
    }

    fn matrix(&self, reviewer: &UserId) -> &Matrix {
        self.skills.get(reviewer).unwrap_or(&UNKNOWN)
    }

    /// The consensus of one step from its (reviewer, verdict) pairs.
    pub fn step(&self, given: &[(&UserId, Verdict)]) -> StepConsensus {
        if given.is_empty() {
            return StepConsensus {
                outcome: None,
                confidence: None,
            };
        }
        let absent = given
            .iter()
            .filter(|(_, v)| *v == Verdict::DidNotArise)
            .count();
        if self.weighted && absent > 0 {
            let share = absent as f64 / given.len() as f64;
            if absent * 2 >= given.len() {
                let outcome = if absent * 2 > given.len() {
                    Outcome::DidNotArise
                } else {
                    Outcome::Split
                };
                return StepConsensus {
                    outcome: Some(outcome),
                    confidence: Some(share),
                };
            }
            let rest: Vec<(&UserId, Verdict)> = given
                .iter()
                .filter(|(_, v)| *v != Verdict::DidNotArise)
                .copied()
                .collect();
            return self.step(&rest);
        }
        if !self.weighted {
            let verdicts: Vec<Verdict> = given.iter().map(|(_, v)| *v).collect();
            let outcome = step_outcome(&verdicts);
            let top = Verdict::ALL
                .iter()
                .map(|v| verdicts.iter().filter(|g| *g == v).count())
                .max()
                .unwrap_or(0);
            let confidence = match outcome {
                Some(Outcome::Split) => 0.0,
                _ => top as f64 / verdicts.len() as f64,
            };
            return StepConsensus {
                outcome,
                confidence: Some(confidence),
            };
        }
        let odds = posterior(self.priors, given.iter().map(|(r, v)| (self.matrix(r), *v)));
        let mut ranked = [0usize, 1, 2];
        ranked.sort_by(|a, b| odds[*b].total_cmp(&odds[*a]));
        let (best, second) = (odds[ranked[0]], odds[ranked[1]]);
        let outcome = if best < SPLIT_BELOW || best - second < 1e-9 {
            Outcome::Split
        } else {
            ORDER[ranked[0]].into()
        };
        StepConsensus {
            outcome: Some(outcome),
            confidence: Some(best),
        }
    }
}

/// The probability of each true verdict given reviewers' (matrix, verdict) answers and the
/// base rates: Bayes in log space, normalised.
pub fn posterior<'a>(
    priors: [f64; 3],
    given: impl IntoIterator<Item = (&'a Matrix, Verdict)>,
) -> [f64; 3] {
    let floor = 1e-12;
    let mut log = priors.map(|p| p.max(floor).ln());
    for (matrix, verdict) in given {
        let Some(column) = index(verdict) else {
            continue;
        };
        for (truth, value) in log.iter_mut().enumerate() {
            *value += matrix[truth][column].max(floor).ln();
        }
    }
    let top = log.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights = log.map(|l| (l - top).exp());
    let sum: f64 = weights.iter().sum();
    weights.map(|w| w / sum)
}

/// Nine numbers, row by row.
fn matrix_text(matrix: &Matrix) -> String {
    matrix
        .iter()
        .flatten()
        .map(|v| format!("{v:.6}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn numbers<const N: usize>(text: &str) -> Option<[f64; N]> {
    let values: Vec<f64> = text
        .split(',')
        .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()?;
    values.try_into().ok()
}

fn parse_matrix(text: &str) -> Option<Matrix> {
    let [a, b, c, d, e, f, g, h, i] = numbers::<9>(text)?;
    Some([[a, b, c], [d, e, f], [g, h, i]])
}

/// What a refit found.
#[derive(Debug, Clone, Serialize)]
pub struct FitSummary {
    pub labels: usize,
    pub reviewers: usize,
    pub iterations: usize,
    /// `false`: too little data to weigh reviewers; the majority decides.
    pub weighted: bool,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub fitted_at: Timestamp,
}

/// Fits the reviewers' weights again over every accepted review (gold reviews included:
/// there the owner's key is the known truth) and stores them. Runs in one write transaction;
/// the reads take a moment with a very large history, the writes one row per reviewer.
pub fn refit(conn: &mut DbConnection) -> QueryResult<FitSummary> {
    let given: Vec<(RecordingId, String, UserId, Verdict)> = verdicts::table
        .inner_join(reviews::table)
        .filter(reviews::status.eq(ReviewStatus::Accepted))
        .select((
            reviews::recording_id,
            verdicts::step_key,
            reviews::reviewer_id,
            verdicts::verdict,
        ))
        .load(conn)?;
    let keys: Vec<(RecordingId, String, GoldAnswer)> = gold_answers::table
        .filter(gold_answers::verdict.ne(GoldAnswer::Any))
        .select((
            gold_answers::recording_id,
            gold_answers::step_key,
            gold_answers::verdict,
        ))
        .load(conn)?;
    let mut builder = LabelsBuilder::with_capacity(given.len());
    for (recording, key, reviewer, verdict) in given {
        builder.label((recording, key), reviewer, verdict);
    }
    for (recording, key, answer) in keys {
        if let Some(verdict) = Verdict::parse(answer.as_str()) {
            builder.known((recording, key), verdict);
        }
    }
    let labels = builder.build();
    let fit = dawid_skene::estimate(&labels, &dawid_skene::Settings::default());
    let at = now();
    let summary = FitSummary {
        labels: labels.len(),
        reviewers: labels.workers().len(),
        iterations: fit.iterations,
        weighted: fit.fallback.is_none(),
        fitted_at: at,
    };
    conn.write_transaction(|conn| {
        // Processes refitting at once take turns (every shard of the pool locked, for these
        // few writes), so the stored fit is one of theirs whole, never a unique-key clash.
        crate::assignments::pool::lock_all(conn)?;
        diesel::delete(reviewer_skill::table).execute(conn)?;
        for (reviewer, worker) in labels.workers().iter().zip(&fit.workers) {
            diesel::insert_into(reviewer_skill::table)
                .values((
                    reviewer_skill::reviewer_id.eq(reviewer),
                    reviewer_skill::labels.eq(i64::try_from(worker.labels).unwrap_or(i64::MAX)),
                    reviewer_skill::matrix.eq(matrix_text(&worker.matrix)),
                    reviewer_skill::fitted_at.eq(at),
                ))
                .execute(conn)?;
        }
        diesel::delete(consensus_fit::table).execute(conn)?;
        let priors = fit.class_priors.map(|p| format!("{p:.6}")).join(",");
        diesel::insert_into(consensus_fit::table)
            .values((
                consensus_fit::id.eq(1),
                consensus_fit::priors.eq(priors),
                consensus_fit::labels.eq(i64::try_from(summary.labels).unwrap_or(i64::MAX)),
                consensus_fit::reviewers.eq(i32::try_from(summary.reviewers).unwrap_or(i32::MAX)),
                consensus_fit::iterations.eq(i32::try_from(summary.iterations).unwrap_or(i32::MAX)),
                consensus_fit::weighted.eq(summary.weighted),
                consensus_fit::fitted_at.eq(at),
            ))
            .execute(conn)?;
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(summary)
}

/// The model for `reviewers` (the rest are never asked about): the last fit's weights, or
/// the majority when no fit weighs reviewers.
pub fn load(conn: &mut DbConnection, reviewers: &[UserId]) -> QueryResult<Model> {
    let fit: Option<(String, bool)> = consensus_fit::table
        .find(1)
        .select((consensus_fit::priors, consensus_fit::weighted))
        .first(conn)
        .optional()?;
    let Some((priors, true)) = fit else {
        return Ok(Model::majority());
    };
    let Some(priors) = numbers::<3>(&priors) else {
        return Ok(Model::majority());
    };
    let rows: Vec<(UserId, String)> = reviewer_skill::table
        .filter(reviewer_skill::reviewer_id.eq_any(reviewers))
        .select((reviewer_skill::reviewer_id, reviewer_skill::matrix))
        .load(conn)?;
    Ok(Model {
        weighted: true,
        priors,
        skills: rows
            .into_iter()
            .filter_map(|(reviewer, text)| Some((reviewer, parse_matrix(&text)?)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::{Correct as C, Incorrect as I};

    fn weighted(skills: &[(&str, Matrix)]) -> Model {
        Model {
            weighted: true,
            priors: [0.6, 0.3, 0.1],
            skills: skills
                .iter()
                .map(|(r, m)| (UserId::from_raw(*r), *m))
                .collect(),
        }
    }

    const SHARP: Matrix = [[0.97, 0.02, 0.01], [0.02, 0.97, 0.01], [0.02, 0.02, 0.96]];
    /// Says `correct` whatever happened.
    const YES_MAN: Matrix = [[0.98, 0.01, 0.01], [0.98, 0.01, 0.01], [0.98, 0.01, 0.01]];

    #[test]
    fn a_sharp_reviewer_outweighs_two_who_always_say_correct() {
        let model = weighted(&[("sharp", SHARP), ("yes1", YES_MAN), ("yes2", YES_MAN)]);
        let (sharp, yes1, yes2) = (
            UserId::from_raw("sharp"),
            UserId::from_raw("yes1"),
            UserId::from_raw("yes2"),
        );
        let step = model.step(&[(&sharp, I), (&yes1, C), (&yes2, C)]);
        assert_eq!(step.outcome, Some(Outcome::Incorrect));
        assert!(step.confidence.unwrap() > 0.9, "{step:?}");
        // The majority would have said correct.
        let majority = Model::majority().step(&[(&sharp, I), (&yes1, C), (&yes2, C)]);
        assert_eq!(majority.outcome, Some(Outcome::Correct));
        assert!((majority.confidence.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn one_unknown_reviewer_is_not_sure_and_a_tie_is_split() {
        let model = weighted(&[]);
        let anna = UserId::from_raw("anna");
        let boris = UserId::from_raw("boris");
        let alone = model.step(&[(&anna, C)]);
        assert_eq!(alone.outcome, Some(Outcome::Correct));
        assert!(alone.confidence.unwrap() < 0.9, "{alone:?}");
        let flat = Model {
            priors: [1.0 / 3.0; 3],
            ..weighted(&[])
        };
        let tie = flat.step(&[(&anna, C), (&boris, I)]);
        assert_eq!(tie.outcome, Some(Outcome::Split));
        assert_eq!(model.step(&[]).outcome, None);
    }

    #[test]
    fn stored_numbers_read_back_and_bad_ones_are_refused() {
        assert_eq!(parse_matrix(&matrix_text(&SHARP)), Some(SHARP));
        assert_eq!(parse_matrix("1,2,3"), None);
        assert_eq!(parse_matrix("NaN,0,0,0,0,0,0,0,0"), None);
        assert_eq!(numbers::<3>("0.5, 0.25,0.25"), Some([0.5, 0.25, 0.25]));
    }
}
