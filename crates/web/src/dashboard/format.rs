//! Amounts and counts as people read them: grouped digits, the currency and its minor units;
//! the exact stored amount stays in the page as a `data` element's value.

use std::fmt::Write as _;

use chrono::format::{Fixed, Item, Numeric, Pad};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
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

/// A size in bytes as people read it, in binary units: "64 MiB", "219.9 KiB".
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY.decimal_places(1).decimal_zeroes(0))
}

/// `n` and the noun, singular or plural: "1 sale", "1,408 sales".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// [`counted`], written at the end of `out`.
pub fn push_counted(out: &mut String, n: u64, one: &str, many: &str) {
    push_grouped(out, u128::from(n));
    out.push(' ');
    out.push_str(if n == 1 { one } else { many });
}

/// `text` with its first letter a capital: "Sales" from "sales".
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// How every page writes a day: "5 Dec 2026" (day, short month, year), read the same way
/// everywhere in the world, unlike "12/05/2026".
pub const DATE: &str = "%-d %b %Y";

/// A day as people read it: "5 Dec 2026".
pub fn date_text(date: NaiveDate) -> String {
    let mut out = String::with_capacity(11);
    push_date(&mut out, date, Part::Day);
    out
}

/// A month as people read it: "Dec 2026".
pub fn month_text(date: NaiveDate) -> String {
    let mut out = String::with_capacity(8);
    push_date(&mut out, date, Part::Month);
    out
}

/// How much of a day [`push_date`] writes, from its day of the month on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// "5": the day of the month alone.
    DayOnly,
    /// "5 Dec".
    DayAndMonth,
    /// "5 Dec 2026".
    Day,
    /// "Dec 2026".
    Month,
}

/// [`DATE`]'s parts as chrono's parsed format items, so that a page writing hundreds of days
/// does not parse the format for each.
const DAY: Item<'static> = Item::Numeric(Numeric::Day, Pad::None);
const MONTH: Item<'static> = Item::Fixed(Fixed::ShortMonthName);
const YEAR: Item<'static> = Item::Numeric(Numeric::Year, Pad::Zero);
const SPACE: Item<'static> = Item::Literal(" ");

/// `part` of `date` in [`DATE`]'s form, written at the end of `out`.
fn push_date(out: &mut String, date: NaiveDate, part: Part) {
    let items: &[Item<'static>] = match part {
        Part::DayOnly => &[DAY],
        Part::DayAndMonth => &[DAY, SPACE, MONTH],
        Part::Day => &[DAY, SPACE, MONTH, SPACE, YEAR],
        Part::Month => &[MONTH, SPACE, YEAR],
    };
    let _ = write!(out, "{}", date.format_with_items(items.iter()));
}

/// A moment as people read it, in UTC: "5 Dec 2026, 10:31 UTC".
pub fn moment_text(at: DateTime<Utc>) -> String {
    format!("{}, {} UTC", date_text(at.date_naive()), at.format("%H:%M"))
}

/// A moment as a `time` element: "5 Dec 2026, 10:31 UTC".
pub fn moment(at: DateTime<Utc>) -> Markup {
    html! { time datetime=(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) { (moment_text(at)) } }
}

/// A day as a `time` element: "5 Dec 2026", its machine-readable date beside it.
pub fn date(date: NaiveDate) -> Markup {
    html! { time datetime=(date) { (date_text(date)) } }
}

/// A period of days as people read it, each end a `time` element: "21 Mar 2025" for one
/// day, "10 – 16 Mar 2025" within a month, "31 Jan – 1 Mar 2025" within a year,
/// "31 Dec 2024 – 1 Jan 2025" across years.
pub fn period(from: NaiveDate, to: NaiveDate) -> Markup {
    html! {
        @if from == to {
            (date(from))
        } @else {
            time datetime=(from) { (from.format(first_day_format(from, to))) } " – "
            (date(to))
        }
    }
}

/// [`period`] as plain text.
pub fn period_text(from: NaiveDate, to: NaiveDate) -> String {
    let mut out = String::with_capacity(24);
    if from != to {
        let first = match (from.year() == to.year(), from.month() == to.month()) {
            (true, true) => Part::DayOnly,
            (true, false) => Part::DayAndMonth,
            (false, _) => Part::Day,
        };
        push_date(&mut out, from, first);
        out.push_str(" – ");
    }
    push_date(&mut out, to, Part::Day);
    out
}

/// How the first day of a period is written: without what its last day says again.
fn first_day_format(from: NaiveDate, to: NaiveDate) -> &'static str {
    match (from.year() == to.year(), from.month() == to.month()) {
        (true, true) => "%-d",
        (true, false) => "%-d %b",
        (false, _) => DATE,
    }
}

/// A signed whole number, grouped.
pub fn signed(n: i64) -> String {
    let digits = grouped(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{digits}") } else { digits }
}

/// [`Money::markup`] of `amount` in `currency`.
pub fn money(amount: Decimal, currency: &str) -> Markup {
    Money::new(currency).markup(amount)
}

/// How amounts in one currency are written, its symbol and minor units looked up once: for a
/// page that writes hundreds of amounts.
#[derive(Debug, Clone)]
pub struct Money {
    prefix: String,
    places: u32,
}

impl Money {
    /// Amounts in the currency of ISO 4217 `code`.
    pub fn new(code: &str) -> Self {
        Money {
            prefix: prefix(code),
            // No currency has more than 4; a decimal has at most 28.
            places: places(code).min(Decimal::MAX_SCALE),
        }
    }

    /// `amount` rounded half away from zero to the currency's minor units, grouped, with the
    /// currency: `$64,509.98`, `-$12.00`, `¥1,235`, `XAU 2.50`.
    pub fn text(&self, amount: Decimal) -> String {
        let mut out = String::with_capacity(self.prefix.len() + 24);
        self.write(&mut out, amount);
        out
    }

    /// The rounded amount ([`Money::text`]), with the exact one as its machine-readable value.
    pub fn markup(&self, amount: Decimal) -> Markup {
        html! { data.money value=(amount) { (self.text(amount)) } }
    }

    /// [`Money::text`] of `amount`, written at the end of `out`.
    pub fn write(&self, out: &mut String, amount: Decimal) {
        let rounded =
            amount.round_dp_with_strategy(self.places, RoundingStrategy::MidpointAwayFromZero);
        if rounded.is_sign_negative() && !rounded.is_zero() {
            out.push('-');
        }
        out.push_str(&self.prefix);
        // The digits at `places` (rounding left the scale at most that).
        let scaled = rounded.mantissa().unsigned_abs()
            * 10u128.pow(self.places.saturating_sub(rounded.scale()));
        let unit = 10u128.pow(self.places);
        // u128 division is a call; most amounts fit a u64.
        let (whole, fraction) = match u64::try_from(scaled) {
            Ok(scaled) => (u128::from(scaled / unit as u64), scaled % unit as u64),
            Err(_) => (scaled / unit, (scaled % unit) as u64),
        };
        push_grouped(out, whole);
        if self.places > 0 {
            out.push('.');
            let mut digits = [b'0'; 28];
            let places = self.places as usize;
            let mut rest = fraction;
            for digit in digits[..places].iter_mut().rev() {
                *digit = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            out.extend(digits[..places].iter().map(|&digit| char::from(digit)));
        }
    }
}

/// `n`'s digits grouped by thousands ([`grouped`]), written at the end of `out`.
fn push_grouped(out: &mut String, n: u128) {
    let mut digits = [0u8; 39];
    let mut start = digits.len();
    let mut rest = n;
    // u128 division is a call: down to a u64 first.
    while rest > u128::from(u64::MAX) {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let mut rest = rest as u64;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let count = digits.len() - start;
    for (index, &digit) in digits[start..].iter().enumerate() {
        if index > 0 && (count - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(char::from(digit));
    }
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

    fn money_text(amount: Decimal, currency: &str) -> String {
        Money::new(currency).text(amount)
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
    fn money_written_in_place_reads_as_its_text() {
        let dollars = Money::new("USD");
        let yen = Money::new("JPY");
        let dinars = Money::new("KWD");
        let mut out = String::from("paid ");
        dollars.write(&mut out, dec("-1234567.005"));
        assert_eq!(out, "paid -$1,234,567.01");
        for (amount, text) in [
            ("0", "$0.00"),
            ("0.5", "$0.50"),
            ("999.999", "$1,000.00"),
            ("100000", "$100,000.00"),
            ("-0.004", "$0.00"),
            (
                "79228162514264337593543950335",
                "$79,228,162,514,264,337,593,543,950,335.00",
            ),
            // Around the largest u64 of cents.
            ("184467440737095516.15", "$184,467,440,737,095,516.15"),
            ("184467440737095516.16", "$184,467,440,737,095,516.16"),
            ("-184467440737095516.155", "-$184,467,440,737,095,516.16"),
        ] {
            assert_eq!(dollars.text(dec(amount)), text, "{amount}");
        }
        assert_eq!(yen.text(dec("-999.5")), "-¥1,000");
        assert_eq!(dinars.text(dec("0.0005")), "د.ك0.001");
        assert_eq!(
            dollars.markup(dec("12.345")).into_string(),
            r#"<data class="money" value="12.345">$12.35</data>"#
        );
    }

    #[test]
    fn money_shows_as_many_places_as_its_currency_has_minor_units() {
        assert_eq!(money_text(dec("1234.5"), "JPY"), "¥1,235");
        assert_eq!(money_text(dec("1.2345"), "KWD"), "د.ك1.235");
        assert_eq!(money_text(dec("2.5"), "XAU"), "XAU 2.50");
    }

    #[test]
    fn counted_written_in_place_reads_as_counted() {
        for n in [0, 1, 2, 999, 1_000, 1_408, u64::MAX - 1, u64::MAX] {
            let mut out = String::from("> ");
            push_counted(&mut out, n, "order", "orders");
            assert_eq!(out, format!("> {}", counted(n, "order", "orders")));
        }
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
            r#"<time datetime="2025-03-21">21 Mar 2025</time>"#
        );
        assert_eq!(
            text("2025-03-10", "2025-03-16"),
            r#"<time datetime="2025-03-10">10</time> – <time datetime="2025-03-16">16 Mar 2025</time>"#
        );
        assert_eq!(
            text("2025-01-31", "2025-03-01"),
            r#"<time datetime="2025-01-31">31 Jan</time> – <time datetime="2025-03-01">1 Mar 2025</time>"#
        );
        assert_eq!(
            text("2024-12-31", "2025-01-01"),
            r#"<time datetime="2024-12-31">31 Dec 2024</time> – <time datetime="2025-01-01">1 Jan 2025</time>"#
        );
        assert_eq!(
            period_text(day("2024-12-31"), day("2025-01-01")),
            "31 Dec 2024 – 1 Jan 2025"
        );
        assert_eq!(
            period_text(day("2025-03-10"), day("2025-03-16")),
            "10 – 16 Mar 2025"
        );
    }

    #[test]
    fn days_months_and_periods_read_as_chrono_writes_them() {
        let mut day = chrono::NaiveDate::from_ymd_opt(2023, 12, 25).unwrap();
        let mut days = vec![
            chrono::NaiveDate::from_ymd_opt(7, 3, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(12_345, 6, 7).unwrap(),
            chrono::NaiveDate::from_ymd_opt(-44, 3, 15).unwrap(),
        ];
        for _ in 0..800 {
            days.push(day);
            day = day.succ_opt().unwrap();
        }
        for (at, &from) in days.iter().enumerate() {
            assert_eq!(date_text(from), from.format(DATE).to_string());
            assert_eq!(month_text(from), from.format("%b %Y").to_string());
            for to in days.iter().skip(at).step_by(37).copied() {
                let chrono = if from == to {
                    to.format(DATE).to_string()
                } else {
                    format!(
                        "{} – {}",
                        from.format(first_day_format(from, to)),
                        to.format(DATE)
                    )
                };
                assert_eq!(period_text(from, to), chrono, "{from} to {to}");
            }
        }
    }

    #[test]
    fn days_and_moments_read_day_month_year() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(date_text(day), "5 Dec 2026");
        assert_eq!(month_text(day), "Dec 2026");
        let at = day.and_hms_opt(9, 7, 30).unwrap().and_utc();
        assert_eq!(moment_text(at), "5 Dec 2026, 09:07 UTC");
        assert_eq!(
            moment(at).into_string(),
            r#"<time datetime="2026-12-05T09:07:30Z">5 Dec 2026, 09:07 UTC</time>"#
        );
    }

    #[test]
    fn sizes_read_in_binary_units_with_one_decimal_at_most() {
        assert_eq!(bytes(64 * 1024 * 1024), "64 MiB");
        assert_eq!(bytes(225_186), "219.9 KiB");
        assert_eq!(bytes(100), "100 B");
    }
}
