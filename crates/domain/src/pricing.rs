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

/// The day a product's current price began: of its lines ranked by [`PriceRank`], the last
/// one sets the price; going back from it over lines of the same kind (sales, or refunds for a
/// product never sold) while they carry that price, the earliest one's day. `None` without
/// lines.
///
/// ```
/// # use chrono::NaiveDate;
/// # use zinc_domain::{PriceRank, SaleId, UnitPrice, price_since};
/// let day = |d: u32| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
/// let line = |d: u32, sale: i64, price: &str| {
///     let rank = PriceRank { from_sale: true, date: day(d), sale_id: SaleId::new(sale).unwrap(), line: 1 };
///     (rank, UnitPrice::parse(price).unwrap())
/// };
/// let lines = [line(1, 1, "0.40"), line(3, 2, "0.60"), line(5, 3, "0.6")];
/// assert_eq!(price_since(lines), Some(day(3)));
/// ```
pub fn price_since(lines: impl IntoIterator<Item = (PriceRank, UnitPrice)>) -> Option<NaiveDate> {
    let mut lines: Vec<(PriceRank, UnitPrice)> = lines.into_iter().collect();
    lines.sort_by_key(|(rank, _)| *rank);
    let (latest, price) = *lines.last()?;
    lines
        .iter()
        .rev()
        .filter(|(rank, _)| rank.from_sale == latest.from_sale)
        .take_while(|(_, p)| p.amount() == price.amount())
        .last()
        .map(|(rank, _)| rank.date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale_line::tests::fields;
    use crate::{Money, Quantity, SaleDate, SaleId, SaleLine};

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

    fn rank(day: u32, sale_id: i64, from_sale: bool) -> PriceRank {
        PriceRank {
            from_sale,
            date: NaiveDate::from_ymd_opt(2025, 3, day).unwrap(),
            sale_id: SaleId::new(sale_id).unwrap(),
            line: 1,
        }
    }

    fn price(text: &str) -> UnitPrice {
        UnitPrice::parse(text).unwrap()
    }

    #[test]
    fn the_price_dates_from_the_first_of_its_latest_sales_at_that_price() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2025, 3, d);
        // In any order: ranked, 0.4 (1st), 0.6 (3rd), 0.5 (4th), 0.6 (6th, 8th; 0.60 is 0.6).
        let lines = [
            (rank(8, 5, true), price("0.60")),
            (rank(1, 1, true), price("0.4")),
            (rank(6, 4, true), price("0.6")),
            (rank(3, 2, true), price("0.6")),
            (rank(4, 3, true), price("0.5")),
        ];
        assert_eq!(price_since(lines), day(6));
        // One price all along: its first sale. A refund at another price later changes nothing.
        let lines = [
            (rank(2, 1, true), price("1")),
            (rank(9, 2, true), price("1")),
            (rank(10, 3, false), price("7")),
        ];
        assert_eq!(price_since(lines), day(2));
        // Never sold, only refunded: its refunds count.
        assert_eq!(
            price_since([
                (rank(4, 1, false), price("2")),
                (rank(5, 2, false), price("2"))
            ]),
            day(4)
        );
        assert_eq!(price_since([]), None);
    }

    #[test]
    fn a_refund_does_not_override_a_sale_price() {
        let sold = sale(10, "3/1/2025", "0.4", false);
        let refunded = sale(11, "3/2/2025", "0", true);
        assert_eq!(price_after(&[sold, refunded.clone()]), "0.4");
        assert_eq!(price_after(&[refunded]), "0");
    }
}
