//! The PostgreSQL key store and its listener keep the key contract (the in-memory store runs
//! the same suite).

use std::sync::Arc;

use zinc_postgres::{PostgresApiKeys, PostgresKeyChanges};
use zinc_testkit::TestDatabase;
use zinc_testkit::key_contract::KeyPorts;

async fn postgres() -> (KeyPorts, TestDatabase) {
    let database = TestDatabase::migrated().await;
    let ports = KeyPorts {
        keys: Arc::new(PostgresApiKeys::new(database.connection().clone())),
        changes: Arc::new(PostgresKeyChanges::listening(database.connection().clone())),
        sessions: Arc::new(PostgresApiKeys::new(database.connection().clone())),
    };
    (ports, database)
}

zinc_testkit::key_contract!(postgres());
