//! Claims of watched files between processes: each watcher has a pool of its own, as two
//! servers sharing a folder do (the contract suite runs one pool, where a dropped claim could
//! come back through the very connection that held it).

use zinc_domain::FileDigest;
use zinc_ports::{FileClaim, WatchedFiles};
use zinc_postgres::PostgresWatchedFiles;
use zinc_postgres::database::{PoolSettings, connect};
use zinc_testkit::TestDatabase;

async fn watcher(database: &TestDatabase) -> PostgresWatchedFiles {
    let settings = PoolSettings {
        max_connections: 2,
        ..PoolSettings::default()
    };
    PostgresWatchedFiles::new(connect(database.url(), &settings).await.expect("connects"))
}

#[tokio::test]
async fn a_claim_dropped_by_one_process_is_free_for_another_within_two_seconds() {
    let database = TestDatabase::migrated().await;
    let (first, second) = (watcher(&database).await, watcher(&database).await);
    let digest = FileDigest::parse(&"ab".repeat(32)).unwrap();
    let FileClaim::Claimed(held) = first.claim(&digest).await.unwrap() else {
        panic!("a file never seen is claimed");
    };
    assert!(matches!(
        second.claim(&digest).await.unwrap(),
        FileClaim::Busy
    ));
    // The first watcher goes on (its pool stays open) but drops the claim, as a cancelled
    // import does: the claim must not stay with a connection handed back to its pool.
    drop(held);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match second.claim(&digest).await.unwrap() {
            FileClaim::Claimed(_) => break,
            FileClaim::Busy if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            other => panic!("the dropped claim was not given up: {other:?}"),
        }
    }
}
