//! The servers `zinc serve` runs: the application on its address, and `/metrics` alone on an
//! address of its own when asked, each with the bounds actix-web applies to connections.
//!
//! The application's server is put together from actix-http's `HttpService` (as actix-web's
//! `HttpServer` does inside) for one reason: its `Expect: 100-continue` handler. actix-web's
//! `HttpServer` offers none, and actix-http answers `100 Continue` as soon as that handler
//! lets a request through, before any of the application runs; so a client announcing more
//! than `ZINC_MAX_UPLOAD_BYTES` would be told to send its body, only to get a 413 after. Here
//! the handler answers it the 413 at once (`refuse_oversized_expectation`).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::warn;

use actix_http::{HttpService, Request};
use actix_service::{IntoServiceFactory, ServiceFactoryExt, fn_service, map_config};
use actix_web::dev::{AppConfig, Server};
use actix_web::http::header;
use actix_web::{App, HttpServer, ResponseError, web};

use crate::api::metrics::Monitoring;
use crate::api::monitoring::{
    self, EXPECTATION_ROUTE, REQUEST_ID_HEADER, method_label, request_id,
};
use crate::api::problem::ApiError;
use crate::{AppState, app};

/// How long a client may take to send a request's head (408 after that).
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an idle kept-alive connection stays open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The most connections one worker serves at once (further ones wait in the backlog).
const MAX_CONNECTIONS_PER_WORKER: usize = 1024;
/// How many connections may wait to be accepted (actix-web's own default).
const BACKLOG: i32 = 1024;

/// A server bound to its addresses (connections wait in the backlog) and not yet started.
pub struct Listening {
    start: Box<dyn FnOnce() -> Server>,
    addresses: Vec<SocketAddr>,
}

impl Listening {
    /// The addresses it listens on (the port chosen when the one asked for was 0).
    pub fn addresses(&self) -> &[SocketAddr] {
        &self.addresses
    }

    /// Starts its workers (to be run beside the application by [`run`]).
    pub fn start(self) -> Started {
        Started((self.start)())
    }
}

/// A server whose workers are started.
pub struct Started(Server);

/// The application on `address`, on one worker per core. Each worker starts from `state` as
/// `per_worker` leaves it (a worker's own connections, say); in-flight requests may run for
/// `shutdown_timeout` after SIGTERM/SIGINT.
pub fn application(
    state: AppState,
    per_worker: impl Fn(&mut AppState) + Clone + Send + 'static,
    address: SocketAddr,
    shutdown_timeout: Duration,
) -> io::Result<Listening> {
    let listener = listen(address)?;
    let bound = listener.local_addr()?;
    let limit = state.max_upload_bytes;
    let monitoring = state.monitoring.clone();
    let server = Server::build()
        // Each worker serves at most this many connections.
        .max_concurrent_connections(MAX_CONNECTIONS_PER_WORKER)
        .shutdown_timeout(shutdown_timeout.as_secs())
        .listen("zinc", listener, move || {
            let mut state = state.clone();
            per_worker(&mut state);
            let monitoring = monitoring.clone();
            let application = app(state, None)
                .into_factory()
                .map_err(|error| error.error_response());
            HttpService::build()
                // A client has this long to send a request's head, and an idle kept-alive
                // connection is closed after this.
                .client_request_timeout(REQUEST_HEAD_TIMEOUT)
                .keep_alive(KEEP_ALIVE)
                // An answer leaves in more than one write (head, then body); with Nagle's
                // algorithm on, the body waited for the client's delayed ACK, 40 ms on a
                // kept-alive connection.
                .tcp_nodelay(true)
                .local_addr(bound)
                .expect(fn_service(move |request: Request| {
                    let monitoring = monitoring.clone();
                    async move { refuse_oversized_expectation(request, limit, &monitoring) }
                }))
                .finish(map_config(application, |()| AppConfig::default()))
                .tcp()
        })?;
    Ok(Listening {
        addresses: vec![bound],
        start: Box::new(move || server.run()),
    })
}

/// Lets a request that expects `100 Continue` through (so that it gets one), unless the body
/// it announces is over `limit`: that one is answered a 413 problem instead, before it sends
/// the body. No middleware runs for it, so it gets its request id, its log line and its count
/// (route label [`EXPECTATION_ROUTE`]) here.
fn refuse_oversized_expectation(
    request: Request,
    limit: u64,
    monitoring: &Monitoring,
) -> Result<Request, actix_web::Error> {
    let started = Instant::now();
    let head = request.head();
    let announced = head
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match announced {
        Some(length) if length > limit => {
            let id = request_id(head.headers.get(REQUEST_ID_HEADER));
            let mut response = ApiError::PayloadTooLarge { limit }.error_response();
            if let Ok(value) = header::HeaderValue::from_str(&id) {
                response
                    .headers_mut()
                    .insert(header::HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            let status = response.status();
            warn!(request_id = %id, announced = length, limit, path = head.uri.path(),
                "refused an upload announcing more than the limit, before 100 Continue");
            monitoring
                .http_request_duration
                .with_label_values(&[
                    method_label(&head.method),
                    EXPECTATION_ROUTE,
                    status.as_str(),
                ])
                .observe(started.elapsed().as_secs_f64());
            Err(
                actix_web::error::InternalError::from_response("over the upload limit", response)
                    .into(),
            )
        }
        _ => Ok(request),
    }
}

/// A listening socket on `address`, as actix-web binds one (address reuse, a backlog).
fn listen(address: SocketAddr) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// `/metrics` alone on `address`, on one worker.
pub fn metrics(state: AppState, address: SocketAddr) -> io::Result<Listening> {
    let state = AppState {
        serve_metrics: true,
        ..state
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .service(monitoring::metrics)
    })
    .workers(1)
    .tcp_nodelay(true)
    .shutdown_timeout(1)
    .bind(address)?;
    Ok(Listening {
        addresses: server.addrs(),
        start: Box::new(move || server.run()),
    })
}

/// `/metrics` alone on `address`, on one worker, for a process that serves no API (`zinc
/// watch`): `monitoring`'s metrics as they stand, with none of the API's database gauges.
pub fn monitoring_only(monitoring: Arc<Monitoring>, address: SocketAddr) -> io::Result<Started> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::from(monitoring.clone()))
            .route("/metrics", web::get().to(render_monitoring))
    })
    .workers(1)
    .tcp_nodelay(true)
    .shutdown_timeout(1)
    .bind(address)?
    .run();
    Ok(Started(server))
}

async fn render_monitoring(monitoring: web::Data<Monitoring>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(monitoring::METRICS_CONTENT_TYPE)
        .body(monitoring.render())
}

impl Started {
    /// Runs the server on the current runtime until [`Running::stop`].
    pub fn spawn(self) -> Running {
        Running {
            handle: self.0.handle(),
            task: tokio::spawn(self.0),
        }
    }
}

/// A server running beside the rest of the process.
pub struct Running {
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

impl Running {
    /// Stops the server, letting requests under way finish.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.task.await;
    }
}

/// Starts `application` and runs it until it stops (SIGTERM/SIGINT, then its shutdown
/// timeout), with `metrics` beside it, stopped after it.
pub async fn run(application: Listening, metrics: Option<Started>) -> io::Result<()> {
    match metrics {
        None => application.start().0.await,
        Some(metrics) => {
            let metrics = metrics.spawn();
            let served = application.start().0.await;
            metrics.stop().await;
            served
        }
    }
}
