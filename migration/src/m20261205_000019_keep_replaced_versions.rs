//! The versions an import replaced, kept so that the import can be reverted.
//!
//! - `kept_versions`: one row per import (or revert) whose replaced versions are kept; a
//!   revert names the import it reverts (`reverts`, once per import). `pruned_at` is set when
//!   the versions were deleted after the retention period: the import can no longer be reverted.
//! - `written_sales` / `written_products`: what each import wrote, with the version it left
//!   (`left_version`: the `import_id` of the row it left, NULL when it left none). A revert
//!   compares it with the row stored now: a later writer shows as a different version.
//! - `replaced_orders`, `replaced_order_items`, `replaced_products`: the rows as they were
//!   before the import (`replaced_by`) wrote over them, with every column of their table
//!   (a new column of `orders`, `order_items` or `products` must be added here too).
//! - `products.import_id`: the import that last wrote the product (0 before this migration).

sql_migration! {
    up: r#"
ALTER TABLE products ADD COLUMN import_id BIGINT NOT NULL DEFAULT 0;
COMMENT ON COLUMN products.import_id IS 'The import that last wrote the product (0: before versions were kept).';
CREATE TABLE kept_versions (
    import_id  BIGINT      PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
    reverts    BIGINT      REFERENCES imports (id),
    kept_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    pruned_at  TIMESTAMPTZ,
    CONSTRAINT kept_versions_reverts_once UNIQUE (reverts)
);
CREATE INDEX kept_versions_kept_at_idx ON kept_versions (kept_at) WHERE pruned_at IS NULL;
CREATE TABLE written_sales (
    import_id    BIGINT NOT NULL,
    sale_id      BIGINT NOT NULL,
    left_version BIGINT,
    PRIMARY KEY (import_id, sale_id)
);
CREATE INDEX written_sales_sale_id_idx ON written_sales (sale_id, import_id);
CREATE TABLE written_products (
    import_id    BIGINT NOT NULL,
    product_id   BIGINT NOT NULL,
    left_version BIGINT,
    PRIMARY KEY (import_id, product_id)
);
CREATE TABLE replaced_orders (
    replaced_by BIGINT NOT NULL,
    LIKE orders,
    PRIMARY KEY (replaced_by, sale_id)
);
CREATE TABLE replaced_order_items (
    replaced_by BIGINT NOT NULL,
    LIKE order_items
);
CREATE INDEX replaced_order_items_replaced_by_idx ON replaced_order_items (replaced_by, order_id);
CREATE TABLE replaced_products (
    replaced_by BIGINT NOT NULL,
    LIKE products,
    PRIMARY KEY (replaced_by, id)
);
"#,
    down: r#"
DROP TABLE replaced_products;
DROP TABLE replaced_order_items;
DROP TABLE replaced_orders;
DROP TABLE written_products;
DROP TABLE written_sales;
DROP TABLE kept_versions;
ALTER TABLE products DROP COLUMN import_id;
"#,
}
