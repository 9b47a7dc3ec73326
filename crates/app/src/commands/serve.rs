//! `zinc serve`: the HTTP API.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing::info;
use zinc_postgres::{PostgresLedger, PostgresQueries, database};

use super::{ExitStatus, open_database};
use crate::config::Config;
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
        let status = super::import::import_file(&db, file, false).await?;
        if status != ExitStatus::Success {
            return Ok(status);
        }
    }
    let queries = Arc::new(PostgresQueries::new(db.clone()));
    let state = AppState {
        ledger: Arc::new(PostgresLedger::new(db.clone())),
        history: queries.clone(),
        products: queries.clone(),
        orders: queries.clone(),
        metrics: queries.clone(),
        health: queries,
        max_upload_bytes: config.max_upload_bytes,
        currency: config.currency.clone(),
        runtime: tokio::runtime::Handle::current(),
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .configure(http::configure)
    })
    .bind(config.bind)
    .with_context(|| format!("cannot listen on {} (ZINC_BIND)", config.bind))?;
    for address in server.addrs() {
        info!(%address, "listening");
        eprintln!("zinc: listening on http://{address} (API docs at http://{address}/docs/)");
    }
    server.run().await.context("serving")?;
    db.close().await.ok();
    Ok(ExitStatus::Success)
}
