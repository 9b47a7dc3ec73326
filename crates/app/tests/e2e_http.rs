//! `zinc serve` end to end: the real binary on a free port, its own database, driven over HTTP
//! with a real client. Every figure is checked against an independent reading of the same file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{Days, NaiveDate};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;
use zinc_e2e::{
    FileSale, Server, Zinc, generate, generate_sales, one_long_sale, real_export, real_export_path,
    sales_from,
};
use zinc_testkit::{SalesSpec, TestDatabase};

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

async fn upload(client: &Client, server: &Server, path: &Path, query: &str) -> (StatusCode, Value) {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name));
    let response = client
        .post(server.url(&format!("/api/v1/imports{query}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn get(client: &Client, server: &Server, path: &str) -> Value {
    let response = client.get(server.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

fn dec(value: &Value) -> Decimal {
    value.as_str().expect("money is a string").parse().unwrap()
}

/// Revenue, order count and average of `sales`, computed here.
fn expected_revenue<'a>(sales: impl Iterator<Item = &'a FileSale>) -> (Decimal, u64, Decimal) {
    let (mut revenue, mut count) = (Decimal::ZERO, 0u64);
    for sale in sales {
        revenue += sale.total;
        count += 1;
    }
    let average = if count == 0 {
        Decimal::ZERO
    } else {
        (revenue / Decimal::from(count))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    };
    (revenue, count, average)
}

fn check_revenue(body: &Value, expected: (Decimal, u64, Decimal), what: &str) {
    assert_eq!(dec(&body["total_revenue"]), expected.0, "{what}: {body}");
    assert_eq!(body["order_count"], expected.1, "{what}: {body}");
    assert_eq!(
        dec(&body["average_order_value"]),
        expected.2,
        "{what}: {body}"
    );
}

/// A server whose database holds a generated export: 60 days, so that days, ranges and
/// boundaries are dense; and the same file read independently.
struct Loaded {
    server: Server,
    client: Client,
    sales: BTreeMap<i64, FileSale>,
    _database: TestDatabase,
}

impl Loaded {
    async fn new() -> Loaded {
        let database = TestDatabase::empty().await;
        let server = ZINC.serve(database.url(), &[], &[]);
        let client = Client::new();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("generated.csv");
        let spec = SalesSpec {
            rows: 4000,
            seed: 11,
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            days: 60,
            ..SalesSpec::default()
        };
        generate(&spec, &file);
        let sales = sales_from(&file);
        assert!(
            sales.values().any(|s| s.items.len() > 2),
            "multi-item sales"
        );
        let (status, report) = upload(&client, &server, &file, "").await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(report["orders_created"], sales.len());
        assert_eq!(report["rows_total"], 4000);
        Loaded {
            server,
            client,
            sales,
            _database: database,
        }
    }

    async fn get(&self, path: &str) -> Value {
        get(&self.client, &self.server, path).await
    }

    /// The file's sales dated within `from..=to`.
    fn dated(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = &FileSale> {
        self.sales
            .values()
            .filter(move |s| s.date >= from && s.date <= to)
    }

    fn first_day(&self) -> NaiveDate {
        self.sales.values().map(|s| s.date).min().unwrap()
    }
}

#[tokio::test]
async fn revenue_equals_the_file_for_all_time_and_for_each_location() {
    let loaded = Loaded::new().await;
    let all = loaded.get("/api/v1/metrics/revenue").await;
    check_revenue(&all, expected_revenue(loaded.sales.values()), "all");
    assert_eq!(all["currency"], "USD");
    for location in ["Golf - experience", "Online Store"] {
        let body = loaded
            .get(&format!(
                "/api/v1/metrics/revenue?location={}",
                location.replace(' ', "%20")
            ))
            .await;
        let expected = expected_revenue(loaded.sales.values().filter(|s| s.location == location));
        check_revenue(&body, expected, location);
        assert_eq!(body["location"], location);
    }
}

#[tokio::test]
async fn revenue_date_bounds_are_inclusive_and_an_empty_range_is_zero() {
    let loaded = Loaded::new().await;
    let start = loaded.first_day();
    let week_end = start.checked_add_days(Days::new(6)).unwrap();
    let week = loaded
        .get(&format!(
            "/api/v1/metrics/revenue?from={start}&to={week_end}"
        ))
        .await;
    check_revenue(
        &week,
        expected_revenue(loaded.dated(start, week_end)),
        "first week",
    );
    let day = loaded
        .get(&format!(
            "/api/v1/metrics/revenue?from={week_end}&to={week_end}"
        ))
        .await;
    check_revenue(
        &day,
        expected_revenue(loaded.dated(week_end, week_end)),
        "one day",
    );
    assert_ne!(day["order_count"], 0, "the boundary day has sales");
    let empty = loaded
        .get("/api/v1/metrics/revenue?from=2020-01-01&to=2020-12-31")
        .await;
    check_revenue(&empty, (Decimal::ZERO, 0, Decimal::ZERO), "empty");
}

#[tokio::test]
async fn daily_revenue_lists_every_day_with_the_figures_of_the_file() {
    let loaded = Loaded::new().await;
    let start = loaded.first_day();
    let to = start.checked_add_days(Days::new(40)).unwrap();
    let daily = loaded
        .get(&format!(
            "/api/v1/metrics/revenue/daily?from={start}&to={to}&location=Golf%20-%20experience"
        ))
        .await;
    let days = daily["days"].as_array().unwrap();
    assert_eq!(days.len(), 41);
    for entry in days {
        let date: NaiveDate = entry["date"].as_str().unwrap().parse().unwrap();
        let expected = expected_revenue(
            loaded
                .dated(date, date)
                .filter(|s| s.location == "Golf - experience"),
        );
        assert_eq!(dec(&entry["revenue"]), expected.0, "{date}");
        assert_eq!(entry["order_count"], expected.1, "{date}");
    }
}

#[tokio::test]
async fn best_sellers_by_revenue_are_the_top_sums_of_the_file() {
    let loaded = Loaded::new().await;
    let mut by_product: HashMap<&str, Decimal> = HashMap::new();
    for sale in loaded.sales.values() {
        for (name, _, total) in &sale.items {
            *by_product.entry(name).or_default() += *total;
        }
    }
    let top = loaded.get("/api/v1/metrics/products/top?limit=5").await;
    let items = top["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let mut expected: Vec<Decimal> = by_product.values().copied().collect();
    expected.sort_by(|a, b| b.cmp(a));
    for (item, want) in items.iter().zip(&expected) {
        assert_eq!(dec(&item["revenue"]), *want, "{item}");
        assert_eq!(by_product[item["name"].as_str().unwrap()], *want, "{item}");
    }
    let products = loaded.get("/api/v1/products?limit=1").await;
    assert_eq!(products["total"], by_product.len());
}

#[tokio::test]
async fn orders_list_newest_first_and_one_order_shows_its_items() {
    let loaded = Loaded::new().await;
    let orders = loaded.get("/api/v1/orders?limit=500").await;
    assert_eq!(orders["total"], loaded.sales.len());
    let listed = orders["items"].as_array().unwrap();
    let dates: Vec<&str> = listed.iter().map(|o| o["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let multi = loaded.sales.values().find(|s| s.items.len() > 2).unwrap();
    let found = loaded
        .get(&format!("/api/v1/orders?sale_id={}", multi.sale_id))
        .await;
    let id = &found["items"][0]["id"];
    let order = loaded.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(dec(&order["total"]), multi.total);
    let items: Vec<(String, i64, Decimal)> = order["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["product_name"].as_str().unwrap().to_owned(),
                i["quantity"].as_i64().unwrap(),
                dec(&i["total"]),
            )
        })
        .collect();
    assert_eq!(items, multi.items);
}

#[tokio::test]
async fn a_long_order_is_read_one_page_of_items_at_a_time() {
    use zinc_domain::Page;
    // Well over the largest page, small enough to import in a moment.
    const LINES: usize = 3_000;
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let client = Client::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.csv");
    let total = one_long_sale(LINES, &file);
    let (status, report) = upload(&client, &server, &file, "").await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let found = get(&client, &server, "/api/v1/orders?sale_id=77").await;
    let id = &found["items"][0]["id"];

    // The first page by default: the order's facts are the whole order's, its items a page.
    let first = get(&client, &server, &format!("/api/v1/orders/{id}")).await;
    assert_eq!(first["item_count"], LINES, "{}", first["item_count"]);
    assert_eq!(dec(&first["total"]), total);
    assert_eq!(dec(&first["subtotal"]), Decimal::from(LINES));
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), Page::DEFAULT_LIMIT as usize);
    assert_eq!(first["limit"], Page::DEFAULT_LIMIT);
    assert_eq!(first["offset"], 0);
    assert_eq!(first["has_more"], true);

    // The largest pages, one after the other, give every item once in file order.
    let mut names = Vec::new();
    let mut offset = 0;
    loop {
        let page = get(
            &client,
            &server,
            &format!(
                "/api/v1/orders/{id}?limit={}&offset={offset}",
                Page::MAX_LIMIT
            ),
        )
        .await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= Page::MAX_LIMIT as usize);
        assert_eq!(page["item_count"], LINES);
        assert_eq!(
            dec(&page["total"]),
            total,
            "the whole order's total on every page"
        );
        for (index, item) in items.iter().enumerate() {
            assert_eq!(item["position"], offset + index + 1, "{item}");
            names.push(item["product_name"].as_str().unwrap().to_owned());
        }
        offset += items.len();
        if page["has_more"] == false {
            break;
        }
    }
    let expected: Vec<String> = (1..=LINES).map(|n| format!("Item {n}")).collect();
    assert_eq!(names, expected);

    // Past the end: the order, no item.
    let past = get(
        &client,
        &server,
        &format!("/api/v1/orders/{id}?offset={LINES}"),
    )
    .await;
    assert_eq!(past["items"].as_array().unwrap().len(), 0);
    assert_eq!(past["item_count"], LINES);
    assert_eq!(past["has_more"], false);

    // A page over the largest is refused, as the lists refuse it.
    let over = client
        .get(server.url(&format!(
            "/api/v1/orders/{id}?limit={}",
            Page::MAX_LIMIT + 1
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(over.status(), StatusCode::BAD_REQUEST);
    let problem: Value = over.json().await.unwrap();
    assert_eq!(problem["parameter"], "limit", "{problem}");
}

#[tokio::test]
async fn imports_over_http_follow_the_cli_rules() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[("ZINC_MAX_UPLOAD_BYTES", "200000")]);
    let client = Client::new();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    generate_sales(300, 5, &good);
    let expected: BTreeMap<i64, FileSale> = sales_from(&good);

    // A strict import with one bad row: 422 with every problem, nothing written.
    let text = std::fs::read_to_string(&good).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[5] = lines[5]
        .replace("Golf - experience", "Gym")
        .replace("Online Store", "Gym");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let (status, problem) = upload(&client, &server, &bad, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["line"], 6);
    assert_eq!(problem["errors"][0]["column"], "Location");
    assert_eq!(problem["errors"][0]["value"], "Gym");
    assert_eq!(problem["import"]["status"], "rejected");
    let orders = get(&client, &server, "/api/v1/orders?limit=1").await;
    assert_eq!(orders["total"], 0, "a rejected import writes nothing");

    // A dry run says what skip-invalid would do, answers 200 and writes or records nothing.
    let response = client
        .post(server.url("/api/v1/imports?skip_invalid=true&dry_run=true"))
        .multipart(Form::new().part(
            "file",
            Part::bytes(std::fs::read(&bad).unwrap()).file_name("bad.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("location").is_none());
    let preview: Value = response.json().await.unwrap();
    assert_eq!(preview["dry_run"], true, "{preview}");
    assert!(
        preview.get("id").is_none(),
        "not recorded, so no id: {preview}"
    );
    assert_eq!(preview["status"], "succeeded");
    assert_eq!(preview["sales_rejected"], 1);
    assert_eq!(preview["orders_created"], expected.len() - 1);
    assert_eq!(preview["errors"][0]["value"], "Gym");
    let orders = get(&client, &server, "/api/v1/orders?limit=1").await;
    assert_eq!(orders["total"], 0, "a dry run writes nothing");
    // A body that is no export at all is refused as without dry_run (schemathesis found it).
    let response = client
        .post(server.url("/api/v1/imports?dry_run=true"))
        .header("content-type", "text/csv")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Skip-invalid: the rest goes in, the bad sale is reported.
    let (status, report) = upload(&client, &server, &bad, "?skip_invalid=true").await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["sales_rejected"], 1);
    assert_eq!(report["orders_created"], expected.len() - 1);

    // The good file as a raw text/csv body: the missing sale is created, the rest unchanged.
    let response = client
        .post(server.url("/api/v1/imports?filename=good.csv"))
        .header("content-type", "text/csv")
        .body(text.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["filename"], "good.csv");
    assert_eq!(report["orders_created"], 1);
    assert_eq!(report["orders_unchanged"], expected.len() - 1);

    // History: newest first, each fetchable with its problems.
    let history = get(&client, &server, "/api/v1/imports").await;
    let statuses: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["succeeded", "succeeded", "rejected"]);
    let fetched = get(&client, &server, &location).await;
    assert_eq!(fetched["id"], report["id"]);
    let rejected_id = history["items"][2]["id"].as_i64().unwrap();
    let rejected = get(&client, &server, &format!("/api/v1/imports/{rejected_id}")).await;
    assert_eq!(rejected["errors"][0]["value"], "Gym");

    // Empty file, bad header, too large: 400, 400, 413.
    for (body, want) in [
        (String::new(), StatusCode::BAD_REQUEST),
        ("a,b\n1,2\n".to_owned(), StatusCode::BAD_REQUEST),
        ("x".repeat(300_000), StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let response = client
            .post(server.url("/api/v1/imports"))
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), want);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    let orders = get(&client, &server, "/api/v1/orders?limit=1").await;
    assert_eq!(orders["total"], expected.len());
}

#[tokio::test]
async fn serve_with_import_starts_with_the_real_export_loaded() {
    let database = TestDatabase::empty().await;
    let sample = real_export_path();
    let server = ZINC.serve(database.url(), &["--import", sample.to_str().unwrap()], &[]);
    let client = Client::new();
    let ready = get(&client, &server, "/health/ready").await;
    assert_eq!(ready["database"], "reachable");
    let revenue = get(&client, &server, "/api/v1/metrics/revenue").await;
    check_revenue(
        &revenue,
        expected_revenue(sales_from(&sample).values()),
        "the real export",
    );
    let docs = client.get(server.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);

    // The container health check: `zinc probe` asks /health/live without curl.
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let address = address.as_str();
    let probe = ZINC.run(database.url(), &["probe", "--address", address]);
    assert_eq!(probe.status.code(), Some(0), "{probe:?}");
    let missing = ZINC.run(
        database.url(),
        &["probe", "--address", address, "--path", "/nope"],
    );
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    drop(server);
    let down = ZINC.run(database.url(), &["probe", "--address", address]);
    assert_eq!(down.status.code(), Some(3), "{down:?}");
}

#[tokio::test]
async fn the_real_export_reads_back_through_the_api_in_its_exact_figures() {
    let database = TestDatabase::empty().await;
    let sample = real_export_path();
    let server = ZINC.serve(database.url(), &["--import", sample.to_str().unwrap()], &[]);
    let client = Client::new();
    let products = get(&client, &server, "/api/v1/products?limit=1").await;
    assert_eq!(products["total"], 80);
    let revenue = get(&client, &server, "/api/v1/metrics/revenue").await;
    assert_eq!(revenue["total_revenue"], "64509.982", "{revenue}");
    assert_eq!(revenue["order_count"], 1_408);

    // Every order, page by page, with its items counted.
    let (mut orders, mut items, mut offset) = (0, 0, 0);
    loop {
        let page = get(
            &client,
            &server,
            &format!("/api/v1/orders?limit=500&offset={offset}"),
        )
        .await;
        assert_eq!(page["total"], 1_408);
        for order in page["items"].as_array().unwrap() {
            orders += 1;
            items += order["item_count"].as_u64().unwrap();
        }
        if page["has_more"] == false {
            break;
        }
        offset += 500;
    }
    assert_eq!((orders, items), (1_408, 1_661));

    // The best sellers of each location are every product sold there, adding up to the whole.
    let mut sold = Decimal::ZERO;
    for location in ["Online%20Store", "Golf%20-%20experience"] {
        let top = get(
            &client,
            &server,
            &format!("/api/v1/metrics/products/top?limit=100&location={location}"),
        )
        .await;
        sold += top["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| dec(&item["revenue"]))
            .sum::<Decimal>();
    }
    assert_eq!(sold.to_string(), "64509.982");
}

/// Opens a raw connection and starts an upload of `declared` bytes, sending only a few.
async fn start_slow_upload(server: &Server, declared: usize) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let address = server.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/imports HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/csv\r\n\
         Content-Length: {declared}\r\n\r\nSale Date,"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// Reads the response's status line (and whatever follows) from `stream`.
async fn read_response(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut buffer = vec![0; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), stream.read(&mut buffer))
        .await
        .expect("an answer within 20 s")
        .unwrap();
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

#[tokio::test]
async fn an_upload_that_stops_sending_is_cut_with_a_408() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[("ZINC_UPLOAD_IDLE_TIMEOUT", "1")]);
    let started = std::time::Instant::now();
    let mut stream = start_slow_upload(&server, 100_000).await;
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("application/problem+json"), "{response}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn uploads_beyond_the_concurrent_limit_get_a_429_with_retry_after() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(
        database.url(),
        &[],
        &[
            ("ZINC_MAX_CONCURRENT_UPLOADS", "1"),
            ("ZINC_UPLOAD_IDLE_TIMEOUT", "3"),
        ],
    );
    let mut slow = start_slow_upload(&server, 100_000).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let client = Client::new();
    let refused = client
        .post(server.url("/api/v1/imports"))
        .header("content-type", "text/csv")
        .body(real_export())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );

    // Once the slow one is cut, uploads are taken again.
    assert!(read_response(&mut slow).await.starts_with("HTTP/1.1 408"));
    let accepted = client
        .post(server.url("/api/v1/imports"))
        .header("content-type", "text/csv")
        .body(real_export())
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_cut_within_seconds() {
    use tokio::io::AsyncWriteExt;
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let address = server.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let response = read_response(&mut stream).await;
    assert!(
        response.is_empty() || response.starts_with("HTTP/1.1 408"),
        "{response}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
}

#[tokio::test]
async fn every_part_of_a_multipart_upload_counts_against_the_size_limit() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[("ZINC_MAX_UPLOAD_BYTES", "200000")]);
    // Streamed parts: no Content-Length to refuse early.
    let junk = reqwest::Body::wrap_stream(futures_util::stream::iter(
        (0..40).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 10_000])),
    ));
    let form = Form::new().part("junk", Part::stream(junk)).part(
        "file",
        Part::bytes(b"Sale Date\n".to_vec()).file_name("s.csv"),
    );
    let response = Client::new()
        .post(server.url("/api/v1/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn an_upload_that_trickles_is_cut_at_its_overall_deadline() {
    use tokio::io::AsyncWriteExt;
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[("ZINC_UPLOAD_TIMEOUT", "2")]);
    let mut stream = start_slow_upload(&server, 100_000).await;
    let started = std::time::Instant::now();
    let trickle = async {
        for _ in 0..40 {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            if stream.write_all(b"x").await.is_err() {
                break;
            }
        }
    };
    trickle.await;
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(started.elapsed() < std::time::Duration::from_secs(12));
}

#[tokio::test]
async fn an_answer_stays_current_until_an_import_succeeds_and_travels_compressed() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let client = Client::new();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    generate_sales(600, 5, &good);
    let (status, report) = upload(&client, &server, &good, "").await;
    assert_eq!(status, StatusCode::CREATED, "{report}");

    let revenue = server.url("/api/v1/metrics/revenue?location=Online%20Store");
    let first = client.get(&revenue).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    let revalidate = || client.get(&revenue).header("if-none-match", &tag).send();
    let unchanged = revalidate().await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()["etag"], tag.as_str());

    // A rejected import writes nothing: the tag stays current.
    let text = std::fs::read_to_string(&good).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text.replacen("Online Store", "Gym", 1)).unwrap();
    let (status, problem) = upload(&client, &server, &bad, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        revalidate().await.unwrap().status(),
        StatusCode::NOT_MODIFIED
    );

    // A succeeded import may change any figure: the old tag no longer matches.
    let more = dir.path().join("more.csv");
    generate_sales(50, 6, &more);
    let (status, report) = upload(&client, &server, &more, "").await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let changed = revalidate().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"], tag.as_str());

    // A long list travels gzipped to a client that accepts it, and decodes to the same list.
    let orders = server.url("/api/v1/orders?limit=500");
    let plain: Value = client
        .get(&orders)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let zipped = client
        .get(&orders)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .unwrap();
    assert!(
        bytes.len() * 4 < text.len(),
        "{} of {}",
        bytes.len(),
        text.len()
    );
    let decoded: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(decoded, plain);
}

/// A reject-file record without its first two columns (the line and the quoted reason): the
/// line as it was in the file.
fn without_line_and_reason(record: &str) -> &str {
    let (_, rest) = record.split_once(',').expect("a line number");
    let after_reason = match rest.strip_prefix('"') {
        Some(quoted) => {
            // Skip to the quote that closes the field ("" stands for one quote).
            let mut end = 0;
            let bytes = quoted.as_bytes();
            while end < bytes.len() {
                if bytes[end] == b'"' {
                    if bytes.get(end + 1) == Some(&b'"') {
                        end += 2;
                        continue;
                    }
                    break;
                }
                end += 1;
            }
            &quoted[end + 1..]
        }
        None => &rest[rest.find(',').expect("a reason")..],
    };
    after_reason.strip_prefix(',').expect("the line follows")
}

#[tokio::test]
async fn a_reject_file_fixed_and_imported_again_completes_the_rejected_sale() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let client = Client::new();
    // Sale 4105 has nine lines (163 to 171); the third one's quantity is broken.
    let text = real_export();
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    assert!(lines[164].contains(",4105,"), "{}", lines[164]);
    lines[164] = lines[164].replacen(",6,1,6,", ",6,x,6,", 1);
    let response = client
        .post(server.url("/api/v1/imports?skip_invalid=true&filename=exports%2Fzinc-sales.csv"))
        .header("content-type", "text/csv")
        .body(lines.concat())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["sales_rejected"], 1, "{report}");
    let href = format!("/api/v1/imports/{}/rejected.csv", report["id"]);
    assert_eq!(
        report["rejected_lines"],
        serde_json::json!({"kept": 9, "omitted": 0, "href": href})
    );

    let response = client.get(server.url(&href)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"zinc-sales-rejected.csv\""
    );
    let reject_file = response.text().await.unwrap();
    let records: Vec<&str> = reject_file.lines().collect();
    let header = lines[0].trim_end();
    assert_eq!(records[0], format!("Line,Reason,{header}"));
    assert_eq!(records.len(), 10, "{reject_file}");
    assert!(
        records[3].starts_with("165,column Quantity: 'x' is not a whole number,"),
        "{}",
        records[3]
    );
    assert!(
        records[1].starts_with("163,sale 4105 is rejected: line 165 has a problem,"),
        "{}",
        records[1]
    );
    for (record, line) in records[1..].iter().zip(&lines[162..171]) {
        assert_eq!(without_line_and_reason(record), line.trim_end(), "verbatim");
    }

    // Fixed, without the first two columns: the sale comes back whole.
    let fixed: Vec<String> = std::iter::once(header.to_owned())
        .chain(
            records[1..]
                .iter()
                .map(|record| without_line_and_reason(record).replacen(",6,x,6,", ",6,1,6,", 1)),
        )
        .collect();
    let response = client
        .post(server.url("/api/v1/imports?filename=fixed.csv"))
        .header("content-type", "text/csv")
        .body(fixed.join("\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["orders_created"], 1, "{report}");
    assert!(report["rejected_lines"].is_null(), "{report}");
    let orders = get(&client, &server, "/api/v1/orders?sale_id=4105").await;
    assert_eq!(orders["items"][0]["item_count"], 9, "{orders}");
    assert_eq!(orders["items"][0]["total"], "58.86");
    let empty = client
        .get(server.url(&format!("/api/v1/imports/{}/rejected.csv", report["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(
        empty.text().await.unwrap(),
        format!("Line,Reason,{header}\n")
    );
    let missing = client
        .get(server.url("/api/v1/imports/999/rejected.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reject_file_imports_as_downloaded_rejecting_its_rows_again_until_fixed() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let client = Client::new();
    let post = |query: &'static str, body: String| {
        let request = client
            .post(server.url(&format!("/api/v1/imports?{query}")))
            .header("content-type", "text/csv")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let download = |href: String| {
        let request = client.get(server.url(&href));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    // Sale 4105 has nine lines (163 to 171); the third one's quantity is broken.
    let text = real_export();
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    lines[164] = lines[164].replacen(",6,1,6,", ",6,x,6,", 1);
    let (status, partial) = post("skip_invalid=true&filename=sales.csv", lines.concat()).await;
    assert_eq!(status, StatusCode::CREATED, "{partial}");
    let downloaded = download(format!("/api/v1/imports/{}/rejected.csv", partial["id"])).await;

    // As downloaded: the reader skips `Line` and `Reason`, and rejects the same rows again.
    let (status, again) = post(
        "skip_invalid=true&filename=rejected.csv",
        downloaded.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(
        (
            &again["rows_total"],
            &again["sales_rejected"],
            &again["orders_created"]
        ),
        (&Value::from(9), &Value::from(1), &Value::from(0)),
        "{again}"
    );
    assert_eq!(again["errors"][0]["column"], "Quantity", "{again}");
    assert_eq!(again["errors"][0]["value"], "x", "{again}");
    assert_eq!(
        again["errors"][0]["message"],
        partial["errors"][0]["message"]
    );
    let second = download(format!("/api/v1/imports/{}/rejected.csv", again["id"])).await;
    let reasons = |file: &str| -> Vec<String> {
        file.lines()
            .skip(1)
            .map(|record| record.split(',').nth(1).unwrap().to_owned())
            .collect()
    };
    assert_eq!(reasons(&second)[2], reasons(&downloaded)[2]);
    assert!(reasons(&second)[2].starts_with("column Quantity: 'x'"));
    assert_eq!(
        reasons(&second)[0],
        "sale 4105 is rejected: line 4 has a problem"
    );
    assert_eq!(
        reasons(&downloaded)[0],
        "sale 4105 is rejected: line 165 has a problem"
    );

    // Fixed in place, still with its first two columns: the sale goes in whole.
    let fixed = downloaded.replacen(",6,x,6,", ",6,1,6,", 1);
    let (status, mended) = post("filename=fixed.csv", fixed).await;
    assert_eq!(status, StatusCode::CREATED, "{mended}");
    assert_eq!(mended["orders_created"], 1, "{mended}");
    let orders = get(&client, &server, "/api/v1/orders?sale_id=4105").await;
    assert_eq!(orders["items"][0]["item_count"], 9, "{orders}");
}
