//! Files that import themselves, end to end: `zinc watch DIR` run as a child process on a
//! temporary folder and a database of its own, with short intervals; the `imports` table and
//! the folders are checked after each story.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use zinc_e2e::{Zinc, generate_sales, real_export};
use zinc_testkit::{TestDatabase, scalar};

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

/// How long any story may wait for the watcher: a debug build importing 200,000 rows took
/// over 60 s on this 2-core machine while other builds ran. A bound on a failure, never a
/// wait on success: every wait polls.
const PATIENCE: Duration = Duration::from_secs(180);

/// A `zinc watch` process, killed when dropped.
struct Watching(Child);

impl Watching {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `zinc watch dir` listing every 100 ms, reading files unchanged for `settle_ms`.
fn watch(database: &TestDatabase, dir: &Path, settle_ms: u64) -> Watching {
    watch_with(database, dir, settle_ms, &[])
}

/// The same, with `env` added.
fn watch_with(
    database: &TestDatabase,
    dir: &Path,
    settle_ms: u64,
    env: &[(&str, &str)],
) -> Watching {
    let child = ZINC
        .command(database.url())
        .envs(env.iter().copied())
        .args(["watch", dir.to_str().unwrap()])
        .env("ZINC_WATCH_INTERVAL_MS", "100")
        .env("ZINC_WATCH_SETTLE_MS", settle_ms.to_string())
        .env("ZINC_WATCH_MODE", "skip_invalid")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start zinc watch");
    Watching(child)
}

async fn count(database: &TestDatabase, sql: &str) -> i64 {
    scalar(database.connection(), sql).await
}

/// Waits (polling every 50 ms, at most [`PATIENCE`]) until `path` exists.
async fn appears(path: &Path) {
    let deadline = Instant::now() + PATIENCE;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared; the folder holds {:?}",
            path.display(),
            listing(path.parent().unwrap())
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn report(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn imported(dir: &Path, name: &str) -> PathBuf {
    dir.join("imported").join(name)
}

/// The real export with one line broken: its sale is rejected, the rest imported.
fn with_a_bad_line() -> String {
    let text = real_export();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let bad = (1..lines.len())
        .find(|&n| lines[n].contains(",Golf - experience,"))
        .unwrap();
    lines[bad] = lines[bad].replacen(",Golf - experience,", ",Gym,", 1);
    lines.join("\n") + "\n"
}

#[tokio::test]
async fn files_dropped_while_watching_are_imported_and_moved_with_their_reports() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let _watcher = watch(&database, dir.path(), 300);
    std::fs::write(dir.path().join("good.csv"), real_export()).unwrap();
    std::fs::write(dir.path().join("partial.csv"), with_a_bad_line()).unwrap();
    std::fs::write(dir.path().join("empty.csv"), "").unwrap();

    let good = imported(dir.path(), "good.csv.report.json");
    appears(&good).await;
    let good = report(&good);
    assert_eq!(good["outcome"], "imported", "{good}");
    assert_eq!(good["import"]["rows_total"], 1_661, "{good}");
    assert_eq!(good["import"]["source"], "watch", "{good}");

    let partial = imported(dir.path(), "partial.csv.report.json");
    appears(&partial).await;
    let partial = report(&partial);
    assert_eq!(partial["import"]["status"], "succeeded", "{partial}");
    assert!(partial["import"]["rows_rejected"].as_u64().unwrap() > 0);
    let rejects =
        std::fs::read_to_string(imported(dir.path(), "partial.csv.rejected.csv")).unwrap();
    assert!(rejects.contains("Gym"), "{rejects}");

    let empty = dir.path().join("rejected").join("empty.csv.report.json");
    appears(&empty).await;
    assert_eq!(report(&empty)["outcome"], "rejected");
    assert!(dir.path().join("rejected").join("empty.csv").exists());

    assert_eq!(
        listing(dir.path()),
        ["imported", "rejected"],
        "every file moved"
    );
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM imports WHERE source = 'watch'"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn a_file_over_the_upload_limit_is_rejected_unread_with_a_report() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let _watcher = watch_with(
        &database,
        dir.path(),
        200,
        &[("ZINC_MAX_UPLOAD_BYTES", "1000")],
    );
    let text = real_export();
    std::fs::write(dir.path().join("huge.csv"), &text).unwrap();
    let done = dir.path().join("rejected").join("huge.csv.report.json");
    appears(&done).await;
    let done = report(&done);
    assert_eq!(done["outcome"], "too_large", "{done}");
    let message = done["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{} bytes", text.len())),
        "{message}"
    );
    assert!(message.contains("1000 bytes"), "{message}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rejected").join("huge.csv")).unwrap(),
        text,
        "moved, not cut"
    );
    assert_eq!(count(&database, "SELECT count(*) FROM imports").await, 0);
}

#[tokio::test]
async fn a_file_written_slowly_is_read_only_once_its_size_stays_the_same() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let _watcher = watch(&database, dir.path(), 1_500);
    let text = real_export();
    let path = dir.path().join("slow.csv");
    // Ten pieces, 300 ms apart: the file grows for 2.7 s, never still for 1.5 s.
    let piece = text.len().div_ceil(10);
    let mut file = std::fs::File::create(&path).unwrap();
    for chunk in text.as_bytes().chunks(piece) {
        std::io::Write::write_all(&mut file, chunk).unwrap();
        file.sync_all().unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            count(&database, "SELECT count(*) FROM imports").await,
            0,
            "read while still being written"
        );
    }
    drop(file);
    let done = imported(dir.path(), "slow.csv.report.json");
    appears(&done).await;
    assert_eq!(report(&done)["import"]["rows_total"], 1_661);
    assert_eq!(count(&database, "SELECT count(*) FROM imports").await, 1);
}

#[tokio::test]
async fn a_part_file_is_left_alone_until_it_is_renamed() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let _watcher = watch(&database, dir.path(), 200);
    let part = dir.path().join("daily.csv.part");
    std::fs::write(&part, real_export()).unwrap();
    // The folders appear on the first listing; three settle times later the .part is still
    // there, unread.
    appears(&dir.path().join("imported")).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(part.exists());
    assert_eq!(count(&database, "SELECT count(*) FROM imports").await, 0);
    std::fs::rename(&part, dir.path().join("daily.csv")).unwrap();
    appears(&imported(dir.path(), "daily.csv.report.json")).await;
    assert_eq!(count(&database, "SELECT count(*) FROM imports").await, 1);
}

#[tokio::test]
async fn the_same_file_twice_is_imported_once_and_the_second_says_which_import_it_was() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let _watcher = watch(&database, dir.path(), 200);
    std::fs::write(dir.path().join("monday.csv"), real_export()).unwrap();
    let first = imported(dir.path(), "monday.csv.report.json");
    appears(&first).await;
    let first = report(&first);
    // The same bytes again, under the same name (numbered in imported/) and another one.
    std::fs::write(dir.path().join("monday.csv"), real_export()).unwrap();
    std::fs::write(dir.path().join("again.csv"), real_export()).unwrap();
    for name in ["monday-2.csv.report.json", "again.csv.report.json"] {
        let path = imported(dir.path(), name);
        appears(&path).await;
        let again = report(&path);
        assert_eq!(again["outcome"], "already_imported", "{again}");
        assert_eq!(again["import"]["id"], first["import"]["id"], "{again}");
    }
    assert!(imported(dir.path(), "monday.csv").exists());
    assert!(imported(dir.path(), "monday-2.csv").exists());
    assert_eq!(count(&database, "SELECT count(*) FROM imports").await, 1);
}

/// Transactions of this test's database that have written something (the import's record
/// is its first write): an import is under way, its work not yet committed.
async fn imports_under_way(database: &TestDatabase) -> i64 {
    count(
        database,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
    )
    .await
}

#[tokio::test]
async fn a_watcher_killed_mid_import_leaves_nothing_and_the_next_imports_the_file_once() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let staging = tempfile::tempdir().unwrap();
    let big = staging.path().join("big.csv");
    generate_sales(200_000, 7, &big);
    std::fs::rename(&big, dir.path().join("big.csv")).unwrap();
    let mut first = watch(&database, dir.path(), 200);
    let deadline = Instant::now() + PATIENCE;
    while imports_under_way(&database).await == 0 {
        assert!(Instant::now() < deadline, "the import never began");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill();
    assert_eq!(count(&database, "SELECT count(*) FROM imports").await, 0);
    for table in ["orders", "order_items", "products"] {
        let rows = count(&database, &format!("SELECT count(*) FROM {table}")).await;
        assert_eq!(rows, 0, "{table}: nothing partial");
    }
    assert!(dir.path().join("big.csv").exists(), "the file stays");

    let _second = watch(&database, dir.path(), 200);
    let done = imported(dir.path(), "big.csv.report.json");
    appears(&done).await;
    let done = report(&done);
    assert_eq!(done["outcome"], "imported", "{done}");
    assert_eq!(done["import"]["rows_total"], 200_000);
    assert_eq!(count(&database, "SELECT count(*) FROM imports").await, 1);
}

#[tokio::test]
async fn two_watchers_on_one_folder_import_each_file_exactly_once() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let staging = tempfile::tempdir().unwrap();
    let _one = watch(&database, dir.path(), 200);
    let _two = watch(&database, dir.path(), 200);
    let names: Vec<String> = (1..=6).map(|n| format!("day-{n}.csv")).collect();
    for (seed, name) in names.iter().enumerate() {
        let path = staging.path().join(name);
        generate_sales(2_000, seed as u64 + 100, &path);
        std::fs::rename(&path, dir.path().join(name)).unwrap();
    }
    for name in &names {
        let path = imported(dir.path(), &format!("{name}.report.json"));
        appears(&path).await;
        assert_eq!(report(&path)["outcome"], "imported", "{name}");
    }
    assert_eq!(count(&database, "SELECT count(*) FROM imports").await, 6);
    assert_eq!(
        count(&database, "SELECT count(DISTINCT sha256) FROM imports").await,
        6
    );
    let moved = listing(&dir.path().join("imported"));
    assert_eq!(moved.len(), 12, "each file and its report, once: {moved:?}");
}

#[tokio::test]
async fn zinc_watch_alone_serves_its_counts_on_the_metrics_address() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_bind = format!("127.0.0.1:{port}");
    let _watching = watch_with(
        &database,
        dir.path(),
        200,
        &[("ZINC_METRICS_BIND", &metrics_bind)],
    );
    std::fs::write(dir.path().join("alone.csv"), real_export()).unwrap();
    std::fs::write(dir.path().join("bad.csv"), "not,a,header\n").unwrap();
    appears(&imported(dir.path(), "alone.csv.report.json")).await;
    appears(&dir.path().join("rejected").join("bad.csv.report.json")).await;
    let metrics = reqwest::get(format!("http://{metrics_bind}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "zinc_watch_enabled 1",
        "zinc_watch_files_total{outcome=\"seen\"} 2",
        "zinc_watch_files_total{outcome=\"imported\"} 1",
        "zinc_watch_files_total{outcome=\"rejected\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "no {line}:\n{metrics}");
    }
    assert!(
        metrics.contains("process_resident_memory_bytes"),
        "{metrics}"
    );
    let elsewhere = reqwest::get(format!("http://{metrics_bind}/api/v1/orders"))
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn zinc_serve_watches_its_folder_and_counts_the_files_in_its_metrics() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let server = ZINC.serve(
        database.url(),
        &[],
        &[
            ("ZINC_BIND", "127.0.0.1:0"),
            ("ZINC_WATCH_DIR", dir.path().to_str().unwrap()),
            ("ZINC_WATCH_INTERVAL_MS", "100"),
            ("ZINC_WATCH_SETTLE_MS", "200"),
        ],
    );
    std::fs::write(dir.path().join("served.csv"), real_export()).unwrap();
    std::fs::write(dir.path().join("bad.csv"), "not,a,header\n").unwrap();
    appears(&imported(dir.path(), "served.csv.report.json")).await;
    appears(&dir.path().join("rejected").join("bad.csv.report.json")).await;
    let metrics = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "zinc_watch_enabled 1",
        "zinc_watch_files_total{outcome=\"seen\"} 2",
        "zinc_watch_files_total{outcome=\"imported\"} 1",
        "zinc_watch_files_total{outcome=\"rejected\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "no {line}:\n{metrics}");
    }
    let last = metrics
        .lines()
        .find_map(|l| l.strip_prefix("zinc_watch_last_success_timestamp_seconds "))
        .and_then(|value| value.parse::<i64>().ok())
        .expect("the last success gauge");
    assert!(
        (chrono::Utc::now().timestamp() - last).abs() < 120,
        "{last}"
    );
    let history: Value = reqwest::get(server.url("/api/v1/imports"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"][0]["source"], "watch", "{history}");
}

#[tokio::test]
async fn zinc_serve_refuses_a_watch_dir_that_is_not_a_folder() {
    let database = TestDatabase::migrated().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let output = ZINC
        .command(database.url())
        .arg("serve")
        .env("ZINC_BIND", "127.0.0.1:0")
        .env("ZINC_WATCH_DIR", &missing)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is not a folder (ZINC_WATCH_DIR)"),
        "{stderr}"
    );
    assert!(!missing.exists(), "not created");
}
