-- GET /api/v1/metrics/revenue/daily?from&to: SalesFigures::daily_revenue, from the daily rollup.
-- Generated from crates/postgres/src/queries.rs by its bench_sql test: do not edit.
SELECT "r"."date", sum(r.revenue) AS "revenue", sum(r.orders)::bigint AS "order_count" FROM "sales_by_day" AS "r" WHERE "r"."date" >= :from AND "r"."date" <= :to GROUP BY "r"."date" ORDER BY "r"."date" ASC;
