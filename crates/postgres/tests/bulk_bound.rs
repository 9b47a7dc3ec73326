//! An import's set-based statements each cover the whole file: they run under a bound of their
//! own, not under the statement timeout sized for requests. A trigger sleeping on every write
//! to `orders` stands in for a file large enough to take that long.

use std::error::Error;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use zinc_application::{ImportError, ImportRequest, ImportSales, NoProgress};
use zinc_domain::{HeaderLine, ImportMode, ImportReport, ImportStatus};
use zinc_ports::{RollupUpkeep, StoreError};
use zinc_postgres::database::{Database, PoolSettings, connect};
use zinc_postgres::{PostgresLedger, PostgresRollups};
use zinc_testkit::{TestDatabase, scalar};

/// A file of one sale of one line.
fn file() -> String {
    format!(
        "{HeaderLine}\n2026-11-20,100002649,4105,Golf lesson,---,,Golf - experience,,---,---,100,1,100,0,0,8,108,108,Credit card (AMEX-Keyed)\n"
    )
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Makes each statement writing orders last `seconds` longer, as a large file's would.
async fn slow_order_writes(database: &TestDatabase, seconds: f64) {
    slow_writes(database, "orders", seconds).await;
}

/// Makes each statement inserting into `table` last `seconds` longer.
async fn slow_writes(database: &TestDatabase, table: &str, seconds: f64) {
    database
        .connection()
        .execute_unprepared(&format!(
            "CREATE FUNCTION zinc_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$;
             CREATE TRIGGER zinc_test_slow BEFORE INSERT ON {table}
               FOR EACH STATEMENT EXECUTE FUNCTION zinc_test_slow();"
        ))
        .await
        .expect("the slow trigger");
}

async fn import(ledger: PostgresLedger) -> Result<ImportReport, ImportError> {
    let file = file();
    let request = ImportRequest::new(
        "sales.csv",
        file.as_bytes(),
        ImportMode::Strict,
        zinc_domain::ImportSource::Cli,
    );
    ImportSales::new(ledger).import(request, &NoProgress).await
}

async fn orders(database: &TestDatabase) -> i64 {
    scalar(database.connection(), "SELECT count(*) FROM orders").await
}

async fn pool(database: &TestDatabase, settings: &PoolSettings) -> Database {
    connect(database.url(), settings).await.expect("a pool")
}

#[tokio::test]
async fn a_request_sized_statement_timeout_does_not_cut_an_import_statement() {
    let database = TestDatabase::migrated().await;
    let requests = PoolSettings {
        statement_timeout: millis(1000),
        lock_timeout: millis(200),
        ..PoolSettings::default()
    };
    let db = pool(&database, &requests).await;
    slow_order_writes(&database, 2.5).await;
    // The client's guard is sized for requests too.
    let ledger = PostgresLedger::new(db.clone()).with_reply_timeout(millis(1500));

    let report = import(ledger).await.expect("the import runs to its end");

    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(orders(&database).await, 1);
    db.close().await.unwrap();
}

/// The causes of `error`, each on its own.
fn causes(error: &(dyn Error + 'static)) -> Vec<String> {
    std::iter::successors(Some(error), |&e| e.source())
        .map(ToString::to_string)
        .collect()
}

/// The cause of a store error the import failed with, which must be `PastBound` (a 503 that
/// asks for no retry).
fn past_bound(error: ImportError) -> Box<dyn Error + Send + Sync> {
    match error {
        ImportError::Store(StoreError::PastBound(cause)) => cause,
        other => panic!("expected work past its bound, got {other:?}"),
    }
}

/// The cause of a store error the import failed with, which must be `Unavailable` (a 503 to
/// try again).
fn unavailable(error: ImportError) -> Box<dyn Error + Send + Sync> {
    match error {
        ImportError::Store(StoreError::Unavailable(cause)) => cause,
        other => panic!("expected the database unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn an_import_statement_past_the_bulk_bound_names_the_setting_and_its_value() {
    let database = TestDatabase::migrated().await;
    let settings = PoolSettings {
        bulk_statement_timeout: millis(1000),
        ..PoolSettings::default()
    };
    let db = pool(&database, &settings).await;
    slow_order_writes(&database, 2.5).await;
    let ledger = PostgresLedger::new(db.clone())
        .with_bulk_bound(settings.bulk_bound("ZINC_TEST_BULK_TIMEOUT"));

    let cause = past_bound(import(ledger).await.expect_err("the bound cuts the import"));

    let causes = causes(cause.as_ref());
    assert_eq!(
        causes[0],
        "one statement of the import ran past ZINC_TEST_BULK_TIMEOUT (1 s): raise it for data this large"
    );
    assert!(
        causes[1..]
            .iter()
            .any(|c| c.contains("canceling statement due to statement timeout")),
        "the server's answer stays the cause: {causes:?}"
    );
    assert_eq!(orders(&database).await, 0);
    db.close().await.unwrap();
}

#[tokio::test]
async fn an_import_statement_cancelled_on_request_is_not_blamed_on_the_bound() {
    let database = TestDatabase::migrated().await;
    let db = pool(&database, &PoolSettings::default()).await;
    slow_order_writes(&database, 60.0).await;
    let ledger = PostgresLedger::new(db.clone())
        .with_bulk_bound(PoolSettings::default().bulk_bound("ZINC_TEST_BULK_TIMEOUT"));
    let importing = tokio::spawn(import(ledger));
    // An operator cancels the statement once it is under way (pg_cancel_backend).
    let cancelled = loop {
        let cancelled: bool = scalar(
            database.connection(),
            "SELECT count(pg_cancel_backend(pid)) > 0 FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event = 'PgSleep'",
        )
        .await;
        if cancelled || importing.is_finished() {
            break cancelled;
        }
        tokio::time::sleep(millis(20)).await;
    };
    assert!(
        cancelled,
        "the import ended before its statement was cancelled"
    );

    let error = importing
        .await
        .unwrap()
        .expect_err("the cancel ends the import");

    let causes = causes(unavailable(error).as_ref());
    assert!(
        causes.iter().all(|c| !c.contains("ZINC_TEST_BULK_TIMEOUT")),
        "{causes:?}"
    );
    assert!(
        causes.iter().any(|c| c.contains("due to user request")),
        "{causes:?}"
    );
    db.close().await.unwrap();
}

/// A rebuild runs its statements in one message after the bound is set: each is bound by it.
#[tokio::test]
async fn a_rollup_rebuild_runs_under_the_bulk_bound_not_the_request_one() {
    let database = TestDatabase::migrated().await;
    let settings = PoolSettings {
        statement_timeout: millis(1000),
        lock_timeout: millis(200),
        bulk_statement_timeout: millis(2000),
        ..PoolSettings::default()
    };
    let db = pool(&database, &settings).await;
    let rollups = PostgresRollups::new(db.clone())
        .with_reply_timeout(settings.reply_timeout())
        .with_bulk_bound(settings.bulk_bound("ZINC_TEST_BULK_TIMEOUT"));
    slow_writes(&database, "sales_by_day", 1.5).await;
    rollups
        .rebuild_rollups()
        .await
        .expect("a statement longer than a request's but within the bound");

    database
        .connection()
        .execute_unprepared("CREATE OR REPLACE FUNCTION zinc_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$")
        .await
        .unwrap();
    let error = rollups.rebuild_rollups().await.expect_err("past the bound");

    let StoreError::PastBound(cause) = error else {
        panic!("expected work past its bound, got {error:?}");
    };
    assert_eq!(
        cause.to_string(),
        "one statement of the rollup rebuild ran past ZINC_TEST_BULK_TIMEOUT (2 s): raise it for data this large"
    );
    db.close().await.unwrap();
}
