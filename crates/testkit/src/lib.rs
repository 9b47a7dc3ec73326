//! # zinc-testkit
//!
//! Test support: the real export kept in the repository ([`real_export`]) and a throw-away
//! PostgreSQL database per test: [`TestDatabase::migrated`] creates a database
//! with a random name on the local server, applies Zinc's migrations and drops it (forcefully,
//! even if connections remain) when the value goes out of scope, also when the test panics.
//!
//! The server is taken from `ZINC_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); its user must be allowed to create databases.
//!
//! [`MemoryStore`] and [`MemoryKeys`] are in-memory stores, held to the same contracts as the
//! PostgreSQL adapter ([`contract`], [`key_contract`](mod@key_contract)).
//!
//! [`StreamingPair`] makes a PostgreSQL primary and a streaming replica of it, for the tests of
//! reads through a replica.
//!
//! [`gen_sales`] writes synthetic point-of-sale exports for tests and benchmarks
//! ([`write_sales`]; the `gen-sales` binary writes one to standard output).

pub mod contract;
pub mod gen_sales;
pub mod key_contract;
pub mod memory;
pub mod memory_keys;
pub mod revert_replay;
pub mod streaming_pair;

pub use memory::MemoryStore;
pub use memory_keys::MemoryKeys;
pub use streaming_pair::StreamingPair;

pub use gen_sales::{SalesSpec, SpecError, sales_csv, write_sales};

mod fixtures;

pub use fixtures::{real_export, real_export_path};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TryGetable,
};
use zinc_migration::{Migrator, MigratorTrait};

/// Prefix of every database this kit creates, so leftovers are easy to find.
pub const TEST_DATABASE_PREFIX: &str = "zinc_test_";

/// The maintenance database URL used to create and drop test databases.
pub fn admin_url() -> String {
    std::env::var("ZINC_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The first column of the one row `sql` answers on `db`; panics when there is none (a test's
/// query that answers nothing is a failed test).
pub async fn scalar<T: TryGetable>(db: &impl ConnectionTrait, sql: &str) -> T {
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .unwrap_or_else(|| panic!("{sql}: no row"))
        .try_get_by_index(0)
        .unwrap_or_else(|error| panic!("{sql}: {error:?}"))
}

/// A database of its own for one test.
pub struct TestDatabase {
    name: String,
    url: String,
    connection: DatabaseConnection,
}

impl TestDatabase {
    /// Creates an empty database (no tables).
    pub async fn empty() -> TestDatabase {
        let admin = admin_url();
        let name = format!("{TEST_DATABASE_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let server = Database::connect(&admin)
            .await
            .expect("connect to the test PostgreSQL server (ZINC_TEST_DATABASE_URL)");
        server
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create a test database");
        server.close().await.ok();
        let url = replace_database(&admin, &name);
        let mut options = ConnectOptions::new(url.clone());
        options.max_connections(5).sqlx_logging(false);
        let connection = Database::connect(options)
            .await
            .expect("connect to the new test database");
        TestDatabase {
            name,
            url,
            connection,
        }
    }

    /// Creates a database with every migration applied.
    pub async fn migrated() -> TestDatabase {
        let database = TestDatabase::empty().await;
        Migrator::up(&database.connection, None)
            .await
            .expect("apply migrations to the test database");
        database
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A URL to connect to it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A pooled connection to it.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block on async work: use a thread
        // with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let server = Database::connect(admin_url()).await?;
                server
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await?;
                server.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

/// `url` with its database name replaced by `database`.
pub fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h:1", "x"), "postgres://h:1/x");
    }

    #[tokio::test]
    async fn creates_a_migrated_database_and_drops_it_afterwards() {
        let name = {
            let database = TestDatabase::migrated().await;
            let tables = database
                .connection()
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                ))
                .await
                .unwrap();
            let mut names: Vec<String> = tables
                .iter()
                .map(|row| row.try_get("", "tablename").unwrap())
                .collect();
            names.sort();
            assert_eq!(
                names,
                vec![
                    "api_keys",
                    "dashboard_sessions",
                    "import_rejected_lines",
                    "imports",
                    "kept_versions",
                    "order_items",
                    "orders",
                    "product_sales_by_day",
                    "product_sales_by_month",
                    "product_sales_by_month_all",
                    "product_sales_by_year",
                    "product_sales_by_year_all",
                    "products",
                    "replaced_order_items",
                    "replaced_orders",
                    "replaced_products",
                    "restated_sale_blocks",
                    "sales_by_day",
                    "sales_data_version",
                    "seaql_migrations",
                    "written_products",
                    "written_sale_blocks"
                ]
            );
            database.name().to_owned()
        };
        let server = Database::connect(admin_url()).await.unwrap();
        let left = server
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*) AS n FROM pg_database WHERE datname = $1",
                [name.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(left.try_get::<i64>("", "n").unwrap(), 0);
    }
}
