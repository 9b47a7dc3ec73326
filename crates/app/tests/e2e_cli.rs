//! The `zinc` binary end to end: real files in, real PostgreSQL tables out.

use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use zinc_e2e::{Zinc, expected_from, generate_sales, real_export, real_export_path};
use zinc_migration::{Migrator, MigratorTrait};
use zinc_testkit::{TestDatabase, admin_url, replace_database, scalar};

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

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
        text.contains("rows      1,661 read, 1,661 imported, 0 rejected"),
        "{text}"
    );
    assert!(
        text.contains("orders    1,408 created, 0 updated, 0 unchanged"),
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
        "line 14, column Location: 'Gym' is not a known location (Online Store or Golf - experience)"
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
    assert_eq!(skipped.status.code(), Some(4), "partly imported");
    assert!(
        stdout(&skipped).contains(
            "  reject    1 line(s) kept verbatim with their reasons: zinc imports rejected 2 > rejected-2.csv"
        ),
        "{}",
        stdout(&skipped)
    );
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
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("cannot reach the database"));
}

#[tokio::test]
async fn migrate_creates_the_database_and_goes_down_to_zero_and_up_again() {
    let name = format!("zinc_test_cli_{}", std::process::id());
    let url = replace_database(&admin_url(), &name);
    let _drop = DropDatabase(name.clone());
    let migrations = Migrator::migrations();
    let all = migrations.len();
    let applied = format!("Applied {all} migration(s).");
    let rolled_back = format!("Rolled back {all} migration(s); 0 still applied.");
    let last_pending = format!("Pending    {}", migrations[all - 1].name());

    for (args, expected) in [
        (vec!["migrate", "up"], applied.as_str()),
        (vec!["migrate", "down", "--all"], rolled_back.as_str()),
        (vec!["migrate", "status"], last_pending.as_str()),
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

/// Runs `zinc import` on the real export from 8 processes at once against `url`; the exit codes.
fn eight_imports_at_once(url: &str) -> Vec<Option<i32>> {
    let path = real_export_path();
    let children: Vec<_> = (0..8)
        .map(|_| {
            ZINC.command(url)
                .args(["import", path.to_str().unwrap()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            if !output.status.success() {
                eprintln!("{}", String::from_utf8_lossy(&output.stderr));
            }
            output.status.code()
        })
        .collect()
}

#[tokio::test]
async fn eight_first_imports_at_once_create_and_migrate_the_database_exactly_once() {
    let name = format!("zinc_test_race_{}", std::process::id());
    let url = replace_database(&admin_url(), &name);
    let _drop = DropDatabase(name.clone());
    assert_eq!(
        eight_imports_at_once(&url),
        vec![Some(0); 8],
        "a missing database"
    );
    let db = Database::connect(&url).await.unwrap();
    assert_eq!(
        scalar::<i64>(&db, "SELECT count(*) FROM orders").await,
        1_408
    );
    assert_eq!(scalar::<i64>(&db, "SELECT count(*) FROM imports").await, 8);
    db.close().await.unwrap();

    let unmigrated = TestDatabase::empty().await;
    assert_eq!(
        eight_imports_at_once(unmigrated.url()),
        vec![Some(0); 8],
        "an unmigrated database"
    );
    let db = unmigrated.connection();
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM orders").await,
        1_408
    );
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn database_exists(name: &str) -> bool {
    let server = Database::connect(admin_url()).await.unwrap();
    let found = server
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 AS found FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await
        .unwrap()
        .is_some();
    server.close().await.unwrap();
    found
}

#[tokio::test]
async fn an_unreachable_server_is_named_with_its_reason_within_two_seconds() {
    let started = std::time::Instant::now();
    let output = ZINC.run(
        "postgres://postgres@127.0.0.1:1/zinc",
        &["migrate", "status"],
    );
    assert_eq!(output.status.code(), Some(3));
    let text = stderr(&output);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2_500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        text.contains("127.0.0.1:1") && text.contains("refused"),
        "{text}"
    );
}

#[tokio::test]
async fn read_only_commands_never_create_a_database() {
    let name = format!("zinc_test_absent_{}", std::process::id());
    let url = replace_database(&admin_url(), &name);
    let _drop = DropDatabase(name.clone());
    for args in [vec!["migrate", "status"], vec!["keys", "list"]] {
        let output = ZINC.run(&url, &args);
        assert_eq!(output.status.code(), Some(3), "{args:?}");
        let text = stderr(&output);
        assert!(text.contains("does not exist"), "{args:?}: {text}");
        assert_eq!(text.trim().lines().count(), 1, "{text}");
        assert!(
            !database_exists(&name).await,
            "{args:?} created the database"
        );
    }
}

#[tokio::test]
async fn a_directory_given_as_the_file_is_one_clear_line_and_touches_nothing() {
    let name = format!("zinc_test_dir_{}", std::process::id());
    let url = replace_database(&admin_url(), &name);
    let _drop = DropDatabase(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let output = ZINC.run(&url, &["import", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    let text = stderr(&output);
    assert_eq!(text.trim().lines().count(), 1, "{text}");
    assert!(text.contains("is a directory"), "{text}");
    assert!(!database_exists(&name).await);
}

#[tokio::test]
async fn a_partial_skip_invalid_import_exits_4_and_never_says_no_changes() {
    let database = TestDatabase::migrated().await;
    let real = real_export_path();
    assert!(
        ZINC.run(database.url(), &["import", real.to_str().unwrap()])
            .status
            .success()
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let text = real_export().replacen("Golf - experience", "Gym", 1);
    std::fs::write(&bad, text).unwrap();
    let mut command = ZINC.command(database.url());
    command.env_remove("RUST_LOG");
    let output = command
        .args(["import", bad.to_str().unwrap(), "--skip-invalid"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    let out = stdout(&output);
    assert!(!out.contains("No changes"), "{out}");
    assert!(out.contains("1 rejected"), "{out}");
    assert!(
        stderr(&output).trim().is_empty(),
        "no log line beside the report: {}",
        stderr(&output)
    );
}

#[tokio::test]
async fn rollups_verify_finds_a_corrupted_row_and_rebuild_mends_it() {
    let database = TestDatabase::empty().await;
    let real = real_export_path();
    assert!(
        ZINC.run(database.url(), &["import", real.to_str().unwrap()])
            .status
            .success()
    );
    let verify = ZINC.run(database.url(), &["rollups", "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");
    assert_eq!(stdout(&verify), "The rollups match the orders.\n");

    database
        .connection()
        .execute_unprepared(
            "UPDATE sales_by_day SET revenue = revenue + 1 \
             WHERE date = '2025-03-01' AND location = 'Golf - experience'",
        )
        .await
        .unwrap();
    let verify = ZINC.run(database.url(), &["rollups", "verify"]);
    assert_eq!(verify.status.code(), Some(1), "{verify:?}");
    let text = stdout(&verify);
    assert!(
        text.starts_with("The rollups differ from the orders in 1 place(s):\n  daily sales 2025-03-01 Golf - experience: stored revenue "),
        "{text}"
    );
    assert!(text.contains("Run 'zinc rollups rebuild'"), "{text}");

    let rebuild = ZINC.run(database.url(), &["rollups", "rebuild"]);
    assert_eq!(rebuild.status.code(), Some(0), "{rebuild:?}");
    assert!(
        stdout(&rebuild).starts_with("Rebuilt the rollups from the orders (daily sales: "),
        "{}",
        stdout(&rebuild)
    );
    let verify = ZINC.run(database.url(), &["rollups", "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");
}

#[test]
fn each_commands_help_names_database_url_and_shows_an_example() {
    for command in ["import", "serve", "migrate", "keys", "rollups"] {
        let output = ZINC.run("postgres://localhost/zinc", &[command, "--help"]);
        let text = stdout(&output);
        assert!(text.contains("DATABASE_URL"), "{command}: {text}");
        assert!(text.contains("Example"), "{command}: {text}");
    }
}

#[tokio::test]
async fn a_dash_imports_standard_input() {
    use std::io::Write;
    let database = TestDatabase::migrated().await;
    let mut child = ZINC
        .command(database.url())
        .args(["import", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(real_export().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("of stdin: imported"), "{text}");
    let db = database.connection();
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM orders").await,
        1_408
    );
}

#[tokio::test]
async fn several_files_get_a_report_each_and_the_worst_exit_code() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, real_export().replacen("Golf - experience", "Gym", 1)).unwrap();
    let real = real_export_path();
    let output = ZINC.run(
        database.url(),
        &["import", real.to_str().unwrap(), bad.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1), "one file was rejected");
    let text = stdout(&output);
    assert!(
        text.contains("Import #1 of zinc-sales.csv: imported"),
        "{text}"
    );
    assert!(text.contains("Import #2 of bad.csv: REJECTED"), "{text}");

    let missing = ZINC.run(
        database.url(),
        &["import", real.to_str().unwrap(), "/no/such.csv"],
    );
    assert_eq!(
        missing.status.code(),
        Some(3),
        "checked before anything is imported"
    );
    let db = database.connection();
    assert_eq!(scalar::<i64>(db, "SELECT count(*) FROM imports").await, 2);
}

#[tokio::test]
async fn a_dry_run_names_the_sales_it_would_replace_and_writes_nothing() {
    let database = TestDatabase::migrated().await;
    let real = real_export_path();
    assert!(
        ZINC.run(database.url(), &["import", real.to_str().unwrap()])
            .status
            .success()
    );
    let db = database.connection();
    let imports = scalar::<i64>(db, "SELECT count(*) FROM imports").await;
    let total = scalar::<Decimal>(db, "SELECT sum(total) FROM orders").await;
    // Sale 4105 (nine lines) moves to the other location: a replacement.
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("changed.csv");
    let text: String = real_export()
        .split_inclusive('\n')
        .map(|line| {
            if line.contains(",4105,") {
                line.replacen("Golf - experience", "Online Store", 1)
            } else {
                line.to_owned()
            }
        })
        .collect();
    std::fs::write(&changed, text).unwrap();
    let output = ZINC.run(
        database.url(),
        &["import", "--dry-run", changed.to_str().unwrap()],
    );
    assert!(output.status.success(), "{output:?}");
    let out = stdout(&output);
    assert!(
        out.contains("Dry run of changed.csv: would be imported; nothing was written"),
        "{out}"
    );
    assert!(
        out.contains("orders    0 created, 1 updated, 1,407 unchanged"),
        "{out}"
    );
    assert!(out.contains("replaced  Sale IDs 4105"), "{out}");
    assert!(!out.contains("No changes"), "{out}");
    assert_eq!(
        scalar::<i64>(db, "SELECT count(*) FROM imports").await,
        imports,
        "a dry run is not recorded"
    );
    assert_eq!(
        scalar::<String>(db, "SELECT location FROM orders WHERE sale_id = 4105").await,
        "Golf - experience"
    );
    assert_eq!(
        scalar::<Decimal>(db, "SELECT sum(total) FROM orders").await,
        total
    );
    // The real import then does what the dry run said, and keeps the list on record.
    let output = ZINC.run(database.url(), &["import", changed.to_str().unwrap()]);
    assert!(stdout(&output).contains("replaced  Sale IDs 4105"));
    assert_eq!(
        scalar::<Vec<i64>>(
            db,
            "SELECT replaced_sales FROM imports ORDER BY id DESC LIMIT 1"
        )
        .await,
        vec![4105]
    );
}

/// `zinc imports rejected ID` prints the reject file of import ID, byte for byte what the
/// API's `/api/v1/imports/{id}/rejected.csv` answers; the import's report names the command.
/// Exit codes: 0 written, 1 no such import, 2 not an import number.
#[tokio::test]
async fn zinc_imports_rejected_prints_the_reject_file_the_api_serves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let text = real_export();
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    lines[13] = lines[13].replace("Golf - experience", "Gym");
    let bad_line = lines[13].trim_end_matches('\r').to_owned();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let database = TestDatabase::migrated().await;
    let skipped = ZINC.run(
        database.url(),
        &["import", path.to_str().unwrap(), "--skip-invalid"],
    );
    assert_eq!(skipped.status.code(), Some(4), "partly imported");
    let report = stdout(&skipped);
    assert!(
        report.contains("zinc imports rejected 1 > rejected-1.csv"),
        "{report}"
    );

    let printed = ZINC.run(database.url(), &["imports", "rejected", "1"]);
    assert_eq!(printed.status.code(), Some(0), "{printed:?}");
    let file = String::from_utf8(printed.stdout.clone()).unwrap();
    assert!(file.contains(&bad_line), "{file}");
    let server = ZINC.serve(database.url(), &[], &[]);
    let served = reqwest::get(server.url("/api/v1/imports/1/rejected.csv"))
        .await
        .unwrap();
    assert_eq!(served.status(), reqwest::StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().as_ref(), printed.stdout);

    let unknown = ZINC.run(database.url(), &["imports", "rejected", "99"]);
    assert_eq!(unknown.status.code(), Some(1), "{unknown:?}");
    assert!(unknown.stdout.is_empty());
    assert!(
        stderr(&unknown).contains("no finished import has the number 99"),
        "{}",
        stderr(&unknown)
    );
    for bad in ["0", "seven"] {
        let usage = ZINC.run(database.url(), &["imports", "rejected", bad]);
        assert_eq!(usage.status.code(), Some(2), "{bad}: {usage:?}");
    }
}

/// An .xlsx (a zip) or .xls file given as the export is named as an Excel file, with how to
/// save it as CSV, by the command line and by the API alike (the domain's header reading
/// says it); nothing is written.
#[tokio::test]
async fn an_excel_file_is_named_with_how_to_save_it_as_csv() {
    const SAID: &str = "this is an Excel file, not a CSV file: save it as CSV (File > Save As > CSV UTF-8) and import that";
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::migrated().await;
    let starts: [(&str, &[u8]); 2] = [
        (
            "sales.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
        ),
        (
            "sales.xls",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00",
        ),
    ];
    let server = ZINC.serve(database.url(), &[], &[]);
    for (name, start) in starts {
        let mut bytes = start.to_vec();
        bytes.extend((0..4_000u32).map(|i| (i % 251) as u8));
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();

        let output = ZINC.run(database.url(), &["import", path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
        let out = stdout(&output);
        assert!(out.contains(SAID), "{name}: {out}");
        assert!(!out.contains("control character"), "{name}: {out}");

        let answer = reqwest::Client::new()
            .post(server.url(&format!("/api/v1/imports?filename={name}")))
            .header("content-type", "text/csv")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let body: serde_json::Value = answer.json().await.unwrap();
        // A problem with the file as a whole (its header) is the API's 400, its report beside.
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(body["errors"][0]["message"], SAID, "{name}: {body}");
    }
    let db = database.connection();
    assert_eq!(scalar::<i64>(db, "SELECT count(*) FROM orders").await, 0);
}

/// A statement of an import that outlasts its bound ends the import, which says the variable
/// to raise and its value; requests' bound (`ZINC_DB_STATEMENT_TIMEOUT`) plays no part.
#[tokio::test]
async fn an_import_past_its_statement_bound_names_the_variable_to_raise() {
    let database = TestDatabase::migrated().await;
    // Each statement writing orders takes as long as a large file's would.
    database
        .connection()
        .execute_unprepared(
            "CREATE FUNCTION zinc_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_sleep(3.5); RETURN NULL; END $$;
             CREATE TRIGGER zinc_test_slow BEFORE INSERT ON orders
               FOR EACH STATEMENT EXECUTE FUNCTION zinc_test_slow();",
        )
        .await
        .unwrap();
    let output = ZINC
        .command(database.url())
        .env("ZINC_DB_IMPORT_STATEMENT_TIMEOUT", "2")
        .env("ZINC_DB_LOCK_TIMEOUT", "1")
        .args(["import", real_export_path().to_str().unwrap()])
        .output()
        .expect("run zinc");

    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains(
            "one statement of the import ran past ZINC_DB_IMPORT_STATEMENT_TIMEOUT (2 s): \
             raise it for data this large"
        ),
        "{text}"
    );
    let db = database.connection();
    assert_eq!(scalar::<i64>(db, "SELECT count(*) FROM orders").await, 0);
}
