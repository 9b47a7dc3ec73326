//! The temporary tables an import keeps its sales in, each column written once: its name, its
//! type and how a domain value fills it. The DDL, the COPY statement, the CSV a COPY sends and
//! the column lists of the set-based statements are all derived from these tables.
//!
//! The staged columns carry the names of the `orders` and `order_items` columns they become, so
//! the statements that write them can share one column list.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::QueryResult;
use zinc_domain::{
    BatchNumber, ClientId, DiscountPercent, Label, Location, Money, Note, ProductName, Quantity,
    Sale, SaleDate, SaleId, SaleLine, SaleLineFields, UnitPrice, ValueError, plain,
};
use zinc_ports::StoreError;

use crate::error::Inconsistency;
use crate::sql::{decimal, get};

/// One value of a staged row, as COPY's CSV format reads it.
#[derive(Clone, Copy)]
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
    sql_type: &'static str,
    cell: fn(&R) -> Cell<'_>,
}

/// A temporary table of the import, dropped when its transaction ends.
pub(super) struct StagedTable<R: 'static> {
    pub name: &'static str,
    /// Columns that come first, filled by the caller (the order number of a sale, the
    /// `position` of a line).
    leading: &'static [(&'static str, &'static str)],
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
            .map(|(name, sql_type)| format!("{name} {sql_type}"))
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

    /// The COPY statement reading this table's CSV from the client.
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
            "COPY {table} ({}) FROM STDIN WITH (FORMAT csv)",
            names.join(", ")
        )
    }

    /// Appends to `out` the CSV rows COPY reads: the leading cells given, then the row's own.
    pub fn encode<'r, L: AsRef<[Cell<'r>]>>(
        &self,
        out: &mut Vec<u8>,
        rows: impl IntoIterator<Item = (L, &'r R)>,
    ) -> Result<(), StoreError> {
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        let mut record = csv::ByteRecord::new();
        let mut scratch = Vec::new();
        for (leading, row) in rows {
            record.clear();
            for cell in leading.as_ref() {
                push_cell(&mut record, &mut scratch, cell);
            }
            for column in self.columns {
                push_cell(&mut record, &mut scratch, &(column.cell)(row));
            }
            csv.write_byte_record(&record).map_err(encoding)?;
        }
        csv.flush()
            .map_err(|error| StoreError::Failed(Box::new(error)))
    }
}

/// Appends a cell to a CSV record: an empty unquoted field is NULL to COPY, and the domain never
/// holds an empty text, so nothing else is ever written empty. Numbers and dates are written
/// without `fmt` (an import writes millions of them).
fn push_cell(record: &mut csv::ByteRecord, scratch: &mut Vec<u8>, cell: &Cell<'_>) {
    scratch.clear();
    match cell {
        Cell::Null => record.push_field(b""),
        Cell::Bool(b) => record.push_field(if *b { b"t" } else { b"f" }),
        Cell::Text(text) => record.push_field(text.as_bytes()),
        Cell::Int(n) => {
            plain::push_integer(scratch, *n);
            record.push_field(scratch);
        }
        Cell::Decimal(d) => {
            plain::push_decimal(scratch, *d);
            record.push_field(scratch);
        }
        Cell::Date(d) => {
            plain::push_date(scratch, *d);
            record.push_field(scratch);
        }
        Cell::Bytes(bytes) => {
            scratch.extend_from_slice(b"\\x");
            scratch.extend_from_slice(hex::encode(bytes).as_bytes());
            record.push_field(scratch);
        }
    }
}

fn encoding(error: csv::Error) -> StoreError {
    StoreError::Failed(Box::new(error))
}

/// The lines of the staged sales (and, in a table of their own, loose lines waiting to be
/// assembled, the leading columns NULL).
/// `order_id` is the order number taken for the line's sale when it was staged (see
/// [`ORDERS`]); `position` is the line's place in its sale (from 1), the order item's
/// position; `first_of_product` says whether no earlier line of the sale has its product.
pub(super) const LINES: StagedTable<SaleLine> = StagedTable {
    name: "zinc_staged_lines",
    leading: &[
        ("order_id", "bigint"),
        ("position", "integer"),
        ("first_of_product", "boolean"),
    ],
    columns: &[
        Column {
            name: "line",
            sql_type: "bigint",
            cell: |l| Cell::Int(l.line as i64),
        },
        Column {
            name: "sale_id",
            sql_type: "bigint",
            cell: |l| Cell::Int(l.sale_id.get()),
        },
        Column {
            name: "date",
            sql_type: "date",
            cell: |l| Cell::Date(l.date.get()),
        },
        Column {
            name: "client_id",
            sql_type: "bigint",
            cell: |l| Cell::Int(l.client_id.get()),
        },
        Column {
            name: "location",
            sql_type: "text",
            cell: |l| Cell::Text(l.location.as_str()),
        },
        Column {
            name: "product",
            sql_type: "text",
            cell: |l| Cell::Text(l.product.as_str()),
        },
        // From here on, the columns of `order_items` (ITEM_COLUMNS_FROM).
        Column {
            name: "quantity",
            sql_type: "integer",
            cell: |l| Cell::Int(l.quantity.get().into()),
        },
        Column {
            name: "unit_price",
            sql_type: "numeric",
            cell: |l| Cell::Decimal(l.unit_price.amount()),
        },
        Column {
            name: "subtotal",
            sql_type: "numeric",
            cell: |l| Cell::Decimal(l.subtotal.amount()),
        },
        Column {
            name: "discount_percentage",
            sql_type: "numeric",
            cell: |l| Cell::Decimal(l.discount_percent.get()),
        },
        Column {
            name: "discount_amount",
            sql_type: "numeric",
            cell: |l| Cell::Decimal(l.discount_amount.amount()),
        },
        Column {
            name: "tax",
            sql_type: "numeric",
            cell: |l| Cell::Decimal(l.tax.amount()),
        },
        Column {
            name: "total",
            sql_type: "numeric",
            cell: |l| Cell::Decimal(l.total.amount()),
        },
        Column {
            name: "amount_paid",
            sql_type: "numeric",
            cell: |l| Cell::Decimal(l.amount_paid.amount()),
        },
        Column {
            name: "payment_method",
            sql_type: "text",
            cell: |l| Cell::text(l.payment_method.as_ref().map(Label::as_str)),
        },
        Column {
            name: "batch_number",
            sql_type: "bigint",
            cell: |l| l.batch_number.map_or(Cell::Null, |b| Cell::Int(b.get())),
        },
        Column {
            name: "sales_notes",
            sql_type: "text",
            cell: |l| Cell::text(l.sales_notes.as_deref()),
        },
        Column {
            name: "notes",
            sql_type: "text",
            cell: |l| Cell::text(l.notes.as_ref().map(Note::as_str)),
        },
        Column {
            name: "color",
            sql_type: "text",
            cell: |l| Cell::text(l.color.as_ref().map(Label::as_str)),
        },
        Column {
            name: "size",
            sql_type: "text",
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
    leading: &[("order_id", "bigint")],
    columns: &[
        Column {
            name: "sale_id",
            sql_type: "bigint",
            cell: |s| Cell::Int(s.sale_id().get()),
        },
        Column {
            name: "client_id",
            sql_type: "bigint",
            cell: |s| Cell::Int(s.client_id().get()),
        },
        Column {
            name: "date",
            sql_type: "date",
            cell: |s| Cell::Date(s.date().get()),
        },
        Column {
            name: "location",
            sql_type: "text",
            cell: |s| Cell::Text(s.location().as_str()),
        },
        Column {
            name: "payment_method",
            sql_type: "text",
            cell: |s| Cell::text(s.payment_method().map(Label::as_str)),
        },
        Column {
            name: "batch_number",
            sql_type: "bigint",
            cell: |s| s.batch_number().map_or(Cell::Null, |b| Cell::Int(b.get())),
        },
        Column {
            name: "sales_notes",
            sql_type: "text",
            cell: |s| Cell::text(s.sales_notes()),
        },
        Column {
            name: "notes",
            sql_type: "text",
            cell: |s| Cell::text(s.notes().map(Note::as_str)),
        },
        Column {
            name: "subtotal",
            sql_type: "numeric",
            cell: |s| Cell::Decimal(s.subtotal().amount()),
        },
        Column {
            name: "discount_percentage",
            sql_type: "numeric",
            cell: |s| Cell::Decimal(s.discount_percent().get()),
        },
        Column {
            name: "discount_amount",
            sql_type: "numeric",
            cell: |s| Cell::Decimal(s.discount_amount().amount()),
        },
        Column {
            name: "tax",
            sql_type: "numeric",
            cell: |s| Cell::Decimal(s.tax().amount()),
        },
        Column {
            name: "total",
            sql_type: "numeric",
            cell: |s| Cell::Decimal(s.total().amount()),
        },
        Column {
            name: "amount_paid",
            sql_type: "numeric",
            cell: |s| Cell::Decimal(s.amount_paid().amount()),
        },
        Column {
            name: "fingerprint",
            sql_type: "bytea",
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
        assert!(statement.ends_with("size) FROM STDIN WITH (FORMAT csv)"));
    }

    #[test]
    fn cells_are_written_as_copy_reads_them() {
        let mut record = csv::ByteRecord::new();
        let mut scratch = Vec::new();
        for cell in [
            Cell::Null,
            Cell::Bool(true),
            Cell::Text("a \"quoted\", note"),
            Cell::Int(-7),
            Cell::Decimal("12.50".parse().unwrap()),
            Cell::Date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()),
            Cell::Bytes(&[0x00, 0xab]),
        ] {
            push_cell(&mut record, &mut scratch, &cell);
        }
        let mut csv = csv::WriterBuilder::new().from_writer(Vec::new());
        csv.write_byte_record(&record).unwrap();
        let text = String::from_utf8(csv.into_inner().unwrap()).unwrap();
        assert_eq!(
            text,
            ",t,\"a \"\"quoted\"\", note\",-7,12.50,2025-03-01,\\x00ab\n"
        );
    }
}
