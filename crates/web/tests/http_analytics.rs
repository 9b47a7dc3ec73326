//! Figures over time and by product on mocked ports: revenue per week and month, a product's
//! sales, orders holding a product, and the range a series takes when none is given.

mod support;

use actix_web::http::StatusCode;
use mockall::predicate::eq;
use rust_decimal::Decimal;
use serde_json::json;
use support::{Ports, day, get};
use zinc_domain::{
    DailyProductSales, DailyRevenue, DateRange, Location, OrderFilter, Paged, Product, ProductId,
    ProductName, ProductTotals, RevenueTotals, UnitPrice,
};

fn revenue_on(date: &str, revenue: &str, order_count: u64) -> DailyRevenue {
    DailyRevenue {
        date: day(date),
        totals: RevenueTotals {
            revenue: revenue.parse().unwrap(),
            order_count,
        },
    }
}

fn range(from: &str, to: &str) -> DateRange {
    DateRange::new(day(from), day(to)).unwrap()
}

fn golf_balls() -> Product {
    Product {
        id: ProductId::new(13),
        name: ProductName::parse("Golf balls").unwrap(),
        price: UnitPrice::new(Decimal::new(1250, 2)).unwrap(),
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    }
}

#[actix_web::test]
async fn revenue_per_week_sums_each_iso_week_cut_to_the_range() {
    let mut ports = Ports::default();
    ports
        .figures
        .expect_daily_revenue()
        .with(eq(range("2025-03-05", "2025-03-18")), eq(None))
        .returning(|_, _| {
            Ok(vec![
                revenue_on("2025-03-05", "10.5", 1),
                revenue_on("2025-03-09", "4.5", 2),
                revenue_on("2025-03-17", "-1", 1),
            ])
        });
    let (status, _, body) = get(
        ports,
        "/api/v1/metrics/revenue/series?from=2025-03-05&to=2025-03-18&interval=week",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["interval"], "week");
    assert_eq!(body["range_basis"], "requested");
    assert_eq!(
        body["periods"],
        json!([
            {"start": "2025-03-03", "from": "2025-03-05", "to": "2025-03-09", "revenue": "15.0", "order_count": 3, "average_order_value": "5.00"},
            {"start": "2025-03-10", "from": "2025-03-10", "to": "2025-03-16", "revenue": "0", "order_count": 0, "average_order_value": "0.00"},
            {"start": "2025-03-17", "from": "2025-03-17", "to": "2025-03-18", "revenue": "-1", "order_count": 1, "average_order_value": "-1.00"},
        ])
    );
}

#[actix_web::test]
async fn revenue_per_month_at_a_location_asks_the_store_for_that_location() {
    let mut ports = Ports::default();
    ports
        .figures
        .expect_daily_revenue()
        .with(
            eq(range("2025-01-15", "2025-03-31")),
            eq(Some(Location::OnlineStore)),
        )
        .returning(|_, _| {
            Ok(vec![
                revenue_on("2025-01-20", "1", 1),
                revenue_on("2025-01-31", "2", 1),
                revenue_on("2025-03-01", "3", 1),
            ])
        });
    let (status, _, body) = get(
        ports,
        "/api/v1/metrics/revenue/series?from=2025-01-15&to=2025-03-31&interval=month&location=Online%20Store",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let revenue: Vec<(&str, &str)> = body["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["start"].as_str().unwrap(), p["revenue"].as_str().unwrap()))
        .collect();
    assert_eq!(
        revenue,
        [
            ("2025-01-01", "3"),
            ("2025-02-01", "0"),
            ("2025-03-01", "3")
        ]
    );
    assert_eq!(body["periods"][0]["from"], "2025-01-15");
    assert_eq!(body["location"], "Online Store");
}

#[actix_web::test]
async fn without_a_range_daily_revenue_is_the_30_days_ending_at_the_latest_sale() {
    let mut ports = Ports::default();
    ports
        .figures
        .expect_latest_sale()
        .with(eq(None), eq(None))
        .returning(|_, _| Ok(Some(day("2025-06-30"))));
    ports
        .figures
        .expect_daily_revenue()
        .with(eq(range("2025-06-01", "2025-06-30")), eq(None))
        .returning(|_, _| Ok(vec![revenue_on("2025-06-30", "7", 1)]));
    let (status, _, body) = get(ports, "/api/v1/metrics/revenue/daily").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["from"], "2025-06-01");
    assert_eq!(body["to"], "2025-06-30");
    assert_eq!(body["range_basis"], "latest_sale");
    assert_eq!(body["days"].as_array().unwrap().len(), 30);
    assert_eq!(body["days"][29]["revenue"], "7");
}

#[actix_web::test]
async fn without_a_range_or_any_sale_the_series_ends_today_and_says_so() {
    let mut ports = Ports::default();
    ports
        .figures
        .expect_latest_sale()
        .returning(|_, _| Ok(None));
    ports
        .figures
        .expect_daily_revenue()
        .returning(|_, _| Ok(vec![]));
    let (status, _, body) = get(ports, "/api/v1/metrics/revenue/series?interval=month").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["range_basis"], "today");
    assert_eq!(body["to"], chrono::Utc::now().date_naive().to_string());
    assert_eq!(body["periods"].as_array().unwrap().len(), 12);
}

#[actix_web::test]
async fn with_only_to_or_only_from_the_range_never_asks_for_the_latest_sale() {
    // `latest_sale` has no expectation: calling it would panic.
    let mut ports = Ports::default();
    ports
        .figures
        .expect_daily_revenue()
        .with(eq(range("2025-02-01", "2025-03-02")), eq(None))
        .returning(|_, _| Ok(vec![]));
    let (status, _, body) = get(ports, "/api/v1/metrics/revenue/daily?from=2025-02-01").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["range_basis"], "after_from");

    let mut ports = Ports::default();
    ports
        .figures
        .expect_daily_revenue()
        .with(eq(range("2025-01-31", "2025-03-01")), eq(None))
        .returning(|_, _| Ok(vec![]));
    let (status, _, body) = get(ports, "/api/v1/metrics/revenue/daily?to=2025-03-01").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["range_basis"], "requested");
}

#[actix_web::test]
async fn a_products_sales_per_month_end_at_its_own_latest_sale_by_default() {
    let mut ports = Ports::default();
    ports
        .products
        .expect_find_product()
        .with(eq(ProductId::new(13)))
        .returning(|_| Ok(Some(golf_balls())));
    ports
        .figures
        .expect_latest_sale()
        .with(eq(Some(ProductId::new(13))), eq(None))
        .returning(|_, _| Ok(Some(day("2025-03-10"))));
    ports
        .figures
        .expect_product_daily_sales()
        .with(
            eq(ProductId::new(13)),
            eq(range("2024-04-01", "2025-03-10")),
            eq(None),
        )
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
                sold("2025-03-01", 2, "25.00"),
                sold("2025-03-10", -1, "-12.50"),
            ])
        });
    let (status, _, body) = get(ports, "/api/v1/products/13/sales?interval=month").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["product_id"], 13);
    assert_eq!(body["name"], "Golf balls");
    assert_eq!(body["range_basis"], "latest_sale");
    let periods = body["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 12);
    assert_eq!(
        periods[11],
        json!({"start": "2025-03-01", "from": "2025-03-01", "to": "2025-03-10", "quantity": 1, "revenue": "12.50", "order_count": 2})
    );
    assert_eq!(periods[0]["quantity"], 0);
}

#[actix_web::test]
async fn the_sales_of_an_unknown_product_are_a_404() {
    let mut ports = Ports::default();
    ports.products.expect_find_product().returning(|_| Ok(None));
    let (status, content_type, body) = get(ports, "/api/v1/products/99/sales").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(content_type, "application/problem+json");
}

#[actix_web::test]
async fn orders_filtered_by_product_pass_the_product_to_the_store() {
    let mut ports = Ports::default();
    let wanted = OrderFilter {
        product_id: Some(ProductId::new(13)),
        ..OrderFilter::default()
    };
    ports
        .orders
        .expect_list_orders()
        .withf(move |filter, _| *filter == wanted)
        .returning(|_, page| {
            Ok(Paged {
                items: vec![],
                total: 0,
                page,
            })
        });
    let (status, _, body) = get(ports, "/api/v1/orders?product_id=13").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[actix_web::test]
async fn bad_series_parameters_are_400_naming_them_without_touching_the_store() {
    for (uri, parameter, says) in [
        (
            "/api/v1/metrics/revenue/series?interval=year",
            "interval",
            "not day, week or month",
        ),
        (
            "/api/v1/metrics/revenue/series?from=1990-01-01&to=2025-01-01&interval=month",
            "from",
            "at most 366",
        ),
        (
            "/api/v1/metrics/revenue/series?from=2025-02-01&to=2025-01-01&interval=week",
            "from",
            "after",
        ),
        ("/api/v1/products/0/sales", "id", "between"),
        (
            "/api/v1/products/abc/sales?interval=week",
            "id",
            "whole number",
        ),
        (
            "/api/v1/orders?product_id=abc",
            "product_id",
            "whole number",
        ),
        ("/api/v1/orders?product_id=0", "product_id", "between"),
        ("/api/v1/metrics/revenue/series?step=day", "step", "step"),
    ] {
        let (status, content_type, body) = get(Ports::default(), uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(content_type, "application/problem+json", "{uri}");
        assert_eq!(body["parameter"], parameter, "{uri}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(says),
            "{uri}: {body}"
        );
    }
}

#[actix_web::test]
async fn the_openapi_document_offers_the_intervals_as_a_list() {
    let (_, _, doc) = get(Ports::default(), "/api-docs/openapi.json").await;
    for path in [
        "/api/v1/metrics/revenue/series",
        "/api/v1/products/{id}/sales",
    ] {
        let parameters = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path} is not documented"));
        let interval = parameters
            .iter()
            .find(|p| p["name"] == "interval")
            .unwrap_or_else(|| panic!("{path} has no interval"));
        let schema = &interval["schema"];
        let listed = schema.get("enum").unwrap_or(&schema["oneOf"][0]["enum"]);
        assert_eq!(
            *listed,
            json!(["day", "week", "month"]),
            "{path}: {interval}"
        );
    }
    let product = doc["paths"]["/api/v1/orders"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "product_id");
    assert!(product, "orders have a product_id filter");
}
