//! The PostgreSQL adapter keeps the store contract (the in-memory store runs the same suite).

use std::sync::Arc;

use zinc_postgres::database::PoolSettings;
use zinc_postgres::lookups::LookupConnections;
use zinc_postgres::{PostgresLedger, PostgresQueries, PostgresWatchedFiles};
use zinc_testkit::TestDatabase;
use zinc_testkit::contract::StorePorts;

async fn postgres() -> (StorePorts, TestDatabase) {
    stores(false).await
}

/// The same, single orders looked up on lookup connections (a worker's own connections), as `zinc serve`
/// does.
async fn postgres_with_lookup_connections() -> (StorePorts, TestDatabase) {
    stores(true).await
}

async fn stores(with_lookup_connections: bool) -> (StorePorts, TestDatabase) {
    let database = TestDatabase::migrated().await;
    let queries = PostgresQueries::new(database.connection().clone());
    let lookups = if with_lookup_connections {
        let settings = PoolSettings {
            max_connections: 2,
            ..PoolSettings::default()
        };
        let lookups =
            LookupConnections::new(database.url(), &settings).expect("lookup connections");
        queries.clone().with_lookup_connections(lookups)
    } else {
        queries.clone()
    };
    let ports = StorePorts {
        ledger: Arc::new(PostgresLedger::new(database.connection().clone())),
        catalog: Arc::new(queries.clone()),
        orders: Arc::new(lookups),
        history: Arc::new(queries.clone()),
        archive: Arc::new(queries),
        watched: Arc::new(PostgresWatchedFiles::new(database.connection().clone())),
        reverts: Arc::new(PostgresLedger::new(database.connection().clone())),
    };
    (ports, database)
}

zinc_testkit::store_contract!(postgres());

mod with_lookup_connections {
    zinc_testkit::store_contract!(super::postgres_with_lookup_connections());
}
