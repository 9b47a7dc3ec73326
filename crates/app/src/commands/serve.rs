//! `zinc serve`: the HTTP API.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tracing::{error, info, warn};
use zinc_application::{Gatekeeper, OpenAccess, Sessions};
use zinc_domain::ImportStatus;
use zinc_ports::{ApiKeys, ImportReverts, ReplicaStatus};
use zinc_postgres::database::PoolSettings;
use zinc_postgres::lookups::LookupConnections;
use zinc_postgres::{
    Database, PostgresApiKeys, PostgresDataVersions, PostgresKeyChanges, PostgresQueries,
    Replication, database,
};

use zinc_web::api::answers::AnswerCache;
use zinc_web::api::auth_failures::AuthFailures;
use zinc_web::api::metrics::Monitoring;
use zinc_web::{AppState, MinRate, UploadSlots, server};

use super::database::{Missing, open_database};
use super::exit::ExitStatus;
use crate::config::Config;

pub(super) async fn run(config: &Config, imports: &[PathBuf]) -> anyhow::Result<ExitStatus> {
    if let Some(dir) = &config.watch_dir
        && !dir.is_dir()
    {
        // Not created: a typo would otherwise be watched, empty, forever.
        anyhow::bail!("{} is not a folder (ZINC_WATCH_DIR)", dir.display());
    }
    let db = open_database(config, Missing::Create).await?;
    if config.migrate_on_start {
        let applied = database::migrate_up(&db)
            .await
            .context("applying migrations")?;
        if applied > 0 {
            info!(applied, "applied pending migrations");
        }
    }
    for file in imports {
        let report = super::import::import_file(
            config,
            &db,
            &super::import::Source::File(file),
            false,
            false,
        )
        .await?;
        let c = &report.counts;
        if report.status == ImportStatus::Rejected {
            error!(
                file = %file.display(),
                problems = report.problems.total(),
                "import rejected; nothing was written (run 'zinc import' on it to see the problems)"
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
    let reply_timeout = config.reply_timeout();
    let key_store = PostgresApiKeys::new(db.clone()).with_reply_timeout(reply_timeout);
    let sessions = Sessions::new(Arc::new(key_store.clone()), *config.session_ttl);
    let keys: Arc<dyn ApiKeys> = Arc::new(key_store);
    if let Some(secret) = &config.bootstrap_key {
        super::keys::ensure_bootstrap_key(keys.clone(), secret).await?;
    }
    let open = guard_open_access(config, keys.as_ref()).await?;
    // Short reads (one order, product or import; a revenue figure) give up sooner.
    let queries = Arc::new(
        PostgresQueries::new(db.clone())
            .with_reply_timeout(reply_timeout)
            .with_read_bounds(config.read_bounds()),
    );
    // Revenue queries scan many rows: their own small pool, so they cannot starve lookups,
    // imports and readiness.
    let figures_db = super::database::connect_with(config, &config.figures_pool_settings()).await?;
    // With a read replica, the read ports read it when it may serve (else the primary's
    // pools above); imports, keys, sessions, the import log and readiness stay on the primary.
    let replica = match &config.database_read_url {
        None => None,
        Some(url) => Some(Replica::open(config, url, &db).await?),
    };
    let replication = replica_of(&replica);
    // Reads through `primary`, or through the replica's pool `replica_db` falling back to it.
    let routed = |primary: &Database, replica_db: Option<&Database>| {
        let reads = match (replica_db, &replication) {
            (Some(replica_db), Some(replication)) => PostgresQueries::new(replica_db.clone())
                .reading_replica_of(primary.clone(), replication.clone()),
            _ => PostgresQueries::new(primary.clone()),
        };
        reads
            .with_reply_timeout(reply_timeout)
            .with_read_bounds(config.read_bounds())
    };
    let reads = routed(&db, replica.as_ref().map(|r| &r.reads));
    let figures = Arc::new(routed(&figures_db, replica.as_ref().map(|r| &r.figures)));
    let mut ledger = super::database::ledger(config, &db);
    let mut versions = PostgresDataVersions::watching(db.clone()).with_reply_timeout(reply_timeout);
    if let Some(replication) = &replication {
        ledger = ledger.telling(replication.clone());
        versions = versions.telling(replication.clone());
    }
    let read_ports = Arc::new(reads.clone());
    let monitoring = Arc::new(Monitoring::new());
    // The watched folder, if any: watched beside the server, until the server stops.
    let (stop_watching, watching) = tokio::sync::oneshot::channel::<()>();
    let watcher = config.watch_dir.clone().map(|dir| {
        let watcher = crate::watch::Watcher::new(
            config.watch_settings(dir),
            super::watch::ports(config, &db, Some(monitoring.clone())),
        );
        tokio::spawn(watcher.run(async {
            let _ = watching.await;
        }))
    });
    // The versions imports replaced, pruned here as `zinc imports prune` does: at start, then
    // daily, until the server stops.
    let pruning = config.prune_on_serve.then(|| {
        tokio::spawn(prune_periodically(
            ledger.clone(),
            config.replaced_keep_days,
            PRUNE_EVERY,
            monitoring.clone(),
        ))
    });
    let state = AppState {
        reverts: Arc::new(ledger.clone()),
        ledger: Arc::new(ledger),
        history: queries.clone(),
        products: read_ports.clone(),
        orders: read_ports.clone(),
        figures,
        archive: read_ports,
        versions: Arc::new(versions),
        answers: AnswerCache::with_capacity(config.answer_cache_bytes),
        health: queries,
        replica: replication.map(|replication| Arc::new(replication) as Arc<dyn ReplicaStatus>),
        max_upload_bytes: config.max_upload_bytes,
        upload_idle_timeout: *config.upload_idle_timeout,
        upload_timeout: *config.upload_timeout,
        upload_slots: UploadSlots::new(config.max_concurrent_uploads),
        currency: config.currency.clone(),
        runtime: tokio::runtime::Handle::current(),
        monitoring: monitoring.clone(),
        // Revoking a key anywhere reaches this server at once (or within a second while its
        // listener is not subscribed).
        gatekeeper: Arc::new(
            Gatekeeper::new(keys, open)
                .hearing(Arc::new(PostgresKeyChanges::listening(db.clone()))),
        ),
        sessions: Arc::new(sessions),
        auth_failures: AuthFailures::default(),
        serve_metrics: config.metrics_bind.is_none(),
        cors_origins: config.cors_origins.clone().unwrap_or_default(),
        allowed_hosts: config.allowed_hosts.clone().unwrap_or_default(),
        trusted_proxies: config.trusted_proxies.clone().unwrap_or_default(),
        upload_min_rate: MinRate {
            grace: *config.upload_min_rate_grace,
            bytes_per_second: config.upload_min_rate,
        },
    };
    let metrics_server = match config.metrics_bind {
        None => None,
        Some(address) => {
            let server = server::metrics(state.clone(), address)
                .with_context(|| format!("cannot listen on {address} (ZINC_METRICS_BIND)"))?;
            info!(%address, "serving /metrics on http://{address}/metrics");
            Some(server.start())
        }
    };
    // Each worker looks single orders up on lookup connections of its own (the replica's,
    // when there is one).
    let lookup_url = config
        .database_read_url
        .as_ref()
        .unwrap_or(&config.database_url)
        .expose()
        .to_owned();
    let lookup_settings = config.pool_settings(config.db_lookup_connections);
    let per_worker =
        move |state: &mut AppState| match LookupConnections::new(&lookup_url, &lookup_settings) {
            Ok(lookups) => state.orders = Arc::new(reads.clone().with_lookup_connections(lookups)),
            Err(error) => warn!(%error, "this worker looks orders up through the shared pool"),
        };
    let application = server::application(state, per_worker, config.bind, *config.shutdown_timeout)
        .with_context(|| format!("cannot listen on {} (ZINC_BIND)", config.bind))?;
    for address in application.addresses() {
        info!(%address, "listening on http://{address} (API docs at http://{address}/docs/)");
        // The documented line on standard output (see `zinc serve --help`).
        println!("listening on http://{address}");
    }
    server::run(application, metrics_server)
        .await
        .context("serving")?;
    info!("stopped: in-flight requests finished or the shutdown timeout passed");
    if let Some(pruning) = pruning {
        // A prune still running is rolled back with its transaction.
        pruning.abort();
    }
    let _ = stop_watching.send(());
    if let Some(watcher) = watcher {
        // A watched file being imported is rolled back if this outlasts the wait below.
        let _ = tokio::time::timeout(*config.shutdown_timeout, watcher).await;
    }
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

/// How often `zinc serve` prunes the versions imports replaced (`ZINC_PRUNE_ON_SERVE`).
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Prunes the versions kept longer than `keep_days` at once, then every `every` (a run that
/// fails is logged, counted, and tried again at the next), for as long as it is polled.
async fn prune_periodically(
    reverts: impl ImportReverts,
    keep_days: u32,
    every: Duration,
    monitoring: Arc<Monitoring>,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match super::imports::prune_kept(&reverts, keep_days).await {
            Ok((pruned, before)) => {
                info!(
                    imports = pruned.imports,
                    rows = pruned.rows,
                    %before,
                    "pruned the versions imports replaced kept longer than ZINC_REPLACED_KEEP_DAYS"
                );
                monitoring.prune_succeeded(pruned.imports);
            }
            Err(error) => {
                error!(%error, "pruning the versions imports replaced failed; tried again later");
                monitoring.prune_failed();
            }
        }
    }
}

/// The read replica's pools and the choice between it and the primary.
struct Replica {
    /// The read ports' pool.
    reads: Database,
    /// The revenue queries' pool.
    figures: Database,
    replication: Replication,
}

impl Replica {
    /// Pools to `url` that connect when first used (a replica down at start does not stop the
    /// server: reads go to the primary until it serves), and the replication observing it.
    async fn open(
        config: &Config,
        url: &crate::config::DatabaseUrl,
        primary: &Database,
    ) -> anyhow::Result<Replica> {
        let pool = |settings: PoolSettings| async move {
            database::connect_lazily(url.expose(), &settings)
                .await
                .with_context(|| format!("cannot use {} (DATABASE_READ_URL)", url.shown()))
        };
        let reads = pool(config.pool_settings(config.db_max_connections)).await?;
        let figures = pool(config.figures_pool_settings()).await?;
        // Observing it takes one connection at a time; the waits of reads another.
        let observed = pool(config.pool_settings(2)).await?;
        info!(replica = %url.shown(), "reads go to the replica when it has replayed what they must see");
        Ok(Replica {
            reads,
            figures,
            replication: Replication::start(primary.clone(), observed, config.replica_settings()),
        })
    }
}

fn replica_of(replica: &Option<Replica>) -> Option<Replication> {
    replica.as_ref().map(|replica| replica.replication.clone())
}

/// Whether the API may be open while no active key exists: on a loopback address (with a
/// warning) or with `ZINC_ALLOW_ANONYMOUS=true`. Elsewhere, starting with no key is refused,
/// and revoking the last key later closes the API rather than opening it.
async fn guard_open_access(config: &Config, keys: &dyn ApiKeys) -> anyhow::Result<OpenAccess> {
    let bind = config.bind;
    let open = if bind.ip().is_loopback() || config.allow_anonymous {
        OpenAccess::Allowed
    } else {
        OpenAccess::Refused
    };
    if keys
        .any_active_key()
        .await
        .context("looking for API keys")?
    {
        return Ok(open);
    }
    if bind.ip().is_loopback() {
        warn!(
            %bind,
            "no API key exists: the API is open to anyone on this machine; create one with \
             'zinc keys create NAME --scope write'"
        );
    } else if config.allow_anonymous {
        warn!(%bind, "no API key exists and ZINC_ALLOW_ANONYMOUS=true: the API is open to anyone who can reach it");
    } else {
        anyhow::bail!(
            "refusing to serve {bind} with no API key: create one with 'zinc keys create NAME --scope write' \
             (or set ZINC_BOOTSTRAP_KEY, or ZINC_ALLOW_ANONYMOUS=true to serve openly)"
        )
    }
    Ok(open)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use zinc_ports::{MockImportReverts, PrunedVersions, StoreError};

    use super::*;

    /// The pruning's period in these tests.
    const EVERY: Duration = Duration::from_millis(50);

    /// Runs the pruning of `reverts` (whose answers each send on `runs`) until it has run three
    /// times, answering its metrics and how long that took.
    async fn prune_three_times(
        reverts: MockImportReverts,
        mut runs: tokio::sync::mpsc::UnboundedReceiver<()>,
    ) -> (Arc<Monitoring>, Duration) {
        let monitoring = Arc::new(Monitoring::new());
        let started = std::time::Instant::now();
        let pruning = tokio::spawn(prune_periodically(reverts, 30, EVERY, monitoring.clone()));
        for _ in 0..3 {
            tokio::time::timeout(Duration::from_secs(10), runs.recv())
                .await
                .expect("the pruning runs")
                .expect("the mock sends");
        }
        let took = started.elapsed();
        // On this single-threaded runtime the pruning counted its run before yielding.
        pruning.abort();
        (monitoring, took)
    }

    fn counted(monitoring: &Monitoring, metric: &str) -> String {
        monitoring
            .render()
            .lines()
            .find(|line| line.starts_with(metric))
            .unwrap_or_else(|| panic!("no {metric}"))
            .to_owned()
    }

    #[tokio::test]
    async fn pruning_runs_at_once_then_each_period_counting_what_it_pruned() {
        let (sent, runs) = tokio::sync::mpsc::unbounded_channel();
        let mut reverts = MockImportReverts::new();
        reverts.expect_prune_versions().returning(move |before| {
            let kept_for = Utc::now() - before;
            assert!((kept_for - chrono::Duration::days(30)).num_seconds().abs() < 5);
            let _ = sent.send(());
            Ok(PrunedVersions {
                imports: 2,
                rows: 40,
            })
        });
        let (monitoring, took) = prune_three_times(reverts, runs).await;
        assert!(took >= 2 * EVERY, "at once, then a period apart: {took:?}");
        assert_eq!(
            counted(&monitoring, "zinc_prune_runs_total{outcome=\"succeeded\"}"),
            "zinc_prune_runs_total{outcome=\"succeeded\"} 3"
        );
        assert_eq!(
            counted(&monitoring, "zinc_pruned_imports_total"),
            "zinc_pruned_imports_total 6"
        );
    }

    #[tokio::test]
    async fn a_failed_prune_is_counted_and_tried_again() {
        let (sent, runs) = tokio::sync::mpsc::unbounded_channel();
        let mut reverts = MockImportReverts::new();
        reverts.expect_prune_versions().returning(move |_| {
            let _ = sent.send(());
            Err(StoreError::Unavailable("connection reset".into()))
        });
        let (monitoring, _) = prune_three_times(reverts, runs).await;
        assert_eq!(
            counted(&monitoring, "zinc_prune_runs_total{outcome=\"failed\"}"),
            "zinc_prune_runs_total{outcome=\"failed\"} 3"
        );
    }
}
