//! `written_sale_blocks` replaces the table `written_sales`: the sales an import (or a revert)
//! wrote, with the version it left, noted a block of 64 Sale IDs to a row instead of a row per
//! sale (a first import of 8M sales wrote 8M rows and two indexes, 930 MB, a sixth of the
//! database). `written_sales` stays, as a view giving a row per sale as the table did.
//!
//! Sale ID `s` is in block `s >> 6`, as bit `s & 63` of `sales` (a bigint, bit 63 its sign),
//! as in `restated_sale_blocks`. One row per writer, version left and block; a row notes at
//! least one sale; `left_version` is NULL for the sales a revert removed. The index on
//! `(block, import_id)` finds the writers of a sale, as `written_sales_sale_id_idx` did. Up and
//! down carry the notes over, sale for sale.

sql_migration! {
    up: r#"
CREATE TABLE written_sale_blocks (
    import_id    BIGINT NOT NULL,
    left_version BIGINT,
    block        BIGINT NOT NULL,
    sales        BIGINT NOT NULL CONSTRAINT written_sale_blocks_note_a_sale CHECK (sales <> 0)
);
CREATE INDEX written_sale_blocks_import_id_idx ON written_sale_blocks (import_id, block);
CREATE INDEX written_sale_blocks_block_idx ON written_sale_blocks (block, import_id);
INSERT INTO written_sale_blocks (import_id, left_version, block, sales)
SELECT import_id, left_version, sale_id >> 6, bit_or(1::bigint << (sale_id & 63)::integer)
FROM written_sales GROUP BY 1, 2, 3;
DROP TABLE written_sales;
CREATE VIEW written_sales (import_id, sale_id, left_version) AS
SELECT b.import_id, (b.block << 6) + s.bit, b.left_version
FROM written_sale_blocks b CROSS JOIN generate_series(0, 63) AS s (bit)
WHERE b.sales & (1::bigint << s.bit) <> 0;
COMMENT ON VIEW written_sales IS 'written_sale_blocks, a row per sale written (import_id, sale_id, left_version).';
"#,
    down: r#"
CREATE TABLE written_sales_rows (
    import_id    BIGINT NOT NULL,
    sale_id      BIGINT NOT NULL,
    left_version BIGINT,
    PRIMARY KEY (import_id, sale_id)
);
INSERT INTO written_sales_rows SELECT import_id, sale_id, left_version FROM written_sales;
DROP VIEW written_sales;
DROP TABLE written_sale_blocks;
ALTER TABLE written_sales_rows RENAME TO written_sales;
ALTER INDEX written_sales_rows_pkey RENAME TO written_sales_pkey;
CREATE INDEX written_sales_sale_id_idx ON written_sales (sale_id, import_id);
"#,
}
