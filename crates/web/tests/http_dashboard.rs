//! The dashboard's pages on mocked ports: each page reads the ports the API reads, renders
//! what they return, refuses bad parameters before touching the store, and asks for a key
//! once keys exist. A mock with no expectation panics when called.

mod support;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::test;
use chrono::{DateTime, NaiveDate, Utc};
use support::{Ports, day, unavailable};
use zinc_domain::{
    ApiKey, ClientId, DailyProductSales, DailyRevenue, DiscountPercent, ImportCounts, ImportId,
    ImportMode, ImportReport, ImportStatus, InputProblem, KeyName, KeyScope, KeySecret, Location,
    Money, Order, OrderId, Paged, ProblemLog, Product, ProductId, ProductName, ProductSales,
    ProductTotals, RevenueTotals, RevertLinks, SaleId, SessionToken, UnitPrice,
};
use zinc_ports::{BestSellers, MockApiKeys, MockDashboardSessions, PeriodTotals};

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn answer(ports: Ports, request: test::TestRequest) -> Answer {
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

async fn page(ports: Ports, uri: &str) -> Answer {
    answer(ports, test::TestRequest::get().uri(uri)).await
}

fn order(id: i64, date: &str, total: &str) -> Order {
    let total = Money::parse(total).unwrap();
    Order {
        id: OrderId::new(id),
        sale_id: SaleId::new(3_900 + id).unwrap(),
        client_id: ClientId::new(100_002_154).unwrap(),
        date: day(date),
        location: Location::GolfExperience,
        payment_method: Some("Cash".to_owned()),
        batch_number: None,
        sales_notes: None,
        notes: None,
        subtotal: total,
        discount_percentage: DiscountPercent::default(),
        discount_amount: Money::ZERO,
        tax: Money::ZERO,
        total,
        amount_paid: total,
        item_count: 1,
        import_id: ImportId::new(1),
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    }
}

/// The sales run from 2024-11-05 (the first sale) to 2025-03-31.
fn latest_sale(ports: &mut Ports) {
    ports
        .figures
        .expect_sale_days()
        .returning(|_| Ok(Some((day("2024-11-05"), day("2025-03-31")))));
}

/// The figures of the period from `from` to `to`: 64,509.982 over 1,408 orders, all in the
/// store, on the first and the last day. The period's totals are summed from its days: no
/// expectation on `revenue` or `period_totals` for it, so that asking for them would panic.
fn figures(ports: &mut Ports, from: NaiveDate, to: NaiveDate, location: Option<Location>) {
    // Every location shown in one answer: the store sold on the first and last day.
    ports
        .figures
        .expect_daily_revenue_by_location()
        .withf(move |range, at| range.from() == from && range.to() == to && *at == location)
        .times(1)
        .returning(move |_, at| {
            Ok(if at == Some(Location::GolfExperience) {
                vec![]
            } else {
                [(from, "63275.482", 1_405), (to, "1234.5", 3)]
                    .into_iter()
                    .map(|(date, revenue, order_count)| {
                        (
                            Location::OnlineStore,
                            DailyRevenue {
                                date,
                                totals: RevenueTotals {
                                    revenue: revenue.parse().unwrap(),
                                    order_count,
                                },
                            },
                        )
                    })
                    .collect()
            })
        });
    ports
        .figures
        .expect_best_sellers()
        .withf(move |dates, at, limit| {
            dates.from() == Some(from) && dates.to() == Some(to) && *at == location && *limit == 10
        })
        .times(1)
        .returning(|_, _, _| {
            let sold = ProductSales {
                product_id: ProductId::new(7),
                name: ProductName::parse("10 Practice Credits").unwrap(),
                quantity: 273,
                revenue: "9298.57".parse().unwrap(),
                order_count: 280,
            };
            Ok(BestSellers {
                units: 273,
                by_revenue: vec![sold.clone()],
                by_quantity: vec![sold],
            })
        });
}

/// The figures of the period from `from` to `to`: `revenue` over `orders` orders, and `units`
/// of one product (none when zero).
fn earlier_figures(
    ports: &mut Ports,
    (from, to): (NaiveDate, NaiveDate),
    location: Option<Location>,
    (revenue, orders, units): (&'static str, u64, i64),
) {
    ports
        .figures
        .expect_period_totals()
        .withf(move |dates, at| {
            dates.from() == Some(from) && dates.to() == Some(to) && *at == location
        })
        .times(1)
        .returning(move |_, _| {
            Ok(PeriodTotals {
                totals: RevenueTotals {
                    revenue: revenue.parse().unwrap(),
                    order_count: orders,
                },
                units,
            })
        });
}

/// The text of the change shown in the tile `id`, and its value.
fn change_in(body: &str, id: &str) -> (String, String) {
    let tile = body
        .split(&format!(r#"id="{id}""#))
        .nth(1)
        .and_then(|rest| rest.split(r#"<div class="tile""#).next())
        .unwrap_or_else(|| panic!("a tile {id}: {body}"));
    let change = tile
        .split(r#"<data class="percent" value=""#)
        .nth(1)
        .unwrap_or_else(|| panic!("a change in {id}: {tile}"));
    let (value, rest) = change.split_once(r#"">"#).unwrap();
    let text = rest.split("</data>").next().unwrap();
    (text.to_owned(), value.to_owned())
}

#[actix_web::test]
async fn the_tiles_compare_with_the_previous_period_of_the_same_length() {
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    figures(&mut ports, day("2025-03-02"), day("2025-03-31"), None);
    // 30 days before: a quarter less revenue, more orders, more units.
    earlier_figures(
        &mut ports,
        (day("2025-01-31"), day("2025-03-01")),
        None,
        ("51607.9856", 1_600, 300),
    );
    let answer = page(ports, "/").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = &answer.body;
    // 64,509.982 against 51,607.9856; 1,408 against 1,600 orders; an average of 45.82
    // against 32.25; 273 units against 300.
    assert_eq!(
        change_in(body, "tile-revenue"),
        ("+25.0%".into(), "25.0".into())
    );
    assert_eq!(
        change_in(body, "tile-orders"),
        ("-12.0%".into(), "-12.0".into())
    );
    assert_eq!(
        change_in(body, "tile-average"),
        ("+42.1%".into(), "42.1".into())
    );
    assert_eq!(
        change_in(body, "tile-items"),
        ("-9.0%".into(), "-9.0".into())
    );
    assert!(body.contains(r#"<data value="273">273</data>"#), "{body}");
    assert!(
        body.contains(r#"<data class="money" value="51607.9856">$51,607.99</data>"#),
        "{body}"
    );
    assert!(body.contains(r#"aria-label="previous 30 days""#), "{body}");
    assert!(
        body.contains(
            r#" in the previous 30 days, <time datetime="2025-01-31">31 Jan</time> – <time datetime="2025-03-01">1 Mar 2025</time>"#
        ),
        "the compared period says which days, with their year: {body}"
    );
}

#[actix_web::test]
async fn the_overview_shows_the_30_days_ending_on_the_latest_sale_by_default() {
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    figures(&mut ports, day("2025-03-02"), day("2025-03-31"), None);
    earlier_figures(
        &mut ports,
        (day("2025-01-31"), day("2025-03-01")),
        None,
        ("0", 0, 0),
    );
    let answer = page(ports, "/").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/html; charset=utf-8"
    );
    let policy = answer
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"));
    assert!(answer.headers.contains_key("server-timing"));
    let body = &answer.body;
    assert!(
        body.contains(r#"<data class="money" value="64509.982">$64,509.98</data>"#),
        "{body}"
    );
    assert!(
        body.contains(r#"<data value="1408">1,408</data>"#),
        "{body}"
    );
    assert!(body.contains("$45.82"), "the average: {body}");
    assert!(
        body.contains(
            r#"<data class="money" value="63275.482">$63,275.48</data><span class="sub"> on <time datetime="2025-03-02">2 Mar 2025</time>"#
        ),
        "the best day, of the most revenue: {body}"
    );
    // 30 days: a column per day in each drawing (desktop and phone), both lines in each.
    assert_eq!(body.matches(r#"<rect class="hit""#).count(), 60);
    assert!(
        body.contains(
            r#"data-readout="Mon 31 Mar 2025: Online Store $1,234.50, 3 orders; Golf - experience $0.00, 0 orders""#
        ),
        "{body}"
    );
    assert!(
        body.contains(r#"<table id="chart-figures" data-interval="day">"#),
        "{body}"
    );
    assert!(body.contains(r#"<ul class="legend""#), "{body}");
    assert!(
        body.contains(r#"<a href="/products/7">10 Practice Credits</a>"#),
        "{body}"
    );
    assert!(body.contains("Presets end on the latest sale"), "{body}");
    assert!(
        body.contains(r#"href="/exports/sales.csv?from=2025-03-02&amp;to=2025-03-31""#),
        "{body}"
    );
}

/// The presets linked from `body`: label and query string.
fn presets(body: &str) -> Vec<(String, String)> {
    let nav = body
        .split(r#"<nav class="presets""#)
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .unwrap_or_else(|| panic!("the presets: {body}"));
    nav.split(r#"<a href="/?"#)
        .skip(1)
        .map(|link| {
            let (query, rest) = link.split_once('"').unwrap();
            let label = rest
                .split_once('>')
                .unwrap()
                .1
                .split("</a>")
                .next()
                .unwrap();
            (label.to_owned(), query.replace("&amp;", "&"))
        })
        .collect()
}

#[actix_web::test]
async fn presets_link_the_periods_ending_on_the_latest_sale_with_the_api_parameters() {
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    figures(
        &mut ports,
        day("2025-02-01"),
        day("2025-02-28"),
        Some(Location::GolfExperience),
    );
    earlier_figures(
        &mut ports,
        (day("2025-01-04"), day("2025-01-31")),
        Some(Location::GolfExperience),
        ("0", 0, 0),
    );
    let answer = page(
        ports,
        "/?from=2025-02-01&to=2025-02-28&location=Golf%20-%20experience",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let at = "location=Golf%20%2D%20experience";
    let expected: Vec<(String, String)> = [
        ("Last 7 days", "2025-03-25", "2025-03-31"),
        ("Last 30 days", "2025-03-02", "2025-03-31"),
        ("Last 90 days", "2025-01-01", "2025-03-31"),
        ("This month", "2025-03-01", "2025-03-31"),
        ("Last month", "2025-02-01", "2025-02-28"),
        ("This year", "2025-01-01", "2025-03-31"),
        ("All time", "2024-11-05", "2025-03-31"),
    ]
    .into_iter()
    .map(|(label, from, to)| (label.to_owned(), format!("from={from}&to={to}&{at}")))
    .collect();
    assert_eq!(presets(&answer.body), expected);
    // The period shown is last month's, and says so.
    assert!(
        answer.body.contains(
            r#"<a href="/?from=2025-02-01&amp;to=2025-02-28&amp;location=Golf%20%2D%20experience" aria-current="true">Last month</a>"#
        ),
        "{}",
        answer.body
    );
    assert_eq!(
        answer.body.matches(r#"aria-current="true""#).count(),
        1,
        "one preset is current"
    );
}

#[actix_web::test]
async fn the_overview_passes_the_range_and_location_of_the_url() {
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    figures(
        &mut ports,
        day("2025-03-01"),
        day("2025-03-07"),
        Some(Location::OnlineStore),
    );
    // Nothing sold the week before: no base to compare with.
    earlier_figures(
        &mut ports,
        (day("2025-02-22"), day("2025-02-28")),
        Some(Location::OnlineStore),
        ("0", 0, 0),
    );
    let answer = page(
        ports,
        "/?from=2025-03-01&to=2025-03-07&location=Online%20Store",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body.matches(r#"<rect class="hit""#).count(), 14);
    assert_eq!(
        answer
            .body
            .matches(r#"<td class="num" data-location="Online Store">"#)
            .count(),
        7
    );
    assert!(!answer.body.contains(r#"<ul class="legend""#));
    for tile in ["tile-revenue", "tile-orders", "tile-average", "tile-items"] {
        assert_eq!(
            change_in(&answer.body, tile),
            ("—".into(), String::new()),
            "{tile}"
        );
    }
    assert!(
        answer
            .body
            .contains(r#"<option value="Online Store" selected>"#),
        "{}",
        answer.body
    );
}

#[actix_web::test]
async fn a_page_ignores_parameters_it_does_not_know() {
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    figures(&mut ports, day("2025-03-02"), day("2025-03-31"), None);
    earlier_figures(
        &mut ports,
        (day("2025-01-31"), day("2025-03-01")),
        None,
        ("51607.9856", 1_600, 300),
    );
    let answer = page(ports, "/?utm_source=newsletter&colour=red").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let mut ports = Ports::default();
    list_imports(&mut ports, || vec![rejected_report()]);
    let answer = page(ports, "/imports?limit=5&utm_campaign=spring").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[actix_web::test]
async fn bad_parameters_are_a_400_page_without_touching_the_figures() {
    for uri in [
        "/?from=2025-13-01",
        "/?location=Gym",
        "/?from=2025-03-01&from=2025-03-02",
        "/orders?offset=-1",
        "/products/abc",
    ] {
        let answer = page(Ports::default(), uri).await;
        assert_eq!(
            answer.headers.get(header::CONTENT_TYPE).unwrap(),
            "text/html; charset=utf-8",
            "{uri}"
        );
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            answer.body
        );
        assert!(
            answer.body.contains("<h2>Bad parameter</h2>"),
            "{uri}: {}",
            answer.body
        );
        for section in [
            r#"href="/orders""#,
            r#"href="/products""#,
            r#"href="/imports""#,
        ] {
            assert!(
                answer.body.contains(section),
                "{uri}: an error page keeps the navigation: {}",
                answer.body
            );
        }
    }
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    let answer = page(ports, "/?from=2024-01-01&to=2025-03-01").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("at most 366"), "{}", answer.body);
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    let answer = page(ports, "/?from=2025-03-02&to=2025-03-01").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn a_store_outage_is_a_503_page() {
    let mut ports = Ports::default();
    ports
        .figures
        .expect_sale_days()
        .returning(|_| Err(unavailable()));
    let answer = page(ports, "/").await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        answer.body.contains("Database unavailable"),
        "{}",
        answer.body
    );
}

#[actix_web::test]
async fn the_orders_page_lists_a_period_and_an_order_shows_its_items() {
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    ports
        .orders
        .expect_list_orders()
        .withf(|filter, page| filter.dates.from() == Some(day("2025-03-02")) && page.limit() == 50)
        .returning(|_, page| {
            Ok(Paged {
                items: vec![order(2, "2025-03-30", "1234.5")],
                total: 51,
                page,
            })
        });
    let answer = page(ports, "/orders").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains(r#"<a href="/orders/2">3902</a>"#),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("$1,234.50"));
    assert!(
        answer.body.contains("offset=50"),
        "a next page: {}",
        answer.body
    );

    let mut ports = Ports::default();
    ports.orders.expect_find_order().returning(|_, _| Ok(None));
    let answer = page(ports, "/orders/99").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(
        answer.body.contains("order 99 does not exist"),
        "{}",
        answer.body
    );
}

/// Product 7, "10 Practice Credits" at 32.
fn credits() -> Product {
    Product {
        id: ProductId::new(7),
        name: ProductName::parse("10 Practice Credits").unwrap(),
        price: UnitPrice::parse("32").unwrap(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

#[actix_web::test]
async fn the_products_page_searches_by_name() {
    let mut ports = Ports::default();
    ports
        .products
        .expect_list_products()
        .withf(|filter, _| filter.name_contains.as_deref() == Some("credit"))
        .returning(|_, page| {
            Ok(Paged {
                items: vec![credits()],
                total: 1,
                page,
            })
        });
    ports
        .products
        .expect_prices_since()
        .withf(|ids| ids == [ProductId::new(7)])
        .returning(|_| Ok([(ProductId::new(7), day("2025-03-06"))].into()));
    let answer = page(ports, "/products?q=credit").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer
            .body
            .contains(r#"<a href="/products/7">10 Practice Credits</a>"#)
    );
    assert!(answer.body.contains("$32.00"));
    // Since its first sale at that price, not since it was imported.
    assert!(
        answer.body.contains(
            r#"<td class="hide-narrow"><time datetime="2025-03-06">6 Mar 2025</time></td>"#
        ),
        "{}",
        answer.body
    );
}

#[actix_web::test]
async fn the_alphabetical_products_page_pages_with_next_not_older() {
    let mut ports = Ports::default();
    ports.products.expect_list_products().returning(|_, page| {
        Ok(Paged {
            items: vec![credits()],
            total: 120,
            page,
        })
    });
    ports
        .products
        .expect_prices_since()
        .returning(|_| Ok(Default::default()));
    let answer = page(ports, "/products?offset=50").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains(r#"rel="next">Next →</a>"#),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(r#"rel="prev">← Previous</a>"#),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("Older"), "{}", answer.body);
}

#[actix_web::test]
async fn a_product_shows_its_sales_per_month_ending_with_its_latest_sale() {
    let mut ports = Ports::default();
    ports
        .products
        .expect_find_product()
        .returning(|id| Ok(Some(Product { id, ..credits() })));
    ports
        .figures
        .expect_latest_sale()
        .withf(|product, location| *product == Some(ProductId::new(7)) && location.is_none())
        .returning(|_, _| Ok(Some(day("2025-04-17"))));
    ports
        .figures
        .expect_product_daily_sales()
        .withf(|product, range, _| {
            *product == ProductId::new(7)
                && range.from() == day("2024-05-01")
                && range.to() == day("2025-04-17")
        })
        .returning(|_, _, _| {
            let sold = |date: &str, quantity, revenue: &str| DailyProductSales {
                date: day(date),
                totals: ProductTotals {
                    quantity,
                    revenue: revenue.parse().unwrap(),
                    order_count: 1,
                },
            };
            Ok(vec![
                sold("2025-03-01", 2, "64"),
                sold("2025-03-09", 1, "32"),
                sold("2025-04-17", -1, "-32"),
            ])
        });
    ports
        .products
        .expect_prices_since()
        .withf(|ids| ids == [ProductId::new(7)])
        .returning(|_| Ok([(ProductId::new(7), day("2025-03-09"))].into()));
    let answer = page(ports, "/products/7").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = &answer.body;
    assert_eq!(
        body.matches("<time datetime=\"20").count(),
        3 + 12,
        "first imported, price since, latest sale and 12 months: {body}"
    );
    assert!(
        body.contains(
            r#"<dd id="product-price-since"><time datetime="2025-03-09">9 Mar 2025</time></dd>"#
        ),
        "{body}"
    );
    assert!(
        body.contains(r#"<th scope="row"><time datetime="2025-03">Mar 2025</time></th><td class="num">3</td><td class="num">2</td><td class="num"><data class="money" value="96">$96.00</data>"#),
        "{body}"
    );
    assert!(
        body.contains(">Apr 2025</time></th><td class=\"num\">-1</td>"),
        "{body}"
    );
}

fn rejected_report() -> ImportReport {
    let problem = InputProblem {
        line: Some(14),
        column: Some("Location".to_owned()),
        value: Some("Gym".to_owned()),
        message: "is not a known location".to_owned(),
        sale_id: SaleId::new(3971).ok(),
    };
    ImportReport {
        id: ImportId::new(7),
        file_name: "bad.csv".to_owned(),
        sha256: String::new(),
        mode: ImportMode::Strict,
        status: ImportStatus::Rejected,
        counts: ImportCounts {
            rows_total: 20,
            rows_rejected: 20,
            ..ImportCounts::default()
        },
        problems: ProblemLog::restore(vec![problem], 1),
        started_at: Utc::now(),
        finished_at: Utc::now(),
        requested_by: None,
        source: Some(zinc_domain::ImportSource::Cli),
        dry_run: false,
        replaced_sales: Vec::new(),
        rejected_lines: Default::default(),
        revert: RevertLinks::default(),
    }
}

#[actix_web::test]
async fn the_imports_page_lists_the_history_and_an_import_shows_its_problems() {
    let mut ports = Ports::default();
    list_imports(&mut ports, || vec![rejected_report()]);
    let answer = page(ports, "/imports").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains(r#"<a href="/imports/7">7</a>"#),
        "{}",
        answer.body
    );
    assert!(answer.body.contains(r#"enctype="multipart/form-data""#));

    let mut ports = Ports::default();
    ports
        .history
        .expect_find_import()
        .returning(|_| Ok(Some(rejected_report())));
    let answer = page(ports, "/imports/7").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer
            .body
            .contains("Rejected: the file has problems; nothing was written.")
    );
    assert!(answer.body.contains("<code>Gym</code>"), "{}", answer.body);
}

/// An import of the valid sales only that rejected one sale of two lines and wrote the rest.
fn partial_report() -> ImportReport {
    ImportReport {
        mode: ImportMode::SkipInvalid,
        status: ImportStatus::Succeeded,
        counts: ImportCounts {
            rows_total: 1661,
            rows_imported: 1659,
            rows_rejected: 2,
            sales_total: 1408,
            sales_rejected: 1,
            orders_unchanged: 1407,
            ..ImportCounts::default()
        },
        rejected_lines: zinc_domain::RejectedLineCounts {
            kept: 2,
            omitted: 0,
        },
        ..rejected_report()
    }
}

#[actix_web::test]
async fn a_strict_rejection_counts_the_sales_with_problems_not_every_row() {
    fn strict_rejection() -> ImportReport {
        ImportReport {
            counts: ImportCounts {
                rows_total: 1661,
                rows_rejected: 1661,
                sales_total: 1408,
                sales_rejected: 2,
                ..ImportCounts::default()
            },
            ..rejected_report()
        }
    }
    let answer = page(history_of(strict_rejection), "/imports/7").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains("<dd>1,661 read, none written</dd>"),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains("<dd>1,408 in the file, 2 with problems</dd>"),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("1,661 rejected"), "{}", answer.body);
}

#[actix_web::test]
async fn a_partial_import_reads_as_partial_with_a_link_to_its_reject_file() {
    let mut ports = Ports::default();
    list_imports(&mut ports, || vec![partial_report()]);
    let history = page(ports, "/imports").await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    assert!(
        history.body.contains("<td>Partly imported</td>"),
        "{}",
        history.body
    );

    let answer = page(history_of(partial_report), "/imports/7").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains(
            "Partly imported: 1 sale (2 lines) rejected and not written; \
             the other sales were already stored as in the file."
        ),
        "{}",
        answer.body
    );
    assert!(
        !answer.body.contains("every sale was already stored"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("notice warning"), "{}", answer.body);
    assert!(
        answer
            .body
            .contains(r#"<a id="report-rejected" href="/imports/7/rejected.csv""#),
        "the report itself links to the reject file: {}",
        answer.body
    );
    assert!(
        answer.body.contains("importing the valid sales only"),
        "the mode in words: {}",
        answer.body
    );
    assert!(!answer.body.contains("skip_invalid"), "{}", answer.body);
}

#[actix_web::test]
async fn a_file_over_the_limit_is_refused_in_words_with_the_limit_in_mib() {
    let mut ports = Ports {
        max_upload_bytes: Some(3 * 1024 * 1024),
        ..Ports::default()
    };
    list_imports(&mut ports, Vec::new);
    let upload = test::TestRequest::post()
        .uri("/imports")
        .insert_header((header::HOST, "localhost:8080"))
        .insert_header((header::ORIGIN, OWN_ORIGIN))
        .insert_header((header::CONTENT_TYPE, "text/csv"))
        .set_payload(vec![b'x'; 3 * 1024 * 1024 + 1]);
    let answer = answer(ports, upload).await;
    assert!(
        answer
            .body
            .contains("This server takes files of up to 3 MiB."),
        "{}",
        answer.body
    );
    assert!(
        !answer.body.contains("ZINC_MAX_UPLOAD_BYTES"),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("3145728 bytes"), "{}", answer.body);
    assert!(
        answer.body.contains(r#"data-max-bytes="3145728""#),
        "the form knows the limit before uploading: {}",
        answer.body
    );
}

#[actix_web::test]
async fn an_upload_posted_from_another_site_is_refused_before_anything_is_read() {
    let request = test::TestRequest::post()
        .uri("/imports")
        .insert_header((header::ORIGIN, "https://evil.example"))
        .insert_header((header::CONTENT_TYPE, "text/csv"))
        .set_payload("Sale Date\n");
    let answer = answer(Ports::default(), request).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    let request = test::TestRequest::post()
        .uri("/imports")
        .insert_header((header::CONTENT_TYPE, "text/csv"))
        .set_payload("Sale Date\n");
    let answer_without_origin = answer_of(request).await;
    assert_eq!(answer_without_origin, StatusCode::FORBIDDEN);
}

async fn answer_of(request: test::TestRequest) -> StatusCode {
    answer(Ports::default(), request).await.status
}

// Keys.

const WRITE_KEY: &str = "zinc_WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW";
const READ_KEY: &str = "zinc_RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR";
const OWN_ORIGIN: &str = "http://localhost:8080";

fn a_key(name: &str, scope: KeyScope) -> ApiKey {
    ApiKey {
        name: KeyName::parse(name).unwrap(),
        scope,
        created_at: Utc::now(),
        last_used_at: None,
        revoked_at: None,
    }
}

fn two_keys() -> MockApiKeys {
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    keys.expect_find_active_key().returning(|digest| {
        let of = |text: &str| KeySecret::parse(text).unwrap().digest();
        Ok(if *digest == of(WRITE_KEY) {
            Some(a_key("uploads", KeyScope::Write))
        } else if *digest == of(READ_KEY) {
            Some(a_key("viewer", KeyScope::Read))
        } else {
            None
        })
    });
    keys.expect_mark_used().returning(|_, _| Ok(()));
    keys
}

/// The token of an open session of the read key `viewer`.
fn read_session() -> SessionToken {
    SessionToken::from_random([1; 32])
}

/// The token of an open session of the write key `uploads`.
fn write_session() -> SessionToken {
    SessionToken::from_random([2; 32])
}

/// Sessions open for either key; [`read_session`] and [`write_session`] are open.
fn two_sessions() -> MockDashboardSessions {
    let mut sessions = MockDashboardSessions::new();
    sessions.expect_open_session().returning(|session| {
        let of = |text: &str| KeySecret::parse(text).unwrap().digest();
        Ok(session.key == of(READ_KEY) || session.key == of(WRITE_KEY))
    });
    sessions.expect_session_key().returning(|digest, _| {
        Ok(if *digest == write_session().digest() {
            Some(a_key("uploads", KeyScope::Write))
        } else if *digest == read_session().digest() {
            Some(a_key("viewer", KeyScope::Read))
        } else {
            None
        })
    });
    sessions
}

fn with_keys() -> Ports {
    Ports {
        keys: Some(two_keys()),
        sessions: Some(two_sessions()),
        ..Ports::default()
    }
}

#[actix_web::test]
async fn once_keys_exist_a_page_asks_to_sign_in_and_comes_back() {
    let answer = page(with_keys(), "/orders?from=2025-03-01").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.headers.get(header::LOCATION).unwrap(),
        "/sign-in?next=%2Forders%3Ffrom%3D2025%2D03%2D01"
    );
    let form = page(with_keys(), "/sign-in?next=%2Forders").await;
    assert!(form.body.contains(r#"type="password""#), "{}", form.body);
    assert!(!form.body.contains("zinc_"), "no key in the page");
}

/// The `Set-Cookie` headers of `answer` that set or clear the cookie `name`.
fn set_cookie(answer: &Answer, name: &str) -> String {
    let found: Vec<&str> = answer
        .headers
        .get_all(header::SET_COOKIE)
        .map(|value| value.to_str().unwrap())
        .filter(|value| value.starts_with(&format!("{name}=")))
        .collect();
    assert_eq!(found.len(), 1, "one {name} cookie: {found:?}");
    found[0].to_owned()
}

/// The value a `Set-Cookie` header gives its cookie.
fn cookie_value(set_cookie: &str) -> &str {
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1
}

#[actix_web::test]
async fn signing_in_keeps_a_session_token_not_the_key_in_an_http_only_strict_cookie() {
    let request = test::TestRequest::post()
        .uri("/sign-in")
        .insert_header((header::HOST, "localhost:8080"))
        .insert_header((header::ORIGIN, OWN_ORIGIN))
        .set_form([("key", READ_KEY), ("next", "/orders")]);
    let answer = answer(with_keys(), request).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.headers.get(header::LOCATION).unwrap(), "/orders");
    let cookie = set_cookie(&answer, "zinc_session");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{part}: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let token = cookie_value(&cookie);
    assert_ne!(token, READ_KEY);
    assert!(
        !cookie.contains(&READ_KEY["zinc_".len()..]),
        "nothing of the key is in the cookie: {cookie}"
    );
    assert!(SessionToken::parse(token).is_ok(), "{token}");
    // The cookie that held the key before sessions is cleared.
    assert!(set_cookie(&answer, "zinc_key").contains("Max-Age=0"));

    let request = test::TestRequest::post()
        .uri("/sign-in")
        .insert_header((header::HOST, "localhost:8080"))
        .insert_header((header::ORIGIN, OWN_ORIGIN))
        .set_form([("key", "zinc_nope"), ("next", "https://evil.example/")]);
    let refused = answer_with(with_keys(), request).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("not valid"), "{}", refused.body);
    assert!(refused.headers.get(header::SET_COOKIE).is_none());
    assert!(
        !refused.body.contains("evil.example"),
        "an outside next is dropped"
    );
}

async fn answer_with(ports: Ports, request: test::TestRequest) -> Answer {
    answer(ports, request).await
}

#[actix_web::test]
async fn a_signed_in_read_key_sees_pages_but_cannot_upload() {
    let mut ports = with_keys();
    list_imports(&mut ports, Vec::new);
    let cookie = actix_web::cookie::Cookie::new("zinc_session", read_session().expose().to_owned());
    let answer = answer(
        ports,
        test::TestRequest::get()
            .uri("/imports")
            .cookie(cookie.clone()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("Signed in with key <strong>viewer</strong>")
    );
    assert!(answer.body.contains("uploading files needs a write key"));
    assert!(
        !answer.body.contains(READ_KEY),
        "the key never shows in a page"
    );

    let upload = test::TestRequest::post()
        .uri("/imports")
        .insert_header((header::HOST, "localhost:8080"))
        .insert_header((header::ORIGIN, OWN_ORIGIN))
        .insert_header((header::CONTENT_TYPE, "text/csv"))
        .cookie(cookie)
        .set_payload("Sale Date\n");
    let refused = answer_with(with_keys(), upload).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body.contains("this needs a write key"),
        "{}",
        refused.body
    );
}

/// A rejected import with three problems on two columns.
fn report_with_problems() -> ImportReport {
    let problem = |line, column: &str, value: &str, message: &str| InputProblem {
        line: Some(line),
        column: Some(column.to_owned()),
        value: Some(value.to_owned()),
        message: message.to_owned(),
        sale_id: None,
    };
    ImportReport {
        problems: ProblemLog::restore(
            vec![
                problem(14, "Location", "Gym", "is not a known location"),
                problem(21, "Sale Date", "2025-13-01", "is not a calendar date"),
                problem(30, "Location", "Pool, \"B\"", "is not a known location"),
            ],
            3,
        ),
        ..rejected_report()
    }
}

#[actix_web::test]
async fn the_history_shows_each_imports_source_and_a_watched_file_says_so() {
    let mut ports = Ports::default();
    list_imports(&mut ports, || {
        vec![
            ImportReport {
                source: Some(zinc_domain::ImportSource::Watch),
                ..rejected_report()
            },
            ImportReport {
                id: ImportId::new(6),
                source: Some(zinc_domain::ImportSource::Api),
                ..rejected_report()
            },
        ]
    });
    let answer = page(ports, "/imports").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let watched = answer
        .body
        .find(r#"<td class="source hide-narrow">Watched folder</td>"#);
    let uploaded = answer
        .body
        .find(r#"<td class="source hide-narrow">Upload</td>"#);
    assert!(watched.is_some() && uploaded.is_some(), "{}", answer.body);
    assert!(watched < uploaded, "newest first: {}", answer.body);

    let answer = page(
        history_of(|| ImportReport {
            source: Some(zinc_domain::ImportSource::Watch),
            ..rejected_report()
        }),
        "/imports/7",
    )
    .await;
    assert!(
        answer.body.contains(", from a watched folder."),
        "{}",
        answer.body
    );
}

/// Import 6, which created two sales, reverted by import 8.
fn reverted_import() -> ImportReport {
    ImportReport {
        id: ImportId::new(6),
        file_name: "march.csv".to_owned(),
        status: ImportStatus::Succeeded,
        counts: ImportCounts {
            rows_total: 4,
            rows_imported: 4,
            sales_total: 3,
            orders_created: 2,
            orders_updated: 1,
            products_created: 1,
            ..ImportCounts::default()
        },
        problems: ProblemLog::new(),
        source: Some(zinc_domain::ImportSource::Api),
        revert: RevertLinks {
            reverts: None,
            reverted_by: Some(ImportId::new(8)),
        },
        ..rejected_report()
    }
}

/// Import 8, the revert of import 6 through the API: it put back one sale and removed two,
/// and the product import 6 created.
fn revert_record() -> ImportReport {
    ImportReport {
        id: ImportId::new(8),
        file_name: zinc_ports::revert_name(ImportId::new(6)),
        status: ImportStatus::Succeeded,
        counts: ImportCounts {
            orders_updated: 1,
            orders_removed: 2,
            products_removed: 1,
            ..ImportCounts::default()
        },
        problems: ProblemLog::new(),
        source: Some(zinc_domain::ImportSource::Api),
        revert: RevertLinks {
            reverts: Some(ImportId::new(6)),
            reverted_by: None,
        },
        ..rejected_report()
    }
}

#[actix_web::test]
async fn a_reverts_page_reads_as_a_revert_not_as_an_upload() {
    let answer = page(history_of(revert_record), "/imports/8").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = &answer.body;
    assert!(body.contains("<h2>Reverted import #6</h2>"), "{body}");
    assert!(
        body.contains(r#"<dd id="report-reverts"><a href="/imports/6">Import #6</a></dd>"#),
        "{body}"
    );
    assert!(
        body.contains(r#"<dd id="report-orders">1 put back as it was, 2 removed</dd>"#),
        "{body}"
    );
    assert!(
        body.contains(r#"<dd id="report-products">0 prices put back, 1 removed</dd>"#),
        "{body}"
    );
    for upload_words in [
        "Imported",
        " read, ",
        "in the file",
        "importing every sale",
        "uploaded",
    ] {
        assert!(!body.contains(upload_words), "{upload_words:?} in {body}");
    }
    assert!(
        body.contains(", through the API or the dashboard."),
        "{body}"
    );
    // A revert can be reverted in turn.
    assert!(body.contains(r#"id="revert-form""#), "{body}");
}

#[actix_web::test]
async fn a_reverted_imports_page_names_its_revert_instead_of_offering_a_check() {
    let answer = page(history_of(reverted_import), "/imports/6").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = &answer.body;
    assert!(
        body.contains(r#"<p id="reverted-by">Reverted by <a href="/imports/8">import #8</a>.</p>"#),
        "{body}"
    );
    assert!(!body.contains(r#"id="revert-form""#), "{body}");
}

#[actix_web::test]
async fn the_history_says_which_import_a_revert_reverts_and_which_revert_reverted_it() {
    let mut ports = Ports::default();
    list_imports(&mut ports, || vec![revert_record(), reverted_import()]);
    let answer = page(ports, "/imports").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = &answer.body;
    assert!(
        body.contains(r#"<td>Revert of <a href="/imports/6">#6</a></td><td class="source hide-narrow">API or dashboard</td><td class="num">—</td>"#),
        "{body}"
    );
    assert!(
        body.contains(r#"<td>Reverted by <a href="/imports/8">#8</a></td><td class="source hide-narrow">Upload</td>"#),
        "{body}"
    );
    assert!(!body.contains("<td>Imported</td>"), "{body}");
}

/// The history lists `reports`, whatever the page asked for.
fn list_imports(ports: &mut Ports, reports: fn() -> Vec<ImportReport>) {
    ports.history.expect_list_imports().returning(move |page| {
        let items = reports();
        Ok(Paged {
            total: items.len() as u64,
            items,
            page,
        })
    });
}

fn history_of(report: fn() -> ImportReport) -> Ports {
    let mut ports = Ports::default();
    ports
        .history
        .expect_find_import()
        .returning(move |_| Ok(Some(report())));
    ports
}

#[actix_web::test]
async fn an_imports_problems_can_be_filtered_and_downloaded_as_csv() {
    let answer = page(history_of(report_with_problems), "/imports/7?q=location").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains("2 of 3 problem(s)"), "{}", answer.body);
    assert!(answer.body.contains("<code>Gym</code>"));
    assert!(!answer.body.contains("2025-13-01"), "filtered out");
    assert!(
        answer
            .body
            .contains(r#"href="/imports/7/problems.csv?q=location""#),
        "{}",
        answer.body
    );
    assert!(answer.body.contains(r#"href="/imports/7/rejected.csv""#));

    let csv = page(
        history_of(report_with_problems),
        "/imports/7/problems.csv?q=LOCATION",
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        csv.body,
        "Line,Column,Value,Problem\n14,Location,Gym,is not a known location\n30,Location,\"Pool, \"\"B\"\"\",is not a known location\n"
    );
    let all = page(history_of(report_with_problems), "/imports/7/problems.csv").await;
    assert_eq!(all.body.lines().count(), 4, "{}", all.body);
}

fn report_with_a_formula() -> ImportReport {
    ImportReport {
        problems: ProblemLog::restore(
            vec![InputProblem {
                line: Some(5),
                column: Some("Quantity".to_owned()),
                value: Some("=HYPERLINK(\"http://x.example\")".to_owned()),
                message: "is not a whole number".to_owned(),
                sale_id: None,
            }],
            1,
        ),
        ..rejected_report()
    }
}

#[actix_web::test]
async fn a_problem_value_a_spreadsheet_would_run_is_downloaded_as_text() {
    let csv = page(history_of(report_with_a_formula), "/imports/7/problems.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.body,
        "Line,Column,Value,Problem\n5,Quantity,\"'=HYPERLINK(\"\"http://x.example\"\")\",is not a whole number\n"
    );
}

#[actix_web::test]
async fn the_reject_file_downloads_from_the_dashboard_as_from_the_api() {
    let mut ports = Ports::default();
    ports
        .history
        .expect_rejected_lines()
        .returning(|_| Ok(None));
    let missing = page(ports, "/imports/7/rejected.csv").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let bad = page(Ports::default(), "/imports/7/problems.csv?q=%00").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
}

#[actix_web::test]
async fn the_overview_lists_the_best_sellers_by_revenue_and_by_units_the_store_ranked() {
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    ports
        .figures
        .expect_period_totals()
        .returning(|_, _| Ok(PeriodTotals::default()));
    ports
        .figures
        .expect_daily_revenue_by_location()
        .returning(|_, _| Ok(vec![]));
    ports
        .figures
        .expect_best_sellers()
        .withf(|_, _, limit| *limit == 10)
        .times(1)
        .returning(|_, _, _| {
            let sold = |id, name: &str, quantity, revenue: &str| ProductSales {
                product_id: ProductId::new(id),
                name: ProductName::parse(name).unwrap(),
                quantity,
                revenue: revenue.parse().unwrap(),
                order_count: 1,
            };
            // As the store ranks them.
            Ok(BestSellers {
                units: 20,
                by_revenue: vec![
                    sold(1, "Club set rental", 2, "40"),
                    sold(2, "Golf balls", 9, "27"),
                    sold(3, "Water", 9, "18"),
                ],
                by_quantity: vec![
                    sold(2, "Golf balls", 9, "27"),
                    sold(3, "Water", 9, "18"),
                    sold(1, "Club set rental", 2, "40"),
                ],
            })
        });
    let answer = page(ports, "/?from=2025-03-01&to=2025-03-31").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let ranked = |table: &str| -> Vec<String> {
        let body = answer
            .body
            .split(&format!(r#"<table id="{table}">"#))
            .nth(1)
            .and_then(|rest| rest.split("</table>").next())
            .unwrap_or_else(|| panic!("no {table}: {}", answer.body))
            .to_owned();
        body.split(r#"<th scope="row"><a href="/products/"#)
            .skip(1)
            .map(|row| row.split('"').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ranked("top-products"), ["1", "2", "3"]);
    assert_eq!(ranked("top-quantity-products"), ["2", "3", "1"]);
}

#[actix_web::test]
async fn the_orders_page_finds_a_clients_orders_in_the_period() {
    let mut ports = Ports::default();
    latest_sale(&mut ports);
    ports
        .orders
        .expect_list_orders()
        .withf(|filter, _| {
            filter.client_id.map(|c| c.get()) == Some(100002649)
                && filter.dates.from() == Some(day("2025-03-01"))
                && filter.dates.to() == Some(day("2025-03-31"))
        })
        .returning(|_, page| {
            Ok(Paged {
                items: vec![order(2, "2025-03-30", "34.88")],
                total: 1,
                page,
            })
        });
    let answer = page(
        ports,
        "/orders?from=2025-03-01&to=2025-03-31&client_id=100002649",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains("1 orders of client 100002649"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains(r#"name="client_id""#));

    let bad = page(Ports::default(), "/orders?client_id=abc").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("client_id"), "{}", bad.body);
}

/// A request from the trusted proxy at 10.0.0.1 saying the browser came over HTTPS to
/// `zinc.example.com`.
fn over_https(request: test::TestRequest) -> test::TestRequest {
    request
        .peer_addr("10.0.0.1:40000".parse().unwrap())
        .insert_header((header::HOST, "zinc.example.com"))
        .insert_header(("X-Forwarded-Proto", "https"))
        .insert_header(("X-Forwarded-Host", "zinc.example.com"))
}

fn behind_a_proxy() -> Ports {
    Ports {
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..with_keys()
    }
}

#[actix_web::test]
async fn over_https_the_session_cookie_has_the_host_prefix_and_is_secure() {
    let request = over_https(test::TestRequest::post().uri("/sign-in"))
        .insert_header((header::ORIGIN, "https://zinc.example.com"))
        .set_form([("key", WRITE_KEY), ("next", "/")]);
    let answer = answer(behind_a_proxy(), request).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let cookie = set_cookie(&answer, "__Host-zinc_session");
    for part in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{part}: {cookie}");
    }
    assert!(!cookie.contains("Domain="), "{cookie}");
    assert!(
        !answer
            .headers
            .get_all(header::SET_COOKIE)
            .any(|value| value.to_str().unwrap().starts_with("zinc_session=")),
        "no unprefixed session cookie over HTTPS"
    );

    // Over HTTPS only the prefixed cookie counts: one without the prefix (which any host of
    // the domain, or a plain-HTTP page, could have set) opens nothing.
    let token = write_session().expose().to_owned();
    let prefixed = over_https(test::TestRequest::get().uri("/imports")).cookie(
        actix_web::cookie::Cookie::new("__Host-zinc_session", token.clone()),
    );
    let mut ports = behind_a_proxy();
    list_imports(&mut ports, Vec::new);
    assert_eq!(answer_with(ports, prefixed).await.status, StatusCode::OK);
    let unprefixed = over_https(test::TestRequest::get().uri("/imports"))
        .cookie(actix_web::cookie::Cookie::new("zinc_session", token));
    assert_eq!(
        answer_with(behind_a_proxy(), unprefixed).await.status,
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn the_key_itself_in_a_cookie_opens_no_page() {
    for cookie in [
        actix_web::cookie::Cookie::new("zinc_key", READ_KEY),
        actix_web::cookie::Cookie::new("zinc_session", READ_KEY),
    ] {
        let answer = answer(
            with_keys(),
            test::TestRequest::get()
                .uri("/orders")
                .cookie(cookie.clone()),
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{cookie}");
        let location = answer.headers.get(header::LOCATION).unwrap();
        assert!(
            location.to_str().unwrap().starts_with("/sign-in"),
            "{cookie}: {location:?}"
        );
    }
}

/// Both keys, with a store that requires [`read_session`] to be ended once.
fn ending_the_read_session() -> Ports {
    let mut sessions = two_sessions();
    sessions
        .expect_end_session()
        .withf(|digest, _| *digest == read_session().digest())
        .times(1)
        .returning(|_, _| Ok(true));
    Ports {
        sessions: Some(sessions),
        ..with_keys()
    }
}

#[actix_web::test]
async fn signing_out_ends_the_session_in_the_store_and_clears_its_cookie() {
    let ports = ending_the_read_session();
    let request = test::TestRequest::post()
        .uri("/sign-out")
        .insert_header((header::HOST, "localhost:8080"))
        .insert_header((header::ORIGIN, OWN_ORIGIN))
        .cookie(actix_web::cookie::Cookie::new(
            "zinc_session",
            read_session().expose().to_owned(),
        ));
    let answer = answer(ports, request).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.headers.get(header::LOCATION).unwrap(), "/sign-in");
    let cleared = set_cookie(&answer, "zinc_session");
    assert_eq!(cookie_value(&cleared), "");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
}

#[actix_web::test]
async fn signing_in_again_ends_the_session_the_browser_had() {
    let ports = ending_the_read_session();
    let request = test::TestRequest::post()
        .uri("/sign-in")
        .insert_header((header::HOST, "localhost:8080"))
        .insert_header((header::ORIGIN, OWN_ORIGIN))
        .cookie(actix_web::cookie::Cookie::new(
            "zinc_session",
            read_session().expose().to_owned(),
        ))
        .set_form([("key", WRITE_KEY), ("next", "/")]);
    let answer = answer(ports, request).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let cookie = set_cookie(&answer, "zinc_session");
    assert_ne!(cookie_value(&cookie), read_session().expose());
}

// Reverting an import from its page.

fn revert_form_post(uri: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .insert_header((header::HOST, "localhost:8080"))
        .insert_header((header::ORIGIN, OWN_ORIGIN))
}

fn a_plan(import: zinc_domain::ImportId) -> zinc_ports::RevertPlan {
    zinc_ports::RevertPlan {
        import,
        orders_restored: 2,
        orders_removed: 1,
        products_restored: 0,
        products_removed: 1,
        sales: Vec::new(),
    }
}

#[actix_web::test]
async fn checking_a_revert_shows_what_would_change_and_a_form_to_confirm() {
    let mut ports = Ports::default();
    ports
        .reverts
        .expect_plan_revert()
        .times(1)
        .returning(|id| Ok(a_plan(id)));
    let answer = answer(ports, revert_form_post("/imports/7/revert?dry_run=true")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains(
            "2 sales would be put back as they were, 1 sale would be removed; 0 product prices would be put back, 1 product would be removed."
        ),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(
            r#"<form class="panel" id="revert-form" method="post" action="/imports/7/revert"><button type="submit">Revert import #7</button>"#
        ),
        "{}",
        answer.body
    );
}

#[actix_web::test]
async fn confirming_a_revert_reverts_and_links_its_record() {
    let mut ports = Ports::default();
    ports.reverts.expect_revert().times(1).returning(|id, _| {
        Ok(zinc_ports::RevertOutcome {
            revert: zinc_domain::ImportId::new(9),
            plan: a_plan(id),
        })
    });
    let answer = answer(ports, revert_form_post("/imports/7/revert")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer
            .body
            .contains(r#"Done, recorded as <a href="/imports/9">import #9</a>"#),
        "{}",
        answer.body
    );
}

#[actix_web::test]
async fn a_refused_revert_names_the_sales_and_the_imports_to_revert_first() {
    let mut ports = Ports::default();
    ports.reverts.expect_plan_revert().returning(|id| {
        Err(zinc_ports::RevertError::Conflict {
            import: id,
            conflicts: vec![zinc_ports::SaleConflict {
                sale_id: zinc_domain::SaleId::new(4105).unwrap(),
                touched_by: vec![zinc_domain::ImportId::new(8)],
            }],
            total: 1,
        })
    });
    let answer = answer(ports, revert_form_post("/imports/7/revert?dry_run=true")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains(
            r#"<section class="notice error" id="revert-refusal" role="alert"><h2>Later imports changed the same sales</h2>"#
        ),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(
            "Later imports changed 1 of the sales import 7 wrote; revert them first, newest first (#8), then import 7. Nothing was changed."
        ),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(
            r#"Sale <a href="/orders?sale_id=4105">4105</a> changed since by <a href="/imports/8">import #8</a>"#
        ),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("more sale"), "{}", answer.body);
    assert!(
        !answer.body.contains("revert-form"),
        "no confirm form: {}",
        answer.body
    );
}

#[actix_web::test]
async fn a_check_names_the_sales_the_revert_would_put_back_or_remove() {
    let mut ports = Ports::default();
    ports.reverts.expect_plan_revert().returning(|id| {
        Ok(zinc_ports::RevertPlan {
            orders_restored: 1,
            orders_removed: 1_302,
            sales: [3965, 3971]
                .map(|sale| zinc_domain::SaleId::new(sale).unwrap())
                .to_vec(),
            ..a_plan(id)
        })
    });
    let answer = answer(ports, revert_form_post("/imports/7/revert?dry_run=true")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("1 sale would be put back as it was, 1,302 sales would be removed;"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(
            r#"<p id="revert-sales">Sale IDs <a href="/orders?sale_id=3965">3965</a>, <a href="/orders?sale_id=3971">3971</a> and 1,301 more</p>"#
        ),
        "{}",
        answer.body
    );
}

#[actix_web::test]
async fn a_refusal_listing_some_of_the_sales_counts_the_others() {
    let mut ports = Ports::default();
    ports.reverts.expect_revert().returning(|id, _| {
        Err(zinc_ports::RevertError::Conflict {
            import: id,
            conflicts: vec![zinc_ports::SaleConflict {
                sale_id: zinc_domain::SaleId::new(4105).unwrap(),
                touched_by: vec![zinc_domain::ImportId::new(8)],
            }],
            total: 1_408,
        })
    });
    let answer = answer(ports, revert_form_post("/imports/7/revert")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains("…and 1,407 more sales."),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("Done, recorded"), "{}", answer.body);
}

#[actix_web::test]
async fn a_revert_posted_from_another_site_is_refused_before_the_store() {
    // No expectation on the reverts: a call would panic.
    let request = test::TestRequest::post()
        .uri("/imports/7/revert")
        .insert_header((header::ORIGIN, "https://evil.example"));
    assert_eq!(answer_of(request).await, StatusCode::FORBIDDEN);
}
