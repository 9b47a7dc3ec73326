//! Best sellers and units sold at one location over whole calendar years read
//! `product_sales_by_year`: `product_sales_by_month` summed per year and location (a year of
//! 400 products at a location is 400 rows instead of 4,800 monthly ones, whose sums cost most
//! of the answer's time: 1.8 ms of a 2.1 ms answer at ten million rows).

sql_migration! {
    up: r#"
CREATE TABLE product_sales_by_year (
    year       DATE    NOT NULL,
    location   TEXT    NOT NULL,
    product_id BIGINT  NOT NULL,
    quantity   BIGINT  NOT NULL,
    revenue    NUMERIC NOT NULL,
    orders     BIGINT  NOT NULL,
    PRIMARY KEY (year, location, product_id),
    CONSTRAINT product_sales_by_year_first_day CHECK (extract(doy FROM year) = 1),
    CONSTRAINT product_sales_by_year_location_known
        CHECK (location IN ('Online Store', 'Golf - experience')),
    CONSTRAINT product_sales_by_year_orders_positive CHECK (orders > 0)
);

COMMENT ON TABLE product_sales_by_year IS 'product_sales_by_month summed per calendar year (year = its first day) and location; kept by every import (zinc rollups verify|rebuild).';

INSERT INTO product_sales_by_year (year, location, product_id, quantity, revenue, orders)
SELECT date_trunc('year', month)::date, location, product_id, sum(quantity), sum(revenue),
       sum(orders)
FROM product_sales_by_month
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;
"#,
    down: "DROP TABLE product_sales_by_year",
}
