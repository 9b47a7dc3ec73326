//! Uploads over the wire (mocked ports, a real server on a free port, a raw TCP client): one
//! that keeps under the minimum rate after its grace period is cut with a 408 problem, long
//! before the whole-upload timeout, so that a few slow clients cannot hold every upload place;
//! one that announces too many bytes and expects `100 Continue` gets its 413 instead.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{Ports, unavailable};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zinc_web::MinRate;

/// A server on a free port over `ports`, running until the test ends.
fn serve(ports: Ports) -> SocketAddr {
    serve_state(ports.state())
}

/// A server on a free port with `state`, running until the test ends.
fn serve_state(state: zinc_web::AppState) -> SocketAddr {
    let listening = zinc_web::server::application(
        state,
        |_| {},
        "127.0.0.1:0".parse().unwrap(),
        Duration::from_secs(1),
    )
    .unwrap();
    let address = listening.addresses()[0];
    actix_web::rt::spawn(zinc_web::server::run(listening, None));
    address
}

/// Sends an upload's head announcing `length` bytes, then `piece` bytes every `every`, until
/// the server answers; returns the answer (bounded: a stuck server fails the test).
async fn trickle(address: SocketAddr, length: usize, piece: usize, every: Duration) -> String {
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /api/v1/imports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n\
         Content-Length: {length}\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let sending = tokio::spawn(async move {
        let mut sent = 0;
        while sent < length {
            let bytes = piece.min(length - sent);
            if writer.write_all(&vec![b'x'; bytes]).await.is_err() {
                break;
            }
            sent += bytes;
            tokio::time::sleep(every).await;
        }
    });
    let mut answer = Vec::new();
    let reading = async {
        let mut buffer = [0u8; 4096];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buffer[..n]);
                    // The problem document is small: its end is the answer's.
                    if answer.ends_with(b"}") {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .expect("the server answers within the test's bound");
    sending.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[actix_web::test]
async fn an_upload_under_the_minimum_rate_is_cut_with_a_408_after_its_grace() {
    // 20 bytes every 100 ms (200 bytes/s) against 1,000 bytes/s after 1 s: cut after about
    // 1 s, where the idle timeout (30 s) and the whole-upload timeout (600 s) never would be.
    let address = serve(Ports {
        upload_min_rate: Some(MinRate {
            grace: Duration::from_secs(1),
            bytes_per_second: 1000,
        }),
        ..Ports::default()
    });
    let answer = trickle(address, 100_000, 20, Duration::from_millis(100)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        answer.contains("https://zinc.dev/problems/upload-below-min-rate"),
        "{answer}"
    );
    assert!(answer.contains("1000 bytes/s"), "{answer}");
}

#[actix_web::test]
async fn an_upload_keeping_up_the_minimum_rate_is_received_whole() {
    // 2,000 bytes every 100 ms (20,000 bytes/s) against 1,000 bytes/s: 60,000 bytes in about
    // 3 s, well past the 1 s grace, reach the import (here: the database is gone, a 503).
    let mut ports = Ports {
        upload_min_rate: Some(MinRate {
            grace: Duration::from_secs(1),
            bytes_per_second: 1000,
        }),
        ..Ports::default()
    };
    ports
        .ledger
        .expect_begin_import()
        .returning(|_| Err(unavailable()));
    let address = serve(ports);
    let answer = trickle(address, 60_000, 2_000, Duration::from_millis(100)).await;
    assert!(!answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(!answer.contains("upload-below-min-rate"), "{answer}");
}

/// Sends an upload's head announcing `length` bytes and expecting `100 Continue`; returns what
/// the server answers before any byte of the body is sent.
async fn expecting_continue(address: SocketAddr, length: u64) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/imports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n\
         Content-Length: {length}\r\nExpect: 100-continue\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let reading = async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buffer[..n]);
                    if answer.starts_with(b"HTTP/1.1 100") && answer.ends_with(b"\r\n\r\n")
                        || answer.ends_with(b"}")
                    {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .expect("the server answers the head within the test's bound");
    String::from_utf8_lossy(&answer).into_owned()
}

#[actix_web::test]
async fn an_upload_announcing_more_than_the_limit_gets_its_413_without_100_continue() {
    let limit = 1_000;
    let state = Ports {
        max_upload_bytes: Some(limit),
        ..Ports::default()
    }
    .state();
    let monitoring = state.monitoring.clone();
    let address = serve_state(state);
    let answer = expecting_continue(address, limit + 1).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // No middleware ran, yet the refusal has a request id and is counted.
    assert!(
        answer.to_ascii_lowercase().contains("\r\nx-request-id: "),
        "{answer}"
    );
    let metrics = monitoring.render();
    assert!(
        metrics.contains(
            r#"zinc_http_request_duration_seconds_count{method="POST",route="refused-before-continue",status="413"} 1"#
        ),
        "{metrics}"
    );
    assert!(!answer.contains("100 Continue"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        answer.contains("https://zinc.dev/problems/payload-too-large"),
        "{answer}"
    );
    // Within the limit, the client is told to go on.
    let answer = expecting_continue(address, limit).await;
    assert!(answer.starts_with("HTTP/1.1 100 Continue"), "{answer}");
}
