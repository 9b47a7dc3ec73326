//! What an import reports about bad input: which line, which column, which value, why.

use std::fmt;

use serde::Serialize;

use crate::SaleId;

/// The most problems an import keeps in detail; beyond that only the count grows.
pub const MAX_REPORTED_PROBLEMS: usize = 10_000;

/// The most lines an import's reject file keeps ([`crate::RejectedLines`]); beyond, rejected
/// lines are counted, not kept.
pub const MAX_REJECTED_LINES: usize = 10_000;

/// The most bytes of rejected text (lines as written plus their reasons) an import's reject
/// file keeps; beyond, rejected lines are counted, not kept.
pub const MAX_REJECTED_BYTES: usize = 4 * 1024 * 1024;

/// The most characters of a user's value a problem quotes (a cell, a header name, the value
/// another line of the sale holds). Longer values are cut by [`echo`].
pub const MAX_ECHO_CHARS: usize = 40;

/// The most characters of a problem's message (messages are Zinc's own sentences around
/// [`echo`]ed values; this bound is a safety net).
pub const MAX_MESSAGE_CHARS: usize = 400;

/// The most bytes the problems kept in detail by a [`ProblemLog`] may take (measured as their
/// JSON text): with [`MAX_REPORTED_PROBLEMS`] it bounds every import report and the problem
/// list stored with it.
pub const MAX_REPORTED_PROBLEM_BYTES: usize = 2 * 1024 * 1024;

/// One thing wrong with the input.
///
/// Line numbers are the file's own as a text editor shows them (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    /// The line the offending row starts on; `None` for the file as a whole.
    pub line: Option<u64>,
    /// The export's column name, when one column is at fault.
    pub column: Option<String>,
    /// The offending value as written (empty when the cell was empty).
    pub value: Option<String>,
    /// Why it was refused.
    pub message: String,
    /// The sale the row belongs to, when its Sale ID could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<SaleId>,
}

impl InputProblem {
    /// A problem with the file as a whole (empty file, bad header).
    pub fn file(line: Option<u64>, message: impl Into<String>) -> Self {
        InputProblem {
            line,
            column: None,
            value: None,
            message: message.into(),
            sale_id: None,
        }
    }
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}")?,
            None => f.write_str("file")?,
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        f.write_str(": ")?;
        self.write_value_and_message(f)
    }
}

impl InputProblem {
    /// The problem as said within its line, without the line number: `column Location: 'Gym'
    /// is not one of ...`, or the message alone when no column is at fault.
    pub fn in_line(&self) -> String {
        struct InLine<'a>(&'a InputProblem);
        impl fmt::Display for InLine<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if let Some(column) = &self.0.column {
                    write!(f, "column {column}: ")?;
                }
                self.0.write_value_and_message(f)
            }
        }
        InLine(self).to_string()
    }

    fn write_value_and_message(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value.as_deref() {
            Some(value) if !value.is_empty() => write!(f, "'{value}' {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// A user's value as a problem quotes it: at most [`MAX_ECHO_CHARS`] characters, control
/// characters, zero-width characters and bidirectional controls escaped (`\u{0}`, `\n`,
/// `\u{202e}`), and when cut, an ellipsis and the value's full length
/// in bytes: `XXXX… (1048576 bytes in all)`.
///
/// The result is never longer than [`MAX_ECHO_CHARS`] plus a few dozen characters, and
/// [`InputProblem::bounded`] leaves it as it is.
pub fn echo(text: &str) -> String {
    let mut shown = String::new();
    let mut count = 0;
    for c in text.chars() {
        if count >= MAX_ECHO_CHARS {
            return format!("{shown}… ({} bytes in all)", text.len());
        }
        if needs_escape(c) {
            for escaped in c.escape_default() {
                shown.push(escaped);
                count += 1;
            }
        } else {
            shown.push(c);
            count += 1;
        }
    }
    shown
}

/// Control characters, and the invisible ones that could make an echo read backwards.
fn needs_escape(c: char) -> bool {
    c.is_control() || crate::text::is_invisible(c)
}

/// The longest text [`echo`] returns, in characters: the cut value, an escape that straddles
/// the cut, and the length marker.
const MAX_ECHOED_CHARS: usize = MAX_ECHO_CHARS + 10 + 36;

/// `text` when it is within `max` characters and free of control characters, else bounded.
fn bounded(text: String, max: usize, bound: impl Fn(&str) -> String) -> String {
    let short = text.len() <= max || text.chars().count() <= max;
    if short && !text.chars().any(needs_escape) {
        text
    } else {
        bound(&text)
    }
}

impl InputProblem {
    /// The same problem with its value and message within [`MAX_ECHO_CHARS`] and
    /// [`MAX_MESSAGE_CHARS`] (cut as [`echo`] cuts them), free of control characters.
    pub fn bounded(self) -> Self {
        InputProblem {
            line: self.line,
            column: self.column.map(|c| bounded(c, MAX_ECHOED_CHARS, echo)),
            value: self.value.map(|v| bounded(v, MAX_ECHOED_CHARS, echo)),
            message: bounded(self.message, MAX_MESSAGE_CHARS, |message| {
                let mut cut = String::new();
                for c in message.chars().take(MAX_MESSAGE_CHARS) {
                    if c.is_control() {
                        cut.extend(c.escape_default());
                    } else {
                        cut.push(c);
                    }
                }
                if message.chars().count() > MAX_MESSAGE_CHARS {
                    cut.push('…');
                }
                cut
            }),
            sale_id: self.sale_id,
        }
    }

    /// About how many bytes the problem takes as JSON in a report.
    fn json_size(&self) -> usize {
        let text = |t: &str| t.len() + t.bytes().filter(|b| matches!(b, b'"' | b'\\')).count();
        // Keys, punctuation, the line and the sale id.
        100 + text(&self.message)
            + self.value.as_deref().map_or(0, text)
            + self.column.as_deref().map_or(0, text)
    }
}

/// The problems found so far, all of them counted; the first ones kept in detail, as many as
/// fit within [`MAX_REPORTED_PROBLEMS`] and [`MAX_REPORTED_PROBLEM_BYTES`], each bounded by
/// [`InputProblem::bounded`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProblemLog {
    kept: Vec<InputProblem>,
    total: u64,
    #[serde(skip)]
    kept_bytes: usize,
}

impl ProblemLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log as stored: the problems kept in detail and how many were found in all (at least
    /// as many as kept; extra kept problems beyond the bound are dropped).
    pub fn restore(kept: Vec<InputProblem>, total: u64) -> Self {
        let mut log = ProblemLog::new();
        log.extend(kept);
        log.total = log.total.max(total);
        log
    }

    /// Records a problem (kept in detail, bounded, while there is room).
    pub fn push(&mut self, problem: InputProblem) {
        self.total += 1;
        if self.kept.len() >= MAX_REPORTED_PROBLEMS || self.kept_bytes >= MAX_REPORTED_PROBLEM_BYTES
        {
            return;
        }
        let problem = problem.bounded();
        let size = problem.json_size();
        if self.kept_bytes + size <= MAX_REPORTED_PROBLEM_BYTES {
            self.kept_bytes += size;
            self.kept.push(problem);
        } else {
            self.kept_bytes = MAX_REPORTED_PROBLEM_BYTES;
        }
    }

    /// Records every problem of another log: those it kept (while there is room here) and its
    /// count of all it found.
    pub fn append(&mut self, other: ProblemLog) {
        let not_kept = other.total - other.kept.len() as u64;
        self.extend(other.kept);
        self.total += not_kept;
    }

    /// Records several problems.
    pub fn extend(&mut self, problems: impl IntoIterator<Item = InputProblem>) {
        for problem in problems {
            self.push(problem);
        }
    }

    /// The problems kept in detail, in the order they were found.
    pub fn problems(&self) -> &[InputProblem] {
        &self.kept
    }

    /// How many problems were found, including those not kept in detail.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Puts the kept problems in file order (line, then column).
    pub fn sort_by_line(&mut self) {
        self.kept
            .sort_by(|a, b| (a.line, &a.column).cmp(&(b.line, &b.column)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_keeps_short_values_and_cuts_long_ones_on_a_char_boundary() {
        assert_eq!(echo("Gym"), "Gym");
        let long = "é".repeat(1_000_000);
        let echoed = echo(&long);
        assert!(echoed.chars().count() <= MAX_ECHO_CHARS + 40, "{echoed}");
        assert!(echoed.starts_with(&"é".repeat(MAX_ECHO_CHARS)));
        assert!(echoed.ends_with("… (2000000 bytes in all)"), "{echoed}");
    }

    #[test]
    fn echo_shows_control_characters_escaped() {
        assert_eq!(echo("a\0b\tc\nd"), "a\\u{0}b\\tc\\nd");
        let once = echo(&"\0".repeat(1000));
        let problem = InputProblem {
            value: Some(once.clone()),
            ..InputProblem::file(Some(2), "bad")
        };
        assert_eq!(problem.bounded().value, Some(once));
    }

    #[test]
    fn log_bounds_the_value_and_message_of_every_problem_it_keeps() {
        let mut log = ProblemLog::new();
        log.push(InputProblem {
            line: Some(2),
            column: Some("Payment Method".into()),
            value: Some("x\0".repeat(500_000)),
            message: format!("differs from '{}'", "y".repeat(1_000_000)),
            sale_id: None,
        });
        let kept = &log.problems()[0];
        let value = kept.value.as_deref().unwrap();
        assert!(value.chars().count() <= MAX_ECHO_CHARS + 40, "{value}");
        assert!(!value.contains('\0'));
        assert!(kept.message.chars().count() <= MAX_MESSAGE_CHARS + 40);
    }

    #[test]
    fn log_keeps_problems_in_detail_within_a_byte_budget_and_counts_the_rest() {
        let mut log = ProblemLog::new();
        let big = "m".repeat(MAX_MESSAGE_CHARS);
        for line in 0..(MAX_REPORTED_PROBLEMS as u64) {
            log.push(InputProblem::file(Some(line), big.clone()));
        }
        assert_eq!(log.total(), MAX_REPORTED_PROBLEMS as u64);
        let bytes: usize = log.problems().iter().map(json_size).sum();
        assert!(bytes <= MAX_REPORTED_PROBLEM_BYTES, "{bytes}");
        assert!(log.problems().len() < MAX_REPORTED_PROBLEMS);
    }

    fn json_size(problem: &InputProblem) -> usize {
        problem.json_size()
    }

    #[test]
    fn appending_a_log_keeps_the_bounds_and_the_total() {
        let mut first = ProblemLog::new();
        let mut second = ProblemLog::new();
        for line in 0..(MAX_REPORTED_PROBLEMS as u64) {
            first.push(InputProblem::file(Some(line), "bad"));
            second.push(InputProblem::file(Some(line), "worse"));
        }
        first.append(second);
        assert_eq!(first.total(), 2 * MAX_REPORTED_PROBLEMS as u64);
        assert_eq!(first.problems().len(), MAX_REPORTED_PROBLEMS);
    }

    #[test]
    fn displays_line_column_value_and_reason() {
        let problem = InputProblem {
            line: Some(14),
            column: Some("Location".into()),
            value: Some("Gym".into()),
            message: "is not a known location (Online Store or Golf - experience)".into(),
            sale_id: None,
        };
        assert_eq!(
            problem.to_string(),
            "line 14, column Location: 'Gym' is not a known location (Online Store or Golf - experience)"
        );
    }

    #[test]
    fn omits_the_value_of_an_empty_cell() {
        let problem = InputProblem {
            line: Some(3),
            column: Some("Sale ID".into()),
            value: Some(String::new()),
            message: "a value is required".into(),
            sale_id: None,
        };
        assert_eq!(
            problem.to_string(),
            "line 3, column Sale ID: a value is required"
        );
    }

    #[test]
    fn log_counts_every_problem_but_keeps_a_bounded_number() {
        let mut log = ProblemLog::new();
        for line in 0..(MAX_REPORTED_PROBLEMS as u64 + 5) {
            log.push(InputProblem::file(Some(line), "bad"));
        }
        assert_eq!(log.total(), MAX_REPORTED_PROBLEMS as u64 + 5);
        assert_eq!(log.problems().len(), MAX_REPORTED_PROBLEMS);
    }
}
