//! The contract every key store keeps ([`ApiKeys`] and the [`KeyChanges`] it reports), run
//! against the in-memory [`MemoryKeys`](crate::MemoryKeys) and the PostgreSQL adapter with
//! [`key_contract!`](crate::key_contract):
//!
//! ```ignore
//! zinc_testkit::key_contract!(async { (zinc_testkit::MemoryKeys::new().key_ports(), ()) });
//! ```
//!
//! The expression gives the ports of a new store without keys and a value kept alive for the
//! test (a test database, say).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use zinc_domain::{KeyName, KeyScope, KeySecret};
use zinc_ports::{ApiKeys, CreateKeyError, KeyChanges, KeyWatch, NewApiKey};

/// The ports of one key store under test.
#[derive(Clone)]
pub struct KeyPorts {
    /// The keys.
    pub keys: Arc<dyn ApiKeys>,
    /// The changes to them, as heard.
    pub changes: Arc<dyn KeyChanges>,
}

impl crate::MemoryKeys {
    /// This store behind both ports.
    pub fn key_ports(&self) -> KeyPorts {
        KeyPorts {
            keys: Arc::new(self.clone()),
            changes: Arc::new(self.clone()),
        }
    }
}

/// Runs every case of the contract as a test of its own, each on a store from `$make`.
#[macro_export]
macro_rules! key_contract {
    ($make:expr) => {
        $crate::key_contract!(@cases $make;
            a_created_key_is_found_by_its_digest_until_revoked,
            creating_or_revoking_a_key_is_heard_within_a_second,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let (ports, _keep) = $make.await;
                $crate::key_contract::$case(ports).await;
            }
        )*
    };
}

/// How long a change may take to be heard.
pub const HEARD_WITHIN: Duration = Duration::from_secs(1);

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, second)
        .single()
        .expect("a valid time")
}

fn new_key(name: &str, scope: KeyScope, seed: u8) -> (NewApiKey, KeySecret) {
    let secret = KeySecret::from_random([seed; zinc_domain::KEY_RANDOM_BYTES]);
    let key = NewApiKey {
        name: KeyName::parse(name).expect("a valid name"),
        scope,
        digest: secret.digest(),
        created_at: at(0),
    };
    (key, secret)
}

/// What `changes` has heard, once it listens (waiting up to 5 s for it to subscribe).
pub async fn listening(changes: &dyn KeyChanges) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let KeyWatch::Listening { heard } = changes.watch() {
            return heard;
        }
        assert!(Instant::now() < deadline, "never listening");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What `changes` has heard once it heard more than `before`, within [`HEARD_WITHIN`].
pub async fn heard_after(changes: &dyn KeyChanges, before: u64) -> u64 {
    let deadline = Instant::now() + HEARD_WITHIN;
    loop {
        match changes.watch() {
            KeyWatch::Listening { heard } if heard != before => return heard,
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "no change heard within {HEARD_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A key is found by its digest, with its name and scope, until it is revoked; names are
/// never reused.
pub async fn a_created_key_is_found_by_its_digest_until_revoked(ports: KeyPorts) {
    let keys = ports.keys;
    assert!(!keys.any_active_key().await.unwrap());
    let (uploads, secret) = new_key("uploads", KeyScope::Write, 1);
    let created = keys.create_key(&uploads).await.unwrap();
    assert_eq!(
        (created.name.as_str(), created.scope),
        ("uploads", KeyScope::Write)
    );
    assert!(keys.any_active_key().await.unwrap());
    let found = keys.find_active_key(&secret.digest()).await.unwrap();
    assert_eq!(found, Some(created));
    let (other, _) = new_key("dashboard", KeyScope::Read, 2);
    assert!(keys.find_active_key(&other.digest).await.unwrap().is_none());

    let (again, _) = new_key("uploads", KeyScope::Read, 3);
    assert!(matches!(
        keys.create_key(&again).await,
        Err(CreateKeyError::Duplicate(name)) if name.as_str() == "uploads"
    ));

    assert!(keys.revoke_key(&uploads.name, at(9)).await.unwrap());
    assert!(!keys.revoke_key(&uploads.name, at(10)).await.unwrap());
    assert!(
        keys.find_active_key(&secret.digest())
            .await
            .unwrap()
            .is_none()
    );
    assert!(!keys.any_active_key().await.unwrap());
    let listed = keys.list_keys().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(at(9)));
}

/// Creating a key and revoking it are each heard within [`HEARD_WITHIN`] of their commit.
pub async fn creating_or_revoking_a_key_is_heard_within_a_second(ports: KeyPorts) {
    let changes = ports.changes.as_ref();
    let before = listening(changes).await;
    let (uploads, _) = new_key("uploads", KeyScope::Write, 1);
    ports.keys.create_key(&uploads).await.unwrap();
    let created = heard_after(changes, before).await;
    assert!(ports.keys.revoke_key(&uploads.name, at(5)).await.unwrap());
    heard_after(changes, created).await;
}
