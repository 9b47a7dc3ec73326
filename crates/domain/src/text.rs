//! Text values: product names, notes and short labels.
//!
//! Every text cell of an export obeys two rules, checked by the constructors here:
//! - at most [`MAX_TEXT_CHARS`] (255) characters, the design's `VARCHAR(255)`;
//! - no control character (`NUL`, the other C0 codes, `DEL`, C1 codes), except tab; line
//!   breaks (`\n`, `\r`) are allowed only in the two free-text note columns (`Sales Notes`,
//!   `Notes`). PostgreSQL cannot store `NUL` in text at all, and a line break in a short label
//!   is a sign of a quote that was never closed.

use std::fmt;

use serde::Serialize;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::ValueError;

/// The longest text cell the design allows (`VARCHAR(255)`), in characters: item names,
/// payment methods, colors, sizes, sales notes and notes.
pub const MAX_TEXT_CHARS: usize = 255;

/// Checks the rules every text cell obeys: length, and control characters (tab always
/// allowed, line breaks only where `multi_line`).
fn check_text(text: &str, multi_line: bool) -> Result<(), ValueError> {
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_control() && c != '\t' && !(multi_line && matches!(c, '\n' | '\r')))
    {
        return Err(if matches!(c, '\n' | '\r') {
            ValueError::LineBreak
        } else {
            ValueError::ControlCharacter { code: u32::from(c) }
        });
    }
    if text.len() > MAX_TEXT_CHARS && text.chars().count() > MAX_TEXT_CHARS {
        return Err(ValueError::TooLong {
            max: MAX_TEXT_CHARS,
        });
    }
    Ok(())
}

/// The marker the exports write for "no value".
pub const NO_VALUE: &str = "---";

/// `None` for an empty cell or the export's `---` marker, otherwise the cell as written.
pub fn optional_cell(text: &str) -> Option<&str> {
    let trimmed = text.trim();
    (!trimmed.is_empty() && trimmed != NO_VALUE).then_some(text)
}

/// Zero-width characters and bidirectional controls: they show nothing, yet make two names
/// that look alike differ, or make a name read backwards.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{061C}'
            | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A product's name: trimmed, never empty, at most 255 characters, composed (Unicode NFC), no
/// zero-width or bidirectional control character.
///
/// `Mineral Water` and `Mineral Water ` name one product; inner spacing is kept, so
/// `10 Lesson Pack  (Johnson Poh)` stays distinct from `10 Lesson Pack (Johnson Poh)`. `Café`
/// typed with `é` or with `e` and a combining accent names one product, stored as `Café`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ProductName(String);

impl ProductName {
    /// Trims surrounding whitespace, checks the name is present, short enough, free of
    /// control characters other than tab and of invisible ones, and composes it (NFC).
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(ValueError::Missing);
        }
        check_text(name, false)?;
        if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
            return Err(ValueError::InvisibleCharacter { code: u32::from(c) });
        }
        if is_nfc_quick(name.chars()) == IsNormalized::Yes {
            return Ok(ProductName(name.to_owned()));
        }
        let composed: String = name.nfc().collect();
        check_text(&composed, false)?;
        Ok(ProductName(composed))
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

/// The `Notes` of a line: free text kept as written, at most 255 characters, which may span
/// lines but holds no other control character than tab.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Note(String);

impl Note {
    /// Accepts text of at most 255 characters with no control character but tab and line
    /// breaks; `None` for an empty cell or `---`.
    pub fn parse_optional(text: &str) -> Result<Option<Self>, ValueError> {
        let Some(text) = optional_cell(text) else {
            return Ok(None);
        };
        check_text(text, true)?;
        Ok(Some(Note(text.to_owned())))
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short label (payment method, color, size): trimmed, never empty, at most 255 characters
/// on one line, no control character but tab.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Label(String);

impl Label {
    /// `None` for an empty cell or `---`, otherwise the trimmed text, checked.
    pub fn parse(text: &str) -> Result<Option<Self>, ValueError> {
        let Some(text) = optional_cell(text) else {
            return Ok(None);
        };
        let label = text.trim();
        check_text(label, false)?;
        Ok(Some(Label(label.to_owned())))
    }

    /// As [`Label::parse`], for text already checked (read back from the store): `None` also
    /// for text that [`Label::parse`] refuses, so no invalid label exists either way.
    pub fn parse_optional(text: &str) -> Option<Self> {
        Label::parse(text).ok().flatten()
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
///
/// The same rules as a [`Note`]: at most 255 characters, no control character but tab and
/// line breaks.
pub fn free_text(text: &str) -> Result<Option<String>, ValueError> {
    let Some(text) = optional_cell(text) else {
        return Ok(None);
    };
    check_text(text, true)?;
    Ok(Some(text.to_owned()))
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
    fn nfc_and_nfd_spellings_of_a_name_are_one_product() {
        let composed = ProductName::parse("Caf\u{e9} cr\u{e8}me").unwrap();
        let decomposed = ProductName::parse("Cafe\u{301} cre\u{300}me").unwrap();
        assert_eq!(composed, decomposed);
        assert_eq!(
            decomposed.as_str(),
            "Caf\u{e9} cr\u{e8}me",
            "stored composed (NFC)"
        );
    }

    #[test]
    fn a_name_with_a_zero_width_or_bidi_control_character_is_refused() {
        for c in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{200E}', '\u{200F}',
            '\u{061C}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}',
        ] {
            let name = format!("Water{c}");
            assert_eq!(
                ProductName::parse(&name),
                Err(ValueError::InvisibleCharacter { code: u32::from(c) }),
                "U+{:04X}",
                u32::from(c)
            );
        }
        let message = ValueError::InvisibleCharacter { code: 0x202E }.to_string();
        assert!(message.contains("U+202E"), "{message}");
        assert_eq!(
            ProductName::parse("Wasser – Still").unwrap().as_str(),
            "Wasser – Still"
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
        assert_eq!(free_text("---"), Ok(None));
        assert_eq!(
            Label::parse_optional(" Credit card (AMEX-Keyed) ")
                .unwrap()
                .as_str(),
            "Credit card (AMEX-Keyed)"
        );
    }

    #[test]
    fn labels_are_at_most_255_characters_on_one_line() {
        assert!(Label::parse(&"é".repeat(255)).unwrap().is_some());
        assert_eq!(
            Label::parse(&"é".repeat(256)),
            Err(ValueError::TooLong { max: 255 })
        );
        assert_eq!(Label::parse("Visa\nMC"), Err(ValueError::LineBreak));
        assert_eq!(Label::parse_optional(&"x".repeat(256)), None);
    }

    #[test]
    fn text_refuses_nul_and_control_characters_but_allows_tabs() {
        assert_eq!(
            ProductName::parse("Wa\0ter"),
            Err(ValueError::ControlCharacter { code: 0 })
        );
        assert_eq!(
            Note::parse_optional("a\u{1b}[31m"),
            Err(ValueError::ControlCharacter { code: 0x1b })
        );
        assert_eq!(
            free_text("x\u{85}"),
            Err(ValueError::ControlCharacter { code: 0x85 })
        );
        assert_eq!(
            Label::parse("\u{7f}"),
            Err(ValueError::ControlCharacter { code: 0x7f })
        );
        assert!(ProductName::parse("Club\tset").is_ok());
        assert_eq!(
            Note::parse_optional("first\r\nsecond")
                .unwrap()
                .unwrap()
                .as_str(),
            "first\r\nsecond"
        );
        assert_eq!(
            free_text(&"n".repeat(256)),
            Err(ValueError::TooLong { max: 255 })
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
