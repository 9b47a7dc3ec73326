//! Connecting, creating the database when it is missing, and migrating; and what the
//! transactions of imports and rollup rebuilds share (their lock, their statement bound, their
//! sort memory).

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DbErr, RuntimeErr, TransactionTrait,
};
use zinc_migration::{Migrator, MigratorTrait};

use zinc_ports::StoreError;

use crate::error::{DUPLICATE_DATABASE, UNIQUE_VIOLATION, past_bound, sqlstate};
use crate::sql::Fixed;

/// A pool of connections to Zinc's database, which every adapter of this crate is built on.
/// Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Database(pub(crate) DatabaseConnection);

impl Database {
    /// Closes the pool's connections.
    pub async fn close(self) -> Result<(), DatabaseError> {
        Ok(self.0.close().await?)
    }

    /// The sqlx pool underneath, for a tool that runs sqlx alone (the benchmark's bare
    /// server, `crates/app/examples/bare_order_lookup.rs`).
    pub fn sqlx_pool(&self) -> &sea_orm::sqlx::PgPool {
        self.0.get_postgres_connection_pool()
    }
}

/// A pool opened elsewhere (test support opens its own).
impl From<DatabaseConnection> for Database {
    fn from(connection: DatabaseConnection) -> Self {
        Database(connection)
    }
}

/// The pool an adapter works through, how long it waits for any answer before it gives a
/// connection up for lost, and the bound of its bulk work (whose statements wait longer).
#[derive(Debug, Clone)]
pub(crate) struct Reach {
    pub(crate) db: DatabaseConnection,
    pub(crate) reply_timeout: Duration,
    pub(crate) bulk: BulkBound,
}

impl Reach {
    /// Through `db`, waiting the default [`PoolSettings::reply_timeout`], bulk work under the
    /// default [`BulkBound`].
    pub(crate) fn new(db: impl Into<Database>) -> Reach {
        let defaults = PoolSettings::default();
        Reach {
            db: db.into().0,
            reply_timeout: defaults.reply_timeout(),
            bulk: defaults.bulk_bound(UNNAMED_BULK_BOUND),
        }
    }
}

/// How the bulk bound is called when its setting was not named.
const UNNAMED_BULK_BOUND: &str = "the bulk statement timeout";

/// The bound of bulk work: a transaction running set-based statements over a whole file or
/// table (an import's writes, a revert, pruning replaced versions, a rollup check or rebuild),
/// each of which may run far longer than a request's. Built by [`PoolSettings::bulk_bound`].
#[derive(Debug, Clone, Copy)]
pub struct BulkBound {
    /// The longest one statement may run (`statement_timeout`, local to the transaction).
    pub(crate) statement_timeout: Duration,
    /// How long the client waits for the answer to such a statement.
    pub(crate) reply_timeout: Duration,
    /// What sets the bound, named when a statement outlasts it.
    pub(crate) setting: &'static str,
}

impl BulkBound {
    /// The settings of a bulk transaction, local to it: its statement bound, memory for its
    /// sorts and hashes (`work_mem`), and no JIT compilation. Right after a bulk load the
    /// planner sees tables without statistics, costs them high and would compile each
    /// statement's expressions (`jit_above_cost`): at a million rows that cost more than it
    /// saved (bench in the commit).
    pub(crate) fn settings(&self) -> String {
        format!(
            "SET LOCAL statement_timeout = {}; SET LOCAL work_mem = '256MB'; SET LOCAL jit = off",
            self.statement_timeout.as_millis()
        )
    }

    /// `error`, naming this bound when it is a statement of `work` ("import") that ran past
    /// it.
    pub(crate) fn explain(&self, work: &'static str, error: StoreError) -> StoreError {
        past_bound(error, work, self.setting, self.statement_timeout)
    }
}

/// Why connecting, creating the database or migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The server has no database of that name (a command that writes creates it).
    #[error("the database {name} does not exist (zinc migrate up creates it)")]
    Missing {
        /// The database's name, from the URL.
        name: String,
    },
    /// What the driver said.
    #[error(transparent)]
    Driver(#[from] DbErr),
}

/// The advisory lock key serialising the write phases of imports and rollup rebuilds ("zinc"
/// in ASCII).
pub const WRITE_LOCK_KEY: i64 = 0x7a69_6e63;

/// How a connection pool is sized, and how long anything may wait on the database.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_connections: u32,
    /// How long to wait for a free connection before giving up.
    pub acquire_timeout: Duration,
    /// The longest one statement may run (PostgreSQL's `statement_timeout`).
    pub statement_timeout: Duration,
    /// The longest one statement of bulk work may run ([`BulkBound`]): an import's set-based
    /// statements each cover the whole file.
    pub bulk_statement_timeout: Duration,
    /// The longest one statement may wait for a lock (`lock_timeout`), the lock serialising
    /// imports' writes included.
    pub lock_timeout: Duration,
    /// The longest a session may sit in an open transaction doing nothing
    /// (`idle_in_transaction_session_timeout`): a client that stalls mid-import loses its
    /// session, and the locks it held, after this.
    pub idle_in_transaction_timeout: Duration,
    /// Whether each prepared statement is planned once, for any values
    /// (`plan_cache_mode = force_generic_plan`), rather than again for each call's values
    /// until PostgreSQL judges a generic plan as good: for a pool of reads of small tables
    /// (the rollups), where planning a statement took longer than running it.
    pub generic_plans: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(300),
            bulk_statement_timeout: Duration::from_secs(3600),
            lock_timeout: Duration::from_secs(120),
            idle_in_transaction_timeout: Duration::from_secs(60),
            generic_plans: false,
        }
    }
}

impl PoolSettings {
    /// How long the client waits for any answer before it gives the connection up for lost:
    /// the longest a statement may take, waiting for a lock included, and a margin.
    pub fn reply_timeout(&self) -> Duration {
        self.answer_within(self.statement_timeout)
    }

    /// The bound of bulk work, named for `setting` (what an operator raises when a statement
    /// outlasts it); its client waits the longest such a statement may take, as
    /// [`reply_timeout`](Self::reply_timeout) does for the others.
    pub fn bulk_bound(&self, setting: &'static str) -> BulkBound {
        BulkBound {
            statement_timeout: self.bulk_statement_timeout,
            reply_timeout: self.answer_within(self.bulk_statement_timeout),
            setting,
        }
    }

    /// How long to wait for the answer to a statement that may run `statement`, waiting for a
    /// lock included, and a margin.
    fn answer_within(&self, statement: Duration) -> Duration {
        statement.max(self.lock_timeout) + Duration::from_secs(10)
    }

    /// The session settings every connection starts with, server-side bounds included (TCP
    /// keepalives let the server notice a vanished client within about a minute).
    pub(crate) fn session_options(&self) -> Vec<(&'static str, String)> {
        let millis = |d: Duration| d.as_millis().to_string();
        let mut options = vec![
            ("statement_timeout", millis(self.statement_timeout)),
            ("lock_timeout", millis(self.lock_timeout)),
            (
                "idle_in_transaction_session_timeout",
                millis(self.idle_in_transaction_timeout),
            ),
            ("tcp_keepalives_idle", "30".to_owned()),
            ("tcp_keepalives_interval", "10".to_owned()),
            ("tcp_keepalives_count", "3".to_owned()),
        ];
        if self.generic_plans {
            options.push(("plan_cache_mode", "force_generic_plan".to_owned()));
        }
        options
    }
}

/// A pooled connection idle this long is pinged before it is handed out; a busy one is not
/// (pinging on every checkout doubled the round trips of a lookup).
pub(crate) const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);

/// Opens a connection pool to `url`.
pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Database, DatabaseError> {
    open(url, settings, false).await
}

async fn open(url: &str, settings: &PoolSettings, lazy: bool) -> Result<Database, DatabaseError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_lazy(lazy)
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_timeout(settings.acquire_timeout)
        .test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR)
        .sqlx_logging(false);
    let session = settings.session_options();
    options.map_sqlx_postgres_opts(move |pg| pg.options(session.clone()));
    Ok(Database(sea_orm::Database::connect(options).await?))
}

/// A connection pool to `url`, as [`connect`] opens, that connects only when a connection is
/// first wanted: a read replica that is down when Zinc starts must not stop it (reads go to
/// the primary meanwhile).
pub async fn connect_lazily(url: &str, settings: &PoolSettings) -> Result<Database, DatabaseError> {
    open(url, settings, true).await
}

/// Opens and closes one connection to `url`, within `limit`: an unreachable server or a
/// missing database is said at once (a pool would retry until its timeout), with the driver's
/// reason (`Connection refused`, `database "x" does not exist`).
pub async fn probe(url: &str, limit: Duration) -> Result<(), DatabaseError> {
    use sea_orm::sqlx::{Connection, PgConnection};
    let conn_err = |e: sea_orm::sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)));
    let connection = tokio::time::timeout(limit, PgConnection::connect(url))
        .await
        .map_err(|_| {
            DbErr::Conn(RuntimeErr::Internal(format!(
                "no answer within {} s",
                limit.as_secs()
            )))
        })?;
    let connection = match connection {
        Ok(connection) => connection,
        // invalid_catalog_name: said plainly, without the server's source line.
        Err(sea_orm::sqlx::Error::Database(error)) if error.code().as_deref() == Some("3D000") => {
            let name = split_database(url).map_or_else(|| url.to_owned(), |(_, name)| name);
            return Err(DatabaseError::Missing { name });
        }
        Err(error) => return Err(conn_err(error).into()),
    };
    Ok(connection.close().await.map_err(conn_err)?)
}

/// Is the database `name` on the server?
const DATABASE_EXISTS: Fixed<1> =
    Fixed::new("SELECT 1 AS found FROM pg_database WHERE datname = $1");

/// Takes the lock serialising migrations, until the transaction ends.
const LOCK_MIGRATIONS: Fixed<1> = Fixed::new("SELECT pg_advisory_xact_lock($1)");

/// Creates the database named in `url` if the server does not have it yet.
///
/// Connects to the server's `postgres` maintenance database to do so. Safe to call
/// concurrently: a database created meanwhile by someone else counts as created.
/// Returns true when this call created it.
pub async fn create_database_if_missing(url: &str) -> Result<bool, DatabaseError> {
    let (server_url, name) = split_database(url)
        .ok_or_else(|| DbErr::Custom("the database URL names no database".to_owned()))?;
    let bound = PoolSettings::default().acquire_timeout;
    probe(&server_url, bound).await?;
    let mut options = ConnectOptions::new(server_url);
    options
        .max_connections(1)
        .connect_timeout(bound)
        .acquire_timeout(bound)
        .sqlx_logging(false);
    let server = sea_orm::Database::connect(options).await?;
    let exists = server
        .query_one_raw(DATABASE_EXISTS.with([name.clone().into()]))
        .await?
        .is_some();
    let created = if exists {
        false
    } else {
        let quoted = name.replace('"', "\"\"");
        match server
            .execute_unprepared(&format!("CREATE DATABASE \"{quoted}\""))
            .await
        {
            Ok(_) => true,
            // Created concurrently: PostgreSQL answers 42P04, or 23505 when both creators
            // reached the catalog at once.
            Err(error)
                if matches!(
                    sqlstate(&error).as_deref(),
                    Some(DUPLICATE_DATABASE | UNIQUE_VIOLATION)
                ) =>
            {
                false
            }
            Err(error) => return Err(error.into()),
        }
    };
    server.close().await?;
    Ok(created)
}

/// The advisory lock key serialising migrations ("zmig" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x7a6d_6967;

/// Applies every pending migration, in one transaction; returns how many were pending. Safe to
/// call from many processes at once: they take turns (a transaction-scoped advisory lock), and
/// the later ones find nothing pending.
pub async fn migrate_up(db: &Database) -> Result<usize, DatabaseError> {
    // Even listing the pending migrations creates sea-orm's table when missing: lock first.
    let txn = db.0.begin().await?;
    txn.execute_raw(LOCK_MIGRATIONS.with([MIGRATION_LOCK_KEY.into()]))
        .await?;
    let pending = Migrator::get_pending_migrations(&txn).await?.len();
    if pending > 0 {
        Migrator::up(&txn, None).await?;
    }
    txn.commit().await?;
    Ok(pending)
}

/// How many migrations are applied.
pub async fn applied_migrations(db: &Database) -> Result<usize, DatabaseError> {
    Ok(Migrator::get_applied_migrations(&db.0).await?.len())
}

/// Rolls the last `steps` applied migrations back.
pub async fn migrate_down(db: &Database, steps: u32) -> Result<(), DatabaseError> {
    Ok(Migrator::down(&db.0, Some(steps)).await?)
}

/// Every migration, in order, with whether it is applied.
pub async fn migrations(db: &Database) -> Result<Vec<MigrationState>, DatabaseError> {
    let applied: Vec<String> = Migrator::get_applied_migrations(&db.0)
        .await?
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();
    Ok(Migrator::migrations()
        .iter()
        .map(|migration| MigrationState {
            name: migration.name().to_owned(),
            applied: applied.iter().any(|name| name == migration.name()),
        })
        .collect())
}

/// Drops every table and applies every migration.
pub async fn migrate_fresh(db: &Database) -> Result<(), DatabaseError> {
    Ok(Migrator::fresh(&db.0).await?)
}

/// A migration and whether it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    /// Its name (`m20261124_000001_create_imports`).
    pub name: String,
    /// Whether the database has it.
    pub applied: bool,
}

/// Splits `postgres://host/db?x` into (`postgres://host/postgres?x`, `db`).
fn split_database(url: &str) -> Option<(String, String)> {
    let mut server = url::Url::parse(url).ok()?;
    let name = server.path().trim_start_matches('/').to_owned();
    if name.is_empty() || name.contains('/') {
        return None;
    }
    let name = percent_encoding::percent_decode_str(&name)
        .decode_utf8()
        .ok()?
        .into_owned();
    server.set_path("/postgres");
    Some((server.to_string(), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether Nagle's algorithm is off on this process's TCP socket from local port `local`
    /// to remote port `remote` (found among its open descriptors); `None` when there is none.
    #[cfg(target_os = "linux")]
    fn nodelay(local: u16, remote: u16) -> Option<bool> {
        use std::os::fd::{BorrowedFd, RawFd};

        let port = |address: std::io::Result<socket2::SockAddr>| {
            address.ok().and_then(|a| a.as_socket()).map(|a| a.port())
        };
        for entry in std::fs::read_dir("/proc/self/fd").ok()? {
            let Some(fd) = entry
                .ok()?
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<RawFd>().ok())
            else {
                continue;
            };
            // SAFETY: borrowed for the few calls below only; a descriptor closed meanwhile
            // makes them fail, and they change nothing.
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            let socket = socket2::SockRef::from(&fd);
            if port(socket.local_addr()) == Some(local) && port(socket.peer_addr()) == Some(remote)
            {
                return socket.tcp_nodelay().ok();
            }
        }
        None
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_socket_with_nagle_on_is_told_apart() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap().port();
        let ours = std::net::TcpStream::connect(("127.0.0.1", server)).unwrap();
        let local = ours.local_addr().unwrap().port();
        assert_eq!(nodelay(local, server), Some(false));
        ours.set_nodelay(true).unwrap();
        assert_eq!(nodelay(local, server), Some(true));
        assert_eq!(nodelay(local, server.wrapping_add(1)), None);
    }

    /// sqlx sets `TCP_NODELAY` since 0.9.1 (Zinc set it itself before): without it, every
    /// other `COPY` of an import waited 40 ms for a delayed ACK.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn database_connections_have_nagle_off() {
        let database = zinc_testkit::TestDatabase::empty().await;
        let db = connect(database.url(), &PoolSettings::default())
            .await
            .unwrap();
        let (local, remote): (i32, i32) =
            sea_orm::sqlx::query_as("SELECT inet_client_port(), inet_server_port()")
                .fetch_one(db.sqlx_pool())
                .await
                .unwrap();
        assert_eq!(nodelay(local as u16, remote as u16), Some(true));
        db.close().await.unwrap();
    }

    /// A pool of generic plans plans each prepared statement once; others leave it to
    /// PostgreSQL.
    #[tokio::test]
    async fn a_pool_of_generic_plans_says_so_to_each_session() {
        let database = zinc_testkit::TestDatabase::empty().await;
        for (generic_plans, mode) in [(true, "force_generic_plan"), (false, "auto")] {
            let settings = PoolSettings {
                generic_plans,
                ..PoolSettings::default()
            };
            let db = connect(database.url(), &settings).await.unwrap();
            let (shown,): (String,) =
                sea_orm::sqlx::query_as("SELECT current_setting('plan_cache_mode')")
                    .fetch_one(db.sqlx_pool())
                    .await
                    .unwrap();
            assert_eq!(shown, mode, "generic_plans: {generic_plans}");
            db.close().await.unwrap();
        }
    }

    /// A bulk transaction runs under its own statement bound, compiles nothing and sorts in
    /// memory; the connection it ran on goes back to the pool with the session's settings.
    #[tokio::test]
    async fn bulk_settings_hold_for_their_transaction_only() {
        use sea_orm::sqlx::{self, AssertSqlSafe, PgConnection};

        async fn settings(connection: &mut PgConnection) -> (String, String, String) {
            sqlx::query_as(
                "SELECT current_setting('statement_timeout'), current_setting('jit'), \
                 current_setting('work_mem')",
            )
            .fetch_one(connection)
            .await
            .unwrap()
        }
        async fn run(connection: &mut PgConnection, sql: String) {
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(connection)
                .await
                .unwrap();
        }

        let database = zinc_testkit::TestDatabase::empty().await;
        let pool = PoolSettings {
            statement_timeout: Duration::from_secs(7),
            lock_timeout: Duration::from_secs(2),
            bulk_statement_timeout: Duration::from_secs(90),
            ..PoolSettings::default()
        };
        let db = connect(database.url(), &pool).await.unwrap();
        let mut connection = db.sqlx_pool().acquire().await.unwrap();
        let before = settings(&mut connection).await;
        assert_eq!(before.0, "7s");
        let bulk = pool.bulk_bound("ZINC_TEST_BOUND").settings();
        run(&mut connection, format!("BEGIN; {bulk}")).await;
        assert_eq!(
            settings(&mut connection).await,
            ("90s".to_owned(), "off".to_owned(), "256MB".to_owned())
        );
        run(&mut connection, "COMMIT".to_owned()).await;
        assert_eq!(settings(&mut connection).await, before);
        drop(connection);
        db.close().await.unwrap();
    }

    #[test]
    fn a_bulk_transactions_client_waits_as_long_as_its_statements_may_run() {
        let pool = PoolSettings {
            statement_timeout: Duration::from_secs(300),
            lock_timeout: Duration::from_secs(120),
            bulk_statement_timeout: Duration::from_secs(3600),
            ..PoolSettings::default()
        };
        assert_eq!(pool.reply_timeout(), Duration::from_secs(310));
        assert_eq!(
            pool.bulk_bound("X").reply_timeout,
            Duration::from_secs(3610)
        );
        // A lock wait may outlast a short bound: the client waits for it too.
        let short = PoolSettings {
            bulk_statement_timeout: Duration::from_secs(60),
            ..pool
        };
        assert_eq!(
            short.bulk_bound("X").reply_timeout,
            Duration::from_secs(130)
        );
    }

    #[test]
    fn splits_the_database_name_from_the_server() {
        assert_eq!(
            split_database("postgres://postgres@127.0.0.1:5432/zinc"),
            Some((
                "postgres://postgres@127.0.0.1:5432/postgres".into(),
                "zinc".into()
            ))
        );
        assert_eq!(
            split_database("postgres://u@h/zinc?sslmode=disable"),
            Some((
                "postgres://u@h/postgres?sslmode=disable".into(),
                "zinc".into()
            ))
        );
        assert_eq!(
            split_database("postgres://u:p%40ss@h/my%20db"),
            Some(("postgres://u:p%40ss@h/postgres".into(), "my db".into()))
        );
        assert_eq!(split_database("postgres://u@h"), None);
        assert_eq!(split_database("postgres://u@h/"), None);
    }
}
