//! The commands of the `zinc` binary, and how their outcomes become exit codes.

mod database;
mod exit;
mod import;
mod imports;
mod keys;
mod migrate;
mod probe;
mod rollups;
mod serve;
mod watch;

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
        Command::Watch { dir } => watch::run(config, dir).await,
        Command::Probe { path, address } => probe::run(config, &path, address),
        Command::Imports { action } => imports::run(config, action).await,
        Command::Migrate { action } => migrate::run(config, action).await,
        Command::Keys { action } => keys::run(config, action).await,
        Command::Rollups { action } => rollups::run(config, action).await,
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("zinc: {}", one_line(error.as_ref()));
        ExitStatus::Failure
    })
}

/// An error and its causes on one line, as anyhow's `{:#}` prints them, except that a cause
/// whose text ends what is printed already is left out: sea-orm's and sqlx's errors repeat
/// their source in their own message.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = String::new();
    let mut cause = Some(error);
    while let Some(error) = cause {
        let text = error.to_string();
        if !line.ends_with(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
        cause = error.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn each_cause_follows_its_context_on_one_line() {
        let io = std::io::Error::other("Connection refused");
        let error = anyhow::Error::new(io).context("cannot reach the database");
        assert_eq!(
            one_line(error.as_ref()),
            "cannot reach the database: Connection refused"
        );
    }

    /// An error that repeats its source in its own message, as sea-orm's and sqlx's do.
    #[derive(Debug, thiserror::Error)]
    #[error("Connection Error: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn a_cause_its_effect_already_shows_is_printed_once() {
        let refused = std::io::Error::other("Connection refused");
        let error = anyhow::Error::new(Repeats(refused)).context("cannot reach the database");
        assert_eq!(
            one_line(error.as_ref()),
            "cannot reach the database: Connection Error: Connection refused"
        );
    }
}
