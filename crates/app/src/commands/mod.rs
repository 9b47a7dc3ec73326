//! The commands of the `zinc` binary, and how their outcomes become exit codes.

mod import;
mod keys;
mod migrate;
mod probe;
mod serve;

use sea_orm::DatabaseConnection;
use zinc_postgres::database;

use crate::cli::Command;
use crate::config::{Config, redact_password};

/// How `zinc` exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// Done.
    Success = 0,
    /// The input was refused (an import rejected): the user's data needs fixing.
    Rejected = 1,
    /// Zinc could not do its job (database unreachable, file unreadable, bad configuration).
    Failure = 3,
}

/// Runs one command to completion, printing its results and errors.
pub async fn run(command: Command, config: &Config) -> ExitStatus {
    let outcome = match command {
        Command::Import { file, skip_invalid } => import::run(config, &file, skip_invalid).await,
        Command::Serve { imports } => serve::run(config, &imports).await,
        Command::Probe { path, address } => probe::run(config, &path, address),
        Command::Migrate { action } => migrate::run(config, action).await,
        Command::Keys { action } => keys::run(config, action).await,
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("zinc: {error:#}");
        ExitStatus::Failure
    })
}

/// Creates the configured database if needed and connects to it.
async fn open_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let shown = redact_password(&config.database_url);
    let created = database::create_database_if_missing(&config.database_url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach or create the database {shown}: {e}"))?;
    if created {
        eprintln!("Created database {shown}");
    }
    connect(config, config.db_max_connections).await
}

/// A pool of `max_connections` to the configured (existing) database.
async fn connect(config: &Config, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let shown = redact_password(&config.database_url);
    database::connect(&config.database_url, &config.pool_settings(max_connections))
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {shown}: {e}"))
}
