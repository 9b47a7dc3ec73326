//! The database a command works on: created when missing if the command writes, then pooled.

use anyhow::Context;
use zinc_postgres::database::PoolSettings;
use zinc_postgres::{Database, PostgresLedger, PostgresRollups, database};

use crate::config::Config;

/// Whether a command may create the database it is pointed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missing {
    /// Commands that write: create it.
    Create,
    /// Read-only commands: say it does not exist.
    Refuse,
}

/// Connects to the configured database, creating it first if `missing` allows.
pub(super) async fn open_database(config: &Config, missing: Missing) -> anyhow::Result<Database> {
    let shown = config.database_url.shown();
    match missing {
        Missing::Create => {
            let created = database::create_database_if_missing(config.database_url.expose())
                .await
                .with_context(|| format!("cannot reach or create the database {shown}"))?;
            if created {
                eprintln!("Created database {shown}");
            }
        }
        Missing::Refuse => {
            database::probe(config.database_url.expose(), *config.db_acquire_timeout)
                .await
                .with_context(|| format!("cannot reach the database {shown}"))?
        }
    }
    connect(config, config.db_max_connections).await
}

/// Connects to the configured database (created when missing) and applies pending migrations,
/// saying on standard error how many it applied.
pub(super) async fn open_migrated(config: &Config) -> anyhow::Result<Database> {
    let db = open_database(config, Missing::Create).await?;
    let applied = database::migrate_up(&db)
        .await
        .context("applying migrations")?;
    if applied > 0 {
        eprintln!("Applied {applied} migration(s).");
    }
    Ok(db)
}

/// The ledger (imports, reverts) writing through `db`, within the configured bounds.
pub(super) fn ledger(config: &Config, db: &Database) -> PostgresLedger {
    PostgresLedger::new(db.clone())
        .with_reply_timeout(config.reply_timeout())
        .with_bulk_bound(config.bulk_bound())
}

/// The rollups' upkeep through `db`, within the configured bounds.
pub(super) fn rollups(config: &Config, db: &Database) -> PostgresRollups {
    PostgresRollups::new(db.clone())
        .with_reply_timeout(config.reply_timeout())
        .with_bulk_bound(config.bulk_bound())
}

/// A pool of `max_connections` to the configured (existing) database.
pub(super) async fn connect(config: &Config, max_connections: u32) -> anyhow::Result<Database> {
    connect_with(config, &config.pool_settings(max_connections)).await
}

/// A pool to the configured (existing) database, as `settings` say.
pub(super) async fn connect_with(
    config: &Config,
    settings: &PoolSettings,
) -> anyhow::Result<Database> {
    let shown = config.database_url.shown();
    database::connect(config.database_url.expose(), settings)
        .await
        .with_context(|| format!("cannot connect to {shown}"))
}
