//! What a hostile client must not be able to do to the HTTP layer (mocked ports): choose a
//! metric label, get a secret into Sentry, or grow the server's memory with a request.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::{Method, StatusCode};
use actix_web::{test, web};
use futures_util::StreamExt;
use support::{Ports, unavailable};
use zinc_ports::ConnectionStats;

/// The values of `label` on the request-duration metric, as `/metrics` shows them.
fn label_values(metrics: &str, label: &str) -> BTreeSet<String> {
    let prefix = format!("{label}=\"");
    metrics
        .lines()
        .filter(|line| line.starts_with("zinc_http_request_duration_seconds_count{"))
        .filter_map(|line| {
            let start = line.find(&prefix)? + prefix.len();
            let end = start + line[start..].find('"')?;
            Some(line[start..end].to_owned())
        })
        .collect()
}

#[actix_web::test]
async fn made_up_methods_and_paths_do_not_grow_the_metric_labels() {
    let mut ports = Ports::default();
    ports
        .health
        .expect_connection_stats()
        .returning(|| ConnectionStats {
            open: 1,
            idle: 1,
            max: 10,
        });
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    const REQUESTS: usize = 300;
    for n in 0..REQUESTS {
        let method = Method::from_bytes(format!("M{n}X").as_bytes()).unwrap();
        let path = if n % 2 == 0 {
            "/health/live".to_owned()
        } else {
            format!("/no/such/route/{n}")
        };
        let response = test::call_service(
            &app,
            test::TestRequest::default()
                .method(method)
                .uri(&path)
                .to_request(),
        )
        .await;
        assert!(response.status().is_client_error(), "{n}");
    }
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    let methods = label_values(&text, "method");
    assert!(
        methods.iter().all(|m| !m.starts_with('M')),
        "a made-up method never becomes a label: {methods:?}"
    );
    assert!(methods.contains("OTHER"), "{methods:?}");
    let routes = label_values(&text, "route");
    assert!(routes.len() <= 3, "{routes:?}");
    let other = text
        .lines()
        .filter(|line| {
            line.starts_with("zinc_http_request_duration_seconds_count{")
                && line.contains(r#"method="OTHER""#)
        })
        .map(|line| line.rsplit(' ').next().unwrap().parse::<usize>().unwrap())
        .sum::<usize>();
    assert_eq!(other, REQUESTS, "every such request is counted, once");
    assert!(
        text.len() < 64 * 1024,
        "the scrape stays small: {} bytes",
        text.len()
    );
}

// Multipart forms: every byte counts, and no part's head grows without bound.

const BOUNDARY: &str = "zincboundary";

/// An import cannot start: the database is gone (the answer of a form that reached it).
fn ledger_unreachable(ports: &mut Ports) {
    ports
        .ledger
        .expect_begin_import()
        .returning(|_| Err(unavailable()));
}

/// Bytes of `body`, then `filler` repeated up to `total` bytes in all, sent in 8 KiB pieces
/// without a `Content-Length` (as a chunked upload is), counting what the server read.
fn streamed_form(
    body: Vec<u8>,
    filler: &'static [u8],
    total: usize,
    read: Arc<AtomicUsize>,
) -> actix_web::dev::Payload {
    let mut bytes = body;
    while bytes.len() < total {
        bytes.extend_from_slice(filler);
    }
    let pieces: Vec<web::Bytes> = bytes
        .chunks(8 * 1024)
        .map(web::Bytes::copy_from_slice)
        .collect();
    let stream = futures_util::stream::iter(pieces).then(move |piece| {
        let read = read.clone();
        async move {
            // The network's pace: the server gets a chance to act between pieces.
            tokio::task::yield_now().await;
            read.fetch_add(piece.len(), Ordering::Relaxed);
            Ok::<_, actix_web::error::PayloadError>(piece)
        }
    });
    let boxed: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>>>,
    > = Box::pin(stream);
    actix_web::dev::Payload::from(boxed)
}

/// Posts a streamed form to `POST /api/v1/imports`; returns status, content type and body.
async fn post_streamed_form(
    ports: Ports,
    payload: actix_web::dev::Payload,
) -> (StatusCode, String, serde_json::Value) {
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let (request, _) = test::TestRequest::post()
        .uri("/api/v1/imports")
        .insert_header((
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .to_request()
        .replace_payload(payload);
    let response = tokio::time::timeout(Duration::from_secs(60), test::call_service(&app, request))
        .await
        .expect("answered in time");
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = test::read_body(response).await;
    (
        status,
        content_type,
        serde_json::from_slice(&body).unwrap_or_default(),
    )
}

#[actix_web::test]
async fn a_part_header_that_never_ends_is_refused_after_a_few_kilobytes() {
    let read = Arc::new(AtomicUsize::new(0));
    // 2 MiB of one header line that never ends, under the 64 MiB upload limit.
    let head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"\r\nX-Pad: ")
        .into_bytes();
    let payload = streamed_form(head, b"aaaaaaaaaaaaaaaa", 2 * 1024 * 1024, read.clone());
    let (status, content_type, body) = post_streamed_form(Ports::default(), payload).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert!(body["detail"].as_str().unwrap().contains("head"), "{body}");
    let read = read.load(Ordering::Relaxed);
    assert!(
        read <= 64 * 1024,
        "refused after {read} bytes, not at the end"
    );
}

#[actix_web::test]
async fn empty_parts_and_part_headers_count_toward_the_upload_limit() {
    // The hostile tester's shape: empty parts without end, then (never reached) a file.
    let read = Arc::new(AtomicUsize::new(0));
    let empty_part: &'static [u8] =
        b"--zincboundary\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n";
    let mut ports = Ports {
        max_upload_bytes: Some(100 * 1024),
        ..Ports::default()
    };
    ledger_unreachable(&mut ports);
    let payload = streamed_form(Vec::new(), empty_part, 4 * 1024 * 1024, read.clone());
    let (status, content_type, body) = post_streamed_form(ports, payload).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(content_type, "application/problem+json");
    let read = read.load(Ordering::Relaxed);
    assert!(read <= 200 * 1024, "refused after {read} bytes");

    // Headers of parts well within their own bound add up too: 20 parts with 6 KiB headers
    // and no data, then a small file, over a 100 KiB limit.
    let mut form = Vec::new();
    for n in 0..20 {
        form.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x{n}\"\r\nX-Pad: {}\r\n\r\n\r\n",
                "p".repeat(6 * 1024)
            )
            .as_bytes(),
        );
    }
    form.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\n\r\nSale Date\n\r\n--{BOUNDARY}--\r\n").as_bytes(),
    );
    let total = form.len();
    let mut ports = Ports {
        max_upload_bytes: Some(100 * 1024),
        ..Ports::default()
    };
    ledger_unreachable(&mut ports);
    let payload = streamed_form(form, b"", total, Arc::new(AtomicUsize::new(0)));
    let (status, _, body) = post_streamed_form(ports, payload).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
}

#[actix_web::test]
async fn a_form_within_its_bounds_is_still_imported() {
    // Part heads under the bound and a body under the limit reach the import (here: a 503).
    let mut form = Vec::new();
    for n in 0..5 {
        form.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x{n}\"\r\nX-Pad: {}\r\n\r\nvalue\r\n",
                "p".repeat(7 * 1024)
            )
            .as_bytes(),
        );
    }
    form.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\n\r\n{}\n\r\n--{BOUNDARY}--\r\n", "Sale Date,".repeat(5_000)).as_bytes(),
    );
    let total = form.len();
    let mut ports = Ports {
        max_upload_bytes: Some(total as u64),
        ..Ports::default()
    };
    ledger_unreachable(&mut ports);
    let payload = streamed_form(form, b"", total, Arc::new(AtomicUsize::new(0)));
    let (status, _, body) = post_streamed_form(ports, payload).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
}
