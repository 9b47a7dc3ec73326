//! The PostgreSQL adapter against a real server: each test gets its own database.

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use zinc_application::{ImportRequest, ImportSales, NoProgress};
use zinc_domain::{HeaderLine, ImportMode, ImportReport, ImportStatus};
use zinc_ports::RollupUpkeep;
use zinc_ports::{ImportStart, SalesLedger, WriteProgress};
use zinc_postgres::{PostgresLedger, PostgresRollups};
use zinc_testkit::{TestDatabase, real_export, scalar};

/// The header line of the export.
const HEADER: HeaderLine = HeaderLine;

fn row(date: &str, sale_id: u32, item: &str, price: &str, tax: &str, total: &str) -> String {
    format!(
        "{date},100002649,{sale_id},{item},---,,Golf - experience,,---,---,{price},1,{price},0,0,{tax},{total},{total},Credit card (AMEX-Keyed)"
    )
}

fn file(rows: &[String]) -> String {
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

async fn import(db: &DatabaseConnection, text: &str, mode: ImportMode) -> ImportReport {
    import_in_batches(db, text, mode, 700).await
}

/// Imports `text`, staging `batch` sales at a time.
async fn import_in_batches(
    db: &DatabaseConnection,
    text: &str,
    mode: ImportMode,
    batch: usize,
) -> ImportReport {
    let use_case = ImportSales::new(PostgresLedger::new(db.clone()))
        .with_clock(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap())
        .with_batch_size(batch);
    let request = ImportRequest::new(
        "sales.csv",
        text.as_bytes(),
        mode,
        zinc_domain::ImportSource::Cli,
    );
    use_case
        .import(request, &NoProgress)
        .await
        .expect("the import runs")
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    scalar(db, &format!("SELECT count(*) FROM {table}")).await
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[tokio::test]
async fn imports_the_real_export_into_linked_tables_exactly() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    let report = import(db, &real_export(), ImportMode::Strict).await;

    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    assert_eq!(count(db, "products").await, 80);
    assert_eq!(count(db, "orders").await, 1_408);
    assert_eq!(count(db, "order_items").await, 1_661);
    assert_eq!(
        scalar::<Decimal>(db, "SELECT sum(total) FROM orders").await,
        dec("64509.982")
    );
    assert_eq!(
        scalar::<Decimal>(db, "SELECT sum(total) FROM order_items").await,
        dec("64509.982")
    );
    assert_eq!(
        scalar::<Decimal>(db, "SELECT sum(amount_paid) FROM orders").await,
        dec("64508.628")
    );
    // Amounts keep the scale they were written with.
    assert_eq!(
        scalar::<String>(
            db,
            "SELECT min(total::text) FROM order_items WHERE total = 74.928"
        )
        .await,
        "74.928"
    );
    assert_eq!(
        scalar::<String>(
            db,
            "SELECT min(unit_price::text) FROM order_items WHERE unit_price = 252"
        )
        .await,
        "252.00"
    );
    assert_eq!(
        count(
            db,
            "order_items i JOIN orders o ON o.id = i.order_id WHERE o.sale_id = 4105"
        )
        .await,
        9
    );
    // Trimmed names: 'Mineral Water ' and 'Mineral Water' are one product.
    assert_eq!(
        count(db, "products WHERE name LIKE 'Mineral Water%'").await,
        1
    );
    // Order amounts are the sums of their items.
    assert_eq!(
        count(db, "orders o WHERE o.total <> (SELECT sum(total) FROM order_items i WHERE i.order_id = o.id)").await,
        0
    );
    // The import is recorded with its counts.
    assert_eq!(
        scalar::<String>(
            db,
            "SELECT status || ' ' || rows_total || ' ' || orders_created FROM imports"
        )
        .await,
        "succeeded 1661 1408"
    );
}

#[tokio::test]
async fn reimporting_the_same_file_changes_nothing_and_says_so() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    import(db, &real_export(), ImportMode::Strict).await;
    let before: String = scalar(db, "SELECT max(updated_at)::text FROM orders").await;

    let again = import(db, &real_export(), ImportMode::Strict).await;

    assert_eq!(again.status, ImportStatus::Succeeded);
    assert_eq!(again.counts.orders_unchanged, 1_408);
    assert_eq!(again.counts.orders_created + again.counts.orders_updated, 0);
    assert_eq!(
        again.counts.products_created + again.counts.products_updated,
        0
    );
    assert!(again.changed_nothing());
    assert_eq!(count(db, "orders").await, 1_408);
    assert_eq!(count(db, "order_items").await, 1_661);
    let after: String = scalar(db, "SELECT max(updated_at)::text FROM orders").await;
    assert_eq!(before, after, "unchanged orders are not rewritten");
    assert_eq!(count(db, "imports").await, 2);
}

#[tokio::test]
async fn reimporting_a_corrected_sale_replaces_its_order_and_items() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    let first = file(&[
        row("3/1/2025", 1, "Water", "1", "0.09", "1.09"),
        row("3/1/2025", 1, "Water", "1", "0.09", "1.09"),
        row("3/1/2025", 2, "Coke", "2", "0.18", "2.18"),
    ]);
    import(db, &first, ImportMode::Strict).await;
    let corrected = file(&[
        row("3/1/2025", 1, "Lemonade", "3", "0.27", "3.27"),
        row("3/1/2025", 2, "Coke", "2", "0.18", "2.18"),
    ]);

    let report = import(db, &corrected, ImportMode::Strict).await;

    assert_eq!(report.counts.orders_updated, 1);
    assert_eq!(report.counts.orders_unchanged, 1);
    assert_eq!(report.counts.products_created, 1);
    assert_eq!(count(db, "orders").await, 2);
    assert_eq!(count(db, "order_items").await, 2);
    assert_eq!(
        scalar::<Decimal>(db, "SELECT total FROM orders WHERE sale_id = 1").await,
        dec("3.27")
    );
    assert_eq!(
        scalar::<String>(db, "SELECT p.name FROM order_items i JOIN products p ON p.id = i.product_id JOIN orders o ON o.id = i.order_id WHERE o.sale_id = 1").await,
        "Lemonade"
    );
}

#[tokio::test]
async fn a_strict_rejection_writes_no_sales_data_but_records_the_attempt() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    let text = file(&[
        row("3/1/2025", 1, "Water", "1", "0.09", "1.09"),
        row("3/1/2025", 2, "Coke", "2", "0.18", "2.18").replace("Golf - experience", "Gym"),
    ]);

    let report = import(db, &text, ImportMode::Strict).await;

    assert_eq!(report.status, ImportStatus::Rejected);
    for table in ["products", "orders", "order_items"] {
        assert_eq!(count(db, table).await, 0, "{table}");
    }
    assert_eq!(
        scalar::<String>(db, "SELECT status || ' ' || problems_total || ' ' || (problems->0->>'line') || ' ' || (problems->0->>'column') FROM imports").await,
        "rejected 1 3 Location"
    );
    assert_eq!(
        scalar::<i64>(db, "SELECT id FROM imports").await,
        report.id.get()
    );
}

#[tokio::test]
async fn skip_invalid_writes_every_valid_sale_and_none_of_a_rejected_one() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    let text = file(&[
        row("3/1/2025", 1, "Water", "1", "0.09", "1.09"),
        row("3/1/2025", 2, "Coke", "2", "0.18", "2.18"),
        row("3/1/2025", 1, "Chips", "1", "0.09", "1.10"),
    ]);

    let report = import(db, &text, ImportMode::SkipInvalid).await;

    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(report.counts.sales_rejected, 1);
    assert_eq!(report.counts.rows_rejected, 2);
    assert_eq!(count(db, "orders").await, 1);
    assert_eq!(scalar::<i64>(db, "SELECT sale_id FROM orders").await, 2);
    assert_eq!(
        count(db, "products").await,
        1,
        "products of the rejected sale are not created"
    );
}

#[tokio::test]
async fn a_product_keeps_the_price_of_its_most_recent_sale_across_imports() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    import(
        db,
        &file(&[row("4/1/2025", 20, "Water", "0.6", "0.054", "0.654")]),
        ImportMode::Strict,
    )
    .await;

    let older = import(
        db,
        &file(&[row("3/1/2025", 10, "Water", "0.4", "0.036", "0.436")]),
        ImportMode::Strict,
    )
    .await;

    assert_eq!(older.counts.products_updated, 0);
    assert_eq!(
        scalar::<Decimal>(db, "SELECT price FROM products").await,
        dec("0.6")
    );
    let newer = import(
        db,
        &file(&[row("5/1/2025", 30, "Water", "0.7", "0.063", "0.763")]),
        ImportMode::Strict,
    )
    .await;
    assert_eq!(newer.counts.products_updated, 1);
    assert_eq!(
        scalar::<Decimal>(db, "SELECT price FROM products").await,
        dec("0.7")
    );
    // Each item keeps the price it was sold at.
    assert_eq!(
        scalar::<String>(
            db,
            "SELECT string_agg(unit_price::text, ',' ORDER BY unit_price) FROM order_items"
        )
        .await,
        "0.4,0.6,0.7"
    );
}

#[tokio::test]
async fn concurrent_imports_of_overlapping_files_never_duplicate() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    let export = real_export();
    // Whole sales only (every even Sale ID): a file cutting a sale in two would carry another
    // version of it, and the last import to commit would rightly win.
    let half = export_half(true);

    let (a, b, c) = tokio::join!(
        import(db, &export, ImportMode::Strict),
        import(db, &export, ImportMode::Strict),
        import(db, &half, ImportMode::Strict),
    );

    for report in [&a, &b, &c] {
        assert_eq!(report.status, ImportStatus::Succeeded);
    }
    assert_eq!(
        a.counts.orders_created + b.counts.orders_created + c.counts.orders_created,
        1_408
    );
    assert_eq!(count(db, "orders").await, 1_408);
    assert_eq!(count(db, "order_items").await, 1_661);
    assert_eq!(count(db, "products").await, 80);
    assert_eq!(
        scalar::<Decimal>(db, "SELECT sum(total) FROM orders").await,
        dec("64509.982")
    );
}

/// The lines of the real export whose Sale ID is even (`even`) or odd, under the header: whole
/// sales, the two files disjoint.
fn export_half(even: bool) -> String {
    real_export()
        .lines()
        .enumerate()
        .filter(|(n, line)| {
            *n == 0
                || line
                    .split(',')
                    .nth(2)
                    .and_then(|id| id.parse::<u32>().ok())
                    .is_some_and(|id| (id % 2 == 0) == even)
        })
        .map(|(_, line)| line)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn sales_staged_side_by_side_by_two_imports_keep_their_own_order_numbers_and_items() {
    let alone = TestDatabase::migrated().await;
    import(alone.connection(), &real_export(), ImportMode::Strict).await;
    let expected = items_by_sale(alone.connection()).await;
    let database = TestDatabase::migrated().await;
    let db = database.connection();

    // Batches of 25 sales: each import takes order numbers many times, in turn with the other.
    let (even, odd) = (export_half(true), export_half(false));
    let (even, odd) = tokio::join!(
        import_in_batches(db, &even, ImportMode::Strict, 25),
        import_in_batches(db, &odd, ImportMode::Strict, 25),
    );

    assert_eq!(even.status, ImportStatus::Succeeded);
    assert_eq!(odd.status, ImportStatus::Succeeded);
    assert_eq!(
        even.counts.orders_created + odd.counts.orders_created,
        1_408
    );
    assert_eq!(items_by_sale(db).await, expected);
    let misplaced: i64 = scalar(
        db,
        "SELECT count(*) FROM orders o \
         WHERE o.total <> (SELECT sum(i.total) FROM order_items i WHERE i.order_id = o.id)",
    )
    .await;
    assert_eq!(misplaced, 0, "orders whose items are another sale's");
    assert_rollups_in_step(db).await;
}

/// Asserts that every rollup agrees with a recomputation from the orders and items.
async fn assert_rollups_in_step(db: &DatabaseConnection) {
    let drifts = PostgresRollups::new(db.clone())
        .verify_rollups(10)
        .await
        .expect("the rollups are verified");
    assert_eq!(drifts.total, 0, "{:#?}", drifts.listed);
}

/// The Sale ID of each item with its product, position and total, in order.
async fn items_by_sale(db: &DatabaseConnection) -> String {
    scalar(
        db,
        "SELECT string_agg(o.sale_id || ':' || i.position || ':' || p.name || ':' || i.total, ' ' \
           ORDER BY o.sale_id, i.position) \
         FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id",
    )
    .await
}

#[tokio::test]
async fn sales_beyond_every_stored_one_are_written_whole_beside_them() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    import(
        db,
        &file(&[row("3/1/2025", 1, "Water", "1", "0.09", "1.09")]),
        ImportMode::Strict,
    )
    .await;
    let later = file(&[
        row("3/2/2025", 10, "Water", "1", "0.09", "1.09"),
        row("3/2/2025", 10, "Coke", "2", "0.18", "2.18"),
        row("3/2/2025", 10, "Water", "1", "0.09", "1.09"),
        row("3/3/2025", 11, "Chips", "3", "0.27", "3.27"),
    ]);

    let report = import(db, &later, ImportMode::Strict).await;

    assert_eq!(report.status, ImportStatus::Succeeded);
    assert_eq!(report.counts.orders_created, 2);
    assert_eq!(
        report.counts.orders_updated + report.counts.orders_unchanged,
        0
    );
    assert_eq!(report.counts.products_created, 2);
    assert_eq!(
        items_by_sale(db).await,
        "1:1:Water:1.09 10:1:Water:1.09 10:2:Coke:2.18 10:3:Water:1.09 11:1:Chips:3.27"
    );
    assert_eq!(
        scalar::<Decimal>(db, "SELECT total FROM orders WHERE sale_id = 10").await,
        dec("4.36")
    );
    assert_rollups_in_step(db).await;
    // The same file again finds every sale stored and unchanged.
    let again = import(db, &later, ImportMode::Strict).await;
    assert_eq!(again.counts.orders_unchanged, 2);
    assert_eq!(count(db, "order_items").await, 5);
}

#[tokio::test]
async fn new_sales_around_a_stored_one_still_replace_it_when_it_changed() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    import(
        db,
        &file(&[row("3/1/2025", 5, "Water", "1", "0.09", "1.09")]),
        ImportMode::Strict,
    )
    .await;
    // Sale 5 again, corrected, among sales never seen.
    let mixed = file(&[
        row("3/1/2025", 4, "Coke", "2", "0.18", "2.18"),
        row("3/1/2025", 5, "Lemonade", "3", "0.27", "3.27"),
        row("3/2/2025", 6, "Chips", "3", "0.27", "3.27"),
    ]);

    let report = import(db, &mixed, ImportMode::Strict).await;

    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    assert_eq!(report.counts.orders_created, 2);
    assert_eq!(report.counts.orders_updated, 1);
    assert_eq!(report.replaced_sales.len(), 1);
    assert_eq!(report.replaced_sales[0].get(), 5);
    assert_eq!(
        items_by_sale(db).await,
        "4:1:Coke:2.18 5:1:Lemonade:3.27 6:1:Chips:3.27"
    );
    assert_rollups_in_step(db).await;
}

/// Each order's Sale ID and number, in the order of their numbers.
async fn order_numbers(db: &DatabaseConnection) -> String {
    scalar(
        db,
        "SELECT string_agg(sale_id || '#' || id, ' ' ORDER BY id) FROM orders",
    )
    .await
}

#[tokio::test]
async fn sales_found_unchanged_use_up_no_order_numbers() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    let first = file(&[
        row("3/1/2025", 1, "Water", "1", "0.09", "1.09"),
        row("3/1/2025", 10, "Coke", "2", "0.18", "2.18"),
    ]);
    import(db, &first, ImportMode::Strict).await;
    let again = import(db, &first, ImportMode::Strict).await;
    assert_eq!(again.counts.orders_unchanged, 2);

    // The same sales with one new among them.
    let more = file(&[
        row("3/1/2025", 1, "Water", "1", "0.09", "1.09"),
        row("3/1/2025", 5, "Chips", "3", "0.27", "3.27"),
        row("3/1/2025", 10, "Coke", "2", "0.18", "2.18"),
    ]);
    let report = import(db, &more, ImportMode::Strict).await;

    assert_eq!(report.counts.orders_created, 1);
    assert_eq!(order_numbers(db).await, "1#1 10#2 5#3");
}

#[tokio::test]
async fn new_sales_staged_before_a_stored_one_keep_the_numbers_they_were_staged_with() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    import(
        db,
        &file(&[row("3/1/2025", 1, "Water", "1", "0.09", "1.09")]),
        ImportMode::Strict,
    )
    .await;
    // One sale per batch: sales 20 and 21 are staged with numbers (no stored Sale ID near
    // them), sale 1, corrected, is found stored and keeps its own.
    let later = file(&[
        row("3/2/2025", 20, "Coke", "2", "0.18", "2.18"),
        row("3/2/2025", 21, "Chips", "3", "0.27", "3.27"),
        row("3/1/2025", 1, "Lemonade", "3", "0.27", "3.27"),
    ]);

    let report = import_in_batches(db, &later, ImportMode::Strict, 1).await;

    assert_eq!(report.counts.orders_created, 2);
    assert_eq!(report.counts.orders_updated, 1);
    assert_eq!(order_numbers(db).await, "1#1 20#2 21#3");
    assert_eq!(
        items_by_sale(db).await,
        "1:1:Lemonade:3.27 20:1:Coke:2.18 21:1:Chips:3.27"
    );
    assert_rollups_in_step(db).await;
}

#[tokio::test]
async fn a_stored_sale_reassembled_from_loose_lines_is_replaced_not_added_again() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    import(
        db,
        &file(&[row("3/1/2025", 5, "Water", "1", "0.09", "1.09")]),
        ImportMode::Strict,
    )
    .await;
    // Sale 5 comes back longer than a run is kept whole, so its lines reach the store loose and
    // it is staged only once reassembled, after sale 9 (never seen) was staged.
    let mut rows = vec![row("3/2/2025", 9, "Coke", "2", "0.18", "2.18")];
    rows.extend((0..10_001).map(|_| row("3/1/2025", 5, "Water", "1", "0.09", "1.09")));

    let report = import(db, &file(&rows), ImportMode::Strict).await;

    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    assert_eq!(report.counts.orders_created, 1);
    assert_eq!(report.counts.orders_updated, 1);
    assert_eq!(count(db, "orders").await, 2);
    assert_eq!(
        count(
            db,
            "order_items i JOIN orders o ON o.id = i.order_id WHERE o.sale_id = 5"
        )
        .await,
        10_001
    );
    assert_rollups_in_step(db).await;
}

#[tokio::test]
async fn an_import_abandoned_midway_leaves_the_database_as_it_was() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    let ledger = PostgresLedger::new(db.clone());
    {
        let mut session = ledger
            .begin_import(&ImportStart {
                file_name: "x.csv".into(),
                mode: ImportMode::Strict,
                started_at: Utc::now(),
                requested_by: None,
                source: zinc_domain::ImportSource::Cli,
            })
            .await
            .unwrap();
        let lines: Vec<_> =
            zinc_domain::SalesCsvReader::new(real_export().as_bytes(), chrono::NaiveDate::MAX)
                .unwrap()
                .map(Result::unwrap)
                .collect();
        session.stage_loose_lines(&lines).await.unwrap();
        let mut grouper = zinc_domain::SaleGrouper::new();
        loop {
            let taken = session.take_unassembled(500).await.unwrap();
            let done = taken.is_empty();
            let groups: Vec<_> = if done {
                grouper.finish().into_iter().collect()
            } else {
                grouper.push(taken)
            };
            let sales: Vec<_> = groups
                .into_iter()
                .map(|lines| zinc_domain::Sale::assemble(lines).unwrap())
                .collect();
            session.stage_sales(&sales).await.unwrap();
            if done {
                break;
            }
        }
        let written = session.write(&WriteProgress::ignored()).await.unwrap();
        assert_eq!(
            written.orders.created, 1_408,
            "everything was written, uncommitted"
        );
        // Dropped here without commit, as when the process dies or the connection is lost.
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for table in ["imports", "products", "orders", "order_items"] {
        assert_eq!(count(db, table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn the_database_itself_refuses_what_the_domain_refuses() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    import(
        db,
        &file(&[row("3/1/2025", 1, "Water", "1", "0.09", "1.09")]),
        ImportMode::Strict,
    )
    .await;
    let refused = [
        "INSERT INTO products (name, price, price_sale_id, price_sale_date, price_from_refund) VALUES ('', 1, 1, '2025-01-01', false)",
        "INSERT INTO products (name, price, price_sale_id, price_sale_date, price_from_refund) VALUES (' padded', 1, 1, '2025-01-01', false)",
        "INSERT INTO products (name, price, price_sale_id, price_sale_date, price_from_refund) VALUES ('Free', -1, 1, '2025-01-01', false)",
        "INSERT INTO products (name, price, price_sale_id, price_sale_date, price_from_refund) VALUES ('Water', 1, 1, '2025-01-01', false)",
        "UPDATE orders SET location = 'Gym'",
        "UPDATE orders SET date = current_date + 30",
        "UPDATE orders SET client_id = -1",
        "UPDATE orders SET batch_number = -1",
        "UPDATE orders SET notes = repeat('x', 256)",
        "INSERT INTO orders (sale_id, client_id, date, location, subtotal, tax, total, amount_paid, fingerprint, import_id) SELECT sale_id, client_id, date, location, subtotal, tax, total, amount_paid, fingerprint, import_id FROM orders",
        "UPDATE order_items SET quantity = 0",
        "UPDATE order_items SET unit_price = -1",
        "UPDATE order_items SET total = total + 1",
        "UPDATE order_items SET subtotal = subtotal + 1, total = total + 1",
        "UPDATE order_items SET product_id = product_id + 1000",
        // Amounts the read side could not read back, text longer than a cell may be, control
        // characters (migration m20261125_000005_bound_amounts).
        "UPDATE products SET price = 1000000000000000",
        "UPDATE products SET price = 0.1234567",
        "UPDATE products SET name = E'Wa\\x01ter'",
        "UPDATE orders SET total = 1999999999999999.999998",
        "UPDATE orders SET subtotal = -1000000000000000",
        "UPDATE orders SET amount_paid = 0.0000001",
        "UPDATE orders SET discount_percentage = 1e15",
        "UPDATE orders SET payment_method = repeat('x', 256)",
        "UPDATE orders SET sales_notes = repeat('x', 256)",
        "UPDATE orders SET payment_method = E'Visa\\nMC'",
        "UPDATE orders SET sales_notes = E'VIP\\x1b[31m'",
        "UPDATE order_items SET amount_paid = 1000000000000000",
        "UPDATE order_items SET unit_price = 0.1234567",
        "UPDATE order_items SET color = repeat('x', 256)",
        "UPDATE order_items SET size = repeat('x', 256)",
        "UPDATE order_items SET payment_method = repeat('x', 256)",
        "UPDATE order_items SET sales_notes = repeat('x', 256)",
        "UPDATE order_items SET color = E'red\\x7f'",
        "UPDATE order_items SET notes = E'a\\x02b'",
    ];
    for sql in refused {
        let result = db.execute_unprepared(sql).await;
        let error = result
            .err()
            .unwrap_or_else(|| panic!("the database accepted: {sql}"));
        // Refused by a rule, not by a mistake in the statement.
        let error = error.to_string();
        assert!(
            error.contains("violates") || error.contains("too long"),
            "{sql}: {error}"
        );
    }
    let accepted = [
        "UPDATE orders SET sales_notes = E'first\\r\\nsecond\\twith a tab'",
        "UPDATE order_items SET notes = E'first\\nsecond', color = E'red\\tblue'",
        "UPDATE orders SET total = 999999999999999.999999",
        "UPDATE order_items SET amount_paid = 252.00",
    ];
    for sql in accepted {
        db.execute_unprepared(sql)
            .await
            .unwrap_or_else(|error| panic!("the database refused {sql}: {error}"));
    }
}

/// The planner's row count for `table` from its last analysis (-1: never analysed).
async fn analysed_rows(db: &DatabaseConnection, table: &str) -> f32 {
    scalar(
        db,
        &format!("SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass"),
    )
    .await
}

/// The stored tables an import writes, with autovacuum kept away so that only the import
/// analyses them.
const WRITTEN_TABLES: [&str; 9] = [
    "products",
    "orders",
    "order_items",
    "sales_by_day",
    "product_sales_by_day",
    "product_sales_by_month",
    "product_sales_by_month_all",
    "product_sales_by_year_all",
    "product_sales_by_year",
];

async fn without_autovacuum(db: &DatabaseConnection) {
    for table in WRITTEN_TABLES {
        db.execute_unprepared(&format!(
            "ALTER TABLE {table} SET (autovacuum_enabled = off)"
        ))
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn an_import_that_fills_the_tables_leaves_the_planner_fresh_statistics() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    without_autovacuum(db).await;

    import(db, &real_export(), ImportMode::Strict).await;

    for table in WRITTEN_TABLES {
        let rows = count(db, table).await;
        assert!(rows > 0, "{table} has rows");
        assert_eq!(
            analysed_rows(db, table).await,
            rows as f32,
            "{table} was analysed after the import"
        );
    }
}

#[tokio::test]
async fn a_small_import_into_large_tables_leaves_their_statistics_alone() {
    let database = TestDatabase::migrated().await;
    let db = database.connection();
    without_autovacuum(db).await;
    import(db, &real_export(), ImportMode::Strict).await;

    import(
        db,
        &file(&[row("3/1/2025", 99_999, "Water", "1", "0.09", "1.09")]),
        ImportMode::Strict,
    )
    .await;

    assert_eq!(count(db, "orders").await, 1_409);
    assert_eq!(
        analysed_rows(db, "orders").await,
        1_408.0,
        "one sale in 1,409 is no reason to analyse"
    );
    assert_eq!(analysed_rows(db, "order_items").await, 1_661.0);
}
