//! # zinc-web
//!
//! Zinc's web side: the HTTP API ([`api`]: JSON handlers, problem+json errors, the OpenAPI
//! document, and the middleware every answer passes through) and the dashboard ([`dashboard`]:
//! server-rendered pages over the same ports, parsers and errors). Both are doors onto the use
//! cases of `zinc-application` and the ports of `zinc-ports`; neither knows which store is
//! behind them. The dashboard may use the API's modules, never the other way around; the two
//! are composed here ([`app`]), and [`server`] runs them.

pub mod api;
pub mod dashboard;
pub mod server;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, web};

pub use api::{AppState, MinRate, UploadSlots};

use api::{cors, layers};

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
        // Sites, keys, HEAD, the documentation's headers and the validators.
        .wrap(from_fn(layers::admit))
        // Outside the key check: a preflight carries no key.
        .wrap(cors)
        // The head's bounds, the duration metric, CORS refusals as problems.
        .wrap(from_fn(layers::bound_and_count))
        // Compression, the request id, the request's span.
        .wrap(from_fn(layers::identify_trace_compress))
        // Inside the Sentry middleware: replaces its description of the request.
        .wrap(Condition::new(
            reporting,
            from_fn(api::reporting::describe_request),
        ))
        .wrap(Condition::new(reporting, sentry))
}

/// Registers every route (the API's, its documentation, the dashboard's pages), and
/// problem+json answers for malformed requests and unknown routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .app_data(
            web::QueryConfig::default().error_handler(|error, _| api::query_error(error).into()),
        )
        .app_data(
            web::PathConfig::default().error_handler(|error, _| api::path_error(error).into()),
        )
        .configure(api::configure)
        .configure(dashboard::configure)
        .default_service(web::to(api::no_route));
}
