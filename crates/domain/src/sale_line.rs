//! One row of the export: one item sold (or refunded) within a sale.

use std::ops::Deref;

use crate::{
    BatchNumber, ClientId, Column, DiscountPercent, Label, Location, Money, Note, ProductName,
    Quantity, SaleDate, SaleId, UnitPrice,
};

/// Every value of one export row, each already valid on its own.
///
/// Build a [`SaleLine`] from it with [`SaleLine::new`], which checks the rules that tie the
/// values together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleLineFields {
    /// The line of the file the row starts on (header = line 1).
    pub line: u64,
    /// `Sale ID`: rows sharing it are the items of one sale.
    pub sale_id: SaleId,
    /// `Sale Date`.
    pub date: SaleDate,
    /// `Client ID`.
    pub client_id: ClientId,
    /// `Location`.
    pub location: Location,
    /// `Payment Method`, absent on some zero-value rows.
    pub payment_method: Option<Label>,
    /// `Item name`, trimmed.
    pub product: ProductName,
    /// `Batch #`.
    pub batch_number: Option<BatchNumber>,
    /// `Sales Notes`, as written: checked by [`SaleLine::new`] as a [`Note`] is (at most 255
    /// characters, no control character but tab and line breaks).
    pub sales_notes: Option<String>,
    /// `Notes`, as written.
    pub notes: Option<Note>,
    /// `Color`.
    pub color: Option<Label>,
    /// `Size`.
    pub size: Option<Label>,
    /// `Item price (excluding tax)`.
    pub unit_price: UnitPrice,
    /// `Quantity`: negative for a refund.
    pub quantity: Quantity,
    /// `Subtotal (excluding tax)`.
    pub subtotal: Money,
    /// `Discount %`, as given (not cross-checked).
    pub discount_percent: DiscountPercent,
    /// `Discount amount`.
    pub discount_amount: Money,
    /// `Tax`.
    pub tax: Money,
    /// `Item Total`.
    pub total: Money,
    /// `Total Paid w/ Payment Method`, per row; usually equal to the item total.
    pub amount_paid: Money,
}

/// A rule that ties several values of one row together, broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The column reported as offending.
    pub column: Column,
    /// Its value as written, [`echo`](crate::echo)ed.
    pub value: String,
    /// Why the row was refused.
    pub message: String,
}

/// One item of a sale, with its amounts consistent:
///
/// - `Subtotal = Item price × Quantity`, except on a complimentary line, whose subtotal and
///   total are both zero whatever its list price;
/// - `Item Total = Subtotal − Discount amount + Tax`.
///
/// `Total Paid w/ Payment Method` is kept as given: real exports record partial payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleLine(SaleLineFields);

impl SaleLine {
    /// Checks the rules that tie a row's values together.
    pub fn new(fields: SaleLineFields) -> Result<Self, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        if let Some(notes) = &fields.sales_notes
            && let Err(error) = crate::text::free_text(notes)
        {
            problems.push(FieldProblem {
                column: Column::SalesNotes,
                value: crate::echo(notes),
                message: error.to_string(),
            });
        }
        let complimentary = fields.subtotal.is_zero() && fields.total.is_zero();
        let expected_subtotal = fields.unit_price * fields.quantity;
        if !complimentary && fields.subtotal != expected_subtotal {
            problems.push(FieldProblem {
                column: Column::Subtotal,
                value: fields.subtotal.to_string(),
                message: format!(
                    "does not equal Item price × Quantity ({} × {} = {})",
                    fields.unit_price, fields.quantity, expected_subtotal
                ),
            });
        }
        let expected_total = fields.subtotal - fields.discount_amount + fields.tax;
        if fields.total != expected_total {
            problems.push(FieldProblem {
                column: Column::ItemTotal,
                value: fields.total.to_string(),
                message: format!(
                    "does not equal Subtotal − Discount amount + Tax ({} − {} + {} = {})",
                    fields.subtotal, fields.discount_amount, fields.tax, expected_total
                ),
            });
        }
        if problems.is_empty() {
            Ok(SaleLine(fields))
        } else {
            Err(problems)
        }
    }

    /// True when the line was given away: zero subtotal and total.
    pub fn is_complimentary(&self) -> bool {
        self.0.subtotal.is_zero() && self.0.total.is_zero()
    }

    /// True when money changed hands on this line (paid or refunded).
    pub fn moves_money(&self) -> bool {
        !self.0.amount_paid.is_zero()
    }

    /// The row's values.
    pub fn fields(&self) -> &SaleLineFields {
        &self.0
    }

    /// Gives the values back, for instance to rebuild a corrected line.
    pub fn into_fields(self) -> SaleLineFields {
        self.0
    }
}

impl Deref for SaleLine {
    type Target = SaleLineFields;
    fn deref(&self) -> &SaleLineFields {
        &self.0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// A valid line of sale `sale_id` on line `line`: one unit of `product` at 32 plus 9% tax.
    pub(crate) fn fields(line: u64, sale_id: i64, product: &str) -> SaleLineFields {
        let latest = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        SaleLineFields {
            line,
            sale_id: SaleId::new(sale_id).unwrap(),
            date: SaleDate::parse("3/1/2025", latest).unwrap(),
            client_id: ClientId::new(100_002_649).unwrap(),
            location: Location::GolfExperience,
            payment_method: Label::parse_optional("Credit card (AMEX-Keyed)"),
            product: ProductName::parse(product).unwrap(),
            batch_number: None,
            sales_notes: None,
            notes: None,
            color: None,
            size: None,
            unit_price: UnitPrice::parse("32").unwrap(),
            quantity: Quantity::new(1).unwrap(),
            subtotal: Money::parse("32").unwrap(),
            discount_percent: DiscountPercent::parse("0").unwrap(),
            discount_amount: Money::parse("0").unwrap(),
            tax: Money::parse("2.88").unwrap(),
            total: Money::parse("34.88").unwrap(),
            amount_paid: Money::parse("34.88").unwrap(),
        }
    }

    pub(crate) fn line(line: u64, sale_id: i64, product: &str) -> SaleLine {
        SaleLine::new(fields(line, sale_id, product)).unwrap()
    }

    #[test]
    fn accepts_consistent_amounts() {
        assert!(SaleLine::new(fields(2, 1, "10 Practice Credits")).is_ok());
    }

    #[test]
    fn rejects_a_subtotal_that_is_not_price_times_quantity() {
        let mut row = fields(2, 1, "x");
        row.subtotal = Money::parse("33").unwrap();
        row.total = Money::parse("35.88").unwrap();
        let problems = SaleLine::new(row).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column, Column::Subtotal);
        assert_eq!(
            problems[0].message,
            "does not equal Item price × Quantity (32 × 1 = 32)"
        );
    }

    #[test]
    fn rejects_sales_notes_that_no_cell_could_hold() {
        for notes in ["n".repeat(256), "VIP\0".to_owned()] {
            let mut row = fields(2, 1, "x");
            row.sales_notes = Some(notes);
            let problems = SaleLine::new(row).unwrap_err();
            assert_eq!(problems[0].column, Column::SalesNotes);
        }
    }

    #[test]
    fn rejects_an_item_total_that_does_not_add_up() {
        let mut row = fields(2, 1, "x");
        row.total = Money::parse("34.87").unwrap();
        let problems = SaleLine::new(row).unwrap_err();
        assert_eq!(problems[0].column, Column::ItemTotal);
    }

    #[test]
    fn accepts_complimentary_lines_with_zero_subtotal_despite_a_list_price() {
        let mut row = fields(2, 1, "x");
        row.subtotal = Money::ZERO;
        row.tax = Money::ZERO;
        row.total = Money::ZERO;
        row.amount_paid = Money::ZERO;
        let line = SaleLine::new(row).unwrap();
        assert!(line.is_complimentary());
        assert!(!line.moves_money());
    }

    #[test]
    fn accepts_refunds_with_negative_amounts() {
        let mut row = fields(2, 1, "x");
        row.quantity = Quantity::new(-1).unwrap();
        row.subtotal = Money::parse("-32").unwrap();
        row.tax = Money::parse("-2.88").unwrap();
        row.total = Money::parse("-34.88").unwrap();
        row.amount_paid = row.total;
        assert!(SaleLine::new(row).is_ok());
    }

    #[test]
    fn keeps_an_amount_paid_that_differs_from_the_item_total() {
        let mut row = fields(2, 1, "x");
        row.amount_paid = Money::parse("30").unwrap();
        assert_eq!(
            SaleLine::new(row).unwrap().amount_paid,
            Money::parse("30").unwrap()
        );
    }
}
