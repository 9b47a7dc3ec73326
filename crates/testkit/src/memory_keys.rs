//! API keys kept in memory ([`MemoryKeys`]): the reference the PostgreSQL adapter is held to
//! by the key contract ([`crate::key_contract`](mod@crate::key_contract)), and a store for
//! tests of the gatekeeper that counts how often it is asked. It keeps the dashboard's sessions
//! too ([`DashboardSessions`]).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zinc_domain::{ApiKey, KeyDigest, KeyName, SESSIONS_PER_KEY, SessionDigest};
use zinc_ports::{
    ApiKeys, CreateKeyError, DashboardSessions, KeyChanges, KeyWatch, NewApiKey, NewSession,
    StoreError,
};

/// Keys in memory, and the changes to them, heard at once (unless [`MemoryKeys::deafen`]ed).
/// Clones share one store.
#[derive(Clone, Default)]
pub struct MemoryKeys {
    data: Arc<Mutex<Data>>,
}

#[derive(Default)]
struct Data {
    keys: Vec<(KeyDigest, ApiKey)>,
    sessions: Vec<Session>,
    deaf: bool,
    heard: u64,
    lookups: u64,
}

/// A session as stored: its key by the key's digest.
struct Session {
    opened: NewSession,
    ended_at: Option<DateTime<Utc>>,
}

impl MemoryKeys {
    /// No keys; changes heard.
    pub fn new() -> Self {
        MemoryKeys::default()
    }

    /// Stops hearing changes, as a listener whose connection is lost ([`KeyWatch::Deaf`]).
    pub fn deafen(&self) {
        let mut data = self.lock();
        data.deaf = true;
        data.heard += 1;
    }

    /// How many times the store was asked for a key or whether any exists.
    pub fn lookups(&self) -> u64 {
        self.lock().lookups
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl ApiKeys for MemoryKeys {
    async fn create_key(&self, key: &NewApiKey) -> Result<ApiKey, CreateKeyError> {
        let mut data = self.lock();
        if data
            .keys
            .iter()
            .any(|(digest, stored)| stored.name == key.name || *digest == key.digest)
        {
            return Err(CreateKeyError::Duplicate(key.name.clone()));
        }
        let created = ApiKey {
            name: key.name.clone(),
            scope: key.scope,
            created_at: key.created_at,
            last_used_at: None,
            revoked_at: None,
        };
        data.keys.push((key.digest, created.clone()));
        data.heard += 1;
        Ok(created)
    }

    async fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let mut keys: Vec<ApiKey> = self.lock().keys.iter().map(|(_, k)| k.clone()).collect();
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(keys)
    }

    async fn revoke_key(&self, name: &KeyName, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut data = self.lock();
        let Some((_, key)) = data
            .keys
            .iter_mut()
            .find(|(_, k)| k.name == *name && k.revoked_at.is_none())
        else {
            return Ok(false);
        };
        key.revoked_at = Some(at);
        data.heard += 1;
        Ok(true)
    }

    async fn find_active_key(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, StoreError> {
        let mut data = self.lock();
        data.lookups += 1;
        Ok(data
            .keys
            .iter()
            .find(|(d, k)| d == digest && k.revoked_at.is_none())
            .map(|(_, k)| k.clone()))
    }

    async fn any_active_key(&self) -> Result<bool, StoreError> {
        let mut data = self.lock();
        data.lookups += 1;
        Ok(data.keys.iter().any(|(_, k)| k.revoked_at.is_none()))
    }

    async fn mark_used(&self, name: &KeyName, at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some((_, key)) = self.lock().keys.iter_mut().find(|(_, k)| k.name == *name)
            && key.last_used_at.is_none_or(|last| last < at)
        {
            key.last_used_at = Some(at);
        }
        Ok(())
    }
}

#[async_trait]
impl DashboardSessions for MemoryKeys {
    async fn open_session(&self, session: &NewSession) -> Result<bool, StoreError> {
        let mut data = self.lock();
        data.sessions
            .retain(|s| s.opened.expires_at > session.created_at);
        let active = data
            .keys
            .iter()
            .any(|(d, k)| *d == session.key && k.revoked_at.is_none());
        if active {
            // The key's sessions, newest first (by opening, then by order of insertion, as the
            // table's ids go): all but the newest SESSIONS_PER_KEY - 1 are forgotten.
            let mut own: Vec<usize> = (0..data.sessions.len())
                .filter(|&at| data.sessions[at].opened.key == session.key)
                .collect();
            own.sort_by_key(|&at| std::cmp::Reverse((data.sessions[at].opened.created_at, at)));
            let mut forgotten: Vec<usize> = own.into_iter().skip(SESSIONS_PER_KEY - 1).collect();
            forgotten.sort_unstable_by(|a, b| b.cmp(a));
            for at in forgotten {
                data.sessions.remove(at);
            }
            data.sessions.push(Session {
                opened: session.clone(),
                ended_at: None,
            });
        }
        Ok(active)
    }

    async fn session_key(
        &self,
        digest: &SessionDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiKey>, StoreError> {
        let data = self.lock();
        let Some(session) = data.sessions.iter().find(|s| {
            s.opened.digest == *digest && s.ended_at.is_none() && s.opened.expires_at > now
        }) else {
            return Ok(None);
        };
        Ok(data
            .keys
            .iter()
            .find(|(d, k)| *d == session.opened.key && k.revoked_at.is_none())
            .map(|(_, k)| k.clone()))
    }

    async fn end_session(
        &self,
        digest: &SessionDigest,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut data = self.lock();
        let Some(session) = data.sessions.iter_mut().find(|s| {
            s.opened.digest == *digest && s.ended_at.is_none() && s.opened.expires_at > at
        }) else {
            return Ok(false);
        };
        session.ended_at = Some(at);
        Ok(true)
    }
}

impl KeyChanges for MemoryKeys {
    fn watch(&self) -> KeyWatch {
        let data = self.lock();
        if data.deaf {
            KeyWatch::Deaf
        } else {
            KeyWatch::Listening { heard: data.heard }
        }
    }
}
