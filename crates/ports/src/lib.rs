//! # zinc-ports
//!
//! The boundary between Zinc's use cases and the outside world: the traits a store must
//! implement. Use cases depend on these traits only; the PostgreSQL adapter implements them,
//! and tests swap in the [`mockall`](https://docs.rs/mockall) doubles generated under the
//! `mock` feature (`MockSalesLedger`, `MockImportSession`).
//!
//! An import is a unit of work ([`ImportSession`]): sales are staged as the file is read, then
//! written in one go; nothing is visible to anyone else until [`ImportSession::commit`], and
//! [`ImportSession::reject`] leaves the sales data as it was while still recording the attempt.
#![warn(missing_docs)]

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use thiserror::Error;
use zinc_domain::{
    ApiKey, DailyProductSales, DailyRevenue, DateBounds, DateRange, FileDigest, ImportId,
    ImportMode, ImportReport, ImportSource, KeyDigest, KeyName, KeyScope, Location, Order,
    OrderFilter, OrderId, OrderWithItemPage, OrderWithItems, Page, Paged, Product, ProductFilter,
    ProductId, ProductSales, RankBy, RejectFile, RejectedLines, RevenueTotals, Sale, SaleId,
    SaleLine, SessionDigest,
};

mod revert;

#[cfg(feature = "mock")]
pub use revert::MockImportReverts;
pub use revert::{
    CONFLICTS_LISTED, ImportReverts, NotRevertible, PrunedVersions, REVERTED_SALES_LISTED,
    RevertError, RevertOutcome, RevertPlan, RevertRequest, SaleConflict, revert_name,
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
    /// One statement of bulk work (an import, a revert, a rollup rebuild) ran past the bound the
    /// server's operator set for it, and the work wrote nothing: trying again fails again until
    /// the bound is raised (the cause names it).
    #[error("the work ran past a bound the server sets")]
    PastBound(#[source] Cause),
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
    /// Which door it came through.
    pub source: ImportSource,
}

/// What writing an import changed among the products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProductChanges {
    /// Products the store did not have.
    pub created: u64,
    /// Products whose price was replaced by that of a more recent sale.
    pub updated: u64,
}

/// What writing an import changed among the orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderChanges {
    /// Sales the store did not have.
    pub created: u64,
    /// Sales stored in another version, replaced with their items.
    pub updated: u64,
    /// Sales stored exactly as given.
    pub unchanged: u64,
}

/// What an import staged so far: sales to write and sales refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StagedCounts {
    /// Distinct sales staged and not rejected.
    pub sales: u64,
    /// Their lines (the rows that will be imported).
    pub lines: u64,
    /// Distinct sales rejected.
    pub rejected_sales: u64,
}

/// What [`ImportSession::write`] changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteOutcome {
    /// Products created and repriced.
    pub products: ProductChanges,
    /// Orders created, replaced and left as they were.
    pub orders: OrderChanges,
    /// The Sale IDs of the orders replaced: the first
    /// [`REPLACED_SALES_LISTED`](zinc_domain::REPLACED_SALES_LISTED), by Sale ID.
    pub replaced: Vec<SaleId>,
}

/// The steps of [`ImportSession::write`], in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteStep {
    /// Finding the sales that are new or changed.
    Compare,
    /// Creating and repricing products.
    Products,
    /// Creating and replacing orders.
    Orders,
    /// Writing their items.
    Items,
    /// Updating the daily and monthly figures.
    Rollups,
}

impl WriteStep {
    /// Every step, in the order they run.
    pub const ALL: [WriteStep; 5] = [
        WriteStep::Compare,
        WriteStep::Products,
        WriteStep::Orders,
        WriteStep::Items,
        WriteStep::Rollups,
    ];

    /// What the step does, for people.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteStep::Compare => "comparing sales",
            WriteStep::Products => "writing products",
            WriteStep::Orders => "writing orders",
            WriteStep::Items => "writing items",
            WriteStep::Rollups => "updating figures",
        }
    }

    /// The share of the writing done once this step ends, in percent: what the steps took
    /// in the benchmark's first import of 1M rows into PostgreSQL (an estimate for progress
    /// displays, not a measurement of this import).
    pub fn done_percent(self) -> u8 {
        match self {
            WriteStep::Compare => 5,
            WriteStep::Products => 12,
            WriteStep::Orders => 35,
            WriteStep::Items => 85,
            WriteStep::Rollups => 100,
        }
    }
}

/// Told each time a step of [`ImportSession::write`] ends. (A value rather than a trait
/// object, so that the session's mock can take it.)
#[derive(Clone)]
pub struct WriteProgress(Arc<dyn Fn(WriteStep) + Send + Sync>);

impl WriteProgress {
    /// Calls `step_done` as each step ends.
    pub fn new(step_done: impl Fn(WriteStep) + Send + Sync + 'static) -> Self {
        WriteProgress(Arc::new(step_done))
    }

    /// Tells nobody.
    pub fn ignored() -> Self {
        WriteProgress::new(|_| {})
    }

    /// `step` is done.
    pub fn step_done(&self, step: WriteStep) {
        (self.0)(step)
    }
}

impl std::fmt::Debug for WriteProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteProgress")
    }
}

/// Opens imports. Implemented by the PostgreSQL adapter and by the in-memory store of
/// `zinc-testkit`; both pass the same contract suite.
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

/// One import in progress. The use case reads the file once and hands over what the domain
/// checked; the store stages it, then writes it all in one go. Everything becomes visible at
/// once on [`commit`](ImportSession::commit), or never.
///
/// The lines of a sale usually follow each other in a file, so the use case assembles each run
/// of lines into a [`Sale`] as it reads. A sale whose lines are scattered arrives as several
/// runs; a run that does not assemble arrives as loose lines. Once the file is read,
/// [`take_unassembled`](ImportSession::take_unassembled) hands both back whole, to be
/// assembled again and staged with [`stage_sales`](ImportSession::stage_sales).
///
/// Concurrent imports are safe: stores must upsert by Sale ID and product name (no
/// check-then-insert) and must not deadlock when two imports write overlapping products or
/// sales.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ImportSession: Send {
    /// The number the store gave this import.
    fn import_id(&self) -> ImportId;

    /// Stages assembled sales (an order with its lines), in any order and batch size. A Sale
    /// ID staged twice means its lines were scattered: both runs come back from
    /// [`take_unassembled`](ImportSession::take_unassembled).
    async fn stage_sales(&mut self, sales: &[Sale]) -> Result<(), StoreError>;

    /// Stages lines that could not be assembled yet (a run that disagreed or ran too long).
    async fn stage_loose_lines(&mut self, lines: &[SaleLine]) -> Result<(), StoreError>;

    /// Marks sales as rejected: nothing of theirs is written, whatever was or will be staged.
    async fn reject_sales(&mut self, sales: &[SaleId]) -> Result<(), StoreError>;

    /// Hands back the lines of every sale staged in more than one run or with loose lines (and
    /// not rejected), sorted by Sale ID then line, at most `max` per call; empty once all were
    /// handed back. They are no longer staged: the caller stages them again once assembled.
    async fn take_unassembled(&mut self, max: usize) -> Result<Vec<SaleLine>, StoreError>;

    /// How many sales and lines are staged, and how many sales were rejected.
    async fn staged(&mut self) -> Result<StagedCounts, StoreError>;

    /// Writes the staged sales not rejected: their products at the price of their most recent
    /// sale ([`zinc_domain::PriceRank`]), new sales as orders with their items, changed ones
    /// replaced items included, identical ones untouched; and every figure derived from them.
    /// Tells `observer` as each [`WriteStep`] ends, in order.
    async fn write(&mut self, progress: &WriteProgress) -> Result<WriteOutcome, StoreError>;

    /// Makes everything written visible and records the import with its report and its
    /// reject file (the lines of the sales it rejected; `report.rejected_lines` counts them).
    async fn commit(
        &mut self,
        report: &ImportReport,
        rejected: &RejectedLines,
    ) -> Result<(), StoreError>;

    /// Discards everything written and records the rejected attempt with its report and its
    /// reject file.
    async fn reject(
        &mut self,
        report: &ImportReport,
        rejected: &RejectedLines,
    ) -> Result<(), StoreError>;

    /// Discards everything, leaving no record: the end of a dry run.
    async fn abandon(&mut self) -> Result<(), StoreError>;
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

    /// The reject file of a finished import (the file's name and header, and the lines kept in
    /// line order: none when nothing was rejected), or `None` when no finished import has this
    /// number. Imports recorded before reject files were kept have an empty one.
    async fn rejected_lines(&self, id: ImportId) -> Result<Option<RejectFile>, StoreError>;
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

    /// The day each of `products` got its current price, from its stored order items (see
    /// [`zinc_domain::price_since`]); a product without items is left out.
    async fn prices_since(
        &self,
        products: &[ProductId],
    ) -> Result<std::collections::BTreeMap<ProductId, NaiveDate>, StoreError>;
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

    /// One order, if it exists, with the page `items` of its items in file order. The order's
    /// amounts and [`Order::item_count`] are the whole order's, and so is the page's `total`;
    /// a page past the last item is empty (the order is still found).
    async fn find_order(
        &self,
        id: OrderId,
        items: Page,
    ) -> Result<Option<OrderWithItemPage>, StoreError>;
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

    /// What `product` sold per day over `range`, at `location` if given, for the days it sold
    /// (in date order).
    async fn product_daily_sales(
        &self,
        product: ProductId,
        range: DateRange,
        location: Option<Location>,
    ) -> Result<Vec<DailyProductSales>, StoreError>;

    /// The day of the latest sale (of `product` if given) at `location` if given; `None` when
    /// nothing sold.
    async fn latest_sale(
        &self,
        product: Option<ProductId>,
        location: Option<Location>,
    ) -> Result<Option<NaiveDate>, StoreError>;

    /// The units sold over `dates`, at `location` if given, refunds subtracted: what every
    /// product's [`ProductSales::quantity`] adds up to.
    async fn units_sold(
        &self,
        dates: DateBounds,
        location: Option<Location>,
    ) -> Result<i64, StoreError>;

    /// The `limit` best-selling products over `dates`, at `location` if given, best first
    /// (ties by name).
    async fn top_products(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        by: RankBy,
        limit: u32,
    ) -> Result<Vec<ProductSales>, StoreError>;

    /// The days of the first and of the latest sale at `location` if given; `None` when
    /// nothing sold: [`SalesFigures::latest_sale`] and the first in one answer.
    async fn sale_days(
        &self,
        location: Option<Location>,
    ) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError>;

    /// [`SalesFigures::daily_revenue`] of each location (of `location` alone when given), in
    /// one answer: by date, then location.
    async fn daily_revenue_by_location(
        &self,
        range: DateRange,
        location: Option<Location>,
    ) -> Result<Vec<(Location, DailyRevenue)>, StoreError>;

    /// The units sold over `dates` (at `location` if given) and the `limit` best sellers by
    /// revenue and by units, in one answer: what [`SalesFigures::units_sold`] and
    /// [`SalesFigures::top_products`] answer apart.
    async fn best_sellers(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        limit: u32,
    ) -> Result<BestSellers, StoreError>;

    /// The revenue, orders and units sold over `dates` (at `location` if given), in one
    /// answer: what [`SalesFigures::revenue`] and [`SalesFigures::units_sold`] answer apart.
    async fn period_totals(
        &self,
        dates: DateBounds,
        location: Option<Location>,
    ) -> Result<PeriodTotals, StoreError>;
}

/// What a period's products sold: the units and the best sellers both ways, read together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BestSellers {
    /// The units sold, refunds subtracted: [`SalesFigures::units_sold`].
    pub units: i64,
    /// The best sellers by revenue: [`SalesFigures::top_products`] with [`RankBy::Revenue`].
    pub by_revenue: Vec<ProductSales>,
    /// The best sellers by units: [`SalesFigures::top_products`] with [`RankBy::Quantity`].
    pub by_quantity: Vec<ProductSales>,
}

/// A period's revenue and order count beside its units sold, read together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodTotals {
    /// [`SalesFigures::revenue`].
    pub totals: RevenueTotals,
    /// [`SalesFigures::units_sold`].
    pub units: i64,
}

/// Where an export stands: the last sale handed out, in the order exports go (sale date,
/// then Sale ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SaleCursor {
    /// The sale date of the last sale handed out.
    pub date: NaiveDate,
    /// Its Sale ID.
    pub sale_id: SaleId,
}

impl SaleCursor {
    /// The place just after `order`.
    pub fn after(order: &Order) -> Self {
        SaleCursor {
            date: order.date,
            sale_id: order.sale_id,
        }
    }
}

/// The stored sales whole, page by page, for exports: each order with every item in its
/// stored order, so that writing them out gives back what was imported.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SalesArchive: Send + Sync {
    /// At most `max` orders dated within `dates` (at `location` if given) with their items,
    /// by sale date then Sale ID, starting after `after` (from the first when `None`). Fewer
    /// than `max` means none is left. Each call reads the data as it is then: an import that
    /// commits between two calls shows in the pages after it.
    async fn sales_after(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        after: Option<SaleCursor>,
        max: u32,
    ) -> Result<Vec<OrderWithItems>, StoreError>;
}

/// A version of the sales data: two reads under the same version see the same products,
/// orders and figures, so an answer computed under a version holds as long as it is current.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataVersion(String);

impl DataVersion {
    /// The version the store calls `token` (opaque; equal tokens, equal data).
    pub fn new(token: impl Into<String>) -> Self {
        DataVersion(token.into())
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tells which version of the sales data is current, cheaply, so that a reader can tell a
/// client that its earlier answer still holds without computing it again.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait DataVersions: Send + Sync {
    /// The current version. It changes with every succeeded import when its writes become
    /// visible (not before), and never with a rejected one; a version once replaced never
    /// comes back (not even in a database restored from a backup). A store that remembers the
    /// version may answer the previous one for a moment after another process's import; after
    /// [`forget`](DataVersions::forget), never.
    async fn current_version(&self) -> Result<DataVersion, StoreError>;

    /// The data just changed through this process (an import committed): forget any
    /// remembered version.
    fn forget(&self);
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
    /// Units, revenue and orders per month and product, all locations together.
    MonthlyProductTotals,
    /// The same per calendar year.
    YearlyProductTotals,
    /// Units, revenue and orders per calendar year, location and product.
    YearlyProductSales,
}

impl Rollup {
    /// Every rollup, each before those summed from it.
    pub const ALL: [Rollup; 6] = [
        Rollup::DailySales,
        Rollup::DailyProductSales,
        Rollup::MonthlyProductSales,
        Rollup::MonthlyProductTotals,
        Rollup::YearlyProductTotals,
        Rollup::YearlyProductSales,
    ];

    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Rollup::DailySales => "daily sales",
            Rollup::DailyProductSales => "daily product sales",
            Rollup::MonthlyProductSales => "monthly product sales",
            Rollup::MonthlyProductTotals => "monthly product sales, all locations",
            Rollup::YearlyProductTotals => "yearly product sales, all locations",
            Rollup::YearlyProductSales => "yearly product sales",
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
pub struct RollupSums {
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
    /// The location; `None` for a rollup over all locations.
    pub location: Option<Location>,
    /// The product, for rollups per product.
    pub product_id: Option<ProductId>,
    /// The row stored, if any.
    pub stored: Option<RollupSums>,
    /// The row the orders give, if any.
    pub expected: Option<RollupSums>,
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

/// What a process remembering keys may trust now: see [`KeyChanges`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyWatch {
    /// Every change to the keys, by any process, is heard moments after it commits.
    Listening {
        /// Moves on with each change heard and each moment one may have been missed, and
        /// never comes back: what was looked up while it was `n` holds while it is still `n`.
        heard: u64,
    },
    /// Changes may go unheard (not listening yet, or the connection was lost).
    Deaf,
}

/// Tells of changes to the API keys (a key created, revoked or deleted; not its use), so that
/// a process may remember keys and still refuse a revoked one at once.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait KeyChanges: Send + Sync {
    /// What is heard now (no I/O): a change made through [`ApiKeys`] is heard within a second
    /// of its commit while [`KeyWatch::Listening`].
    fn watch(&self) -> KeyWatch;
}

/// A dashboard session to open: see [`DashboardSessions::open_session`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The digest of the session's token (the browser holds the token).
    pub digest: SessionDigest,
    /// The digest of the key signed in with.
    pub key: KeyDigest,
    /// When it opens.
    pub created_at: DateTime<Utc>,
    /// When it ends unless ended before.
    pub expires_at: DateTime<Utc>,
}

/// The dashboard's sessions: each opened by signing in with an active API key, found by its
/// token's digest while it is open, ended by signing out, by expiring, or by its key's
/// revocation.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait DashboardSessions: Send + Sync {
    /// Opens `session` for the active key whose digest is `session.key`, and forgets sessions
    /// that had expired by `session.created_at`; false (nothing opened) when no active key has
    /// that digest. The key then keeps at most
    /// [`SESSIONS_PER_KEY`](zinc_domain::SESSIONS_PER_KEY) sessions, open or ended: the oldest
    /// others are forgotten (an open one among them admits nobody any more).
    async fn open_session(&self, session: &NewSession) -> Result<bool, StoreError>;

    /// The key of the session whose token has `digest`, when at `now` the session has not
    /// expired nor been ended and its key is still active.
    async fn session_key(
        &self,
        digest: &SessionDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiKey>, StoreError>;

    /// Ends the open session whose token has `digest` at `at` (signing out); false when there
    /// is none.
    async fn end_session(
        &self,
        digest: &SessionDigest,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// What the store says of a watched file's bytes: see [`WatchedFiles::claim`].
pub enum FileClaim {
    /// The bytes are this watcher's to import. No other watcher gets them while the claim is
    /// held: until [`ClaimedFile::release`], until the claim is dropped, or until its holder dies
    /// (a killed watcher's claim is not left behind).
    Claimed(Box<dyn ClaimedFile>),
    /// Another watcher holds the claim now: leave the file for it (or for a later look, should
    /// that watcher die before recording an import).
    Busy,
    /// These bytes were handled already, by this import: one that succeeded (through any door),
    /// or one a watcher recorded, succeeded or rejected.
    Seen(ImportId),
}

impl std::fmt::Debug for FileClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileClaim::Claimed(_) => f.write_str("Claimed"),
            FileClaim::Busy => f.write_str("Busy"),
            FileClaim::Seen(id) => f.debug_tuple("Seen").field(id).finish(),
        }
    }
}

/// A claim on a watched file's bytes, held while they are imported.
#[async_trait]
pub trait ClaimedFile: Send {
    /// Gives the claim up, once the import is recorded (or failed): the next claim of the
    /// same bytes sees that import. Dropping the claim gives it up too, as soon as the store
    /// notices.
    async fn release(self: Box<Self>) -> Result<(), StoreError>;
}

/// Which files dropped into a watched folder were imported, known by their bytes' digest,
/// across restarts and across watchers (processes, servers) sharing the folder: each file is
/// imported once. Implemented by the PostgreSQL adapter and by the in-memory store of
/// `zinc-testkit`; both pass the same contract suite.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait WatchedFiles: Send + Sync {
    /// Claims the file whose bytes have `digest`, to import it: [`FileClaim::Seen`] when an
    /// import of these bytes that counts is already recorded (checked once the claim is held,
    /// so that an import recorded by the claim's previous holder is seen), [`FileClaim::Busy`]
    /// while another watcher holds the claim. An import recorded while holding the claim
    /// is seen by every claim after it.
    async fn claim(&self, digest: &FileDigest) -> Result<FileClaim, StoreError>;
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

/// Where the read replica stands, as last observed (see [`ReplicaStatus`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaState {
    /// Not observed yet (the server just started): reads go to the primary meanwhile.
    Unknown,
    /// Replaying the primary's changes, within the lag bound: reads go to the replica.
    Serving,
    /// Behind the primary by more than the lag bound: reads go to the primary.
    Lagging,
    /// Not answering: reads go to the primary.
    Down,
    /// No longer a standby (promoted): it no longer follows the primary Zinc writes to, so
    /// reads go to the primary.
    Promoted,
}

impl ReplicaState {
    /// The state's name, as readiness and the logs say it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicaState::Unknown => "unknown",
            ReplicaState::Serving => "serving",
            ReplicaState::Lagging => "lagging",
            ReplicaState::Down => "down",
            ReplicaState::Promoted => "promoted",
        }
    }

    /// Whether reads may go to the replica in this state.
    pub fn serves_reads(self) -> bool {
        self == ReplicaState::Serving
    }
}

/// What is known of the read replica: its state and how far behind the primary it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaReport {
    /// Its state.
    pub state: ReplicaState,
    /// How long the oldest change it has not replayed has been on the primary (zero when it
    /// has replayed everything seen there); `None` when it could not be measured.
    pub lag: Option<std::time::Duration>,
    /// How many bytes of the primary's write-ahead log it has not replayed; `None` when it
    /// could not be measured.
    pub lag_bytes: Option<u64>,
    /// Reads sent to the primary instead of the replica since the server started (the replica
    /// not serving, or not having replayed a change this server must see).
    pub fallback_reads: u64,
}

/// The read replica's health, for readiness and metrics. Reads choose between the replica and
/// the primary inside the store; this only tells how that stands.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait ReplicaStatus: Send + Sync {
    /// The last observation (no I/O).
    fn report(&self) -> ReplicaReport;
}
