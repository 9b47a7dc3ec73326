//! [`ImportReverts`] in memory: the versions each import replaced, kept beside the data, and
//! put back under the store's one lock, as the PostgreSQL adapter does under its advisory lock.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use zinc_domain::{
    ImportCounts, ImportId, ImportMode, ImportReport, ImportStatus, ProblemLog, ProductName,
    RejectedLineCounts, RejectedLines, SaleId,
};
use zinc_ports::{
    CONFLICTS_LISTED, ImportReverts, NotRevertible, PrunedVersions, REVERTED_SALES_LISTED,
    RevertError, RevertOutcome, RevertPlan, RevertRequest, SaleConflict, StoreError, revert_name,
};

use super::{Data, MemoryStore, StoredOrder, StoredProduct};

/// What one import (or revert) wrote, and the versions it replaced.
#[derive(Clone)]
pub(super) struct Kept {
    /// The import a revert reverted.
    reverts: Option<ImportId>,
    kept_at: DateTime<Utc>,
    pruned_at: Option<DateTime<Utc>>,
    sales: BTreeMap<SaleId, Written<StoredOrder>>,
    products: BTreeMap<ProductName, Written<StoredProduct>>,
    /// The sales it stated unchanged, with the version it found.
    restated: BTreeMap<SaleId, ImportId>,
}

/// A record written: the version left (`None`: none), and the one replaced (`None`: none).
#[derive(Clone)]
struct Written<T> {
    left: Option<ImportId>,
    replaced: Option<T>,
}

impl Kept {
    pub(super) fn new(at: DateTime<Utc>) -> Kept {
        Kept {
            reverts: None,
            kept_at: at,
            pruned_at: None,
            sales: BTreeMap::new(),
            products: BTreeMap::new(),
            restated: BTreeMap::new(),
        }
    }

    /// Notes a sale stated unchanged, found at `version`.
    pub(super) fn restated_sale(&mut self, sale: SaleId, version: ImportId) {
        self.restated.insert(sale, version);
    }

    pub(super) fn wrote_sale(
        &mut self,
        sale: SaleId,
        left: Option<ImportId>,
        replaced: Option<StoredOrder>,
    ) {
        self.sales.insert(sale, Written { left, replaced });
    }

    pub(super) fn wrote_product(
        &mut self,
        name: &ProductName,
        left: ImportId,
        replaced: Option<StoredProduct>,
    ) {
        self.products.insert(
            name.clone(),
            Written {
                left: Some(left),
                replaced,
            },
        );
    }
}

/// What a revert of an import does, worked out from the data under the lock.
struct Reverting {
    plan: RevertPlan,
    /// The products to put back (their stored version is the one the import left, or gone).
    restored_products: Vec<ProductName>,
    /// The products the import created that nothing would use.
    unused_products: Vec<ProductName>,
}

/// Refuses unless `import` can be reverted now; else what its revert does.
fn check_and_plan(data: &Data, import: ImportId) -> Result<Reverting, RevertError> {
    let report = data
        .imports
        .iter()
        .find(|r| r.id == import)
        .ok_or(RevertError::UnknownImport(import))?;
    if report.status == ImportStatus::Rejected {
        return Err(RevertError::NotRevertible(import, NotRevertible::Rejected));
    }
    if let Some((by, _)) = data
        .versions
        .iter()
        .find(|(_, kept)| kept.reverts == Some(import))
    {
        return Err(RevertError::AlreadyReverted { import, by: *by });
    }
    let kept = data
        .versions
        .get(&import)
        .ok_or(RevertError::NotRevertible(
            import,
            NotRevertible::Unversioned,
        ))?;
    if let Some(at) = kept.pruned_at {
        return Err(RevertError::NotRevertible(
            import,
            NotRevertible::Pruned(at),
        ));
    }
    // Reverting a revert puts its import back in effect: that needs the import's versions.
    if let Some(reverted) = kept.reverts
        && let Some(at) = data.versions.get(&reverted).and_then(|k| k.pruned_at)
    {
        return Err(RevertError::NotRevertible(
            import,
            NotRevertible::RevertedPruned {
                import: reverted,
                at,
            },
        ));
    }
    let version = |sale: &SaleId| data.orders.get(sale).map(|o| o.import_id);
    let later = |than: ImportId| data.versions.range(ImportId::new(than.get() + 1)..);
    // The later imports in effect that restated each sale.
    let restating = |sale: &SaleId| -> BTreeSet<ImportId> {
        later(import)
            .filter(|(id, kept)| kept.restated.contains_key(sale) && in_effect(data, **id, None))
            .map(|(id, _)| *id)
            .collect()
    };
    // Each conflicting sale with the imports after `since` that changed or hold it.
    let mut conflicting: BTreeMap<SaleId, BTreeSet<ImportId>> = BTreeMap::new();
    let wrote_since = |sale: &SaleId, since: ImportId| -> BTreeSet<ImportId> {
        later(since)
            .filter(|(_, kept)| kept.sales.contains_key(sale))
            .map(|(id, _)| *id)
            .collect()
    };
    for (sale, written) in &kept.sales {
        let holding = restating(sale);
        if version(sale) != written.left || !holding.is_empty() {
            let mut touched = wrote_since(sale, import);
            touched.extend(holding);
            conflicting.insert(*sale, touched);
        }
    }
    // Reverting a revert puts its import back in effect: the sales it restated must still be
    // at the version it found.
    if let Some(restored) = kept.reverts
        && let Some(theirs) = data.versions.get(&restored)
    {
        for (sale, found) in &theirs.restated {
            if version(sale) != Some(*found) {
                conflicting
                    .entry(*sale)
                    .or_default()
                    .extend(wrote_since(sale, restored));
            }
        }
    }
    if !conflicting.is_empty() {
        let conflicts = conflicting
            .iter()
            .take(CONFLICTS_LISTED)
            .map(|(sale, touched)| SaleConflict {
                sale_id: *sale,
                touched_by: touched.iter().take(CONFLICTS_LISTED).copied().collect(),
            })
            .collect();
        return Err(RevertError::Conflict {
            import,
            conflicts,
            total: conflicting.len() as u64,
        });
    }
    let mut plan = RevertPlan {
        import,
        orders_restored: 0,
        orders_removed: 0,
        products_restored: 0,
        products_removed: 0,
        sales: kept
            .sales
            .keys()
            .take(REVERTED_SALES_LISTED)
            .copied()
            .collect(),
    };
    for (sale, written) in &kept.sales {
        if written.replaced.is_some() {
            plan.orders_restored += 1;
        } else if data.orders.contains_key(sale) {
            plan.orders_removed += 1;
        }
    }
    let holds = |order: &StoredOrder, name: &ProductName| {
        order.sale.lines().iter().any(|line| &line.product == name)
    };
    let (mut restored_products, mut unused_products) = (Vec::new(), Vec::new());
    for (name, written) in &kept.products {
        let stored = data.products.get(name);
        if stored.is_some_and(|p| Some(p.import_id) != written.left) {
            continue;
        }
        if let Some(previous) = &written.replaced {
            if !in_effect(data, previous.import_id, Some(import)) {
                return Err(RevertError::NotRevertible(
                    import,
                    NotRevertible::PriceFromReverted(previous.import_id),
                ));
            }
            restored_products.push(name.clone());
        } else if stored.is_some() {
            let used_elsewhere = data
                .orders
                .iter()
                .any(|(sale, order)| !kept.sales.contains_key(sale) && holds(order, name));
            // A kept copy a revert could put back without putting this import back in effect
            // first: its own, and those of a later import not reverted that wrote none of its
            // sales and kept no copy of the product (it would put it back itself); pruned
            // ones hold none.
            let used_again = std::iter::once(kept)
                .chain(
                    later(import)
                        .filter(|(id, theirs)| {
                            reverted_by(data, **id).is_none()
                                && theirs.sales.keys().all(|s| !kept.sales.contains_key(s))
                                && theirs
                                    .products
                                    .get(name)
                                    .is_none_or(|w| w.replaced.is_none())
                        })
                        .map(|(_, theirs)| theirs),
                )
                .flat_map(|kept| kept.sales.values())
                .filter_map(|written| written.replaced.as_ref())
                .any(|order| holds(order, name));
            if !used_elsewhere && !used_again {
                unused_products.push(name.clone());
            }
        }
    }
    // A product it would put back, gone since, whose name a product created since holds.
    for (name, written) in &kept.products {
        if let (Some(stored), Some(previous)) = (data.products.get(name), &written.replaced)
            && stored.id != previous.id
        {
            return Err(RevertError::NotRevertible(
                import,
                NotRevertible::NameTaken {
                    product: name.clone(),
                    holder: name_holder(data, name, stored),
                },
            ));
        }
    }
    plan.products_restored = restored_products.len() as u64;
    plan.products_removed = unused_products.len() as u64;
    Ok(Reverting {
        plan,
        restored_products,
        unused_products,
    })
}

/// The import in effect whose data holds `name` (stored as `product`): the one that last
/// wrote the product, else the latest whose stored sales hold it, else none.
fn name_holder(data: &Data, name: &ProductName, product: &StoredProduct) -> Option<ImportId> {
    let written_by = product.import_id;
    if data.imports.iter().any(|r| r.id == written_by) && in_effect(data, written_by, None) {
        return Some(written_by);
    }
    data.orders
        .values()
        .filter(|order| order.sale.lines().iter().any(|line| &line.product == name))
        .map(|order| order.import_id)
        .max()
}

/// The revert that reverted import `id`, if any.
pub(super) fn reverted_by(data: &Data, id: ImportId) -> Option<ImportId> {
    data.versions
        .iter()
        .find(|(_, kept)| kept.reverts == Some(id))
        .map(|(revert, _)| *revert)
}

/// Whether import `id` is in effect: not reverted, or reverted by a revert not in effect;
/// with `leaving_out`, as if that revert were reverted (taken as done).
fn in_effect(data: &Data, id: ImportId, leaving_out: Option<ImportId>) -> bool {
    match reverted_by(data, id) {
        None => true,
        Some(revert) if Some(revert) == leaving_out => true,
        Some(revert) => !in_effect(data, revert, leaving_out),
    }
}

/// Reverts `import` as revert `by` in `data`: keeps what it replaces as `by`'s versions and
/// puts back the import's.
fn apply(
    data: &mut Data,
    import: ImportId,
    by: ImportId,
    reverting: &Reverting,
    at: DateTime<Utc>,
) {
    let theirs = data.versions[&import].clone();
    let mut mine = Kept::new(at);
    mine.reverts = Some(import);
    for (sale, written) in &theirs.sales {
        let current = data.orders.remove(sale);
        mine.wrote_sale(
            *sale,
            written.replaced.as_ref().map(|o| o.import_id),
            current,
        );
        if let Some(order) = &written.replaced {
            data.orders.insert(*sale, order.clone());
        }
    }
    for name in &reverting.restored_products {
        let previous = theirs.products[name].replaced.clone();
        let current = data.products.remove(name);
        mine.products.insert(
            name.clone(),
            Written {
                left: previous.as_ref().map(|p| p.import_id),
                replaced: current,
            },
        );
        if let Some(product) = previous {
            data.products.insert(name.clone(), product);
        }
    }
    for name in &reverting.unused_products {
        let current = data.products.remove(name);
        mine.products.insert(
            name.clone(),
            Written {
                left: None,
                replaced: current,
            },
        );
    }
    data.versions.insert(by, mine);
}

#[async_trait]
impl ImportReverts for MemoryStore {
    async fn plan_revert(&self, import: ImportId) -> Result<RevertPlan, RevertError> {
        let data = self.data.lock().await;
        check_and_plan(&data, import).map(|reverting| reverting.plan)
    }

    async fn revert(
        &self,
        import: ImportId,
        request: &RevertRequest,
    ) -> Result<RevertOutcome, RevertError> {
        let mut data = self.data.lock().await;
        let reverting = check_and_plan(&data, import)?;
        let by = ImportId::new(
            self.next_import
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1,
        );
        // Kept now, as an import's versions are (not when asked): pruning goes by it.
        apply(&mut data, import, by, &reverting, Utc::now());
        let plan = reverting.plan;
        data.imports.push(ImportReport {
            id: by,
            file_name: revert_name(import),
            sha256: String::new(),
            mode: ImportMode::Strict,
            status: ImportStatus::Succeeded,
            counts: ImportCounts {
                orders_updated: plan.orders_restored,
                products_updated: plan.products_restored,
                orders_removed: plan.orders_removed,
                products_removed: plan.products_removed,
                ..ImportCounts::default()
            },
            problems: ProblemLog::new(),
            started_at: request.at,
            finished_at: Utc::now(),
            requested_by: request.requested_by.clone(),
            source: Some(request.source),
            dry_run: false,
            replaced_sales: Vec::new(),
            rejected_lines: RejectedLineCounts::default(),
            revert: zinc_domain::RevertLinks {
                reverts: Some(plan.import),
                reverted_by: None,
            },
        });
        data.rejected.insert(by, RejectedLines::new(b""));
        Ok(RevertOutcome { revert: by, plan })
    }

    async fn prune_versions(&self, before: DateTime<Utc>) -> Result<PrunedVersions, StoreError> {
        let mut data = self.data.lock().await;
        let now = Utc::now();
        let mut pruned = PrunedVersions::default();
        for kept in data.versions.values_mut() {
            if kept.pruned_at.is_none() && kept.kept_at < before {
                kept.pruned_at = Some(now);
                pruned.imports += 1;
                pruned.rows += (kept.sales.len()
                    + kept.products.len()
                    + kept.sales.values().filter(|w| w.replaced.is_some()).count()
                    + kept
                        .products
                        .values()
                        .filter(|w| w.replaced.is_some())
                        .count()
                    + kept.restated.len()) as u64;
                kept.sales.clear();
                kept.products.clear();
                kept.restated.clear();
            }
        }
        Ok(pruned)
    }
}

impl Kept {
    /// The import a revert reverted (`None` for an import of a file).
    pub(super) fn reverted(&self) -> Option<ImportId> {
        self.reverts
    }
}
