//! The reasons a single cell can be refused.

use chrono::NaiveDate;
use thiserror::Error;

/// Why a value was refused by its validating constructor.
///
/// The messages are predicates about the offending value, so a report reads
/// "line 14, column Location: 'Gym' is not a known location (Online Store or Golf - experience)".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    /// The cell is empty (or `---`) but the column requires a value.
    #[error("a value is required")]
    Missing,
    /// Not an integer written with digits only.
    #[error("is not a whole number")]
    NotAWholeNumber,
    /// A whole number outside the range the column can hold.
    #[error("is out of range")]
    OutOfRange,
    /// A negative number where the rule requires zero or more.
    #[error("must not be negative")]
    Negative,
    /// Zero where the rule requires a non-zero value.
    #[error("must not be zero (a refund is -1)")]
    Zero,
    /// Not a plain decimal such as `34.88` or `-0.436`.
    #[error(
        "is not an amount (expected digits with an optional leading '-' and decimal point, e.g. 34.88)"
    )]
    NotAnAmount,
    /// More decimal places than Zinc stores exactly.
    #[error("has more than {max} decimal places")]
    TooManyDecimalPlaces {
        /// The largest number of decimal places accepted.
        max: u32,
    },
    /// More integer digits than Zinc accepts for an amount.
    #[error("is too large (at most {max} digits before the decimal point)")]
    AmountTooLarge {
        /// The largest number of integer digits accepted.
        max: u32,
    },
    /// Not a date in one of the accepted layouts.
    #[error("is not a date (expected month-first M/D/YYYY or ISO YYYY-MM-DD)")]
    NotADate,
    /// Well-formed, but no such day exists (for example 2/30/2025).
    #[error("is not a calendar date")]
    NoSuchDate,
    /// A sale date later than today.
    #[error("is in the future (the latest accepted sale date is {latest})")]
    FutureDate {
        /// The latest date accepted when the value was checked.
        latest: NaiveDate,
    },
    /// A location outside the closed list.
    #[error("is not a known location ({allowed})")]
    UnknownLocation {
        /// The accepted spellings, for the message.
        allowed: &'static str,
    },
    /// A control character (`NUL`, escape, `DEL`, ...) in text; only tab is allowed, and line
    /// breaks in notes.
    #[error(
        "contains a control character (U+{code:04X}); text may hold tabs, and line breaks in notes, but no other"
    )]
    ControlCharacter {
        /// The character's code point.
        code: u32,
    },
    /// A character that shows nothing but changes how a name reads or compares: zero-width
    /// characters (U+200B to U+200D, U+2060, U+FEFF) and bidirectional controls (U+061C,
    /// U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069).
    #[error(
        "contains an invisible character (U+{code:04X}) that would make two names look alike or read backwards; remove it"
    )]
    InvisibleCharacter {
        /// The character's code point.
        code: u32,
    },
    /// A line break in a column that holds one line.
    #[error("contains a line break (only Sales Notes and Notes may span lines)")]
    LineBreak,
    /// Text longer than the column's limit.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
}
