//! The commands of the `zinc` binary, and how their outcomes become exit codes.

mod database;
mod exit;
mod import;
mod keys;
mod migrate;
mod probe;
mod rollups;
mod serve;

pub use exit::ExitStatus;

use crate::cli::Command;
use crate::config::Config;

/// Runs one command to completion, printing its results and errors.
pub async fn run(command: Command, config: &Config) -> ExitStatus {
    let outcome = match command {
        Command::Import {
            files,
            skip_invalid,
            dry_run,
        } => import::run(config, &files, skip_invalid, dry_run).await,
        Command::Serve { imports } => serve::run(config, &imports).await,
        Command::Probe { path, address } => probe::run(config, &path, address),
        Command::Migrate { action } => migrate::run(config, action).await,
        Command::Keys { action } => keys::run(config, action).await,
        Command::Rollups { action } => rollups::run(config, action).await,
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("zinc: {error:#}");
        ExitStatus::Failure
    })
}
