//! `bench/sql/*.sql`, the statements `bench/api.sh` runs in pgbench beside each read route,
//! rendered from the functions the server builds them with, so that they cannot drift: the
//! test fails when a file differs, and rewrites them all when `ZINC_WRITE_BENCH_SQL=1`:
//!
//! ```text
//! ZINC_WRITE_BENCH_SQL=1 cargo nextest run -p zinc-postgres bench_sql
//! ```
//!
//! The server's parameters (`$1`...) become pgbench variables (`:from`...), which pgbench
//! sends as a prepared statement's parameters, as the server does.

use std::path::PathBuf;

use chrono::NaiveDate;
use sea_orm::Statement;
use zinc_domain::{DateBounds, DateRange, Location, OrderFilter, OrderId, Page, RankBy};

use super::{daily_revenue, order_by_id, order_list, order_total, page_of, revenue, top_products};

/// One file: its name, what it measures (comment lines), pgbench commands before the
/// statements, and the statements with the pgbench variable of each of their parameters.
struct BenchFile {
    name: &'static str,
    about: &'static str,
    preamble: String,
    statements: Vec<(Statement, &'static [&'static str])>,
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A calendar year (so that best sellers read the yearly rollup alone).
fn year() -> (NaiveDate, NaiveDate) {
    (day("2024-01-01"), day("2024-12-31"))
}

fn year_bounds() -> DateBounds {
    let (from, to) = year();
    DateBounds::new(Some(from), Some(to)).unwrap()
}

fn files() -> Vec<BenchFile> {
    let (from, to) = year();
    let online = Location::parse("Online Store").unwrap();
    let top = |by| top_products(year_bounds(), None, by, 10).unwrap();
    vec![
        BenchFile {
            name: "revenue.sql",
            about: "GET /api/v1/metrics/revenue?from&to: SalesFigures::revenue, from the daily \
                    rollup.",
            preamble: String::new(),
            statements: vec![(revenue(year_bounds(), None), &["from", "to"])],
        },
        BenchFile {
            name: "revenue_location.sql",
            about: "GET /api/v1/metrics/revenue?from&to&location: SalesFigures::revenue, from \
                    the daily rollup.",
            preamble: String::new(),
            statements: vec![(
                revenue(year_bounds(), Some(online)),
                &["from", "to", "location"],
            )],
        },
        BenchFile {
            name: "daily_revenue.sql",
            about: "GET /api/v1/metrics/revenue/daily?from&to: SalesFigures::daily_revenue, \
                    from the daily rollup.",
            preamble: String::new(),
            statements: vec![(
                daily_revenue(DateRange::new(from, to).unwrap(), None),
                &["from", "to"],
            )],
        },
        BenchFile {
            name: "top_products_revenue.sql",
            about: "GET /api/v1/metrics/products/top?from&to&by=revenue over whole calendar \
                    years: SalesFigures::top_products, from the yearly rollup over all \
                    locations (:year_from, :year_to: first days of the first and last year), the \
                    API's default limit (10) written in. A range with loose months or days adds \
                    their monthly or daily rows (UNION ALL).",
            preamble: String::new(),
            statements: vec![(top(RankBy::Revenue), &["year_from", "year_to"])],
        },
        BenchFile {
            name: "top_products_quantity.sql",
            about: "GET /api/v1/metrics/products/top?from&to&by=quantity over whole calendar \
                    years: as top_products_revenue.sql, ranked by quantity.",
            preamble: String::new(),
            statements: vec![(top(RankBy::Quantity), &["year_from", "year_to"])],
        },
        BenchFile {
            name: "orders_first_page.sql",
            about: "GET /api/v1/orders (no filter, first page): OrderBook::list_orders, the \
                    list's total from the daily rollup, then the page (the server runs the two \
                    side by side, on two connections; here one after the other).",
            preamble: String::new(),
            statements: vec![
                (order_total(&OrderFilter::default()), &[]),
                (
                    page_of(
                        order_list(&OrderFilter::default()),
                        Page::new(50, 0).unwrap(),
                    ),
                    &["limit", "offset"],
                ),
            ],
        },
        BenchFile {
            name: "order_by_id.sql",
            about: "GET /api/v1/orders/{id} (a random stored id): OrderBook::find_order, the \
                    order, its item count and the first page of its items (the API's default \
                    page) in one statement.",
            preamble: format!(
                "\\set id random(:id_min, :id_max)\n\\set limit {}\n\\set offset 0\n",
                Page::DEFAULT_LIMIT
            ),
            statements: vec![(
                order_by_id(OrderId::new(1), Page::default()),
                &["id", "limit", "offset"],
            )],
        },
    ]
}

/// `statement`'s text with `$n` replaced by the `n`th of `variables` as `:variable`.
fn with_variables(statement: &Statement, variables: &[&str]) -> String {
    let values = statement.values.as_ref().map_or(0, |values| values.0.len());
    assert_eq!(
        values,
        variables.len(),
        "{}: one pgbench variable per parameter",
        statement.sql
    );
    let mut sql = statement.sql.clone();
    // From the last: `$1` is a prefix of `$10`.
    for (n, variable) in variables.iter().enumerate().rev() {
        sql = sql.replace(&format!("${}", n + 1), &format!(":{variable}"));
    }
    sql
}

fn render(file: &BenchFile) -> String {
    let mut text = String::new();
    let mut line = String::from("--");
    for word in file.about.split_whitespace() {
        if line.len() + 1 + word.len() > 100 {
            text.push_str(&line);
            text.push('\n');
            line = String::from("--");
        }
        line.push(' ');
        line.push_str(word);
    }
    text.push_str(&line);
    text.push_str(
        "\n-- Generated from crates/postgres/src/queries.rs by its bench_sql test: do not edit.\n",
    );
    text.push_str(&file.preamble);
    for (statement, variables) in &file.statements {
        text.push_str(&with_variables(statement, variables));
        text.push_str(";\n");
    }
    text
}

#[test]
fn bench_sql_files_are_the_servers_statements() {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/sql");
    let write = std::env::var_os("ZINC_WRITE_BENCH_SQL").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for file in files() {
        let path = directory.join(file.name);
        let expected = render(&file);
        if write {
            std::fs::write(&path, &expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            stale.push(file.name);
        }
    }
    assert!(
        stale.is_empty(),
        "bench/sql differs from the server's statements: {stale:?}; \
         rewrite with ZINC_WRITE_BENCH_SQL=1 cargo nextest run -p zinc-postgres bench_sql"
    );
}

#[test]
fn a_calendar_year_is_one_whole_year_only() {
    // What the best sellers' files assume: no monthly or daily rows in the union.
    let split = crate::rollups::split_by_month(year_bounds());
    assert!(split.days.is_empty(), "{split:?}");
    let months = split.months.unwrap();
    let split = crate::rollups::split_by_year(months);
    assert!(split.months.is_empty(), "{split:?}");
    assert_eq!(split.years, Some((Some(year().0), Some(year().0))));
}
