//! How this adapter writes SQL, in two ways (see README, "How SQL is written"):
//!
//! - a statement **built from parts** (optional filters, unions, column lists shared by
//!   several statements) is a sea-query builder, rendered with [`built`];
//! - a **fixed** statement is a named [`Fixed`] constant: its text once, with `$1`, `$2`...
//!   for its values, whose number is checked when the crate compiles, bound with
//!   [`Fixed::with`].
//!
//! Both give a sea-orm [`Statement`] (text and values), run on the shared pool by sea-orm or,
//! inside an import's transaction and on a lane (plain sqlx connections), through
//! [`on_sqlx`]. Rows are read back, column by column, with [`get`].

use sea_orm::sea_query::Values;
use sea_orm::sqlx::{self, AssertSqlSafe, Postgres};
use sea_orm::{DbBackend, QueryResult, Statement, StatementBuilder, TryGetable, Value};
use sea_query_sqlx::SqlxValues;
use zinc_ports::StoreError;

use crate::error::Inconsistency;

/// A statement built with sea-query, its values bound.
pub(crate) fn built(statement: &impl StatementBuilder) -> Statement {
    DbBackend::Postgres.build(statement)
}

/// A fixed statement's text with `N` numbered parameters (`$1` to `$N`, each used at least
/// once): [`Fixed::new`] refuses, at compile time, a text whose parameters are not those.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed<const N: usize>(&'static str);

impl<const N: usize> Fixed<N> {
    /// The statement `sql`; a `const` so that a mismatch stops the build.
    pub(crate) const fn new(sql: &'static str) -> Self {
        assert!(
            highest_parameter(sql) == N,
            "a fixed statement's parameters are not $1 to $N"
        );
        Fixed(sql)
    }

    /// The statement with `values` bound to `$1`... in order.
    pub(crate) fn with(&self, values: [Value; N]) -> Statement {
        Statement::from_sql_and_values(DbBackend::Postgres, self.0, values)
    }
}

/// The highest `$n` in `sql`.
const fn highest_parameter(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let (mut at, mut highest) = (0, 0);
    while at < bytes.len() {
        if bytes[at] == b'$' {
            let mut n = 0;
            at += 1;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                n = n * 10 + (bytes[at] - b'0') as usize;
                at += 1;
            }
            if n > highest {
                highest = n;
            }
        } else {
            at += 1;
        }
    }
    highest
}

/// `statement` as a sqlx query, for a connection sea-orm does not manage (an import's
/// transaction, a lane's connection).
pub(crate) fn on_sqlx(statement: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = statement.values.clone().unwrap_or(Values(Vec::new()));
    sqlx::query_with(AssertSqlSafe(statement.sql.as_str()), SqlxValues(values))
}

/// The value of `column` in `row`; a value that cannot be read as a `T` is inconsistent.
pub(crate) fn get<T: TryGetable>(row: &QueryResult, column: &str) -> Result<T, StoreError> {
    row.try_get("", column).map_err(|error| {
        StoreError::Inconsistent(Box::new(Inconsistency::Unreadable {
            column: column.to_owned(),
            source: Box::new(error),
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_parameter_is_found_whatever_the_digits() {
        assert_eq!(highest_parameter("SELECT 1"), 0);
        assert_eq!(highest_parameter("SELECT $2, $1"), 2);
        assert_eq!(highest_parameter("SELECT $12 WHERE x = $3"), 12);
    }
}
