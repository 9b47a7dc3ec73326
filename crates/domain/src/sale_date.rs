//! The calendar day of a sale, and the clock rule that keeps it out of the future.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::ValueError;

/// The day a sale happened: never after [`latest_sale_date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SaleDate(NaiveDate);

impl SaleDate {
    /// Accepts a date no later than `latest`.
    pub fn new(date: NaiveDate, latest: NaiveDate) -> Result<Self, ValueError> {
        if date > latest {
            return Err(ValueError::FutureDate { latest });
        }
        Ok(SaleDate(date))
    }

    /// Parses a month-first date (`3/1/2025`, `03/01/2025`) or an ISO date (`2025-03-01`).
    ///
    /// Dates are never read day-first: `13/03/2025` is refused.
    pub fn parse(text: &str, latest: NaiveDate) -> Result<Self, ValueError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValueError::Missing);
        }
        let (year, month, day) = split_month_first(text)
            .or_else(|| split_iso(text))
            .ok_or(ValueError::NotADate)?;
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(ValueError::NoSuchDate)?;
        SaleDate::new(date, latest)
    }

    /// The calendar date.
    pub fn get(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for SaleDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format("%Y-%m-%d").fmt(f)
    }
}

/// The latest sale date accepted at `now`: the current date in the earliest time zone (UTC+14).
///
/// A sale recorded "today" anywhere on Earth is therefore never refused as future-dated, while
/// anything later is.
pub fn latest_sale_date(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(14)).date_naive()
}

fn digits(part: &str, min: usize, max: usize) -> Option<u32> {
    let ok = (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| part.parse().ok()).flatten()
}

fn split_month_first(text: &str) -> Option<(i32, u32, u32)> {
    let mut parts = text.split('/');
    let month = digits(parts.next()?, 1, 2)?;
    let day = digits(parts.next()?, 1, 2)?;
    let year = digits(parts.next()?, 4, 4)?;
    if parts.next().is_some() {
        return None;
    }
    Some((year as i32, month, day))
}

fn split_iso(text: &str) -> Option<(i32, u32, u32)> {
    let mut parts = text.split('-');
    let year = digits(parts.next()?, 4, 4)?;
    let month = digits(parts.next()?, 2, 2)?;
    let day = digits(parts.next()?, 2, 2)?;
    if parts.next().is_some() {
        return None;
    }
    Some((year as i32, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latest() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn parse(text: &str) -> Result<NaiveDate, ValueError> {
        SaleDate::parse(text, latest()).map(SaleDate::get)
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn reads_month_first_dates_with_mixed_padding() {
        assert_eq!(parse("03/01/2025"), Ok(ymd(2025, 3, 1)));
        assert_eq!(parse("3/13/2025"), Ok(ymd(2025, 3, 13)));
        assert_eq!(parse("3/1/2025"), Ok(ymd(2025, 3, 1)));
    }

    #[test]
    fn reads_iso_dates() {
        assert_eq!(parse("2025-03-13"), Ok(ymd(2025, 3, 13)));
    }

    #[test]
    fn never_reads_dates_day_first() {
        assert_eq!(parse("13/03/2025"), Err(ValueError::NoSuchDate));
        assert_eq!(parse("04/03/2025"), Ok(ymd(2025, 4, 3)));
    }

    #[test]
    fn rejects_malformed_and_impossible_dates() {
        for text in [
            "2025/03/01",
            "3-1-2025",
            "3/1/25",
            "March 1",
            "2025-3-1",
            "1/2/3/2025",
        ] {
            assert_eq!(parse(text), Err(ValueError::NotADate), "{text}");
        }
        assert_eq!(parse("2/30/2025"), Err(ValueError::NoSuchDate));
        assert_eq!(parse(""), Err(ValueError::Missing));
    }

    #[test]
    fn rejects_future_sale_dates() {
        assert_eq!(parse("11/24/2026"), Ok(latest()));
        assert_eq!(
            parse("11/25/2026"),
            Err(ValueError::FutureDate { latest: latest() })
        );
    }

    #[test]
    fn latest_sale_date_is_today_in_the_earliest_time_zone() {
        let late_evening_utc = "2026-11-24T09:59:00Z".parse().unwrap();
        assert_eq!(latest_sale_date(late_evening_utc), ymd(2026, 11, 24));
        let after_ten_utc = "2026-11-24T10:00:00Z".parse().unwrap();
        assert_eq!(latest_sale_date(after_ten_utc), ymd(2026, 11, 25));
    }
}
