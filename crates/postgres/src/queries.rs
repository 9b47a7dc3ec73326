//! The read side on PostgreSQL: import history, products, orders, revenue sums, the data's
//! version and health.
//!
//! Every row read back goes through the domain's constructors, so a value that breaks a rule
//! is reported as [`StoreError::Inconsistent`] rather than passed on.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{
    Expr, ExprTrait, JoinType, Order as SortOrder, Query as Sql, SelectStatement, UnionType,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use serde::Deserialize;
use zinc_domain::{
    BatchNumber, ClientId, DailyProductSales, DailyRevenue, DateBounds, DateRange, DiscountPercent,
    ImportCounts, ImportId, ImportMode, ImportReport, ImportStatus, InputProblem, KeyName,
    Location, Money, Order, OrderFilter, OrderId, OrderItem, OrderWithItems, Page, Paged,
    ProblemLog, Product, ProductFilter, ProductId, ProductName, ProductSales, ProductTotals,
    Quantity, RankBy, RejectFile, RejectedLine, RejectedLineCounts, RejectedLines, RevenueTotals,
    SaleId, UnitPrice,
};
use zinc_migration::{Migrator, MigratorTrait};
use zinc_ports::{
    ConnectionStats, ImportHistory, OrderBook, ProductCatalog, SalesFigures, StoreError,
    StoreHealth,
};

use tracing::instrument;

use crate::database::PoolSettings;
use crate::error::{UNDEFINED_TABLE, sqlstate, store_error, within};
use crate::lanes::Lane;
use crate::rollups;

/// Reads what the imports stored. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PostgresQueries {
    db: DatabaseConnection,
    reply_timeout: Duration,
    /// Where a single order is looked up, when the caller gave one (see [`Self::with_lane`]).
    lane: Option<Lane>,
}

impl PostgresQueries {
    /// Reads through `db`, giving a connection up for lost when the database does not answer
    /// within the default [`PoolSettings::reply_timeout`].
    pub fn new(db: DatabaseConnection) -> Self {
        PostgresQueries {
            db,
            reply_timeout: PoolSettings::default().reply_timeout(),
            lane: None,
        }
    }

    /// The same, looking single orders up on `lane` (a worker's own connections) instead of
    /// the shared pool: a lookup is one statement, and the pool's round trip on release would
    /// double its round trips.
    pub fn with_lane(mut self, lane: Lane) -> Self {
        self.lane = Some(lane);
        self
    }

    /// The same, waiting at most `reply_timeout` for any answer.
    pub fn with_reply_timeout(mut self, reply_timeout: Duration) -> Self {
        self.reply_timeout = reply_timeout;
        self
    }

    async fn all(&self, query: impl Into<Statement>) -> Result<Vec<QueryResult>, StoreError> {
        let statement = query.into();
        within(self.reply_timeout, async {
            self.db.query_all_raw(statement).await.map_err(store_error)
        })
        .await
    }

    async fn one(&self, query: impl Into<Statement>) -> Result<Option<QueryResult>, StoreError> {
        Ok(self.all(query).await?.into_iter().next())
    }

    /// One page of `items` (decoded row by row) with the size of the whole list from `count`.
    async fn paged<T>(
        &self,
        count: impl Into<Statement>,
        items: Query,
        page: Page,
        decode: fn(&QueryResult) -> Result<T, StoreError>,
    ) -> Result<Paged<T>, StoreError> {
        let total = self.count(count).await?;
        let mut items = items;
        items.limit_to(page);
        let items = self
            .all(items)
            .await?
            .iter()
            .map(decode)
            .collect::<Result<_, _>>()?;
        Ok(Paged { items, total, page })
    }

    async fn count(&self, query: impl Into<Statement>) -> Result<u64, StoreError> {
        let row = self
            .one(query)
            .await?
            .ok_or_else(|| StoreError::Inconsistent("a count returned no row".into()))?;
        Ok(get::<i64>(&row, "n")? as u64)
    }
}

impl From<Query> for Statement {
    fn from(query: Query) -> Self {
        Statement::from_sql_and_values(DbBackend::Postgres, query.sql, query.values)
    }
}

/// A statement assembled with sea-query.
fn built(select: &SelectStatement) -> Statement {
    DbBackend::Postgres.build(select)
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
            .from_as("product_sales_by_day", "r")
            .and_where(Expr::col(("r", "product_id")).eq(product.get())),
        None => select.from_as("sales_by_day", "r"),
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
        return filtered_orders("SELECT count(*) AS n", filter).into();
    }
    let mut select = Sql::select();
    select.expr_as(Expr::cust("COALESCE(sum(r.orders), 0)::bigint"), "n");
    daily_rollup_of(&mut select, filter.product_id);
    rollup_rows(&mut select, "date", bounds(filter.dates), filter.location);
    built(&select)
}

/// A statement under construction: SQL text and its numbered parameters.
#[derive(Default)]
struct Query {
    sql: String,
    values: Vec<Value>,
}

impl Query {
    fn new(sql: &str) -> Self {
        Query {
            sql: sql.to_owned(),
            values: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder.
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn limit_to(&mut self, page: Page) {
        let limit = self.bind(i64::from(page.limit()));
        let offset = self.bind(page.offset() as i64);
        self.sql
            .push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    }
}

/// `WHERE`/`AND` conditions on orders (alias `o`), shared by listing and sums.
fn order_conditions(query: &mut Query, dates: DateBounds, location: Option<Location>) {
    if let Some(from) = dates.from() {
        let p = query.bind(from);
        query.push(&format!(" AND o.date >= {p}"));
    }
    if let Some(to) = dates.to() {
        let p = query.bind(to);
        query.push(&format!(" AND o.date <= {p}"));
    }
    if let Some(location) = location {
        let p = query.bind(location.as_str());
        query.push(&format!(" AND o.location = {p}"));
    }
}

fn filtered_orders(select: &str, filter: &OrderFilter) -> Query {
    let mut query = Query::new(select);
    query.push(" FROM orders o WHERE TRUE");
    order_conditions(&mut query, filter.dates, filter.location);
    if let Some(client) = filter.client_id {
        let p = query.bind(client.get());
        query.push(&format!(" AND o.client_id = {p}"));
    }
    if let Some(sale) = filter.sale_id {
        let p = query.bind(sale.get());
        query.push(&format!(" AND o.sale_id = {p}"));
    }
    if let Some(product) = filter.product_id {
        let p = query.bind(product.get());
        query.push(&format!(
            " AND o.id IN (SELECT i.order_id FROM order_items i WHERE i.product_id = {p})"
        ));
    }
    query
}

fn filtered_products(select: &str, filter: &ProductFilter) -> Query {
    let mut query = Query::new(select);
    query.push(" FROM products p WHERE TRUE");
    if let Some(text) = filter.name_contains.as_deref() {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = query.bind(format!("%{escaped}%"));
        query.push(&format!(" AND p.name ILIKE {p}"));
    }
    query
}

const IMPORT_COLUMNS: &str = "id, file_name, sha256, mode, status, rows_total, rows_imported, \
    rows_rejected, sales_total, sales_rejected, orders_created, orders_updated, orders_unchanged, \
    products_created, products_updated, problems_total, started_at, finished_at, requested_by, \
    replaced_sales, rejected_lines_omitted, \
    (SELECT count(*) FROM import_rejected_lines r WHERE r.import_id = imports.id) \
      AS rejected_lines_kept";

/// An order's own columns (alias `o`).
macro_rules! order_fields {
    () => {
        "o.id, o.sale_id, o.client_id, o.date, o.location, o.payment_method, o.batch_number, \
         o.sales_notes, o.notes, o.subtotal, o.discount_percentage, o.discount_amount, o.tax, \
         o.total, o.amount_paid, o.import_id, o.created_at, o.updated_at"
    };
}

/// An order with the number of its items, as lists show it.
const ORDER_COLUMNS: &str = concat!(
    order_fields!(),
    ", (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS item_count"
);

/// An item's columns (alias `i`, its product `p`), prefixed `item_`, as [`order_item`] reads them.
macro_rules! item_fields {
    () => {
        "i.position AS item_position, i.product_id AS item_product_id, \
         p.name AS item_product_name, i.quantity AS item_quantity, i.unit_price AS item_unit_price, \
         i.subtotal AS item_subtotal, i.discount_percentage AS item_discount_percentage, \
         i.discount_amount AS item_discount_amount, i.tax AS item_tax, i.total AS item_total, \
         i.amount_paid AS item_amount_paid, i.payment_method AS item_payment_method, \
         i.batch_number AS item_batch_number, i.sales_notes AS item_sales_notes, \
         i.notes AS item_notes, i.color AS item_color, i.size AS item_size"
    };
}

impl PostgresQueries {
    /// The order lookup's one statement, `$1` the order's id: the order with one of its items
    /// (aliases `i` and its product `p`) per row in the file's order, or one row of NULL items
    /// when it has none; the item columns are prefixed `item_`. Public for the benchmark's
    /// bare server (`crates/app/examples/bare_order_lookup.rs`).
    pub const ORDER_BY_ID: &str = concat!(
        "SELECT ",
        order_fields!(),
        ", count(i.position) OVER () AS item_count, ",
        item_fields!(),
        " FROM orders o LEFT JOIN order_items i ON i.order_id = o.id \
         LEFT JOIN products p ON p.id = i.product_id \
         WHERE o.id = $1 ORDER BY i.position"
    );
}

// Sees the statements and decoders above.
mod archive;

#[async_trait]
impl ImportHistory for PostgresQueries {
    #[instrument(skip_all, fields(limit = page.limit(), offset = page.offset()))]
    async fn list_imports(&self, page: Page) -> Result<Paged<ImportReport>, StoreError> {
        let visible = " FROM imports WHERE status <> 'running'";
        let count = Query::new(&format!("SELECT count(*) AS n{visible}"));
        let items = Query::new(&format!(
            "SELECT {IMPORT_COLUMNS}, '[]'::jsonb AS problems{visible} ORDER BY started_at DESC, id DESC"
        ));
        self.paged(count, items, page, import_report).await
    }

    #[instrument(skip(self), fields(id = id.get()))]
    async fn find_import(&self, id: ImportId) -> Result<Option<ImportReport>, StoreError> {
        let mut query = Query::new(&format!("SELECT {IMPORT_COLUMNS}, problems FROM imports"));
        let p = query.bind(id.get());
        query.push(&format!(" WHERE id = {p} AND status <> 'running'"));
        self.one(query)
            .await?
            .as_ref()
            .map(import_report)
            .transpose()
    }

    #[instrument(skip(self), fields(id = id.get()))]
    async fn rejected_lines(&self, id: ImportId) -> Result<Option<RejectFile>, StoreError> {
        let mut query =
            Query::new("SELECT file_name, rejected_header, rejected_lines_omitted FROM imports");
        let p = query.bind(id.get());
        query.push(&format!(" WHERE id = {p} AND status <> 'running'"));
        let Some(import) = self.one(query).await? else {
            return Ok(None);
        };
        // Written once with the import's record, never changed: two reads agree.
        let mut query = Query::new("SELECT line, reason, raw FROM import_rejected_lines");
        let p = query.bind(id.get());
        query.push(&format!(" WHERE import_id = {p} ORDER BY line"));
        let lines = self
            .all(query)
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
        let count = filtered_products("SELECT count(*) AS n", filter);
        let mut items = filtered_products(
            "SELECT p.id, p.name, p.price, p.created_at, p.updated_at",
            filter,
        );
        items.push(" ORDER BY p.name, p.id");
        self.paged(count, items, page, product).await
    }

    #[instrument(skip(self), fields(id = id.get()))]
    async fn find_product(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        let mut query =
            Query::new("SELECT p.id, p.name, p.price, p.created_at, p.updated_at FROM products p");
        let p = query.bind(id.get());
        query.push(&format!(" WHERE p.id = {p}"));
        self.one(query).await?.as_ref().map(product).transpose()
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
        let mut items = filtered_orders(&format!("SELECT {ORDER_COLUMNS}"), filter);
        items.push(" ORDER BY o.date DESC, o.sale_id DESC");
        self.paged(order_total(filter), items, page, order).await
    }

    #[instrument(skip(self), fields(id = id.get()))]
    async fn find_order(&self, id: OrderId) -> Result<Option<OrderWithItems>, StoreError> {
        // One statement: every statement costs a round trip, and the shared pool another one
        // when it takes the connection back (a lane does not).
        let mut query = Query::new(Self::ORDER_BY_ID);
        query.bind(id.get()); // the statement's $1
        let rows = match &self.lane {
            Some(lane) => within(self.reply_timeout, lane.all(&query.into())).await?,
            None => self.all(query).await?,
        };
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let order = order(first)?;
        let items = rows
            .iter()
            .filter_map(|row| match get::<Option<i32>>(row, "item_position") {
                Ok(Some(_)) => Some(order_item(row)),
                Ok(None) => None,
                Err(error) => Some(Err(error)),
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(OrderWithItems { order, items }))
    }
}

#[async_trait]
impl SalesFigures for PostgresQueries {
    #[instrument(skip(self))]
    async fn revenue(
        &self,
        dates: DateBounds,
        location: Option<Location>,
    ) -> Result<RevenueTotals, StoreError> {
        let mut select = Sql::select();
        select
            .expr_as(Expr::cust("COALESCE(sum(r.revenue), 0)"), "revenue")
            .expr_as(
                Expr::cust("COALESCE(sum(r.orders), 0)::bigint"),
                "order_count",
            )
            .from_as("sales_by_day", "r");
        rollup_rows(&mut select, "date", bounds(dates), location);
        let row = self
            .one(built(&select))
            .await?
            .ok_or_else(|| StoreError::Inconsistent("a sum returned no row".into()))?;
        totals(&row)
    }

    #[instrument(skip(self))]
    async fn daily_revenue(
        &self,
        range: DateRange,
        location: Option<Location>,
    ) -> Result<Vec<DailyRevenue>, StoreError> {
        let mut select = Sql::select();
        select
            .column(("r", "date"))
            .expr_as(Expr::cust("sum(r.revenue)"), "revenue")
            .expr_as(Expr::cust("sum(r.orders)::bigint"), "order_count")
            .from_as("sales_by_day", "r")
            .group_by_col(("r", "date"))
            .order_by(("r", "date"), SortOrder::Asc);
        rollup_rows(&mut select, "date", bounds(range.into()), location);
        self.all(built(&select))
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
        let mut select = Sql::select();
        select
            .column(("r", "date"))
            .expr_as(Expr::cust("sum(r.quantity)::bigint"), "quantity")
            .expr_as(Expr::cust("sum(r.revenue)"), "revenue")
            .expr_as(Expr::cust("sum(r.orders)::bigint"), "order_count")
            .group_by_col(("r", "date"))
            .order_by(("r", "date"), SortOrder::Asc);
        daily_rollup_of(&mut select, Some(product));
        rollup_rows(&mut select, "date", bounds(range.into()), location);
        self.all(built(&select))
            .await?
            .iter()
            .map(|row| {
                Ok(DailyProductSales {
                    date: get(row, "date")?,
                    totals: ProductTotals {
                        quantity: get(row, "quantity")?,
                        revenue: get(row, "revenue")?,
                        order_count: get::<i64>(row, "order_count")? as u64,
                    },
                })
            })
            .collect()
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
        match self.one(built(&select)).await? {
            Some(row) => get(&row, "latest"),
            None => Ok(None),
        }
    }

    #[instrument(skip(self))]
    async fn top_products(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        by: RankBy,
        limit: u32,
    ) -> Result<Vec<ProductSales>, StoreError> {
        // Whole months from the monthly rollup (over all locations when none is asked for),
        // the days around them from the daily one.
        let split = rollups::split_by_month(dates);
        let monthly = match location {
            Some(_) => "product_sales_by_month",
            None => "product_sales_by_month_all",
        };
        let part = |table: &'static str, day: &'static str, from, to| {
            let mut select = Sql::select();
            select
                .columns([
                    ("r", "product_id"),
                    ("r", "quantity"),
                    ("r", "revenue"),
                    ("r", "orders"),
                ])
                .from_as(table, "r");
            rollup_rows(&mut select, day, (from, to), location);
            select
        };
        let mut parts = split
            .months
            .map(|(first, last)| part(monthly, "month", first, last))
            .into_iter()
            .chain(
                split
                    .days
                    .iter()
                    .map(|&(from, to)| part("product_sales_by_day", "date", Some(from), Some(to))),
            );
        let Some(mut sold) = parts.next() else {
            return Ok(Vec::new());
        };
        for other in parts {
            sold.union(UnionType::All, other);
        }
        // Summed per product first, so that only one row per product meets the names.
        let mut per_product = Sql::select();
        per_product
            .column(("s", "product_id"))
            .expr_as(Expr::cust("sum(s.quantity)::bigint"), "quantity")
            .expr_as(Expr::cust("sum(s.revenue)"), "revenue")
            .expr_as(Expr::cust("sum(s.orders)::bigint"), "order_count")
            .from_subquery(sold, "s")
            .group_by_col(("s", "product_id"));
        let rank = match by {
            RankBy::Revenue => ["revenue", "quantity"],
            RankBy::Quantity => ["quantity", "revenue"],
        };
        let mut select = Sql::select();
        select
            .columns([("p", "id"), ("p", "name")])
            .columns([("t", "quantity"), ("t", "revenue"), ("t", "order_count")])
            .from_subquery(per_product, "t")
            .join_as(
                JoinType::InnerJoin,
                "products",
                "p",
                Expr::col(("p", "id")).equals(("t", "product_id")),
            )
            .order_by(("t", rank[0]), SortOrder::Desc)
            .order_by(("t", rank[1]), SortOrder::Desc)
            .order_by(("p", "name"), SortOrder::Asc)
            .limit(u64::from(limit));
        self.all(built(&select))
            .await?
            .iter()
            .map(|row| {
                Ok(ProductSales {
                    product_id: ProductId::new(get(row, "id")?),
                    name: name(row, "name")?,
                    quantity: get(row, "quantity")?,
                    revenue: get(row, "revenue")?,
                    order_count: get::<i64>(row, "order_count")? as u64,
                })
            })
            .collect()
    }
}

#[async_trait]
impl StoreHealth for PostgresQueries {
    fn connection_stats(&self) -> ConnectionStats {
        let pool = self.db.get_postgres_connection_pool();
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
            .db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT version FROM seaql_migrations",
            ))
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
            .filter(|name| !applied.contains(name))
            .collect())
    }
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T, StoreError> {
    row.try_get("", column)
        .map_err(|e| StoreError::Inconsistent(format!("column {column}: {e}").into()))
}

fn inconsistent(column: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Inconsistent(format!("stored {column} breaks a rule: {error}").into())
}

fn money(row: &QueryResult, column: &str) -> Result<Money, StoreError> {
    Money::new(get(row, column)?).map_err(|e| inconsistent(column, e))
}

fn name(row: &QueryResult, column: &str) -> Result<ProductName, StoreError> {
    ProductName::parse(&get::<String>(row, column)?).map_err(|e| inconsistent(column, e))
}

fn totals(row: &QueryResult) -> Result<RevenueTotals, StoreError> {
    Ok(RevenueTotals {
        revenue: get::<Decimal>(row, "revenue")?,
        order_count: get::<i64>(row, "order_count")? as u64,
    })
}

fn product(row: &QueryResult) -> Result<Product, StoreError> {
    Ok(Product {
        id: ProductId::new(get(row, "id")?),
        name: name(row, "name")?,
        price: UnitPrice::new(get(row, "price")?).map_err(|e| inconsistent("price", e))?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

fn batch(row: &QueryResult, column: &str) -> Result<Option<BatchNumber>, StoreError> {
    get::<Option<i64>>(row, column)?
        .map(BatchNumber::new)
        .transpose()
        .map_err(|e| inconsistent(column, e))
}

fn discount(row: &QueryResult, column: &str) -> Result<DiscountPercent, StoreError> {
    DiscountPercent::new(get(row, column)?).map_err(|e| inconsistent(column, e))
}

fn order(row: &QueryResult) -> Result<Order, StoreError> {
    Ok(Order {
        id: OrderId::new(get(row, "id")?),
        sale_id: SaleId::new(get(row, "sale_id")?).map_err(|e| inconsistent("sale_id", e))?,
        client_id: ClientId::new(get(row, "client_id")?)
            .map_err(|e| inconsistent("client_id", e))?,
        date: get::<NaiveDate>(row, "date")?,
        location: Location::parse(&get::<String>(row, "location")?)
            .map_err(|e| inconsistent("location", e))?,
        payment_method: get(row, "payment_method")?,
        batch_number: batch(row, "batch_number")?,
        sales_notes: get(row, "sales_notes")?,
        notes: get(row, "notes")?,
        subtotal: money(row, "subtotal")?,
        discount_percentage: discount(row, "discount_percentage")?,
        discount_amount: money(row, "discount_amount")?,
        tax: money(row, "tax")?,
        total: money(row, "total")?,
        amount_paid: money(row, "amount_paid")?,
        item_count: get::<i64>(row, "item_count")? as u32,
        import_id: ImportId::new(get(row, "import_id")?),
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// An item of [`PostgresQueries::ORDER_BY_ID`] (its columns prefixed `item_`).
fn order_item(row: &QueryResult) -> Result<OrderItem, StoreError> {
    let item = |column: &str| format!("item_{column}");
    let money = |column: &str| money(row, &item(column));
    Ok(OrderItem {
        position: get::<i32>(row, &item("position"))? as u32,
        product_id: ProductId::new(get(row, &item("product_id"))?),
        product_name: name(row, &item("product_name"))?,
        quantity: Quantity::new(get(row, &item("quantity"))?)
            .map_err(|e| inconsistent(&item("quantity"), e))?,
        unit_price: UnitPrice::new(get(row, &item("unit_price"))?)
            .map_err(|e| inconsistent(&item("unit_price"), e))?,
        subtotal: money("subtotal")?,
        discount_percentage: discount(row, &item("discount_percentage"))?,
        discount_amount: money("discount_amount")?,
        tax: money("tax")?,
        total: money("total")?,
        amount_paid: money("amount_paid")?,
        payment_method: get(row, &item("payment_method"))?,
        batch_number: batch(row, &item("batch_number"))?,
        sales_notes: get(row, &item("sales_notes"))?,
        notes: get(row, &item("notes"))?,
        color: get(row, &item("color"))?,
        size: get(row, &item("size"))?,
    })
}

/// A problem as the `imports.problems` column stores it.
#[derive(Deserialize)]
struct StoredProblem {
    line: Option<u64>,
    column: Option<String>,
    value: Option<String>,
    message: String,
    sale_id: Option<i64>,
}

fn import_report(row: &QueryResult) -> Result<ImportReport, StoreError> {
    let count = |column: &str| get::<i64>(row, column).map(|n| n as u64);
    let problems: serde_json::Value = get(row, "problems")?;
    let problems: Vec<StoredProblem> =
        serde_json::from_value(problems).map_err(|e| inconsistent("problems", e))?;
    let problems = problems
        .into_iter()
        .map(|p| InputProblem {
            line: p.line,
            column: p.column,
            value: p.value,
            message: p.message,
            sale_id: p.sale_id.and_then(|id| SaleId::new(id).ok()),
        })
        .collect();
    let mode = match get::<String>(row, "mode")?.as_str() {
        "strict" => ImportMode::Strict,
        "skip_invalid" => ImportMode::SkipInvalid,
        other => return Err(inconsistent("mode", other)),
    };
    let status = match get::<String>(row, "status")?.as_str() {
        "succeeded" => ImportStatus::Succeeded,
        "rejected" => ImportStatus::Rejected,
        other => return Err(inconsistent("status", other)),
    };
    let started_at: DateTime<Utc> = get(row, "started_at")?;
    Ok(ImportReport {
        id: ImportId::new(get(row, "id")?),
        file_name: get(row, "file_name")?,
        sha256: get::<Option<String>>(row, "sha256")?.unwrap_or_default(),
        mode,
        status,
        counts: ImportCounts {
            rows_total: count("rows_total")?,
            rows_imported: count("rows_imported")?,
            rows_rejected: count("rows_rejected")?,
            sales_total: count("sales_total")?,
            sales_rejected: count("sales_rejected")?,
            orders_created: count("orders_created")?,
            orders_updated: count("orders_updated")?,
            orders_unchanged: count("orders_unchanged")?,
            products_created: count("products_created")?,
            products_updated: count("products_updated")?,
        },
        problems: ProblemLog::restore(problems, count("problems_total")?),
        started_at,
        finished_at: get::<Option<DateTime<Utc>>>(row, "finished_at")?.unwrap_or(started_at),
        requested_by: get::<Option<String>>(row, "requested_by")?
            .map(|name| KeyName::parse(&name).map_err(|e| inconsistent("requested_by", e)))
            .transpose()?,
        dry_run: false,
        replaced_sales: get::<Vec<i64>>(row, "replaced_sales")?
            .into_iter()
            .map(|id| SaleId::new(id).map_err(|e| inconsistent("replaced_sales", e)))
            .collect::<Result<_, _>>()?,
        rejected_lines: RejectedLineCounts {
            kept: count("rejected_lines_kept")?,
            omitted: count("rejected_lines_omitted")?,
        },
    })
}
