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
use zinc_app::http;
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
    let app = test::init_service(http::app(ports.state(), None)).await;
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
