//! The problem each documented error shows in the OpenAPI document, built by the code that
//! answers it (the parameter parsers, [`ApiError::problem`]), so that an example cannot drift
//! from what a client gets.

use chrono::{TimeZone, Utc};
use utoipa::openapi::path::{Operation, ParameterIn};
use zinc_application::Denied;
use zinc_domain::{
    ImportCounts, ImportId, ImportMode, ImportReport, ImportStatus, InputProblem, KeyName,
    KeyScope, Location, ProblemLog, RejectedLineCounts, SaleId,
};
use zinc_ports::{RevertError, SaleConflict, StoreError};

use super::auth_failures::FAILURE_REFILL;
use super::imports::{
    DEFAULT_MAX_CONCURRENT_UPLOADS, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_UPLOAD_IDLE_TIMEOUT,
};
use super::limits::{MAX_REQUEST_HEADER_BYTES, MAX_URL_BYTES};
use super::params;
use super::problem::{ApiError, ProblemDetails};

/// The id the examples ask for and do not find.
const MISSING_ID: i64 = 1408;

/// What the examples need to know of an operation, read from its documentation (so that no
/// route's path is written here again).
pub struct Asked {
    /// A POST (a GET otherwise).
    pub post: bool,
    /// Its first tag: the resource it reads or the figures it computes.
    pub tag: String,
    /// Whether its path names a resource by `{id}`.
    pub by_id: bool,
}

impl Asked {
    /// Reads the method's operation.
    pub fn new(post: bool, operation: &Operation) -> Self {
        Self {
            post,
            tag: operation
                .tags
                .as_ref()
                .and_then(|tags| tags.first())
                .cloned()
                .unwrap_or_default(),
            by_id: operation.parameters.iter().flatten().any(|parameter| {
                parameter.parameter_in == ParameterIn::Path && parameter.name == "id"
            }),
        }
    }
}

/// The problem that the operation `asked` answers with `status`; `None` for a status no
/// route gives.
pub fn for_operation(asked: &Asked, status: u16) -> Option<ProblemDetails> {
    let error = match status {
        400 => bad_request(asked)?,
        401 => ApiError::Unauthorized(Denied::Missing),
        403 => ApiError::Forbidden(Denied::Forbidden {
            name: KeyName::parse("dashboard").ok()?,
            scope: KeyScope::Read,
            needed: KeyScope::Write,
        }),
        404 => ApiError::NotFound {
            what: resource(asked)?,
            id: MISSING_ID,
        },
        408 => ApiError::UploadStalled {
            seconds: DEFAULT_UPLOAD_IDLE_TIMEOUT.as_secs(),
        },
        // A POST naming an import by id: its revert, refused by a later import.
        409 if asked.post && asked.by_id => ApiError::RevertRefused(RevertError::Conflict {
            import: ImportId::new(7),
            conflicts: vec![SaleConflict {
                sale_id: SaleId::new(4105).ok()?,
                touched_by: vec![ImportId::new(9)],
            }],
            total: 1,
        }),
        409 => ApiError::Store(StoreError::Contention("deadlock detected".into())),
        413 => ApiError::PayloadTooLarge {
            limit: DEFAULT_MAX_UPLOAD_BYTES,
        },
        415 => ApiError::UnsupportedMediaType("application/json".to_owned()),
        422 => ApiError::ImportRejected(Box::new(rejected_import()?)),
        429 if asked.post => ApiError::TooManyUploads {
            limit: DEFAULT_MAX_CONCURRENT_UPLOADS,
        },
        429 => ApiError::TooManyInvalidKeys {
            retry_after: FAILURE_REFILL.as_secs(),
        },
        503 => ApiError::Store(StoreError::Unavailable("connection refused".into())),
        _ => return None,
    };
    Some(error.problem())
}

/// Answers any route may give, whatever its operations: (status, when, problem).
pub fn for_any_route() -> [(u16, &'static str, ProblemDetails); 3] {
    [
        (
            405,
            "A method the route does not answer (TRACE, DELETE, ...); `Allow` lists those it does",
            ApiError::MethodNotAllowed {
                method: "DELETE".to_owned(),
                // What `/api/v1/orders` answers. (The route table is read from this document:
                // it cannot be asked while the document is being built.)
                allowed: &["GET", "HEAD"],
            }
            .problem(),
        ),
        (
            414,
            "A URL (path and query) over 8 KiB",
            ApiError::UriTooLong {
                bytes: 9_216,
                limit: MAX_URL_BYTES,
            }
            .problem(),
        ),
        (
            431,
            "Request headers over 16 KiB in all",
            ApiError::HeadersTooLarge {
                bytes: 17_408,
                limit: MAX_REQUEST_HEADER_BYTES,
            }
            .problem(),
        ),
    ]
}

/// The refusal of a typical bad parameter of the route, by the parser the route uses.
fn bad_request(asked: &Asked) -> Option<ApiError> {
    if asked.post {
        params::flag("skip_invalid", Some("yes")).err()
    } else if asked.by_id {
        params::id("id", "abc").err()
    } else if matches!(asked.tag.as_str(), "metrics" | "exports") {
        params::date_bounds(Some("2025-03-31"), Some("2025-03-01")).err()
    } else {
        params::page(Some("0"), None).err()
    }
}

/// What a route with an `{id}` looks up: one of the resources its tag names.
fn resource(asked: &Asked) -> Option<&'static str> {
    if !asked.by_id {
        return None;
    }
    match asked.tag.as_str() {
        "imports" => Some("import"),
        "products" => Some("product"),
        "orders" => Some("order"),
        _ => None,
    }
}

/// The real export with one location mistyped, imported strictly.
fn rejected_import() -> Option<ImportReport> {
    let started_at = Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0).single()?;
    let problem = InputProblem {
        line: Some(14),
        column: Some("Location".to_owned()),
        value: Some("Gym".to_owned()),
        message: Location::parse("Gym").err()?.to_string(),
        sale_id: SaleId::new(3971).ok(),
    };
    Some(ImportReport {
        id: ImportId::new(7),
        file_name: "zinc-sales.csv".to_owned(),
        sha256: "662fe7f1d1efae00501aeea98625c2f871f721eca324ef6e2acc7cf41d87802b".to_owned(),
        mode: ImportMode::Strict,
        status: ImportStatus::Rejected,
        counts: ImportCounts {
            rows_total: 1661,
            rows_imported: 0,
            rows_rejected: 1661,
            sales_total: 1408,
            sales_rejected: 1,
            ..ImportCounts::default()
        },
        problems: ProblemLog::restore(vec![problem], 1),
        started_at,
        finished_at: started_at + chrono::Duration::milliseconds(640),
        requested_by: KeyName::parse("finance-uploads").ok(),
        source: Some(zinc_domain::ImportSource::Api),
        dry_run: false,
        replaced_sales: Vec::new(),
        rejected_lines: RejectedLineCounts {
            kept: 2,
            omitted: 0,
        },
        revert: zinc_domain::RevertLinks::default(),
    })
}
