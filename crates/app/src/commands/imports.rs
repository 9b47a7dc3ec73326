//! `zinc imports rejected ID`: the reject file of an import, on standard output.
//! `zinc imports revert ID [--dry-run]`: take an import back.
//! `zinc imports prune`: delete the replaced versions older than `ZINC_REPLACED_KEEP_DAYS`.

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Utc};
use zinc_application::RevertImport;
use zinc_domain::{ImportId, ImportSource};
use zinc_ports::{ImportHistory, ImportReverts, PrunedVersions, RevertError, StoreError};
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
    let db = open_database(config, Missing::Refuse).await?;
    let status = match action {
        ImportsAction::Rejected { id } => {
            let history =
                PostgresQueries::new(db.clone()).with_reply_timeout(config.reply_timeout());
            print_rejected(&history, ImportId::new(id), &mut std::io::stdout().lock()).await
        }
        ImportsAction::Revert { id, dry_run } => {
            let ledger = super::database::ledger(config, &db);
            revert(&RevertImport::new(ledger), ImportId::new(id), dry_run).await
        }
        ImportsAction::Prune => {
            let ledger = super::database::ledger(config, &db);
            prune(&ledger, config.replaced_keep_days).await
        }
    };
    db.close().await.ok();
    status
}

/// How many of the Sale IDs a revert changes are printed.
const SALES_SHOWN: usize = 10;

/// Reverts import `id` (or says what a revert would change), printing what changed or why
/// it was refused.
async fn revert(
    use_case: &RevertImport<impl ImportReverts>,
    id: ImportId,
    dry_run: bool,
) -> anyhow::Result<ExitStatus> {
    let done = if dry_run {
        use_case.plan(id).await.map(|plan| (plan, None))
    } else {
        use_case
            .revert(id, None, ImportSource::Cli)
            .await
            .map(|outcome| (outcome.plan, Some(outcome.revert)))
    };
    match done {
        Ok((plan, revert)) => {
            let verb = if revert.is_some() { "" } else { "would be " };
            println!(
                "Import #{id}: {} sales {verb}restored, {} {verb}removed; {} product prices {verb}restored, {} products {verb}removed.",
                plan.orders_restored,
                plan.orders_removed,
                plan.products_restored,
                plan.products_removed,
            );
            if !plan.sales.is_empty() {
                let listed: Vec<String> = plan
                    .sales
                    .iter()
                    .take(SALES_SHOWN)
                    .map(|s| s.get().to_string())
                    .collect();
                let more = plan.orders_restored + plan.orders_removed;
                let more = more.saturating_sub(listed.len() as u64);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                println!("Sale IDs: {}{more}", listed.join(", "));
            }
            match revert {
                Some(revert) => println!(
                    "Recorded as import #{revert} (zinc imports revert {revert} takes it back)."
                ),
                None => println!("Dry run: nothing changed (run without --dry-run to revert)."),
            }
            Ok(ExitStatus::Success)
        }
        Err(RevertError::Store(error)) => {
            Err(error).with_context(|| format!("reverting import {id}"))
        }
        Err(refused) => {
            eprintln!("zinc: {refused}");
            if let RevertError::Conflict { conflicts, .. } = &refused {
                for conflict in conflicts {
                    let by: Vec<String> = conflict
                        .touched_by
                        .iter()
                        .map(|i| format!("#{i}"))
                        .collect();
                    eprintln!(
                        "  sale {} changed since by import {}",
                        conflict.sale_id.get(),
                        by.join(", ")
                    );
                }
                eprintln!("zinc: revert the later imports first, newest first, then this one");
            }
            Ok(ExitStatus::Rejected)
        }
    }
}

/// Deletes the versions kept longer than `keep_days` (before the time answered), as
/// `zinc imports prune` and `zinc serve` do.
pub(super) async fn prune_kept(
    reverts: &impl ImportReverts,
    keep_days: u32,
) -> Result<(PrunedVersions, DateTime<Utc>), StoreError> {
    let before = Utc::now() - chrono::Duration::days(i64::from(keep_days));
    Ok((reverts.prune_versions(before).await?, before))
}

/// Deletes the versions kept longer than `keep_days`.
async fn prune(reverts: &impl ImportReverts, keep_days: u32) -> anyhow::Result<ExitStatus> {
    let (pruned, before) = prune_kept(reverts, keep_days)
        .await
        .context("pruning replaced versions")?;
    println!(
        "Pruned the replaced versions of {} imports kept before {} ({} rows); they can no longer be reverted.",
        pruned.imports,
        before.format("%Y-%m-%d %H:%M UTC"),
        pruned.rows
    );
    Ok(ExitStatus::Success)
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
