//! How this adapter writes SQL, in two ways (see README, "How SQL is written"):
//!
//! - a statement **built from parts** (optional filters, unions, column lists shared by
//!   several statements) is a sea-query builder, rendered with [`built`];
//! - a **fixed** statement is a named [`Fixed`] constant: its text once, with `$1`, `$2`...
//!   for its values, whose number is checked when the crate compiles, bound with
//!   [`Fixed::with`].
//!
//! Both give a sea-orm [`Statement`] (text and values), run on the shared pool by sea-orm or,
//! inside an import's transaction and on lookup connections (plain sqlx connections), through
//! [`on_sqlx`]. Rows are read back, column by column, with [`get`]; a NUMERIC with
//! [`decimal`], which keeps the scale of zero. A statement on the hot path (the order lookup)
//! is read by position instead, from sqlx's row, with [`get_at`] and [`decimal_at`]: reading
//! by name through sea-orm cost more than the rest of its decoding.

use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, SelectStatement, Values};
use sea_orm::sqlx::encode::IsNull;
use sea_orm::sqlx::error::BoxDynError;
use sea_orm::sqlx::postgres::{PgArgumentBuffer, PgRow, PgTypeInfo, PgValueFormat, PgValueRef};
use sea_orm::sqlx::{self, AssertSqlSafe, Postgres, Row};
use sea_orm::{
    ColIdx, DbBackend, DbErr, QueryResult, RuntimeErr, Statement, StatementBuilder, TryGetError,
    TryGetable, Value,
};
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
/// transaction, a lookup connection).
pub(crate) fn on_sqlx(statement: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = statement.values.clone().unwrap_or(Values(Vec::new()));
    sqlx::query_with(AssertSqlSafe(statement.sql.as_str()), SqlxValues(values))
}

/// The value of `column` in `row`; a value that cannot be read as a `T` is inconsistent.
pub(crate) fn get<T: TryGetable>(row: &QueryResult, column: &str) -> Result<T, StoreError> {
    row.try_get("", column)
        .map_err(|error| unreadable(column, error))
}

/// The NUMERIC `column` of `row` as a decimal of the scale the store holds, zero included.
pub(crate) fn decimal(row: &QueryResult, column: &str) -> Result<Decimal, StoreError> {
    get::<Numeric>(row, column).map(|n| n.0)
}

/// A column of a statement's select list: its name, and where the list has it (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) at: usize,
}

/// The value of `column` in `row`, read by its position; as [`get`] otherwise (a value that
/// cannot be read as a `T`, NULL included unless `T` is an `Option`, is inconsistent, named by
/// the column's name). Debug builds check that the column there has that name.
pub(crate) fn get_at<'r, T>(row: &'r PgRow, column: Column) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    debug_assert_eq!(
        row.columns().get(column.at).map(sqlx::Column::name),
        Some(column.name),
        "the select list has another column at {}",
        column.at
    );
    row.try_get(column.at)
        .map_err(|error| unreadable(column.name, error))
}

/// The NUMERIC `column` of `row`, read by its position, as [`decimal`] reads it.
pub(crate) fn decimal_at(row: &PgRow, column: Column) -> Result<Decimal, StoreError> {
    get_at::<Numeric>(row, column).map(|n| n.0)
}

/// Selects the NUMERIC `field` of the table under `alias` in PostgreSQL's text form, under its
/// own name: what [`decimal_text_at`] reads. For statements of many rows: parsing a value's
/// digits costs the server a fraction of sqlx's conversion of the binary form (which raises
/// 10,000 to each digit group's power), and the database no more.
pub(crate) fn numeric_as_text(select: &mut SelectStatement, alias: &str, field: &'static str) {
    select.expr_as(Expr::cust(format!("{alias}.{field}::text")), field);
}

/// The NUMERIC `column` of `row`, selected by [`numeric_as_text`], read by its position: its
/// digits parsed exactly, its scale kept (zero's too).
pub(crate) fn decimal_text_at(row: &PgRow, column: Column) -> Result<Decimal, StoreError> {
    let text: &str = get_at(row, column)?;
    Decimal::from_str_exact(text).map_err(|error| unreadable(column.name, error))
}

/// sqlx's row under sea-orm's `row`, to read by position.
pub(crate) fn pg_row(row: &QueryResult) -> Result<&PgRow, StoreError> {
    row.try_as_pg_row()
        .ok_or_else(|| Inconsistency::unexpected("a row not of PostgreSQL"))
}

/// `column` could not be read: `error` says why.
fn unreadable(column: &str, error: impl Into<zinc_ports::Cause>) -> StoreError {
    StoreError::Inconsistent(Box::new(Inconsistency::Unreadable {
        column: column.to_owned(),
        source: error.into(),
    }))
}

/// A NUMERIC read and written with its scale. sqlx (0.9) reads every zero as a scale-less
/// `0`, though PostgreSQL sends `0.00` with its scale (its display scale, the digits being
/// none), and writes every zero at scale 0 (its `PgNumeric::ZERO`): this keeps that scale both
/// ways. It can go when sqlx keeps it (`TryFrom<&PgNumeric> for Decimal`, "Postgres returns an
/// empty digit array for 0", and `From<&Decimal> for PgNumeric`).
pub(crate) struct Numeric(pub(crate) Decimal);

impl sqlx::Type<Postgres> for Numeric {
    fn type_info() -> PgTypeInfo {
        <Decimal as sqlx::Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <Decimal as sqlx::Type<Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Postgres> for Numeric {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let scale = numeric_scale(&value)?;
        let mut decimal = <Decimal as sqlx::Decode<Postgres>>::decode(value)?;
        if decimal.is_zero() {
            decimal.rescale(scale);
        }
        Ok(Numeric(decimal))
    }
}

impl sqlx::Encode<'_, Postgres> for Numeric {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        if !self.0.is_zero() {
            return self.0.encode_by_ref(buf);
        }
        // No digits, weight 0, positive, then the display scale (at most 28 in a Decimal).
        buf.extend_from_slice(&[0; NUMERIC_SCALE_AT]);
        buf.extend_from_slice(&(self.0.scale() as u16).to_be_bytes());
        Ok(IsNull::No)
    }
}

/// Where a NUMERIC's binary form holds its display scale: the fourth 16-bit word, after the
/// number of digits, the weight and the sign.
const NUMERIC_SCALE_AT: usize = 6;

/// The display scale of a NUMERIC: in its binary form at [`NUMERIC_SCALE_AT`]; in its text
/// form the digits after the point.
fn numeric_scale(value: &PgValueRef<'_>) -> Result<u32, BoxDynError> {
    match value.format() {
        PgValueFormat::Binary => match value
            .as_bytes()?
            .get(NUMERIC_SCALE_AT..NUMERIC_SCALE_AT + 2)
        {
            Some(&[high, low]) => Ok(u32::from(u16::from_be_bytes([high, low]))),
            _ => Err("a NUMERIC shorter than its header".into()),
        },
        PgValueFormat::Text => Ok(value
            .as_str()?
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len() as u32)),
    }
}

impl TryGetable for Numeric {
    fn try_get_by<I: ColIdx>(result: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let row = result
            .try_as_pg_row()
            .ok_or_else(|| DbErr::Type("a NUMERIC read from a row not of PostgreSQL".into()))?;
        row.try_get::<Option<Numeric>, _>(index.as_sqlx_postgres_index())
            .map_err(|e| TryGetError::DbErr(DbErr::Query(RuntimeErr::SqlxError(e.into()))))?
            .ok_or_else(|| TryGetError::Null(format!("{index:?}")))
    }
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
