//! A product's current price: the unit price of its most recent sale.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::{ProductName, Sale, SaleId, UnitPrice};

/// How recent the sale behind a price is. Larger is more recent.
///
/// Ordered by: a sale beats a refund (a refund sets the price only of a product never sold),
/// then the later date, then the higher Sale ID, then (within one file) the later line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PriceRank {
    /// False when the price comes from a refund line.
    pub from_sale: bool,
    /// The day of the sale.
    pub date: NaiveDate,
    /// The sale.
    pub sale_id: SaleId,
    /// The line within the file; only breaks ties inside one import.
    pub line: u64,
}

/// The price a product should carry after an import, and the sale it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductPrice {
    /// The product.
    pub product: ProductName,
    /// Its unit price in that sale.
    pub unit_price: UnitPrice,
    /// How recent that sale is; a stored price is replaced only by a rank at least as high.
    pub rank: PriceRank,
}

/// Collects, per product, the price of its most recent sale among the sales observed.
///
/// Memory grows with the number of distinct products, not with the number of rows.
#[derive(Debug, Default)]
pub struct LatestPrices {
    by_product: BTreeMap<ProductName, ProductPrice>,
}

impl LatestPrices {
    /// Nothing observed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Considers every line of a sale.
    pub fn observe(&mut self, sale: &Sale) {
        for line in sale.lines() {
            let rank = PriceRank {
                from_sale: !line.quantity.is_refund(),
                date: line.date.get(),
                sale_id: line.sale_id,
                line: line.line,
            };
            let newer = self
                .by_product
                .get(&line.product)
                .is_none_or(|known| rank > known.rank);
            if newer {
                self.by_product.insert(
                    line.product.clone(),
                    ProductPrice {
                        product: line.product.clone(),
                        unit_price: line.unit_price,
                        rank,
                    },
                );
            }
        }
    }

    /// How many distinct products were seen.
    pub fn len(&self) -> usize {
        self.by_product.len()
    }

    /// True when no product was seen.
    pub fn is_empty(&self) -> bool {
        self.by_product.is_empty()
    }

    /// The prices, sorted by product name (the order in which the store locks products).
    pub fn into_sorted(self) -> Vec<ProductPrice> {
        self.by_product.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale_line::tests::fields;
    use crate::{Money, Quantity, SaleDate, SaleLine};

    fn sale(sale_id: i64, date: &str, price: &str, refund: bool) -> Sale {
        let latest = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let mut row = fields(2, sale_id, "Mineral Water");
        row.date = SaleDate::parse(date, latest).unwrap();
        row.unit_price = UnitPrice::parse(price).unwrap();
        let quantity = if refund { -1 } else { 1 };
        row.quantity = Quantity::new(quantity).unwrap();
        row.subtotal = row.unit_price * row.quantity;
        row.tax = Money::ZERO;
        row.total = row.subtotal;
        row.amount_paid = row.total;
        Sale::assemble(vec![SaleLine::new(row).unwrap()]).unwrap()
    }

    fn price_after(sales: &[Sale]) -> String {
        let mut prices = LatestPrices::new();
        sales.iter().for_each(|s| prices.observe(s));
        prices.into_sorted()[0].unit_price.to_string()
    }

    #[test]
    fn the_most_recent_sale_sets_the_price_whatever_the_file_order() {
        let old = sale(10, "3/1/2025", "0.4", false);
        let new = sale(5, "4/1/2025", "0.6", false);
        assert_eq!(price_after(&[old.clone(), new.clone()]), "0.6");
        assert_eq!(price_after(&[new, old]), "0.6");
    }

    #[test]
    fn on_the_same_day_the_higher_sale_id_wins() {
        let earlier = sale(10, "3/1/2025", "0.4", false);
        let later = sale(11, "3/1/2025", "0.5", false);
        assert_eq!(price_after(&[later, earlier]), "0.5");
    }

    #[test]
    fn a_refund_does_not_override_a_sale_price() {
        let sold = sale(10, "3/1/2025", "0.4", false);
        let refunded = sale(11, "3/2/2025", "0", true);
        assert_eq!(price_after(&[sold, refunded.clone()]), "0.4");
        assert_eq!(price_after(&[refunded]), "0");
    }
}
