//! An in-memory implementation of Zinc's store ports, for tests of the layers above the store
//! and as the reference the PostgreSQL adapter is held to: both pass the same contract suite
//! ([`crate::contract`]).
//!
//! It follows the ports' rules with the domain's own definitions (a sale's fingerprint, a
//! price's [`PriceRank`]), so where the PostgreSQL adapter restates a rule in SQL the suite
//! shows the two agree. Imports write under one lock, as the adapter's advisory lock does, and
//! become visible on commit only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, OwnedMutexGuard};
use zinc_domain::{
    DateBounds, FileDigest, ImportId, ImportReport, ImportSource, ImportStatus, Label,
    LatestPrices, Location, Note, Order, OrderFilter, OrderId, OrderItem, OrderWithItemPage,
    OrderWithItems, Page, Paged, PriceRank, Product, ProductFilter, ProductId, ProductName,
    ProductPrice, REPLACED_SALES_LISTED, RejectFile, RejectedLines, Sale, SaleId, SaleLine,
};
use zinc_ports::{
    ClaimedFile, FileClaim, ImportHistory, ImportSession, ImportStart, OrderBook, ProductCatalog,
    ProductChanges, SaleCursor, SalesArchive, SalesLedger, StagedCounts, StoreError, WatchedFiles,
    WriteOutcome, WriteProgress, WriteStep,
};

/// Products, orders and the record of imports, kept in memory. Clones share one store.
#[derive(Clone, Default)]
pub struct MemoryStore {
    data: Arc<Mutex<Data>>,
    next_import: Arc<std::sync::atomic::AtomicI64>,
    /// The digests of watched files claimed now.
    claims: Arc<std::sync::Mutex<BTreeSet<FileDigest>>>,
}

mod reverts;

#[derive(Clone, Default)]
struct Data {
    products: BTreeMap<ProductName, StoredProduct>,
    orders: BTreeMap<SaleId, StoredOrder>,
    imports: Vec<ImportReport>,
    /// The versions each import (or revert) replaced, by import.
    versions: BTreeMap<ImportId, reverts::Kept>,
    /// The reject file of each recorded import.
    rejected: BTreeMap<ImportId, RejectedLines>,
    next_id: i64,
}

impl Data {
    /// An import's record as read: with the import it reverts and the revert that reverted
    /// it, from the versions kept (as PostgreSQL reads them from `kept_versions`).
    fn record(&self, report: &ImportReport) -> ImportReport {
        let mut record = report.clone();
        record.revert = zinc_domain::RevertLinks {
            reverts: self
                .versions
                .get(&report.id)
                .and_then(|kept| kept.reverted()),
            reverted_by: reverts::reverted_by(self, report.id),
        };
        record
    }
}

#[derive(Clone)]
struct StoredProduct {
    id: ProductId,
    price: zinc_domain::UnitPrice,
    rank: PriceRank,
    /// The import that last wrote it: its version.
    import_id: ImportId,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Clone)]
struct StoredOrder {
    id: OrderId,
    sale: Sale,
    import_id: ImportId,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored sales, by Sale ID.
    pub async fn sales(&self) -> Vec<Sale> {
        let data = self.data.lock().await;
        data.orders.values().map(|o| o.sale.clone()).collect()
    }
}

impl Data {
    fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }
}

#[async_trait]
impl SalesLedger for MemoryStore {
    async fn begin_import(
        &self,
        _start: &ImportStart,
    ) -> Result<Box<dyn ImportSession>, StoreError> {
        let id = self
            .next_import
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        Ok(Box::new(MemorySession {
            store: self.clone(),
            id: ImportId::new(id),
            runs: Vec::new(),
            loose: Vec::new(),
            rejected: BTreeSet::new(),
            unassembled: None,
            writing: None,
        }))
    }
}

struct MemorySession {
    store: MemoryStore,
    id: ImportId,
    /// Sales staged, one entry per run (a Sale ID twice when its lines were scattered).
    runs: Vec<Sale>,
    loose: Vec<SaleLine>,
    rejected: BTreeSet<SaleId>,
    /// Lines handed back by `take_unassembled`, still to hand (reversed: the next at the end).
    unassembled: Option<Vec<SaleLine>>,
    /// The store under the write lock, and the data as this import would leave it.
    writing: Option<(OwnedMutexGuard<Data>, Data)>,
}

impl MemorySession {
    fn staged_sales(&self) -> impl Iterator<Item = &Sale> {
        self.runs
            .iter()
            .filter(|sale| !self.rejected.contains(&sale.sale_id()))
    }
}

#[async_trait]
impl ImportSession for MemorySession {
    fn import_id(&self) -> ImportId {
        self.id
    }

    async fn stage_sales(&mut self, sales: &[Sale]) -> Result<(), StoreError> {
        self.runs.extend_from_slice(sales);
        Ok(())
    }

    async fn stage_loose_lines(&mut self, lines: &[SaleLine]) -> Result<(), StoreError> {
        self.loose.extend_from_slice(lines);
        Ok(())
    }

    async fn reject_sales(&mut self, sales: &[SaleId]) -> Result<(), StoreError> {
        self.rejected.extend(sales.iter().copied());
        Ok(())
    }

    async fn take_unassembled(&mut self, max: usize) -> Result<Vec<SaleLine>, StoreError> {
        if self.unassembled.is_none() {
            let mut runs_per_sale: BTreeMap<SaleId, usize> = BTreeMap::new();
            for sale in &self.runs {
                *runs_per_sale.entry(sale.sale_id()).or_default() += 1;
            }
            let mut whole: BTreeSet<SaleId> = runs_per_sale
                .into_iter()
                .filter(|(_, runs)| *runs > 1)
                .map(|(id, _)| id)
                .collect();
            whole.extend(self.loose.iter().map(|line| line.sale_id));
            whole.retain(|id| !self.rejected.contains(id));
            let mut lines: Vec<SaleLine> = Vec::new();
            self.runs.retain(|sale| {
                let taken = whole.contains(&sale.sale_id());
                if taken {
                    lines.extend_from_slice(sale.lines());
                }
                !taken
            });
            let (taken, kept): (Vec<SaleLine>, Vec<SaleLine>) = std::mem::take(&mut self.loose)
                .into_iter()
                .partition(|line| whole.contains(&line.sale_id));
            self.loose = kept;
            lines.extend(taken);
            lines.sort_by_key(|line| std::cmp::Reverse((line.sale_id, line.line)));
            self.unassembled = Some(lines);
        }
        let pending = self.unassembled.as_mut().expect("set above");
        let at = pending.len().saturating_sub(max.max(1));
        let mut batch = pending.split_off(at);
        batch.reverse();
        Ok(batch)
    }

    async fn staged(&mut self) -> Result<StagedCounts, StoreError> {
        let sales: BTreeSet<SaleId> = self.staged_sales().map(Sale::sale_id).collect();
        Ok(StagedCounts {
            sales: sales.len() as u64,
            lines: self.staged_sales().map(|s| s.lines().len() as u64).sum(),
            rejected_sales: self.rejected.len() as u64,
        })
    }

    async fn write(&mut self, progress: &WriteProgress) -> Result<WriteOutcome, StoreError> {
        let guard = self.store.data.clone().lock_owned().await;
        let mut data = guard.clone();
        let now = Utc::now();
        let mut outcome = WriteOutcome::default();
        let mut changed: Vec<Sale> = Vec::new();
        let mut kept = reverts::Kept::new(now);
        for sale in self.staged_sales() {
            match data.orders.get(&sale.sale_id()) {
                Some(stored) if stored.sale.fingerprint() == sale.fingerprint() => {
                    kept.restated_sale(sale.sale_id(), stored.import_id);
                    outcome.orders.unchanged += 1
                }
                _ => changed.push(sale.clone()),
            }
        }
        changed.sort_by_key(Sale::sale_id);
        progress.step_done(WriteStep::Compare);
        let mut best = LatestPrices::new();
        changed.iter().for_each(|sale| best.observe(sale));
        outcome.products = ProductChanges::default();
        for ProductPrice {
            product: name,
            unit_price: price,
            rank,
        } in best.into_sorted()
        {
            match data.products.get_mut(&name) {
                None => {
                    let id = ProductId::new(data.next_id());
                    kept.wrote_product(&name, self.id, None);
                    data.products.insert(
                        name,
                        StoredProduct {
                            id,
                            price,
                            rank,
                            import_id: self.id,
                            created_at: now,
                            updated_at: now,
                        },
                    );
                    outcome.products.created += 1;
                }
                Some(stored) => {
                    let key = |r: &PriceRank| (r.from_sale, r.date, r.sale_id);
                    let differs = (stored.price, key(&stored.rank)) != (price, key(&rank));
                    if key(&rank) >= key(&stored.rank) && differs {
                        kept.wrote_product(&name, self.id, Some(stored.clone()));
                        stored.import_id = self.id;
                        stored.price = price;
                        stored.rank = rank;
                        stored.updated_at = now;
                        outcome.products.updated += 1;
                    }
                }
            }
        }
        progress.step_done(WriteStep::Products);
        for sale in changed {
            let import_id = self.id;
            kept.wrote_sale(
                sale.sale_id(),
                Some(import_id),
                data.orders.get(&sale.sale_id()).cloned(),
            );
            if let Some(stored) = data.orders.get_mut(&sale.sale_id()) {
                if outcome.replaced.len() < REPLACED_SALES_LISTED {
                    outcome.replaced.push(sale.sale_id());
                }
                stored.sale = sale;
                stored.import_id = import_id;
                stored.updated_at = now;
                outcome.orders.updated += 1;
            } else {
                let id = OrderId::new(data.next_id());
                data.orders.insert(
                    sale.sale_id(),
                    StoredOrder {
                        id,
                        sale,
                        import_id,
                        created_at: now,
                        updated_at: now,
                    },
                );
                outcome.orders.created += 1;
            }
        }
        data.versions.insert(self.id, kept);
        // Orders hold their lines here, and the figures are computed when asked.
        for step in [WriteStep::Orders, WriteStep::Items, WriteStep::Rollups] {
            progress.step_done(step);
        }
        self.writing = Some((guard, data));
        Ok(outcome)
    }

    async fn commit(
        &mut self,
        report: &ImportReport,
        rejected: &RejectedLines,
    ) -> Result<(), StoreError> {
        let (mut guard, mut data) = match self.writing.take() {
            Some(writing) => writing,
            None => {
                let guard = self.store.data.clone().lock_owned().await;
                let data = guard.clone();
                (guard, data)
            }
        };
        data.imports.push(report.clone());
        data.rejected.insert(report.id, rejected.clone());
        *guard = data;
        Ok(())
    }

    async fn abandon(&mut self) -> Result<(), StoreError> {
        self.writing = None;
        Ok(())
    }

    async fn reject(
        &mut self,
        report: &ImportReport,
        rejected: &RejectedLines,
    ) -> Result<(), StoreError> {
        self.writing = None;
        let mut data = self.store.data.lock().await;
        data.imports.push(report.clone());
        data.rejected.insert(report.id, rejected.clone());
        Ok(())
    }
}

fn order(stored: &StoredOrder) -> Order {
    let sale = &stored.sale;
    Order {
        id: stored.id,
        sale_id: sale.sale_id(),
        client_id: sale.client_id(),
        date: sale.date().get(),
        location: sale.location(),
        payment_method: sale.payment_method().map(|l| l.as_str().to_owned()),
        batch_number: sale.batch_number(),
        sales_notes: sale.sales_notes().map(str::to_owned),
        notes: sale.notes().map(|n| n.as_str().to_owned()),
        subtotal: sale.subtotal(),
        discount_percentage: sale.discount_percent(),
        discount_amount: sale.discount_amount(),
        tax: sale.tax(),
        total: sale.total(),
        amount_paid: sale.amount_paid(),
        item_count: sale.lines().len() as u32,
        import_id: stored.import_id,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    }
}

fn page_of<T>(items: Vec<T>, page: Page) -> Paged<T> {
    let total = items.len() as u64;
    let items = items
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .collect();
    Paged { items, total, page }
}

fn product(name: &ProductName, stored: &StoredProduct) -> Product {
    Product {
        id: stored.id,
        name: name.clone(),
        price: stored.price,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    }
}

#[async_trait]
impl ProductCatalog for MemoryStore {
    async fn list_products(
        &self,
        filter: &ProductFilter,
        page: Page,
    ) -> Result<Paged<Product>, StoreError> {
        let data = self.data.lock().await;
        let needle = filter.name_contains.as_deref().map(str::to_lowercase);
        let items = data
            .products
            .iter()
            .filter(|(name, _)| {
                needle
                    .as_deref()
                    .is_none_or(|n| name.as_str().to_lowercase().contains(n))
            })
            .map(|(name, stored)| product(name, stored))
            .collect();
        Ok(page_of(items, page))
    }

    async fn find_product(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        let data = self.data.lock().await;
        Ok(data
            .products
            .iter()
            .find(|(_, stored)| stored.id == id)
            .map(|(name, stored)| product(name, stored)))
    }

    async fn prices_since(
        &self,
        products: &[ProductId],
    ) -> Result<BTreeMap<ProductId, chrono::NaiveDate>, StoreError> {
        let data = self.data.lock().await;
        let mut since = BTreeMap::new();
        for (name, stored) in &data.products {
            if !products.contains(&stored.id) {
                continue;
            }
            // Each item ranked as the import ranks prices, its position breaking ties within
            // a sale (as the adapter's `position`).
            let lines = data.orders.values().flat_map(|order| {
                order
                    .sale
                    .lines()
                    .iter()
                    .enumerate()
                    .filter(|(_, line)| &line.product == name)
                    .map(|(position, line)| {
                        let rank = PriceRank {
                            from_sale: !line.quantity.is_refund(),
                            date: line.date.get(),
                            sale_id: line.sale_id,
                            line: position as u64,
                        };
                        (rank, line.unit_price)
                    })
            });
            if let Some(day) = zinc_domain::price_since(lines) {
                since.insert(stored.id, day);
            }
        }
        Ok(since)
    }
}

#[async_trait]
impl OrderBook for MemoryStore {
    async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: Page,
    ) -> Result<Paged<Order>, StoreError> {
        let data = self.data.lock().await;
        let mut items: Vec<Order> = data
            .orders
            .values()
            .map(order)
            .filter(|o| {
                filter.dates.from().is_none_or(|from| o.date >= from)
                    && filter.dates.to().is_none_or(|to| o.date <= to)
                    && filter.location.is_none_or(|l| o.location == l)
                    && filter.client_id.is_none_or(|c| o.client_id == c)
                    && filter.sale_id.is_none_or(|s| o.sale_id == s)
            })
            .filter(|o| {
                filter.product_id.is_none_or(|wanted| {
                    let stored = &data.orders[&o.sale_id];
                    stored.sale.lines().iter().any(|line| {
                        data.products
                            .get(&line.product)
                            .is_some_and(|product| product.id == wanted)
                    })
                })
            })
            .collect();
        items.sort_by_key(|o| std::cmp::Reverse((o.date, o.sale_id)));
        Ok(page_of(items, page))
    }

    async fn find_order(
        &self,
        id: OrderId,
        items: Page,
    ) -> Result<Option<OrderWithItemPage>, StoreError> {
        let data = self.data.lock().await;
        let Some(stored) = data.orders.values().find(|o| o.id == id) else {
            return Ok(None);
        };
        let whole = with_items(&data, stored)?;
        Ok(Some(OrderWithItemPage {
            order: whole.order,
            items: page_of(whole.items, items),
        }))
    }
}

/// A stored order with its items, in file order.
fn with_items(data: &Data, stored: &StoredOrder) -> Result<OrderWithItems, StoreError> {
    let mut items = Vec::new();
    for (index, line) in stored.sale.lines().iter().enumerate() {
        let product = data.products.get(&line.product).ok_or_else(|| {
            StoreError::Inconsistent(format!("no product {}", line.product).into())
        })?;
        items.push(OrderItem {
            position: index as u32 + 1,
            product_id: product.id,
            product_name: line.product.clone(),
            quantity: line.quantity,
            unit_price: line.unit_price,
            subtotal: line.subtotal,
            discount_percentage: line.discount_percent,
            discount_amount: line.discount_amount,
            tax: line.tax,
            total: line.total,
            amount_paid: line.amount_paid,
            payment_method: line.payment_method.as_ref().map(|l| l.as_str().to_owned()),
            batch_number: line.batch_number,
            sales_notes: line.sales_notes.clone(),
            notes: line.notes.as_ref().map(|n| Note::as_str(n).to_owned()),
            color: line.color.as_ref().map(|l| Label::as_str(l).to_owned()),
            size: line.size.as_ref().map(|l| Label::as_str(l).to_owned()),
        });
    }
    Ok(OrderWithItems {
        order: order(stored),
        items,
    })
}

#[async_trait]
impl SalesArchive for MemoryStore {
    async fn sales_after(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        after: Option<SaleCursor>,
        max: u32,
    ) -> Result<Vec<OrderWithItems>, StoreError> {
        let data = self.data.lock().await;
        let mut chosen: Vec<&StoredOrder> = data
            .orders
            .values()
            .filter(|stored| {
                let (sale, date) = (&stored.sale, stored.sale.date().get());
                dates.from().is_none_or(|from| date >= from)
                    && dates.to().is_none_or(|to| date <= to)
                    && location.is_none_or(|l| sale.location() == l)
                    && after
                        .is_none_or(|after| (date, sale.sale_id()) > (after.date, after.sale_id))
            })
            .collect();
        chosen.sort_by_key(|stored| (stored.sale.date(), stored.sale.sale_id()));
        chosen
            .into_iter()
            .take(max as usize)
            .map(|stored| with_items(&data, stored))
            .collect()
    }
}

#[async_trait]
impl ImportHistory for MemoryStore {
    async fn list_imports(&self, page: Page) -> Result<Paged<ImportReport>, StoreError> {
        let data = self.data.lock().await;
        let mut items: Vec<ImportReport> = data.imports.iter().map(|r| data.record(r)).collect();
        items.sort_by_key(|r| std::cmp::Reverse((r.started_at, r.id)));
        for report in &mut items {
            let total = report.problems.total();
            report.problems = zinc_domain::ProblemLog::restore(Vec::new(), total);
        }
        Ok(page_of(items, page))
    }

    async fn find_import(&self, id: ImportId) -> Result<Option<ImportReport>, StoreError> {
        let data = self.data.lock().await;
        Ok(data
            .imports
            .iter()
            .find(|r| r.id == id)
            .map(|r| data.record(r)))
    }

    async fn rejected_lines(&self, id: ImportId) -> Result<Option<RejectFile>, StoreError> {
        let data = self.data.lock().await;
        Ok(data
            .imports
            .iter()
            .find(|r| r.id == id)
            .map(|report| RejectFile {
                file_name: report.file_name.clone(),
                lines: data.rejected.get(&id).cloned().unwrap_or_default(),
            }))
    }
}

#[async_trait]
impl WatchedFiles for MemoryStore {
    async fn claim(&self, digest: &FileDigest) -> Result<FileClaim, StoreError> {
        if !self.claims_now().insert(digest.clone()) {
            return Ok(FileClaim::Busy);
        }
        let claim = MemoryClaim {
            claims: self.claims.clone(),
            digest: digest.clone(),
        };
        let data = self.data.lock().await;
        let seen = data
            .imports
            .iter()
            .filter(|report| report.sha256 == digest.as_str())
            .filter(|report| {
                report.status == ImportStatus::Succeeded
                    || report.source == Some(ImportSource::Watch)
            })
            .max_by_key(|report| (report.status == ImportStatus::Succeeded, report.id));
        Ok(match seen {
            Some(report) => FileClaim::Seen(report.id),
            None => FileClaim::Claimed(Box::new(claim)),
        })
    }
}

impl MemoryStore {
    fn claims_now(&self) -> std::sync::MutexGuard<'_, BTreeSet<FileDigest>> {
        // A panic while holding this lock leaves the set as it was: keep using it.
        self.claims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A claim on a watched file's digest, given up when released or dropped.
struct MemoryClaim {
    claims: Arc<std::sync::Mutex<BTreeSet<FileDigest>>>,
    digest: FileDigest,
}

#[async_trait]
impl ClaimedFile for MemoryClaim {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        Ok(()) // Dropped here.
    }
}

impl Drop for MemoryClaim {
    fn drop(&mut self) {
        self.claims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.digest);
    }
}
