//! The versions an import replaces, kept in its transaction so that it can be reverted (see
//! the migration `m20261205_000019_keep_replaced_versions` for the tables).
//!
//! [`write`](super::PostgresImportSession) runs these at four points: [`note_restated`] as
//! the staged sales are compared (in the same statement), [`keep_products`] before products
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
/// (`zinc_changed`, leaving its own version), and copies the orders and items it is about to
/// replace.
pub(super) fn keep_orders(import_id: i64) -> String {
    format!(
        "INSERT INTO kept_versions (import_id) VALUES ({import_id});
         {note_written};
         INSERT INTO replaced_orders SELECT {import_id}, o.* FROM orders o
         JOIN zinc_changed c ON o.id = c.order_id WHERE NOT c.created;
         INSERT INTO replaced_order_items SELECT {import_id}, i.* FROM order_items i
         JOIN zinc_changed c ON i.order_id = c.order_id WHERE NOT c.created",
        note_written = note_written(import_id, &import_id.to_string(), "zinc_changed"),
    )
}

/// Notes in `written_sale_blocks` (migration `m20261206_000024_written_sales_in_blocks`) the
/// sales `writer` wrote, from `written` (a relation, or one with its `WHERE`, giving each
/// one's `sale_id`), with the version it left (`left_version`, an expression over `written`'s
/// columns, NULL when it left none). The view `written_sales` reads them a row per sale.
pub(super) fn note_written(writer: i64, left_version: &str, written: &str) -> String {
    note_in_blocks(
        "written_sale_blocks",
        "left_version",
        writer,
        left_version,
        written,
    )
}

/// Notes in `restated_sale_blocks` (migration `m20261206_000023_restated_sales_in_blocks`) the
/// sales import `import_id` restates unchanged, from `compared` (a relation, or one with its
/// `WHERE`, giving each one's `sale_id` and the `version` it finds).
pub(super) fn note_restated(import_id: i64, compared: &str) -> String {
    note_in_blocks(
        "restated_sale_blocks",
        "version",
        import_id,
        "version",
        compared,
    )
}

/// Inserts into `table` (`import_id`, `version_column`, `block`, `sales`) the sales `from`
/// gives (each one's `sale_id`) as `import_id`'s, each with its `version` (an expression over
/// `from`'s columns): a row per version and block of 64 Sale IDs, the sale `s` as bit `s & 63`
/// of block `s >> 6` ([`block_notes`] reads one back).
fn note_in_blocks(
    table: &str,
    version_column: &str,
    import_id: i64,
    version: &str,
    from: &str,
) -> String {
    format!(
        "INSERT INTO {table} (import_id, {version_column}, block, sales)
         SELECT {import_id}, {version}, sale_id >> 6, bit_or(1::bigint << (sale_id & 63)::integer)
         FROM {from} GROUP BY 2, 3"
    )
}

/// The condition that the row `blocks` of `restated_sale_blocks` or `written_sale_blocks` notes
/// the sale `sale_id` (an expression), as [`note_restated`] and [`note_written`] write them.
pub(super) fn block_notes(blocks: &str, sale_id: &str) -> String {
    format!(
        "{blocks}.block = {sale_id} >> 6
         AND {blocks}.sales & (1::bigint << ({sale_id} & 63)::integer) <> 0"
    )
}

/// The sales noted in `restated_sale_blocks`, one row each (`import_id`, `sale_id`, `version`),
/// as [`note_restated`] wrote them.
pub(super) const RESTATED_SALES: &str = "SELECT b.import_id, (b.block << 6) + s.bit AS sale_id, \
    b.version FROM restated_sale_blocks b CROSS JOIN generate_series(0, 63) AS s (bit) \
    WHERE b.sales & (1::bigint << s.bit) <> 0";
