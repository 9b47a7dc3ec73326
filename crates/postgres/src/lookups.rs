//! Connections one HTTP worker keeps for its one-statement lookups: its lookup
//! connections.
//!
//! sqlx's pool pings every connection it takes back (one more round trip per statement), and a
//! pooled connection serves whichever worker asks while its socket stays registered with the
//! runtime that opened it, which that runtime must then wake. They are made by one worker,
//! opens its connections on that worker's runtime when first needed, and takes them back
//! without a word to the server. What the ping guarded against is handled here instead:
//! - a statement interrupted mid-answer (its request dropped, or out of time) leaves unread
//!   messages on its connection, which is then discarded, never reused;
//! - a statement that failed discards its connection too (it may be broken);
//! - a connection not handed out for `database::PING_WHEN_IDLE_FOR` is pinged before it is used
//!   again, as the shared pool does (a server restart still costs one request per connection
//!   used more recently than that);
//! - a connection older than [`MAX_LIFETIME`] is closed and replaced, as sqlx's pool does by
//!   default, so that they follow a moved database;
//! - a request waits at most the acquire timeout for a connection, opening one included, and
//!   not having one is `Unavailable` (a 503), whatever the reason.
//!
//! Unlike the shared pool, lookup connections do not close idle connections (a worker keeps as many as it
//! last needed at once) and does not retry a failed connect within the wait.

use std::str::FromStr;
use std::time::Duration;

use deadpool::Runtime;
use deadpool::managed::{self, Metrics, Object, PoolError, RecycleError, RecycleResult};
use sea_orm::Statement;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgRow};
use sea_orm::sqlx::{self, ConnectOptions, Connection, PgConnection};
use zinc_ports::StoreError;

use crate::database::{PING_WHEN_IDLE_FOR, PoolSettings};
use crate::error::sqlx_error;
use crate::sql::on_sqlx;

/// The oldest a lookup connection gets (sqlx's pool default).
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A worker's own connections to the database, at most as many as it was given.
#[derive(Clone)]
pub struct LookupConnections {
    connections: managed::Pool<Opener>,
    /// The longest a request waits for a connection.
    wait: Duration,
}

impl std::fmt::Debug for LookupConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.connections.status();
        f.debug_struct("LookupConnections")
            .field("size", &status.size)
            .field("max_size", &status.max_size)
            .finish()
    }
}

/// Opens and vets lookup connections.
struct Opener {
    options: PgConnectOptions,
}

/// A lookup connection, and whether a statement on it was left unfinished.
struct LookupConnection {
    connection: PgConnection,
    unfinished: bool,
}

impl managed::Manager for Opener {
    type Type = LookupConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<LookupConnection, sqlx::Error> {
        let connection = PgConnection::connect_with(&self.options).await?;
        Ok(LookupConnection {
            connection,
            unfinished: false,
        })
    }

    async fn recycle(
        &self,
        connection: &mut LookupConnection,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        if connection.unfinished {
            return Err(RecycleError::message(
                "a statement on it was left unfinished",
            ));
        }
        if metrics.age() >= MAX_LIFETIME {
            return Err(RecycleError::message("past its lifetime"));
        }
        if metrics.last_used() >= PING_WHEN_IDLE_FOR {
            connection.connection.ping().await?;
        }
        Ok(())
    }
}

impl LookupConnections {
    /// Lookup connections, at most `settings.max_connections` connections to `url`, opened as the shared
    /// pool opens its own (the session's timeouts from `settings`, statements not logged by
    /// sqlx). Opens nothing yet; a request waits at most `settings.acquire_timeout`
    /// for a connection, as from the shared pool.
    pub fn new(url: &str, settings: &PoolSettings) -> Result<LookupConnections, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(sqlx_error)?
            .options(settings.session_options())
            .disable_statement_logging();
        let connections = managed::Pool::builder(Opener { options })
            .max_size(settings.max_connections.max(1) as usize)
            // Each step's own bound; `all` bounds the three together.
            .wait_timeout(Some(settings.acquire_timeout))
            .create_timeout(Some(settings.acquire_timeout))
            .recycle_timeout(Some(settings.acquire_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|error| StoreError::Failed(Box::new(error)))?;
        Ok(LookupConnections {
            connections,
            wait: settings.acquire_timeout,
        })
    }

    /// The rows of `statement`, run on one of the connections, as sqlx reads them (to be read
    /// by position: see [`crate::sql::get_at`]).
    pub(crate) async fn all(&self, statement: &Statement) -> Result<Vec<PgRow>, StoreError> {
        // One bound for waiting, vetting idle connections and opening one.
        let mut connection = tokio::time::timeout(self.wait, self.connections.get())
            .await
            .map_err(|_| unavailable(PoolError::Timeout(managed::TimeoutType::Wait)))?
            .map_err(unavailable)?;
        // Until the answer is read whole: dropped before then, the connection is discarded.
        connection.unfinished = true;
        let rows = on_sqlx(statement)
            .fetch_all(&mut connection.connection)
            .await;
        match rows {
            Ok(rows) => {
                connection.unfinished = false;
                Ok(rows)
            }
            Err(error) => {
                // Not taken back: the next request opens a fresh connection.
                drop(Object::take(connection));
                Err(sqlx_error(error))
            }
        }
    }

    /// How many connections the lookups holds now, and at most.
    pub fn size(&self) -> (usize, usize) {
        let status = self.connections.status();
        (status.size, status.max_size)
    }
}

/// A connection that could not be had (the database unreachable or refusing, or every
/// connection busy for the whole wait): try again later, as with the shared pool.
fn unavailable(error: PoolError<sqlx::Error>) -> StoreError {
    StoreError::Unavailable(Box::new(error))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use sea_orm::sqlx::Row;
    use sea_orm::{ConnectionTrait, DbBackend};
    use zinc_testkit::TestDatabase;

    use super::*;

    fn statement(sql: &str) -> Statement {
        Statement::from_string(DbBackend::Postgres, sql)
    }

    /// The server process behind the lookups's next connection.
    async fn backend(lookups: &LookupConnections) -> i32 {
        let rows = lookups
            .all(&statement("SELECT pg_backend_pid() AS pid"))
            .await
            .unwrap();
        rows[0].try_get("pid").unwrap()
    }

    fn lookups(database: &TestDatabase, size: u32, wait: Duration) -> LookupConnections {
        let settings = PoolSettings {
            max_connections: size,
            acquire_timeout: wait,
            ..PoolSettings::default()
        };
        LookupConnections::new(database.url(), &settings).unwrap()
    }

    #[tokio::test]
    async fn a_finished_statement_gives_its_connection_back_for_the_next() {
        let database = TestDatabase::empty().await;
        let lookups = lookups(&database, 1, Duration::from_secs(5));
        let first = backend(&lookups).await;
        assert_eq!(backend(&lookups).await, first);
        assert_eq!(lookups.size(), (1, 1));
    }

    #[tokio::test]
    async fn an_interrupted_statement_discards_its_connection() {
        let database = TestDatabase::empty().await;
        let lookups = lookups(&database, 1, Duration::from_secs(5));
        let first = backend(&lookups).await;
        let slow = statement("SELECT pg_sleep(5)");
        let interrupted =
            tokio::time::timeout(Duration::from_millis(200), lookups.all(&slow)).await;
        assert!(
            interrupted.is_err(),
            "the statement was meant to be cut short"
        );
        assert_ne!(backend(&lookups).await, first);
    }

    #[tokio::test]
    async fn a_failed_statement_discards_its_connection() {
        let database = TestDatabase::empty().await;
        let lookups = lookups(&database, 1, Duration::from_secs(5));
        let first = backend(&lookups).await;
        let failed = lookups.all(&statement("SELECT 1 / 0")).await;
        assert!(matches!(failed, Err(StoreError::Failed(_))), "{failed:?}");
        assert_ne!(backend(&lookups).await, first);
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_costs_one_request_not_the_others() {
        let database = TestDatabase::empty().await;
        let lookups = lookups(&database, 1, Duration::from_secs(5));
        let first = backend(&lookups).await;
        database
            .connection()
            .execute_unprepared(&format!("SELECT pg_terminate_backend({first})"))
            .await
            .unwrap();
        let lost = lookups.all(&statement("SELECT 1")).await;
        assert!(matches!(lost, Err(StoreError::Unavailable(_))), "{lost:?}");
        assert_ne!(backend(&lookups).await, first);
    }

    #[tokio::test]
    async fn a_request_waits_for_busy_lookup_connections_at_most_the_acquire_timeout() {
        let database = TestDatabase::empty().await;
        let lookups = lookups(&database, 1, Duration::from_millis(300));
        backend(&lookups).await;
        let busy = lookups.clone();
        let holder = tokio::spawn(async move { busy.all(&statement("SELECT pg_sleep(3)")).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let waited = lookups.all(&statement("SELECT 1")).await;
        assert!(
            matches!(waited, Err(StoreError::Unavailable(_))),
            "{waited:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        holder.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_lookup_connection_has_the_session_settings_of_the_shared_pool() {
        let database = TestDatabase::empty().await;
        let settings = PoolSettings {
            statement_timeout: Duration::from_millis(1234),
            ..PoolSettings::default()
        };
        let lookups = LookupConnections::new(database.url(), &settings).unwrap();
        let rows = lookups
            .all(&statement(
                "SELECT current_setting('statement_timeout') AS timeout",
            ))
            .await
            .unwrap();
        let timeout: String = rows[0].try_get("timeout").unwrap();
        assert_eq!(timeout, "1234ms");
    }

    #[tokio::test]
    async fn a_database_that_refuses_the_connection_is_unavailable_not_a_failure() {
        let database = TestDatabase::empty().await;
        let missing = database
            .url()
            .replace(database.name(), "zinc_no_such_database");
        let lookups = LookupConnections::new(&missing, &PoolSettings::default()).unwrap();
        let refused = lookups.all(&statement("SELECT 1")).await;
        assert!(
            matches!(refused, Err(StoreError::Unavailable(_))),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn lookup_connections_open_no_more_than_their_size() {
        let database = TestDatabase::empty().await;
        let lookups = lookups(&database, 2, Duration::from_secs(5));
        let sleep = statement("SELECT pg_sleep(0.2)");
        let answers = futures_util::future::join_all((0..5).map(|_| lookups.all(&sleep))).await;
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        assert_eq!(lookups.size(), (2, 2));
    }
}
