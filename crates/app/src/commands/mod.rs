//! The commands of the `zinc` binary, and how their outcomes become exit codes.

mod import;
mod keys;
mod migrate;
mod probe;
mod rollups;
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
    /// A skip-invalid import wrote the valid sales and rejected others.
    Partial = 4,
    /// Zinc could not do its job (database unreachable, file unreadable, bad configuration).
    Failure = 3,
}

impl ExitStatus {
    /// The worse of two outcomes: could not run, then rejected, then partly done, then done.
    pub fn worse(self, other: ExitStatus) -> ExitStatus {
        let rank = |status: ExitStatus| match status {
            ExitStatus::Success => 0,
            ExitStatus::Partial => 1,
            ExitStatus::Rejected => 2,
            ExitStatus::Failure => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

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

/// Whether a command may create the database it is pointed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// Commands that write: create it.
    Create,
    /// Read-only commands: say it does not exist.
    Refuse,
}

/// Connects to the configured database, creating it first if `missing` allows.
async fn open_database(config: &Config, missing: Missing) -> anyhow::Result<DatabaseConnection> {
    let shown = redact_password(&config.database_url);
    match missing {
        Missing::Create => {
            let created = database::create_database_if_missing(&config.database_url)
                .await
                .map_err(|e| anyhow::anyhow!("cannot reach or create the database {shown}: {e}"))?;
            if created {
                eprintln!("Created database {shown}");
            }
        }
        Missing::Refuse => database::probe(&config.database_url, config.db_acquire_timeout)
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach the database {shown}: {e}"))?,
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
