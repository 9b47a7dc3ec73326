//! `zinc serve`: the HTTP API.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use anyhow::Context;
use tracing::{error, info, warn};
use zinc_domain::ImportStatus;
use zinc_postgres::{PostgresLedger, PostgresQueries, database};

use super::{ExitStatus, open_database};
use crate::config::Config;
use crate::http::monitoring::Monitoring;
use crate::http::{self, AppState};

pub(super) async fn run(config: &Config, imports: &[PathBuf]) -> anyhow::Result<ExitStatus> {
    let db = open_database(config).await?;
    if config.migrate_on_start {
        let applied = database::migrate_up(&db)
            .await
            .context("applying migrations")?;
        if applied > 0 {
            info!(applied, "applied pending migrations");
        }
    }
    for file in imports {
        let report = super::import::import_file(&db, file, false).await?;
        let c = &report.counts;
        if report.status == ImportStatus::Rejected {
            error!(
                file = %file.display(),
                problems = report.problems.total(),
                "import rejected; nothing was written (run `zinc import` on it to see the problems)"
            );
            return Ok(ExitStatus::Rejected);
        }
        info!(
            file = %file.display(),
            rows = c.rows_total,
            orders_created = c.orders_created,
            orders_updated = c.orders_updated,
            orders_unchanged = c.orders_unchanged,
            "imported"
        );
    }
    let queries = Arc::new(PostgresQueries::new(db.clone()));
    let state = AppState {
        ledger: Arc::new(PostgresLedger::new(db.clone())),
        history: queries.clone(),
        products: queries.clone(),
        orders: queries.clone(),
        figures: queries.clone(),
        health: queries,
        max_upload_bytes: config.max_upload_bytes,
        currency: config.currency.clone(),
        runtime: tokio::runtime::Handle::current(),
        monitoring: Arc::new(Monitoring::new()),
    };
    let server = HttpServer::new(move || http::app(state.clone(), None))
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .bind(config.bind)
        .with_context(|| format!("cannot listen on {} (ZINC_BIND)", config.bind))?;
    for address in server.addrs() {
        info!(%address, "listening on http://{address} (API docs at http://{address}/docs/)");
        // The documented line on standard output (see `zinc serve --help`).
        println!("listening on http://{address}");
    }
    server.run().await.context("serving")?;
    info!("stopped: in-flight requests finished or the shutdown timeout passed");
    // An import still running past the timeout holds a connection: do not wait for it. Its
    // transaction dies with the process and PostgreSQL rolls it back.
    if tokio::time::timeout(Duration::from_secs(1), db.close())
        .await
        .is_err()
    {
        warn!("an import was still running at shutdown; it is rolled back");
    }
    Ok(ExitStatus::Success)
}
