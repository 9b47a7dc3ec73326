//! What a hostile client must not be able to do to the HTTP layer (mocked ports): choose a
//! metric label, get a secret into Sentry, or grow the server's memory with a request.

mod support;

use std::collections::BTreeSet;

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use support::Ports;
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
