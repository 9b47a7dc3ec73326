//! Exact amounts: money, unit prices and discount percentages.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Mul, Sub};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::ValueError;

/// The most decimal places an amount may carry. The real exports use three.
pub const MAX_DECIMAL_PLACES: u32 = 6;
/// The most digits an amount may carry before its decimal point.
pub const MAX_INTEGER_DIGITS: u32 = 15;

/// An exact amount of money, negative for refunds, stored with the scale it was given.
///
/// `Money::parse("252.00")` keeps both zeros; sums keep the largest scale of their terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Money(#[serde(with = "rust_decimal::serde::str")] Decimal);

impl Money {
    /// Zero, with no decimal places.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Accepts an amount within Zinc's precision limits.
    pub fn new(amount: Decimal) -> Result<Self, ValueError> {
        check_precision(amount)?;
        Ok(Money(amount))
    }

    /// Parses the plain decimal notation of the exports: `34.88`, `-0.436`, `252.00`.
    ///
    /// Thousands separators, currency signs, exponents and underscores are refused.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        Money::new(parse_plain_decimal(text)?)
    }

    /// The exact amount.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// True for an amount equal to zero, whatever its scale.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

/// The price of one unit, excluding tax: never negative (a refund has a negative quantity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct UnitPrice(Money);

impl UnitPrice {
    /// Accepts a price of zero or more.
    pub fn new(amount: Decimal) -> Result<Self, ValueError> {
        let money = Money::new(amount)?;
        if money.amount().is_sign_negative() && !money.is_zero() {
            return Err(ValueError::Negative);
        }
        Ok(UnitPrice(money))
    }

    /// Parses a price written as in the exports (`32`, `74.998`).
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        UnitPrice::new(parse_plain_decimal(text)?)
    }

    /// The price as an amount of money.
    pub fn money(self) -> Money {
        self.0
    }

    /// The exact amount.
    pub fn amount(self) -> Decimal {
        self.0.amount()
    }
}

impl Mul<crate::Quantity> for UnitPrice {
    type Output = Money;
    fn mul(self, quantity: crate::Quantity) -> Money {
        Money(self.amount() * Decimal::from(quantity.get()))
    }
}

impl fmt::Display for UnitPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A discount rate in percent, exactly as the export states it.
///
/// It is not cross-checked against the discount amount: real exports disagree, and the
/// rate is stored as given. It may be negative on refund lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct DiscountPercent(#[serde(with = "rust_decimal::serde::str")] Decimal);

impl DiscountPercent {
    /// Accepts a rate within Zinc's precision limits.
    pub fn new(rate: Decimal) -> Result<Self, ValueError> {
        check_precision(rate)?;
        Ok(DiscountPercent(rate))
    }

    /// Parses a rate written as in the exports (`20`, `1.222`, `-10`).
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        DiscountPercent::new(parse_plain_decimal(text)?)
    }

    /// The rate in percent.
    pub fn get(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for DiscountPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn check_precision(value: Decimal) -> Result<(), ValueError> {
    if value.scale() > MAX_DECIMAL_PLACES {
        return Err(ValueError::TooManyDecimalPlaces {
            max: MAX_DECIMAL_PLACES,
        });
    }
    let limit = Decimal::from(10_i64.pow(MAX_INTEGER_DIGITS));
    if value.abs() >= limit {
        return Err(ValueError::AmountTooLarge {
            max: MAX_INTEGER_DIGITS,
        });
    }
    Ok(())
}

/// `-?digits(.digits)?`, nothing else: rust_decimal alone would also accept `1_000`.
fn parse_plain_decimal(text: &str) -> Result<Decimal, ValueError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ValueError::Missing);
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
        return Err(ValueError::NotAnAmount);
    }
    if fraction.is_some_and(|f| f.len() > MAX_DECIMAL_PLACES as usize) {
        return Err(ValueError::TooManyDecimalPlaces {
            max: MAX_DECIMAL_PLACES,
        });
    }
    if whole.trim_start_matches('0').len() > MAX_INTEGER_DIGITS as usize {
        return Err(ValueError::AmountTooLarge {
            max: MAX_INTEGER_DIGITS,
        });
    }
    text.parse::<Decimal>().map_err(|_| ValueError::NotAnAmount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn keeps_amounts_exactly_as_written() {
        assert_eq!(Money::parse("74.928").unwrap().to_string(), "74.928");
        assert_eq!(Money::parse("252.00").unwrap().to_string(), "252.00");
        assert_eq!(Money::parse("-196.2").unwrap().amount(), dec("-196.2"));
        assert_eq!(Money::parse("0").unwrap(), Money::ZERO);
    }

    #[test]
    fn sums_are_exact() {
        let total: Money = ["34.88", "0.436", "-0.436", "74.928"]
            .iter()
            .map(|t| Money::parse(t).unwrap())
            .sum();
        assert_eq!(total.amount(), dec("109.808"));
    }

    #[test]
    fn rejects_text_that_is_not_a_plain_decimal() {
        for text in [
            "abc", "1,000", "$32", "1e3", "1_000", "--1", "1.", ".5", "+3", "3.2.1",
        ] {
            assert_eq!(Money::parse(text), Err(ValueError::NotAnAmount), "{text}");
        }
        assert_eq!(Money::parse(""), Err(ValueError::Missing));
    }

    #[test]
    fn rejects_more_decimal_places_than_stored() {
        assert_eq!(
            Money::parse("1.1234567"),
            Err(ValueError::TooManyDecimalPlaces { max: 6 })
        );
        assert!(Money::parse("1.123456").is_ok());
    }

    #[test]
    fn rejects_absurdly_large_amounts() {
        assert_eq!(
            Money::parse("10000000000000000"),
            Err(ValueError::AmountTooLarge { max: 15 })
        );
    }

    #[test]
    fn unit_price_rejects_negative_prices() {
        assert_eq!(UnitPrice::parse("-1"), Err(ValueError::Negative));
        assert!(UnitPrice::parse("0").is_ok());
        assert!(UnitPrice::parse("-0").is_ok());
    }

    #[test]
    fn unit_price_times_quantity_is_exact() {
        let price = UnitPrice::parse("74.998").unwrap();
        let quantity = crate::Quantity::new(-3).unwrap();
        assert_eq!((price * quantity).amount(), dec("-224.994"));
    }

    #[test]
    fn discount_percent_is_kept_as_given() {
        assert_eq!(DiscountPercent::parse("1.222").unwrap().get(), dec("1.222"));
        assert_eq!(DiscountPercent::parse("-10").unwrap().get(), dec("-10"));
    }
}
