//! The service's Prometheus metrics: what is counted, and the build they describe. Served by
//! [`super::monitoring::metrics`].

use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use zinc_domain::ImportReport;
use zinc_ports::ReplicaReport;

/// The git commit the binary was built from, if known (`ZINC_GIT_COMMIT` at compile time).
pub fn git_commit() -> &'static str {
    option_env!("ZINC_GIT_COMMIT").unwrap_or("unknown")
}

/// The service's Prometheus metrics.
pub struct Monitoring {
    registry: Registry,
    /// `zinc_http_request_duration_seconds{method,route,status}`.
    pub http_request_duration: HistogramVec,
    /// `zinc_imports_total{outcome}`: started, succeeded, rejected, failed.
    pub imports: IntCounterVec,
    /// `zinc_import_rows_total{result}`: imported, rejected.
    pub import_rows: IntCounterVec,
    /// `zinc_db_connections{state}`: open, idle, in_use, max.
    pub db_connections: IntGaugeVec,
    /// `zinc_db_ping_seconds`: the last readiness check's database round trip.
    pub db_ping_seconds: Gauge,
    /// `zinc_db_up`: 1 when the last readiness check reached the database.
    pub db_up: Gauge,
    /// `zinc_watch_files_total{outcome}`: files of the watched folder by outcome: seen (read
    /// once complete), imported, rejected (refused or too large), already_imported.
    pub watch_files: IntCounterVec,
    /// `zinc_watch_last_success_timestamp_seconds`: when a watched file was last imported
    /// (Unix seconds); set to the time watching began until then.
    pub watch_last_success: IntGauge,
    /// `zinc_watch_enabled`: 1 while a folder is watched (ZINC_WATCH_DIR), else 0.
    pub watch_enabled: IntGauge,
    /// `zinc_prune_runs_total{outcome}`: the server's own prunes of the versions imports
    /// replaced (ZINC_PRUNE_ON_SERVE): succeeded, failed.
    pub prune_runs: IntCounterVec,
    /// `zinc_pruned_imports_total`: imports whose versions the server's prunes deleted.
    pub pruned_imports: prometheus::IntCounter,
    /// The read replica's metrics, registered when a replica is first observed (a server
    /// without one has none).
    replica: std::sync::OnceLock<ReplicaMetrics>,
}

/// The read replica's metrics.
struct ReplicaMetrics {
    /// `zinc_replica_up`: 1 when the replica answers as a standby.
    up: Gauge,
    /// `zinc_replica_lag_seconds`: how long the oldest change it has not replayed has been on
    /// the primary (NaN when unknown).
    lag_seconds: Gauge,
    /// `zinc_replica_lag_bytes`: bytes of WAL it has not replayed (NaN when unknown).
    lag_bytes: Gauge,
    /// `zinc_replica_fallback`: 1 while reads go to the primary.
    fallback: Gauge,
    /// `zinc_replica_fallback_reads_total`: reads sent to the primary instead.
    fallback_reads: prometheus::IntCounter,
}

/// The outcomes `zinc_watch_files_total` counts (a closed set).
pub const WATCH_OUTCOMES: [&str; 4] = ["seen", "imported", "rejected", "already_imported"];

impl Monitoring {
    /// Registers every metric, and `zinc_build_info{version,commit} 1`.
    pub fn new() -> Monitoring {
        let registry = Registry::new();
        let http_request_duration = HistogramVec::new(
            HistogramOpts::new(
                "zinc_http_request_duration_seconds",
                "HTTP request duration by method, route template and status.",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("a valid metric");
        let imports = IntCounterVec::new(
            Opts::new(
                "zinc_imports_total",
                "Imports by outcome: started, succeeded, rejected, failed.",
            ),
            &["outcome"],
        )
        .expect("a valid metric");
        let import_rows = IntCounterVec::new(
            Opts::new(
                "zinc_import_rows_total",
                "Rows of finished imports: imported, rejected.",
            ),
            &["result"],
        )
        .expect("a valid metric");
        let db_connections = IntGaugeVec::new(
            Opts::new(
                "zinc_db_connections",
                "Database pool connections: open, idle, in_use, max.",
            ),
            &["state"],
        )
        .expect("a valid metric");
        let db_ping_seconds = Gauge::new(
            "zinc_db_ping_seconds",
            "Database round trip of the last readiness check.",
        )
        .expect("a valid metric");
        let db_up = Gauge::new(
            "zinc_db_up",
            "1 when the last readiness check reached the database with its schema current.",
        )
        .expect("a valid metric");
        let watch_files = IntCounterVec::new(
            Opts::new(
                "zinc_watch_files_total",
                "Files of the watched folder by outcome: seen, imported, rejected, already_imported.",
            ),
            &["outcome"],
        )
        .expect("a valid metric");
        let watch_last_success = IntGauge::new(
            "zinc_watch_last_success_timestamp_seconds",
            "When a watched file was last imported (Unix seconds; the start of watching until then).",
        )
        .expect("a valid metric");
        let watch_enabled = IntGauge::new(
            "zinc_watch_enabled",
            "1 while a folder is watched for files to import (ZINC_WATCH_DIR).",
        )
        .expect("a valid metric");
        let prune_runs = IntCounterVec::new(
            Opts::new(
                "zinc_prune_runs_total",
                "The server's prunes of the versions imports replaced, by outcome: succeeded, failed.",
            ),
            &["outcome"],
        )
        .expect("a valid metric");
        let pruned_imports = prometheus::IntCounter::new(
            "zinc_pruned_imports_total",
            "Imports whose kept versions the server's prunes deleted (no longer revertible).",
        )
        .expect("a valid metric");
        let build_info = IntGaugeVec::new(
            Opts::new("zinc_build_info", "The running build (always 1)."),
            &["version", "commit"],
        )
        .expect("a valid metric");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), git_commit()])
            .set(1);
        for collector in [
            Box::new(http_request_duration.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(imports.clone()),
            Box::new(import_rows.clone()),
            Box::new(db_connections.clone()),
            Box::new(db_ping_seconds.clone()),
            Box::new(db_up.clone()),
            Box::new(watch_files.clone()),
            Box::new(watch_last_success.clone()),
            Box::new(watch_enabled.clone()),
            Box::new(prune_runs.clone()),
            Box::new(pruned_imports.clone()),
            Box::new(build_info),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        // process_resident_memory_bytes, process_cpu_seconds_total, open fds (Linux).
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("process metrics register once");
        for outcome in ["started", "succeeded", "rejected", "failed"] {
            imports.with_label_values(&[outcome]);
        }
        for result in ["imported", "rejected"] {
            import_rows.with_label_values(&[result]);
        }
        for outcome in WATCH_OUTCOMES {
            watch_files.with_label_values(&[outcome]);
        }
        for outcome in ["succeeded", "failed"] {
            prune_runs.with_label_values(&[outcome]);
        }
        Monitoring {
            registry,
            http_request_duration,
            imports,
            import_rows,
            db_connections,
            db_ping_seconds,
            db_up,
            watch_files,
            watch_last_success,
            watch_enabled,
            prune_runs,
            pruned_imports,
            replica: std::sync::OnceLock::new(),
        }
    }

    /// Sets the read replica's metrics from `report` (registering them the first time).
    pub fn replica_observed(&self, report: &ReplicaReport) {
        let metrics = self.replica.get_or_init(|| {
            let gauge = |name: &str, help: &str| {
                let gauge = Gauge::new(name, help).expect("a valid metric");
                self.registry
                    .register(Box::new(gauge.clone()))
                    .expect("metric names are unique");
                gauge
            };
            let fallback_reads = prometheus::IntCounter::new(
                "zinc_replica_fallback_reads_total",
                "Reads sent to the primary instead of the read replica.",
            )
            .expect("a valid metric");
            self.registry
                .register(Box::new(fallback_reads.clone()))
                .expect("metric names are unique");
            ReplicaMetrics {
                up: gauge(
                    "zinc_replica_up",
                    "1 when the read replica answers as a standby.",
                ),
                lag_seconds: gauge(
                    "zinc_replica_lag_seconds",
                    "How long the oldest change the read replica has not replayed has been on the primary.",
                ),
                lag_bytes: gauge(
                    "zinc_replica_lag_bytes",
                    "Bytes of the primary's write-ahead log the read replica has not replayed.",
                ),
                fallback: gauge(
                    "zinc_replica_fallback",
                    "1 while reads go to the primary because the read replica does not serve them.",
                ),
                fallback_reads,
            }
        });
        use zinc_ports::ReplicaState::{Lagging, Serving};
        metrics
            .up
            .set(if matches!(report.state, Serving | Lagging) {
                1.0
            } else {
                0.0
            });
        metrics
            .lag_seconds
            .set(report.lag.map_or(f64::NAN, |lag| lag.as_secs_f64()));
        metrics
            .lag_bytes
            .set(report.lag_bytes.map_or(f64::NAN, |bytes| bytes as f64));
        metrics.fallback.set(if report.state.serves_reads() {
            0.0
        } else {
            1.0
        });
        let counted = metrics.fallback_reads.get();
        metrics
            .fallback_reads
            .inc_by(report.fallback_reads.saturating_sub(counted));
    }

    /// Watching began: `zinc_watch_enabled` is 1 and the last success counts from now.
    pub fn watch_started(&self) {
        self.watch_enabled.set(1);
        self.watch_last_success.set(chrono::Utc::now().timestamp());
    }

    /// A complete file of the watched folder was read.
    pub fn watch_file_seen(&self) {
        self.watch_files.with_label_values(&["seen"]).inc();
    }

    /// A watched file was imported at `at` (Unix seconds).
    pub fn watch_file_imported(&self, at: i64) {
        self.watch_files.with_label_values(&["imported"]).inc();
        self.watch_last_success.set(at);
    }

    /// A watched file was rejected (refused, or too large to read).
    pub fn watch_file_rejected(&self) {
        self.watch_files.with_label_values(&["rejected"]).inc();
    }

    /// A watched file's bytes had been imported before.
    pub fn watch_file_already_imported(&self) {
        self.watch_files
            .with_label_values(&["already_imported"])
            .inc();
    }

    /// The server pruned the versions of `imports` imports.
    pub fn prune_succeeded(&self, imports: u64) {
        self.prune_runs.with_label_values(&["succeeded"]).inc();
        self.pruned_imports.inc_by(imports);
    }

    /// The server's prune failed.
    pub fn prune_failed(&self) {
        self.prune_runs.with_label_values(&["failed"]).inc();
    }

    /// Counts an import the API started.
    pub fn import_started(&self) {
        self.imports.with_label_values(&["started"]).inc();
    }

    /// Counts an import that failed server-side.
    pub fn import_failed(&self) {
        self.imports.with_label_values(&["failed"]).inc();
    }

    /// Counts a finished import by its outcome, and its rows.
    pub fn import_finished(&self, report: &ImportReport) {
        self.imports
            .with_label_values(&[report.status.as_str()])
            .inc();
        self.import_rows
            .with_label_values(&["imported"])
            .inc_by(report.counts.rows_imported);
        self.import_rows
            .with_label_values(&["rejected"])
            .inc_by(report.counts.rows_rejected);
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding does not fail");
        String::from_utf8(buffer).expect("the text format is UTF-8")
    }
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring::new()
    }
}
