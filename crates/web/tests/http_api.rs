//! The HTTP layer against mocked ports: status codes, problem documents, parameter checks and
//! the OpenAPI document, with no database. A mock with no expectation panics when called, so
//! these tests also prove that refused requests never reach the store.

mod support;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::test;
use serde_json::Value;
use support::{Ports, day, get, send, unavailable};
use zinc_application::{Gatekeeper, OpenAccess};
use zinc_domain::{
    DailyRevenue, Location, ProductId, ProductName, ProductSales, RankBy, RevenueTotals,
};
use zinc_ports::{ConnectionStats, MockApiKeys, StoreError};

#[actix_web::test]
async fn a_database_outage_is_a_503_problem_not_a_panic() {
    let mut ports = Ports::default();
    ports
        .orders
        .expect_list_orders()
        .returning(|_, _| Err(unavailable()));
    let (status, content_type, body) = get(ports, "/api/v1/orders").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["status"], 503);
    assert_eq!(body["title"], "Database unavailable");
    assert!(
        !body["detail"].as_str().unwrap().contains("refused"),
        "internal details stay in the logs: {body}"
    );
}

#[actix_web::test]
async fn a_store_inconsistency_is_a_500_problem_without_internal_details() {
    let mut ports = Ports::default();
    ports
        .figures
        .expect_revenue()
        .returning(|_, _| Err(StoreError::Inconsistent("stored location 'Gym'".into())));
    let (status, content_type, body) = get(ports, "/api/v1/metrics/revenue").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_type, "application/problem+json");
    assert!(!body.to_string().contains("Gym"), "{body}");
}

#[actix_web::test]
async fn readiness_is_503_when_the_database_is_unreachable() {
    let mut ports = Ports::default();
    ports
        .health
        .expect_pending_migrations()
        .returning(|| Err(unavailable()));
    let (status, content_type, _) = get(ports, "/health/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type, "application/problem+json");
}

#[actix_web::test]
async fn readiness_is_503_naming_pending_migrations() {
    let mut ports = Ports::default();
    ports
        .health
        .expect_pending_migrations()
        .returning(|| Ok(vec!["m20261124_000004_create_order_items".to_owned()]));
    let (status, _, body) = get(ports, "/health/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("m20261124_000004_create_order_items"),
        "{body}"
    );
}

#[actix_web::test]
async fn readiness_is_ok_when_the_schema_is_current() {
    let mut ports = Ports::default();
    ports
        .health
        .expect_pending_migrations()
        .returning(|| Ok(Vec::new()));
    let (status, _, body) = get(ports, "/health/ready").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "database": "reachable"})
    );
}

fn replica(report: zinc_ports::ReplicaReport) -> zinc_ports::MockReplicaStatus {
    let mut replica = zinc_ports::MockReplicaStatus::new();
    replica.expect_report().return_const(report);
    replica
}

fn replica_report(state: zinc_ports::ReplicaState) -> zinc_ports::ReplicaReport {
    zinc_ports::ReplicaReport {
        state,
        lag: Some(std::time::Duration::from_millis(1500)),
        lag_bytes: Some(4096),
        fallback_reads: 7,
    }
}

#[actix_web::test]
async fn readiness_names_a_serving_replica_and_stays_ok() {
    let mut ports = Ports::default();
    ports
        .health
        .expect_pending_migrations()
        .returning(|| Ok(Vec::new()));
    ports.replica = Some(replica(replica_report(zinc_ports::ReplicaState::Serving)));
    let (status, _, body) = get(ports, "/health/ready").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "database": "reachable", "replica": "serving"})
    );
}

#[actix_web::test]
async fn a_replica_that_does_not_serve_reads_makes_readiness_degraded_not_unready() {
    for (state, name) in [
        (zinc_ports::ReplicaState::Lagging, "lagging"),
        (zinc_ports::ReplicaState::Down, "down"),
        (zinc_ports::ReplicaState::Promoted, "promoted"),
    ] {
        let mut ports = Ports::default();
        ports
            .health
            .expect_pending_migrations()
            .returning(|| Ok(Vec::new()));
        ports.replica = Some(replica(replica_report(state)));
        let (status, _, body) = get(ports, "/health/ready").await;
        assert_eq!(status, StatusCode::OK, "the primary serves the reads");
        assert_eq!(
            body,
            serde_json::json!({"status": "degraded", "database": "reachable", "replica": name})
        );
    }
}

#[actix_web::test]
async fn metrics_report_the_replicas_lag_and_fallback_only_when_there_is_one() {
    let mut ports = Ports::default();
    ports
        .health
        .expect_connection_stats()
        .returning(Default::default);
    ports.replica = Some(replica(replica_report(zinc_ports::ReplicaState::Lagging)));
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
    let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    for line in [
        "zinc_replica_lag_seconds 1.5",
        "zinc_replica_lag_bytes 4096",
        "zinc_replica_fallback 1",
        "zinc_replica_up 1",
        "zinc_replica_fallback_reads_total 7",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in {text}");
    }
    let mut ports = Ports::default();
    ports
        .health
        .expect_connection_stats()
        .returning(Default::default);
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
    let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(!text.contains("zinc_replica"), "{text}");
}

#[actix_web::test]
async fn liveness_never_touches_the_database() {
    let (status, _, body) = get(Ports::default(), "/health/live").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[actix_web::test]
async fn revenue_passes_the_filters_and_rounds_the_average_half_away_from_zero() {
    let mut ports = Ports::default();
    ports
        .figures
        .expect_revenue()
        .withf(|dates, location| {
            dates.from() == Some(day("2025-03-01"))
                && dates.to() == Some(day("2025-03-31"))
                && *location == Some(Location::OnlineStore)
        })
        .returning(|_, _| {
            Ok(RevenueTotals {
                revenue: "0.05".parse().unwrap(),
                order_count: 2,
            })
        });
    let (status, _, body) = get(
        ports,
        "/api/v1/metrics/revenue?from=2025-03-01&to=2025-03-31&location=Online%20Store",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        serde_json::json!({
            "from": "2025-03-01", "to": "2025-03-31", "location": "Online Store",
            "currency": "USD", "total_revenue": "0.05", "order_count": 2,
            "average_order_value": "0.03"
        })
    );
}

#[actix_web::test]
async fn best_sellers_pass_the_location_and_say_which_it_was() {
    let mut ports = Ports::default();
    ports
        .figures
        .expect_top_products()
        .withf(|dates, location, by, limit| {
            dates.from() == Some(day("2025-03-01"))
                && dates.to().is_none()
                && *location == Some(Location::GolfExperience)
                && *by == RankBy::Quantity
                && *limit == 3
        })
        .returning(|_, _, _, _| {
            Ok(vec![ProductSales {
                product_id: ProductId::new(7),
                name: ProductName::parse("Club set rental").unwrap(),
                quantity: 2,
                revenue: "43.600".parse().unwrap(),
                order_count: 2,
            }])
        });
    let (status, _, body) = get(
        ports,
        "/api/v1/metrics/products/top?from=2025-03-01&location=Golf%20-%20experience&by=quantity&limit=3",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        serde_json::json!({
            "from": "2025-03-01", "to": null, "location": "Golf - experience",
            "by": "quantity", "currency": "USD",
            "items": [{
                "product_id": 7, "name": "Club set rental", "quantity": 2,
                "revenue": "43.600", "order_count": 2
            }]
        })
    );
}

#[actix_web::test]
async fn daily_revenue_lists_every_day_of_the_range() {
    let mut ports = Ports::default();
    ports.figures.expect_daily_revenue().returning(|_, _| {
        Ok(vec![DailyRevenue {
            date: day("2025-03-02"),
            totals: RevenueTotals {
                revenue: "12.5".parse().unwrap(),
                order_count: 3,
            },
        }])
    });
    let (status, _, body) = get(
        ports,
        "/api/v1/metrics/revenue/daily?from=2025-03-01&to=2025-03-03",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["days"],
        serde_json::json!([
            {"date": "2025-03-01", "revenue": "0", "order_count": 0},
            {"date": "2025-03-02", "revenue": "12.5", "order_count": 3},
            {"date": "2025-03-03", "revenue": "0", "order_count": 0},
        ])
    );
}

#[actix_web::test]
async fn bad_parameters_are_400_naming_the_parameter_without_touching_the_store() {
    let cases = [
        ("/api/v1/products?limit=0", "limit"),
        ("/api/v1/products?limit=501", "limit"),
        ("/api/v1/products?limit=ten", "limit"),
        ("/api/v1/orders?offset=-1", "offset"),
        ("/api/v1/orders?from=2025-13-01", "from"),
        ("/api/v1/orders?to=03/01/2025", "to"),
        ("/api/v1/orders?location=Gym", "location"),
        ("/api/v1/orders?client_id=-5", "client_id"),
        ("/api/v1/orders?sale_id=x", "sale_id"),
        ("/api/v1/orders?colour=red", "colour"),
        ("/api/v1/imports?limit=1000", "limit"),
        (
            "/api/v1/metrics/revenue?from=2025-03-02&to=2025-03-01",
            "from",
        ),
        ("/api/v1/metrics/revenue?loc=Online%20Store", "loc"),
        (
            "/api/v1/metrics/revenue/daily?from=2024-01-01&to=2025-01-01",
            "from",
        ),
        ("/api/v1/metrics/products/top?by=price", "by"),
        ("/api/v1/metrics/products/top?limit=101", "limit"),
        ("/api/v1/products/abc", "id"),
        ("/api/v1/orders/0", "id"),
    ];
    for (uri, parameter) in cases {
        let (status, content_type, body) = get(Ports::default(), uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(content_type, "application/problem+json", "{uri}");
        assert_eq!(body["parameter"], parameter, "{uri}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(parameter),
            "{uri}: {body}"
        );
    }
}

#[actix_web::test]
async fn a_daily_range_over_366_days_says_so() {
    let (_, _, body) = get(
        Ports::default(),
        "/api/v1/metrics/revenue/daily?from=2024-01-01&to=2025-01-01",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("at most 366 days are shown at once"),
        "{body}"
    );
}

#[actix_web::test]
async fn a_missing_resource_is_404() {
    let mut ports = Ports::default();
    ports.products.expect_find_product().returning(|_| Ok(None));
    let (status, content_type, body) = get(ports, "/api/v1/products/42").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["detail"], "product 42 does not exist");
}

#[actix_web::test]
async fn an_unknown_route_is_a_404_problem() {
    let (status, content_type, _) = get(Ports::default(), "/api/v2/things").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
}

#[actix_web::test]
async fn an_upload_over_the_limit_is_413_and_never_reaches_the_store() {
    let ports = Ports {
        max_upload_bytes: Some(16),
        ..Ports::default()
    };
    let request = test::TestRequest::post()
        .uri("/api/v1/imports")
        .insert_header((CONTENT_TYPE, "text/csv"))
        .set_payload("Sale Date,Client ID,Sale ID\n".repeat(4));
    let (status, content_type, body) = send(ports, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(content_type, "application/problem+json");
}

#[actix_web::test]
async fn an_upload_without_a_file_is_400() {
    let empty = test::TestRequest::post()
        .uri("/api/v1/imports")
        .insert_header((CONTENT_TYPE, "text/csv"));
    let (status, _, body) = send(Ports::default(), empty).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["title"], "Missing file");

    let boundary = "zincboundary";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--{boundary}--\r\n"
    );
    let no_file_field = test::TestRequest::post()
        .uri("/api/v1/imports")
        .insert_header((
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        ))
        .set_payload(form);
    let (status, _, body) = send(Ports::default(), no_file_field).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("'file'"),
        "{body}"
    );
}

#[actix_web::test]
async fn an_upload_of_another_media_type_is_415() {
    let request = test::TestRequest::post()
        .uri("/api/v1/imports")
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload("{}");
    let (status, content_type, _) = send(Ports::default(), request).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(content_type, "application/problem+json");
}

#[actix_web::test]
async fn a_media_type_that_only_begins_like_an_accepted_one_is_415() {
    for media in [
        "text/csvx",
        "text/plain-but-not",
        "application/octet-streamy",
    ] {
        let request = test::TestRequest::post()
            .uri("/api/v1/imports")
            .insert_header((CONTENT_TYPE, media))
            .set_payload("Sale Date\n");
        let (status, content_type, body) = send(Ports::default(), request).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{media}: {body}"
        );
        assert_eq!(content_type, "application/problem+json");
    }
}

#[actix_web::test]
async fn an_import_that_cannot_start_for_an_outage_is_503() {
    let mut ports = Ports::default();
    ports
        .ledger
        .expect_begin_import()
        .returning(|_| Err(unavailable()));
    let request = test::TestRequest::post()
        .uri("/api/v1/imports")
        .insert_header((CONTENT_TYPE, "text/csv"))
        .set_payload("Sale Date\n");
    let (status, _, _) = send(ports, request).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[actix_web::test]
async fn the_openapi_document_has_every_route_and_the_swagger_ui_is_served_offline() {
    let app = test::init_service(zinc_web::app(Ports::default().state(), None)).await;
    let document: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api-docs/openapi.json")
            .to_request(),
    )
    .await;
    let paths = document["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/imports", "post"),
        ("/api/v1/imports", "get"),
        ("/api/v1/imports/{id}", "get"),
        ("/api/v1/products", "get"),
        ("/api/v1/products/{id}", "get"),
        ("/api/v1/orders", "get"),
        ("/api/v1/orders/{id}", "get"),
        ("/api/v1/metrics/revenue", "get"),
        ("/api/v1/metrics/revenue/daily", "get"),
        ("/api/v1/metrics/products/top", "get"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    let schemas = document["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("ProblemDetails") && schemas.contains_key("RevenueBody"));

    let page = test::call_service(&app, test::TestRequest::get().uri("/docs/").to_request()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = String::from_utf8(test::read_body(page).await.to_vec()).unwrap();
    assert!(html.contains("swagger-ui-bundle.js"), "{html}");
    let script = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/docs/swagger-ui-bundle.js")
            .to_request(),
    )
    .await;
    assert_eq!(script.status(), StatusCode::OK);
    let script = test::read_body(script).await;
    assert!(
        script.len() > 100_000,
        "the bundle is {} bytes",
        script.len()
    );
}

#[actix_web::test]
async fn a_request_id_is_honoured_when_sent_and_generated_otherwise() {
    let app = test::init_service(zinc_web::app(Ports::default().state(), None)).await;
    let sent = test::TestRequest::get()
        .uri("/health/live")
        .insert_header(("x-request-id", "abc-123"))
        .to_request();
    let response = test::call_service(&app, sent).await;
    assert_eq!(response.headers().get("x-request-id").unwrap(), "abc-123");

    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/health/live").to_request(),
    )
    .await;
    let generated = response
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let hostile = test::TestRequest::get()
        .uri("/health/live")
        .insert_header(("x-request-id", "<script>"))
        .to_request();
    let response = test::call_service(&app, hostile).await;
    assert_ne!(response.headers().get("x-request-id").unwrap(), "<script>");
}

#[actix_web::test]
async fn metrics_expose_request_durations_by_route_template_and_the_pool() {
    let mut ports = Ports::default();
    ports.products.expect_find_product().returning(|_| Ok(None));
    ports
        .health
        .expect_connection_stats()
        .returning(|| ConnectionStats {
            open: 4,
            idle: 3,
            max: 10,
        });
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    for id in [1, 2, 3] {
        let uri = format!("/api/v1/products/{id}");
        test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
    }
    test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/no/such/route/77")
            .to_request(),
    )
    .await;
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    assert!(
        text.contains(r#"zinc_http_request_duration_seconds_count{method="GET",route="/api/v1/products/{id}",status="404"} 3"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched""#), "{text}");
    assert!(
        !text.contains("/no/such/route"),
        "raw paths never become labels"
    );
    assert!(
        text.contains(r#"zinc_db_connections{state="in_use"} 1"#),
        "{text}"
    );
    assert!(text.contains("zinc_build_info{"), "{text}");
    assert!(
        text.contains(r#"zinc_imports_total{outcome="started"} 0"#),
        "{text}"
    );
}

/// Runs `requests` against an app reporting to a Sentry test transport; returns the events.
fn sentry_events(ports: Ports, uri: &'static str) -> Vec<sentry::protocol::Event<'static>> {
    sentry_events_for(ports, test::TestRequest::get().uri(uri))
}

/// Sends `request` to an app reporting to a Sentry test transport; returns the events.
fn sentry_events_for(
    ports: Ports,
    request: test::TestRequest,
) -> Vec<sentry::protocol::Event<'static>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let state = ports.state();
    sentry::test::with_captured_events(|| {
        runtime.block_on(async {
            let hub = sentry::Hub::current();
            let app = test::init_service(zinc_web::app(state, Some(hub))).await;
            test::call_service(&app, request.to_request()).await;
        })
    })
}

#[::core::prelude::v1::test]
fn a_server_error_reaches_sentry_once_with_its_route_and_request_id() {
    let mut ports = Ports::default();
    ports
        .orders
        .expect_list_orders()
        .returning(|_, _| Err(unavailable()));
    let events = sentry_events(ports, "/api/v1/orders?limit=5");
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    assert_eq!(
        event.tags.get("route").map(String::as_str),
        Some("/api/v1/orders")
    );
    assert_eq!(event.tags.get("method").map(String::as_str), Some("GET"));
    assert!(event.tags.contains_key("request_id"), "{:?}", event.tags);
}

#[::core::prelude::v1::test]
fn a_user_error_is_not_reported_to_sentry() {
    let events = sentry_events(Ports::default(), "/api/v1/orders?limit=0");
    assert!(events.is_empty(), "{events:#?}");
}

// API keys.

const WRITE_KEY: &str = "zinc_WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW";
const READ_KEY: &str = "zinc_RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR";

/// Two active keys: `uploads` (write) and `dashboard` (read).
fn two_keys() -> MockApiKeys {
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    keys.expect_find_active_key().returning(|digest| {
        let key = |name: &str, scope| zinc_domain::ApiKey {
            name: zinc_domain::KeyName::parse(name).unwrap(),
            scope,
            created_at: chrono::Utc::now(),
            last_used_at: None,
            revoked_at: None,
        };
        let of = |text: &str| zinc_domain::KeySecret::parse(text).unwrap().digest();
        Ok(if *digest == of(WRITE_KEY) {
            Some(key("uploads", zinc_domain::KeyScope::Write))
        } else if *digest == of(READ_KEY) {
            Some(key("dashboard", zinc_domain::KeyScope::Read))
        } else {
            None
        })
    });
    keys.expect_mark_used().returning(|_, _| Ok(()));
    keys
}

fn with_keys() -> Ports {
    Ports {
        keys: Some(two_keys()),
        ..Ports::default()
    }
}

fn empty_orders(ports: &mut Ports) {
    ports.orders.expect_list_orders().returning(|_, page| {
        Ok(zinc_domain::Paged {
            items: vec![],
            total: 0,
            page,
        })
    });
}

#[actix_web::test]
async fn without_any_key_the_api_is_open() {
    let mut ports = Ports::default();
    empty_orders(&mut ports);
    let (status, _, _) = get(ports, "/api/v1/orders").await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn once_a_key_exists_a_request_without_one_is_a_401_with_a_bearer_challenge() {
    let app = test::init_service(zinc_web::app(with_keys().state(), None)).await;
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/api/v1/orders").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        r#"Bearer realm="zinc""#
    );
    assert_eq!(
        response.headers().get(CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
}

#[actix_web::test]
async fn an_unknown_malformed_or_non_bearer_key_is_a_401_invalid_token() {
    for authorization in [
        "Bearer zinc_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "Bearer not-a-key",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer zinc_a b",
    ] {
        let app = test::init_service(zinc_web::app(with_keys().state(), None)).await;
        let response = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/v1/products")
                .insert_header(("authorization", authorization))
                .to_request(),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization}"
        );
        assert_eq!(
            response.headers().get("www-authenticate").unwrap(),
            r#"Bearer realm="zinc", error="invalid_token""#
        );
        let body: Value = test::read_body_json(response).await;
        assert!(
            !body.to_string().contains("XXXXXXXX"),
            "a presented key is never echoed: {body}"
        );
    }
}

#[actix_web::test]
async fn a_client_presenting_too_many_invalid_keys_gets_a_429_and_stops_reaching_the_store() {
    use zinc_web::api::auth_failures::FAILURES_BURST;
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    // The burst, and the one failure too many: nothing after reaches the store.
    keys.expect_find_active_key()
        .times(FAILURES_BURST as usize + 1)
        .returning(|_| Ok(None));
    let ports = Ports {
        keys: Some(keys),
        ..Ports::default()
    };
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let from = |peer: &str, key: &str| {
        test::TestRequest::get()
            .uri("/api/v1/products")
            .peer_addr(peer.parse().unwrap())
            .insert_header(("authorization", format!("Bearer {key}")))
            .to_request()
    };
    let guess = |n: u32| {
        let mut random = [0; zinc_domain::KEY_RANDOM_BYTES];
        random[..4].copy_from_slice(&n.to_be_bytes());
        zinc_domain::KeySecret::from_random(random)
    };
    for n in 0..FAILURES_BURST {
        let response = test::call_service(&app, from("192.0.2.7:4000", guess(n).expose())).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {n}");
    }
    for n in FAILURES_BURST..FAILURES_BURST + 5 {
        let response = test::call_service(&app, from("192.0.2.7:4001", guess(n).expose())).await;
        assert_eq!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "guess {n}"
        );
        assert_eq!(
            response.headers().get(CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let retry_after: u64 = response
            .headers()
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=3).contains(&retry_after), "{retry_after}");
        let body: Value = test::read_body_json(response).await;
        assert_eq!(body["title"], "Too many invalid keys");
    }
    // Mistyped keys count too (and never reach the store); another address is not limited.
    let response = test::call_service(&app, from("192.0.2.7:4002", "zinc_not-a-key")).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = test::call_service(&app, from("192.0.2.8:4000", "zinc_not-a-key")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_read_key_reads_but_may_not_import() {
    let mut ports = with_keys();
    empty_orders(&mut ports);
    let (status, _, _) = send(
        ports,
        test::TestRequest::get()
            .uri("/api/v1/orders")
            .insert_header(("authorization", format!("bearer {READ_KEY}"))),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the scheme is matched ignoring case"
    );

    let (status, content_type, body) = send(
        with_keys(),
        test::TestRequest::post()
            .uri("/api/v1/imports")
            .insert_header(("authorization", format!("Bearer {READ_KEY}")))
            .insert_header(("content-type", "text/csv"))
            .set_payload("Sale Date\n"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(content_type, "application/problem+json");
    assert!(
        body["detail"].as_str().unwrap().contains("dashboard"),
        "{body}"
    );
}

#[actix_web::test]
async fn health_docs_and_metrics_stay_open_when_keys_exist() {
    for uri in [
        "/health/live",
        "/docs/",
        "/api-docs/openapi.json",
        "/metrics",
    ] {
        let mut ports = with_keys();
        ports
            .health
            .expect_connection_stats()
            .returning(ConnectionStats::default);
        let app = test::init_service(zinc_web::app(ports.state(), None)).await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
    }
}

#[actix_web::test]
async fn the_openapi_document_declares_the_bearer_scheme_and_the_401_answers() {
    let (_, _, doc) = get(Ports::default(), "/api-docs/openapi.json").await;
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"][0]["api_key"], serde_json::json!([]));
    let orders = &doc["paths"]["/api/v1/orders"]["get"];
    assert!(orders["responses"]["401"].is_object(), "{orders}");
    assert!(doc["paths"]["/api/v1/imports"]["post"]["responses"]["403"].is_object());
    assert_eq!(
        doc["paths"]["/health/live"]["get"]["security"],
        serde_json::json!([{}]),
        "health stays open"
    );
}

// Text parameters.

#[actix_web::test]
async fn a_nul_or_control_character_in_a_text_parameter_is_a_400_naming_it() {
    for (uri, name) in [
        ("/api/v1/products?q=wat%00er", "q"),
        ("/api/v1/products?q=a%0Ab", "q"),
        ("/api/v1/imports?filename=x%00.csv", "filename"),
    ] {
        let request = if name == "filename" {
            test::TestRequest::post()
                .uri(uri)
                .insert_header(("content-type", "text/csv"))
                .set_payload("x")
        } else {
            test::TestRequest::get().uri(uri)
        };
        let (status, content_type, body) = send(Ports::default(), request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["parameter"], name, "{body}");
    }
}

#[actix_web::test]
async fn a_text_parameter_longer_than_255_characters_is_a_400() {
    let long = "a".repeat(256);
    let (status, _, body) = get(Ports::default(), &format!("/api/v1/products?q={long}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["parameter"], "q");
}

#[actix_web::test]
async fn a_bad_parameter_value_is_echoed_briefly() {
    let long = "9".repeat(7_000);
    let (status, _, body) = get(Ports::default(), &format!("/api/v1/orders?sale_id=x{long}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.len() < 300, "{} bytes: {detail:.200}", detail.len());
}

#[actix_web::test]
async fn an_unknown_parameter_with_a_huge_name_is_named_briefly() {
    let name = "z".repeat(7_000);
    let (status, _, body) = get(Ports::default(), &format!("/api/v1/products?{name}=1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.to_string().len() < 2_000,
        "{} bytes",
        body.to_string().len()
    );
}

// Methods and request size.

#[actix_web::test]
async fn a_wrong_method_on_a_known_route_is_a_405_naming_the_allowed_ones() {
    for (method, uri, allow) in [
        ("DELETE", "/api/v1/orders", "GET, HEAD"),
        ("TRACE", "/api/v1/orders", "GET, HEAD"),
        ("POST", "/api/v1/orders/12", "GET, HEAD"),
        ("PUT", "/api/v1/imports", "GET, HEAD, POST"),
        ("TRACE", "/health/live", "GET, HEAD"),
    ] {
        let app = test::init_service(zinc_web::app(Ports::default().state(), None)).await;
        let request = test::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(uri)
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
        assert_eq!(
            response.headers().get("allow").unwrap(),
            allow,
            "{method} {uri}"
        );
        assert_eq!(
            response.headers().get(CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
    }
    let (status, _, _) = send(
        Ports::default(),
        test::TestRequest::delete().uri("/api/v1/nothing"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an unknown path stays a 404");
}

#[actix_web::test]
async fn a_url_over_8_kib_is_a_414_problem() {
    let long = "a".repeat(9 * 1024);
    let (status, content_type, body) =
        get(Ports::default(), &format!("/api/v1/products?q={long}")).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert_eq!(content_type, "application/problem+json");
    assert!(body.to_string().len() < 1_000);
}

#[actix_web::test]
async fn request_headers_over_16_kib_are_a_431_problem() {
    let big = "b".repeat(17 * 1024);
    let (status, content_type, _) = send(
        Ports::default(),
        test::TestRequest::get()
            .uri("/health/live")
            .insert_header(("x-big", big)),
    )
    .await;
    assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(content_type, "application/problem+json");
}

#[::core::prelude::v1::test]
fn an_api_key_never_reaches_sentry() {
    let mut ports = with_keys();
    ports
        .orders
        .expect_list_orders()
        .returning(|_, _| Err(unavailable()));
    let events = sentry_events_for(
        ports,
        test::TestRequest::get()
            .uri("/api/v1/orders")
            .insert_header(("authorization", format!("Bearer {READ_KEY}"))),
    );
    assert_eq!(events.len(), 1, "the 503 is reported");
    let text = serde_json::to_string(&events[0]).unwrap();
    assert!(!text.contains(&READ_KEY[5..]), "{text}");
}

#[actix_web::test]
async fn a_percent_encoded_path_cannot_skip_the_key_check() {
    for uri in [
        "/api/v%31/products",
        "/%61pi/v1/products",
        "/api/v1/product%73",
    ] {
        let app = test::init_service(zinc_web::app(with_keys().state(), None)).await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{uri}");
    }
}

#[actix_web::test]
async fn with_no_active_key_a_closed_server_refuses_instead_of_opening() {
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(false));
    let mut state = Ports::default().state();
    state.gatekeeper = Arc::new(Gatekeeper::new(Arc::new(keys), OpenAccess::Refused));
    let app = test::init_service(zinc_web::app(state, None)).await;
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/api/v1/orders").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn an_unknown_route_or_media_type_is_echoed_briefly() {
    let long = "p".repeat(7_000);
    let (status, _, body) = get(Ports::default(), &format!("/{long}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body.to_string().len() < 1_000,
        "{} bytes",
        body.to_string().len()
    );
    let (status, _, body) = send(
        Ports::default(),
        test::TestRequest::post()
            .uri("/api/v1/imports")
            .insert_header(("content-type", format!("text/{}", "x".repeat(7_000))))
            .set_payload("x"),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        body.to_string().len() < 1_000,
        "{} bytes",
        body.to_string().len()
    );
}

#[actix_web::test]
async fn a_conflict_says_when_to_try_again() {
    let mut ports = Ports::default();
    ports
        .orders
        .expect_list_orders()
        .returning(|_, _| Err(StoreError::Contention("deadlock".into())));
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/api/v1/orders").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.headers().contains_key("retry-after"));
}

#[actix_web::test]
async fn head_answers_wherever_get_does_without_a_body() {
    let app = test::init_service(zinc_web::app(Ports::default().state(), None)).await;
    let response = test::call_service(
        &app,
        test::TestRequest::default()
            .method(actix_web::http::Method::HEAD)
            .uri("/health/live")
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(test::read_body(response).await.is_empty());
    let response = test::call_service(
        &app,
        test::TestRequest::delete().uri("/health/live").to_request(),
    )
    .await;
    assert_eq!(response.headers().get("allow").unwrap(), "GET, HEAD");
}

// The OpenAPI document says what the handlers accept and answer (schemathesis checks both).

/// The schema of the parameter `name` of `method path` in the OpenAPI document `doc`.
fn parameter_schema<'a>(doc: &'a Value, path: &str, method: &str, name: &str) -> &'a Value {
    let parameters = doc["paths"][path][method]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{method} {path} has no parameters"));
    &parameters
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))["schema"]
}

#[actix_web::test]
async fn the_openapi_document_states_the_values_the_handlers_accept() {
    let (_, _, doc) = get(Ports::default(), "/api-docs/openapi.json").await;
    for path in [
        "/api/v1/imports/{id}",
        "/api/v1/products/{id}",
        "/api/v1/orders/{id}",
    ] {
        let id = parameter_schema(&doc, path, "get", "id");
        assert_eq!(id["minimum"], 1, "{path}: {id}");
    }
    let locations: Vec<&str> = Location::ALL.iter().map(|l| l.as_str()).collect();
    for path in [
        "/api/v1/orders",
        "/api/v1/metrics/revenue",
        "/api/v1/metrics/revenue/daily",
        "/api/v1/metrics/products/top",
    ] {
        let location = parameter_schema(&doc, path, "get", "location");
        assert_eq!(location["enum"], serde_json::json!(locations), "{path}");
    }
    let by = parameter_schema(&doc, "/api/v1/metrics/products/top", "get", "by");
    assert_eq!(
        by["enum"],
        serde_json::json!(["revenue", "quantity"]),
        "{by}"
    );
    for (path, method, name) in [
        ("/api/v1/products", "get", "q"),
        ("/api/v1/imports", "post", "filename"),
    ] {
        let text = parameter_schema(&doc, path, method, name);
        assert_eq!(text["maxLength"], 255, "{name}: {text}");
        // No control character (Unicode category Cc, Rust's char::is_control).
        assert_eq!(
            text["pattern"], r"^[^\x00-\x1F\x7F-\x9F]*$",
            "{name}: {text}"
        );
    }
}

#[actix_web::test]
async fn the_openapi_document_lists_every_answer_an_import_can_give() {
    let (_, _, doc) = get(Ports::default(), "/api-docs/openapi.json").await;
    let responses = &doc["paths"]["/api/v1/imports"]["post"]["responses"];
    for status in [
        "201", "400", "401", "403", "408", "409", "413", "415", "422", "429", "503",
    ] {
        assert!(
            responses[status].is_object(),
            "{status} is not documented: {responses}"
        );
    }
    assert!(
        responses["429"]["headers"]["Retry-After"].is_object(),
        "{}",
        responses["429"]
    );
}

#[actix_web::test]
async fn the_openapi_document_describes_the_upload_form_and_the_raw_body() {
    let (_, _, doc) = get(Ports::default(), "/api-docs/openapi.json").await;
    let content = &doc["paths"]["/api/v1/imports"]["post"]["requestBody"]["content"];
    let form = content["multipart/form-data"]["schema"]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("no form schema: {content}"))
        .rsplit('/')
        .next()
        .unwrap();
    let form = &doc["components"]["schemas"][form];
    assert_eq!(form["required"], serde_json::json!(["file"]), "{form}");
    assert_eq!(form["properties"]["file"]["format"], "binary", "{form}");
    assert_eq!(content["text/csv"]["schema"]["type"], "string", "{content}");
}

#[actix_web::test]
async fn a_date_outside_years_0000_to_9999_is_a_400_without_touching_the_store() {
    // PostgreSQL has no day before 4713 BC: these were 500s ("date out of range").
    for (uri, name) in [
        ("/api/v1/orders?from=-5000-01-01", "from"),
        ("/api/v1/orders?to=%2B10000-01-01", "to"),
        ("/api/v1/metrics/revenue?from=-5000-01-01", "from"),
        ("/api/v1/metrics/revenue/daily?to=-262143-01-01", "to"),
        (
            "/api/v1/metrics/revenue/daily?from=-5000-01-01&to=-5000-01-02",
            "from",
        ),
        ("/api/v1/metrics/revenue/series?to=-5000-01-01", "to"),
        ("/api/v1/products/1/sales?from=%2B10000-01-01", "from"),
        ("/api/v1/metrics/products/top?to=-5000-01-01", "to"),
    ] {
        let (status, content_type, body) = get(Ports::default(), uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(content_type, "application/problem+json", "{uri}");
        assert_eq!(body["parameter"], name, "{uri}: {body}");
    }
}

// Lists.

fn report_with_three_problems(id: i64) -> zinc_domain::ImportReport {
    zinc_domain::ImportReport {
        id: zinc_domain::ImportId::new(id),
        file_name: "bad.csv".to_owned(),
        sha256: "0".repeat(64),
        mode: zinc_domain::ImportMode::Strict,
        status: zinc_domain::ImportStatus::Rejected,
        counts: zinc_domain::ImportCounts::default(),
        problems: zinc_domain::ProblemLog::restore(Vec::new(), 3),
        started_at: chrono::Utc::now(),
        finished_at: chrono::Utc::now(),
        requested_by: None,
        source: Some(zinc_domain::ImportSource::Cli),
        dry_run: false,
        replaced_sales: Vec::new(),
        rejected_lines: zinc_domain::RejectedLineCounts {
            kept: 3,
            omitted: 1,
        },
        revert: zinc_domain::RevertLinks::default(),
    }
}

#[actix_web::test]
async fn a_list_of_imports_leaves_the_problem_lists_out_instead_of_showing_them_empty() {
    let mut ports = Ports::default();
    ports.history.expect_list_imports().returning(|page| {
        Ok(zinc_domain::Paged {
            items: vec![report_with_three_problems(1)],
            total: 1,
            page,
        })
    });
    let (status, _, body) = get(ports, "/api/v1/imports").await;
    assert_eq!(status, StatusCode::OK);
    let item = &body["items"][0];
    assert_eq!(item["errors_total"], 3);
    assert!(item.get("errors").is_none(), "{item}");
}

#[actix_web::test]
async fn a_listed_import_says_which_door_it_came_through() {
    let mut ports = Ports::default();
    ports.history.expect_list_imports().returning(|page| {
        let watched = zinc_domain::ImportReport {
            source: Some(zinc_domain::ImportSource::Watch),
            ..report_with_three_problems(2)
        };
        let older = zinc_domain::ImportReport {
            source: None,
            ..report_with_three_problems(1)
        };
        Ok(zinc_domain::Paged {
            items: vec![watched, older],
            total: 2,
            page,
        })
    });
    let (status, _, body) = get(ports, "/api/v1/imports").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"][0]["source"], "watch", "{body}");
    assert!(body["items"][1]["source"].is_null(), "{body}");
}

#[actix_web::test]
async fn an_import_record_names_the_import_it_reverts_and_the_revert_that_reverted_it() {
    let mut ports = Ports::default();
    ports.history.expect_list_imports().returning(|page| {
        let revert = zinc_domain::ImportReport {
            file_name: zinc_ports::revert_name(zinc_domain::ImportId::new(1)),
            status: zinc_domain::ImportStatus::Succeeded,
            counts: zinc_domain::ImportCounts {
                orders_updated: 1,
                orders_removed: 2,
                products_updated: 1,
                products_removed: 1,
                ..zinc_domain::ImportCounts::default()
            },
            revert: zinc_domain::RevertLinks {
                reverts: Some(zinc_domain::ImportId::new(1)),
                reverted_by: None,
            },
            ..report_with_three_problems(2)
        };
        let reverted = zinc_domain::ImportReport {
            status: zinc_domain::ImportStatus::Succeeded,
            revert: zinc_domain::RevertLinks {
                reverts: None,
                reverted_by: Some(zinc_domain::ImportId::new(2)),
            },
            ..report_with_three_problems(1)
        };
        Ok(zinc_domain::Paged {
            items: vec![revert, reverted],
            total: 2,
            page,
        })
    });
    let (status, _, body) = get(ports, "/api/v1/imports").await;
    assert_eq!(status, StatusCode::OK);
    let revert = &body["items"][0];
    assert_eq!(revert["reverts"], 1, "{revert}");
    assert!(revert["reverted_by"].is_null(), "{revert}");
    assert_eq!(
        (
            &revert["orders_updated"],
            &revert["orders_removed"],
            &revert["products_updated"],
            &revert["products_removed"]
        ),
        (&1.into(), &2.into(), &1.into(), &1.into()),
        "{revert}"
    );
    let reverted = &body["items"][1];
    assert!(reverted["reverts"].is_null(), "{reverted}");
    assert_eq!(reverted["reverted_by"], 2, "{reverted}");
    assert_eq!(reverted["orders_removed"], 0, "{reverted}");
}

#[actix_web::test]
async fn a_page_says_whether_another_follows() {
    for (offset, total, has_more) in [(0, 3, true), (2, 3, false), (0, 1, false)] {
        let mut ports = Ports::default();
        ports.history.expect_list_imports().returning(move |page| {
            Ok(zinc_domain::Paged {
                items: vec![report_with_three_problems(1)],
                total,
                page,
            })
        });
        let (_, _, body) = get(ports, &format!("/api/v1/imports?limit=1&offset={offset}")).await;
        assert_eq!(
            body["has_more"], has_more,
            "offset {offset} of {total}: {body}"
        );
    }
}
