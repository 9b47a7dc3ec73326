//! API keys: issuing and revoking them ([`KeyRing`]), and admitting requests
//! ([`Gatekeeper`]).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use moka::sync::Cache;
use thiserror::Error;
use tracing::{instrument, warn};
use zinc_domain::{ApiKey, KEY_RANDOM_BYTES, KeyDigest, KeyName, KeyScope, KeySecret};
use zinc_ports::{ApiKeys, CreateKeyError, KeyChanges, KeyWatch, NewApiKey, StoreError};

/// Creates, lists and revokes keys.
pub struct KeyRing<K> {
    keys: K,
    clock: fn() -> DateTime<Utc>,
}

impl<K: ApiKeys> KeyRing<K> {
    /// Keys kept in `keys`.
    pub fn new(keys: K) -> Self {
        KeyRing {
            keys,
            clock: Utc::now,
        }
    }

    /// Creates a key from `random` bytes (the operating system's generator's); returns it with
    /// its secret, which nothing keeps: show it once.
    #[instrument(skip(self, random), fields(name = %name, scope = %scope))]
    pub async fn create(
        &self,
        name: KeyName,
        scope: KeyScope,
        random: [u8; KEY_RANDOM_BYTES],
    ) -> Result<(ApiKey, KeySecret), CreateKeyError> {
        let secret = KeySecret::from_random(random);
        let key = self
            .keys
            .create_key(&NewApiKey {
                name,
                scope,
                digest: secret.digest(),
                created_at: (self.clock)(),
            })
            .await?;
        Ok((key, secret))
    }

    /// Every key, by name.
    pub async fn list(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.keys.list_keys().await
    }

    /// Revokes the active key `name`; false when there is none.
    #[instrument(skip(self), fields(name = %name))]
    pub async fn revoke(&self, name: &KeyName) -> Result<bool, StoreError> {
        self.keys.revoke_key(name, (self.clock)()).await
    }
}

/// Who a request was admitted as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// No key exists yet: the API is open.
    Open,
    /// An active key of sufficient scope.
    Key(ApiKey),
}

impl Access {
    /// `key`'s access to something that needs `needed`: [`Denied::Forbidden`] when its scope
    /// does not cover it.
    pub(crate) fn granted(key: ApiKey, needed: KeyScope) -> Result<Access, Denied> {
        if key.scope.covers(needed) {
            Ok(Access::Key(key))
        } else {
            Err(Denied::Forbidden {
                name: key.name,
                scope: key.scope,
                needed,
            })
        }
    }

    /// The key's name, when a key was used.
    pub fn key_name(&self) -> Option<&KeyName> {
        match self {
            Access::Open => None,
            Access::Key(key) => Some(&key.name),
        }
    }
}

/// Why a request was not admitted.
#[derive(Debug, Error)]
pub enum Denied {
    /// Keys exist and the request presented none.
    #[error("an API key is required: send the header Authorization: Bearer KEY")]
    Missing,
    /// The presented key is malformed, unknown or revoked.
    #[error("the API key is not valid (unknown, revoked or malformed)")]
    Invalid,
    /// The key is valid but may not do this.
    #[error("the key {name} has scope {scope}; this needs a {needed} key")]
    Forbidden {
        /// The key's name.
        name: KeyName,
        /// Its scope.
        scope: KeyScope,
        /// The scope needed.
        needed: KeyScope,
    },
    /// The store could not be asked.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How long the gatekeeper trusts what the store said while it hears every change to the keys
/// ([`KeyWatch::Listening`]): a revoked key is refused as soon as its change is heard, and
/// after this time in any case (a key's use is recorded at most this often).
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);
/// How long the gatekeeper trusts what the store said while changes may go unheard
/// ([`KeyWatch::Deaf`]): a revoked key stops working, and a first key closes an open API,
/// within this time even then.
pub const UNHEARD_KEY_CACHE_TTL: Duration = Duration::from_secs(1);
/// The most keys the gatekeeper remembers (the least useful are evicted beyond it).
pub const KEY_CACHE_ENTRIES: u64 = 4096;

/// Something the store said, when, and what was heard of changes as it was asked.
#[derive(Clone)]
struct Remembered<T> {
    value: T,
    asked_at: Instant,
    watch: KeyWatch,
}

/// Hears nothing: a gatekeeper told of no changes trusts the store for
/// [`UNHEARD_KEY_CACHE_TTL`] only.
struct Unheard;

impl KeyChanges for Unheard {
    fn watch(&self) -> KeyWatch {
        KeyWatch::Deaf
    }
}

/// Whether requests without a key are let in while no active key exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAccess {
    /// Yes (a loopback address, or the operator said so).
    Allowed,
    /// No: with no active key, nobody gets in (revoking the last key closes the API).
    Refused,
}

/// Admits requests by their bearer key. It remembers the valid keys it was shown (at most
/// [`KEY_CACHE_ENTRIES`]) and whether any key exists, and asks the store again once a change
/// to the keys is heard, or after [`KEY_CACHE_TTL`] (while listening) or
/// [`UNHEARD_KEY_CACHE_TTL`] (while not). A presented key that fails
/// [`KeySecret::parse`] (its checksum, say) is refused without asking the store.
pub struct Gatekeeper {
    keys: Arc<dyn ApiKeys>,
    changes: Arc<dyn KeyChanges>,
    open: OpenAccess,
    any_active: Mutex<Option<Remembered<bool>>>,
    /// Only valid keys: random keys cannot crowd them out.
    active: Cache<KeyDigest, Remembered<ApiKey>>,
}

impl Gatekeeper {
    /// A gatekeeper asking `keys`, letting keyless requests in while no key exists only if
    /// `open` allows. It hears of no changes until told by [`Gatekeeper::hearing`].
    pub fn new(keys: Arc<dyn ApiKeys>, open: OpenAccess) -> Self {
        Gatekeeper {
            keys,
            changes: Arc::new(Unheard),
            open,
            any_active: Mutex::default(),
            active: Cache::builder()
                .max_capacity(KEY_CACHE_ENTRIES)
                .time_to_live(KEY_CACHE_TTL)
                .build(),
        }
    }

    /// The same, hearing of changes to the keys from `changes`.
    pub fn hearing(mut self, changes: Arc<dyn KeyChanges>) -> Self {
        self.changes = changes;
        self
    }

    /// How many keys are remembered now (for tests and diagnostics).
    pub fn remembered_keys(&self) -> u64 {
        self.active.run_pending_tasks();
        self.active.entry_count()
    }

    /// Admits a request presenting `bearer` (the text after `Bearer `, if any) that needs
    /// `needed`.
    pub async fn admit(&self, bearer: Option<&str>, needed: KeyScope) -> Result<Access, Denied> {
        let Some(text) = bearer else {
            return if self.open == OpenAccess::Allowed && !self.any_active_key().await? {
                Ok(Access::Open)
            } else {
                Err(Denied::Missing)
            };
        };
        let secret = KeySecret::parse(text).map_err(|_| Denied::Invalid)?;
        let key = self
            .active_key(secret.digest())
            .await?
            .ok_or(Denied::Invalid)?;
        Access::granted(key, needed)
    }

    async fn any_active_key(&self) -> Result<bool, StoreError> {
        if let Some(known) = self.lock_any_active().as_ref()
            && self.trusts(known)
        {
            return Ok(known.value);
        }
        let (asked_at, watch) = (Instant::now(), self.changes.watch());
        let any = self.keys.any_active_key().await?;
        *self.lock_any_active() = Some(Remembered {
            value: any,
            asked_at,
            watch,
        });
        Ok(any)
    }

    async fn active_key(&self, digest: KeyDigest) -> Result<Option<ApiKey>, StoreError> {
        if let Some(known) = self.active.get(&digest)
            && self.trusts(&known)
        {
            return Ok(Some(known.value));
        }
        let (asked_at, watch) = (Instant::now(), self.changes.watch());
        let key = self.keys.find_active_key(&digest).await?;
        match &key {
            Some(found) => {
                if let Err(error) = self.keys.mark_used(&found.name, Utc::now()).await {
                    warn!(
                        error = &error as &dyn std::error::Error,
                        "could not record a key's last use"
                    );
                }
                self.active.insert(
                    digest,
                    Remembered {
                        value: found.clone(),
                        asked_at,
                        watch,
                    },
                );
            }
            None => self.active.invalidate(&digest),
        }
        Ok(key)
    }

    /// Whether what the store said can still be trusted: while every change is heard, until
    /// one is (or [`KEY_CACHE_TTL`]); otherwise for [`UNHEARD_KEY_CACHE_TTL`] after asking.
    fn trusts<T>(&self, known: &Remembered<T>) -> bool {
        let age = known.asked_at.elapsed();
        match (known.watch, self.changes.watch()) {
            (KeyWatch::Listening { heard: then }, KeyWatch::Listening { heard: now }) => {
                then == now && age < KEY_CACHE_TTL
            }
            _ => age < UNHEARD_KEY_CACHE_TTL,
        }
    }

    fn lock_any_active(&self) -> std::sync::MutexGuard<'_, Option<Remembered<bool>>> {
        // A panic while holding the lock leaves nothing half-updated worth refusing.
        self.any_active
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
