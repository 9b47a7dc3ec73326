//! Figures over time: a date range cut into days, weeks or months, and the range a series
//! covers when the caller leaves its ends open.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

use crate::{DateRange, LAST_WRITABLE_DAY, QueryError};

/// The most periods one series holds (a year of days, seven years of weeks, thirty of months).
pub const MAX_PERIODS: u64 = 366;

/// The longest range shown day by day when nobody chose the interval (about two months).
pub const DAILY_UP_TO: u64 = 62;
/// The longest range shown week by week when nobody chose the interval (a leap year).
pub const WEEKLY_UP_TO: u64 = 366;

/// How long each period of a series is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// One calendar day.
    #[default]
    Day,
    /// An ISO week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

impl Interval {
    /// The name used in queries.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }

    /// Reads `day`, `week` or `month`.
    pub fn parse(text: &str) -> Option<Interval> {
        match text {
            "day" => Some(Interval::Day),
            "week" => Some(Interval::Week),
            "month" => Some(Interval::Month),
            _ => None,
        }
    }

    /// How many periods a series covers when the caller gives neither end: 30 days, 12 weeks
    /// or 12 months.
    pub fn default_periods(self) -> u32 {
        match self {
            Interval::Day => 30,
            Interval::Week | Interval::Month => 12,
        }
    }

    /// The interval that shows `days` days at a glance: days up to [`DAILY_UP_TO`] (about
    /// two months), weeks up to [`WEEKLY_UP_TO`] (a year), months beyond.
    pub fn for_days(days: u64) -> Interval {
        if days <= DAILY_UP_TO {
            Interval::Day
        } else if days <= WEEKLY_UP_TO {
            Interval::Week
        } else {
            Interval::Month
        }
    }

    /// The first day of the period holding `date`: itself, its week's Monday, its month's 1st.
    pub fn start_of(self, date: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => date,
            Interval::Week => date
                .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
                .unwrap_or(date),
            Interval::Month => date.with_day(1).unwrap_or(date),
        }
    }

    /// The first day of the period `n` periods after the one starting on `start` (before it
    /// when `n` is negative); `None` beyond the calendar.
    fn shift(self, start: NaiveDate, n: i64) -> Option<NaiveDate> {
        let magnitude = n.unsigned_abs();
        match self {
            Interval::Day | Interval::Week => {
                let days = Days::new(magnitude * if self == Interval::Week { 7 } else { 1 });
                if n >= 0 {
                    start.checked_add_days(days)
                } else {
                    start.checked_sub_days(days)
                }
            }
            Interval::Month => {
                let months = Months::new(u32::try_from(magnitude).ok()?);
                if n >= 0 {
                    start.checked_add_months(months)
                } else {
                    start.checked_sub_months(months)
                }
            }
        }
    }

    /// The last day of the period starting on `start`.
    fn last_day(self, start: NaiveDate) -> NaiveDate {
        self.shift(start, 1)
            .and_then(|next| next.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }
}

/// One period of a series: where it starts (its label) and its days within the range asked
/// (the first and last periods may be cut short by the range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The period's own first day: the day, the week's Monday, the month's 1st.
    pub start: NaiveDate,
    /// Its days that lie within the range.
    pub days: DateRange,
}

/// How the range of a series was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeBasis {
    /// Both ends were given.
    Requested,
    /// Only `from` was given: the default number of periods from there.
    AfterFrom,
    /// `to` was not given: the range ends at the latest sale.
    LatestSale,
    /// `to` was not given and nothing was sold yet: the range ends today.
    Today,
}

/// A validated series range: its days, cut into periods of one interval, at most
/// [`MAX_PERIODS`] of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeriesRange {
    days: DateRange,
    interval: Interval,
    basis: RangeBasis,
}

impl SeriesRange {
    /// The range for `from` and `to` as given (each may be open). With neither, the default
    /// number of periods ([`Interval::default_periods`]) ending at `latest` (the latest sale,
    /// or today when `latest_is_today`), the first of them whole; with only `to`, the same
    /// ending at `to`; with only `from`, the default number of periods from `from`, ending at
    /// [`LAST_WRITABLE_DAY`] at the latest.
    pub fn new(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        interval: Interval,
        latest: NaiveDate,
        latest_is_today: bool,
    ) -> Result<SeriesRange, QueryError> {
        let back = 1 - i64::from(interval.default_periods());
        let (from, to, basis) = match (from, to) {
            (Some(from), Some(to)) => (from, to, RangeBasis::Requested),
            (Some(from), None) => {
                let last = interval
                    .shift(interval.start_of(from), -back)
                    .map_or(LAST_WRITABLE_DAY, |start| interval.last_day(start))
                    .min(LAST_WRITABLE_DAY);
                (from, last, RangeBasis::AfterFrom)
            }
            (None, to) => {
                let basis = match (to, latest_is_today) {
                    (Some(_), _) => RangeBasis::Requested,
                    (None, false) => RangeBasis::LatestSale,
                    (None, true) => RangeBasis::Today,
                };
                let to = to.unwrap_or(latest);
                let first = interval
                    .shift(interval.start_of(to), back)
                    .unwrap_or(NaiveDate::MIN);
                (first, to, basis)
            }
        };
        let days = DateRange::new(from, to)?;
        let periods = period_count(days, interval);
        if periods > MAX_PERIODS {
            return Err(QueryError::TooManyPeriods {
                from,
                to,
                interval: interval.as_str(),
                periods,
                max: MAX_PERIODS,
            });
        }
        Ok(SeriesRange {
            days,
            interval,
            basis,
        })
    }

    /// Every day the series covers.
    pub fn days(self) -> DateRange {
        self.days
    }

    /// The length of its periods.
    pub fn interval(self) -> Interval {
        self.interval
    }

    /// How its range was chosen.
    pub fn basis(self) -> RangeBasis {
        self.basis
    }

    /// Its periods, in order, the first and last cut to the range.
    pub fn periods(self) -> Vec<Period> {
        let (interval, range) = (self.interval, self.days);
        std::iter::successors(Some(interval.start_of(range.from())), |start| {
            interval.shift(*start, 1).filter(|next| *next <= range.to())
        })
        .map(|start| Period {
            start,
            days: DateRange::new(
                start.max(range.from()),
                interval.last_day(start).min(range.to()),
            )
            .unwrap_or(range),
        })
        .collect()
    }

    /// Sums figures dated by day into the periods of the series: every period present, zeros
    /// where nothing is dated, entries outside the range ignored.
    pub fn sum<T>(self, dated: impl IntoIterator<Item = (NaiveDate, T)>) -> Vec<(Period, T)>
    where
        T: Default + AddAssign,
    {
        let mut sums: BTreeMap<NaiveDate, T> = BTreeMap::new();
        for (date, figures) in dated {
            if date >= self.days.from() && date <= self.days.to() {
                *sums.entry(self.interval.start_of(date)).or_default() += figures;
            }
        }
        self.periods()
            .into_iter()
            .map(|period| {
                let figures = sums.remove(&period.start).unwrap_or_default();
                (period, figures)
            })
            .collect()
    }
}

/// How many periods of `interval` the days of `range` touch.
fn period_count(range: DateRange, interval: Interval) -> u64 {
    let (first, last) = (
        interval.start_of(range.from()),
        interval.start_of(range.to()),
    );
    match interval {
        Interval::Day => range.days(),
        Interval::Week => (last - first).num_days() as u64 / 7 + 1,
        Interval::Month => {
            let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
            (months(last) - months(first)) as u64 + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn shown(range: SeriesRange) -> Vec<(String, String, String)> {
        range
            .periods()
            .iter()
            .map(|p| {
                (
                    p.start.to_string(),
                    p.days.from().to_string(),
                    p.days.to().to_string(),
                )
            })
            .collect()
    }

    fn asked(from: &str, to: &str, interval: Interval) -> SeriesRange {
        SeriesRange::new(Some(day(from)), Some(day(to)), interval, day(to), false).unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_the_range_cuts_the_first_and_last() {
        // 2025-03-05 is a Wednesday; 2025-03-18 a Tuesday.
        let range = asked("2025-03-05", "2025-03-18", Interval::Week);
        assert_eq!(
            shown(range),
            [
                (
                    "2025-03-03".into(),
                    "2025-03-05".into(),
                    "2025-03-09".into()
                ),
                (
                    "2025-03-10".into(),
                    "2025-03-10".into(),
                    "2025-03-16".into()
                ),
                (
                    "2025-03-17".into(),
                    "2025-03-17".into(),
                    "2025-03-18".into()
                ),
            ]
        );
    }

    #[test]
    fn months_are_calendar_months_including_february_of_a_leap_year() {
        let range = asked("2024-01-31", "2024-03-01", Interval::Month);
        assert_eq!(
            shown(range),
            [
                (
                    "2024-01-01".into(),
                    "2024-01-31".into(),
                    "2024-01-31".into()
                ),
                (
                    "2024-02-01".into(),
                    "2024-02-01".into(),
                    "2024-02-29".into()
                ),
                (
                    "2024-03-01".into(),
                    "2024-03-01".into(),
                    "2024-03-01".into()
                ),
            ]
        );
    }

    #[test]
    fn sums_put_each_day_in_its_period_and_zeros_where_nothing_sold() {
        let range = asked("2025-03-01", "2025-05-31", Interval::Month);
        let sums = range.sum([
            (day("2025-03-02"), 2u64),
            (day("2025-03-31"), 3),
            (day("2025-05-01"), 7),
            (day("2025-06-01"), 100),
            (day("2025-02-28"), 100),
        ]);
        let figures: Vec<_> = sums
            .iter()
            .map(|(p, n)| (p.start.to_string(), *n))
            .collect();
        assert_eq!(
            figures,
            [
                ("2025-03-01".into(), 5),
                ("2025-04-01".into(), 0),
                ("2025-05-01".into(), 7)
            ]
        );
    }

    #[test]
    fn without_ends_the_range_is_the_default_periods_ending_at_the_latest_sale() {
        let days = SeriesRange::new(None, None, Interval::Day, day("2025-06-30"), false).unwrap();
        assert_eq!(days.days().from(), day("2025-06-01"));
        assert_eq!(days.days().to(), day("2025-06-30"));
        assert_eq!(days.periods().len(), 30);
        assert_eq!(days.basis(), RangeBasis::LatestSale);

        let months =
            SeriesRange::new(None, None, Interval::Month, day("2025-06-15"), false).unwrap();
        assert_eq!(months.days().from(), day("2024-07-01"));
        assert_eq!(months.days().to(), day("2025-06-15"));
        assert_eq!(months.periods().len(), 12);

        let weeks = SeriesRange::new(None, None, Interval::Week, day("2025-06-15"), true).unwrap();
        assert_eq!(
            weeks.days().from(),
            day("2025-03-24"),
            "a Monday, 11 weeks before"
        );
        assert_eq!(weeks.periods().len(), 12);
        assert_eq!(weeks.basis(), RangeBasis::Today);
    }

    #[test]
    fn with_only_from_the_range_is_the_default_periods_from_there() {
        let range = SeriesRange::new(
            Some(day("2025-03-05")),
            None,
            Interval::Month,
            day("2020-01-01"),
            false,
        )
        .unwrap();
        assert_eq!(range.days().to(), day("2026-02-28"));
        assert_eq!(range.periods().len(), 12);
        assert_eq!(range.basis(), RangeBasis::AfterFrom);
    }

    #[test]
    fn more_than_366_periods_or_a_reversed_range_is_refused() {
        let too_many = SeriesRange::new(
            Some(day("2024-01-01")),
            Some(day("2025-01-01")),
            Interval::Day,
            day("2025-01-01"),
            false,
        );
        assert!(matches!(
            too_many,
            Err(QueryError::TooManyPeriods { periods: 367, .. })
        ));
        assert_eq!(
            too_many.unwrap_err().to_string(),
            "the range from 2024-01-01 to 2025-01-01 is 367 days long; at most 366 days are shown \
             at once: choose a shorter range"
        );
        let weeks_ok = asked("2018-01-01", "2024-12-31", Interval::Week);
        assert_eq!(weeks_ok.periods().len(), 366);
        let months = SeriesRange::new(
            Some(day("1990-01-01")),
            Some(day("2025-01-01")),
            Interval::Month,
            day("2025-01-01"),
            false,
        );
        assert!(matches!(months, Err(QueryError::TooManyPeriods { .. })));
        let reversed = SeriesRange::new(
            Some(day("2025-02-01")),
            Some(day("2025-01-01")),
            Interval::Day,
            day("2025-01-01"),
            false,
        );
        assert!(matches!(reversed, Err(QueryError::RangeReversed { .. })));
    }

    #[test]
    fn a_series_from_near_year_9999_ends_on_a_day_the_api_can_write() {
        for interval in [Interval::Day, Interval::Week, Interval::Month] {
            let range = SeriesRange::new(
                Some(day("9999-12-20")),
                None,
                interval,
                day("2025-01-01"),
                false,
            )
            .unwrap();
            assert_eq!(range.days().to(), crate::LAST_WRITABLE_DAY, "{interval:?}");
            let last = range.periods().last().copied().unwrap();
            assert_eq!(last.days.to().to_string(), "9999-12-31", "{interval:?}");
        }
    }

    #[test]
    fn the_interval_follows_the_length_of_the_range() {
        assert_eq!(Interval::for_days(1), Interval::Day);
        assert_eq!(Interval::for_days(DAILY_UP_TO), Interval::Day);
        assert_eq!(Interval::for_days(DAILY_UP_TO + 1), Interval::Week);
        assert_eq!(Interval::for_days(WEEKLY_UP_TO), Interval::Week);
        assert_eq!(Interval::for_days(WEEKLY_UP_TO + 1), Interval::Month);
    }

    #[test]
    fn the_calendar_edges_give_an_error_not_a_panic() {
        for interval in [Interval::Day, Interval::Week, Interval::Month] {
            // Neither call may panic; what they answer does not matter here.
            let _ =
                SeriesRange::new(None, None, interval, NaiveDate::MIN, false).map(|r| r.periods());
            let _ = SeriesRange::new(Some(NaiveDate::MAX), None, interval, NaiveDate::MIN, false)
                .map(|r| r.periods());
        }
    }
}
