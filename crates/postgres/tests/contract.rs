//! The PostgreSQL adapter keeps the store contract (the in-memory store runs the same suite).

use std::sync::Arc;

use zinc_postgres::{PostgresLedger, PostgresQueries};
use zinc_testkit::TestDatabase;
use zinc_testkit::contract::StorePorts;

async fn postgres() -> (StorePorts, TestDatabase) {
    let database = TestDatabase::migrated().await;
    let queries = PostgresQueries::new(database.connection().clone());
    let ports = StorePorts {
        ledger: Arc::new(PostgresLedger::new(database.connection().clone())),
        catalog: Arc::new(queries.clone()),
        orders: Arc::new(queries.clone()),
        history: Arc::new(queries.clone()),
        archive: Arc::new(queries),
    };
    (ports, database)
}

zinc_testkit::store_contract!(postgres());
