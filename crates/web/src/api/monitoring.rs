//! What an on-call engineer watches: request ids, one tracing span per request, Prometheus
//! metrics (`GET /metrics`, counted in [`super::metrics`]) and Sentry tags.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse, get, web};
use tracing::{Instrument, Span};
use tracing_actix_web::RootSpanBuilder;

use super::problem::{ApiError, HTTP_ERROR_TARGET};
use super::state::AppState;

/// The header carrying a request's id, honoured when the client sends one.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The route label of requests that matched no route (keeps label cardinality bounded).
const UNMATCHED: &str = "unmatched";
/// The route label of uploads refused before routing, when they announced more than the upload
/// limit and expected `100 Continue` (see `server`).
pub(crate) const EXPECTATION_ROUTE: &str = "refused-before-continue";
/// The method label of any method not in [`method_label`]'s closed set.
const OTHER_METHOD: &str = "OTHER";

/// A request's method as a label: the standard methods by name, any other as `OTHER`, so that
/// a client inventing method names cannot add series to `/metrics` or tag values to Sentry.
pub(crate) fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => OTHER_METHOD,
    }
}

/// A request's id: the client's `X-Request-Id` when usable, a fresh UUID otherwise.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The id of a request whose `X-Request-Id` header is `header`: the client's when usable, a
/// fresh UUID otherwise.
pub(crate) fn request_id(header: Option<&HeaderValue>) -> String {
    header
        .and_then(usable_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn usable_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?.trim();
    let fine = !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    fine.then(|| text.to_owned())
}

/// The route template a request matched, resolved once per request by the first of these
/// middlewares and kept in its extensions.
#[derive(Clone)]
struct Route(String);

/// The request's route template (`unmatched` when no route matches).
pub(super) fn route_of(request: &ServiceRequest) -> String {
    if let Some(Route(route)) = request.extensions().get::<Route>() {
        return route.clone();
    }
    let route = request
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED.to_owned());
    request.extensions_mut().insert(Route(route.clone()));
    route
}

/// Gives `request` an id (request extension, Sentry tag) and tags the Sentry scope with the
/// route template and method (a step of [`super::layers::identify_trace_compress`]); the id
/// goes on the answer with [`answer_with_id`].
pub(crate) fn identify(request: &ServiceRequest) -> String {
    let id = request_id(request.headers().get(REQUEST_ID_HEADER));
    request.extensions_mut().insert(RequestId(id.clone()));
    let route = route_of(request);
    let method = method_label(request.method());
    sentry::configure_scope(|scope| {
        scope.set_tag("request_id", &id);
        scope.set_tag("route", &route);
        scope.set_tag("method", method);
    });
    id
}

/// Puts the request's `id` on its answer.
pub(crate) fn answer_with_id<B>(response: &mut ServiceResponse<B>, id: &str) {
    if let Ok(value) = HeaderValue::from_str(id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
}

/// Runs `call`'s answer in the request's span ([`RequestSpan`], opened for `request`): entered
/// while the inner services are called and polled and while the body is read, closed with the
/// answer's log line (a step of [`super::layers::identify_trace_compress`]).
/// (`tracing-actix-web`'s `TracingLogger` did this, making a second UUID of its own for every
/// request, read by nothing here.)
pub(crate) async fn traced<B, F>(
    request: ServiceRequest,
    call: impl FnOnce(ServiceRequest) -> F,
) -> Result<ServiceResponse<InSpan>, Error>
where
    B: MessageBody + 'static,
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    let span = RequestSpan::on_request_start(&request);
    let called = span.in_scope(|| call(request));
    let outcome = called.instrument(span.clone()).await;
    span.in_scope(|| RequestSpan::on_request_end(Span::current(), &outcome));
    Ok(outcome?.map_body(|_, body| InSpan {
        body: BoxBody::new(body),
        span,
    }))
}

/// A body read in its request's span.
pub struct InSpan {
    body: BoxBody,
    span: Span,
}

impl MessageBody for InSpan {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        this.span
            .in_scope(|| Pin::new(&mut this.body).poll_next(cx))
    }
}

/// A request's duration being measured, to be recorded by method, route template and status
/// (a step of [`super::layers::bound_and_count`]).
pub(crate) struct Timing {
    started: Instant,
    method: &'static str,
    route: String,
    state: Option<web::Data<AppState>>,
}

impl Timing {
    /// Starts measuring `request`.
    pub(crate) fn start(request: &ServiceRequest) -> Timing {
        Timing {
            started: Instant::now(),
            method: method_label(request.method()),
            route: route_of(request),
            state: request.app_data::<web::Data<AppState>>().cloned(),
        }
    }

    /// Records the duration until `outcome`, by its status.
    pub(crate) fn record<B>(self, outcome: &Result<ServiceResponse<B>, Error>) {
        let Some(state) = self.state else {
            return;
        };
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        state
            .monitoring
            .http_request_duration
            .with_label_values(&[self.method, self.route.as_str(), status.as_str()])
            .observe(self.started.elapsed().as_secs_f64());
    }
}

/// When a request started (for the latency in its log line).
struct Started(Instant);

/// One span per request: method, route, request id, then status and latency, and one log line
/// when it ends (error level for 5xx).
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        request.extensions_mut().insert(Started(Instant::now()));
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route_of(request),
            request_id = %id,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, started) = match outcome {
            Ok(response) => (
                response.status().as_u16(),
                response
                    .request()
                    .extensions()
                    .get::<Started>()
                    .map(|s| s.0),
            ),
            Err(error) => (error.as_response_error().status_code().as_u16(), None),
        };
        let latency_ms = started.map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
        span.record("status", status);
        span.record("latency_ms", latency_ms);
        let _entered = span.enter();
        if status >= 500 {
            tracing::error!(target: HTTP_ERROR_TARGET, status, latency_ms, "request failed");
        } else {
            tracing::info!(status, latency_ms, "request finished");
        }
    }
}

/// The media type of Prometheus's text exposition format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Prometheus metrics in the text exposition format.
///
/// Request durations by method, route template and status; imports by outcome and their rows;
/// the database pool's connections and the last readiness ping; the build; the process's memory,
/// CPU and file descriptors. Needs no key. When `ZINC_METRICS_BIND` is set it is served there
/// only, and this route is a 404.
#[utoipa::path(
    security(()),
    tag = "health",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")),
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    request: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if !state.serve_metrics {
        // Served on ZINC_METRICS_BIND instead.
        return Err(ApiError::NoRoute {
            method: request.method().to_string(),
            path: request.path().to_owned(),
        });
    }
    let stats = state.health.connection_stats();
    let gauge = |name: &str, value: u32| {
        state
            .monitoring
            .db_connections
            .with_label_values(&[name])
            .set(i64::from(value));
    };
    gauge("open", stats.open);
    gauge("idle", stats.idle);
    gauge("in_use", stats.open.saturating_sub(stats.idle));
    gauge("max", stats.max);
    if let Some(replica) = &state.replica {
        state.monitoring.replica_observed(&replica.report());
    }
    Ok(HttpResponse::Ok()
        .content_type(METRICS_CONTENT_TYPE)
        .body(state.monitoring.render()))
}
