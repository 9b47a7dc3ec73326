//! # zinc-ports
//!
//! The boundary between Zinc's use cases and the outside world: the traits a store must
//! implement. Use cases depend on these traits only; the PostgreSQL adapter implements them,
//! and tests swap in the [`mockall`](https://docs.rs/mockall) doubles generated under the
//! `mock` feature (`MockSalesLedger`, `MockImportSession`).
//!
//! An import is a unit of work ([`ImportSession`]): lines are staged as they are read, read
//! back grouped by sale, and written as products and orders; nothing is visible to anyone
//! else until [`ImportSession::commit`], and [`ImportSession::reject`] leaves the sales data as
//! it was while still recording the attempt.
#![warn(missing_docs)]

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use thiserror::Error;
use zinc_domain::{
    ApiKey, DailyRevenue, DateBounds, DateRange, ImportId, ImportMode, ImportReport, KeyDigest,
    KeyName, KeyScope, Location, Order, OrderFilter, OrderId, OrderWithItems, Page, Paged, Product,
    ProductFilter, ProductId, ProductPrice, ProductSales, RankBy, RevenueTotals, Sale, SaleId,
    SaleLine,
};

/// What made the store fail: the driver's error, or the store's own description.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why the store could not do what was asked. None of these is the user's fault. Each keeps
/// its cause as its [`source`](std::error::Error::source); a description is enough for a cause
/// the store found itself (`StoreError::Inconsistent("a count returned no row".into())`).
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database cannot be reached or stopped answering.
    #[error("the database is unavailable")]
    Unavailable(#[source] Cause),
    /// A concurrent writer got in the way (deadlock, serialization failure); trying again may work.
    #[error("a concurrent change got in the way; try again")]
    Contention(#[source] Cause),
    /// The store holds or returned data that breaks the domain's rules.
    #[error("stored data is inconsistent")]
    Inconsistent(#[source] Cause),
    /// Anything else the database refused.
    #[error("the database refused the operation")]
    Failed(#[source] Cause),
}

/// What the store needs to know to open an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportStart {
    /// The file name as the user gave it.
    pub file_name: String,
    /// Strict or skip-invalid.
    pub mode: ImportMode,
    /// When the import started.
    pub started_at: DateTime<Utc>,
    /// The API key that asked for it (`None` from the command line, or an open API).
    pub requested_by: Option<KeyName>,
}

/// What saving a batch of product prices changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProductChanges {
    /// Products the store did not have.
    pub created: u64,
    /// Products whose price was replaced by that of a more recent sale.
    pub updated: u64,
}

/// What saving a batch of sales changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderChanges {
    /// Sales the store did not have.
    pub created: u64,
    /// Sales stored in another version, replaced with their items.
    pub updated: u64,
    /// Sales stored exactly as given.
    pub unchanged: u64,
}

/// Opens imports. Implemented by the PostgreSQL adapter.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SalesLedger: Send + Sync {
    /// Starts an import: a unit of work that is committed or rejected as a whole.
    async fn begin_import(&self, start: &ImportStart)
    -> Result<Box<dyn ImportSession>, StoreError>;
}

/// A shared ledger is a ledger (the web server holds one behind an `Arc`).
#[async_trait]
impl<T: SalesLedger + ?Sized> SalesLedger for std::sync::Arc<T> {
    async fn begin_import(
        &self,
        start: &ImportStart,
    ) -> Result<Box<dyn ImportSession>, StoreError> {
        (**self).begin_import(start).await
    }
}

/// One import in progress. Everything it writes becomes visible at once on
/// [`commit`](ImportSession::commit), or never.
///
/// Concurrent imports are safe: stores must upsert by Sale ID and product name (no
/// check-then-insert) and must not deadlock when two imports write overlapping products or
/// sales in different orders.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ImportSession: Send {
    /// The number the store gave this import.
    fn import_id(&self) -> ImportId;

    /// Keeps valid lines for the checks and writes that follow (in any order, any batch size).
    async fn stage_lines(&mut self, lines: &[SaleLine]) -> Result<(), StoreError>;

    /// Marks sales as rejected: their staged lines are left out of every later read.
    async fn reject_sales(&mut self, sales: &[SaleId]) -> Result<(), StoreError>;

    /// How many distinct sales have been rejected so far.
    async fn count_rejected_sales(&mut self) -> Result<u64, StoreError>;

    /// Starts reading the staged lines of the sales not rejected, sorted by Sale ID then line.
    async fn rewind(&mut self) -> Result<(), StoreError>;

    /// The next staged lines in that order, at most `max`; empty once all were read.
    async fn read_staged(&mut self, max: usize) -> Result<Vec<SaleLine>, StoreError>;

    /// Creates the products not yet stored and sets the price of those whose stored price
    /// comes from an older sale (so batches may arrive in any order). `prices` are sorted by
    /// product name. Each product is counted at most once per import.
    async fn save_products(
        &mut self,
        prices: &[ProductPrice],
    ) -> Result<ProductChanges, StoreError>;

    /// Writes sales as orders with their items: new sales are created, changed ones replaced
    /// (items included), identical ones left untouched. `sales` arrive sorted by Sale ID, and
    /// their products were saved first.
    async fn save_sales(&mut self, sales: &[Sale]) -> Result<OrderChanges, StoreError>;

    /// Makes everything written visible and records the import with its report.
    async fn commit(&mut self, report: &ImportReport) -> Result<(), StoreError>;

    /// Discards everything written and records the rejected attempt with its report.
    async fn reject(&mut self, report: &ImportReport) -> Result<(), StoreError>;
}

/// The record of past imports, newest first.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ImportHistory: Send + Sync {
    /// A page of import reports, newest first. Their problem lists are left empty (see
    /// [`ImportHistory::find_import`]) but keep their totals.
    async fn list_imports(&self, page: Page) -> Result<Paged<ImportReport>, StoreError>;

    /// One import with its full problem list, if it exists.
    async fn find_import(&self, id: ImportId) -> Result<Option<ImportReport>, StoreError>;
}

/// The products the imports created.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ProductCatalog: Send + Sync {
    /// A page of products matching `filter`, by name.
    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: Page,
    ) -> Result<Paged<Product>, StoreError>;

    /// One product, if it exists.
    async fn find_product(&self, id: ProductId) -> Result<Option<Product>, StoreError>;
}

/// The orders the imports created.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OrderBook: Send + Sync {
    /// A page of orders matching `filter`, newest sale date first (then highest Sale ID).
    async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: Page,
    ) -> Result<Paged<Order>, StoreError>;

    /// One order with its items in file order, if it exists.
    async fn find_order(&self, id: OrderId) -> Result<Option<OrderWithItems>, StoreError>;
}

/// Sums over the stored orders.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SalesFigures: Send + Sync {
    /// Revenue and order count of the orders dated within `dates`, at `location` if given.
    async fn revenue(
        &self,
        dates: DateBounds,
        location: Option<Location>,
    ) -> Result<RevenueTotals, StoreError>;

    /// The same per day, for the days that had orders (in date order).
    async fn daily_revenue(
        &self,
        range: DateRange,
        location: Option<Location>,
    ) -> Result<Vec<DailyRevenue>, StoreError>;

    /// The `limit` best-selling products over `dates`, at `location` if given, best first
    /// (ties by name).
    async fn top_products(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        by: RankBy,
        limit: u32,
    ) -> Result<Vec<ProductSales>, StoreError>;
}

/// The running sums [`SalesFigures`] reads instead of every order: kept by each import, in
/// its own unit of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rollup {
    /// Revenue and orders per sale date and location.
    DailySales,
    /// Units, revenue and orders per sale date, location and product.
    DailyProductSales,
    /// The same per month.
    MonthlyProductSales,
}

impl Rollup {
    /// Every rollup, each before those summed from it.
    pub const ALL: [Rollup; 3] = [
        Rollup::DailySales,
        Rollup::DailyProductSales,
        Rollup::MonthlyProductSales,
    ];

    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Rollup::DailySales => "daily sales",
            Rollup::DailyProductSales => "daily product sales",
            Rollup::MonthlyProductSales => "monthly product sales",
        }
    }
}

impl std::fmt::Display for Rollup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of a rollup, as stored or as recomputed from the orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupFigures {
    /// Sum of order (or, per product, item) totals, at the scale the sum has.
    pub revenue: Decimal,
    /// Orders counted.
    pub orders: u64,
    /// Units, refunds subtracted (per product only).
    pub quantity: Option<i64>,
}

/// Where a stored rollup differs from a recomputation over the orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupDrift {
    /// The rollup.
    pub rollup: Rollup,
    /// The day (the first of the month for a monthly rollup).
    pub date: NaiveDate,
    /// The location.
    pub location: Location,
    /// The product, for rollups per product.
    pub product_id: Option<ProductId>,
    /// The row stored, if any.
    pub stored: Option<RollupFigures>,
    /// The row the orders give, if any.
    pub expected: Option<RollupFigures>,
}

/// What a verification found: at most the differences asked for, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RollupDrifts {
    /// The first differences, by rollup, date, location and product.
    pub listed: Vec<RollupDrift>,
    /// How many differences there are in all.
    pub total: u64,
}

/// Upkeep of the rollups, for operators: imports keep them up to date by themselves.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait RollupUpkeep: Send + Sync {
    /// Recomputes every rollup from the stored orders (one consistent snapshot, nothing
    /// written) and lists where the stored rollups differ, at most `max` of them.
    async fn verify_rollups(&self, max: u32) -> Result<RollupDrifts, StoreError>;

    /// Replaces every rollup by its recomputation, in one unit of work that waits for running
    /// imports to write first; returns how many rows each rollup now holds.
    async fn rebuild_rollups(&self) -> Result<Vec<(Rollup, u64)>, StoreError>;
}

/// A key to store: its name, scope and digest (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// Its unique name.
    pub name: KeyName,
    /// What it may do.
    pub scope: KeyScope,
    /// The digest of its secret.
    pub digest: KeyDigest,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Why a key could not be created.
#[derive(Debug, Error)]
pub enum CreateKeyError {
    /// A key with that name exists (active or revoked: names are never reused).
    #[error("a key named {0} exists already")]
    Duplicate(KeyName),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The API keys: created and revoked by the operator, looked up on every request.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ApiKeys: Send + Sync {
    /// Stores a new key.
    async fn create_key(&self, key: &NewApiKey) -> Result<ApiKey, CreateKeyError>;

    /// Every key, active and revoked, by name.
    async fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// Revokes the active key named `name`; false when there is none.
    async fn revoke_key(&self, name: &KeyName, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// The active (not revoked) key whose secret has `digest`, if any.
    async fn find_active_key(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, StoreError>;

    /// Whether any active key exists (when none does, the API may be served openly).
    async fn any_active_key(&self) -> Result<bool, StoreError>;

    /// Records that the key named `name` was used at `at`.
    async fn mark_used(&self, name: &KeyName, at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// How the store's connection pool is used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionStats {
    /// Connections open (idle or in use).
    pub open: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The most the pool may open.
    pub max: u32,
}

/// Whether the store can serve requests.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StoreHealth: Send + Sync {
    /// The connection pool's current use (no I/O).
    fn connection_stats(&self) -> ConnectionStats;

    /// Pings the store and checks its schema is up to date; `Ok` with the migrations still
    /// pending (empty when ready).
    async fn pending_migrations(&self) -> Result<Vec<String>, StoreError>;
}
