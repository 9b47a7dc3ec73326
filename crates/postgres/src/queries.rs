//! The read side on PostgreSQL: import history, products, orders, revenue sums, the data's
//! version and health.
//!
//! Every row read back goes through the domain's constructors, so a value that breaks a rule
//! is reported as [`StoreError::Inconsistent`] rather than passed on.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use sea_orm::sea_query::extension::postgres::PgExpr;
use sea_orm::sea_query::{
    Alias, Asterisk, CommonTableExpression, Expr, ExprTrait, JoinType, LikeExpr,
    Order as SortOrder, Query as Sql, SelectStatement, UnionType, WithClause, WithQuery,
};
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use zinc_domain::{
    BatchNumber, ClientId, DailyProductSales, DailyRevenue, DateBounds, DateRange, DiscountPercent,
    ImportId, ImportReport, Location, Money, Order, OrderFilter, OrderId, OrderItem,
    OrderWithItemPage, Page, Paged, Product, ProductFilter, ProductId, ProductName, ProductSales,
    ProductTotals, Quantity, RankBy, RejectFile, RejectedLine, RejectedLines, RevenueTotals,
    SaleId, UnitPrice,
};
use zinc_migration::{Migrator, MigratorTrait};
use zinc_ports::{
    BestSellers, ConnectionStats, ImportHistory, OrderBook, PeriodTotals, ProductCatalog,
    SalesFigures, StoreError, StoreHealth,
};

use tracing::instrument;

use crate::database::{Database, Reach};
use crate::error::{Inconsistency, UNDEFINED_TABLE, sqlstate, store_error, within};
use crate::imports;
use crate::lookups::LookupConnections;
use crate::replica::Replication;
use crate::rollups::{
    self, DAILY, DAILY_BY_PRODUCT, MONTHLY_BY_PRODUCT, MONTHLY_BY_PRODUCT_ALL, YEARLY_BY_PRODUCT,
    YEARLY_BY_PRODUCT_ALL,
};
use crate::sql::{
    Column, Fixed, built, decimal, decimal_at, decimal_text_at, get, get_at, numeric_as_text,
    pg_row,
};

/// How long each kind of short read may wait for the database's answer before it is given up
/// as unavailable (a 503), however long the statement timeout: a read that normally takes
/// milliseconds should not hold its client for minutes when the database stalls. Other reads
/// (lists, exports, health) wait the reply timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadBounds {
    /// One order, product or import by its id.
    pub lookup: Duration,
    /// Revenue figures, from the rollups.
    pub figures: Duration,
}

impl Default for ReadBounds {
    fn default() -> Self {
        ReadBounds {
            lookup: Duration::from_secs(5),
            figures: Duration::from_secs(15),
        }
    }
}

/// The kinds of statement, each with its own bound (see [`ReadBounds`]).
#[derive(Debug, Clone, Copy)]
enum Kind {
    Lookup,
    Figures,
    Other,
}

/// Reads what the imports stored. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PostgresQueries {
    reach: Reach,
    /// Where a single order is looked up, when the caller gave one (see [`Self::with_lookup_connections`]).
    lookups: Option<LookupConnections>,
    bounds: ReadBounds,
    /// When `reach` is a replica: the primary, and when to read from it instead.
    fallback: Option<Fallback>,
}

/// The primary a replica's reads fall back to, and the choice between them.
#[derive(Debug, Clone)]
struct Fallback {
    primary: sea_orm::DatabaseConnection,
    replication: Replication,
}

/// Where one read goes: a pool, and the lookup connections beside it.
struct Source<'a> {
    db: &'a sea_orm::DatabaseConnection,
    lookups: Option<&'a LookupConnections>,
}

impl PostgresQueries {
    /// Reads through `db`, giving a connection up for lost when the database does not answer
    /// within the default [`PoolSettings::reply_timeout`](crate::database::PoolSettings::reply_timeout).
    pub fn new(db: impl Into<Database>) -> Self {
        PostgresQueries {
            reach: Reach::new(db),
            lookups: None,
            bounds: ReadBounds::default(),
            fallback: None,
        }
    }

    /// The same, taking `db` (given to [`Self::new`]) for a streaming replica of `primary`:
    /// each read goes to the replica when `replication` says it may (see
    /// [`Replication::replica_serves`]), else to `primary`. Lookup connections, when given, are
    /// the replica's.
    pub fn reading_replica_of(
        mut self,
        primary: impl Into<Database>,
        replication: Replication,
    ) -> Self {
        self.fallback = Some(Fallback {
            primary: primary.into().0,
            replication,
        });
        self
    }

    /// Where the next read goes.
    async fn source(&self) -> Source<'_> {
        let replica = Source {
            db: &self.reach.db,
            lookups: self.lookups.as_ref(),
        };
        match &self.fallback {
            None => replica,
            Some(fallback) if fallback.replication.replica_serves().await => replica,
            Some(fallback) => Source {
                db: &fallback.primary,
                lookups: None,
            },
        }
    }

    /// The same, looking single orders up on `lookups` (a worker's own connections) instead of
    /// the shared pool: a lookup is one statement, and the pool's round trip on release would
    /// double its round trips.
    pub fn with_lookup_connections(mut self, lookups: LookupConnections) -> Self {
        self.lookups = Some(lookups);
        self
    }

    /// The same, waiting at most `reply_timeout` for any answer.
    pub fn with_reply_timeout(mut self, reply_timeout: Duration) -> Self {
        self.reach.reply_timeout = reply_timeout;
        self
    }

    /// The same, waiting at most `bounds` for the answers of short reads (and never longer
    /// than the reply timeout).
    pub fn with_read_bounds(mut self, bounds: ReadBounds) -> Self {
        self.bounds = bounds;
        self
    }

    /// How long a statement of `kind` waits for its answer.
    fn limit(&self, kind: Kind) -> Duration {
        let reply = self.reach.reply_timeout;
        match kind {
            Kind::Lookup => self.bounds.lookup.min(reply),
            Kind::Figures => self.bounds.figures.min(reply),
            Kind::Other => reply,
        }
    }

    async fn all(&self, statement: Statement) -> Result<Vec<QueryResult>, StoreError> {
        self.all_as(Kind::Other, statement).await
    }

    async fn all_as(
        &self,
        kind: Kind,
        statement: Statement,
    ) -> Result<Vec<QueryResult>, StoreError> {
        let source = self.source().await;
        within(self.limit(kind), async {
            source
                .db
                .query_all_raw(statement)
                .await
                .map_err(store_error)
        })
        .await
    }

    async fn one(&self, statement: Statement) -> Result<Option<QueryResult>, StoreError> {
        self.one_as(Kind::Other, statement).await
    }

    async fn one_as(
        &self,
        kind: Kind,
        statement: Statement,
    ) -> Result<Option<QueryResult>, StoreError> {
        Ok(self.all_as(kind, statement).await?.into_iter().next())
    }

    /// The one row of an aggregate `statement` (`what` it computes, for the error should the
    /// database answer no row).
    async fn aggregate_as(
        &self,
        kind: Kind,
        statement: Statement,
        what: &'static str,
    ) -> Result<QueryResult, StoreError> {
        self.one_as(kind, statement)
            .await?
            .ok_or_else(|| Inconsistency::unexpected(what))
    }

    /// One page of `items` (decoded row by row) with the size of the whole list from `count`.
    async fn paged<T>(
        &self,
        count: Statement,
        items: SelectStatement,
        page: Page,
        decode: fn(&QueryResult) -> Result<T, StoreError>,
    ) -> Result<Paged<T>, StoreError> {
        let total = self.count(count).await?;
        let items = self
            .all(page_of(items, page))
            .await?
            .iter()
            .map(decode)
            .collect::<Result<_, _>>()?;
        Ok(Paged { items, total, page })
    }

    async fn count(&self, statement: Statement) -> Result<u64, StoreError> {
        let row = self
            .aggregate_as(Kind::Other, statement, "a count returned no row")
            .await?;
        Ok(get::<i64>(&row, "n")? as u64)
    }
}

/// The rows of `items` on `page`.
fn page_of(mut items: SelectStatement, page: Page) -> Statement {
    items.limit(u64::from(page.limit())).offset(page.offset());
    built(&items)
}

/// `select` counting its rows instead (`n`).
fn counted(mut select: SelectStatement) -> Statement {
    select.clear_selects().expr_as(Expr::cust("count(*)"), "n");
    built(&select)
}

/// Rows of a rollup (alias `r`, its day column `day`) from `from` to `to` (both included, each
/// end open when `None`) and at `location`.
fn rollup_rows(
    select: &mut SelectStatement,
    day: &'static str,
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
    location: Option<Location>,
) {
    select
        .and_where_option(from.map(|from| Expr::col(("r", day)).gte(from)))
        .and_where_option(to.map(|to| Expr::col(("r", day)).lte(to)))
        .and_where_option(location.map(|l| Expr::col(("r", "location")).eq(l.as_str())));
}

/// Reads the daily rollup (alias `r`) of `product`'s sales, or of all sales when `None`.
fn daily_rollup_of(select: &mut SelectStatement, product: Option<ProductId>) {
    match product {
        Some(product) => select
            .from_as(DAILY_BY_PRODUCT, "r")
            .and_where(Expr::col(("r", "product_id")).eq(product.get())),
        None => select.from_as(DAILY, "r"),
    };
}

fn bounds(dates: DateBounds) -> (Option<NaiveDate>, Option<NaiveDate>) {
    (dates.from(), dates.to())
}

/// The total of orders matching `filter`: the daily rollups have it when only dates, location
/// and a product filter (a product's daily row counts the orders holding it), so that the first
/// page of a million orders does not count them.
fn order_total(filter: &OrderFilter) -> Statement {
    if filter.client_id.is_some() || filter.sale_id.is_some() {
        return counted(filtered_orders(filter));
    }
    let mut select = Sql::select();
    select.expr_as(Expr::cust("COALESCE(sum(r.orders), 0)::bigint"), "n");
    daily_rollup_of(&mut select, filter.product_id);
    rollup_rows(&mut select, "date", bounds(filter.dates), filter.location);
    built(&select)
}

/// Conditions on orders (alias `o`), shared by listing and exports.
fn order_conditions(select: &mut SelectStatement, dates: DateBounds, location: Option<Location>) {
    select
        .and_where_option(dates.from().map(|from| Expr::col(("o", "date")).gte(from)))
        .and_where_option(dates.to().map(|to| Expr::col(("o", "date")).lte(to)))
        .and_where_option(location.map(|l| Expr::col(("o", "location")).eq(l.as_str())));
}

/// The orders (alias `o`) matching `filter`, nothing selected yet.
fn filtered_orders(filter: &OrderFilter) -> SelectStatement {
    let mut select = Sql::select();
    select.from_as("orders", "o");
    order_conditions(&mut select, filter.dates, filter.location);
    select
        .and_where_option(
            filter
                .client_id
                .map(|client| Expr::col(("o", "client_id")).eq(client.get())),
        )
        .and_where_option(
            filter
                .sale_id
                .map(|sale| Expr::col(("o", "sale_id")).eq(sale.get())),
        );
    if let Some(product) = filter.product_id {
        let holding = Sql::select()
            .column(("i", "order_id"))
            .from_as("order_items", "i")
            .and_where(Expr::col(("i", "product_id")).eq(product.get()))
            .to_owned();
        select.and_where(Expr::col(("o", "id")).in_subquery(holding));
    }
    select
}

/// A product's columns (alias `p`), as [`product`] reads them.
const PRODUCT_FIELDS: [&str; 5] = ["id", "name", "price", "created_at", "updated_at"];

/// The products (alias `p`) matching `filter`, with their columns.
fn filtered_products(filter: &ProductFilter) -> SelectStatement {
    let mut select = Sql::select();
    select
        .columns(PRODUCT_FIELDS.map(|field| ("p", field)))
        .from_as("products", "p");
    if let Some(text) = filter.name_contains.as_deref() {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        select.and_where(Expr::col(("p", "name")).ilike(LikeExpr::new(format!("%{escaped}%"))));
    }
    select
}

/// An order's own columns (alias `o`), as [`order`] reads them.
#[rustfmt::skip]
const ORDER_FIELDS: [&str; 18] = [
    "id", "sale_id", "client_id", "date", "location", "payment_method", "batch_number",
    "sales_notes", "notes", "subtotal", "discount_percentage", "discount_amount", "tax", "total",
    "amount_paid", "import_id", "created_at", "updated_at",
];

/// An item's own columns (alias `i`), as [`order_item`] reads them (prefixed `item_`).
#[rustfmt::skip]
const ITEM_FIELDS: [&str; 16] = [
    "position", "product_id", "quantity", "unit_price", "subtotal", "discount_percentage",
    "discount_amount", "tax", "total", "amount_paid", "payment_method", "batch_number",
    "sales_notes", "notes", "color", "size",
];

/// The name [`order_item`] reads an item's `column` under, as a literal: `order_item` reads
/// up to 17 columns per item row, and a name built per read cost an allocation each.
macro_rules! item {
    ($column:literal) => {
        concat!("item_", $column)
    };
}

/// Where `name` is in `fields` (a name not there stops the build).
const fn position(fields: &[&str], name: &str) -> usize {
    let mut at = 0;
    while at < fields.len() {
        if same(fields[at], name) {
            return at;
        }
        at += 1;
    }
    panic!("not a column of the list")
}

/// `name` where `fields` (a select list) has it.
const fn column_at(fields: &[&str], name: &'static str) -> Column {
    Column {
        name,
        at: position(fields, name),
    }
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut at = 0;
    while at < a.len() {
        if a[at] != b[at] {
            return false;
        }
        at += 1;
    }
    true
}

/// An order's `column` where [`order_fields`] selects it, first in the select list:
/// [`ORDER_FIELDS`], then `item_count`.
const fn order_column_at(name: &'static str) -> Column {
    let at = if same(name, "item_count") {
        ORDER_FIELDS.len()
    } else {
        position(&ORDER_FIELDS, name)
    };
    Column { name, at }
}

/// An item's `column` (unprefixed; `prefixed` is its name in the select list) where
/// [`item_fields`] selects it, right after [`order_fields`]'s columns (as [`order_lookup`]
/// and the export's pages do): [`ITEM_FIELDS`], then `product_name`.
const fn item_column_at(column: &str, prefixed: &'static str) -> Column {
    let at = if same(column, "product_name") {
        ITEM_FIELDS.len()
    } else {
        position(&ITEM_FIELDS, column)
    };
    Column {
        name: prefixed,
        at: ORDER_FIELDS.len() + 1 + at,
    }
}

/// [`order_column_at`], computed when the crate compiles.
macro_rules! order_column {
    ($column:literal) => {
        const { order_column_at($column) }
    };
}

/// [`item_column_at`], computed when the crate compiles.
macro_rules! item_column {
    ($column:literal) => {
        const { item_column_at($column, item!($column)) }
    };
}

/// The name [`order_item`] reads an item's `column` under ([`item!`]'s, for names known only
/// at run time).
fn item(column: &str) -> String {
    format!("{}{column}", item!(""))
}

/// Selects an order's columns (alias `o`), then `item_count` computed by `count`.
fn order_fields(select: &mut SelectStatement, count: &'static str) {
    select
        .columns(ORDER_FIELDS.map(|field| ("o", field)))
        .expr_as(Expr::cust(count), "item_count");
}

/// Selects an item's columns (alias `i`) and its product's name (alias `p`), prefixed `item_`.
fn item_fields(select: &mut SelectStatement) {
    for field in ITEM_FIELDS {
        select.expr_as(Expr::col(("i", field)), Alias::new(item(field)));
    }
    select.expr_as(Expr::col(("p", "name")), Alias::new(item("product_name")));
}

/// Joins each item (alias `i`, from `items`) of the orders `o` and its product `p`, and orders
/// the rows by `order`, then the item's position.
fn with_items(
    select: &mut SelectStatement,
    join: impl FnOnce(&mut SelectStatement),
    order: &[&'static str],
) {
    join(select);
    select.join_as(
        JoinType::LeftJoin,
        "products",
        "p",
        Expr::col(("p", "id")).equals(("i", "product_id")),
    );
    for column in order {
        select.order_by(("o", *column), SortOrder::Asc);
    }
    select.order_by(("i", "position"), SortOrder::Asc);
}

/// How many items the order `o` has, in all.
const ITEM_COUNT: &str = "(SELECT count(*) FROM order_items i WHERE i.order_id = o.id)";

/// The order lookup for `id`: the order with one item of the page `page` per row, in the
/// file's order, or one row of NULL items when the page holds none (an order without items, or
/// a page past its last); `item_count` counts every item of the order. The item columns are
/// prefixed `item_`. The items are read through the index of `(order_id, position)`, in its
/// order: a lateral subquery, so that only the page's items are joined to their products.
///
/// The order and its count come from a materialized CTE, so that the count runs once: a count
/// in the outer select list is computed again for every item row (500 counts of 15 ms each
/// for a page of 500 of an order of 100,000 items).
fn order_lookup(id: OrderId, page: Page) -> WithQuery {
    let mut order = Sql::select();
    order
        .column(("o", Asterisk))
        .expr_as(Expr::cust(ITEM_COUNT), "item_count")
        .from_as("orders", "o")
        .and_where(Expr::col(("o", "id")).eq(id.get()));
    let mut counted = CommonTableExpression::new();
    counted.query(order).table_name("o").materialized(true);
    let mut items = Sql::select();
    items
        .column(Asterisk)
        .from("order_items")
        .and_where(Expr::col("order_id").equals(("o", "id")))
        .order_by("position", SortOrder::Asc)
        .limit(u64::from(page.limit()))
        .offset(page.offset());
    let mut select = Sql::select();
    order_fields(&mut select, "o.item_count");
    item_fields(&mut select);
    select.from("o");
    with_items(
        &mut select,
        |select| {
            select.join_lateral(JoinType::LeftJoin, items, "i", Expr::cust("TRUE"));
        },
        &[],
    );
    WithClause::from(counted).query(select)
}

/// The text of [`order_lookup`], rendered once: its values are, in order, the order's id, then
/// the page's limit and offset (see [`order_by_id`]).
static ORDER_BY_ID: LazyLock<String> =
    LazyLock::new(|| built(&order_lookup(OrderId::new(1), Page::default())).sql);

impl PostgresQueries {
    /// The text of the order lookup's one statement (`$1` the order's id, `$2` and `$3` the
    /// limit and offset of the page of its items), also run by the benchmark's bare server
    /// (`crates/app/examples/bare_order_lookup.rs`).
    pub fn order_by_id_sql() -> &'static str {
        ORDER_BY_ID.as_str()
    }
}

/// The order lookup for `id` and the page `page` of its items: [`order_lookup`]'s text,
/// rendered once, with its values (a test checks they are the builder's, in its order).
fn order_by_id(id: OrderId, page: Page) -> Statement {
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        PostgresQueries::order_by_id_sql(),
        [
            id.get().into(),
            u64::from(page.limit()).into(),
            page.offset().into(),
        ],
    )
}

/// The listing of orders matching `filter`, newest first, each with its number of items.
fn order_list(filter: &OrderFilter) -> SelectStatement {
    let mut select = filtered_orders(filter);
    order_fields(&mut select, ITEM_COUNT);
    select
        .order_by(("o", "date"), SortOrder::Desc)
        .order_by(("o", "sale_id"), SortOrder::Desc);
    select
}

/// The revenue and number of orders from `dates` at `location`, from the daily rollup.
fn revenue(dates: DateBounds, location: Option<Location>) -> Statement {
    built(&revenue_select(dates, location))
}

/// [`revenue`]'s select (`revenue`, `order_count`).
fn revenue_select(dates: DateBounds, location: Option<Location>) -> SelectStatement {
    let mut select = Sql::select();
    select
        .expr_as(Expr::cust("COALESCE(sum(r.revenue), 0)"), "revenue")
        .expr_as(
            Expr::cust("COALESCE(sum(r.orders), 0)::bigint"),
            "order_count",
        )
        .from_as(DAILY, "r");
    rollup_rows(&mut select, "date", bounds(dates), location);
    select
}

/// The revenue and number of orders of each day of `range` with sales, from the daily rollup.
fn daily_revenue(range: DateRange, location: Option<Location>) -> Statement {
    let mut select = Sql::select();
    select
        .column(("r", "date"))
        .expr_as(Expr::cust("sum(r.revenue)"), "revenue")
        .expr_as(Expr::cust("sum(r.orders)::bigint"), "order_count")
        .from_as(DAILY, "r")
        .group_by_col(("r", "date"))
        .order_by(("r", "date"), SortOrder::Asc);
    rollup_rows(&mut select, "date", bounds(range.into()), location);
    built(&select)
}

/// [`product_daily_sales`]'s columns, in its select list's order.
const PRODUCT_DAY_FIELDS: [&str; 4] = ["date", "quantity", "revenue", "orders"];
const PRODUCT_DAY_DATE: Column = column_at(&PRODUCT_DAY_FIELDS, "date");
const PRODUCT_DAY_QUANTITY: Column = column_at(&PRODUCT_DAY_FIELDS, "quantity");
const PRODUCT_DAY_REVENUE: Column = column_at(&PRODUCT_DAY_FIELDS, "revenue");
const PRODUCT_DAY_ORDERS: Column = column_at(&PRODUCT_DAY_FIELDS, "orders");

/// The rows of `product`'s daily rollup over `range` at `location` ([`PRODUCT_DAY_FIELDS`]),
/// in date order, a day's rows (one per location) together: not added up here, as grouping
/// them cost the database more than adding them up as they are read.
fn product_daily_sales(
    product: ProductId,
    range: DateRange,
    location: Option<Location>,
) -> Statement {
    let mut select = Sql::select();
    select
        .columns(PRODUCT_DAY_FIELDS.map(|field| ("r", field)))
        .order_by(("r", "date"), SortOrder::Asc);
    daily_rollup_of(&mut select, Some(product));
    rollup_rows(&mut select, "date", bounds(range.into()), location);
    built(&select)
}

/// What each product sold over some dates at a location, from the rollups ([`sold`]).
struct Sold {
    /// One row per product and rollup row (`product_id`, `quantity`, `revenue`, `orders`).
    rows: SelectStatement,
    /// Whether a product has one row at most: the rows are one year, month or day of one
    /// rollup, at the location asked for or over all locations, so they are its sums already.
    once_per_product: bool,
}

/// The rows of one product rollup that [`sold`] reads.
struct RollupPart {
    table: &'static str,
    /// Its date column (the first day of a year or month, or the day).
    key: &'static str,
    /// The first and last of its dates read, both included, each end open when `None`.
    keys: (Option<NaiveDate>, Option<NaiveDate>),
}

/// What each product sold over `dates` at `location`; `None` when the dates hold no day.
fn sold(dates: DateBounds, location: Option<Location>) -> Option<Sold> {
    // Whole years from the yearly rollup and the other whole months from the monthly one (both
    // at the location asked for, or over all locations when none is), the days around them
    // from the daily one.
    let split = rollups::split_by_month(dates);
    let (years, months) = match split.months {
        None => (None, Vec::new()),
        Some(months) => {
            let split = rollups::split_by_year(months);
            (split.years, split.months)
        }
    };
    let (yearly, monthly) = match location {
        Some(_) => (YEARLY_BY_PRODUCT, MONTHLY_BY_PRODUCT),
        None => (YEARLY_BY_PRODUCT_ALL, MONTHLY_BY_PRODUCT_ALL),
    };
    let parts: Vec<RollupPart> = years
        .map(|years| RollupPart {
            table: yearly,
            key: "year",
            keys: years,
        })
        .into_iter()
        .chain(months.into_iter().map(|months| RollupPart {
            table: monthly,
            key: "month",
            keys: months,
        }))
        .chain(split.days.iter().map(|&(from, to)| RollupPart {
            table: DAILY_BY_PRODUCT,
            key: "date",
            keys: (Some(from), Some(to)),
        }))
        .collect();
    // The daily rollup is the only one kept per location that is read over all of them.
    let once_per_product = match parts.as_slice() {
        [
            RollupPart {
                table,
                keys: (Some(from), Some(to)),
                ..
            },
        ] => from == to && (location.is_some() || *table != DAILY_BY_PRODUCT),
        _ => false,
    };
    let part = |part: &RollupPart| {
        let mut select = Sql::select();
        select
            .columns([
                ("r", "product_id"),
                ("r", "quantity"),
                ("r", "revenue"),
                ("r", "orders"),
            ])
            .from_as(part.table, "r");
        rollup_rows(&mut select, part.key, part.keys, location);
        select
    };
    let mut parts = parts.iter().map(part);
    let mut rows = parts.next()?;
    for other in parts {
        rows.union(UnionType::All, other);
    }
    Some(Sold {
        rows,
        once_per_product,
    })
}

/// The units sold over `dates` at `location`; `None` when the dates hold no day.
fn units_sold(dates: DateBounds, location: Option<Location>) -> Option<Statement> {
    Some(built(&units_select(dates, location)?))
}

/// [`units_sold`]'s select (`units`).
fn units_select(dates: DateBounds, location: Option<Location>) -> Option<SelectStatement> {
    let mut select = Sql::select();
    select
        .expr_as(Expr::cust("COALESCE(sum(s.quantity), 0)::bigint"), "units")
        .from_subquery(sold(dates, location)?.rows, "s");
    Some(select)
}

/// The revenue, orders and units over `dates` at `location`, in one row (`revenue`,
/// `order_count`, `units`).
fn period_totals(dates: DateBounds, location: Option<Location>) -> Statement {
    let units = units_select(dates, location).unwrap_or_else(|| {
        let mut none = Sql::select();
        none.expr_as(Expr::cust("0::bigint"), "units");
        none
    });
    let mut select = Sql::select();
    select
        .columns([("r", "revenue"), ("r", "order_count")])
        .column(("u", "units"))
        .from_subquery(revenue_select(dates, location), "r")
        .join_subquery(JoinType::InnerJoin, units, "u", Expr::cust("TRUE"));
    built(&select)
}

/// [`daily_revenue_by_location`]'s columns, in its select list's order (read by position: a
/// year is 730 rows).
const DAY_AT_FIELDS: [&str; 4] = ["date", "location", "revenue", "orders"];
const DAY_AT_DATE: Column = column_at(&DAY_AT_FIELDS, "date");
const DAY_AT_LOCATION: Column = column_at(&DAY_AT_FIELDS, "location");
const DAY_AT_REVENUE: Column = column_at(&DAY_AT_FIELDS, "revenue");
const DAY_AT_ORDERS: Column = column_at(&DAY_AT_FIELDS, "orders");

/// Each day of `range` with sales at each location (`location` alone when given), from the
/// daily rollup, which holds one row per day and location: by date, then location; the
/// revenue in its text form (a year is 730 values).
fn daily_revenue_by_location(range: DateRange, location: Option<Location>) -> Statement {
    let mut select = Sql::select();
    for field in DAY_AT_FIELDS {
        if field == DAY_AT_REVENUE.name {
            numeric_as_text(&mut select, "r", field);
        } else {
            select.column(("r", field));
        }
    }
    select
        .from_as(DAILY, "r")
        .order_by(("r", "date"), SortOrder::Asc)
        .order_by(("r", "location"), SortOrder::Asc);
    rollup_rows(&mut select, "date", bounds(range.into()), location);
    built(&select)
}

/// The days of the first and latest sale at `location` (`first`, `latest`; both null when
/// nothing sold), from the daily rollup.
fn sale_days(location: Option<Location>) -> Statement {
    let mut select = Sql::select();
    select
        .expr_as(Expr::cust("min(r.date)"), "first")
        .expr_as(Expr::cust("max(r.date)"), "latest")
        .from_as(DAILY, "r");
    rollup_rows(&mut select, "date", (None, None), location);
    built(&select)
}

/// Which list a row of [`best_sellers`] belongs to (its `list` column).
const UNITS_ROW: i32 = 0;
const BY_REVENUE_ROW: i32 = 1;
const BY_QUANTITY_ROW: i32 = 2;

/// The units over `dates` at `location` and the `limit` best sellers each way, from one pass
/// over the rollups: the products' sums once (`t`), then a row of the units (`list` 0, the
/// units in `quantity`) and each list ranked by [`ranked`] (`list` 1 by revenue, 2 by units);
/// `None` when the dates hold no day.
fn best_sellers(dates: DateBounds, location: Option<Location>, limit: u32) -> Option<Statement> {
    let per_product = built(&per_product(sold(dates, location)?));
    let sql = format!(
        "WITH t AS MATERIALIZED ({per_product}) \
         SELECT {UNITS_ROW} AS list, NULL::bigint AS id, NULL::varchar AS name, \
           COALESCE(sum(t.quantity), 0)::bigint AS quantity, NULL::numeric AS revenue, \
           NULL::bigint AS order_count FROM t \
         UNION ALL ({}) UNION ALL ({})",
        ranked(RankBy::Revenue, limit),
        ranked(RankBy::Quantity, limit),
        per_product = per_product.sql,
    );
    Some(Statement { sql, ..per_product })
}

/// The `limit` best sellers `by` among the products' sums `t` ([`per_product`]'s), with the
/// list they make in [`best_sellers`] (`list`): by the sum ranked on, then the other, then the
/// name. Only the first `limit` products by the sums (and those tied with the last) meet the
/// names, which break the ties.
fn ranked(by: RankBy, limit: u32) -> String {
    let (list, [first, second]) = match by {
        RankBy::Revenue => (BY_REVENUE_ROW, ["revenue", "quantity"]),
        RankBy::Quantity => (BY_QUANTITY_ROW, ["quantity", "revenue"]),
    };
    format!(
        "SELECT {list} AS list, p.id, p.name, f.quantity, f.revenue, f.order_count \
         FROM (SELECT * FROM t ORDER BY {first} DESC, {second} DESC \
           FETCH FIRST {limit} ROWS WITH TIES) f \
         JOIN products p ON p.id = f.product_id \
         ORDER BY f.{first} DESC, f.{second} DESC, p.name ASC LIMIT {limit}"
    )
}

/// Each product's sums over `sold` (`product_id`, `quantity`, `revenue`, `order_count`):
/// its row when it has one at most, else its rows added up.
fn per_product(sold: Sold) -> SelectStatement {
    let mut per_product = Sql::select();
    per_product
        .column(("s", "product_id"))
        .from_subquery(sold.rows, "s");
    if sold.once_per_product {
        per_product
            .expr_as(Expr::cust("s.quantity::bigint"), "quantity")
            .expr_as(Expr::cust("s.revenue"), "revenue")
            .expr_as(Expr::cust("s.orders::bigint"), "order_count");
    } else {
        per_product
            .expr_as(Expr::cust("sum(s.quantity)::bigint"), "quantity")
            .expr_as(Expr::cust("sum(s.revenue)"), "revenue")
            .expr_as(Expr::cust("sum(s.orders)::bigint"), "order_count")
            .group_by_col(("s", "product_id"));
    }
    per_product
}

/// The `limit` best sellers by `by` over `dates` at `location`, ranked as [`best_sellers`]
/// ranks them; `None` when the dates hold no day.
fn top_products(
    dates: DateBounds,
    location: Option<Location>,
    by: RankBy,
    limit: u32,
) -> Option<Statement> {
    // Summed per product first, so that only one row per product meets the names.
    let per_product = built(&per_product(sold(dates, location)?));
    let sql = format!(
        "WITH t AS MATERIALIZED ({}) {}",
        per_product.sql,
        ranked(by, limit)
    );
    Some(Statement { sql, ..per_product })
}

/// The lines of an import's reject file, in file order.
const REJECTED_LINES: Fixed<1> = Fixed::new(
    "SELECT line, reason, raw FROM import_rejected_lines WHERE import_id = $1 ORDER BY line",
);

/// When the current price of each product of `$1` (an array of ids) began, from its items
/// as `zinc_domain::price_since` defines it: each line ranked as the import ranks prices (a
/// sale before a refund, then the date, the Sale ID, the position); the latest line gives the
/// price and the kind (sale or refund); going back over lines of that kind, the run at that
/// price ends at the first other price; its earliest day. Read at request time through
/// `order_items_product_id_idx` (no stored column to keep in step with imports that arrive
/// out of order): a page of 50 products of a year of 200,000 rows takes about 110 ms, one
/// product about 10 ms (README, "Price since").
const PRICES_SINCE: Fixed<1> = Fixed::new(
    "WITH lines AS (
       SELECT i.product_id, i.unit_price, o.date, (i.quantity >= 0) AS sold, o.sale_id, i.position,
         first_value(i.unit_price) OVER latest_first AS price,
         first_value(i.quantity >= 0) OVER latest_first AS kind
       FROM order_items i JOIN orders o ON o.id = i.order_id
       WHERE i.product_id = ANY($1)
       WINDOW latest_first AS (PARTITION BY i.product_id
         ORDER BY i.quantity >= 0 DESC, o.date DESC, o.sale_id DESC, i.position DESC)),
     run AS (
       SELECT product_id, date,
         bool_or(unit_price <> price) OVER (PARTITION BY product_id
           ORDER BY date DESC, sale_id DESC, position DESC) AS ended
       FROM lines WHERE sold = kind)
     SELECT product_id, min(date) AS since FROM run WHERE NOT ended GROUP BY product_id",
);

/// The migrations applied (the table sea-orm-migration keeps).
const APPLIED_MIGRATIONS: Fixed<0> = Fixed::new("SELECT version FROM seaql_migrations");

// Sees the statements and decoders above.
mod archive;
#[cfg(test)]
mod bench_sql;

#[async_trait]
impl ImportHistory for PostgresQueries {
    #[instrument(skip_all, fields(limit = page.limit(), offset = page.offset()))]
    async fn list_imports(&self, page: Page) -> Result<Paged<ImportReport>, StoreError> {
        let count = counted(imports::finished(false));
        let mut items = imports::finished(false);
        items
            .order_by(imports::Column::StartedAt, SortOrder::Desc)
            .order_by(imports::Column::Id, SortOrder::Desc);
        self.paged(count, items, page, imports::report).await
    }

    #[instrument(skip(self), fields(id = id.get()))]
    async fn find_import(&self, id: ImportId) -> Result<Option<ImportReport>, StoreError> {
        self.one_as(Kind::Lookup, built(&imports::finished_one(id, true)))
            .await?
            .as_ref()
            .map(imports::report)
            .transpose()
    }

    #[instrument(skip(self), fields(id = id.get()))]
    async fn rejected_lines(&self, id: ImportId) -> Result<Option<RejectFile>, StoreError> {
        let Some(import) = self.one(built(&imports::reject_file_of(id))).await? else {
            return Ok(None);
        };
        // Written once with the import's record, never changed: two reads agree.
        let lines = self
            .all(REJECTED_LINES.with([id.get().into()]))
            .await?
            .iter()
            .map(|row| {
                Ok(RejectedLine {
                    line: get::<i64>(row, "line")? as u64,
                    reason: get(row, "reason")?,
                    raw: get(row, "raw")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let header: Option<Vec<u8>> = get(&import, "rejected_header")?;
        let omitted = get::<i64>(&import, "rejected_lines_omitted")? as u64;
        Ok(Some(RejectFile {
            file_name: get(&import, "file_name")?,
            lines: RejectedLines::restore(&header.unwrap_or_default(), lines, omitted),
        }))
    }
}

#[async_trait]
impl ProductCatalog for PostgresQueries {
    #[instrument(skip_all, fields(limit = page.limit(), offset = page.offset()))]
    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: Page,
    ) -> Result<Paged<Product>, StoreError> {
        let count = counted(filtered_products(filter));
        let mut items = filtered_products(filter);
        items
            .order_by(("p", "name"), SortOrder::Asc)
            .order_by(("p", "id"), SortOrder::Asc);
        self.paged(count, items, page, product).await
    }

    #[instrument(skip(self), fields(id = id.get()))]
    async fn find_product(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        let mut select = filtered_products(&ProductFilter::default());
        select.and_where(Expr::col(("p", "id")).eq(id.get()));
        self.one_as(Kind::Lookup, built(&select))
            .await?
            .as_ref()
            .map(product)
            .transpose()
    }

    #[instrument(skip_all, fields(products = products.len()))]
    async fn prices_since(
        &self,
        products: &[ProductId],
    ) -> Result<BTreeMap<ProductId, NaiveDate>, StoreError> {
        if products.is_empty() {
            return Ok(BTreeMap::new());
        }
        let ids: Vec<i64> = products.iter().map(|id| id.get()).collect();
        self.all(PRICES_SINCE.with([ids.into()]))
            .await?
            .iter()
            .map(|row| Ok((ProductId::new(get(row, "product_id")?), get(row, "since")?)))
            .collect()
    }
}

#[async_trait]
impl OrderBook for PostgresQueries {
    #[instrument(skip_all, fields(limit = page.limit(), offset = page.offset()))]
    async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: Page,
    ) -> Result<Paged<Order>, StoreError> {
        self.paged(order_total(filter), order_list(filter), page, |row| {
            order(pg_row(row)?)
        })
        .await
    }

    #[instrument(skip(self), fields(id = id.get(), limit = page.limit(), offset = page.offset()))]
    async fn find_order(
        &self,
        id: OrderId,
        page: Page,
    ) -> Result<Option<OrderWithItemPage>, StoreError> {
        // One statement: every statement costs a round trip, and the shared pool another one
        // when it takes the connection back (lookup connections do not).
        let statement = order_by_id(id, page);
        // Each step's future boxed: inline, their state made this future some twenty kilobytes,
        // copied whole each time it moved (callgrind: 226k instructions per lookup through the
        // server, 172k boxed, most of the difference in memcpy).
        let source = Box::pin(self.source()).await;
        match source.lookups {
            Some(lookups) => {
                let rows =
                    within(self.limit(Kind::Lookup), Box::pin(lookups.all(&statement))).await?;
                order_with_items(&rows, page)
            }
            None => {
                let rows = within(
                    self.limit(Kind::Lookup),
                    Box::pin(async {
                        source
                            .db
                            .query_all_raw(statement)
                            .await
                            .map_err(store_error)
                    }),
                )
                .await?;
                let rows = rows.iter().map(pg_row).collect::<Result<Vec<_>, _>>()?;
                order_with_items(&rows, page)
            }
        }
    }
}

/// The order of [`order_lookup`]'s `rows` with the page `page` of its items; none without
/// rows.
fn order_with_items(
    rows: &[impl Borrow<PgRow>],
    page: Page,
) -> Result<Option<OrderWithItemPage>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let order = order(first.borrow())?;
    let items = rows
        .iter()
        .map(Borrow::borrow)
        .filter_map(
            |row| match get_at::<Option<i32>>(row, item_column!("position")) {
                Ok(Some(_)) => Some(order_item(row)),
                Ok(None) => None,
                Err(error) => Some(Err(error)),
            },
        )
        .collect::<Result<_, _>>()?;
    let total = u64::from(order.item_count);
    Ok(Some(OrderWithItemPage {
        order,
        items: Paged { items, total, page },
    }))
}

#[async_trait]
impl SalesFigures for PostgresQueries {
    #[instrument(skip(self))]
    async fn revenue(
        &self,
        dates: DateBounds,
        location: Option<Location>,
    ) -> Result<RevenueTotals, StoreError> {
        let row = self
            .aggregate_as(
                Kind::Figures,
                revenue(dates, location),
                "a sum returned no row",
            )
            .await?;
        totals(&row)
    }

    #[instrument(skip(self))]
    async fn daily_revenue(
        &self,
        range: DateRange,
        location: Option<Location>,
    ) -> Result<Vec<DailyRevenue>, StoreError> {
        self.all_as(Kind::Figures, daily_revenue(range, location))
            .await?
            .iter()
            .map(|row| {
                Ok(DailyRevenue {
                    date: get(row, "date")?,
                    totals: totals(row)?,
                })
            })
            .collect()
    }

    #[instrument(skip(self))]
    async fn product_daily_sales(
        &self,
        product: ProductId,
        range: DateRange,
        location: Option<Location>,
    ) -> Result<Vec<DailyProductSales>, StoreError> {
        let rows = self
            .all_as(Kind::Figures, product_daily_sales(product, range, location))
            .await?;
        let mut days: Vec<DailyProductSales> = Vec::with_capacity(rows.len());
        for row in &rows {
            let row = pg_row(row)?;
            let date = get_at(row, PRODUCT_DAY_DATE)?;
            let totals = ProductTotals {
                quantity: get_at(row, PRODUCT_DAY_QUANTITY)?,
                revenue: decimal_at(row, PRODUCT_DAY_REVENUE)?,
                order_count: get_at::<i64>(row, PRODUCT_DAY_ORDERS)? as u64,
            };
            // A day's rows (one per location) come together: they add up to the day's.
            match days.last_mut() {
                Some(day) if day.date == date => day.totals += totals,
                _ => days.push(DailyProductSales { date, totals }),
            }
        }
        Ok(days)
    }

    #[instrument(skip(self))]
    async fn latest_sale(
        &self,
        product: Option<ProductId>,
        location: Option<Location>,
    ) -> Result<Option<NaiveDate>, StoreError> {
        let mut select = Sql::select();
        select.expr_as(Expr::cust("max(r.date)"), "latest");
        daily_rollup_of(&mut select, product);
        rollup_rows(&mut select, "date", (None, None), location);
        match self.one_as(Kind::Figures, built(&select)).await? {
            Some(row) => get(&row, "latest"),
            None => Ok(None),
        }
    }

    #[instrument(skip(self))]
    async fn units_sold(
        &self,
        dates: DateBounds,
        location: Option<Location>,
    ) -> Result<i64, StoreError> {
        let Some(statement) = units_sold(dates, location) else {
            return Ok(0);
        };
        let row = self
            .aggregate_as(Kind::Other, statement, "a sum returned no row")
            .await?;
        get(&row, "units")
    }

    #[instrument(skip(self))]
    async fn top_products(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        by: RankBy,
        limit: u32,
    ) -> Result<Vec<ProductSales>, StoreError> {
        let Some(statement) = top_products(dates, location, by, limit) else {
            return Ok(Vec::new());
        };
        self.all_as(Kind::Figures, statement)
            .await?
            .iter()
            .map(product_sales)
            .collect()
    }

    #[instrument(skip(self))]
    async fn sale_days(
        &self,
        location: Option<Location>,
    ) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
        let row = self
            .aggregate_as(
                Kind::Figures,
                sale_days(location),
                "a min and max returned no row",
            )
            .await?;
        let first: Option<NaiveDate> = get(&row, "first")?;
        let latest: Option<NaiveDate> = get(&row, "latest")?;
        Ok(first.zip(latest))
    }

    #[instrument(skip(self))]
    async fn daily_revenue_by_location(
        &self,
        range: DateRange,
        location: Option<Location>,
    ) -> Result<Vec<(Location, DailyRevenue)>, StoreError> {
        self.all_as(Kind::Figures, daily_revenue_by_location(range, location))
            .await?
            .iter()
            .map(|row| {
                let row = pg_row(row)?;
                let location = Location::parse(get_at::<&str>(row, DAY_AT_LOCATION)?)
                    .map_err(|e| Inconsistency::breaks_rule(DAY_AT_LOCATION.name, e))?;
                Ok((
                    location,
                    DailyRevenue {
                        date: get_at(row, DAY_AT_DATE)?,
                        totals: RevenueTotals {
                            revenue: decimal_text_at(row, DAY_AT_REVENUE)?,
                            order_count: get_at::<i64>(row, DAY_AT_ORDERS)? as u64,
                        },
                    },
                ))
            })
            .collect()
    }

    #[instrument(skip(self))]
    async fn best_sellers(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        limit: u32,
    ) -> Result<BestSellers, StoreError> {
        let Some(statement) = best_sellers(dates, location, limit) else {
            return Ok(BestSellers::default());
        };
        let mut sellers = BestSellers::default();
        for row in self.all_as(Kind::Figures, statement).await? {
            match get::<i32>(&row, "list")? {
                UNITS_ROW => sellers.units = get(&row, "quantity")?,
                BY_REVENUE_ROW => sellers.by_revenue.push(product_sales(&row)?),
                BY_QUANTITY_ROW => sellers.by_quantity.push(product_sales(&row)?),
                _ => return Err(Inconsistency::unexpected("a best seller of no list")),
            }
        }
        Ok(sellers)
    }

    #[instrument(skip(self))]
    async fn period_totals(
        &self,
        dates: DateBounds,
        location: Option<Location>,
    ) -> Result<PeriodTotals, StoreError> {
        let row = self
            .aggregate_as(
                Kind::Figures,
                period_totals(dates, location),
                "a sum returned no row",
            )
            .await?;
        Ok(PeriodTotals {
            totals: totals(&row)?,
            units: get(&row, "units")?,
        })
    }
}

/// A best seller of [`top_products`] or [`best_sellers`].
fn product_sales(row: &QueryResult) -> Result<ProductSales, StoreError> {
    Ok(ProductSales {
        product_id: ProductId::new(get(row, "id")?),
        name: name(row, "name")?,
        quantity: get(row, "quantity")?,
        revenue: decimal(row, "revenue")?,
        order_count: get::<i64>(row, "order_count")? as u64,
    })
}

#[async_trait]
impl StoreHealth for PostgresQueries {
    fn connection_stats(&self) -> ConnectionStats {
        let pool = self.reach.db.get_postgres_connection_pool();
        let open = pool.size();
        let idle = pool.num_idle() as u32;
        ConnectionStats {
            open,
            idle: std::cmp::min(idle, open),
            max: pool.options().get_max_connections(),
        }
    }

    #[instrument(skip_all)]
    async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        // Read-only: sea-orm-migration's own status call creates its table when missing.
        let applied: Vec<String> = match self
            .reach
            .db
            .query_all_raw(APPLIED_MIGRATIONS.with([]))
            .await
        {
            Ok(rows) => rows
                .iter()
                .map(|row| get::<String>(row, "version"))
                .collect::<Result<_, _>>()?,
            // No migrations table yet: nothing applied.
            Err(error) if sqlstate(&error).as_deref() == Some(UNDEFINED_TABLE) => Vec::new(),
            Err(error) => return Err(store_error(error)),
        };
        Ok(Migrator::migrations()
            .iter()
            .map(|migration| migration.name().to_owned())
            .filter(|name| !applied.iter().any(|applied| applied == name))
            .collect())
    }
}

fn name(row: &QueryResult, column: &str) -> Result<ProductName, StoreError> {
    ProductName::parse(&get::<String>(row, column)?)
        .map_err(|e| Inconsistency::breaks_rule(column, e))
}

fn totals(row: &QueryResult) -> Result<RevenueTotals, StoreError> {
    Ok(RevenueTotals {
        revenue: decimal(row, "revenue")?,
        order_count: get::<i64>(row, "order_count")? as u64,
    })
}

fn product(row: &QueryResult) -> Result<Product, StoreError> {
    Ok(Product {
        id: ProductId::new(get(row, "id")?),
        name: name(row, "name")?,
        price: UnitPrice::new(decimal(row, "price")?)
            .map_err(|e| Inconsistency::breaks_rule("price", e))?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// The order of a row whose select list starts with [`order_fields`]'s columns (the order
/// lookup's, the listing's and the export's pages'), read by position.
fn order(row: &PgRow) -> Result<Order, StoreError> {
    Ok(Order {
        id: OrderId::new(get_at(row, order_column!("id"))?),
        sale_id: SaleId::new(get_at(row, order_column!("sale_id"))?)
            .map_err(|e| Inconsistency::breaks_rule("sale_id", e))?,
        client_id: ClientId::new(get_at(row, order_column!("client_id"))?)
            .map_err(|e| Inconsistency::breaks_rule("client_id", e))?,
        date: get_at::<NaiveDate>(row, order_column!("date"))?,
        location: Location::parse(get_at::<&str>(row, order_column!("location"))?)
            .map_err(|e| Inconsistency::breaks_rule("location", e))?,
        payment_method: get_at(row, order_column!("payment_method"))?,
        batch_number: batch(row, order_column!("batch_number"))?,
        sales_notes: get_at(row, order_column!("sales_notes"))?,
        notes: get_at(row, order_column!("notes"))?,
        subtotal: money(row, order_column!("subtotal"))?,
        discount_percentage: discount(row, order_column!("discount_percentage"))?,
        discount_amount: money(row, order_column!("discount_amount"))?,
        tax: money(row, order_column!("tax"))?,
        total: money(row, order_column!("total"))?,
        amount_paid: money(row, order_column!("amount_paid"))?,
        item_count: get_at::<i64>(row, order_column!("item_count"))? as u32,
        import_id: ImportId::new(get_at(row, order_column!("import_id"))?),
        created_at: get_at(row, order_column!("created_at"))?,
        updated_at: get_at(row, order_column!("updated_at"))?,
    })
}

/// An item of [`order_lookup`] or of an export's page (its columns prefixed `item_`), read by
/// position.
fn order_item(row: &PgRow) -> Result<OrderItem, StoreError> {
    Ok(OrderItem {
        position: get_at::<i32>(row, item_column!("position"))? as u32,
        product_id: ProductId::new(get_at(row, item_column!("product_id"))?),
        product_name: name_at(row, item_column!("product_name"))?,
        quantity: Quantity::new(get_at(row, item_column!("quantity"))?)
            .map_err(|e| Inconsistency::breaks_rule(item!("quantity"), e))?,
        unit_price: UnitPrice::new(decimal_at(row, item_column!("unit_price"))?)
            .map_err(|e| Inconsistency::breaks_rule(item!("unit_price"), e))?,
        subtotal: money(row, item_column!("subtotal"))?,
        discount_percentage: discount(row, item_column!("discount_percentage"))?,
        discount_amount: money(row, item_column!("discount_amount"))?,
        tax: money(row, item_column!("tax"))?,
        total: money(row, item_column!("total"))?,
        amount_paid: money(row, item_column!("amount_paid"))?,
        payment_method: get_at(row, item_column!("payment_method"))?,
        batch_number: batch(row, item_column!("batch_number"))?,
        sales_notes: get_at(row, item_column!("sales_notes"))?,
        notes: get_at(row, item_column!("notes"))?,
        color: get_at(row, item_column!("color"))?,
        size: get_at(row, item_column!("size"))?,
    })
}

fn money(row: &PgRow, column: Column) -> Result<Money, StoreError> {
    Money::new(decimal_at(row, column)?).map_err(|e| Inconsistency::breaks_rule(column.name, e))
}

fn name_at(row: &PgRow, column: Column) -> Result<ProductName, StoreError> {
    ProductName::parse(get_at::<&str>(row, column)?)
        .map_err(|e| Inconsistency::breaks_rule(column.name, e))
}

fn batch(row: &PgRow, column: Column) -> Result<Option<BatchNumber>, StoreError> {
    get_at::<Option<i64>>(row, column)?
        .map(BatchNumber::new)
        .transpose()
        .map_err(|e| Inconsistency::breaks_rule(column.name, e))
}

fn discount(row: &PgRow, column: Column) -> Result<DiscountPercent, StoreError> {
    DiscountPercent::new(decimal_at(row, column)?)
        .map_err(|e| Inconsistency::breaks_rule(column.name, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn once_per_product(from: &str, to: &str, location: Option<Location>) -> bool {
        let day = |text: &str| text.parse::<NaiveDate>().unwrap();
        let dates = DateBounds::new(Some(day(from)), Some(day(to))).unwrap();
        sold(dates, location).unwrap().once_per_product
    }

    #[test]
    fn one_year_month_or_day_of_one_rollup_is_read_without_adding_up() {
        let online = Some(Location::OnlineStore);
        // A year: over all locations, or at one.
        assert!(once_per_product("2024-01-01", "2024-12-31", None));
        assert!(once_per_product("2024-01-01", "2024-12-31", online));
        // A month: over all locations, or at one.
        assert!(once_per_product("2024-02-01", "2024-02-29", None));
        assert!(once_per_product("2024-02-01", "2024-02-29", online));
        // A day at one location; at both, a product has a row at each.
        assert!(once_per_product("2024-03-05", "2024-03-05", online));
        assert!(!once_per_product("2024-03-05", "2024-03-05", None));
        // Two years, a year and a loose month, loose days around a month.
        assert!(!once_per_product("2024-01-01", "2025-12-31", None));
        assert!(!once_per_product("2024-01-01", "2025-01-31", None));
        assert!(!once_per_product("2024-01-31", "2024-03-01", None));
    }

    #[test]
    fn the_order_lookup_binds_its_values_where_its_builder_puts_them() {
        // The text is rendered once with placeholder values; each lookup binds its own in the
        // order the builder placed them.
        for (id, limit, offset) in [(7, 50, 0), (1, 1, 3), (i64::MAX, 500, u64::MAX >> 1)] {
            let page = Page::new(limit, offset).unwrap();
            let bound = order_by_id(OrderId::new(id), page);
            let built = built(&order_lookup(OrderId::new(id), page));
            assert_eq!(bound.sql, built.sql);
            assert_eq!(
                bound.values, built.values,
                "id {id}, limit {limit}, offset {offset}"
            );
        }
    }
}
