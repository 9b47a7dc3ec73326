//! [`ImportReverts`] on PostgreSQL: an import's kept versions put back in one transaction,
//! under the lock imports write under ([`WRITE_LOCK_KEY`]), with the figures of every day
//! touched; the revert is recorded as an import whose own kept versions are what it replaced.
//!
//! A sale's version is the `import_id` of its stored order (an import writes it, a revert puts
//! back a copy whole), so the version an import left (`written_sales.left_version`) compared
//! with the stored one says whether anything wrote the sale since.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, AssertSqlSafe, Postgres, Transaction};
use sea_orm::{QueryResult, Statement};
use tracing::instrument;
use zinc_domain::{
    ImportCounts, ImportId, ImportMode, ImportReport, ImportStatus, ProblemLog, ProductName,
    RejectedLineCounts, RejectedLines, SaleId,
};
use zinc_ports::{
    CONFLICTS_LISTED, ImportReverts, ImportStart, NotRevertible, PrunedVersions,
    REVERTED_SALES_LISTED, RevertError, RevertOutcome, RevertPlan, RevertRequest, SaleConflict,
    StoreError, revert_name,
};

use super::history::{RESTATED_SALES, block_notes, note_written};
use super::{PostgresLedger, record_and_commit};
use crate::database::{BulkBound, WRITE_LOCK_KEY};
use crate::error::{Inconsistency, sqlx_error, within};
use crate::imports;
use crate::rollups;
use crate::sql::{Fixed, get, on_sqlx};

/// The import `$1`: its status, whether its versions are kept (and when pruned), the revert
/// that reverted it, and when it is a revert, the import it reverted and when that import's
/// versions were pruned.
const STANDING: Fixed<1> = Fixed::new(
    "SELECT i.status, k.import_id IS NOT NULL AS kept, k.pruned_at,
       (SELECT r.import_id FROM kept_versions r WHERE r.reverts = i.id) AS reverted_by,
       k.reverts,
       (SELECT t.pruned_at FROM kept_versions t WHERE t.import_id = k.reverts)
         AS reverted_pruned_at
     FROM imports i LEFT JOIN kept_versions k ON k.import_id = i.id WHERE i.id = $1",
);

/// The chain of reverts from each import `seeds` selects (one column): the common table
/// expression `chain (origin, id, depth)`, each revert of a link one deeper, leaving out the
/// revert `leaving_out` (taken as done) when given. Goes after `WITH RECURSIVE`; an origin is
/// in effect when its deepest link is at an even depth ([`IN_EFFECT`]).
fn revert_chain(seeds: &str, leaving_out: Option<i64>) -> String {
    let leaving_out = leaving_out
        .map(|revert| format!(" AND k.import_id <> {revert}"))
        .unwrap_or_default();
    format!(
        "chain (origin, id, depth) AS (
           SELECT s.import_id, s.import_id, 0 FROM ({seeds}) s (import_id)
           UNION ALL
           SELECT c.origin, k.import_id, c.depth + 1 FROM chain c
           JOIN kept_versions k ON k.reverts = c.id{leaving_out})"
    )
}

/// Of [`revert_chain`]'s origins grouped by `origin`: those in effect (not reverted, or
/// reverted by a revert not in effect: an even number of reverts along the chain).
const IN_EFFECT: &str = "max(depth) % 2 = 0";

/// The sales a revert of `import` would undo the work of later imports on, the first of them
/// with the later imports that wrote or hold each:
/// - the sales it wrote that something wrote since (their stored version is not the one it
///   left);
/// - the sales it wrote that a later import in effect restated unchanged (an import is in
///   effect unless reverted by a revert in effect: along the chain of reverts, an even number
///   of them);
/// - when it is a revert, the sales the import it reverts restated unchanged whose version
///   changed since: putting that import back in effect would have it state them again.
fn conflicts(import: i64) -> String {
    format!(
        "WITH RECURSIVE
         restating AS (
           SELECT ws.sale_id, rs.import_id FROM written_sales ws
           JOIN restated_sale_blocks rs ON {holds} AND rs.import_id > {import}
           WHERE ws.import_id = {import}),
         {chain},
         holding AS (
           SELECT r.sale_id, r.import_id FROM restating r
           WHERE r.import_id IN (SELECT origin FROM chain GROUP BY origin
                                 HAVING {IN_EFFECT})),
         changed_since AS (
           SELECT rs.sale_id, rs.import_id AS since FROM kept_versions k
           JOIN ({RESTATED_SALES}) rs ON rs.import_id = k.reverts
           LEFT JOIN orders o ON o.sale_id = rs.sale_id
           WHERE k.import_id = {import} AND o.import_id IS DISTINCT FROM rs.version),
         c AS (
           SELECT ws.sale_id, {import} AS since FROM written_sales ws
           LEFT JOIN orders o ON o.sale_id = ws.sale_id
           WHERE ws.import_id = {import}
             AND (o.import_id IS DISTINCT FROM ws.left_version
                  OR ws.sale_id IN (SELECT sale_id FROM holding))
           UNION ALL SELECT sale_id, since FROM changed_since)
         SELECT (SELECT count(DISTINCT sale_id) FROM c) AS total, c.sale_id,
           ARRAY(SELECT t.import_id FROM
                   (SELECT w.import_id FROM written_sale_blocks w
                    WHERE {writes} AND w.import_id > min(c.since)
                    UNION SELECT h.import_id FROM holding h WHERE h.sale_id = c.sale_id) t
                 ORDER BY t.import_id LIMIT {CONFLICTS_LISTED}) AS touched_by
         FROM c GROUP BY c.sale_id ORDER BY c.sale_id LIMIT {CONFLICTS_LISTED}",
        chain = revert_chain("SELECT DISTINCT import_id FROM restating", None),
        holds = block_notes("rs", "ws.sale_id"),
        writes = block_notes("w", "c.sale_id"),
    )
}

/// An import not in effect, whose price of a product the revert of `import` would put back.
/// An import is in effect unless reverted by a revert in effect (along the chain of reverts,
/// an even number of them); the revert of `import` itself is left out of the chain, as one
/// done: reverting a revert puts back prices of the import it reverted.
fn price_from_reverted(import: i64) -> String {
    format!(
        "WITH RECURSIVE
         putting_back AS (
           SELECT DISTINCT r.import_id FROM written_products wp
           JOIN replaced_products r ON r.replaced_by = wp.import_id AND r.id = wp.product_id
           JOIN products p ON p.id = wp.product_id
           WHERE wp.import_id = {import} AND p.import_id IS NOT DISTINCT FROM wp.left_version),
         {chain}
         SELECT origin AS import_id FROM chain GROUP BY origin HAVING NOT ({IN_EFFECT})
         ORDER BY origin LIMIT 1",
        chain = revert_chain("SELECT import_id FROM putting_back", Some(import)),
    )
}

/// A product the revert of `import` would put back that is gone, whose name a product stored
/// now holds (by name in byte order, as the in-memory store lists them), with the one holding
/// it and the import that last wrote that one.
fn name_taken(import: i64) -> String {
    format!(
        "SELECT r.name, p.id AS product_id, p.import_id FROM written_products wp
         JOIN replaced_products r ON r.replaced_by = wp.import_id AND r.id = wp.product_id
         JOIN products p ON p.name = r.name AND p.id <> r.id
         WHERE wp.import_id = {import}
         ORDER BY r.name COLLATE \"C\" LIMIT 1"
    )
}

/// The import in effect whose data holds product `product` (last written by import
/// `written_by`): that import when in effect (along the chain of reverts, an even number of
/// them), else the latest whose stored orders hold the product, else none (NULL).
fn name_holder(product: i64, written_by: i64) -> String {
    format!(
        "WITH RECURSIVE {chain}
         SELECT CASE WHEN (SELECT {IN_EFFECT} FROM chain) THEN {written_by}
           ELSE (SELECT max(o.import_id) FROM order_items i JOIN orders o ON o.id = i.order_id
                 WHERE i.product_id = {product}) END AS holder",
        chain = revert_chain(
            &format!("SELECT id FROM imports WHERE id = {written_by}"),
            None
        ),
    )
}

/// The sales and products a revert of `import` changes, in temporary tables:
/// `zinc_reverting` (each sale written, its stored order and the version put back, if any)
/// and `zinc_reverting_products` (each product whose stored version is the one the import left,
/// or that is gone: restored when a version was kept, else removed when nothing uses it: no
/// order but those reverted, and no kept copy of an order that a revert could put back
/// without first putting this import back in effect: its own copies, and those of a later
/// import not reverted that wrote none of its sales (one that did is refused until this
/// revert is reverted, which puts the product back) and kept no copy of the product (one
/// that did puts it back itself when it is gone).
fn reverting(import: i64) -> String {
    format!(
        "CREATE TEMPORARY TABLE zinc_reverting ON COMMIT DROP AS
           SELECT ws.sale_id, o.id AS order_id, o.date AS old_date, o.location AS old_location,
             r.sale_id IS NOT NULL AS restored, r.import_id AS restored_version,
             r.date, r.location
           FROM written_sales ws
           LEFT JOIN orders o ON o.sale_id = ws.sale_id
           LEFT JOIN replaced_orders r ON r.replaced_by = ws.import_id AND r.sale_id = ws.sale_id
           WHERE ws.import_id = {import};
         ANALYZE zinc_reverting;
         CREATE TEMPORARY TABLE zinc_reverting_products ON COMMIT DROP AS
           SELECT wp.product_id, p.id IS NOT NULL AS present,
             r.id IS NOT NULL AS restored, r.import_id AS restored_version
           FROM written_products wp
           LEFT JOIN products p ON p.id = wp.product_id
           LEFT JOIN replaced_products r ON r.replaced_by = wp.import_id AND r.id = wp.product_id
           WHERE wp.import_id = {import}
             AND (p.id IS NULL OR p.import_id IS NOT DISTINCT FROM wp.left_version);
         CREATE TEMPORARY TABLE zinc_unused_products ON COMMIT DROP AS
           SELECT z.product_id FROM zinc_reverting_products z
           WHERE z.present AND NOT z.restored
             AND NOT EXISTS (SELECT 1 FROM order_items i JOIN orders o ON o.id = i.order_id
                             WHERE i.product_id = z.product_id
                               AND o.sale_id NOT IN (SELECT sale_id FROM zinc_reverting))
             AND NOT EXISTS (SELECT 1 FROM replaced_order_items i
                             JOIN kept_versions k ON k.import_id = i.replaced_by
                             WHERE i.product_id = z.product_id AND k.pruned_at IS NULL
                               AND (k.import_id = {import}
                                    OR (k.import_id > {import}
                                        AND NOT EXISTS (SELECT 1 FROM kept_versions r
                                                        WHERE r.reverts = k.import_id)
                                        AND NOT EXISTS (SELECT 1 FROM written_sales w
                                                        JOIN zinc_reverting zr
                                                          ON zr.sale_id = w.sale_id
                                                        WHERE w.import_id = k.import_id)
                                        AND NOT EXISTS (SELECT 1 FROM replaced_products rp
                                                        WHERE rp.replaced_by = k.import_id
                                                          AND rp.id = z.product_id))))"
    )
}

/// What the temporary tables of [`reverting`] say the revert changes.
const PLAN_COUNTS: &str = "SELECT
    (SELECT count(*) FROM zinc_reverting WHERE restored) AS orders_restored,
    (SELECT count(*) FROM zinc_reverting WHERE NOT restored AND order_id IS NOT NULL)
      AS orders_removed,
    (SELECT count(*) FROM zinc_reverting_products WHERE restored) AS products_restored,
    (SELECT count(*) FROM zinc_unused_products) AS products_removed";

/// The first sales a revert changes.
fn listed_sales() -> String {
    format!("SELECT sale_id FROM zinc_reverting ORDER BY sale_id LIMIT {REVERTED_SALES_LISTED}")
}

/// The columns of `products` a revert writes back (every one but `id`).
const PRODUCT_COLUMNS: &str = "name, price, price_sale_id, price_sale_date, price_from_refund, created_at, updated_at, import_id";

/// A row of `table` from a kept copy `r` (every column but `replaced_by`).
fn from_copy(table: &str) -> String {
    format!("(jsonb_populate_record(NULL::{table}, to_jsonb(r) - 'replaced_by')).*")
}

/// Reverts `import` as revert `by`: keeps what it replaces as `by`'s versions, puts back the
/// kept versions, removes the rest, and refreshes the figures of the days touched.
fn apply(import: i64, by: i64) -> Vec<String> {
    let product_copy = from_copy("products");
    vec![
        // Kept as of now, under the lock (not when the transaction began, maybe before the
        // import it reverts was written): pruning goes by it.
        format!(
            "INSERT INTO kept_versions (import_id, reverts, kept_at)
             VALUES ({by}, {import}, clock_timestamp())"
        ),
        // What the revert replaces, kept as its own versions.
        format!(
            "{note_written};
             INSERT INTO replaced_orders SELECT {by}, o.* FROM orders o
               JOIN zinc_reverting z ON o.id = z.order_id;
             INSERT INTO replaced_order_items SELECT {by}, i.* FROM order_items i
               JOIN zinc_reverting z ON i.order_id = z.order_id;
             INSERT INTO written_products (import_id, product_id, left_version)
               SELECT {by}, product_id, restored_version FROM zinc_reverting_products
               WHERE restored
               UNION ALL SELECT {by}, product_id, NULL FROM zinc_unused_products;
             INSERT INTO replaced_products SELECT {by}, p.* FROM products p
               WHERE p.id IN (SELECT product_id FROM zinc_reverting_products WHERE restored
                              UNION ALL SELECT product_id FROM zinc_unused_products)",
            note_written = note_written(by, "restored_version", "zinc_reverting"),
        ),
        format!(
            "{}
             INSERT INTO zinc_touched_days (date, location, fresh)
               SELECT old_date, old_location, false FROM zinc_reverting WHERE old_date IS NOT NULL
               UNION SELECT date, location, false FROM zinc_reverting WHERE date IS NOT NULL
             ON CONFLICT DO NOTHING",
            rollups::TOUCHED_DAYS_DDL
        ),
        "DELETE FROM orders o USING zinc_reverting z WHERE o.id = z.order_id".to_owned(),
        format!(
            "UPDATE products p SET ({PRODUCT_COLUMNS}) = (SELECT {PRODUCT_COLUMNS} FROM
               (SELECT {product_copy} FROM replaced_products r
                WHERE r.replaced_by = {import} AND r.id = p.id) k)
             FROM zinc_reverting_products z WHERE z.product_id = p.id AND z.restored AND z.present;
             INSERT INTO products SELECT {product_copy} FROM replaced_products r
               JOIN zinc_reverting_products z ON z.product_id = r.id
               WHERE r.replaced_by = {import} AND z.restored AND NOT z.present"
        ),
        format!(
            "INSERT INTO orders SELECT {} FROM replaced_orders r WHERE r.replaced_by = {import};
             INSERT INTO order_items SELECT {} FROM replaced_order_items r
               WHERE r.replaced_by = {import}",
            from_copy("orders"),
            from_copy("order_items")
        ),
    ]
}

/// Deletes the products the revert left unused (after the figures no longer count them).
const REMOVE_UNUSED_PRODUCTS: &str =
    "DELETE FROM products p USING zinc_unused_products z WHERE p.id = z.product_id";

/// Marks the kept versions of imports kept before `$1` as pruned, answering their numbers.
const PRUNE: Fixed<1> = Fixed::new(
    "UPDATE kept_versions SET pruned_at = now()
     WHERE pruned_at IS NULL AND kept_at < $1 RETURNING import_id",
);

/// Deletes the versions kept for the imports in `zinc_pruned`.
const DELETE_PRUNED: [&str; 6] = [
    "DELETE FROM replaced_order_items r USING zinc_pruned z WHERE r.replaced_by = z.import_id",
    "DELETE FROM replaced_orders r USING zinc_pruned z WHERE r.replaced_by = z.import_id",
    "DELETE FROM replaced_products r USING zinc_pruned z WHERE r.replaced_by = z.import_id",
    "DELETE FROM written_sale_blocks w USING zinc_pruned z WHERE w.import_id = z.import_id",
    "DELETE FROM written_products w USING zinc_pruned z WHERE w.import_id = z.import_id",
    "DELETE FROM restated_sale_blocks r USING zinc_pruned z WHERE r.import_id = z.import_id",
];

/// The work a revert's statements are part of, as its errors name it.
const REVERT: &str = "revert";

/// A transaction of bulk work, how long any statement in it may go unanswered, its bound, and
/// what it does ("revert"), as its errors name it.
struct Work {
    txn: Transaction<'static, Postgres>,
    limit: Duration,
    bound: BulkBound,
    what: &'static str,
}

impl Work {
    async fn begin(ledger: &PostgresLedger, what: &'static str) -> Result<Work, StoreError> {
        let bound = ledger.reach.bulk;
        let limit = bound.reply_timeout;
        let pool = ledger.reach.db.get_postgres_connection_pool();
        let txn = within(limit, async { pool.begin().await.map_err(sqlx_error) }).await?;
        let mut work = Work {
            txn,
            limit,
            bound,
            what,
        };
        // As an import's: the joins over every sale an import wrote sort and hash in memory,
        // and may take as long.
        work.run(bound.settings()).await?;
        Ok(work)
    }

    /// Runs statements without parameters (assembled from numbers and constants).
    async fn run(&mut self, sql: String) -> Result<u64, StoreError> {
        let txn = &mut self.txn;
        within(self.limit, async {
            let done = sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut **txn)
                .await
                .map_err(sqlx_error)?;
            Ok(done.rows_affected())
        })
        .await
        .map_err(|error| self.bound.explain(self.what, error))
    }

    async fn rows(&mut self, statement: &Statement) -> Result<Vec<QueryResult>, StoreError> {
        let txn = &mut self.txn;
        within(self.limit, async {
            let rows = on_sqlx(statement)
                .fetch_all(&mut **txn)
                .await
                .map_err(sqlx_error)?;
            Ok(rows.into_iter().map(QueryResult::from).collect())
        })
        .await
        .map_err(|error| self.bound.explain(self.what, error))
    }

    async fn query(&mut self, sql: String) -> Result<Vec<QueryResult>, StoreError> {
        self.rows(&Statement::from_string(sea_orm::DbBackend::Postgres, sql))
            .await
    }

    async fn rollback(self) -> Result<(), StoreError> {
        within(self.limit, async {
            self.txn.rollback().await.map_err(sqlx_error)
        })
        .await
    }
}

fn count(row: &QueryResult, column: &str) -> Result<u64, StoreError> {
    get::<i64>(row, column).map(|n| n as u64)
}

fn sale_id(id: i64) -> Result<SaleId, StoreError> {
    SaleId::new(id).map_err(|e| Inconsistency::breaks_rule("sale_id", e))
}

/// Refuses unless `import` can be reverted now; else plans its revert in the temporary tables
/// of [`reverting`].
async fn check_and_plan(work: &mut Work, import: ImportId) -> Result<RevertPlan, RevertError> {
    let rows = work.rows(&STANDING.with([import.get().into()])).await?;
    let Some(row) = rows.first() else {
        return Err(RevertError::UnknownImport(import));
    };
    let status: String = get(row, "status")?;
    if status == "running" {
        return Err(RevertError::UnknownImport(import));
    }
    if status == ImportStatus::Rejected.as_str() {
        return Err(RevertError::NotRevertible(import, NotRevertible::Rejected));
    }
    if let Some(by) = get::<Option<i64>>(row, "reverted_by")? {
        return Err(RevertError::AlreadyReverted {
            import,
            by: ImportId::new(by),
        });
    }
    if !get::<bool>(row, "kept")? {
        return Err(RevertError::NotRevertible(
            import,
            NotRevertible::Unversioned,
        ));
    }
    if let Some(at) = get::<Option<DateTime<Utc>>>(row, "pruned_at")? {
        return Err(RevertError::NotRevertible(
            import,
            NotRevertible::Pruned(at),
        ));
    }
    if let (Some(reverted), Some(at)) = (
        get::<Option<i64>>(row, "reverts")?,
        get::<Option<DateTime<Utc>>>(row, "reverted_pruned_at")?,
    ) {
        return Err(RevertError::NotRevertible(
            import,
            NotRevertible::RevertedPruned {
                import: ImportId::new(reverted),
                at,
            },
        ));
    }
    let rows = work.query(conflicts(import.get())).await?;
    if let Some(first) = rows.first() {
        let total = count(first, "total")?;
        let conflicts = rows
            .iter()
            .map(|row| {
                let touched: Vec<i64> = get(row, "touched_by")?;
                Ok(SaleConflict {
                    sale_id: sale_id(get(row, "sale_id")?)?,
                    touched_by: touched.into_iter().map(ImportId::new).collect(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        return Err(RevertError::Conflict {
            import,
            conflicts,
            total,
        });
    }
    let rows = work.query(price_from_reverted(import.get())).await?;
    if let Some(row) = rows.first() {
        let from = ImportId::new(get(row, "import_id")?);
        return Err(RevertError::NotRevertible(
            import,
            NotRevertible::PriceFromReverted(from),
        ));
    }
    let rows = work.query(name_taken(import.get())).await?;
    if let Some(row) = rows.first() {
        let name: String = get(row, "name")?;
        let holder = work
            .query(name_holder(get(row, "product_id")?, get(row, "import_id")?))
            .await?;
        let holder = holder
            .first()
            .map(|row| get::<Option<i64>>(row, "holder"))
            .transpose()?
            .flatten();
        return Err(RevertError::NotRevertible(
            import,
            NotRevertible::NameTaken {
                product: ProductName::parse(&name)
                    .map_err(|e| Inconsistency::breaks_rule("products.name", e))?,
                holder: holder.map(ImportId::new),
            },
        ));
    }
    work.run(reverting(import.get())).await?;
    let counts = work.query(PLAN_COUNTS.to_owned()).await?;
    let counts = counts
        .first()
        .ok_or_else(|| Inconsistency::unexpected("a count returned no row"))?;
    let sales = work
        .query(listed_sales())
        .await?
        .iter()
        .map(|row| sale_id(get(row, "sale_id")?))
        .collect::<Result<_, _>>()?;
    Ok(RevertPlan {
        import,
        orders_restored: count(counts, "orders_restored")?,
        orders_removed: count(counts, "orders_removed")?,
        products_restored: count(counts, "products_restored")?,
        products_removed: count(counts, "products_removed")?,
        sales,
    })
}

/// The record of revert `id` of the import planned.
fn revert_report(id: ImportId, plan: &RevertPlan, request: &RevertRequest) -> ImportReport {
    ImportReport {
        id,
        file_name: revert_name(plan.import),
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
    }
}

#[async_trait]
impl ImportReverts for PostgresLedger {
    #[instrument(skip_all, fields(import = import.get()))]
    async fn plan_revert(&self, import: ImportId) -> Result<RevertPlan, RevertError> {
        let mut work = Work::begin(self, REVERT).await?;
        let planned = check_and_plan(&mut work, import).await;
        work.rollback().await?;
        planned
    }

    #[instrument(skip_all, fields(import = import.get()))]
    async fn revert(
        &self,
        import: ImportId,
        request: &RevertRequest,
    ) -> Result<RevertOutcome, RevertError> {
        let mut work = Work::begin(self, REVERT).await?;
        work.run(format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
            .await?;
        let plan = match check_and_plan(&mut work, import).await {
            Ok(plan) => plan,
            Err(refused) => {
                work.rollback().await?;
                return Err(refused);
            }
        };
        let start = ImportStart {
            file_name: revert_name(import),
            mode: ImportMode::Strict,
            started_at: request.at,
            requested_by: request.requested_by.clone(),
            source: request.source,
        };
        let rows = work.rows(&imports::start(&start)).await?;
        let by = rows
            .first()
            .map(|row| get::<i64>(row, "id"))
            .transpose()?
            .ok_or_else(|| Inconsistency::unexpected("an import's record returned no id"))?;
        for sql in apply(import.get(), by) {
            work.run(sql).await?;
        }
        work.run(rollups::ANALYZE_TOUCHED_DAYS.to_owned()).await?;
        for (_, sql) in rollups::recompute_touched() {
            work.run(sql).await?;
        }
        work.run(REMOVE_UNUSED_PRODUCTS.to_owned()).await?;
        let revert = ImportId::new(by);
        let report = revert_report(revert, &plan, request);
        let finish = imports::finish(&report, &RejectedLines::new(b""))?;
        let Work { txn, limit, .. } = work;
        within(
            limit,
            record_and_commit(txn, &finish, revert, &RejectedLines::new(b"")),
        )
        .await?;
        if let Some(replication) = &self.replication {
            replication.note_primary_position().await;
        }
        Ok(RevertOutcome { revert, plan })
    }

    #[instrument(skip_all)]
    async fn prune_versions(&self, before: DateTime<Utc>) -> Result<PrunedVersions, StoreError> {
        let mut work = Work::begin(self, "pruning of replaced versions").await?;
        work.run(format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
            .await?;
        let pruned = work.rows(&PRUNE.with([before.into()])).await?;
        let ids: Vec<i64> = pruned
            .iter()
            .map(|row| get::<i64>(row, "import_id"))
            .collect::<Result<_, _>>()?;
        let mut rows = 0;
        if !ids.is_empty() {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            work.run(format!(
                "CREATE TEMPORARY TABLE zinc_pruned ON COMMIT DROP AS
                   SELECT unnest(ARRAY[{}]::bigint[]) AS import_id",
                list.join(", ")
            ))
            .await?;
            for sql in DELETE_PRUNED {
                rows += work.run(sql.to_owned()).await?;
            }
        }
        let Work { txn, limit, .. } = work;
        within(limit, async { txn.commit().await.map_err(sqlx_error) }).await?;
        Ok(PrunedVersions {
            imports: ids.len() as u64,
            rows,
        })
    }
}
