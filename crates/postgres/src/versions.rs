//! The sales data's version ([`DataVersions`]), read from the row a trigger on `imports`
//! replaces in every succeeded import's transaction (migration `create_sales_data_version`).
//!
//! Every GET on the sales data asks for it (to tag its answer), so [`PostgresDataVersions::
//! watching`] keeps it in memory: the trigger also sends the new version as a notification
//! (migration `notify_sales_data_version`), which a listener on its own connection takes in as
//! soon as the import commits. Whenever the listener is not known to be listening (starting,
//! reconnecting after its connection dropped, or any notification lost), nothing is remembered
//! and the row is read; a remembered version is also read again after [`MAX_REMEMBERED`], which
//! bounds how long any missed change (a restored backup sends no notification) can go unseen.
//!
//! With reads on a replica ([`PostgresDataVersions::telling`]), the version is still read and
//! heard on the primary (a standby can neither take a trigger's write nor `LISTEN`), with the
//! primary's WAL position beside it: a version not seen before raises the replica's target to
//! that position, so that the reads answering under that version wait for the replica to have
//! replayed it, or go to the primary (see `replica.rs`), and no answer cached under a version
//! comes from data older than it. A notification then only makes the version be read again
//! (with its position) rather than remembered from the payload.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tracing::{debug, instrument, warn};
use zinc_ports::{DataVersion, DataVersions, StoreError};

use crate::database::{Database, Reach};
use crate::error::{Inconsistency, store_error, within};
use crate::replica::Replication;
use crate::sql::{Fixed, get};

/// The channel the trigger notifies with the new version as payload.
pub const VERSION_CHANNEL: &str = "zinc_sales_data_version";

/// The longest a remembered version is served without reading the row again.
pub const MAX_REMEMBERED: Duration = Duration::from_secs(10);

/// The version, from the row the trigger replaces.
const CURRENT_VERSION: Fixed<0> =
    Fixed::new("SELECT version::text AS version FROM sales_data_version");

/// The version and the primary's WAL position after it (see `replica.rs` for which position).
const CURRENT_VERSION_AND_POSITION: Fixed<0> = Fixed::new(
    "SELECT version::text AS version, \
     (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS position FROM sales_data_version",
);

/// Pause before the listener tries again after failing to listen.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Reads the sales data's version; see the module documentation. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PostgresDataVersions {
    reach: Reach,
    /// What is remembered, when a listener keeps it current.
    memory: Option<Arc<Mutex<Memory>>>,
    /// Told of each new version's position, when reads may go to a replica; with the last
    /// version it was told of.
    replication: Option<(Replication, Arc<Mutex<Option<DataVersion>>>)>,
}

/// The remembered version and what the listener knows.
#[derive(Debug)]
struct Memory {
    /// The version and when it was learnt.
    version: Option<(DataVersion, Instant)>,
    /// Whether the listener is subscribed (so that a change will be heard).
    listening: bool,
    /// Bumped by every notification, loss of the listener or forgetting: a version read from
    /// the row is remembered only if no such event happened while it was read.
    generation: u64,
    /// Whether a notification's payload is remembered as the version (not when the version
    /// must be read with its position, for a replica).
    from_payload: bool,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            version: None,
            listening: false,
            generation: 0,
            from_payload: true,
        }
    }
}

impl Memory {
    fn forget(&mut self) {
        self.version = None;
        self.generation += 1;
    }
}

impl PostgresDataVersions {
    /// Reads the row on every call.
    pub fn new(db: impl Into<Database>) -> Self {
        PostgresDataVersions {
            reach: Reach::new(db),
            memory: None,
            replication: None,
        }
    }

    /// Remembers the version, kept current by a listener on a connection of `db`'s pool
    /// (spawned on the current tokio runtime; it stops once every clone is dropped).
    pub fn watching(db: impl Into<Database>) -> Self {
        let reach = Reach::new(db);
        let memory = Arc::new(Mutex::new(Memory::default()));
        tokio::spawn(listen(reach.db.clone(), Arc::downgrade(&memory)));
        PostgresDataVersions {
            reach,
            memory: Some(memory),
            replication: None,
        }
    }

    /// The same, raising `replication`'s target to the primary's position whenever a version
    /// not seen before is read (see the module's documentation).
    pub fn telling(mut self, replication: Replication) -> Self {
        self.replication = Some((replication, Arc::new(Mutex::new(None))));
        if let Some(memory) = &self.memory {
            let mut memory = lock(memory);
            memory.from_payload = false;
            memory.forget();
        }
        self
    }

    /// The same, waiting at most `reply_timeout` for the database.
    pub fn with_reply_timeout(mut self, reply_timeout: Duration) -> Self {
        self.reach.reply_timeout = reply_timeout;
        self
    }

    /// Whether a version is remembered now (for tests and diagnostics).
    pub fn remembers(&self) -> bool {
        self.memory.as_ref().is_some_and(|memory| {
            lock(memory)
                .version
                .as_ref()
                .is_some_and(|(_, at)| at.elapsed() < MAX_REMEMBERED)
        })
    }

    async fn read(&self) -> Result<DataVersion, StoreError> {
        let query = match self.replication {
            None => CURRENT_VERSION.with([]),
            Some(_) => CURRENT_VERSION_AND_POSITION.with([]),
        };
        let row = within(self.reach.reply_timeout, async {
            self.reach
                .db
                .query_one_raw(query)
                .await
                .map_err(store_error)
        })
        .await?
        .ok_or_else(|| Inconsistency::unexpected("sales_data_version has no row"))?;
        let version = DataVersion::new(get::<String>(&row, "version")?);
        if let Some((replication, told)) = &self.replication {
            let position: i64 = get(&row, "position")?;
            let mut told = told.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if told.as_ref() != Some(&version) {
                // Raised before the version is remembered as told: a read that finds it told
                // finds the target raised.
                replication.raise_target(u64::try_from(position).unwrap_or(0));
                *told = Some(version.clone());
            }
        }
        Ok(version)
    }
}

fn lock(memory: &Mutex<Memory>) -> std::sync::MutexGuard<'_, Memory> {
    // A panic while holding the lock leaves plain data behind: still usable.
    memory
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl DataVersions for PostgresDataVersions {
    #[instrument(skip_all)]
    async fn current_version(&self) -> Result<DataVersion, StoreError> {
        let Some(memory) = &self.memory else {
            return self.read().await;
        };
        let generation = {
            let memory = lock(memory);
            if let Some((version, at)) = &memory.version
                && at.elapsed() < MAX_REMEMBERED
            {
                return Ok(version.clone());
            }
            memory.generation
        };
        let version = self.read().await?;
        let mut memory = lock(memory);
        if memory.listening && memory.generation == generation {
            memory.version = Some((version.clone(), Instant::now()));
        }
        Ok(version)
    }

    fn forget(&self) {
        if let Some(memory) = &self.memory {
            lock(memory).forget();
        }
    }
}

/// Listens for new versions while `memory` is wanted, remembering each one heard and
/// forgetting whenever a notification may have been missed.
async fn listen(db: DatabaseConnection, memory: Weak<Mutex<Memory>>) {
    let pool = db.get_postgres_connection_pool().clone();
    while memory.strong_count() > 0 && !pool.is_closed() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                debug!(%error, "cannot listen for new data versions; reading them instead");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        // A lost connection must be said at once (`Ok(None)`), so that nothing is served from
        // memory meanwhile: since sqlx 0.9.1 an eager listener instead retries connecting
        // inside `try_recv` until it succeeds or the pool times out.
        listener.eager_reconnect(false);
        if let Err(error) = listener.listen(VERSION_CHANNEL).await {
            debug!(%error, "cannot listen for new data versions; reading them instead");
            tokio::time::sleep(RETRY_AFTER).await;
            continue;
        }
        // Subscribed: from now on every change is heard (or the loss of the connection is).
        match memory.upgrade() {
            Some(memory) => {
                let mut memory = lock(&memory);
                memory.forget();
                memory.listening = true;
            }
            None => return,
        }
        loop {
            // Not cancelled midway (a notification could be lost): it ends with a notification,
            // a lost connection or an error, and then the memory's owners are checked.
            let heard = listener.try_recv().await;
            let Some(memory) = memory.upgrade() else {
                return;
            };
            let mut memory = lock(&memory);
            match heard {
                Ok(Some(notification)) => {
                    memory.forget();
                    if memory.from_payload {
                        memory.version =
                            Some((DataVersion::new(notification.payload()), Instant::now()));
                    }
                }
                // The connection dropped (and came back): changes may have been missed.
                Ok(None) => memory.forget(),
                Err(error) => {
                    warn!(%error, "listening for new data versions failed; reading them instead");
                    memory.forget();
                    memory.listening = false;
                    break;
                }
            }
        }
        tokio::time::sleep(RETRY_AFTER).await;
    }
}
