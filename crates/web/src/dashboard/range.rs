//! The period and location a page shows, from the URL, with the API's parameter names
//! (`from`, `to`, `location`) and parsers; presets end on the latest sale.

use chrono::{Datelike, Days, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use zinc_domain::{DateBounds, DateRange, Interval, Location, MAX_PERIODS, SeriesRange};

use super::page::PageError;
use crate::api::AppState;
use crate::api::params;
use crate::api::problem::ApiError;
/// A preset period, ending on the latest sale (the day "now" is, for the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preset {
    /// The last so many days.
    LastDays(u64),
    /// From the first of the latest sale's month.
    ThisMonth,
    /// The whole month before the latest sale's.
    LastMonth,
    /// From January 1 of the latest sale's year.
    ThisYear,
    /// From the first sale, or the longest period a page shows when that is longer.
    AllTime,
}

const PRESETS: [Preset; 7] = [
    Preset::LastDays(7),
    Preset::LastDays(30),
    Preset::LastDays(90),
    Preset::ThisMonth,
    Preset::LastMonth,
    Preset::ThisYear,
    Preset::AllTime,
];

impl Preset {
    /// Its label and days, for sales from `first` (if any) to `latest`; `None` for all time
    /// when nothing is stored.
    fn days(self, first: Option<NaiveDate>, latest: NaiveDate) -> Option<(String, DateRange)> {
        let month_start = latest.with_day(1)?;
        let (label, from, to) = match self {
            Preset::LastDays(days) => (
                format!("Last {days} days"),
                days_ending(latest, days),
                latest,
            ),
            Preset::ThisMonth => ("This month".to_owned(), month_start, latest),
            Preset::LastMonth => {
                let to = month_start.pred_opt()?;
                ("Last month".to_owned(), to.with_day(1)?, to)
            }
            Preset::ThisYear => ("This year".to_owned(), latest.with_ordinal(1)?, latest),
            Preset::AllTime => {
                let longest = days_ending(latest, MAX_PERIODS);
                match first? {
                    first if first >= longest => ("All time".to_owned(), first, latest),
                    _ => (
                        format!("All time (last {MAX_PERIODS} days shown)"),
                        longest,
                        latest,
                    ),
                }
            }
        };
        Some((label, DateRange::new(from, to).ok()?))
    }
}

/// The query of a page showing a period.
#[derive(Debug, Default, Deserialize)]
pub struct RangeQuery {
    /// First day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD).
    pub to: Option<String>,
    /// `Online Store` or `Golf - experience`.
    pub location: Option<String>,
}

/// A period of at most [`zinc_domain::MAX_PERIODS`] days and a location.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// The days.
    pub range: DateRange,
    /// One location, or both.
    pub location: Option<Location>,
    /// The day of the latest stored sale (today when nothing is stored).
    pub latest: NaiveDate,
    /// Whether anything is stored.
    pub any_sales: bool,
    /// The day of the first stored sale (at the location), if any.
    pub first: Option<NaiveDate>,
}

impl Period {
    /// The days as open-ended bounds (for the ports taking them).
    pub fn bounds(&self) -> DateBounds {
        self.range.into()
    }

    /// The days just before, as many as this period has; `None` before the calendar's start.
    pub fn previous(&self) -> Option<DateRange> {
        previous(self.range)
    }

    /// The query string giving this period (`from=...&to=...[&location=...]`).
    pub fn query(&self) -> String {
        query_of(self.range.from(), self.range.to(), self.location)
    }
}

/// The days just before `range`, as many as it has; `None` before the calendar's start.
pub fn previous(range: DateRange) -> Option<DateRange> {
    let to = range.from().pred_opt()?;
    let from = to.checked_sub_days(Days::new(range.days() - 1))?;
    DateRange::new(from, to).ok()
}

fn query_of(from: NaiveDate, to: NaiveDate, location: Option<Location>) -> String {
    let mut query = format!("from={from}&to={to}");
    if let Some(location) = location {
        query.push_str("&location=");
        query.push_str(&super::page::encode_next(location.as_str()));
    }
    query
}

/// The period `query` asks for, as the API's daily revenue reads the same parameters: by
/// default the 30 days ending on the latest sale (at the location asked for; today when
/// nothing sold); only `from`, the 30 days from it; only `to`, the 30 days ending on it.
pub async fn resolve(state: &AppState, query: &RangeQuery) -> Result<Period, PageError> {
    let (period, ()) = resolve_with(state, query, |_, _| async { Ok::<_, PageError>(()) }).await?;
    Ok(period)
}

/// [`resolve`], and what `read` reads of the period's days at its location. When the query
/// gives either end, the days do not depend on the stored sales, so `read` runs side by side
/// with the reading of the first and latest sale instead of after it.
pub async fn resolve_with<T, E, F>(
    state: &AppState,
    query: &RangeQuery,
    read: impl FnOnce(DateRange, Option<Location>) -> F,
) -> Result<(Period, T), PageError>
where
    F: Future<Output = Result<T, E>>,
    PageError: From<E>,
{
    let from = params::date("from", query.from.as_deref().filter(|t| !t.is_empty()))?;
    let to = params::date("to", query.to.as_deref().filter(|t| !t.is_empty()))?;
    let location = params::location(query.location.as_deref().filter(|t| !t.is_empty()))?;
    if from.is_none() && to.is_none() {
        let days = state.figures.sale_days(location).await?;
        let period = period_of((from, to), location, days)?;
        let read = read(period.range, location).await?;
        return Ok((period, read));
    }
    // Checked before the store is asked anything; the latest sale is not looked at.
    let range = series_of((from, to), None)?.days();
    let (days, read) = futures_util::future::try_join(
        async { Ok::<_, PageError>(state.figures.sale_days(location).await?) },
        async { Ok::<_, PageError>(read(range, location).await?) },
    )
    .await?;
    Ok((period_of((from, to), location, days)?, read))
}

/// The days of the query's `from` and `to` ([`resolve`]'s), with `stored` the first and latest
/// sale, if any: only where neither end is given does the range depend on it.
fn series_of(
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
    stored: Option<NaiveDate>,
) -> Result<SeriesRange, PageError> {
    let latest = stored.unwrap_or_else(|| Utc::now().date_naive());
    SeriesRange::new(from, to, Interval::Day, latest, stored.is_none()).map_err(|source| {
        PageError::from(ApiError::BadQuery {
            name: "from",
            source,
        })
    })
}

/// The period of the query's `from` and `to` at `location`, `days` its first and latest sale.
fn period_of(
    asked: (Option<NaiveDate>, Option<NaiveDate>),
    location: Option<Location>,
    days: Option<(NaiveDate, NaiveDate)>,
) -> Result<Period, PageError> {
    let (first, stored) = (days.map(|(first, _)| first), days.map(|(_, latest)| latest));
    let series = series_of(asked, stored)?;
    Ok(Period {
        range: series.days(),
        location,
        latest: stored.unwrap_or_else(|| Utc::now().date_naive()),
        any_sales: stored.is_some(),
        first,
    })
}

fn days_ending(to: NaiveDate, days: u64) -> NaiveDate {
    to.checked_sub_days(Days::new(days - 1)).unwrap_or(to)
}

/// The form choosing the period and location, and the presets, for the page at `action`.
pub fn picker(period: &Period, action: &str) -> Markup {
    picker_with(period, action, html! {}, "")
}

/// [`picker`] with the page's own `fields` in the form, before its button, and what they
/// chose (`&name=value...`, already encoded) kept by the presets' links.
pub fn picker_with(period: &Period, action: &str, fields: Markup, kept: &str) -> Markup {
    let chosen = |location: Location| period.location == Some(location);
    html! {
        form.range method="get" action=(action) aria-label="Period and location" {
            div.field {
                label for="from" { "From" }
                input #from type="date" name="from" value=(period.range.from()) required;
            }
            div.field {
                label for="to" { "To" }
                input #to type="date" name="to" value=(period.range.to()) required;
            }
            div.field {
                label for="location" { "Location" }
                select #location name="location" {
                    option value="" selected[period.location.is_none()] { "Both locations" }
                    @for location in [Location::OnlineStore, Location::GolfExperience] {
                        option value=(location.as_str()) selected[chosen(location)] { (location.as_str()) }
                    }
                }
            }
            (fields)
            button type="submit" { "Show" }
        }
        nav.presets aria-label="Preset periods" {
            p.hint {
                @if period.any_sales {
                    "Presets end on the latest sale, " (super::format::date(period.latest)) "."
                } @else {
                    "No sales are stored yet: presets end today (UTC)."
                }
            }
            ul {
                @for (label, days) in PRESETS.iter().filter_map(|preset| preset.days(period.first, period.latest)) {
                    @let current = period.range == days;
                    li {
                        a href=(format!("{action}?{}{kept}", query_of(days.from(), days.to(), period.location)))
                            aria-current=[current.then_some("true")] { (label) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn shown(first: Option<&str>, latest: &str) -> Vec<(String, String, String)> {
        PRESETS
            .iter()
            .filter_map(|p| p.days(first.map(day), day(latest)))
            .map(|(label, days)| (label, days.from().to_string(), days.to().to_string()))
            .collect()
    }

    fn row(label: &str, from: &str, to: &str) -> (String, String, String) {
        (label.to_owned(), from.to_owned(), to.to_owned())
    }

    #[test]
    fn presets_end_on_the_latest_sale() {
        assert_eq!(
            shown(Some("2024-11-05"), "2025-03-31"),
            vec![
                row("Last 7 days", "2025-03-25", "2025-03-31"),
                row("Last 30 days", "2025-03-02", "2025-03-31"),
                row("Last 90 days", "2025-01-01", "2025-03-31"),
                row("This month", "2025-03-01", "2025-03-31"),
                row("Last month", "2025-02-01", "2025-02-28"),
                row("This year", "2025-01-01", "2025-03-31"),
                row("All time", "2024-11-05", "2025-03-31"),
            ]
        );
    }

    #[test]
    fn last_month_of_january_is_december_and_leap_days_count() {
        let presets = shown(Some("2024-01-01"), "2024-03-10");
        assert_eq!(presets[4], row("Last month", "2024-02-01", "2024-02-29"));
        let presets = shown(Some("2024-01-01"), "2025-01-15");
        assert_eq!(presets[4], row("Last month", "2024-12-01", "2024-12-31"));
        assert_eq!(presets[5], row("This year", "2025-01-01", "2025-01-15"));
        // 2024-01-01 to 2025-01-15 is 381 days: more than a page shows.
        assert_eq!(
            presets[6],
            row("All time (last 366 days shown)", "2024-01-16", "2025-01-15")
        );
        // Exactly 366 days is all of it.
        let presets = shown(Some("2024-01-16"), "2025-01-15");
        assert_eq!(presets[6], row("All time", "2024-01-16", "2025-01-15"));
    }

    #[test]
    fn without_sales_there_is_no_all_time() {
        let presets = shown(None, "2025-03-31");
        assert_eq!(presets.len(), 6);
        assert!(
            presets
                .iter()
                .all(|(label, _, _)| !label.starts_with("All time"))
        );
    }
}
