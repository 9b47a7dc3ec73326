//! Revenue figures: sums of stored order totals, exact, with averages rounded for display.

use std::ops::AddAssign;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::{ProductId, ProductName};

/// Decimal places of a derived average (money as people read it).
pub const AVERAGE_DECIMAL_PLACES: u32 = 2;

/// Revenue and order count over some period: what the store sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RevenueTotals {
    /// Sum of the orders' totals (item totals incl. tax, after discount), exact.
    #[serde(with = "rust_decimal::serde::str")]
    pub revenue: Decimal,
    /// How many orders (distinct sales).
    pub order_count: u64,
}

impl RevenueTotals {
    /// Revenue per order, rounded half away from zero to 2 places; zero when there are no orders.
    pub fn average_order_value(&self) -> Decimal {
        if self.order_count == 0 {
            return Decimal::new(0, AVERAGE_DECIMAL_PLACES);
        }
        let mut average = (self.revenue / Decimal::from(self.order_count)).round_dp_with_strategy(
            AVERAGE_DECIMAL_PLACES,
            RoundingStrategy::MidpointAwayFromZero,
        );
        // Always written with 2 places ("5.00", not "5.0" or "5").
        average.rescale(AVERAGE_DECIMAL_PLACES);
        average
    }
}

impl AddAssign for RevenueTotals {
    fn add_assign(&mut self, other: RevenueTotals) {
        self.revenue += other.revenue;
        self.order_count += other.order_count;
    }
}

/// Revenue of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DailyRevenue {
    /// The day.
    pub date: NaiveDate,
    /// Its totals.
    pub totals: RevenueTotals,
}

/// How best sellers are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// By revenue (sum of item totals).
    #[default]
    Revenue,
    /// By units sold (refunds subtract).
    Quantity,
}

impl RankBy {
    /// The name used in queries.
    pub fn as_str(self) -> &'static str {
        match self {
            RankBy::Revenue => "revenue",
            RankBy::Quantity => "quantity",
        }
    }

    /// Reads `revenue` or `quantity`.
    pub fn parse(text: &str) -> Option<RankBy> {
        match text {
            "revenue" => Some(RankBy::Revenue),
            "quantity" => Some(RankBy::Quantity),
            _ => None,
        }
    }
}

/// What one product sold over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductSales {
    /// The product.
    pub product_id: ProductId,
    /// Its name.
    pub name: ProductName,
    /// Units sold, refunds subtracted.
    pub quantity: i64,
    /// Sum of its item totals, exact.
    #[serde(with = "rust_decimal::serde::str")]
    pub revenue: Decimal,
    /// How many orders it appears in.
    pub order_count: u64,
}

/// What one product sold over some period: what the store sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ProductTotals {
    /// Units sold, refunds subtracted.
    pub quantity: i64,
    /// Sum of its item totals, exact.
    #[serde(with = "rust_decimal::serde::str")]
    pub revenue: Decimal,
    /// How many orders it appears in.
    pub order_count: u64,
}

/// Adds as PostgreSQL's `sum` over `numeric` does: the revenue keeps the larger scale of the
/// two, a zero's included (rust_decimal's addition gives back the other operand, with its own
/// scale, when one is zero).
impl AddAssign for ProductTotals {
    fn add_assign(&mut self, other: ProductTotals) {
        let scale = self.revenue.scale().max(other.revenue.scale());
        self.quantity += other.quantity;
        self.revenue += other.revenue;
        if self.revenue.scale() < scale {
            self.revenue.rescale(scale);
        }
        self.order_count += other.order_count;
    }
}

/// What one product sold on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DailyProductSales {
    /// The day.
    pub date: NaiveDate,
    /// Its totals.
    pub totals: ProductTotals,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(revenue: &str, order_count: u64) -> RevenueTotals {
        RevenueTotals {
            revenue: revenue.parse().unwrap(),
            order_count,
        }
    }

    #[test]
    fn product_totals_add_up_keeping_the_larger_scale_as_sql_does() {
        let totals = |revenue: &str| ProductTotals {
            quantity: 1,
            revenue: revenue.parse().unwrap(),
            order_count: 1,
        };
        for (a, b, sum) in [
            ("-4.3", "0.000", "-4.300"),
            ("0.000", "-4.3", "-4.300"),
            ("1.25", "2.5", "3.75"),
            ("0.0", "0.00", "0.00"),
        ] {
            let mut added = totals(a);
            added += totals(b);
            assert_eq!(added.revenue.to_string(), sum, "{a} + {b}");
            assert_eq!((added.quantity, added.order_count), (2, 2));
        }
    }

    #[test]
    fn the_average_order_value_rounds_half_away_from_zero() {
        assert_eq!(totals("10.01", 2).average_order_value().to_string(), "5.01");
        assert_eq!(totals("0.05", 2).average_order_value().to_string(), "0.03");
        assert_eq!(
            totals("-0.05", 2).average_order_value().to_string(),
            "-0.03"
        );
        assert_eq!(
            totals("64509.982", 1408).average_order_value().to_string(),
            "45.82"
        );
    }

    #[test]
    fn the_average_order_value_always_has_two_places() {
        assert_eq!(totals("15.0", 3).average_order_value().to_string(), "5.00");
        assert_eq!(totals("-1", 1).average_order_value().to_string(), "-1.00");
        assert_eq!(totals("7", 2).average_order_value().to_string(), "3.50");
    }

    #[test]
    fn no_orders_average_to_zero() {
        assert_eq!(totals("0", 0).average_order_value().to_string(), "0.00");
    }
}
