//! `GET /health/live` (the process answers) and `GET /health/ready` (the database answers and
//! its schema is up to date).

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, get, web};
use zinc_ports::StoreError;

use super::body::HealthBody;
use super::problem::{ApiError, PendingMigrations, ProblemDetails};
use super::state::AppState;

/// How long readiness waits for the database.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up. Never touches the database.
///
/// Answers 200 as long as the process serves requests, whatever the database's state: use it as
/// the liveness probe, so that a database outage does not restart the service. Needs no key.
#[utoipa::path(
    security(()),
    tag = "health",
    responses((status = 200, body = HealthBody)),
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthBody {
        status: "ok".to_owned(),
        database: None,
        replica: None,
    })
}

/// The service can serve requests: the database answers within 2 s and every migration is applied.
///
/// Pings the database and compares its applied migrations with the build's: 200 when both are
/// fine, else a 503 problem saying why (unreachable, too slow, or the migrations pending, by
/// name). With a read replica, the 200 names its state, and says `degraded` when reads go to
/// the primary instead (the replica down, lagging or promoted): the service still serves.
/// Use it as the readiness probe. Needs no key.
#[utoipa::path(
    security(()),
    tag = "health",
    responses(
        (status = 200, body = HealthBody),
        (status = 503, description = "Database unreachable or migrations pending", body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let checked = tokio::time::timeout(READY_TIMEOUT, state.health.pending_migrations())
        .await
        .map_err(|_| {
            StoreError::Unavailable(
                format!(
                    "the database did not answer within {} s",
                    READY_TIMEOUT.as_secs()
                )
                .into(),
            )
        })
        .and_then(|result| result);
    let monitoring = &state.monitoring;
    monitoring
        .db_ping_seconds
        .set(started.elapsed().as_secs_f64());
    let pending = match checked {
        Ok(pending) => pending,
        Err(error) => {
            monitoring.db_up.set(0.0);
            return Err(error.into());
        }
    };
    monitoring
        .db_up
        .set(if pending.is_empty() { 1.0 } else { 0.0 });
    if !pending.is_empty() {
        return Err(ApiError::NotReady(PendingMigrations(pending)));
    }
    // A replica that does not serve reads degrades the service, it does not stop it: the
    // primary answers them.
    let replica = state.replica.as_ref().map(|replica| {
        let report = replica.report();
        monitoring.replica_observed(&report);
        report.state
    });
    let status = match replica {
        Some(state) if !state.serves_reads() => "degraded",
        _ => "ok",
    };
    Ok(HttpResponse::Ok().json(HealthBody {
        status: status.to_owned(),
        database: Some("reachable".to_owned()),
        replica: replica.map(|state| state.as_str().to_owned()),
    }))
}
