//! The `zinc` binary end to end: real files in, real PostgreSQL tables out.

use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use zinc_e2e::{Zinc, expected_from, generate_sales, real_export, real_export_path};
use zinc_testkit::{TestDatabase, admin_url, replace_database};

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

async fn scalar<T: sea_orm::TryGetable>(db: &DatabaseConnection, sql: &str) -> T {
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn importing_the_real_export_yields_the_expected_tables_and_exact_total() {
    // An empty database: the CLI applies the migrations itself.
    let database = TestDatabase::empty().await;
    let output = ZINC.run(
        database.url(),
        &["import", real_export_path().to_str().unwrap()],
    );

    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    assert!(
        text.contains("rows      1661 read, 1661 imported, 0 rejected"),
        "{text}"
    );
    assert!(
        text.contains("orders    1408 created, 0 updated, 0 unchanged"),
        "{text}"
    );
    let db = database.connection();
    assert_eq!(scalar::<i64>(db, "SELECT count(*) FROM products").await, 80);
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM orders").await,
        1_408
    );
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM order_items").await,
        1_661
    );
    assert_eq!(
        scalar::<Decimal>(db, "SELECT sum(total) FROM orders").await,
        "64509.982".parse::<Decimal>().unwrap()
    );

    let again = ZINC.run(
        database.url(),
        &["import", real_export_path().to_str().unwrap()],
    );
    assert!(again.status.success());
    assert!(
        stdout(&again)
            .contains("No changes: every sale was already stored exactly as in this file.")
    );
}

#[tokio::test]
async fn any_generated_file_imports_every_row_with_the_exact_sum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated.csv");
    generate_sales(30_000, 42, &path);
    let expected = expected_from(&path);
    let database = TestDatabase::migrated().await;

    let output = ZINC.run(database.url(), &["import", path.to_str().unwrap()]);

    assert!(output.status.success(), "{}", stdout(&output));
    let db = database.connection();
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM order_items").await as u64,
        expected.rows
    );
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM orders").await as u64,
        expected.sales
    );
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM products").await as u64,
        expected.products
    );
    assert_eq!(
        scalar::<Decimal>(db, "SELECT sum(total) FROM orders").await,
        expected.total
    );
}

#[tokio::test]
async fn a_rejected_import_exits_1_reports_each_problem_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let text = real_export();
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    lines[13] = lines[13].replace("Golf - experience", "Gym");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let database = TestDatabase::migrated().await;

    let output = ZINC.run(database.url(), &["import", path.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains(
        "line 14, column Location: 'Gym' is not one of `Online Store`, `Golf - experience`"
    ));
    let db = database.connection();
    assert_eq!(scalar::<i64>(db, "SELECT count(*) FROM orders").await, 0);
    assert_eq!(
        scalar::<String>(db, "SELECT status FROM imports").await,
        "rejected"
    );

    let skipped = ZINC.run(
        database.url(),
        &["import", path.to_str().unwrap(), "--skip-invalid"],
    );
    assert_eq!(skipped.status.code(), Some(0));
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM orders").await,
        1_407
    );
}

#[tokio::test]
async fn a_missing_file_or_unreachable_database_exits_3_with_a_clear_message() {
    let database = TestDatabase::migrated().await;
    let missing = ZINC.run(database.url(), &["import", "/no/such/file.csv"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot open /no/such/file.csv"));

    let unreachable = ZINC.run(
        "postgres://postgres@127.0.0.1:1/zinc",
        &["migrate", "status"],
    );
    assert_eq!(unreachable.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&unreachable.stderr)
            .contains("cannot reach or create the database")
    );
}

#[tokio::test]
async fn migrate_creates_the_database_and_goes_down_to_zero_and_up_again() {
    let name = format!("zinc_test_cli_{}", std::process::id());
    let url = replace_database(&admin_url(), &name);
    let _drop = DropDatabase(name.clone());

    let all = <zinc_migration::Migrator as zinc_migration::MigratorTrait>::migrations().len();
    let applied = format!("Applied {all} migration(s).");
    let rolled_back = format!("Rolled back {all} migration(s); 0 still applied.");
    for (args, expected) in [
        (vec!["migrate", "up"], applied.as_str()),
        (vec!["migrate", "down", "--all"], rolled_back.as_str()),
        (
            vec!["migrate", "status"],
            "Pending    m20261124_000004_create_order_items",
        ),
        (vec!["migrate", "up"], applied.as_str()),
        (vec!["migrate", "up"], "Database schema is up to date."),
    ] {
        let output = ZINC.run(&url, &args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout(&output).contains(expected),
            "{args:?}: {}",
            stdout(&output)
        );
    }
}

/// Drops a database the CLI created, when the test ends.
struct DropDatabase(String);

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let name = self.0.clone();
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                if let Ok(server) = Database::connect(admin_url()).await {
                    let _ = server
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            })
        })
        .join();
    }
}
