//! Translating database errors into the ports' vocabulary, in one place.

use sea_orm::{DbErr, RuntimeErr, sqlx};
use zinc_ports::{Cause, StoreError};

/// SQLSTATE 42P01 `undefined_table`.
pub const UNDEFINED_TABLE: &str = "42P01";
/// SQLSTATE 23505 `unique_violation`.
pub const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE 42P04 `duplicate_database`.
pub const DUPLICATE_DATABASE: &str = "42P04";

/// Classifies a sea-orm error, keeping it as the cause: lost connections are `Unavailable`,
/// deadlocks and serialization failures `Contention`, the rest `Failed`.
pub fn store_error(error: DbErr) -> StoreError {
    let kind: fn(Cause) -> StoreError = match &error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => StoreError::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            sqlx_kind(inner)
        }
        _ => StoreError::Failed,
    };
    kind(Box::new(error))
}

/// Classifies an error of the sqlx driver (the import's COPY path), keeping it as the cause.
pub fn sqlx_error(error: sqlx::Error) -> StoreError {
    let kind = sqlx_kind(&error);
    kind(Box::new(error))
}

fn sqlx_kind(error: &sqlx::Error) -> fn(Cause) -> StoreError {
    match error {
        sqlx::Error::Database(database) => match database.code().as_deref() {
            // Deadlock, serialization failure, lock_timeout.
            Some("40P01" | "40001" | "55P03") => StoreError::Contention,
            // Connection problems, shutdowns, and a statement cancelled by statement_timeout
            // (57014): try again later.
            Some(code) if code.starts_with("08") || code.starts_with("57") => {
                StoreError::Unavailable
            }
            _ => StoreError::Failed,
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable,
        _ => StoreError::Failed,
    }
}

/// The SQLSTATE code PostgreSQL answered with, if the error is a database error.
pub fn sqlstate(error: &DbErr) -> Option<String> {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            match inner.as_ref() {
                sqlx::Error::Database(database) => database.code().map(|code| code.into_owned()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `work`, or `Unavailable` when the database has not answered within `limit` (a stalled
/// connection: the server's own timeouts end its side of the session).
pub async fn within<T>(
    limit: std::time::Duration,
    work: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Err(StoreError::Unavailable(
            format!("no answer from the database within {} s", limit.as_secs()).into(),
        ))
    })
}
