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
use chrono::{DateTime, Utc};
use thiserror::Error;
use zinc_domain::{ImportId, ImportMode, ImportReport, ProductPrice, Sale, SaleId, SaleLine};

/// Why the store could not do what was asked. None of these is the user's fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The database cannot be reached or stopped answering.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A concurrent writer got in the way (deadlock, serialization failure); trying again may work.
    #[error("a concurrent change got in the way; try again: {0}")]
    Contention(String),
    /// The store holds or returned data that breaks the domain's rules.
    #[error("stored data is inconsistent: {0}")]
    Inconsistent(String),
    /// Anything else the database refused.
    #[error("the database refused the operation: {0}")]
    Failed(String),
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
