//! The contract every key store keeps ([`ApiKeys`], the [`KeyChanges`] it reports and the
//! dashboard's [`DashboardSessions`] that belong to the keys), run
//! against the in-memory [`MemoryKeys`](crate::MemoryKeys) and the PostgreSQL adapter with
//! [`key_contract!`](macro@crate::key_contract):
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
use zinc_domain::{KeyName, KeyScope, KeySecret, SESSIONS_PER_KEY, SessionToken};
use zinc_ports::{
    ApiKeys, CreateKeyError, DashboardSessions, KeyChanges, KeyWatch, NewApiKey, NewSession,
};

/// The ports of one key store under test.
#[derive(Clone)]
pub struct KeyPorts {
    /// The keys.
    pub keys: Arc<dyn ApiKeys>,
    /// The changes to them, as heard.
    pub changes: Arc<dyn KeyChanges>,
    /// The dashboard's sessions, opened with those keys.
    pub sessions: Arc<dyn DashboardSessions>,
}

impl crate::MemoryKeys {
    /// This store behind both ports.
    pub fn key_ports(&self) -> KeyPorts {
        KeyPorts {
            keys: Arc::new(self.clone()),
            changes: Arc::new(self.clone()),
            sessions: Arc::new(self.clone()),
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
            a_session_admits_its_key_until_it_is_ended,
            a_session_admits_nobody_once_it_has_expired,
            a_session_admits_nobody_once_its_key_is_revoked,
            a_key_keeps_only_its_newest_sessions,
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

/// A session opened at `opened` for `key`, until `until` (seconds of [`at`]).
fn new_session(key: &KeySecret, seed: u8, opened: u32, until: u32) -> (NewSession, SessionToken) {
    let token = SessionToken::from_random([seed; zinc_domain::SESSION_RANDOM_BYTES]);
    let session = NewSession {
        digest: token.digest(),
        key: key.digest(),
        created_at: at(opened),
        expires_at: at(until),
    };
    (session, token)
}

/// A session opened with an active key gives that key (name and scope) until it is ended;
/// another token gives none; ending it twice ends it once.
pub async fn a_session_admits_its_key_until_it_is_ended(ports: KeyPorts) {
    let (uploads, secret) = new_key("uploads", KeyScope::Write, 1);
    let created = ports.keys.create_key(&uploads).await.unwrap();
    let sessions = ports.sessions;
    let (session, token) = new_session(&secret, 11, 1, 50);
    assert!(sessions.open_session(&session).await.unwrap());
    let (other, stranger) = new_session(&secret, 12, 1, 50);
    assert_eq!(
        sessions.session_key(&token.digest(), at(2)).await.unwrap(),
        Some(created)
    );
    assert!(
        sessions
            .session_key(&stranger.digest(), at(2))
            .await
            .unwrap()
            .is_none(),
        "a token never opened admits nobody"
    );
    assert!(sessions.open_session(&other).await.unwrap());

    assert!(sessions.end_session(&token.digest(), at(3)).await.unwrap());
    assert!(!sessions.end_session(&token.digest(), at(4)).await.unwrap());
    assert!(
        sessions
            .session_key(&token.digest(), at(4))
            .await
            .unwrap()
            .is_none(),
        "an ended session admits nobody"
    );
    assert!(
        sessions
            .session_key(&stranger.digest(), at(4))
            .await
            .unwrap()
            .is_some(),
        "ending one session leaves the key's others open"
    );
}

/// A session admits nobody from its expiry on, and cannot be ended then.
pub async fn a_session_admits_nobody_once_it_has_expired(ports: KeyPorts) {
    let (reader, secret) = new_key("reader", KeyScope::Read, 2);
    ports.keys.create_key(&reader).await.unwrap();
    let sessions = ports.sessions;
    let (session, token) = new_session(&secret, 21, 1, 10);
    assert!(sessions.open_session(&session).await.unwrap());
    assert!(
        sessions
            .session_key(&token.digest(), at(9))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        sessions
            .session_key(&token.digest(), at(10))
            .await
            .unwrap()
            .is_none(),
        "expired at its expiry"
    );
    assert!(!sessions.end_session(&token.digest(), at(10)).await.unwrap());
    // Opening another session later forgets the expired one, and keeps it refused.
    let (later, _) = new_session(&secret, 22, 20, 30);
    assert!(sessions.open_session(&later).await.unwrap());
    assert!(
        sessions
            .session_key(&token.digest(), at(21))
            .await
            .unwrap()
            .is_none()
    );
}

/// Revoking a key ends its sessions; no session opens for a revoked or unknown key.
pub async fn a_session_admits_nobody_once_its_key_is_revoked(ports: KeyPorts) {
    let (uploads, secret) = new_key("uploads", KeyScope::Write, 3);
    ports.keys.create_key(&uploads).await.unwrap();
    let sessions = ports.sessions;
    let (session, token) = new_session(&secret, 31, 1, 50);
    assert!(sessions.open_session(&session).await.unwrap());
    assert!(ports.keys.revoke_key(&uploads.name, at(2)).await.unwrap());
    assert!(
        sessions
            .session_key(&token.digest(), at(3))
            .await
            .unwrap()
            .is_none(),
        "a revoked key's session admits nobody"
    );
    let (after, _) = new_session(&secret, 32, 3, 50);
    assert!(!sessions.open_session(&after).await.unwrap());
    let unknown = KeySecret::from_random([4; zinc_domain::KEY_RANDOM_BYTES]);
    let (stranger, _) = new_session(&unknown, 33, 3, 50);
    assert!(!sessions.open_session(&stranger).await.unwrap());
}

/// A key keeps at most [`SESSIONS_PER_KEY`] sessions: one more forgets its oldest, whichever
/// were ended, and leaves other keys' sessions alone.
pub async fn a_key_keeps_only_its_newest_sessions(ports: KeyPorts) {
    let (reader, secret) = new_key("reader", KeyScope::Read, 5);
    ports.keys.create_key(&reader).await.unwrap();
    let (other, other_secret) = new_key("other", KeyScope::Read, 6);
    ports.keys.create_key(&other).await.unwrap();
    let sessions = ports.sessions;
    let (theirs, their_token) = new_session(&other_secret, 200, 1, 50);
    assert!(sessions.open_session(&theirs).await.unwrap());
    let mut tokens = Vec::new();
    for n in 0..=SESSIONS_PER_KEY as u32 {
        let (session, token) = new_session(&secret, 100 + n as u8, 2 + n, 50);
        assert!(sessions.open_session(&session).await.unwrap());
        tokens.push(token);
    }
    let now = at(SESSIONS_PER_KEY as u32 + 3);
    let admitted = |token: &SessionToken| {
        let digest = token.digest();
        let sessions = sessions.clone();
        async move { sessions.session_key(&digest, now).await.unwrap().is_some() }
    };
    assert!(
        !admitted(&tokens[0]).await,
        "the oldest session was forgotten"
    );
    for (n, token) in tokens.iter().enumerate().skip(1) {
        assert!(admitted(token).await, "session {n} of the newest is kept");
    }
    assert!(
        admitted(&their_token).await,
        "another key's session is kept"
    );
}
