//! `zinc imports rejected ID`: the reject file of an import, on standard output.

use std::io::Write;

use anyhow::Context;
use zinc_domain::ImportId;
use zinc_ports::ImportHistory;
use zinc_postgres::PostgresQueries;

use super::database::{Missing, open_database};
use super::exit::ExitStatus;
use crate::cli::ImportsAction;
use crate::config::Config;

/// The command that writes the reject file of import `id` to a file, as a report names it.
pub(super) fn rejected_command(id: ImportId) -> String {
    format!("zinc imports rejected {id} > rejected-{id}.csv")
}

pub(super) async fn run(config: &Config, action: ImportsAction) -> anyhow::Result<ExitStatus> {
    let ImportsAction::Rejected { id } = action;
    let db = open_database(config, Missing::Refuse).await?;
    let history = PostgresQueries::new(db.clone()).with_reply_timeout(config.reply_timeout());
    let status = print_rejected(&history, ImportId::new(id), &mut std::io::stdout().lock()).await;
    db.close().await.ok();
    status
}

/// Writes the reject file of import `id` to `out`, as the API's
/// `/api/v1/imports/{id}/rejected.csv` does (the same port and the same writer).
async fn print_rejected(
    history: &dyn ImportHistory,
    id: ImportId,
    out: &mut impl Write,
) -> anyhow::Result<ExitStatus> {
    let Some(file) = history
        .rejected_lines(id)
        .await
        .with_context(|| format!("reading the reject file of import {id}"))?
    else {
        eprintln!(
            "zinc: no finished import has the number {id} (zinc serve lists them at /imports)"
        );
        return Ok(ExitStatus::Rejected);
    };
    file.lines
        .write_csv(out)
        .and_then(|()| out.flush())
        .context("writing the reject file to standard output")?;
    Ok(ExitStatus::Success)
}
