//! Properties of the CSV reader and the value parsers over generated input: hostile bytes
//! never panic and every echo stays bounded; valid rows and values round-trip.

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use zinc_domain::{
    ClientId, Column, HeaderLine, MAX_ECHO_CHARS, MAX_MESSAGE_CHARS, Money, Quantity, RowError,
    SaleDate, SaleId, SalesCsvReader, UnitPrice, echo, formula,
};

/// The header line of the export.
const HEADER: HeaderLine = HeaderLine;
const ROW: &str = "3/1/2025,100002649,3971,10 Practice Credits,---,,Golf - experience,,---,---,32,1,32,0,0,2.88,34.88,34.88,Credit card (AMEX-Keyed)";

/// The longest text [`echo`] may return: the cut value, an escape straddling the cut, the
/// length marker.
const ECHO_BOUND: usize = MAX_ECHO_CHARS + 46;

fn latest() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// Reads everything, checking each problem's echo and message are bounded and printable.
fn read_all(bytes: &[u8]) -> usize {
    let Ok(reader) = SalesCsvReader::new(bytes, latest()) else {
        return 0;
    };
    let mut rows = 0;
    for row in reader {
        rows += 1;
        match row {
            Ok(_) => {}
            Err(RowError::Invalid(invalid)) => {
                for problem in invalid.problems {
                    if let Some(value) = &problem.value {
                        assert!(value.chars().count() <= ECHO_BOUND, "{value}");
                        assert!(!value.chars().any(char::is_control), "{value:?}");
                    }
                    assert!(
                        problem.message.chars().count() <= MAX_MESSAGE_CHARS,
                        "{}",
                        problem.message
                    );
                    assert!(!problem.message.contains('\0'));
                }
            }
            Err(RowError::Unreadable(_) | RowError::TooLong { .. }) => break,
        }
    }
    rows
}

/// Bytes that look like CSV: rows of the export mutated with quotes, separators, line ends,
/// NUL and arbitrary bytes.
fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b",".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\0".to_vec()),
        Just(ROW.as_bytes().to_vec()),
        Just(b"---".to_vec()),
        Just("é€".as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
        "[0-9./-]{0,20}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| {
        let mut bytes = format!("{HEADER}\n").into_bytes();
        bytes.extend(pieces.concat());
        bytes
    })
}

/// One valid line of the export, and the values it must read back as.
#[derive(Debug, Clone)]
struct ValidRow {
    date: NaiveDate,
    client_id: i64,
    sale_id: i64,
    item: String,
    batch: Option<i64>,
    sales_notes: Option<String>,
    online: bool,
    notes: Option<String>,
    color: Option<String>,
    price: Decimal,
    quantity: i32,
    discount: Decimal,
    tax: Decimal,
    payment_method: Option<String>,
}

impl ValidRow {
    fn subtotal(&self) -> Decimal {
        self.price * Decimal::from(self.quantity)
    }

    fn total(&self) -> Decimal {
        self.subtotal() - self.discount + self.tax
    }

    /// The row's cells as Zinc writes them ([`formula::written`]).
    fn record(&self) -> Vec<String> {
        self.values()
            .iter()
            .map(|value| formula::written(value).into_owned())
            .collect()
    }

    fn values(&self) -> Vec<String> {
        let optional = |value: &Option<String>| value.clone().unwrap_or_else(|| "---".into());
        vec![
            self.date.format("%-m/%-d/%Y").to_string(),
            self.client_id.to_string(),
            self.sale_id.to_string(),
            self.item.clone(),
            self.batch.map_or("---".into(), |b| b.to_string()),
            self.sales_notes.clone().unwrap_or_default(),
            if self.online {
                "Online Store".into()
            } else {
                "Golf - experience".into()
            },
            self.notes.clone().unwrap_or_default(),
            optional(&self.color),
            "---".into(),
            self.price.to_string(),
            self.quantity.to_string(),
            self.subtotal().to_string(),
            "0".into(),
            self.discount.to_string(),
            self.tax.to_string(),
            self.total().to_string(),
            self.total().to_string(),
            self.payment_method.clone().unwrap_or_default(),
        ]
    }
}

fn amount(max_units: i64) -> impl Strategy<Value = Decimal> {
    (0..max_units, 0u32..=3).prop_map(|(units, scale)| Decimal::new(units, scale))
}

/// Printable text with no surrounding spaces (labels and names are trimmed), some starting as
/// a formula would (`=`, `+`, `-`, `@`, after `'`s or not).
fn label() -> impl Strategy<Value = String> {
    "('{0,2}[=+@-])?[A-Za-z0-9éü(]([A-Za-z0-9 ,\"'()/é=+@-]{0,40}[A-Za-z0-9)é])?"
}

/// Free text as notes hold it: commas, quotes, a line break, tabs; some starting as a formula
/// would.
fn note() -> impl Strategy<Value = String> {
    "('{0,2}[=+@\t-])?[A-Za-z0-9 ,\"'\t-]{0,60}(\n[A-Za-z0-9 ,\"'-]{0,40})?".prop_filter(
        "not empty, not the no-value marker",
        |t| {
            let t = t.trim();
            !t.is_empty() && t != "---"
        },
    )
}

fn valid_row() -> impl Strategy<Value = ValidRow> {
    (
        (0i64..9_000, 0i64..i64::MAX, 0i64..i64::MAX),
        label(),
        proptest::option::of(0i64..1_000),
        proptest::option::of(note()),
        any::<bool>(),
        proptest::option::of(note()),
        proptest::option::of(label()),
        (amount(100_000_000), prop_oneof![1i32..10, -3i32..0]),
        (amount(1_000), amount(1_000)),
        proptest::option::of(label()),
    )
        .prop_map(
            |(
                (day, client_id, sale_id),
                item,
                batch,
                sales_notes,
                online,
                notes,
                color,
                (price, quantity),
                (discount, tax),
                payment_method,
            )| ValidRow {
                date: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(day as u64),
                client_id,
                sale_id,
                item,
                batch,
                sales_notes,
                online,
                notes,
                color,
                price,
                quantity,
                discount,
                tax,
                payment_method,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_reader_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        read_all(&bytes);
        let mut with_header = format!("{HEADER}\r\n").into_bytes();
        with_header.extend(&bytes);
        read_all(&with_header);
    }

    #[test]
    fn the_reader_never_panics_on_csv_like_input_and_echoes_little(bytes in csv_like()) {
        read_all(&bytes);
    }

    #[test]
    fn valid_rows_read_back_as_written_formulas_included(rows in prop::collection::vec(valid_row(), 1..8), crlf in any::<bool>()) {
        let mut writer = csv::WriterBuilder::new()
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(Vec::new());
        writer.write_record(Column::ALL.map(Column::header)).unwrap();
        for row in &rows {
            writer.write_record(row.record()).unwrap();
        }
        let bytes = writer.into_inner().unwrap();
        let reader = SalesCsvReader::new(bytes.as_slice(), latest()).unwrap();
        let lines: Vec<_> = reader
            .map(|row| match row {
                Ok(line) => line,
                Err(RowError::Invalid(invalid)) => panic!("{:?}", invalid.problems),
                Err(error) => panic!("{error}"),
            })
            .collect();
        prop_assert_eq!(lines.len(), rows.len());
        for (line, row) in lines.iter().zip(&rows) {
            prop_assert_eq!(line.date.get(), row.date);
            prop_assert_eq!(line.client_id.get(), row.client_id);
            prop_assert_eq!(line.sale_id.get(), row.sale_id);
            prop_assert_eq!(line.product.as_str(), row.item.as_str());
            prop_assert_eq!(line.batch_number.map(|b| b.get()), row.batch);
            prop_assert_eq!(line.sales_notes.as_deref(), row.sales_notes.as_deref());
            prop_assert_eq!(line.notes.as_ref().map(|n| n.as_str()), row.notes.as_deref());
            prop_assert_eq!(line.color.as_ref().map(|c| c.as_str()), row.color.as_deref());
            prop_assert_eq!(
                line.payment_method.as_ref().map(|p| p.as_str()),
                row.payment_method.as_deref()
            );
            prop_assert_eq!(line.location.to_string() == "Online Store", row.online);
            prop_assert_eq!(line.unit_price.amount(), row.price);
            prop_assert_eq!(line.quantity.get(), row.quantity);
            prop_assert_eq!(line.subtotal.amount(), row.subtotal());
            prop_assert_eq!(line.total.amount(), row.total());
            prop_assert_eq!(line.total.to_string(), row.total().to_string(), "scale kept");
        }
    }

    #[test]
    fn value_parsers_never_panic_on_arbitrary_text(text in any::<String>()) {
        let _ = Money::parse(&text);
        let _ = UnitPrice::parse(&text);
        let _ = SaleDate::parse(&text, latest());
        let _ = SaleId::parse(&text);
        let _ = ClientId::parse(&text);
        let _ = Quantity::parse(&text);
        let echoed = echo(&text);
        prop_assert!(echoed.chars().count() <= ECHO_BOUND);
        prop_assert!(!echoed.chars().any(char::is_control));
    }

    #[test]
    fn money_accepts_what_it_formats(
        units in -(10i128.pow(21) - 1)..10i128.pow(21),
        scale in 0u32..=6,
    ) {
        // Up to 15 digits before the point and 6 after, cut to `scale` places.
        let amount = Decimal::from_i128_with_scale(units, 6).trunc_with_scale(scale);
        let money = Money::new(amount).unwrap();
        let parsed = Money::parse(&money.to_string()).unwrap();
        prop_assert_eq!(parsed, money);
        prop_assert_eq!(parsed.to_string(), money.to_string());
    }

    #[test]
    fn dates_and_ids_accept_what_they_format(day in 0u64..40_000, id in 0i64..i64::MAX) {
        let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(day);
        let latest = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
        let sale_date = SaleDate::parse(&date.format("%-m/%-d/%Y").to_string(), latest).unwrap();
        prop_assert_eq!(sale_date.get(), date);
        prop_assert_eq!(SaleDate::parse(&sale_date.to_string(), latest).unwrap(), sale_date);
        let sale_id = SaleId::new(id).unwrap();
        prop_assert_eq!(SaleId::parse(&sale_id.to_string()).unwrap(), sale_id);
        let client_id = ClientId::new(id).unwrap();
        prop_assert_eq!(ClientId::parse(&client_id.to_string()).unwrap(), client_id);
    }
}
