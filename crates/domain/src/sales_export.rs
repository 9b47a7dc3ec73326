//! Writing stored orders back as a point-of-sale export: the reader's own columns, in the
//! reference order ([`Column::ALL`]), one row per order item.

use std::borrow::Cow;
use std::io;

use crate::{Column, NO_VALUE, Order, OrderItem, OrderWithItems, formula};

/// How the reference export writes a sale date (month first, zero-padded); the reader reads
/// it back ([`SaleDate::parse`](crate::SaleDate::parse)).
pub const EXPORT_DATE_FORMAT: &str = "%m/%d/%Y";

/// The text of `column` for `item` of `order`, as the reader reads it back to the same value:
/// amounts exactly as stored (their scale kept), absent labels as the export's `---`, absent
/// notes as an empty cell, and a text a spreadsheet would run as a formula marked as text
/// ([`formula::written`]).
pub fn export_cell<'a>(order: &'a Order, item: &'a OrderItem, column: Column) -> Cow<'a, str> {
    match value_cell(order, item, column) {
        Cow::Borrowed(value) => formula::written(value),
        Cow::Owned(value) => match formula::written(&value) {
            Cow::Owned(marked) => Cow::Owned(marked),
            Cow::Borrowed(_) => Cow::Owned(value),
        },
    }
}

/// The value of `column` for `item` of `order`, before [`formula::written`].
fn value_cell<'a>(order: &'a Order, item: &'a OrderItem, column: Column) -> Cow<'a, str> {
    let or_marker = |value: Option<&'a str>| Cow::Borrowed(value.unwrap_or(NO_VALUE));
    let or_empty = |value: Option<&'a str>| Cow::Borrowed(value.unwrap_or(""));
    match column {
        Column::SaleDate => Cow::Owned(order.date.format(EXPORT_DATE_FORMAT).to_string()),
        Column::ClientId => Cow::Owned(order.client_id.to_string()),
        Column::SaleId => Cow::Owned(order.sale_id.to_string()),
        Column::ItemName => Cow::Borrowed(item.product_name.as_str()),
        Column::BatchNumber => item
            .batch_number
            .map_or(Cow::Borrowed(NO_VALUE), |b| Cow::Owned(b.to_string())),
        Column::SalesNotes => or_empty(item.sales_notes.as_deref()),
        Column::Location => Cow::Borrowed(order.location.as_str()),
        Column::Notes => or_empty(item.notes.as_deref()),
        Column::Color => or_marker(item.color.as_deref()),
        Column::Size => or_marker(item.size.as_deref()),
        Column::ItemPrice => Cow::Owned(item.unit_price.to_string()),
        Column::Quantity => Cow::Owned(item.quantity.to_string()),
        Column::Subtotal => Cow::Owned(item.subtotal.to_string()),
        Column::DiscountPercent => Cow::Owned(item.discount_percentage.to_string()),
        Column::DiscountAmount => Cow::Owned(item.discount_amount.to_string()),
        Column::Tax => Cow::Owned(item.tax.to_string()),
        Column::ItemTotal => Cow::Owned(item.total.to_string()),
        Column::TotalPaid => Cow::Owned(item.amount_paid.to_string()),
        Column::PaymentMethod => or_empty(item.payment_method.as_deref()),
    }
}

/// Writes orders as an export the importer reads back to the same orders: the header, then one
/// row per item, the items of an order in their stored order.
///
/// ```
/// use zinc_domain::SalesExportWriter;
///
/// let writer = SalesExportWriter::new(Vec::new())?;
/// let header = String::from_utf8(writer.into_inner()?)?;
/// assert!(header.starts_with("Sale Date,Client ID,Sale ID,Item name,Batch #"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SalesExportWriter<W: io::Write> {
    writer: csv::Writer<W>,
}

impl<W: io::Write> SalesExportWriter<W> {
    /// A writer that has written the header line.
    pub fn new(into: W) -> io::Result<Self> {
        let mut writer = SalesExportWriter::continuing(into);
        writer
            .writer
            .write_record(Column::ALL.map(Column::header))?;
        Ok(writer)
    }

    /// A writer for rows that follow others already written (the header included): an export
    /// streamed page by page writes each page with a writer of its own.
    pub fn continuing(into: W) -> Self {
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(into);
        SalesExportWriter { writer }
    }

    /// Writes one row per item of `order`.
    pub fn write_order(&mut self, order: &OrderWithItems) -> io::Result<()> {
        for item in &order.items {
            let cells = Column::ALL.map(|column| export_cell(&order.order, item, column));
            self.writer
                .write_record(cells.iter().map(|cell| cell.as_bytes()))?;
        }
        Ok(())
    }

    /// Flushes and returns the destination.
    pub fn into_inner(self) -> io::Result<W> {
        self.writer
            .into_inner()
            .map_err(|error| io::Error::other(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::{
        ClientId, ImportId, Location, Money, OrderId, ProductId, ProductName, Quantity,
        SaleGrouper, SaleId, SalesCsvReader, UnitPrice,
    };

    fn money(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn order() -> OrderWithItems {
        let at = chrono::DateTime::UNIX_EPOCH;
        let item = OrderItem {
            position: 1,
            product_id: ProductId::new(1),
            product_name: ProductName::parse("Club set rental").unwrap(),
            quantity: Quantity::new(2).unwrap(),
            unit_price: UnitPrice::parse("2.000").unwrap(),
            subtotal: money("4.000"),
            discount_percentage: crate::DiscountPercent::parse("10").unwrap(),
            discount_amount: money("0.4"),
            tax: money("0.324"),
            total: money("3.924"),
            amount_paid: money("3.92"),
            payment_method: Some("Credit card (AMEX-Keyed)".to_owned()),
            batch_number: None,
            sales_notes: Some("comp, \"VIP\"\nsecond line".to_owned()),
            notes: None,
            color: None,
            size: Some("M".to_owned()),
        };
        OrderWithItems {
            order: Order {
                id: OrderId::new(1),
                sale_id: SaleId::new(3965).unwrap(),
                client_id: ClientId::new(100002154).unwrap(),
                date: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
                location: Location::GolfExperience,
                payment_method: item.payment_method.clone(),
                batch_number: None,
                sales_notes: item.sales_notes.clone(),
                notes: None,
                subtotal: item.subtotal,
                discount_percentage: item.discount_percentage,
                discount_amount: item.discount_amount,
                tax: item.tax,
                total: item.total,
                amount_paid: item.amount_paid,
                item_count: 1,
                import_id: ImportId::new(1),
                created_at: at,
                updated_at: at,
            },
            items: vec![item],
        }
    }

    #[test]
    fn writes_the_reference_header_and_one_row_per_item() {
        let mut writer = SalesExportWriter::new(Vec::new()).unwrap();
        writer.write_order(&order()).unwrap();
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let mut lines = text.split("\r\n");
        let header: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
        assert_eq!(lines.next().unwrap(), header.join(","));
        assert!(
            text.contains("03/01/2025,100002154,3965,Club set rental,---,\"comp, \"\"VIP\"\"\nsecond line\",Golf - experience,,---,M,2.000,2,4.000,10,0.4,0.324,3.924,3.92,Credit card (AMEX-Keyed)\r\n"),
            "{text}"
        );
    }

    #[test]
    fn an_exported_order_reads_back_as_the_same_sale() {
        let exported = order();
        let mut writer = SalesExportWriter::new(Vec::new()).unwrap();
        writer.write_order(&exported).unwrap();
        let bytes = writer.into_inner().unwrap();
        let latest = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let lines: Vec<_> = SalesCsvReader::new(bytes.as_slice(), latest)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut grouper = SaleGrouper::new();
        assert!(grouper.push(lines).is_empty());
        let sale = crate::Sale::assemble(grouper.finish().unwrap()).unwrap();
        let line = &sale.lines()[0];
        let item = &exported.items[0];
        assert_eq!(sale.sale_id(), exported.order.sale_id);
        assert_eq!(sale.date().get(), exported.order.date);
        assert_eq!(line.unit_price.to_string(), "2.000");
        assert_eq!(line.subtotal, item.subtotal);
        assert_eq!(line.subtotal.to_string(), "4.000");
        assert_eq!(line.amount_paid, item.amount_paid);
        assert_eq!(line.sales_notes, item.sales_notes);
        assert_eq!(line.color, None);
        assert_eq!(line.size.as_ref().map(|s| s.as_str()), Some("M"));
        assert_eq!(line.batch_number, None);
    }

    /// The export of `exported`, read back as one sale.
    fn round_trip(exported: &OrderWithItems) -> (String, crate::Sale) {
        let mut writer = SalesExportWriter::new(Vec::new()).unwrap();
        writer.write_order(exported).unwrap();
        let bytes = writer.into_inner().unwrap();
        let latest = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let lines: Vec<_> = SalesCsvReader::new(bytes.as_slice(), latest)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut grouper = SaleGrouper::new();
        assert!(grouper.push(lines).is_empty());
        let sale = crate::Sale::assemble(grouper.finish().unwrap()).unwrap();
        (String::from_utf8(bytes).unwrap(), sale)
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text_and_read_back_as_is() {
        let mut exported = order();
        let item = &mut exported.items[0];
        item.product_name = ProductName::parse("=HYPERLINK(\"http://x.example\",\"y\")").unwrap();
        item.sales_notes = Some("+cmd|' /C calc'!A0".to_owned());
        item.notes = Some("'=already quoted".to_owned());
        item.size = Some("-5".to_owned());
        item.color = Some("@SUM(1)".to_owned());
        item.payment_method = Some("'plain quote".to_owned());
        exported.order.sales_notes = item.sales_notes.clone();
        exported.order.notes = item.notes.clone();
        exported.order.payment_method = item.payment_method.clone();
        let (text, sale) = round_trip(&exported);
        let row = text.lines().nth(1).unwrap();
        assert!(
            row.contains(
                ",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\",---,'+cmd|' /C calc'!A0,"
            ),
            "{row}"
        );
        assert!(row.contains(",''=already quoted,'@SUM(1),-5,"), "{row}");
        assert!(row.ends_with(",'plain quote"), "{row}");
        let line = &sale.lines()[0];
        let item = &exported.items[0];
        assert_eq!(line.product, item.product_name);
        assert_eq!(line.sales_notes, item.sales_notes);
        assert_eq!(
            line.notes.as_ref().map(|n| n.as_str()),
            item.notes.as_deref()
        );
        assert_eq!(line.size.as_ref().map(|s| s.as_str()), Some("-5"));
        assert_eq!(line.color.as_ref().map(|s| s.as_str()), Some("@SUM(1)"));
        assert_eq!(
            line.payment_method.as_ref().map(|s| s.as_str()),
            Some("'plain quote")
        );
    }

    #[test]
    fn a_negative_amount_is_written_as_a_number() {
        let mut exported = order();
        let item = &mut exported.items[0];
        item.quantity = Quantity::new(-2).unwrap();
        item.subtotal = money("-4.000");
        item.discount_amount = money("-0.4");
        item.tax = money("-0.324");
        item.total = money("-3.924");
        item.amount_paid = money("-3.92");
        item.discount_percentage = crate::DiscountPercent::parse("-10").unwrap();
        let (text, sale) = round_trip(&exported);
        assert!(
            text.contains(",2.000,-2,-4.000,-10,-0.4,-0.324,-3.924,-3.92,"),
            "{text}"
        );
        assert_eq!(sale.lines()[0].total, money("-3.924"));
    }
}
