//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use zinc_domain::KeyName;

/// Zinc: point-of-sale exports into PostgreSQL, as products, orders and order items.
#[derive(Debug, Parser)]
#[command(name = "zinc", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `zinc`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import a point-of-sale CSV export (creates the database and applies migrations first).
    ///
    /// Strict by default: any invalid row rejects the whole file and nothing is written.
    /// Exit codes (the worst over several files): 0 imported (every sale), 1 rejected (nothing
    /// written), 3 could not run (file unreadable, database unreachable), 4 partly imported
    /// (--skip-invalid rejected some sales).
    #[command(after_help = IMPORT_HELP)]
    Import {
        /// The CSV files to import, each in turn with its own report; `-` reads standard input.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Import every valid sale and report the rejected ones, instead of rejecting the file.
        #[arg(long)]
        skip_invalid: bool,
        /// Check the file and report what importing it would change (sales created, replaced
        /// with their Sale IDs, unchanged; products created and repriced), writing nothing.
        /// The exit code is the one the import would have.
        #[arg(long)]
        dry_run: bool,
    },
    /// Serve the HTTP API (creates the database and applies migrations first, unless
    /// ZINC_MIGRATE_ON_START=false).
    ///
    /// Once it accepts connections it prints `listening on http://ADDRESS` on standard output,
    /// one line per address and nothing else there (logs go to standard error), so that a
    /// script binding port 0 (ZINC_BIND=127.0.0.1:0) learns the port.
    #[command(after_help = SERVE_HELP)]
    Serve {
        /// Files to import before listening (idempotent: an already imported file changes
        /// nothing), e.g. the bundled data/zinc-sales.csv.
        #[arg(long = "import", value_name = "FILE")]
        imports: Vec<PathBuf>,
    },
    /// Watch a folder and import each complete file dropped into it, once (known by its
    /// SHA-256 across restarts and other watchers), then move it to `imported/` or
    /// `rejected/` beside it with its report (NAME.report.json) and its reject file
    /// (NAME.rejected.csv). Runs until SIGINT/SIGTERM.
    ///
    /// A file is read once its size and modification time have not changed for
    /// ZINC_WATCH_SETTLE_MS; names ending in `.part` or starting with `.` are never read.
    /// The mode is ZINC_WATCH_MODE (strict or skip_invalid); files larger than
    /// ZINC_MAX_UPLOAD_BYTES are rejected unread. `zinc serve` does the same when ZINC_WATCH_DIR
    /// is set. With ZINC_METRICS_BIND set, its counts (zinc_watch_*) and the process's are
    /// served at /metrics there.
    #[command(after_help = WATCH_HELP)]
    Watch {
        /// The folder to watch.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Check that a running `zinc serve` answers (for container health checks: no curl needed).
    ///
    /// Exit code 0 when the route answers 200, 1 otherwise.
    Probe {
        /// The route to ask.
        #[arg(long, default_value = "/health/live")]
        path: String,
        /// The server's address (default: ZINC_BIND, with 0.0.0.0 asked on 127.0.0.1).
        #[arg(long)]
        address: Option<std::net::SocketAddr>,
    },
    /// Read what the imports kept.
    ///
    /// Exit codes: 0 done, 1 no finished import has that number, 2 not an import number,
    /// 3 could not run (database unreachable).
    #[command(after_help = IMPORTS_HELP)]
    Imports {
        /// What to read.
        #[command(subcommand)]
        action: ImportsAction,
    },
    /// Manage the database schema.
    #[command(after_help = MIGRATE_HELP)]
    Migrate {
        /// What to do with the migrations.
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Manage the API keys. Once any active key exists, every /api/v1 route needs
    /// `Authorization: Bearer KEY`; health, /docs and /metrics stay open.
    #[command(after_help = KEYS_HELP)]
    Keys {
        /// What to do with the keys.
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Check or rebuild the rollups: the daily and monthly sums that revenue and best-seller
    /// figures are read from. Every import keeps them up to date; these are for operators.
    ///
    /// Exit codes: 0 done (verify: the rollups match the orders), 1 verify found differences
    /// (each listed), 3 could not run.
    #[command(after_help = ROLLUPS_HELP)]
    Rollups {
        /// What to do with the rollups.
        #[command(subcommand)]
        action: RollupsAction,
    },
}

/// Where every command finds its database (said once, in each command's help).
macro_rules! database_help {
    ($example:literal) => {
        concat!(
            "The database is DATABASE_URL (or the file named by DATABASE_URL_FILE), by default ",
            crate::config::default_database_url!(),
            ".\n\nExample:\n  ",
            $example
        )
    };
}

const IMPORT_HELP: &str = database_help!(
    "DATABASE_URL=postgres://zinc:secret@db:5432/zinc zinc import data/zinc-sales.csv --skip-invalid"
);
const SERVE_HELP: &str = database_help!(
    "DATABASE_URL=postgres://zinc:secret@db:5432/zinc ZINC_BIND=127.0.0.1:8080 zinc serve --import data/zinc-sales.csv"
);
const WATCH_HELP: &str = database_help!(
    "DATABASE_URL=postgres://zinc:secret@db:5432/zinc ZINC_WATCH_MODE=skip_invalid zinc watch /srv/pos-exports"
);
const IMPORTS_HELP: &str = database_help!(
    "DATABASE_URL=postgres://zinc:secret@db:5432/zinc zinc imports rejected 4 > rejected-4.csv"
);
const MIGRATE_HELP: &str =
    database_help!("DATABASE_URL=postgres://zinc:secret@db:5432/zinc zinc migrate status");
const KEYS_HELP: &str = database_help!(
    "DATABASE_URL=postgres://zinc:secret@db:5432/zinc zinc keys create finance-uploads --scope write"
);
const ROLLUPS_HELP: &str =
    database_help!("DATABASE_URL=postgres://zinc:secret@db:5432/zinc zinc rollups verify");

/// What a key may do.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Scope {
    /// Read every /api/v1 route.
    Read,
    /// Read, and import files.
    Write,
}

impl From<Scope> for zinc_domain::KeyScope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Read => zinc_domain::KeyScope::Read,
            Scope::Write => zinc_domain::KeyScope::Write,
        }
    }
}

/// API key actions. Exit code 1 when the name is taken (create) or unknown (revoke).
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key and print it once, alone on the last line of standard output (only its
    /// digest is stored).
    ///
    /// Example: `zinc keys create finance-uploads --scope write`
    Create {
        /// The key's name: 1 to 64 of A-Z a-z 0-9 - _ . (never reused).
        #[arg(value_parser = KeyName::parse)]
        name: KeyName,
        /// What the key may do.
        #[arg(long, value_enum)]
        scope: Scope,
    },
    /// List the keys: names, scopes, created, last used, revoked (never the keys).
    List,
    /// Revoke a key: running servers refuse it within 1 second.
    Revoke {
        /// The key's name.
        #[arg(value_parser = KeyName::parse)]
        name: KeyName,
    },
    /// Print a fresh random key without storing it (for ZINC_BOOTSTRAP_KEY).
    Generate,
}

/// What `zinc imports` reads.
#[derive(Debug, Subcommand)]
pub enum ImportsAction {
    /// Print the reject file of an import on standard output: the lines of the sales it
    /// rejected, each with its line number and reason (the API's
    /// /api/v1/imports/{id}/rejected.csv); the header alone when it rejected nothing.
    ///
    /// Example: `zinc imports rejected 4 > rejected-4.csv`
    Rejected {
        /// The import's number, as its report says ("Import #4 of bad.csv").
        #[arg(value_parser = clap::value_parser!(i64).range(1..))]
        id: i64,
    },
    /// Revert an import: put back the sales and prices it replaced and remove what it
    /// created, recorded as an import of its own (which can be reverted in turn). Refused when
    /// a later import changed some of the same sales: revert those first, newest first.
    ///
    /// Example: `zinc imports revert 4 --dry-run`, then `zinc imports revert 4`
    Revert {
        /// The import's number.
        #[arg(value_parser = clap::value_parser!(i64).range(1..))]
        id: i64,
        /// Say what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete the versions imports replaced that are older than ZINC_REPLACED_KEEP_DAYS;
    /// those imports can no longer be reverted.
    Prune,
}

/// Migration actions.
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration (creates the database if it does not exist).
    Up,
    /// Roll back applied migrations: the last one by default.
    Down {
        /// How many to roll back.
        #[arg(short = 'n', long, default_value_t = 1, conflicts_with = "all")]
        steps: u32,
        /// Roll back all of them (drops every table Zinc created).
        #[arg(long)]
        all: bool,
    },
    /// List the migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations from scratch (destroys all data).
    Fresh,
}

/// Rollup actions.
#[derive(Debug, Subcommand)]
pub enum RollupsAction {
    /// Recompute the rollups from the orders and list where the stored ones differ (nothing is
    /// written). Exit code 1 when they differ.
    Verify {
        /// The most differences listed (all are counted).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        max: u32,
    },
    /// Recompute every rollup from the orders and replace them, in one transaction (it waits
    /// for running imports to finish writing).
    Rebuild,
}
