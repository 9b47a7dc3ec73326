//! The HTTP API: actix-web handlers that translate requests into the same use cases and ports
//! as the CLI, and results (or [`problem::ApiError`]s) back into JSON; the OpenAPI document;
//! and the middleware every answer of the server passes through (keys, CORS, limits, request
//! ids and metrics, validators, compression), which the crate root composes.

pub mod answers;
pub mod auth;
pub mod auth_failures;
mod body;
mod catalog;
pub(crate) mod compression;
pub(crate) mod cors;
pub mod docs;
mod examples;
pub(crate) mod exports;
mod health;
pub(crate) mod imports;
pub mod layers;
pub(crate) mod limits;
pub mod metrics;
pub mod monitoring;
pub(crate) mod params;
pub mod problem;
pub mod reporting;
pub(crate) mod revenue;
pub(crate) mod routes;
pub mod sites;
mod state;
pub(crate) mod validators;

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;
use zinc_domain::{MAX_MESSAGE_CHARS, echo};

pub use body::{ImportReportBody, rejected_lines_path};
pub use imports::{
    DEFAULT_MAX_CONCURRENT_UPLOADS, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_UPLOAD_IDLE_TIMEOUT,
    DEFAULT_UPLOAD_MIN_RATE,
};
pub use state::{AppState, MinRate, UploadSlots};

use problem::ApiError;

/// Registers the API's routes and its documentation.
pub(crate) fn configure(config: &mut web::ServiceConfig) {
    routes::register(config);
    config
        .service(
            SwaggerUi::new(format!("{}/{{_:.*}}", docs::DOCS_PATH))
                .url(docs::OPENAPI_PATH, docs::ApiDoc::openapi()),
        )
        .service(web::redirect(
            docs::DOCS_PATH,
            format!("{}/", docs::DOCS_PATH),
        ));
}

/// The answer to a request no route takes: a 405 naming the methods the path answers, or a 404.
pub(crate) async fn no_route(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let allowed = routes::allowed_methods(request.path());
    if !allowed.is_empty() {
        return Err(ApiError::MethodNotAllowed {
            method: request.method().to_string(),
            allowed,
        });
    }
    Err(ApiError::NoRoute {
        method: request.method().to_string(),
        path: request.path().to_owned(),
    })
}

/// serde's messages name the field in backticks: "unknown field `foo`, expected ...".
fn named_in(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_owned())
}

/// A query that does not parse (unknown, repeated or malformed parameter), as a 400 naming it.
pub(crate) fn query_error(error: QueryPayloadError) -> ApiError {
    let message = match &error {
        QueryPayloadError::Deserialize(inner) => inner
            .to_string()
            .replace("unknown field", "unknown parameter"),
        other => other.to_string(),
    };
    ApiError::BadParameter {
        name: named_in(&message).map_or_else(|| "query".to_owned(), |name| echo(&name)),
        // People read it too (a page's error): serde's backticks become quotes.
        reason: cut(&message.replace('`', "'")),
    }
}

pub(crate) fn path_error(error: PathError) -> ApiError {
    ApiError::BadParameter {
        name: "path".to_owned(),
        reason: cut(&error.to_string()),
    }
}

/// A framework's message, which may quote the client's input, cut to a readable length.
fn cut(message: &str) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        message.to_owned()
    } else {
        let head: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{head}…")
    }
}
