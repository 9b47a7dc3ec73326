//! Revenue per day, week or month as an SVG line chart drawn by `plotters` (its SVG backend,
//! writing to a string): one line per location (or one for the location chosen), drawn twice,
//! for a wide and for a narrow screen (the stylesheet shows one), so that the axis labels keep
//! a readable size on a phone; over the plot, one column per period that shows its figures
//! when tapped, clicked or focused (the script), and the same figures as a table.
//!
//! plotters is built without its font features: its SVG backend writes axis labels as SVG
//! `<text>` (the browser picks the font) and only estimates their width, so no font file is
//! read on the server.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use maud::{Markup, PreEscaped, html};
use plotters::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tracing::error;
use zinc_domain::{Interval, Location, Period, RevenueTotals};

use super::format;

/// Horizontal grid lines (and y labels) above the lowest.
const Y_STEPS: u32 = 4;
/// The size of the axis labels as plotters takes it (its SVG writes `font-size` as this
/// divided by 1.24: 14.5 units): at the narrowest width each drawing is shown at (a scale of
/// 0.79 at least, see the stylesheet), at least 11 CSS pixels.
const LABEL_SIZE: u32 = 18;
/// Points are drawn on a line only when periods are at least this far apart (in the
/// drawing's units); closer, they would merge into a band.
const POINT_SPACING: f64 = 12.0;
/// The radius of a period's point.
const POINT_RADIUS: u32 = 4;

/// One drawing of the chart: its size and how many dates fit under its x axis.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// The class the stylesheet shows it by.
    class: &'static str,
    width: u32,
    height: u32,
    /// Dates written under the x axis at most.
    x_labels: usize,
    /// The width of the y axis' labels.
    y_label_area: u32,
    /// Room right of the plot: half of the widest date ("31 Mar 2025"), which is centred on
    /// the last period when it is labelled.
    margin_right: u32,
}

/// For a desktop (shown from 841 CSS pixels wide: 759 wide at least, a scale of 0.79).
const WIDE: Layout = Layout {
    class: "wide",
    width: 960,
    height: 320,
    x_labels: 6,
    y_label_area: 88,
    margin_right: 56,
};
/// For a phone (shown up to 840 CSS pixels wide; at 390, 324 wide: a scale of 0.81).
const NARROW: Layout = Layout {
    class: "narrow",
    width: 400,
    height: 300,
    x_labels: 3,
    y_label_area: 80,
    margin_right: 56,
};

/// One line of the chart: the revenue per period at a location (or at both).
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// Where; `None` for both locations together.
    pub location: Option<Location>,
    /// Every period of the range, in order, zeros included.
    pub periods: &'a [(Period, RevenueTotals)],
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

/// "day", "week" or "month", for headings.
pub fn noun(interval: Interval) -> &'static str {
    interval.as_str()
}

/// A period as people read it: "Mon 3 Mar 2025", "Week of 3 – 9 Mar 2025", "Mar 2025" (or
/// its days, when the range cuts it short).
fn period_text(interval: Interval, period: &Period) -> String {
    let (from, to) = (period.days.from(), period.days.to());
    match interval {
        Interval::Day => format!("{} {}", from.weekday(), format::date_text(from)),
        Interval::Week => format!("Week of {}", format::period_text(from, to)),
        Interval::Month if from == period.start && to == month_end(from) => {
            format::month_text(from)
        }
        Interval::Month => format::period_text(from, to),
    }
}

fn month_end(start: NaiveDate) -> NaiveDate {
    start
        .checked_add_months(chrono::Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(start)
}

/// An x-axis label: the period's first day with its year, or its month and year.
fn axis_date(interval: Interval, start: NaiveDate) -> String {
    match interval {
        Interval::Month => format::month_text(start),
        Interval::Day | Interval::Week => format::date_text(start),
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

fn revenue(totals: &RevenueTotals) -> f64 {
    totals.revenue.to_f64().unwrap_or(0.0)
}

/// What period `index`'s column says when chosen: its `name` and each line's figures.
fn readout(series: &[Series<'_>], name: &str, index: usize, money: &format::Money) -> String {
    let mut out = String::with_capacity(name.len() + 40 * series.len());
    out.push_str(name);
    out.push_str(": ");
    let lines = series
        .iter()
        .filter_map(|line| Some((line, &line.periods.get(index)?.1)));
    for (at, (line, totals)) in lines.enumerate() {
        if at > 0 {
            out.push_str("; ");
        }
        if series.len() > 1 {
            out.push_str(line.label());
            out.push(' ');
        }
        money.write(&mut out, totals.revenue);
        out.push_str(", ");
        format::push_counted(&mut out, totals.order_count, "order", "orders");
    }
    out
}

/// The chart of `series` (each with every period of the same range, cut by `interval`),
/// with a legend when there is more than one line.
pub fn revenue_chart(series: &[Series<'_>], interval: Interval, currency: &str) -> Markup {
    let money = format::Money::new(currency);
    let periods = series.first().map_or(&[][..], |s| s.periods);
    // Each line's revenue per period as plotters draws it, once for both drawings.
    let heights: Vec<Vec<f64>> = series
        .iter()
        .map(|s| s.periods.iter().map(|(_, t)| revenue(t)).collect())
        .collect();
    let (low, high) = heights
        .iter()
        .flatten()
        .fold((0.0_f64, 0.0_f64), |(low, high), &v| {
            (low.min(v), high.max(v))
        });
    let step = nice_step((high - low) / f64::from(Y_STEPS));
    let floor = (low / step).floor() * step;
    let ceiling = floor + step * f64::from(Y_STEPS).max(((high - floor) / step).ceil());
    let noun = noun(interval);
    let description = match (periods.first(), periods.last()) {
        (Some((first, _)), Some((last, _))) => format!(
            "Revenue per {noun} from {} to {}: {}. {}.",
            format::date_text(first.days.from()),
            format::date_text(last.days.to()),
            format::counted(periods.len() as u64, noun, &format!("{noun}s")),
            series
                .iter()
                .map(|s| {
                    let best = s
                        .periods
                        .iter()
                        .map(|(_, t)| t.revenue)
                        .max()
                        .unwrap_or_default();
                    format!("{} highest {}", s.label(), money.text(best))
                })
                .collect::<Vec<_>>()
                .join("; ")
        ),
        _ => "No periods to show.".to_owned(),
    };
    // Each period's name, for its column and its row of the table; what each column says,
    // escaped once for both drawings.
    let names: Vec<String> = periods
        .iter()
        .map(|(period, _)| period_text(interval, period))
        .collect();
    let readouts: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(index, name)| escape(readout(series, name, index, &money)))
        .collect();
    let drawn: Result<Vec<String>, String> = [WIDE, NARROW]
        .into_iter()
        .map(|layout| {
            plot(series, &heights, interval, layout, (floor, ceiling), &money)
                .and_then(|(svg, columns)| wrap(&svg, layout, &columns, &readouts, &description))
        })
        .collect();
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
                Ok(drawings) => { @for svg in drawings { (PreEscaped(svg)) } },
                Err(message) => {
                    div.chart-missing role="img" aria-label="The chart could not be drawn" {
                        p { "The chart could not be drawn (" (message) "); the table below has the figures." }
                    }
                }
            }
            p.readout aria-live="polite" {
                "Tap, click or focus a " (noun) " on the chart to read its figures here."
            }
            figcaption { "Revenue per " (noun) " (order totals incl. tax, refunds subtracted). The table below has every " (noun) "'s figures." }
        }
        details.chart-table {
            summary { "The figures per " (noun) " as a table" }
            table #chart-figures data-interval=(interval.as_str()) {
                thead {
                    tr {
                        th scope="col" { (format::capitalised(noun)) }
                        @for line in series {
                            th.num scope="col" { "Revenue" @if series.len() > 1 { " (" (line.label()) ")" } }
                            th.num scope="col" { "Orders" @if series.len() > 1 { " (" (line.label()) ")" } }
                        }
                    }
                }
                tbody {
                    @for (index, ((period, _), name)) in periods.iter().zip(&names).enumerate() {
                        tr {
                            th scope="row" { time datetime=(period.start) { (name) } }
                            @for line in series {
                                @if let Some((_, totals)) = line.periods.get(index) {
                                    td.num data-location=(line.label()) { (money.markup(totals.revenue)) }
                                    td.num { (format::count(totals.order_count)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The plot area's column of each period, in the drawing's units: `(x, y, width, height)`.
type Column = (i32, i32, i32, i32);

/// plotters' SVG of the series (their revenue per period in `heights`) over `floor..ceiling`
/// in `layout`: grid, axis labels, lines, and points when they are far enough apart; and each
/// period's column of the plot area.
fn plot(
    series: &[Series<'_>],
    heights: &[Vec<f64>],
    interval: Interval,
    layout: Layout,
    (floor, ceiling): (f64, f64),
    money: &format::Money,
) -> Result<(String, Vec<Column>), String> {
    let periods = series.first().map_or(&[][..], |s| s.periods);
    let count = periods.len();
    let label_x = |x: &f64| {
        let index = x.round();
        if (x - index).abs() > 1e-6 || index < 0.0 {
            return String::new();
        }
        periods
            .get(index as usize)
            .map(|(period, _)| axis_date(interval, period.start))
            .unwrap_or_default()
    };
    let label_y = |y: &f64| axis_money(*y, money);
    // About what plotters writes for a year of weeks, so that the text is seldom moved.
    let mut svg = String::with_capacity(16 * 1024 + 160 * count);
    let columns;
    {
        let root =
            SVGBackend::with_string(&mut svg, (layout.width, layout.height)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .margin_top(16)
            .margin_right(layout.margin_right)
            .x_label_area_size(32)
            .y_label_area_size(layout.y_label_area)
            .build_cartesian_2d(-0.5..(count.max(1) as f64 - 0.5), floor..ceiling)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_labels(Y_STEPS as usize + 1)
            .max_light_lines(0)
            .x_labels(layout.x_labels)
            .x_label_formatter(&label_x)
            .y_label_formatter(&label_y)
            .label_style(
                ("sans-serif", LABEL_SIZE)
                    .into_font()
                    .color(&RGBColor(0x57, 0x60, 0x6a)),
            )
            .bold_line_style(RGBColor(0xea, 0xee, 0xf2))
            .axis_style(RGBColor(0xd0, 0xd7, 0xde))
            .draw()
            .map_err(|e| e.to_string())?;
        let (x_range, y_range) = chart.plotting_area().get_pixel_range();
        let spacing = f64::from(x_range.end - x_range.start) / count.max(1) as f64;
        for (line, heights) in series.iter().zip(heights) {
            let colour = line.colour();
            let points = || heights.iter().enumerate().map(|(i, &y)| (i as f64, y));
            chart
                .draw_series(LineSeries::new(points(), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?;
            if spacing >= POINT_SPACING {
                // A period without orders has no point: its line lies on the axis.
                let sold = points()
                    .zip(line.periods)
                    .filter(|(_, (_, totals))| totals.order_count > 0)
                    .map(|(point, _)| Circle::new(point, POINT_RADIUS, colour.filled()));
                chart.draw_series(sold).map_err(|e| e.to_string())?;
            }
        }
        columns = (0..count)
            .map(|i| {
                let left = chart.backend_coord(&(i as f64 - 0.5, floor)).0;
                let right = chart.backend_coord(&(i as f64 + 0.5, floor)).0;
                (
                    left,
                    y_range.start,
                    (right - left).max(1),
                    y_range.end - y_range.start,
                )
            })
            .collect();
        root.present().map_err(|e| e.to_string())?;
    }
    Ok((svg, columns))
}

/// plotters' `svg` as our drawing: its class and name, plotters' shapes hidden from
/// assistive technology (the table has the figures), and over them one focusable column per
/// period carrying what it says when chosen (`readouts`, escaped; the first in the tab order;
/// the arrow keys move along, see the script).
fn wrap(
    svg: &str,
    layout: Layout,
    columns: &[Column],
    readouts: &[String],
    description: &str,
) -> Result<String, String> {
    let body_start = svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end + 1));
    let body_end = svg.rfind("</svg>");
    let (Some(body_start), Some(body_end)) = (body_start, body_end) else {
        return Err("plotters wrote no <svg> element".to_owned());
    };
    let Layout {
        class,
        width,
        height,
        ..
    } = layout;
    let mut out = String::with_capacity(svg.len() + readouts.len() * 160);
    let _ = write!(
        out,
        r#"<svg class="chart {class}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" role="group" aria-label="{}" preserveAspectRatio="xMidYMid meet"><g class="plot" aria-hidden="true">{}</g><g class="hits">"#,
        escape(description.to_owned()),
        &svg[body_start..body_end],
    );
    for (index, ((x, y, w, h), readout)) in columns.iter().zip(readouts).enumerate() {
        let _ = write!(
            out,
            r#"<rect class="hit" x="{x}" y="{y}" width="{w}" height="{h}" tabindex="{}" role="img" aria-label="{text}" data-readout="{text}"/>"#,
            if index == 0 { 0 } else { -1 },
            text = readout,
        );
    }
    out.push_str("</g></svg>");
    Ok(out)
}

/// `text` for an attribute's value between double quotes (itself when it needs nothing).
fn escape(text: String) -> String {
    if !text.contains(['&', '<', '>', '"']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// A y-axis amount: whole units, grouped, with the currency.
fn axis_money(value: f64, money: &format::Money) -> String {
    let text = money.text(Decimal::try_from(value.round()).unwrap_or_default());
    text.strip_suffix(".00").map_or(text.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use zinc_domain::SeriesRange;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Every period from `from` to `to`, zeros where `sold` has nothing.
    fn every(
        interval: Interval,
        from: &str,
        to: &str,
        sold: &[(&str, &str, u64)],
    ) -> Vec<(Period, RevenueTotals)> {
        SeriesRange::new(Some(day(from)), Some(day(to)), interval, day(to), false)
            .unwrap()
            .sum(sold.iter().map(|(date, revenue, orders)| {
                (
                    day(date),
                    RevenueTotals {
                        revenue: revenue.parse().unwrap(),
                        order_count: *orders,
                    },
                )
            }))
    }

    /// The drawing of `layout` in `html`.
    fn drawing<'a>(html: &'a str, layout: &str) -> &'a str {
        html.split(&format!("<svg class=\"chart {layout}\""))
            .nth(1)
            .and_then(|rest| rest.split("</svg>").next())
            .unwrap_or_else(|| panic!("a {layout} drawing: {html}"))
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

    fn one_line(periods: &[(Period, RevenueTotals)], interval: Interval) -> String {
        revenue_chart(
            &[Series {
                location: Some(Location::OnlineStore),
                periods,
            }],
            interval,
            "USD",
        )
        .into_string()
    }

    #[test]
    fn attribute_text_is_escaped_and_plain_text_kept() {
        assert_eq!(
            escape(r#"Tom & Jerry's <"best"> day"#.to_owned()),
            "Tom &amp; Jerry's &lt;&quot;best&quot;&gt; day"
        );
        assert_eq!(
            escape("Week of 10 – 16 Mar 2025: $5.00".to_owned()),
            "Week of 10 – 16 Mar 2025: $5.00"
        );
    }

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(3.2), 5.0);
        assert_eq!(nice_step(180.0), 200.0);
        assert_eq!(nice_step(2_400.0), 2_500.0);
    }

    #[test]
    fn each_period_has_a_column_saying_its_figures_and_no_tooltip() {
        let days = every(
            Interval::Day,
            "2025-03-01",
            "2025-03-31",
            &[("2025-03-05", "-1234.5", 2)],
        );
        let html = one_line(&days, Interval::Day);
        for layout in ["wide", "narrow"] {
            let svg = drawing(&html, layout);
            assert_eq!(svg.matches("<rect class=\"hit\"").count(), 31, "{layout}");
            assert_eq!(svg.matches("tabindex=\"0\"").count(), 1, "{layout}");
            assert!(
                svg.contains(r#"data-readout="Wed 5 Mar 2025: -$1,234.50, 2 orders""#),
                "{svg}"
            );
            assert!(!svg.contains("<title>"), "no tooltip: {svg}");
        }
        assert!(html.contains("viewBox=\"0 0 960 320\""));
        assert!(html.contains("viewBox=\"0 0 400 300\""));
        assert!(!html.contains("Hover"), "{html}");
        assert!(
            !html.contains("class=\"legend\""),
            "one line needs no legend"
        );
    }

    #[test]
    fn axis_labels_carry_the_year() {
        let days = every(Interval::Day, "2025-03-01", "2025-03-31", &[]);
        let html = one_line(&days, Interval::Day);
        let labels = texts(drawing(&html, "wide"));
        for label in ["1 Mar 2025", "31 Mar 2025", "$0"] {
            assert!(labels.contains(&label), "{label} in {labels:?}");
        }
        let months = every(Interval::Month, "2024-01-01", "2025-12-31", &[]);
        let html = one_line(&months, Interval::Month);
        let labels = texts(drawing(&html, "narrow"));
        assert!(labels.contains(&"Jan 2024"), "{labels:?}");
        let dates: Vec<&&str> = labels.iter().filter(|l| !l.starts_with('$')).collect();
        assert!(
            dates.iter().all(|label| label.contains("202")),
            "{labels:?}"
        );
    }

    #[test]
    fn periods_without_orders_have_no_point() {
        let days = every(
            Interval::Day,
            "2025-03-01",
            "2025-03-31",
            &[("2025-03-05", "10", 1), ("2025-03-20", "12", 1)],
        );
        let html = one_line(&days, Interval::Day);
        assert_eq!(drawing(&html, "wide").matches("<circle").count(), 2);
        // A year of days is too dense for points at all.
        let year = every(
            Interval::Day,
            "2024-04-01",
            "2025-03-31",
            &[("2025-03-05", "10", 1)],
        );
        let html = one_line(&year, Interval::Day);
        assert_eq!(drawing(&html, "wide").matches("<circle").count(), 0);
    }

    #[test]
    fn weeks_and_months_are_named_by_their_days() {
        let weeks = every(
            Interval::Week,
            "2025-03-05",
            "2025-03-18",
            &[("2025-03-11", "5", 1)],
        );
        let html = one_line(&weeks, Interval::Week);
        assert!(
            html.contains(r#"data-readout="Week of 10 – 16 Mar 2025: $5.00, 1 order""#),
            "{html}"
        );
        let months = every(Interval::Month, "2025-03-01", "2025-04-17", &[]);
        let html = one_line(&months, Interval::Month);
        assert!(
            html.contains(r#"data-readout="Mar 2025: $0.00, 0 orders""#),
            "{html}"
        );
        assert!(html.contains("Revenue per month"), "{html}");
    }

    #[test]
    fn both_locations_are_two_lines_with_a_legend() {
        let online = every(
            Interval::Day,
            "2025-03-01",
            "2025-03-07",
            &[("2025-03-02", "10", 1)],
        );
        let golf = every(
            Interval::Day,
            "2025-03-01",
            "2025-03-07",
            &[("2025-03-03", "25.5", 1)],
        );
        let both = [
            Series {
                location: Some(Location::OnlineStore),
                periods: &online,
            },
            Series {
                location: Some(Location::GolfExperience),
                periods: &golf,
            },
        ];
        let html = revenue_chart(&both, Interval::Day, "USD").into_string();
        for colour in ["#1F5FBF", "#C2410C"] {
            let line =
                format!(r#"<polyline fill="none" opacity="1" stroke="{colour}" stroke-width="2""#);
            assert_eq!(html.matches(&line).count(), 2, "{colour}: {html}");
        }
        assert!(
            html.contains(
                r#"data-readout="Mon 3 Mar 2025: Online Store $0.00, 0 orders; Golf - experience $25.50, 1 order""#
            ),
            "{html}"
        );
        assert!(html.contains("<ul class=\"legend\""), "{html}");
    }

    #[test]
    fn a_single_day_is_drawn_in_the_middle() {
        let days = every(Interval::Day, "2025-03-01", "2025-03-01", &[]);
        let html = one_line(&days, Interval::Day);
        assert_eq!(html.matches("<rect class=\"hit\"").count(), 2);
        assert!(!html.contains("NaN"));
    }
}
