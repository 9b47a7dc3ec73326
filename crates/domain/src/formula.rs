//! Cells a spreadsheet would run as formulas ("CSV injection", OWASP), written as text and read
//! back as they were.
//!
//! A cell that starts with one of [`FORMULA_STARTS`] is run by a spreadsheet that opens the
//! file, unless it is a plain number (`-0.436`, a refund's amount, stays a number) or dashes
//! alone (the export's `---`, which computes nothing). Every CSV
//! file Zinc writes (the export, the reject file, an import's problems) puts a `'` before such
//! a cell: spreadsheets then show it as text. The reader takes that `'` off again, and only
//! that one: the rule is a bijection between values and cells.
//!
//! - [`written`]: a value whose first character after any `'`s is a formula start (what
//!   follows the `'`s not being a plain number) gets one more `'` in front (`=1+1` →
//!   `'=1+1`, `'=x` → `''=x`);
//! - [`read`]: a cell of one or more `'`s then a formula start (likewise) loses its first `'`;
//! - every other value and cell is left as it is (`'hello`, `-5`, `2.000`).
//!
//! ```
//! use zinc_domain::formula;
//!
//! assert_eq!(formula::written("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
//! assert_eq!(formula::read("'=HYPERLINK(\"x\")"), "=HYPERLINK(\"x\")");
//! assert_eq!(formula::written("-0.436"), "-0.436");
//! assert_eq!(formula::written("'quoted"), "'quoted");
//! ```

use std::borrow::Cow;

/// The characters that make a leading cell a formula (OWASP, "CSV Injection"): `=`, `+`,
/// `-`, `@`, tab and carriage return.
pub const FORMULA_STARTS: [u8; 6] = [b'=', b'+', b'-', b'@', b'\t', b'\r'];

/// What a cell gets in front so that a spreadsheet reads it as text.
pub const TEXT_MARK: u8 = b'\'';

/// `value` as a cell Zinc writes: with one more [`TEXT_MARK`] when it would be a formula.
pub fn written(value: &str) -> Cow<'_, str> {
    if needs_mark(value.as_bytes()) {
        Cow::Owned(format!("{}{value}", TEXT_MARK as char))
    } else {
        Cow::Borrowed(value)
    }
}

/// The value of a `cell` Zinc wrote: without the [`TEXT_MARK`] [`written`] put in front.
pub fn read(cell: &str) -> &str {
    if is_marked(cell.as_bytes()) {
        &cell[1..]
    } else {
        cell
    }
}

/// A `cell` as written in a file (the reject file's copy of a rejected line) made safe to open
/// while [`read`] still gives what it gave: a cell that starts with a formula start (and is
/// not a plain number) gets a [`TEXT_MARK`] in front; a cell already marked is left alone.
pub fn guarded(cell: &[u8]) -> Cow<'_, [u8]> {
    if starts_a_formula(cell) {
        let mut guarded = Vec::with_capacity(cell.len() + 1);
        guarded.push(TEXT_MARK);
        guarded.extend_from_slice(cell);
        Cow::Owned(guarded)
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whether [`guarded`] would change `cell`.
pub fn needs_guard(cell: &[u8]) -> bool {
    starts_a_formula(cell)
}

fn needs_mark(value: &[u8]) -> bool {
    let unmarked = value
        .iter()
        .position(|&b| b != TEXT_MARK)
        .unwrap_or(value.len());
    starts_a_formula(&value[unmarked..])
}

fn is_marked(cell: &[u8]) -> bool {
    let unmarked = cell
        .iter()
        .position(|&b| b != TEXT_MARK)
        .unwrap_or(cell.len());
    unmarked > 0 && starts_a_formula(&cell[unmarked..])
}

fn starts_a_formula(cell: &[u8]) -> bool {
    cell.first().is_some_and(|b| FORMULA_STARTS.contains(b))
        && !is_plain_number(cell)
        && !cell.iter().all(|&b| b == b'-')
}

/// `-?digits(.digits)?`: what a spreadsheet reads as a number, never as a formula.
fn is_plain_number(cell: &[u8]) -> bool {
    let unsigned = cell.strip_prefix(b"-").unwrap_or(cell);
    let mut parts = unsigned.splitn(2, |&b| b == b'.');
    let digits = |part: Option<&[u8]>| {
        part.is_some_and(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
    };
    let whole = parts.next();
    digits(whole) && parts.next().is_none_or(|fraction| digits(Some(fraction)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_each_formula_start_but_not_a_plain_number() {
        for value in ["=1+1", "+1", "-x", "@A1", "\tx", "\rx", "--5", "-5e3", "+5"] {
            assert_eq!(written(value), format!("'{value}"), "{value:?}");
        }
        for value in [
            "-5", "-0.436", "5", "x=1", "'x", "", "'", " =1", "2.000", "---", "-",
        ] {
            assert_eq!(written(value), value, "{value:?}");
        }
        assert_eq!(
            written("'=x"),
            "''=x",
            "a value that reads as marked is marked"
        );
        assert_eq!(written("''-x"), "'''-x");
        assert_eq!(
            written("'-5"),
            "'-5",
            "a number after a quote is no formula either"
        );
    }

    #[test]
    fn reads_back_only_what_it_marked() {
        assert_eq!(read("'=1+1"), "=1+1");
        assert_eq!(read("''=x"), "'=x");
        for cell in ["'x", "'", "''", "-5", "'-5", "=x", "' =x", "x'=y"] {
            assert_eq!(read(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn a_guarded_cell_reads_as_the_cell_did() {
        for cell in ["=x", "'=x", "-5", "-x", "'x", "", "\tx", "@", "''@"] {
            let guarded = guarded(cell.as_bytes());
            let guarded = std::str::from_utf8(&guarded).unwrap();
            assert_eq!(read(guarded), read(cell), "{cell:?}");
            assert!(!starts_a_formula(guarded.as_bytes()), "{guarded:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_value_reads_back_from_its_cell_and_no_cell_is_a_formula(
            value in "['=+@\\t\\r-]{0,3}[-'=a-z0-9. ]{0,6}"
        ) {
            let cell = written(&value);
            proptest::prop_assert_eq!(read(&cell), value.as_str());
            proptest::prop_assert!(!starts_a_formula(cell.as_bytes()), "{:?}", cell);
        }
    }
}
