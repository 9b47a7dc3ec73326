//! What readers ask the store for: pages, date ranges and filters, validated on construction.

use chrono::{Days, NaiveDate};
use serde::Serialize;
use thiserror::Error;

use crate::{ClientId, Location, ProductId, SaleId};

/// Why a query was refused. Each names the parameter at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    /// `limit` outside 1..=[`Page::MAX_LIMIT`].
    #[error("limit must be between 1 and {max}, got {given}")]
    LimitOutOfRange {
        /// The value given.
        given: u64,
        /// The largest accepted.
        max: u32,
    },
    /// `from` is after `to`.
    #[error("from ({from}) is after to ({to})")]
    RangeReversed {
        /// The start given.
        from: NaiveDate,
        /// The end given.
        to: NaiveDate,
    },
    /// A range longer than the query allows.
    #[error("the range from {from} to {to} spans {days} days; at most {max} are allowed per call")]
    RangeTooLong {
        /// The start given.
        from: NaiveDate,
        /// The end given.
        to: NaiveDate,
        /// Its length in days, both ends included.
        days: u64,
        /// The most allowed.
        max: u64,
    },
    /// A series cut into more periods than one call returns.
    #[error(
        "the range from {from} to {to} is {periods} {interval}s long; at most {max} {interval}s are shown at once: choose a shorter range"
    )]
    TooManyPeriods {
        /// The first day.
        from: NaiveDate,
        /// The last day.
        to: NaiveDate,
        /// The period's name (`day`, `week`, `month`).
        interval: &'static str,
        /// How many periods the range touches.
        periods: u64,
        /// The most allowed.
        max: u64,
    },
}

/// A window into a long list: at most `limit` items after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Page {
    limit: u32,
    offset: u64,
}

impl Page {
    /// The page size when none is asked for.
    pub const DEFAULT_LIMIT: u32 = 50;
    /// The largest page size.
    pub const MAX_LIMIT: u32 = 500;

    /// A page of `limit` items (1 to [`Page::MAX_LIMIT`]) starting after `offset` items.
    pub fn new(limit: u64, offset: u64) -> Result<Page, QueryError> {
        if limit == 0 || limit > u64::from(Self::MAX_LIMIT) {
            return Err(QueryError::LimitOutOfRange {
                given: limit,
                max: Self::MAX_LIMIT,
            });
        }
        Ok(Page {
            limit: limit as u32,
            offset,
        })
    }

    /// How many items at most.
    pub fn limit(self) -> u32 {
        self.limit
    }

    /// How many items are skipped.
    pub fn offset(self) -> u64 {
        self.offset
    }
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// One page of a list, with the size of the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paged<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total: u64,
    /// The page asked for.
    pub page: Page,
}

/// The last day a date written `YYYY-MM-DD` names, the latest the API reads: a range Zinc
/// derives (a series' default periods) ends there at the latest.
pub const LAST_WRITABLE_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(day) => day,
    None => panic!("9999-12-31 is a day"),
};

/// Days from `from` to `to`, both included; `from` is never after `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    /// The days from `from` to `to`, both included.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<DateRange, QueryError> {
        if from > to {
            return Err(QueryError::RangeReversed { from, to });
        }
        Ok(DateRange { from, to })
    }

    /// Like [`DateRange::new`], refusing ranges of more than `max_days` days.
    pub fn at_most(from: NaiveDate, to: NaiveDate, max_days: u64) -> Result<DateRange, QueryError> {
        let range = DateRange::new(from, to)?;
        let days = range.days();
        if days > max_days {
            return Err(QueryError::RangeTooLong {
                from,
                to,
                days,
                max: max_days,
            });
        }
        Ok(range)
    }

    /// The first day.
    pub fn from(self) -> NaiveDate {
        self.from
    }

    /// The last day.
    pub fn to(self) -> NaiveDate {
        self.to
    }

    /// How many days, both ends included.
    pub fn days(self) -> u64 {
        (self.to - self.from).num_days() as u64 + 1
    }

    /// Every day of the range, in order.
    pub fn iter_days(self) -> impl Iterator<Item = NaiveDate> {
        let to = self.to;
        std::iter::successors(Some(self.from), move |day| {
            day.checked_add_days(Days::new(1))
                .filter(|next| *next <= to)
        })
    }
}

/// A date window whose ends may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DateBounds {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl DateBounds {
    /// From `from` (if any) to `to` (if any), both included; refuses `from` after `to`.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<DateBounds, QueryError> {
        if let (Some(from), Some(to)) = (from, to) {
            DateRange::new(from, to)?;
        }
        Ok(DateBounds { from, to })
    }

    /// The first day included, if bounded.
    pub fn from(self) -> Option<NaiveDate> {
        self.from
    }

    /// The last day included, if bounded.
    pub fn to(self) -> Option<NaiveDate> {
        self.to
    }
}

impl From<DateRange> for DateBounds {
    fn from(range: DateRange) -> Self {
        DateBounds {
            from: Some(range.from),
            to: Some(range.to),
        }
    }
}

/// Which orders to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderFilter {
    /// Sale dates within these bounds.
    pub dates: DateBounds,
    /// Only this location.
    pub location: Option<Location>,
    /// Only this client's.
    pub client_id: Option<ClientId>,
    /// Only this sale.
    pub sale_id: Option<SaleId>,
    /// Only orders with an item of this product.
    pub product_id: Option<ProductId>,
}

/// Which products to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductFilter {
    /// Names containing this text, ignoring case.
    pub name_contains: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_page_refuses_a_zero_or_oversized_limit() {
        assert!(Page::new(0, 0).is_err());
        assert!(Page::new(501, 0).is_err());
        assert_eq!(Page::new(500, 7).unwrap().limit(), 500);
        assert_eq!(Page::default().limit(), 50);
    }

    #[test]
    fn a_range_includes_both_ends_and_refuses_reversed_bounds() {
        let range = DateRange::new(day("2025-02-27"), day("2025-03-01")).unwrap();
        assert_eq!(range.days(), 3);
        let days: Vec<_> = range.iter_days().collect();
        assert_eq!(
            days,
            [day("2025-02-27"), day("2025-02-28"), day("2025-03-01")]
        );
        assert!(matches!(
            DateRange::new(day("2025-03-02"), day("2025-03-01")),
            Err(QueryError::RangeReversed { .. })
        ));
        assert_eq!(
            DateRange::new(day("2025-03-01"), day("2025-03-01"))
                .unwrap()
                .days(),
            1
        );
    }

    #[test]
    fn a_bounded_range_refuses_more_days_than_allowed() {
        assert!(DateRange::at_most(day("2024-01-01"), day("2024-12-31"), 366).is_ok());
        let error = DateRange::at_most(day("2024-01-01"), day("2025-01-01"), 366).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the range from 2024-01-01 to 2025-01-01 spans 367 days; at most 366 are allowed per call"
        );
    }

    #[test]
    fn open_bounds_refuse_only_a_reversed_pair() {
        assert!(DateBounds::new(None, Some(day("2025-01-01"))).is_ok());
        assert!(DateBounds::new(Some(day("2025-01-02")), Some(day("2025-01-01"))).is_err());
    }
}
