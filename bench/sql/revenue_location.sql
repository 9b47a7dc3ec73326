-- GET /api/v1/metrics/revenue?from&to&location: SalesFigures::revenue (crates/postgres/src/queries.rs).
SELECT COALESCE(sum(o.total), 0) AS revenue, count(*) AS order_count FROM orders o WHERE TRUE AND o.date >= :from AND o.date <= :to AND o.location = :location;
