//! A product's sales over time, its latest sale, and the orders holding it are read from the
//! daily product rollup by product: an index on (product, day) lets them read only that
//! product's rows instead of every product's over the range.

sql_migration! {
    up: "CREATE INDEX product_sales_by_day_product_date_idx \
                 ON product_sales_by_day (product_id, date)",
    down: "DROP INDEX product_sales_by_day_product_date_idx",
}
