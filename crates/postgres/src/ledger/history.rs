//! The versions an import replaces, kept in its transaction so that it can be reverted (see
//! the migration `m20261205_000019_keep_replaced_versions` for the tables).
//!
//! [`write`](super::PostgresImportSession) runs these at four points: [`note_restated`] once
//! the staged sales are compared (when some are unchanged), [`keep_products`] before products
//! are upserted, [`note_products`] after, and [`keep_orders`] before orders are updated and
//! their items deleted. Each statement is assembled from numbers and the import's own
//! temporary tables, never from user text.

/// Copies every stored product the changed lines (`changed_lines`, aliased `l`) name, as it is
/// before import `import_id` upserts products; [`note_products`] keeps only those it changed.
pub(super) fn keep_products(import_id: i64, changed_lines: &str) -> String {
    format!(
        "INSERT INTO replaced_products SELECT {import_id}, p.* FROM products p
         WHERE p.name IN (SELECT l.product FROM {changed_lines})"
    )
}

/// Once products are upserted: forgets the copies of products import `import_id` left as they
/// were, and notes every product it created or repriced (the version it left is its own).
pub(super) fn note_products(import_id: i64) -> String {
    format!(
        "DELETE FROM replaced_products r USING products p
         WHERE r.replaced_by = {import_id} AND p.id = r.id AND p.import_id <> {import_id};
         INSERT INTO written_products (import_id, product_id, left_version)
         SELECT {import_id}, id, {import_id} FROM products WHERE import_id = {import_id}"
    )
}

/// Before orders are written: notes the import's versions as kept and every sale it writes
/// (`zinc_changed`), and copies the orders and items it is about to replace.
pub(super) fn keep_orders(import_id: i64) -> String {
    format!(
        "INSERT INTO kept_versions (import_id) VALUES ({import_id});
         INSERT INTO written_sales (import_id, sale_id, left_version)
         SELECT {import_id}, sale_id, {import_id} FROM zinc_changed;
         INSERT INTO replaced_orders SELECT {import_id}, o.* FROM orders o
         JOIN zinc_changed c ON o.id = c.order_id WHERE NOT c.created;
         INSERT INTO replaced_order_items SELECT {import_id}, i.* FROM order_items i
         JOIN zinc_changed c ON i.order_id = c.order_id WHERE NOT c.created"
    )
}

/// Notes the staged sales (`staged_orders`) import `import_id` restates unchanged, with the
/// version it finds (migration `m20261205_000020_keep_restated_sales`): before any order is
/// written, while a matching fingerprint still means unchanged.
pub(super) fn note_restated(import_id: i64, staged_orders: &str) -> String {
    format!(
        "INSERT INTO restated_sales (import_id, sale_id, version)
         SELECT {import_id}, k.sale_id, o.import_id FROM {staged_orders} k
         JOIN orders o ON o.sale_id = k.sale_id AND o.fingerprint = k.fingerprint"
    )
}
