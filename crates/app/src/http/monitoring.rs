//! What an on-call engineer watches: request ids, one tracing span per request, Prometheus
//! metrics (`GET /metrics`) and Sentry tags.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, get, web};
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;
use zinc_domain::ImportReport;

use super::AppState;
use super::problem::{ApiError, HTTP_ERROR_TARGET};

/// The git commit the binary was built from, if known (`ZINC_GIT_COMMIT` at compile time).
pub fn git_commit() -> &'static str {
    option_env!("ZINC_GIT_COMMIT").unwrap_or("unknown")
}

/// The header carrying a request's id, honoured when the client sends one.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The route label of requests that matched no route (keeps label cardinality bounded).
const UNMATCHED: &str = "unmatched";

/// A request's id: the client's `X-Request-Id` when usable, a fresh UUID otherwise.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

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

/// Gives each request an id (request extension, response header, Sentry tag) and tags the
/// Sentry scope with the route template and method.
pub async fn assign_request_id(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(usable_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    request.extensions_mut().insert(RequestId(id.clone()));
    let route = route_of(&request);
    let method = request.method().to_string();
    sentry::configure_scope(|scope| {
        scope.set_tag("request_id", &id);
        scope.set_tag("route", &route);
        scope.set_tag("method", &method);
    });
    let mut response = next.call(request).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(response)
}

/// Records each request's duration by method, route template and status.
pub async fn record_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = route_of(&request);
    let monitoring = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.monitoring.clone());
    let outcome = next.call(request).await;
    if let Some(monitoring) = monitoring {
        let status = match &outcome {
            Ok(response) => response.status().as_u16(),
            Err(error) => error.as_response_error().status_code().as_u16(),
        };
        monitoring
            .http_request_duration
            .with_label_values(&[method.as_str(), route.as_str(), &status.to_string()])
            .observe(started.elapsed().as_secs_f64());
    }
    outcome
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

/// The service's Prometheus metrics.
pub struct Monitoring {
    registry: Registry,
    /// `zinc_http_request_duration_seconds{method,route,status}`.
    pub http_request_duration: HistogramVec,
    /// `zinc_imports_total{outcome}`: started, succeeded, rejected, failed.
    pub imports: IntCounterVec,
    /// `zinc_import_rows_total{result}`: imported, rejected.
    pub import_rows: IntCounterVec,
    /// `zinc_db_connections{state}`: open, idle, in_use, max.
    pub db_connections: IntGaugeVec,
    /// `zinc_db_ping_seconds`: the last readiness check's database round trip.
    pub db_ping_seconds: Gauge,
    /// `zinc_db_up`: 1 when the last readiness check reached the database.
    pub db_up: Gauge,
}

impl Monitoring {
    /// Registers every metric, and `zinc_build_info{version,commit} 1`.
    pub fn new() -> Monitoring {
        let registry = Registry::new();
        let http_request_duration = HistogramVec::new(
            HistogramOpts::new(
                "zinc_http_request_duration_seconds",
                "HTTP request duration by method, route template and status.",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("a valid metric");
        let imports = IntCounterVec::new(
            Opts::new(
                "zinc_imports_total",
                "Imports by outcome: started, succeeded, rejected, failed.",
            ),
            &["outcome"],
        )
        .expect("a valid metric");
        let import_rows = IntCounterVec::new(
            Opts::new(
                "zinc_import_rows_total",
                "Rows of finished imports: imported, rejected.",
            ),
            &["result"],
        )
        .expect("a valid metric");
        let db_connections = IntGaugeVec::new(
            Opts::new(
                "zinc_db_connections",
                "Database pool connections: open, idle, in_use, max.",
            ),
            &["state"],
        )
        .expect("a valid metric");
        let db_ping_seconds = Gauge::new(
            "zinc_db_ping_seconds",
            "Database round trip of the last readiness check.",
        )
        .expect("a valid metric");
        let db_up = Gauge::new(
            "zinc_db_up",
            "1 when the last readiness check reached the database with its schema current.",
        )
        .expect("a valid metric");
        let build_info = IntGaugeVec::new(
            Opts::new("zinc_build_info", "The running build (always 1)."),
            &["version", "commit"],
        )
        .expect("a valid metric");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), git_commit()])
            .set(1);
        for collector in [
            Box::new(http_request_duration.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(imports.clone()),
            Box::new(import_rows.clone()),
            Box::new(db_connections.clone()),
            Box::new(db_ping_seconds.clone()),
            Box::new(db_up.clone()),
            Box::new(build_info),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        // process_resident_memory_bytes, process_cpu_seconds_total, open fds (Linux).
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("process metrics register once");
        for outcome in ["started", "succeeded", "rejected", "failed"] {
            imports.with_label_values(&[outcome]);
        }
        for result in ["imported", "rejected"] {
            import_rows.with_label_values(&[result]);
        }
        Monitoring {
            registry,
            http_request_duration,
            imports,
            import_rows,
            db_connections,
            db_ping_seconds,
            db_up,
        }
    }

    /// Counts an import the API started.
    pub fn import_started(&self) {
        self.imports.with_label_values(&["started"]).inc();
    }

    /// Counts an import that failed server-side.
    pub fn import_failed(&self) {
        self.imports.with_label_values(&["failed"]).inc();
    }

    /// Counts a finished import by its outcome, and its rows.
    pub fn import_finished(&self, report: &ImportReport) {
        self.imports
            .with_label_values(&[report.status.as_str()])
            .inc();
        self.import_rows
            .with_label_values(&["imported"])
            .inc_by(report.counts.rows_imported);
        self.import_rows
            .with_label_values(&["rejected"])
            .inc_by(report.counts.rows_rejected);
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding does not fail");
        String::from_utf8(buffer).expect("the text format is UTF-8")
    }
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring::new()
    }
}

/// Prometheus metrics in the text exposition format.
///
/// Request durations by method, route template and status; imports by outcome and their rows;
/// the database pool's connections and the last readiness ping; the build; the process's memory,
/// CPU and file descriptors. Needs no key. When `ZINC_METRICS_BIND` is set it is served there
/// only, and this route is a 404.
#[utoipa::path(
    get,
    path = "/metrics",
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
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.monitoring.render()))
}
