//! Revocation reaches every running server: two gatekeepers ("servers") on one database, each
//! hearing changes to the keys through its own listener, refuse a key revoked through the key
//! ring within a second, also after their listeners' connections were killed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use zinc_application::{Denied, Gatekeeper, KeyRing, OpenAccess};
use zinc_domain::{KEY_RANDOM_BYTES, KeyName, KeyScope, KeySecret};
use zinc_ports::{ApiKeys, KeyChanges, KeyWatch};
use zinc_postgres::{KEY_CHANNEL, PostgresApiKeys, PostgresKeyChanges};
use zinc_testkit::TestDatabase;
use zinc_testkit::key_contract::listening;

/// A running server's part that admits requests: its own pool, listener and gatekeeper.
struct Server {
    gatekeeper: Gatekeeper,
    changes: PostgresKeyChanges,
    _db: DatabaseConnection,
}

impl Server {
    async fn start(database: &TestDatabase) -> Server {
        let mut options = ConnectOptions::new(database.url());
        options.max_connections(3).sqlx_logging(false);
        let db = Database::connect(options).await.expect("a server's pool");
        let changes = PostgresKeyChanges::listening(db.clone());
        let gatekeeper = Gatekeeper::new(
            Arc::new(PostgresApiKeys::new(db.clone())),
            OpenAccess::Refused,
        )
        .hearing(Arc::new(changes.clone()));
        listening(&changes).await;
        Server {
            gatekeeper,
            changes,
            _db: db,
        }
    }

    async fn admits(&self, key: &KeySecret) -> bool {
        match self
            .gatekeeper
            .admit(Some(key.expose()), KeyScope::Read)
            .await
        {
            Ok(_) => true,
            Err(Denied::Invalid) => false,
            Err(other) => panic!("neither admitted nor refused as invalid: {other}"),
        }
    }

    /// Waits for the key to be refused; panics unless it is within `bound` of `since`.
    async fn refuses_within(&self, key: &KeySecret, since: Instant, bound: Duration) {
        while self.admits(key).await {
            assert!(
                since.elapsed() < bound,
                "a revoked key still admitted after {bound:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(since.elapsed() < bound, "refused only after {bound:?}");
    }
}

/// A write key created through the key ring, as `zinc keys create` does.
async fn create_key(ring: &KeyRing<PostgresApiKeys>, name: &str) -> (KeyName, KeySecret) {
    let name = KeyName::parse(name).unwrap();
    let (_, secret) = ring
        .create(name.clone(), KeyScope::Write, [9; KEY_RANDOM_BYTES])
        .await
        .unwrap();
    (name, secret)
}

#[tokio::test]
async fn a_key_revoked_through_the_key_ring_is_refused_by_two_servers_within_a_second() {
    let database = TestDatabase::migrated().await;
    let servers = [
        Server::start(&database).await,
        Server::start(&database).await,
    ];
    let ring = KeyRing::new(PostgresApiKeys::new(database.connection().clone()));
    let (name, key) = create_key(&ring, "uploads").await;
    for server in &servers {
        assert!(server.admits(&key).await, "a new key admits");
        assert!(server.admits(&key).await, "and is remembered");
    }

    let revoked = Instant::now();
    assert!(ring.revoke(&name).await.unwrap());
    for server in &servers {
        server
            .refuses_within(&key, revoked, Duration::from_secs(1))
            .await;
    }
}

#[tokio::test]
async fn a_revoked_key_is_refused_within_a_second_after_the_listeners_connections_were_killed() {
    let database = TestDatabase::migrated().await;
    let servers = [
        Server::start(&database).await,
        Server::start(&database).await,
    ];
    let ring = KeyRing::new(PostgresApiKeys::new(database.connection().clone()));
    let (name, key) = create_key(&ring, "uploads").await;
    for server in &servers {
        assert!(server.admits(&key).await);
    }
    let before: Vec<KeyWatch> = servers.iter().map(|s| s.changes.watch()).collect();

    let killed = database
        .connection()
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND query LIKE 'LISTEN %{KEY_CHANNEL}%'"
            ),
        ))
        .await
        .unwrap();
    assert_eq!(killed.len(), 2, "each server's listener was killed");
    // Each server finds its listener lost (deaf, or already listening again on a new one).
    let deadline = Instant::now() + Duration::from_secs(5);
    while servers
        .iter()
        .zip(&before)
        .any(|(server, before)| server.changes.watch() == *before)
    {
        assert!(Instant::now() < deadline, "a lost listener went unnoticed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for server in &servers {
        assert!(server.admits(&key).await, "remembered again, heard or not");
    }

    let revoked = Instant::now();
    assert!(ring.revoke(&name).await.unwrap());
    for server in &servers {
        // The bound holds by construction (a key asked for before the revocation is trusted
        // for at most a second while deaf); the margin is for polling on a busy machine.
        server
            .refuses_within(&key, revoked, Duration::from_millis(1250))
            .await;
    }
}

#[tokio::test]
async fn recording_a_keys_use_sends_no_notification() {
    let database = TestDatabase::migrated().await;
    let keys = PostgresApiKeys::new(database.connection().clone());
    let ring = KeyRing::new(keys.clone());
    let mut listener = PgListener::connect(database.url()).await.unwrap();
    listener.listen(KEY_CHANNEL).await.unwrap();
    let (name, _) = create_key(&ring, "uploads").await;
    let next = async |listener: &mut PgListener| {
        tokio::time::timeout(Duration::from_secs(5), listener.recv())
            .await
            .expect("a notification within 5 s")
            .unwrap()
            .payload()
            .to_owned()
    };
    assert_eq!(next(&mut listener).await, "", "creating a key notifies");

    keys.mark_used(&name, chrono::Utc::now()).await.unwrap();
    // Notifications arrive in commit order: one for the use would come before this one.
    database
        .connection()
        .execute_unprepared(&format!("NOTIFY {KEY_CHANNEL}, 'after the use'"))
        .await
        .unwrap();
    assert_eq!(next(&mut listener).await, "after the use");
    let listed = keys.list_keys().await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "the use was recorded");
}
