//! The reject file of an import, as pgloader keeps one: the rejected lines of the file,
//! verbatim, each with the reason it was rejected, so that they can be fixed and imported again.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::{
    InputProblem, MAX_HEADER_BYTES, MAX_REJECTED_BYTES, MAX_REJECTED_LINES, REJECT_FILE_COLUMNS,
    SaleId, formula,
};

/// One rejected line: where it is in the file, why it was rejected, and its bytes as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedLine {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// Why it was rejected (Zinc's own sentences; control characters escaped).
    pub reason: String,
    /// The row exactly as written, quotes and quoted line breaks included, without its line
    /// end (not necessarily UTF-8).
    pub raw: Vec<u8>,
}

/// How many lines a reject file has, and how many rejected lines it does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RejectedLineCounts {
    /// Lines kept in the reject file.
    pub kept: u64,
    /// Rejected lines not in it: beyond its bounds ([`MAX_REJECTED_LINES`],
    /// [`MAX_REJECTED_BYTES`]), or lines of a rejected sale the reader no longer had.
    pub omitted: u64,
}

impl RejectedLineCounts {
    /// True when no line was rejected.
    pub fn is_empty(&self) -> bool {
        self.kept == 0 && self.omitted == 0
    }
}

/// The rejected lines of one import, with the file's header: at most [`MAX_REJECTED_LINES`]
/// lines and [`MAX_REJECTED_BYTES`] of text, in line order; the others counted.
///
/// ```
/// use zinc_domain::RejectedLines;
///
/// let mut rejected = RejectedLines::new(b"Sale ID,Item name");
/// rejected.push(3, "column Sale ID: 'x' is not a whole number".into(), b"x,Water".to_vec());
/// let mut csv = Vec::new();
/// rejected.write_csv(&mut csv)?;
/// assert_eq!(
///     String::from_utf8(csv)?,
///     "Line,Reason,Sale ID,Item name\n3,column Sale ID: 'x' is not a whole number,x,Water\n"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RejectedLines {
    header: Vec<u8>,
    lines: Vec<RejectedLine>,
    bytes: usize,
    omitted: u64,
}

impl RejectedLines {
    /// An empty reject file under the file's `header` as written (its byte-order mark and line
    /// end are left out; a header longer than [`MAX_HEADER_BYTES`] is left out whole).
    pub fn new(header: &[u8]) -> Self {
        let header = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header);
        let header = header.strip_suffix(b"\n").unwrap_or(header);
        let header = header.strip_suffix(b"\r").unwrap_or(header);
        RejectedLines {
            header: if header.len() <= MAX_HEADER_BYTES {
                header.to_vec()
            } else {
                Vec::new()
            },
            ..RejectedLines::default()
        }
    }

    /// A reject file as stored: its header, the lines kept and how many were omitted (lines
    /// beyond the bounds are counted as omitted).
    pub fn restore(header: &[u8], lines: Vec<RejectedLine>, omitted: u64) -> Self {
        let mut restored = RejectedLines::new(header);
        for line in lines {
            restored.push(line.line, line.reason, line.raw);
        }
        restored.omitted += omitted;
        restored
    }

    /// Keeps a rejected line while there is room (false when it is only counted as omitted).
    /// Control characters in `reason` are escaped.
    pub fn push(&mut self, line: u64, reason: String, raw: Vec<u8>) -> bool {
        let reason = if reason.chars().any(char::is_control) {
            reason.chars().flat_map(char::escape_default).collect()
        } else {
            reason
        };
        let size = reason.len() + raw.len();
        if !self.has_room_for(size) {
            self.omitted += 1;
            return false;
        }
        self.bytes += size;
        if self.lines.last().is_some_and(|last| last.line > line) {
            let at = self.lines.partition_point(|kept| kept.line < line);
            self.lines.insert(at, RejectedLine { line, reason, raw });
        } else {
            self.lines.push(RejectedLine { line, reason, raw });
        }
        true
    }

    /// Whether one more line of `size` bytes (reason included) would be kept.
    pub fn has_room_for(&self, size: usize) -> bool {
        self.lines.len() < MAX_REJECTED_LINES && self.bytes + size <= MAX_REJECTED_BYTES
    }

    /// Whether any more line could be kept.
    pub fn has_room(&self) -> bool {
        self.has_room_for(0)
    }

    /// How many more bytes of rejected text would be kept.
    pub fn room_in_bytes(&self) -> usize {
        MAX_REJECTED_BYTES - self.bytes
    }

    /// Says how many lines were rejected in all, kept or not: those not kept are omitted
    /// (lines the reader no longer had, as well as those beyond the bounds).
    pub fn rejected_in_all(&mut self, total: u64) {
        let not_kept = total.saturating_sub(self.lines.len() as u64);
        self.omitted = self.omitted.max(not_kept);
    }

    /// The file's header as written (without byte-order mark and line end).
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The lines kept, in line order.
    pub fn lines(&self) -> &[RejectedLine] {
        &self.lines
    }

    /// How many lines are kept and how many were omitted.
    pub fn counts(&self) -> RejectedLineCounts {
        RejectedLineCounts {
            kept: self.lines.len() as u64,
            omitted: self.omitted,
        }
    }

    /// Writes the reject file as CSV: `Line,Reason,` and the file's header, then per line its
    /// number, its reason (quoted when it must be) and its bytes as written, each ended by
    /// `\n`. The reader skips the first two columns ([`REJECT_FILE_COLUMNS`]): the file imports
    /// as it is, its lines rejected again for the same reasons until fixed. A line with a cell a spreadsheet would run as a formula is written again with
    /// that cell marked as text ([`formula::guarded`]); the reader reads it as before.
    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(REJECT_FILE_COLUMNS.join(",").as_bytes())?;
        if !self.header.is_empty() {
            out.write_all(b",")?;
            out.write_all(&self.header)?;
        }
        out.write_all(b"\n")?;
        for line in &self.lines {
            write!(out, "{},", line.line)?;
            out.write_all(&quoted(&formula::written(&line.reason))?)?;
            out.write_all(b",")?;
            out.write_all(&guarded_row(&line.raw)?)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// The reject file of a recorded import: the name of the file it came from, and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectFile {
    /// The imported file's name as the user gave it.
    pub file_name: String,
    /// Its rejected lines.
    pub lines: RejectedLines,
}

/// The longest name [`RejectFile::download_name`] gives, in characters.
const MAX_DOWNLOAD_NAME_CHARS: usize = 100;

impl RejectFile {
    /// A safe name to save it as: the imported file's name without folders or extension, kept
    /// to ASCII letters, digits, `.`, `-` and `_` (others become `_`), at most 100
    /// characters, then `-rejected.csv`: `zinc-sales.csv` gives `zinc-sales-rejected.csv`.
    pub fn download_name(&self) -> String {
        let base = self
            .file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default();
        let stem = match base.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => stem,
            _ => base,
        };
        let safe: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .take(MAX_DOWNLOAD_NAME_CHARS)
            .collect();
        let safe = safe.trim_start_matches('.');
        if safe.is_empty() {
            "import-rejected.csv".to_owned()
        } else {
            format!("{safe}-rejected.csv")
        }
    }
}

/// The row `raw` as written, or, when one of its cells would be a formula in a spreadsheet, its
/// cells written again (quoted where they must be) with those cells [`formula::guarded`].
fn guarded_row(raw: &[u8]) -> io::Result<Cow<'_, [u8]>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(raw);
    let records = reader
        .byte_records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(io::Error::other)?;
    if !records
        .iter()
        .any(|record| record.iter().any(formula::needs_guard))
    {
        return Ok(Cow::Borrowed(raw));
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::with_capacity(raw.len() + 8));
    for record in &records {
        writer.write_record(record.iter().map(formula::guarded))?;
    }
    let mut written = writer
        .into_inner()
        .map_err(|error| io::Error::other(error.to_string()))?;
    written.pop();
    Ok(Cow::Owned(written))
}

/// `field` as one CSV field, quoted by the csv crate when it must be.
fn quoted(field: &str) -> io::Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(field.len() * 2 + 3)
        .from_writer(Vec::with_capacity(field.len() + 3));
    // A record of one field: the closing quote is written with the record's end.
    writer.write_record([field])?;
    let mut quoted = writer
        .into_inner()
        .map_err(|error| io::Error::other(error.to_string()))?;
    quoted.pop();
    Ok(quoted)
}

/// The reason of an invalid row: each of its problems, without the line (the reject file's
/// first column), `column Quantity: 'x' is not a whole number; column Tax: ...`.
pub fn row_reason(problems: &[InputProblem]) -> String {
    problems
        .iter()
        .map(|problem| problem.clone().bounded().in_line())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The reason of a line that is valid but belongs to a rejected sale: `sale 3971 is rejected:
/// line 45 has a problem`.
pub fn sale_reason(sale_id: SaleId, bad_line: u64) -> String {
    format!("sale {sale_id} is rejected: line {bad_line} has a problem")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(rejected: &RejectedLines) -> Vec<u8> {
        let mut out = Vec::new();
        rejected.write_csv(&mut out).unwrap();
        out
    }

    #[test]
    fn writes_the_header_then_each_line_verbatim_after_its_number_and_quoted_reason() {
        let mut rejected = RejectedLines::new(b"\xEF\xBB\xBFA,B\r\n");
        rejected.push(
            7,
            "sale 3 is rejected: line 5 has a problem".into(),
            b"3,z".to_vec(),
        );
        rejected.push(
            5,
            "column B: 'x, \"y\"' is bad".into(),
            b"3,\"x, \"\"y\"\"\"".to_vec(),
        );
        rejected.push(9, "line\nbreak".into(), b"4,\"a\r\nb\"\xff\0".to_vec());
        let mut expected = b"Line,Reason,A,B\n\
            5,\"column B: 'x, \"\"y\"\"' is bad\",3,\"x, \"\"y\"\"\"\n\
            7,sale 3 is rejected: line 5 has a problem,3,z\n\
            9,line\\nbreak,4,\"a\r\nb\""
            .to_vec();
        expected.extend_from_slice(b"\xff\0\n");
        assert_eq!(csv(&rejected), expected);
    }

    #[test]
    fn a_rejected_cell_a_spreadsheet_would_run_is_written_as_text() {
        let mut rejected = RejectedLines::new(b"A,B,C");
        rejected.push(2, "bad".into(), b"=HYPERLINK(\"x\"),-5,'=y".to_vec());
        rejected.push(3, "bad".into(), b"plain,-x,\"@a, b\"".to_vec());
        rejected.push(4, "=bad".into(), b"plain,---,\"quoted\"".to_vec());
        assert_eq!(
            String::from_utf8(csv(&rejected)).unwrap(),
            "Line,Reason,A,B,C\n\
             2,bad,\"'=HYPERLINK(\"\"x\"\")\",-5,'=y\n\
             3,bad,plain,'-x,\"'@a, b\"\n\
             4,'=bad,plain,---,\"quoted\"\n"
        );
    }

    #[test]
    fn names_the_download_after_the_imported_file_safely() {
        let name = |file_name: &str| {
            RejectFile {
                file_name: file_name.to_owned(),
                lines: RejectedLines::default(),
            }
            .download_name()
        };
        assert_eq!(name("zinc-sales.csv"), "zinc-sales-rejected.csv");
        assert_eq!(
            name("C:\\exports\\März 2025.v2.csv"),
            "M_rz_2025.v2-rejected.csv"
        );
        assert_eq!(name("../../etc/passwd"), "passwd-rejected.csv");
        assert_eq!(name("a\"b;\r\nX: y.csv"), "a_b___X__y-rejected.csv");
        assert_eq!(name(".csv"), "csv-rejected.csv");
        assert_eq!(name(""), "import-rejected.csv");
        assert_eq!(name("...."), "import-rejected.csv");
        assert_eq!(name(&"x".repeat(1000)).len(), 100 + "-rejected.csv".len());
    }

    #[test]
    fn an_empty_reject_file_is_its_header() {
        assert_eq!(csv(&RejectedLines::new(b"A,B\n")), b"Line,Reason,A,B\n");
        assert_eq!(csv(&RejectedLines::default()), b"Line,Reason\n");
        assert!(RejectedLines::default().counts().is_empty());
    }

    #[test]
    fn keeps_at_most_max_rejected_lines_and_counts_the_rest() {
        let mut rejected = RejectedLines::new(b"A");
        for line in 0..(MAX_REJECTED_LINES as u64 + 3) {
            rejected.push(line + 2, "bad".into(), b"x".to_vec());
        }
        assert_eq!(
            rejected.counts(),
            RejectedLineCounts {
                kept: MAX_REJECTED_LINES as u64,
                omitted: 3
            }
        );
        assert!(!rejected.has_room());
    }

    #[test]
    fn keeps_at_most_max_rejected_bytes_and_counts_the_rest() {
        let mut rejected = RejectedLines::new(b"A");
        let raw = vec![b'x'; 64 * 1024];
        let mut kept = 0;
        for line in 0..100 {
            kept += usize::from(rejected.push(line + 2, "bad".into(), raw.clone()));
        }
        assert_eq!(kept, MAX_REJECTED_BYTES / (64 * 1024 + 3));
        assert_eq!(rejected.counts().omitted, 100 - kept as u64);
        let text: usize = rejected
            .lines()
            .iter()
            .map(|l| l.raw.len() + l.reason.len())
            .sum();
        assert!(text <= MAX_REJECTED_BYTES);
        assert!(
            rejected.push(200, String::new(), b"y".to_vec()),
            "a small line still fits"
        );
    }

    #[test]
    fn counts_the_rejected_lines_not_kept_as_omitted() {
        let mut rejected = RejectedLines::new(b"A");
        rejected.push(2, "bad".into(), b"x".to_vec());
        rejected.rejected_in_all(5);
        assert_eq!(
            rejected.counts(),
            RejectedLineCounts {
                kept: 1,
                omitted: 4
            }
        );
    }

    #[test]
    fn restoring_applies_the_bounds_and_keeps_the_omitted_count() {
        let lines = (0..(MAX_REJECTED_LINES as u64 + 1))
            .map(|line| RejectedLine {
                line: line + 2,
                reason: "bad".into(),
                raw: b"x".to_vec(),
            })
            .collect();
        let restored = RejectedLines::restore(b"A", lines, 5);
        assert_eq!(restored.counts().kept, MAX_REJECTED_LINES as u64);
        assert_eq!(restored.counts().omitted, 6);
    }

    #[test]
    fn the_reason_of_a_row_lists_its_problems_without_the_line() {
        let problem = |column: Option<&str>, value: &str, message: &str| InputProblem {
            line: Some(45),
            column: column.map(str::to_owned),
            value: Some(value.to_owned()),
            message: message.to_owned(),
            sale_id: None,
        };
        let reason = row_reason(&[
            problem(Some("Quantity"), "x\0", "is not a whole number"),
            problem(Some("Tax"), "", "a value is required"),
            problem(None, "", "the row has 3 fields but the header has 19"),
        ]);
        assert_eq!(
            reason,
            "column Quantity: 'x\\u{0}' is not a whole number; column Tax: a value is required; the row has 3 fields but the header has 19"
        );
        assert_eq!(
            sale_reason(SaleId::new(123).unwrap(), 45),
            "sale 123 is rejected: line 45 has a problem"
        );
    }
}
