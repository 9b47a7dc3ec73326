//! The period and location a page shows, from the URL, with the API's parameter names
//! (`from`, `to`, `location`) and parsers; presets end on the latest sale.

use chrono::{Days, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use zinc_domain::{DateBounds, DateRange, Interval, Location, SeriesRange};

use super::PageError;
use crate::http::AppState;
use crate::http::params;
use crate::http::problem::ApiError;
/// The presets: their label and length in days, each ending on the latest sale.
const PRESETS: [(&str, u64); 4] = [
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Last 365 days", 365),
];

/// The query of a page showing a period.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// The days, as a daily series.
    pub series: SeriesRange,
    /// The days.
    pub range: DateRange,
    /// One location, or both.
    pub location: Option<Location>,
    /// The day of the latest stored sale (today when nothing is stored).
    pub latest: NaiveDate,
    /// Whether anything is stored.
    pub any_sales: bool,
}

impl Period {
    /// The days as open-ended bounds (for the ports taking them).
    pub fn bounds(&self) -> DateBounds {
        self.range.into()
    }

    /// The days just before, as many as this period has; `None` before the calendar's start.
    pub fn previous(&self) -> Option<DateRange> {
        let to = self.range.from().pred_opt()?;
        let from = to.checked_sub_days(Days::new(self.range.days() - 1))?;
        DateRange::new(from, to).ok()
    }

    /// The query string giving this period (`from=...&to=...[&location=...]`).
    pub fn query(&self) -> String {
        query_of(self.range.from(), self.range.to(), self.location)
    }
}

fn query_of(from: NaiveDate, to: NaiveDate, location: Option<Location>) -> String {
    let mut query = format!("from={from}&to={to}");
    if let Some(location) = location {
        query.push_str("&location=");
        query.push_str(&super::session::encode_next(location.as_str()));
    }
    query
}

/// The period `query` asks for, as the API's daily revenue reads the same parameters: by
/// default the 30 days ending on the latest sale (at the location asked for; today when
/// nothing sold); only `from`, the 30 days from it; only `to`, the 30 days ending on it.
pub async fn resolve(state: &AppState, query: &RangeQuery) -> Result<Period, PageError> {
    let from = params::date("from", query.from.as_deref().filter(|t| !t.is_empty()))?;
    let to = params::date("to", query.to.as_deref().filter(|t| !t.is_empty()))?;
    let location = params::location(query.location.as_deref().filter(|t| !t.is_empty()))?;
    let stored = state.figures.latest_sale(None, location).await?;
    let latest = stored.unwrap_or_else(|| Utc::now().date_naive());
    let series =
        SeriesRange::new(from, to, Interval::Day, latest, stored.is_none()).map_err(|source| {
            ApiError::BadQuery {
                name: "from",
                source,
            }
        })?;
    Ok(Period {
        series,
        range: series.days(),
        location,
        latest,
        any_sales: stored.is_some(),
    })
}

fn days_ending(to: NaiveDate, days: u64) -> NaiveDate {
    to.checked_sub_days(Days::new(days - 1)).unwrap_or(to)
}

/// The form choosing the period and location, and the presets, for the page at `action`.
pub fn picker(period: &Period, action: &str) -> Markup {
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
            button type="submit" { "Show" }
        }
        nav.presets aria-label="Preset periods" {
            p.hint {
                @if period.any_sales {
                    "Presets end on the latest sale, " time datetime=(period.latest) { (period.latest) } "."
                } @else {
                    "No sales are stored yet: presets end today (UTC)."
                }
            }
            ul {
                @for (label, days) in PRESETS {
                    @let from = days_ending(period.latest, days);
                    @let current = period.range.from() == from && period.range.to() == period.latest;
                    li {
                        a href=(format!("{action}?{}", query_of(from, period.latest, period.location)))
                            aria-current=[current.then_some("true")] { (label) }
                    }
                }
            }
        }
    }
}
