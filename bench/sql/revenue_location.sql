-- GET /api/v1/metrics/revenue?from&to&location: SalesFigures::revenue (crates/postgres/src/queries.rs), from the daily rollup.
SELECT COALESCE(sum(r.revenue), 0) AS "revenue", COALESCE(sum(r.orders), 0)::bigint AS "order_count" FROM "sales_by_day" AS "r" WHERE "r"."date" >= :from AND "r"."date" <= :to AND "r"."location" = :location;
