//! `callqa bench answers-export`: the raw export of every answer
//! (`crate::web::answers`) over a database seeded with `--rows` verdicts, timed, with the
//! process's resident memory while it runs. The export is the same stream the HTTP handler
//! sends, read to the end here (into `--out`, or counted and dropped).
//!
//! Seeding writes straight into the database (an owner, an operator, reviewers and a script
//! through the domain functions; then one reviewed call per `--steps` verdicts, a transaction
//! per 2,000 calls), into a fresh SQLite file under a temporary directory, or into the empty
//! PostgreSQL database given by `--database-url`; with `--dir`, the SQLite file is kept
//! there. A database seeded by an earlier run is exported as it is, so a second run in a
//! fresh process measures the export's own peak memory (in the run that seeds, the peak also
//! holds what seeding used).

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use diesel::prelude::*;
use futures_util::StreamExt;

use crate::accounts::Role;
use crate::accounts::operators::OperatorRecord;
use crate::accounts::users::{NewUser, User};
use crate::config::DatabaseUrl;
use crate::dashboards::answers::{AnswerFilter, Pages};
use crate::db::ids::{AssignmentId, RecordingId, ReviewId, UserId, VerdictId};
use crate::db::schema::{assignments, recordings, reviews, users, verdicts};
use crate::db::time::{Timestamp, now};
use crate::db::{Db, DbConnection};
use crate::i18n::Lang;
use crate::scripts;
use crate::scripts::validate::StepInput;
use crate::zone::Zone;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// How many answers (verdict rows) to seed and export.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Steps of the script: each seeded call has one review with this many verdicts.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=50))]
    steps: u32,
    /// Reviews read at a time (the server's `CALLQA_EXPORT_PAGE_REVIEWS`).
    #[arg(long, default_value_t = 500)]
    page_reviews: i64,
    /// An empty PostgreSQL database to seed instead of a temporary SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Keep the SQLite database in this directory (seeded once, exported by every run).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Write the CSV here (default: count the bytes and drop them).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Reviewers the seeded reviews are spread over.
const REVIEWERS: usize = 20;
/// Calls inserted per transaction.
const BATCH: usize = 2000;

pub fn run(args: ExportArgs) -> Result<(), String> {
    let calls = args.rows.div_ceil(args.steps as usize).max(1);
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        return export(&args, calls, dir);
    }
    let temp = std::env::temp_dir().join(format!("callqa-bench-export-{}", std::process::id()));
    std::fs::create_dir_all(&temp).map_err(|e| format!("{}: {e}", temp.display()))?;
    let result = export(&args, calls, &temp);
    let _ = std::fs::remove_dir_all(&temp);
    result
}

fn export(args: &ExportArgs, calls: usize, temp: &std::path::Path) -> Result<(), String> {
    let url = match &args.database_url {
        Some(url) => DatabaseUrl::parse(url),
        None => DatabaseUrl::Sqlite(temp.join("bench.db")),
    };
    let db = Db::connect(&url, 4).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let backend = if matches!(db.url(), DatabaseUrl::Sqlite(_)) {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let seeded: i64 = users::table
        .filter(users::login.eq(OWNER_LOGIN))
        .count()
        .get_result(&mut *conn)
        .map_err(|e| e.to_string())?;
    if seeded == 0 {
        println!(
            "seeding {calls} calls × {} steps = {} answers into {backend} …",
            args.steps,
            calls * args.steps as usize,
        );
        let started = Instant::now();
        seed(&mut conn, calls, args.steps, now())?;
        db.make_durable().map_err(|e| e.to_string())?;
        println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
    } else {
        println!("exporting what an earlier run seeded into {backend}");
    }
    let expected: i64 = verdicts::table
        .count()
        .get_result(&mut *conn)
        .map_err(|e| e.to_string())?;
    drop(conn);

    reset_peak_memory();
    let before = memory();
    let filter = AnswerFilter {
        from: time::macros::datetime!(2000-01-01 0:00),
        to: now() + time::Duration::days(1),
        script: None,
    };
    let pages = Pages::new(filter, args.page_reviews);
    let mut out = match &args.out {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => None,
    };
    let started = Instant::now();
    let (bytes, lines, rss_at_tenth) = actix_web::rt::System::new().block_on(async move {
        let mut stream = Box::pin(crate::web::answers::body(db, pages, Lang::En, Zone::utc()));
        let (mut bytes, mut lines, mut rss_at_tenth) = (0usize, 0usize, None);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| e.to_string())?;
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
            if rss_at_tenth.is_none() && lines > args.rows / 10 {
                rss_at_tenth = memory().map(|m| m.rss_kb);
            }
            if let Some(out) = out.as_mut() {
                out.write_all(&chunk).map_err(|e| e.to_string())?;
            }
        }
        if let Some(mut out) = out {
            out.flush().map_err(|e| e.to_string())?;
        }
        Ok::<_, String>((bytes, lines, rss_at_tenth))
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let after = memory();
    let rows = lines.saturating_sub(1);
    println!(
        "exported {rows} answers ({:.1} MB) in {seconds:.2} s: {:.0} rows/s",
        bytes as f64 / 1e6,
        rows as f64 / seconds.max(1e-9)
    );
    let kb = |m: Option<u64>| {
        m.map_or("n/a".to_owned(), |kb| {
            format!("{:.1} MB", kb as f64 / 1024.0)
        })
    };
    println!(
        "resident memory: {} before, {} at 10 % of the rows, {} at the end; peak since the \
         export began {}",
        kb(before.map(|m| m.rss_kb)),
        kb(rss_at_tenth),
        kb(after.map(|m| m.rss_kb)),
        kb(after.map(|m| m.peak_kb)),
    );
    if rows as i64 != expected {
        return Err(format!("expected {expected} rows, read {rows}"));
    }
    Ok(())
}

/// The bench's owner: a database that has it was seeded before.
const OWNER_LOGIN: &str = "bench-owner";

/// The accounts, the script and `calls` reviewed calls, one second apart, the last at `last`.
fn seed(conn: &mut DbConnection, calls: usize, steps: u32, last: Timestamp) -> Result<(), String> {
    let first = last - time::Duration::seconds(calls as i64);
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let owner = User::create(
        conn,
        &NewUser::parse(
            Role::Owner,
            "bench-owner",
            "Owner",
            "bench-password-1",
            None,
        )
        .map_err(|e| text(&e))?,
    )
    .map_err(|e| text(&e))?;
    let operator = OperatorRecord::create(conn, "Anna", None).map_err(|e| text(&e))?;
    let reviewers: Vec<UserId> = (0..REVIEWERS)
        .map(|i| {
            let new = NewUser::parse(
                Role::Reviewer,
                &format!("bench-reviewer-{i}"),
                &format!("Reviewer {i}"),
                "bench-password-1",
                None,
            )
            .map_err(|e| text(&e))?;
            User::create(conn, &new).map(|u| u.id).map_err(|e| text(&e))
        })
        .collect::<Result<_, String>>()?;
    let inputs: Vec<StepInput> = (1..=steps)
        .map(|i| StepInput {
            title: format!("Step {i}"),
            say: Some(format!("What the operator says at step {i}")),
            ..StepInput::default()
        })
        .collect();
    let script =
        scripts::create(conn, &owner.id, "Inbound sales", &inputs, None).map_err(|e| text(&e))?;
    let version = script.version.ok_or("the script has no version")?;
    let verdict_of = |call: usize, step: usize| match (call * 31 + step * 7) % 20 {
        0 => (
            "incorrect",
            Some("Skipped the question; moved on to the price"),
        ),
        1 => (
            "missing",
            Some("The customer asked about delivery; the script has nothing"),
        ),
        _ => ("correct", None),
    };
    for start in (0..calls).step_by(BATCH) {
        let end = (start + BATCH).min(calls);
        conn.transaction(|conn| {
            for call in start..end {
                let at = first + time::Duration::seconds(call as i64);
                let recording = RecordingId::random();
                let assignment = AssignmentId::random();
                let review = ReviewId::random();
                let reviewer = reviewers[call % REVIEWERS].clone();
                diesel::insert_into(recordings::table)
                    .values((
                        recordings::id.eq(recording.clone()),
                        recordings::operator_id.eq(operator.id.clone()),
                        recordings::script_version_id.eq(version.id.clone()),
                        recordings::status.eq("ready"),
                        recordings::original_name.eq(format!("call-{call}.wav")),
                        recordings::original_file.eq(format!("originals/{call}.wav")),
                        recordings::content_sha256.eq(format!("{call:064x}")),
                        recordings::size_bytes.eq(1_000_000i64),
                        recordings::reviews_required.eq(1),
                        recordings::reviews_done.eq(1),
                        recordings::created_at.eq(at),
                    ))
                    .execute(conn)?;
                diesel::insert_into(assignments::table)
                    .values((
                        assignments::id.eq(assignment.clone()),
                        assignments::code.eq(format!("bench-{call}")),
                        assignments::recording_id.eq(recording.clone()),
                        assignments::reviewer_id.eq(reviewer.clone()),
                        assignments::status.eq("submitted"),
                        assignments::assigned_at.eq(at),
                        assignments::expires_at.eq(at),
                        assignments::finished_at.eq(Some(at)),
                    ))
                    .execute(conn)?;
                diesel::insert_into(reviews::table)
                    .values((
                        reviews::id.eq(review.clone()),
                        reviews::assignment_id.eq(assignment),
                        reviews::recording_id.eq(recording),
                        reviews::reviewer_id.eq(reviewer),
                        reviews::script_version_id.eq(version.id.clone()),
                        reviews::submitted_at.eq(at),
                        reviews::status.eq("accepted"),
                    ))
                    .execute(conn)?;
                for (index, step) in version.steps.iter().enumerate() {
                    let (verdict, comment) = verdict_of(call, index);
                    diesel::insert_into(verdicts::table)
                        .values((
                            verdicts::id.eq(VerdictId::random()),
                            verdicts::review_id.eq(review.clone()),
                            verdicts::step_id.eq(step.id.clone()),
                            verdicts::step_key.eq(step.key.clone()),
                            verdicts::verdict.eq(verdict),
                            verdicts::comment.eq(comment),
                        ))
                        .execute(conn)?;
                }
            }
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(|e| text(&e))?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct Memory {
    rss_kb: u64,
    peak_kb: u64,
}

/// This process's resident and peak resident memory (Linux; `None` elsewhere).
fn memory() -> Option<Memory> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(Memory {
        rss_kb: field("VmRSS:")?,
        peak_kb: field("VmHWM:")?,
    })
}

/// Starts the peak resident memory over from the current figure (Linux; a no-op elsewhere).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
