//! Arbitrary bytes through the sales CSV reader, with or without the export's header in front:
//! it must never panic, and every problem it reports must echo at most a few dozen printable
//! characters of the input.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use zinc_domain::{MAX_ECHO_CHARS, MAX_MESSAGE_CHARS, RowError, SalesCsvReader};

const HEADER: &[u8] = b"Sale Date,Client ID,Sale ID,Item name,Batch #,Sales Notes,Location,Notes,Color,Size,Item price (excluding tax),Quantity,Subtotal (excluding tax),Discount %,Discount amount,Tax,Item Total,Total Paid w/ Payment Method,Payment Method\n";

fuzz_target!(|data: &[u8]| {
    let latest = NaiveDate::from_ymd_opt(2026, 11, 24).expect("a date");
    // The first byte chooses whether the export's header comes first, so that most inputs
    // reach the row parser.
    let input: Vec<u8> = match data.split_first() {
        Some((selector, rest)) if selector % 2 == 0 => [HEADER, rest].concat(),
        _ => data.to_vec(),
    };
    let Ok(reader) = SalesCsvReader::new(input.as_slice(), latest) else {
        return;
    };
    for row in reader {
        match row {
            Ok(line) => assert!(line.product.as_str().chars().count() <= 255),
            Err(RowError::Invalid(invalid)) => {
                for problem in invalid.problems {
                    if let Some(value) = &problem.value {
                        assert!(value.chars().count() <= MAX_ECHO_CHARS + 46, "{value}");
                        assert!(!value.chars().any(char::is_control), "{value:?}");
                    }
                    assert!(problem.message.chars().count() <= MAX_MESSAGE_CHARS);
                }
            }
            Err(RowError::Unreadable(_) | RowError::TooLong { .. }) => break,
        }
    }
});
