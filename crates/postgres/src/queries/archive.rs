//! The stored sales page by page, for exports: keyset pages by (sale date, Sale ID), which the
//! index `orders_date_sale_id_idx` serves in order, so the millionth page costs what the first
//! does.

use async_trait::async_trait;
use tracing::instrument;
use zinc_domain::{DateBounds, Location, OrderWithItems};
use zinc_ports::{SaleCursor, SalesArchive, StoreError};

use super::{PostgresQueries, Query, get, order, order_conditions, order_item};

/// A page of orders (alias `o` outside), then each with its items in stored order. The items
/// are looked up order by order (a lateral subquery the planner cannot flatten: `OFFSET 0`),
/// by the index of `(order_id, position)`: right after a large import, before PostgreSQL has
/// analysed the tables, a plain join was planned as a scan and sort of every item (0.8 s a
/// page at 1M items, instead of a few ms).
fn page_query(
    dates: DateBounds,
    location: Option<Location>,
    after: Option<SaleCursor>,
    max: u32,
) -> Query {
    let mut query = Query::new("WITH page AS (SELECT o.* FROM orders o WHERE TRUE");
    order_conditions(&mut query, dates, location);
    if let Some(after) = after {
        let date = query.bind(after.date);
        let sale = query.bind(after.sale_id.get());
        query.push(&format!(" AND (o.date, o.sale_id) > ({date}, {sale})"));
    }
    let limit = query.bind(i64::from(max));
    query.push(&format!(
        " ORDER BY o.date, o.sale_id LIMIT {limit}) SELECT {}, \
         count(i.position) OVER (PARTITION BY o.id) AS item_count, {} \
         FROM page o \
         LEFT JOIN LATERAL (SELECT * FROM order_items WHERE order_id = o.id OFFSET 0) i ON TRUE \
         LEFT JOIN products p ON p.id = i.product_id \
         ORDER BY o.date, o.sale_id, i.position",
        order_fields!(),
        item_fields!(),
    ));
    query
}

#[async_trait]
impl SalesArchive for PostgresQueries {
    #[instrument(skip(self, after), fields(max))]
    async fn sales_after(
        &self,
        dates: DateBounds,
        location: Option<Location>,
        after: Option<SaleCursor>,
        max: u32,
    ) -> Result<Vec<OrderWithItems>, StoreError> {
        let rows = self.all(page_query(dates, location, after, max)).await?;
        let mut sales: Vec<OrderWithItems> = Vec::new();
        for row in &rows {
            let id: i64 = get(row, "id")?;
            let same = sales.last().is_some_and(|last| last.order.id.get() == id);
            if !same {
                sales.push(OrderWithItems {
                    order: order(row)?,
                    items: Vec::new(),
                });
            }
            if get::<Option<i32>>(row, "item_position")?.is_some() {
                let item = order_item(row)?;
                if let Some(last) = sales.last_mut() {
                    last.items.push(item);
                }
            }
        }
        Ok(sales)
    }
}
