//! The PostgreSQL adapter keeps the store contract (the in-memory store runs the same suite).

use std::sync::Arc;

use zinc_postgres::database::PoolSettings;
use zinc_postgres::lanes::Lane;
use zinc_postgres::{PostgresLedger, PostgresQueries};
use zinc_testkit::TestDatabase;
use zinc_testkit::contract::StorePorts;

async fn postgres() -> (StorePorts, TestDatabase) {
    stores(false).await
}

/// The same, single orders looked up on a lane (a worker's own connections), as `zinc serve`
/// does.
async fn postgres_with_lane() -> (StorePorts, TestDatabase) {
    stores(true).await
}

async fn stores(with_lane: bool) -> (StorePorts, TestDatabase) {
    let database = TestDatabase::migrated().await;
    let queries = PostgresQueries::new(database.connection().clone());
    let lookups = if with_lane {
        let settings = PoolSettings {
            max_connections: 2,
            ..PoolSettings::default()
        };
        let lane = Lane::new(database.url(), &settings).expect("a lane");
        queries.clone().with_lane(lane)
    } else {
        queries.clone()
    };
    let ports = StorePorts {
        ledger: Arc::new(PostgresLedger::new(database.connection().clone())),
        catalog: Arc::new(queries.clone()),
        orders: Arc::new(lookups),
        history: Arc::new(queries.clone()),
        archive: Arc::new(queries),
    };
    (ports, database)
}

zinc_testkit::store_contract!(postgres());

mod with_lane {
    zinc_testkit::store_contract!(super::postgres_with_lane());
}
