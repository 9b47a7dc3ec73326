//! A sale: the lines sharing one Sale ID, checked for consistency and summed into an order.

use rust_decimal::{Decimal, RoundingStrategy};
use sha2::{Digest, Sha256};

use crate::{
    BatchNumber, ClientId, Column, DiscountPercent, InputProblem, Label, Location, Money, Note,
    SaleDate, SaleId, SaleLine, echo, plain,
};

/// The lines of one sale, consistent with each other, and the order they add up to.
///
/// Rules checked by [`Sale::assemble`]:
/// - every line shares the sale's date, client and location;
/// - every line that moves money (paid or refunded) names the same payment method; a line on
///   which nothing was paid, such as a complimentary item, may name another (`Misc. (Comp/Guest)`)
///   or none;
/// - the sums of the lines' amounts (the order's subtotal, discount, tax, total and amount
///   paid) are amounts a [`Money`] can hold: at most [`MAX_INTEGER_DIGITS`](crate::MAX_INTEGER_DIGITS)
///   digits before the decimal point, so what is written can always be read back.
///
/// The order's amounts are the sums of its lines. Where the lines differ on a field the design
/// keeps on the order (batch number, notes), the order carries the first value given and each
/// line keeps its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    lines: Vec<SaleLine>,
    payment_method: Option<Label>,
    batch_number: Option<BatchNumber>,
    sales_notes: Option<String>,
    notes: Option<Note>,
    subtotal: Money,
    discount_percent: DiscountPercent,
    discount_amount: Money,
    tax: Money,
    total: Money,
    amount_paid: Money,
    fingerprint: [u8; 32],
}

impl Sale {
    /// Builds a sale from its lines in file order, reporting every line that disagrees.
    pub fn assemble(lines: Vec<SaleLine>) -> Result<Sale, Vec<InputProblem>> {
        let Some(first) = lines.first() else {
            return Err(vec![InputProblem::file(
                None,
                "a sale needs at least one line",
            )]);
        };
        let mut problems = Vec::new();
        for line in &lines[1..] {
            let mut check =
                |column: Column, differs: bool, value: String, expected: String, line_no| {
                    if differs {
                        problems.push(disagreement(line, column, value, expected, line_no, None));
                    }
                };
            check(
                Column::SaleId,
                line.sale_id != first.sale_id,
                line.sale_id.to_string(),
                first.sale_id.to_string(),
                first.line,
            );
            check(
                Column::SaleDate,
                line.date != first.date,
                line.date.to_string(),
                first.date.to_string(),
                first.line,
            );
            check(
                Column::ClientId,
                line.client_id != first.client_id,
                line.client_id.to_string(),
                first.client_id.to_string(),
                first.line,
            );
            check(
                Column::Location,
                line.location != first.location,
                line.location.to_string(),
                first.location.to_string(),
                first.line,
            );
        }
        let mut paying = lines.iter().filter(|line| line.moves_money());
        if let Some(reference) = paying.next() {
            for line in paying {
                if line.payment_method != reference.payment_method {
                    problems.push(disagreement(
                        line,
                        Column::PaymentMethod,
                        label_text(&line.payment_method),
                        label_text(&reference.payment_method),
                        reference.line,
                        Some("the paid lines of a sale must share one payment method"),
                    ));
                }
            }
        }
        problems.extend(sums_out_of_bounds(&lines));
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Sale::summarize(lines))
    }

    fn summarize(lines: Vec<SaleLine>) -> Sale {
        let payment_method = lines
            .iter()
            .find(|line| line.moves_money())
            .map(|line| line.payment_method.clone())
            .unwrap_or_else(|| lines.iter().find_map(|line| line.payment_method.clone()));
        let batch_number = lines.iter().find_map(|line| line.batch_number);
        let sales_notes = lines.iter().find_map(|line| line.sales_notes.clone());
        let notes = lines.iter().find_map(|line| line.notes.clone());
        let subtotal: Money = lines.iter().map(|line| line.subtotal).sum();
        let discount_amount: Money = lines.iter().map(|line| line.discount_amount).sum();
        let tax: Money = lines.iter().map(|line| line.tax).sum();
        let total: Money = lines.iter().map(|line| line.total).sum();
        let amount_paid: Money = lines.iter().map(|line| line.amount_paid).sum();
        let discount_percent = order_discount_percent(&lines, subtotal, discount_amount);
        let fingerprint = fingerprint(&lines);
        Sale {
            lines,
            payment_method,
            batch_number,
            sales_notes,
            notes,
            subtotal,
            discount_percent,
            discount_amount,
            tax,
            total,
            amount_paid,
            fingerprint,
        }
    }

    fn first(&self) -> &SaleLine {
        &self.lines[0]
    }

    /// The sale's number.
    pub fn sale_id(&self) -> SaleId {
        self.first().sale_id
    }
    /// The day of the sale.
    pub fn date(&self) -> SaleDate {
        self.first().date
    }
    /// The client.
    pub fn client_id(&self) -> ClientId {
        self.first().client_id
    }
    /// Where it was sold.
    pub fn location(&self) -> Location {
        self.first().location
    }
    /// How it was paid: the method of the lines that moved money.
    pub fn payment_method(&self) -> Option<&Label> {
        self.payment_method.as_ref()
    }
    /// The first batch number among the lines.
    pub fn batch_number(&self) -> Option<BatchNumber> {
        self.batch_number
    }
    /// The first sales note among the lines.
    pub fn sales_notes(&self) -> Option<&str> {
        self.sales_notes.as_deref()
    }
    /// The first note among the lines.
    pub fn notes(&self) -> Option<&Note> {
        self.notes.as_ref()
    }
    /// Sum of the lines' subtotals.
    pub fn subtotal(&self) -> Money {
        self.subtotal
    }
    /// The lines' common discount rate, or the effective rate when they differ.
    pub fn discount_percent(&self) -> DiscountPercent {
        self.discount_percent
    }
    /// Sum of the lines' discount amounts.
    pub fn discount_amount(&self) -> Money {
        self.discount_amount
    }
    /// Sum of the lines' tax.
    pub fn tax(&self) -> Money {
        self.tax
    }
    /// Sum of the lines' item totals: the sale's revenue.
    pub fn total(&self) -> Money {
        self.total
    }
    /// Sum of what the lines record as paid.
    pub fn amount_paid(&self) -> Money {
        self.amount_paid
    }
    /// The lines, in file order.
    pub fn lines(&self) -> &[SaleLine] {
        &self.lines
    }
    /// A digest of everything the sale's lines say (not where they stood in the file): two
    /// imports of the same sale have the same fingerprint, a corrected sale another.
    pub fn fingerprint(&self) -> &[u8; 32] {
        &self.fingerprint
    }
}

/// Splits a stream of lines sorted by sale into the groups of each sale, across batches.
///
/// Feed it batches in order with [`SaleGrouper::push`]; each call returns the sales completed
/// so far. [`SaleGrouper::finish`] returns the last one.
#[derive(Debug, Default)]
pub struct SaleGrouper {
    current: Vec<SaleLine>,
}

impl SaleGrouper {
    /// A grouper with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next lines (sorted by sale, then line) and returns every sale they complete.
    pub fn push(&mut self, lines: impl IntoIterator<Item = SaleLine>) -> Vec<Vec<SaleLine>> {
        let mut complete = Vec::new();
        for line in lines {
            if self
                .current
                .first()
                .is_some_and(|first| first.sale_id != line.sale_id)
            {
                complete.push(std::mem::take(&mut self.current));
            }
            self.current.push(line);
        }
        complete
    }

    /// Returns the last sale, if any, leaving the grouper empty.
    pub fn finish(&mut self) -> Option<Vec<SaleLine>> {
        let last = std::mem::take(&mut self.current);
        (!last.is_empty()).then_some(last)
    }
}

/// A problem for each of the order's sums that a [`Money`] cannot hold, on the line where the
/// running sum first left the bound.
fn sums_out_of_bounds(lines: &[SaleLine]) -> Vec<InputProblem> {
    type Amount = fn(&SaleLine) -> Money;
    let amounts: [(Column, Amount); 5] = [
        (Column::Subtotal, |line| line.subtotal),
        (Column::DiscountAmount, |line| line.discount_amount),
        (Column::Tax, |line| line.tax),
        (Column::ItemTotal, |line| line.total),
        (Column::TotalPaid, |line| line.amount_paid),
    ];
    let mut problems = Vec::new();
    for (column, amount) in amounts {
        let sum: Money = lines.iter().map(amount).sum();
        if Money::new(sum.amount()).is_ok() {
            continue;
        }
        let mut running = Money::ZERO;
        let culprit = lines
            .iter()
            .find(|line| {
                running = running + amount(line);
                Money::new(running.amount()).is_err()
            })
            .unwrap_or(&lines[lines.len() - 1]);
        problems.push(InputProblem {
            line: Some(culprit.line),
            column: Some(column.header().to_owned()),
            value: Some(amount(culprit).to_string()),
            message: format!(
                "brings the sum of sale {}'s lines to {sum}, more than the {} digits before the decimal point an amount may have",
                culprit.sale_id,
                crate::MAX_INTEGER_DIGITS
            ),
            sale_id: Some(culprit.sale_id),
        });
    }
    problems
}

fn disagreement(
    line: &SaleLine,
    column: Column,
    value: String,
    expected: String,
    reference_line: u64,
    rule: Option<&str>,
) -> InputProblem {
    let expected = if expected.is_empty() {
        "no value".to_owned()
    } else {
        format!("'{}'", echo(&expected))
    };
    let rule = rule.map_or_else(
        || format!("all lines of sale {} must share it", line.sale_id),
        str::to_owned,
    );
    InputProblem {
        line: Some(line.line),
        column: Some(column.header().to_owned()),
        value: Some(echo(&value)),
        message: format!(
            "differs from line {reference_line} of the same sale ({expected}): {rule}"
        ),
        sale_id: Some(line.sale_id),
    }
}

fn label_text(label: &Option<Label>) -> String {
    label
        .as_ref()
        .map(|l| l.as_str().to_owned())
        .unwrap_or_default()
}

/// The lines' common rate; when they differ, discount ÷ subtotal in percent (3 places), or 0.
fn order_discount_percent(
    lines: &[SaleLine],
    subtotal: Money,
    discount_amount: Money,
) -> DiscountPercent {
    let first = lines[0].discount_percent;
    if lines.iter().all(|line| line.discount_percent == first) {
        return first;
    }
    if subtotal.is_zero() {
        return DiscountPercent::default();
    }
    let effective = (discount_amount.amount() / subtotal.amount() * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
    DiscountPercent::new(effective).unwrap_or_default()
}

/// The SHA-256 of the lines' canonical text: per line, its fields as `Display` writes them
/// (a missing one as NUL), separated by U+001F, ending with a newline. Written without `fmt`,
/// as an import fingerprints every sale; a test holds it to the `fmt` definition.
fn fingerprint(lines: &[SaleLine]) -> [u8; 32] {
    const SEPARATOR: u8 = 0x1f;
    let mut digest = Sha256::new();
    let mut text = Vec::with_capacity(256);
    for line in lines {
        text.clear();
        let field = |text: &mut Vec<u8>, value: &[u8]| {
            text.extend_from_slice(value);
            text.push(SEPARATOR);
        };
        fn optional(value: Option<&str>) -> &[u8] {
            value.unwrap_or("\u{0}").as_bytes()
        }
        plain::push_integer(&mut text, line.sale_id.get());
        text.push(SEPARATOR);
        plain::push_date(&mut text, line.date.get());
        text.push(SEPARATOR);
        plain::push_integer(&mut text, line.client_id.get());
        text.push(SEPARATOR);
        field(&mut text, line.location.as_str().as_bytes());
        field(
            &mut text,
            optional(line.payment_method.as_ref().map(Label::as_str)),
        );
        field(&mut text, line.product.as_str().as_bytes());
        match line.batch_number {
            Some(batch) => plain::push_integer(&mut text, batch.get()),
            None => text.push(0),
        }
        text.push(SEPARATOR);
        field(&mut text, optional(line.sales_notes.as_deref()));
        field(&mut text, optional(line.notes.as_ref().map(Note::as_str)));
        field(&mut text, optional(line.color.as_ref().map(Label::as_str)));
        field(&mut text, optional(line.size.as_ref().map(Label::as_str)));
        plain::push_decimal(&mut text, line.unit_price.amount());
        text.push(SEPARATOR);
        plain::push_integer(&mut text, line.quantity.get());
        for amount in [line.subtotal.amount(), line.discount_percent.get()]
            .into_iter()
            .chain(
                [line.discount_amount, line.tax, line.total, line.amount_paid].map(Money::amount),
            )
        {
            text.push(SEPARATOR);
            plain::push_decimal(&mut text, amount);
        }
        text.push(b'\n');
        digest.update(&text);
    }
    digest.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale_line::tests::{fields, line};
    use crate::{ClientId, Quantity, SaleLineFields};

    fn with(line_no: u64, edit: impl FnOnce(&mut SaleLineFields)) -> SaleLine {
        let mut row = fields(line_no, 4105, "1 month storage");
        edit(&mut row);
        SaleLine::new(row).unwrap()
    }

    fn comp(line_no: u64) -> SaleLine {
        with(line_no, |row| {
            row.subtotal = Money::ZERO;
            row.tax = Money::ZERO;
            row.total = Money::ZERO;
            row.amount_paid = Money::ZERO;
            row.payment_method = Label::parse_optional("Misc. (Comp/Guest)");
        })
    }

    #[test]
    fn keeps_identical_lines_as_separate_units() {
        let lines: Vec<_> = (2..11).map(|n| line(n, 4105, "1 month storage")).collect();
        let sale = Sale::assemble(lines).unwrap();
        assert_eq!(sale.lines().len(), 9);
        assert_eq!(sale.total(), Money::parse("313.92").unwrap());
    }

    #[test]
    fn order_amounts_are_the_sums_of_its_lines() {
        let refund = with(3, |row| {
            row.quantity = Quantity::new(-1).unwrap();
            row.subtotal = Money::parse("-32").unwrap();
            row.tax = Money::parse("-2.88").unwrap();
            row.total = Money::parse("-34.88").unwrap();
            row.amount_paid = Money::parse("-34.88").unwrap();
        });
        let discounted = with(4, |row| {
            row.discount_amount = Money::parse("3.2").unwrap();
            row.tax = Money::parse("2.592").unwrap();
            row.total = Money::parse("31.392").unwrap();
            row.amount_paid = Money::parse("31.392").unwrap();
        });
        let sale = Sale::assemble(vec![line(2, 4105, "a"), refund, discounted]).unwrap();
        assert_eq!(sale.subtotal(), Money::parse("32").unwrap());
        assert_eq!(sale.discount_amount(), Money::parse("3.2").unwrap());
        assert_eq!(sale.tax(), Money::parse("2.592").unwrap());
        assert_eq!(sale.total(), Money::parse("31.392").unwrap());
        assert_eq!(sale.amount_paid(), Money::parse("31.392").unwrap());
    }

    #[test]
    fn rejects_lines_that_disagree_on_date_client_or_location() {
        let moved = with(7, |row| {
            row.client_id = ClientId::new(1).unwrap();
            row.location = Location::OnlineStore;
        });
        let problems = Sale::assemble(vec![line(2, 4105, "a"), moved]).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "line 7, column Client ID: '1' differs from line 2 of the same sale ('100002649'): all lines of sale 4105 must share it",
                "line 7, column Location: 'Online Store' differs from line 2 of the same sale ('Golf - experience'): all lines of sale 4105 must share it",
            ]
        );
        assert!(
            problems
                .iter()
                .all(|p| p.sale_id == Some(SaleId::new(4105).unwrap()))
        );
    }

    #[test]
    fn rejects_paid_lines_with_different_payment_methods() {
        let visa = with(3, |row| {
            row.payment_method = Label::parse_optional("Credit card (Visa/MC-Keyed)")
        });
        let problems = Sale::assemble(vec![line(2, 4105, "a"), visa]).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column.as_deref(), Some("Payment Method"));
    }

    #[test]
    fn a_disagreement_quotes_the_other_lines_value_briefly() {
        let long = with(2, |row| {
            row.payment_method = Some(Label::parse_optional(&"P".repeat(255)).unwrap())
        });
        let short = with(3, |row| row.payment_method = Label::parse_optional("X"));
        let problems = Sale::assemble(vec![long, short]).unwrap_err();
        let message = &problems[0].message;
        assert!(message.chars().count() < 200, "{message}");
        assert!(message.contains("… (255 bytes in all)"), "{message}");
    }

    #[test]
    fn rejects_a_sale_whose_sums_would_exceed_what_an_amount_may_hold() {
        let huge = |n| {
            with(n, |row| {
                row.unit_price = crate::UnitPrice::parse("999999999999999.999999").unwrap();
                row.subtotal = Money::parse("999999999999999.999999").unwrap();
                row.tax = Money::ZERO;
                row.total = row.subtotal;
                row.amount_paid = row.subtotal;
            })
        };
        let problems = Sale::assemble(vec![huge(2), huge(3)]).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert_eq!(
            text[0],
            "line 3, column Subtotal (excluding tax): '999999999999999.999999' brings the sum of sale 4105's lines to 1999999999999999.999998, more than the 15 digits before the decimal point an amount may have"
        );
        let refunded = with(4, |row| {
            row.unit_price = crate::UnitPrice::parse("999999999999999.999999").unwrap();
            row.quantity = Quantity::new(-1).unwrap();
            row.subtotal = Money::parse("-999999999999999.999999").unwrap();
            row.tax = Money::ZERO;
            row.total = row.subtotal;
            row.amount_paid = row.subtotal;
        });
        assert!(Sale::assemble(vec![huge(2), huge(3), refunded]).is_ok());
    }

    #[test]
    fn a_complimentary_line_may_name_its_own_payment_method() {
        let sale = Sale::assemble(vec![line(2, 4105, "a"), comp(3)]).unwrap();
        assert_eq!(
            sale.payment_method().unwrap().as_str(),
            "Credit card (AMEX-Keyed)"
        );
        assert_eq!(
            sale.lines()[1].payment_method.as_ref().unwrap().as_str(),
            "Misc. (Comp/Guest)"
        );
    }

    #[test]
    fn a_sale_with_nothing_paid_takes_the_first_payment_method_given() {
        let sale = Sale::assemble(vec![comp(2)]).unwrap();
        assert_eq!(
            sale.payment_method().unwrap().as_str(),
            "Misc. (Comp/Guest)"
        );
    }

    #[test]
    fn the_order_carries_the_first_note_and_each_line_keeps_its_own() {
        let noted = with(3, |row| {
            row.sales_notes = Some("complimentary from Jasper".into())
        });
        let batch = with(4, |row| {
            row.batch_number = Some(BatchNumber::new(4).unwrap())
        });
        let sale = Sale::assemble(vec![line(2, 4105, "a"), noted, batch]).unwrap();
        assert_eq!(sale.sales_notes(), Some("complimentary from Jasper"));
        assert_eq!(sale.batch_number(), Some(BatchNumber::new(4).unwrap()));
        assert_eq!(sale.lines()[0].sales_notes, None);
    }

    #[test]
    fn discount_percent_is_the_common_rate_or_the_effective_one() {
        let ten = |n| {
            with(n, |row| {
                row.discount_percent = DiscountPercent::parse("10").unwrap();
                row.discount_amount = Money::parse("3.2").unwrap();
                row.tax = Money::parse("2.592").unwrap();
                row.total = Money::parse("31.392").unwrap();
            })
        };
        let same = Sale::assemble(vec![ten(2), ten(3)]).unwrap();
        assert_eq!(same.discount_percent().get().to_string(), "10");
        let mixed = Sale::assemble(vec![ten(2), line(3, 4105, "b"), line(4, 4105, "c")]).unwrap();
        // 3.2 off a subtotal of 96.
        assert_eq!(mixed.discount_percent().get().to_string(), "3.333");
    }

    use std::fmt::Write as _;

    /// The fingerprint as first defined, through `fmt`: stored fingerprints were made by it.
    fn fingerprint_by_fmt(lines: &[SaleLine]) -> [u8; 32] {
        let mut text = String::new();
        for line in lines {
            let optional = |value: Option<&str>| value.unwrap_or("\u{0}").to_owned();
            let _ = writeln!(
                text,
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                line.sale_id,
                line.date,
                line.client_id,
                line.location,
                optional(line.payment_method.as_ref().map(Label::as_str)),
                line.product,
                optional(line.batch_number.map(|b| b.to_string()).as_deref()),
                optional(line.sales_notes.as_deref()),
                optional(line.notes.as_ref().map(Note::as_str)),
                optional(line.color.as_ref().map(Label::as_str)),
                optional(line.size.as_ref().map(Label::as_str)),
                line.unit_price,
                line.quantity,
                line.subtotal,
                line.discount_percent,
                line.discount_amount,
                line.tax,
                line.total,
                line.amount_paid,
            );
        }
        Sha256::digest(text.as_bytes()).into()
    }

    #[test]
    fn fingerprint_is_the_one_fmt_wrote() {
        let lines = vec![
            line(2, 4105, "a"),
            with(3, |row| {
                row.batch_number = Some(crate::BatchNumber::new(7).unwrap());
                row.sales_notes = Some("note, with \"quotes\"".into());
                row.notes = crate::Note::parse_optional("two\nlines").unwrap();
                row.color = Label::parse_optional("Blue");
                row.size = Label::parse_optional("XL");
                row.payment_method = None;
                row.unit_price = crate::UnitPrice::parse("0.125").unwrap();
                row.quantity = Quantity::new(-4).unwrap();
                row.subtotal = Money::parse("-0.500").unwrap();
                row.discount_percent = crate::DiscountPercent::parse("12.5").unwrap();
                row.discount_amount = Money::parse("0").unwrap();
                row.tax = Money::parse("-0.04").unwrap();
                row.total = Money::parse("-0.540").unwrap();
                row.amount_paid = Money::parse("-0.540").unwrap();
            }),
        ];
        assert_eq!(fingerprint(&lines), fingerprint_by_fmt(&lines));
        assert_eq!(fingerprint(&lines[..1]), fingerprint_by_fmt(&lines[..1]));
    }

    #[test]
    fn fingerprint_ignores_file_position_but_not_content() {
        let a = Sale::assemble(vec![line(2, 4105, "a"), line(3, 4105, "b")]).unwrap();
        let moved = Sale::assemble(vec![line(20, 4105, "a"), line(30, 4105, "b")]).unwrap();
        let changed = Sale::assemble(vec![line(2, 4105, "a"), line(3, 4105, "c")]).unwrap();
        assert_eq!(a.fingerprint(), moved.fingerprint());
        assert_ne!(a.fingerprint(), changed.fingerprint());
    }

    #[test]
    fn grouper_splits_sorted_lines_into_sales_across_batches() {
        let mut grouper = SaleGrouper::new();
        let first = grouper.push(vec![line(2, 1, "a"), line(5, 1, "b"), line(3, 2, "a")]);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].len(), 2);
        let second = grouper.push(vec![line(9, 2, "b"), line(4, 3, "a")]);
        assert_eq!(second.len(), 1);
        assert_eq!(
            second[0].iter().map(|l| l.line).collect::<Vec<_>>(),
            vec![3, 9]
        );
        let last = grouper.finish().unwrap();
        assert_eq!(last[0].sale_id.get(), 3);
    }
}
