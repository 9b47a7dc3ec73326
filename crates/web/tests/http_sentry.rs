//! What a failing request leaves in Sentry (a test transport stands in for it): its method, its
//! URL without the query, its route, its request id and a few harmless headers; never a body,
//! a query string, a cookie or a key, whatever the Sentry client's options say.

mod support;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, CONTENT_TYPE};
use actix_web::test;
use chrono::Utc;
use sentry::ClientOptions;
use sentry::protocol::Event;
use support::{Ports, unavailable};
use zinc_domain::{ApiKey, KeyName, KeyScope, KeySecret, SessionToken};
use zinc_ports::{MockApiKeys, MockDashboardSessions};

/// A write key: no part of its secret may reach Sentry.
const WRITE_KEY: &str = "zinc_WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW";
const SECRET_PART: &str = "WWWWWWWWWWWW";
/// Written in bodies and query strings, which must not reach Sentry either.
const BODY_MARK: &str = "BodyMark4711";
const QUERY_MARK: &str = "QueryMark0815";
const OWN_HOST: &str = "localhost:8080";
const OWN_ORIGIN: &str = "http://localhost:8080";

/// Keys exist; `WRITE_KEY` is a write key.
fn one_write_key() -> MockApiKeys {
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    keys.expect_find_active_key().returning(|digest| {
        Ok(
            (*digest == KeySecret::parse(WRITE_KEY).unwrap().digest()).then(|| ApiKey {
                name: KeyName::parse("uploads").unwrap(),
                scope: KeyScope::Write,
                created_at: Utc::now(),
                last_used_at: None,
                revoked_at: None,
            }),
        )
    });
    keys.expect_mark_used().returning(|_, _| Ok(()));
    keys
}

/// The token of an open dashboard session of `WRITE_KEY`: no part of it may reach Sentry.
fn write_session() -> SessionToken {
    SessionToken::from_random([5; 32])
}

/// `write_session()` is open, with the write key `uploads`.
fn one_write_session() -> MockDashboardSessions {
    let mut sessions = MockDashboardSessions::new();
    sessions.expect_session_key().returning(|digest, _| {
        Ok((*digest == write_session().digest()).then(|| ApiKey {
            name: KeyName::parse("uploads").unwrap(),
            scope: KeyScope::Write,
            created_at: Utc::now(),
            last_used_at: None,
            revoked_at: None,
        }))
    });
    sessions
}

/// Keys exist, and the database is gone when one is looked up.
fn keys_unreachable() -> MockApiKeys {
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    keys.expect_find_active_key()
        .returning(|_| Err(unavailable()));
    keys
}

/// A write key, and no database to import into.
fn cannot_import() -> Ports {
    let mut ports = Ports {
        keys: Some(one_write_key()),
        sessions: Some(one_write_session()),
        ..Ports::default()
    };
    ports
        .ledger
        .expect_begin_import()
        .returning(|_| Err(unavailable()));
    ports
}

/// The SDK's defaults (which keep small form bodies), and the most revealing options a
/// deployment could set.
fn client_options() -> Vec<(&'static str, ClientOptions)> {
    vec![
        ("defaults", ClientOptions::default()),
        (
            "revealing",
            ClientOptions {
                send_default_pii: true,
                max_request_body_size: sentry::MaxRequestBodySize::Always,
                traces_sample_rate: 1.0,
                ..Default::default()
            },
        ),
    ]
}

/// Sends `request` to the app reporting to a Sentry test transport with `options`; returns
/// the status, the events, and every envelope sent (events and transactions) as text.
fn reported(
    ports: Ports,
    request: test::TestRequest,
    options: ClientOptions,
) -> (StatusCode, Vec<Event<'static>>, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let state = ports.state();
    let mut status = None;
    let envelopes = sentry::test::with_captured_envelopes_options(
        || {
            runtime.block_on(async {
                let hub = sentry::Hub::current();
                let app = test::init_service(zinc_web::app(state, Some(hub))).await;
                let response = test::call_service(&app, request.to_request()).await;
                status = Some(response.status());
                test::read_body(response).await;
            })
        },
        options,
    );
    let events = envelopes
        .iter()
        .filter_map(|envelope| envelope.event().cloned())
        .collect();
    let mut sent = Vec::new();
    for envelope in &envelopes {
        envelope.to_writer(&mut sent).unwrap();
    }
    (
        status.unwrap(),
        events,
        String::from_utf8_lossy(&sent).into_owned(),
    )
}

/// Every kind of request that can end in a 5xx, each carrying a key, a body and a query string.
/// (The dashboard's upload refuses unknown query parameters: its query is `dry_run=false`.)
fn failing_requests() -> Vec<(&'static str, Ports, test::TestRequest)> {
    let boundary = "zincboundary";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\n\r\nSale Date,{BODY_MARK}\n\r\n--{boundary}--\r\n"
    );
    let mut api_read = Ports {
        keys: Some(one_write_key()),
        ..Ports::default()
    };
    api_read
        .products
        .expect_list_products()
        .returning(|_, _| Err(unavailable()));
    let mut page_read = Ports {
        keys: Some(one_write_key()),
        sessions: Some(one_write_session()),
        ..Ports::default()
    };
    page_read
        .products
        .expect_list_products()
        .returning(|_, _| Err(unavailable()));
    vec![
        (
            "sign-in",
            Ports {
                keys: Some(keys_unreachable()),
                ..Ports::default()
            },
            test::TestRequest::post()
                .uri(&format!("/sign-in?next=%2F{QUERY_MARK}"))
                .insert_header((header::HOST, OWN_HOST))
                .insert_header((header::ORIGIN, OWN_ORIGIN))
                .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(format!("key={WRITE_KEY}&next=%2F{BODY_MARK}")),
        ),
        (
            "API upload",
            cannot_import(),
            test::TestRequest::post()
                .uri(&format!("/api/v1/imports?filename={QUERY_MARK}.csv"))
                .insert_header((header::AUTHORIZATION, format!("Bearer {WRITE_KEY}")))
                .insert_header((CONTENT_TYPE, "text/csv"))
                .set_payload(format!("Sale Date,{BODY_MARK}\n")),
        ),
        (
            "API upload (JSON-typed body)",
            cannot_import(),
            test::TestRequest::post()
                .uri(&format!("/api/v1/imports?filename={QUERY_MARK}.csv"))
                .insert_header((header::AUTHORIZATION, format!("Bearer {WRITE_KEY}")))
                .insert_header((CONTENT_TYPE, "multipart/form-data; boundary=zincboundary"))
                .set_payload(form.clone()),
        ),
        (
            "dashboard upload",
            cannot_import(),
            test::TestRequest::post()
                .uri("/imports?dry_run=false")
                .insert_header((header::HOST, OWN_HOST))
                .insert_header((header::ORIGIN, OWN_ORIGIN))
                .insert_header((
                    header::COOKIE,
                    format!("zinc_session={}", write_session().expose()),
                ))
                .insert_header((
                    CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                ))
                .set_payload(form),
        ),
        (
            "API read",
            api_read,
            test::TestRequest::get()
                .uri(&format!("/api/v1/products?q={QUERY_MARK}&limit=5"))
                .insert_header((header::AUTHORIZATION, format!("Bearer {WRITE_KEY}")))
                .insert_header((header::COOKIE, format!("zinc_key={WRITE_KEY}")))
                .insert_header((header::REFERER, format!("http://x/?{QUERY_MARK}")))
                .insert_header(("x-api-key", WRITE_KEY)),
        ),
        (
            "dashboard page",
            page_read,
            test::TestRequest::get()
                .uri(&format!("/products?q={QUERY_MARK}"))
                .insert_header((
                    header::COOKIE,
                    format!("zinc_session={}", write_session().expose()),
                )),
        ),
    ]
}

#[::core::prelude::v1::test]
fn no_key_body_or_query_string_reaches_sentry_from_any_failing_path() {
    for (options_name, options) in client_options() {
        for (path, ports, request) in failing_requests() {
            let (status, events, sent) = reported(ports, request, options.clone());
            assert!(status.is_server_error(), "{path}: {status}");
            assert_eq!(events.len(), 1, "{path}: the failure is reported once");
            let token = write_session().expose().to_owned();
            for secret in [SECRET_PART, BODY_MARK, QUERY_MARK, "dry_run=false", &token] {
                assert!(
                    !sent.contains(secret),
                    "{path} ({options_name}): {secret} reached Sentry: {sent}"
                );
            }
            let event = &events[0];
            let request = event.request.as_ref().expect("the request is described");
            assert!(request.data.is_none(), "{path}: {request:?}");
            assert!(request.query_string.is_none(), "{path}: {request:?}");
            assert!(request.cookies.is_none(), "{path}: {request:?}");
            assert!(request.method.is_some(), "{path}: {request:?}");
            let url = request.url.as_ref().expect("its URL, without the query");
            assert!(url.query().is_none(), "{path}: {url}");
            assert!(
                event.tags.contains_key("request_id") && event.tags.contains_key("route"),
                "{path}: {:?}",
                event.tags
            );
        }
    }
}
