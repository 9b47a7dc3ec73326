//! Amounts and counts as people read them: grouped digits, the currency and its minor units;
//! the exact stored amount stays in the page as a `data` element's value.

use chrono::{Datelike, NaiveDate};
use iso_currency::Currency;
use maud::{Markup, html};
use rust_decimal::{Decimal, RoundingStrategy};

/// How `code` is written before an amount: its symbol (ISO 4217 data from `iso_currency`),
/// or the code and a space when it has none (`XAU 2.50`).
fn prefix(code: &str) -> String {
    match Currency::from_code(code).map(|currency| currency.symbol().symbol) {
        Some(symbol) if !symbol.is_empty() && symbol != "¤" => symbol,
        _ => format!("{code} "),
    }
}

/// How many decimal places amounts in `code` show: its minor units (0 for JPY, 3 for KWD),
/// 2 for a code without them (metals, funds).
fn places(code: &str) -> u32 {
    Currency::from_code(code)
        .and_then(Currency::exponent)
        .map_or(2, u32::from)
}

/// Digits grouped by thousands: `1234567` → `1,234,567`.
pub fn grouped(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A whole count, grouped.
pub fn count(n: impl Into<u64>) -> String {
    grouped(&n.into().to_string())
}

/// A signed whole number, grouped.
/// A size in bytes as people read it, in binary units: "64 MiB", "219.9 KiB".
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY.decimal_places(1).decimal_zeroes(0))
}

/// `n` and the noun, singular or plural: "1 sale", "1,408 sales".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// A period of days as people read it, each end a `time` element: "Mar 21, 2025" for one
/// day, "Jan 31 – Mar 1, 2025" within a year, "Dec 31, 2024 – Jan 1, 2025" across years.
pub fn period(from: NaiveDate, to: NaiveDate) -> Markup {
    const WITH_YEAR: &str = "%b %-d, %Y";
    let from_format = if from.year() == to.year() {
        "%b %-d"
    } else {
        WITH_YEAR
    };
    html! {
        @if from == to {
            time datetime=(from) { (from.format(WITH_YEAR)) }
        } @else {
            time datetime=(from) { (from.format(from_format)) } " – "
            time datetime=(to) { (to.format(WITH_YEAR)) }
        }
    }
}

pub fn signed(n: i64) -> String {
    let digits = grouped(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{digits}") } else { digits }
}

/// `amount` rounded half away from zero to its currency's minor units, grouped, with the
/// currency: `$64,509.98`, `-$12.00`, `¥1,235`, `XAU 2.50`.
pub fn money_text(amount: Decimal, currency: &str) -> String {
    let places = places(currency);
    let rounded = amount.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", places as usize, rounded.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, format!(".{fraction}")),
        None => (text.as_str(), String::new()),
    };
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{}{}{fraction}", prefix(currency), grouped(whole))
}

/// The rounded amount, with the exact one as its machine-readable value.
pub fn money(amount: Decimal, currency: &str) -> Markup {
    html! { data.money value=(amount) { (money_text(amount, currency)) } }
}

/// How `current` compares with `previous`, in percent of `previous` rounded half away from
/// zero to 1 place; `None` when `previous` is zero (no base to compare with).
pub fn change(current: Decimal, previous: Decimal) -> Option<Decimal> {
    if previous.is_zero() {
        return None;
    }
    let percent = (current - previous) / previous.abs() * Decimal::ONE_HUNDRED;
    Some(percent.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero))
}

/// A change as people read it: `+12.5%`, `-3.0%`, `0.0%`, and `—` without a base.
pub fn change_text(change: Option<Decimal>) -> String {
    match change {
        None => "—".to_owned(),
        Some(percent) if percent > Decimal::ZERO => format!("+{percent:.1}%"),
        Some(percent) if percent.is_zero() => "0.0%".to_owned(),
        Some(percent) => format!("{percent:.1}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn money_is_grouped_rounded_and_carries_its_currency() {
        assert_eq!(money_text(dec("64509.982"), "USD"), "$64,509.98");
        assert_eq!(money_text(dec("1234567.005"), "EUR"), "€1,234,567.01");
        assert_eq!(money_text(dec("-12"), "USD"), "-$12.00");
        assert_eq!(money_text(dec("-0.001"), "USD"), "$0.00");
        assert_eq!(money_text(dec("0"), "GBP"), "£0.00");
    }

    #[test]
    fn money_shows_as_many_places_as_its_currency_has_minor_units() {
        assert_eq!(money_text(dec("1234.5"), "JPY"), "¥1,235");
        assert_eq!(money_text(dec("1.2345"), "KWD"), "د.ك1.235");
        assert_eq!(money_text(dec("2.5"), "XAU"), "XAU 2.50");
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(1_408u64), "1,408");
        assert_eq!(count(999u64), "999");
        assert_eq!(count(1_000_000u64), "1,000,000");
        assert_eq!(signed(-1_234), "-1,234");
    }

    #[test]
    fn changes_are_percent_of_the_previous_figure() {
        assert_eq!(change(dec("110"), dec("100")), Some(dec("10.0")));
        assert_eq!(change(dec("2"), dec("3")), Some(dec("-33.3")));
        assert_eq!(change(dec("-50"), dec("-100")), Some(dec("50.0")));
        assert_eq!(change(dec("5"), dec("0")), None);
        assert_eq!(change_text(change(dec("1"), dec("8"))), "-87.5%");
        assert_eq!(change_text(change(dec("9"), dec("8"))), "+12.5%");
        assert_eq!(change_text(change(dec("8"), dec("8"))), "0.0%");
        assert_eq!(change_text(None), "—");
    }

    #[test]
    fn a_period_says_its_year_once_or_both_when_they_differ() {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let text = |from, to| period(day(from), day(to)).into_string();
        assert_eq!(
            text("2025-03-21", "2025-03-21"),
            r#"<time datetime="2025-03-21">Mar 21, 2025</time>"#
        );
        assert_eq!(
            text("2025-01-31", "2025-03-01"),
            r#"<time datetime="2025-01-31">Jan 31</time> – <time datetime="2025-03-01">Mar 1, 2025</time>"#
        );
        assert_eq!(
            text("2024-12-31", "2025-01-01"),
            r#"<time datetime="2024-12-31">Dec 31, 2024</time> – <time datetime="2025-01-01">Jan 1, 2025</time>"#
        );
    }

    #[test]
    fn sizes_read_in_binary_units_with_one_decimal_at_most() {
        assert_eq!(bytes(64 * 1024 * 1024), "64 MiB");
        assert_eq!(bytes(225_186), "219.9 KiB");
        assert_eq!(bytes(100), "100 B");
    }
}
