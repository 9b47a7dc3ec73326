//! Daily revenue as an SVG line chart drawn by `plotters` (its SVG backend, writing to a
//! string): one line per location (or one for the location chosen), one point per day with a
//! `<title>` tooltip added to plotters' circles here, a fixed view box (the page reserves its
//! height before it loads), and the same figures as a table for screen readers and keyboards.
//!
//! plotters is built without its font features: its SVG backend writes axis labels as SVG
//! `<text>` (the browser picks the font) and only estimates their width, so no font file is
//! read on the server.

use std::fmt::Write as _;

use maud::{Markup, PreEscaped, html};
use plotters::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tracing::error;
use zinc_domain::{DailyRevenue, Location};

use super::format;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 320;
/// Dates written under the x axis at most.
const X_LABELS: usize = 6;
/// Horizontal grid lines (and y labels) above the lowest.
const Y_STEPS: u32 = 4;
/// The radius of a day's point.
const POINT_RADIUS: u32 = 3;

/// One line of the chart: the revenue per day at a location (or at both).
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// Where; `None` for both locations together.
    pub location: Option<Location>,
    /// Every day of the range, in order, zeros included.
    pub days: &'a [DailyRevenue],
}

impl Series<'_> {
    fn label(&self) -> &'static str {
        self.location.map_or("Both locations", Location::as_str)
    }

    /// The colour of the line and of its legend entry.
    fn colour(&self) -> RGBColor {
        match self.location {
            None => RGBColor(0x1f, 0x5f, 0xbf),
            Some(Location::OnlineStore) => RGBColor(0x1f, 0x5f, 0xbf),
            Some(Location::GolfExperience) => RGBColor(0xc2, 0x41, 0x0c),
        }
    }

    fn hex(&self) -> String {
        let RGBColor(r, g, b) = self.colour();
        format!("#{r:02X}{g:02X}{b:02X}")
    }
}

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

fn revenue(day: &DailyRevenue) -> f64 {
    day.totals.revenue.to_f64().unwrap_or(0.0)
}

/// The chart of `series` (each with every day of the same range), with a legend when there
/// is more than one.
pub fn daily_revenue(series: &[Series<'_>], currency: &str) -> Markup {
    let days = series.first().map_or(&[][..], |s| s.days);
    let values = series.iter().flat_map(|s| s.days.iter().map(revenue));
    let (low, high) = values.fold((0.0_f64, 0.0_f64), |(low, high), v| {
        (low.min(v), high.max(v))
    });
    let step = nice_step((high - low) / f64::from(Y_STEPS));
    let floor = (low / step).floor() * step;
    let ceiling = floor + step * f64::from(Y_STEPS).max(((high - floor) / step).ceil());
    let description = match (days.first(), days.last()) {
        (Some(first), Some(last)) => format!(
            "Revenue per day from {} to {}: {} days, {}.",
            first.date,
            last.date,
            days.len(),
            series
                .iter()
                .map(|s| {
                    let best = s
                        .days
                        .iter()
                        .map(|d| d.totals.revenue)
                        .max()
                        .unwrap_or_default();
                    format!(
                        "{} highest {}",
                        s.label(),
                        format::money_text(best, currency)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        ),
        _ => "No days to show.".to_owned(),
    };
    let drawn = plot(series, (floor, ceiling), currency)
        .and_then(|svg| annotate(&svg, series, &description, currency));
    if let Err(message) = &drawn {
        error!(%message, "the chart could not be drawn");
    }
    html! {
        figure.chart {
            @if series.len() > 1 {
                ul.legend aria-label="Lines" {
                    @for line in series {
                        li data-location=(line.label()) {
                            svg.swatch width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" {
                                rect x="0" y="5" width="14" height="4" fill=(line.hex()) {}
                            }
                            " " (line.label())
                        }
                    }
                }
            }
            @match drawn {
                Ok(svg) => (PreEscaped(svg)),
                Err(message) => {
                    div.chart-missing role="img" aria-label="The chart could not be drawn" {
                        p { "The chart could not be drawn (" (message) "); the table below has the figures." }
                    }
                }
            }
            figcaption { "Revenue per day (order totals incl. tax, refunds subtracted). Hover a point for its figures; the table below has them all." }
        }
        details.chart-table {
            summary { "The daily figures as a table" }
            table {
                thead {
                    tr {
                        th scope="col" { "Day" }
                        @for line in series {
                            th.num scope="col" { "Revenue" @if series.len() > 1 { " (" (line.label()) ")" } }
                            th.num scope="col" { "Orders" @if series.len() > 1 { " (" (line.label()) ")" } }
                        }
                    }
                }
                tbody {
                    @for (index, day) in days.iter().enumerate() {
                        tr {
                            th scope="row" { (day.date) }
                            @for line in series {
                                @if let Some(day) = line.days.get(index) {
                                    td.num { (format::money(day.totals.revenue, currency)) }
                                    td.num { (format::count(day.totals.order_count)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// plotters' SVG of the series over `floor..ceiling`: grid, axis labels, lines and points.
fn plot(
    series: &[Series<'_>],
    (floor, ceiling): (f64, f64),
    currency: &str,
) -> Result<String, String> {
    let days = series.first().map_or(&[][..], |s| s.days);
    let count = days.len();
    let label_x = |x: &f64| {
        let index = x.round();
        if (x - index).abs() > 1e-6 || index < 0.0 {
            return String::new();
        }
        days.get(index as usize)
            .map(|d| d.date.format("%b %-d").to_string())
            .unwrap_or_default()
    };
    let label_y = |y: &f64| axis_money(*y, currency);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin_top(16)
            .margin_right(24)
            .x_label_area_size(32)
            .y_label_area_size(88)
            .build_cartesian_2d(-0.5..(count.max(1) as f64 - 0.5), floor..ceiling)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_labels(Y_STEPS as usize + 1)
            .max_light_lines(0)
            .x_labels(X_LABELS)
            .x_label_formatter(&label_x)
            .y_label_formatter(&label_y)
            .label_style(
                ("sans-serif", 15)
                    .into_font()
                    .color(&RGBColor(0x57, 0x60, 0x6a)),
            )
            .bold_line_style(RGBColor(0xea, 0xee, 0xf2))
            .axis_style(RGBColor(0xd0, 0xd7, 0xde))
            .draw()
            .map_err(|e| e.to_string())?;
        for line in series {
            let colour = line.colour();
            let points = || {
                line.days
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (i as f64, revenue(d)))
            };
            chart
                .draw_series(LineSeries::new(points(), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(points().map(|p| Circle::new(p, POINT_RADIUS, colour.filled())))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// plotters' `svg` made accessible: our root element (class, role, title, description),
/// and each circle, in the order drawn (series by series, day by day), given its day's
/// figures as data attributes and a `<title>` tooltip, grouped per series.
fn annotate(
    svg: &str,
    series: &[Series<'_>],
    description: &str,
    currency: &str,
) -> Result<String, String> {
    let body_start = svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end + 1));
    let body_end = svg.rfind("</svg>");
    let (Some(body_start), Some(body_end)) = (body_start, body_end) else {
        return Err("plotters wrote no <svg> element".to_owned());
    };
    let mut rest = &svg[body_start..body_end];
    let mut out = String::with_capacity(svg.len() * 2);
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet"><title id="chart-title">Daily revenue</title><desc id="chart-desc">{}</desc>"#,
        escape(description)
    );
    for line in series {
        let label = escape(line.label());
        let mut opened = false;
        for day in line.days {
            let at = rest.find("<circle ");
            let end = at.and_then(|at| rest[at..].find("/>").map(|end| (at, at + end)));
            let Some((at, end)) = end else {
                return Err("plotters drew fewer points than days".to_owned());
            };
            out.push_str(&rest[..at]);
            if !opened {
                let _ = write!(out, r#"<g class="points" data-location="{label}">"#);
                opened = true;
            }
            let _ = write!(
                out,
                r#"<circle class="point" data-date="{}" data-revenue="{}" data-orders="{}" {}><title>{}: {}, {} orders ({label})</title></circle>"#,
                day.date,
                day.totals.revenue,
                day.totals.order_count,
                rest[at + "<circle ".len()..end].trim_end(),
                day.date.format("%a %Y-%m-%d"),
                escape(&format::money_text(day.totals.revenue, currency)),
                format::count(day.totals.order_count),
            );
            rest = &rest[end + 2..];
        }
        if opened {
            out.push_str("</g>");
        }
    }
    if rest.contains("<circle ") {
        return Err("plotters drew more points than days".to_owned());
    }
    out.push_str(rest);
    out.push_str("</svg>");
    Ok(out)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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

    /// The text of each `<text>` element of `svg`.
    fn texts(svg: &str) -> Vec<&str> {
        svg.split("<text ")
            .skip(1)
            .filter_map(|rest| rest.split_once('>'))
            .filter_map(|(_, rest)| rest.split("</text>").next())
            .map(str::trim)
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
        let days = every_day(from, to, &sold);
        let one = [Series {
            location: Some(Location::OnlineStore),
            days: &days,
        }];
        let svg = daily_revenue(&one, "USD").into_string();
        assert_eq!(svg.matches("<circle class=\"point\"").count(), 31);
        assert!(
            svg.contains("Wed 2025-03-05: -$1,234.50, 2 orders (Online Store)"),
            "{svg}"
        );
        assert!(svg.contains("viewBox=\"0 0 960 320\""));
        assert_eq!(svg.matches("<svg class=\"chart\"").count(), 1);
        assert!(
            !svg.contains("class=\"legend\""),
            "one line needs no legend"
        );
        // plotters wrote the axis labels as text.
        let labels = texts(&svg);
        for label in ["Mar 1", "Mar 31", "-$1,500", "$0", "$500"] {
            assert!(labels.contains(&label), "{label} in {labels:?}");
        }
    }

    #[test]
    fn both_locations_are_two_lines_with_a_legend() {
        let from = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2025, 3, 7).unwrap();
        let sale = |day, revenue: &str| DailyRevenue {
            date: NaiveDate::from_ymd_opt(2025, 3, day).unwrap(),
            totals: RevenueTotals {
                revenue: revenue.parse().unwrap(),
                order_count: 1,
            },
        };
        let online = every_day(from, to, &[sale(2, "10")]);
        let golf = every_day(from, to, &[sale(3, "25.5")]);
        let both = [
            Series {
                location: Some(Location::OnlineStore),
                days: &online,
            },
            Series {
                location: Some(Location::GolfExperience),
                days: &golf,
            },
        ];
        let html = daily_revenue(&both, "USD").into_string();
        for colour in ["#1F5FBF", "#C2410C"] {
            let line =
                format!(r#"<polyline fill="none" opacity="1" stroke="{colour}" stroke-width="2""#);
            assert_eq!(html.matches(&line).count(), 1, "{colour}: {html}");
        }
        for (label, revenue) in [
            ("Online Store", "Sun 2025-03-02: $10.00"),
            ("Golf - experience", "Mon 2025-03-03: $25.50"),
        ] {
            let group = html
                .split(&format!("<g class=\"points\" data-location=\"{label}\">"))
                .nth(1)
                .and_then(|rest| rest.split("</g>").next())
                .unwrap_or_else(|| panic!("a group for {label}: {html}"));
            assert_eq!(
                group.matches("<circle class=\"point\"").count(),
                7,
                "{label}"
            );
            assert!(
                group.contains(&format!("{revenue}, 1 orders ({label})")),
                "{group}"
            );
        }
        assert!(html.contains("<ul class=\"legend\""), "{html}");
        assert!(html.contains(r##"fill="#1F5FBF""##) && html.contains(r##"fill="#C2410C""##));
    }

    #[test]
    fn a_single_day_is_drawn_in_the_middle() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let days = every_day(day, day, &[]);
        let svg = daily_revenue(
            &[Series {
                location: None,
                days: &days,
            }],
            "USD",
        )
        .into_string();
        assert_eq!(svg.matches("<circle class=\"point\"").count(), 1);
        assert!(!svg.contains("NaN"));
    }
}
