//! `zinc migrate up|down|status|fresh`.

use anyhow::Context;
use zinc_postgres::database;

use super::database::{Missing, open_database};
use super::exit::ExitStatus;
use crate::cli::MigrateAction;
use crate::config::Config;

pub(super) async fn run(config: &Config, action: MigrateAction) -> anyhow::Result<ExitStatus> {
    let missing = match action {
        MigrateAction::Status => Missing::Refuse,
        _ => Missing::Create,
    };
    let db = open_database(config, missing).await?;
    match action {
        MigrateAction::Up => {
            let pending = database::migrate_up(&db)
                .await
                .context("applying migrations")?;
            if pending == 0 {
                println!("Database schema is up to date.");
            } else {
                println!("Applied {pending} migration(s).");
            }
        }
        MigrateAction::Down { steps, all } => {
            let applied = database::applied_migrations(&db).await? as u32;
            let steps = if all { applied } else { steps.min(applied) };
            if steps > 0 {
                database::migrate_down(&db, steps)
                    .await
                    .context("rolling back migrations")?;
            }
            println!(
                "Rolled back {steps} migration(s); {} still applied.",
                applied - steps
            );
        }
        MigrateAction::Status => {
            for migration in database::migrations(&db).await? {
                let status = if migration.applied {
                    "Applied"
                } else {
                    "Pending"
                };
                println!("{status:<10} {}", migration.name);
            }
        }
        MigrateAction::Fresh => {
            database::migrate_fresh(&db)
                .await
                .context("recreating the schema")?;
            println!("Dropped every table and applied all migrations.");
        }
    }
    db.close().await.ok();
    Ok(ExitStatus::Success)
}
