//! `imports.orders_removed` / `imports.products_removed`: what a revert removed (the sales and
//! products the import it reverts created), beside what it put back (`orders_updated`,
//! `products_updated`). Zero for an import of a file.
//!
//! Reverts recorded before are counted from the versions they kept while these are kept: a
//! revert notes each sale and product it removed with no version left (`left_version` NULL),
//! and keeps the removed order (`replaced_orders`). A revert whose versions were pruned keeps 0.

sql_migration! {
    up: "ALTER TABLE imports
           ADD COLUMN orders_removed BIGINT NOT NULL DEFAULT 0
             CONSTRAINT imports_orders_removed_counted CHECK (orders_removed >= 0),
           ADD COLUMN products_removed BIGINT NOT NULL DEFAULT 0
             CONSTRAINT imports_products_removed_counted CHECK (products_removed >= 0);
         UPDATE imports i SET
           orders_removed = (SELECT count(*) FROM written_sales w
                             WHERE w.import_id = i.id AND w.left_version IS NULL
                               AND EXISTS (SELECT 1 FROM replaced_orders r
                                           WHERE r.replaced_by = w.import_id
                                             AND r.sale_id = w.sale_id)),
           products_removed = (SELECT count(*) FROM written_products w
                               WHERE w.import_id = i.id AND w.left_version IS NULL)
         FROM kept_versions k
         WHERE k.import_id = i.id AND k.reverts IS NOT NULL AND k.pruned_at IS NULL;",
    down: "ALTER TABLE imports DROP COLUMN orders_removed, DROP COLUMN products_removed;",
}
