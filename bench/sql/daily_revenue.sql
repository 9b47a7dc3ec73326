-- GET /api/v1/metrics/revenue/daily?from&to: SalesFigures::daily_revenue (crates/postgres/src/queries.rs).
SELECT o.date, sum(o.total) AS revenue, count(*) AS order_count FROM orders o WHERE TRUE AND o.date >= :from AND o.date <= :to GROUP BY o.date ORDER BY o.date;
