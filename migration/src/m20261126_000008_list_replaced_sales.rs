//! `imports.replaced_sales`: the Sale IDs of the orders an import replaced (the first 100), so
//! the record of an import says which orders it overwrote, not only how many.

sql_migration! {
    up: "ALTER TABLE imports ADD COLUMN replaced_sales BIGINT[] NOT NULL DEFAULT '{}',
                 ADD CONSTRAINT imports_replaced_sales_listed
                   CHECK (cardinality(replaced_sales) <= 100);",
    down: "ALTER TABLE imports DROP COLUMN replaced_sales;",
}
