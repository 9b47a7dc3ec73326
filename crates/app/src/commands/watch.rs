//! `zinc watch DIR`: imports each complete file dropped into DIR (see [`crate::watch`]).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tracing::info;
use zinc_postgres::{PostgresQueries, PostgresWatchedFiles};
use zinc_web::api::metrics::Monitoring;
use zinc_web::server;

use super::database::open_migrated;
use super::exit::ExitStatus;
use crate::config::Config;
use crate::watch::{WatchPorts, Watcher};

pub(super) async fn run(config: &Config, dir: PathBuf) -> anyhow::Result<ExitStatus> {
    if !dir.is_dir() {
        anyhow::bail!("{} is not a folder", dir.display());
    }
    let db = open_migrated(config).await?;
    // With ZINC_METRICS_BIND, the watcher's counts are served there for Prometheus.
    let (monitoring, metrics_server) = match config.metrics_bind {
        None => (None, None),
        Some(address) => {
            let monitoring = Arc::new(Monitoring::new());
            let server = server::monitoring_only(monitoring.clone(), address)
                .with_context(|| format!("cannot listen on {address} (ZINC_METRICS_BIND)"))?;
            info!(%address, "serving /metrics on http://{address}/metrics");
            (Some(monitoring), Some(server.spawn()))
        }
    };
    let watcher = Watcher::new(config.watch_settings(dir), ports(config, &db, monitoring));
    watcher.run(stop_signal()).await;
    if let Some(metrics_server) = metrics_server {
        metrics_server.stop().await;
    }
    db.close().await.ok();
    Ok(ExitStatus::Success)
}

/// The PostgreSQL ports of a watcher on `db`.
pub(super) fn ports(
    config: &Config,
    db: &zinc_postgres::Database,
    monitoring: Option<Arc<Monitoring>>,
) -> WatchPorts {
    let reply_timeout = config.reply_timeout();
    WatchPorts {
        ledger: Arc::new(super::database::ledger(config, db)),
        history: Arc::new(PostgresQueries::new(db.clone()).with_reply_timeout(reply_timeout)),
        claims: Arc::new(PostgresWatchedFiles::new(db.clone()).with_reply_timeout(reply_timeout)),
        monitoring,
    }
}

/// Completes on SIGINT or SIGTERM.
pub(super) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
