//! The temporary tables an import keeps its sales in, each column written once: its name, its
//! type and how a domain value fills it. The DDL, the COPY statement, the rows a COPY sends and
//! the column lists of the set-based statements are all derived from these tables.
//!
//! The staged columns carry the names of the `orders` and `order_items` columns they become, so
//! the statements that write them can share one column list.
//!
//! Rows travel in COPY's binary format (PostgreSQL's manual, "COPY", "Binary Format"): each
//! value in the binary form of its column's type, as sqlx encodes a statement's parameter, so
//! that the server parses no text (numbers, dates and amounts read as text cost it about half
//! again as much as the same rows in binary).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::QueryResult;
use sea_orm::sqlx::encode::IsNull;
use sea_orm::sqlx::postgres::PgArgumentBuffer;
use sea_orm::sqlx::{Encode, Postgres};
use zinc_domain::{
    BatchNumber, ClientId, DiscountPercent, Label, Location, Money, Note, ProductName, Quantity,
    Sale, SaleDate, SaleId, SaleLine, SaleLineFields, UnitPrice, ValueError,
};
use zinc_ports::StoreError;

use crate::error::Inconsistency;
use crate::sql::{Numeric, decimal, get};

/// What a binary COPY's rows begin with: the signature, no flags, no header extension.
const BINARY_HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// What ends them: a row of -1 fields.
const BINARY_TRAILER: [u8; 2] = (-1i16).to_be_bytes();

/// The rows of one COPY as encoded so far, ended: ready to send.
pub(super) fn ended(mut rows: Vec<u8>) -> Vec<u8> {
    rows.extend_from_slice(&BINARY_TRAILER);
    rows
}

/// The SQL type of a staged column: how it is declared and which binary form it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SqlType {
    Bigint,
    Integer,
    Boolean,
    Date,
    Numeric,
    Text,
    Bytea,
}

impl SqlType {
    fn name(self) -> &'static str {
        match self {
            SqlType::Bigint => "bigint",
            SqlType::Integer => "integer",
            SqlType::Boolean => "boolean",
            SqlType::Date => "date",
            SqlType::Numeric => "numeric",
            SqlType::Text => "text",
            SqlType::Bytea => "bytea",
        }
    }
}

/// One value of a staged row.
#[derive(Clone, Copy, Debug)]
pub(super) enum Cell<'a> {
    Bool(bool),
    Int(i64),
    Text(&'a str),
    Decimal(Decimal),
    Date(NaiveDate),
    Bytes(&'a [u8]),
    Null,
}

impl<'a> Cell<'a> {
    fn text(value: Option<&'a str>) -> Cell<'a> {
        value.map_or(Cell::Null, Cell::Text)
    }
}

/// A column: its name, its SQL type and where its value comes from.
pub(super) struct Column<R> {
    pub name: &'static str,
    sql_type: SqlType,
    cell: fn(&R) -> Cell<'_>,
}

/// A temporary table of the import, dropped when its transaction ends.
pub(super) struct StagedTable<R: 'static> {
    pub name: &'static str,
    /// Columns that come first, filled by the caller (the order number of a sale, the
    /// `position` of a line).
    leading: &'static [(&'static str, SqlType)],
    pub columns: &'static [Column<R>],
}

impl<R> StagedTable<R> {
    /// `CREATE TEMPORARY TABLE ...`.
    pub fn ddl(&self) -> String {
        let columns: Vec<String> = self
            .leading
            .iter()
            .copied()
            .chain(self.columns.iter().map(|c| (c.name, c.sql_type)))
            .map(|(name, sql_type)| format!("{name} {}", sql_type.name()))
            .collect();
        format!(
            "CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP",
            self.name,
            columns.join(", ")
        )
    }

    /// The columns filled from the domain, comma-separated, each prefixed with `prefix`.
    pub fn column_list(&self, prefix: &str) -> String {
        let names: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{prefix}{}", c.name))
            .collect();
        names.join(", ")
    }

    /// The COPY statement reading this table's rows from the client.
    pub fn copy_statement(&self) -> String {
        self.copy_statement_into(self.name)
    }

    /// The same into another table with these columns.
    pub fn copy_statement_into(&self, table: &str) -> String {
        let names: Vec<&str> = self
            .leading
            .iter()
            .map(|(name, _)| *name)
            .chain(self.columns.iter().map(|c| c.name))
            .collect();
        format!(
            "COPY {table} ({}) FROM STDIN WITH (FORMAT binary)",
            names.join(", ")
        )
    }

    /// Appends to `out` the rows COPY reads: the leading cells given, then the row's own. The
    /// first row written to an empty `out` starts it with the format's header; [`ended`] ends
    /// it.
    pub fn encode<'r, L: AsRef<[Cell<'r>]>>(
        &self,
        out: &mut Vec<u8>,
        rows: impl IntoIterator<Item = (L, &'r R)>,
    ) -> Result<(), StoreError> {
        let fields = i16::try_from(self.leading.len() + self.columns.len()).map_err(|_| {
            Inconsistency::unexpected(format!("{} has too many columns", self.name))
        })?;
        let mut scratch = PgArgumentBuffer::default();
        for (leading, row) in rows {
            let leading = leading.as_ref();
            if leading.len() != self.leading.len() {
                return Err(Inconsistency::unexpected(format!(
                    "{} leading values for the {} of {}",
                    leading.len(),
                    self.leading.len(),
                    self.name
                )));
            }
            if out.is_empty() {
                out.extend_from_slice(BINARY_HEADER);
            }
            out.extend_from_slice(&fields.to_be_bytes());
            for (cell, (_, sql_type)) in leading.iter().zip(self.leading) {
                push_cell(out, &mut scratch, *sql_type, *cell)?;
            }
            for column in self.columns {
                push_cell(out, &mut scratch, column.sql_type, (column.cell)(row))?;
            }
        }
        Ok(())
    }
}

/// Appends a field to a binary row: its length, then its value in the binary form of
/// `sql_type` (sqlx's encoding of a parameter of that type), or a length of -1 for NULL.
fn push_cell(
    out: &mut Vec<u8>,
    scratch: &mut PgArgumentBuffer,
    sql_type: SqlType,
    cell: Cell<'_>,
) -> Result<(), StoreError> {
    let encoded = match (sql_type, cell) {
        (_, Cell::Null) => Ok(IsNull::Yes),
        (SqlType::Boolean, Cell::Bool(b)) => encode(scratch, b),
        (SqlType::Bigint, Cell::Int(n)) => encode(scratch, n),
        (SqlType::Integer, Cell::Int(n)) => {
            let n = i32::try_from(n).map_err(|_| {
                Inconsistency::unexpected(format!("{n} does not fit a staged integer column"))
            })?;
            encode(scratch, n)
        }
        // Through `Numeric`, which keeps a zero's scale (0.00 stays 0.00).
        (SqlType::Numeric, Cell::Decimal(d)) => encode(scratch, Numeric(d)),
        (SqlType::Date, Cell::Date(d)) => encode(scratch, d),
        (SqlType::Text, Cell::Text(text)) => encode(scratch, text),
        (SqlType::Bytea, Cell::Bytes(bytes)) => encode(scratch, bytes),
        (sql_type, cell) => {
            return Err(Inconsistency::unexpected(format!(
                "a staged {} column given {cell:?}",
                sql_type.name()
            )));
        }
    };
    match encoded {
        Ok(IsNull::Yes) => out.extend_from_slice(&(-1i32).to_be_bytes()),
        Ok(IsNull::No) => {
            let length = i32::try_from(scratch.len()).map_err(|_| {
                Inconsistency::unexpected(format!("a staged value of {} bytes", scratch.len()))
            })?;
            out.extend_from_slice(&length.to_be_bytes());
            out.extend_from_slice(scratch);
        }
        Err(error) => return Err(StoreError::Failed(error)),
    }
    Ok(())
}

/// `value` in sqlx's binary encoding for PostgreSQL, in `scratch` (emptied first).
fn encode<'q, T: Encode<'q, Postgres>>(
    scratch: &mut PgArgumentBuffer,
    value: T,
) -> Result<IsNull, sea_orm::sqlx::error::BoxDynError> {
    scratch.clear();
    value.encode_by_ref(scratch)
}

/// The lines of the staged sales (and, in a table of their own, loose lines waiting to be
/// assembled, the leading columns NULL).
/// `order_id` is the order number taken for the line's sale when it was staged (see
/// [`ORDERS`]); `position` is the line's place in its sale (from 1), the order item's
/// position; `first_of_product` says whether no earlier line of the sale has its product.
pub(super) const LINES: StagedTable<SaleLine> = StagedTable {
    name: "zinc_staged_lines",
    leading: &[
        ("order_id", SqlType::Bigint),
        ("position", SqlType::Integer),
        ("first_of_product", SqlType::Boolean),
    ],
    columns: &[
        Column {
            name: "line",
            sql_type: SqlType::Bigint,
            cell: |l| Cell::Int(l.line as i64),
        },
        Column {
            name: "sale_id",
            sql_type: SqlType::Bigint,
            cell: |l| Cell::Int(l.sale_id.get()),
        },
        Column {
            name: "date",
            sql_type: SqlType::Date,
            cell: |l| Cell::Date(l.date.get()),
        },
        Column {
            name: "client_id",
            sql_type: SqlType::Bigint,
            cell: |l| Cell::Int(l.client_id.get()),
        },
        Column {
            name: "location",
            sql_type: SqlType::Text,
            cell: |l| Cell::Text(l.location.as_str()),
        },
        Column {
            name: "product",
            sql_type: SqlType::Text,
            cell: |l| Cell::Text(l.product.as_str()),
        },
        // From here on, the columns of `order_items` (ITEM_COLUMNS_FROM).
        Column {
            name: "quantity",
            sql_type: SqlType::Integer,
            cell: |l| Cell::Int(l.quantity.get().into()),
        },
        Column {
            name: "unit_price",
            sql_type: SqlType::Numeric,
            cell: |l| Cell::Decimal(l.unit_price.amount()),
        },
        Column {
            name: "subtotal",
            sql_type: SqlType::Numeric,
            cell: |l| Cell::Decimal(l.subtotal.amount()),
        },
        Column {
            name: "discount_percentage",
            sql_type: SqlType::Numeric,
            cell: |l| Cell::Decimal(l.discount_percent.get()),
        },
        Column {
            name: "discount_amount",
            sql_type: SqlType::Numeric,
            cell: |l| Cell::Decimal(l.discount_amount.amount()),
        },
        Column {
            name: "tax",
            sql_type: SqlType::Numeric,
            cell: |l| Cell::Decimal(l.tax.amount()),
        },
        Column {
            name: "total",
            sql_type: SqlType::Numeric,
            cell: |l| Cell::Decimal(l.total.amount()),
        },
        Column {
            name: "amount_paid",
            sql_type: SqlType::Numeric,
            cell: |l| Cell::Decimal(l.amount_paid.amount()),
        },
        Column {
            name: "payment_method",
            sql_type: SqlType::Text,
            cell: |l| Cell::text(l.payment_method.as_ref().map(Label::as_str)),
        },
        Column {
            name: "batch_number",
            sql_type: SqlType::Bigint,
            cell: |l| l.batch_number.map_or(Cell::Null, |b| Cell::Int(b.get())),
        },
        Column {
            name: "sales_notes",
            sql_type: SqlType::Text,
            cell: |l| Cell::text(l.sales_notes.as_deref()),
        },
        Column {
            name: "notes",
            sql_type: SqlType::Text,
            cell: |l| Cell::text(l.notes.as_ref().map(Note::as_str)),
        },
        Column {
            name: "color",
            sql_type: SqlType::Text,
            cell: |l| Cell::text(l.color.as_ref().map(Label::as_str)),
        },
        Column {
            name: "size",
            sql_type: SqlType::Text,
            cell: |l| Cell::text(l.size.as_ref().map(Label::as_str)),
        },
    ],
};

/// Where in [`LINES`] the columns of `order_items` begin.
pub(super) const ITEM_COLUMNS_FROM: usize = 6;

/// The `order_items` columns a staged line fills, prefixed with `prefix`.
pub(super) fn item_column_list(prefix: &str) -> String {
    let names: Vec<String> = LINES.columns[ITEM_COLUMNS_FROM..]
        .iter()
        .map(|c| format!("{prefix}{}", c.name))
        .collect();
    names.join(", ")
}

/// The orders of the staged sales (a Sale ID staged twice until its runs are assembled whole).
/// Every column is a column of `orders`. `order_id` leads: the number taken from the orders'
/// sequence for the sale as it was staged, and given to its lines too, so that a new order and
/// its items are written without looking one up for the other (a sale found stored keeps its
/// number, and the one taken is left unused).
pub(super) const ORDERS: StagedTable<Sale> = StagedTable {
    name: "zinc_staged_orders",
    leading: &[("order_id", SqlType::Bigint)],
    columns: &[
        Column {
            name: "sale_id",
            sql_type: SqlType::Bigint,
            cell: |s| Cell::Int(s.sale_id().get()),
        },
        Column {
            name: "client_id",
            sql_type: SqlType::Bigint,
            cell: |s| Cell::Int(s.client_id().get()),
        },
        Column {
            name: "date",
            sql_type: SqlType::Date,
            cell: |s| Cell::Date(s.date().get()),
        },
        Column {
            name: "location",
            sql_type: SqlType::Text,
            cell: |s| Cell::Text(s.location().as_str()),
        },
        Column {
            name: "payment_method",
            sql_type: SqlType::Text,
            cell: |s| Cell::text(s.payment_method().map(Label::as_str)),
        },
        Column {
            name: "batch_number",
            sql_type: SqlType::Bigint,
            cell: |s| s.batch_number().map_or(Cell::Null, |b| Cell::Int(b.get())),
        },
        Column {
            name: "sales_notes",
            sql_type: SqlType::Text,
            cell: |s| Cell::text(s.sales_notes()),
        },
        Column {
            name: "notes",
            sql_type: SqlType::Text,
            cell: |s| Cell::text(s.notes().map(Note::as_str)),
        },
        Column {
            name: "subtotal",
            sql_type: SqlType::Numeric,
            cell: |s| Cell::Decimal(s.subtotal().amount()),
        },
        Column {
            name: "discount_percentage",
            sql_type: SqlType::Numeric,
            cell: |s| Cell::Decimal(s.discount_percent().get()),
        },
        Column {
            name: "discount_amount",
            sql_type: SqlType::Numeric,
            cell: |s| Cell::Decimal(s.discount_amount().amount()),
        },
        Column {
            name: "tax",
            sql_type: SqlType::Numeric,
            cell: |s| Cell::Decimal(s.tax().amount()),
        },
        Column {
            name: "total",
            sql_type: SqlType::Numeric,
            cell: |s| Cell::Decimal(s.total().amount()),
        },
        Column {
            name: "amount_paid",
            sql_type: SqlType::Numeric,
            cell: |s| Cell::Decimal(s.amount_paid().amount()),
        },
        Column {
            name: "fingerprint",
            sql_type: SqlType::Bytea,
            cell: |s| Cell::Bytes(s.fingerprint().as_slice()),
        },
    ],
};

/// Rebuilds a staged line through the domain's constructors: the store is not trusted blindly.
pub(super) fn line_from_row(row: &QueryResult) -> Result<SaleLine, StoreError> {
    let line: i64 = get(row, "line")?;
    let bad = |column: &str, e: ValueError| {
        Inconsistency::breaks_rule(&format!("staged line {line}'s {column}"), e)
    };
    let text = |column: &str| get::<Option<String>>(row, column);
    let money = |column: &str| -> Result<Money, StoreError> {
        Money::new(decimal(row, column)?).map_err(|e| bad(column, e))
    };
    let fields = SaleLineFields {
        line: line as u64,
        sale_id: SaleId::new(get(row, "sale_id")?).map_err(|e| bad("sale_id", e))?,
        date: SaleDate::new(get::<NaiveDate>(row, "date")?, NaiveDate::MAX)
            .map_err(|e| bad("date", e))?,
        client_id: ClientId::new(get(row, "client_id")?).map_err(|e| bad("client_id", e))?,
        location: Location::parse(&get::<String>(row, "location")?)
            .map_err(|e| bad("location", e))?,
        payment_method: text("payment_method")?.and_then(|t| Label::parse_optional(&t)),
        product: ProductName::parse(&get::<String>(row, "product")?)
            .map_err(|e| bad("product", e))?,
        batch_number: get::<Option<i64>>(row, "batch_number")?
            .map(BatchNumber::new)
            .transpose()
            .map_err(|e| bad("batch_number", e))?,
        sales_notes: text("sales_notes")?,
        notes: match text("notes")? {
            Some(t) => Note::parse_optional(&t).map_err(|e| bad("notes", e))?,
            None => None,
        },
        color: text("color")?.and_then(|t| Label::parse_optional(&t)),
        size: text("size")?.and_then(|t| Label::parse_optional(&t)),
        unit_price: UnitPrice::new(decimal(row, "unit_price")?)
            .map_err(|e| bad("unit_price", e))?,
        quantity: Quantity::new(get(row, "quantity")?).map_err(|e| bad("quantity", e))?,
        subtotal: money("subtotal")?,
        discount_percent: DiscountPercent::new(decimal(row, "discount_percentage")?)
            .map_err(|e| bad("discount_percentage", e))?,
        discount_amount: money("discount_amount")?,
        tax: money("tax")?,
        total: money("total")?,
        amount_paid: money("amount_paid")?,
    };
    SaleLine::new(fields).map_err(|problems| {
        Inconsistency::unexpected(format!(
            "staged line {line} breaks a rule: {}",
            problems[0].message
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_item_columns_are_the_order_items_columns_a_line_fills() {
        assert_eq!(LINES.columns[ITEM_COLUMNS_FROM].name, "quantity");
        assert_eq!(
            item_column_list("l."),
            "l.quantity, l.unit_price, l.subtotal, l.discount_percentage, l.discount_amount, \
             l.tax, l.total, l.amount_paid, l.payment_method, l.batch_number, l.sales_notes, \
             l.notes, l.color, l.size"
        );
    }

    #[test]
    fn copy_reads_the_leading_columns_then_the_domain_ones() {
        let statement = LINES.copy_statement();
        assert!(
            statement
                .starts_with("COPY zinc_staged_lines (order_id, position, first_of_product, line,")
        );
        assert!(statement.ends_with("size) FROM STDIN WITH (FORMAT binary)"));
    }

    #[test]
    fn each_cell_takes_the_binary_form_of_its_columns_type() {
        let field = |sql_type, cell| {
            let mut out = Vec::new();
            push_cell(&mut out, &mut PgArgumentBuffer::default(), sql_type, cell).unwrap();
            out
        };
        let length = |out: &[u8]| i32::from_be_bytes(out[..4].try_into().unwrap());
        assert_eq!(field(SqlType::Text, Cell::Null), (-1i32).to_be_bytes());
        assert_eq!(field(SqlType::Boolean, Cell::Bool(true)), [0, 0, 0, 1, 1]);
        assert_eq!(
            field(SqlType::Bigint, Cell::Int(-7))[4..],
            (-7i64).to_be_bytes()
        );
        // An integer column takes four bytes, a bigint eight: COPY refuses any other length.
        assert_eq!(length(&field(SqlType::Integer, Cell::Int(3))), 4);
        assert_eq!(length(&field(SqlType::Bigint, Cell::Int(3))), 8);
        assert_eq!(
            &field(SqlType::Text, Cell::Text("a, \"b\""))[4..],
            b"a, \"b\""
        );
        assert_eq!(
            &field(SqlType::Bytea, Cell::Bytes(&[0x00, 0xab]))[4..],
            [0x00, 0xab]
        );
        // Days since 2000-01-01.
        let date = NaiveDate::from_ymd_opt(2000, 1, 31).unwrap();
        assert_eq!(
            field(SqlType::Date, Cell::Date(date))[4..],
            30i32.to_be_bytes()
        );
        // A numeric keeps its scale (its fourth 16-bit word): 12.50 stays 12.50, not 12.5.
        let amount = field(SqlType::Numeric, Cell::Decimal("12.50".parse().unwrap()));
        assert_eq!(amount[10..12], 2u16.to_be_bytes());
        // So does a zero (which sqlx would write at scale 0): 0.0 stays 0.0.
        let zero = field(SqlType::Numeric, Cell::Decimal("0.0".parse().unwrap()));
        assert_eq!(zero, [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn a_value_of_another_type_than_its_column_is_refused() {
        let mut out = Vec::new();
        let refused = push_cell(
            &mut out,
            &mut PgArgumentBuffer::default(),
            SqlType::Numeric,
            Cell::Text("12.50"),
        );
        assert!(refused.is_err());
        let too_big = push_cell(
            &mut out,
            &mut PgArgumentBuffer::default(),
            SqlType::Integer,
            Cell::Int(i64::from(i32::MAX) + 1),
        );
        assert!(too_big.is_err());
    }

    #[test]
    fn rows_start_with_the_header_and_end_with_the_trailer() {
        const TABLE: StagedTable<u8> = StagedTable {
            name: "zinc_test",
            leading: &[("n", SqlType::Bigint)],
            columns: &[Column {
                name: "v",
                sql_type: SqlType::Integer,
                cell: |v| Cell::Int(i64::from(*v)),
            }],
        };
        let mut out = Vec::new();
        TABLE
            .encode(&mut out, std::iter::empty::<([Cell<'_>; 1], &u8)>())
            .unwrap();
        assert!(out.is_empty(), "no row, no header");
        TABLE
            .encode(&mut out, [([Cell::Int(1)], &7), ([Cell::Null], &8)])
            .unwrap();
        let rows = ended(out);
        let mut expected = BINARY_HEADER.to_vec();
        for (n, v) in [(Some(1i64), 7i32), (None, 8)] {
            expected.extend_from_slice(&2i16.to_be_bytes());
            match n {
                Some(n) => {
                    expected.extend_from_slice(&8i32.to_be_bytes());
                    expected.extend_from_slice(&n.to_be_bytes());
                }
                None => expected.extend_from_slice(&(-1i32).to_be_bytes()),
            }
            expected.extend_from_slice(&4i32.to_be_bytes());
            expected.extend_from_slice(&v.to_be_bytes());
        }
        expected.extend_from_slice(&(-1i16).to_be_bytes());
        assert_eq!(rows, expected);
        // A row given the wrong number of leading values is refused.
        assert!(TABLE.encode(&mut Vec::new(), [([], &7)]).is_err());
    }
}
