//! Synthetic point-of-sale exports in Zinc's sales CSV layout, for tests and benchmarks.
//!
//! [`write_sales`] writes a deterministic file: the same [`SalesSpec`] gives the same bytes
//! every time, on any machine (the random stream is ChaCha8 seeded with
//! [`SalesSpec::seed`], and every draw is made on fixed-width integers).
//!
//! ```
//! use zinc_testkit::gen_sales::{SalesSpec, sales_csv};
//!
//! let csv = sales_csv(&SalesSpec::new(3))?;
//! assert!(csv.starts_with("Sale Date,Client ID,Sale ID,"));
//! assert_eq!(csv.lines().count(), 1 + 3);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # The shape it mirrors
//!
//! The file has the shape of the real export (and of the Python generator this replaces), not
//! its content:
//!
//! - the 19 columns of [`HEADER`], in that order, LF line ends, fields quoted only when needed
//!   (one of the sales notes holds a comma);
//! - Sale IDs start after 3000 and rise by 1 to 3; a sale has 1, 2, 3 or 9 item rows (85%, 12%,
//!   2%, 1%) sharing its date, client, location and payment method; 11% of sales are to the
//!   walk-in client `1`, the others to a client in `100000000..=100099999`;
//! - after a sale's first row, each row has a 30% chance of repeating that first row verbatim:
//!   identical rows within a sale are separate units sold, not duplicates;
//! - about 1.4% of sales are refunds: a single row with Quantity `-1`, negative amounts and a
//!   `Batch #` of 3 to 15 (other rows have `---`);
//! - about 1% of the other rows are complimentary: Subtotal, Discount amount, Tax, Item Total and
//!   Total Paid all `0`, paid with `Misc. (Comp/Guest)` (the Discount % is kept as drawn);
//! - about 2% of item names carry a stray trailing space; about 5% of rows sell at 0.9× or 1.1×
//!   the list price, quantized to 3 decimals half away from zero;
//! - `Subtotal = price × qty`, `Discount amount = Subtotal × pct / 100` and
//!   `Tax = 9% × (Subtotal − Discount amount)`, both to 3 decimals half away from zero,
//!   `Item Total = Subtotal − Discount amount + Tax` and `Total Paid = Item Total`; amounts are
//!   exact decimals written without trailing zeros (`0`, never `-0`);
//! - dates are month-first, `MM/DD/YYYY` for days 1 to 12 and `M/DD/YYYY` for days 13 to 31,
//!   drawn uniformly from [`SalesSpec::days`] days starting at [`SalesSpec::start`].
//!
//! The weights of locations, payment methods, name words, prices, quantities, discounts and
//! notes are those of the Python generator; its random stream is not, so the files differ from
//! its output in content but not in shape.

use std::fmt::{self, Write as _};
use std::io;

use chrono::{Datelike, Days, NaiveDate};
use csv::ByteRecord;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::{Decimal, RoundingStrategy};

/// The header line: the 19 columns of the export, in its order.
pub const HEADER: [&str; 19] = [
    "Sale Date",
    "Client ID",
    "Sale ID",
    "Item name",
    "Batch #",
    "Sales Notes",
    "Location",
    "Notes",
    "Color",
    "Size",
    "Item price (excluding tax)",
    "Quantity",
    "Subtotal (excluding tax)",
    "Discount %",
    "Discount amount",
    "Tax",
    "Item Total",
    "Total Paid w/ Payment Method",
    "Payment Method",
];

/// The most distinct products a file can have: a product name is a number from 1 to 50 followed
/// by 1 to 3 distinct words of 17, in order.
pub const MAX_PRODUCTS: usize = 50 * (17 + 17 * 16 + 17 * 16 * 15);

/// What to generate. [`SalesSpec::default`] is the Python generator's defaults with no rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesSpec {
    /// How many data rows to write (the header not counted). The last sale is cut short if
    /// needed to hit the count exactly.
    pub rows: u64,
    /// Seed of the random stream: the same spec always gives the same bytes.
    pub seed: u64,
    /// The first day sales may fall on.
    pub start: NaiveDate,
    /// How many days, from `start`, sales fall on (at least 1).
    pub days: u32,
    /// How many distinct products the rows sell (1 to [`MAX_PRODUCTS`]).
    pub products: usize,
}

impl Default for SalesSpec {
    /// No rows, seed 7, a year of days from 2024-01-01, 400 products.
    fn default() -> Self {
        SalesSpec {
            rows: 0,
            seed: 7,
            start: NaiveDate::from_ymd_opt(2024, 1, 1).expect("2024-01-01 is a date"),
            days: 365,
            products: 400,
        }
    }
}

/// Why a [`SalesSpec`] cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecError {
    /// `days` is 0: there is no day to sell on.
    NoDays,
    /// `products` is 0: there is nothing to sell.
    NoProducts,
    /// `products` is above [`MAX_PRODUCTS`]: there are not that many distinct names.
    TooManyProducts(usize),
    /// `start + days` is past the last date the calendar type can hold.
    PastTheCalendar,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::NoDays => write!(f, "days must be at least 1"),
            SpecError::NoProducts => write!(f, "products must be at least 1"),
            SpecError::TooManyProducts(asked) => write!(
                f,
                "products must be at most {MAX_PRODUCTS} (distinct names available), not {asked}"
            ),
            SpecError::PastTheCalendar => {
                write!(f, "start + days goes past the last representable date")
            }
        }
    }
}

impl std::error::Error for SpecError {}

impl From<SpecError> for io::Error {
    fn from(error: SpecError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, error)
    }
}

impl SalesSpec {
    /// The default spec with `rows` data rows.
    pub fn new(rows: u64) -> Self {
        SalesSpec {
            rows,
            ..SalesSpec::default()
        }
    }

    /// Checks that the spec can be generated.
    pub fn check(&self) -> Result<(), SpecError> {
        if self.days == 0 {
            return Err(SpecError::NoDays);
        }
        if self.products == 0 {
            return Err(SpecError::NoProducts);
        }
        if self.products > MAX_PRODUCTS {
            return Err(SpecError::TooManyProducts(self.products));
        }
        self.last_day().ok_or(SpecError::PastTheCalendar)?;
        Ok(())
    }

    /// The last day sales may fall on, if the calendar has it.
    pub fn last_day(&self) -> Option<NaiveDate> {
        let offset = self.days.checked_sub(1)?;
        self.start.checked_add_days(Days::new(u64::from(offset)))
    }
}

/// Writes the header and `spec.rows` rows of CSV to `out`, then flushes it.
///
/// Writes are buffered (8 KiB) before they reach `out`. Fails with
/// [`io::ErrorKind::InvalidInput`] when [`SalesSpec::check`] refuses the spec, before anything
/// is written.
pub fn write_sales(spec: &SalesSpec, out: impl io::Write) -> io::Result<()> {
    spec.check()?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(HEADER).map_err(into_io_error)?;
    let mut generator = Generator::new(spec);
    let mut record = ByteRecord::new();
    while generator.next_row(&mut record) {
        writer.write_byte_record(&record).map_err(into_io_error)?;
    }
    writer.flush()
}

/// The I/O error itself (so that its kind, such as a broken pipe, shows), not wrapped.
fn into_io_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// [`write_sales`] into a `String`, for small files.
pub fn sales_csv(spec: &SalesSpec) -> io::Result<String> {
    let mut bytes = Vec::new();
    write_sales(spec, &mut bytes)?;
    String::from_utf8(bytes).map_err(io::Error::other)
}

/// A table of values and their weights: `pick` draws each with probability weight / total.
type Weighted<T> = [(T, u32)];

const LOCATIONS: &Weighted<&str> = &[("Golf - experience", 15), ("Online Store", 1)];
const PAYMENTS: &Weighted<&str> = &[
    ("Credit card (Visa/MC-Keyed)", 16),
    ("Credit card (AMEX-Keyed)", 2),
    ("Misc. (Paynow/Bank Transfer)", 1),
    ("Misc. (Account)", 1),
    ("Misc. (HitPay)", 1),
];
const COMPLIMENTARY_PAYMENT: &str = "Misc. (Comp/Guest)";
const WORDS: [&str; 17] = [
    "Practice",
    "Credits",
    "Bay",
    "Lesson",
    "Membership",
    "Junior",
    "Golf",
    "Glove",
    "Balls",
    "Drive",
    "Putting",
    "Monthly",
    "Trial",
    "Premium",
    "Coaching",
    "Hour",
    "Water",
];
const NOTES: &Weighted<&str> = &[
    ("", 8),
    ("Unable to make it for 1 session, given 20% discount", 1),
    ("Paid in 2 parts, see batch", 1),
    ("Promo: spring", 1),
];
/// List prices, each equally likely.
const PRICES: [&str; 12] = [
    "8", "12.5", "20", "32", "45", "60", "88", "120", "250", "399.9", "74.998", "6.54",
];
const ITEMS_PER_SALE: &Weighted<u32> = &[(1, 85), (2, 12), (3, 2), (9, 1)];
const QUANTITIES: &Weighted<i64> = &[(1, 9), (2, 1), (3, 1)];
const DISCOUNT_PERCENTS: &Weighted<i64> = &[(0, 9), (10, 1), (20, 1)];
/// Numerators over 10 of the other prices a row may sell at.
const PRICE_FACTORS: &Weighted<i64> = &[(9, 1), (11, 1)];

const FIRST_SALE_ID: i64 = 3000;
const WALK_IN_CLIENT: u32 = 1;
const CLIENTS: std::ops::RangeInclusive<u32> = 100_000_000..=100_099_999;
const NO_VALUE: &[u8] = b"---";

const P_WALK_IN: f64 = 0.11;
const P_REFUND: f64 = 0.014;
const P_REPEAT_FIRST_ROW: f64 = 0.3;
const P_TRAILING_SPACE: f64 = 0.02;
const P_OTHER_PRICE: f64 = 0.05;
const P_COMPLIMENTARY: f64 = 0.01;

/// A product for sale: its name and list price.
struct Product {
    name: String,
    price: Decimal,
}

/// The sale whose rows are being written.
struct Sale {
    id: i64,
    date: String,
    client: u32,
    location: &'static str,
    payment: &'static str,
    refund: bool,
    rows_left: u64,
    first_row: Option<ByteRecord>,
}

/// Draws the rows one by one.
struct Generator<'a> {
    spec: &'a SalesSpec,
    rng: ChaCha8Rng,
    products: Vec<Product>,
    rows_left: u64,
    sale_id: i64,
    sale: Option<Sale>,
    text: String,
}

impl<'a> Generator<'a> {
    /// Seeds the stream and draws the products (`spec` must have passed [`SalesSpec::check`]).
    fn new(spec: &'a SalesSpec) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let products = draw_products(&mut rng, spec.products);
        Generator {
            spec,
            rng,
            products,
            rows_left: spec.rows,
            sale_id: FIRST_SALE_ID,
            sale: None,
            text: String::new(),
        }
    }

    /// Fills `record` with the next row; false once every row is written.
    fn next_row(&mut self, record: &mut ByteRecord) -> bool {
        if self.rows_left == 0 {
            return false;
        }
        self.rows_left -= 1;
        let mut sale = match self.sale.take() {
            Some(sale) if sale.rows_left > 0 => sale,
            _ => self.draw_sale(),
        };
        sale.rows_left -= 1;
        match &sale.first_row {
            Some(first) if self.rng.random_bool(P_REPEAT_FIRST_ROW) => record.clone_from(first),
            _ => {
                self.draw_item(&sale, record);
                if sale.first_row.is_none() {
                    sale.first_row = Some(record.clone());
                }
            }
        }
        self.sale = Some(sale);
        true
    }

    fn draw_sale(&mut self) -> Sale {
        let rng = &mut self.rng;
        self.sale_id += rng.random_range(1..=3);
        let offset = rng.random_range(0..self.spec.days);
        let day = self
            .spec
            .start
            .checked_add_days(Days::new(u64::from(offset)))
            .expect("checked: start + days is a date");
        let client = if rng.random_bool(P_WALK_IN) {
            WALK_IN_CLIENT
        } else {
            rng.random_range(CLIENTS)
        };
        let location = pick(rng, LOCATIONS);
        let payment = pick(rng, PAYMENTS);
        let refund = rng.random_bool(P_REFUND);
        let items = if refund { 1 } else { pick(rng, ITEMS_PER_SALE) };
        Sale {
            id: self.sale_id,
            date: month_first_date(day),
            client,
            location,
            payment,
            refund,
            // Cut short to end on the requested row count (`self.rows_left` already leaves out
            // the row being drawn).
            rows_left: u64::from(items).min(self.rows_left + 1),
            first_row: None,
        }
    }

    /// Fills `record` with a newly drawn item of `sale`.
    fn draw_item(&mut self, sale: &Sale, record: &mut ByteRecord) {
        let rng = &mut self.rng;
        let product = &self.products[index(rng, self.products.len())];
        let trailing_space = rng.random_bool(P_TRAILING_SPACE);
        let mut price = product.price;
        if rng.random_bool(P_OTHER_PRICE) {
            let factor = Decimal::new(pick(rng, PRICE_FACTORS), 1);
            price = round3(price * factor);
        }
        let quantity = if sale.refund {
            -1
        } else {
            pick(rng, QUANTITIES)
        };
        let percent = Decimal::from(pick(rng, DISCOUNT_PERCENTS));
        let mut subtotal = price * Decimal::from(quantity);
        let mut discount = round3(subtotal * percent / Decimal::ONE_HUNDRED);
        let mut tax = round3((subtotal - discount) * Decimal::new(9, 2));
        let mut total = subtotal - discount + tax;
        let complimentary = !sale.refund && rng.random_bool(P_COMPLIMENTARY);
        let payment = if complimentary {
            subtotal = Decimal::ZERO;
            discount = Decimal::ZERO;
            tax = Decimal::ZERO;
            total = Decimal::ZERO;
            COMPLIMENTARY_PAYMENT
        } else {
            sale.payment
        };
        let batch = sale.refund.then(|| rng.random_range(3..=15u32));
        let note = pick(rng, NOTES);

        let text = &mut self.text;
        record.clear();
        record.push_field(sale.date.as_bytes());
        push_display(record, text, sale.client);
        push_display(record, text, sale.id);
        if trailing_space {
            text.clear();
            text.push_str(&product.name);
            text.push(' ');
            record.push_field(text.as_bytes());
        } else {
            record.push_field(product.name.as_bytes());
        }
        match batch {
            Some(batch) => push_display(record, text, batch),
            None => record.push_field(NO_VALUE),
        }
        record.push_field(note.as_bytes());
        record.push_field(sale.location.as_bytes());
        record.push_field(b"");
        record.push_field(NO_VALUE);
        record.push_field(NO_VALUE);
        push_amount(record, text, price);
        push_display(record, text, quantity);
        push_amount(record, text, subtotal);
        push_amount(record, text, percent);
        push_amount(record, text, discount);
        push_amount(record, text, tax);
        push_amount(record, text, total);
        push_amount(record, text, total);
        record.push_field(payment.as_bytes());
    }
}

/// Draws `count` distinct products (`count` at most [`MAX_PRODUCTS`]).
fn draw_products(rng: &mut ChaCha8Rng, count: usize) -> Vec<Product> {
    let prices: Vec<Decimal> = PRICES
        .iter()
        .map(|price| Decimal::from_str_exact(price).expect("the list prices are decimals"))
        .collect();
    let mut products = Vec::with_capacity(count);
    let mut names = std::collections::HashSet::with_capacity(count);
    let mut words: [usize; WORDS.len()] = std::array::from_fn(|i| i);
    while products.len() < count {
        let number: u32 = rng.random_range(1..=50);
        let word_count = rng.random_range(1..=3usize);
        // A partial Fisher-Yates shuffle: the first `word_count` words are an ordered sample.
        for i in 0..word_count {
            let j = i + index(rng, WORDS.len() - i);
            words.swap(i, j);
        }
        let mut name = number.to_string();
        for &word in &words[..word_count] {
            name.push(' ');
            name.push_str(WORDS[word]);
        }
        if !names.insert(name.clone()) {
            continue;
        }
        let price = prices[index(rng, prices.len())];
        products.push(Product { name, price });
    }
    products
}

/// A uniform index below `len` (drawn as a `u32`, so the stream is the same on every platform).
fn index(rng: &mut ChaCha8Rng, len: usize) -> usize {
    let len = u32::try_from(len).expect("tables and product lists are far below 2^32");
    rng.random_range(0..len) as usize
}

/// Draws from a weighted table.
fn pick<T: Copy>(rng: &mut ChaCha8Rng, table: &Weighted<T>) -> T {
    let total: u32 = table.iter().map(|(_, weight)| weight).sum();
    let mut ticket = rng.random_range(0..total);
    for &(value, weight) in table {
        if ticket < weight {
            return value;
        }
        ticket -= weight;
    }
    unreachable!("the ticket is below the total weight")
}

/// `amount` to 3 decimal places, halves away from zero (Python's `ROUND_HALF_UP`).
pub fn round3(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
}

/// `amount` as the export writes it: plain notation, no trailing zeros, `0` for any zero.
pub fn format_amount(amount: Decimal) -> String {
    let mut text = String::new();
    write_amount(&mut text, amount);
    text
}

fn write_amount(text: &mut String, amount: Decimal) {
    if amount.is_zero() {
        text.push('0');
    } else {
        write!(text, "{}", amount.normalize()).expect("writing to a String cannot fail");
    }
}

/// `day` month-first as the export writes it: `03/05/2024` for days 1 to 12, `3/15/2024` after.
pub fn month_first_date(day: NaiveDate) -> String {
    if day.day() <= 12 {
        format!("{:02}/{:02}/{}", day.month(), day.day(), day.year())
    } else {
        format!("{}/{:02}/{}", day.month(), day.day(), day.year())
    }
}

fn push_amount(record: &mut ByteRecord, text: &mut String, amount: Decimal) {
    text.clear();
    write_amount(text, amount);
    record.push_field(text.as_bytes());
}

fn push_display(record: &mut ByteRecord, text: &mut String, value: impl fmt::Display) {
    text.clear();
    write!(text, "{value}").expect("writing to a String cannot fail");
    record.push_field(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    #[test]
    fn formats_amounts_without_trailing_zeros_or_a_negative_zero() {
        assert_eq!(format_amount(decimal("34.880")), "34.88");
        assert_eq!(format_amount(decimal("120")), "120");
        assert_eq!(format_amount(decimal("120.000")), "120");
        assert_eq!(format_amount(decimal("-0.436")), "-0.436");
        assert_eq!(format_amount(decimal("-0.000")), "0");
        assert_eq!(format_amount(decimal("-32") * Decimal::ZERO), "0");
        assert_eq!(format_amount(decimal("0.000")), "0");
    }

    #[test]
    fn rounds_to_three_places_with_halves_away_from_zero() {
        assert_eq!(round3(decimal("2.8845")), decimal("2.885"));
        assert_eq!(round3(decimal("-2.8845")), decimal("-2.885"));
        assert_eq!(round3(decimal("0.0015")), decimal("0.002"));
        assert_eq!(round3(decimal("82.4978")), decimal("82.498"));
        assert_eq!(round3(decimal("1.23449")), decimal("1.234"));
    }

    #[test]
    fn writes_month_first_dates_padded_only_for_days_up_to_12() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(month_first_date(date(2024, 3, 5)), "03/05/2024");
        assert_eq!(month_first_date(date(2024, 12, 12)), "12/12/2024");
        assert_eq!(month_first_date(date(2024, 3, 15)), "3/15/2024");
        assert_eq!(month_first_date(date(2024, 11, 13)), "11/13/2024");
    }

    #[test]
    fn draws_from_a_weighted_table_in_proportion_to_the_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let draws = 100_000;
        let nines = (0..draws)
            .filter(|_| pick(&mut rng, ITEMS_PER_SALE) == 9)
            .count();
        // 1% expected: 1000 ± a generous margin.
        assert!((800..1200).contains(&nines), "{nines} nines");
    }

    #[test]
    fn max_products_is_the_number_of_distinct_names() {
        let words = WORDS.len();
        let ordered_samples: usize = (1..=3)
            .map(|k| (0..k).map(|i| words - i).product::<usize>())
            .sum();
        assert_eq!(MAX_PRODUCTS, 50 * ordered_samples);
        assert_eq!(MAX_PRODUCTS, 218_450);
    }

    #[test]
    fn draws_distinct_product_names_of_a_number_and_one_to_three_words() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let products = draw_products(&mut rng, 2_000);
        let names: std::collections::HashSet<_> = products.iter().map(|p| &p.name).collect();
        assert_eq!(names.len(), 2_000);
        for product in &products {
            let mut parts = product.name.split(' ');
            let number: u32 = parts.next().unwrap().parse().unwrap();
            assert!((1..=50).contains(&number));
            let words: Vec<_> = parts.collect();
            assert!((1..=3).contains(&words.len()), "{}", product.name);
            assert!(words.iter().all(|w| WORDS.contains(w)));
            let distinct: std::collections::HashSet<_> = words.iter().collect();
            assert_eq!(distinct.len(), words.len(), "{}", product.name);
        }
    }

    #[test]
    fn refuses_a_spec_that_cannot_be_generated() {
        let check = |spec: SalesSpec| spec.check();
        assert_eq!(
            check(SalesSpec {
                days: 0,
                ..SalesSpec::new(10)
            }),
            Err(SpecError::NoDays)
        );
        assert_eq!(
            check(SalesSpec {
                products: 0,
                ..SalesSpec::new(10)
            }),
            Err(SpecError::NoProducts)
        );
        assert_eq!(
            check(SalesSpec {
                products: MAX_PRODUCTS + 1,
                ..SalesSpec::new(10)
            }),
            Err(SpecError::TooManyProducts(MAX_PRODUCTS + 1))
        );
        assert_eq!(
            check(SalesSpec {
                start: NaiveDate::MAX,
                days: 2,
                ..SalesSpec::new(10)
            }),
            Err(SpecError::PastTheCalendar)
        );
        assert_eq!(
            check(SalesSpec {
                start: NaiveDate::MAX,
                days: 1,
                ..SalesSpec::new(10)
            }),
            Ok(())
        );
        let error = write_sales(
            &SalesSpec {
                days: 0,
                ..SalesSpec::new(1)
            },
            io::sink(),
        )
        .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
