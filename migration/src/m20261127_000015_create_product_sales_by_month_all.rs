//! Best sellers without a location read `product_sales_by_month_all`: the monthly product
//! rollup summed over the locations (an order has one location, so its counts add up). A year of
//! best sellers then sums half the rows (one per product and month, not per location too).

sql_migration! {
    up: r#"
CREATE TABLE product_sales_by_month_all (
    month      DATE    NOT NULL,
    product_id BIGINT  NOT NULL,
    quantity   BIGINT  NOT NULL,
    revenue    NUMERIC NOT NULL,
    orders     BIGINT  NOT NULL,
    PRIMARY KEY (month, product_id),
    CONSTRAINT product_sales_by_month_all_first_day CHECK (extract(day FROM month) = 1),
    CONSTRAINT product_sales_by_month_all_orders_positive CHECK (orders > 0)
);

COMMENT ON TABLE product_sales_by_month_all IS 'product_sales_by_month summed over the locations; kept by every import (zinc rollups verify|rebuild).';

INSERT INTO product_sales_by_month_all (month, product_id, quantity, revenue, orders)
SELECT month, product_id, sum(quantity), sum(revenue), sum(orders)
FROM product_sales_by_month
GROUP BY month, product_id;
"#,
    down: "DROP TABLE product_sales_by_month_all",
}
