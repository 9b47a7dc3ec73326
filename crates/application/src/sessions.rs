//! The dashboard's sessions ([`Sessions`]): a browser signs in with an API key and keeps a
//! session token instead of the key.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use thiserror::Error;
use tracing::instrument;
use zinc_domain::{KeyScope, KeySecret, SESSION_RANDOM_BYTES, SessionToken};
use zinc_ports::{DashboardSessions, NewSession, StoreError};

use crate::api_keys::{Access, Denied};

/// How long a dashboard session lasts unless configured otherwise (12 hours).
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// Why no session was opened.
#[derive(Debug, Error)]
pub enum OpenSessionError {
    /// The operating system gave no random bytes for the token.
    #[error("no randomness for a session token")]
    NoRandomness(#[source] getrandom::Error),
    /// The store could not be asked.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What tells the time (the system's clock, or a test's).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Opens, admits and ends the dashboard's sessions. A session is opened for an active key and
/// lasts its lifetime, unless signed out of or its key revoked before; its token is fresh
/// randomness, not derived from the key's text, so that neither tells the other.
pub struct Sessions {
    store: Arc<dyn DashboardSessions>,
    lifetime: Duration,
    clock: Clock,
}

impl Sessions {
    /// Sessions kept in `store`, each lasting `lifetime` (at least a second).
    pub fn new(store: Arc<dyn DashboardSessions>, lifetime: Duration) -> Self {
        Sessions {
            store,
            lifetime: lifetime.max(Duration::from_secs(1)),
            clock: Arc::new(Utc::now),
        }
    }

    /// The same, telling the time by `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// How long a session lasts.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Opens a session for `key` (which the caller admitted); its token, or `None` when the
    /// key is not active (revoked meanwhile).
    #[instrument(skip_all)]
    pub async fn open(&self, key: &KeySecret) -> Result<Option<SessionToken>, OpenSessionError> {
        let mut random = [0; SESSION_RANDOM_BYTES];
        getrandom::fill(&mut random).map_err(OpenSessionError::NoRandomness)?;
        let token = SessionToken::from_random(random);
        let created_at = (self.clock)();
        let expires_at = TimeDelta::from_std(self.lifetime)
            .ok()
            .and_then(|lifetime| created_at.checked_add_signed(lifetime))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let opened = self
            .store
            .open_session(&NewSession {
                digest: token.digest(),
                key: key.digest(),
                created_at,
                expires_at,
            })
            .await?;
        Ok(opened.then_some(token))
    }

    /// Admits a browser presenting the session token `token` to something that needs
    /// `needed`: [`Denied::Invalid`] unless the token is of an open session whose key is
    /// active (checked without the store when it is no token at all).
    #[instrument(skip_all)]
    pub async fn admit(&self, token: &str, needed: KeyScope) -> Result<Access, Denied> {
        let token = SessionToken::parse(token).map_err(|_| Denied::Invalid)?;
        let key = self
            .store
            .session_key(&token.digest(), (self.clock)())
            .await?
            .ok_or(Denied::Invalid)?;
        Access::granted(key, needed)
    }

    /// Ends the session of `token` (signing out); false when it was not open (or is no
    /// token).
    #[instrument(skip_all)]
    pub async fn end(&self, token: &str) -> Result<bool, StoreError> {
        let Ok(token) = SessionToken::parse(token) else {
            return Ok(false);
        };
        self.store
            .end_session(&token.digest(), (self.clock)())
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use chrono::TimeZone;
    use zinc_domain::{KEY_RANDOM_BYTES, KeyName};
    use zinc_ports::{ApiKeys, NewApiKey};
    use zinc_testkit::MemoryKeys;

    use super::*;

    const LIFETIME: Duration = Duration::from_secs(600);

    /// A clock that stands still until moved, in seconds from a fixed start.
    fn manual_clock() -> (Clock, Arc<AtomicI64>) {
        let seconds = Arc::new(AtomicI64::new(0));
        let start = Utc
            .with_ymd_and_hms(2026, 12, 5, 9, 0, 0)
            .single()
            .expect("a valid time");
        let read = seconds.clone();
        let clock: Clock =
            Arc::new(move || start + TimeDelta::seconds(read.load(Ordering::SeqCst)));
        (clock, seconds)
    }

    async fn with_key(keys: &MemoryKeys, name: &str, scope: KeyScope) -> KeySecret {
        let secret = KeySecret::from_random([name.len() as u8; KEY_RANDOM_BYTES]);
        keys.create_key(&NewApiKey {
            name: KeyName::parse(name).unwrap(),
            scope,
            digest: secret.digest(),
            created_at: Utc::now(),
        })
        .await
        .unwrap();
        secret
    }

    #[tokio::test]
    async fn a_session_expires_after_its_lifetime() {
        let keys = MemoryKeys::new();
        let secret = with_key(&keys, "reader", KeyScope::Read).await;
        let (clock, seconds) = manual_clock();
        let sessions = Sessions::new(Arc::new(keys), LIFETIME).with_clock(clock);
        let token = sessions.open(&secret).await.unwrap().unwrap();

        seconds.store(LIFETIME.as_secs() as i64 - 1, Ordering::SeqCst);
        assert!(sessions.admit(token.expose(), KeyScope::Read).await.is_ok());
        seconds.store(LIFETIME.as_secs() as i64, Ordering::SeqCst);
        assert!(matches!(
            sessions.admit(token.expose(), KeyScope::Read).await,
            Err(Denied::Invalid)
        ));
    }

    #[tokio::test]
    async fn a_session_token_is_fresh_randomness_not_the_key() {
        let keys = MemoryKeys::new();
        let secret = with_key(&keys, "uploads", KeyScope::Write).await;
        let sessions = Sessions::new(Arc::new(keys), LIFETIME);
        let first = sessions.open(&secret).await.unwrap().unwrap();
        let second = sessions.open(&secret).await.unwrap().unwrap();
        assert_ne!(first.expose(), second.expose());
        assert!(!first.expose().contains(secret.expose()));
        assert!(!first.expose().contains(&secret.expose()[5..20]));
        assert!(
            matches!(
                sessions.admit(secret.expose(), KeyScope::Read).await,
                Err(Denied::Invalid)
            ),
            "the key itself is no session token"
        );
    }

    #[tokio::test]
    async fn a_read_keys_session_may_not_write_and_an_ended_one_admits_nobody() {
        let keys = MemoryKeys::new();
        let secret = with_key(&keys, "reader", KeyScope::Read).await;
        let sessions = Sessions::new(Arc::new(keys), LIFETIME);
        let token = sessions.open(&secret).await.unwrap().unwrap();
        assert!(matches!(
            sessions.admit(token.expose(), KeyScope::Write).await,
            Err(Denied::Forbidden {
                needed: KeyScope::Write,
                ..
            })
        ));
        assert!(sessions.end(token.expose()).await.unwrap());
        assert!(matches!(
            sessions.admit(token.expose(), KeyScope::Read).await,
            Err(Denied::Invalid)
        ));
        assert!(!sessions.end("not a token").await.unwrap());
    }

    #[tokio::test]
    async fn no_session_opens_for_a_revoked_key() {
        let keys = MemoryKeys::new();
        let secret = with_key(&keys, "gone", KeyScope::Read).await;
        keys.revoke_key(&KeyName::parse("gone").unwrap(), Utc::now())
            .await
            .unwrap();
        let sessions = Sessions::new(Arc::new(keys), LIFETIME);
        assert!(sessions.open(&secret).await.unwrap().is_none());
    }
}
