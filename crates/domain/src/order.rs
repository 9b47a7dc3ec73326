//! Orders: one per sale, with its items (the sale's lines), as the store keeps them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::identifiers::store_id;
use crate::{
    BatchNumber, ClientId, DiscountPercent, ImportId, Location, Money, Paged, ProductId,
    ProductName, Quantity, SaleId, UnitPrice,
};

store_id!(
    /// The number the store gives an order.
    OrderId
);

/// An order as stored: one per sale, its amounts the sums of its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// The store's number.
    pub id: OrderId,
    /// The export's Sale ID, unique.
    pub sale_id: SaleId,
    /// The client.
    pub client_id: ClientId,
    /// The sale date.
    pub date: NaiveDate,
    /// Where the sale happened.
    pub location: Location,
    /// How the sale was paid, if stated.
    pub payment_method: Option<String>,
    /// The first line's batch number.
    pub batch_number: Option<BatchNumber>,
    /// The first line's sales notes.
    pub sales_notes: Option<String>,
    /// The first line's notes.
    pub notes: Option<String>,
    /// Sum of the items' subtotals.
    pub subtotal: Money,
    /// The items' common discount rate, or the effective one.
    pub discount_percentage: DiscountPercent,
    /// Sum of the items' discounts.
    pub discount_amount: Money,
    /// Sum of the items' tax.
    pub tax: Money,
    /// Sum of the items' totals.
    pub total: Money,
    /// Sum of what the items' lines say was paid.
    pub amount_paid: Money,
    /// How many items (lines) the order has.
    pub item_count: u32,
    /// The import that last wrote the order.
    pub import_id: ImportId,
    /// When it was first imported.
    pub created_at: DateTime<Utc>,
    /// When a correction last replaced it.
    pub updated_at: DateTime<Utc>,
}

/// One item of an order: a line of the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderItem {
    /// The line's position in its sale, from 1.
    pub position: u32,
    /// The product sold.
    pub product_id: ProductId,
    /// Its name.
    pub product_name: ProductName,
    /// Units sold; -1 is a refund.
    pub quantity: Quantity,
    /// The price it was sold at.
    pub unit_price: UnitPrice,
    /// Price × quantity (0 for a complimentary item).
    pub subtotal: Money,
    /// The line's discount rate, as exported.
    pub discount_percentage: DiscountPercent,
    /// The line's discount.
    pub discount_amount: Money,
    /// The line's tax.
    pub tax: Money,
    /// Subtotal − discount + tax.
    pub total: Money,
    /// What the line says was paid.
    pub amount_paid: Money,
    /// The line's payment method.
    pub payment_method: Option<String>,
    /// The line's batch number.
    pub batch_number: Option<BatchNumber>,
    /// The line's sales notes.
    pub sales_notes: Option<String>,
    /// The line's notes.
    pub notes: Option<String>,
    /// The line's color.
    pub color: Option<String>,
    /// The line's size.
    pub size: Option<String>,
}

/// An order with all its items, in file order (what an export writes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderWithItems {
    /// The order.
    pub order: Order,
    /// Its items.
    pub items: Vec<OrderItem>,
}

/// An order with one page of its items, in file order (what a reader is shown): however long
/// the sale, one answer holds at most [`Page::MAX_LIMIT`](crate::Page::MAX_LIMIT) items. The
/// order's amounts and [`Order::item_count`] are the whole order's, whatever the page; the
/// page's [`total`](Paged::total) is that same count, and a page past the last item is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderWithItemPage {
    /// The order.
    pub order: Order,
    /// The page of its items asked for.
    pub items: Paged<OrderItem>,
}
