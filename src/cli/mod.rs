//! The command line: `serve`, `migrate`, `user`, `backup`, `restore`, `version` and the tools.
//! Each subcommand is a few lines over the same building blocks the server uses.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod anonymize;
mod backup;
mod bench;
mod demo;
mod import;
mod user;

use crate::config::{Settings, StorageSettings};
use crate::db::Db;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "callqa",
    version,
    about = "Blind quality review of recorded sales calls"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (applies pending database migrations first).
    Serve(Settings),
    /// Apply pending database migrations and exit.
    Migrate(StorageSettings),
    /// Import call recordings from a folder (Asterisk/FreePBX names, CSV manifest).
    Import(import::ImportArgs),
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Print the version.
    Version,
    /// Build the reviewer copy of one recording (decode, redact, disguise, WAV, peaks) and
    /// report its speed and peak memory.
    Anonymize(anonymize::AnonymizeArgs),
    /// Start a server seeded with demo data (scripts, operators, calls, reviews) in its own
    /// data directory and print its logins.
    Demo(demo::DemoArgs),
    /// Write a consistent copy of the database, the audio and the signing key into a new
    /// directory (online: a running server keeps serving).
    Backup(backup::BackupArgs),
    /// Restore a backup written by `callqa backup` into a fresh data directory and database.
    Restore(backup::RestoreArgs),
    /// Benchmarks: load against a running server, the consensus estimator.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    init_logging();
    let outcome = match cli.command {
        Command::Serve(settings) => serve(settings),
        Command::Migrate(storage) => migrate(&storage),
        Command::Import(args) => import::run(args),
        Command::User { command } => user::run(command),
        Command::Anonymize(args) => anonymize::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Bench { command } => bench::run(command),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
        Command::Version => {
            println!("callqa {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("callqa: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; `RUST_LOG` sets the levels (default: info; the audio decoder's own
/// messages are off, since every decoding failure is reported in our words with its file).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,symphonia=off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal, not in log files and journals.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn serve(settings: Settings) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        println!(
            "callqa {} starting with:\n{settings}",
            env!("CARGO_PKG_VERSION")
        );
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        println!("callqa is running at {}/ (Ctrl-C to stop)", app.base_url());
        if let Some(setup_url) = app.setup_url() {
            println!(
                "\nNo owner account yet. Open this one-time link to create it:\n  {setup_url}\n"
            );
        }
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn migrate(storage: &StorageSettings) -> Result<(), String> {
    std::fs::create_dir_all(&storage.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", storage.data_dir.display()))?;
    let db = Db::connect(&storage.database(), 1).map_err(|e| e.to_string())?;
    let applied = db.migrate().map_err(|e| e.to_string())?;
    println!("{applied} migration(s) applied to {}", storage.database());
    Ok(())
}
