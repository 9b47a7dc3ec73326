//! `POST /api/v1/imports` (multipart or raw CSV), `GET /api/v1/imports[/{id}]`, and an
//! import's reject file, `GET /api/v1/imports/{id}/rejected.csv`.
//!
//! The upload is spooled to a temporary file (bounded memory, size limit enforced while
//! receiving), then handed to the same import use case as the CLI. The import runs on the
//! service's runtime, not on the HTTP worker, and always finishes once started: a client that
//! disconnects does not leave a half-written import (it is one transaction anyway).

use std::cell::Cell;
use std::io::{BufReader, Seek, SeekFrom, Write};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_multipart::Multipart;
use actix_web::dev::ResourceDef;
use actix_web::error::PayloadError;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use futures_util::{Stream, StreamExt};
use zinc_application::{
    Access, ImportRequest, ImportSales, NoProgress, READ_BUFFER_BYTES, RevertImport,
};
use zinc_domain::{ImportId, ImportMode, ImportReport, ImportSource, ImportStatus, KeyName};

use super::body::{ImportPage, ImportReportBody, RevertBody};
use super::params::{self, ImportQuery, PageQuery, RevertQuery};
use super::problem::{ApiError, MissingFile, ProblemDetails};
use super::state::{AppState, MinRate};

/// The largest upload accepted when `ZINC_MAX_UPLOAD_BYTES` is not set (64 MiB).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;
/// How long an upload may send nothing when `ZINC_UPLOAD_IDLE_TIMEOUT` is not set.
pub const DEFAULT_UPLOAD_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The slowest an upload may arrive when `ZINC_UPLOAD_MIN_RATE` and
/// `ZINC_UPLOAD_MIN_RATE_GRACE` are not set: 1 KiB/s after its first 10 s.
pub const DEFAULT_UPLOAD_MIN_RATE: MinRate = MinRate {
    grace: Duration::from_secs(10),
    bytes_per_second: 1024,
};
/// Uploads received or imported at once when `ZINC_MAX_CONCURRENT_UPLOADS` is not set.
pub const DEFAULT_MAX_CONCURRENT_UPLOADS: usize = 4;

/// The file name recorded for a raw body when none is given.
const DEFAULT_FILE_NAME: &str = "upload.csv";
/// The longest head a part of a form may have (its boundary line and headers; a browser's is
/// about 150 bytes). A longer one may be refused (400), and one of twice this always is.
pub const MAX_PART_HEAD_BYTES: u64 = 8 * 1024;
/// The most bytes of a form handed to the multipart parser at once, so that it looks for the
/// end of a part's head at least this often (and holds at most this much beyond it).
const FORM_SLICE_BYTES: usize = 4 * 1024;

// Documentation only: the form is read as a stream, its other fields skipped.
/// An upload as a form.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct UploadForm {
    /// The export (other fields are ignored).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A received upload, spooled to disk.
struct Upload {
    file_name: String,
    file: std::fs::File,
    bytes: u64,
}

/// Import a point-of-sale CSV export.
///
/// Strict by default: any invalid row rejects the file (422) and nothing is written. With
/// `skip_invalid=true` every valid sale is written and each rejected sale is reported.
/// Every attempt is recorded and can be fetched later.
///
/// A sale is identified by its Sale ID: a file carrying a different version of a stored sale
/// replaces the order and its items (`orders_updated`), and importing the same file again
/// changes nothing (`orders_unchanged`). Refund lines (negative quantities and amounts) are
/// imported as they are. An empty file or a header without the export's columns is a 400.
#[utoipa::path(
    tag = "imports",
    params(ImportQuery),
    request_body(
        description = "The export, as a multipart form field `file` or as the raw body.",
        content(
            (UploadForm = "multipart/form-data"),
            (String = "text/csv"),
        ),
    ),
    responses(
        (status = 200, description = "Dry run (`dry_run=true`): what the import would change, whether it would succeed or be rejected; nothing written or recorded", body = ImportReportBody),
        (status = 201, description = "Imported (in skip-invalid mode, possibly with rejected sales listed)", body = ImportReportBody),
        (status = 400, description = "No file, an empty file, a bad header, a bad parameter, or a form part whose head (boundary line and headers) is over 8 KiB", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 408, description = "The upload sent nothing for ZINC_UPLOAD_IDLE_TIMEOUT seconds, arrived slower than ZINC_UPLOAD_MIN_RATE bytes/s after its grace period, or took longer than ZINC_UPLOAD_TIMEOUT", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent change got in the way (a lock wait timed out, a deadlock): try again", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Larger than ZINC_MAX_UPLOAD_BYTES (the whole body: for a form, every part's head and data, empty parts included)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Neither multipart/form-data nor text/csv", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Strict import with invalid rows: nothing written; `errors` lists every problem and `import` the recorded report", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "ZINC_MAX_CONCURRENT_UPLOADS uploads are being received or imported already (or this address presented too many invalid API keys)", body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
        (status = 503, description = "Database unavailable", body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[post("/api/v1/imports")]
pub async fn create_import(
    state: web::Data<AppState>,
    query: web::Query<ImportQuery>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mode = import_mode(&query)?;
    let dry_run = params::flag("dry_run", query.dry_run.as_deref())?;
    let requested_by = request
        .extensions()
        .get::<Access>()
        .and_then(Access::key_name)
        .cloned();
    let raw_name = raw_file_name(&query)?;
    let report = receive_and_import(
        &state,
        &request,
        payload,
        raw_name,
        UploadOptions {
            mode,
            dry_run,
            requested_by,
        },
    )
    .await?;
    respond(report)
}

/// How to import an upload, and for whom.
pub(crate) struct UploadOptions {
    /// Strict or skip-invalid.
    pub mode: ImportMode,
    /// Check only, write nothing.
    pub dry_run: bool,
    /// The key that asked for it.
    pub requested_by: Option<KeyName>,
}

/// Receives an upload (multipart field `file`, or a raw CSV body named `raw_name`) within the
/// size and time limits, holding an upload place, then imports it: the API's import and the
/// dashboard's upload form both come through here.
pub(crate) async fn receive_and_import(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
    raw_name: String,
    options: UploadOptions,
) -> Result<ImportReport, ApiError> {
    // Held until the import ends: receiving and importing both count.
    let _slot = state.upload_slots.take()?;
    let limit = state.max_upload_bytes;
    let idle = state.upload_idle_timeout;
    if declared_length(request).is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let received = Rc::new(Cell::new(0u64));
    let payload = Counted {
        body: payload,
        received: received.clone(),
    };
    let receiving = async {
        match UploadFormat::of(request)? {
            UploadFormat::Multipart => receive_multipart(request, payload, limit, idle).await,
            UploadFormat::Csv => {
                let chunks = payload.map(|chunk| chunk.map_err(unreadable));
                receive(raw_name, chunks, limit, idle).await
            }
        }
    };
    let deadline = state.upload_timeout;
    let upload = tokio::select! {
        upload = tokio::time::timeout(deadline, receiving) => upload.map_err(|_| {
            ApiError::UploadTooSlow {
                seconds: deadline.as_secs(),
            }
        })??,
        () = falls_behind(state.upload_min_rate, &received) => {
            return Err(ApiError::UploadBelowMinRate {
                bytes_per_second: state.upload_min_rate.bytes_per_second,
                grace_seconds: state.upload_min_rate.grace.as_secs(),
            });
        }
    };
    run_import(
        state,
        upload,
        options.mode,
        options.requested_by,
        options.dry_run,
    )
    .await
}

/// Resolves once an upload that has `received` bytes so far falls behind `rate`.
async fn falls_behind(rate: MinRate, received: &Cell<u64>) {
    let start = tokio::time::Instant::now();
    loop {
        let due = rate.deadline(start, received.get());
        if tokio::time::Instant::now() >= due {
            return;
        }
        tokio::time::sleep_until(due).await;
    }
}

/// A body whose bytes are counted as they arrive.
struct Counted<S> {
    body: S,
    received: Rc<Cell<u64>>,
}

impl<S> Stream for Counted<S>
where
    S: Stream<Item = Result<web::Bytes, PayloadError>> + Unpin,
{
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = std::task::ready!(Pin::new(&mut self.body).poll_next(cx));
        if let Some(Ok(bytes)) = &item {
            let received = self.received.get().saturating_add(bytes.len() as u64);
            self.received.set(received);
        }
        Poll::Ready(item)
    }
}

fn import_mode(query: &ImportQuery) -> Result<ImportMode, ApiError> {
    Ok(
        if params::flag("skip_invalid", query.skip_invalid.as_deref())? {
            ImportMode::SkipInvalid
        } else {
            ImportMode::Strict
        },
    )
}

/// How the client sent the file.
enum UploadFormat {
    /// `multipart/form-data`, the file in the field `file`.
    Multipart,
    /// The raw CSV as the body.
    Csv,
}

impl UploadFormat {
    /// Content negotiation on the request's `Content-Type`.
    fn of(request: &HttpRequest) -> Result<UploadFormat, ApiError> {
        let media = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        // The media type itself, without its parameters (`; boundary=...`, `; charset=...`);
        // one that does not parse is refused below as unsupported.
        let parsed = request.mime_type().ok().flatten();
        let essence = parsed.as_ref().map_or("", |mime| mime.essence_str());
        let is = |accepted: &str| essence.eq_ignore_ascii_case(accepted);
        if is("multipart/form-data") {
            Ok(UploadFormat::Multipart)
        } else if is("text/csv")
            || is("application/csv")
            || is("text/plain")
            || is("application/octet-stream")
        {
            Ok(UploadFormat::Csv)
        } else if media.is_empty() {
            Err(ApiError::MissingFile(MissingFile::NoBody))
        } else {
            Err(ApiError::UnsupportedMediaType(media))
        }
    }
}

/// The file name recorded for a raw body: `?filename=`, or a default.
fn raw_file_name(query: &ImportQuery) -> Result<String, ApiError> {
    Ok(params::text("filename", query.filename.as_deref())?
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_FILE_NAME.to_owned()))
}

/// Imports a received upload with the same use case as the CLI, on the service's runtime (off
/// the HTTP worker, and to the end even if the client goes away), counting it for `/metrics`.
async fn run_import(
    state: &AppState,
    upload: Upload,
    mode: ImportMode,
    requested_by: Option<KeyName>,
    dry_run: bool,
) -> Result<ImportReport, ApiError> {
    if upload.bytes == 0 {
        return Err(ApiError::MissingFile(MissingFile::Empty {
            name: upload.file_name,
        }));
    }
    let Upload {
        file_name,
        mut file,
        ..
    } = upload;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| ApiError::internal("rewinding the upload", e))?;
    let monitoring = &state.monitoring;
    monitoring.import_started();
    let use_case = ImportSales::new(state.ledger.clone()).with_versions(state.versions.clone());
    let task = state.runtime.spawn(async move {
        use_case
            .import(
                ImportRequest {
                    requested_by,
                    dry_run,
                    ..ImportRequest::new(
                        file_name,
                        BufReader::with_capacity(READ_BUFFER_BYTES, file),
                        mode,
                        zinc_domain::ImportSource::Api,
                    )
                },
                &NoProgress,
            )
            .await
    });
    let outcome = match task.await {
        Ok(outcome) => outcome.map_err(ApiError::from),
        Err(error) => Err(ApiError::internal("running the import task", error)),
    };
    match &outcome {
        Ok(report) => monitoring.import_finished(report),
        Err(_) => monitoring.import_failed(),
    }
    outcome
}

/// The response for a finished import: 201 with the report, or the rejection's problem; for a
/// dry run of an export, 200 with the report whatever it found (the file was checked, as
/// asked). A body that is no export at all (empty, or no header) is a 400 either way.
fn respond(report: ImportReport) -> Result<HttpResponse, ApiError> {
    if report.dry_run && !report.refused_whole_file() {
        return Ok(HttpResponse::Ok().json(ImportReportBody::from_report(&report, true)));
    }
    match report.status {
        ImportStatus::Succeeded => Ok(HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                path_to::<__path_get_import>(&[&report.id.get().to_string()]),
            ))
            .json(ImportReportBody::from_report(&report, true))),
        ImportStatus::Rejected if report.refused_whole_file() => {
            Err(ApiError::FileRefused(Box::new(report)))
        }
        ImportStatus::Rejected => Err(ApiError::ImportRejected(Box::new(report))),
    }
}

/// The path of the route documented by `R` (a handler's `__path_*`, which reads the handler's
/// actix attribute) with its `{…}` segments filled by `values`, in order.
fn path_to<R: utoipa::Path>(values: &[&str]) -> String {
    let mut path = String::new();
    ResourceDef::new(R::path()).resource_path_from_iter(&mut path, values.iter());
    path
}

fn declared_length(request: &HttpRequest) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Why a form was refused while its bytes were read.
#[derive(Clone, Copy)]
enum FormRefusal {
    /// Its bytes in all (heads, boundaries and empty parts included) are over the limit.
    TooLarge,
    /// A part's head went on past [`MAX_PART_HEAD_BYTES`].
    HeadTooLong,
}

/// What a form has cost so far: every byte of its body, and the bytes read since the parser
/// last gave out a part or a piece of one (a part's head, while it is being read).
struct FormMeter {
    limit: u64,
    total: Cell<u64>,
    since_progress: Cell<u64>,
    refusal: Cell<Option<FormRefusal>>,
}

impl FormMeter {
    fn new(limit: u64) -> Rc<FormMeter> {
        Rc::new(FormMeter {
            limit,
            total: Cell::new(0),
            since_progress: Cell::new(0),
            refusal: Cell::new(None),
        })
    }

    /// Counts `bytes` more of the body; the refusal, when they are too many.
    fn count(&self, bytes: usize) -> Option<FormRefusal> {
        let bytes = bytes as u64;
        self.total.set(self.total.get().saturating_add(bytes));
        self.since_progress
            .set(self.since_progress.get().saturating_add(bytes));
        let refusal = if self.total.get() > self.limit {
            Some(FormRefusal::TooLarge)
        } else if self.since_progress.get() > MAX_PART_HEAD_BYTES + FORM_SLICE_BYTES as u64 {
            Some(FormRefusal::HeadTooLong)
        } else {
            None
        };
        if refusal.is_some() {
            self.refusal.set(refusal);
        }
        refusal
    }

    /// The parser gave out a part or a piece of one: what it reads next starts a new count.
    fn progress(&self) {
        self.since_progress.set(0);
    }

    /// The error for the parser's `error`: the meter's refusal if it cut the body short.
    fn error(&self, error: impl std::error::Error + 'static) -> ApiError {
        match self.refusal.get() {
            Some(FormRefusal::TooLarge) => ApiError::PayloadTooLarge { limit: self.limit },
            Some(FormRefusal::HeadTooLong) => ApiError::BadUpload(
                format!(
                    "a part of the form has a head (its boundary line and headers) longer than \
                     {MAX_PART_HEAD_BYTES} bytes"
                )
                .into(),
            ),
            None => unreadable(error),
        }
    }
}

/// A form's body as the multipart parser reads it: counted by a [`FormMeter`] and handed over
/// in slices of [`FORM_SLICE_BYTES`], one per poll, so that the parser (which otherwise buffers
/// all it can get while looking for the end of a part's head) looks at each slice in turn.
struct MeteredBody<S> {
    body: S,
    unread: web::Bytes,
    meter: Rc<FormMeter>,
    /// A slice was just handed over: let the parser look at it before the next one.
    handed_over: bool,
}

impl<S> Stream for MeteredBody<S>
where
    S: Stream<Item = Result<web::Bytes, PayloadError>> + Unpin,
{
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.meter.refusal.get().is_some() {
            return Poll::Ready(Some(Err(PayloadError::Overflow)));
        }
        if self.handed_over {
            self.handed_over = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if self.unread.is_empty() {
            match std::task::ready!(Pin::new(&mut self.body).poll_next(cx)) {
                Some(Ok(bytes)) => self.unread = bytes,
                other => return Poll::Ready(other),
            }
        }
        let length = self.unread.len().min(FORM_SLICE_BYTES);
        let slice = self.unread.split_to(length);
        if self.meter.count(length).is_some() {
            return Poll::Ready(Some(Err(PayloadError::Overflow)));
        }
        self.handed_over = true;
        Poll::Ready(Some(Ok(slice)))
    }
}

/// Receives the field `file` of a multipart form. Every byte of the form counts toward
/// `limit` (413): heads, boundaries, other fields and empty parts, not only the file; a part's
/// head may not go on past [`MAX_PART_HEAD_BYTES`] (400).
async fn receive_multipart<S>(
    request: &HttpRequest,
    payload: S,
    limit: u64,
    idle: Duration,
) -> Result<Upload, ApiError>
where
    S: Stream<Item = Result<web::Bytes, PayloadError>> + Unpin + 'static,
{
    let meter = FormMeter::new(limit);
    let body = MeteredBody {
        body: payload,
        unread: web::Bytes::new(),
        meter: meter.clone(),
        handed_over: false,
    };
    let mut form = Multipart::new(request.headers(), body);
    while let Some(field) = next_within(idle, &mut form).await? {
        let field = field.map_err(|e| meter.error(e))?;
        meter.progress();
        let is_file = field.name() == Some("file");
        let name = if is_file {
            params::text(
                "filename",
                field.content_disposition().and_then(|d| d.get_filename()),
            )?
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_FILE_NAME.to_owned())
        } else {
            String::new()
        };
        let chunks = field.map(|chunk| {
            meter.progress();
            chunk.map_err(|e| meter.error(e))
        });
        if is_file {
            return receive(name, chunks, limit, idle).await;
        }
        // Other fields are not ours: drain them (the meter counts their bytes).
        let mut chunks = chunks;
        while let Some(chunk) = next_within(idle, &mut chunks).await? {
            chunk?;
        }
    }
    Err(ApiError::MissingFile(MissingFile::NoFileField))
}

/// An upload's bytes that could not be read (400), with the reason as its source.
fn unreadable(error: impl std::error::Error + 'static) -> ApiError {
    ApiError::BadUpload(Box::new(error))
}

/// Spools `chunks` to a temporary file, refusing more than `limit` bytes.
async fn receive<S>(
    file_name: String,
    mut chunks: S,
    limit: u64,
    idle: Duration,
) -> Result<Upload, ApiError>
where
    S: Stream<Item = Result<web::Bytes, ApiError>> + Unpin,
{
    let mut file =
        tempfile::tempfile().map_err(|e| ApiError::internal("creating a temporary file", e))?;
    let mut bytes = 0u64;
    while let Some(chunk) = next_within(idle, &mut chunks).await? {
        let chunk = chunk?;
        bytes += chunk.len() as u64;
        if bytes > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        file.write_all(&chunk)
            .map_err(|e| ApiError::internal("spooling the upload", e))?;
    }
    Ok(Upload {
        file_name,
        file,
        bytes,
    })
}

/// The stream's next item, unless the client sends nothing for `idle`.
async fn next_within<S: Stream + Unpin>(
    idle: Duration,
    stream: &mut S,
) -> Result<Option<S::Item>, ApiError> {
    tokio::time::timeout(idle, stream.next())
        .await
        .map_err(|_| ApiError::UploadStalled {
            seconds: idle.as_secs(),
        })
}

/// List imports, newest first (problem lists omitted; fetch one import to see them).
///
/// Every finished attempt, succeeded or rejected, by start time (newest first); an import still
/// running is not listed yet. Each report has its counts and `errors_total`, but not the problems
/// themselves. A page of `limit` (50 by default) from `offset`, with `total` and `has_more`.
#[utoipa::path(
    tag = "imports",
    params(PageQuery),
    responses(
        (status = 200, body = ImportPage),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/imports")]
pub async fn list_imports(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = params::page(query.limit.as_deref(), query.offset.as_deref())?;
    let imports = state.history.list_imports(page).await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .json(ImportPage::from_page(&imports)))
}

/// One import with its full report.
///
/// The report of the finished import with this number, succeeded or rejected, with its problems
/// in line order (at most 10,000 kept; `errors_total` counts them all). A number no finished
/// import has (an import still running included) is a 404.
#[utoipa::path(
    tag = "imports",
    params(("id" = i64, Path, description = "The import's number", minimum = 1, example = 7)),
    responses(
        (status = 200, body = ImportReportBody),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = params::id("id", &id)?;
    let report = state
        .history
        .find_import(ImportId::new(id))
        .await?
        .ok_or(ApiError::NotFound { what: "import", id })?;
    Ok(HttpResponse::Ok().json(ImportReportBody::from_report(&report, true)))
}

/// Download an import's reject file: its rejected lines, verbatim, each with the reason.
///
/// As pgloader keeps a reject file: a CSV whose header is `Line,Reason,` followed by the
/// imported file's own header, then one record per rejected line in line order: the line number,
/// the reason (the line's problems, or `sale 3971 is rejected: line 14 has a problem` for the
/// other lines of a rejected sale) and the line exactly as it was in the file (bytes as sent,
/// quoted line breaks included; a cell a spreadsheet would run as a formula marked with `'`).
/// It imports as it is: the reader skips its `Line` and `Reason` columns, so imported unfixed
/// its rows are rejected again for the same reasons, and once its lines are fixed each
/// rejected sale comes back whole. Rows without a readable Sale ID are in it too.
/// At most 10,000 lines and 4 MiB of text are kept; the import's `rejected_lines.omitted`
/// counts the rejected lines missing, which include lines of a sale already read and passed on
/// before a later line rejected it. An import that rejected nothing gives the header alone; a
/// number no finished import has (an import still running included) is a 404.
#[utoipa::path(
    tag = "imports",
    params(("id" = i64, Path, description = "The import's number", minimum = 1, example = 7)),
    responses(
        (status = 200, description = "The reject file, as an attachment named after the imported file (`zinc-sales-rejected.csv`)", body = String, content_type = "text/csv",
            example = json!("Line,Reason,Sale Date,Client ID,Sale ID,Item name\n14,column Location: 'Gym' is not a known location (Online Store or Golf - experience),3/1/2025,100002649,3971,Water\n")),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/imports/{id}/rejected.csv")]
pub async fn get_rejected_lines(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = params::id("id", &id)?;
    reject_file_response(&state, id).await
}

/// The reject file of import `id` as a CSV attachment (the API's route and the dashboard's).
pub(crate) async fn reject_file_response(
    state: &AppState,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    let file = state
        .history
        .rejected_lines(ImportId::new(id))
        .await?
        .ok_or(ApiError::NotFound { what: "import", id })?;
    let mut csv = Vec::new();
    file.lines
        .write_csv(&mut csv)
        .map_err(|e| ApiError::internal("writing the reject file", e))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.download_name()),
        ))
        .body(csv))
}

/// Revert an import.
///
/// Puts back the sales and product prices the import replaced and removes what it created
/// (sales, and products nothing else uses), figures included, in one transaction; recorded
/// as an import of its own (`revert`), which can be reverted in turn. With `dry_run=true`,
/// says what would change. Refused (409) when a later import changed some of the same sales
/// (`conflicts` lists them with those imports: revert them first, newest first), when the
/// import was reverted already, was rejected, ran before versions were kept, or its versions
/// were pruned (`ZINC_REPLACED_KEEP_DAYS`).
#[utoipa::path(
    tag = "imports",
    params(("id" = i64, Path, description = "The import's number", minimum = 1, example = 7), RevertQuery),
    responses(
        (status = 200, description = "Dry run: what the revert would change; nothing changed", body = RevertBody),
        (status = 201, description = "Reverted", body = RevertBody),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Refused: later imports changed some of the same sales (`conflicts`), or the import was reverted already or cannot be", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[post("/api/v1/imports/{id}/revert")]
pub async fn revert_import(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<RevertQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = ImportId::new(params::id("id", &id)?);
    let dry_run = params::flag("dry_run", query.dry_run.as_deref())?;
    let use_case = RevertImport::new(state.reverts.clone()).with_versions(state.versions.clone());
    if dry_run {
        let plan = use_case.plan(id).await?;
        return Ok(HttpResponse::Ok().json(RevertBody::new(&plan, None)));
    }
    let requested_by = request
        .extensions()
        .get::<Access>()
        .and_then(Access::key_name)
        .cloned();
    let done = use_case.revert(id, requested_by, ImportSource::Api).await?;
    Ok(HttpResponse::Created().json(RevertBody::new(&done.plan, Some(done.revert))))
}
