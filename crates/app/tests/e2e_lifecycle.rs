//! `zinc serve` as an on-call engineer meets it: configuration mistakes, SIGTERM in the middle
//! of an import, and a database that goes away and comes back.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use zinc_e2e::{Zinc, generate_sales};
use zinc_testkit::{TestDatabase, replace_database, scalar};

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

#[test]
fn a_bad_configuration_stops_serve_with_one_line_naming_the_variable() {
    for (variable, value) in [
        ("ZINC_BIND", "not-an-address"),
        ("SENTRY_TRACES_SAMPLE_RATE", "7"),
        ("DATABASE_URL_FILE", "/nonexistent/secret"),
        ("ZINC_CORS_ORIGINS", "https://app.example.com/dashboard"),
    ] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_zinc"));
        command.arg("serve").env(variable, value);
        if variable == "SENTRY_TRACES_SAMPLE_RATE" {
            command.env("SENTRY_DSN", "https://key@sentry.invalid/1");
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(3), "{variable}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(variable), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

async fn count(url: &str, sql: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let n = scalar(&db, sql).await;
    db.close().await.unwrap();
    n
}

/// Waits until the server at `metrics` counts an import as started (the upload received, the
/// import task begun), for at most a minute.
async fn import_started(metrics: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = reqwest::get(metrics).await.unwrap().text().await.unwrap();
        if text
            .lines()
            .any(|line| line == r#"zinc_imports_total{outcome="started"} 1"#)
        {
            return;
        }
        assert!(Instant::now() < deadline, "no import started:\n{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Uploads `rows` generated rows, sends SIGTERM while the import runs, and returns the exit
/// code and the orders and succeeded imports found afterwards, with the file's sale count.
async fn terminate_during_import(
    rows: usize,
    shutdown_timeout: &str,
) -> (Option<i32>, i64, i64, usize) {
    let database = TestDatabase::empty().await;
    let mut server = ZINC.serve(
        database.url(),
        &[],
        &[("ZINC_SHUTDOWN_TIMEOUT", shutdown_timeout)],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    generate_sales(rows, 3, &file);
    let sales = zinc_e2e::sales_from(&file).len();
    let body = std::fs::read(&file).unwrap();
    let url = server.url("/api/v1/imports");
    let upload = tokio::spawn(async move {
        Client::new()
            .post(url)
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await
    });
    // Let the upload arrive and the import start, then stop the server.
    import_started(&server.url("/metrics")).await;
    assert!(!upload.is_finished(), "the import should still be running");
    let code = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    let _ = upload.await;
    let orders = count(database.url(), "SELECT count(*) FROM orders").await;
    let imports = count(
        database.url(),
        "SELECT count(*) FROM imports WHERE status = 'succeeded'",
    )
    .await;
    (code, orders, imports, sales)
}

#[tokio::test]
async fn sigterm_lets_an_import_in_progress_finish_then_exits_0() {
    let (code, orders, imports, sales) = terminate_during_import(80_000, "60").await;
    assert_eq!(code, Some(0));
    assert_eq!(
        (orders, imports),
        (sales as i64, 1),
        "the import completed fully"
    );
}

#[tokio::test]
async fn an_import_cut_by_the_shutdown_timeout_leaves_nothing() {
    let (code, orders, imports, _) = terminate_during_import(200_000, "1").await;
    assert_eq!(code, Some(0));
    assert_eq!((orders, imports), (0, 0), "the import left nothing behind");
}

/// A TCP relay to the local PostgreSQL that can be cut and restored on the same port.
struct Relay {
    port: u16,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(port: u16) -> Relay {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let connections = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                connections.lock().unwrap().push(relay);
            }
        });
        tasks.lock().unwrap().push(accept);
        Relay { port, tasks }
    }

    /// Refuses new connections and drops every open one.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_a_quick_503_and_the_service_recovers_by_itself() {
    let database = TestDatabase::migrated().await;
    let relay = Relay::start(0).await;
    let through_relay = replace_database(
        &format!("postgres://postgres@127.0.0.1:{}/postgres", relay.port),
        database.name(),
    );
    let server = ZINC.serve(&through_relay, &[], &[("ZINC_DB_ACQUIRE_TIMEOUT", "2")]);
    let client = Client::new();
    let orders = server.url("/api/v1/orders");
    assert_eq!(
        client.get(&orders).send().await.unwrap().status(),
        StatusCode::OK
    );

    relay.cut();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let response = client.get(&orders).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let ready = client
        .get(server.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let live = client.get(server.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK, "the process stays up");

    let _restored = Relay::start(relay.port).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = client.get(&orders).send().await.unwrap().status();
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: still {status}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ready = client
        .get(server.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

/// A TCP relay to the local PostgreSQL that can stall: it stops forwarding in both directions
/// but keeps every connection open, as a hung network path does.
struct StallingRelay {
    port: u16,
    stalled: Arc<AtomicBool>,
}

/// Copies `from` to `to` until either closes, holding everything while `stalled`.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    stalled: Arc<AtomicBool>,
) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        while stalled.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while stalled.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

impl StallingRelay {
    async fn start() -> StallingRelay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stalled = Arc::new(AtomicBool::new(false));
        let flag = stalled.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect("127.0.0.1:5432").await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, flag.clone()));
                tokio::spawn(pump(server_read, client_write, flag.clone()));
            }
        });
        StallingRelay { port, stalled }
    }

    fn stall(&self) {
        self.stalled.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_database_connection_fails_its_import_in_bounded_time_and_frees_the_others() {
    let database = TestDatabase::migrated().await;
    let relay = StallingRelay::start().await;
    let through_relay = replace_database(
        &format!("postgres://postgres@127.0.0.1:{}/postgres", relay.port),
        database.name(),
    );
    let server = ZINC.serve(
        &through_relay,
        &[],
        &[
            ("ZINC_DB_STATEMENT_TIMEOUT", "3"),
            // The import's set-based statements wait their own bound (and 10 s) for an answer.
            ("ZINC_DB_IMPORT_STATEMENT_TIMEOUT", "3"),
            ("ZINC_DB_LOCK_TIMEOUT", "2"),
            ("ZINC_DB_IDLE_IN_TRANSACTION_TIMEOUT", "2"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    generate_sales(150_000, 5, &big);
    let body = std::fs::read(&big).unwrap();
    let client = Client::new();
    let upload = tokio::spawn(
        client
            .post(server.url("/api/v1/imports"))
            .header("content-type", "text/csv")
            .body(body)
            .timeout(Duration::from_secs(60))
            .send(),
    );
    // Stall once the import is writing.
    let deadline = Instant::now() + Duration::from_secs(30);
    // (Its imports row is not visible before it commits: watch its session instead.)
    let importing = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND query LIKE '%zinc_%'";
    while count(database.url(), importing).await == 0 {
        assert!(Instant::now() < deadline, "the import never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    relay.stall();
    let stalled_at = Instant::now();

    // Another import, straight to PostgreSQL, is not blocked for long by the stalled one.
    let small = dir.path().join("small.csv");
    generate_sales(300, 6, &small);
    let other = ZINC.run(database.url(), &["import", small.to_str().unwrap()]);
    assert_eq!(other.status.code(), Some(0), "{other:?}");
    assert!(
        stalled_at.elapsed() < Duration::from_secs(20),
        "the other import waited {:?}",
        stalled_at.elapsed()
    );

    // The stalled import answers, with a 503, within the client-side bound.
    let response = upload
        .await
        .unwrap()
        .expect("an answer, not a client timeout");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        stalled_at.elapsed() < Duration::from_secs(30),
        "{:?}",
        stalled_at.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_revenue_queries_cannot_starve_lookups_or_readiness() {
    let database = TestDatabase::migrated().await;
    let server = ZINC.serve(
        database.url(),
        &[],
        &[
            ("ZINC_DB_MAX_CONNECTIONS", "2"),
            ("ZINC_DB_FIGURES_CONNECTIONS", "1"),
            ("ZINC_DB_ACQUIRE_TIMEOUT", "2"),
        ],
    );
    // Hold the table revenue is read from: every revenue query blocks on it.
    let blocker = Database::connect(database.url()).await.unwrap();
    let txn = sea_orm::TransactionTrait::begin(&blocker).await.unwrap();
    txn.execute_unprepared("LOCK TABLE sales_by_day IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let client = Client::new();
    let revenue: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(
                client
                    .get(server.url("/api/v1/metrics/revenue"))
                    .timeout(Duration::from_secs(30))
                    .send(),
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // One holds the figures connection, waiting on the lock; the others wait for it (2 s).
    assert!(
        revenue.iter().all(|request| !request.is_finished()),
        "revenue answered while its table was locked"
    );

    for path in ["/api/v1/products", "/health/ready", "/api/v1/imports"] {
        let started = Instant::now();
        let response = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{path} took {:?}",
            started.elapsed()
        );
    }
    txn.rollback().await.unwrap();
    let mut statuses = Vec::new();
    for request in revenue {
        statuses.push(request.await.unwrap().unwrap().status());
    }
    // The query that waited on the lock answers once it is released; those that waited for
    // the connection longer than the acquire timeout were told to come back.
    let answered = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let unavailable = statuses
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(answered >= 1, "{statuses:?}");
    assert_eq!(answered + unavailable, statuses.len(), "{statuses:?}");
}
