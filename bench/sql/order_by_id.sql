-- GET /api/v1/orders/{id} (a random stored id): OrderBook::find_order (crates/postgres/src/queries.rs),
-- the order, then its items.
\set id random(:id_min, :id_max)
SELECT o.id, o.sale_id, o.client_id, o.date, o.location, o.payment_method, o.batch_number, o.sales_notes, o.notes, o.subtotal, o.discount_percentage, o.discount_amount, o.tax, o.total, o.amount_paid, o.import_id, o.created_at, o.updated_at, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS item_count FROM orders o WHERE o.id = :id;
SELECT i.position, i.product_id, p.name AS product_name, i.quantity, i.unit_price, i.subtotal, i.discount_percentage, i.discount_amount, i.tax, i.total, i.amount_paid, i.payment_method, i.batch_number, i.sales_notes, i.notes, i.color, i.size FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = :id ORDER BY i.position;
