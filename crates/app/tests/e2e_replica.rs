//! `zinc serve` with a read replica (`DATABASE_READ_URL`), end to end: a real primary and a
//! streaming replica made by the test (`zinc_testkit::StreamingPair`), the real binary over
//! HTTP. Its answers match those of a server reading the primary alone, readiness and
//! `/metrics` report the replica, and a stopped replica degrades readiness without stopping
//! the reads.

use reqwest::{Client, StatusCode};
use serde_json::Value;
use zinc_e2e::{Server, Zinc, real_export};
use zinc_testkit::StreamingPair;

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

async fn get(client: &Client, server: &Server, path: &str) -> (StatusCode, String) {
    let response = client.get(server.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn json(client: &Client, server: &Server, path: &str) -> Value {
    let (status, body) = get(client, server, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The readiness body, once its replica state is `state` (10 s at most).
async fn ready_with(client: &Client, server: &Server, state: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let ready = json(client, server, "/health/ready").await;
        if ready["replica"] == state {
            return ready;
        }
        assert!(std::time::Instant::now() < deadline, "{ready}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_server_reading_a_replica_answers_as_the_primary_does_and_reports_it() {
    let pair = tokio::task::spawn_blocking(StreamingPair::create)
        .await
        .unwrap()
        .expect("a primary and a streaming replica");
    let primary = pair.primary_url("zinc");
    // Creates and migrates the database on the primary; the replica replays both.
    let plain = ZINC.serve(&primary, &[], &[]);
    let replica_url = pair.replica_url("zinc");
    let replicated = ZINC.serve(&primary, &[], &[("DATABASE_READ_URL", &replica_url)]);
    let client = Client::new();
    let ready = ready_with(&client, &replicated, "serving").await;
    assert_eq!(ready["status"], "ok");
    let plain_ready = json(&client, &plain, "/health/ready").await;
    assert!(plain_ready.get("replica").is_none(), "{plain_ready}");

    let imported = client
        .post(replicated.url("/api/v1/imports"))
        .header("content-type", "text/csv")
        .body(real_export())
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::CREATED);
    for path in [
        "/api/v1/metrics/revenue",
        "/api/v1/metrics/products/top?limit=5",
        "/api/v1/orders?limit=5",
        "/api/v1/products?limit=5",
    ] {
        assert_eq!(
            json(&client, &replicated, path).await,
            json(&client, &plain, path).await,
            "{path}"
        );
    }
    let (_, metrics) = get(&client, &replicated, "/metrics").await;
    assert!(metrics.contains("zinc_replica_fallback 0"), "{metrics}");
    assert!(metrics.contains("zinc_replica_lag_seconds "), "{metrics}");
    let (_, metrics) = get(&client, &plain, "/metrics").await;
    assert!(!metrics.contains("zinc_replica"), "{metrics}");

    pair.stop_replica().unwrap();
    let ready = ready_with(&client, &replicated, "down").await;
    assert_eq!(ready["status"], "degraded");
    assert_eq!(
        json(&client, &replicated, "/api/v1/metrics/revenue").await,
        json(&client, &plain, "/api/v1/metrics/revenue").await,
        "the primary answers"
    );
    let (_, metrics) = get(&client, &replicated, "/metrics").await;
    assert!(metrics.contains("zinc_replica_fallback 1"), "{metrics}");
}
