//! Taking an import back: the versions an import replaced are kept, so that a revert puts them
//! back and removes what the import created (see [`ImportReverts`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;
use zinc_domain::{ImportId, ImportSource, KeyName, ProductName, SaleId};

use crate::StoreError;

/// How many conflicting sales a refusal lists (and how many later imports for each).
pub const CONFLICTS_LISTED: usize = 20;

/// How many of the sales a revert changes a plan lists.
pub const REVERTED_SALES_LISTED: usize = 100;

/// The file name a revert of `import` has in the import history.
pub fn revert_name(import: ImportId) -> String {
    format!("revert of import {import}")
}

/// What reverting an import changes (or changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertPlan {
    /// The import reverted.
    pub import: ImportId,
    /// Sales put back as they were before the import.
    pub orders_restored: u64,
    /// Sales the import created, removed with their items.
    pub orders_removed: u64,
    /// Products whose price (and the sale it came from) goes back to what it was.
    pub products_restored: u64,
    /// Products the import created that nothing uses any more, removed.
    pub products_removed: u64,
    /// The Sale IDs changed: the first [`REVERTED_SALES_LISTED`], by Sale ID.
    pub sales: Vec<SaleId>,
}

/// Who asks for a revert, through which door, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertRequest {
    /// The API key that asked (`None` from the command line, or an open API).
    pub requested_by: Option<KeyName>,
    /// Which door it came through.
    pub source: ImportSource,
    /// When it was asked.
    pub at: DateTime<Utc>,
}

/// A revert done: what it changed, and the record it left in the import history (itself an
/// import that can be reverted, putting back what the revert replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertOutcome {
    /// The revert's own record in the import history.
    pub revert: ImportId,
    /// What it changed.
    pub plan: RevertPlan,
}

/// A sale the import wrote that later imports (or reverts) changed since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleConflict {
    /// The sale.
    pub sale_id: SaleId,
    /// The later imports that wrote it, or restated it unchanged and are in effect, oldest
    /// first (at most [`CONFLICTS_LISTED`]).
    pub touched_by: Vec<ImportId>,
}

/// Why an import's versions cannot be put back.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotRevertible {
    /// The import was rejected: it wrote nothing.
    #[error("it was rejected and changed nothing")]
    Rejected,
    /// The import ran before Zinc kept replaced versions.
    #[error("it ran before Zinc kept the versions imports replace")]
    Unversioned,
    /// A price it would put back came from an import reverted since: putting it back would
    /// bring that import's price back too.
    #[error(
        "the price it replaced for a product came from import {0}, reverted since; import the files in effect again instead"
    )]
    PriceFromReverted(ImportId),
    /// A product it would put back is gone, and a product created since holds its name: the
    /// two cannot both be stored.
    #[error("{}", name_taken(.product, *.holder))]
    NameTaken {
        /// The product it would put back.
        product: ProductName,
        /// The import in effect whose data holds the name now: the one that last wrote the
        /// product holding it, else the latest whose stored sales hold that product; `None`
        /// when no import in effect does (the product stays for a kept copy, say).
        holder: Option<ImportId>,
    },
    /// The versions it replaced were deleted after the retention period.
    #[error("the versions it replaced were pruned on {0} (kept for ZINC_REPLACED_KEEP_DAYS)")]
    Pruned(DateTime<Utc>),
    /// It is a revert, and the versions of the import it reverted were deleted after the
    /// retention period: putting that import back in effect needs them (the sales it
    /// restated unchanged must still be as it found them).
    #[error(
        "it reverted import {import}, whose versions were pruned on {at} (kept for ZINC_REPLACED_KEEP_DAYS): that import cannot be put back in effect"
    )]
    RevertedPruned {
        /// The import it reverted.
        import: ImportId,
        /// When that import's versions were pruned.
        at: DateTime<Utc>,
    },
}

/// Why a revert putting back `product` is refused while `holder` holds its name.
fn name_taken(product: &ProductName, holder: Option<ImportId>) -> String {
    match holder {
        Some(holder) => format!(
            "it would put back product \"{product}\", whose name a product written by import {holder} holds now; revert import {holder} (and any later import of {product}) first, or import the files in effect again instead"
        ),
        None => format!(
            "it would put back product \"{product}\", whose name a product no import in effect holds now; import the files in effect again instead"
        ),
    }
}

/// Why a revert was refused or failed.
#[derive(Debug, Error)]
pub enum RevertError {
    /// No import has this number.
    #[error("there is no import {0}")]
    UnknownImport(ImportId),
    /// The import cannot be reverted.
    #[error("import {0} cannot be reverted: {1}")]
    NotRevertible(ImportId, #[source] NotRevertible),
    /// The import was reverted already.
    #[error("import {import} was already reverted by import {by}")]
    AlreadyReverted {
        /// The import.
        import: ImportId,
        /// The revert's record.
        by: ImportId,
    },
    /// Later imports changed some of the same sales: reverting would undo their work too.
    #[error("later imports changed {total} of the sales import {import} wrote")]
    Conflict {
        /// The import.
        import: ImportId,
        /// The first [`CONFLICTS_LISTED`] conflicting sales, by Sale ID.
        conflicts: Vec<SaleConflict>,
        /// How many sales conflict in all.
        total: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What pruning deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrunedVersions {
    /// Imports whose versions were deleted: they can no longer be reverted.
    pub imports: u64,
    /// Rows deleted (orders, items and products kept, and the notes of what was written).
    pub rows: u64,
}

/// Reverts imports. Implemented by the PostgreSQL adapter and by the in-memory store of
/// `zinc-testkit`; both pass the same contract suite.
///
/// A revert puts back exactly the versions the import replaced and removes what it created
/// (products too, when nothing uses them any more), with the figures, in one transaction
/// under the lock imports write under; it is recorded as an import of its own, which can be
/// reverted in turn. It refuses when a later import changed any of the same sales.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ImportReverts: Send + Sync {
    /// What reverting `import` would change, or why it would be refused; writes nothing.
    async fn plan_revert(&self, import: ImportId) -> Result<RevertPlan, RevertError>;

    /// Reverts `import`.
    async fn revert(
        &self,
        import: ImportId,
        request: &RevertRequest,
    ) -> Result<RevertOutcome, RevertError>;

    /// Deletes the versions kept for imports that finished before `before`; those imports can
    /// no longer be reverted.
    async fn prune_versions(&self, before: DateTime<Utc>) -> Result<PrunedVersions, StoreError>;
}

/// A shared reverter reverts (the web server holds one behind an `Arc`).
#[async_trait]
impl<T: ImportReverts + ?Sized> ImportReverts for std::sync::Arc<T> {
    async fn plan_revert(&self, import: ImportId) -> Result<RevertPlan, RevertError> {
        (**self).plan_revert(import).await
    }

    async fn revert(
        &self,
        import: ImportId,
        request: &RevertRequest,
    ) -> Result<RevertOutcome, RevertError> {
        (**self).revert(import, request).await
    }

    async fn prune_versions(&self, before: DateTime<Utc>) -> Result<PrunedVersions, StoreError> {
        (**self).prune_versions(before).await
    }
}
