//! Translating database errors into the ports' vocabulary, in one place.

use std::time::Duration;

use sea_orm::{DbErr, RuntimeErr, sqlx};
use zinc_ports::{Cause, StoreError};

/// SQLSTATE 42P01 `undefined_table`.
pub const UNDEFINED_TABLE: &str = "42P01";
/// SQLSTATE 23505 `unique_violation`.
pub const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE 42P04 `duplicate_database`.
pub const DUPLICATE_DATABASE: &str = "42P04";
/// SQLSTATE 57014 `query_canceled`: by `statement_timeout`, or at someone's request.
const QUERY_CANCELED: &str = "57014";

/// What is wrong with data the store holds or returned (the cause of
/// [`StoreError::Inconsistent`]).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Inconsistency {
    /// A column is missing or of another type than expected.
    #[error("column {column} cannot be read")]
    Unreadable {
        column: String,
        #[source]
        source: Cause,
    },
    /// A stored value is refused by the domain's constructor.
    #[error("stored {column} breaks a rule")]
    BreaksRule {
        column: String,
        #[source]
        source: Cause,
    },
    /// A value the store itself should never hold or answer.
    #[error("{0}")]
    Unexpected(String),
}

impl Inconsistency {
    /// The stored `column` is refused by the domain: `source` says why.
    pub(crate) fn breaks_rule(column: &str, source: impl Into<Cause>) -> StoreError {
        StoreError::Inconsistent(Box::new(Inconsistency::BreaksRule {
            column: column.to_owned(),
            source: source.into(),
        }))
    }

    /// The store answered something it never should (`what` describes it).
    pub(crate) fn unexpected(what: impl Into<String>) -> StoreError {
        StoreError::Inconsistent(Box::new(Inconsistency::Unexpected(what.into())))
    }
}

/// The database did not answer within the time allowed.
#[derive(Debug, thiserror::Error)]
#[error("no answer from the database within {} s", limit.as_secs())]
pub(crate) struct NoAnswer {
    limit: Duration,
    #[source]
    source: tokio::time::error::Elapsed,
}

/// A statement of bulk work that ran past its bound (its transaction's `statement_timeout`):
/// trying again fails again, raising the bound does not.
#[derive(Debug, thiserror::Error)]
#[error(
    "one statement of the {work} ran past {setting} ({} s): raise it for data this large",
    limit.as_secs_f64()
)]
pub(crate) struct PastBound {
    /// The work it was part of ("import").
    work: &'static str,
    /// What sets the bound.
    setting: &'static str,
    limit: Duration,
    #[source]
    source: Cause,
}

/// `error`, or when it is a statement cancelled by its `statement_timeout`, `PastBound` naming
/// the bound (`setting`, `limit`) of the `work` it was part of, the driver's error as its cause.
pub(crate) fn past_bound(
    error: StoreError,
    work: &'static str,
    setting: &'static str,
    limit: Duration,
) -> StoreError {
    match error {
        StoreError::Unavailable(source) if timed_out(source.as_ref()) => {
            StoreError::PastBound(Box::new(PastBound {
                work,
                setting,
                limit,
                source,
            }))
        }
        other => other,
    }
}

/// Whether `cause` (a sqlx or sea-orm error) is a statement cancelled by `statement_timeout`.
/// A cancel request answers the same code: the message tells them apart (in English, as a
/// server answers unless its `lc_messages` names another language).
fn timed_out(cause: &(dyn std::error::Error + 'static)) -> bool {
    let driver = match cause.downcast_ref::<DbErr>() {
        Some(
            DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)),
        ) => Some(inner.as_ref()),
        Some(_) => None,
        None => cause.downcast_ref::<sqlx::Error>(),
    };
    match driver {
        Some(sqlx::Error::Database(database)) => {
            database.code().as_deref() == Some(QUERY_CANCELED)
                && database.message().contains("statement timeout")
        }
        _ => false,
    }
}

/// Classifies a sea-orm error, keeping it as the cause: lost connections are `Unavailable`,
/// deadlocks and serialization failures `Contention`, the rest `Failed`.
pub(crate) fn store_error(error: DbErr) -> StoreError {
    let kind: fn(Cause) -> StoreError = match &error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => StoreError::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            sqlx_kind(inner)
        }
        _ => StoreError::Failed,
    };
    kind(Box::new(error))
}

/// Classifies an error of the sqlx driver (the import's transaction, a lookup connection), keeping it as
/// the cause.
pub(crate) fn sqlx_error(error: sqlx::Error) -> StoreError {
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
pub(crate) fn sqlstate(error: &DbErr) -> Option<String> {
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
pub(crate) async fn within<T>(
    limit: Duration,
    work: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(limit, work)
        .await
        .unwrap_or_else(|source| {
            Err(StoreError::Unavailable(Box::new(NoAnswer {
                limit,
                source,
            })))
        })
}
