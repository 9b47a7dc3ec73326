-- GET /api/v1/metrics/products/top?from&to&by=revenue over whole calendar years:
-- SalesFigures::top_products, from the yearly rollup over all locations (:year_from, :year_to:
-- first days of the first and last year), the API's default limit (10) written in. A range with
-- loose months or days adds their monthly or daily rows (UNION ALL).
-- Generated from crates/postgres/src/queries.rs by its bench_sql test: do not edit.
WITH t AS MATERIALIZED (SELECT "s"."product_id", s.quantity::bigint AS "quantity", s.revenue AS "revenue", s.orders::bigint AS "order_count" FROM (SELECT "r"."product_id", "r"."quantity", "r"."revenue", "r"."orders" FROM "product_sales_by_year_all" AS "r" WHERE "r"."year" >= :year_from AND "r"."year" <= :year_to) AS "s") SELECT 1 AS list, p.id, p.name, f.quantity, f.revenue, f.order_count FROM (SELECT * FROM t ORDER BY revenue DESC, quantity DESC FETCH FIRST 10 ROWS WITH TIES) f JOIN products p ON p.id = f.product_id ORDER BY f.revenue DESC, f.quantity DESC, p.name ASC LIMIT 10;
