-- GET /api/v1/metrics/revenue?from&to: SalesFigures::revenue, from the daily rollup.
-- Generated from crates/postgres/src/queries.rs by its bench_sql test: do not edit.
SELECT COALESCE(sum(r.revenue), 0) AS "revenue", COALESCE(sum(r.orders), 0)::bigint AS "order_count" FROM "sales_by_day" AS "r" WHERE "r"."date" >= :from AND "r"."date" <= :to;
