//! Reverts on PostgreSQL: after any imports, corrections and reverts the store holds what a
//! replay of the imports in effect gives, figures included; a revert racing an import of the
//! same sales waits for it or is refused, nothing mixed.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use zinc_application::{ImportRequest, ImportSales, NoProgress};
use zinc_domain::{ImportMode, ImportSource, ImportStatus};
use zinc_ports::{ImportReverts, RevertError, RevertRequest, RollupUpkeep};
use zinc_postgres::{PostgresLedger, PostgresQueries, PostgresRollups, PostgresWatchedFiles};
use zinc_testkit::TestDatabase;
use zinc_testkit::contract::StorePorts;
use zinc_testkit::revert_replay::{check_steps, contents, steps};

async fn store() -> (StorePorts, TestDatabase) {
    let database = TestDatabase::migrated().await;
    let db = database.connection().clone();
    let queries = PostgresQueries::new(db.clone());
    let ports = StorePorts {
        ledger: Arc::new(PostgresLedger::new(db.clone())),
        catalog: Arc::new(queries.clone()),
        orders: Arc::new(queries.clone()),
        history: Arc::new(queries.clone()),
        archive: Arc::new(queries),
        watched: Arc::new(PostgresWatchedFiles::new(db.clone())),
        reverts: Arc::new(PostgresLedger::new(db)),
    };
    (ports, database)
}

/// The rollups equal their recomputation from the orders.
async fn no_drift(database: &TestDatabase) {
    let drifts = PostgresRollups::new(database.connection().clone())
        .verify_rollups(10)
        .await
        .unwrap();
    assert_eq!(drifts.total, 0, "{:#?}", drifts.listed);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn reverts_leave_what_a_replay_of_the_imports_in_effect_gives(steps in steps(6)) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(check_steps(&steps, store, no_drift));
    }
}

fn file(rows: &[(u32, &str, &str)]) -> String {
    let mut text = zinc_domain::HeaderLine.to_string();
    for (sale, product, price) in rows {
        text.push_str(&format!(
            "\n3/1/2025,7,{sale},{product},---,,Online Store,,---,---,{price},1,{price},0,0,0,\
             {price},{price},Cash"
        ));
    }
    text.push('\n');
    text
}

async fn import(ports: &StorePorts, text: &str) -> zinc_domain::ImportReport {
    ImportSales::new(ports.ledger.clone())
        .with_clock(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap())
        .import(
            ImportRequest::new(
                "sales.csv",
                text.as_bytes(),
                ImportMode::Strict,
                ImportSource::Cli,
            ),
            &NoProgress,
        )
        .await
        .expect("the import runs")
}

/// A revert of the first file racing an import correcting one of its sales: either the revert
/// goes first and the correction then creates the sale afresh, or the correction goes first
/// and the revert is refused. Nothing else.
#[tokio::test]
async fn a_revert_racing_an_import_of_the_same_sales_waits_or_is_refused() {
    let first = file(&[(1, "Water", "1"), (2, "Snack", "2")]);
    let correction = file(&[(1, "Towel", "5")]);
    let (mut reverted_first, mut refused) = (0, 0);
    for _ in 0..4 {
        let (ports, database) = store().await;
        let imported = import(&ports, &first).await;
        let request = cli_request();
        let (reverted, corrected) = tokio::join!(
            ports.reverts.revert(imported.id, &request),
            import(&ports, &correction)
        );
        assert_eq!(corrected.status, ImportStatus::Succeeded);
        let (orders, products) = contents(&ports).await;
        match reverted {
            Ok(_) => {
                reverted_first += 1;
                assert_eq!(corrected.counts.orders_created, 1, "sale 1 was gone");
                assert_eq!(
                    products,
                    vec!["Towel at 5".to_owned()],
                    "Water and Snack removed"
                );
                assert_eq!(orders.len(), 1);
            }
            Err(RevertError::Conflict {
                conflicts, total, ..
            }) => {
                refused += 1;
                assert_eq!(total, 1);
                assert_eq!(conflicts[0].touched_by, vec![corrected.id]);
                assert_eq!(corrected.counts.orders_updated, 1);
                assert_eq!(orders.len(), 2, "sale 2 as imported, sale 1 corrected");
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
        no_drift(&database).await;
    }
    assert_eq!(reverted_first + refused, 4);
}

/// While an import holds the write lock, a revert waits for it and then sees its writes.
#[tokio::test]
async fn a_revert_waits_for_the_write_lock() {
    let (ports, database) = store().await;
    let imported = import(&ports, &file(&[(1, "Water", "1")])).await;
    let holder = database.connection().clone();
    let txn = sea_orm::TransactionTrait::begin(&holder).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &txn,
        &format!(
            "SELECT pg_advisory_xact_lock({})",
            zinc_postgres::database::WRITE_LOCK_KEY
        ),
    )
    .await
    .unwrap();
    let reverts = ports.reverts.clone();
    let id = imported.id;
    let waiting = tokio::spawn(async move {
        let request = cli_request();
        reverts.revert(id, &request).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "the revert waits for the lock");
    txn.rollback().await.unwrap();
    waiting.await.unwrap().unwrap();
    assert!(contents(&ports).await.0.is_empty());
}

async fn rows(database: &TestDatabase, sql: &str) -> Vec<sea_orm::QueryResult> {
    sea_orm::ConnectionTrait::query_all_raw(
        database.connection(),
        sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql),
    )
    .await
    .unwrap()
}

/// The count `sql` answers (as `n`).
async fn count(database: &TestDatabase, sql: &str) -> i64 {
    rows(database, sql).await[0]
        .try_get::<i64>("", "n")
        .unwrap()
}

/// The sales noted as restated (each bit of each block).
async fn restated(database: &TestDatabase) -> i64 {
    count(
        database,
        "SELECT count(*) AS n FROM restated_sale_blocks b \
         CROSS JOIN generate_series(0, 63) AS s (bit) WHERE b.sales & (1::bigint << s.bit) <> 0",
    )
    .await
}

/// A revert asked for from the command line, now.
fn cli_request() -> RevertRequest {
    RevertRequest {
        requested_by: None,
        source: ImportSource::Cli,
        at: Utc::now(),
    }
}

/// How many migrations `migrate_down` undoes to undo `name` and every one after it.
fn steps_down_through(name: &str) -> u32 {
    use zinc_migration::MigratorTrait;
    let names: Vec<String> = zinc_migration::Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();
    let at = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    (names.len() - at) as u32
}

/// The sales the imports wrote, as the view `written_sales` reads them from their blocks.
async fn written(database: &TestDatabase) -> Vec<(i64, i64, Option<i64>)> {
    rows(
        database,
        "SELECT import_id, sale_id, left_version FROM written_sales ORDER BY import_id, sale_id",
    )
    .await
    .iter()
    .map(|row| {
        (
            row.try_get("", "import_id").unwrap(),
            row.try_get("", "sale_id").unwrap(),
            row.try_get("", "left_version").unwrap(),
        )
    })
    .collect()
}

/// Each import notes the sales it wrote a block of 64 Sale IDs to a row (sales 1 and 63 share
/// one), which `written_sales` reads back a row per sale; a revert notes the sales it removed
/// with no version left. The notes survive the migration down to a row per sale and back, and
/// a revert planned after it finds the same conflict.
#[tokio::test]
async fn written_sales_are_noted_in_blocks_and_survive_the_migration_down_and_up() {
    let (ports, database) = store().await;
    let text = file(&[(1, "Water", "1"), (63, "Snack", "2"), (64, "Towel", "3")]);
    let first = import(&ports, &text).await;
    let correction = import(&ports, &file(&[(64, "Towel", "4")])).await;
    let (f, c) = (first.id.get(), correction.id.get());
    let noted = vec![
        (f, 1, Some(f)),
        (f, 63, Some(f)),
        (f, 64, Some(f)),
        (c, 64, Some(c)),
    ];
    assert_eq!(written(&database).await, noted);
    assert_eq!(
        count(&database, "SELECT count(*) AS n FROM written_sale_blocks").await,
        3,
        "one row per import and block"
    );
    let refused = |outcome: Result<_, RevertError>| match outcome {
        Err(RevertError::Conflict {
            conflicts, total, ..
        }) => {
            assert_eq!(total, 1);
            assert_eq!(conflicts[0].sale_id.get(), 64);
            assert_eq!(conflicts[0].touched_by, vec![correction.id]);
        }
        other => panic!("expected a conflict, got {other:?}"),
    };
    refused(ports.reverts.plan_revert(first.id).await);

    let store = zinc_postgres::Database::from(database.connection().clone());
    zinc_postgres::database::migrate_down(
        &store,
        steps_down_through("m20261206_000024_written_sales_in_blocks"),
    )
    .await
    .unwrap();
    assert_eq!(written(&database).await, noted, "a row per sale again");
    zinc_postgres::database::migrate_up(&store).await.unwrap();
    assert_eq!(written(&database).await, noted);
    refused(ports.reverts.plan_revert(first.id).await);

    // Reverting the first import once its correction is reverted removes its three sales:
    // that revert notes them with no version left.
    let request = cli_request();
    ports.reverts.revert(correction.id, &request).await.unwrap();
    let removal = ports.reverts.revert(first.id, &request).await.unwrap();
    let r = removal.revert.get();
    let by_removal: Vec<_> = written(&database)
        .await
        .into_iter()
        .filter(|(import, _, _)| *import == r)
        .collect();
    assert_eq!(by_removal, vec![(r, 1, None), (r, 63, None), (r, 64, None)]);
    assert!(contents(&ports).await.0.is_empty());
}

/// A first import notes no restated sale (its fast path writes nothing extra); importing the
/// file again notes each sale as restated; pruning deletes those notes with the rest.
#[tokio::test]
async fn restated_sales_are_noted_only_when_some_are_unchanged_and_pruned_with_the_rest() {
    let (ports, database) = store().await;
    let text = file(&[(1, "Water", "1"), (2, "Snack", "2")]);
    import(&ports, &text).await;
    assert_eq!(restated(&database).await, 0);
    let again = import(&ports, &text).await;
    assert_eq!(again.counts.orders_unchanged, 2);
    assert_eq!(restated(&database).await, 2);
    let pruned = ports
        .reverts
        .prune_versions(Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(pruned.imports, 2);
    assert_eq!(restated(&database).await, 0);
}

/// The sales restated, noted a block of Sale IDs to a row since migration 23, are carried
/// over sale for sale to the table of a row per sale and back; the revert they hold stays
/// refused throughout.
#[tokio::test]
async fn restated_sales_survive_the_migration_to_blocks_down_and_up() {
    let (ports, database) = store().await;
    // Sales 63 and 64 lie in two blocks; sale 1 shares a block with 63.
    let text = file(&[(1, "Water", "1"), (63, "Snack", "2"), (64, "Towel", "3")]);
    let first = import(&ports, &text).await;
    let again = import(&ports, &text).await;
    assert_eq!(
        count(&database, "SELECT count(*) AS n FROM restated_sale_blocks").await,
        2,
        "one row per block"
    );
    let refused = |outcome: Result<_, RevertError>| match outcome {
        Err(RevertError::Conflict {
            conflicts, total, ..
        }) => {
            assert_eq!(total, 3);
            assert!(conflicts.iter().all(|c| c.touched_by == vec![again.id]));
        }
        other => panic!("expected a conflict, got {other:?}"),
    };
    refused(ports.reverts.plan_revert(first.id).await);

    let store = zinc_postgres::Database::from(database.connection().clone());
    zinc_postgres::database::migrate_down(
        &store,
        steps_down_through("m20261206_000023_restated_sales_in_blocks"),
    )
    .await
    .unwrap();
    let noted: Vec<(i64, i64, i64)> = rows(
        &database,
        "SELECT import_id, sale_id, version FROM restated_sales ORDER BY sale_id",
    )
    .await
    .iter()
    .map(|row| {
        (
            row.try_get("", "import_id").unwrap(),
            row.try_get("", "sale_id").unwrap(),
            row.try_get("", "version").unwrap(),
        )
    })
    .collect();
    let (i, v) = (again.id.get(), first.id.get());
    assert_eq!(noted, vec![(i, 1, v), (i, 63, v), (i, 64, v)]);

    zinc_postgres::database::migrate_up(&store).await.unwrap();
    assert_eq!(restated(&database).await, 3);
    refused(ports.reverts.plan_revert(first.id).await);
}
