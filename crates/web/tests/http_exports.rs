//! `GET /api/v1/exports/sales.csv` on mocked ports: paging through the archive, parameters
//! checked before the store is asked, and a store that fails before or during the export.

mod support;

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::{DateTime, NaiveDate};
use support::{Ports, get, unavailable};
use zinc_domain::{
    ClientId, Column, DiscountPercent, ImportId, Location, Money, Order, OrderId, OrderItem,
    OrderWithItems, ProductId, ProductName, Quantity, SaleId, UnitPrice,
};
use zinc_ports::SaleCursor;

/// Sale `id` on day `day` of March 2025 with one item of 2.18.
fn sale(id: i64, day: u32) -> OrderWithItems {
    let total = Money::parse("2.18").unwrap();
    let item = OrderItem {
        position: 1,
        product_id: ProductId::new(1),
        product_name: ProductName::parse("Club set rental").unwrap(),
        quantity: Quantity::new(1).unwrap(),
        unit_price: UnitPrice::parse("2").unwrap(),
        subtotal: Money::parse("2").unwrap(),
        discount_percentage: DiscountPercent::default(),
        discount_amount: Money::ZERO,
        tax: Money::parse("0.18").unwrap(),
        total,
        amount_paid: total,
        payment_method: Some("Cash".to_owned()),
        batch_number: None,
        sales_notes: None,
        notes: None,
        color: None,
        size: None,
    };
    OrderWithItems {
        order: Order {
            id: OrderId::new(id),
            sale_id: SaleId::new(id).unwrap(),
            client_id: ClientId::new(7).unwrap(),
            date: NaiveDate::from_ymd_opt(2025, 3, day).unwrap(),
            location: Location::GolfExperience,
            payment_method: Some("Cash".to_owned()),
            batch_number: None,
            sales_notes: None,
            notes: None,
            subtotal: item.subtotal,
            discount_percentage: item.discount_percentage,
            discount_amount: item.discount_amount,
            tax: item.tax,
            total,
            amount_paid: total,
            item_count: 1,
            import_id: ImportId::new(1),
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        },
        items: vec![item],
    }
}

const PAGE: usize = 500;

#[actix_web::test]
async fn pages_through_the_archive_after_the_last_sale_of_each_page() {
    let mut ports = Ports::default();
    let mut sequence = mockall::Sequence::new();
    ports
        .archive
        .expect_sales_after()
        .withf(|dates, location, after, max| {
            dates.from() == NaiveDate::from_ymd_opt(2025, 3, 1)
                && dates.to().is_none()
                && *location == Some(Location::OnlineStore)
                && after.is_none()
                && *max == PAGE as u32
        })
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_, _, _, _| Ok((1..=PAGE as i64).map(|id| sale(id, 2)).collect()));
    ports
        .archive
        .expect_sales_after()
        .withf(|_, _, after, _| {
            *after
                == Some(SaleCursor {
                    date: NaiveDate::from_ymd_opt(2025, 3, 2).unwrap(),
                    sale_id: SaleId::new(PAGE as i64).unwrap(),
                })
        })
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_, _, _, _| Ok(vec![sale(9_001, 3)]));
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let request = test::TestRequest::get()
        .uri("/api/v1/exports/sales.csv?from=2025-03-01&location=Online%20Store")
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get("content-disposition").unwrap(),
        "attachment; filename=\"zinc-sales-2025-03-01-online-store.csv\""
    );
    let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    let lines: Vec<&str> = body.split_terminator("\r\n").collect();
    let header: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
    assert_eq!(lines[0], header.join(","));
    assert_eq!(lines.len(), 1 + PAGE + 1);
    assert_eq!(
        lines[PAGE + 1],
        "03/03/2025,7,9001,Club set rental,---,,Golf - experience,,---,---,2,1,2,0,0,0.18,2.18,2.18,Cash"
    );
}

#[actix_web::test]
async fn bad_parameters_are_400_without_touching_the_store() {
    for (uri, parameter) in [
        (
            "/api/v1/exports/sales.csv?from=2025-03-02&to=2025-03-01",
            "from",
        ),
        ("/api/v1/exports/sales.csv?to=yesterday", "to"),
        ("/api/v1/exports/sales.csv?location=Gym", "location"),
        ("/api/v1/exports/sales.csv?format=xlsx", "format"),
    ] {
        let (status, content_type, body) = get(Ports::default(), uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["parameter"], parameter, "{uri}: {body}");
    }
}

#[actix_web::test]
async fn a_store_down_before_the_first_page_is_a_503() {
    let mut ports = Ports::default();
    ports
        .archive
        .expect_sales_after()
        .returning(|_, _, _, _| Err(unavailable()));
    let (status, content_type, body) = get(ports, "/api/v1/exports/sales.csv").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(content_type, "application/problem+json");
}

#[actix_web::test]
async fn a_store_failing_mid_export_cuts_the_body_short() {
    let mut ports = Ports::default();
    let mut sequence = mockall::Sequence::new();
    ports
        .archive
        .expect_sales_after()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_, _, _, _| Ok((1..=PAGE as i64).map(|id| sale(id, 2)).collect()));
    ports
        .archive
        .expect_sales_after()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_, _, _, _| Err(unavailable()));
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let request = test::TestRequest::get()
        .uri("/api/v1/exports/sales.csv")
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let read = actix_web::body::to_bytes(response.into_body()).await;
    assert!(
        read.is_err(),
        "the body must end in an error, not as complete"
    );
}

#[actix_web::test]
async fn the_export_needs_a_key_once_keys_exist() {
    let mut keys = zinc_ports::MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    let ports = Ports {
        keys: Some(keys),
        ..Ports::default()
    };
    let (status, content_type, body) = get(ports, "/api/v1/exports/sales.csv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(content_type, "application/problem+json");
}
