//! Consensus weighted by each reviewer's measured skill: the Dawid–Skene estimator (Dawid &
//! Skene, 1979). Pure and deterministic: labels in, posteriors out; no database, no clock,
//! no randomness.
//!
//! # The model
//!
//! An *item* is one step of one call; its true verdict is one of `correct`, `incorrect`,
//! `missing` (indexed like [`Verdict::ALL`] everywhere below). Each *worker* (reviewer) has a
//! 3×3 confusion matrix `θ[k][l]`: the chance they say `l` when the truth is `k`. Class
//! priors `π[k]` give how common each true verdict is. Given θ and π, the posterior of an
//! item is proportional to `π[k] · Π θ_w[k][l_w]` over the labels it got.
//!
//! Expectation–maximisation estimates θ and π:
//!
//! 1. Start from the majority vote as soft counts: an item's posterior is the share of its
//!    labels for each verdict.
//! 2. M-step: `π[k] = (Σ_i T_ik + 1) / (items + 3)`; each worker's row `θ[k]` is their soft
//!    count of answers on items believed to be `k`, plus a Dirichlet pseudo-count
//!    ([`Settings::prior_strength`] labels per row, spread as [`Settings::prior_accuracy`]
//!    on the diagonal and the rest evenly off it), normalised. So a worker seen rarely keeps
//!    a matrix near the default, no probability is ever 0 and no logarithm is −∞.
//! 3. E-step: every item's posterior from π and θ, in log space. An item with a known
//!    verdict (a gold call's answer key) is clamped to it.
//! 4. Repeat until the largest change of any posterior, or the relative change of the
//!    penalised log-likelihood (the data's log-likelihood plus the log-prior of the
//!    pseudo-counts, which EM never decreases), is below [`Settings::tolerance`], or after
//!    [`Settings::max_iterations`] rounds.
//!
//! # Split
//!
//! An item's chosen verdict is its most probable one and its confidence that probability. It
//! is shown as `split` when the two top posteriors are within 1e-9 of each other (a tie) or
//! the confidence is below [`Settings::min_confidence`].
//!
//! # Baseline and fallback
//!
//! The plain majority per step, [`consensus::step_outcome`], is the baseline this estimator
//! is measured against (`callqa bench consensus`) and the fallback when there is too little
//! to learn from:
//!
//! * fewer than [`Settings::min_labels`] labels overall, or no worker with at least
//!   [`Settings::min_worker_labels`] labels: [`Estimate::fallback`] says why, and every
//!   item's outcome is the majority's (posterior = vote shares, split exactly when the
//!   majority ties; the confidence threshold does not apply, vote shares are no probability);
//!   known items are still clamped;
//! * otherwise a worker with fewer than [`Settings::min_worker_labels`] labels keeps the
//!   default matrix (their labels count like an average reviewer's) and is marked
//!   `estimated: false`.
//!
//! # Determinism
//!
//! [`LabelsBuilder::build`] sorts items, workers and labels, so the same labels in any order
//! give bit-identical results; every sum runs over vectors in that order.

use super::consensus::{self, Outcome};
use super::verdict::Verdict;

/// The three verdicts: posteriors and matrix rows and columns are indexed like `Verdict::ALL`.
const K: usize = 3;

/// Pseudo-count per class added to the class priors.
const CLASS_PSEUDOCOUNT: f64 = 1.0;

/// Two posteriors closer than this are a tie.
const TIE: f64 = 1e-9;

/// No known verdict for an item.
const UNKNOWN: u8 = u8::MAX;

/// The class of one of the three weighed verdicts (the builder keeps `did_not_arise` out).
fn class(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Correct => 0,
        Verdict::Incorrect => 1,
        Verdict::Missing | Verdict::DidNotArise => 2,
    }
}

fn verdict(class: usize) -> Verdict {
    Verdict::ALL[class]
}

/// Collects labels keyed by the caller's own ids (e.g. `(recording id, step key)` for an item
/// and the reviewer's id for a worker), then [`build`](Self::build)s the indexed [`Labels`].
#[derive(Debug, Clone)]
pub struct LabelsBuilder<I, W> {
    labels: Vec<(I, W, Verdict)>,
    known: Vec<(I, Verdict)>,
}

impl<I: Ord + Clone, W: Ord + Clone> Default for LabelsBuilder<I, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I: Ord + Clone, W: Ord + Clone> LabelsBuilder<I, W> {
    pub fn new() -> Self {
        LabelsBuilder {
            labels: Vec::new(),
            known: Vec::new(),
        }
    }

    /// Room for `labels` labels.
    pub fn with_capacity(labels: usize) -> Self {
        LabelsBuilder {
            labels: Vec::with_capacity(labels),
            known: Vec::new(),
        }
    }

    /// `worker` said `verdict` about `item`. Every label counts, a repeated one too.
    ///
    /// A `did_not_arise` is no label: it says the step had nothing to grade, which is not one
    /// of the three truths the model weighs (it is settled apart, before the weighing).
    pub fn label(&mut self, item: I, worker: W, verdict: Verdict) -> &mut Self {
        if verdict != Verdict::DidNotArise {
            self.labels.push((item, worker, verdict));
        }
        self
    }

    /// The true verdict of `item` is known (a gold call's answer key): the item is clamped to
    /// it. An item given two different known verdicts is clamped to neither.
    pub fn known(&mut self, item: I, verdict: Verdict) -> &mut Self {
        if verdict != Verdict::DidNotArise {
            self.known.push((item, verdict));
        }
        self
    }

    /// Sorts and indexes the labels. Items are every item labelled or known, workers every
    /// worker who labelled, both in their keys' order.
    pub fn build(self) -> Labels<I, W> {
        let mut items: Vec<I> = self
            .labels
            .iter()
            .map(|(item, _, _)| item.clone())
            .chain(self.known.iter().map(|(item, _)| item.clone()))
            .collect();
        items.sort_unstable();
        items.dedup();
        let mut workers: Vec<W> = self.labels.iter().map(|(_, w, _)| w.clone()).collect();
        workers.sort_unstable();
        workers.dedup();
        let at = |keys: &[I], key: &I| keys.binary_search(key).unwrap_or(0) as u32;
        let worker_at = |key: &W| workers.binary_search(key).unwrap_or(0) as u32;

        let mut indexed: Vec<(u32, u32, u8)> = self
            .labels
            .iter()
            .map(|(item, worker, v)| (at(&items, item), worker_at(worker), class(*v)))
            .collect();
        indexed.sort_unstable();
        let mut starts = Vec::with_capacity(items.len() + 1);
        let mut label_worker = Vec::with_capacity(indexed.len());
        let mut label_class = Vec::with_capacity(indexed.len());
        starts.push(0);
        let mut next = 0usize;
        for (item, worker, c) in indexed {
            while next < item as usize {
                starts.push(label_worker.len() as u32);
                next += 1;
            }
            label_worker.push(worker);
            label_class.push(c);
        }
        while starts.len() <= items.len() {
            starts.push(label_worker.len() as u32);
        }

        let mut known = vec![UNKNOWN; items.len()];
        let mut given: Vec<(u32, u8)> = self
            .known
            .iter()
            .map(|(item, v)| (at(&items, item), class(*v)))
            .collect();
        given.sort_unstable();
        given.dedup();
        for pair in given.chunk_by(|a, b| a.0 == b.0) {
            if let [(item, c)] = pair {
                known[*item as usize] = *c;
            }
        }
        Labels {
            items,
            workers,
            starts,
            label_worker,
            label_class,
            known,
        }
    }
}

/// Labels indexed for [`estimate`]: items and workers are numbered `0..` in their keys'
/// order, and the estimate's vectors follow that numbering.
#[derive(Debug, Clone)]
pub struct Labels<I, W> {
    items: Vec<I>,
    workers: Vec<W>,
    /// An item's labels are `starts[i]..starts[i + 1]` of the two label vectors.
    starts: Vec<u32>,
    label_worker: Vec<u32>,
    label_class: Vec<u8>,
    known: Vec<u8>,
}

impl<I, W> Labels<I, W> {
    /// The items' keys; `Estimate::items[n]` is about `items()[n]`.
    pub fn items(&self) -> &[I] {
        &self.items
    }

    /// The workers' keys; `Estimate::workers[n]` is about `workers()[n]`.
    pub fn workers(&self) -> &[W] {
        &self.workers
    }

    /// How many labels there are.
    pub fn len(&self) -> usize {
        self.label_class.len()
    }

    pub fn is_empty(&self) -> bool {
        self.label_class.is_empty()
    }

    /// The labels of item `index`: `(worker index, verdict)`, in worker order.
    pub fn item_labels(&self, index: usize) -> impl Iterator<Item = (usize, Verdict)> + '_ {
        let range = self.range(index);
        self.label_worker[range.clone()]
            .iter()
            .zip(&self.label_class[range])
            .map(|(w, c)| (*w as usize, verdict(*c as usize)))
    }

    fn range(&self, index: usize) -> std::ops::Range<usize> {
        self.starts[index] as usize..self.starts[index + 1] as usize
    }
}

impl<I: Ord, W: Ord> Labels<I, W> {
    /// The index of an item's key in [`items`](Self::items).
    pub fn item_index(&self, key: &I) -> Option<usize> {
        self.items.binary_search(key).ok()
    }

    /// The index of a worker's key in [`workers`](Self::workers).
    pub fn worker_index(&self, key: &W) -> Option<usize> {
        self.workers.binary_search(key).ok()
    }
}

/// How the estimator runs. The defaults are documented on each field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// An item whose top posterior is below this is shown as split. Default 0.5: below it the
    /// chosen verdict is more likely wrong than right.
    pub min_confidence: f64,
    /// Default 50.
    pub max_iterations: usize,
    /// Stop when no posterior moves by more than this, or the penalised log-likelihood by
    /// less than this share of itself. Default 1e-6.
    pub tolerance: f64,
    /// The diagonal of the default confusion matrix (how often an unknown reviewer is right);
    /// the rest of a row is spread evenly. Default 0.7.
    pub prior_accuracy: f64,
    /// How many pseudo-labels per row of a matrix the default weighs. Default 4.
    pub prior_strength: f64,
    /// Fewer labels than this overall: majority fallback. Default 50.
    pub min_labels: usize,
    /// A worker with fewer labels than this keeps the default matrix; when no worker has
    /// this many, majority fallback. Default 10 (two calls of five steps).
    pub min_worker_labels: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_confidence: 0.5,
            max_iterations: 50,
            tolerance: 1e-6,
            prior_accuracy: 0.7,
            prior_strength: 4.0,
            min_labels: 50,
            min_worker_labels: 10,
        }
    }
}

impl Settings {
    /// The settings with values that cannot produce a 0, a NaN or an endless loop.
    fn sane(self) -> Settings {
        let default = Settings::default();
        let finite = |x: f64, d: f64| if x.is_finite() { x } else { d };
        Settings {
            min_confidence: finite(self.min_confidence, default.min_confidence),
            tolerance: finite(self.tolerance, default.tolerance).max(0.0),
            prior_accuracy: finite(self.prior_accuracy, default.prior_accuracy).clamp(0.01, 0.99),
            prior_strength: finite(self.prior_strength, default.prior_strength).max(1e-3),
            ..self
        }
    }

    /// The pseudo-counts of one matrix, row-major.
    fn pseudo_counts(&self) -> [f64; K * K] {
        let on = self.prior_strength * self.prior_accuracy;
        let off = self.prior_strength * (1.0 - self.prior_accuracy) / (K - 1) as f64;
        std::array::from_fn(|n| if n / K == n % K { on } else { off })
    }
}

/// Why the majority was used instead of Dawid–Skene.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// Fewer labels than [`Settings::min_labels`].
    TooFewLabels { labels: usize, needed: usize },
    /// Nobody has [`Settings::min_worker_labels`] labels: every matrix would be the default,
    /// which weighs every label alike, as the majority does.
    NoWorkerWithEnoughLabels { needed: usize },
}

/// The consensus of one item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemEstimate {
    /// The probability of each true verdict, indexed like [`Verdict::ALL`]; sums to 1.
    pub posterior: [f64; 3],
    /// The most probable verdict (of tied ones, the first in `Verdict::ALL`).
    pub verdict: Verdict,
    /// The posterior of `verdict`.
    pub confidence: f64,
    /// Shown as `split`: a tie, or `confidence` below [`Settings::min_confidence`].
    pub split: bool,
    /// Clamped to a known verdict.
    pub known: bool,
}

impl ItemEstimate {
    /// The outcome to show, as the majority's [`consensus::step_outcome`] gives it.
    pub fn outcome(&self) -> Outcome {
        match (self.split, self.verdict) {
            (true, _) => Outcome::Split,
            (false, verdict) => verdict.into(),
        }
    }

    pub fn probability(&self, verdict: Verdict) -> f64 {
        match verdict {
            Verdict::DidNotArise => 0.0,
            weighed => self.posterior[class(weighed) as usize],
        }
    }
}

/// What the estimator learnt of one worker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkerEstimate {
    /// `matrix[k][l]`: the chance they say `l` when the truth is `k` (indexed like
    /// [`Verdict::ALL`]); every row sums to 1.
    pub matrix: [[f64; 3]; 3],
    /// How many labels they gave.
    pub labels: usize,
    /// False when the matrix is the default (too few labels, or the majority fallback).
    pub estimated: bool,
    /// The chance one of their labels is right: `Σ_k π[k]·matrix[k][k]`.
    pub accuracy: f64,
    /// The mean of the diagonal, blind to how common each verdict is: about 1/3 for someone
    /// answering at random or always the same, whatever the truth.
    pub balanced_accuracy: f64,
}

/// The estimator's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Set when the majority was used (see the module doc).
    pub fallback: Option<Fallback>,
    /// Indexed like [`Labels::items`].
    pub items: Vec<ItemEstimate>,
    /// Indexed like [`Labels::workers`].
    pub workers: Vec<WorkerEstimate>,
    /// How common each true verdict is, indexed like [`Verdict::ALL`].
    pub class_priors: [f64; 3],
    /// EM rounds run (0 for the fallback).
    pub iterations: usize,
    /// EM stopped on the tolerance rather than on `max_iterations` (false for the fallback).
    pub converged: bool,
    /// The penalised log-likelihood at the end (0 for the fallback).
    pub log_likelihood: f64,
}

/// Runs Dawid–Skene over `labels` (or the majority, see [`Estimate::fallback`]).
pub fn estimate<I, W>(labels: &Labels<I, W>, settings: &Settings) -> Estimate {
    let settings = settings.sane();
    let n_items = labels.items.len();
    let n_workers = labels.workers.len();
    let mut worker_labels = vec![0usize; n_workers];
    for w in &labels.label_worker {
        worker_labels[*w as usize] += 1;
    }
    let estimated: Vec<bool> = worker_labels
        .iter()
        .map(|n| *n >= settings.min_worker_labels)
        .collect();

    // Majority soft counts, clamped where known: the start of EM and the fallback's answer.
    let mut posterior = vec![0.0; n_items * K];
    for i in 0..n_items {
        let row = &mut posterior[i * K..(i + 1) * K];
        let range = labels.range(i);
        if labels.known[i] != UNKNOWN {
            row[labels.known[i] as usize] = 1.0;
        } else {
            let share = 1.0 / range.len().max(1) as f64;
            for c in &labels.label_class[range] {
                row[*c as usize] += share;
            }
        }
    }

    let fallback = if labels.len() < settings.min_labels {
        Some(Fallback::TooFewLabels {
            labels: labels.len(),
            needed: settings.min_labels,
        })
    } else if !estimated.contains(&true) {
        Some(Fallback::NoWorkerWithEnoughLabels {
            needed: settings.min_worker_labels,
        })
    } else {
        None
    };
    if let Some(fallback) = fallback {
        return majority(labels, &settings, fallback, &posterior, &worker_labels);
    }

    let prior = settings.pseudo_counts();
    let default_log: [f64; K * K] = std::array::from_fn(|n| {
        let row = n / K;
        (prior[n] / prior[row * K..(row + 1) * K].iter().sum::<f64>()).ln()
    });
    let mut counts = vec![0.0; n_workers * K * K];
    let mut log_theta = vec![0.0; n_workers * K * K];
    let mut log_pi = [0.0; K];
    let mut previous = f64::NEG_INFINITY;
    let mut objective = 0.0;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < settings.max_iterations.max(1) {
        iterations += 1;
        let log_prior = m_step(
            labels,
            &posterior,
            &estimated,
            &prior,
            &default_log,
            &mut counts,
            &mut log_theta,
            &mut log_pi,
        );
        let (data, change) = e_step(labels, &log_theta, &log_pi, &mut posterior);
        objective = data + log_prior;
        let relative =
            (objective - previous).abs() <= settings.tolerance * objective.abs().max(1.0);
        previous = objective;
        if change < settings.tolerance || relative {
            converged = true;
            break;
        }
    }

    let class_priors = log_pi.map(f64::exp);
    let items = (0..n_items)
        .map(|i| {
            let row: [f64; K] = std::array::from_fn(|k| posterior[i * K + k]);
            item(row, labels.known[i] != UNKNOWN, settings.min_confidence)
        })
        .collect();
    let workers = (0..n_workers)
        .map(|w| {
            let logs = &log_theta[w * K * K..(w + 1) * K * K];
            let matrix = std::array::from_fn(|k| std::array::from_fn(|l| logs[k * K + l].exp()));
            worker(matrix, worker_labels[w], estimated[w], &class_priors)
        })
        .collect();
    Estimate {
        fallback: None,
        items,
        workers,
        class_priors,
        iterations,
        converged,
        log_likelihood: objective,
    }
}

/// Re-estimates π and θ from the posteriors; returns the log-prior of the pseudo-counts at
/// the new values (the penalty part of the objective).
#[allow(clippy::too_many_arguments)]
fn m_step<I, W>(
    labels: &Labels<I, W>,
    posterior: &[f64],
    estimated: &[bool],
    prior: &[f64; K * K],
    default_log: &[f64; K * K],
    counts: &mut [f64],
    log_theta: &mut [f64],
    log_pi: &mut [f64; K],
) -> f64 {
    for matrix in counts.chunks_exact_mut(K * K) {
        matrix.copy_from_slice(prior);
    }
    let mut class_sum = [CLASS_PSEUDOCOUNT; K];
    for (i, row) in posterior.chunks_exact(K).enumerate() {
        for k in 0..K {
            class_sum[k] += row[k];
        }
        let range = labels.range(i);
        for (w, l) in labels.label_worker[range.clone()]
            .iter()
            .zip(&labels.label_class[range])
        {
            let base = *w as usize * K * K + *l as usize;
            for k in 0..K {
                counts[base + k * K] += row[k];
            }
        }
    }
    let total: f64 = class_sum.iter().sum();
    let mut log_prior = 0.0;
    for k in 0..K {
        log_pi[k] = (class_sum[k] / total).ln();
        log_prior += CLASS_PSEUDOCOUNT * log_pi[k];
    }
    for (w, is_estimated) in estimated.iter().enumerate() {
        let logs = &mut log_theta[w * K * K..(w + 1) * K * K];
        if !is_estimated {
            logs.copy_from_slice(default_log);
            continue;
        }
        let matrix = &counts[w * K * K..(w + 1) * K * K];
        for k in 0..K {
            let row_sum: f64 = matrix[k * K..(k + 1) * K].iter().sum();
            for l in 0..K {
                let n = k * K + l;
                logs[n] = (matrix[n] / row_sum).ln();
                log_prior += prior[n] * logs[n];
            }
        }
    }
    log_prior
}

/// Recomputes every posterior (known items stay clamped); returns the data's log-likelihood
/// and the largest change of a posterior.
fn e_step<I, W>(
    labels: &Labels<I, W>,
    log_theta: &[f64],
    log_pi: &[f64; K],
    posterior: &mut [f64],
) -> (f64, f64) {
    let mut likelihood = 0.0;
    let mut change: f64 = 0.0;
    for (i, row) in posterior.chunks_exact_mut(K).enumerate() {
        let mut score = *log_pi;
        let range = labels.range(i);
        for (w, l) in labels.label_worker[range.clone()]
            .iter()
            .zip(&labels.label_class[range])
        {
            let base = *w as usize * K * K + *l as usize;
            for k in 0..K {
                score[k] += log_theta[base + k * K];
            }
        }
        let known = labels.known[i];
        if known != UNKNOWN {
            likelihood += score[known as usize];
            continue;
        }
        let top = score.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for s in &mut score {
            *s = (*s - top).exp();
            sum += *s;
        }
        likelihood += top + sum.ln();
        for k in 0..K {
            let p = score[k] / sum;
            change = change.max((p - row[k]).abs());
            row[k] = p;
        }
    }
    (likelihood, change)
}

/// The fallback: the majority per item, default matrices.
fn majority<I, W>(
    labels: &Labels<I, W>,
    settings: &Settings,
    fallback: Fallback,
    shares: &[f64],
    worker_labels: &[usize],
) -> Estimate {
    let mut class_sum = [CLASS_PSEUDOCOUNT; K];
    for row in shares.chunks_exact(K) {
        for k in 0..K {
            class_sum[k] += row[k];
        }
    }
    let total: f64 = class_sum.iter().sum();
    let class_priors = class_sum.map(|c| c / total);
    let mut votes = Vec::new();
    let items = shares
        .chunks_exact(K)
        .enumerate()
        .map(|(i, row)| {
            let row: [f64; K] = std::array::from_fn(|k| row[k]);
            let known = labels.known[i] != UNKNOWN;
            let mut estimate = item(row, known, 0.0);
            if !known {
                votes.clear();
                votes.extend(labels.item_labels(i).map(|(_, v)| v));
                estimate.split = consensus::step_outcome(&votes) == Some(Outcome::Split);
            }
            estimate
        })
        .collect();
    let prior = settings.pseudo_counts();
    let matrix = std::array::from_fn(|k| {
        let row_sum: f64 = prior[k * K..(k + 1) * K].iter().sum();
        std::array::from_fn(|l| prior[k * K + l] / row_sum)
    });
    let workers = worker_labels
        .iter()
        .map(|n| worker(matrix, *n, false, &class_priors))
        .collect();
    Estimate {
        fallback: Some(fallback),
        items,
        workers,
        class_priors,
        iterations: 0,
        converged: false,
        log_likelihood: 0.0,
    }
}

fn item(posterior: [f64; K], known: bool, min_confidence: f64) -> ItemEstimate {
    let mut order = [0, 1, 2];
    // Stable: of equal posteriors the first verdict comes first.
    order.sort_by(|a, b| posterior[*b].total_cmp(&posterior[*a]));
    let confidence = posterior[order[0]];
    let tie = posterior[order[0]] - posterior[order[1]] <= TIE;
    ItemEstimate {
        posterior,
        verdict: verdict(order[0]),
        confidence,
        split: !known && (tie || confidence < min_confidence),
        known,
    }
}

fn worker(
    matrix: [[f64; K]; K],
    labels: usize,
    estimated: bool,
    class_priors: &[f64; K],
) -> WorkerEstimate {
    let accuracy = (0..K).map(|k| class_priors[k] * matrix[k][k]).sum();
    let balanced_accuracy = (0..K).map(|k| matrix[k][k]).sum::<f64>() / K as f64;
    WorkerEstimate {
        matrix,
        labels,
        estimated,
        accuracy,
        balanced_accuracy,
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::{Rng, RngExt, SeedableRng};

    use super::*;
    use Verdict::{Correct as C, Incorrect as I, Missing as M};

    /// How a synthetic worker answers.
    #[derive(Clone, Copy)]
    enum Kind {
        /// Right with this chance, otherwise one of the two other verdicts at random.
        Accurate(f64),
        /// Any verdict at random.
        Random,
        /// Always `correct`.
        AlwaysCorrect,
    }

    fn answer(kind: Kind, truth: Verdict, rng: &mut impl Rng) -> Verdict {
        match kind {
            Kind::Accurate(p) if rng.random_bool(p) => truth,
            Kind::Accurate(_) => {
                let others: Vec<Verdict> = Verdict::ALL
                    .iter()
                    .copied()
                    .filter(|v| *v != truth)
                    .collect();
                others[rng.random_range(0..others.len())]
            }
            Kind::Random => Verdict::ALL[rng.random_range(0..3)],
            Kind::AlwaysCorrect => C,
        }
    }

    fn draw_truth(rng: &mut impl Rng) -> Verdict {
        match rng.random_range(0.0..1.0) {
            x if x < 0.6 => C,
            x if x < 0.85 => I,
            _ => M,
        }
    }

    /// `items` items, each labelled by `per_item` distinct workers drawn from `kinds`.
    struct Synthetic {
        truth: Vec<Verdict>,
        labels: Vec<(u32, u32, Verdict)>,
    }

    fn synthetic(
        seed: u64,
        kinds: &[Kind],
        items: u32,
        per_item: std::ops::RangeInclusive<usize>,
    ) -> Synthetic {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut truth = Vec::new();
        let mut labels = Vec::new();
        let mut pool: Vec<u32> = (0..kinds.len() as u32).collect();
        for item in 0..items {
            let t = draw_truth(&mut rng);
            truth.push(t);
            pool.shuffle(&mut rng);
            let n = rng.random_range(per_item.clone());
            for w in &pool[..n] {
                labels.push((item, *w, answer(kinds[*w as usize], t, &mut rng)));
            }
        }
        Synthetic { truth, labels }
    }

    fn build(labels: &[(u32, u32, Verdict)], known: &[(u32, Verdict)]) -> Labels<u32, u32> {
        let mut builder = LabelsBuilder::new();
        for (i, w, v) in labels {
            builder.label(*i, *w, *v);
        }
        for (i, v) in known {
            builder.known(*i, *v);
        }
        builder.build()
    }

    fn majority_outcomes(labels: &Labels<u32, u32>) -> Vec<Option<Outcome>> {
        (0..labels.items().len())
            .map(|i| {
                let votes: Vec<Verdict> = labels.item_labels(i).map(|(_, v)| v).collect();
                consensus::step_outcome(&votes)
            })
            .collect()
    }

    fn outcome_of(v: Verdict) -> Outcome {
        v.into()
    }

    /// The share of items whose shown outcome is the truth (split is never right).
    fn accuracy(outcomes: &[Outcome], truth: &[Verdict]) -> f64 {
        let right = outcomes
            .iter()
            .zip(truth)
            .filter(|(o, t)| **o == outcome_of(**t))
            .count();
        right as f64 / truth.len() as f64
    }

    fn assert_sane(estimate: &Estimate) {
        for item in &estimate.items {
            assert!(item.posterior.iter().all(|p| p.is_finite() && *p >= 0.0));
            assert!((item.posterior.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            assert!(item.confidence.is_finite());
        }
        for worker in &estimate.workers {
            for row in &worker.matrix {
                assert!(row.iter().all(|p| p.is_finite() && *p > 0.0));
                assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            }
            assert!(worker.accuracy.is_finite() && worker.balanced_accuracy.is_finite());
        }
        assert!(
            estimate
                .class_priors
                .iter()
                .all(|p| p.is_finite() && *p > 0.0)
        );
        assert!(estimate.log_likelihood.is_finite());
    }

    #[test]
    fn on_clean_data_it_agrees_with_the_majority() {
        let kinds = vec![Kind::Accurate(0.95); 20];
        let data = synthetic(1, &kinds, 3000, 3..=5);
        let labels = build(&data.labels, &[]);
        let estimate = estimate(&labels, &Settings::default());
        assert_sane(&estimate);
        assert_eq!(estimate.fallback, None);
        let majority = majority_outcomes(&labels);
        let agree = estimate
            .items
            .iter()
            .zip(&majority)
            .filter(|(item, m)| Some(item.outcome()) == **m)
            .count();
        let share = agree as f64 / labels.items().len() as f64;
        assert!(share >= 0.99, "DS agrees with the majority on {share:.4}");
        assert!(estimate.converged, "{} iterations", estimate.iterations);
    }

    #[test]
    fn it_sees_through_spammers_where_the_majority_does_not() {
        let kinds = [
            Kind::Accurate(0.9),
            Kind::Accurate(0.9),
            Kind::Accurate(0.9),
            Kind::Random,
            Kind::AlwaysCorrect,
        ];
        let data = synthetic(2, &kinds, 2000, 3..=5);
        let labels = build(&data.labels, &[]);
        let estimate = estimate(&labels, &Settings::default());
        assert_sane(&estimate);
        let ds: Vec<Outcome> = estimate.items.iter().map(ItemEstimate::outcome).collect();
        let majority: Vec<Outcome> = majority_outcomes(&labels)
            .into_iter()
            .map(|o| o.unwrap_or(Outcome::Split))
            .collect();
        let (ds, majority) = (accuracy(&ds, &data.truth), accuracy(&majority, &data.truth));
        assert!(
            ds >= majority + 0.08 && ds >= 0.93,
            "DS {ds:.3} vs majority {majority:.3}"
        );
        for (w, worker) in estimate.workers.iter().enumerate() {
            let b = worker.balanced_accuracy;
            match kinds[w] {
                Kind::Accurate(_) => assert!(b > 0.8, "good worker {w}: {b:.3}"),
                _ => assert!(b < 0.5, "spammer {w}: {b:.3}"),
            }
        }
        // Always `correct`: their matrix says so, whatever the truth.
        let lazy = &estimate.workers[4].matrix;
        assert!(lazy.iter().all(|row| row[0] > 0.8), "{lazy:?}");
    }

    /// The sum over workers of how far the estimated matrix is from the true one (L1).
    fn matrix_error(estimate: &Estimate, kinds: &[Kind]) -> f64 {
        let truth = |kind: Kind, k: usize, l: usize| match kind {
            Kind::Accurate(p) if k == l => p,
            Kind::Accurate(p) => (1.0 - p) / 2.0,
            Kind::Random => 1.0 / 3.0,
            Kind::AlwaysCorrect => f64::from(l == 0),
        };
        let mut error = 0.0;
        for (w, worker) in estimate.workers.iter().enumerate() {
            for k in 0..3 {
                for l in 0..3 {
                    error += (worker.matrix[k][l] - truth(kinds[w], k, l)).abs();
                }
            }
        }
        error
    }

    #[test]
    fn known_verdicts_clamp_their_items_and_sharpen_the_matrices() {
        // Two sloppy reviewers who agree with each other more than with the truth would
        // drag DS along; gold answers show what they really do.
        let kinds = [
            Kind::Accurate(0.85),
            Kind::Accurate(0.55),
            Kind::Accurate(0.55),
            Kind::AlwaysCorrect,
        ];
        let data = synthetic(3, &kinds, 400, 2..=3);
        let without = estimate(&build(&data.labels, &[]), &Settings::default());
        // A quarter of the items are gold; the first one's key contradicts all its labels.
        let mut known: Vec<(u32, Verdict)> = (0..100)
            .map(|i| (i * 4, data.truth[i as usize * 4]))
            .collect();
        let first_labels: Vec<Verdict> = data
            .labels
            .iter()
            .filter(|(i, _, _)| *i == 0)
            .map(|l| l.2)
            .collect();
        let odd = Verdict::ALL
            .iter()
            .copied()
            .find(|v| !first_labels.contains(v));
        if let Some(odd) = odd {
            known[0].1 = odd;
        }
        let labels = build(&data.labels, &known);
        let with = estimate(&labels, &Settings::default());
        assert_sane(&with);
        for (i, v) in &known {
            let item = &with.items[labels.item_index(i).unwrap()];
            assert!(item.known && !item.split);
            assert_eq!(item.verdict, *v);
            assert_eq!(item.posterior[class(*v) as usize], 1.0);
        }
        let (before, after) = (matrix_error(&without, &kinds), matrix_error(&with, &kinds));
        assert!(
            after < before * 0.9,
            "matrix error with gold {after:.3} vs without {before:.3}"
        );
        // The good reviewer's own matrix gets closer to the truth.
        let one = |e: &Estimate| {
            matrix_error(
                &Estimate {
                    workers: e.workers[..1].to_vec(),
                    ..e.clone()
                },
                &kinds[..1],
            )
        };
        assert!(
            one(&with) < one(&without),
            "{} vs {}",
            one(&with),
            one(&without)
        );
    }

    fn bits(estimate: &Estimate) -> Vec<u64> {
        let mut bits = Vec::new();
        for item in &estimate.items {
            bits.extend(item.posterior.map(f64::to_bits));
            bits.push(item.confidence.to_bits());
        }
        for worker in &estimate.workers {
            bits.extend(worker.matrix.iter().flatten().map(|p| p.to_bits()));
            bits.push(worker.accuracy.to_bits());
        }
        bits.extend(estimate.class_priors.map(f64::to_bits));
        bits.push(estimate.log_likelihood.to_bits());
        bits
    }

    #[test]
    fn the_same_labels_give_the_same_bits_in_any_order() {
        let kinds = [
            Kind::Accurate(0.9),
            Kind::Accurate(0.8),
            Kind::Accurate(0.7),
            Kind::Random,
            Kind::AlwaysCorrect,
        ];
        let data = synthetic(4, &kinds, 1000, 1..=3);
        let known = [(3, C), (10, M)];
        let first = estimate(&build(&data.labels, &known), &Settings::default());
        let again = estimate(&build(&data.labels, &known), &Settings::default());
        assert_eq!(bits(&first), bits(&again));
        assert_eq!(first, again);

        let mut shuffled = data.labels.clone();
        shuffled.shuffle(&mut StdRng::seed_from_u64(99));
        let mixed = estimate(&build(&shuffled, &known), &Settings::default());
        let verdicts = |e: &Estimate| {
            e.items
                .iter()
                .map(ItemEstimate::outcome)
                .collect::<Vec<_>>()
        };
        assert_eq!(verdicts(&first), verdicts(&mixed));
        assert_eq!(bits(&first), bits(&mixed));
    }

    #[test]
    fn edge_cases_neither_panic_nor_give_nan() {
        let settings = Settings::default();
        let empty = estimate(&build(&[], &[]), &settings);
        assert_sane(&empty);
        assert!(empty.items.is_empty() && empty.workers.is_empty());
        assert_eq!(
            empty.fallback,
            Some(Fallback::TooFewLabels {
                labels: 0,
                needed: 50
            })
        );

        let one = estimate(&build(&[(7, 1, I)], &[]), &settings);
        assert_sane(&one);
        assert_eq!(one.items[0].outcome(), Outcome::Incorrect);
        assert_eq!(one.items[0].confidence, 1.0);

        // Gold only, nobody labelled it.
        let gold = estimate(&build(&[], &[(1, M)]), &settings);
        assert_sane(&gold);
        assert_eq!(gold.items[0].outcome(), Outcome::Missing);

        // Even the EM path with nothing to smooth over: settings that force it.
        let eager = Settings {
            min_labels: 0,
            min_worker_labels: 1,
            ..settings
        };
        for labels in [vec![], vec![(0, 0, C)], vec![(0, 0, C), (0, 1, I)]] {
            let e = estimate(&build(&labels, &[]), &eager);
            assert_sane(&e);
        }
        let tie = estimate(&build(&[(0, 0, C), (0, 1, I)], &[]), &eager);
        assert!(tie.items[0].split, "{:?}", tie.items[0]);

        // Lots of data, one worker with a single label, every item `correct`.
        let mut labels: Vec<(u32, u32, Verdict)> = (0..300).map(|i| (i, i % 3, C)).collect();
        labels.push((0, 9, C));
        let all_correct = estimate(&build(&labels, &[]), &settings);
        assert_sane(&all_correct);
        assert_eq!(all_correct.fallback, None);
        assert!(
            all_correct
                .items
                .iter()
                .all(|i| i.outcome() == Outcome::Correct)
        );
        let rare = &all_correct.workers[3];
        assert_eq!((rare.labels, rare.estimated), (1, false));
        assert!((rare.matrix[1][1] - 0.7).abs() < 1e-12);

        // Settings that make no sense are made sane.
        let odd = Settings {
            prior_accuracy: f64::NAN,
            prior_strength: 0.0,
            tolerance: f64::NAN,
            max_iterations: 0,
            ..settings
        };
        assert_sane(&estimate(&build(&labels, &[]), &odd));
    }

    #[test]
    fn too_little_data_falls_back_to_the_majority() {
        let labels = build(
            &[(0, 0, C), (0, 1, I), (1, 0, M), (1, 1, M), (1, 2, C)],
            &[(2, I)],
        );
        let e = estimate(&labels, &Settings::default());
        assert!(matches!(
            e.fallback,
            Some(Fallback::TooFewLabels { labels: 5, .. })
        ));
        assert_sane(&e);
        let outcomes: Vec<Outcome> = e.items.iter().map(ItemEstimate::outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Split, Outcome::Missing, Outcome::Incorrect]
        );
        assert!(e.workers.iter().all(|w| !w.estimated));

        // Enough labels, but everyone only once: nothing to learn about anyone.
        let labels: Vec<(u32, u32, Verdict)> = (0..60).map(|i| (i / 2, i, C)).collect();
        let e = estimate(&build(&labels, &[]), &Settings::default());
        assert_eq!(
            e.fallback,
            Some(Fallback::NoWorkerWithEnoughLabels { needed: 10 })
        );
    }

    #[test]
    fn a_low_confidence_is_split_when_the_caller_asks() {
        let kinds = [Kind::Accurate(0.6), Kind::Accurate(0.6), Kind::Random];
        let data = synthetic(5, &kinds, 500, 1..=2);
        let labels = build(&data.labels, &[]);
        let strict = Settings {
            min_confidence: 0.9,
            ..Settings::default()
        };
        let e = estimate(&labels, &strict);
        assert!(e.items.iter().any(|i| i.split));
        assert!(
            e.items
                .iter()
                .filter(|i| i.confidence < 0.9)
                .all(|i| i.split)
        );
        assert!(
            e.items
                .iter()
                .filter(|i| !i.split)
                .all(|i| i.confidence >= 0.9)
        );
        let loose = estimate(&labels, &Settings::default());
        assert!(
            loose.items.iter().filter(|i| i.split).count()
                < e.items.iter().filter(|i| i.split).count()
        );
    }
}
