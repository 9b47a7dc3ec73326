//! The import use case: a point-of-sale export in, products, orders and items out.

use std::io::{self, Read};
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures_util::future::join;
use thiserror::Error;
use tracing::{error, info, instrument};
use zinc_domain::{
    HeaderError, ImportCounts, ImportMode, ImportReport, ImportStatus, InputProblem, KeyName,
    LatestPrices, ProblemLog, RowError, Sale, SaleGrouper, SaleId, SaleLine, SalesCsvReader,
    latest_sale_date,
};
use zinc_ports::{
    ImportSession, ImportStart, OrderChanges, ProductChanges, SalesLedger, StoreError,
};

use crate::HashingReader;

/// How many lines (or sales) travel to the store in one call.
const DEFAULT_BATCH_SIZE: usize = 5_000;

/// One file to import.
pub struct ImportRequest<R> {
    /// The name to record (as the user knows the file).
    pub file_name: String,
    /// The file's bytes.
    pub source: R,
    /// Strict (any invalid row rejects the file) or skip-invalid.
    pub mode: ImportMode,
    /// The API key that asked for the import, recorded with it.
    pub requested_by: Option<KeyName>,
}

/// Why an import could not be carried out at all. A file with invalid rows is not an error:
/// it gives a report with status [`ImportStatus::Rejected`].
#[derive(Debug, Error)]
pub enum ImportError {
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The source could not be read; nothing was written.
    #[error("cannot read the file")]
    Unreadable(#[from] io::Error),
}

/// The steps of an import, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPhase {
    /// Reading and validating rows.
    Reading,
    /// Checking sales and writing products, orders and items.
    Writing,
}

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// The current step.
    pub phase: ImportPhase,
    /// Bytes of the file read so far.
    pub bytes_read: u64,
    /// Data rows read so far.
    pub rows_read: u64,
    /// Sales checked or written so far in the current step.
    pub sales_done: u64,
}

/// Receives progress while an import runs (a progress bar, a log line).
pub trait ImportObserver: Send + Sync {
    /// Called after each batch.
    fn progress(&self, progress: ImportProgress);
}

/// An observer that ignores progress.
pub struct NoProgress;

impl ImportObserver for NoProgress {
    fn progress(&self, _: ImportProgress) {}
}

/// Imports point-of-sale exports through a [`SalesLedger`].
///
/// The file is read once, in constant memory: valid lines are staged in the store as they are
/// read, then read back once, sorted by sale, to check each sale's lines against each other
/// and write the accepted sales batch by batch. Memory holds one batch and one price per
/// distinct product.
/// Every problem is reported (line, column, value, reason). In strict mode any problem rejects
/// the whole file and nothing is written; in skip-invalid mode a sale with any bad line is
/// rejected whole and every other sale is written.
pub struct ImportSales<L> {
    ledger: L,
    batch_size: usize,
    clock: fn() -> DateTime<Utc>,
}

impl<L: SalesLedger> ImportSales<L> {
    /// A use case writing through `ledger`, with the real clock.
    pub fn new(ledger: L) -> Self {
        ImportSales {
            ledger,
            batch_size: DEFAULT_BATCH_SIZE,
            clock: Utc::now,
        }
    }

    /// Replaces the clock (sale dates after "today" are refused).
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// Changes how many lines or sales go to the store per call (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Imports one file and returns its report, whether it succeeded or was rejected.
    #[instrument(skip_all, fields(file = %request.file_name, mode = request.mode.as_str(), import_id))]
    pub async fn import<R: Read + Send>(
        &self,
        request: ImportRequest<R>,
        observer: &dyn ImportObserver,
    ) -> Result<ImportReport, ImportError> {
        let outcome = self.run(request, observer).await;
        if let Err(error) = &outcome {
            // Inside the import's span: error trackers see the file and the import id.
            error!(
                error = error as &dyn std::error::Error,
                "import failed; nothing was written"
            );
        }
        outcome
    }

    async fn run<R: Read + Send>(
        &self,
        request: ImportRequest<R>,
        observer: &dyn ImportObserver,
    ) -> Result<ImportReport, ImportError> {
        let started_at = (self.clock)();
        let start = ImportStart {
            file_name: request.file_name.clone(),
            mode: request.mode,
            started_at,
            requested_by: request.requested_by.clone(),
        };
        let mut session = self.ledger.begin_import(&start).await?;
        tracing::Span::current().record("import_id", session.import_id().get());
        let mut source = HashingReader::new(request.source);
        let mut run = Run {
            session: session.as_mut(),
            batch_size: self.batch_size,
            observer,
            problems: ProblemLog::new(),
            counts: ImportCounts::default(),
        };
        let latest = latest_sale_date(started_at);
        let timer = Instant::now();
        let header_ok = run.stage_file(&mut source, latest).await?;
        info!(
            rows = run.counts.rows_total,
            seconds = timer.elapsed().as_secs_f64(),
            "rows read and staged"
        );
        let strict = request.mode == ImportMode::Strict;
        if header_ok {
            let timer = Instant::now();
            run.check_and_write(strict).await?;
            info!(
                sales = run.counts.sales_total,
                seconds = timer.elapsed().as_secs_f64(),
                "sales checked and written"
            );
        }
        let rejected = !header_ok || (strict && !run.problems.is_empty());
        let Run {
            mut problems,
            mut counts,
            ..
        } = run;
        problems.sort_by_line();
        let status = if rejected {
            counts.rows_imported = 0;
            ImportStatus::Rejected
        } else {
            ImportStatus::Succeeded
        };
        counts.rows_rejected = counts.rows_total - counts.rows_imported;
        let report = ImportReport {
            id: session.import_id(),
            file_name: request.file_name,
            sha256: source.finish()?,
            mode: request.mode,
            status,
            counts,
            problems,
            started_at,
            finished_at: (self.clock)(),
            requested_by: request.requested_by,
        };
        match status {
            ImportStatus::Succeeded => session.commit(&report).await?,
            ImportStatus::Rejected => session.reject(&report).await?,
        }
        if status == ImportStatus::Rejected {
            // The file's fault, not the service's: information, not a warning.
            info!(problems = report.problems.total(), "import rejected");
        } else {
            info!(
                rows = counts.rows_total,
                orders_created = counts.orders_created,
                orders_updated = counts.orders_updated,
                "import succeeded"
            );
        }
        Ok(report)
    }
}

/// The state of one import while it runs.
struct Run<'a> {
    session: &'a mut dyn ImportSession,
    batch_size: usize,
    observer: &'a dyn ImportObserver,
    problems: ProblemLog,
    counts: ImportCounts,
}

impl Run<'_> {
    /// Reads every row, staging the valid ones. False when the file is unusable: a bad header,
    /// or a row running on so long that reading stopped.
    async fn stage_file<R: Read + Send>(
        &mut self,
        source: &mut HashingReader<R>,
        latest: chrono::NaiveDate,
    ) -> Result<bool, ImportError> {
        let mut rows = match SalesCsvReader::new(&mut *source, latest) {
            Ok(rows) => rows,
            Err(error) => {
                let line = (error != HeaderError::Empty).then_some(1);
                self.problems
                    .push(InputProblem::file(line, error.to_string()));
                return Ok(false);
            }
        };
        // While the store writes one batch, the next is parsed: the two run on different cores.
        let batch_size = self.batch_size;
        let mut batch = read_batch(&mut rows, batch_size, &mut self.problems, &mut self.counts)?;
        loop {
            let session = &mut *self.session;
            if batch.last {
                stage_batch(session, &batch).await?;
                self.report(ImportPhase::Reading, rows.bytes_read(), 0);
                // A row that ran on stopped the reading: the file as a whole is refused.
                return Ok(!batch.stopped);
            }
            let problems = &mut self.problems;
            let counts = &mut self.counts;
            let (staged, next) = join(stage_batch(session, &batch), async {
                read_batch(&mut rows, batch_size, problems, counts)
            })
            .await;
            staged?;
            batch = next?;
            self.report(ImportPhase::Reading, rows.bytes_read(), 0);
        }
    }

    /// Reads the staged lines back sorted by sale, checks each sale and writes the valid ones,
    /// batch by batch. In strict mode writing stops at the first problem (the import will be
    /// rolled back) but checking goes on, so the report lists every problem.
    async fn check_and_write(&mut self, strict: bool) -> Result<(), ImportError> {
        let mut writing = !strict || self.problems.is_empty();
        let mut grouper = SaleGrouper::new();
        let mut to_save: Vec<Sale> = Vec::with_capacity(self.batch_size);
        let mut inconsistent: Vec<SaleId> = Vec::new();
        let mut valid_sales = 0;
        let mut written = 0;
        self.session.rewind().await?;
        loop {
            let batch = self.session.read_staged(self.batch_size).await?;
            let finished = batch.is_empty();
            let groups = if finished {
                grouper.finish().into_iter().collect()
            } else {
                grouper.push(batch)
            };
            // While the store writes one batch of sales, the next is assembled.
            let checked = if writing && to_save.len() >= self.batch_size {
                let session = &mut *self.session;
                let (saved, checked) = join(save(session, &to_save), async { check(groups) }).await;
                self.count_saved(saved?, &to_save);
                written += to_save.len() as u64;
                to_save.clear();
                self.report(ImportPhase::Writing, 0, written);
                checked
            } else {
                check(groups)
            };
            valid_sales += checked.sales.len() as u64;
            if !checked.problems.is_empty() {
                self.problems.extend(checked.problems);
                inconsistent.extend(checked.rejected);
                if strict {
                    writing = false;
                    to_save.clear();
                }
            }
            if writing {
                to_save.extend(checked.sales);
            }
            if finished {
                break;
            }
        }
        if writing && !to_save.is_empty() {
            let saved = save(self.session, &to_save).await?;
            self.count_saved(saved, &to_save);
            written += to_save.len() as u64;
            self.report(ImportPhase::Writing, 0, written);
        }
        for chunk in inconsistent.chunks(self.batch_size) {
            self.session.reject_sales(chunk).await?;
        }
        self.counts.sales_rejected = self.session.count_rejected_sales().await?;
        self.counts.sales_total = valid_sales + self.counts.sales_rejected;
        Ok(())
    }

    fn count_saved(&mut self, (changes, products): (OrderChanges, ProductChanges), sales: &[Sale]) {
        self.counts.products_created += products.created;
        self.counts.products_updated += products.updated;
        self.counts.orders_created += changes.created;
        self.counts.orders_updated += changes.updated;
        self.counts.orders_unchanged += changes.unchanged;
        self.counts.rows_imported += sales.iter().map(|s| s.lines().len() as u64).sum::<u64>();
    }

    fn report(&self, phase: ImportPhase, bytes_read: u64, sales_done: u64) {
        self.observer.progress(ImportProgress {
            phase,
            bytes_read,
            rows_read: self.counts.rows_total,
            sales_done,
        });
    }
}

/// One batch of rows read from the file.
struct ReadBatch {
    lines: Vec<SaleLine>,
    rejected: Vec<SaleId>,
    /// True when the file is exhausted.
    last: bool,
    /// Reading stopped at a row that ran on too long.
    stopped: bool,
}

/// Reads rows until a batch of valid lines (or of rejected sales) is full, or the file ends.
fn read_batch<R: Read>(
    rows: &mut SalesCsvReader<R>,
    batch_size: usize,
    problems: &mut ProblemLog,
    counts: &mut ImportCounts,
) -> Result<ReadBatch, ImportError> {
    let mut batch = ReadBatch {
        lines: Vec::with_capacity(batch_size),
        rejected: Vec::new(),
        last: false,
        stopped: false,
    };
    while batch.lines.len() < batch_size && batch.rejected.len() < batch_size {
        match rows.next() {
            Some(Ok(line)) => batch.lines.push(line),
            Some(Err(RowError::Invalid(invalid))) => {
                batch.rejected.extend(invalid.sale_id);
                problems.extend(invalid.problems);
            }
            Some(Err(error @ RowError::TooLong { line })) => {
                problems.push(InputProblem::file(Some(line), error.to_string()));
                batch.last = true;
                batch.stopped = true;
                return Ok(batch);
            }
            Some(Err(RowError::Unreadable(error))) => return Err(error.into()),
            None => {
                batch.last = true;
                return Ok(batch);
            }
        }
        counts.rows_total += 1;
    }
    Ok(batch)
}

async fn stage_batch(session: &mut dyn ImportSession, batch: &ReadBatch) -> Result<(), StoreError> {
    if !batch.lines.is_empty() {
        session.stage_lines(&batch.lines).await?;
    }
    if !batch.rejected.is_empty() {
        session.reject_sales(&batch.rejected).await?;
    }
    Ok(())
}

/// The outcome of checking a group of sales.
struct Checked {
    sales: Vec<Sale>,
    problems: Vec<InputProblem>,
    rejected: Vec<SaleId>,
}

/// Assembles each sale, keeping the valid ones and the problems of the others.
fn check(groups: Vec<Vec<SaleLine>>) -> Checked {
    let mut checked = Checked {
        sales: Vec::with_capacity(groups.len()),
        problems: Vec::new(),
        rejected: Vec::new(),
    };
    for lines in groups {
        let sale_id = lines[0].sale_id;
        match Sale::assemble(lines) {
            Ok(sale) => checked.sales.push(sale),
            Err(problems) => {
                checked.problems.extend(problems);
                checked.rejected.push(sale_id);
            }
        }
    }
    checked
}

/// Writes a batch of valid sales: their products (at the price of the batch's most recent
/// sale; the store keeps whichever is most recent overall), then the orders and items.
async fn save(
    session: &mut dyn ImportSession,
    sales: &[Sale],
) -> Result<(OrderChanges, ProductChanges), StoreError> {
    let mut prices = LatestPrices::new();
    for sale in sales {
        prices.observe(sale);
    }
    let products = session.save_products(&prices.into_sorted()).await?;
    let orders = session.save_sales(sales).await?;
    Ok((orders, products))
}
