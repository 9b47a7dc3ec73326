//! Gathering an import's reject file as the file is read once, in bounded memory.
//!
//! What the reject file has: every invalid row, with its problems as the reason (rows without
//! a readable Sale ID included); and every valid line of a rejected sale that the reader still
//! had at hand, with the reason `sale 3971 is rejected: line 45 has a problem`:
//!
//! - the lines of a run (lines of one sale following each other) that ends after an invalid
//!   row of its sale was read: the invalid row may come before, within or at the end of the
//!   run, or in an earlier run of the same sale;
//! - the lines of a run that did not assemble (its lines go loose and are assembled again at
//!   the end): they wait, verbatim, until the end, and are kept if their sale is then rejected
//!   (by an invalid row read later, or because the whole sale does not assemble; a line named
//!   by a problem of the sale then gets that problem as its reason).
//!
//! What it does not have: the lines of a run that assembled and was sent to the store before
//! its sale was rejected, by an invalid row further on or because its runs, put together at the
//! end, disagree. The report counts those lines as omitted, with the lines beyond the reject
//! file's bounds (the count is exact once the file is read to the end). A file refused whole
//! (no header, a bad header) has an empty reject file; a file whose reading stopped on a row
//! running on has the lines found up to there.
//!
//! Memory: the text of the current run, the lines waiting for the end, the rejected sales'
//! first bad lines and the reject file are each bounded by the reject file's bounds.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use zinc_domain::{
    InputProblem, InvalidRow, MAX_REJECTED_BYTES, MAX_REJECTED_LINES, RejectedLines, SaleId,
    SalesCsvReader, row_reason, sale_reason,
};

/// The current run's lines as written: one buffer, and the line and end of each.
#[derive(Default)]
pub(crate) struct RunText {
    bytes: Vec<u8>,
    rows: Vec<(u64, usize)>,
}

impl RunText {
    /// The kept lines, each with its bytes, emptying the run.
    fn drain(&mut self) -> impl Iterator<Item = (u64, Vec<u8>)> {
        let bytes = std::mem::take(&mut self.bytes);
        let mut start = 0;
        let rows = std::mem::take(&mut self.rows);
        rows.into_iter().map(move |(line, end)| {
            let raw = bytes[start..end].to_vec();
            start = end;
            (line, raw)
        })
    }

    /// Forgets the run, keeping the buffer's room for the next one.
    fn clear(&mut self) {
        self.bytes.clear();
        self.rows.clear();
    }
}

/// The reject file being gathered.
#[derive(Default)]
pub(crate) struct Rejects {
    file: RejectedLines,
    /// Sales rejected while reading, with the first line found bad.
    sales: HashMap<SaleId, u64>,
    /// Lines of runs that went loose, by sale, until their sale is known to be rejected or not.
    waiting: BTreeMap<SaleId, Vec<(u64, Vec<u8>)>>,
    waiting_lines: usize,
    waiting_bytes: usize,
}

impl Rejects {
    /// Rejects of a file with this header (as written).
    pub(crate) fn new(header: &[u8]) -> Self {
        Rejects {
            file: RejectedLines::new(header),
            ..Rejects::default()
        }
    }

    /// Keeps the text of the reader's current line (of the current run), while the reject
    /// file has room for it.
    pub(crate) fn capture<R: Read>(&self, run: &mut RunText, line: u64, rows: &SalesCsvReader<R>) {
        if !self.file.has_room() {
            return;
        }
        let start = run.bytes.len();
        rows.append_raw_record(&mut run.bytes);
        if run.bytes.len() > self.file.room_in_bytes() {
            run.bytes.truncate(start);
        } else {
            run.rows.push((line, run.bytes.len()));
        }
    }

    /// Keeps an invalid row, and remembers its sale as rejected.
    pub(crate) fn invalid_row<R: Read>(&mut self, row: &InvalidRow, rows: &SalesCsvReader<R>) {
        let raw = if self.file.has_room() {
            rows.raw_record()
        } else {
            Vec::new()
        };
        self.file.push(row.line, row_reason(&row.problems), raw);
        if let Some(sale_id) = row.sale_id
            && self.file.has_room()
            && self.sales.len() < MAX_REJECTED_LINES
        {
            self.sales.entry(sale_id).or_insert(row.line);
        }
    }

    /// The run of `sale_id` ended: its lines are rejected if the sale is; if the run went
    /// `loose`, they wait for the end.
    pub(crate) fn end_run(&mut self, sale_id: SaleId, run: &mut RunText, loose: bool) {
        if let Some(&bad_line) = self.sales.get(&sale_id) {
            for (line, raw) in run.drain() {
                self.file.push(line, sale_reason(sale_id, bad_line), raw);
            }
        } else if loose {
            let fits = self.waiting_lines + run.rows.len() <= MAX_REJECTED_LINES
                && self.waiting_bytes + run.bytes.len() <= MAX_REJECTED_BYTES;
            if fits {
                self.waiting_lines += run.rows.len();
                self.waiting_bytes += run.bytes.len();
                self.waiting.entry(sale_id).or_default().extend(run.drain());
            }
        }
        run.clear();
    }

    /// A sale assembled whole at the end failed with `problems`: its waiting lines are
    /// rejected, each with its own problems or else the sale's first bad line.
    pub(crate) fn sale_failed(&mut self, sale_id: SaleId, problems: &[InputProblem]) {
        let Some(lines) = self.waiting.remove(&sale_id) else {
            return;
        };
        let first_bad = problems.iter().filter_map(|p| p.line).min();
        for (line, raw) in lines {
            let own: Vec<InputProblem> = problems
                .iter()
                .filter(|p| p.line == Some(line))
                .cloned()
                .collect();
            let reason = match first_bad {
                _ if !own.is_empty() => row_reason(&own),
                Some(bad_line) => sale_reason(sale_id, bad_line),
                None => row_reason(problems),
            };
            self.file.push(line, reason, raw);
        }
    }

    /// The reject file: the waiting lines of sales rejected while reading added. With the
    /// number of rows rejected `in_all` (known when the file was read to the end), the lines
    /// not kept are counted as omitted.
    pub(crate) fn finish(mut self, in_all: Option<u64>) -> RejectedLines {
        for (sale_id, lines) in std::mem::take(&mut self.waiting) {
            if let Some(&bad_line) = self.sales.get(&sale_id) {
                for (line, raw) in lines {
                    self.file.push(line, sale_reason(sale_id, bad_line), raw);
                }
            }
        }
        if let Some(in_all) = in_all {
            self.file.rejected_in_all(in_all);
        }
        self.file
    }
}
