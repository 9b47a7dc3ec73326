//! Revenue figures: sums of stored order totals, exact, with averages rounded for display.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::{DateRange, ProductId, ProductName};

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
        (self.revenue / Decimal::from(self.order_count)).round_dp_with_strategy(
            AVERAGE_DECIMAL_PLACES,
            RoundingStrategy::MidpointAwayFromZero,
        )
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

/// Every day of `range` in order, with the totals of `days` where given and zeros elsewhere.
/// Entries of `days` outside the range are ignored.
pub fn fill_days(range: DateRange, days: &[DailyRevenue]) -> Vec<DailyRevenue> {
    let mut by_date: BTreeMap<NaiveDate, RevenueTotals> = BTreeMap::new();
    for day in days {
        let totals = by_date.entry(day.date).or_default();
        totals.revenue += day.totals.revenue;
        totals.order_count += day.totals.order_count;
    }
    range
        .iter_days()
        .map(|date| DailyRevenue {
            date,
            totals: by_date.get(&date).copied().unwrap_or_default(),
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(revenue: &str, order_count: u64) -> RevenueTotals {
        RevenueTotals {
            revenue: revenue.parse().unwrap(),
            order_count,
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
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
    fn no_orders_average_to_zero() {
        assert_eq!(totals("0", 0).average_order_value().to_string(), "0.00");
    }

    #[test]
    fn every_day_of_the_range_is_present_with_zeros_where_nothing_sold() {
        let range = DateRange::new(day("2025-03-01"), day("2025-03-04")).unwrap();
        let sold = [
            DailyRevenue {
                date: day("2025-03-03"),
                totals: totals("7.5", 2),
            },
            DailyRevenue {
                date: day("2025-02-28"),
                totals: totals("99", 1),
            },
            DailyRevenue {
                date: day("2025-03-01"),
                totals: totals("1.25", 1),
            },
        ];
        let filled = fill_days(range, &sold);
        let shown: Vec<_> = filled
            .iter()
            .map(|d| {
                (
                    d.date.to_string(),
                    d.totals.revenue.to_string(),
                    d.totals.order_count,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("2025-03-01".to_owned(), "1.25".to_owned(), 1),
                ("2025-03-02".to_owned(), "0".to_owned(), 0),
                ("2025-03-03".to_owned(), "7.5".to_owned(), 2),
                ("2025-03-04".to_owned(), "0".to_owned(), 0),
            ]
        );
    }
}
