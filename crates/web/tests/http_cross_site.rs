//! Other sites' pages (mocked ports): a browser lets any page post to this server, and DNS
//! rebinding lets a page on a name of the attacker's read the answers. Writes from another
//! site are refused (403), an open server answers only its own names (421), and forwarded
//! headers are believed from trusted proxies only. Also the request-head refusals a hostile
//! client met: compressed bodies, two `Authorization` headers, and sign-in guessing.

mod support;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::test;
use serde_json::Value;
use support::Ports;
use zinc_ports::MockApiKeys;

/// An answer's status, headers and body (JSON when it is some).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
    text: String,
}

impl Answer {
    fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or("")
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn answer(ports: Ports, request: test::TestRequest) -> Answer {
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = test::read_body(response).await;
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

const OWN_HOST: &str = "localhost:8080";
const OWN_ORIGIN: &str = "http://localhost:8080";

/// A "simple" import, as any page may send one without a preflight: `text/plain`, and an
/// empty body (a 400 `missing-file` once it reaches the import: no port is called).
fn simple_import() -> test::TestRequest {
    test::TestRequest::post()
        .uri("/api/v1/imports")
        .insert_header((header::HOST, OWN_HOST))
        .insert_header((header::CONTENT_TYPE, "text/plain"))
}

const MISSING_FILE: &str = "https://zinc.dev/problems/missing-file";
const CROSS_SITE: &str = "https://zinc.dev/problems/cross-site-write";

#[actix_web::test]
async fn a_write_from_another_sites_page_is_refused_with_a_403_problem() {
    for (name, value) in [
        ("origin", "https://evil.example"),
        // Another port is another origin.
        ("origin", "http://localhost:9999"),
        // A sandboxed frame or a redirect says `null`.
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let refused = answer(
            Ports::default(),
            simple_import().insert_header((name, value)),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{name}: {value}: {}",
            refused.text
        );
        assert_eq!(refused.content_type(), "application/problem+json");
        assert_eq!(refused.problem_type(), CROSS_SITE, "{name}: {value}");
    }
    // Any method that writes, on a route that takes it or not.
    let refused = answer(
        Ports::default(),
        test::TestRequest::delete()
            .uri("/api/v1/imports/7")
            .insert_header((header::ORIGIN, "https://evil.example")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
}

#[actix_web::test]
async fn the_dashboards_forms_refuse_another_site_with_a_problem_too() {
    for path in ["/sign-in", "/sign-out", "/imports"] {
        let refused = answer(
            Ports::default(),
            test::TestRequest::post()
                .uri(path)
                .insert_header((header::HOST, OWN_HOST))
                .insert_header((header::ORIGIN, "https://evil.example"))
                .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload("key=zinc_x"),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            refused.problem_type(),
            CROSS_SITE,
            "{path}: {}",
            refused.text
        );
    }
}

#[actix_web::test]
async fn same_origin_listed_origins_and_clients_without_a_browser_may_write() {
    let ports = || Ports {
        cors_origins: vec!["https://app.example.com".to_owned()],
        ..Ports::default()
    };
    for headers in [
        vec![],
        vec![("origin", OWN_ORIGIN)],
        vec![("origin", OWN_ORIGIN), ("sec-fetch-site", "same-origin")],
        vec![("sec-fetch-site", "same-origin")],
        vec![("sec-fetch-site", "none")],
        vec![
            ("origin", "https://app.example.com"),
            ("sec-fetch-site", "cross-site"),
        ],
    ] {
        let mut request = simple_import();
        for header in &headers {
            request = request.insert_header(*header);
        }
        let passed = answer(ports(), request).await;
        assert_eq!(
            passed.problem_type(),
            MISSING_FILE,
            "{headers:?}: {}",
            passed.text
        );
    }
}

/// `GET /api/v1/orders/abc`: a 400 from the id's parser once it gets there, no port called.
fn bad_order_id(host: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri("/api/v1/orders/abc")
        .insert_header((header::HOST, host))
}

#[actix_web::test]
async fn an_open_server_answers_only_loopback_names_addresses_and_allowed_hosts() {
    let ports = || Ports {
        allowed_hosts: vec!["zinc.lan".to_owned()],
        ..Ports::default()
    };
    for host in [
        "localhost:8080",
        "localhost",
        "127.0.0.1:8080",
        "[::1]:8080",
        "192.0.2.7:8080",
        "zinc.lan:8080",
    ] {
        let answered = answer(ports(), bad_order_id(host)).await;
        assert_eq!(
            answered.status,
            StatusCode::BAD_REQUEST,
            "{host}: {}",
            answered.text
        );
    }
    for host in [
        "attacker.example",
        "localhost.attacker.example:8080",
        "zinc.lan.evil:8080",
    ] {
        let refused = answer(ports(), bad_order_id(host)).await;
        assert_eq!(refused.status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert_eq!(
            refused.problem_type(),
            "https://zinc.dev/problems/host-not-allowed",
            "{host}"
        );
        assert!(
            refused.body["detail"]
                .as_str()
                .unwrap()
                .contains("ZINC_ALLOWED_HOSTS"),
            "{}",
            refused.text
        );
    }
    // The dashboard too.
    let page = answer(
        ports(),
        test::TestRequest::get()
            .uri("/sign-in")
            .insert_header((header::HOST, "attacker.example")),
    )
    .await;
    assert_eq!(page.status, StatusCode::MISDIRECTED_REQUEST);
}

#[actix_web::test]
async fn with_keys_the_host_name_does_not_matter() {
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    let ports = Ports {
        keys: Some(keys),
        ..Ports::default()
    };
    let answered = answer(ports, bad_order_id("attacker.example")).await;
    assert_eq!(
        answered.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        answered.text
    );
}

/// A write whose forwarded headers name another site, as that site's page could send it
/// through a proxy that passes them on.
fn forwarded_from(origin: &str, forwarded_host: &str, proto: &str) -> [(&'static str, String); 4] {
    [
        ("origin", origin.to_owned()),
        ("x-forwarded-host", forwarded_host.to_owned()),
        ("x-forwarded-proto", proto.to_owned()),
        ("forwarded", format!("host={forwarded_host};proto={proto}")),
    ]
}

#[actix_web::test]
async fn forwarded_headers_are_believed_from_trusted_proxies_only() {
    let peer = "10.0.0.2:41000".parse().unwrap();
    let trusting = |proxies: &str| Ports {
        trusted_proxies: vec![proxies.parse().unwrap()],
        // Open: the name the browser saw must be answered too.
        allowed_hosts: vec!["zinc.example.com".to_owned()],
        ..Ports::default()
    };
    let sign_out = |headers: [(&'static str, String); 4]| {
        let mut request = test::TestRequest::post()
            .uri("/sign-out")
            .peer_addr(peer)
            .insert_header((header::HOST, "zinc-internal:8080"));
        for header in headers {
            request = request.insert_header(header);
        }
        request
    };
    let import = |headers: [(&'static str, String); 4]| {
        let mut request = simple_import().peer_addr(peer);
        for header in headers {
            request = request.insert_header(header);
        }
        request
    };
    let evil = || forwarded_from("https://evil.example", "evil.example", "https");
    // From a peer nobody trusts, the forwarded headers cannot make another site this one.
    for request in [sign_out(evil()), import(evil())] {
        let refused = answer(Ports::default(), request).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    }
    let public = || forwarded_from("https://zinc.example.com", "zinc.example.com", "https");
    let refused = answer(Ports::default(), sign_out(public())).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "not trusted: {}",
        refused.text
    );
    // From a trusted proxy, they name the site the browser saw.
    let passed = answer(trusting("10.0.0.0/8"), sign_out(public())).await;
    assert_eq!(passed.status, StatusCode::SEE_OTHER, "{}", passed.text);
    let passed = answer(trusting("10.0.0.2/32"), import(public())).await;
    assert_eq!(passed.problem_type(), MISSING_FILE, "{}", passed.text);
    // Through it, another site's page is still another site.
    let mut other_page = public();
    other_page[0].1 = "https://evil.example".to_owned();
    let refused = answer(trusting("10.0.0.0/8"), import(other_page)).await;
    assert_eq!(refused.problem_type(), CROSS_SITE, "{}", refused.text);
    // Another proxy is not trusted for being near one.
    let refused = answer(trusting("10.0.1.0/24"), sign_out(public())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn a_compressed_request_body_is_a_415_problem() {
    for encoding in ["gzip", "br", "identity, deflate"] {
        let refused = answer(
            Ports::default(),
            test::TestRequest::post()
                .uri("/api/v1/imports")
                .insert_header((header::CONTENT_TYPE, "text/csv"))
                .insert_header((header::CONTENT_ENCODING, encoding))
                .set_payload(vec![0x1f, 0x8b, 0x08, 0x00]),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{encoding}"
        );
        assert_eq!(
            refused.problem_type(),
            "https://zinc.dev/problems/encoded-body",
            "{}",
            refused.text
        );
    }
    // `identity` is no encoding at all.
    let passed = answer(
        Ports::default(),
        simple_import().insert_header((header::CONTENT_ENCODING, "identity")),
    )
    .await;
    assert_eq!(passed.problem_type(), MISSING_FILE, "{}", passed.text);
}

#[actix_web::test]
async fn two_authorization_headers_are_refused_not_guessed_between() {
    let refused = answer(
        Ports::default(),
        bad_order_id(OWN_HOST)
            .append_header((header::AUTHORIZATION, "Bearer zinc_first"))
            .append_header((header::AUTHORIZATION, "Bearer zinc_second")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(
        refused.problem_type(),
        "https://zinc.dev/problems/ambiguous-authorization"
    );
}

#[actix_web::test]
async fn signing_in_with_wrong_keys_is_limited_like_the_api() {
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    keys.expect_find_active_key().returning(|_| Ok(None));
    let ports = Ports {
        keys: Some(keys),
        ..Ports::default()
    };
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let peer = "192.0.2.9:50000".parse().unwrap();
    let attempt = || {
        test::TestRequest::post()
            .uri("/sign-in")
            .peer_addr(peer)
            .insert_header((header::HOST, OWN_HOST))
            .insert_header((header::ORIGIN, OWN_ORIGIN))
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload("key=zinc_guess&next=%2F")
            .to_request()
    };
    let mut statuses = Vec::new();
    for _ in 0..=zinc_web::api::auth_failures::FAILURES_BURST {
        statuses.push(test::call_service(&app, attempt()).await.status());
    }
    let burst = zinc_web::api::auth_failures::FAILURES_BURST as usize;
    assert!(
        statuses[..burst]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[burst], StatusCode::TOO_MANY_REQUESTS);
    let waiting = test::call_service(&app, attempt()).await;
    assert_eq!(waiting.status(), StatusCode::TOO_MANY_REQUESTS);
    let seconds: u64 = waiting
        .headers()
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(seconds >= 1, "{seconds}");
    // The API shares the count: this client's keys are refused there too, before any lookup.
    let api = test::call_service(
        &app,
        bad_order_id(OWN_HOST)
            .peer_addr(peer)
            .insert_header((header::AUTHORIZATION, "Bearer zinc_guess"))
            .to_request(),
    )
    .await;
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[actix_web::test]
async fn the_docs_forbid_framing_and_foreign_content() {
    for path in ["/docs/", "/docs/index.html", "/docs/swagger-initializer.js"] {
        let page = answer(Ports::default(), test::TestRequest::get().uri(path)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let policy = page
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .map_or("", |v| v.to_str().unwrap());
        for directive in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert_eq!(
            page.headers
                .get(header::X_FRAME_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"DENY"[..]),
            "{path}"
        );
        assert_eq!(
            page.headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
    }
}

#[actix_web::test]
async fn every_keyed_operation_documents_its_429_with_retry_after() {
    use utoipa::OpenApi;
    let document = serde_json::to_value(zinc_web::api::docs::ApiDoc::openapi()).unwrap();
    let mut seen = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let too_many = &operation["responses"]["429"];
            assert!(too_many.is_object(), "{method} {path} has no 429");
            assert!(
                too_many["headers"]["Retry-After"].is_object(),
                "{method} {path}: {too_many}"
            );
            seen += 1;
        }
    }
    assert!(seen >= 10, "{seen} operations");
}

#[actix_web::test]
async fn behind_a_trusted_proxy_failed_keys_are_counted_per_forwarded_client() {
    use zinc_web::api::auth_failures::FAILURES_BURST;
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    let ports = Ports {
        keys: Some(keys),
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..Ports::default()
    };
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let attempt = |peer: &str, forwarded_for: &str| {
        bad_order_id(OWN_HOST)
            .peer_addr(peer.parse().unwrap())
            .insert_header(("x-forwarded-for", forwarded_for.to_owned()))
            .insert_header((header::AUTHORIZATION, "Bearer zinc_guess"))
            .to_request()
    };
    let proxy = "10.0.0.2:40000";
    let mut last = StatusCode::OK;
    for _ in 0..=FAILURES_BURST {
        last = test::call_service(&app, attempt(proxy, "198.51.100.1"))
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Another client through the same proxy has its own allowance.
    let other = test::call_service(&app, attempt(proxy, "198.51.100.2")).await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    // Writing an address of one's own before the proxy's does not make another client.
    let spoofed = test::call_service(&app, attempt(proxy, "203.0.113.9, 198.51.100.1")).await;
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
    // From a peer nobody trusts, X-Forwarded-For is not read: the peer is the client.
    let stranger = "192.0.2.50:40000";
    for n in 0..=FAILURES_BURST {
        last = test::call_service(&app, attempt(stranger, &format!("198.51.100.{}", 10 + n)))
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
