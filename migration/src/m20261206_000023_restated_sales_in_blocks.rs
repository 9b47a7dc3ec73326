//! `restated_sale_blocks` replaces `restated_sales`: the sales an import restated unchanged,
//! with the version it found, noted a block of 64 Sale IDs to a row instead of a row per sale
//! (an identical re-import of 8M sales wrote 8M rows, over a gigabyte).
//!
//! Sale ID `s` is in block `s >> 6`, as bit `s & 63` of `sales` (a bigint, bit 63 its sign).
//! One row per restating import, version found and block; a row notes at least one sale.
//! The index on `(block, import_id)` finds the imports that restated a sale, as
//! `restated_sales_sale_id_idx` did. Up and down carry the notes over, sale for sale.

sql_migration! {
    up: r#"
CREATE TABLE restated_sale_blocks (
    import_id BIGINT NOT NULL,
    version   BIGINT NOT NULL,
    block     BIGINT NOT NULL,
    sales     BIGINT NOT NULL CONSTRAINT restated_sale_blocks_note_a_sale CHECK (sales <> 0),
    PRIMARY KEY (import_id, version, block)
);
CREATE INDEX restated_sale_blocks_block_idx ON restated_sale_blocks (block, import_id);
INSERT INTO restated_sale_blocks (import_id, version, block, sales)
SELECT import_id, version, sale_id >> 6, bit_or(1::bigint << (sale_id & 63)::integer)
FROM restated_sales GROUP BY 1, 2, 3;
DROP TABLE restated_sales;
"#,
    down: r#"
CREATE TABLE restated_sales (
    import_id BIGINT NOT NULL,
    sale_id   BIGINT NOT NULL,
    version   BIGINT NOT NULL,
    PRIMARY KEY (import_id, sale_id)
);
CREATE INDEX restated_sales_sale_id_idx ON restated_sales (sale_id, import_id);
INSERT INTO restated_sales (import_id, sale_id, version)
SELECT b.import_id, (b.block << 6) + s.bit, b.version
FROM restated_sale_blocks b CROSS JOIN generate_series(0, 63) AS s (bit)
WHERE b.sales & (1::bigint << s.bit) <> 0;
DROP TABLE restated_sale_blocks;
"#,
}
