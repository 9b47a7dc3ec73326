//! Best sellers and units sold over whole calendar years read `product_sales_by_year_all`:
//! `product_sales_by_month_all` summed per year (a year of 400 products is 400 rows instead
//! of 4,800 monthly ones, whose sums cost most of the answer's time).

sql_migration! {
    up: r#"
CREATE TABLE product_sales_by_year_all (
    year       DATE    NOT NULL,
    product_id BIGINT  NOT NULL,
    quantity   BIGINT  NOT NULL,
    revenue    NUMERIC NOT NULL,
    orders     BIGINT  NOT NULL,
    PRIMARY KEY (year, product_id),
    CONSTRAINT product_sales_by_year_all_first_day CHECK (extract(doy FROM year) = 1),
    CONSTRAINT product_sales_by_year_all_orders_positive CHECK (orders > 0)
);

COMMENT ON TABLE product_sales_by_year_all IS 'product_sales_by_month_all summed per calendar year (year = its first day); kept by every import (zinc rollups verify|rebuild).';

INSERT INTO product_sales_by_year_all (year, product_id, quantity, revenue, orders)
SELECT date_trunc('year', month)::date, product_id, sum(quantity), sum(revenue), sum(orders)
FROM product_sales_by_month_all
GROUP BY 1, 2;
"#,
    down: "DROP TABLE product_sales_by_year_all",
}
