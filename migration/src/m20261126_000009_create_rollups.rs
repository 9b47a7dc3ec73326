//! Rollups: what the revenue and best-seller figures sum, kept per day (and per month for
//! products) so that a year costs hundreds of rows instead of a million.
//!
//! - `sales_by_day`: per sale date and location, the sum of the orders' totals and their count.
//! - `product_sales_by_day`: per sale date, location and product, the units (refunds
//!   subtracted), the sum of the item totals, and the orders the product appears in.
//! - `product_sales_by_month`: the same per month (its first day), the sums of the days.
//!
//! Each import keeps them up to date in its own transaction; `up` fills them from the orders
//! already stored, so an upgraded database is right at once. The fill is written here as of
//! this migration's day: the living definition is the PostgreSQL adapter's `rollups` module,
//! and `zinc rollups verify` compares the two.

const UP_SQL: &str = r#"
CREATE TABLE sales_by_day (
    date     DATE    NOT NULL,
    location TEXT    NOT NULL,
    revenue  NUMERIC NOT NULL,
    orders   BIGINT  NOT NULL,
    PRIMARY KEY (date, location),
    CONSTRAINT sales_by_day_location_known CHECK (location IN ('Online Store', 'Golf - experience')),
    CONSTRAINT sales_by_day_orders_positive CHECK (orders > 0)
);

CREATE TABLE product_sales_by_day (
    date       DATE    NOT NULL,
    location   TEXT    NOT NULL,
    product_id BIGINT  NOT NULL REFERENCES products (id),
    quantity   BIGINT  NOT NULL,
    revenue    NUMERIC NOT NULL,
    orders     BIGINT  NOT NULL,
    PRIMARY KEY (date, location, product_id),
    CONSTRAINT product_sales_by_day_location_known
        CHECK (location IN ('Online Store', 'Golf - experience')),
    CONSTRAINT product_sales_by_day_orders_positive CHECK (orders > 0)
);

CREATE TABLE product_sales_by_month (
    month      DATE    NOT NULL,
    location   TEXT    NOT NULL,
    product_id BIGINT  NOT NULL REFERENCES products (id),
    quantity   BIGINT  NOT NULL,
    revenue    NUMERIC NOT NULL,
    orders     BIGINT  NOT NULL,
    PRIMARY KEY (month, location, product_id),
    CONSTRAINT product_sales_by_month_first_day CHECK (extract(day FROM month) = 1),
    CONSTRAINT product_sales_by_month_location_known
        CHECK (location IN ('Online Store', 'Golf - experience')),
    CONSTRAINT product_sales_by_month_orders_positive CHECK (orders > 0)
);

COMMENT ON TABLE sales_by_day IS 'Sum of orders.total and count of orders per sale date and location; kept by every import (zinc rollups verify|rebuild).';
COMMENT ON TABLE product_sales_by_day IS 'Per sale date, location and product: sum of order_items.quantity and .total, and the orders it appears in; kept by every import.';
COMMENT ON TABLE product_sales_by_month IS 'product_sales_by_day summed per month (month = its first day); kept by every import.';

INSERT INTO sales_by_day (date, location, revenue, orders)
SELECT o.date, o.location, sum(o.total), count(*)
FROM orders o
GROUP BY o.date, o.location;

INSERT INTO product_sales_by_day (date, location, product_id, quantity, revenue, orders)
SELECT o.date, o.location, i.product_id, sum(i.quantity), sum(i.total), count(DISTINCT i.order_id)
FROM orders o JOIN order_items i ON i.order_id = o.id
GROUP BY o.date, o.location, i.product_id;

INSERT INTO product_sales_by_month (month, location, product_id, quantity, revenue, orders)
SELECT date_trunc('month', d.date)::date, d.location, d.product_id, sum(d.quantity), sum(d.revenue),
    sum(d.orders)
FROM product_sales_by_day d
GROUP BY 1, 2, 3;
"#;

const DOWN_SQL: &str = r#"
DROP TABLE product_sales_by_month;
DROP TABLE product_sales_by_day;
DROP TABLE sales_by_day;
"#;

sql_migration! {
    up: UP_SQL,
    down: DOWN_SQL,
}
