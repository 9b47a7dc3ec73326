//! The contract every store must keep, as one suite run against each implementation: the
//! in-memory [`MemoryStore`](crate::MemoryStore) and the PostgreSQL adapter.
//!
//! Each case drives real files through the import use case and checks what the read ports
//! then say. A store crate runs the whole suite with [`store_contract!`](crate::store_contract):
//!
//! ```ignore
//! zinc_testkit::store_contract!(async { (zinc_testkit::MemoryStore::new().ports(), ()) });
//! ```
//!
//! The expression gives the ports of a new, empty store and a value kept alive for the test
//! (a test database, say).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use zinc_application::{
    ImportObserver, ImportPhase, ImportProgress, ImportRequest, ImportSales, NoProgress,
};
use zinc_domain::{
    DateBounds, FileDigest, HeaderLine, ImportId, ImportMode, ImportReport, ImportSource,
    ImportStatus, Location, MAX_DECIMAL_PLACES, Order, OrderFilter, OrderId, OrderWithItemPage,
    OrderWithItems, Page, ProductFilter, ProductId, RejectedLineCounts, SaleId, SalesExportWriter,
    sale_reason,
};
use zinc_ports::{
    FileClaim, ImportHistory, ImportReverts, NotRevertible, OrderBook, ProductCatalog, RevertError,
    RevertRequest, SaleCursor, SalesArchive, SalesLedger, WatchedFiles, WriteStep,
};

use crate::real_export;

/// The ports of one store under test.
#[derive(Clone)]
pub struct StorePorts {
    /// Where imports write.
    pub ledger: Arc<dyn SalesLedger>,
    /// Products as stored.
    pub catalog: Arc<dyn ProductCatalog>,
    /// Orders as stored.
    pub orders: Arc<dyn OrderBook>,
    /// The record of imports.
    pub history: Arc<dyn ImportHistory>,
    /// Orders whole, page by page, for exports.
    pub archive: Arc<dyn SalesArchive>,
    /// The claims of watched files.
    pub watched: Arc<dyn WatchedFiles>,
    /// Reverts imports.
    pub reverts: Arc<dyn ImportReverts>,
}

impl crate::MemoryStore {
    /// This store behind each port.
    pub fn ports(&self) -> StorePorts {
        StorePorts {
            ledger: Arc::new(self.clone()),
            catalog: Arc::new(self.clone()),
            orders: Arc::new(self.clone()),
            history: Arc::new(self.clone()),
            archive: Arc::new(self.clone()),
            watched: Arc::new(self.clone()),
            reverts: Arc::new(self.clone()),
        }
    }
}

/// Runs every case of the contract as a test of its own, each on a store from `$make`.
#[macro_export]
macro_rules! store_contract {
    ($make:expr) => {
        $crate::store_contract!(@cases $make;
            imports_the_real_export_exactly,
            reimporting_the_same_file_changes_nothing,
            a_corrected_sale_replaces_its_order_and_items,
            lines_of_a_sale_scattered_over_the_file_make_one_order_in_file_order,
            scattered_lines_that_disagree_reject_their_sale_only,
            skip_invalid_rejects_a_sale_whole_even_when_its_bad_line_comes_last,
            a_strict_rejection_writes_nothing_but_is_recorded,
            a_product_keeps_the_price_of_its_most_recent_sale,
            a_price_dates_from_the_first_sale_at_that_price,
            small_batches_give_the_same_result_as_one,
            a_dry_run_reports_what_would_change_and_writes_nothing,
            an_export_reads_back_as_the_stored_sales_and_reimports_unchanged,
            zero_amounts_keep_their_scale_and_an_export_reimports_unchanged,
            the_reject_file_keeps_the_lines_of_rejected_sales_verbatim,
            the_reject_file_imports_as_downloaded_and_its_fixed_lines_go_in,
            composed_and_decomposed_spellings_of_a_name_are_one_product,
            orders_filtered_by_product_are_those_holding_it,
            an_order_is_read_a_page_of_items_at_a_time,
            writing_reports_each_step_once_in_order,
            a_revert_record_names_its_import_and_counts_what_it_removed,
            a_claimed_file_is_busy_for_other_watchers_until_released,
            a_dropped_claim_is_given_up,
            bytes_imported_under_a_claim_are_seen_by_the_next_claim,
            bytes_that_succeeded_through_any_door_are_seen,
            a_rejection_counts_as_seen_only_when_a_watcher_recorded_it,
            a_dry_run_leaves_the_bytes_unseen,
            reverting_a_correction_puts_back_exactly_what_it_replaced,
            reverting_a_first_import_removes_its_sales_and_products,
            a_revert_is_recorded_and_can_be_reverted_in_turn,
            a_revert_is_refused_while_a_later_import_holds_the_same_sales,
            a_revert_plan_writes_nothing,
            an_import_is_reverted_once,
            unknown_and_rejected_imports_are_not_reverted,
            pruned_versions_cannot_be_reverted,
            a_revert_putting_back_a_product_whose_name_was_taken_since_is_refused,
            a_later_import_restating_a_sale_unchanged_holds_it_until_reverted,
            a_revert_putting_back_a_price_from_an_import_reverted_since_is_refused,
            a_revert_keeps_a_product_another_import_s_kept_copy_holds,
            reverting_a_revert_is_refused_once_its_import_s_versions_are_pruned,
            a_taken_name_is_held_by_an_import_in_effect_or_none,
            a_product_a_revert_kept_a_copy_of_is_removed_and_comes_back_with_it,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let (ports, _keep) = $make.await;
                $crate::contract::$case(ports).await;
            }
        )*
    };
}

/// The header line of the export.
const HEADER: HeaderLine = HeaderLine;

/// A one-unit row of sale `sale_id` on `date` (M/D/YYYY) at `price` with 9% tax.
fn row(date: &str, sale_id: u32, item: &str, price: &str, location: &str) -> String {
    let price: Decimal = price.parse().expect("a price");
    let tax = (price * Decimal::new(9, 2)).round_dp(3);
    let total = price + tax;
    format!(
        "{date},100002649,{sale_id},{item},---,,{location},,---,---,{price},1,{price},0,0,{tax},{total},{total},Credit card (AMEX-Keyed)"
    )
}

fn golf(date: &str, sale_id: u32, item: &str, price: &str) -> String {
    row(date, sale_id, item, price, "Golf - experience")
}

pub(crate) fn file(rows: &[String]) -> String {
    format!("{HEADER}\r\n{}\r\n", rows.join("\r\n"))
}

pub(crate) fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

async fn import_in_batches(
    ports: &StorePorts,
    text: &(impl AsRef<[u8]> + ?Sized),
    mode: ImportMode,
    batch_size: usize,
) -> ImportReport {
    run_import(ports, text, mode, batch_size, false).await
}

async fn run_import(
    ports: &StorePorts,
    text: &(impl AsRef<[u8]> + ?Sized),
    mode: ImportMode,
    batch_size: usize,
    dry_run: bool,
) -> ImportReport {
    import_via(ports, text, mode, ImportSource::Cli, batch_size, dry_run).await
}

async fn import_via(
    ports: &StorePorts,
    text: &(impl AsRef<[u8]> + ?Sized),
    mode: ImportMode,
    via: ImportSource,
    batch_size: usize,
    dry_run: bool,
) -> ImportReport {
    ImportSales::new(ports.ledger.clone())
        .with_clock(fixed_now)
        .with_batch_size(batch_size)
        .import(
            ImportRequest {
                dry_run,
                ..ImportRequest::new("sales.csv", text.as_ref(), mode, via)
            },
            &NoProgress,
        )
        .await
        .expect("the import runs")
}

pub(crate) async fn import(
    ports: &StorePorts,
    text: &(impl AsRef<[u8]> + ?Sized),
    mode: ImportMode,
) -> ImportReport {
    import_in_batches(ports, text, mode, 3).await
}

/// Every stored order (without its items), by Sale ID.
pub(crate) async fn everything(ports: &StorePorts) -> Vec<Order> {
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let page = Page::new(u64::from(Page::MAX_LIMIT), offset).unwrap();
        let listed = ports
            .orders
            .list_orders(&OrderFilter::default(), page)
            .await
            .unwrap();
        let done = listed.items.is_empty();
        offset += listed.items.len() as u64;
        all.extend(listed.items);
        if done || offset >= listed.total {
            break;
        }
    }
    all.sort_by_key(|o| o.sale_id);
    all
}

async fn order_of(ports: &StorePorts, sale_id: i64) -> Option<OrderWithItems> {
    let filter = OrderFilter {
        sale_id: Some(SaleId::new(sale_id).unwrap()),
        ..OrderFilter::default()
    };
    let listed = ports
        .orders
        .list_orders(&filter, Page::default())
        .await
        .unwrap();
    match listed.items.first() {
        Some(order) => whole_order(ports, order.id).await,
        None => None,
    }
}

/// The order `id` with all its items, read a page of [`Page::MAX_LIMIT`] at a time.
pub(crate) async fn whole_order(ports: &StorePorts, id: OrderId) -> Option<OrderWithItems> {
    let mut items = Vec::new();
    loop {
        let page = Page::new(u64::from(Page::MAX_LIMIT), items.len() as u64).unwrap();
        let found = ports.orders.find_order(id, page).await.unwrap()?;
        let done = found.items.items.is_empty();
        items.extend(found.items.items);
        if done || items.len() as u64 >= found.items.total {
            return Some(OrderWithItems {
                order: found.order,
                items,
            });
        }
    }
}

async fn price_of(ports: &StorePorts, name: &str) -> String {
    let filter = ProductFilter {
        name_contains: Some(name.to_owned()),
    };
    let listed = ports
        .catalog
        .list_products(&filter, Page::default())
        .await
        .unwrap();
    let product = listed
        .items
        .iter()
        .find(|p| p.name.as_str() == name)
        .unwrap_or_else(|| panic!("no product {name}"));
    product.price.to_string()
}

fn items_of(order: &OrderWithItems) -> Vec<(u32, String, String)> {
    order
        .items
        .iter()
        .map(|i| {
            (
                i.position,
                i.product_name.as_str().to_owned(),
                i.unit_price.to_string(),
            )
        })
        .collect()
}

/// The real export: 80 products, 1,408 orders, 1,661 items, 64,509.982 in all.
pub async fn imports_the_real_export_exactly(ports: StorePorts) {
    let report = import_in_batches(&ports, &real_export(), ImportMode::Strict, 500).await;
    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    assert_eq!(report.counts.rows_total, 1_661);
    assert_eq!(report.counts.rows_imported, 1_661);
    assert_eq!(report.counts.sales_total, 1_408);
    assert_eq!(report.counts.orders_created, 1_408);
    assert_eq!(report.counts.products_created, 80);
    let products = ports
        .catalog
        .list_products(&ProductFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(products.total, 80);
    let orders = everything(&ports).await;
    assert_eq!(orders.len(), 1_408);
    let items: u32 = orders.iter().map(|o| o.item_count).sum();
    assert_eq!(items, 1_661);
    let total: Decimal = orders.iter().map(|o| o.total.amount()).sum();
    assert_eq!(total, "64509.982".parse::<Decimal>().unwrap());
    let biggest = order_of(&ports, 4105).await.unwrap();
    assert_eq!(biggest.items.len(), 9, "identical lines are separate items");
    let item_total: Decimal = biggest.items.iter().map(|i| i.total.amount()).sum();
    assert_eq!(item_total, biggest.order.total.amount());
    let recorded = ports.history.find_import(report.id).await.unwrap().unwrap();
    assert_eq!(recorded.counts, report.counts);
}

/// An identical second import creates, replaces and reprices nothing.
pub async fn reimporting_the_same_file_changes_nothing(ports: StorePorts) {
    let text = real_export();
    import_in_batches(&ports, &text, ImportMode::Strict, 500).await;
    let before = everything(&ports).await;
    let again = import_in_batches(&ports, &text, ImportMode::Strict, 500).await;
    assert_eq!(again.status, ImportStatus::Succeeded);
    assert_eq!(again.counts.orders_unchanged, 1_408);
    assert_eq!(
        (
            again.counts.orders_created,
            again.counts.orders_updated,
            again.counts.products_created,
            again.counts.products_updated
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(again.counts.rows_imported, 1_661);
    assert_eq!(
        everything(&ports).await,
        before,
        "not even updated_at moves"
    );
}

/// A sale imported again with other lines is replaced, items included.
pub async fn a_corrected_sale_replaces_its_order_and_items(ports: StorePorts) {
    import(
        &ports,
        &file(&[
            golf("3/1/2025", 1, "Water", "1"),
            golf("3/1/2025", 1, "Snack", "2"),
            golf("3/1/2025", 2, "Water", "1"),
        ]),
        ImportMode::Strict,
    )
    .await;
    let report = import(
        &ports,
        &file(&[
            row("3/2/2025", 1, "Towel", "5", "Online Store"),
            golf("3/1/2025", 2, "Water", "1"),
        ]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(
        (
            report.counts.orders_created,
            report.counts.orders_updated,
            report.counts.orders_unchanged
        ),
        (0, 1, 1)
    );
    let corrected = order_of(&ports, 1).await.unwrap();
    assert_eq!(items_of(&corrected), vec![(1, "Towel".into(), "5".into())]);
    assert_eq!(corrected.order.total.to_string(), "5.45");
    assert_eq!(corrected.order.location.as_str(), "Online Store");
    assert_eq!(everything(&ports).await.len(), 2);
    assert_eq!(report.replaced_sales, vec![SaleId::new(1).unwrap()]);
    let recorded = ports.history.find_import(report.id).await.unwrap().unwrap();
    assert_eq!(
        recorded.replaced_sales, report.replaced_sales,
        "kept on record"
    );
}

/// Lines of one sale far apart in the file make one order, its items in file order.
pub async fn lines_of_a_sale_scattered_over_the_file_make_one_order_in_file_order(
    ports: StorePorts,
) {
    let report = import(
        &ports,
        &file(&[
            golf("3/1/2025", 20, "a", "1"),
            golf("3/1/2025", 21, "b", "2"),
            golf("3/1/2025", 22, "c", "3"),
            golf("3/1/2025", 20, "d", "4"),
            golf("3/1/2025", 23, "e", "5"),
            golf("3/1/2025", 20, "f", "6"),
        ]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    assert_eq!(report.counts.sales_total, 4);
    assert_eq!(report.counts.orders_created, 4);
    assert_eq!(report.counts.rows_imported, 6);
    let order = order_of(&ports, 20).await.unwrap();
    assert_eq!(
        items_of(&order),
        vec![
            (1, "a".into(), "1".into()),
            (2, "d".into(), "4".into()),
            (3, "f".into(), "6".into())
        ]
    );
    assert_eq!(order.order.subtotal.to_string(), "11");
}

/// Scattered lines that disagree (here on the location) reject their sale, not the others.
pub async fn scattered_lines_that_disagree_reject_their_sale_only(ports: StorePorts) {
    let text = file(&[
        golf("3/1/2025", 30, "a", "1"),
        golf("3/1/2025", 31, "b", "2"),
        row("3/1/2025", 30, "c", "3", "Online Store"),
    ]);
    let strict = import(&ports, &text, ImportMode::Strict).await;
    assert_eq!(strict.status, ImportStatus::Rejected);
    let messages: Vec<String> = strict
        .problems
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        vec![
            "line 4, column Location: 'Online Store' differs from line 2 of the same sale ('Golf - experience'): all lines of sale 30 must share it"
        ]
    );
    assert!(everything(&ports).await.is_empty());
    let skipping = import(&ports, &text, ImportMode::SkipInvalid).await;
    assert_eq!(skipping.status, ImportStatus::Succeeded);
    assert_eq!(skipping.counts.sales_total, 2);
    assert_eq!(skipping.counts.sales_rejected, 1);
    assert_eq!(skipping.counts.rows_imported, 1);
    assert_eq!(skipping.counts.rows_rejected, 2);
    let stored: Vec<i64> = everything(&ports)
        .await
        .iter()
        .map(|o| o.sale_id.get())
        .collect();
    assert_eq!(stored, vec![31]);
}

/// In skip-invalid mode one bad line rejects its whole sale, wherever it stands.
pub async fn skip_invalid_rejects_a_sale_whole_even_when_its_bad_line_comes_last(
    ports: StorePorts,
) {
    let report = import(
        &ports,
        &file(&[
            golf("3/1/2025", 10, "a", "1"),
            golf("3/1/2025", 11, "b", "2"),
            golf("3/1/2025", 12, "only in a rejected sale", "3"),
            row("3/1/2025", 12, "x", "3", "Gym"),
            golf("3/1/2025", 10, "c", "3"),
            row("3/1/2025", 10, "c", "3", "Gym"),
        ]),
        ImportMode::SkipInvalid,
    )
    .await;
    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(report.counts.sales_total, 3);
    assert_eq!(report.counts.sales_rejected, 2);
    assert_eq!(report.counts.rows_imported, 1);
    assert_eq!(report.counts.rows_rejected, 5);
    assert_eq!(report.counts.products_created, 1, "{:?}", report.counts);
    let stored: Vec<i64> = everything(&ports)
        .await
        .iter()
        .map(|o| o.sale_id.get())
        .collect();
    assert_eq!(stored, vec![11]);
    let products = ports
        .catalog
        .list_products(&ProductFilter::default(), Page::default())
        .await
        .unwrap();
    let names: Vec<&str> = products.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["b"], "a rejected sale creates no product");
}

/// A strict import with one bad line writes nothing, and its attempt is on record.
pub async fn a_strict_rejection_writes_nothing_but_is_recorded(ports: StorePorts) {
    let report = import(
        &ports,
        &file(&[
            golf("3/1/2025", 1, "a", "1"),
            golf("31/1/2025", 2, "b", "1"),
        ]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(report.status, ImportStatus::Rejected);
    assert_eq!(report.counts.rows_imported, 0);
    assert_eq!(report.counts.rows_rejected, 2);
    assert!(everything(&ports).await.is_empty());
    let products = ports
        .catalog
        .list_products(&ProductFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(products.total, 0);
    let recorded = ports.history.find_import(report.id).await.unwrap().unwrap();
    assert_eq!(recorded.status, ImportStatus::Rejected);
    assert_eq!(recorded.problems, report.problems);
}

/// A product's price is its most recent sale's, whatever the order of files and lines; a
/// refund sets it only for a product never sold.
pub async fn a_product_keeps_the_price_of_its_most_recent_sale(ports: StorePorts) {
    import(
        &ports,
        &file(&[
            golf("3/5/2025", 5, "Water", "0.6"),
            golf("3/1/2025", 9, "Water", "0.4"),
        ]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(price_of(&ports, "Water").await, "0.6");
    let older = import(
        &ports,
        &file(&[golf("2/1/2025", 50, "Water", "0.3")]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(older.counts.products_updated, 0);
    assert_eq!(price_of(&ports, "Water").await, "0.6");
    let newer = import(
        &ports,
        &file(&[
            golf("3/5/2025", 6, "Water", "0.7"),
            golf("3/5/2025", 6, "Water", "0.8"),
        ]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(newer.counts.products_updated, 1);
    assert_eq!(
        price_of(&ports, "Water").await,
        "0.8",
        "same sale: the later line"
    );
    let refund = row("3/9/2025", 7, "Water", "0.9", "Golf - experience")
        .replace(",1,0.9,", ",-1,-0.9,")
        .replace(",0.081,0.981,0.981,", ",-0.081,-0.981,-0.981,");
    let refunded = import(&ports, &file(&[refund]), ImportMode::Strict).await;
    assert_eq!(
        refunded.status,
        ImportStatus::Succeeded,
        "{:?}",
        refunded.problems
    );
    assert_eq!(
        price_of(&ports, "Water").await,
        "0.8",
        "a refund never overrides"
    );
}

/// When a product's price began: the first of its latest sales at that price, whatever the
/// order of the files and of their lines; a product without a price change, its first sale.
pub async fn a_price_dates_from_the_first_sale_at_that_price(ports: StorePorts) {
    let since = |ports: StorePorts, name: &'static str| async move {
        let filter = ProductFilter {
            name_contains: Some(name.to_owned()),
        };
        let product = ports
            .catalog
            .list_products(&filter, Page::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|p| p.name.as_str() == name)
            .unwrap_or_else(|| panic!("no product {name}"));
        let since = ports.catalog.prices_since(&[product.id]).await.unwrap();
        since.get(&product.id).map(ToString::to_string)
    };
    import(
        &ports,
        &file(&[
            golf("3/8/2025", 8, "Water", "0.60"),
            golf("3/1/2025", 1, "Water", "0.4"),
            golf("3/3/2025", 3, "Water", "0.6"),
            golf("3/6/2025", 6, "Water", "0.6"),
            golf("3/4/2025", 4, "Water", "0.5"),
            golf("3/2/2025", 2, "Towel", "9"),
            golf("3/9/2025", 9, "Towel", "9"),
        ]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(
        since(ports.clone(), "Water").await.as_deref(),
        Some("2025-03-06")
    );
    assert_eq!(
        since(ports.clone(), "Towel").await.as_deref(),
        Some("2025-03-02")
    );
    // An older sale at another price changes nothing; a newer one starts a new price.
    import(
        &ports,
        &file(&[golf("2/1/2025", 50, "Towel", "7")]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(
        since(ports.clone(), "Towel").await.as_deref(),
        Some("2025-03-02")
    );
    import(
        &ports,
        &file(&[golf("3/10/2025", 10, "Towel", "8")]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(
        since(ports.clone(), "Towel").await.as_deref(),
        Some("2025-03-10")
    );
    let none = ports.catalog.prices_since(&[]).await.unwrap();
    assert!(none.is_empty());
}

/// The batch size changes how work is cut, never what is written.
pub async fn small_batches_give_the_same_result_as_one(ports: StorePorts) {
    let text = file(&[
        golf("3/1/2025", 40, "a", "1"),
        golf("3/1/2025", 41, "b", "2"),
        golf("3/1/2025", 40, "c", "3"),
        golf("3/1/2025", 42, "d", "4"),
        golf("3/1/2025", 42, "e", "5"),
        golf("3/1/2025", 41, "f", "6"),
    ]);
    let report = import_in_batches(&ports, &text, ImportMode::Strict, 1).await;
    assert_eq!(report.counts.orders_created, 3);
    assert_eq!(report.counts.rows_imported, 6);
    let sizes: Vec<u32> = everything(&ports)
        .await
        .iter()
        .map(|o| o.item_count)
        .collect();
    assert_eq!(sizes, vec![2, 2, 2]);
}

/// A dry run counts what an import would create, replace (naming the Sale IDs) and leave, and
/// writes and records nothing.
pub async fn a_dry_run_reports_what_would_change_and_writes_nothing(ports: StorePorts) {
    import(
        &ports,
        &file(&[
            golf("3/1/2025", 1, "Water", "1"),
            golf("3/1/2025", 2, "Water", "1"),
            golf("3/1/2025", 3, "Water", "1"),
        ]),
        ImportMode::Strict,
    )
    .await;
    let before = everything(&ports).await;
    let history = ports.history.list_imports(Page::default()).await.unwrap();
    let text = file(&[
        golf("3/1/2025", 3, "Water", "2"),
        golf("3/1/2025", 2, "Water", "1"),
        golf("3/1/2025", 1, "Snack", "1"),
        golf("3/2/2025", 4, "Water", "3"),
    ]);
    let report = run_import(&ports, &text, ImportMode::Strict, 2, true).await;
    assert!(report.dry_run);
    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(
        (
            report.counts.orders_created,
            report.counts.orders_updated,
            report.counts.orders_unchanged,
            report.counts.products_created,
            report.counts.products_updated,
        ),
        (1, 2, 1, 1, 1)
    );
    assert_eq!(
        report.replaced_sales,
        vec![SaleId::new(1).unwrap(), SaleId::new(3).unwrap()]
    );
    assert_eq!(everything(&ports).await, before, "nothing written");
    assert_eq!(price_of(&ports, "Water").await, "1");
    let after = ports.history.list_imports(Page::default()).await.unwrap();
    assert_eq!(after.total, history.total, "nothing recorded");
    let bad = run_import(
        &ports,
        &file(&[golf("31/1/2025", 9, "Water", "1")]),
        ImportMode::Strict,
        2,
        true,
    )
    .await;
    assert!(bad.dry_run);
    assert_eq!(bad.status, ImportStatus::Rejected);
    assert_eq!(bad.problems.total(), 1);
    let after = ports.history.list_imports(Page::default()).await.unwrap();
    assert_eq!(
        after.total, history.total,
        "a rejected dry run is not recorded either"
    );
}

/// Every order the archive holds within `dates` at `location`, read `page` at a time.
async fn archived(
    ports: &StorePorts,
    dates: DateBounds,
    location: Option<Location>,
    page: u32,
) -> Vec<OrderWithItems> {
    let mut all: Vec<OrderWithItems> = Vec::new();
    loop {
        let after = all.last().map(|sale| SaleCursor::after(&sale.order));
        let got = ports
            .archive
            .sales_after(dates, location, after, page)
            .await
            .unwrap();
        let done = got.len() < page as usize;
        assert!(got.len() <= page as usize, "a page holds at most {page}");
        all.extend(got);
        if done {
            return all;
        }
    }
}

/// The archive hands out every stored order whole, by date then Sale ID, page after page;
/// written as an export and imported again, it changes nothing.
pub async fn an_export_reads_back_as_the_stored_sales_and_reimports_unchanged(ports: StorePorts) {
    import_in_batches(&ports, &real_export(), ImportMode::Strict, 500).await;
    let all = archived(&ports, DateBounds::default(), None, 97).await;
    assert_eq!(all.len(), 1_408);
    let keys: Vec<_> = all.iter().map(|s| SaleCursor::after(&s.order)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "by date then Sale ID");
    assert_eq!(all.iter().map(|s| s.items.len()).sum::<usize>(), 1_661);
    let biggest = all
        .iter()
        .find(|s| s.order.sale_id.get() == 4105)
        .expect("sale 4105");
    assert_eq!(biggest, &order_of(&ports, 4105).await.unwrap());

    let march = DateBounds::new("2025-03-01".parse().ok(), "2025-03-31".parse().ok()).unwrap();
    let golf = archived(&ports, march, Some(Location::GolfExperience), 500).await;
    assert!(!golf.is_empty());
    assert!(
        golf.iter()
            .all(|s| s.order.location == Location::GolfExperience
                && s.order.date.format("%Y-%m").to_string() == "2025-03")
    );
    let expected = everything(&ports)
        .await
        .into_iter()
        .filter(|o| {
            o.location == Location::GolfExperience
                && o.date.format("%Y-%m").to_string() == "2025-03"
        })
        .count();
    assert_eq!(golf.len(), expected);

    let mut writer = SalesExportWriter::new(Vec::new()).unwrap();
    for sale in &all {
        writer.write_order(sale).unwrap();
    }
    let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    let again = import_in_batches(&ports, &text, ImportMode::Strict, 500).await;
    assert_eq!(
        again.status,
        ImportStatus::Succeeded,
        "{:?}",
        again.problems
    );
    assert_eq!(again.counts.rows_total, 1_661);
    assert_eq!(again.counts.orders_unchanged, 1_408);
    assert_eq!(
        (
            again.counts.orders_created,
            again.counts.orders_updated,
            again.counts.products_created,
            again.counts.products_updated
        ),
        (0, 0, 0, 0)
    );
}

/// Zero keeps the scale it was written with, at every scale the reader accepts: `0.00` is
/// read back as `0.00` (the order, its items), and an export of it imports again unchanged.
pub async fn zero_amounts_keep_their_scale_and_an_export_reimports_unchanged(ports: StorePorts) {
    let zero = |scale: u32| Decimal::new(0, scale).to_string();
    let scales = 0..=MAX_DECIMAL_PLACES;
    let rows: Vec<String> = scales
        .clone()
        .map(|scale| {
            let z = zero(scale);
            format!(
                "03/01/2025,100002649,{},Free sample,---,,Golf - experience,,---,---,{z},1,{z},{z},{z},{z},{z},{z},Cash",
                80 + scale
            )
        })
        .collect();
    let report = import(&ports, &file(&rows), ImportMode::Strict).await;
    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    assert_eq!(report.counts.orders_created, rows.len() as u64);
    for scale in scales.clone() {
        let z = zero(scale);
        let sale = order_of(&ports, i64::from(80 + scale))
            .await
            .expect("stored");
        let o = &sale.order;
        let order_amounts = [
            o.subtotal.to_string(),
            o.discount_percentage.to_string(),
            o.discount_amount.to_string(),
            o.tax.to_string(),
            o.total.to_string(),
            o.amount_paid.to_string(),
        ];
        assert_eq!(
            order_amounts,
            [(); 6].map(|()| z.clone()),
            "order of scale {scale}"
        );
        let i = &sale.items[0];
        let item_amounts = [
            i.unit_price.to_string(),
            i.subtotal.to_string(),
            i.discount_percentage.to_string(),
            i.discount_amount.to_string(),
            i.tax.to_string(),
            i.total.to_string(),
            i.amount_paid.to_string(),
        ];
        assert_eq!(
            item_amounts,
            [(); 7].map(|()| z.clone()),
            "item of scale {scale}"
        );
    }

    let all = archived(&ports, DateBounds::default(), None, 100).await;
    let mut writer = SalesExportWriter::new(Vec::new()).unwrap();
    for sale in &all {
        writer.write_order(sale).unwrap();
    }
    let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    assert_eq!(
        text,
        file(&rows),
        "the export writes each zero as it was imported"
    );
    let again = import(&ports, &text, ImportMode::Strict).await;
    assert_eq!(
        again.status,
        ImportStatus::Succeeded,
        "{:?}",
        again.problems
    );
    assert_eq!(
        (again.counts.orders_unchanged, again.counts.orders_updated),
        (rows.len() as u64, 0)
    );
}

/// The reject file keeps each rejected line as written (any bytes, a quoted line break, a NUL)
/// with its reason, for succeeded and rejected imports; the report and a later read agree; a
/// dry run records none, and an unknown import has none.
pub async fn the_reject_file_keeps_the_lines_of_rejected_sales_verbatim(ports: StorePorts) {
    // The bad line's product name is a byte that is not UTF-8; its payment method holds a NUL.
    let mut bad = golf("3/1/2025", 61, "b", "2")
        .replace("Credit card", "Credit\0card")
        .into_bytes();
    let at = bad.windows(3).position(|w| w == b",b,").expect("the item") + 1;
    bad[at] = 0xff;
    let noted = golf("3/1/2025", 61, "c", "3").replace(",,Golf", ",\"x\r\ny\",Golf");
    let mut text = format!("{HEADER}\r\n{}\r\n", golf("3/1/2025", 60, "a", "1")).into_bytes();
    text.extend_from_slice(&bad);
    text.extend_from_slice(format!("\r\n{noted}\r\n").as_bytes());
    for (mode, status) in [
        (ImportMode::SkipInvalid, ImportStatus::Succeeded),
        (ImportMode::Strict, ImportStatus::Rejected),
    ] {
        let report = import(&ports, &text, mode).await;
        assert_eq!(report.status, status);
        assert_eq!(
            report.rejected_lines,
            RejectedLineCounts {
                kept: 2,
                omitted: 0
            }
        );
        let recorded = ports.history.find_import(report.id).await.unwrap().unwrap();
        assert_eq!(recorded.rejected_lines, report.rejected_lines);
        let rejected = ports
            .history
            .rejected_lines(report.id)
            .await
            .unwrap()
            .expect("a recorded import has a reject file");
        assert_eq!(rejected.file_name, "sales.csv");
        let rejected = rejected.lines;
        assert_eq!(rejected.header(), HEADER.to_string().as_bytes());
        let lines: Vec<(u64, &str, &[u8])> = rejected
            .lines()
            .iter()
            .map(|l| (l.line, l.reason.as_str(), l.raw.as_slice()))
            .collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!((lines[0].0, lines[0].2), (3, bad.as_slice()));
        assert!(
            lines[0]
                .1
                .starts_with("column Payment Method: 'Credit\\u{0}card")
                && lines[0].1.contains("; column Item name: ")
                && !lines[0].1.contains('\0'),
            "{}",
            lines[0].1
        );
        assert_eq!(
            lines[1],
            (
                4,
                "sale 61 is rejected: line 3 has a problem",
                noted.as_bytes()
            )
        );
    }
    let dry = run_import(&ports, &text, ImportMode::SkipInvalid, 3, true).await;
    assert_eq!(dry.rejected_lines.kept, 2, "a dry run counts them");
    assert!(
        ports
            .history
            .rejected_lines(dry.id)
            .await
            .unwrap()
            .is_none(),
        "a dry run records none"
    );
    let unknown = ImportId::new(i64::from(i32::MAX));
    assert!(
        ports
            .history
            .rejected_lines(unknown)
            .await
            .unwrap()
            .is_none()
    );
}

/// The reject file, as downloaded, imports as it is: its rows are rejected again for the same
/// reasons (its own `Line` and `Reason` columns skipped); once fixed, they go in.
pub async fn the_reject_file_imports_as_downloaded_and_its_fixed_lines_go_in(ports: StorePorts) {
    let bad = golf("3/1/2025", 71, "b", "2").replace("Golf - experience", "Gym");
    let text = file(&[
        golf("3/1/2025", 70, "a", "1"),
        bad,
        golf("3/1/2025", 71, "c", "3"),
    ]);
    let reject_file = |id: ImportId| {
        let ports = ports.clone();
        async move {
            let rejected = ports.history.rejected_lines(id).await.unwrap().unwrap();
            let mut csv = Vec::new();
            rejected.lines.write_csv(&mut csv).unwrap();
            let reasons: Vec<String> = rejected
                .lines
                .lines()
                .iter()
                .map(|l| l.reason.clone())
                .collect();
            (csv, reasons)
        }
    };
    let first = import(&ports, &text, ImportMode::SkipInvalid).await;
    assert_eq!(first.counts.sales_rejected, 1);
    let (downloaded, reasons) = reject_file(first.id).await;
    assert_eq!(reasons.len(), 2, "{reasons:?}");

    let again = import(&ports, &downloaded, ImportMode::SkipInvalid).await;
    assert_eq!(
        again.status,
        ImportStatus::Succeeded,
        "{:?}",
        again.problems
    );
    assert_eq!(
        (
            again.counts.rows_total,
            again.counts.sales_rejected,
            again.counts.orders_created
        ),
        (2, 1, 0)
    );
    let problems: Vec<_> = again
        .problems
        .problems()
        .iter()
        .map(|p| p.message.clone())
        .collect();
    assert_eq!(
        problems,
        first
            .problems
            .problems()
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
    );
    let (_, reasons_again) = reject_file(again.id).await;
    assert!(
        reasons[0].starts_with("column Location: 'Gym'"),
        "{reasons:?}"
    );
    assert_eq!(
        reasons_again,
        [reasons[0].clone(), sale_reason(SaleId::new(71).unwrap(), 2)],
        "the same rows, the same reasons (lines counted in the reject file)"
    );

    let fixed = String::from_utf8(downloaded)
        .unwrap()
        .replace(",Gym,", ",Golf - experience,");
    let mended = import(&ports, &fixed, ImportMode::Strict).await;
    assert_eq!(
        mended.status,
        ImportStatus::Succeeded,
        "{:?}",
        mended.problems
    );
    assert_eq!(mended.counts.orders_created, 1);
    let sale = order_of(&ports, 71).await.expect("sale 71 is in");
    assert_eq!(
        items_of(&sale)
            .iter()
            .map(|i| i.1.as_str())
            .collect::<Vec<_>>(),
        ["b", "c"]
    );
}

/// `Café` written composed (NFC) and decomposed (NFD) is one product, stored composed.
pub async fn composed_and_decomposed_spellings_of_a_name_are_one_product(ports: StorePorts) {
    let report = import(
        &ports,
        &file(&[
            golf("3/1/2025", 80, "Caf\u{e9}", "2"),
            golf("3/2/2025", 81, "Cafe\u{301}", "3"),
        ]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    assert_eq!(report.counts.products_created, 1);
    assert_eq!(price_of(&ports, "Caf\u{e9}").await, "3");
}

/// Filtered by product, the orders are those with an item of it, counted exactly.
pub async fn orders_filtered_by_product_are_those_holding_it(ports: StorePorts) {
    let report = import(
        &ports,
        &file(&[
            golf("3/1/2025", 10, "a", "1"),
            golf("3/1/2025", 10, "b", "2"),
            golf("3/2/2025", 11, "b", "2"),
            golf("3/3/2025", 12, "c", "3"),
            row("3/3/2025", 13, "b", "2", "Online Store"),
        ]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(report.status, ImportStatus::Succeeded);
    let products = ports
        .catalog
        .list_products(&ProductFilter::default(), Page::default())
        .await
        .unwrap();
    let id_of = |name: &str| {
        products
            .items
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| p.id)
    };
    let sales_with = |product, location, limit| {
        let ports = &ports;
        async move {
            let filter = OrderFilter {
                product_id: Some(product),
                location,
                ..OrderFilter::default()
            };
            let listed = ports
                .orders
                .list_orders(&filter, Page::new(limit, 0).unwrap())
                .await
                .unwrap();
            let sales: Vec<i64> = listed.items.iter().map(|o| o.sale_id.get()).collect();
            (sales, listed.total)
        }
    };
    let b = id_of("b").unwrap();
    assert_eq!(sales_with(b, None, 50).await, (vec![13, 11, 10], 3));
    assert_eq!(sales_with(b, None, 1).await, (vec![13], 3));
    assert_eq!(
        sales_with(b, Some(Location::GolfExperience), 50).await,
        (vec![11, 10], 2)
    );
    assert_eq!(
        sales_with(id_of("c").unwrap(), None, 50).await,
        (vec![12], 1)
    );
    let unknown = ProductId::new(i64::MAX);
    assert_eq!(sales_with(unknown, None, 50).await, (vec![], 0));
}

/// An order is read a page of its items at a time, in file order: the first page, one in the
/// middle, the last one cut short, one past the end (empty, the order still found); the order's
/// amounts and item count are the whole order's on every page.
pub async fn an_order_is_read_a_page_of_items_at_a_time(ports: StorePorts) {
    let names = ["a", "b", "c", "d", "e", "f", "g"];
    let mut rows: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(n, name)| golf("3/1/2025", 30, name, &(n + 1).to_string()))
        .collect();
    rows.push(golf("3/1/2025", 31, "a", "1"));
    let report = import(&ports, &file(&rows), ImportMode::Strict).await;
    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    let id = order_of(&ports, 30).await.unwrap().order.id;
    let page_of = |limit: u64, offset: u64| {
        let ports = &ports;
        async move {
            ports
                .orders
                .find_order(id, Page::new(limit, offset).unwrap())
                .await
                .unwrap()
                .expect("the order is found whatever the page")
        }
    };
    let positions = |found: &OrderWithItemPage| -> Vec<(u32, String)> {
        found
            .items
            .items
            .iter()
            .map(|i| (i.position, i.product_name.as_str().to_owned()))
            .collect()
    };
    let expected = |from: usize, to: usize| -> Vec<(u32, String)> {
        (from..=to)
            .map(|position| (position as u32, names[position - 1].to_owned()))
            .collect()
    };
    for (limit, offset, items) in [
        (3, 0, expected(1, 3)),
        (3, 3, expected(4, 6)),
        (3, 6, expected(7, 7)),
        (3, 7, vec![]),
        (3, 1_000, vec![]),
        (u64::from(Page::MAX_LIMIT), 0, expected(1, 7)),
    ] {
        let found = page_of(limit, offset).await;
        assert_eq!(positions(&found), items, "limit {limit}, offset {offset}");
        assert_eq!(found.items.total, 7, "limit {limit}, offset {offset}");
        assert_eq!(found.items.page, Page::new(limit, offset).unwrap());
        assert_eq!(found.order.item_count, 7, "the whole order's count");
        assert_eq!(found.order.sale_id, SaleId::new(30).unwrap());
        // 1 + ... + 7 = 28, plus 9% tax: the whole order's, whatever the page.
        assert_eq!(found.order.subtotal.to_string(), "28");
        assert_eq!(found.order.total.to_string(), "30.52");
    }
    let unknown = OrderId::new(i64::MAX);
    assert!(
        ports
            .orders
            .find_order(unknown, Page::default())
            .await
            .unwrap()
            .is_none()
    );
}

/// Writing tells its progress: every step once, in order, after reading ended.
pub async fn writing_reports_each_step_once_in_order(ports: StorePorts) {
    #[derive(Default)]
    struct Recorder(std::sync::Mutex<Vec<ImportProgress>>);
    impl ImportObserver for Recorder {
        fn progress(&self, progress: ImportProgress) {
            self.0.lock().unwrap().push(progress);
        }
    }
    let recorder = Recorder::default();
    let text = real_export();
    let report = ImportSales::new(ports.ledger.clone())
        .with_clock(fixed_now)
        .import(
            ImportRequest::new(
                "sales.csv",
                text.as_bytes(),
                ImportMode::Strict,
                zinc_domain::ImportSource::Cli,
            ),
            &recorder,
        )
        .await
        .expect("the import runs");
    assert_eq!(report.status, ImportStatus::Succeeded);
    let seen = recorder.0.into_inner().unwrap();
    let writing: Vec<_> = seen
        .iter()
        .skip_while(|p| p.phase == ImportPhase::Reading)
        .collect();
    assert!(
        writing.iter().all(|p| p.phase == ImportPhase::Writing),
        "reading never resumes once writing began"
    );
    let steps: Vec<WriteStep> = writing.iter().filter_map(|p| p.step).collect();
    assert_eq!(steps, WriteStep::ALL);
    assert!(writing.iter().all(|p| p.sales == 1_408));
    assert_eq!(writing.last().map(|p| p.written_percent), Some(100));
}

// Watched files: claims by digest.

/// The digest of `text`, as an import records it.
fn digest_of(text: &str) -> FileDigest {
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    FileDigest::parse(&hex).expect("64 hex digits")
}

fn one_sale() -> String {
    file(&[golf("3/1/2025", 1, "a", "1")])
}

fn a_bad_file() -> String {
    file(&[golf("31/1/2025", 1, "a", "1")])
}

async fn claim(ports: &StorePorts, digest: &FileDigest) -> FileClaim {
    ports
        .watched
        .claim(digest)
        .await
        .expect("the store answers")
}

/// One watcher at a time holds a file's claim; the others are told it is busy.
pub async fn a_claimed_file_is_busy_for_other_watchers_until_released(ports: StorePorts) {
    let digest = digest_of(&one_sale());
    let FileClaim::Claimed(held) = claim(&ports, &digest).await else {
        panic!("a file never seen is claimed");
    };
    assert!(matches!(claim(&ports, &digest).await, FileClaim::Busy));
    let other = digest_of(&a_bad_file());
    let FileClaim::Claimed(_other) = claim(&ports, &other).await else {
        panic!("another file's claim is free");
    };
    held.release().await.expect("released");
    assert!(matches!(
        claim(&ports, &digest).await,
        FileClaim::Claimed(_)
    ));
}

/// A claim dropped without being released (its watcher died) does not block the file for
/// long: it is free again within two seconds.
pub async fn a_dropped_claim_is_given_up(ports: StorePorts) {
    let digest = digest_of(&one_sale());
    let FileClaim::Claimed(held) = claim(&ports, &digest).await else {
        panic!("a file never seen is claimed");
    };
    drop(held);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match claim(&ports, &digest).await {
            FileClaim::Claimed(_) => return,
            FileClaim::Busy if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            other => panic!("the dropped claim was not given up: {other:?}"),
        }
    }
}

/// An import recorded while holding the claim is seen by the next claim, with its number.
pub async fn bytes_imported_under_a_claim_are_seen_by_the_next_claim(ports: StorePorts) {
    let text = one_sale();
    let digest = digest_of(&text);
    let FileClaim::Claimed(held) = claim(&ports, &digest).await else {
        panic!("a file never seen is claimed");
    };
    let report = import_via(
        &ports,
        &text,
        ImportMode::Strict,
        ImportSource::Watch,
        3,
        false,
    )
    .await;
    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(report.sha256, digest.as_str());
    held.release().await.expect("released");
    match claim(&ports, &digest).await {
        FileClaim::Seen(id) => assert_eq!(id, report.id),
        other => panic!("the import was not seen: {other:?}"),
    }
    let recorded = ports.history.find_import(report.id).await.unwrap().unwrap();
    assert_eq!(recorded.source, Some(ImportSource::Watch));
}

/// A file imported from the command line or uploaded is not imported again when dropped into
/// a watched folder.
pub async fn bytes_that_succeeded_through_any_door_are_seen(ports: StorePorts) {
    let text = one_sale();
    let report = import_via(
        &ports,
        &text,
        ImportMode::Strict,
        ImportSource::Api,
        3,
        false,
    )
    .await;
    match claim(&ports, &digest_of(&text)).await {
        FileClaim::Seen(id) => assert_eq!(id, report.id),
        other => panic!("the upload was not seen: {other:?}"),
    }
}

/// A file a watcher rejected is not read again (the same bytes are rejected the same way); a
/// rejection through another door leaves the file to the watcher.
pub async fn a_rejection_counts_as_seen_only_when_a_watcher_recorded_it(ports: StorePorts) {
    let text = a_bad_file();
    let digest = digest_of(&text);
    let by_hand = import_via(
        &ports,
        &text,
        ImportMode::Strict,
        ImportSource::Cli,
        3,
        false,
    )
    .await;
    assert_eq!(by_hand.status, ImportStatus::Rejected);
    let FileClaim::Claimed(held) = claim(&ports, &digest).await else {
        panic!("a rejection from the command line does not count");
    };
    let watched = import_via(
        &ports,
        &text,
        ImportMode::Strict,
        ImportSource::Watch,
        3,
        false,
    )
    .await;
    assert_eq!(watched.status, ImportStatus::Rejected);
    held.release().await.expect("released");
    match claim(&ports, &digest).await {
        FileClaim::Seen(id) => assert_eq!(id, watched.id),
        other => panic!("the watcher's rejection was not seen: {other:?}"),
    }
}

/// A dry run records nothing, so it makes nothing seen.
pub async fn a_dry_run_leaves_the_bytes_unseen(ports: StorePorts) {
    let text = one_sale();
    let report = import_via(
        &ports,
        &text,
        ImportMode::Strict,
        ImportSource::Watch,
        3,
        true,
    )
    .await;
    assert_eq!(report.status, ImportStatus::Succeeded);
    assert!(matches!(
        claim(&ports, &digest_of(&text)).await,
        FileClaim::Claimed(_)
    ));
}

/// A revert's record, as the history reads it (found or listed), names the import it reverts
/// and counts what it put back and what it removed; the import reverted names its revert.
pub async fn a_revert_record_names_its_import_and_counts_what_it_removed(ports: StorePorts) {
    use zinc_domain::RevertLinks;
    let first = import(&ports, &first_file(), ImportMode::Strict).await;
    let correction = import(&ports, &correcting_file(), ImportMode::Strict).await;
    let revert = ports
        .reverts
        .revert(correction.id, &revert_request())
        .await
        .unwrap()
        .revert;
    let links = |reverts: Option<ImportId>, reverted_by: Option<ImportId>| RevertLinks {
        reverts,
        reverted_by,
    };
    let found = |id: ImportId| {
        let history = ports.history.clone();
        async move { history.find_import(id).await.unwrap().expect("recorded") }
    };
    let recorded = found(revert).await;
    assert_eq!(recorded.revert, links(Some(correction.id), None));
    let c = recorded.counts;
    assert_eq!(
        (
            c.orders_updated,
            c.orders_removed,
            c.products_updated,
            c.products_removed
        ),
        (2, 1, 2, 1),
        "sales 1 and 3 put back, sale 4 removed; Water's and Snack's prices put back, Towel removed"
    );
    assert_eq!(
        (
            c.rows_total,
            c.sales_total,
            c.orders_created,
            c.products_created
        ),
        (0, 0, 0, 0),
        "a revert reads no file and creates nothing"
    );
    assert_eq!(found(correction.id).await.revert, links(None, Some(revert)));
    assert_eq!(found(first.id).await.revert, RevertLinks::default());
    assert_eq!(
        (
            correction.counts.orders_removed,
            correction.counts.products_removed
        ),
        (0, 0),
        "an import of a file removes nothing"
    );

    // Reverting the revert: each record names the next.
    let undo = ports
        .reverts
        .revert(revert, &revert_request())
        .await
        .unwrap()
        .revert;
    assert_eq!(
        found(revert).await.revert,
        links(Some(correction.id), Some(undo))
    );
    let undone = found(undo).await;
    assert_eq!(undone.revert, links(Some(revert), None));
    assert_eq!(
        (undone.counts.orders_updated, undone.counts.orders_removed),
        (3, 0),
        "sales 1, 3 and 4 back as corrected, none removed"
    );
    let listed: Vec<(ImportId, RevertLinks)> = ports
        .history
        .list_imports(Page::new(10, 0).unwrap())
        .await
        .unwrap()
        .items
        .iter()
        .map(|report| (report.id, report.revert))
        .collect();
    let mut expected = Vec::new();
    for id in [first.id, correction.id, revert, undo] {
        expected.push((id, found(id).await.revert));
    }
    let mut sorted = listed.clone();
    sorted.sort_by_key(|(id, _)| *id);
    assert_eq!(
        sorted, expected,
        "the list reads the links as each record does"
    );
}

/// Every order with its items, and every product, as stored: what a revert must put back.
async fn state(ports: &StorePorts) -> (Vec<OrderWithItems>, Vec<zinc_domain::Product>) {
    let mut orders = Vec::new();
    for order in everything(ports).await {
        orders.push(whole_order(ports, order.id).await.expect("listed"));
    }
    let mut products = ports
        .catalog
        .list_products(&ProductFilter::default(), Page::new(500, 0).unwrap())
        .await
        .unwrap()
        .items;
    products.sort_by_key(|p| p.id);
    (orders, products)
}

fn revert_request() -> RevertRequest {
    RevertRequest {
        requested_by: None,
        source: ImportSource::Cli,
        at: fixed_now(),
    }
}

/// Three sales; the second file corrects sale 1 (a new product, Towel), raises Water's price
/// with sale 3, and adds sale 4.
fn first_file() -> String {
    file(&[
        golf("3/1/2025", 1, "Water", "1"),
        golf("3/1/2025", 1, "Snack", "2"),
        golf("3/1/2025", 2, "Water", "1"),
        golf("3/2/2025", 3, "Water", "1"),
    ])
}

fn correcting_file() -> String {
    file(&[
        row("3/2/2025", 1, "Towel", "5", "Online Store"),
        golf("3/1/2025", 2, "Water", "1"),
        golf("3/3/2025", 3, "Water", "1.5"),
        golf("3/3/2025", 4, "Snack", "2"),
    ])
}

/// Reverting a correction puts back the orders, items and prices it replaced, exactly (ids and
/// times included), and removes what it created: its sale and its product nothing else uses.
pub async fn reverting_a_correction_puts_back_exactly_what_it_replaced(ports: StorePorts) {
    import(&ports, &first_file(), ImportMode::Strict).await;
    let before = state(&ports).await;
    let correction = import(&ports, &correcting_file(), ImportMode::Strict).await;
    assert_eq!(price_of(&ports, "Water").await, "1.5");
    let plan = ports.reverts.plan_revert(correction.id).await.unwrap();
    assert_eq!(
        (
            plan.orders_restored,
            plan.orders_removed,
            plan.products_restored,
            plan.products_removed
        ),
        (2, 1, 2, 1),
        "sales 1 and 3 back, sale 4 and Towel gone, the prices of Water and Snack back"
    );
    let ids = |ids: &[i64]| {
        ids.iter()
            .map(|&id| SaleId::new(id).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(plan.sales, ids(&[1, 3, 4]));
    let done = ports
        .reverts
        .revert(correction.id, &revert_request())
        .await
        .unwrap();
    assert_eq!(done.plan, plan);
    assert_eq!(state(&ports).await, before);
    assert_eq!(price_of(&ports, "Water").await, "1");
}

/// Reverting an import into an empty store leaves it empty.
pub async fn reverting_a_first_import_removes_its_sales_and_products(ports: StorePorts) {
    let first = import(&ports, &first_file(), ImportMode::Strict).await;
    let done = ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .unwrap();
    assert_eq!(
        (
            done.plan.orders_removed,
            done.plan.products_removed,
            done.plan.orders_restored
        ),
        (3, 2, 0)
    );
    let (orders, products) = state(&ports).await;
    assert!(orders.is_empty() && products.is_empty());
    // The same file imports again from scratch.
    let again = import(&ports, &first_file(), ImportMode::Strict).await;
    assert_eq!(again.counts.orders_created, 3);
}

/// A revert is an import in the history (who, when, what), and reverting it puts back what
/// it replaced.
pub async fn a_revert_is_recorded_and_can_be_reverted_in_turn(ports: StorePorts) {
    import(&ports, &first_file(), ImportMode::Strict).await;
    let correction = import(&ports, &correcting_file(), ImportMode::Strict).await;
    let corrected = state(&ports).await;
    let revert = ports
        .reverts
        .revert(correction.id, &revert_request())
        .await
        .unwrap()
        .revert;
    let recorded = ports.history.find_import(revert).await.unwrap().unwrap();
    assert_eq!(recorded.file_name, zinc_ports::revert_name(correction.id));
    assert_eq!(recorded.status, ImportStatus::Succeeded);
    assert_eq!(recorded.source, Some(ImportSource::Cli));
    assert_eq!(recorded.started_at, fixed_now());
    assert_eq!(recorded.counts.orders_updated, 2);
    let undone = ports
        .reverts
        .revert(revert, &revert_request())
        .await
        .unwrap();
    assert_eq!(
        (undone.plan.orders_restored, undone.plan.products_restored),
        (3, 3),
        "sales 1, 3 and 4 back as corrected; the prices of Water and Snack, and Towel, back"
    );
    assert_eq!(state(&ports).await, corrected);
}

/// A later import that wrote some of the same sales makes a revert refuse, naming them and
/// the import; once that import is reverted, the earlier one can be.
pub async fn a_revert_is_refused_while_a_later_import_holds_the_same_sales(ports: StorePorts) {
    let first = import(&ports, &first_file(), ImportMode::Strict).await;
    let correction = import(&ports, &correcting_file(), ImportMode::Strict).await;
    let refused = ports.reverts.plan_revert(first.id).await.unwrap_err();
    let RevertError::Conflict {
        import,
        conflicts,
        total,
    } = refused
    else {
        panic!("expected a conflict, got {refused:?}")
    };
    assert_eq!((import, total), (first.id, 3));
    assert_eq!(
        listed(&conflicts),
        vec![
            (1, vec![correction.id]),
            (2, vec![correction.id]),
            (3, vec![correction.id])
        ],
        "sale 2, restated unchanged, is held as much as the corrected ones"
    );
    let before = state(&ports).await;
    assert!(matches!(
        ports.reverts.revert(first.id, &revert_request()).await,
        Err(RevertError::Conflict { .. })
    ));
    assert_eq!(state(&ports).await, before, "a refusal changes nothing");
    ports
        .reverts
        .revert(correction.id, &revert_request())
        .await
        .unwrap();
    ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .unwrap();
    let (orders, products) = state(&ports).await;
    assert!(orders.is_empty() && products.is_empty());
}

/// Each conflicting sale with the imports listed as touching it.
fn listed(conflicts: &[zinc_ports::SaleConflict]) -> Vec<(i64, Vec<ImportId>)> {
    conflicts
        .iter()
        .map(|c| (c.sale_id.get(), c.touched_by.clone()))
        .collect()
}

/// A plan says what would change and changes nothing.
pub async fn a_revert_plan_writes_nothing(ports: StorePorts) {
    import(&ports, &first_file(), ImportMode::Strict).await;
    let correction = import(&ports, &correcting_file(), ImportMode::Strict).await;
    let before = state(&ports).await;
    let imports = ports.history.list_imports(Page::default()).await.unwrap();
    ports.reverts.plan_revert(correction.id).await.unwrap();
    assert_eq!(state(&ports).await, before);
    assert_eq!(
        ports
            .history
            .list_imports(Page::default())
            .await
            .unwrap()
            .total,
        imports.total
    );
}

/// A second revert of the same import is refused, naming the first.
pub async fn an_import_is_reverted_once(ports: StorePorts) {
    let first = import(&ports, &first_file(), ImportMode::Strict).await;
    let revert = ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .unwrap()
        .revert;
    let refused = ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, RevertError::AlreadyReverted { import, by } if import == first.id && by == revert),
        "{refused:?}"
    );
}

/// An import no one made, and a rejected one, are not reverted.
pub async fn unknown_and_rejected_imports_are_not_reverted(ports: StorePorts) {
    let unknown = zinc_domain::ImportId::new(4_000);
    assert!(matches!(
        ports.reverts.plan_revert(unknown).await,
        Err(RevertError::UnknownImport(id)) if id == unknown
    ));
    let rejected = import(
        &ports,
        &file(&[golf("13/45/2025", 1, "Water", "1")]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(rejected.status, ImportStatus::Rejected);
    assert!(matches!(
        ports.reverts.plan_revert(rejected.id).await,
        Err(RevertError::NotRevertible(_, NotRevertible::Rejected))
    ));
}

/// Once its versions are pruned, an import can no longer be reverted; later ones still can.
pub async fn pruned_versions_cannot_be_reverted(ports: StorePorts) {
    let first = import(&ports, &first_file(), ImportMode::Strict).await;
    let nothing = ports
        .reverts
        .prune_versions(Utc::now() - chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(nothing.imports, 0, "kept less than a day: not pruned");
    let pruned = ports
        .reverts
        .prune_versions(Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(pruned.imports, 1);
    assert!(pruned.rows > 0);
    assert!(matches!(
        ports.reverts.plan_revert(first.id).await,
        Err(RevertError::NotRevertible(_, NotRevertible::Pruned(_)))
    ));
    let correction = import(&ports, &correcting_file(), ImportMode::Strict).await;
    ports.reverts.plan_revert(correction.id).await.unwrap();
}

/// A revert that would put back a product whose name a product created since holds is
/// refused (planned or done), naming the product and the import holding the name, and changes
/// nothing; once that import is reverted, it goes through.
pub async fn a_revert_putting_back_a_product_whose_name_was_taken_since_is_refused(
    ports: StorePorts,
) {
    let first = import(
        &ports,
        &file(&[golf("3/1/2025", 1, "Water", "1")]),
        ImportMode::Strict,
    )
    .await;
    let imported = state(&ports).await;
    let removal = ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .unwrap()
        .revert;
    let again = import(
        &ports,
        &file(&[golf("3/2/2025", 2, "Water", "1.5")]),
        ImportMode::Strict,
    )
    .await;
    let before = state(&ports).await;
    let planned = ports.reverts.plan_revert(removal).await;
    let done = ports.reverts.revert(removal, &revert_request()).await;
    let both = format!("planned {planned:?}, done {done:?}");
    for refused in [planned.map(|_| ()), done.map(|_| ())] {
        assert!(
            matches!(
                &refused,
                Err(RevertError::NotRevertible(
                    import,
                    NotRevertible::NameTaken { product, holder },
                )) if *import == removal && product.as_str() == "Water" && *holder == Some(again.id)
            ),
            "{both}"
        );
    }
    assert_eq!(state(&ports).await, before, "a refusal changes nothing");
    ports
        .reverts
        .revert(again.id, &revert_request())
        .await
        .unwrap();
    ports
        .reverts
        .revert(removal, &revert_request())
        .await
        .unwrap();
    assert_eq!(state(&ports).await, imported);
}

/// A later import that restated a sale unchanged (writing nothing for it) holds the sale as
/// one that wrote it: reverting the earlier import is refused, naming it. Reverting the
/// restating import changes nothing for that sale and lifts the refusal; putting it back in
/// effect (reverting its revert) is then refused, the sale having changed since.
pub async fn a_later_import_restating_a_sale_unchanged_holds_it_until_reverted(ports: StorePorts) {
    let sale_1 = golf("3/1/2025", 1, "Water", "1");
    let first = import(
        &ports,
        &file(&[sale_1.clone(), golf("3/1/2025", 2, "Snack", "2")]),
        ImportMode::Strict,
    )
    .await;
    let restating = import(
        &ports,
        &file(&[sale_1, golf("3/2/2025", 5, "Towel", "5")]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(
        (
            restating.counts.orders_created,
            restating.counts.orders_updated
        ),
        (1, 0),
        "sale 1 restated unchanged, sale 5 new"
    );
    let before = state(&ports).await;
    let planned = ports.reverts.plan_revert(first.id).await;
    let done = ports.reverts.revert(first.id, &revert_request()).await;
    for refused in [planned.map(|_| ()), done.map(|_| ())] {
        let Err(RevertError::Conflict {
            import,
            conflicts,
            total,
        }) = refused
        else {
            panic!("expected a conflict, got {refused:?}")
        };
        assert_eq!((import, total), (first.id, 1));
        assert_eq!(listed(&conflicts), vec![(1, vec![restating.id])]);
    }
    assert_eq!(state(&ports).await, before, "a refusal changes nothing");

    let restated = order_of(&ports, 1).await;
    let undone = ports
        .reverts
        .revert(restating.id, &revert_request())
        .await
        .unwrap();
    assert_eq!(
        undone.plan.sales,
        vec![SaleId::new(5).unwrap()],
        "only the sale it wrote"
    );
    assert_eq!(order_of(&ports, 1).await, restated, "sale 1 left as it was");
    let removal = ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .expect("a reverted import no longer holds its sales")
        .revert;
    let (orders, products) = state(&ports).await;
    assert!(orders.is_empty() && products.is_empty());

    let refused = ports.reverts.plan_revert(undone.revert).await;
    let Err(RevertError::Conflict { conflicts, .. }) = refused else {
        panic!("expected a conflict, got {refused:?}")
    };
    assert_eq!(
        listed(&conflicts),
        vec![(1, vec![removal])],
        "sale 1 removed since the import restated it"
    );
}

/// A revert that would put back a product's price set by an import reverted since is refused
/// (planned or done), naming that import, and changes nothing; once that import is back in
/// effect (its revert reverted), the price is put back.
pub async fn a_revert_putting_back_a_price_from_an_import_reverted_since_is_refused(
    ports: StorePorts,
) {
    let water = |date: &str, sale: u32, price: &str| file(&[golf(date, sale, "Water", price)]);
    import(&ports, &water("3/1/2025", 1, "1"), ImportMode::Strict).await;
    let raising = import(&ports, &water("3/2/2025", 2, "2"), ImportMode::Strict).await;
    let raising_again = import(&ports, &water("3/3/2025", 3, "3"), ImportMode::Strict).await;
    let undone = ports
        .reverts
        .revert(raising.id, &revert_request())
        .await
        .expect("sale 2 alone is reverted; Water keeps the later price")
        .revert;
    assert_eq!(price_of(&ports, "Water").await, "3");
    let before = state(&ports).await;
    let planned = ports.reverts.plan_revert(raising_again.id).await;
    let done = ports
        .reverts
        .revert(raising_again.id, &revert_request())
        .await;
    let both = format!("planned {planned:?}, done {done:?}");
    for refused in [planned.map(|_| ()), done.map(|_| ())] {
        assert!(
            matches!(
                &refused,
                Err(RevertError::NotRevertible(
                    import,
                    NotRevertible::PriceFromReverted(from),
                )) if *import == raising_again.id && *from == raising.id
            ),
            "{both}"
        );
    }
    assert_eq!(state(&ports).await, before, "a refusal changes nothing");
    ports
        .reverts
        .revert(undone, &revert_request())
        .await
        .expect("putting the raising import back in effect");
    let done = ports
        .reverts
        .revert(raising_again.id, &revert_request())
        .await
        .expect("the price it would put back comes from an import in effect again");
    assert_eq!(done.plan.products_restored, 1);
    assert_eq!(price_of(&ports, "Water").await, "2");
}

/// A revert removes a product it created only when nothing uses it, kept copies included: a
/// product that another import's kept copy of an order holds stays, so that reverting that
/// import puts the order back with its item.
pub async fn a_revert_keeps_a_product_another_import_s_kept_copy_holds(ports: StorePorts) {
    let creating = import(
        &ports,
        &file(&[golf("3/5/2025", 1, "Water", "1")]),
        ImportMode::Strict,
    )
    .await;
    // An older sale of Water: it does not reprice it.
    let older = import(
        &ports,
        &file(&[golf("3/1/2025", 2, "Water", "1")]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(older.counts.products_updated, 0);
    let (orders, products) = state(&ports).await;
    let sale_2 = orders
        .into_iter()
        .filter(|o| o.order.sale_id.get() == 2)
        .collect::<Vec<_>>();
    // Sale 2 corrected to Snack: this import keeps the copy of sale 2 holding Water.
    let correcting = import(
        &ports,
        &file(&[golf("3/1/2025", 2, "Snack", "2")]),
        ImportMode::Strict,
    )
    .await;
    let removal = ports
        .reverts
        .revert(creating.id, &revert_request())
        .await
        .expect("sale 1 is the creating import's alone");
    assert_eq!(
        (removal.plan.orders_removed, removal.plan.products_removed),
        (1, 0),
        "Water stays for the kept copy of sale 2"
    );
    ports
        .reverts
        .revert(correcting.id, &revert_request())
        .await
        .expect("sale 2 goes back to Water");
    assert_eq!(
        state(&ports).await,
        (sale_2, products),
        "sale 2 as the older import wrote it, Water as it was, Snack gone"
    );
}

/// Pruning goes by when versions were kept: an import's can be pruned while its revert's are
/// not. Reverting that revert (putting the import back in effect) is then refused, naming the
/// import whose versions are gone, and changes nothing; once the revert's own versions are
/// pruned too, it is refused as pruned itself.
pub async fn reverting_a_revert_is_refused_once_its_import_s_versions_are_pruned(
    ports: StorePorts,
) {
    let first = import(&ports, &first_file(), ImportMode::Strict).await;
    let between = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let revert = ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .unwrap()
        .revert;
    let pruned = ports.reverts.prune_versions(between).await.unwrap();
    assert_eq!(pruned.imports, 1, "the import's versions, not its revert's");
    let before = state(&ports).await;
    let planned = ports.reverts.plan_revert(revert).await;
    let done = ports.reverts.revert(revert, &revert_request()).await;
    let both = format!("planned {planned:?}, done {done:?}");
    for refused in [planned.map(|_| ()), done.map(|_| ())] {
        assert!(
            matches!(
                &refused,
                Err(RevertError::NotRevertible(
                    import,
                    NotRevertible::RevertedPruned { import: reverted, .. },
                )) if *import == revert && *reverted == first.id
            ),
            "{both}"
        );
    }
    assert_eq!(state(&ports).await, before, "a refusal changes nothing");
    let pruned = ports
        .reverts
        .prune_versions(Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(pruned.imports, 1, "the revert's versions now");
    assert!(matches!(
        ports.reverts.plan_revert(revert).await,
        Err(RevertError::NotRevertible(_, NotRevertible::Pruned(_)))
    ));
    assert!(matches!(
        ports.reverts.plan_revert(first.id).await,
        Err(RevertError::AlreadyReverted { by, .. }) if by == revert
    ));
}

/// The product holding a name a revert would put back stays when its import is reverted and
/// sales of other imports still hold it: the refusal names the import in effect whose sales
/// hold it, not the reverted one; and no import once none does.
pub async fn a_taken_name_is_held_by_an_import_in_effect_or_none(ports: StorePorts) {
    let water = |date: &str, sale: u32, price: &str| file(&[golf(date, sale, "Water", price)]);
    let first = import(&ports, &water("3/1/2025", 1, "1"), ImportMode::Strict).await;
    let removal = ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .unwrap()
        .revert;
    let again = import(&ports, &water("3/2/2025", 2, "1.5"), ImportMode::Strict).await;
    // An older sale of the new Water: it does not reprice it.
    let older = import(&ports, &water("3/1/2025", 3, "1.5"), ImportMode::Strict).await;
    assert_eq!(older.counts.products_updated, 0);
    let undone = ports
        .reverts
        .revert(again.id, &revert_request())
        .await
        .unwrap();
    assert_eq!(undone.plan.products_removed, 0, "sale 3 holds Water");
    let holder = |refused: Result<zinc_ports::RevertPlan, RevertError>| match refused {
        Err(RevertError::NotRevertible(import, NotRevertible::NameTaken { product, holder }))
            if import == removal && product.as_str() == "Water" =>
        {
            holder
        }
        other => panic!("expected the name taken, got {other:?}"),
    };
    assert_eq!(
        holder(ports.reverts.plan_revert(removal).await),
        Some(older.id),
        "the import whose sale holds Water, not the reverted one that wrote it"
    );
    ports
        .reverts
        .revert(older.id, &revert_request())
        .await
        .unwrap();
    assert_eq!(
        holder(ports.reverts.plan_revert(removal).await),
        None,
        "no import in effect holds Water now"
    );
}

/// A later revert that kept a copy of a product (the price it took back) puts the product back
/// itself when it is gone: so a revert removing the product does not keep it for that revert's
/// kept orders, and the store holds what the imports in effect give.
pub async fn a_product_a_revert_kept_a_copy_of_is_removed_and_comes_back_with_it(
    ports: StorePorts,
) {
    let water = |date: &str, sale: u32, price: &str| file(&[golf(date, sale, "Water", price)]);
    let first = import(&ports, &water("3/1/2025", 1, "1"), ImportMode::Strict).await;
    let raising = import(&ports, &water("3/2/2025", 2, "2"), ImportMode::Strict).await;
    let raised = state(&ports).await;
    let undone = ports
        .reverts
        .revert(raising.id, &revert_request())
        .await
        .unwrap()
        .revert;
    let removal = ports
        .reverts
        .revert(first.id, &revert_request())
        .await
        .unwrap();
    assert_eq!(
        removal.plan.products_removed, 1,
        "nothing in effect uses Water"
    );
    let (orders, products) = state(&ports).await;
    assert!(orders.is_empty() && products.is_empty());
    ports
        .reverts
        .revert(undone, &revert_request())
        .await
        .expect("the raising import back in effect, Water with it");
    let (orders, products) = state(&ports).await;
    assert_eq!(
        orders,
        raised
            .0
            .into_iter()
            .filter(|o| o.order.sale_id.get() == 2)
            .collect::<Vec<_>>()
    );
    assert_eq!(products, raised.1, "Water as the raising import left it");
}
