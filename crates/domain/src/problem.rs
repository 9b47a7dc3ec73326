//! What an import reports about bad input: which line, which column, which value, why.

use std::fmt;

use serde::Serialize;

use crate::SaleId;

/// The most problems an import keeps in detail; beyond that only the count grows.
pub const MAX_REPORTED_PROBLEMS: usize = 10_000;

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
        match self.value.as_deref() {
            Some(value) if !value.is_empty() => write!(f, "'{value}' {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// The problems found so far: the first [`MAX_REPORTED_PROBLEMS`] in detail, all of them counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProblemLog {
    kept: Vec<InputProblem>,
    total: u64,
}

impl ProblemLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log as stored: the problems kept in detail and how many were found in all (at least
    /// as many as kept; extra kept problems beyond the bound are dropped).
    pub fn restore(mut kept: Vec<InputProblem>, total: u64) -> Self {
        kept.truncate(MAX_REPORTED_PROBLEMS);
        let total = total.max(kept.len() as u64);
        ProblemLog { kept, total }
    }

    /// Records a problem (kept in detail while there is room).
    pub fn push(&mut self, problem: InputProblem) {
        self.total += 1;
        if self.kept.len() < MAX_REPORTED_PROBLEMS {
            self.kept.push(problem);
        }
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
    fn displays_line_column_value_and_reason() {
        let problem = InputProblem {
            line: Some(14),
            column: Some("Location".into()),
            value: Some("Gym".into()),
            message: "is not one of `Online Store`, `Golf - experience`".into(),
            sale_id: None,
        };
        assert_eq!(
            problem.to_string(),
            "line 14, column Location: 'Gym' is not one of `Online Store`, `Golf - experience`"
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
