//! The `callqa` binary: parse the command line and hand over to [`callqa::cli::run`].

use clap::Parser;

fn main() -> std::process::ExitCode {
    callqa::cli::run(callqa::cli::Cli::parse())
}
