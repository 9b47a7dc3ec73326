//! API keys: issuing and revoking them ([`KeyRing`]), and admitting requests
//! ([`Gatekeeper`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use thiserror::Error;
use tracing::{instrument, warn};
use zinc_domain::{ApiKey, KEY_RANDOM_BYTES, KeyDigest, KeyName, KeyScope, KeySecret};
use zinc_ports::{ApiKeys, CreateKeyError, NewApiKey, StoreError};

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
    #[error("an API key is required: send `Authorization: Bearer KEY`")]
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

/// How long the gatekeeper trusts what the store said: a revoked key stops working, and a
/// first key closes an open API, within this time.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);
/// The most presented keys the gatekeeper remembers (it forgets them all when full).
pub const KEY_CACHE_ENTRIES: usize = 4096;

#[derive(Default)]
struct Remembered {
    any_active: Option<(bool, Instant)>,
    keys: HashMap<KeyDigest, (ApiKey, Instant)>,
}

/// Whether requests without a key are let in while no active key exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAccess {
    /// Yes (a loopback address, or the operator said so).
    Allowed,
    /// No: with no active key, nobody gets in (revoking the last key closes the API).
    Refused,
}

/// Admits requests by their bearer key, asking the store at most once per
/// [`KEY_CACHE_TTL`] for each valid key (and for whether any key exists).
pub struct Gatekeeper {
    keys: Arc<dyn ApiKeys>,
    open: OpenAccess,
    remembered: Mutex<Remembered>,
}

impl Gatekeeper {
    /// A gatekeeper asking `keys`, letting keyless requests in while no key exists only if
    /// `open` allows.
    pub fn new(keys: Arc<dyn ApiKeys>, open: OpenAccess) -> Self {
        Gatekeeper {
            keys,
            open,
            remembered: Mutex::default(),
        }
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

    async fn any_active_key(&self) -> Result<bool, StoreError> {
        if let Some((any, at)) = self.lock().any_active
            && at.elapsed() < KEY_CACHE_TTL
        {
            return Ok(any);
        }
        let any = self.keys.any_active_key().await?;
        self.lock().any_active = Some((any, Instant::now()));
        Ok(any)
    }

    async fn active_key(&self, digest: KeyDigest) -> Result<Option<ApiKey>, StoreError> {
        if let Some((key, at)) = self.lock().keys.get(&digest)
            && at.elapsed() < KEY_CACHE_TTL
        {
            return Ok(Some(key.clone()));
        }
        let key = self.keys.find_active_key(&digest).await?;
        if let Some(key) = &key
            && let Err(error) = self.keys.mark_used(&key.name, Utc::now()).await
        {
            warn!(
                error = &error as &dyn std::error::Error,
                "could not record a key's last use"
            );
        }
        // Only valid keys are remembered: random keys cannot crowd them out.
        if let Some(found) = &key {
            let mut remembered = self.lock();
            if remembered.keys.len() >= KEY_CACHE_ENTRIES {
                remembered.keys.clear();
            }
            remembered
                .keys
                .insert(digest, (found.clone(), Instant::now()));
        }
        Ok(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        // A panic while holding the lock leaves nothing half-updated worth refusing.
        self.remembered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
