//! Concurrent imports end to end: one `zinc serve` with an API key, eight overlapping files
//! uploaded at once, and the tables checked against an independent reading of the files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use reqwest::{Client, StatusCode};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;
use zinc_e2e::{FileSale, Zinc, generate, real_export_path, sales_from};
use zinc_testkit::{SalesSpec, TestDatabase};

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

/// The key's name, which every import must record.
const KEY_NAME: &str = "concurrency";

/// The generated files' seed: they are prefixes of one random stream.
const SEED: u64 = 29;

/// Creates a write key named [`KEY_NAME`]; returns the secret printed on the last line.
fn create_key(database: &TestDatabase) -> String {
    let output = ZINC.run(
        database.url(),
        &["keys", "create", KEY_NAME, "--scope", "write"],
    );
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.lines().last().expect("the key").to_owned()
}

/// The row counts at which `path` (rows of a sale together, as generated) ends a sale whose
/// Sale ID is below `below`: a file cut there holds only whole sales.
fn sale_ends(path: &Path, below: i64) -> Vec<u64> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Sale ID")
        .unwrap();
    let ids: Vec<i64> = reader
        .records()
        .map(|r| r.unwrap()[column].parse().unwrap())
        .collect();
    (1..ids.len())
        .filter(|&row| ids[row] != ids[row - 1] && ids[row - 1] < below)
        .map(|row| row as u64)
        .collect()
}

/// Writes the rows of the real export whose Sale ID is below `below` (whole sales, as written).
fn real_export_before(below: i64, into: &Path) {
    let mut reader = csv::Reader::from_path(real_export_path()).unwrap();
    let headers = reader.byte_headers().unwrap().clone();
    let column = headers
        .iter()
        .position(|h| h.ends_with(b"Sale ID"))
        .unwrap();
    let mut writer = csv::Writer::from_path(into).unwrap();
    writer.write_byte_record(&headers).unwrap();
    for record in reader.byte_records() {
        let record = record.unwrap();
        let id: i64 = std::str::from_utf8(&record[column])
            .unwrap()
            .parse()
            .unwrap();
        if id < below {
            writer.write_byte_record(&record).unwrap();
        }
    }
    writer.flush().unwrap();
}

/// Eight files whose Sale IDs overlap and which agree on every sale they share: six prefixes of
/// one generated stream, cut between sales (Sale IDs below the real export's), the real export,
/// and the real export's earlier half.
fn overlapping_files(dir: &Path) -> Vec<PathBuf> {
    let real = sales_from(&real_export_path());
    let first_real = *real.keys().next().unwrap();
    let longest = dir.join("longest.csv");
    generate(
        &SalesSpec {
            seed: SEED,
            ..SalesSpec::new(2_000)
        },
        &longest,
    );
    let ends = sale_ends(&longest, first_real);
    assert!(ends.len() >= 300, "{} whole sales only", ends.len());
    let mut files: Vec<PathBuf> = (1..=6)
        .map(|k| {
            let rows = ends[ends.len() * k / 6 - 1];
            let path = dir.join(format!("generated-{rows}.csv"));
            generate(
                &SalesSpec {
                    seed: SEED,
                    ..SalesSpec::new(rows)
                },
                &path,
            );
            path
        })
        .collect();
    let middle = *real.keys().nth(real.len() / 2).unwrap();
    let half = dir.join("real-first-half.csv");
    real_export_before(middle, &half);
    files.push(half);
    files.push(real_export_path());
    files
}

/// Every sale of `files`; panics unless the files agree on each sale they share.
fn union_of(files: &[PathBuf]) -> BTreeMap<i64, FileSale> {
    let mut union: BTreeMap<i64, FileSale> = BTreeMap::new();
    let mut shared = 0;
    for file in files {
        for (id, sale) in sales_from(file) {
            if let Some(seen) = union.get(&id) {
                shared += 1;
                assert!(
                    seen.total == sale.total
                        && seen.items == sale.items
                        && seen.date == sale.date
                        && seen.location == sale.location,
                    "{} disagrees on sale {id}",
                    file.display()
                );
            } else {
                union.insert(id, sale);
            }
        }
    }
    assert!(shared > 1_000, "the files barely overlap: {shared} shared");
    union
}

async fn rows(database: &TestDatabase, sql: &str) -> Vec<sea_orm::QueryResult> {
    database
        .connection()
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
}

async fn count(database: &TestDatabase, sql: &str) -> i64 {
    rows(database, sql).await[0].try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn eight_overlapping_imports_at_once_store_each_sale_and_product_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let files = overlapping_files(dir.path());
    assert_eq!(files.len(), 8);
    let expected = union_of(&files);
    let products: BTreeSet<&str> = expected
        .values()
        .flat_map(|sale| sale.items.iter().map(|(name, _, _)| name.as_str()))
        .collect();

    let database = TestDatabase::migrated().await;
    let key = create_key(&database);
    let server = ZINC.serve(database.url(), &[], &[("ZINC_MAX_CONCURRENT_UPLOADS", "8")]);
    let client = Client::new();
    let uploads: Vec<_> = files
        .iter()
        .map(|file| {
            let request = client
                .post(server.url(&format!(
                    "/api/v1/imports?filename={}",
                    file.file_name().unwrap().to_string_lossy()
                )))
                .bearer_auth(&key)
                .header("content-type", "text/csv")
                .body(std::fs::read(file).unwrap());
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let status = response.status();
                (status, response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut reports = Vec::new();
    for upload in uploads {
        let (status, report) = upload.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(report["requested_by"], KEY_NAME, "{report}");
        reports.push(report);
    }

    // Each sale was created by exactly one import, and none changed it afterwards.
    let summed = |field: &str| {
        reports
            .iter()
            .map(|r| r[field].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(summed("orders_created"), expected.len() as u64);
    assert_eq!(summed("orders_updated"), 0);
    assert_eq!(summed("products_created"), products.len() as u64);

    let duplicated_sales = count(
        &database,
        "SELECT count(*) FROM (SELECT sale_id FROM orders GROUP BY sale_id HAVING count(*) > 1) d",
    )
    .await;
    assert_eq!(duplicated_sales, 0);
    let duplicated_names = count(
        &database,
        "SELECT count(*) FROM (SELECT name FROM products GROUP BY name HAVING count(*) > 1) d",
    )
    .await;
    assert_eq!(duplicated_names, 0);
    assert_eq!(
        count(&database, "SELECT count(*) FROM orders").await,
        expected.len() as i64
    );
    assert_eq!(
        count(&database, "SELECT count(*) FROM products").await,
        products.len() as i64
    );
    assert_eq!(
        count(&database, "SELECT count(*) FROM order_items").await,
        expected.values().map(|s| s.items.len() as i64).sum::<i64>()
    );

    let stored: BTreeMap<i64, Decimal> = rows(&database, "SELECT sale_id, total FROM orders")
        .await
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
            )
        })
        .collect();
    let expected_totals: BTreeMap<i64, Decimal> = expected
        .iter()
        .map(|(id, sale)| (*id, sale.total))
        .collect();
    assert_eq!(
        stored.values().sum::<Decimal>(),
        expected_totals.values().sum::<Decimal>()
    );
    assert_eq!(stored, expected_totals);
}
