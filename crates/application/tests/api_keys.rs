//! The gatekeeper over the in-memory key store (which counts how often it is asked) and a
//! mocked store that must not be called: no database involved.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use zinc_application::{
    Denied, Gatekeeper, KEY_CACHE_ENTRIES, KeyRing, OpenAccess, UNHEARD_KEY_CACHE_TTL,
};
use zinc_domain::{KEY_RANDOM_BYTES, KeyName, KeyScope, KeySecret};
use zinc_ports::{ApiKeys, MockApiKeys, NewApiKey};
use zinc_testkit::MemoryKeys;

fn random(seed: u32) -> [u8; KEY_RANDOM_BYTES] {
    let mut bytes = [0; KEY_RANDOM_BYTES];
    bytes[..4].copy_from_slice(&seed.to_be_bytes());
    bytes
}

fn gatekeeper(keys: &MemoryKeys) -> Gatekeeper {
    Gatekeeper::new(Arc::new(keys.clone()), OpenAccess::Refused).hearing(Arc::new(keys.clone()))
}

async fn create(keys: &MemoryKeys, name: &str, seed: u32) -> KeySecret {
    let (_, secret) = KeyRing::new(keys.clone())
        .create(KeyName::parse(name).unwrap(), KeyScope::Read, random(seed))
        .await
        .unwrap();
    secret
}

async fn admits(gatekeeper: &Gatekeeper, key: &str) -> bool {
    match gatekeeper.admit(Some(key), KeyScope::Read).await {
        Ok(_) => true,
        Err(Denied::Invalid) => false,
        Err(other) => panic!("neither admitted nor refused as invalid: {other}"),
    }
}

#[tokio::test]
async fn a_key_with_one_character_changed_is_refused_without_asking_the_store() {
    let key = KeySecret::from_random(random(1));
    let mut typo = key.expose().as_bytes().to_vec();
    typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    // No expectation is set: any call to the store panics.
    let store = MockApiKeys::new();
    let gatekeeper = Gatekeeper::new(Arc::new(store), OpenAccess::Refused);
    assert!(matches!(
        gatekeeper.admit(Some(&typo), KeyScope::Read).await,
        Err(Denied::Invalid)
    ));
}

#[tokio::test]
async fn a_key_issued_before_checksums_still_admits() {
    let keys = MemoryKeys::new();
    // Stored as `zinc keys create` stored it before: the digest of the text it printed.
    let old = "zinc_WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW";
    keys.create_key(&NewApiKey {
        name: KeyName::parse("uploads").unwrap(),
        scope: KeyScope::Write,
        digest: KeySecret::parse(old).unwrap().digest(),
        created_at: Utc::now(),
    })
    .await
    .unwrap();
    assert!(admits(&gatekeeper(&keys), old).await);
}

#[tokio::test]
async fn while_listening_a_revoked_key_is_refused_at_once() {
    let keys = MemoryKeys::new();
    let key = create(&keys, "dashboard", 1).await;
    let gatekeeper = gatekeeper(&keys);
    assert!(admits(&gatekeeper, key.expose()).await);
    let asked = keys.lookups();
    assert!(admits(&gatekeeper, key.expose()).await);
    assert_eq!(keys.lookups(), asked, "remembered");

    let name = KeyName::parse("dashboard").unwrap();
    assert!(KeyRing::new(keys.clone()).revoke(&name).await.unwrap());
    assert!(!admits(&gatekeeper, key.expose()).await);
}

#[tokio::test]
async fn while_deaf_a_revoked_key_is_refused_within_a_second() {
    let keys = MemoryKeys::new();
    keys.deafen();
    let key = create(&keys, "dashboard", 1).await;
    let gatekeeper = gatekeeper(&keys);
    assert!(admits(&gatekeeper, key.expose()).await);
    let asked = keys.lookups();
    assert!(admits(&gatekeeper, key.expose()).await);
    assert_eq!(keys.lookups(), asked, "remembered");

    let revoked = Instant::now();
    let name = KeyName::parse("dashboard").unwrap();
    assert!(KeyRing::new(keys.clone()).revoke(&name).await.unwrap());
    // The margin is for polling on a busy machine.
    let bound = UNHEARD_KEY_CACHE_TTL + Duration::from_millis(250);
    while admits(&gatekeeper, key.expose()).await {
        assert!(revoked.elapsed() < bound, "still admitted after {bound:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn unknown_keys_are_asked_for_each_time_and_never_remembered() {
    let keys = MemoryKeys::new();
    create(&keys, "dashboard", 1).await;
    let gatekeeper = gatekeeper(&keys);
    let unknown = KeySecret::from_random(random(2));
    for asked in 1..=3 {
        assert!(!admits(&gatekeeper, unknown.expose()).await);
        assert_eq!(keys.lookups(), asked);
    }
    assert_eq!(gatekeeper.remembered_keys(), 0);
}

#[tokio::test]
async fn a_busy_key_stays_remembered_while_more_keys_than_fit_come_and_go() {
    let keys = MemoryKeys::new();
    let busy = create(&keys, "busy", 0).await;
    let mut others = Vec::new();
    for seed in 1..=KEY_CACHE_ENTRIES as u32 + 500 {
        others.push(create(&keys, &format!("key-{seed}"), seed).await);
    }
    let gatekeeper = gatekeeper(&keys);
    for (i, key) in others.iter().enumerate() {
        if i % 10 == 0 {
            assert!(admits(&gatekeeper, busy.expose()).await);
        }
        assert!(admits(&gatekeeper, key.expose()).await);
    }
    assert!(admits(&gatekeeper, busy.expose()).await);
    assert!(
        gatekeeper.remembered_keys() <= KEY_CACHE_ENTRIES,
        "{} remembered",
        gatekeeper.remembered_keys()
    );
    assert_eq!(
        keys.lookups(),
        others.len() as u64 + 1,
        "each key asked for once: the busy one was never evicted"
    );
}
