//! The plain text of numbers and dates, byte for byte what their `Display` writes, appended
//! to a buffer without `fmt`: an import writes millions of them (the sales' fingerprints, the
//! rows it sends to the store).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Appends `n` as `Display` writes it (`-7`).
pub fn push_integer(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `d` with its own scale, as `Display` writes it (`-12.50`, `0.005`).
pub fn push_decimal(out: &mut Vec<u8>, d: Decimal) {
    let mantissa = d.mantissa();
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(mantissa.unsigned_abs()).as_bytes();
    let scale = d.scale() as usize;
    if mantissa < 0 {
        out.push(b'-');
    }
    if scale == 0 {
        out.extend_from_slice(digits);
    } else if digits.len() > scale {
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        out.extend_from_slice(whole);
        out.push(b'.');
        out.extend_from_slice(fraction);
    } else {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + scale - digits.len(), b'0');
        out.extend_from_slice(digits);
    }
}

/// Appends `d` as ISO 8601 (`2025-03-01`), as `Display` writes it.
pub fn push_date(out: &mut Vec<u8>, d: NaiveDate) {
    let year = d.year();
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        out.extend_from_slice(d.to_string().as_bytes());
        return;
    };
    let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    out.extend_from_slice(&two(year / 100));
    out.extend_from_slice(&two(year % 100));
    out.push(b'-');
    out.extend_from_slice(&two(d.month()));
    out.push(b'-');
    out.extend_from_slice(&two(d.day()));
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn decimals_are_written_as_display_writes_them(
            mantissa in proptest::num::i64::ANY,
            scale in 0u32..=12,
        ) {
            let d = Decimal::new(mantissa, scale);
            let mut out = Vec::new();
            push_decimal(&mut out, d);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), d.to_string());
        }

        #[test]
        fn dates_are_written_as_display_writes_them(days in -1_000_000i32..=3_000_000) {
            let d = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
            let mut out = Vec::new();
            push_date(&mut out, d);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), d.to_string());
        }

        #[test]
        fn integers_are_written_as_display_writes_them(n in proptest::num::i64::ANY) {
            let mut out = Vec::new();
            push_integer(&mut out, n);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
    }
}
