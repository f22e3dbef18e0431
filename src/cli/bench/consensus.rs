//! `callqa bench consensus`: the Dawid–Skene estimator (`crate::reviews::dawid_skene`) on
//! synthetic reviews, timed, and its verdicts against the truth they were drawn from, next to
//! the plain majority's. No server, no database.
//!
//! The synthetic data: each call has `--steps` steps whose true verdicts are drawn as 75 %
//! `correct`, 17 % `incorrect`, 8 % `missing`; 1–3 distinct reviewers review all its steps.
//! Of the reviewers, 5 % answer at random, 5 % always say `correct`, 15 % are right 50–70 %
//! of the time and the rest 80–98 % (a wrong answer is one of the two others at random).
//! Calls are added until there are `--labels` labels.

use std::time::{Duration, Instant};

use clap::Args;
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

use crate::reviews::consensus::{Outcome, step_outcome};
use crate::reviews::dawid_skene::{LabelsBuilder, Settings, estimate};
use crate::reviews::verdict::Verdict;

#[derive(Debug, Args)]
pub struct ConsensusArgs {
    /// How many labels (one reviewer's verdict on one step) to generate, at least.
    #[arg(long, default_value_t = 100_000)]
    labels: usize,
    /// How many reviewers.
    #[arg(long, default_value_t = 200)]
    workers: usize,
    /// Steps per call.
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// The share of calls whose true verdicts are given as known (gold), 0–1.
    #[arg(long, default_value_t = 0.0)]
    gold: f64,
    /// Seed of the synthetic data (the estimator itself uses no randomness).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many times to run the estimator.
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Items whose top posterior is below this are split.
    #[arg(long, default_value_t = 0.5)]
    min_confidence: f64,
}

/// How a synthetic reviewer answers.
#[derive(Debug, Clone, Copy)]
enum Reviewer {
    Accurate(f64),
    Random,
    AlwaysCorrect,
}

impl Reviewer {
    fn draw(rng: &mut impl Rng) -> Reviewer {
        match rng.random_range(0.0..1.0) {
            x if x < 0.05 => Reviewer::Random,
            x if x < 0.10 => Reviewer::AlwaysCorrect,
            x if x < 0.25 => Reviewer::Accurate(rng.random_range(0.5..0.7)),
            _ => Reviewer::Accurate(rng.random_range(0.8..0.98)),
        }
    }

    fn answer(self, truth: Verdict, rng: &mut impl Rng) -> Verdict {
        match self {
            Reviewer::Accurate(p) if rng.random_bool(p) => truth,
            Reviewer::Accurate(_) => {
                let mut others = Verdict::ALL.iter().copied().filter(|v| *v != truth);
                let skip = rng.random_range(0..2);
                others.nth(skip).unwrap_or(truth)
            }
            Reviewer::Random => Verdict::ALL[rng.random_range(0..3)],
            Reviewer::AlwaysCorrect => Verdict::Correct,
        }
    }

    /// The mean of the true confusion matrix's diagonal.
    fn balanced_accuracy(self) -> f64 {
        match self {
            Reviewer::Accurate(p) => p,
            Reviewer::Random | Reviewer::AlwaysCorrect => 1.0 / 3.0,
        }
    }

    fn spammer(self) -> bool {
        !matches!(self, Reviewer::Accurate(_))
    }
}

fn draw_truth(rng: &mut impl Rng) -> Verdict {
    match rng.random_range(0.0..1.0) {
        x if x < 0.75 => Verdict::Correct,
        x if x < 0.92 => Verdict::Incorrect,
        _ => Verdict::Missing,
    }
}

fn shown(verdict: Verdict) -> Outcome {
    verdict.into()
}

type ItemKey = (String, String);

pub fn run(args: ConsensusArgs) -> Result<(), String> {
    if args.workers == 0 || args.steps == 0 || args.runs == 0 {
        return Err("--workers, --steps and --runs must be at least 1".to_owned());
    }
    if !(0.0..=1.0).contains(&args.gold) {
        return Err("--gold must be between 0 and 1".to_owned());
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let reviewers: Vec<Reviewer> = (0..args.workers)
        .map(|_| Reviewer::draw(&mut rng))
        .collect();
    let worker_key = |w: usize| format!("reviewer-{w:04}");

    let mut builder: LabelsBuilder<ItemKey, String> = LabelsBuilder::with_capacity(args.labels);
    let mut truth: Vec<(ItemKey, Verdict)> = Vec::new();
    let mut generated = 0;
    let mut chosen = Vec::with_capacity(3);
    let mut call = 0usize;
    while generated < args.labels {
        let reviews = rng.random_range(1..=3usize).min(args.workers);
        chosen.clear();
        while chosen.len() < reviews {
            let w = rng.random_range(0..args.workers);
            if !chosen.contains(&w) {
                chosen.push(w);
            }
        }
        let gold = args.gold > 0.0 && rng.random_bool(args.gold);
        for step in 0..args.steps {
            let key: ItemKey = (format!("call-{call:07}"), format!("step-{step}"));
            let t = draw_truth(&mut rng);
            for w in &chosen {
                let verdict = reviewers[*w].answer(t, &mut rng);
                builder.label(key.clone(), worker_key(*w), verdict);
                generated += 1;
            }
            if gold {
                builder.known(key.clone(), t);
            }
            truth.push((key, t));
        }
        call += 1;
    }

    let started = Instant::now();
    let labels = builder.build();
    let build_time = started.elapsed();
    let mut truth_at = vec![Verdict::Correct; labels.items().len()];
    for (key, t) in &truth {
        if let Some(i) = labels.item_index(key) {
            truth_at[i] = *t;
        }
    }

    let settings = Settings {
        min_confidence: args.min_confidence,
        ..Settings::default()
    };
    let mut times = Vec::with_capacity(args.runs);
    let mut result = None;
    for _ in 0..args.runs {
        let started = Instant::now();
        let e = estimate(&labels, &settings);
        times.push(started.elapsed());
        result = Some(e);
    }
    let Some(ds) = result else {
        return Err("no run".to_owned());
    };
    times.sort();

    let started = Instant::now();
    let mut votes = Vec::new();
    let majority: Vec<Outcome> = (0..labels.items().len())
        .map(|i| {
            votes.clear();
            votes.extend(labels.item_labels(i).map(|(_, v)| v));
            step_outcome(&votes).unwrap_or(Outcome::Split)
        })
        .collect();
    let majority_time = started.elapsed();

    let n = labels.items().len().max(1) as f64;
    let right = |o: &[Outcome], keep: &dyn Fn(usize) -> bool| {
        let (mut hit, mut of) = (0usize, 0usize);
        for (i, outcome) in o.iter().enumerate().filter(|(i, _)| keep(*i)) {
            of += 1;
            hit += usize::from(*outcome == shown(truth_at[i]));
        }
        hit as f64 / of.max(1) as f64
    };
    let ds_outcomes: Vec<Outcome> = ds.items.iter().map(|i| i.outcome()).collect();
    let split = |o: &[Outcome]| o.iter().filter(|o| **o == Outcome::Split).count() as f64 / n;
    let all = |_: usize| true;
    let shared = |i: usize| labels.item_labels(i).nth(1).is_some();

    let estimated = ds.workers.iter().filter(|w| w.estimated).count();
    let skill = |spam: bool| {
        let picked: Vec<(f64, f64)> = labels
            .workers()
            .iter()
            .zip(&ds.workers)
            .filter_map(|(key, w)| {
                let index: usize = key.trim_start_matches("reviewer-").parse().ok()?;
                let r = reviewers[index];
                (r.spammer() == spam).then_some((w.balanced_accuracy, r.balanced_accuracy()))
            })
            .collect();
        let count = picked.len().max(1) as f64;
        let mean = picked.iter().map(|p| p.0).sum::<f64>() / count;
        let error = picked.iter().map(|p| (p.0 - p.1).abs()).sum::<f64>() / count;
        (picked.len(), mean, error)
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;

    println!("callqa bench consensus (seed {})", args.seed);
    println!(
        "labels {}  items {}  calls {}  workers {} ({} estimated, {} on the default matrix)  gold calls {:.0} %",
        labels.len(),
        labels.items().len(),
        call,
        labels.workers().len(),
        estimated,
        labels.workers().len() - estimated,
        args.gold * 100.0
    );
    println!(
        "fallback {:?}  iterations {}  converged {}  penalised log-likelihood {:.1}",
        ds.fallback, ds.iterations, ds.converged, ds.log_likelihood
    );
    println!(
        "estimate: {} runs, min {:.1} ms, median {:.1} ms, max {:.1} ms  (build {:.1} ms once, majority {:.1} ms)",
        args.runs,
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        ms(build_time),
        ms(majority_time)
    );
    println!(
        "accuracy vs truth (split counts as wrong): DS {:.4} (split {:.2} %)  majority {:.4} (split {:.2} %)",
        right(&ds_outcomes, &all),
        split(&ds_outcomes) * 100.0,
        right(&majority, &all),
        split(&majority) * 100.0
    );
    println!(
        "  on items with 2+ labels: DS {:.4}  majority {:.4}",
        right(&ds_outcomes, &shared),
        right(&majority, &shared)
    );
    let (good, good_mean, good_error) = skill(false);
    let (spam, spam_mean, spam_error) = skill(true);
    println!(
        "reviewer skill (balanced accuracy): {good} others estimated {good_mean:.3} on average \
         (mean error {good_error:.3}), {spam} spammers {spam_mean:.3} (mean error {spam_error:.3})"
    );
    Ok(())
}
