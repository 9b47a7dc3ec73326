//! API keys end to end: `zinc keys`, a server that needs them, and the open-API guard.

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::Value;
use zinc_e2e::{Zinc, real_export_path};
use zinc_testkit::TestDatabase;

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Creates a key; returns the secret printed on the last line.
fn create_key(database: &TestDatabase, name: &str, scope: &str) -> String {
    let output = ZINC.run(database.url(), &["keys", "create", name, "--scope", scope]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    let last = text.lines().last().unwrap().to_owned();
    assert!(last.starts_with("zinc_") && !last.contains(' '), "{text}");
    last
}

#[tokio::test]
async fn a_created_key_is_printed_once_and_never_listed() {
    let database = TestDatabase::empty().await;
    let secret = create_key(&database, "finance-uploads", "write");

    let list = ZINC.run(database.url(), &["keys", "list"]);
    assert!(list.status.success(), "{list:?}");
    let text = stdout(&list);
    assert!(
        text.contains("finance-uploads") && text.contains("write"),
        "{text}"
    );
    assert!(
        !text.contains(&secret[5..]),
        "the key itself is never listed: {text}"
    );

    let again = ZINC.run(
        database.url(),
        &["keys", "create", "finance-uploads", "--scope", "read"],
    );
    assert_eq!(again.status.code(), Some(1), "a name is never reused");
    let bad = ZINC.run(
        database.url(),
        &["keys", "create", "has space", "--scope", "read"],
    );
    assert_eq!(bad.status.code(), Some(2), "a usage error: {bad:?}");
    let unknown = ZINC.run(database.url(), &["keys", "revoke", "nobody"]);
    assert_eq!(unknown.status.code(), Some(1));
}

#[tokio::test]
async fn once_a_key_exists_the_api_needs_it_and_imports_record_its_name() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let client = Client::new();
    let orders = server.url("/api/v1/orders");
    assert_eq!(
        client.get(&orders).send().await.unwrap().status(),
        StatusCode::OK,
        "open"
    );

    let write = create_key(&database, "uploads", "write");
    let read = create_key(&database, "dashboard", "read");
    // The server learns of the first key within its cache time.
    let deadline = Instant::now() + Duration::from_secs(8);
    while client.get(&orders).send().await.unwrap().status() != StatusCode::UNAUTHORIZED {
        assert!(
            Instant::now() < deadline,
            "the API stayed open after a key was created"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let with = |key: &str| client.get(&orders).bearer_auth(key).send();
    assert_eq!(with(&read).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        client
            .get(server.url("/health/ready"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "health stays open"
    );

    let body = std::fs::read(real_export_path()).unwrap();
    let import = |key: &str| {
        client
            .post(server.url("/api/v1/imports?filename=real.csv"))
            .bearer_auth(key)
            .header("content-type", "text/csv")
            .body(body.clone())
            .send()
    };
    assert_eq!(import(&read).await.unwrap().status(), StatusCode::FORBIDDEN);
    let response = import(&write).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["requested_by"], "uploads");
    let fetched: Value = client
        .get(server.url(&format!("/api/v1/imports/{}", report["id"])))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["requested_by"], "uploads");

    let revoked = ZINC.run(database.url(), &["keys", "revoke", "dashboard"]);
    assert!(revoked.status.success());
    let deadline = Instant::now() + Duration::from_secs(8);
    while with(&read).await.unwrap().status() != StatusCode::UNAUTHORIZED {
        assert!(Instant::now() < deadline, "a revoked key kept working");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let list = stdout(&ZINC.run(database.url(), &["keys", "list"]));
    assert!(list.contains("revoked"), "{list}");
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains(&write[5..]) && !metrics.contains(&read[5..]));
}

#[tokio::test]
async fn serve_refuses_a_public_address_without_a_key_unless_told_to_serve_openly() {
    let database = TestDatabase::empty().await;
    let refused = ZINC
        .command(database.url())
        .arg("serve")
        .env("ZINC_BIND", "0.0.0.0:0")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("zinc keys create"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    let open = ZINC.serve(
        database.url(),
        &[],
        &[("ZINC_BIND", "0.0.0.0:0"), ("ZINC_ALLOW_ANONYMOUS", "true")],
    );
    let url = open.url("/api/v1/orders").replace("0.0.0.0", "127.0.0.1");
    assert_eq!(reqwest::get(url).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn a_bootstrap_key_is_provisioned_on_start_and_metrics_may_have_their_own_address() {
    let database = TestDatabase::empty().await;
    let generated = ZINC.run(database.url(), &["keys", "generate"]);
    let key = stdout(&generated).trim().to_owned();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let server = ZINC.serve(
        database.url(),
        &[],
        &[
            ("ZINC_BIND", "0.0.0.0:0"),
            ("ZINC_BOOTSTRAP_KEY", &key),
            ("ZINC_METRICS_BIND", &metrics_bind),
        ],
    );
    let client = Client::new();
    let orders = server.url("/api/v1/orders").replace("0.0.0.0", "127.0.0.1");
    assert_eq!(
        client.get(&orders).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        client
            .get(&orders)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let list = stdout(&ZINC.run(database.url(), &["keys", "list"]));
    assert!(list.contains("bootstrap"), "{list}");

    let main_metrics = server.url("/metrics").replace("0.0.0.0", "127.0.0.1");
    assert_eq!(
        client.get(main_metrics).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let own = client
        .get(format!("http://{metrics_bind}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert!(own.text().await.unwrap().contains("zinc_build_info"));
}
