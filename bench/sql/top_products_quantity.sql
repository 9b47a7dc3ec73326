-- GET /api/v1/metrics/products/top?from&to&by=quantity over whole calendar years: as
-- top_products_revenue.sql, ranked by quantity.
-- Generated from crates/postgres/src/queries.rs by its bench_sql test: do not edit.
SELECT "p"."id", "p"."name", "t"."quantity", "t"."revenue", "t"."order_count" FROM (SELECT "s"."product_id", sum(s.quantity)::bigint AS "quantity", sum(s.revenue) AS "revenue", sum(s.orders)::bigint AS "order_count" FROM (SELECT "r"."product_id", "r"."quantity", "r"."revenue", "r"."orders" FROM "product_sales_by_year_all" AS "r" WHERE "r"."year" >= :year_from AND "r"."year" <= :year_to) AS "s" GROUP BY "s"."product_id") AS "t" INNER JOIN "products" AS "p" ON "p"."id" = "t"."product_id" ORDER BY "t"."quantity" DESC, "t"."revenue" DESC, "p"."name" ASC LIMIT :limit;
