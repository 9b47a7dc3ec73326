//! The order lookup with nothing of Zinc around it, for `bench/api.sh`: actix-web and sqlx
//! connections as Zinc opens them (`zinc_postgres::database::connect`, Nagle off), one handler
//! that runs the route's statement (`PostgresQueries::order_by_id_sql`, which
//! `bench/sql/order_by_id.sql` gives pgbench) for the route's default page of items
//! (`Page::DEFAULT_LIMIT` from the first) and writes the order with that page as JSON. No
//! middleware, no ports, no validation beyond the id.
//!
//! What it measures: what an actix-web + sqlx server reaches for this statement on this
//! machine, so that the benchmark can tell the stack's and the loopback's share of the gap to
//! pgbench from Zinc's own. Two ways to reach the database:
//! - `--pool`: a connection from one shared sqlx pool per request, as Zinc's other routes;
//! - `--held`: each worker keeps its own connections, opened on its runtime, and never gives
//!   them back to a pool, as Zinc's lookup connections (`zinc_postgres::lookups`) do, without
//!   their care. sqlx's pool pings every connection it takes back (one more round trip per
//!   statement), and a connection opened on one worker's runtime wakes that runtime when
//!   another worker uses it: this mode shows what the pool costs.
//!
//!   DATABASE_URL=... cargo run --release -p zinc-app --example bare_order_lookup -- --pool 127.0.0.1:0
//!
//! Prints `listening on http://ADDRESS` and serves `GET /api/v1/orders/{id}`.

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::cell::RefCell;

use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::{PgArguments, PgRow};
use sea_orm::sqlx::query::Query;
use sea_orm::sqlx::{PgPool, Postgres, Row, query};
use serde::Serialize;
use tokio::sync::Semaphore;
use zinc_domain::Page;
use zinc_postgres::PostgresQueries;
use zinc_postgres::database::{PoolSettings, connect};

#[derive(Serialize)]
struct Order {
    id: i64,
    sale_id: i64,
    client_id: i64,
    date: NaiveDate,
    location: String,
    payment_method: Option<String>,
    batch_number: Option<i64>,
    sales_notes: Option<String>,
    notes: Option<String>,
    subtotal: Decimal,
    discount_percentage: Decimal,
    discount_amount: Decimal,
    tax: Decimal,
    total: Decimal,
    amount_paid: Decimal,
    item_count: i64,
    import_id: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    items: Vec<Item>,
}

#[derive(Serialize)]
struct Item {
    position: i32,
    product_id: i64,
    product_name: String,
    quantity: i32,
    unit_price: Decimal,
    subtotal: Decimal,
    discount_percentage: Decimal,
    discount_amount: Decimal,
    tax: Decimal,
    total: Decimal,
    amount_paid: Decimal,
    payment_method: Option<String>,
    batch_number: Option<i64>,
    sales_notes: Option<String>,
    notes: Option<String>,
    color: Option<String>,
    size: Option<String>,
}

fn order(row: &PgRow) -> Result<Order, sea_orm::sqlx::Error> {
    Ok(Order {
        id: row.try_get("id")?,
        sale_id: row.try_get("sale_id")?,
        client_id: row.try_get("client_id")?,
        date: row.try_get("date")?,
        location: row.try_get("location")?,
        payment_method: row.try_get("payment_method")?,
        batch_number: row.try_get("batch_number")?,
        sales_notes: row.try_get("sales_notes")?,
        notes: row.try_get("notes")?,
        subtotal: row.try_get("subtotal")?,
        discount_percentage: row.try_get("discount_percentage")?,
        discount_amount: row.try_get("discount_amount")?,
        tax: row.try_get("tax")?,
        total: row.try_get("total")?,
        amount_paid: row.try_get("amount_paid")?,
        item_count: row.try_get("item_count")?,
        import_id: row.try_get("import_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        items: Vec::new(),
    })
}

fn item(row: &PgRow) -> Result<Item, sea_orm::sqlx::Error> {
    Ok(Item {
        position: row.try_get("item_position")?,
        product_id: row.try_get("item_product_id")?,
        product_name: row.try_get("item_product_name")?,
        quantity: row.try_get("item_quantity")?,
        unit_price: row.try_get("item_unit_price")?,
        subtotal: row.try_get("item_subtotal")?,
        discount_percentage: row.try_get("item_discount_percentage")?,
        discount_amount: row.try_get("item_discount_amount")?,
        tax: row.try_get("item_tax")?,
        total: row.try_get("item_total")?,
        amount_paid: row.try_get("item_amount_paid")?,
        payment_method: row.try_get("item_payment_method")?,
        batch_number: row.try_get("item_batch_number")?,
        sales_notes: row.try_get("item_sales_notes")?,
        notes: row.try_get("item_notes")?,
        color: row.try_get("item_color")?,
        size: row.try_get("item_size")?,
    })
}

/// The answer for the statement's `rows`: the order with its items, 404 when there is none.
fn answer(rows: Result<Vec<PgRow>, sea_orm::sqlx::Error>) -> HttpResponse {
    let Ok(rows) = rows else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let Some(first) = rows.first() else {
        return HttpResponse::NotFound().finish();
    };
    let built = order(first).and_then(|mut order| {
        for row in &rows {
            if row.try_get::<Option<i32>, _>("item_position")?.is_some() {
                order.items.push(item(row)?);
            }
        }
        Ok(order)
    });
    match built {
        Ok(order) => HttpResponse::Ok().json(order),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// The statement for the order `id` and the route's default page of its items (the values in
/// the statement's order: id, limit, offset).
fn lookup(id: i64) -> Query<'static, Postgres, PgArguments> {
    query(PostgresQueries::order_by_id_sql())
        .bind(id)
        .bind(i64::from(Page::DEFAULT_LIMIT))
        .bind(0i64)
}

/// `--pool`: a connection from the shared pool for each request (sqlx pings a connection when
/// it goes back: a second round trip).
async fn lookup_pooled(pool: web::Data<PgPool>, id: web::Path<String>) -> HttpResponse {
    let Ok(id) = id.parse::<i64>() else {
        return HttpResponse::BadRequest().finish();
    };
    answer(lookup(id).fetch_all(pool.get_ref()).await)
}

/// Connections one worker keeps for itself, opened on its runtime and never given back.
struct Held {
    free: RefCell<Vec<PoolConnection<Postgres>>>,
    permits: Semaphore,
}

/// How many connections each worker keeps with `--held`.
const HELD_PER_WORKER: usize = 5;

impl Held {
    async fn open(url: String) -> anyhow::Result<Held> {
        let settings = PoolSettings {
            max_connections: HELD_PER_WORKER as u32,
            ..PoolSettings::default()
        };
        let pool = connect(&url, &settings).await?.sqlx_pool().clone();
        let mut free = Vec::with_capacity(HELD_PER_WORKER);
        for _ in 0..HELD_PER_WORKER {
            free.push(pool.acquire().await?);
        }
        Ok(Held {
            free: RefCell::new(free),
            permits: Semaphore::new(HELD_PER_WORKER),
        })
    }
}

/// `--held`: one of the worker's own connections, with no round trip on release. A request
/// whose statement is interrupted drops its connection (a benchmark never interrupts one).
async fn lookup_held(held: web::Data<Held>, id: web::Path<String>) -> HttpResponse {
    let Ok(id) = id.parse::<i64>() else {
        return HttpResponse::BadRequest().finish();
    };
    let Ok(_permit) = held.permits.acquire().await else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let Some(mut conn) = held.free.borrow_mut().pop() else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let rows = lookup(id).fetch_all(&mut *conn).await;
    held.free.borrow_mut().push(conn);
    answer(rows)
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")?;
    let mut args = std::env::args().skip(1);
    let held = match args.next().as_deref() {
        Some("--pool") => false,
        Some("--held") => true,
        _ => anyhow::bail!("usage: bare_order_lookup --pool|--held [ADDRESS]"),
    };
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let pool = connect(&url, &PoolSettings::default())
        .await?
        .sqlx_pool()
        .clone();
    let server = HttpServer::new(move || {
        let app = App::new();
        if held {
            let url = url.clone();
            app.data_factory(move || Held::open(url.clone()))
                .route("/api/v1/orders/{id}", web::get().to(lookup_held))
        } else {
            app.app_data(web::Data::new(pool.clone()))
                .route("/api/v1/orders/{id}", web::get().to(lookup_pooled))
        }
    })
    .tcp_nodelay(true)
    .bind(bind)?;
    for address in server.addrs() {
        println!("listening on http://{address}");
    }
    server.run().await?;
    Ok(())
}
