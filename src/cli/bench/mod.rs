//! `callqa bench`: `review-loop`, a load generator for the reviewing loop of a running
//! server; `consensus`, the Dawid–Skene estimator on synthetic reviews (see `consensus`);
//! `answers-export`, the raw export of a million answers (see `export`).
//!
//! # review-loop
//!
//! Everything goes through the public HTTP API, as a real client would: the owner logs in,
//! creates an operator, a script and reviewer accounts (through invites), uploads short
//! generated recordings and waits until they are processed. Then R reviewers, each on its own
//! connection, repeat `next` and `review` for S seconds, and the throughput and latency
//! percentiles are printed. `tests/bench/review-loop.sh` runs it on a fresh server.
//!
//! The server must run with `CALLQA_MIN_LISTEN_RATIO=0`: otherwise a review sent right after
//! `next` is refused as too soon (422), as it should be for a person.
//!
//! - this file: the command's flags and the order of a run;
//! - `client`: the HTTP client and its answers;
//! - `seed`: the owner's setup, the reviewer accounts and the uploaded recordings;
//! - `direct`: with `--database-url`, many more recordings written straight into the
//!   database, copies of a few uploaded ones;
//! - `load`: the reviewers' `next` + `review` loop;
//! - `report`: the figures printed at the end.

mod client;
mod consensus;
mod direct;
mod export;
mod load;
mod report;
mod seed;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Seed recordings and reviewers on a running server, then measure `next` + `review`.
    ReviewLoop(ReviewLoopArgs),
    /// Time the Dawid–Skene consensus on synthetic reviews and compare it with the majority.
    Consensus(consensus::ConsensusArgs),
    /// Seed a database with answers and time their raw export, with its memory.
    AnswersExport(export::ExportArgs),
}

#[derive(Debug, Args)]
pub struct ReviewLoopArgs {
    /// The running server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// Another server on the same database (repeatable): the reviewers are spread over all
    /// of them in turn; setup goes through `--url`.
    #[arg(long)]
    also_url: Vec<String>,
    /// Concurrent reviewers (one account and one connection each).
    #[arg(long, default_value_t = 32)]
    reviewers: usize,
    /// How long to run the loop.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// The owner's login (setup is done with the owner's rights).
    #[arg(long, env = "CALLQA_BENCH_OWNER_LOGIN")]
    owner_login: Option<String>,
    /// The owner's password (better given through the environment).
    #[arg(long, env = "CALLQA_BENCH_OWNER_PASSWORD", hide_env_values = true)]
    owner_password: Option<String>,
    /// An owner's bearer token, instead of logging in.
    #[arg(long, env = "CALLQA_BENCH_OWNER_TOKEN", hide_env_values = true,
          conflicts_with_all = ["owner_login", "owner_password"])]
    owner_token: Option<String>,
    /// How many recordings to upload before the loop; each gives `--reviews-per-call`
    /// reviews. Default: enough for 2,500 reviews/s over `--seconds`. When the pool runs dry,
    /// reviewers stop early (and the output says so).
    #[arg(long)]
    calls: Option<usize>,
    /// Reviews each recording needs (1–20; at most `--reviewers` can be used).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    reviews_per_call: u32,
    /// Uploads (and status polls) in flight at once while seeding.
    #[arg(long, default_value_t = 8)]
    upload_concurrency: usize,
    /// Upload without a fixed number of reviews: every call gets dynamic overlap (the
    /// script's bounds, 1–3 unless changed), which settles each call after every review.
    /// `--reviews-per-call` then only sizes the pool (3 gives each call its maximum when no
    /// reviewer is trusted yet).
    #[arg(long)]
    dynamic: bool,
    /// The server's database (its `CALLQA_DATABASE_URL`): all but a few of the `--calls`
    /// recordings are then written straight into it, copies of a few uploaded ones, instead
    /// of being uploaded one by one (a million in minutes instead of hours).
    #[arg(long)]
    database_url: Option<String>,
}

/// The default pool: enough recordings for this many reviews per second over the run.
const SEEDED_REVIEWS_PER_SECOND: usize = 2500;

impl ReviewLoopArgs {
    /// Every server the reviewers go through.
    fn servers(&self) -> Vec<&str> {
        std::iter::once(self.url.as_str())
            .chain(self.also_url.iter().map(String::as_str))
            .collect()
    }

    fn calls(&self) -> usize {
        self.calls.unwrap_or_else(|| {
            (usize::try_from(self.seconds).unwrap_or(usize::MAX / 2) * SEEDED_REVIEWS_PER_SECOND)
                .div_ceil(self.reviews_per_call as usize)
        })
    }
}

pub fn run(command: BenchCommand) -> Result<(), String> {
    match command {
        BenchCommand::ReviewLoop(args) => {
            actix_web::rt::System::new().block_on(async move { review_loop(args).await })
        }
        BenchCommand::Consensus(args) => consensus::run(args),
        BenchCommand::AnswersExport(args) => export::run(args),
    }
}

async fn review_loop(args: ReviewLoopArgs) -> Result<(), String> {
    if args.reviewers == 0 || args.seconds == 0 || args.calls() == 0 {
        return Err("--reviewers, --seconds and --calls must be at least 1".to_owned());
    }
    println!(
        "note: the server must run with CALLQA_MIN_LISTEN_RATIO=0, or every review is refused \
         as too soon after `next`"
    );
    if args.reviews_per_call as usize > args.reviewers {
        println!(
            "note: --reviews-per-call {} is more than --reviewers {}: a reviewer reviews a call \
             once, so part of the pool cannot be used",
            args.reviews_per_call, args.reviewers
        );
    }
    let setup = seed::set_up(&args).await?;
    let run = load::drive(&args, setup.reviewer_tokens).await?;
    report::print(&args, &setup.backend, &setup.version, run);
    Ok(())
}
