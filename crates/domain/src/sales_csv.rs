//! Reading a point-of-sale export: header check, then one [`SaleLine`] per row.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read};

use chrono::NaiveDate;
use csv::ByteRecord;
use thiserror::Error;

use crate::{
    BatchNumber, ClientId, Column, DiscountPercent, FieldProblem, InputProblem, Label, Location,
    Money, Note, ProductName, Quantity, SaleDate, SaleId, SaleLine, SaleLineFields, UnitPrice,
    ValueError, echo, formula, is_reject_file_column, text::free_text,
};

/// The most unknown header names a header problem lists (the others are counted).
pub const MAX_LISTED_HEADER_NAMES: usize = 10;

/// The most columns a header may have (the export has 19; unknown columns are refused anyway).
pub const MAX_HEADER_COLUMNS: usize = 64;

/// The longest header line, in bytes (the export's is 250).
pub const MAX_HEADER_BYTES: usize = 4 * 1024;

/// The longest row, in bytes as written in the file (quotes, commas and line end included). A
/// longer row is refused with one problem and reading goes on with the next.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// Why the header line cannot be used.
#[derive(Debug, Error)]
pub enum HeaderError {
    /// The file has no header line at all.
    #[error("the file is empty: expected a header line naming the export's columns")]
    Empty,
    /// Columns are missing, unknown or repeated.
    #[error("{0}")]
    Columns(HeaderMismatch),
    /// The header line is not UTF-8 text.
    #[error("the header is not valid UTF-8 text")]
    NotUtf8,
    /// The file's lines end with a carriage return alone (classic Mac OS), so the whole file
    /// reads as one line.
    #[error(
        "the lines of the file end with CR alone (old Mac line ends); save it with LF or CRLF line ends"
    )]
    CrLineEnds,
    /// The header line is longer than [`MAX_HEADER_BYTES`].
    #[error("the header line is {bytes} bytes long; at most {max} are read", max = MAX_HEADER_BYTES)]
    TooLong {
        /// Its length in bytes, line end included.
        bytes: u64,
    },
    /// The header has more than [`MAX_HEADER_COLUMNS`] columns.
    #[error(
        "the header has {columns} columns; at most {max} are read (the export has {export})",
        max = MAX_HEADER_COLUMNS,
        export = Column::ALL.len()
    )]
    TooWide {
        /// How many columns it has.
        columns: usize,
    },
    /// A header cell holds a control character such as NUL.
    #[error(
        "the header's column {column} contains a control character (U+{code:04X}); a header holds only printable text"
    )]
    ControlCharacter {
        /// The column's position, from 1.
        column: usize,
        /// The character's code point.
        code: u32,
    },
    /// The file is an Excel workbook (an .xlsx, which is a zip file, or an older .xls), not CSV.
    #[error(
        "this is an Excel file, not a CSV file: save it as CSV (File > Save As > CSV UTF-8) and import that"
    )]
    Excel,
    /// The underlying reader failed before the header line was read: the file itself may be
    /// fine, so this is no verdict on it.
    #[error("cannot read the file")]
    Unreadable(#[source] io::Error),
}

/// What is wrong with the header's column names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderMismatch {
    /// Required columns the header does not name.
    pub missing: Vec<Column>,
    /// The first [`MAX_LISTED_HEADER_NAMES`] header cells that name no known column, as
    /// [`echo`]ed.
    pub unknown: Vec<String>,
    /// How many more unknown header cells there were.
    pub more_unknown: usize,
    /// Columns named more than once.
    pub repeated: Vec<Column>,
}

impl fmt::Display for HeaderMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The export's own column names as they are; a file's names quoted as values are.
        let known = |columns: &[Column]| {
            columns
                .iter()
                .map(|c| c.header())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let quote = |names: &[String]| {
            names
                .iter()
                .map(|name| format!("'{name}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "the header is missing the columns {}",
                known(&self.missing)
            ));
        }
        if !self.unknown.is_empty() {
            let more = match self.more_unknown {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            parts.push(format!(
                "the header has unknown columns {}{more}",
                quote(&self.unknown)
            ));
        }
        if !self.repeated.is_empty() {
            parts.push(format!(
                "the header repeats the columns {}",
                known(&self.repeated)
            ));
        }
        write!(f, "{}", parts.join("; "))
    }
}

/// A row that could not be read as a sale line, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRow {
    /// The line the row starts on.
    pub line: u64,
    /// The row's sale, when its Sale ID was readable: that whole sale is then invalid.
    pub sale_id: Option<SaleId>,
    /// Each problem, one per offending column.
    pub problems: Vec<InputProblem>,
}

/// Why the next row could not be produced.
#[derive(Debug, Error)]
pub enum RowError {
    /// The row is readable but wrong; reading can go on.
    #[error("line {}: invalid row", .0.line)]
    Invalid(InvalidRow),
    /// A row runs on past [`MAX_RECORD_BYTES`] (and the reader's buffer) without ending:
    /// reading stops here, so that memory stays bounded; the file cannot be imported.
    #[error(
        "line {line}: a row starting here runs on past {MAX_RECORD_BYTES} bytes without ending (an unterminated quote?); reading stopped"
    )]
    TooLong {
        /// The line the row starts on.
        line: u64,
    },
    /// The underlying reader failed; reading cannot go on.
    #[error("cannot read the file")]
    Unreadable(#[from] io::Error),
}

/// How far the CSV parser may read ahead of the record it is on (its buffer, with margin).
const READ_AHEAD_BYTES: u64 = 64 * 1024;

/// The error [`Capped`] stops with.
#[derive(Debug, Error)]
#[error("a record runs on past the bound")]
struct RecordRunsOn;

/// The source, stopped with [`RecordRunsOn`] once more than [`MAX_RECORD_BYTES`] (and the
/// parser's read-ahead) follow the end of the last record: the CSV parser buffers a whole
/// record before it can be measured.
///
/// It also keeps a window of the bytes read, from the start of the current record on, so that
/// the record can be handed out verbatim ([`SalesCsvReader::raw_record`]). The reader trims it
/// each time it moves to a record, so it holds at most the current record, the one read ahead
/// and the parser's buffer: the same bound as the cap above.
struct Capped<R> {
    inner: R,
    /// Bytes read from `inner`.
    consumed: u64,
    /// Where the last complete record ended.
    record_end: u64,
    /// Whether a line feed was seen, and a carriage return (to tell CR-only line ends).
    seen_lf: bool,
    seen_cr: bool,
    /// The bytes read from `window_start` on.
    window: VecDeque<u8>,
    /// The offset in the source of the window's first byte.
    window_start: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.consumed - self.record_end > MAX_RECORD_BYTES as u64 + READ_AHEAD_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RecordRunsOn));
        }
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        self.seen_lf |= buf[..n].contains(&b'\n');
        self.seen_cr |= buf[..n].contains(&b'\r');
        self.window.extend(&buf[..n]);
        Ok(n)
    }
}

/// How an .xlsx file starts (it is a zip file: a local file header).
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// How an .xls file starts (an OLE2 compound file).
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

impl<R> Capped<R> {
    /// Whether the source starts as an Excel workbook does (while its first bytes are still
    /// in the window, as they are until the header is checked).
    fn starts_as_excel(&self) -> bool {
        let start: Vec<u8> = self.window.iter().take(OLE2_MAGIC.len()).copied().collect();
        self.window_start == 0 && (start.starts_with(ZIP_MAGIC) || start.starts_with(OLE2_MAGIC))
    }

    /// Forgets the bytes before `offset` (O(bytes dropped): the window is a ring buffer).
    fn forget_before(&mut self, offset: u64) {
        let drop = offset.saturating_sub(self.window_start);
        let drop = usize::try_from(drop).map_or(self.window.len(), |d| d.min(self.window.len()));
        self.window.drain(..drop);
        self.window_start += drop as u64;
    }

    /// How many line feeds follow each other from `offset` on (in the window).
    fn line_feeds_at(&self, offset: u64) -> u64 {
        let Ok(at) = usize::try_from(offset.saturating_sub(self.window_start)) else {
            return 0;
        };
        self.window
            .range(at.min(self.window.len())..)
            .take_while(|b| **b == b'\n')
            .count() as u64
    }

    /// Appends the bytes from `start` to `end` (offsets in the source) still in the window,
    /// without the line end: leading line feeds (blank lines the parser skipped before the
    /// record), and a final `\n` or `\r\n`.
    fn append_verbatim(&self, start: u64, end: u64, out: &mut Vec<u8>) {
        let offset = |at: u64| {
            usize::try_from(at.saturating_sub(self.window_start))
                .map_or(self.window.len(), |at| at.min(self.window.len()))
        };
        let (from, to) = (offset(start), offset(end));
        if from >= to {
            return;
        }
        let (front, back) = self.window.as_slices();
        let at = out.len();
        if from < front.len() {
            out.extend_from_slice(&front[from..to.min(front.len())]);
        }
        if to > front.len() {
            out.extend_from_slice(&back[from.saturating_sub(front.len())..to - front.len()]);
        }
        let blank = out[at..].iter().take_while(|b| **b == b'\n').count();
        out.drain(at..at + blank);
        if out.len() > at && out.ends_with(b"\n") {
            out.pop();
            if out.len() > at && out.ends_with(b"\r") {
                out.pop();
            }
        }
    }
}

/// Whether `error` is [`Capped`] stopping a record that runs on.
fn runs_on(error: &csv::Error) -> bool {
    match error.kind() {
        csv::ErrorKind::Io(io) => io
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<RecordRunsOn>().is_some()),
        _ => false,
    }
}

/// Reads a point-of-sale export row by row, in constant memory.
///
/// Accepts UTF-8 with or without a byte-order mark, CRLF or LF line ends, quoted fields, and the
/// columns in any order.
pub struct SalesCsvReader<R: Read> {
    reader: csv::Reader<Capped<R>>,
    /// Set once a row ran on too long: nothing more is read.
    stopped: bool,
    positions: [usize; Column::ALL.len()],
    /// The column of each header position.
    columns: Vec<Option<Column>>,
    width: usize,
    latest_sale_date: NaiveDate,
    record: ByteRecord,
    /// Where the current record ends in the source (its line end included).
    record_end: u64,
    /// A record read ahead (to tell whether the current one is the last), with what reading
    /// it returned and where it ends.
    peeked: Option<(ByteRecord, csv::Result<bool>, u64)>,
    /// The header line as written, without its byte-order mark and line end.
    header: Vec<u8>,
}

impl<R: Read> SalesCsvReader<R> {
    /// Reads and checks the header. Sale dates after `latest_sale_date` will be refused.
    pub fn new(source: R, latest_sale_date: NaiveDate) -> Result<Self, HeaderError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            // Records end at `\n` only: the crate's own CRLF handling miscounts lines, so the
            // `\r` of a CRLF line end is stripped from the last field instead (see `RowCells`).
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(Capped {
                inner: source,
                consumed: 0,
                record_end: 0,
                seen_lf: false,
                seen_cr: false,
                window: VecDeque::new(),
                window_start: 0,
            });
        let mut header = ByteRecord::new();
        let read = reader.read_byte_record(&mut header);
        // An Excel workbook reads as binary: say what it is rather than which byte failed.
        if reader.get_ref().starts_as_excel() {
            return Err(HeaderError::Excel);
        }
        match read {
            Ok(true) => {}
            Ok(false) => return Err(HeaderError::Empty),
            Err(error) if runs_on(&error) => {
                let source = reader.get_ref();
                return Err(if source.seen_cr && !source.seen_lf {
                    HeaderError::CrLineEnds
                } else {
                    HeaderError::TooLong {
                        bytes: source.consumed,
                    }
                });
            }
            Err(error) => return Err(HeaderError::Unreadable(into_io_error(error))),
        }
        let header_end = reader.position().byte();
        reader.get_mut().record_end = header_end;
        check_header_shape(&header, header_end)?;
        let mut verbatim = Vec::new();
        reader
            .get_ref()
            .append_verbatim(0, header_end, &mut verbatim);
        let bom = if verbatim.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        verbatim.drain(..bom);
        reader.get_mut().forget_before(header_end);
        let mut positions = [usize::MAX; Column::ALL.len()];
        let mut mismatch = HeaderMismatch::default();
        for (index, cell) in header.iter().enumerate() {
            let cell = if index + 1 == header.len() {
                cell.strip_suffix(b"\r").unwrap_or(cell)
            } else {
                cell
            };
            let name = std::str::from_utf8(cell).map_err(|_| HeaderError::NotUtf8)?;
            if let Some(c) = name.chars().find(|c| c.is_control() && *c != '\t') {
                return Err(HeaderError::ControlCharacter {
                    column: index + 1,
                    code: u32::from(c),
                });
            }
            match Column::from_header(name) {
                // A reject file's own columns: read past, as any column no rule reads.
                None if is_reject_file_column(name) => {}
                Some(column) if positions[column as usize] != usize::MAX => {
                    mismatch.repeated.push(column);
                }
                Some(column) => positions[column as usize] = index,
                None if mismatch.unknown.len() >= MAX_LISTED_HEADER_NAMES => {
                    mismatch.more_unknown += 1;
                }
                None if name.trim().is_empty() => {
                    mismatch
                        .unknown
                        .push(format!("(unnamed column {})", index + 1));
                }
                None => mismatch.unknown.push(echo(name.trim())),
            }
        }
        mismatch.missing = Column::ALL
            .into_iter()
            .filter(|column| positions[*column as usize] == usize::MAX)
            .collect();
        if mismatch != HeaderMismatch::default() {
            return Err(HeaderError::Columns(mismatch));
        }
        let mut columns = vec![None; header.len()];
        for column in Column::ALL {
            columns[positions[column as usize]] = Some(column);
        }
        Ok(SalesCsvReader {
            stopped: false,
            reader,
            positions,
            columns,
            width: header.len(),
            latest_sale_date,
            record: ByteRecord::new(),
            record_end: header_end,
            peeked: None,
            header: verbatim,
        })
    }

    /// The header line as written in the file, without its byte-order mark and line end.
    pub fn header_bytes(&self) -> &[u8] {
        &self.header
    }

    /// The row last returned by [`next`](Iterator::next) (valid or not) exactly as written in
    /// the file, quotes and quoted line breaks included, without its line end. Empty before
    /// the first row and after reading stopped on a row that ran on too long.
    pub fn raw_record(&self) -> Vec<u8> {
        let mut raw = Vec::new();
        self.append_raw_record(&mut raw);
        raw
    }

    /// Appends [`raw_record`](Self::raw_record) to `out`, sparing an allocation.
    pub fn append_raw_record(&self, out: &mut Vec<u8>) {
        if self.stopped {
            return;
        }
        let start = self.record.position().map_or(self.record_end, |p| p.byte());
        self.reader
            .get_ref()
            .append_verbatim(start, self.record_end, out);
    }

    /// Reads the next record into `self.record`, or takes the one read ahead.
    fn read_record(&mut self) -> csv::Result<bool> {
        let found = match self.peeked.take() {
            Some((record, found, end)) => {
                self.record = record;
                self.record_end = end;
                found
            }
            None => {
                let mut record = std::mem::take(&mut self.record);
                let found = self.read_next(&mut record);
                self.record = record;
                self.record_end = self.reader.position().byte();
                found
            }
        };
        // The bytes before this record are no longer needed.
        let start = self.record.position().map_or(self.record_end, |p| p.byte());
        self.reader.get_mut().forget_before(start);
        found
    }

    /// Reads the next record from the source, marking where it ends (for [`Capped`]).
    fn read_next(&mut self, record: &mut ByteRecord) -> csv::Result<bool> {
        let found = self.reader.read_byte_record(record);
        if found.is_ok() {
            let end = self.reader.position().byte();
            self.reader.get_mut().record_end = end;
        }
        found
    }

    /// True when no record follows the current one (it is read ahead and kept for later).
    fn at_end(&mut self) -> bool {
        let mut next = ByteRecord::new();
        let found = self.read_next(&mut next);
        let end = matches!(found, Ok(false));
        self.peeked = Some((next, found, self.reader.position().byte()));
        end
    }

    /// The Sale ID of the current record, when it has the header's width and the cell reads.
    fn readable_sale_id(&self) -> Option<SaleId> {
        if self.record.len() != self.width {
            return None;
        }
        let cell = self.record.get(self.positions[Column::SaleId as usize])?;
        SaleId::parse(std::str::from_utf8(cell).ok()?).ok()
    }

    /// A quoted field that runs across line ends and either leaves the row with the wrong
    /// number of fields or holds a whole row's worth of commas: a quote opened and never
    /// closed where it should have been. The problem names the line the quote opened on.
    fn unterminated_quote(&mut self, line: u64) -> Option<InputProblem> {
        // The first field spanning lines: the fields before it are on the row's first line.
        let (index, field) = self
            .record
            .iter()
            .enumerate()
            .find(|(_, field)| field.contains(&b'\n'))?;
        let starts_on = line;
        let commas = field.iter().filter(|b| **b == b',').count();
        let width_wrong = self.record.len() != self.width;
        if !width_wrong && commas + 1 < self.width {
            return None;
        }
        let end_line = line + self.record.iter().map(count_line_ends).sum::<u64>();
        let column = self.columns.get(index).copied().flatten();
        let detail = if self.at_end() {
            format!(
                "a quote opened on line {starts_on} is never closed (the field runs to the end of the file)"
            )
        } else if width_wrong {
            format!(
                "a quote opened on line {starts_on} runs on to line {end_line}, leaving the row with {} fields where the header has {}: is a closing quote missing? (unterminated quote starting on line {starts_on}?)",
                self.record.len(),
                self.width
            )
        } else {
            format!(
                "a quote opened on line {starts_on} runs on to line {end_line} and takes in a whole row's worth of commas: is a closing quote missing? (unterminated quote starting on line {starts_on}?)"
            )
        };
        Some(InputProblem {
            line: Some(line),
            column: column.map(|c| c.header().to_owned()),
            value: None,
            message: detail,
            sale_id: None,
        })
    }

    /// How many bytes of the source have been consumed so far.
    pub fn bytes_read(&self) -> u64 {
        match &self.peeked {
            Some((record, _, _)) => record.position().map_or(0, |p| p.byte()),
            None => self.reader.position().byte(),
        }
    }

    fn parse_record(&mut self, line: u64, bytes: u64) -> Result<SaleLine, InvalidRow> {
        let invalid = |sale_id, problems| InvalidRow {
            line,
            sale_id,
            problems,
        };
        if let Some(mut problem) = self.unterminated_quote(line) {
            let sale_id = self.readable_sale_id();
            problem.sale_id = sale_id;
            return Err(invalid(sale_id, vec![problem]));
        }
        if bytes > MAX_RECORD_BYTES as u64 {
            let sale_id = self.readable_sale_id();
            let mut problem = InputProblem::file(
                Some(line),
                format!(
                    "the row is {bytes} bytes long; a row may be at most {MAX_RECORD_BYTES} bytes"
                ),
            );
            problem.sale_id = sale_id;
            return Err(invalid(sale_id, vec![problem]));
        }
        if self.record.len() != self.width {
            let problem = InputProblem::file(
                Some(line),
                format!(
                    "the row has {} fields but the header has {}",
                    self.record.len(),
                    self.width
                ),
            );
            return Err(invalid(None, vec![problem]));
        }
        let mut cells = RowCells {
            record: &self.record,
            positions: &self.positions,
            line,
            problems: Vec::new(),
        };
        let sale_id = cells.parse(Column::SaleId, SaleId::parse);
        let latest = self.latest_sale_date;
        let date = cells.parse(Column::SaleDate, |t| SaleDate::parse(t, latest));
        let client_id = cells.parse(Column::ClientId, ClientId::parse);
        let location = cells.parse(Column::Location, Location::parse);
        let payment_method = cells.parse(Column::PaymentMethod, Label::parse);
        let product = cells.parse(Column::ItemName, ProductName::parse);
        let batch_number = cells.parse(Column::BatchNumber, |t| {
            crate::text::optional_cell(t)
                .map(BatchNumber::parse)
                .transpose()
        });
        let sales_notes = cells.parse(Column::SalesNotes, free_text);
        let notes = cells.parse(Column::Notes, Note::parse_optional);
        let color = cells.parse(Column::Color, Label::parse);
        let size = cells.parse(Column::Size, Label::parse);
        let unit_price = cells.parse(Column::ItemPrice, UnitPrice::parse);
        let quantity = cells.parse(Column::Quantity, Quantity::parse);
        let subtotal = cells.parse(Column::Subtotal, Money::parse);
        let discount_percent = cells.parse(Column::DiscountPercent, DiscountPercent::parse);
        let discount_amount = cells.parse(Column::DiscountAmount, Money::parse);
        let tax = cells.parse(Column::Tax, Money::parse);
        let total = cells.parse(Column::ItemTotal, Money::parse);
        let amount_paid = cells.parse(Column::TotalPaid, Money::parse);

        let mut problems = cells.problems;
        let (
            Some(sale_id_value),
            Some(date),
            Some(client_id),
            Some(location),
            Some(payment_method),
            Some(product),
            Some(batch_number),
            Some(sales_notes),
            Some(notes),
            Some(color),
            Some(size),
            Some(unit_price),
            Some(quantity),
            Some(subtotal),
            Some(discount_percent),
            Some(discount_amount),
            Some(tax),
            Some(total),
            Some(amount_paid),
        ) = (
            sale_id,
            date,
            client_id,
            location,
            payment_method,
            product,
            batch_number,
            sales_notes,
            notes,
            color,
            size,
            unit_price,
            quantity,
            subtotal,
            discount_percent,
            discount_amount,
            tax,
            total,
            amount_paid,
        )
        else {
            attribute(&mut problems, sale_id);
            return Err(invalid(sale_id, problems));
        };
        let fields = SaleLineFields {
            line,
            sale_id: sale_id_value,
            date,
            client_id,
            location,
            payment_method,
            product,
            batch_number,
            sales_notes,
            notes,
            color,
            size,
            unit_price,
            quantity,
            subtotal,
            discount_percent,
            discount_amount,
            tax,
            total,
            amount_paid,
        };
        SaleLine::new(fields).map_err(|rule_problems| {
            problems.extend(
                rule_problems
                    .into_iter()
                    .map(|p| field_problem(line, Some(sale_id_value), p)),
            );
            invalid(sale_id, problems)
        })
    }
}

impl<R: Read> Iterator for SalesCsvReader<R> {
    type Item = Result<SaleLine, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped {
            return None;
        }
        loop {
            let found = self.read_record();
            match found {
                Ok(false) => return None,
                Ok(true) if is_blank(&self.record) => continue,
                Ok(true) => {
                    let start = self
                        .record
                        .position()
                        .cloned()
                        .unwrap_or_else(csv::Position::new);
                    let bytes = self.reader.position().byte().saturating_sub(start.byte());
                    // The parser skips blank lines (LF alone) before a record without counting
                    // them in the record's position.
                    let blank = self.reader.get_ref().line_feeds_at(start.byte());
                    return Some(
                        self.parse_record(start.line() + blank, bytes)
                            .map_err(RowError::Invalid),
                    );
                }
                Err(error) if runs_on(&error) => {
                    self.stopped = true;
                    // The line after the last complete record.
                    let line = self.reader.position().line();
                    return Some(Err(RowError::TooLong { line }));
                }
                Err(error) => return Some(Err(RowError::Unreadable(into_io_error(error)))),
            }
        }
    }
}

struct RowCells<'a> {
    record: &'a ByteRecord,
    positions: &'a [usize; Column::ALL.len()],
    line: u64,
    problems: Vec<InputProblem>,
}

impl RowCells<'_> {
    fn parse<T>(
        &mut self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        let position = self.positions[column as usize];
        let mut bytes = self.record.get(position).unwrap_or_default();
        if position + 1 == self.record.len() {
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.problems.push(InputProblem {
                line: Some(self.line),
                column: Some(column.header().to_owned()),
                value: Some(echo(&String::from_utf8_lossy(bytes))),
                message: "is not valid UTF-8 text".to_owned(),
                sale_id: None,
            });
            return None;
        };
        match parse(formula::read(text)) {
            Ok(value) => Some(value),
            Err(error) => {
                self.problems.push(InputProblem {
                    line: Some(self.line),
                    column: Some(column.header().to_owned()),
                    value: Some(echo(text)),
                    message: error.to_string(),
                    sale_id: None,
                });
                None
            }
        }
    }
}

/// Refuses a header that cannot be the export's before reading its names: CR-only line ends,
/// too long, too wide. `end` is the byte just after the header line.
fn check_header_shape(header: &ByteRecord, end: u64) -> Result<(), HeaderError> {
    let last = header.len().saturating_sub(1);
    let inner_cr = header.iter().enumerate().any(|(index, cell)| {
        let cell = if index == last {
            cell.strip_suffix(b"\r").unwrap_or(cell)
        } else {
            cell
        };
        cell.contains(&b'\r')
    });
    if inner_cr {
        return Err(HeaderError::CrLineEnds);
    }
    if end > MAX_HEADER_BYTES as u64 {
        return Err(HeaderError::TooLong { bytes: end });
    }
    if header.len() > MAX_HEADER_COLUMNS {
        return Err(HeaderError::TooWide {
            columns: header.len(),
        });
    }
    Ok(())
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn count_line_ends(field: &[u8]) -> u64 {
    field.iter().filter(|b| **b == b'\n').count() as u64
}

/// A line holding nothing but its line end.
fn is_blank(record: &ByteRecord) -> bool {
    record.len() == 1 && record[0].iter().all(|b| b.is_ascii_whitespace())
}

fn attribute(problems: &mut [InputProblem], sale_id: Option<SaleId>) {
    for problem in problems {
        problem.sale_id = sale_id;
    }
}

fn field_problem(line: u64, sale_id: Option<SaleId>, problem: FieldProblem) -> InputProblem {
    InputProblem {
        line: Some(line),
        column: Some(problem.column.header().to_owned()),
        value: Some(problem.value),
        message: problem.message,
        sale_id,
    }
}

fn into_io_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header line of the export.
    const HEADER: crate::HeaderLine = crate::HeaderLine;

    /// A source that counts what is read from it.
    struct Counting<R> {
        inner: R,
        read: std::rc::Rc<std::cell::Cell<u64>>,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read.set(self.read.get() + n as u64);
            Ok(n)
        }
    }

    fn counting<R: Read>(inner: R) -> (Counting<R>, std::rc::Rc<std::cell::Cell<u64>>) {
        let read = std::rc::Rc::new(std::cell::Cell::new(0));
        (
            Counting {
                inner,
                read: read.clone(),
            },
            read,
        )
    }

    #[test]
    fn a_row_that_never_ends_is_refused_after_a_bounded_read() {
        let endless = format!("{HEADER}\n\"").into_bytes();
        let (source, read) = counting(endless.chain(io::repeat(b'a')));
        let mut rows = SalesCsvReader::new(source, NaiveDate::MAX).unwrap();
        match rows.next() {
            Some(Err(RowError::TooLong { line })) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        assert!(rows.next().is_none(), "reading stops");
        assert!(read.get() < 1024 * 1024, "read {} bytes", read.get());
    }

    #[test]
    fn a_header_that_never_ends_is_refused_after_a_bounded_read() {
        let (source, read) = counting(io::repeat(b'a'));
        let error = SalesCsvReader::new(source, NaiveDate::MAX).err();
        assert!(
            matches!(error, Some(HeaderError::TooLong { .. })),
            "{error:?}"
        );
        assert!(read.get() < 1024 * 1024, "read {} bytes", read.get());
    }

    /// A source whose every read fails, as a disk or a network can.
    struct Failing;

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "the source went away",
            ))
        }
    }

    #[test]
    fn a_header_that_cannot_be_read_is_an_io_error_not_a_text_problem() {
        let error = SalesCsvReader::new(Failing, NaiveDate::MAX)
            .err()
            .expect("nothing could be read");
        assert_eq!(error.to_string(), "cannot read the file");
        let cause = std::error::Error::source(&error)
            .and_then(|source| source.downcast_ref::<io::Error>())
            .map(io::Error::kind);
        assert_eq!(cause, Some(io::ErrorKind::ConnectionReset), "{error:?}");
    }

    #[test]
    fn a_large_file_with_cr_line_ends_is_still_said_to_have_them() {
        let text = format!("{HEADER}\r{}", "3/1/2025,1,2,x\r".repeat(50_000));
        let error = SalesCsvReader::new(text.as_bytes(), NaiveDate::MAX).err();
        assert!(matches!(error, Some(HeaderError::CrLineEnds)), "{error:?}");
    }
    const ROW: &str = "3/1/2025,100002649,3971,10 Practice Credits,---,,Golf - experience,,---,---,32,1,32,0,0,2.88,34.88,34.88,Credit card (AMEX-Keyed)";

    fn latest() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn read(text: &str) -> Vec<Result<SaleLine, InvalidRow>> {
        SalesCsvReader::new(text.as_bytes(), latest())
            .unwrap()
            .map(|row| match row {
                Ok(line) => Ok(line),
                Err(RowError::Invalid(row)) => Err(row),
                Err(e) => panic!("{e}"),
            })
            .collect()
    }

    fn only_problems(text: &str) -> Vec<String> {
        let rows = read(text);
        assert_eq!(rows.len(), 1);
        rows[0]
            .as_ref()
            .unwrap_err()
            .problems
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn reads_the_example_row() {
        let rows = read(&format!("{HEADER}\n{ROW}\n"));
        let line = rows[0].as_ref().unwrap();
        assert_eq!(line.line, 2);
        assert_eq!(line.sale_id.get(), 3971);
        assert_eq!(line.product.as_str(), "10 Practice Credits");
        assert_eq!(line.batch_number, None);
        assert_eq!(line.color, None);
        assert_eq!(line.total.to_string(), "34.88");
        assert_eq!(
            line.payment_method.as_ref().unwrap().as_str(),
            "Credit card (AMEX-Keyed)"
        );
    }

    #[test]
    fn accepts_bom_crlf_and_quoted_fields_with_commas() {
        let row = ROW.replace(",,Golf", ",\"Paid, in part\",Golf");
        let rows = read(&format!("\u{feff}{HEADER}\r\n{row}\r\n{ROW}\r\n"));
        assert_eq!(rows.len(), 2);
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.sales_notes.as_deref(), Some("Paid, in part"));
        assert_eq!(rows[1].as_ref().unwrap().line, 3);
    }

    #[test]
    fn accepts_columns_in_any_order() {
        let mut header = Column::ALL.map(Column::header);
        let mut row: Vec<&str> = ROW.split(',').collect();
        header.reverse();
        row.reverse();
        let rows = read(&format!("{}\n{}\n", header.join(","), row.join(",")));
        assert_eq!(rows[0].as_ref().unwrap().sale_id.get(), 3971);
    }

    #[test]
    fn counts_lines_as_an_editor_does_across_quoted_newlines() {
        let multi_line = ROW.replace(",,Golf", ",\"first\nsecond\",Golf");
        let rows = read(&format!("{HEADER}\n{multi_line}\n{ROW}\n"));
        assert_eq!(rows[0].as_ref().unwrap().line, 2);
        assert_eq!(rows[1].as_ref().unwrap().line, 4);
    }

    #[test]
    fn reports_every_bad_cell_of_a_row_with_line_column_and_value() {
        let row = ROW
            .replace("Golf - experience", "Gym")
            .replace("3/1/2025", "13/01/2025");
        let problems = only_problems(&format!("{HEADER}\n{row}\n"));
        assert_eq!(
            problems,
            vec![
                "line 2, column Sale Date: '13/01/2025' is not a calendar date",
                "line 2, column Location: 'Gym' is not a known location (Online Store or Golf - experience)",
            ]
        );
    }

    #[test]
    fn attributes_row_problems_to_the_sale_when_its_id_is_readable() {
        let row = ROW.replace("Golf - experience", "Gym");
        let rows = read(&format!("{HEADER}\n{row}\n"));
        let invalid = rows[0].as_ref().unwrap_err();
        assert_eq!(invalid.sale_id, Some(SaleId::new(3971).unwrap()));
        assert_eq!(invalid.problems[0].sale_id, invalid.sale_id);
    }

    #[test]
    fn reports_rows_with_the_wrong_number_of_fields() {
        let problems = only_problems(&format!("{HEADER}\n3/1/2025,1,2\n"));
        assert_eq!(
            problems,
            vec!["line 2: the row has 3 fields but the header has 19"]
        );
    }

    #[test]
    fn reports_broken_arithmetic_on_the_offending_column() {
        let row = ROW.replace(",34.88,34.88,", ",34.89,34.89,");
        let problems = only_problems(&format!("{HEADER}\n{row}\n"));
        assert_eq!(
            problems,
            vec![
                "line 2, column Item Total: '34.89' does not equal Subtotal − Discount amount + Tax (32 − 0 + 2.88 = 34.88)"
            ]
        );
    }

    #[test]
    fn names_every_missing_and_unknown_header_column() {
        let header = HEADER
            .to_string()
            .replace("Location,", "Branch,")
            .replace(",Tax,", ",");
        let error = SalesCsvReader::new(format!("{header}\n").as_bytes(), latest())
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "the header is missing the columns Location, Tax; the header has unknown columns 'Branch'"
        );
    }

    #[test]
    fn an_excel_workbook_is_named_with_how_to_save_it_as_csv() {
        // The first bytes of an .xlsx (a zip) and of an .xls (an OLE2 compound file), then
        // binary as such files hold: control characters, bytes that are not UTF-8.
        let xlsx: &[u8] = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01";
        let xls: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00\n\x00\x00";
        for (name, bytes) in [("xlsx", xlsx), ("xls", xls)] {
            let mut file = bytes.to_vec();
            file.extend(std::iter::repeat_n(b'\x03', 10_000));
            let error = SalesCsvReader::new(file.as_slice(), latest())
                .err()
                .unwrap();
            assert!(matches!(error, HeaderError::Excel), "{name}: {error:?}");
            assert_eq!(
                error.to_string(),
                "this is an Excel file, not a CSV file: save it as CSV (File > Save As > CSV UTF-8) and import that",
                "{name}"
            );
        }
        // A CSV file whose first cell happens to start with PK is read as CSV.
        let error = SalesCsvReader::new("PK,Sale Date\n".as_bytes(), latest())
            .err()
            .unwrap();
        assert!(matches!(error, HeaderError::Columns(_)), "{error:?}");
    }

    #[test]
    fn messages_people_read_have_no_backticks() {
        let header = HEADER
            .to_string()
            .replace("Location,", "Location,Location,Branch,");
        let header = SalesCsvReader::new(format!("{header}\n").as_bytes(), latest())
            .err()
            .unwrap()
            .to_string();
        let row = ROW.replace(",Golf - experience,", ",Gym,");
        let problems = only_problems(&format!("{HEADER}\n{row}\n")).join("\n");
        for message in [header, problems] {
            assert!(!message.contains('`'), "{message}");
        }
    }

    #[test]
    fn refuses_an_empty_file() {
        let error = SalesCsvReader::new("".as_bytes(), latest()).err().unwrap();
        assert!(matches!(error, HeaderError::Empty), "{error:?}");
    }

    #[test]
    fn skips_blank_lines_but_keeps_counting_them() {
        let rows = read(&format!("{HEADER}\n\n\n{ROW}\n"));
        assert_eq!(rows[0].as_ref().unwrap().line, 4, "LF line ends");
        let rows = read(&format!("{HEADER}\r\n\r\n{ROW}\r\n\r\n"));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].as_ref().unwrap().line, 3);
        let last = rows[0].as_ref().unwrap().payment_method.clone().unwrap();
        assert_eq!(last.as_str(), "Credit card (AMEX-Keyed)");
    }

    #[test]
    fn a_header_without_rows_yields_nothing() {
        assert!(read(&format!("{HEADER}\n")).is_empty());
    }

    #[test]
    fn echoes_a_few_dozen_characters_of_a_long_bad_value() {
        let long = "9".repeat(60_000);
        let row = ROW.replacen("3/1/2025", &format!("3/1/{long}"), 1);
        let rows = read(&format!("{HEADER}\n{row}\n"));
        let problem = &rows[0].as_ref().unwrap_err().problems[0];
        let value = problem.value.as_deref().unwrap();
        assert!(
            value.chars().count() <= crate::MAX_ECHO_CHARS + 40,
            "{value}"
        );
        assert!(value.ends_with("… (60004 bytes in all)"), "{value}");
    }

    #[test]
    fn names_a_bounded_number_of_unknown_header_columns_briefly() {
        let extra: Vec<String> = (0..40).map(|n| format!("{n}{}", "x".repeat(78))).collect();
        let header = format!("{HEADER},{}", extra.join(","));
        let error = SalesCsvReader::new(format!("{header}\n").as_bytes(), latest())
            .err()
            .unwrap();
        let message = error.to_string();
        assert!(message.len() < 1_000, "{} bytes", message.len());
        assert!(message.contains("and 30 more"), "{message}");
    }

    #[test]
    fn refuses_a_text_cell_longer_than_255_characters_naming_its_column() {
        for (column, name) in [
            ("Credit card (AMEX-Keyed)", "Payment Method"),
            ("10 Practice Credits", "Item name"),
        ] {
            let row = ROW.replace(column, &"P".repeat(1_000));
            let problems = only_problems(&format!("{HEADER}\n{row}\n"));
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].starts_with(&format!("line 2, column {name}: 'PPPP")),
                "{}",
                problems[0]
            );
            assert!(problems[0].ends_with("(1000 bytes in all)' is longer than 255 characters"));
        }
        let sales_notes = ROW.replace(",,Golf", &format!(",{},Golf", "n".repeat(256)));
        let problems = only_problems(&format!("{HEADER}\n{sales_notes}\n"));
        assert!(
            problems[0].starts_with("line 2, column Sales Notes: "),
            "{problems:?}"
        );
        let color = ROW.replace("---,---,32", &format!("{},---,32", "c".repeat(256)));
        let problems = only_problems(&format!("{HEADER}\n{color}\n"));
        assert!(
            problems[0].starts_with("line 2, column Color: "),
            "{problems:?}"
        );
    }

    #[test]
    fn refuses_a_nul_byte_or_control_character_in_any_text_cell_naming_its_column() {
        let cases = [
            (
                ROW.replace(",,Golf - experience,,", ",,Golf - experience,a\0b,"),
                "Notes",
            ),
            (ROW.replace(",,Golf", ",x\u{1}y,Golf"), "Sales Notes"),
            (ROW.replace("AMEX", "AM\0EX"), "Payment Method"),
            (ROW.replace("10 Practice", "10\u{7f}Practice"), "Item name"),
        ];
        for (row, column) in cases {
            let problems = only_problems(&format!("{HEADER}\n{row}\n"));
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].starts_with(&format!("line 2, column {column}: ")),
                "{problems:?}"
            );
            assert!(problems[0].contains("control character"), "{problems:?}");
            assert!(!problems[0].contains('\0'));
        }
        let tab = ROW.replace(",,Golf", ",a\tb,Golf");
        assert!(read(&format!("{HEADER}\n{tab}\n"))[0].is_ok());
    }

    #[test]
    fn refuses_a_bidi_control_in_an_item_name_naming_line_column_and_character() {
        let row = ROW.replace("10 Practice", "10 \u{202E}Practice");
        let problems = only_problems(&format!("{HEADER}\n{row}\n"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("line 2, column Item name: "),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("invisible character (U+202E)"),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("'10 \\u{202e}Practice"),
            "echoed escaped: {problems:?}"
        );
        assert!(!problems[0].contains('\u{202E}'));
    }

    #[test]
    fn only_note_columns_may_span_lines() {
        let note = ROW.replace(",,Golf", ",\"first\nsecond\",Golf");
        assert!(read(&format!("{HEADER}\n{note}\n"))[0].is_ok());
        let item = ROW.replace("10 Practice Credits", "\"10 Practice\nCredits\"");
        let problems = only_problems(&format!("{HEADER}\n{item}\n"));
        assert_eq!(
            problems,
            vec![
                "line 2, column Item name: '10 Practice\\nCredits' contains a line break (only Sales Notes and Notes may span lines)"
            ]
        );
    }

    fn header_error(text: &[u8]) -> String {
        SalesCsvReader::new(text, latest())
            .err()
            .unwrap()
            .to_string()
    }

    #[test]
    fn refuses_a_row_longer_than_64_kib_and_keeps_reading() {
        let long = ROW.replace(",,Golf", &format!(",\"{}\",Golf", "n, ".repeat(40_000)));
        let rows = read(&format!("{HEADER}\n{long}\n{ROW}\n"));
        assert_eq!(rows.len(), 2);
        let invalid = rows[0].as_ref().unwrap_err();
        let messages: Vec<String> = invalid.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec!["line 2: the row is 120132 bytes long; a row may be at most 65536 bytes"]
        );
        assert_eq!(invalid.sale_id, Some(SaleId::new(3971).unwrap()));
        assert!(rows[1].is_ok());
    }

    #[test]
    fn refuses_a_header_with_a_nul_byte_as_a_header_problem() {
        let header = HEADER.to_string().replace("Sale ID", "Sale\0ID");
        assert_eq!(
            header_error(format!("{header}\n{ROW}\n").as_bytes()),
            "the header's column 3 contains a control character (U+0000); a header holds only printable text"
        );
    }

    #[test]
    fn refuses_a_header_wider_or_longer_than_its_bounds() {
        let extra: Vec<String> = (0..100).map(|n| format!("c{n}")).collect();
        let wide = format!("{HEADER},{}", extra.join(","));
        assert_eq!(
            header_error(format!("{wide}\n").as_bytes()),
            "the header has 119 columns; at most 64 are read (the export has 19)"
        );
        let long = format!("{HEADER},{}", "x".repeat(10_000));
        assert_eq!(
            header_error(format!("{long}\n").as_bytes()),
            "the header line is 10232 bytes long; at most 4096 are read"
        );
    }

    #[test]
    fn detects_a_file_whose_lines_end_with_cr_alone() {
        let text = format!("{HEADER}\r{ROW}\r{ROW}\r");
        assert_eq!(
            header_error(text.as_bytes()),
            "the lines of the file end with CR alone (old Mac line ends); save it with LF or CRLF line ends"
        );
    }

    #[test]
    fn reports_a_quote_that_is_never_closed() {
        let open = ROW.replace(",,Golf", ",\"VIP,Golf");
        let rows = read(&format!("{HEADER}\n{ROW}\n{open}\n"));
        assert_eq!(rows.len(), 2);
        let problems: Vec<String> = rows[1]
            .as_ref()
            .unwrap_err()
            .problems
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            vec![
                "line 3, column Sales Notes: a quote opened on line 3 is never closed (the field runs to the end of the file)"
            ]
        );
    }

    #[test]
    fn a_stray_quote_never_merges_two_rows_silently() {
        let opened = ROW.replace(",,Golf", ",\"VIP,Golf");
        let closed = ROW
            .replace("3971", "3972")
            .replace(",,Golf", ",note\",Golf");
        let rows = read(&format!("{HEADER}\n{opened}\n{closed}\n{ROW}\n"));
        assert_eq!(rows.len(), 2, "the merged row, then the last");
        let invalid = rows[0].as_ref().unwrap_err();
        let messages: Vec<String> = invalid.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "line 2, column Sales Notes: a quote opened on line 2 runs on to line 3 and takes in a whole row's worth of commas: is a closing quote missing? (unterminated quote starting on line 2?)"
            ]
        );
        assert_eq!(rows[1].as_ref().unwrap().line, 4);
    }

    #[test]
    fn a_note_may_span_lines_and_hold_some_commas() {
        let note = ROW.replace(",,Golf", ",\"Paid, in part,\nsee batch, 4\",Golf");
        let rows = read(&format!("{HEADER}\n{note}\n"));
        assert_eq!(
            rows[0].as_ref().unwrap().sales_notes.as_deref(),
            Some("Paid, in part,\nsee batch, 4")
        );
    }

    /// Each row read (valid or not) with its raw bytes as the reader hands them out.
    fn raw_rows(text: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut reader = SalesCsvReader::new(text, latest()).unwrap();
        let mut rows = Vec::new();
        while let Some(row) = reader.next() {
            let line = match row {
                Ok(line) => line.line,
                Err(RowError::Invalid(row)) => row.line,
                Err(e) => panic!("{e}"),
            };
            rows.push((line, reader.raw_record()));
        }
        rows
    }

    fn raw(text: &str) -> Vec<u8> {
        text.as_bytes().to_vec()
    }

    #[test]
    fn hands_out_each_row_verbatim_without_its_crlf_line_end() {
        let quoted = ROW.replace(",,Golf", ",\"Paid, \"\"in part\"\"\",Golf");
        let rows = raw_rows(format!("{HEADER}\r\n{quoted}\r\n{ROW}\r\n").as_bytes());
        assert_eq!(rows, vec![(2, raw(&quoted)), (3, raw(ROW))]);
    }

    #[test]
    fn hands_out_a_row_with_a_quoted_line_break_whole() {
        let multi_line = ROW.replace(",,Golf", ",\"first\r\nsecond\",Golf");
        let rows = raw_rows(format!("{HEADER}\n{multi_line}\n{ROW}\n").as_bytes());
        assert_eq!(rows, vec![(2, raw(&multi_line)), (4, raw(ROW))]);
    }

    #[test]
    fn keeps_the_header_verbatim_without_its_byte_order_mark() {
        let header = HEADER.to_string().replace("Sale ID", " Sale ID ");
        let text = format!("\u{feff}{header}\r\n{ROW}\r\n");
        let reader = SalesCsvReader::new(text.as_bytes(), latest()).unwrap();
        assert_eq!(reader.header_bytes(), header.as_bytes());
        assert_eq!(raw_rows(text.as_bytes()), vec![(2, raw(ROW))]);
    }

    #[test]
    fn hands_out_the_last_row_without_a_line_end_and_skips_blank_lines() {
        let rows = raw_rows(format!("{HEADER}\n\n\r\n{ROW}\n\n{ROW}").as_bytes());
        assert_eq!(rows, vec![(4, raw(ROW)), (6, raw(ROW))]);
    }

    #[test]
    fn hands_out_a_row_merged_by_a_stray_quote_and_the_row_read_after_it() {
        let opened = ROW.replace(",,Golf", ",\"VIP,Golf");
        let closed = ROW
            .replace("3971", "3972")
            .replace(",,Golf", ",note\",Golf");
        let last = ROW.replace("3971", "3973");
        let rows = raw_rows(format!("{HEADER}\n{opened}\n{closed}\n{last}\n").as_bytes());
        assert_eq!(
            rows,
            vec![(2, raw(&format!("{opened}\n{closed}"))), (4, raw(&last))]
        );
        // A quote never closed: the row runs to the end, read ahead to tell so.
        let rows = raw_rows(format!("{HEADER}\n{ROW}\n{opened}\r\n").as_bytes());
        assert_eq!(rows, vec![(2, raw(ROW)), (3, raw(&opened))]);
    }

    #[test]
    fn hands_out_bytes_that_are_not_utf8_as_they_are() {
        let mut bytes = format!("{HEADER}\n").into_bytes();
        let mut row = ROW.as_bytes()[..ROW.len() - 1].to_vec();
        row.extend_from_slice(b"\xff\0");
        bytes.extend_from_slice(&row);
        bytes.push(b'\n');
        assert_eq!(raw_rows(&bytes), vec![(2, row)]);
    }

    #[test]
    fn keeps_no_more_than_the_current_record_and_its_read_ahead() {
        let text = format!("{HEADER}\n{}", format!("{ROW}\n").repeat(20_000));
        let mut reader = SalesCsvReader::new(text.as_bytes(), latest()).unwrap();
        let mut largest = 0;
        while let Some(row) = reader.next() {
            assert!(row.is_ok());
            largest = largest.max(reader.reader.get_ref().window.len());
        }
        assert!(largest <= 2 * 8 * 1024 + ROW.len(), "{largest} bytes kept");
    }

    #[test]
    fn hands_out_nothing_once_a_row_ran_on_and_reading_stopped() {
        let endless = format!("{HEADER}\n{ROW}\n\"").into_bytes();
        let source = endless.chain(io::repeat(b'a'));
        let mut rows = SalesCsvReader::new(source, NaiveDate::MAX).unwrap();
        assert!(rows.next().unwrap().is_ok());
        assert_eq!(rows.raw_record(), raw(ROW));
        assert!(matches!(rows.next(), Some(Err(RowError::TooLong { .. }))));
        assert!(rows.raw_record().is_empty());
        assert!(rows.reader.get_ref().window.len() < 1024 * 1024);
    }

    #[test]
    fn reports_text_that_is_not_utf8() {
        let mut bytes = format!("{HEADER}\n").into_bytes();
        bytes.extend_from_slice(&ROW.as_bytes()[..ROW.len() - 1]);
        bytes.extend_from_slice(b"\xff\n");
        let mut reader = SalesCsvReader::new(bytes.as_slice(), latest()).unwrap();
        let Some(Err(RowError::Invalid(row))) = reader.next() else {
            panic!("expected an invalid row");
        };
        assert_eq!(row.problems[0].column.as_deref(), Some("Payment Method"));
        assert_eq!(row.problems[0].message, "is not valid UTF-8 text");
    }
}
