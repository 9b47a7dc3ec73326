//! HTTP conventions on mocked ports: compression, validators (ETag, 304) and CORS.

mod support;

use std::io::Read;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::test;
use actix_web::web::Bytes;
use rust_decimal::Decimal;
use serde_json::Value;
use support::Ports;
use zinc_domain::{Paged, Product, ProductId, ProductName, UnitPrice};

/// `count` products, as a catalog page would list them.
fn products(ports: &mut Ports, count: i64) {
    ports
        .products
        .expect_list_products()
        .returning(move |_, page| {
            let items: Vec<Product> = (1..=count)
                .map(|n| Product {
                    id: ProductId::new(1400 + n),
                    name: ProductName::parse(&format!("Golf balls, pack of {n}")).unwrap(),
                    price: UnitPrice::new(Decimal::new(1250 + n, 2)).unwrap(),
                    created_at: chrono::Utc::now(),
                    updated_at: chrono::Utc::now(),
                })
                .collect();
            Ok(Paged {
                total: items.len() as u64,
                items,
                page,
            })
        });
}

/// A response, read whole.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> Option<String> {
        header_text(&self.headers, name)
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// Sends `request` to the app built on `ports`.
async fn answer(ports: Ports, request: test::TestRequest) -> Answer {
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response = test::call_service(&app, request.to_request()).await;
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: test::read_body(response).await,
    }
}

/// The answer to `GET uri` with `Accept-Encoding: accept` (none when `None`).
async fn get_with_encoding(ports: Ports, uri: &str, accept: Option<&str>) -> Answer {
    let mut request = test::TestRequest::get().uri(uri);
    if let Some(accept) = accept {
        request = request.insert_header((header::ACCEPT_ENCODING, accept));
    }
    answer(ports, request).await
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).map(|v| v.to_str().unwrap().to_owned())
}

/// Whether the response says it varies with `Accept-Encoding`.
fn varies_by_encoding(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
}

fn decode(coding: &str, bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    match coding {
        "gzip" => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut plain)
                .unwrap();
        }
        "br" => {
            brotli::Decompressor::new(bytes, 4096)
                .read_to_end(&mut plain)
                .unwrap();
        }
        "zstd" => plain = zstd::decode_all(bytes).unwrap(),
        other => panic!("unexpected coding {other}"),
    }
    plain
}

// Compression.

#[actix_web::test]
async fn a_large_answer_is_compressed_with_the_coding_the_client_prefers() {
    let plain = {
        let mut ports = Ports::default();
        products(&mut ports, 200);
        let answer = get_with_encoding(ports, "/api/v1/products", None).await;
        assert!(answer.header(header::CONTENT_ENCODING).is_none());
        answer.body
    };
    assert!(plain.len() > 20_000, "{} bytes", plain.len());
    for (accept, coding) in [
        ("gzip", "gzip"),
        ("br", "br"),
        ("zstd", "zstd"),
        ("gzip;q=0.5, br;q=0.8, zstd;q=0.1", "br"),
        ("identity;q=0.1, gzip", "gzip"),
    ] {
        let mut ports = Ports::default();
        products(&mut ports, 200);
        let answer = get_with_encoding(ports, "/api/v1/products", Some(accept)).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.header(header::CONTENT_ENCODING).as_deref(),
            Some(coding),
            "Accept-Encoding: {accept}"
        );
        assert!(varies_by_encoding(&answer.headers), "{:?}", answer.headers);
        let body = answer.body;
        assert!(
            body.len() * 4 < plain.len(),
            "{coding}: {} bytes of {}",
            body.len(),
            plain.len()
        );
        let decoded: Value = serde_json::from_slice(&decode(coding, &body)).unwrap();
        let expected: Value = serde_json::from_slice(&plain).unwrap();
        // The products' timestamps differ between the two calls; their names do not.
        assert_eq!(decoded["items"].as_array().unwrap().len(), 200, "{coding}");
        assert_eq!(decoded["items"][7]["name"], expected["items"][7]["name"]);
    }
}

#[actix_web::test]
async fn a_small_answer_goes_uncompressed_but_says_it_varies_by_encoding() {
    let answer = get_with_encoding(Ports::default(), "/health/live", Some("gzip, br")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.header(header::CONTENT_ENCODING).is_none());
    assert!(varies_by_encoding(&answer.headers), "{:?}", answer.headers);
    assert_eq!(answer.json()["status"], "ok");
}

#[actix_web::test]
async fn without_accept_encoding_or_with_an_unknown_coding_nothing_is_compressed() {
    for accept in [None, Some("compress"), Some("identity;q=0")] {
        let mut ports = Ports::default();
        products(&mut ports, 200);
        let answer = get_with_encoding(ports, "/api/v1/products", accept).await;
        // A client refusing every coding, identity included, still gets the plain answer (not
        // a 406 outside the problem format).
        assert_eq!(answer.status, StatusCode::OK, "{accept:?}");
        assert!(answer.header(header::CONTENT_ENCODING).is_none());
        assert_eq!(answer.json()["items"].as_array().unwrap().len(), 200);
    }
}

#[actix_web::test]
async fn an_error_problem_is_compressed_like_any_answer_only_when_large() {
    // A 404 problem is a few hundred bytes: sent as it is.
    let answer = get_with_encoding(Ports::default(), "/api/v1/nothing", Some("gzip")).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.header(header::CONTENT_ENCODING).is_none());
    assert_eq!(
        answer.header(header::CONTENT_TYPE).as_deref(),
        Some("application/problem+json")
    );
}

// Validators.

/// `GET uri` with `If-None-Match: condition` (none when `None`).
fn get_if_none_match(uri: &str, condition: Option<&str>) -> test::TestRequest {
    let request = test::TestRequest::get().uri(uri);
    match condition {
        Some(condition) => request.insert_header((header::IF_NONE_MATCH, condition)),
        None => request,
    }
}

/// The products, listed at most `times` times.
fn products_at_most(ports: &mut Ports, times: usize) {
    ports
        .products
        .expect_list_products()
        .times(..=times)
        .returning(|_, page| {
            Ok(Paged {
                items: vec![],
                total: 0,
                page,
            })
        });
}

/// The ETag of an answer; it must be weak (`W/"..."`).
fn weak_tag(answer: &Answer) -> String {
    let tag = answer.header(header::ETAG).expect("an ETag");
    assert!(tag.starts_with("W/\""), "{tag}");
    tag
}

#[actix_web::test]
async fn a_data_answer_carries_a_weak_etag_and_its_tag_gets_a_304_without_recomputing() {
    let mut ports = Ports::default();
    products_at_most(&mut ports, 1);
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let first = test::call_service(
        &app,
        get_if_none_match("/api/v1/products", None).to_request(),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    let tag = first
        .headers()
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    // The catalog may be listed once only: the 304 comes from the tag alone.
    let again = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/products")
            .insert_header((header::IF_NONE_MATCH, tag.as_str()))
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .to_request(),
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers().get(header::ETAG).unwrap(), tag.as_str());
    assert!(varies_by_encoding(again.headers()), "{:?}", again.headers());
    assert!(again.headers().get(header::CONTENT_ENCODING).is_none());
    assert!(test::read_body(again).await.is_empty());
}

#[actix_web::test]
async fn a_list_of_tags_or_a_star_matches_and_another_tag_does_not() {
    let mut ports = Ports::default();
    empty_orders(&mut ports);
    let tag = weak_tag(&answer(ports, get_if_none_match("/api/v1/orders", None)).await);
    for (condition, expected) in [
        (format!("W/\"other\", {tag}"), StatusCode::NOT_MODIFIED),
        // Compared weakly, as RFC 9110 says for If-None-Match.
        (
            tag.trim_start_matches("W/").to_owned(),
            StatusCode::NOT_MODIFIED,
        ),
        ("*".to_owned(), StatusCode::NOT_MODIFIED),
        ("W/\"other\"".to_owned(), StatusCode::OK),
        ("not a tag list".to_owned(), StatusCode::OK),
    ] {
        let mut ports = Ports::default();
        empty_orders(&mut ports);
        let answer = answer(ports, get_if_none_match("/api/v1/orders", Some(&condition))).await;
        assert_eq!(answer.status, expected, "If-None-Match: {condition}");
        assert_eq!(weak_tag(&answer), tag, "If-None-Match: {condition}");
    }
}

#[actix_web::test]
async fn head_is_revalidated_like_get() {
    let mut ports = Ports::default();
    empty_orders(&mut ports);
    let tag = weak_tag(&answer(ports, get_if_none_match("/api/v1/orders", None)).await);
    let mut ports = Ports::default();
    empty_orders(&mut ports);
    let head = answer(
        ports,
        test::TestRequest::default()
            .method(actix_web::http::Method::HEAD)
            .uri("/api/v1/orders")
            .insert_header((header::IF_NONE_MATCH, tag.as_str())),
    )
    .await;
    assert_eq!(head.status, StatusCode::NOT_MODIFIED);
}

#[actix_web::test]
async fn the_tag_changes_with_the_data_version_and_with_the_query() {
    let tag_of = |version: &'static str, uri: &'static str| async move {
        let mut versions = zinc_ports::MockDataVersions::new();
        versions
            .expect_current_version()
            .returning(move || Ok(zinc_ports::DataVersion::new(version)));
        let mut ports = Ports {
            versions: Some(versions),
            ..Ports::default()
        };
        empty_orders(&mut ports);
        weak_tag(&answer(ports, get_if_none_match(uri, None)).await)
    };
    let v1 = tag_of("v1", "/api/v1/orders").await;
    assert_eq!(tag_of("v1", "/api/v1/orders").await, v1);
    assert_ne!(tag_of("v2", "/api/v1/orders").await, v1);
    assert_ne!(tag_of("v1", "/api/v1/orders?limit=20").await, v1);

    // A client holding the old tag gets the new answer once the data changed.
    let mut versions = zinc_ports::MockDataVersions::new();
    versions
        .expect_current_version()
        .returning(|| Ok(zinc_ports::DataVersion::new("v2")));
    let mut ports = Ports {
        versions: Some(versions),
        ..Ports::default()
    };
    empty_orders(&mut ports);
    let answer = answer(ports, get_if_none_match("/api/v1/orders", Some(&v1))).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_compressed_answer_has_the_same_weak_tag_as_the_plain_one() {
    let mut ports = Ports::default();
    products(&mut ports, 200);
    let plain = get_with_encoding(ports, "/api/v1/products", None).await;
    let mut ports = Ports::default();
    products(&mut ports, 200);
    let compressed = get_with_encoding(ports, "/api/v1/products", Some("br")).await;
    assert_eq!(
        compressed.header(header::CONTENT_ENCODING).as_deref(),
        Some("br")
    );
    assert_eq!(weak_tag(&compressed), weak_tag(&plain));
}

#[actix_web::test]
async fn every_data_route_has_validators_and_the_others_have_none() {
    let mut ports = Ports::default();
    products_at_most(&mut ports, 1);
    ports.products.expect_find_product().returning(|_| Ok(None));
    empty_orders(&mut ports);
    ports.orders.expect_find_order().returning(|_, _| Ok(None));
    ports
        .figures
        .expect_revenue()
        .returning(|_, _| Ok(zinc_domain::RevenueTotals::default()));
    ports
        .figures
        .expect_daily_revenue()
        .returning(|_, _| Ok(vec![]));
    ports
        .figures
        .expect_top_products()
        .returning(|_, _, _, _| Ok(vec![]));
    ports
        .figures
        .expect_latest_sale()
        .returning(|_, _| Ok(None));
    ports.history.expect_list_imports().returning(|page| {
        Ok(Paged {
            items: vec![],
            total: 0,
            page,
        })
    });
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    for (uri, tagged) in [
        ("/api/v1/metrics/revenue/series?interval=week", true),
        ("/api/v1/products/1408/sales", false),
        ("/api/v1/products", true),
        ("/api/v1/orders", true),
        ("/api/v1/metrics/revenue", true),
        ("/api/v1/metrics/revenue/daily", true),
        ("/api/v1/metrics/products/top", true),
        // A rejected import changes the list of imports, not the data's version.
        ("/api/v1/imports", false),
        ("/health/live", false),
        // Errors have no representation to validate.
        ("/api/v1/products/1408", false),
        ("/api/v1/orders/1408", false),
        ("/api/v1/orders?limit=0", false),
    ] {
        let response =
            test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(
            response.headers().contains_key(header::ETAG),
            tagged,
            "{uri}: {}",
            response.status()
        );
    }
}

#[actix_web::test]
async fn a_star_on_a_missing_resource_is_still_a_404() {
    let mut ports = Ports::default();
    ports.orders.expect_find_order().returning(|_, _| Ok(None));
    let answer = answer(ports, get_if_none_match("/api/v1/orders/1408", Some("*"))).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn when_the_version_cannot_be_read_the_answer_goes_without_a_tag() {
    let mut versions = zinc_ports::MockDataVersions::new();
    versions
        .expect_current_version()
        .returning(|| Err(support::unavailable()));
    let mut ports = Ports {
        versions: Some(versions),
        ..Ports::default()
    };
    empty_orders(&mut ports);
    let answer = answer(ports, get_if_none_match("/api/v1/orders", Some("*"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.header(header::ETAG).is_none());
}

#[actix_web::test]
async fn the_openapi_document_describes_the_validators_of_the_sales_data_routes() {
    let document = answer(
        Ports::default(),
        test::TestRequest::get().uri("/api-docs/openapi.json"),
    )
    .await
    .json();
    let mut documented = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let on_sales_data = method == "get"
                && ["/api/v1/products", "/api/v1/orders", "/api/v1/metrics"]
                    .iter()
                    .any(|prefix| path.starts_with(prefix));
            let responses = &operation["responses"];
            assert_eq!(
                responses.get("304").is_some(),
                on_sales_data,
                "{method} {path}"
            );
            if !on_sales_data {
                continue;
            }
            documented += 1;
            assert!(responses["200"]["headers"]["ETag"].is_object(), "{path}");
            assert!(responses["304"]["headers"]["ETag"].is_object(), "{path}");
            assert!(
                operation["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == "If-None-Match" && p["in"] == "header"),
                "{path}"
            );
        }
    }
    assert_eq!(documented, 9);
}

// CORS.

const APP: &str = "https://app.example.com";

fn cors_for_app() -> Ports {
    Ports {
        cors_origins: vec![APP.to_owned(), "http://localhost:3000".to_owned()],
        ..Ports::default()
    }
}

fn empty_orders(ports: &mut Ports) {
    ports.orders.expect_list_orders().returning(|_, page| {
        Ok(Paged {
            items: vec![],
            total: 0,
            page,
        })
    });
}

/// A browser's preflight from `origin` for a GET of the orders with a key.
fn preflight(origin: &str) -> test::TestRequest {
    test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/api/v1/orders")
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "GET"))
        .insert_header((
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization, if-none-match",
        ))
}

#[actix_web::test]
async fn a_listed_origin_may_read_the_api_and_its_validators() {
    let mut ports = cors_for_app();
    empty_orders(&mut ports);
    let answer = answer(
        ports,
        test::TestRequest::get()
            .uri("/api/v1/orders")
            .insert_header((header::ORIGIN, APP)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .as_deref(),
        Some(APP)
    );
    let exposed = answer
        .header(header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .unwrap()
        .to_ascii_lowercase();
    for name in ["etag", "location", "retry-after", "x-request-id"] {
        assert!(exposed.contains(name), "{name} is not exposed: {exposed}");
    }
    assert!(answer.header(header::VARY).unwrap().contains("Origin"));
}

#[actix_web::test]
async fn a_preflight_from_a_listed_origin_allows_the_key_and_validator_headers() {
    // Keys exist, and a preflight carries none: it is answered before the key check.
    let mut keys = zinc_ports::MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    let ports = Ports {
        keys: Some(keys),
        ..cors_for_app()
    };
    let answer = answer(ports, preflight("http://localhost:3000")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .as_deref(),
        Some("http://localhost:3000")
    );
    let methods = answer.header(header::ACCESS_CONTROL_ALLOW_METHODS).unwrap();
    for method in ["GET", "HEAD", "POST"] {
        assert!(methods.contains(method), "{methods}");
    }
    let headers = answer
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap()
        .to_ascii_lowercase();
    for name in ["authorization", "if-none-match", "content-type"] {
        assert!(headers.contains(name), "{name}: {headers}");
    }
    assert!(answer.header(header::ACCESS_CONTROL_MAX_AGE).is_some());
}

#[actix_web::test]
async fn another_origin_gets_no_cors_headers_and_its_preflight_is_a_403_problem() {
    // The request itself is served (a browser, not the server, withholds the answer).
    let mut ports = cors_for_app();
    empty_orders(&mut ports);
    let answer_ = answer(
        ports,
        test::TestRequest::get()
            .uri("/api/v1/orders")
            .insert_header((header::ORIGIN, "https://evil.example.com")),
    )
    .await;
    assert_eq!(answer_.status, StatusCode::OK);
    assert!(
        answer_
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );

    let refused = answer(cors_for_app(), preflight("https://evil.example.com")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    assert_eq!(
        refused.header(header::CONTENT_TYPE).as_deref(),
        Some("application/problem+json")
    );
    let problem = refused.json();
    assert_eq!(problem["status"], 403);
    assert_eq!(
        problem["type"],
        "https://zinc.dev/problems/cross-origin-refused"
    );
}

#[actix_web::test]
async fn a_listed_origin_can_read_a_401_so_its_page_can_ask_for_a_key() {
    let mut ports = cors_for_app();
    let mut keys = zinc_ports::MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    ports.keys = Some(keys);
    let answer = answer(
        ports,
        test::TestRequest::get()
            .uri("/api/v1/orders")
            .insert_header((header::ORIGIN, APP)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .as_deref(),
        Some(APP)
    );
}

#[actix_web::test]
async fn cors_is_off_by_default() {
    let mut ports = Ports::default();
    empty_orders(&mut ports);
    let answer_ = answer(
        ports,
        test::TestRequest::get()
            .uri("/api/v1/orders")
            .insert_header((header::ORIGIN, APP)),
    )
    .await;
    assert_eq!(answer_.status, StatusCode::OK);
    assert!(
        answer_
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    let preflight = answer(Ports::default(), preflight(APP)).await;
    assert!(
        preflight
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    assert!(
        preflight
            .header(header::ACCESS_CONTROL_ALLOW_METHODS)
            .is_none()
    );
}

// Answers kept for the current data.

/// Asks `uri` twice of one application whose data has version `first` and then `second`.
async fn asked_twice(first: &'static str, second: &'static str, computed: usize) -> [Value; 2] {
    let mut versions = zinc_ports::MockDataVersions::new();
    let mut seq = mockall::Sequence::new();
    for version in [first, second] {
        versions
            .expect_current_version()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move || Ok(zinc_ports::DataVersion::new(version)));
    }
    let mut ports = Ports {
        versions: Some(versions),
        ..Ports::default()
    };
    // The store computes the figure `computed` times, no more.
    let mut sums = 0u64;
    ports
        .figures
        .expect_revenue()
        .times(computed)
        .returning(move |_, _| {
            sums += 1;
            Ok(zinc_domain::RevenueTotals {
                revenue: Decimal::new(1250, 2),
                order_count: sums,
            })
        });
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let response = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/v1/metrics/revenue")
                .to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().contains_key(header::ETAG));
        let body = test::read_body(response).await;
        bodies.push(serde_json::from_slice(&body).unwrap());
    }
    bodies.try_into().unwrap()
}

#[actix_web::test]
async fn an_answer_computed_for_the_current_data_is_served_again_without_the_store() {
    let [first, again] = asked_twice("v1", "v1", 1).await;
    assert_eq!(first, again);
    assert_eq!(again["order_count"], 1);
}

#[actix_web::test]
async fn once_the_data_changed_the_answer_is_computed_again() {
    let [first, after] = asked_twice("v1", "v2", 2).await;
    assert_eq!(first["order_count"], 1);
    assert_eq!(after["order_count"], 2);
}
