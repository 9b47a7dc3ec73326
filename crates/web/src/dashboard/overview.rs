//! `/`: the overview of a period: revenue, orders, average order, revenue per day, and best
//! sellers, read from the same figures as `/api/v1/metrics/*` (the rollups).

use std::time::Instant;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use futures_util::future::try_join3;
use maud::{Markup, html};
use rust_decimal::Decimal;
use serde::Deserialize;
use tracing::info;
use zinc_domain::{
    DailyRevenue, DateRange, Interval, KeyScope, Location, Period as SeriesPeriod, ProductSales,
    RevenueTotals, SeriesRange,
};
use zinc_ports::BestSellers;

use super::layout::{self, Section};
use super::page::{PageError, PageQuery};
use super::range::{self, RangeQuery};
use super::{chart, format, session};
use crate::api::AppState;
use crate::api::exports;

/// Best sellers listed.
const TOP_PRODUCTS: u32 = 10;

/// What the tiles show of a period.
struct Tiles {
    totals: RevenueTotals,
    /// Units sold, refunds subtracted.
    items: i64,
}

/// The figure of `current` beside that of `previous` (same length, just before) and the
/// change in percent.
fn compared(
    current: Decimal,
    previous: Option<Decimal>,
    previous_range: Option<DateRange>,
    show: impl Fn(Decimal) -> Markup,
) -> Markup {
    html! {
        @if let (Some(previous), Some(range)) = (previous, previous_range) {
            @let change = format::change(current, previous);
            p.change {
                data.percent value=(change.map(|c| c.to_string()).unwrap_or_default()) {
                    (format::change_text(change))
                }
                span.sub aria-label=(format!("previous {} days", range.days())) {
                    " vs " (show(previous)) " in the previous "
                    (format::counted(range.days(), "day", "days")) ", "
                    (format::period(range.from(), range.to()))
                }
            }
        }
    }
}

/// The overview's query: the period and location, and the chart's interval.
#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    /// First day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD).
    pub to: Option<String>,
    /// `Online Store` or `Golf - experience`.
    pub location: Option<String>,
    /// The chart's `day`, `week` or `month`; empty or absent: chosen from the period's length
    /// ([`Interval::for_days`]).
    pub interval: Option<String>,
}

/// The overview page.
#[get("/")]
pub async fn overview(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: PageQuery<OverviewQuery>,
) -> Result<HttpResponse, PageError> {
    let started = Instant::now();
    let viewer = session::admit(&request, &state, KeyScope::Read).await?;
    let query = query.into_inner();
    let chosen = query.interval.as_deref().filter(|text| !text.is_empty());
    // Checked before the store is asked anything, with the API's parser.
    let chosen = match chosen {
        Some(_) => Some(crate::api::params::interval(chosen)?),
        None => None,
    };
    // The days of every location shown, the units and both lists of best sellers, the period
    // before: side by side, and beside the first and latest sale when the query gives the days.
    let figures = &state.figures;
    let (period, (days_sold, sellers, before)) = range::resolve_with(
        &state,
        &RangeQuery {
            from: query.from,
            to: query.to,
            location: query.location,
        },
        |range, location| {
            let previous_figures = async move {
                match range::previous(range) {
                    Some(before) => {
                        figures
                            .period_totals(before.into(), location)
                            .await
                            .map(|figures| {
                                Some(Tiles {
                                    totals: figures.totals,
                                    items: figures.units,
                                })
                            })
                    }
                    None => Ok(None),
                }
            };
            try_join3(
                figures.daily_revenue_by_location(range, location),
                figures.best_sellers(range.into(), location, TOP_PRODUCTS),
                previous_figures,
            )
        },
    )
    .await?;
    let automatic = Interval::for_days(period.range.days());
    let interval = chosen.unwrap_or(automatic);
    // The API's revenue series (`/api/v1/metrics/revenue/series`): the same daily figures
    // summed into the same periods.
    let chart_range = SeriesRange::new(
        Some(period.range.from()),
        Some(period.range.to()),
        interval,
        period.range.to(),
        false,
    )
    .map_err(|source| crate::api::problem::ApiError::BadQuery {
        name: "interval",
        source,
    })?;
    // One line per location, or the one chosen.
    let locations: Vec<Location> = period
        .location
        .map_or_else(|| Location::ALL.to_vec(), |location| vec![location]);
    let previous_range = period.previous();
    let BestSellers {
        units: items,
        by_revenue: top,
        by_quantity: top_by_units,
    } = sellers;
    let sold: Vec<Vec<DailyRevenue>> = locations
        .iter()
        .map(|location| {
            days_sold
                .iter()
                .filter(|(at, _)| at == location)
                .map(|(_, day)| *day)
                .collect()
        })
        .collect();
    // The period's totals are its days' (at each location shown: every order has one), summed
    // exactly: no statement of their own.
    let mut totals = RevenueTotals::default();
    for (_, day) in &days_sold {
        totals += day.totals;
    }
    let now = Tiles { totals, items };
    let read = started.elapsed();
    let lines: Vec<Vec<(SeriesPeriod, RevenueTotals)>> = sold
        .iter()
        .map(|sold| chart_range.sum(sold.iter().map(|day| (day.date, day.totals))))
        .collect();
    let series: Vec<chart::Series<'_>> = locations
        .iter()
        .zip(&lines)
        .map(|(location, periods)| chart::Series {
            location: Some(*location),
            periods,
        })
        .collect();
    let best = best_day(&days_sold);
    let currency = state.currency.as_str();
    let money = format::Money::new(currency);
    let query_string = period.query();
    // The presets keep an interval chosen (not the automatic one: it follows their length).
    let kept = chosen.map_or_else(String::new, |interval| {
        format!("&interval={}", interval.as_str())
    });
    let content = html! {
        @if !period.any_sales && period.location.is_none() {
            section.notice #first-import role="note" {
                h2 { "No sales yet" }
                p { "Import your first point-of-sale export on the " a href="/imports" { "Imports page" }
                    ": its revenue, orders and best sellers show here." }
            }
        }
        (range::picker_with(&period, "/", html! {
            div.field {
                label for="interval" { "Chart by" }
                select #interval name="interval" {
                    option value="" selected[chosen.is_none()] {
                        "Automatic (" (chart::noun(automatic)) ")"
                    }
                    @for each in [Interval::Day, Interval::Week, Interval::Month] {
                        option value=(each.as_str()) selected[chosen == Some(each)] { (chart::noun(each)) }
                    }
                }
            }
        }, &kept))
        section.tiles aria-label="Totals for the period" {
            div.tile #tile-revenue {
                h2 { "Revenue" }
                p.figure { (money.markup(totals.revenue)) }
                (compared(totals.revenue, before.as_ref().map(|b| b.totals.revenue), previous_range,
                    |amount| money.markup(amount)))
            }
            div.tile #tile-orders {
                h2 { "Orders" }
                p.figure { data value=(totals.order_count) { (format::count(totals.order_count)) } }
                (compared(Decimal::from(totals.order_count), before.as_ref().map(|b| Decimal::from(b.totals.order_count)),
                    previous_range, |n| html! { data value=(n) { (format::count(u64::try_from(n).unwrap_or_default())) } }))
            }
            div.tile #tile-average {
                h2 { "Average order" }
                p.figure { (money.markup(totals.average_order_value())) }
                (compared(totals.average_order_value(), before.as_ref().map(|b| b.totals.average_order_value()),
                    previous_range, |amount| money.markup(amount)))
            }
            div.tile #tile-items {
                h2 { "Items sold" }
                p.figure { data value=(now.items) { (format::signed(now.items)) } }
                (compared(Decimal::from(now.items), before.as_ref().map(|b| Decimal::from(b.items)),
                    previous_range, |n| html! { data value=(n) { (format::signed(i64::try_from(n).unwrap_or_default())) } }))
            }
            div.tile #tile-best-day {
                h2 { "Best day" }
                @match best {
                    Some(day) => p.figure {
                        (money.markup(day.totals.revenue))
                        span.sub { " on " (format::date(day.date)) }
                    },
                    None => p.figure { "No sales" },
                }
            }
        }
        section.panel aria-labelledby="daily-heading" {
            h2 #daily-heading { "Revenue per " (chart::noun(interval)) }
            (chart::revenue_chart(&series, interval, currency))
        }
        (best_sellers(("top-heading", "top-products"), "Best sellers by revenue", &top, &money))
        (best_sellers(
            ("top-quantity-heading", "top-quantity-products"),
            "Best sellers by units",
            &top_by_units,
            &money
        ))
        section.panel aria-labelledby="export-heading" {
            h2 #export-heading { "Export" }
            p {
                a.button href=(format!("/exports/sales.csv?{query_string}")) download {
                    "Download this period's sales as CSV"
                }
                " — one row per item, in the columns of the point-of-sale export (the importer reads it back unchanged)."
            }
        }
    };
    let mut response = layout::page(Section::Overview, &viewer, "Overview", content);
    let total = started.elapsed();
    info!(
        read_ms = read.as_secs_f64() * 1e3,
        render_ms = total.as_secs_f64() * 1e3,
        rows = days_sold.len(),
        "overview rendered"
    );
    if let Ok(value) = header::HeaderValue::from_str(&format!(
        "read;dur={:.1}, total;dur={:.1}",
        read.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3
    )) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("server-timing"), value);
    }
    Ok(response)
}

/// `/exports/sales.csv`: the API's export of the period, for a signed-in browser.
#[get("/exports/sales.csv")]
pub async fn download_export(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: PageQuery<RangeQuery>,
) -> Result<HttpResponse, PageError> {
    session::admit(&request, &state, KeyScope::Read).await?;
    let dates = crate::api::params::date_bounds(query.from.as_deref(), query.to.as_deref())?;
    let location = crate::api::params::location(query.location.as_deref())?;
    Ok(exports::export_response(&state, dates, location).await?)
}

/// The day of the most revenue in `days_sold` (by date, a date's locations together, as the
/// store gives them), its locations' figures added up; the earliest of equal days; `None` when
/// no day had an order.
fn best_day(days_sold: &[(Location, DailyRevenue)]) -> Option<DailyRevenue> {
    let mut best: Option<DailyRevenue> = None;
    let mut days = days_sold.iter().map(|(_, day)| *day).peekable();
    while let Some(mut day) = days.next() {
        while let Some(same) = days.next_if(|next| next.date == day.date) {
            day.totals += same.totals;
        }
        let better = match &best {
            _ if day.totals.order_count == 0 => false,
            None => true,
            Some(best) => day.totals.revenue > best.totals.revenue,
        };
        if better {
            best = Some(day);
        }
    }
    best
}

/// A table of best sellers, its heading and table named by `ids`.
fn best_sellers(
    (heading, table): (&str, &str),
    title: &str,
    top: &[ProductSales],
    money: &format::Money,
) -> Markup {
    html! {
        section.panel aria-labelledby=(heading) {
            h2 id=(heading) { (title) }
            @if top.is_empty() {
                p { "No product sold in this period." }
            } @else {
                table id=(table) {
                    thead {
                        tr {
                            th.num.hide-narrow scope="col" { "#" }
                            th scope="col" { "Product" }
                            th.num scope="col" { "Units" }
                            th.num.hide-narrow scope="col" { "Orders" }
                            th.num scope="col" { "Revenue" }
                        }
                    }
                    tbody {
                        @for (rank, product) in top.iter().enumerate() {
                            tr {
                                td.num.hide-narrow { (rank + 1) }
                                th scope="row" { a href=(format!("/products/{}", product.product_id.get())) { (product.name.as_str()) } }
                                td.num { (format::signed(product.quantity)) }
                                td.num.hide-narrow { (format::count(product.order_count)) }
                                td.num { (money.markup(product.revenue)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sold(at: Location, date: &str, revenue: &str, order_count: u64) -> (Location, DailyRevenue) {
        (
            at,
            DailyRevenue {
                date: date.parse().unwrap(),
                totals: RevenueTotals {
                    revenue: revenue.parse().unwrap(),
                    order_count,
                },
            },
        )
    }

    #[test]
    fn the_best_day_adds_up_its_locations_and_the_earliest_of_equals_wins() {
        use Location::{GolfExperience as Golf, OnlineStore as Online};
        let days = [
            sold(Online, "2025-03-01", "30.00", 1),
            sold(Golf, "2025-03-01", "25.00", 1),
            // More at one location than either of the 1st's, less than both.
            sold(Online, "2025-03-02", "50.00", 2),
            sold(Online, "2025-03-03", "40.00", 1),
            sold(Golf, "2025-03-03", "15.00", 1),
        ];
        let best = best_day(&days).unwrap();
        assert_eq!(best.date.to_string(), "2025-03-01");
        assert_eq!(best.totals.revenue.to_string(), "55.00");
        assert_eq!(best.totals.order_count, 2);
    }

    #[test]
    fn a_day_without_orders_is_never_the_best_and_none_sold_has_none() {
        let days = [
            sold(Location::OnlineStore, "2025-03-01", "-10.00", 1),
            sold(Location::OnlineStore, "2025-03-02", "0.00", 0),
        ];
        assert_eq!(best_day(&days).unwrap().date.to_string(), "2025-03-01");
        assert!(best_day(&days[1..]).is_none());
        assert!(best_day(&[]).is_none());
    }
}
