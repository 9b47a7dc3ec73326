//! The import use case over the in-memory store (and mocked ports where a test needs a store
//! that fails or must not be called): no database involved.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use zinc_application::{ImportError, ImportRequest, ImportSales, NoProgress};
use zinc_domain::{
    HeaderLine, ImportId, ImportMode, ImportReport, ImportStatus, MAX_RECORD_BYTES,
    MAX_REJECTED_LINES, Money, Page, ProductFilter, RejectedLineCounts, Sale, SaleId,
};
use zinc_ports::{
    ImportHistory, MockDataVersions, MockImportSession, MockSalesLedger, ProductCatalog, StoreError,
};
use zinc_testkit::MemoryStore;

/// The header line of the export.
const HEADER: HeaderLine = HeaderLine;

fn row(sale_id: u32, item: &str, location: &str) -> String {
    format!(
        "3/1/2025,100002649,{sale_id},{item},---,,{location},,---,---,32,1,32,0,0,2.88,34.88,34.88,Credit card (AMEX-Keyed)"
    )
}

fn file(rows: &[String]) -> String {
    format!("{HEADER}\r\n{}\r\n", rows.join("\r\n"))
}

fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn ledger_with(session: MockImportSession) -> MockSalesLedger {
    let mut ledger = MockSalesLedger::new();
    ledger
        .expect_begin_import()
        .times(1)
        .return_once(move |_| Ok(Box::new(session)));
    ledger
}

async fn import(
    store: &MemoryStore,
    text: &str,
    mode: ImportMode,
    batch_size: usize,
) -> ImportReport {
    let use_case = ImportSales::new(store.clone())
        .with_clock(fixed_now)
        .with_batch_size(batch_size);
    let request = ImportRequest::new(
        "sales.csv",
        text.as_bytes(),
        mode,
        zinc_domain::ImportSource::Cli,
    );
    use_case.import(request, &NoProgress).await.unwrap()
}

async fn recorded(store: &MemoryStore, report: &ImportReport) -> ImportReport {
    store.find_import(report.id).await.unwrap().unwrap()
}

async fn product_names(store: &MemoryStore) -> Vec<String> {
    let products = store
        .list_products(&ProductFilter::default(), Page::default())
        .await
        .unwrap();
    products
        .items
        .iter()
        .map(|p| p.name.as_str().to_owned())
        .collect()
}

async fn sale_ids(store: &MemoryStore) -> Vec<i64> {
    store
        .sales()
        .await
        .iter()
        .map(|s| s.sale_id().get())
        .collect()
}

fn problems(report: &ImportReport) -> Vec<String> {
    report
        .problems
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Imports `text` with a versions port that expects to be told to forget `forgets` times.
async fn import_telling_versions(text: &str, mode: ImportMode, dry_run: bool, forgets: usize) {
    let mut versions = MockDataVersions::new();
    versions.expect_forget().times(forgets).return_const(());
    let use_case = ImportSales::new(MemoryStore::new())
        .with_clock(fixed_now)
        .with_versions(std::sync::Arc::new(versions));
    let request = ImportRequest {
        dry_run,
        ..ImportRequest::new(
            "sales.csv",
            text.as_bytes(),
            mode,
            zinc_domain::ImportSource::Cli,
        )
    };
    use_case.import(request, &NoProgress).await.unwrap();
}

#[tokio::test]
async fn only_an_import_that_changed_the_data_makes_the_versions_forget() {
    let good = file(&[row(1, "Tea", "Online Store")]);
    let bad = file(&[row(1, "Tea", "Online Store"), "not,a,sale".to_owned()]);
    import_telling_versions(&good, ImportMode::Strict, false, 1).await;
    import_telling_versions(&bad, ImportMode::SkipInvalid, false, 1).await;
    import_telling_versions(&good, ImportMode::Strict, true, 0).await;
    import_telling_versions(&bad, ImportMode::Strict, false, 0).await;
}

#[tokio::test]
async fn imports_a_valid_file_and_commits_once() {
    let store = MemoryStore::new();
    let text = file(&[
        row(3971, "10 Practice Credits", "Golf - experience"),
        row(3965, "Club set rental", "Golf - experience"),
        row(3971, "Mineral Water ", "Golf - experience"),
    ]);
    let report = import(&store, &text, ImportMode::Strict, 5_000).await;

    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(report.counts.rows_total, 3);
    assert_eq!(report.counts.rows_imported, 3);
    assert_eq!(report.counts.sales_total, 2);
    assert_eq!(report.counts.orders_created, 2);
    assert_eq!(report.counts.products_created, 3);
    assert_eq!(recorded(&store, &report).await, report);
    assert_eq!(sale_ids(&store).await, vec![3965, 3971]);
    assert_eq!(
        store.sales().await[1].lines().len(),
        2,
        "non-adjacent rows form one sale"
    );
    assert_eq!(
        product_names(&store).await,
        vec!["10 Practice Credits", "Club set rental", "Mineral Water"]
    );
}

#[tokio::test]
async fn records_the_sha256_of_the_whole_file() {
    let store = MemoryStore::new();
    let text = file(&[row(1, "a", "Online Store")]);
    let report = import(&store, &text, ImportMode::Strict, 5_000).await;
    let expected = {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(text.as_bytes()))
    };
    assert_eq!(report.sha256, expected);
}

#[tokio::test]
async fn strict_mode_rejects_the_whole_file_and_writes_nothing() {
    let store = MemoryStore::new();
    let use_case = ImportSales::new(store.clone()).with_clock(fixed_now);
    let text = file(&[
        row(1, "a", "Golf - experience"),
        row(2, "b", "Gym"),
        row(3, "c", "Online Store").replace("3/1/2025", "31/1/2025"),
    ]);
    let request = ImportRequest::new(
        "bad.csv",
        text.as_bytes(),
        ImportMode::Strict,
        zinc_domain::ImportSource::Cli,
    );
    let report = use_case.import(request, &NoProgress).await.unwrap();

    assert_eq!(report.status, ImportStatus::Rejected);
    assert_eq!(
        problems(&report),
        vec![
            "line 3, column Location: 'Gym' is not a known location (Online Store or Golf - experience)",
            "line 4, column Sale Date: '31/1/2025' is not a calendar date",
        ]
    );
    assert_eq!(report.counts.rows_total, 3);
    assert_eq!(report.counts.rows_imported, 0);
    assert_eq!(report.counts.rows_rejected, 3);
    assert_eq!(recorded(&store, &report).await, report);
    assert!(store.sales().await.is_empty() && product_names(&store).await.is_empty());
}

#[tokio::test]
async fn skip_invalid_rejects_a_sale_with_one_bad_line_whole_and_writes_the_rest() {
    let store = MemoryStore::new();
    let text = file(&[
        row(10, "a", "Golf - experience"),
        row(11, "b", "Golf - experience"),
        row(10, "c", "Gym"),
    ]);
    let report = import(&store, &text, ImportMode::SkipInvalid, 5_000).await;

    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(report.counts.sales_total, 2);
    assert_eq!(report.counts.sales_rejected, 1);
    assert_eq!(report.counts.rows_imported, 1);
    assert_eq!(report.counts.rows_rejected, 2);
    assert_eq!(
        report.problems.problems()[0].sale_id,
        Some(SaleId::new(10).unwrap())
    );
    assert_eq!(sale_ids(&store).await, vec![11]);
    assert_eq!(
        product_names(&store).await,
        vec!["b"],
        "a rejected sale creates no product"
    );
}

#[tokio::test]
async fn lines_of_one_sale_far_apart_must_agree() {
    let store = MemoryStore::new();
    let text = file(&[
        row(20, "a", "Golf - experience"),
        row(21, "b", "Golf - experience"),
        row(20, "c", "Online Store"),
    ]);
    let report = import(&store, &text, ImportMode::Strict, 5_000).await;
    assert_eq!(report.status, ImportStatus::Rejected);
    assert_eq!(
        problems(&report),
        vec![
            "line 4, column Location: 'Online Store' differs from line 2 of the same sale ('Golf - experience'): all lines of sale 20 must share it"
        ]
    );
}

#[tokio::test]
async fn sales_spanning_batches_are_assembled_whole() {
    let store = MemoryStore::new();
    let rows: Vec<String> = (0..7)
        .map(|i| row(30 + (i % 2), &format!("p{i}"), "Online Store"))
        .collect();
    let report = import(&store, &file(&rows), ImportMode::Strict, 2).await;
    assert_eq!(report.counts.orders_created, 2);
    let sizes: Vec<usize> = store
        .sales()
        .await
        .iter()
        .map(|s| s.lines().len())
        .collect();
    assert_eq!(sizes, vec![4, 3]);
}

#[tokio::test]
async fn a_bad_header_rejects_the_file_before_anything_is_kept() {
    let mut session = MockImportSession::new();
    session.expect_import_id().return_const(ImportId::new(3));
    session.expect_stage_sales().never();
    session.expect_stage_loose_lines().never();
    session.expect_write().never();
    session.expect_commit().never();
    session.expect_reject().times(1).returning(|_, _| Ok(()));
    let use_case = ImportSales::new(ledger_with(session)).with_clock(fixed_now);
    let text = "Sale Date,Client ID\r\n3/1/2025,1\r\n";
    let request = ImportRequest::new(
        "x.csv",
        text.as_bytes(),
        ImportMode::Strict,
        zinc_domain::ImportSource::Cli,
    );
    let report = use_case.import(request, &NoProgress).await.unwrap();
    assert_eq!(report.status, ImportStatus::Rejected);
    assert_eq!(report.problems.total(), 1);
    assert!(
        problems(&report)[0]
            .starts_with("line 1: the header is missing the columns Sale ID, Item name")
    );
}

#[tokio::test]
async fn an_empty_file_is_rejected_with_a_clear_problem() {
    let store = MemoryStore::new();
    let report = import(&store, "", ImportMode::Strict, 5_000).await;
    assert_eq!(report.status, ImportStatus::Rejected);
    assert_eq!(
        problems(&report),
        vec!["file: the file is empty: expected a header line naming the export's columns"]
    );
}

/// A source that gives a few bytes of `text`, fails once, as a disk or a network can, then
/// gives the rest.
struct FailingOnce {
    text: std::io::Cursor<Vec<u8>>,
    failed: bool,
}

impl std::io::Read for FailingOnce {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.text.position() >= 20 && !self.failed {
            self.failed = true;
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the source went away",
            ));
        }
        let take = buf.len().min(20);
        self.text.read(&mut buf[..take])
    }
}

#[tokio::test]
async fn a_source_failing_in_the_header_aborts_the_import_unrecorded() {
    let store = MemoryStore::new();
    let use_case = ImportSales::new(store.clone()).with_clock(fixed_now);
    let source = FailingOnce {
        text: std::io::Cursor::new(file(&[row(1, "Water", "Online Store")]).into_bytes()),
        failed: false,
    };
    let request = ImportRequest::new(
        "sales.csv",
        source,
        ImportMode::Strict,
        zinc_domain::ImportSource::Cli,
    );
    match use_case.import(request, &NoProgress).await {
        Err(ImportError::Unreadable(error)) => {
            assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
        }
        other => panic!("expected the read failure, got {other:?}"),
    }
    let history = store.list_imports(Page::default()).await.unwrap();
    assert!(history.items.is_empty(), "nothing recorded: {history:?}");
    assert!(store.sales().await.is_empty());
}

#[tokio::test]
async fn a_store_failure_aborts_the_import_without_commit_or_record() {
    let mut session = MockImportSession::new();
    session.expect_import_id().return_const(ImportId::new(1));
    session
        .expect_stage_sales()
        .returning(|_| Err(StoreError::Unavailable("connection reset".into())));
    session.expect_commit().never();
    session.expect_reject().never();
    let use_case = ImportSales::new(ledger_with(session)).with_clock(fixed_now);
    let text = file(&[row(1, "a", "Online Store")]);
    let request = ImportRequest::new(
        "x.csv",
        text.as_bytes(),
        ImportMode::Strict,
        zinc_domain::ImportSource::Cli,
    );
    let error = use_case.import(request, &NoProgress).await.unwrap_err();
    assert!(matches!(
        error,
        ImportError::Store(StoreError::Unavailable(_))
    ));
}

#[tokio::test]
async fn imports_the_real_export_exactly() {
    let text = zinc_testkit::real_export();
    let store = MemoryStore::new();
    let report = import(&store, &text, ImportMode::Strict, 500).await;

    assert_eq!(problems(&report), Vec::<String>::new());
    assert_eq!(report.counts.rows_total, 1_661);
    assert_eq!(report.counts.sales_total, 1_408);
    assert_eq!(report.counts.products_created, 80);
    let sales = store.sales().await;
    let total: Money = sales.iter().map(Sale::total).sum();
    assert_eq!(total.amount(), "64509.982".parse::<Decimal>().unwrap());
    let biggest = sales.iter().find(|s| s.sale_id().get() == 4105).unwrap();
    assert_eq!(
        biggest.lines().len(),
        9,
        "identical lines are separate units"
    );
}

#[tokio::test]
async fn skip_invalid_rejects_only_the_sale_with_a_nul_byte_in_a_note() {
    let store = MemoryStore::new();
    let text = file(&[
        row(40, "a", "Golf - experience"),
        row(41, "b", "Golf - experience").replace(",,Golf", ",VIP\0,Golf"),
        row(42, "c", "Golf - experience"),
    ]);
    let report = import(&store, &text, ImportMode::SkipInvalid, 5_000).await;

    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(report.counts.sales_rejected, 1);
    assert_eq!(report.counts.rows_imported, 2);
    let problem = &report.problems.problems()[0];
    assert_eq!(problem.line, Some(3));
    assert_eq!(problem.column.as_deref(), Some("Sales Notes"));
    assert!(!problem.value.as_deref().unwrap().contains('\0'));
    assert_eq!(sale_ids(&store).await, vec![40, 42]);
}

/// Counts the bytes allocated and freed by each thread, to measure one import's peak memory
/// (a `#[tokio::test]` runs on its own single thread).
struct CountingAllocator;

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|live| {
            live.set(live.get() + layout.size() as i64);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
        });
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|live| live.set(live.get() - layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// The most bytes live at once on this thread while `run` runs, beyond those live before.
async fn peak_memory<T>(run: impl std::future::Future<Output = T>) -> (T, i64) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    let value = run.await;
    (value, PEAK.with(Cell::get) - before)
}

/// The hostile upload: within one sale, line 2 carries a long Payment Method and every later
/// line `X`, up to five megabytes.
fn hostile_file(payment_method: &str) -> String {
    let line = |method: &str| {
        row(50, "a", "Golf - experience").replace("Credit card (AMEX-Keyed)", method)
    };
    let mut rows = vec![line(payment_method)];
    let mut size = rows[0].len();
    while size < 5 * 1024 * 1024 {
        rows.push(line("X"));
        size += rows[rows.len() - 1].len() + 2;
    }
    file(&rows)
}

#[tokio::test]
async fn a_hostile_five_megabyte_upload_gives_a_bounded_report_in_bounded_memory() {
    for payment_method in ["P".repeat(1024 * 1024), "P".repeat(255)] {
        let store = MemoryStore::new();
        let text = hostile_file(&payment_method);
        let (report, peak) = peak_memory(import(&store, &text, ImportMode::Strict, 5_000)).await;

        assert_eq!(report.status, ImportStatus::Rejected);
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            json.len() < 2 * 1024 * 1024,
            "a report of {} bytes",
            json.len()
        );
        let (total, listed) = (
            report.problems.total(),
            report.problems.problems().len() as u64,
        );
        if payment_method.len() > MAX_RECORD_BYTES {
            assert_eq!(total, 1, "reading stops at the row that runs on");
        } else {
            // Every line after the second differs from it: each is counted, not all listed.
            assert_eq!(total, report.counts.rows_total - 1, "every problem counted");
            assert!(listed < total, "{listed} of {total} problems listed");
        }
        // The in-memory store keeps every line (the real one keeps them in PostgreSQL): that,
        // one batch and the bounded report are all an import holds.
        assert!(
            peak < 128 * 1024 * 1024,
            "peak memory {} MiB",
            peak / 1024 / 1024
        );
    }
}

#[tokio::test]
async fn a_row_that_runs_on_stops_the_reading_and_rejects_the_file_in_any_mode() {
    let mut text = file(&[row(1, "Water", "Online Store")]);
    text.push('"');
    text.push_str(&"a".repeat(300 * 1024));
    for mode in [ImportMode::Strict, ImportMode::SkipInvalid] {
        let store = MemoryStore::new();
        let report = import(&store, &text, mode, 500).await;
        assert_eq!(report.status, ImportStatus::Rejected, "{mode:?}");
        assert!(
            problems(&report).iter().any(|p| p.contains("runs on past")),
            "{:?}",
            problems(&report)
        );
        assert!(store.sales().await.is_empty());
    }
}

/// The reject file recorded with `report`, as the CSV a client downloads.
async fn reject_file(store: &MemoryStore, report: &ImportReport) -> String {
    let rejected = store
        .rejected_lines(report.id)
        .await
        .unwrap()
        .unwrap()
        .lines;
    assert_eq!(rejected.counts(), report.rejected_lines);
    let mut csv = Vec::new();
    rejected.write_csv(&mut csv).unwrap();
    String::from_utf8(csv).unwrap()
}

#[tokio::test]
async fn skip_invalid_keeps_every_line_of_a_rejected_sale_verbatim_with_its_reason() {
    let store = MemoryStore::new();
    let noted = row(11, "d", "Golf - experience")
        .replace(",,Golf", ",\"two\r\nlines, \"\"quoted\"\"\",Golf");
    let bad = row(11, "c", "Gym").replace(",1,32,", ",x,32,");
    let text = file(&[
        row(10, "a", "Golf - experience"),
        row(11, "b", "Golf - experience"),
        bad.clone(),
        noted.clone(),
        row(12, "e", "Online Store"),
    ]);
    let report = import(&store, &text, ImportMode::SkipInvalid, 2).await;

    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(sale_ids(&store).await, vec![10, 12]);
    assert_eq!(
        report.rejected_lines,
        RejectedLineCounts {
            kept: 3,
            omitted: 0
        }
    );
    let b = row(11, "b", "Golf - experience");
    assert_eq!(
        reject_file(&store, &report).await,
        format!(
            "Line,Reason,{HEADER}\n\
             3,sale 11 is rejected: line 4 has a problem,{b}\n\
             4,column Location: 'Gym' is not a known location (Online Store or Golf - experience); column Quantity: 'x' is not a whole number,{bad}\n\
             5,sale 11 is rejected: line 4 has a problem,{noted}\n"
        )
    );
}

#[tokio::test]
async fn a_strict_rejection_keeps_the_same_lines_as_skip_invalid() {
    let text = file(&[
        row(10, "a", "Golf - experience"),
        row(11, "b", "Gym"),
        row(11, "c", "Golf - experience"),
    ]);
    let mut files = Vec::new();
    for mode in [ImportMode::Strict, ImportMode::SkipInvalid] {
        let store = MemoryStore::new();
        let report = import(&store, &text, mode, 5_000).await;
        files.push(reject_file(&store, &report).await);
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0].lines().count(), 3, "{}", files[0]);
}

#[tokio::test]
async fn lines_of_runs_that_did_not_assemble_wait_for_their_sale_to_be_decided() {
    let store = MemoryStore::new();
    let text = file(&[
        // Sale 20 disagrees with itself (goes loose), and a later line rejects it.
        row(20, "a", "Golf - experience"),
        row(20, "b", "Online Store"),
        row(21, "c", "Online Store"),
        row(20, "d", "Online Store").replace("3/1/2025", "31/1/2025"),
        // Sale 30 disagrees with itself and is rejected when assembled whole at the end.
        row(30, "e", "Online Store"),
        row(30, "f", "Golf - experience"),
        // Sale 40 is assembled and sent before a line further on rejects it.
        row(40, "g", "Online Store"),
        row(41, "h", "Online Store"),
        row(40, "i", "Gym"),
    ]);
    let report = import(&store, &text, ImportMode::SkipInvalid, 5_000).await;

    assert_eq!(sale_ids(&store).await, vec![21, 41]);
    let csv = reject_file(&store, &report).await;
    let reasons: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|line| {
            line.split(",3/1/2025")
                .next()
                .unwrap()
                .split(",31/1/2025")
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            "2,sale 20 is rejected: line 5 has a problem",
            "3,sale 20 is rejected: line 5 has a problem",
            "5,column Sale Date: '31/1/2025' is not a calendar date",
            "6,sale 30 is rejected: line 7 has a problem",
            "7,column Location: 'Golf - experience' differs from line 6 of the same sale ('Online Store'): all lines of sale 30 must share it",
            "10,column Location: 'Gym' is not a known location (Online Store or Golf - experience)",
        ]
    );
    assert_eq!(
        report.rejected_lines,
        RejectedLineCounts {
            kept: 6,
            omitted: 1
        },
        "line 8 was sent before line 10 rejected its sale"
    );
}

#[tokio::test]
async fn rows_without_a_sale_id_are_rejected_lines_up_to_the_bound() {
    let store = MemoryStore::new();
    let rows: Vec<String> = (0..MAX_REJECTED_LINES + 3)
        .map(|_| "3/1/2025,1,,x".to_owned())
        .chain([row(1, "a", "Online Store")])
        .collect();
    let report = import(&store, &file(&rows), ImportMode::SkipInvalid, 5_000).await;

    assert_eq!(sale_ids(&store).await, vec![1]);
    assert_eq!(
        report.rejected_lines,
        RejectedLineCounts {
            kept: MAX_REJECTED_LINES as u64,
            omitted: 3
        }
    );
    let csv = reject_file(&store, &report).await;
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("2,the row has 4 fields but the header has 19,3/1/2025,1,,x"),
        "{}",
        csv.lines().nth(1).unwrap()
    );
}

#[tokio::test]
async fn a_file_refused_whole_or_imported_whole_has_an_empty_reject_file() {
    let store = MemoryStore::new();
    let refused = import(&store, "Sale Date\n1\n", ImportMode::SkipInvalid, 5_000).await;
    assert_eq!(reject_file(&store, &refused).await, "Line,Reason\n");
    let text = file(&[row(1, "a", "Online Store")]);
    let imported = import(&store, &text, ImportMode::Strict, 5_000).await;
    assert!(imported.rejected_lines.is_empty());
    assert_eq!(
        reject_file(&store, &imported).await,
        format!("Line,Reason,{HEADER}\n")
    );
}
