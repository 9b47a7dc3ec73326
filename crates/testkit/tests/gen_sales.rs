//! The generated exports: deterministic, of the requested size, readable by Zinc's own domain
//! reader, and of the real export's shape.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use csv::StringRecord;
use rust_decimal::{Decimal, RoundingStrategy};
use zinc_domain::{Column, Sale, SaleGrouper, SalesCsvReader};
use zinc_testkit::gen_sales::{HEADER, SalesSpec, sales_csv};

const SALE_DATE: usize = 0;
const CLIENT_ID: usize = 1;
const SALE_ID: usize = 2;
const ITEM_NAME: usize = 3;
const BATCH: usize = 4;
const SALES_NOTES: usize = 5;
const LOCATION: usize = 6;
const PRICE: usize = 10;
const QUANTITY: usize = 11;
const SUBTOTAL: usize = 12;
const DISCOUNT_PERCENT: usize = 13;
const DISCOUNT: usize = 14;
const TAX: usize = 15;
const ITEM_TOTAL: usize = 16;
const TOTAL_PAID: usize = 17;
const PAYMENT: usize = 18;
const AMOUNTS: [usize; 7] = [
    PRICE,
    SUBTOTAL,
    DISCOUNT_PERCENT,
    DISCOUNT,
    TAX,
    ITEM_TOTAL,
    TOTAL_PAID,
];
const COMPLIMENTARY_PAYMENT: &str = "Misc. (Comp/Guest)";

fn spec(rows: u64, seed: u64) -> SalesSpec {
    SalesSpec {
        rows,
        seed,
        ..SalesSpec::default()
    }
}

fn generate(spec: &SalesSpec) -> String {
    sales_csv(spec).expect("a valid spec generates")
}

/// The header and the data records of a generated file.
fn records(text: &str) -> (StringRecord, Vec<StringRecord>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut all = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("well-formed CSV");
    let header = all.remove(0);
    (header, all)
}

fn decimal(record: &StringRecord, column: usize) -> Decimal {
    Decimal::from_str_exact(&record[column])
        .unwrap_or_else(|e| panic!("{:?} in column {column}: {e}", &record[column]))
}

fn round3(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
}

/// The records grouped by sale, in file order, checking that each sale's rows are adjacent.
fn sales(records: &[StringRecord]) -> Vec<Vec<&StringRecord>> {
    let mut sales: Vec<Vec<&StringRecord>> = Vec::new();
    let mut seen = HashSet::new();
    for record in records {
        match sales.last_mut() {
            Some(sale) if sale[0][SALE_ID] == record[SALE_ID] => sale.push(record),
            _ => {
                assert!(
                    seen.insert(record[SALE_ID].to_owned()),
                    "the rows of sale {} are not adjacent",
                    &record[SALE_ID]
                );
                sales.push(vec![record]);
            }
        }
    }
    sales
}

#[test]
fn the_same_seed_gives_identical_bytes() {
    let first = generate(&spec(5_000, 42));
    let second = generate(&spec(5_000, 42));
    assert!(first.len() > 100_000);
    assert_eq!(first, second);
}

#[test]
fn different_seeds_give_different_files() {
    let (_, one) = records(&generate(&spec(1_000, 1)));
    let (_, two) = records(&generate(&spec(1_000, 2)));
    let same = one.iter().zip(&two).filter(|(a, b)| a == b).count();
    assert_eq!(same, 0, "{same} rows are identical at the same position");
}

#[test]
fn a_fixed_seed_gives_the_same_bytes_as_when_it_was_pinned() {
    // Pinned output: fails if the random stream or the draws change (a dependency upgrade, a
    // platform difference), which would silently change every cached benchmark file.
    let expected = r#"Sale Date,Client ID,Sale ID,Item name,Batch #,Sales Notes,Location,Notes,Color,Size,Item price (excluding tax),Quantity,Subtotal (excluding tax),Discount %,Discount amount,Tax,Item Total,Total Paid w/ Payment Method,Payment Method
03/01/2024,100086982,3001,34 Hour Trial Water,---,,Golf - experience,,---,---,399.9,1,399.9,0,0,35.991,435.891,435.891,Credit card (Visa/MC-Keyed)
5/25/2024,100092377,3002,43 Golf Bay Membership,---,,Golf - experience,,---,---,74.998,1,74.998,0,0,6.75,81.748,81.748,Credit card (Visa/MC-Keyed)
05/04/2024,100056205,3003,8 Premium Bay,---,,Golf - experience,,---,---,74.998,1,74.998,0,0,6.75,81.748,81.748,Credit card (Visa/MC-Keyed)
08/03/2024,100053513,3004,19 Drive Membership Golf,---,,Golf - experience,,---,---,60,1,60,0,0,5.4,65.4,65.4,Credit card (Visa/MC-Keyed)
08/03/2024,100053513,3004,33 Putting Hour,---,,Golf - experience,,---,---,8,1,8,0,0,0.72,8.72,8.72,Credit card (Visa/MC-Keyed)
08/03/2024,100053513,3004,17 Golf Monthly,---,,Golf - experience,,---,---,6.54,1,6.54,10,0.654,0.53,6.416,6.416,Credit card (Visa/MC-Keyed)
08/03/2024,100057821,3005,15 Lesson,---,,Golf - experience,,---,---,250,1,250,0,0,22.5,272.5,272.5,Misc. (Paynow/Bank Transfer)
10/19/2024,100073011,3008,9 Junior Trial,---,"Unable to make it for 1 session, given 20% discount",Golf - experience,,---,---,20,2,40,20,8,2.88,34.88,34.88,Credit card (Visa/MC-Keyed)
"#;
    assert_eq!(generate(&spec(8, 7)), expected);
}

#[test]
fn writes_exactly_the_requested_number_of_data_rows() {
    for rows in [0, 1, 2, 3, 9, 10, 1_000, 4_321] {
        let text = generate(&spec(rows, 11));
        let (_, data) = records(&text);
        assert_eq!(data.len() as u64, rows, "asked for {rows} rows");
        assert_eq!(text.lines().count() as u64, rows + 1, "one line per row");
        assert!(text.ends_with('\n'));
    }
}

#[test]
fn the_header_is_the_nineteen_columns_of_the_export_in_order() {
    let (header, _) = records(&generate(&spec(3, 7)));
    let expected: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
    assert_eq!(header.iter().collect::<Vec<_>>(), expected);
    assert_eq!(HEADER.to_vec(), expected);
    assert!(generate(&spec(0, 7)).starts_with(&format!("{}\n", expected.join(","))));
}

#[test]
fn every_row_reads_and_every_sale_assembles_with_the_domain_reader() {
    for seed in [1, 2, 3] {
        let spec = spec(5_000, seed);
        let text = generate(&spec);
        let latest = spec.last_day().unwrap();
        let reader = SalesCsvReader::new(text.as_bytes(), latest).expect("the header is accepted");
        let mut lines = Vec::new();
        for row in reader {
            match row {
                Ok(line) => lines.push(line),
                Err(error) => panic!("seed {seed}: {error}: {error:?}"),
            }
        }
        assert_eq!(lines.len(), 5_000);
        let mut grouper = SaleGrouper::new();
        let mut groups = grouper.push(lines);
        groups.extend(grouper.finish());
        let mut assembled = 0;
        for group in groups {
            let sale_id = group[0].sale_id;
            let sale = Sale::assemble(group)
                .unwrap_or_else(|problems| panic!("sale {sale_id}: {problems:?}"));
            assert_eq!(sale.sale_id(), sale_id);
            assembled += sale.lines().len();
        }
        assert_eq!(assembled, 5_000);
    }
}

#[test]
fn every_row_adds_up() {
    let (_, data) = records(&generate(&spec(20_000, 5)));
    for record in &data {
        let price = decimal(record, PRICE);
        let quantity: i64 = record[QUANTITY].parse().unwrap();
        let subtotal = decimal(record, SUBTOTAL);
        let percent = decimal(record, DISCOUNT_PERCENT);
        let discount = decimal(record, DISCOUNT);
        let tax = decimal(record, TAX);
        let total = decimal(record, ITEM_TOTAL);
        let paid = decimal(record, TOTAL_PAID);
        assert!(price > Decimal::ZERO, "{record:?}");
        assert_eq!(paid, total, "Total Paid = Item Total: {record:?}");
        assert_eq!(total, subtotal - discount + tax, "{record:?}");
        if &record[PAYMENT] == COMPLIMENTARY_PAYMENT {
            assert!(quantity > 0, "{record:?}");
            for amount in [subtotal, discount, tax, total] {
                assert!(amount.is_zero(), "complimentary: {record:?}");
            }
        } else {
            assert_eq!(subtotal, price * Decimal::from(quantity), "{record:?}");
            let expected = round3(subtotal * percent / Decimal::ONE_HUNDRED);
            assert_eq!(discount, expected, "{record:?}");
            let expected = round3((subtotal - discount) * Decimal::new(9, 2));
            assert_eq!(tax, expected, "{record:?}");
        }
    }
}

#[test]
fn amounts_are_plain_decimals_without_trailing_zeros_or_a_negative_zero() {
    let (_, data) = records(&generate(&spec(20_000, 6)));
    for record in &data {
        for column in AMOUNTS.into_iter().chain([QUANTITY]) {
            let text = &record[column];
            let plain = text
                .trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.');
            assert!(plain && !text.is_empty(), "{text:?} in {record:?}");
            assert_ne!(text, "-0", "{record:?}");
            if text.contains('.') {
                assert!(!text.ends_with('0') && !text.ends_with('.'), "{text:?}");
                let places = text.len() - text.find('.').unwrap() - 1;
                assert!(places <= 3, "{text:?} has {places} places");
            }
            assert_eq!(
                Decimal::from_str_exact(text)
                    .unwrap()
                    .normalize()
                    .to_string(),
                if text.starts_with('-') && text.trim_start_matches(['-', '0', '.']).is_empty() {
                    "0".to_owned()
                } else {
                    text.to_owned()
                }
            );
        }
    }
}

#[test]
fn sales_share_their_date_client_location_and_payment_and_ids_rise_from_3000() {
    let (_, data) = records(&generate(&spec(20_000, 8)));
    let mut previous_id = 3000;
    for sale in sales(&data) {
        let first = sale[0];
        let id: i64 = first[SALE_ID].parse().unwrap();
        assert!(
            (1..=3).contains(&(id - previous_id)),
            "sale {id} after {previous_id}"
        );
        previous_id = id;
        assert!(sale.len() <= 9, "sale {id} has {} rows", sale.len());
        let client: u64 = first[CLIENT_ID].parse().unwrap();
        assert!(
            client == 1 || (100_000_000..=100_099_999).contains(&client),
            "{client}"
        );
        let paying: Vec<_> = sale
            .iter()
            .filter(|r| &r[PAYMENT] != COMPLIMENTARY_PAYMENT)
            .collect();
        for record in &sale {
            for column in [SALE_DATE, CLIENT_ID, LOCATION] {
                assert_eq!(&record[column], &first[column], "sale {id}");
            }
        }
        for record in &paying {
            assert_eq!(&record[PAYMENT], &paying[0][PAYMENT], "sale {id}");
        }
        let refund = sale.iter().any(|r| &r[QUANTITY] == "-1");
        if refund {
            assert_eq!(sale.len(), 1, "a refund is a sale of one row: {id}");
            let batch: u32 = first[BATCH].parse().unwrap();
            assert!((3..=15).contains(&batch), "{batch}");
            assert!(decimal(first, ITEM_TOTAL) < Decimal::ZERO);
        } else {
            for record in &sale {
                assert_eq!(&record[BATCH], "---", "sale {id}");
                assert!(["1", "2", "3"].contains(&&record[QUANTITY]), "sale {id}");
            }
        }
    }
}

#[test]
fn dates_are_month_first_padded_only_for_days_up_to_12() {
    let (_, data) = records(&generate(&spec(5_000, 12)));
    for record in &data {
        let date = &record[SALE_DATE];
        let parts: Vec<&str> = date.split('/').collect();
        let [month, day, year] = parts[..] else {
            panic!("{date:?}");
        };
        let (m, d): (u32, u32) = (month.parse().unwrap(), day.parse().unwrap());
        assert!(
            NaiveDate::from_ymd_opt(year.parse().unwrap(), m, d).is_some(),
            "{date}"
        );
        assert_eq!(day.len(), 2, "{date}");
        if d <= 12 {
            assert_eq!(month.len(), 2, "{date}");
        } else {
            assert_eq!(month, m.to_string(), "{date}");
        }
    }
}

#[test]
fn dates_fall_within_the_requested_days() {
    let spec = SalesSpec {
        start: NaiveDate::from_ymd_opt(2024, 2, 28).unwrap(),
        days: 3,
        ..spec(300, 9)
    };
    let (_, data) = records(&generate(&spec));
    let dates: HashSet<&str> = data.iter().map(|r| &r[SALE_DATE]).collect();
    let expected = HashSet::from(["2/28/2024", "2/29/2024", "03/01/2024"]);
    assert_eq!(dates, expected);

    let spec = SalesSpec {
        start: NaiveDate::from_ymd_opt(2025, 10, 12).unwrap(),
        days: 2,
        ..spec
    };
    let (_, data) = records(&generate(&spec));
    let dates: HashSet<&str> = data.iter().map(|r| &r[SALE_DATE]).collect();
    assert_eq!(dates, HashSet::from(["10/12/2025", "10/13/2025"]));
}

#[test]
fn sells_the_requested_number_of_products() {
    let spec = SalesSpec {
        products: 5,
        ..spec(2_000, 10)
    };
    let (_, data) = records(&generate(&spec));
    let names: HashSet<&str> = data.iter().map(|r| r[ITEM_NAME].trim_end()).collect();
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn a_20000_row_file_has_every_shape_of_the_real_export() {
    let text = generate(&spec(20_000, 7));
    let (_, data) = records(&text);
    let all_sales = sales(&data);
    let count =
        |predicate: &dyn Fn(&StringRecord) -> bool| data.iter().filter(|r| predicate(r)).count();

    let refunds = count(&|r| &r[QUANTITY] == "-1");
    let complimentary = count(&|r| &r[PAYMENT] == COMPLIMENTARY_PAYMENT);
    let trailing_space = count(&|r| r[ITEM_NAME].ends_with(' '));
    let comma_notes = count(&|r| r[SALES_NOTES].contains(','));
    let walk_in = all_sales.iter().filter(|s| &s[0][CLIENT_ID] == "1").count();
    let online = all_sales
        .iter()
        .filter(|s| &s[0][LOCATION] == "Online Store")
        .count();
    let repeated = all_sales
        .iter()
        .filter(|sale| sale[1..].iter().any(|r| *r == sale[0]))
        .count();
    let multi_row = all_sales.iter().filter(|s| s.len() > 1).count();
    let padded = count(&|r| r[SALE_DATE].len() == 10 && r[SALE_DATE][3..5] <= *"12");
    let unpadded = count(&|r| {
        let (month, rest) = r[SALE_DATE].split_once('/').unwrap();
        month.len() == 1 && rest[..2] >= *"13"
    });
    let prices: HashMap<&str, usize> = data.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(&r[PRICE]).or_default() += 1;
        m
    });

    let sales_count = all_sales.len() as f64;
    let rows = data.len() as f64;
    let share = |n: usize, of: f64| n as f64 / of;
    // Each share is the Python generator's, within a margin wide enough for the sample size.
    assert!(
        (0.009..0.02).contains(&share(refunds, sales_count)),
        "refunds {refunds}"
    );
    assert!(
        (0.006..0.015).contains(&share(complimentary, rows)),
        "comp {complimentary}"
    );
    assert!(
        (0.014..0.027).contains(&share(trailing_space, rows)),
        "trailing {trailing_space}"
    );
    assert!(
        (0.08..0.12).contains(&share(walk_in, sales_count)),
        "walk-in {walk_in}"
    );
    assert!(
        (0.045..0.08).contains(&share(online, sales_count)),
        "online {online}"
    );
    assert!(
        (0.12..0.18).contains(&share(multi_row, sales_count)),
        "multi-row {multi_row}"
    );
    assert!(
        repeated > 300,
        "sales repeating their first row: {repeated}"
    );
    assert!(comma_notes > 1_000, "notes with a comma: {comma_notes}");
    assert!(padded > 1_000 && unpadded > 1_000, "{padded} {unpadded}");
    assert!(prices.len() > 12, "rows sold at another price: {prices:?}");

    // As written: the note with a comma is quoted, and both date paddings appear.
    assert!(text.contains(",\"Paid in 2 parts, see batch\","));
    assert!(text.contains("\n03/05/2024,"));
    assert!(text.contains("\n3/15/2024,"));
    assert!(
        text.contains(" ,---,"),
        "a name with a trailing space, as written"
    );
}
