//! Text values: product names, notes and short labels.

use std::fmt;

use serde::Serialize;

use crate::ValueError;

/// The longest product name or order note the design allows, in characters.
pub const MAX_TEXT_CHARS: usize = 255;

/// The marker the exports write for "no value".
pub const NO_VALUE: &str = "---";

/// `None` for an empty cell or the export's `---` marker, otherwise the cell as written.
pub fn optional_cell(text: &str) -> Option<&str> {
    let trimmed = text.trim();
    (!trimmed.is_empty() && trimmed != NO_VALUE).then_some(text)
}

/// A product's name: trimmed, never empty, at most 255 characters.
///
/// `Mineral Water` and `Mineral Water ` name one product; inner spacing is kept, so
/// `10 Lesson Pack  (Johnson Poh)` stays distinct from `10 Lesson Pack (Johnson Poh)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ProductName(String);

impl ProductName {
    /// Trims surrounding whitespace and checks the name is present and short enough.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(ValueError::Missing);
        }
        if name.chars().count() > MAX_TEXT_CHARS {
            return Err(ValueError::TooLong {
                max: MAX_TEXT_CHARS,
            });
        }
        Ok(ProductName(name.to_owned()))
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `Notes` of a line: free text kept as written, at most 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Note(String);

impl Note {
    /// Accepts text of at most 255 characters; `None` for an empty cell or `---`.
    pub fn parse_optional(text: &str) -> Result<Option<Self>, ValueError> {
        let Some(text) = optional_cell(text) else {
            return Ok(None);
        };
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(ValueError::TooLong {
                max: MAX_TEXT_CHARS,
            });
        }
        Ok(Some(Note(text.to_owned())))
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short label (payment method, color, size): trimmed, never empty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Label(String);

impl Label {
    /// `None` for an empty cell or `---`, otherwise the trimmed text.
    pub fn parse_optional(text: &str) -> Option<Self> {
        optional_cell(text).map(|text| Label(text.trim().to_owned()))
    }

    /// The trimmed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text kept exactly as written (`Sales Notes`); `None` for an empty cell or `---`.
pub fn free_text(text: &str) -> Option<String> {
    optional_cell(text).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_names_are_trimmed_but_keep_inner_spacing() {
        assert_eq!(
            ProductName::parse("Mineral Water ").unwrap(),
            ProductName::parse("Mineral Water").unwrap()
        );
        assert_eq!(
            ProductName::parse(" 10 Lesson Pack  (Johnson Poh) ")
                .unwrap()
                .as_str(),
            "10 Lesson Pack  (Johnson Poh)"
        );
    }

    #[test]
    fn product_names_must_be_present_and_at_most_255_characters() {
        assert_eq!(ProductName::parse("   "), Err(ValueError::Missing));
        assert!(ProductName::parse(&"é".repeat(255)).is_ok());
        assert_eq!(
            ProductName::parse(&"é".repeat(256)),
            Err(ValueError::TooLong { max: 255 })
        );
    }

    #[test]
    fn dashes_and_empty_cells_mean_no_value() {
        assert_eq!(Label::parse_optional("---"), None);
        assert_eq!(Label::parse_optional("  "), None);
        assert_eq!(Note::parse_optional(""), Ok(None));
        assert_eq!(free_text("---"), None);
        assert_eq!(
            Label::parse_optional(" Credit card (AMEX-Keyed) ")
                .unwrap()
                .as_str(),
            "Credit card (AMEX-Keyed)"
        );
    }

    #[test]
    fn notes_are_kept_as_written_up_to_255_characters() {
        let note = Note::parse_optional("Paid on 5 Feb ").unwrap().unwrap();
        assert_eq!(note.as_str(), "Paid on 5 Feb ");
        assert_eq!(
            Note::parse_optional(&"x".repeat(256)),
            Err(ValueError::TooLong { max: 255 })
        );
    }
}
