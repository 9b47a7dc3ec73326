//! `restated_sales`: the sales an import stated unchanged (it wrote nothing for them), with
//! the version it found (`version`: the `import_id` of the stored order). A later import
//! restating a sale holds it as much as one writing it: reverting an earlier import that wrote
//! the sale is refused while the restating import is in effect, and putting the restating
//! import back in effect (reverting its revert) is refused once the sale's version changed.
//! Deleted with the rest of an import's kept versions when they are pruned.

sql_migration! {
    up: r#"
CREATE TABLE restated_sales (
    import_id BIGINT NOT NULL,
    sale_id   BIGINT NOT NULL,
    version   BIGINT NOT NULL,
    PRIMARY KEY (import_id, sale_id)
);
CREATE INDEX restated_sales_sale_id_idx ON restated_sales (sale_id, import_id);
"#,
    down: "DROP TABLE restated_sales;",
}
