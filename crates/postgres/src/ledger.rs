//! [`SalesLedger`] on PostgreSQL: one transaction per import, bulk statements throughout.
//!
//! - Lines are staged in a temporary table, a batch per statement (`unnest` over one typed array
//!   per column; sea-query arrays cannot hold NULLs, so `''` and `-1` stand for "no value" and
//!   `NULLIF` restores them).
//! - They are read back through a server-side cursor sorted by Sale ID and line, so memory on
//!   this side stays at one batch.
//! - Identity is enforced by the unique constraints (`ON CONFLICT` upserts on product name and
//!   Sale ID), never by a check-then-insert. Before its first write an import takes a
//!   transaction-scoped advisory lock, so the write phases of concurrent imports run one after
//!   the other (their reading and staging still overlap): products arrive per batch in no global
//!   order, and two imports locking the same products in different orders would deadlock.
//! - An order is replaced only when its fingerprint differs, so re-importing a file changes
//!   nothing.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, QueryResult, Statement,
    TransactionTrait, Value,
};
use serde::Serialize;
use zinc_domain::{
    BatchNumber, ClientId, DiscountPercent, ImportId, ImportReport, Label, Location, Money, Note,
    ProductName, ProductPrice, Quantity, Sale, SaleDate, SaleId, SaleLine, SaleLineFields,
    UnitPrice,
};
use zinc_ports::{
    ImportSession, ImportStart, OrderChanges, ProductChanges, SalesLedger, StoreError,
};

use tracing::instrument;

use crate::database::PoolSettings;
use crate::error::{store_error, within};
use crate::rollups;

/// Memory for the one sort of an import's staged lines (transaction-local `work_mem`).
pub(crate) const SORT_MEMORY: &str = "256MB";

/// The advisory lock key serialising the write phases of imports ("zinc" in ASCII).
pub(crate) const WRITE_LOCK_KEY: i64 = 0x7a69_6e63;

const STAGED_COLUMNS: &str = "line bigint, sale_id bigint, date date, client_id bigint, \
    location text, payment_method text, product text, batch_number bigint, sales_notes text, \
    notes text, color text, size text, unit_price numeric, quantity integer, subtotal numeric, \
    discount_percent numeric, discount_amount numeric, tax numeric, total numeric, \
    amount_paid numeric";

/// Imports into PostgreSQL through a sea-orm connection pool.
#[derive(Clone)]
pub struct PostgresLedger {
    db: DatabaseConnection,
    reply_timeout: Duration,
}

impl PostgresLedger {
    /// A ledger writing through `db`, giving a connection up for lost when the database does
    /// not answer within the default [`PoolSettings::reply_timeout`].
    pub fn new(db: DatabaseConnection) -> Self {
        PostgresLedger {
            db,
            reply_timeout: PoolSettings::default().reply_timeout(),
        }
    }

    /// The same, waiting at most `reply_timeout` for any answer (use the pool's
    /// [`PoolSettings::reply_timeout`]).
    pub fn with_reply_timeout(mut self, reply_timeout: Duration) -> Self {
        self.reply_timeout = reply_timeout;
        self
    }
}

#[async_trait]
impl SalesLedger for PostgresLedger {
    #[instrument(skip_all, fields(file = %start.file_name, mode = start.mode.as_str()))]
    async fn begin_import(
        &self,
        start: &ImportStart,
    ) -> Result<Box<dyn ImportSession>, StoreError> {
        let limit = self.reply_timeout;
        let txn = within(limit, async { self.db.begin().await.map_err(store_error) }).await?;
        let row = within(limit, async {
            txn.query_one_raw(statement(
                "INSERT INTO imports (file_name, mode, status, started_at, requested_by) \
                 VALUES ($1, $2, 'running', $3, $4) RETURNING id",
                [
                    start.file_name.clone().into(),
                    start.mode.as_str().into(),
                    start.started_at.into(),
                    start
                        .requested_by
                        .as_ref()
                        .map(|key| key.as_str().to_owned())
                        .into(),
                ],
            ))
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::Failed("INSERT ... RETURNING gave no row".into()))
        })
        .await?;
        let import_id = ImportId::new(get(&row, "id")?);
        // The staged lines are sorted once by the cursor: let that sort happen in memory.
        within(limit, async {
            txn.execute_unprepared(&format!(
                "SET LOCAL work_mem = '{SORT_MEMORY}';
             CREATE TEMPORARY TABLE zinc_staged_lines ({STAGED_COLUMNS}) ON COMMIT DROP;
             CREATE TEMPORARY TABLE zinc_rejected_sales (sale_id bigint PRIMARY KEY) ON COMMIT DROP;
             {TOUCHED_DAYS_DDL}",
                TOUCHED_DAYS_DDL = rollups::TOUCHED_DAYS_DDL,
            ))
            .await
            .map_err(store_error)
        })
        .await?;
        Ok(Box::new(PostgresImportSession {
            db: self.db.clone(),
            reply_timeout: limit,
            txn: Some(txn),
            import_id,
            cursor_open: false,
            writing: false,
            products_seen: HashSet::new(),
        }))
    }
}

/// One import's transaction.
struct PostgresImportSession {
    db: DatabaseConnection,
    /// How long any statement may go unanswered.
    reply_timeout: Duration,
    txn: Option<DatabaseTransaction>,
    import_id: ImportId,
    cursor_open: bool,
    /// True once the write lock is held.
    writing: bool,
    /// Products created or updated by this import, so each is counted once.
    products_seen: HashSet<i64>,
}

impl PostgresImportSession {
    /// Waits for, then holds until the transaction ends, the lock serialising imports' writes.
    async fn lock_for_writing(&mut self) -> Result<(), StoreError> {
        if !self.writing {
            self.execute(
                "SELECT pg_advisory_xact_lock($1)",
                vec![WRITE_LOCK_KEY.into()],
            )
            .await?;
            self.writing = true;
        }
        Ok(())
    }

    fn txn(&self) -> Result<&DatabaseTransaction, StoreError> {
        self.txn
            .as_ref()
            .ok_or_else(|| StoreError::Failed("the import was already finished".into()))
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError> {
        let txn = self.txn()?;
        within(self.reply_timeout, async {
            let result = txn
                .execute_raw(statement(sql, values))
                .await
                .map_err(store_error)?;
            Ok(result.rows_affected())
        })
        .await
    }

    async fn query(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, StoreError> {
        let txn = self.txn()?;
        within(self.reply_timeout, async {
            txn.query_all_raw(statement(sql, values))
                .await
                .map_err(store_error)
        })
        .await
    }
}

#[async_trait]
impl ImportSession for PostgresImportSession {
    fn import_id(&self) -> ImportId {
        self.import_id
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), lines = lines.len()))]
    async fn stage_lines(&mut self, lines: &[SaleLine]) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let sql = "INSERT INTO zinc_staged_lines \
            SELECT line, sale_id, date, client_id, location, NULLIF(payment_method, ''), product, \
              NULLIF(batch_number, -1), NULLIF(sales_notes, ''), NULLIF(notes, ''), \
              NULLIF(color, ''), NULLIF(size, ''), unit_price, quantity, subtotal, \
              discount_percent, discount_amount, tax, total, amount_paid \
            FROM unnest($1::bigint[], $2::bigint[], $3::date[], $4::bigint[], $5::text[], \
              $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], \
              $12::text[], $13::numeric[], $14::integer[], $15::numeric[], $16::numeric[], \
              $17::numeric[], $18::numeric[], $19::numeric[], $20::numeric[]) \
              AS x(line, sale_id, date, client_id, location, payment_method, product, \
              batch_number, sales_notes, notes, color, size, unit_price, quantity, subtotal, \
              discount_percent, discount_amount, tax, total, amount_paid)";
        self.execute(sql, staged_columns(lines)).await?;
        Ok(())
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), sales = sales.len()))]
    async fn reject_sales(&mut self, sales: &[SaleId]) -> Result<(), StoreError> {
        if sales.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = sales.iter().map(|id| id.get()).collect();
        self.execute(
            "INSERT INTO zinc_rejected_sales SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING",
            vec![ids.into()],
        )
        .await?;
        Ok(())
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get()))]
    async fn count_rejected_sales(&mut self) -> Result<u64, StoreError> {
        let rows = self
            .query("SELECT count(*) AS n FROM zinc_rejected_sales", vec![])
            .await?;
        let n: i64 = rows
            .first()
            .map(|row| get(row, "n"))
            .transpose()?
            .unwrap_or(0);
        Ok(n as u64)
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get()))]
    async fn rewind(&mut self) -> Result<(), StoreError> {
        if self.cursor_open {
            self.execute("CLOSE zinc_staged", vec![]).await?;
        }
        self.execute(
            "DECLARE zinc_staged NO SCROLL CURSOR FOR \
             SELECT s.* FROM zinc_staged_lines s \
             WHERE NOT EXISTS (SELECT 1 FROM zinc_rejected_sales r WHERE r.sale_id = s.sale_id) \
             ORDER BY s.sale_id, s.line",
            vec![],
        )
        .await?;
        self.cursor_open = true;
        Ok(())
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), max))]
    async fn read_staged(&mut self, max: usize) -> Result<Vec<SaleLine>, StoreError> {
        let rows = self
            .query(&format!("FETCH FORWARD {max} FROM zinc_staged"), vec![])
            .await?;
        rows.iter().map(staged_line).collect()
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), products = prices.len()))]
    async fn save_products(
        &mut self,
        prices: &[ProductPrice],
    ) -> Result<ProductChanges, StoreError> {
        if prices.is_empty() {
            return Ok(ProductChanges::default());
        }
        self.lock_for_writing().await?;
        let rows: Vec<ProductRow> = prices
            .iter()
            .enumerate()
            .map(|(ord, price)| ProductRow {
                ord,
                name: price.product.as_str(),
                price: price.unit_price.amount(),
                sale_id: price.rank.sale_id.get(),
                sale_date: price.rank.date,
                from_refund: !price.rank.from_sale,
            })
            .collect();
        let results = self
            .query(
                "INSERT INTO products AS p (name, price, price_sale_id, price_sale_date, price_from_refund) \
                 SELECT x.name, x.price, x.sale_id, x.sale_date, x.from_refund \
                 FROM json_to_recordset($1::json) \
                   AS x(ord integer, name text, price numeric, sale_id bigint, sale_date date, from_refund boolean) \
                 ORDER BY x.ord \
                 ON CONFLICT (name) DO UPDATE SET \
                   price = EXCLUDED.price, price_sale_id = EXCLUDED.price_sale_id, \
                   price_sale_date = EXCLUDED.price_sale_date, \
                   price_from_refund = EXCLUDED.price_from_refund, updated_at = now() \
                 WHERE (NOT EXCLUDED.price_from_refund, EXCLUDED.price_sale_date, EXCLUDED.price_sale_id) \
                       >= (NOT p.price_from_refund, p.price_sale_date, p.price_sale_id) \
                   AND (EXCLUDED.price, EXCLUDED.price_sale_id, EXCLUDED.price_sale_date, EXCLUDED.price_from_refund) \
                       IS DISTINCT FROM (p.price, p.price_sale_id, p.price_sale_date, p.price_from_refund) \
                 RETURNING p.id, (xmax = 0) AS created",
                vec![json(&rows)?],
            )
            .await?;
        let mut changes = ProductChanges::default();
        for row in &results {
            let first_time = self.products_seen.insert(get::<i64>(row, "id")?);
            if get::<bool>(row, "created")? {
                changes.created += 1;
            } else if first_time {
                changes.updated += 1;
            }
        }
        Ok(changes)
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), sales = sales.len()))]
    async fn save_sales(&mut self, sales: &[Sale]) -> Result<OrderChanges, StoreError> {
        if sales.is_empty() {
            return Ok(OrderChanges::default());
        }
        self.lock_for_writing().await?;
        within(
            self.reply_timeout,
            rollups::touch_days_of(self.txn()?, sales),
        )
        .await?;
        let written = self
            .query(
                "INSERT INTO orders AS o (sale_id, client_id, date, location, payment_method, \
                   batch_number, sales_notes, notes, subtotal, discount_percentage, discount_amount, \
                   tax, total, amount_paid, fingerprint, import_id) \
                 SELECT sale_id, client_id, date, location, NULLIF(payment_method, ''), \
                   NULLIF(batch_number, -1), NULLIF(sales_notes, ''), NULLIF(notes, ''), subtotal, \
                   discount_percentage, discount_amount, tax, total, amount_paid, fingerprint, $16 \
                 FROM unnest($1::bigint[], $2::bigint[], $3::date[], $4::text[], $5::text[], \
                   $6::bigint[], $7::text[], $8::text[], $9::numeric[], $10::numeric[], \
                   $11::numeric[], $12::numeric[], $13::numeric[], $14::numeric[], $15::bytea[]) \
                   WITH ORDINALITY AS x(sale_id, client_id, date, location, payment_method, \
                   batch_number, sales_notes, notes, subtotal, discount_percentage, \
                   discount_amount, tax, total, amount_paid, fingerprint, ord) \
                 ORDER BY x.ord \
                 ON CONFLICT (sale_id) DO UPDATE SET \
                   client_id = EXCLUDED.client_id, date = EXCLUDED.date, location = EXCLUDED.location, \
                   payment_method = EXCLUDED.payment_method, batch_number = EXCLUDED.batch_number, \
                   sales_notes = EXCLUDED.sales_notes, notes = EXCLUDED.notes, \
                   subtotal = EXCLUDED.subtotal, discount_percentage = EXCLUDED.discount_percentage, \
                   discount_amount = EXCLUDED.discount_amount, tax = EXCLUDED.tax, \
                   total = EXCLUDED.total, amount_paid = EXCLUDED.amount_paid, \
                   fingerprint = EXCLUDED.fingerprint, import_id = EXCLUDED.import_id, updated_at = now() \
                 WHERE o.fingerprint IS DISTINCT FROM EXCLUDED.fingerprint \
                 RETURNING o.id, o.sale_id, (xmax = 0) AS created",
                order_columns(sales, self.import_id),
            )
            .await?;
        let mut changes = OrderChanges::default();
        let mut replaced_orders = Vec::new();
        let mut order_ids = HashMap::new();
        for row in &written {
            order_ids.insert(get::<i64>(row, "sale_id")?, get::<i64>(row, "id")?);
            if get::<bool>(row, "created")? {
                changes.created += 1;
            } else {
                changes.updated += 1;
                replaced_orders.push(get::<i64>(row, "id")?);
            }
        }
        changes.unchanged = sales.len() as u64 - changes.created - changes.updated;
        if !replaced_orders.is_empty() {
            self.execute(
                "DELETE FROM order_items WHERE order_id = ANY($1::bigint[])",
                vec![replaced_orders.into()],
            )
            .await?;
        }
        let filled: Vec<(i64, &Sale)> = sales
            .iter()
            .filter_map(|sale| Some((*order_ids.get(&sale.sale_id().get())?, sale)))
            .collect();
        let expected: usize = filled.iter().map(|(_, sale)| sale.lines().len()).sum();
        if expected > 0 {
            let inserted = self
                .execute(
                    "INSERT INTO order_items (order_id, product_id, position, quantity, unit_price, \
                       subtotal, discount_percentage, discount_amount, tax, total, amount_paid, \
                       payment_method, batch_number, sales_notes, notes, color, size) \
                     SELECT x.order_id, p.id, x.position, x.quantity, x.unit_price, x.subtotal, \
                       x.discount_percentage, x.discount_amount, x.tax, x.total, x.amount_paid, \
                       NULLIF(x.payment_method, ''), NULLIF(x.batch_number, -1), \
                       NULLIF(x.sales_notes, ''), NULLIF(x.notes, ''), NULLIF(x.color, ''), \
                       NULLIF(x.size, '') \
                     FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::integer[], \
                       $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], \
                       $10::numeric[], $11::numeric[], $12::text[], $13::bigint[], $14::text[], \
                       $15::text[], $16::text[], $17::text[]) \
                       AS x(order_id, position, product, quantity, unit_price, subtotal, \
                       discount_percentage, discount_amount, tax, total, amount_paid, \
                       payment_method, batch_number, sales_notes, notes, color, size) \
                     JOIN products p ON p.name = x.product",
                    item_columns(&filled),
                )
                .await?;
            if inserted != expected as u64 {
                return Err(StoreError::Inconsistent(
                    format!("wrote {inserted} of {expected} order items: a product is missing")
                        .into(),
                ));
            }
        }
        Ok(changes)
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), rows = report.counts.rows_total))]
    async fn commit(&mut self, report: &ImportReport) -> Result<(), StoreError> {
        within(self.reply_timeout, rollups::refresh_touched(self.txn()?)).await?;
        let values = report_values(report)?;
        self.execute(
            "UPDATE imports SET sha256 = $2, status = $3, rows_total = $4, rows_imported = $5, \
               rows_rejected = $6, sales_total = $7, sales_rejected = $8, orders_created = $9, \
               orders_updated = $10, orders_unchanged = $11, products_created = $12, \
               products_updated = $13, problems = $14::jsonb, problems_total = $15, \
               finished_at = $16, updated_at = now() \
             WHERE id = $1",
            values,
        )
        .await?;
        let txn = self
            .txn
            .take()
            .ok_or_else(|| StoreError::Failed("the import was already finished".into()))?;
        within(self.reply_timeout, async {
            txn.commit().await.map_err(store_error)
        })
        .await
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), rows = report.counts.rows_total))]
    async fn reject(&mut self, report: &ImportReport) -> Result<(), StoreError> {
        if let Some(txn) = self.txn.take() {
            within(self.reply_timeout, async {
                txn.rollback().await.map_err(store_error)
            })
            .await?;
        }
        let mut values = report_values(report)?;
        values.push(report.file_name.clone().into());
        values.push(report.mode.as_str().into());
        values.push(report.started_at.into());
        values.push(
            report
                .requested_by
                .as_ref()
                .map(|key| key.as_str().to_owned())
                .into(),
        );
        within(self.reply_timeout, async {
            self.db
                .execute_raw(statement(
                    "INSERT INTO imports (id, sha256, status, rows_total, rows_imported, rows_rejected, \
                   sales_total, sales_rejected, orders_created, orders_updated, orders_unchanged, \
                   products_created, products_updated, problems, problems_total, finished_at, \
                   file_name, mode, started_at, requested_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, \
                   $16, $17, $18, $19, $20)",
                values,
            ))
            .await
            .map_err(store_error)
        })
        .await?;
        Ok(())
    }
}

/// `$1` = id, then the report's columns in the order both statements use.
fn report_values(report: &ImportReport) -> Result<Vec<Value>, StoreError> {
    let c = &report.counts;
    let count = |n: u64| Value::from(n as i64);
    Ok(vec![
        report.id.get().into(),
        report.sha256.clone().into(),
        report.status.as_str().into(),
        count(c.rows_total),
        count(c.rows_imported),
        count(c.rows_rejected),
        count(c.sales_total),
        count(c.sales_rejected),
        count(c.orders_created),
        count(c.orders_updated),
        count(c.orders_unchanged),
        count(c.products_created),
        count(c.products_updated),
        json(&report.problems.problems())?,
        count(report.problems.total()),
        report.finished_at.into(),
    ])
}

fn statement(sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Value, StoreError> {
    serde_json::to_string(value)
        .map(Value::from)
        .map_err(|e| StoreError::Failed(format!("cannot encode a batch as JSON: {e}").into()))
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T, StoreError> {
    row.try_get("", column)
        .map_err(|e| StoreError::Inconsistent(format!("column {column}: {e}").into()))
}

/// Rebuilds a staged line through the domain's constructors: the store is not trusted blindly.
fn staged_line(row: &QueryResult) -> Result<SaleLine, StoreError> {
    // Columns by position, in the order of STAGED_COLUMNS (the cursor selects `s.*`).
    fn at<T: sea_orm::TryGetable>(row: &QueryResult, index: usize) -> Result<T, StoreError> {
        row.try_get_by_index(index)
            .map_err(|e| StoreError::Inconsistent(format!("staged column {index}: {e}").into()))
    }
    let line: i64 = at(row, 0)?;
    let bad = |what: &str, e: zinc_domain::ValueError| {
        StoreError::Inconsistent(format!("staged line {line}, {what}: {e}").into())
    };
    let text = |index: usize| at::<Option<String>>(row, index);
    let money = |index: usize| -> Result<Money, StoreError> {
        Money::new(at::<Decimal>(row, index)?).map_err(|e| bad("amount", e))
    };
    let fields = SaleLineFields {
        line: line as u64,
        sale_id: SaleId::new(at(row, 1)?).map_err(|e| bad("sale_id", e))?,
        date: SaleDate::new(at::<NaiveDate>(row, 2)?, NaiveDate::MAX)
            .map_err(|e| bad("date", e))?,
        client_id: ClientId::new(at(row, 3)?).map_err(|e| bad("client_id", e))?,
        location: Location::parse(&at::<String>(row, 4)?).map_err(|e| bad("location", e))?,
        payment_method: text(5)?.and_then(|t| Label::parse_optional(&t)),
        product: ProductName::parse(&at::<String>(row, 6)?).map_err(|e| bad("product", e))?,
        batch_number: at::<Option<i64>>(row, 7)?
            .map(BatchNumber::new)
            .transpose()
            .map_err(|e| bad("batch_number", e))?,
        sales_notes: text(8)?,
        notes: match text(9)? {
            Some(t) => Note::parse_optional(&t).map_err(|e| bad("notes", e))?,
            None => None,
        },
        color: text(10)?.and_then(|t| Label::parse_optional(&t)),
        size: text(11)?.and_then(|t| Label::parse_optional(&t)),
        unit_price: UnitPrice::new(at(row, 12)?).map_err(|e| bad("unit_price", e))?,
        quantity: Quantity::new(at(row, 13)?).map_err(|e| bad("quantity", e))?,
        subtotal: money(14)?,
        discount_percent: DiscountPercent::new(at(row, 15)?)
            .map_err(|e| bad("discount_percent", e))?,
        discount_amount: money(16)?,
        tax: money(17)?,
        total: money(18)?,
        amount_paid: money(19)?,
    };
    SaleLine::new(fields).map_err(|problems| {
        StoreError::Inconsistent(
            format!("staged line {line} breaks a rule: {}", problems[0].message).into(),
        )
    })
}

#[derive(Serialize)]
struct ProductRow<'a> {
    ord: usize,
    name: &'a str,
    price: Decimal,
    sale_id: i64,
    sale_date: NaiveDate,
    from_refund: bool,
}

/// The sentinel standing for NULL in text arrays: the domain never holds an empty optional text.
fn text_or_empty(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

/// The sentinel standing for NULL in batch-number arrays: batch numbers are never negative.
fn batch_or_minus_one(value: Option<BatchNumber>) -> i64 {
    value.map_or(-1, BatchNumber::get)
}

fn staged_columns(lines: &[SaleLine]) -> Vec<Value> {
    vec![
        lines
            .iter()
            .map(|l| l.line as i64)
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.sale_id.get())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.date.get())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.client_id.get())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.location.as_str().to_owned())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| text_or_empty(l.payment_method.as_ref().map(Label::as_str)))
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.product.as_str().to_owned())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| batch_or_minus_one(l.batch_number))
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| text_or_empty(l.sales_notes.as_deref()))
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| text_or_empty(l.notes.as_ref().map(Note::as_str)))
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| text_or_empty(l.color.as_ref().map(Label::as_str)))
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| text_or_empty(l.size.as_ref().map(Label::as_str)))
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.unit_price.amount())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.quantity.get())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.subtotal.amount())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.discount_percent.get())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.discount_amount.amount())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.tax.amount())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.total.amount())
            .collect::<Vec<_>>()
            .into(),
        lines
            .iter()
            .map(|l| l.amount_paid.amount())
            .collect::<Vec<_>>()
            .into(),
    ]
}

fn order_columns(sales: &[Sale], import_id: ImportId) -> Vec<Value> {
    vec![
        sales
            .iter()
            .map(|s| s.sale_id().get())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.client_id().get())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.date().get())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.location().as_str().to_owned())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| text_or_empty(s.payment_method().map(Label::as_str)))
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| batch_or_minus_one(s.batch_number()))
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| text_or_empty(s.sales_notes()))
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| text_or_empty(s.notes().map(Note::as_str)))
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.subtotal().amount())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.discount_percent().get())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.discount_amount().amount())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.tax().amount())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.total().amount())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.amount_paid().amount())
            .collect::<Vec<_>>()
            .into(),
        sales
            .iter()
            .map(|s| s.fingerprint().to_vec())
            .collect::<Vec<_>>()
            .into(),
        import_id.get().into(),
    ]
}

fn item_columns(filled: &[(i64, &Sale)]) -> Vec<Value> {
    let items: Vec<(i64, i32, &SaleLine)> = filled
        .iter()
        .flat_map(|(order_id, sale)| {
            sale.lines()
                .iter()
                .enumerate()
                .map(move |(index, line)| (*order_id, index as i32 + 1, line))
        })
        .collect();
    vec![
        items
            .iter()
            .map(|(order_id, _, _)| *order_id)
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, position, _)| *position)
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.product.as_str().to_owned())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.quantity.get())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.unit_price.amount())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.subtotal.amount())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.discount_percent.get())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.discount_amount.amount())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.tax.amount())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.total.amount())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| l.amount_paid.amount())
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| text_or_empty(l.payment_method.as_ref().map(Label::as_str)))
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| batch_or_minus_one(l.batch_number))
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| text_or_empty(l.sales_notes.as_deref()))
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| text_or_empty(l.notes.as_ref().map(Note::as_str)))
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| text_or_empty(l.color.as_ref().map(Label::as_str)))
            .collect::<Vec<_>>()
            .into(),
        items
            .iter()
            .map(|(_, _, l)| text_or_empty(l.size.as_ref().map(Label::as_str)))
            .collect::<Vec<_>>()
            .into(),
    ]
}
