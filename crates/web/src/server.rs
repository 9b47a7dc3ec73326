//! The servers `zinc serve` runs: the application on its address, and `/metrics` alone on an
//! address of its own when asked, each with the bounds actix-web applies to connections.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

use crate::api::monitoring;
use crate::{AppState, app};

/// How long a client may take to send a request's head (408 after that).
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an idle kept-alive connection stays open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The most connections one worker serves at once (further ones wait in the backlog).
const MAX_CONNECTIONS_PER_WORKER: usize = 1024;

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
    let server = HttpServer::new(move || {
        let mut state = state.clone();
        per_worker(&mut state);
        app(state, None)
    })
    // A client has this long to send a request's head, and an idle kept-alive connection
    // is closed after this; each worker serves at most this many connections.
    .client_request_timeout(REQUEST_HEAD_TIMEOUT)
    .keep_alive(KEEP_ALIVE)
    .max_connections(MAX_CONNECTIONS_PER_WORKER)
    // An answer leaves in more than one write (head, then body); with Nagle's algorithm on,
    // the body waited for the client's delayed ACK, 40 ms on a kept-alive connection.
    .tcp_nodelay(true)
    .shutdown_timeout(shutdown_timeout.as_secs())
    .bind(address)?;
    Ok(Listening {
        addresses: server.addrs(),
        start: Box::new(move || server.run()),
    })
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

/// Starts `application` and runs it until it stops (SIGTERM/SIGINT, then its shutdown
/// timeout), with `metrics` beside it, stopped after it.
pub async fn run(application: Listening, metrics: Option<Started>) -> io::Result<()> {
    match metrics {
        None => application.start().0.await,
        Some(Started(metrics)) => {
            let handle = metrics.handle();
            let metrics = tokio::spawn(metrics);
            let served = application.start().0.await;
            handle.stop(true).await;
            let _ = metrics.await;
            served
        }
    }
}
