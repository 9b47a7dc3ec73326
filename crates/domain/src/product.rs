//! Products: one per trimmed item name, priced by its most recent sale.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::identifiers::store_id;
use crate::{ProductName, UnitPrice};

store_id!(
    /// The number the store gives a product.
    ProductId
);

/// A product as stored: one per trimmed item name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// The store's number.
    pub id: ProductId,
    /// The trimmed item name, unique.
    pub name: ProductName,
    /// The unit price of its most recent sale.
    pub price: UnitPrice,
    /// When it was first imported.
    pub created_at: DateTime<Utc>,
    /// When its price last changed.
    pub updated_at: DateTime<Utc>,
}
