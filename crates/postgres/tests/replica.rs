//! Reads through a real streaming replica of a real primary, both made by the test
//! (`zinc_testkit::StreamingPair`): imports go to the primary, reads to the replica when it
//! has replayed what they must see, else to the primary; a replica paused, stopped or
//! promoted sends reads to the primary, and its status says so.
//!
//! One pair per test; the tests of this binary run one at a time (`.config/nextest.toml`).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use sea_orm::sqlx::Executor;
use sea_orm::{ConnectionTrait, Database as Connect, DatabaseConnection};
use zinc_application::{ImportRequest, ImportSales, NoProgress};
use zinc_domain::{DateBounds, HeaderLine, ImportMode, ImportStatus, OrderId};
use zinc_ports::{DataVersions, OrderBook, ReplicaState, ReplicaStatus, SalesFigures};
use zinc_postgres::database::{self, PoolSettings};
use zinc_postgres::lookups::LookupConnections;
use zinc_postgres::{
    Database, PostgresDataVersions, PostgresLedger, PostgresQueries, ReplicaSettings, Replication,
};
use zinc_testkit::StreamingPair;

const HEADER: HeaderLine = HeaderLine;

/// One sale of 21.80 (sale `id`).
fn sale(id: u32) -> String {
    format!(
        "{HEADER}\n3/1/2025,7,{id},Club set rental,---,,Golf - experience,,Red,L,20,1,20,0,0,1.8,21.8,21.8,Cash\n"
    )
}

/// Zinc on a pair: the primary's pool, the replica's, and the adapters built on them as
/// `zinc serve` builds them.
struct Served {
    pair: StreamingPair,
    primary: Database,
    replication: Replication,
    reads: PostgresQueries,
}

async fn served(settings: ReplicaSettings) -> Served {
    assert!(
        StreamingPair::available(),
        "these tests need Debian's postgresql-common (pg_createcluster)"
    );
    let pair = tokio::task::spawn_blocking(StreamingPair::create)
        .await
        .unwrap()
        .expect("a primary and a streaming replica");
    let primary_url = pair.primary_url("zinc");
    assert!(
        database::create_database_if_missing(&primary_url)
            .await
            .unwrap()
    );
    let pool = PoolSettings::default();
    let primary = database::connect(&primary_url, &pool).await.unwrap();
    database::migrate_up(&primary).await.unwrap();
    let replica_url = pair.replica_url("zinc");
    // The replica has the database once it replayed its creation.
    let replica = eventually(Duration::from_secs(10), || async {
        database::connect(&replica_url, &pool).await.ok()
    })
    .await;
    let replication = Replication::start(primary.clone(), replica.clone(), settings);
    let lookups = LookupConnections::new(&replica_url, &pool).unwrap();
    let reads = PostgresQueries::new(replica)
        .with_lookup_connections(lookups)
        .reading_replica_of(primary.clone(), replication.clone());
    let served = Served {
        pair,
        primary,
        replication,
        reads,
    };
    served.until_state(ReplicaState::Serving).await;
    served
}

/// The first `Some` that `probe` gives within `limit`.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    limit: Duration,
    probe: impl Fn() -> F,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(Instant::now() < deadline, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Served {
    /// Imports through this server (the ledger tells the replication of its commit).
    async fn import(&self, id: u32) {
        let ledger = PostgresLedger::new(self.primary.clone()).telling(self.replication.clone());
        import_with(ledger, id).await;
    }

    /// Observes the replica until it is in `state` (10 s at most).
    async fn until_state(&self, state: ReplicaState) {
        eventually(Duration::from_secs(10), || async {
            self.replication.observe().await;
            (self.replication.report().state == state).then_some(())
        })
        .await;
    }

    /// Sales summed by the read port.
    async fn orders_counted(&self) -> u64 {
        self.reads
            .revenue(DateBounds::default(), None)
            .await
            .unwrap()
            .order_count
    }

    async fn on_replica(&self, sql: &str) {
        let replica: DatabaseConnection = Connect::connect(self.pair.replica_url("zinc"))
            .await
            .unwrap();
        replica.execute_unprepared(sql).await.unwrap();
        replica.close().await.unwrap();
    }

    fn fallbacks(&self) -> u64 {
        self.replication.report().fallback_reads
    }
}

async fn import_with(ledger: PostgresLedger, id: u32) {
    let report = ImportSales::new(ledger)
        .with_clock(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap())
        .import(
            ImportRequest::new(
                format!("sale-{id}.csv"),
                sale(id).as_bytes(),
                ImportMode::Strict,
                zinc_domain::ImportSource::Cli,
            ),
            &NoProgress,
        )
        .await
        .expect("the import runs");
    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
}

#[tokio::test]
async fn reads_go_to_the_replica_and_see_this_servers_import_at_once() {
    let served = served(ReplicaSettings::default()).await;
    served.import(10).await;
    let before = served.fallbacks();
    assert_eq!(served.orders_counted().await, 1);
    let order = served
        .reads
        .find_order(OrderId::new(1), Default::default())
        .await
        .unwrap();
    assert_eq!(order.map(|o| o.items.items.len()), Some(1));
    assert_eq!(served.fallbacks(), before, "both reads went to the replica");
    let report = served.replication.report();
    assert_eq!(report.state, ReplicaState::Serving);
    assert!(
        report.lag.is_some() && report.lag_bytes.is_some(),
        "{report:?}"
    );
}

#[tokio::test]
async fn with_replay_paused_a_read_waits_the_bound_then_reads_the_import_on_the_primary() {
    let wait = Duration::from_secs(1);
    let served = served(ReplicaSettings {
        wait,
        max_lag: Duration::from_secs(2),
    })
    .await;
    served.import(10).await;
    assert_eq!(served.orders_counted().await, 1);
    served.on_replica("SELECT pg_wal_replay_pause()").await;
    served.import(11).await;

    let before = served.fallbacks();
    let started = Instant::now();
    assert_eq!(
        served.orders_counted().await,
        2,
        "the read sees this server's import"
    );
    assert!(
        started.elapsed() >= wait,
        "it waited for the replica first: {:?}, {:?}",
        started.elapsed(),
        served.replication.report()
    );
    assert_eq!(served.fallbacks(), before + 1);
    // Past the bound once, the next reads go to the primary without waiting.
    let started = Instant::now();
    assert_eq!(served.orders_counted().await, 2);
    assert!(started.elapsed() < wait / 2, "{:?}", started.elapsed());
    assert_eq!(served.fallbacks(), before + 2);

    // The status says how far behind it is, then that it is past the lag bound.
    served.replication.observe().await;
    let report = served.replication.report();
    assert!(
        report.lag_bytes.is_some_and(|bytes| bytes > 0),
        "{report:?}"
    );
    served.until_state(ReplicaState::Lagging).await;
    let report = served.replication.report();
    assert!(
        report.lag.is_some_and(|lag| lag > Duration::from_secs(2)),
        "{report:?}"
    );

    served.on_replica("SELECT pg_wal_replay_resume()").await;
    served.until_state(ReplicaState::Serving).await;
    let before = served.fallbacks();
    assert_eq!(served.orders_counted().await, 2);
    assert_eq!(
        served.fallbacks(),
        before,
        "caught up, reads go to the replica again"
    );
    assert_eq!(served.replication.report().lag_bytes, Some(0));
}

#[tokio::test]
async fn a_version_from_another_servers_import_is_answered_only_from_data_that_has_it() {
    let served = served(ReplicaSettings {
        wait: Duration::from_secs(1),
        ..ReplicaSettings::default()
    })
    .await;
    let versions =
        PostgresDataVersions::watching(served.primary.clone()).telling(served.replication.clone());
    let first = versions.current_version().await.unwrap();
    served.on_replica("SELECT pg_wal_replay_pause()").await;
    // Another server: its ledger tells this server's replication nothing.
    import_with(PostgresLedger::new(served.primary.clone()), 20).await;
    // Heard from the primary (NOTIFY), the new version is read there with its position.
    eventually(Duration::from_secs(10), || async {
        let now = versions.current_version().await.unwrap();
        (now != first).then_some(())
    })
    .await;
    let before = served.fallbacks();
    assert_eq!(
        served.orders_counted().await,
        1,
        "an answer under the new version has the import"
    );
    assert_eq!(served.fallbacks(), before + 1, "from the primary");
    served.on_replica("SELECT pg_wal_replay_resume()").await;
}

#[tokio::test]
async fn a_stopped_or_promoted_replica_sends_reads_to_the_primary() {
    let served = served(ReplicaSettings::default()).await;
    served.import(10).await;
    served.pair.stop_replica().unwrap();
    served.until_state(ReplicaState::Down).await;
    let before = served.fallbacks();
    let started = Instant::now();
    assert_eq!(served.orders_counted().await, 1);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "no wait for a replica that is down"
    );
    assert_eq!(served.fallbacks(), before + 1);
    let report = served.replication.report();
    assert_eq!((report.lag, report.lag_bytes), (None, None));

    served.pair.start_replica().unwrap();
    served.until_state(ReplicaState::Serving).await;

    // Promoted, it no longer follows the primary Zinc writes to.
    served.on_replica("SELECT pg_promote()").await;
    served.until_state(ReplicaState::Promoted).await;
    served.import(11).await;
    let before = served.fallbacks();
    assert_eq!(served.orders_counted().await, 2);
    assert_eq!(served.fallbacks(), before + 1);
}

/// The figures of the README's "A read replica": what routing adds to a read. Run with
/// `cargo nextest run -p zinc-postgres --test replica --run-ignored only`.
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn measure_what_routing_adds_to_a_read() {
    let served = served(ReplicaSettings::default()).await;
    served.import(10).await;
    let direct = PostgresQueries::new(
        database::connect(&served.pair.replica_url("zinc"), &PoolSettings::default())
            .await
            .unwrap(),
    );
    let median = |mut samples: Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2]
    };
    const READS: usize = 500;
    for round in 0..2 {
        let mut plain = Vec::new();
        let mut routed = Vec::new();
        let mut after_a_write = Vec::new();
        for _ in 0..READS {
            let started = Instant::now();
            direct.revenue(DateBounds::default(), None).await.unwrap();
            plain.push(started.elapsed());
            let started = Instant::now();
            served.orders_counted().await;
            routed.push(started.elapsed());
            // A commit on the primary, then a new target (as after an import): the read checks
            // the replica's position first, waiting for it to replay the commit.
            served
                .primary
                .sqlx_pool()
                .execute("SELECT txid_current()")
                .await
                .unwrap();
            served.replication.note_primary_position().await;
            let started = Instant::now();
            served.orders_counted().await;
            after_a_write.push(started.elapsed());
        }
        eprintln!(
            "round {round}: p50 of {READS} revenue reads: replica direct {:?}, routed (target replayed) {:?}, routed right after a new target {:?}; fallbacks {}",
            median(plain),
            median(routed),
            median(after_a_write),
            served.fallbacks()
        );
    }
}
