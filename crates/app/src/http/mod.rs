//! The HTTP door: actix-web handlers that translate requests into the same use cases and ports
//! as the CLI, and results (or [`problem::ApiError`]s) back into JSON.

pub mod answers;
pub mod auth;
mod body;
mod catalog;
mod compression;
mod cors;
pub mod docs;
mod examples;
pub(crate) mod exports;
mod health;
pub(crate) mod imports;
mod limits;
pub mod monitoring;
pub(crate) mod params;
pub mod problem;
pub(crate) mod revenue;
mod routes;
mod validators;

use answers::AnswerCache;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, web};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;
use zinc_application::Gatekeeper;
use zinc_domain::{MAX_MESSAGE_CHARS, echo};
use zinc_ports::{
    DataVersions, ImportHistory, OrderBook, ProductCatalog, SalesArchive, SalesFigures,
    SalesLedger, StoreHealth,
};

use monitoring::{Monitoring, RequestSpan};
use problem::ApiError;

/// What the handlers need: the ports, and a few settings.
#[derive(Clone)]
pub struct AppState {
    /// Writes imports.
    pub ledger: Arc<dyn SalesLedger>,
    /// Reads past imports.
    pub history: Arc<dyn ImportHistory>,
    /// Reads products.
    pub products: Arc<dyn ProductCatalog>,
    /// Reads orders.
    pub orders: Arc<dyn OrderBook>,
    /// Sums revenue.
    pub figures: Arc<dyn SalesFigures>,
    /// Reads orders whole, page by page (exports).
    pub archive: Arc<dyn SalesArchive>,
    /// Tells the sales data's version (for validators).
    pub versions: Arc<dyn DataVersions>,
    /// Answers already computed for the current data, by tag.
    pub answers: AnswerCache,
    /// Checks the store.
    pub health: Arc<dyn StoreHealth>,
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// How long receiving one upload may take in all.
    pub upload_timeout: std::time::Duration,
    /// How long an upload may send nothing before it is cut.
    pub upload_idle_timeout: std::time::Duration,
    /// Places for uploads being received or imported; none free is a 429.
    pub upload_slots: UploadSlots,
    /// The currency of every amount (ISO 4217).
    pub currency: String,
    /// Where imports run (off the HTTP workers).
    pub runtime: tokio::runtime::Handle,
    /// Prometheus metrics.
    pub monitoring: Arc<Monitoring>,
    /// Admits requests by their API key.
    pub gatekeeper: Arc<Gatekeeper>,
    /// Whether `/metrics` is served with the API (it is not when it has its own address).
    pub serve_metrics: bool,
    /// The origins whose pages may call the API from a browser; none turns CORS off.
    pub cors_origins: Vec<String>,
}

/// Where the reject file of import `id` is served (`GET`).
pub fn rejected_lines_path(id: i64) -> String {
    format!("/api/v1/imports/{id}/rejected.csv")
}

/// A fixed number of places for uploads being received or imported.
#[derive(Clone)]
pub struct UploadSlots {
    places: Arc<tokio::sync::Semaphore>,
    limit: usize,
}

impl UploadSlots {
    /// `limit` places.
    pub fn new(limit: usize) -> Self {
        UploadSlots {
            places: Arc::new(tokio::sync::Semaphore::new(limit)),
            limit,
        }
    }

    /// A place, held until the returned permit is dropped; a 429 when none is free.
    fn take(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        self.places
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::TooManyUploads { limit: self.limit })
    }
}

/// The whole application: routes, request ids, a tracing span and metrics per request, CORS,
/// compression, and Sentry (reporting to `sentry_hub`, or to the process's main hub when `None`).
pub fn app(
    state: AppState,
    sentry_hub: Option<Arc<sentry::Hub>>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let hub = sentry_hub.unwrap_or_else(sentry::Hub::main);
    // Without a client (no ZINC_SENTRY_DSN) the middleware would still build a hub, a URL, a
    // copy of the headers and a transaction for every request, to report nowhere.
    let reporting = hub.client().is_some_and(|client| client.is_enabled());
    let sentry = sentry_actix::Sentry::builder()
        .capture_server_errors(true)
        .start_transaction(true)
        .with_hub(hub)
        .finish();
    let cors = cors::cors(&state.cors_origins);
    App::new()
        .app_data(web::Data::new(state))
        .configure(configure)
        .wrap(from_fn(validators::revalidate))
        .wrap(from_fn(routes::head_as_get))
        .wrap(from_fn(auth::require_key))
        // Outside the key check: a preflight carries no key.
        .wrap(cors)
        .wrap(from_fn(cors::refusals_as_problems))
        .wrap(from_fn(monitoring::record_request))
        .wrap(from_fn(limits::bound_request_head))
        .wrap(TracingLogger::<RequestSpan>::new())
        .wrap(from_fn(monitoring::assign_request_id))
        .wrap(from_fn(compression::compress))
        .wrap(Condition::new(reporting, sentry))
}

/// Registers every route, the documentation, and problem+json answers for malformed requests
/// and unknown routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .app_data(web::QueryConfig::default().error_handler(|error, _| query_error(error).into()))
        .app_data(web::PathConfig::default().error_handler(|error, _| path_error(error).into()))
        .service(imports::create_import)
        .service(imports::list_imports)
        .service(imports::get_import)
        .service(imports::get_rejected_lines)
        .service(catalog::list_products)
        .service(catalog::get_product)
        .service(catalog::list_orders)
        .service(catalog::get_order)
        .service(revenue::revenue)
        .service(revenue::daily_revenue)
        .service(revenue::revenue_series)
        .service(revenue::product_sales)
        .service(revenue::top_products)
        .service(exports::export_sales)
        .service(health::live)
        .service(health::ready)
        .service(monitoring::metrics)
        .service(SwaggerUi::new("/docs/{_:.*}").url(docs::OPENAPI_PATH, docs::ApiDoc::openapi()))
        .service(web::redirect("/docs", "/docs/"))
        .configure(crate::dashboard::configure)
        .default_service(web::to(no_route));
}

async fn no_route(request: HttpRequest) -> Result<HttpResponse, ApiError> {
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
        reason: cut(&message),
    }
}

fn path_error(error: PathError) -> ApiError {
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
