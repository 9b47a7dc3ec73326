//! The stored sales page by page, for exports: keyset pages by (sale date, Sale ID), which the
//! index `orders_date_sale_id_idx` serves in order, so the millionth page costs what the first
//! does.

use async_trait::async_trait;
use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, JoinType, Order as SortOrder, Query as Sql, SelectStatement,
};
use tracing::instrument;
use zinc_domain::{DateBounds, Location, OrderWithItems};
use zinc_ports::{SaleCursor, SalesArchive, StoreError};

use super::{
    PostgresQueries, item_column_at, item_fields, order, order_column_at, order_conditions,
    order_fields, order_item, with_items,
};
use crate::sql::{built, get_at, pg_row};

/// The keyset order of exports: by sale date, then Sale ID.
const KEYSET: [&str; 2] = ["date", "sale_id"];

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
) -> SelectStatement {
    let mut page = Sql::select();
    page.column(("o", Asterisk)).from_as("orders", "o");
    order_conditions(&mut page, dates, location);
    if let Some(after) = after {
        page.and_where(
            Expr::tuple([Expr::col(("o", "date")), Expr::col(("o", "sale_id"))]).gt(Expr::tuple([
                Expr::value(after.date),
                Expr::value(after.sale_id.get()),
            ])),
        );
    }
    for column in KEYSET {
        page.order_by(("o", column), SortOrder::Asc);
    }
    page.limit(u64::from(max));
    let mut items = Sql::select();
    items
        .column(Asterisk)
        .from("order_items")
        .and_where(Expr::col("order_id").equals(("o", "id")))
        .offset(0);
    let mut select = Sql::select();
    order_fields(&mut select, "count(i.position) OVER (PARTITION BY o.id)");
    item_fields(&mut select);
    select.from_subquery(page, "o");
    with_items(
        &mut select,
        |select| {
            select.join_lateral(JoinType::LeftJoin, items, "i", Expr::cust("TRUE"));
        },
        &KEYSET,
    );
    select
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
        let rows = self
            .all(built(&page_query(dates, location, after, max)))
            .await?;
        let mut sales: Vec<OrderWithItems> = Vec::new();
        for row in &rows {
            let row = pg_row(row)?;
            let id: i64 = get_at(row, order_column!("id"))?;
            let same = sales.last().is_some_and(|last| last.order.id.get() == id);
            if !same {
                sales.push(OrderWithItems {
                    order: order(row)?,
                    items: Vec::new(),
                });
            }
            if get_at::<Option<i32>>(row, item_column!("position"))?.is_some() {
                let item = order_item(row)?;
                if let Some(last) = sales.last_mut() {
                    last.items.push(item);
                }
            }
        }
        Ok(sales)
    }
}
