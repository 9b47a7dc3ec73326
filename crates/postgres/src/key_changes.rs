//! Changes to the API keys, heard ([`KeyChanges`]): a trigger on `api_keys` notifies the
//! channel [`KEY_CHANNEL`] when a key is created, revoked or deleted (migration
//! `notify_api_key_changes`), and a listener on a connection of its own (not one of the pool's,
//! which requests need) counts what it hears.
//!
//! The gatekeeper remembers keys while the count stays the same. The listener says it is
//! listening only once subscribed; from the moment it finds its connection lost (or failing)
//! until it is subscribed again on a new one, it says [`KeyWatch::Deaf`], and the count moves
//! on, so that nothing remembered before the loss is trusted as if every change had been heard.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use tracing::{debug, warn};
use zinc_ports::{KeyChanges, KeyWatch};

use crate::Database;

/// The channel the trigger on `api_keys` notifies.
pub const KEY_CHANNEL: &str = "zinc_api_keys";

/// Pause before the listener tries again after failing to listen.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Hears changes to the keys through a listener (spawned on the current tokio runtime; it
/// stops once every clone is dropped or the pool is closed). Cheap to clone.
#[derive(Debug, Clone)]
pub struct PostgresKeyChanges {
    heard: Arc<Mutex<Heard>>,
}

/// What the listener knows.
#[derive(Debug, Default)]
struct Heard {
    /// Whether it is subscribed (so that a change will be heard).
    listening: bool,
    /// Notifications heard, subscriptions and losses: each moves it on.
    count: u64,
}

impl PostgresKeyChanges {
    /// Starts listening on one more connection to `db`'s database, opened with the same
    /// options as its pool's; [`KeyWatch::Deaf`] until subscribed.
    pub fn listening(db: impl Into<Database>) -> Self {
        let db = db.into();
        let heard = Arc::new(Mutex::new(Heard::default()));
        let shared = db.sqlx_pool().clone();
        let own = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(shared.options().get_acquire_timeout())
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with((*shared.connect_options()).clone());
        tokio::spawn(listen(own, shared, Arc::downgrade(&heard)));
        PostgresKeyChanges { heard }
    }
}

impl KeyChanges for PostgresKeyChanges {
    fn watch(&self) -> KeyWatch {
        let heard = lock(&self.heard);
        if heard.listening {
            KeyWatch::Listening { heard: heard.count }
        } else {
            KeyWatch::Deaf
        }
    }
}

fn lock(heard: &Mutex<Heard>) -> std::sync::MutexGuard<'_, Heard> {
    // A panic while holding the lock leaves plain data behind: still usable.
    heard
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets whether the listener is subscribed; either way, the count moves on.
fn set_listening(heard: &Weak<Mutex<Heard>>, listening: bool) -> bool {
    let Some(heard) = heard.upgrade() else {
        return false;
    };
    let mut heard = lock(&heard);
    heard.listening = listening;
    heard.count += 1;
    true
}

/// Listens on `own` while `heard` is wanted and the `shared` pool is open, subscribing again on
/// a new connection whenever the one listening is lost.
async fn listen(own: PgPool, shared: PgPool, heard: Weak<Mutex<Heard>>) {
    listen_while_wanted(&own, &shared, &heard).await;
    own.close().await;
}

async fn listen_while_wanted(pool: &PgPool, shared: &PgPool, heard: &Weak<Mutex<Heard>>) {
    while heard.strong_count() > 0 && !shared.is_closed() {
        let mut listener = match PgListener::connect_with(pool).await {
            Ok(listener) => listener,
            Err(error) => {
                debug!(%error, "cannot listen for changes to the API keys; trusting keys briefly");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        // A lost connection is reported at once, not after reconnecting unseen.
        listener.eager_reconnect(false);
        if let Err(error) = listener.listen(KEY_CHANNEL).await {
            debug!(%error, "cannot listen for changes to the API keys; trusting keys briefly");
            tokio::time::sleep(RETRY_AFTER).await;
            continue;
        }
        // Subscribed: from now on every change is heard (or the loss of the connection is).
        if !set_listening(heard, true) {
            return;
        }
        loop {
            // Not cancelled midway (a notification could be lost): it ends with a notification,
            // a lost connection or an error, and then the owners are checked.
            match listener.try_recv().await {
                Ok(Some(_)) => {
                    let Some(heard) = heard.upgrade() else {
                        return;
                    };
                    lock(&heard).count += 1;
                }
                // The connection dropped: subscribe again on a new one at once.
                Ok(None) => {
                    warn!(
                        "lost the connection listening for changes to the API keys; listening again"
                    );
                    set_listening(heard, false);
                    break;
                }
                Err(error) => {
                    warn!(%error, "listening for changes to the API keys failed; trusting keys briefly");
                    set_listening(heard, false);
                    tokio::time::sleep(RETRY_AFTER).await;
                    break;
                }
            }
        }
    }
}
