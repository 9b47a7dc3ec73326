//! `GET /api/v1/exports/sales.csv` end to end: the real export imported into a real server,
//! exported, and the export imported again, into the same database and into an empty one.

use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use zinc_e2e::{Server, Zinc, real_export_path};
use zinc_testkit::TestDatabase;

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

async fn upload(
    client: &Client,
    server: &Server,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let response = client
        .post(server.url("/api/v1/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn get(client: &Client, server: &Server, path: &str) -> Value {
    let response = client.get(server.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

async fn export(client: &Client, server: &Server, query: &str) -> Vec<u8> {
    let response = client
        .get(server.url(&format!("/api/v1/exports/sales.csv{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"zinc-sales")
    );
    response.bytes().await.unwrap().to_vec()
}

/// Everything a client can read about the stored sales: every product (name, price), every
/// order with its items, and the figures.
async fn snapshot(client: &Client, server: &Server) -> Value {
    let mut products = Vec::new();
    let mut orders = Vec::new();
    for offset in (0..).step_by(500) {
        let page = get(
            client,
            server,
            &format!("/api/v1/products?limit=500&offset={offset}"),
        )
        .await;
        let items = page["items"].as_array().unwrap().clone();
        let done = items.len() < 500;
        products.extend(
            items
                .iter()
                .map(|p| serde_json::json!([p["name"], p["price"]])),
        );
        if done {
            break;
        }
    }
    for offset in (0..).step_by(500) {
        let page = get(
            client,
            server,
            &format!("/api/v1/orders?limit=500&offset={offset}"),
        )
        .await;
        let items = page["items"].as_array().unwrap().clone();
        let done = items.len() < 500;
        for order in items {
            let detail = get(client, server, &format!("/api/v1/orders/{}", order["id"])).await;
            let mut kept = detail.clone();
            // Store-given numbers and times differ between databases; the sale does not.
            for field in ["id", "import_id", "created_at", "updated_at"] {
                kept.as_object_mut().unwrap().remove(field);
            }
            for item in kept["items"].as_array_mut().unwrap() {
                item.as_object_mut().unwrap().remove("product_id");
            }
            orders.push(kept);
        }
        if done {
            break;
        }
    }
    let figures = serde_json::json!([
        get(client, server, "/api/v1/metrics/revenue").await,
        get(
            client,
            server,
            "/api/v1/metrics/revenue?location=Online%20Store"
        )
        .await,
        get(client, server, "/api/v1/metrics/products/top?limit=100").await,
        get(
            client,
            server,
            "/api/v1/metrics/revenue/daily?from=2025-03-01&to=2025-12-31"
        )
        .await,
    ]);
    serde_json::json!({ "products": products, "orders": orders, "figures": figures })
}

#[tokio::test]
async fn an_export_reimported_changes_nothing_and_rebuilds_an_empty_database_exactly() {
    let client = Client::new();
    let original = TestDatabase::empty().await;
    let server = ZINC.serve(original.url(), &[], &[]);
    let real = std::fs::read(real_export_path()).unwrap();
    let (status, report) = upload(&client, &server, "zinc-sales.csv", real).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");

    let exported = export(&client, &server, "").await;
    let text = String::from_utf8(exported.clone()).unwrap();
    assert_eq!(
        text.lines().count(),
        1 + 1_661,
        "the header and one row per item"
    );

    let (status, again) = upload(&client, &server, "export.csv", exported.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["rows_total"], 1_661);
    assert_eq!(again["orders_unchanged"], 1_408, "{again}");
    for changed in [
        "orders_created",
        "orders_updated",
        "products_created",
        "products_updated",
    ] {
        assert_eq!(again[changed], 0, "{changed}: {again}");
    }

    let empty = TestDatabase::empty().await;
    let copy = ZINC.serve(empty.url(), &[], &[]);
    let (status, rebuilt) = upload(&client, &copy, "export.csv", exported).await;
    assert_eq!(status, StatusCode::CREATED, "{rebuilt}");
    assert_eq!(rebuilt["orders_created"], 1_408);
    assert_eq!(rebuilt["products_created"], 80);
    assert_eq!(
        snapshot(&client, &server).await,
        snapshot(&client, &copy).await
    );
}

#[tokio::test]
async fn an_export_holds_only_the_range_and_location_asked_for() {
    let client = Client::new();
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let real = std::fs::read(real_export_path()).unwrap();
    let (status, _) = upload(&client, &server, "zinc-sales.csv", real).await;
    assert_eq!(status, StatusCode::CREATED);
    let query = "?from=2025-03-01&to=2025-03-31&location=Golf%20-%20experience";
    let exported = export(&client, &server, query).await;
    let mut reader = csv::Reader::from_reader(exported.as_slice());
    let mut sales = std::collections::BTreeSet::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        assert!(
            record[0].starts_with("03/") && record[0].ends_with("/2025"),
            "{record:?}"
        );
        assert_eq!(&record[6], "Golf - experience");
        sales.insert(record[2].to_owned());
        rows += 1;
    }
    let listed = get(&client, &server, &format!("/api/v1/orders{query}&limit=1")).await;
    assert_eq!(sales.len() as u64, listed["total"].as_u64().unwrap());
    assert!(rows >= sales.len());
    let empty = export(&client, &server, "?from=2030-01-01").await;
    assert_eq!(
        String::from_utf8(empty).unwrap().lines().count(),
        1,
        "the header alone"
    );
}

/// Zero keeps its scale end to end, at every scale the reader accepts: `0.00` uploaded is
/// `0.00` in the API and in the export, and the export uploaded again changes nothing.
#[tokio::test]
async fn zero_amounts_keep_their_scale_through_the_api_and_an_export() {
    let client = Client::new();
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let real = std::fs::read_to_string(real_export_path()).unwrap();
    let header = real.lines().next().unwrap();
    let zero = |scale: u32| rust_decimal::Decimal::new(0, scale).to_string();
    let scales = 0..=6;
    let mut file = format!("{header}\r\n");
    for scale in scales.clone() {
        let z = zero(scale);
        file.push_str(&format!(
            "03/01/2025,100002649,{},Free sample,---,,Golf - experience,,---,---,{z},1,{z},{z},{z},{z},{z},{z},Cash\r\n",
            90 + scale
        ));
    }
    let (status, report) = upload(&client, &server, "zeros.csv", file.clone().into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");

    for scale in scales {
        let z = zero(scale);
        let listed = get(
            &client,
            &server,
            &format!("/api/v1/orders?sale_id={}", 90 + scale),
        )
        .await;
        let id = &listed["items"][0]["id"];
        let order = get(&client, &server, &format!("/api/v1/orders/{id}")).await;
        for field in [
            "subtotal",
            "discount_percentage",
            "discount_amount",
            "tax",
            "total",
            "amount_paid",
        ] {
            assert_eq!(
                order[field],
                z.as_str(),
                "order {field} at scale {scale}: {order}"
            );
            assert_eq!(
                order["items"][0][field],
                z.as_str(),
                "item {field} at scale {scale}"
            );
        }
        assert_eq!(order["items"][0]["unit_price"], z.as_str());
    }

    let exported = export(&client, &server, "").await;
    assert_eq!(String::from_utf8(exported.clone()).unwrap(), file);
    let (status, again) = upload(&client, &server, "export.csv", exported).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["orders_unchanged"], 7, "{again}");
    assert_eq!(again["orders_updated"], 0, "{again}");
}
