-- GET /api/v1/orders (no filter, first page): OrderBook::list_orders, the list's total from the
-- daily rollup, then the page (the server runs the two side by side, on two connections; here one
-- after the other).
-- Generated from crates/postgres/src/queries.rs by its bench_sql test: do not edit.
SELECT COALESCE(sum(r.orders), 0)::bigint AS "n" FROM "sales_by_day" AS "r";
SELECT "o"."id", "o"."sale_id", "o"."client_id", "o"."date", "o"."location", "o"."payment_method", "o"."batch_number", "o"."sales_notes", "o"."notes", "o"."subtotal", "o"."discount_percentage", "o"."discount_amount", "o"."tax", "o"."total", "o"."amount_paid", "o"."import_id", "o"."created_at", "o"."updated_at", (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS "item_count" FROM "orders" AS "o" ORDER BY "o"."date" DESC, "o"."sale_id" DESC LIMIT :limit OFFSET :offset;
