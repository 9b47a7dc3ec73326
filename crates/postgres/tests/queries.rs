//! The read side against a real PostgreSQL: what the imports stored comes back exactly,
//! filtered, paged and summed as the ports promise.

use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use zinc_application::{ImportRequest, ImportSales, NoProgress};
use zinc_domain::{
    ClientId, DateBounds, DateRange, HeaderLine, ImportMode, ImportReport, ImportStatus, Location,
    OrderFilter, Page, ProductFilter, RankBy, SaleId,
};
use zinc_ports::{
    DataVersions, ImportHistory, OrderBook, ProductCatalog, SalesFigures, StoreHealth,
};
use zinc_postgres::{PostgresDataVersions, PostgresLedger, PostgresQueries};
use zinc_testkit::TestDatabase;

/// The header line of the export.
const HEADER: HeaderLine = HeaderLine;

/// Four sales over three days at both locations, with a refund and a 100% discount.
const SALES: &str = "\
3/1/2025,7,10,Mineral Water ,---,,Golf - experience,,---,---,2.5,1,2.5,0,0,0.225,2.725,2.725,Cash
3/1/2025,7,10,Club set rental,---,,Golf - experience,,Red,L,20,1,20,0,0,1.8,21.8,21.8,Cash
3/1/2025,8,11,Mineral Water,---,,Online Store,,---,---,2.5,1,2.5,0,0,0.225,2.725,2.725,Card
3/2/2025,7,12,Mineral Water,---,,Golf - experience,,---,---,2.5,-1,-2.5,0,0,-0.225,-2.725,-2.725,Cash
3/4/2025,9,13,100% Promo_Item,---,,Online Store,,---,---,10,2,20,100,20,0,0,0,Card
";

async fn import(db: &DatabaseConnection, text: &str, name: &str) -> ImportReport {
    ImportSales::new(PostgresLedger::new(db.clone()))
        .with_clock(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap())
        .import(
            ImportRequest::new(
                name,
                text.as_bytes(),
                ImportMode::Strict,
                zinc_domain::ImportSource::Cli,
            ),
            &NoProgress,
        )
        .await
        .expect("the import runs")
}

async fn loaded() -> (TestDatabase, PostgresQueries) {
    let database = TestDatabase::migrated().await;
    let report = import(
        database.connection(),
        &format!("{HEADER}\n{SALES}"),
        "sales.csv",
    )
    .await;
    assert_eq!(
        report.status,
        ImportStatus::Succeeded,
        "{:?}",
        report.problems
    );
    let queries = PostgresQueries::new(database.connection().clone());
    (database, queries)
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn bounds(from: &str, to: &str) -> DateBounds {
    DateBounds::new(Some(day(from)), Some(day(to))).unwrap()
}

#[tokio::test]
async fn revenue_sums_order_totals_within_inclusive_bounds_and_location() {
    let (_database, queries) = loaded().await;
    let all = queries.revenue(DateBounds::default(), None).await.unwrap();
    assert_eq!((all.revenue, all.order_count), (dec("24.525"), 4));

    let first_day = queries
        .revenue(bounds("2025-03-01", "2025-03-01"), None)
        .await
        .unwrap();
    assert_eq!(
        (first_day.revenue, first_day.order_count),
        (dec("27.250"), 2)
    );

    let golf = queries
        .revenue(
            bounds("2025-03-01", "2025-03-02"),
            Some(Location::GolfExperience),
        )
        .await
        .unwrap();
    assert_eq!((golf.revenue, golf.order_count), (dec("21.800"), 2));

    let empty = queries
        .revenue(bounds("2025-03-03", "2025-03-03"), None)
        .await
        .unwrap();
    assert_eq!((empty.revenue, empty.order_count), (Decimal::ZERO, 0));
}

#[tokio::test]
async fn daily_revenue_groups_orders_by_sale_date() {
    let (_database, queries) = loaded().await;
    let range = DateRange::new(day("2025-02-28"), day("2025-03-04")).unwrap();
    let days = queries.daily_revenue(range, None).await.unwrap();
    let shown: Vec<_> = days
        .iter()
        .map(|d| (d.date.to_string(), d.totals.revenue, d.totals.order_count))
        .collect();
    assert_eq!(
        shown,
        [
            ("2025-03-01".to_owned(), dec("27.25"), 2),
            ("2025-03-02".to_owned(), dec("-2.725"), 1),
            ("2025-03-04".to_owned(), dec("0"), 1),
        ]
    );
}

#[tokio::test]
async fn best_sellers_rank_by_revenue_or_units_with_refunds_subtracted() {
    let (_database, queries) = loaded().await;
    let by_revenue = queries
        .top_products(DateBounds::default(), None, RankBy::Revenue, 10)
        .await
        .unwrap();
    let names: Vec<_> = by_revenue.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["Club set rental", "Mineral Water", "100% Promo_Item"]
    );
    let water = &by_revenue[1];
    assert_eq!(
        (water.quantity, water.revenue, water.order_count),
        (1, dec("2.725"), 3)
    );

    let by_units = queries
        .top_products(DateBounds::default(), None, RankBy::Quantity, 1)
        .await
        .unwrap();
    assert_eq!(by_units.len(), 1);
    assert_eq!(
        (by_units[0].name.as_str(), by_units[0].quantity),
        ("100% Promo_Item", 2)
    );
}

#[tokio::test]
async fn orders_list_newest_first_filtered_and_paged_with_the_full_count() {
    let (_database, queries) = loaded().await;
    let page = queries
        .list_orders(&OrderFilter::default(), Page::new(2, 1).unwrap())
        .await
        .unwrap();
    assert_eq!(page.total, 4);
    let sales: Vec<_> = page.items.iter().map(|o| o.sale_id.get()).collect();
    assert_eq!(sales, [12, 11]);

    let filter = OrderFilter {
        client_id: Some(ClientId::new(7).unwrap()),
        location: Some(Location::GolfExperience),
        dates: bounds("2025-03-01", "2025-03-01"),
        ..OrderFilter::default()
    };
    let page = queries.list_orders(&filter, Page::default()).await.unwrap();
    assert_eq!(page.total, 1);
    let order = &page.items[0];
    assert_eq!((order.sale_id.get(), order.item_count), (10, 2));
    assert_eq!(order.total.amount(), dec("24.525"));

    let by_sale = OrderFilter {
        sale_id: Some(SaleId::new(13).unwrap()),
        ..OrderFilter::default()
    };
    let page = queries
        .list_orders(&by_sale, Page::default())
        .await
        .unwrap();
    assert_eq!(page.items[0].discount_amount.amount(), dec("20"));

    let beyond = queries
        .list_orders(&OrderFilter::default(), Page::new(10, 100).unwrap())
        .await
        .unwrap();
    assert_eq!((beyond.items.len(), beyond.total), (0, 4));
}

#[tokio::test]
async fn an_order_comes_back_with_its_items_in_file_order() {
    let (_database, queries) = loaded().await;
    let by_sale = OrderFilter {
        sale_id: Some(SaleId::new(10).unwrap()),
        ..OrderFilter::default()
    };
    let id = queries
        .list_orders(&by_sale, Page::default())
        .await
        .unwrap()
        .items[0]
        .id;
    let detail = queries
        .find_order(id, Page::default())
        .await
        .unwrap()
        .expect("the order");
    let items: Vec<_> = detail
        .items
        .items
        .iter()
        .map(|i| {
            (
                i.position,
                i.product_name.as_str(),
                i.unit_price.amount(),
                i.color.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (1, "Mineral Water", dec("2.5"), None),
            (2, "Club set rental", dec("20"), Some("Red")),
        ]
    );
    assert_eq!(detail.items.items[0].total.amount(), dec("2.725"));
    assert!(
        queries
            .find_order(zinc_domain::OrderId::new(999_999), Page::default())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn products_are_searched_by_name_ignoring_case_with_wildcards_taken_literally() {
    let (_database, queries) = loaded().await;
    let all = queries
        .list_products(&ProductFilter::default(), Page::default())
        .await
        .unwrap();
    let names: Vec<_> = all.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["100% Promo_Item", "Club set rental", "Mineral Water"]
    );

    let search = |text: &str| ProductFilter {
        name_contains: Some(text.to_owned()),
    };
    let water = queries
        .list_products(&search("WATER"), Page::default())
        .await
        .unwrap();
    assert_eq!(water.total, 1);
    assert_eq!(water.items[0].price.amount(), dec("2.5"));
    let percent = queries
        .list_products(&search("%"), Page::default())
        .await
        .unwrap();
    assert_eq!(percent.total, 1, "'%' matches only names containing '%'");
    let underscore = queries
        .list_products(&search("o_I"), Page::default())
        .await
        .unwrap();
    assert_eq!(underscore.total, 1);

    let id = water.items[0].id;
    assert_eq!(
        queries
            .find_product(id)
            .await
            .unwrap()
            .unwrap()
            .name
            .as_str(),
        "Mineral Water"
    );
}

#[tokio::test]
async fn imports_are_listed_newest_first_and_a_rejection_keeps_its_problems() {
    let (database, queries) = loaded().await;
    let bad = format!("{HEADER}\n3/1/2025,7,20,Water,---,,Gym,,---,---,1,1,1,0,0,0,1,1,Cash\n");
    let rejected = import(database.connection(), &bad, "bad.csv").await;
    assert_eq!(rejected.status, ImportStatus::Rejected);

    let page = queries.list_imports(Page::default()).await.unwrap();
    let names: Vec<_> = page.items.iter().map(|r| r.file_name.as_str()).collect();
    assert_eq!(names, ["bad.csv", "sales.csv"]);
    assert_eq!(page.items[0].problems.total(), 1);
    assert!(
        page.items[0].problems.problems().is_empty(),
        "lists leave problems out"
    );

    let found = queries
        .find_import(rejected.id)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(found.status, ImportStatus::Rejected);
    assert_eq!(found.sha256, rejected.sha256);
    let problem = &found.problems.problems()[0];
    assert_eq!(
        problem.to_string(),
        "line 2, column Location: 'Gym' is not a known location (Online Store or Golf - experience)"
    );
}

#[tokio::test]
async fn health_lists_pending_migrations_without_creating_anything() {
    let (_database, queries) = loaded().await;
    assert!(queries.pending_migrations().await.unwrap().is_empty());

    let empty = TestDatabase::empty().await;
    let bare = PostgresQueries::new(empty.connection().clone());
    let all = <zinc_migration::Migrator as zinc_migration::MigratorTrait>::migrations().len();
    assert_eq!(bare.pending_migrations().await.unwrap().len(), all);
    assert_eq!(
        bare.pending_migrations().await.unwrap().len(),
        all,
        "still nothing created"
    );
}

#[tokio::test]
async fn the_data_version_changes_with_each_succeeded_import_and_never_with_a_rejected_one() {
    let database = TestDatabase::migrated().await;
    let versions = PostgresDataVersions::new(database.connection().clone());
    let empty = versions.current_version().await.unwrap();
    assert_eq!(versions.current_version().await.unwrap(), empty);

    let sales = format!("{HEADER}\n{SALES}");
    let first = import(database.connection(), &sales, "sales.csv").await;
    assert_eq!(first.status, ImportStatus::Succeeded);
    let loaded = versions.current_version().await.unwrap();
    assert_ne!(loaded, empty);

    let bad = format!("{HEADER}\n3/1/2025,7,20,Water,---,,Gym,,---,---,1,1,1,0,0,0,1,1,Cash\n");
    let rejected = import(database.connection(), &bad, "bad.csv").await;
    assert_eq!(rejected.status, ImportStatus::Rejected);
    assert_eq!(versions.current_version().await.unwrap(), loaded);

    let again = import(database.connection(), &sales, "sales-again.csv").await;
    assert_eq!(again.status, ImportStatus::Succeeded);
    let reloaded = versions.current_version().await.unwrap();
    assert_ne!(reloaded, loaded);
    assert_ne!(reloaded, empty);
}

#[tokio::test]
async fn the_data_version_changes_when_a_succeeded_import_commits_not_before() {
    let database = TestDatabase::migrated().await;
    let versions = PostgresDataVersions::new(database.connection().clone());
    let before = versions.current_version().await.unwrap();
    let writer = database.connection().begin().await.unwrap();
    writer
        .execute_unprepared(
            "INSERT INTO imports (file_name, mode, status, started_at) \
             VALUES ('sales.csv', 'strict', 'succeeded', now())",
        )
        .await
        .unwrap();
    assert_eq!(
        versions.current_version().await.unwrap(),
        before,
        "an uncommitted import is not seen"
    );
    writer.commit().await.unwrap();
    assert_ne!(versions.current_version().await.unwrap(), before);
}

/// Polls `check` every 20 ms for up to `seconds`; true once it holds.
async fn eventually(seconds: u64, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

/// A watching store whose listener is subscribed and which remembers the version.
async fn watching(database: &TestDatabase) -> PostgresDataVersions {
    let watched = PostgresDataVersions::watching(database.connection().clone());
    assert!(
        eventually(5, async || {
            watched.current_version().await.unwrap();
            watched.remembers()
        })
        .await,
        "the listener subscribes and the version is remembered"
    );
    watched
}

#[tokio::test]
async fn a_watched_version_is_remembered_and_follows_imports_made_elsewhere() {
    let database = TestDatabase::migrated().await;
    let watched = watching(&database).await;
    let read = PostgresDataVersions::new(database.connection().clone());
    let before = watched.current_version().await.unwrap();

    let sales = format!("{HEADER}\n{SALES}");
    let report = import(database.connection(), &sales, "sales.csv").await;
    assert_eq!(report.status, ImportStatus::Succeeded);
    let now = read.current_version().await.unwrap();
    assert_ne!(now, before);
    assert!(
        eventually(2, async || watched.current_version().await.unwrap() == now).await,
        "the notification brings the new version"
    );
    assert!(watched.remembers());
}

#[tokio::test]
async fn a_watched_version_is_read_again_once_the_listener_lost_its_connection() {
    let database = TestDatabase::migrated().await;
    let watched = watching(&database).await;
    let db = database.connection();
    db.execute_unprepared(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .await
    .unwrap();
    // A change no notification tells of (as a restored backup would be).
    db.execute_unprepared("UPDATE sales_data_version SET version = gen_random_uuid()")
        .await
        .unwrap();
    let now = PostgresDataVersions::new(db.clone())
        .current_version()
        .await
        .unwrap();
    assert!(
        eventually(3, async || watched.current_version().await.unwrap() == now).await,
        "the lost connection made it forget and read the row again"
    );
}

#[tokio::test]
async fn forgetting_a_watched_version_reads_the_row_at_once() {
    let database = TestDatabase::migrated().await;
    let watched = watching(&database).await;
    let db = database.connection();
    db.execute_unprepared("UPDATE sales_data_version SET version = gen_random_uuid()")
        .await
        .unwrap();
    watched.forget();
    assert!(!watched.remembers());
    let now = PostgresDataVersions::new(db.clone())
        .current_version()
        .await
        .unwrap();
    assert_eq!(watched.current_version().await.unwrap(), now);
}

/// The causes of `error`, outermost first, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    text
}

#[tokio::test]
async fn short_reads_give_up_within_their_own_bound_when_the_database_stalls() {
    use std::time::Duration;
    use zinc_domain::{ImportId, ProductId};
    use zinc_ports::StoreError;
    use zinc_postgres::ReadBounds;

    let (database, queries) = loaded().await;
    let order = queries
        .list_orders(&OrderFilter::default(), Page::new(1, 0).unwrap())
        .await
        .unwrap()
        .items[0]
        .id;
    let queries = queries.with_read_bounds(ReadBounds {
        lookup: Duration::from_secs(1),
        figures: Duration::from_secs(2),
    });
    // Another session holds every table these reads need: they wait for its lock (as for a
    // stalled connection, no answer comes), up to the lock timeout of minutes.
    let blocker = database.connection().begin().await.unwrap();
    blocker
        .execute_unprepared(
            "LOCK TABLE orders, order_items, products, imports, sales_by_day \
             IN ACCESS EXCLUSIVE MODE",
        )
        .await
        .unwrap();
    // Bounded far above the reads' own bounds, far below the statement timeout.
    let bounded = Duration::from_secs(30);
    let lookups: [(&str, Result<(), StoreError>, u64); 4] = [
        (
            "order",
            tokio::time::timeout(bounded, queries.find_order(order, Page::default()))
                .await
                .expect("the order lookup gave up within its bound")
                .map(drop),
            1,
        ),
        (
            "product",
            tokio::time::timeout(bounded, queries.find_product(ProductId::new(1)))
                .await
                .expect("the product lookup gave up within its bound")
                .map(drop),
            1,
        ),
        (
            "import",
            tokio::time::timeout(bounded, queries.find_import(ImportId::new(1)))
                .await
                .expect("the import lookup gave up within its bound")
                .map(drop),
            1,
        ),
        (
            "revenue",
            tokio::time::timeout(bounded, queries.revenue(DateBounds::default(), None))
                .await
                .expect("the revenue gave up within its bound")
                .map(drop),
            2,
        ),
    ];
    for (what, outcome, seconds) in lookups {
        let error = outcome.expect_err(what);
        assert!(
            matches!(error, StoreError::Unavailable(_)),
            "{what}: {error:?}"
        );
        let text = chain(&error);
        assert!(
            text.contains(&format!("within {seconds} s")),
            "{what}: {text}"
        );
    }
    blocker.rollback().await.unwrap();
}
