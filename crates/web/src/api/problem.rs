//! Every way a request can fail, and the one place where each becomes an HTTP status and an
//! `application/problem+json` body (RFC 9457).

use actix_cors::CorsError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use thiserror::Error;
use tracing::error;
use utoipa::ToSchema;
use zinc_application::{Denied, ImportError, OpenSessionError};
use zinc_domain::{ImportReport, QueryError, echo};
use zinc_ports::{RevertError, StoreError};

use super::body::{ImportReportBody, InputProblemBody, SaleConflictBody};

/// Target of the per-request log line the HTTP layer writes for a failed request: it is kept
/// out of Sentry as an event because the Sentry middleware already reports the failure.
pub const HTTP_ERROR_TARGET: &str = "zinc::http::error";

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Why a request failed.
#[derive(Debug, Error)]
pub enum ApiError {
    /// A query or path parameter is unknown, repeated or malformed.
    #[error("{name}: {reason}")]
    BadParameter {
        /// The parameter at fault (or `query` when it cannot be told).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A query that is well-formed but asks for something not allowed.
    #[error("{name}: {source}")]
    BadQuery {
        /// The parameter at fault.
        name: &'static str,
        /// The rule it broke.
        source: QueryError,
    },
    /// The upload carries no file, or an empty one.
    #[error("{0}")]
    MissingFile(#[source] MissingFile),
    /// The upload is not multipart/form-data nor CSV.
    #[error("unsupported content type '{}': send multipart/form-data (field 'file') or text/csv", echo(.0))]
    UnsupportedMediaType(String),
    /// The upload is larger than allowed.
    #[error("the upload exceeds the limit of {limit} bytes (ZINC_MAX_UPLOAD_BYTES)")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The upload sent nothing for too long.
    #[error("the upload sent nothing for {seconds} s (ZINC_UPLOAD_IDLE_TIMEOUT); send it again")]
    UploadStalled {
        /// The idle limit in seconds.
        seconds: u64,
    },
    /// The upload took longer than allowed in all.
    #[error("the upload was not received within {seconds} s (ZINC_UPLOAD_TIMEOUT); send it again")]
    UploadTooSlow {
        /// The deadline in seconds.
        seconds: u64,
    },
    /// Every upload place is taken.
    #[error(
        "{limit} upload(s) are being received or imported already (ZINC_MAX_CONCURRENT_UPLOADS); try again shortly"
    )]
    TooManyUploads {
        /// The limit.
        limit: usize,
    },
    /// The client presented too many invalid keys: it must wait before presenting another.
    #[error("too many invalid API keys from this address; try again in {retry_after} s")]
    TooManyInvalidKeys {
        /// Whole seconds to wait (the `Retry-After`).
        retry_after: u64,
    },
    /// The upload could not be received (connection dropped, malformed multipart).
    #[error("the upload could not be read: {0}")]
    BadUpload(#[source] Box<dyn std::error::Error>),
    /// The file was refused before any row was read (empty, or a bad header).
    #[error("the file cannot be imported")]
    FileRefused(Box<ImportReport>),
    /// A strict import found invalid rows: nothing was written.
    #[error("the file has invalid rows; nothing was written")]
    ImportRejected(Box<ImportReport>),
    /// A revert refused: the import was reverted already, cannot be, or later imports changed
    /// some of its sales.
    #[error("{0}")]
    RevertRefused(#[source] RevertError),
    /// No such resource.
    #[error("{what} {id} does not exist")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its id.
        id: i64,
    },
    /// No such route.
    #[error("no route {} {}", echo(.method), echo(.path))]
    NoRoute {
        /// The method used.
        method: String,
        /// The path asked for.
        path: String,
    },
    /// The route exists, but not with this method.
    #[error("{} is not allowed here; use {}", echo(.method), allowed.join(" or "))]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The methods the route answers.
        allowed: &'static [&'static str],
    },
    /// The URL is longer than accepted.
    #[error("the URL has {bytes} bytes; at most {limit} are accepted")]
    UriTooLong {
        /// The URL's length.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The request's headers are larger than accepted.
    #[error("the request headers have {bytes} bytes; at most {limit} are accepted")]
    HeadersTooLarge {
        /// Their size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A browser's preflight for a cross-origin request that is not allowed (its origin is not
    /// in `ZINC_CORS_ORIGINS`, or it asks for a method or header the API does not take), or
    /// that is malformed.
    #[error("the cross-origin request is refused: {0}")]
    CrossOriginRefused(#[source] actix_cors::CorsError),
    /// A write sent by another site's page.
    #[error("{0}")]
    CrossSiteWrite(#[source] CrossSite),
    /// The API is open (no key exists) and the request names a host it does not answer.
    #[error(
        "this server does not answer for '{host}' while it has no API key: only loopback names, IP addresses and ZINC_ALLOWED_HOSTS"
    )]
    HostNotAllowed {
        /// The `Host` as sent (cut).
        host: String,
    },
    /// The upload arrived slower than the minimum rate once its grace period was over.
    #[error(
        "the upload arrived slower than {bytes_per_second} bytes/s after its first {grace_seconds} s (ZINC_UPLOAD_MIN_RATE); send it again"
    )]
    UploadBelowMinRate {
        /// The minimum rate.
        bytes_per_second: u64,
        /// The grace period in seconds.
        grace_seconds: u64,
    },
    /// The request body is compressed (`Content-Encoding`), which no route takes.
    #[error(
        "request bodies are not decompressed: send the body without Content-Encoding (got '{}')",
        echo(.0)
    )]
    EncodedBody(String),
    /// The request carries more than one `Authorization` header.
    #[error("the request has {0} Authorization headers; send one")]
    AmbiguousAuthorization(usize),
    /// The service cannot serve yet (migrations pending).
    #[error("not ready: {0}")]
    NotReady(#[source] PendingMigrations),
    /// The request has no valid API key (missing, unknown, revoked or malformed).
    #[error("{0}")]
    Unauthorized(Denied),
    /// The request's key may not do this (a read key on a write route).
    #[error("{0}")]
    Forbidden(Denied),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A server-side failure that is not the store's (a temporary file, a task).
    #[error("failed {doing}")]
    Internal {
        /// What the server was doing, e.g. `spooling the upload`.
        doing: &'static str,
        /// Why it failed (not always `Send`: a response body's error is not).
        #[source]
        cause: Box<dyn std::error::Error>,
    },
}

/// What an upload lacks to be imported.
#[derive(Debug, Error)]
pub enum MissingFile {
    /// The request has no body, nor a media type that could carry one.
    #[error("no file: send the CSV as multipart/form-data (field 'file') or as a text/csv body")]
    NoBody,
    /// The form has fields, but none named `file`.
    #[error("the form has no field named 'file'")]
    NoFileField,
    /// The file was sent, with no bytes in it.
    #[error("the file {name} is empty")]
    Empty {
        /// The file's name as sent (or the default name).
        name: String,
    },
}

/// Why a write is taken for another site's.
#[derive(Debug, Error)]
pub enum CrossSite {
    /// Its `Origin` is neither this server's nor listed in `ZINC_CORS_ORIGINS`.
    #[error(
        "a write from the page of another origin ('{0}') is refused: write from this server's own pages, from an origin in ZINC_CORS_ORIGINS, or without a browser"
    )]
    Origin(String),
    /// The browser says it is another site's (`Sec-Fetch-Site: cross-site`).
    #[error(
        "a write from another site's page (Sec-Fetch-Site: cross-site) is refused: write from this server's own pages or without a browser"
    )]
    FetchSite,
}

/// The migrations the database still lacks, by name.
#[derive(Debug, Error)]
#[error("{} migration(s) pending: {}", .0.len(), .0.join(", "))]
pub struct PendingMigrations(pub Vec<String>);

impl ApiError {
    /// A server-side failure while `doing` something.
    pub fn internal(
        doing: &'static str,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> ApiError {
        let cause: Box<dyn std::error::Error + Send + Sync> = cause.into();
        ApiError::Internal { doing, cause }
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Store(store) => ApiError::Store(store),
            Denied::Forbidden { .. } => ApiError::Forbidden(denied),
            Denied::Missing | Denied::Invalid => ApiError::Unauthorized(denied),
        }
    }
}

impl From<OpenSessionError> for ApiError {
    fn from(error: OpenSessionError) -> Self {
        match error {
            OpenSessionError::Store(store) => ApiError::Store(store),
            OpenSessionError::NoRandomness(cause) => {
                ApiError::internal("drawing a session token", cause)
            }
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Store(store) => ApiError::Store(store),
            ImportError::Unreadable(io) => ApiError::internal("reading the upload", io),
        }
    }
}

/// An error response (RFC 9457 problem details).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetails {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "https://zinc.dev/problems/bad-parameter")]
    pub kind: String,
    /// A short summary of the kind of problem.
    #[schema(example = "Bad parameter")]
    pub title: String,
    /// The HTTP status.
    #[schema(example = 400)]
    pub status: u16,
    /// What went wrong this time.
    #[schema(example = "limit: must be between 1 and 500, got 0")]
    pub detail: String,
    /// The parameter at fault, for parameter errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Each problem found in an uploaded file (line, column, value, why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<InputProblemBody>>,
    /// The import's report, for import rejections (the attempt is recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<ImportReportBody>,
    /// For a refused revert: the sales later imports changed (the first 20), each with those
    /// imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<Vec<SaleConflictBody>>,
}

impl ApiError {
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadParameter { .. } | ApiError::BadQuery { .. } => {
                ("bad-parameter", "Bad parameter")
            }
            ApiError::MissingFile(_) => ("missing-file", "Missing file"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", "Upload too large"),
            ApiError::UploadStalled { .. } => ("upload-stalled", "Upload stalled"),
            ApiError::UploadTooSlow { .. } => ("upload-too-slow", "Upload too slow"),
            ApiError::TooManyUploads { .. } => ("too-many-uploads", "Too many uploads"),
            ApiError::TooManyInvalidKeys { .. } => {
                ("too-many-invalid-keys", "Too many invalid keys")
            }
            ApiError::BadUpload(_) => ("bad-upload", "Upload could not be read"),
            ApiError::FileRefused(_) => ("file-refused", "File refused"),
            ApiError::ImportRejected(_) => ("import-rejected", "Import rejected"),
            ApiError::RevertRefused(RevertError::Conflict { .. }) => {
                ("revert-conflict", "Later imports changed the same sales")
            }
            ApiError::RevertRefused(RevertError::AlreadyReverted { .. }) => {
                ("already-reverted", "Already reverted")
            }
            ApiError::RevertRefused(_) => ("not-revertible", "Cannot be reverted"),
            ApiError::NotFound { .. } => ("not-found", "Not found"),
            ApiError::NoRoute { .. } => ("no-route", "Not found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::UriTooLong { .. } => ("uri-too-long", "URL too long"),
            ApiError::HeadersTooLarge { .. } => ("headers-too-large", "Request headers too large"),
            ApiError::CrossOriginRefused(_) => {
                ("cross-origin-refused", "Cross-origin request refused")
            }
            ApiError::CrossSiteWrite(_) => ("cross-site-write", "Cross-site write refused"),
            ApiError::HostNotAllowed { .. } => ("host-not-allowed", "Host not answered"),
            ApiError::UploadBelowMinRate { .. } => ("upload-below-min-rate", "Upload too slow"),
            ApiError::EncodedBody(_) => ("encoded-body", "Compressed body refused"),
            ApiError::AmbiguousAuthorization(_) => {
                ("ambiguous-authorization", "Several Authorization headers")
            }
            ApiError::NotReady(_) => ("not-ready", "Not ready"),
            ApiError::Unauthorized(_) => ("unauthorized", "API key required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed for this key"),
            ApiError::Store(StoreError::Unavailable(_)) => {
                ("database-unavailable", "Database unavailable")
            }
            ApiError::Store(StoreError::PastBound(_)) => {
                ("past-bound", "Too large for the server's bounds")
            }
            ApiError::Store(StoreError::Contention(_)) => ("contention", "Try again"),
            ApiError::Store(_) | ApiError::Internal { .. } => ("internal", "Internal error"),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> ProblemDetails {
        let (slug, title) = self.kind();
        let status = self.status_code();
        let detail = match self {
            // Server-side details go to the logs, not to the client.
            ApiError::Store(StoreError::Inconsistent(_) | StoreError::Failed(_))
            | ApiError::Internal { .. } => {
                "the server could not complete the request; it has been logged".to_owned()
            }
            ApiError::Store(StoreError::Unavailable(_)) => {
                "the database is unavailable; try again shortly".to_owned()
            }
            ApiError::Store(StoreError::Contention(_)) => {
                "a concurrent change got in the way; try again".to_owned()
            }
            // Names the setting to raise, never data: the operator's remedy.
            ApiError::Store(StoreError::PastBound(bound)) => {
                format!("{bound}; nothing was written, and trying again fails again")
            }
            ApiError::FileRefused(report) => report
                .problems
                .problems()
                .first()
                .map_or_else(|| self.to_string(), |p| p.message.clone()),
            ApiError::ImportRejected(report) => format!(
                "{} problem(s) in {} row(s); nothing was written (skip_invalid=true imports the valid sales)",
                report.problems.total(),
                report.counts.rows_rejected
            ),
            ApiError::RevertRefused(RevertError::Conflict {
                import,
                conflicts,
                total,
            }) => {
                let mut later: Vec<i64> = conflicts
                    .iter()
                    .flat_map(|c| c.touched_by.iter().map(|id| id.get()))
                    .collect();
                later.sort_unstable_by(|a, b| b.cmp(a));
                later.dedup();
                let later: Vec<String> = later.iter().map(|id| format!("#{id}")).collect();
                format!(
                    "later imports changed {total} of the sales import {import} wrote; revert them first, newest first ({}), then import {import}",
                    later.join(", ")
                )
            }
            other => other.to_string(),
        };
        let conflicts = match self {
            ApiError::RevertRefused(RevertError::Conflict { conflicts, .. }) => {
                Some(conflicts.iter().map(SaleConflictBody::from).collect())
            }
            _ => None,
        };
        let parameter = match self {
            ApiError::BadParameter { name, .. } => Some(name.clone()),
            ApiError::BadQuery { name, .. } => Some((*name).to_owned()),
            _ => None,
        };
        let report = match self {
            ApiError::FileRefused(report) | ApiError::ImportRejected(report) => Some(report),
            _ => None,
        };
        ProblemDetails {
            kind: format!("https://zinc.dev/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            parameter,
            errors: report.map(|r| {
                r.problems
                    .problems()
                    .iter()
                    .map(InputProblemBody::from)
                    .collect()
            }),
            import: report.map(|r| ImportReportBody::from_report(r, false)),
            conflicts,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadParameter { .. }
            | ApiError::BadQuery { .. }
            | ApiError::MissingFile(_)
            | ApiError::BadUpload(_)
            | ApiError::FileRefused(_)
            | ApiError::AmbiguousAuthorization(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) | ApiError::EncodedBody(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::CrossSiteWrite(_) => StatusCode::FORBIDDEN,
            ApiError::HostNotAllowed { .. } => StatusCode::MISDIRECTED_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UploadStalled { .. }
            | ApiError::UploadTooSlow { .. }
            | ApiError::UploadBelowMinRate { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyUploads { .. } | ApiError::TooManyInvalidKeys { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::ImportRejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RevertRefused(_) => StatusCode::CONFLICT,
            ApiError::NotFound { .. } | ApiError::NoRoute { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::CrossOriginRefused(
                CorsError::OriginNotAllowed
                | CorsError::MethodNotAllowed
                | CorsError::HeadersNotAllowed,
            ) => StatusCode::FORBIDDEN,
            ApiError::CrossOriginRefused(_) => StatusCode::BAD_REQUEST,
            ApiError::Store(StoreError::Unavailable(_) | StoreError::PastBound(_))
            | ApiError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Store(StoreError::Contention(_)) => StatusCode::CONFLICT,
            ApiError::Store(_) | ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // The Sentry middleware reports the failure itself: this line is for the logs.
            error!(target: HTTP_ERROR_TARGET, error = %Chain(self), status = status.as_u16(), "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        // A refused revert stays refused, and work past a bound fails again: waiting does not
        // help.
        if matches!(
            status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS | StatusCode::CONFLICT
        ) && !matches!(
            self,
            ApiError::RevertRefused(_) | ApiError::Store(StoreError::PastBound(_))
        ) {
            let seconds = match self {
                ApiError::TooManyInvalidKeys { retry_after } => *retry_after,
                _ => 5,
            };
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        if let ApiError::MethodNotAllowed { allowed, .. } = self {
            response.insert_header((header::ALLOW, allowed.join(", ")));
        }
        if let ApiError::Unauthorized(denied) = self {
            let challenge = match denied {
                Denied::Invalid => r#"Bearer realm="zinc", error="invalid_token""#,
                _ => r#"Bearer realm="zinc""#,
            };
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ));
        }
        response.json(self.problem())
    }
}

/// An error with its causes, `outer: inner: innermost`, for the logs.
struct Chain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl From<RevertError> for ApiError {
    fn from(error: RevertError) -> Self {
        match error {
            RevertError::Store(error) => ApiError::Store(error),
            RevertError::UnknownImport(id) => ApiError::NotFound {
                what: "import",
                id: id.get(),
            },
            refused => ApiError::RevertRefused(refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use actix_multipart::MultipartError;

    use super::*;

    #[test]
    fn a_bad_upload_keeps_the_multipart_error_as_its_source() {
        let error = ApiError::BadUpload(MultipartError::Incomplete.into());
        assert_eq!(
            error.to_string(),
            "the upload could not be read: Multipart stream is incomplete"
        );
        let source = error.source().expect("a source");
        assert!(
            matches!(
                source.downcast_ref::<MultipartError>(),
                Some(MultipartError::Incomplete)
            ),
            "{source:?}"
        );
    }

    #[test]
    fn not_ready_keeps_the_pending_migrations_as_its_source() {
        let pending = vec!["m1_orders".to_owned(), "m2_items".to_owned()];
        let error = ApiError::NotReady(PendingMigrations(pending.clone()));
        assert_eq!(
            error.to_string(),
            "not ready: 2 migration(s) pending: m1_orders, m2_items"
        );
        let source = error.source().expect("a source");
        assert_eq!(
            source.downcast_ref::<PendingMigrations>().map(|p| &p.0),
            Some(&pending)
        );
    }

    #[test]
    fn work_past_a_bound_names_it_and_asks_for_no_retry_where_unavailable_does() {
        let past = ApiError::Store(StoreError::PastBound(
            "one statement of the import ran past ZINC_DB_IMPORT_STATEMENT_TIMEOUT (3600 s): \
             raise it for data this large"
                .into(),
        ));
        let problem = past.problem();
        assert_eq!(problem.status, 503);
        assert_eq!(
            problem.detail,
            "one statement of the import ran past ZINC_DB_IMPORT_STATEMENT_TIMEOUT (3600 s): \
             raise it for data this large; nothing was written, and trying again fails again"
        );
        assert!(problem.kind.ends_with("/past-bound"), "{}", problem.kind);
        let response = past.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get(header::RETRY_AFTER).is_none());

        let down = ApiError::Store(StoreError::Unavailable("connection refused".into()));
        assert_eq!(
            down.problem().detail,
            "the database is unavailable; try again shortly"
        );
        assert!(
            down.error_response()
                .headers()
                .get(header::RETRY_AFTER)
                .is_some()
        );
    }

    #[test]
    fn a_missing_file_says_what_is_missing_as_its_source() {
        for (missing, detail) in [
            (
                MissingFile::NoBody,
                "no file: send the CSV as multipart/form-data (field 'file') or as a text/csv body",
            ),
            (
                MissingFile::NoFileField,
                "the form has no field named 'file'",
            ),
            (
                MissingFile::Empty {
                    name: "sales.csv".to_owned(),
                },
                "the file sales.csv is empty",
            ),
        ] {
            let error = ApiError::MissingFile(missing);
            assert_eq!(error.problem().detail, detail);
            assert!(
                error
                    .source()
                    .and_then(|s| s.downcast_ref::<MissingFile>())
                    .is_some(),
                "{error:?}"
            );
        }
    }
}
