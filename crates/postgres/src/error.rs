//! Translating database errors into the ports' vocabulary, in one place.

use sea_orm::{DbErr, RuntimeErr, sqlx};
use zinc_ports::StoreError;

/// Classifies a sea-orm error: lost connections are `Unavailable`, deadlocks and
/// serialization failures `Contention`, the rest `Failed`.
pub fn store_error(error: DbErr) -> StoreError {
    let message = error.to_string();
    match &error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => StoreError::Unavailable(message),
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            classify_sqlx(inner, message)
        }
        _ => StoreError::Failed(message),
    }
}

fn classify_sqlx(error: &sqlx::Error, message: String) -> StoreError {
    match error {
        sqlx::Error::Database(database) => match database.code().as_deref() {
            Some("40P01" | "40001") => StoreError::Contention(message),
            Some(code) if code.starts_with("08") || code.starts_with("57P") => {
                StoreError::Unavailable(message)
            }
            _ => StoreError::Failed(message),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(message),
        _ => StoreError::Failed(message),
    }
}
