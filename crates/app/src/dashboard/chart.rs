//! Daily revenue as an SVG line chart drawn here: a fixed view box (the page reserves its
//! height before it loads), one point per day with a `<title>` tooltip, axis labels as SVG
//! text (no font files needed on the server), and the same figures as a table for screen
//! readers and keyboards.

use std::fmt::Write as _;

use maud::{Markup, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use zinc_domain::DailyRevenue;

use super::format;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 84.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;
/// Dates written under the x axis at most.
const X_LABELS: usize = 6;
/// Horizontal grid lines (and y labels) above the lowest.
const Y_STEPS: u32 = 4;

/// A step of 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

/// The chart of `days` (every day of the range, in order, zeros included).
pub fn daily_revenue(days: &[DailyRevenue], currency: &str) -> Markup {
    let values: Vec<f64> = days
        .iter()
        .map(|d| d.totals.revenue.to_f64().unwrap_or(0.0))
        .collect();
    let high = values.iter().copied().fold(0.0, f64::max);
    let low = values.iter().copied().fold(0.0, f64::min);
    let step = nice_step((high - low) / f64::from(Y_STEPS));
    let floor = (low / step).floor() * step;
    let ceiling = floor + step * f64::from(Y_STEPS).max(((high - floor) / step).ceil());
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let x = |index: usize| {
        if days.len() <= 1 {
            LEFT + plot_width / 2.0
        } else {
            LEFT + plot_width * index as f64 / (days.len() - 1) as f64
        }
    };
    let y = |value: f64| TOP + plot_height * (1.0 - (value - floor) / (ceiling - floor));
    let mut line = String::new();
    for (index, value) in values.iter().enumerate() {
        let command = if index == 0 { 'M' } else { 'L' };
        let _ = write!(line, "{command}{:.1},{:.1}", x(index), y(*value));
    }
    let grid: Vec<f64> = (0..)
        .map(|n| floor + step * f64::from(n))
        .take_while(|value| *value <= ceiling + step / 2.0)
        .collect();
    let label_every = days.len().div_ceil(X_LABELS).max(1);
    let first = days.first().map(|d| d.date);
    let last = days.last().map(|d| d.date);
    let description = match (first, last) {
        (Some(first), Some(last)) => format!(
            "Revenue per day from {first} to {last}: {} days, highest {}.",
            days.len(),
            format::money_text(Decimal::try_from(high).unwrap_or_default(), currency)
        ),
        _ => "No days to show.".to_owned(),
    };
    html! {
        figure.chart {
            svg.chart viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) width=(WIDTH) height=(HEIGHT)
                role="img" aria-labelledby="chart-title chart-desc"
                preserveAspectRatio="xMidYMid meet" {
                title #chart-title { "Daily revenue" }
                desc #chart-desc { (description) }
                g.grid {
                    @for value in &grid {
                        line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(fmt1(y(*value))) y2=(fmt1(y(*value))) {}
                        text.y-label x=(LEFT - 8.0) y=(fmt1(y(*value) + 4.0)) text-anchor="end" {
                            (axis_money(*value, currency))
                        }
                    }
                }
                g.x-labels {
                    @for (index, day) in days.iter().enumerate() {
                        @let last = index + 1 == days.len();
                        @if (index % label_every == 0 && (last || index + label_every / 2 < days.len())) || (last && days.len() > 1) {
                            @let anchor = if days.len() == 1 { "middle" } else if index == 0 { "start" } else if last { "end" } else { "middle" };
                            text x=(fmt1(x(index))) y=(HEIGHT - 12.0) text-anchor=(anchor) {
                                (day.date.format("%b %-d"))
                            }
                        }
                    }
                }
                path.line d=(line) fill="none" {}
                g.points {
                    @for (index, day) in days.iter().enumerate() {
                        circle.point cx=(fmt1(x(index))) cy=(fmt1(y(values[index]))) r="3"
                            data-date=(day.date) data-revenue=(day.totals.revenue)
                            data-orders=(day.totals.order_count) {
                            title {
                                (day.date.format("%a %Y-%m-%d")) ": "
                                (format::money_text(day.totals.revenue, currency)) ", "
                                (format::count(day.totals.order_count)) " orders"
                            }
                        }
                    }
                }
            }
            figcaption { "Revenue per day (order totals incl. tax, refunds subtracted). Hover a point for its figures; the table below has them all." }
        }
        details.chart-table {
            summary { "The daily figures as a table" }
            table {
                thead { tr { th scope="col" { "Day" } th.num scope="col" { "Revenue" } th.num scope="col" { "Orders" } } }
                tbody {
                    @for day in days {
                        tr {
                            th scope="row" { (day.date) }
                            td.num { (format::money(day.totals.revenue, currency)) }
                            td.num { (format::count(day.totals.order_count)) }
                        }
                    }
                }
            }
        }
    }
}

fn fmt1(value: f64) -> String {
    format!("{value:.1}")
}

/// A y-axis amount: whole units, grouped, with the currency.
fn axis_money(value: f64, currency: &str) -> String {
    let text = format::money_text(
        Decimal::try_from(value.round()).unwrap_or_default(),
        currency,
    );
    text.strip_suffix(".00").map_or(text.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use zinc_domain::{Interval, RevenueTotals, SeriesRange};

    use super::*;

    /// Every day from `from` to `to`, zeros where `sold` has nothing.
    fn every_day(from: NaiveDate, to: NaiveDate, sold: &[DailyRevenue]) -> Vec<DailyRevenue> {
        SeriesRange::new(Some(from), Some(to), Interval::Day, to, false)
            .unwrap()
            .sum(sold.iter().map(|d| (d.date, d.totals)))
            .into_iter()
            .map(|(period, totals)| DailyRevenue {
                date: period.start,
                totals,
            })
            .collect()
    }

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(3.2), 5.0);
        assert_eq!(nice_step(180.0), 200.0);
        assert_eq!(nice_step(2_400.0), 2_500.0);
    }

    #[test]
    fn one_point_per_day_each_with_its_figures_in_a_tooltip() {
        let from = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        let sold = [DailyRevenue {
            date: NaiveDate::from_ymd_opt(2025, 3, 5).unwrap(),
            totals: RevenueTotals {
                revenue: "-1234.5".parse().unwrap(),
                order_count: 2,
            },
        }];
        let svg = daily_revenue(&every_day(from, to, &sold), "USD").into_string();
        assert_eq!(svg.matches("<circle class=\"point\"").count(), 31);
        assert!(
            svg.contains("Wed 2025-03-05: -$1,234.50, 2 orders"),
            "{svg}"
        );
        assert!(svg.contains("viewBox=\"0 0 960 320\""));
    }

    #[test]
    fn a_single_day_is_drawn_in_the_middle() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let svg = daily_revenue(&every_day(day, day, &[]), "USD").into_string();
        assert_eq!(svg.matches("<circle class=\"point\"").count(), 1);
        assert!(!svg.contains("NaN"));
    }
}
