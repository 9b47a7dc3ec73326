//! Whole-number identifiers and quantities from the export.

use std::fmt;

use serde::Serialize;

use crate::ValueError;

/// A number the store gives a record (an import, a product, an order): no rule but identity.
macro_rules! store_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps the store's number.
            pub fn new(id: i64) -> Self {
                $name(id)
            }
            /// The number.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}
pub(crate) use store_id;

macro_rules! non_negative_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Accepts zero or more.
            pub fn new(value: i64) -> Result<Self, ValueError> {
                if value < 0 {
                    return Err(ValueError::Negative);
                }
                Ok(Self(value))
            }

            /// Parses digits (a leading `-` is refused as negative).
            pub fn parse(text: &str) -> Result<Self, ValueError> {
                Self::new(parse_whole_number(text)?)
            }

            /// The number.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

non_negative_id!(
    /// The point-of-sale's sale number: all rows with one Sale ID are the items of one sale.
    SaleId
);
non_negative_id!(
    /// The point-of-sale's client number (`1` is the walk-in customer).
    ClientId
);
non_negative_id!(
    /// The `Batch #` of a line, present on refunds and instalments.
    BatchNumber
);

/// How many units a line sold: never zero, negative for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Quantity(i32);

impl Quantity {
    /// Accepts any non-zero count.
    pub fn new(value: i32) -> Result<Self, ValueError> {
        if value == 0 {
            return Err(ValueError::Zero);
        }
        Ok(Quantity(value))
    }

    /// Parses a whole number such as `1` or `-1`.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let value = parse_whole_number(text)?;
        let value = i32::try_from(value).map_err(|_| ValueError::OutOfRange)?;
        Quantity::new(value)
    }

    /// The count.
    pub fn get(self) -> i32 {
        self.0
    }

    /// True when the line gives units back.
    pub fn is_refund(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn parse_whole_number(text: &str) -> Result<i64, ValueError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ValueError::Missing);
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::NotAWholeNumber);
    }
    text.parse::<i64>().map_err(|_| ValueError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sale_and_client_ids_are_non_negative_whole_numbers() {
        assert_eq!(SaleId::parse("3971").unwrap().get(), 3971);
        assert_eq!(ClientId::parse("1").unwrap().get(), 1);
        assert_eq!(SaleId::parse("-5"), Err(ValueError::Negative));
        assert_eq!(ClientId::parse("12.5"), Err(ValueError::NotAWholeNumber));
        assert_eq!(SaleId::parse(""), Err(ValueError::Missing));
        assert_eq!(
            SaleId::parse("99999999999999999999"),
            Err(ValueError::OutOfRange)
        );
    }

    #[test]
    fn batch_numbers_are_non_negative() {
        assert_eq!(BatchNumber::parse("4").unwrap().get(), 4);
        assert_eq!(BatchNumber::parse("-4"), Err(ValueError::Negative));
    }

    #[test]
    fn quantity_is_non_zero_and_negative_for_refunds() {
        assert!(Quantity::parse("-1").unwrap().is_refund());
        assert!(!Quantity::parse("3").unwrap().is_refund());
        assert_eq!(Quantity::parse("0"), Err(ValueError::Zero));
        assert_eq!(Quantity::parse("1.5"), Err(ValueError::NotAWholeNumber));
        assert_eq!(Quantity::parse("3000000000"), Err(ValueError::OutOfRange));
    }
}
