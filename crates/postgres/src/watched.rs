//! `WatchedFiles` on PostgreSQL: a claim is a session-level advisory lock keyed by the file's
//! digest, held on a connection of its own (taken from the pool and closed afterwards, never
//! handed back still holding the lock). A watcher killed mid-import loses its connection, and
//! PostgreSQL releases the lock at once: nothing is left to expire. Whether the bytes were seen
//! is read from `imports` (its `sha256` and `source`) once the lock is held, so an import
//! recorded by the lock's previous holder is seen; the import itself is one transaction, so a
//! killed watcher leaves no record and the file is claimed and imported afresh.
//!
//! Not a transaction-scoped lock: the claim is held while the import runs on another
//! connection, and a connection idle in a transaction that long would be ended by
//! `idle_in_transaction_session_timeout`, releasing the lock mid-import.

use async_trait::async_trait;
use sea_orm::sqlx::Postgres;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::{QueryResult, Value};
use tracing::{instrument, warn};
use zinc_domain::{FileDigest, ImportId};
use zinc_ports::{ClaimedFile, FileClaim, StoreError, WatchedFiles};

use crate::Database;
use crate::database::Reach;
use crate::error::{sqlx_error, within};
use crate::sql::{Fixed, get, on_sqlx};

/// Tries the lock of key `$1` for this session; `claimed` says whether it was taken.
const TRY_LOCK: Fixed<1> = Fixed::new("SELECT pg_try_advisory_lock($1) AS claimed");

/// Gives the lock of key `$1` up.
const UNLOCK: Fixed<1> = Fixed::new("SELECT pg_advisory_unlock($1) AS released");

/// The import of the bytes of digest `$1` that makes them seen: one that succeeded, through
/// any door, or one a watcher recorded; a success first, then the newest.
const SEEN: Fixed<1> = Fixed::new(
    "SELECT id FROM imports \
     WHERE sha256 = $1 AND status <> 'running' AND (status = 'succeeded' OR source = 'watch') \
     ORDER BY status = 'succeeded' DESC, id DESC LIMIT 1",
);

/// Claims watched files by digest through PostgreSQL.
#[derive(Clone)]
pub struct PostgresWatchedFiles {
    reach: Reach,
}

impl PostgresWatchedFiles {
    /// Claims taken through `db` (one connection each while held).
    pub fn new(db: impl Into<Database>) -> Self {
        PostgresWatchedFiles {
            reach: Reach::new(db),
        }
    }

    /// The same, waiting at most `reply_timeout` for any answer.
    pub fn with_reply_timeout(mut self, reply_timeout: std::time::Duration) -> Self {
        self.reach.reply_timeout = reply_timeout;
        self
    }
}

/// The advisory lock key of `digest`: its first 64 bits. Zinc's other advisory keys spell
/// words in ASCII; a collision with them, or between two files, only makes a claim wait.
fn lock_key(digest: &FileDigest) -> i64 {
    let high = u64::from_str_radix(&digest.as_str()[..16], 16).unwrap_or_default();
    i64::from_ne_bytes(high.to_ne_bytes())
}

#[async_trait]
impl WatchedFiles for PostgresWatchedFiles {
    #[instrument(skip_all, fields(sha256 = %digest))]
    async fn claim(&self, digest: &FileDigest) -> Result<FileClaim, StoreError> {
        let limit = self.reach.reply_timeout;
        let pool = self.reach.db.get_postgres_connection_pool();
        let mut connection =
            within(limit, async { pool.acquire().await.map_err(sqlx_error) }).await?;
        // Whatever happens next, this connection never goes back to the pool: it may hold the
        // lock.
        connection.close_on_drop();
        let key = lock_key(digest);
        let claimed = within(limit, async {
            let row = on_sqlx(&TRY_LOCK.with([Value::from(key)]))
                .fetch_one(&mut *connection)
                .await
                .map_err(sqlx_error)?;
            get::<bool>(&QueryResult::from(row), "claimed")
        })
        .await?;
        if !claimed {
            return Ok(FileClaim::Busy);
        }
        let seen = within(limit, async {
            let row = on_sqlx(&SEEN.with([Value::from(digest.as_str())]))
                .fetch_optional(&mut *connection)
                .await
                .map_err(sqlx_error)?;
            row.map(|row| get::<i64>(&QueryResult::from(row), "id"))
                .transpose()
        })
        .await?;
        let claim = Box::new(PostgresClaim {
            connection,
            key,
            limit,
        });
        match seen {
            Some(id) => {
                claim.release().await?;
                Ok(FileClaim::Seen(ImportId::new(id)))
            }
            None => Ok(FileClaim::Claimed(claim)),
        }
    }
}

/// A held claim: the connection holding the lock.
struct PostgresClaim {
    connection: PoolConnection<Postgres>,
    key: i64,
    limit: std::time::Duration,
}

#[async_trait]
impl ClaimedFile for PostgresClaim {
    async fn release(mut self: Box<Self>) -> Result<(), StoreError> {
        let released = within(self.limit, async {
            let row = on_sqlx(&UNLOCK.with([Value::from(self.key)]))
                .fetch_one(&mut *self.connection)
                .await
                .map_err(sqlx_error)?;
            get::<bool>(&QueryResult::from(row), "released")
        })
        .await?;
        if !released {
            warn!("a watched file's claim was already gone when released");
        }
        // Dropping the connection closes it (see `claim`).
        Ok(())
    }
}
