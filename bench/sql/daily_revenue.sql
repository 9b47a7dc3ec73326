-- GET /api/v1/metrics/revenue/daily?from&to: SalesFigures::daily_revenue (crates/postgres/src/queries.rs), from the daily rollup.
SELECT "r"."date", sum(r.revenue) AS "revenue", sum(r.orders)::bigint AS "order_count" FROM "sales_by_day" AS "r" WHERE "r"."date" >= :from AND "r"."date" <= :to GROUP BY "r"."date" ORDER BY "r"."date" ASC;
