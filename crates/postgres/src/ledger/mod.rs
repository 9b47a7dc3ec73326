//! [`SalesLedger`] on PostgreSQL: one transaction per import, COPY in, set-based statements out.
//!
//! - The use case hands over sales the domain assembled; they are streamed into temporary
//!   tables with `COPY ... FROM STDIN` (binary, about a batch per COPY), orders and lines apart
//!   ([`staged`] describes both tables once). A full buffer travels while the next sales are
//!   encoded, so the server reads one batch while the client encodes the next. Nothing comes
//!   back to the client except the few sales whose lines were scattered or disagreed, read
//!   once through a cursor.
//! - [`write`](ImportSession::write) turns the staged rows into products, orders and items with a
//!   handful of `INSERT ... SELECT ... ON CONFLICT` statements. Only sales whose fingerprint
//!   differs from the stored one are written, so re-importing a file changes nothing. When no
//!   stored order has a Sale ID within the range of the staged ones (one index probe, the
//!   common first import of new sales), nothing is compared: the staged orders are written
//!   as they are.
//! - Identity is enforced by the unique constraints (upserts on product name and Sale ID),
//!   never by a check-then-insert. Before writing, an import takes a transaction-scoped
//!   advisory lock, so the write phases of concurrent imports run one after the other (their
//!   reading and keeping still overlap).

mod history;
mod revert;
mod staged;
mod statistics;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use sea_orm::sqlx::{self, AssertSqlSafe, Postgres, Transaction};
use sea_orm::{QueryResult, Statement};
use tracing::{debug, instrument};
use zinc_domain::{
    ImportId, ImportReport, REPLACED_SALES_LISTED, RejectedLines, Sale, SaleId, SaleLine,
};
use zinc_ports::{
    ImportSession, ImportStart, OrderChanges, ProductChanges, SalesLedger, StagedCounts,
    StoreError, WriteOutcome, WriteProgress, WriteStep,
};

use crate::database::{BulkBound, Database, Reach, WRITE_LOCK_KEY};
use crate::error::{Inconsistency, sqlx_error, within};
use crate::imports;
use crate::replica::Replication;
use crate::rollups;
use crate::sql::{Fixed, get, on_sqlx};
use staged::{Cell, LINES, ORDERS, item_column_list};
use statistics::Written;

/// How many bytes of staged rows gather before they travel in one COPY: about one batch of
/// sales, so that the server reads each batch while the client encodes the next. A COPY costs
/// a round trip (sqlx turns Nagle's algorithm off since 0.9.1); smaller buffers keep the
/// server busier and the memory lower.
const COPY_BYTES: usize = 256 * 1024;

/// Where loose lines wait (the columns of [`LINES`], `position` left NULL).
const LOOSE_LINES: &str = "zinc_loose_lines";

/// The Sale IDs rejected during an import.
const REJECTED_SALES: &str = "zinc_rejected_sales";

/// The other temporary tables of an import: the Sale IDs rejected, and loose lines.
fn side_tables() -> String {
    format!(
        "CREATE TEMPORARY TABLE {REJECTED_SALES} (sale_id bigint PRIMARY KEY) ON COMMIT DROP;
         CREATE TEMPORARY TABLE {LOOSE_LINES} (LIKE {lines}) ON COMMIT DROP",
        lines = LINES.name
    )
}

/// Notes Sale IDs (`$1`, an array) as rejected.
const REJECT_SALES: Fixed<1> = Fixed::new(
    "INSERT INTO zinc_rejected_sales SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING",
);

/// Records the lines of import `$1`'s reject file: numbers, reasons and raw lines in arrays.
const KEEP_REJECTED_LINES: Fixed<4> = Fixed::new(
    "INSERT INTO import_rejected_lines (import_id, line, reason, raw) \
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bytea[])",
);

/// The object id of the sequence numbering orders.
const ORDER_SEQUENCE: Fixed<0> =
    Fixed::new("SELECT pg_get_serial_sequence('orders', 'id')::regclass::oid::bigint AS oid");

/// Takes `$2` order numbers from the sequence whose object id is `$1`, as an array `ids`,
/// unless a stored order has a Sale ID from `$3` to `$4` (then `ids` is NULL and none is
/// taken: the test runs once, before any row). Numbers once taken are never given again,
/// whatever becomes of this transaction.
const TAKE_ORDER_NUMBERS: Fixed<4> = Fixed::new(
    "SELECT array_agg(nextval($1::oid::regclass)) AS ids FROM generate_series(1, $2::integer) \
     WHERE NOT EXISTS (SELECT 1 FROM orders WHERE sale_id BETWEEN $3 AND $4)",
);

/// Whether any stored order has a Sale ID from `$1` to `$2`.
const NONE_STORED_BETWEEN: Fixed<2> =
    Fixed::new("SELECT NOT EXISTS (SELECT 1 FROM orders WHERE sale_id BETWEEN $1 AND $2) AS none");

/// What the staged sales are next to the stored ones; `zinc_changed` lists those to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Changes {
    /// Every staged sale has its order number, and no stored order has a Sale ID within the
    /// staged ones' range, so every staged sale is new (the common first import of a day's
    /// sales): nothing was compared. `zinc_changed` is
    /// a view of the staged orders (dropped with them at the end of the transaction), each
    /// with the number it was staged with.
    AllNew,
    /// `zinc_changed` holds the `changed` sales whose fingerprint differs from the stored one
    /// (or that have none), each with its order number: the stored one, the one staged, or
    /// one taken then.
    Compared { changed: u64 },
}

/// The work an import's statements are part of, as its errors name it.
const IMPORT: &str = "import";

/// Imports into PostgreSQL through the sqlx pool under a sea-orm connection.
#[derive(Clone)]
pub struct PostgresLedger {
    reach: Reach,
    /// Told of each commit, when reads may go to a replica.
    replication: Option<Replication>,
}

impl PostgresLedger {
    /// A ledger writing through `db`, giving a connection up for lost when the database does
    /// not answer within the default [`PoolSettings::reply_timeout`](crate::database::PoolSettings::reply_timeout).
    pub fn new(db: impl Into<Database>) -> Self {
        PostgresLedger {
            reach: Reach::new(db),
            replication: None,
        }
    }

    /// The same, raising `replication`'s target right after each commit, so that this
    /// server's reads see the import (read your writes).
    pub fn telling(mut self, replication: Replication) -> Self {
        self.replication = Some(replication);
        self
    }

    /// The same, waiting at most `reply_timeout` for any answer (use the pool's
    /// [`PoolSettings::reply_timeout`](crate::database::PoolSettings::reply_timeout)).
    pub fn with_reply_timeout(mut self, reply_timeout: Duration) -> Self {
        self.reach.reply_timeout = reply_timeout;
        self
    }

    /// The same, an import's transaction and a revert's working under `bound`.
    pub fn with_bulk_bound(mut self, bound: BulkBound) -> Self {
        self.reach.bulk = bound;
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
        let limit = self.reach.reply_timeout;
        let pool = self.reach.db.get_postgres_connection_pool();
        let mut txn = within(limit, async { pool.begin().await.map_err(sqlx_error) }).await?;
        let started = imports::start(start);
        let import_id = within(limit, async {
            let row = on_sqlx(&started)
                .fetch_one(&mut *txn)
                .await
                .map_err(sqlx_error)?;
            get::<i64>(&QueryResult::from(row), "id")
        })
        .await?;
        let setup = format!(
            "{}; {}; {}; {}; {}",
            self.reach.bulk.settings(),
            LINES.ddl(),
            ORDERS.ddl(),
            side_tables(),
            rollups::TOUCHED_DAYS_DDL,
        );
        within(limit, async {
            sqlx::raw_sql(AssertSqlSafe(setup))
                .execute(&mut *txn)
                .await
                .map_err(sqlx_error)
        })
        .await?;
        Ok(Box::new(PostgresImportSession {
            reach: self.reach.clone(),
            replication: self.replication.clone(),
            txn: Some(txn),
            import_id: ImportId::new(import_id),
            reassembly: Reassembly::NotStarted,
            rejections_applied: true,
            counts: StagedCounts::default(),
            pending: Pending::default(),
            full: None,
            staged_ids: StagedIds::default(),
            written: Written::default(),
            order_sequence: None,
            numbering: true,
        }))
    }
}

/// Where the hand-back of unassembled sales stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reassembly {
    NotStarted,
    Reading,
    Done,
}

/// Rows encoded but not yet sent; each buffer grows to about a batch before it travels.
#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    orders: Vec<u8>,
}

impl Pending {
    fn is_full(&self) -> bool {
        self.lines.len() >= COPY_BYTES || self.orders.len() >= COPY_BYTES
    }
}

/// One import's transaction.
struct PostgresImportSession {
    /// Where the import's record goes when it is rejected, and how long any statement may go
    /// unanswered.
    reach: Reach,
    /// Told of the commit, when reads may go to a replica.
    replication: Option<Replication>,
    txn: Option<Transaction<'static, Postgres>>,
    import_id: ImportId,
    reassembly: Reassembly,
    /// Rows in the staged tables (`sales` counts staged orders: distinct once reassembled).
    counts: StagedCounts,
    /// False while sales were rejected whose staged rows are still there.
    rejections_applied: bool,
    /// The batches being encoded.
    pending: Pending,
    /// Full buffers, sent while the next sales are encoded (the server then reads one batch
    /// while the client encodes the next).
    full: Option<Pending>,
    /// The order of the Sale IDs staged before reassembly.
    staged_ids: StagedIds,
    /// Rows written to the stored tables, for their statistics once committed.
    written: Written,
    /// The object id of the orders' sequence, once looked up.
    order_sequence: Option<i64>,
    /// True while every sale staged has its order number: until a batch holds a Sale ID
    /// within the range of stored ones (the import will compare, and new sales take their
    /// numbers then, so that sales found unchanged use up none).
    numbering: bool,
}

/// The Sale IDs staged: whether those staged before reassembly came in one direction (rising
/// or falling), as in a file sorted by sale (then no sale was staged twice, and reassembly need
/// not look for one), and the range of every Sale ID ever staged (rows dropped since, rejected
/// or reassembled, only widen it).
#[derive(Debug, Clone, Copy)]
struct StagedIds {
    last: Option<i64>,
    rising: bool,
    falling: bool,
    range: Option<(i64, i64)>,
}

impl Default for StagedIds {
    fn default() -> Self {
        StagedIds {
            last: None,
            rising: true,
            falling: true,
            range: None,
        }
    }
}

impl StagedIds {
    /// Notes a Sale ID staged before reassembly, in the file's order.
    fn note(&mut self, id: i64) {
        if let Some(last) = self.last {
            self.rising &= id > last;
            self.falling &= id < last;
        }
        self.last = Some(id);
        self.widen(id);
    }

    /// Notes a Sale ID staged at any time.
    fn widen(&mut self, id: i64) {
        self.range = Some(match self.range {
            Some((lowest, highest)) => (lowest.min(id), highest.max(id)),
            None => (id, id),
        });
    }

    /// True when no Sale ID can have been staged twice.
    fn all_distinct(&self) -> bool {
        self.rising || self.falling
    }
}

impl PostgresImportSession {
    fn txn(&mut self) -> Result<&mut Transaction<'static, Postgres>, StoreError> {
        open(&mut self.txn)
    }

    /// Runs one or more set-based statements without parameters, under the bulk bound. Every
    /// statement of this module is assembled from its own constants and numbers, never from
    /// user text.
    async fn run(&mut self, sql: &str) -> Result<u64, StoreError> {
        let limit = self.reach.bulk.reply_timeout;
        let txn = self.txn()?;
        let started = Instant::now();
        let done = within(limit, async {
            let done = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(&mut **txn)
                .await
                .map_err(sqlx_error)?;
            Ok(done.rows_affected())
        })
        .await;
        timed(started, sql);
        done.map_err(|error| self.reach.bulk.explain(IMPORT, error))
    }

    /// Runs a query without parameters and returns its rows.
    async fn rows(&mut self, sql: &str) -> Result<Vec<QueryResult>, StoreError> {
        self.query(&Statement::from_string(sea_orm::DbBackend::Postgres, sql))
            .await
    }

    /// Runs one statement, under the bulk bound, and returns its rows.
    async fn query(&mut self, statement: &Statement) -> Result<Vec<QueryResult>, StoreError> {
        let limit = self.reach.bulk.reply_timeout;
        let txn = self.txn()?;
        let started = Instant::now();
        let rows = within(limit, async {
            let rows = on_sqlx(statement)
                .fetch_all(&mut **txn)
                .await
                .map_err(sqlx_error)?;
            Ok(rows.into_iter().map(QueryResult::from).collect())
        })
        .await;
        timed(started, &statement.sql);
        rows.map_err(|error| self.reach.bulk.explain(IMPORT, error))
    }

    /// Streams `rows` (encoded by [`staged`]) into a staged table with one COPY.
    async fn copy(&mut self, statement: &str, rows: Vec<u8>) -> Result<u64, StoreError> {
        let limit = self.reach.reply_timeout;
        copy_in(self.txn()?, limit, statement, rows).await
    }

    /// Sends the staged rows still buffered: lines first, then orders.
    async fn flush(&mut self) -> Result<(), StoreError> {
        let limit = self.reach.reply_timeout;
        let pending = std::mem::take(&mut self.pending);
        for buffers in self.full.take().into_iter().chain([pending]) {
            let (lines, sales) = send_staged(self.txn()?, limit, buffers).await?;
            self.counts.lines += lines;
            self.counts.sales += sales;
        }
        Ok(())
    }

    /// Drops the staged rows of the sales rejected since the last time.
    async fn apply_rejections(&mut self) -> Result<(), StoreError> {
        self.flush().await?;
        if !self.rejections_applied {
            let drop_rejected = |table: &str| {
                format!(
                    "DELETE FROM {table} k USING {REJECTED_SALES} r WHERE k.sale_id = r.sale_id"
                )
            };
            let orders = self.run(&drop_rejected(ORDERS.name)).await?;
            let lines = self.run(&drop_rejected(LINES.name)).await?;
            self.counts.sales -= orders;
            self.counts.lines -= lines;
            self.rejections_applied = true;
        }
        Ok(())
    }

    /// The order numbers of `sales`, about to be staged, taken from the orders' sequence in
    /// one statement; none once a batch had a Sale ID within the range of the stored ones
    /// ([`Self::numbering`]). Those of sales rejected or staged again are left unused: the
    /// sequence's numbers have gaps whenever a transaction takes one it does not keep.
    async fn take_order_numbers(&mut self, sales: &[Sale]) -> Result<Option<Vec<i64>>, StoreError> {
        if !self.numbering {
            return Ok(None);
        }
        let ids = sales.iter().map(|sale| sale.sale_id().get());
        let (Some(lowest), Some(highest)) = (ids.clone().min(), ids.max()) else {
            return Ok(Some(Vec::new()));
        };
        let sequence = self.order_sequence().await?;
        let count = i32::try_from(sales.len()).map_err(|_| {
            Inconsistency::unexpected(format!("{} sales in one batch", sales.len()))
        })?;
        let numbers = self
            .query(&TAKE_ORDER_NUMBERS.with([
                sequence.into(),
                count.into(),
                lowest.into(),
                highest.into(),
            ]))
            .await?
            .first()
            .map(|row| get::<Option<Vec<i64>>>(row, "ids"))
            .transpose()?
            .flatten();
        self.numbering = numbers.is_some();
        Ok(numbers)
    }

    /// The object id of the orders' sequence, looked up once.
    async fn order_sequence(&mut self) -> Result<i64, StoreError> {
        match self.order_sequence {
            Some(sequence) => Ok(sequence),
            None => {
                let sequence = self
                    .query(&ORDER_SEQUENCE.with([]))
                    .await?
                    .first()
                    .map(|row| get::<i64>(row, "oid"))
                    .transpose()?
                    .ok_or_else(|| Inconsistency::unexpected("orders.id has no sequence"))?;
                Ok(*self.order_sequence.insert(sequence))
            }
        }
    }

    /// Sets the staged sales against the stored ones, the write lock held: `zinc_changed` then
    /// lists the sales to write (new or changed), with the stored order number, day and
    /// location of each changed one, and the sales restated unchanged are noted as this
    /// import's ([`history::note_restated`]).
    async fn find_changes(&mut self) -> Result<Changes, StoreError> {
        if self.numbering && self.none_stored_in_staged_range().await? {
            self.run(&format!(
                "CREATE TEMPORARY VIEW zinc_changed AS
                   SELECT k.*, true AS created, NULL::date AS old_date, NULL::text AS old_location
                   FROM {staged_orders} k",
                staged_orders = ORDERS.name,
            ))
            .await?;
            return Ok(Changes::AllNew);
        }
        self.run(&format!("ANALYZE {}", ORDERS.name)).await?;
        let sequence = self.order_sequence().await?;
        // One pass over the staged orders and the stored ones: the sales restated unchanged
        // are noted (they hold them against reverts of earlier imports), the others listed.
        let columns = ORDERS.column_list("");
        self.run(&format!(
            "CREATE TEMPORARY TABLE zinc_changed ON COMMIT DROP AS
               SELECT k.*, NULL::boolean AS created, NULL::date AS old_date,
                 NULL::text AS old_location
               FROM {staged_orders} k WITH NO DATA;
             WITH compared AS MATERIALIZED (
               SELECT k.*, o.id AS stored_id, o.import_id AS version,
                 o.date AS stored_date, o.location AS stored_location,
                 coalesce(o.fingerprint = k.fingerprint, false) AS unchanged
               FROM {staged_orders} k LEFT JOIN orders o ON o.sale_id = k.sale_id),
             restated AS ({note_restated})
             INSERT INTO zinc_changed
               SELECT coalesce(stored_id, order_id, nextval({sequence}::oid::regclass)), {columns}, stored_id IS NULL, stored_date,
                 stored_location
               FROM compared WHERE NOT unchanged;
             ANALYZE zinc_changed;",
            staged_orders = ORDERS.name,
            note_restated =
                history::note_restated(self.import_id.get(), "compared WHERE unchanged"),
        ))
        .await?;
        let changed = self
            .rows("SELECT count(*) AS n FROM zinc_changed")
            .await?
            .first()
            .map(|row| count(row, "n"))
            .transpose()?
            .unwrap_or(0);
        Ok(Changes::Compared { changed })
    }

    /// True when no stored order has a Sale ID within the range of those staged: one probe of
    /// the index on Sale IDs. Then no staged sale can be stored already.
    async fn none_stored_in_staged_range(&mut self) -> Result<bool, StoreError> {
        let Some((lowest, highest)) = self.staged_ids.range else {
            return Ok(true);
        };
        self.query(&NONE_STORED_BETWEEN.with([lowest.into(), highest.into()]))
            .await?
            .first()
            .map(|row| get::<bool>(row, "none"))
            .transpose()?
            .ok_or_else(|| Inconsistency::unexpected("the range check returned no row"))
    }

    /// Moves the lines of the sales to assemble whole aside, and opens a cursor over them.
    async fn start_reassembly(&mut self) -> Result<(), StoreError> {
        self.apply_rejections().await?;
        let (lines, orders) = (LINES.name, ORDERS.name);
        // A sale staged twice (its lines in two runs) is assembled again whole; when the staged
        // Sale IDs came in order, none was, and the search over every staged order is spared.
        let staged_twice = if self.staged_ids.all_distinct() {
            String::new()
        } else {
            format!("SELECT sale_id FROM {orders} GROUP BY sale_id HAVING count(*) > 1 UNION ")
        };
        self.run(&format!(
            "CREATE TEMPORARY TABLE zinc_unassembled ON COMMIT DROP AS
               ({staged_twice}SELECT sale_id FROM {LOOSE_LINES})
               EXCEPT SELECT sale_id FROM {REJECTED_SALES};
             CREATE TEMPORARY TABLE zinc_reassembling (LIKE {lines}) ON COMMIT DROP;
             INSERT INTO zinc_reassembling
               SELECT l.* FROM {LOOSE_LINES} l JOIN zinc_unassembled u ON u.sale_id = l.sale_id;"
        ))
        .await?;
        // With nothing to reassemble (the usual case) these joins end at once.
        let orders = self
            .run(&format!(
                "DELETE FROM {orders} k USING zinc_unassembled u WHERE k.sale_id = u.sale_id"
            ))
            .await?;
        let taken = self
            .run(&format!(
                "WITH taken AS (
                   DELETE FROM {lines} k USING zinc_unassembled u WHERE k.sale_id = u.sale_id
                   RETURNING k.*)
                 INSERT INTO zinc_reassembling SELECT * FROM taken"
            ))
            .await?;
        self.counts.sales -= orders;
        self.counts.lines -= taken;
        self.run(
            "DECLARE zinc_reassembly NO SCROLL CURSOR FOR
               SELECT * FROM zinc_reassembling ORDER BY sale_id, line",
        )
        .await?;
        self.reassembly = Reassembly::Reading;
        Ok(())
    }
}

#[async_trait]
impl ImportSession for PostgresImportSession {
    fn import_id(&self) -> ImportId {
        self.import_id
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), sales = sales.len()))]
    async fn stage_sales(&mut self, sales: &[Sale]) -> Result<(), StoreError> {
        if sales.is_empty() {
            return Ok(());
        }
        for sale in sales {
            let id = sale.sale_id().get();
            if self.reassembly == Reassembly::NotStarted {
                self.staged_ids.note(id);
            } else {
                self.staged_ids.widen(id);
            }
        }
        let numbers = self.take_order_numbers(sales).await?;
        // Full buffers travel while these sales are encoded.
        let limit = self.reach.reply_timeout;
        let full = self.full.take();
        // The transaction alone (not `self.txn()`): the pending buffers are borrowed beside it.
        let txn = open(&mut self.txn)?;
        let sending = async {
            match full {
                Some(buffers) => send_staged(txn, limit, buffers).await,
                None => Ok((0, 0)),
            }
        };
        let (sent, encoded) = tokio::join!(
            sending,
            encode_sales(&mut self.pending, sales, numbers.as_deref())
        );
        let (lines, staged_sales) = sent?;
        encoded?;
        self.counts.lines += lines;
        self.counts.sales += staged_sales;
        if self.pending.is_full() {
            self.full = Some(std::mem::take(&mut self.pending));
        }
        Ok(())
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), lines = lines.len()))]
    async fn stage_loose_lines(&mut self, lines: &[SaleLine]) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut rows = Vec::new();
        LINES.encode(
            &mut rows,
            lines
                .iter()
                .map(|line| ([Cell::Null, Cell::Null, Cell::Null], line)),
        )?;
        self.copy(&LINES.copy_statement_into(LOOSE_LINES), rows)
            .await?;
        Ok(())
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), sales = sales.len()))]
    async fn reject_sales(&mut self, sales: &[SaleId]) -> Result<(), StoreError> {
        if sales.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = sales.iter().map(|id| id.get()).collect();
        let statement = REJECT_SALES.with([ids.into()]);
        let limit = self.reach.reply_timeout;
        let txn = self.txn()?;
        let added = within(limit, async {
            on_sqlx(&statement)
                .execute(&mut **txn)
                .await
                .map_err(sqlx_error)
        })
        .await?;
        self.counts.rejected_sales += added.rows_affected();
        self.rejections_applied = false;
        Ok(())
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), max))]
    async fn take_unassembled(&mut self, max: usize) -> Result<Vec<SaleLine>, StoreError> {
        match self.reassembly {
            Reassembly::Done => return Ok(Vec::new()),
            Reassembly::NotStarted => self.start_reassembly().await?,
            Reassembly::Reading => {}
        }
        let rows = self
            .rows(&format!(
                "FETCH FORWARD {} FROM zinc_reassembly",
                max.max(1)
            ))
            .await?;
        if rows.is_empty() {
            self.run("CLOSE zinc_reassembly").await?;
            self.reassembly = Reassembly::Done;
        }
        rows.iter().map(staged::line_from_row).collect()
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get()))]
    async fn staged(&mut self) -> Result<StagedCounts, StoreError> {
        self.apply_rejections().await?;
        Ok(self.counts)
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get()))]
    async fn write(&mut self, progress: &WriteProgress) -> Result<WriteOutcome, StoreError> {
        self.apply_rejections().await?;
        let import_id = self.import_id.get();
        let lines = LINES.name;
        let order_columns = ORDERS.column_list("");
        let updates: Vec<String> = ORDERS
            .columns
            .iter()
            .filter(|column| column.name != "sale_id")
            .map(|column| format!("{0} = c.{0}", column.name))
            .collect();
        // Lock first: what "changed" means depends on the orders stored when writing, and with
        // the lock held no other import writes orders until this one ends.
        self.run(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))
            .await?;
        let changes = self.find_changes().await?;
        let changed = match changes {
            Changes::AllNew => self.counts.sales,
            Changes::Compared { changed } => changed,
        };
        progress.step_done(WriteStep::Compare);
        // The lines of the changed sales: every staged line when every sale changed (a first
        // import), which spares the join.
        let changed_lines = if changed == self.counts.sales {
            format!("{lines} l")
        } else {
            format!("{lines} l JOIN zinc_changed c ON c.sale_id = l.sale_id")
        };
        self.run(&history::keep_products(import_id, &changed_lines))
            .await?;
        // Each product's most recent line ranks highest (PriceRank: a sale before a refund,
        // then the later date, the higher Sale ID, the later line), as an array compared
        // element by element, so a hash aggregate finds it without sorting the lines.
        let products = self
            .rows(&format!(
                "WITH best AS (
                   SELECT l.product AS name,
                     max(ARRAY[(l.quantity >= 0)::int, l.date - DATE '2000-01-01', l.sale_id,
                               l.line, l.unit_price]::numeric[]) AS rank
                   FROM {changed_lines} GROUP BY l.product),
                 candidates AS (
                   SELECT name, rank[5] AS price, rank[3]::bigint AS price_sale_id,
                     DATE '2000-01-01' + rank[2]::integer AS price_sale_date,
                     rank[1] = 0 AS price_from_refund
                   FROM best),
                 written AS (
                   INSERT INTO products AS p (name, price, price_sale_id, price_sale_date, price_from_refund, import_id)
                   SELECT *, {import_id} FROM candidates
                   ON CONFLICT (name) DO UPDATE SET
                     price = EXCLUDED.price, price_sale_id = EXCLUDED.price_sale_id,
                     price_sale_date = EXCLUDED.price_sale_date,
                     price_from_refund = EXCLUDED.price_from_refund,
                     import_id = EXCLUDED.import_id, updated_at = now()
                   WHERE (NOT EXCLUDED.price_from_refund, EXCLUDED.price_sale_date, EXCLUDED.price_sale_id)
                         >= (NOT p.price_from_refund, p.price_sale_date, p.price_sale_id)
                     AND (EXCLUDED.price, EXCLUDED.price_sale_id, EXCLUDED.price_sale_date, EXCLUDED.price_from_refund)
                         IS DISTINCT FROM (p.price, p.price_sale_id, p.price_sale_date, p.price_from_refund)
                   RETURNING (xmax = 0) AS created)
                 SELECT count(*) FILTER (WHERE created) AS created,
                   count(*) FILTER (WHERE NOT created) AS updated
                 FROM written"
            ))
            .await?;
        let products = products
            .first()
            .map(|row| -> Result<ProductChanges, StoreError> {
                Ok(ProductChanges {
                    created: count(row, "created")?,
                    updated: count(row, "updated")?,
                })
            })
            .transpose()?
            .unwrap_or_default();
        self.written
            .add("products", products.created + products.updated);
        self.run(&history::note_products(import_id)).await?;
        progress.step_done(WriteStep::Products);
        self.run(&history::keep_orders(import_id)).await?;
        // New sales are inserted plainly (the unique key on sale_id still refuses a duplicate
        // should anything bypass the lock); changed ones are updated in place, items replaced.
        let created = self
            .run(&format!(
                "INSERT INTO orders (id, {order_columns}, import_id)
                 SELECT order_id, {order_columns}, {import_id} FROM zinc_changed WHERE created"
            ))
            .await?;
        // With every sale new, `zinc_changed` says none is stored: this finds nothing at once.
        let updated = self
            .run(&format!(
                "UPDATE orders o SET {updates}, import_id = {import_id}, updated_at = now()
                 FROM zinc_changed c WHERE o.id = c.order_id AND NOT c.created",
                updates = updates.join(", ")
            ))
            .await?;
        self.written.add("orders", created + updated);
        let mut replaced = Vec::new();
        if updated > 0 {
            let deleted = self
                .run(
                    "DELETE FROM order_items i USING zinc_changed c
                     WHERE i.order_id = c.order_id AND NOT c.created",
                )
                .await?;
            self.written.add("order_items", deleted);
            let rows = self
                .rows(&format!(
                    "SELECT sale_id FROM zinc_changed WHERE NOT created \
                     ORDER BY sale_id LIMIT {REPLACED_SALES_LISTED}"
                ))
                .await?;
            for row in &rows {
                let id: i64 = get(row, "sale_id")?;
                replaced
                    .push(SaleId::new(id).map_err(|e| Inconsistency::breaks_rule("sale_id", e))?);
            }
        }
        progress.step_done(WriteStep::Orders);
        // A product missing here would leave product_id NULL, which order_items refuses. With
        // every sale new, each line has its order's number already: no join of every line.
        let (number, numbered_lines) = match changes {
            Changes::AllNew => ("l.order_id", format!("{lines} l")),
            Changes::Compared { .. } => (
                "c.order_id",
                format!("{lines} l JOIN zinc_changed c ON c.sale_id = l.sale_id"),
            ),
        };
        let items = self
            .run(&format!(
                "INSERT INTO order_items (order_id, product_id, position, {items})
                 SELECT {number}, p.id, l.position, {line_items}
                 FROM {numbered_lines} LEFT JOIN products p ON p.name = l.product",
                items = item_column_list(""),
                line_items = item_column_list("l."),
            ))
            .await?;
        self.written.add("order_items", items);
        progress.step_done(WriteStep::Items);
        // The sums of every day (and location) whose orders changed, old day and new.
        self.run(&rollups::touch_changed_days()).await?;
        self.run(rollups::ANALYZE_TOUCHED_DAYS).await?;
        for (table, sql) in rollups::refresh_touched(&changed_lines) {
            let rows = self.run(&sql).await?;
            self.written.add(table, rows);
        }
        progress.step_done(WriteStep::Rollups);
        let staged = self.counts.sales;
        Ok(WriteOutcome {
            products,
            orders: OrderChanges {
                created,
                updated,
                unchanged: staged.saturating_sub(created + updated),
            },
            replaced,
        })
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), rows = report.counts.rows_total))]
    async fn commit(
        &mut self,
        report: &ImportReport,
        rejected: &RejectedLines,
    ) -> Result<(), StoreError> {
        let limit = self.reach.reply_timeout;
        let finish = imports::finish(report, rejected)?;
        let txn = self
            .txn
            .take()
            .ok_or_else(|| StoreError::Failed("the import was already finished".into()))?;
        within(limit, record_and_commit(txn, &finish, report.id, rejected)).await?;
        if let Some(replication) = &self.replication {
            replication.note_primary_position().await;
        }
        self.written.refresh_statistics(&self.reach).await;
        Ok(())
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get()))]
    async fn abandon(&mut self) -> Result<(), StoreError> {
        if let Some(txn) = self.txn.take() {
            within(self.reach.reply_timeout, async {
                txn.rollback().await.map_err(sqlx_error)
            })
            .await?;
        }
        Ok(())
    }

    #[instrument(skip_all, fields(import_id = self.import_id.get(), rows = report.counts.rows_total))]
    async fn reject(
        &mut self,
        report: &ImportReport,
        rejected: &RejectedLines,
    ) -> Result<(), StoreError> {
        if let Some(txn) = self.txn.take() {
            within(self.reach.reply_timeout, async {
                txn.rollback().await.map_err(sqlx_error)
            })
            .await?;
        }
        let record = imports::insert(report, rejected)?;
        let pool = self.reach.db.get_postgres_connection_pool();
        // The record and its reject file, in a transaction of their own.
        within(self.reach.reply_timeout, async {
            let txn = pool.begin().await.map_err(sqlx_error)?;
            record_and_commit(txn, &record, report.id, rejected).await
        })
        .await
    }
}

/// Writes an import's record (`record`) and its reject file in `txn`, and commits.
async fn record_and_commit(
    mut txn: Transaction<'static, Postgres>,
    record: &Statement,
    import_id: ImportId,
    rejected: &RejectedLines,
) -> Result<(), StoreError> {
    on_sqlx(record)
        .execute(&mut *txn)
        .await
        .map_err(sqlx_error)?;
    keep_rejected_lines(&mut txn, import_id, rejected).await?;
    txn.commit().await.map_err(sqlx_error)
}

/// Records the lines of an import's reject file (in the transaction recording the import).
async fn keep_rejected_lines(
    txn: &mut Transaction<'static, Postgres>,
    import_id: ImportId,
    rejected: &RejectedLines,
) -> Result<(), StoreError> {
    if rejected.lines().is_empty() {
        return Ok(());
    }
    let lines = rejected.lines();
    let numbers: Vec<i64> = lines.iter().map(|l| l.line as i64).collect();
    let reasons: Vec<String> = lines.iter().map(|l| l.reason.clone()).collect();
    let raws: Vec<Vec<u8>> = lines.iter().map(|l| l.raw.clone()).collect();
    let statement = KEEP_REJECTED_LINES.with([
        import_id.get().into(),
        numbers.into(),
        reasons.into(),
        raws.into(),
    ]);
    on_sqlx(&statement)
        .execute(&mut **txn)
        .await
        .map_err(sqlx_error)?;
    Ok(())
}

/// The import's transaction, while it is not finished.
fn open<'t>(
    txn: &'t mut Option<Transaction<'static, Postgres>>,
) -> Result<&'t mut Transaction<'static, Postgres>, StoreError> {
    txn.as_mut()
        .ok_or_else(|| StoreError::Failed("the import was already finished".into()))
}

/// Streams `rows` (encoded by [`staged`], not yet ended) into a staged table with one COPY.
async fn copy_in(
    txn: &mut Transaction<'static, Postgres>,
    limit: Duration,
    statement: &str,
    rows: Vec<u8>,
) -> Result<u64, StoreError> {
    let started = Instant::now();
    let copied = within(limit, async {
        let mut copy = txn.copy_in_raw(statement).await.map_err(sqlx_error)?;
        copy.send(staged::ended(rows)).await.map_err(sqlx_error)?;
        copy.finish().await.map_err(sqlx_error)
    })
    .await;
    timed(started, statement);
    copied
}

/// Sends encoded lines, then orders; answers how many of each the server took.
async fn send_staged(
    txn: &mut Transaction<'static, Postgres>,
    limit: Duration,
    buffers: Pending,
) -> Result<(u64, u64), StoreError> {
    let mut counts = (0, 0);
    if !buffers.lines.is_empty() {
        counts.0 = copy_in(txn, limit, &LINES.copy_statement(), buffers.lines).await?;
    }
    if !buffers.orders.is_empty() {
        counts.1 = copy_in(txn, limit, &ORDERS.copy_statement(), buffers.orders).await?;
    }
    Ok(counts)
}

/// How many sales are encoded between two chances for a COPY in flight to move on.
const ENCODED_PER_TURN: usize = 256;

/// Appends the rows of `sales` to the pending buffers, yielding now and then so that a COPY
/// sent alongside keeps the server busy.
/// Each sale goes with its order number, from `numbers` in turn, or none.
async fn encode_sales(
    pending: &mut Pending,
    sales: &[Sale],
    numbers: Option<&[i64]>,
) -> Result<(), StoreError> {
    let numbers: Vec<Cell<'static>> = match numbers {
        Some(numbers) if numbers.len() == sales.len() => {
            numbers.iter().map(|&number| Cell::Int(number)).collect()
        }
        Some(numbers) => {
            return Err(Inconsistency::unexpected(format!(
                "{} order numbers taken for {} sales",
                numbers.len(),
                sales.len()
            )));
        }
        None => sales.iter().map(|_| Cell::Null).collect(),
    };
    for (chunk, numbers) in sales
        .chunks(ENCODED_PER_TURN)
        .zip(numbers.chunks(ENCODED_PER_TURN))
    {
        LINES.encode(
            &mut pending.lines,
            chunk.iter().zip(numbers).flat_map(|(sale, number)| {
                let lines = sale.lines();
                lines
                    .iter()
                    .zip(first_of_their_product(lines))
                    .enumerate()
                    .map(move |(index, (line, first))| {
                        (
                            [*number, Cell::Int(index as i64 + 1), Cell::Bool(first)],
                            line,
                        )
                    })
            }),
        )?;
        ORDERS.encode(
            &mut pending.orders,
            chunk
                .iter()
                .zip(numbers)
                .map(|(sale, number)| ([*number], sale)),
        )?;
        tokio::task::yield_now().await;
    }
    Ok(())
}

/// For each line of a sale, whether it is the first with its product: the line that counts the
/// sale once among the product's orders in the rollups.
fn first_of_their_product(lines: &[SaleLine]) -> Vec<bool> {
    first_of_their_key(lines, |line| line.product.as_str())
}

/// For each item, whether no earlier item has its key.
fn first_of_their_key<'a, T, K: Eq + std::hash::Hash>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> Vec<bool> {
    // A sale has a handful of lines; a set only pays for a long one.
    const SCANNED: usize = 16;
    if items.len() <= SCANNED {
        (0..items.len())
            .map(|i| {
                !items[..i]
                    .iter()
                    .any(|earlier| key(earlier) == key(&items[i]))
            })
            .collect()
    } else {
        let mut seen = std::collections::HashSet::new();
        items.iter().map(|item| seen.insert(key(item))).collect()
    }
}

/// Logs how long a set-based statement took, at debug level (`RUST_LOG=zinc_postgres=debug`).
fn timed(started: Instant, sql: &str) {
    let statement: String = sql.split_whitespace().take(8).collect::<Vec<_>>().join(" ");
    debug!(
        seconds = started.elapsed().as_secs_f64(),
        statement, "import statement"
    );
}

fn count(row: &QueryResult, column: &str) -> Result<u64, StoreError> {
    get::<i64>(row, column).map(|n| n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sale_ids_in_one_direction_are_all_distinct_and_a_turn_may_repeat_one() {
        let ids = |list: &[i64]| {
            let mut staged = StagedIds::default();
            list.iter().for_each(|&id| staged.note(id));
            staged.all_distinct()
        };
        assert!(ids(&[]));
        assert!(ids(&[3, 5, 9]));
        assert!(ids(&[9, 5, 3]));
        assert!(!ids(&[3, 5, 3]));
        assert!(!ids(&[5, 5]));
        assert!(!ids(&[3, 9, 5]));
    }

    #[test]
    fn the_staged_range_spans_every_sale_id_noted_or_reassembled() {
        let mut staged = StagedIds::default();
        assert_eq!(staged.range, None);
        staged.note(7);
        staged.note(9);
        assert_eq!(staged.range, Some((7, 9)));
        // A sale staged once reassembled, below the others, widens it without breaking order.
        staged.widen(3);
        assert_eq!(staged.range, Some((3, 9)));
        assert!(staged.all_distinct());
    }

    #[test]
    fn only_the_first_item_of_each_key_is_first() {
        let short = ["a", "b", "a", "c", "b"];
        assert_eq!(
            first_of_their_key(&short, |k| *k),
            [true, true, false, true, false]
        );
        // Past the scanned length, through a set, with the same answer.
        let long: Vec<u32> = (0..40).map(|i| i % 7).collect();
        let expected: Vec<bool> = (0..40).map(|i| i < 7).collect();
        assert_eq!(first_of_their_key(&long, |k| *k), expected);
    }
}
