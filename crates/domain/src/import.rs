//! The vocabulary of an import: its mode, outcome and report.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::identifiers::store_id;
use crate::{KeyName, ProblemLog, RejectedLineCounts, SaleId};

store_id!(
    /// The number the store gives an import.
    ImportId
);

/// What to do with a file that has invalid rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Any invalid row rejects the whole file: nothing is written.
    #[default]
    Strict,
    /// Every valid sale is written; a sale with any invalid line is rejected whole.
    SkipInvalid,
}

impl ImportMode {
    /// The name stored and shown for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::Strict => "strict",
            ImportMode::SkipInvalid => "skip_invalid",
        }
    }
}

/// Which door an import came through: recorded with it, shown in the import history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportSource {
    /// `zinc import` (or `zinc serve --import`).
    Cli,
    /// An upload to the HTTP API (or the dashboard).
    Api,
    /// A file dropped into a watched folder (`zinc watch`, or `ZINC_WATCH_DIR`).
    Watch,
}

impl ImportSource {
    /// Every source, in the order they are listed.
    pub const ALL: [ImportSource; 3] = [ImportSource::Cli, ImportSource::Api, ImportSource::Watch];

    /// The name stored and shown for the source.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportSource::Cli => "cli",
            ImportSource::Api => "api",
            ImportSource::Watch => "watch",
        }
    }

    /// The source named `name` ([`ImportSource::as_str`]), if any.
    pub fn parse(name: &str) -> Option<ImportSource> {
        ImportSource::ALL
            .into_iter()
            .find(|source| source.as_str() == name)
    }
}

/// The SHA-256 of a file's bytes, as 64 lowercase hexadecimal digits: what an import records
/// ([`ImportReport::sha256`]) and how a watched folder knows a file it has seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileDigest(String);

impl FileDigest {
    /// The digest written as `hex`: 64 hexadecimal digits (upper case is lowered); `None`
    /// otherwise.
    pub fn parse(hex: &str) -> Option<FileDigest> {
        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| FileDigest(hex.to_ascii_lowercase()))
    }

    /// The 64 lowercase hexadecimal digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FileDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How an import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// The valid sales were written (all of them, in strict mode).
    Succeeded,
    /// Nothing was written; the report says why.
    Rejected,
}

impl ImportStatus {
    /// The name stored and shown for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Succeeded => "succeeded",
            ImportStatus::Rejected => "rejected",
        }
    }
}

/// What an import counted and changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ImportCounts {
    /// Data rows in the file (the header excluded).
    pub rows_total: u64,
    /// Rows belonging to sales that were written or found unchanged.
    pub rows_imported: u64,
    /// Rows not imported: invalid rows and every row of a rejected sale.
    pub rows_rejected: u64,
    /// Distinct sales in the file (rows whose Sale ID was unreadable excluded).
    pub sales_total: u64,
    /// Sales not imported because one of their lines was invalid.
    pub sales_rejected: u64,
    /// Orders written for sales the store did not have.
    pub orders_created: u64,
    /// Orders replaced because the file's version of the sale differs.
    pub orders_updated: u64,
    /// Orders the file repeats exactly.
    pub orders_unchanged: u64,
    /// Products seen for the first time.
    pub products_created: u64,
    /// Products whose price changed because of a more recent sale.
    pub products_updated: u64,
    /// Orders removed: a revert's of the sales the import it reverts created (zero for an
    /// import of a file).
    pub orders_removed: u64,
    /// Products removed: a revert's of the products the import it reverts created that
    /// nothing uses any more (zero for an import of a file).
    pub products_removed: u64,
}

/// How an import stands to reverts: the import it reverts, when it is a revert (a revert reads
/// no file: its counts are what it put back, `orders_updated` and `products_updated`, and what
/// it removed), and the revert that reverted it, if one did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RevertLinks {
    /// The import this record is the revert of.
    pub reverts: Option<ImportId>,
    /// The revert that reverted this import.
    pub reverted_by: Option<ImportId>,
}

/// The record of one import attempt, successful or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The store's number for the attempt.
    pub id: ImportId,
    /// The file name as given by the user.
    pub file_name: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Strict or skip-invalid.
    pub mode: ImportMode,
    /// Succeeded or rejected.
    pub status: ImportStatus,
    /// What was counted and changed.
    pub counts: ImportCounts,
    /// Every problem found (in detail up to a bound).
    pub problems: ProblemLog,
    /// When the import started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// The name of the API key that asked for it (`None` from the command line).
    pub requested_by: Option<KeyName>,
    /// Which door it came through; `None` for imports recorded before sources were.
    pub source: Option<ImportSource>,
    /// True for a dry run: every check ran and the counts say what the import would change,
    /// but nothing was written or recorded.
    pub dry_run: bool,
    /// The Sale IDs of the orders replaced (or, in a dry run, that would be): the first
    /// [`REPLACED_SALES_LISTED`] by Sale ID; `counts.orders_updated` counts them all.
    pub replaced_sales: Vec<SaleId>,
    /// How many rejected lines its reject file keeps (verbatim, with their reasons), and how
    /// many it does not have; both zero when nothing was rejected.
    pub rejected_lines: RejectedLineCounts,
    /// The import it reverts (a revert's record) and the revert that reverted it.
    pub revert: RevertLinks,
}

/// How many replaced Sale IDs a report lists.
pub const REPLACED_SALES_LISTED: usize = 100;

impl ImportReport {
    /// True when the file was refused before any row was read: empty, or a header that does
    /// not name the export's columns.
    pub fn refused_whole_file(&self) -> bool {
        self.status == ImportStatus::Rejected && self.counts.rows_total == 0
    }

    /// True when the import wrote nothing new: every sale was already stored as in the file.
    pub fn changed_nothing(&self) -> bool {
        let c = &self.counts;
        c.orders_created + c.orders_updated + c.products_created + c.products_updated == 0
    }

    /// True when the import went through but rejected some lines: in
    /// [`ImportMode::SkipInvalid`], the valid sales were written (or, in a dry run, would be)
    /// and the sales with problems were not.
    pub fn partly_imported(&self) -> bool {
        self.status == ImportStatus::Succeeded && self.counts.rows_rejected > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(status: ImportStatus, rows_rejected: u64) -> ImportReport {
        ImportReport {
            id: ImportId::new(1),
            file_name: "sales.csv".to_owned(),
            sha256: String::new(),
            mode: ImportMode::SkipInvalid,
            status,
            counts: ImportCounts {
                rows_total: 10,
                rows_rejected,
                ..ImportCounts::default()
            },
            problems: ProblemLog::new(),
            started_at: DateTime::UNIX_EPOCH,
            finished_at: DateTime::UNIX_EPOCH,
            requested_by: None,
            source: Some(ImportSource::Cli),
            dry_run: false,
            replaced_sales: Vec::new(),
            rejected_lines: RejectedLineCounts::default(),
            revert: RevertLinks::default(),
        }
    }

    #[test]
    fn a_digest_is_64_hexadecimal_digits_kept_in_lower_case() {
        let upper = "AB".repeat(32);
        assert_eq!(FileDigest::parse(&upper).unwrap().as_str(), "ab".repeat(32));
        assert_eq!(FileDigest::parse(&"ab".repeat(31)), None);
        assert_eq!(FileDigest::parse(&"zz".repeat(32)), None);
    }

    #[test]
    fn each_source_is_read_back_from_its_stored_name() {
        for source in ImportSource::ALL {
            assert_eq!(ImportSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(ImportSource::parse("ftp"), None);
    }

    #[test]
    fn an_import_that_went_through_with_rejected_lines_is_partial() {
        assert!(report(ImportStatus::Succeeded, 2).partly_imported());
        assert!(!report(ImportStatus::Succeeded, 0).partly_imported());
        assert!(!report(ImportStatus::Rejected, 2).partly_imported());
    }
}
