//! The import use case: a point-of-sale export in, products, orders and items out.

use std::io::{self, Read};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures_util::future::join;
use thiserror::Error;
use tracing::{error, info, instrument};
use zinc_domain::{
    HeaderError, ImportCounts, ImportMode, ImportReport, ImportSource, ImportStatus, InputProblem,
    KeyName, ProblemLog, RowError, Sale, SaleGrouper, SaleId, SaleLine, SalesCsvReader,
    latest_sale_date,
};
use zinc_ports::{
    DataVersions, ImportSession, ImportStart, SalesLedger, StoreError, WriteOutcome, WriteProgress,
    WriteStep,
};

use crate::HashingReader;
use crate::rejects::{Rejects, RunText};

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
    /// Which door the file came through, recorded with it.
    pub via: ImportSource,
    /// Run every check and count what would change, then write and record nothing.
    pub dry_run: bool,
}

/// How much of a file an import reads at a time: [`ImportRequest`] sources are wrapped in a
/// buffer of this size where they are opened.
pub const READ_BUFFER_BYTES: usize = 256 * 1024;

impl<R> ImportRequest<R> {
    /// A request to write `source`, recorded as `file_name` coming through `via`, asked for by
    /// no key; set `requested_by` or `dry_run` on the result where they differ.
    pub fn new(
        file_name: impl Into<String>,
        source: R,
        mode: ImportMode,
        via: ImportSource,
    ) -> Self {
        ImportRequest {
            file_name: file_name.into(),
            source,
            mode,
            requested_by: None,
            via,
            dry_run: false,
        }
    }
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
    /// The current phase.
    pub phase: ImportPhase,
    /// Bytes of the file read so far (all of them once writing).
    pub bytes_read: u64,
    /// Data rows read so far.
    pub rows_read: u64,
    /// Sales to write (known once reading ends; 0 before).
    pub sales: u64,
    /// The writing step that just ended, if any.
    pub step: Option<WriteStep>,
    /// How much of the writing is done, in percent, estimated from the steps ended
    /// ([`WriteStep::done_percent`]).
    pub written_percent: u8,
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
/// The file is read once, in constant memory. The lines of a sale usually follow each other,
/// so each run of lines with one Sale ID is assembled into a [`Sale`] (checked by the domain)
/// as soon as it ends, and staged in the store with its order; the store never sends lines back
/// for that. The few sales whose lines are scattered over the file, or that do not assemble,
/// are handed back whole once the file is read, assembled again, and staged or reported. Then the
/// store writes everything in one go. Memory holds one batch and one run of lines.
///
/// Every problem is reported (line, column, value, reason). In strict mode any problem rejects
/// the whole file and nothing is written; in skip-invalid mode a sale with any bad line is
/// rejected whole and every other sale is written.
///
/// Either way the rejected lines are recorded verbatim with their reasons, as pgloader keeps a
/// reject file: the invalid rows and the other lines of the rejected sales that the reader
/// still had at hand: the lines of a run that ends after its sale was rejected, and the lines
/// of runs that did not assemble (set aside until their sale is decided), not those of a run
/// already sent to the store before a line further on rejected its sale. The reject file is
/// bounded ([`zinc_domain::RejectedLines`]); the report counts the rejected lines it lacks.
pub struct ImportSales<L> {
    ledger: L,
    batch_size: usize,
    clock: fn() -> DateTime<Utc>,
    versions: Option<Arc<dyn DataVersions>>,
}

impl<L: SalesLedger> ImportSales<L> {
    /// A use case writing through `ledger`, with the real clock.
    pub fn new(ledger: L) -> Self {
        ImportSales {
            ledger,
            batch_size: DEFAULT_BATCH_SIZE,
            clock: Utc::now,
            versions: None,
        }
    }

    /// Tells `versions` to forget the version it remembers whenever an import changes the
    /// data (it succeeded and was no dry run), so that this process's next read is tagged
    /// with the new version at once: a client reads its own writes.
    pub fn with_versions(mut self, versions: Arc<dyn DataVersions>) -> Self {
        self.versions = Some(versions);
        self
    }

    /// Replaces the clock (sale dates after "today" are refused).
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// Changes how many sales or lines go to the store per call (at least 1).
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
            source: request.via,
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
            rejects: Rejects::default(),
            bytes_read: 0,
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
        let mut replaced_sales = Vec::new();
        // How many rows were rejected in all, once the file is read to the end.
        let mut rejected_in_all = None;
        if header_ok {
            let timer = Instant::now();
            run.assemble_the_rest().await?;
            let staged = run.session.staged().await?;
            run.counts.sales_rejected = staged.rejected_sales;
            run.counts.sales_total = staged.sales + staged.rejected_sales;
            rejected_in_all = Some(run.counts.rows_total.saturating_sub(staged.lines));
            if !strict || run.problems.is_empty() {
                let start = ImportProgress {
                    phase: ImportPhase::Writing,
                    bytes_read: run.bytes_read,
                    rows_read: run.counts.rows_total,
                    sales: staged.sales,
                    step: None,
                    written_percent: 0,
                };
                observer.progress(start);
                let outcome = write_reporting(run.session, observer, start).await?;
                replaced_sales = outcome.replaced.clone();
                run.count_written(outcome, staged.lines);
            }
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
            rejects,
            ..
        } = run;
        let rejected_lines = rejects.finish(rejected_in_all);
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
            source: Some(request.via),
            dry_run: request.dry_run,
            replaced_sales,
            rejected_lines: rejected_lines.counts(),
            // An import of a file reverts nothing; nothing has reverted it yet.
            revert: zinc_domain::RevertLinks::default(),
        };
        match status {
            _ if request.dry_run => session.abandon().await?,
            ImportStatus::Succeeded => {
                session.commit(&report, &rejected_lines).await?;
                if let Some(versions) = &self.versions {
                    versions.forget();
                }
            }
            ImportStatus::Rejected => session.reject(&report, &rejected_lines).await?,
        }
        if request.dry_run {
            info!(
                status = status.as_str(),
                orders_created = counts.orders_created,
                orders_updated = counts.orders_updated,
                "dry run: nothing written"
            );
        } else if status == ImportStatus::Rejected {
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
    rejects: Rejects,
    /// Bytes of the file read.
    bytes_read: u64,
}

impl Run<'_> {
    /// Reads every row, staging sales as their runs of lines end. False when the file is
    /// unusable: a bad header, or a row running on so long that reading stopped.
    async fn stage_file<R: Read + Send>(
        &mut self,
        source: &mut HashingReader<R>,
        latest: chrono::NaiveDate,
    ) -> Result<bool, ImportError> {
        let mut rows = match SalesCsvReader::new(&mut *source, latest) {
            Ok(rows) => rows,
            // The reader failing says nothing of the file: no problem for its report.
            Err(HeaderError::Unreadable(error)) => return Err(ImportError::Unreadable(error)),
            Err(error) => {
                let line = (!matches!(error, HeaderError::Empty)).then_some(1);
                self.problems
                    .push(InputProblem::file(line, error.to_string()));
                return Ok(false);
            }
        };
        self.rejects = Rejects::new(rows.header_bytes());
        // Reading and staging run side by side, a few batches apart: while the store takes
        // one batch, the next ones are read and assembled (on two cores, client and server).
        let batch_size = self.batch_size;
        let observer = self.observer;
        let session = &mut *self.session;
        let problems = &mut self.problems;
        let counts = &mut self.counts;
        let rejects = &mut self.rejects;
        let bytes_read = &mut self.bytes_read;
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<ReadBatch>(BATCHES_IN_FLIGHT);
        let reading = async move {
            let mut runs = Runs::default();
            loop {
                let batch = read_batch(
                    &mut rows,
                    &mut runs,
                    batch_size,
                    Found {
                        problems: &mut *problems,
                        counts: &mut *counts,
                        rejects: &mut *rejects,
                    },
                )
                .await?;
                let (last, stopped) = (batch.last, batch.stopped);
                *bytes_read = rows.bytes_read();
                observer.progress(ImportProgress {
                    phase: ImportPhase::Reading,
                    bytes_read: *bytes_read,
                    rows_read: counts.rows_total,
                    sales: 0,
                    step: None,
                    written_percent: 0,
                });
                if sender.send(batch).await.is_err() {
                    // The store stopped taking batches: its error is the one to report.
                    return Ok(false);
                }
                if last {
                    // A row that ran on stopped the reading: the file as a whole is refused.
                    return Ok(!stopped);
                }
            }
        };
        let staging = async move {
            while let Some(batch) = receiver.recv().await {
                stage_batch(session, &batch).await?;
            }
            Ok::<(), StoreError>(())
        };
        let (read, staged) = join(reading, staging).await;
        staged?;
        read
    }

    /// Assembles, whole, the sales the store hands back (scattered over the file, or whose
    /// lines disagree): stages those that assemble, reports and rejects the others.
    async fn assemble_the_rest(&mut self) -> Result<(), ImportError> {
        let mut grouper = SaleGrouper::new();
        loop {
            let lines = self.session.take_unassembled(self.batch_size).await?;
            let finished = lines.is_empty();
            let groups: Vec<Vec<SaleLine>> = if finished {
                grouper.finish().into_iter().collect()
            } else {
                grouper.push(lines)
            };
            let checked = check(groups, &mut self.rejects);
            if !checked.sales.is_empty() {
                self.session.stage_sales(&checked.sales).await?;
            }
            if !checked.rejected.is_empty() {
                self.session.reject_sales(&checked.rejected).await?;
            }
            self.problems.extend(checked.problems);
            if finished {
                return Ok(());
            }
        }
    }

    fn count_written(&mut self, outcome: WriteOutcome, lines: u64) {
        self.counts.products_created = outcome.products.created;
        self.counts.products_updated = outcome.products.updated;
        self.counts.orders_created = outcome.orders.created;
        self.counts.orders_updated = outcome.orders.updated;
        self.counts.orders_unchanged = outcome.orders.unchanged;
        self.counts.rows_imported = lines;
    }
}

/// Writes what `session` staged, passing each step on to `observer` as it ends.
async fn write_reporting(
    session: &mut dyn ImportSession,
    observer: &dyn ImportObserver,
    start: ImportProgress,
) -> Result<WriteOutcome, StoreError> {
    let (steps, mut ended) = tokio::sync::mpsc::unbounded_channel();
    let progress = WriteProgress::new(move |step| {
        // The receiver lives until writing ends.
        let _ = steps.send(step);
    });
    let writing = async move {
        let outcome = session.write(&progress).await;
        drop(progress); // Ends the relay below.
        outcome
    };
    let relay = async {
        while let Some(step) = ended.recv().await {
            observer.progress(ImportProgress {
                step: Some(step),
                written_percent: step.done_percent(),
                ..start
            });
        }
    };
    join(writing, relay).await.0
}

/// Batches read ahead of the store at most (each holds up to a batch size of sales).
const BATCHES_IN_FLIGHT: usize = 2;

/// The longest run of lines assembled while reading; a longer sale is assembled at the end.
const MAX_RUN_LINES: usize = 10_000;

/// The run of lines being read: consecutive lines with one Sale ID, and their text (for the
/// reject file, should their sale be rejected).
#[derive(Default)]
struct Runs {
    current: Vec<SaleLine>,
    text: RunText,
    /// The current run outgrew [`MAX_RUN_LINES`]: its lines go to the store loose.
    overflowed: Option<SaleId>,
}

impl Runs {
    /// Adds the reader's current line, completing the previous run into `batch` when the Sale
    /// ID changes.
    fn push<R: Read>(
        &mut self,
        line: SaleLine,
        rows: &SalesCsvReader<R>,
        batch: &mut ReadBatch,
        rejects: &mut Rejects,
    ) {
        let sale_id = line.sale_id;
        if self.overflowed == Some(sale_id) {
            rejects.capture(&mut self.text, line.line, rows);
            rejects.end_run(sale_id, &mut self.text, true);
            batch.loose.push(line);
            return;
        }
        self.overflowed = None;
        if self
            .current
            .first()
            .is_some_and(|first| first.sale_id != sale_id)
        {
            self.finish(batch, rejects);
        }
        rejects.capture(&mut self.text, line.line, rows);
        self.current.push(line);
        if self.current.len() >= MAX_RUN_LINES {
            self.overflowed = Some(sale_id);
            rejects.end_run(sale_id, &mut self.text, true);
            batch.loose.append(&mut self.current);
        }
    }

    /// Completes the current run: a sale if it assembles, loose lines otherwise (their
    /// problems are found when the whole sale is assembled at the end).
    fn finish(&mut self, batch: &mut ReadBatch, rejects: &mut Rejects) {
        let Some(sale_id) = self.current.first().map(|line| line.sale_id) else {
            return;
        };
        let lines = std::mem::take(&mut self.current);
        match Sale::assemble(lines.clone()) {
            Ok(sale) => {
                rejects.end_run(sale_id, &mut self.text, false);
                batch.sales.push(sale);
            }
            Err(_) => {
                rejects.end_run(sale_id, &mut self.text, true);
                batch.loose.extend(lines);
            }
        }
    }
}

/// What reading finds besides sales: problems, counts, rejected lines.
struct Found<'a> {
    problems: &'a mut ProblemLog,
    counts: &'a mut ImportCounts,
    rejects: &'a mut Rejects,
}

/// One batch read from the file.
#[derive(Default)]
struct ReadBatch {
    sales: Vec<Sale>,
    loose: Vec<SaleLine>,
    rejected: Vec<SaleId>,
    /// True when the file is exhausted.
    last: bool,
    /// Reading stopped at a row that ran on too long.
    stopped: bool,
}

/// Rows read between two chances for the store's side to move on (sending, awaiting COPY).
const ROWS_PER_TURN: u64 = 256;

/// Reads rows until a batch of sales, loose lines or rejected sales is full, or the file ends.
/// Yields every [`ROWS_PER_TURN`] rows, so that the previous batch travels to the store while
/// this one is read.
async fn read_batch<R: Read>(
    rows: &mut SalesCsvReader<R>,
    runs: &mut Runs,
    batch_size: usize,
    found: Found<'_>,
) -> Result<ReadBatch, ImportError> {
    let Found {
        problems,
        counts,
        rejects,
    } = found;
    let mut batch = ReadBatch::default();
    while batch.sales.len() < batch_size
        && batch.loose.len() < batch_size
        && batch.rejected.len() < batch_size
    {
        match rows.next() {
            Some(Ok(line)) => runs.push(line, rows, &mut batch, rejects),
            Some(Err(RowError::Invalid(invalid))) => {
                rejects.invalid_row(&invalid, rows);
                batch.rejected.extend(invalid.sale_id);
                problems.extend(invalid.problems);
            }
            Some(Err(error @ RowError::TooLong { line })) => {
                problems.push(InputProblem::file(Some(line), error.to_string()));
                runs.finish(&mut batch, rejects);
                batch.last = true;
                batch.stopped = true;
                return Ok(batch);
            }
            Some(Err(RowError::Unreadable(error))) => return Err(error.into()),
            None => {
                runs.finish(&mut batch, rejects);
                batch.last = true;
                return Ok(batch);
            }
        }
        counts.rows_total += 1;
        if counts.rows_total.is_multiple_of(ROWS_PER_TURN) {
            tokio::task::yield_now().await;
        }
    }
    Ok(batch)
}

async fn stage_batch(session: &mut dyn ImportSession, batch: &ReadBatch) -> Result<(), StoreError> {
    if !batch.sales.is_empty() {
        session.stage_sales(&batch.sales).await?;
    }
    if !batch.loose.is_empty() {
        session.stage_loose_lines(&batch.loose).await?;
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

/// Assembles each sale, staging the valid ones and the problems of the others (and their lines
/// in the reject file).
fn check(groups: Vec<Vec<SaleLine>>, rejects: &mut Rejects) -> Checked {
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
                rejects.sale_failed(sale_id, &problems);
                checked.problems.extend(problems);
                checked.rejected.push(sale_id);
            }
        }
    }
    checked
}
