//! Files that import themselves: a folder watched by polling. Each file that appears directly
//! in it is imported once it is complete, then moved to `imported/` or `rejected/` beside it
//! with its report (and its reject file, if lines were rejected). Which files were imported is
//! known by their bytes' SHA-256, in the database ([`WatchedFiles`]), so that restarts and
//! several watchers sharing the folder import each file once.
//!
//! A file is complete when its size and modification time have not changed for the settle
//! time (`ZINC_WATCH_SETTLE_MS`). Names starting with `.` or ending in `.part` are never read:
//! a writer may write under such a name and rename the file when done. Only regular files
//! directly in the folder are read (no symbolic links, no subfolders). Nothing is deleted.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tracing::{info, warn};
use zinc_application::{ImportRequest, ImportSales, NoProgress, READ_BUFFER_BYTES};
use zinc_domain::{FileDigest, ImportId, ImportMode, ImportReport, ImportSource, ImportStatus};
use zinc_ports::{FileClaim, ImportHistory, SalesLedger, WatchedFiles};
use zinc_web::api::ImportReportBody;
use zinc_web::api::metrics::Monitoring;

/// Where imported files go, inside the watched folder.
pub const IMPORTED_DIR: &str = "imported";
/// Where rejected files go, inside the watched folder.
pub const REJECTED_DIR: &str = "rejected";
/// The name ending of a file still being written (never read).
pub const PART_SUFFIX: &str = ".part";
/// Appended to a moved file's name for its report.
pub const REPORT_SUFFIX: &str = ".report.json";
/// Appended to a moved file's name for its reject file.
pub const REJECTS_SUFFIX: &str = ".rejected.csv";
/// The most numbered names tried when a name is taken in `imported/` or `rejected/`.
const MAX_SUFFIX: u32 = 10_000;

/// How a folder is watched.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    /// The folder.
    pub dir: PathBuf,
    /// Strict or skip-invalid.
    pub mode: ImportMode,
    /// How often the folder is listed.
    pub interval: Duration,
    /// How long a file's size and modification time must stay the same before it is read.
    pub settle: Duration,
    /// The largest file read, in bytes (the API's upload limit); a larger one is rejected
    /// unread.
    pub max_bytes: u64,
}

/// The ports a watcher works through.
#[derive(Clone)]
pub struct WatchPorts {
    /// Where imports write.
    pub ledger: Arc<dyn SalesLedger>,
    /// The record of imports (for an already-imported file's report and reject files).
    pub history: Arc<dyn ImportHistory>,
    /// Claims on files' bytes.
    pub claims: Arc<dyn WatchedFiles>,
    /// The metrics `zinc serve` exposes (none for `zinc watch`).
    pub monitoring: Option<Arc<Monitoring>>,
}

/// What became of one file, as its report (`NAME.report.json`) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Imported now (every sale, or in skip-invalid mode the valid ones).
    Imported,
    /// Imported now and refused: nothing was written.
    Rejected,
    /// The same bytes were handled before: `import` is that import.
    AlreadyImported,
    /// Larger than the upload limit: not read.
    TooLarge,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Imported => "imported",
            Outcome::Rejected => "rejected",
            Outcome::AlreadyImported => "already_imported",
            Outcome::TooLarge => "too_large",
        }
    }
}

/// The report written beside a moved file.
#[derive(Debug, Serialize)]
pub struct WatchReport {
    /// The file's name as it was dropped.
    pub file_name: String,
    /// Its name in `imported/` or `rejected/` (numbered if the name was taken).
    pub moved_to: String,
    /// What became of it.
    pub outcome: Outcome,
    /// In words.
    pub message: String,
    /// SHA-256 of its bytes (absent when too large to read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The import's report, as the API gives it (`GET /api/v1/imports/{id}`): this file's
    /// import, or the earlier one of the same bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<ImportReportBody>,
}

/// A file seen in an earlier listing, unchanged since `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sighting {
    size: u64,
    modified: Option<SystemTime>,
    since: Instant,
}

/// A watcher of one folder.
pub struct Watcher {
    settings: WatchSettings,
    ports: WatchPorts,
    sightings: HashMap<PathBuf, Sighting>,
}

/// Why a file was passed over this time (it stays for a later listing or another watcher).
#[derive(Debug)]
enum PassedOver {
    /// It disappeared (another watcher moved it, or its writer).
    Gone,
    /// Another watcher is importing the same bytes.
    Busy,
}

impl Watcher {
    /// A watcher of `settings.dir` through `ports`.
    pub fn new(settings: WatchSettings, ports: WatchPorts) -> Self {
        Watcher {
            settings,
            ports,
            sightings: HashMap::new(),
        }
    }

    /// Watches until `stop` completes, listing the folder every interval. Errors of one
    /// listing (the folder unreachable, the database down) are logged and the next listing
    /// tries again; a file is moved only once its import is recorded.
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) {
        if let Some(monitoring) = &self.ports.monitoring {
            monitoring.watch_started();
        }
        info!(
            dir = %self.settings.dir.display(),
            mode = self.settings.mode.as_str(),
            interval_ms = self.settings.interval.as_millis() as u64,
            settle_ms = self.settings.settle.as_millis() as u64,
            "watching for files to import"
        );
        tokio::pin!(stop);
        loop {
            if let Err(error) = self.look().await {
                warn!(dir = %self.settings.dir.display(), error = %error, "cannot list the watched folder; trying again");
            }
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep(self.settings.interval) => {}
            }
        }
        info!("stopped watching");
    }

    /// Lists the folder once and handles every complete file.
    pub async fn look(&mut self) -> io::Result<()> {
        let dir = self.settings.dir.clone();
        fs::create_dir_all(dir.join(IMPORTED_DIR))?;
        fs::create_dir_all(dir.join(REJECTED_DIR))?;
        let now = Instant::now();
        let mut listed = HashMap::new();
        for entry in fs::read_dir(&dir)? {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name.ends_with(PART_SUFFIX) {
                continue;
            }
            // The entry's own type: a symbolic link is not followed.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if !kind.is_file() {
                continue;
            }
            let Ok(metadata) = entry.metadata() else {
                continue; // Gone since listed.
            };
            let seen = Sighting {
                size: metadata.len(),
                modified: metadata.modified().ok(),
                since: now,
            };
            let path = entry.path();
            let kept = match self.sightings.get(&path) {
                Some(before) if before.size == seen.size && before.modified == seen.modified => {
                    *before
                }
                _ => seen,
            };
            listed.insert(path, kept);
        }
        self.sightings = listed;
        let mut ready: Vec<PathBuf> = self
            .sightings
            .iter()
            .filter(|(_, seen)| now.duration_since(seen.since) >= self.settings.settle)
            .map(|(path, _)| path.clone())
            .collect();
        ready.sort();
        for path in ready {
            match self.handle(&path).await {
                Ok(Ok((outcome, message))) => {
                    self.sightings.remove(&path);
                    info!(file = %path.display(), outcome = outcome.as_str(), "{message}");
                }
                Ok(Err(PassedOver::Gone)) => {
                    self.sightings.remove(&path);
                    info!(file = %path.display(), "watched file disappeared before it was read; skipped");
                }
                Ok(Err(PassedOver::Busy)) => {
                    info!(file = %path.display(), "another watcher is importing this file; left to it");
                }
                Err(error) => {
                    warn!(file = %path.display(), error = %zinc_error(error.as_ref()), "watched file not handled; trying again later");
                }
            }
        }
        Ok(())
    }

    /// Imports (or recognises) one complete file and moves it.
    async fn handle(&self, path: &Path) -> anyhow::Result<Result<(Outcome, String), PassedOver>> {
        let name = file_name(path);
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Err(PassedOver::Gone));
            }
            Err(error) => return Err(error.into()),
        };
        self.count(|m| m.watch_file_seen());
        if metadata.len() > self.settings.max_bytes {
            let Some(moved) = self.move_to(path, REJECTED_DIR)? else {
                return Ok(Err(PassedOver::Gone));
            };
            let report = WatchReport {
                file_name: name,
                moved_to: moved.display_name(),
                outcome: Outcome::TooLarge,
                message: format!(
                    "not read: {} bytes is more than the limit of {} bytes (ZINC_MAX_UPLOAD_BYTES)",
                    metadata.len(),
                    self.settings.max_bytes
                ),
                sha256: None,
                import: None,
            };
            moved.write_report(&report)?;
            self.count(|m| m.watch_file_rejected());
            return Ok(Ok((Outcome::TooLarge, report.message)));
        }
        let digest = match digest_of(path, self.settings.max_bytes) {
            Ok(digest) => digest,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Err(PassedOver::Gone));
            }
            Err(error) => return Err(error.into()),
        };
        match self.ports.claims.claim(&digest).await? {
            FileClaim::Busy => Ok(Err(PassedOver::Busy)),
            FileClaim::Seen(id) => self.already_imported(path, name, &digest, id).await,
            FileClaim::Claimed(claim) => {
                let outcome = self.import(path, name, &digest).await;
                // Released whatever happened: an import that failed is tried again later.
                claim.release().await?;
                outcome
            }
        }
    }

    async fn import(
        &self,
        path: &Path,
        name: String,
        digest: &FileDigest,
    ) -> anyhow::Result<Result<(Outcome, String), PassedOver>> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Err(PassedOver::Gone));
            }
            Err(error) => return Err(error.into()),
        };
        // Never more than the limit, should the file grow after all.
        let source =
            BufReader::with_capacity(READ_BUFFER_BYTES, file.take(self.settings.max_bytes));
        let request = ImportRequest::new(
            name.clone(),
            source,
            self.settings.mode,
            ImportSource::Watch,
        );
        let report = ImportSales::new(self.ports.ledger.clone())
            .import(request, &NoProgress)
            .await?;
        if report.sha256 != digest.as_str() {
            warn!(file = %name, "the file changed while it was imported: its report has the digest of what was read");
        }
        let (outcome, folder) = match report.status {
            ImportStatus::Succeeded => (Outcome::Imported, IMPORTED_DIR),
            ImportStatus::Rejected => (Outcome::Rejected, REJECTED_DIR),
        };
        let message = match outcome {
            Outcome::Imported if report.partly_imported() => format!(
                "partly imported as import {}: {} of {} rows; the rejected lines are in the reject file",
                report.id, report.counts.rows_imported, report.counts.rows_total
            ),
            Outcome::Imported => format!(
                "imported as import {}: {} rows",
                report.id, report.counts.rows_total
            ),
            _ => format!(
                "rejected as import {}: nothing was written ({} problem(s))",
                report.id,
                report.problems.total()
            ),
        };
        match outcome {
            Outcome::Imported => self.count(|m| m.watch_file_imported(Utc::now().timestamp())),
            _ => self.count(|m| m.watch_file_rejected()),
        }
        self.file_away(path, name, folder, outcome, message, &report)
            .await
    }

    async fn already_imported(
        &self,
        path: &Path,
        name: String,
        digest: &FileDigest,
        id: ImportId,
    ) -> anyhow::Result<Result<(Outcome, String), PassedOver>> {
        let earlier = self.ports.history.find_import(id).await?.ok_or_else(|| {
            anyhow::anyhow!("import {id} is recorded for these bytes but cannot be read")
        })?;
        let folder = match earlier.status {
            ImportStatus::Succeeded => IMPORTED_DIR,
            ImportStatus::Rejected => REJECTED_DIR,
        };
        let message = format!(
            "already imported: these bytes (SHA-256 {digest}) are import {id} of {} ({}); not imported again",
            earlier.file_name,
            earlier.status.as_str()
        );
        self.count(|m| m.watch_file_already_imported());
        self.file_away(
            path,
            name,
            folder,
            Outcome::AlreadyImported,
            message,
            &earlier,
        )
        .await
    }

    /// Moves the file to `folder` and writes its report and reject file beside it.
    async fn file_away(
        &self,
        path: &Path,
        name: String,
        folder: &str,
        outcome: Outcome,
        message: String,
        report: &ImportReport,
    ) -> anyhow::Result<Result<(Outcome, String), PassedOver>> {
        let Some(moved) = self.move_to(path, folder)? else {
            return Ok(Err(PassedOver::Gone));
        };
        // The reject file first: the report's appearing says that all is there.
        if !report.rejected_lines.is_empty()
            && let Some(rejects) = self.ports.history.rejected_lines(report.id).await?
        {
            let mut out = Vec::new();
            rejects.lines.write_csv(&mut out)?;
            moved.write_beside(REJECTS_SUFFIX, &out)?;
        }
        let moved_to = moved.display_name();
        moved.write_report(&WatchReport {
            file_name: name,
            moved_to: moved_to.clone(),
            outcome,
            message: message.clone(),
            sha256: Some(report.sha256.clone()),
            import: Some(ImportReportBody::from_report(report, true)),
        })?;
        Ok(Ok((outcome, format!("{message}; moved to {moved_to}"))))
    }

    /// Moves `path` into the folder `folder` beside it, under its own name or, when that is
    /// taken, the first free numbered one (`sales-2.csv`); `None` when the file is gone.
    fn move_to(&self, path: &Path, folder: &str) -> io::Result<Option<Moved>> {
        let target_dir = self.settings.dir.join(folder);
        let name = file_name(path);
        for n in 1..=MAX_SUFFIX {
            let target = target_dir.join(numbered(&name, n));
            match place(path, &target) {
                Ok(()) => return Ok(Some(Moved { path: target })),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::other(format!(
            "{MAX_SUFFIX} files named {name} are in {}",
            target_dir.display()
        )))
    }

    fn count(&self, what: impl FnOnce(&Monitoring)) {
        if let Some(monitoring) = &self.ports.monitoring {
            what(monitoring);
        }
    }
}

/// Moves `from` to `to` without ever replacing a file at `to` (AlreadyExists then): a hard
/// link is made (refused when `to` exists), then the old name removed. Where hard links are
/// not supported, a rename after checking that `to` is free.
fn place(from: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => fs::remove_file(from),
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::AlreadyExists | io::ErrorKind::NotFound
            ) =>
        {
            Err(error)
        }
        Err(_) => {
            if fs::symlink_metadata(to).is_ok() {
                return Err(io::ErrorKind::AlreadyExists.into());
            }
            fs::rename(from, to)
        }
    }
}

/// `name` the first time, then `stem-n.ext`.
fn numbered(name: &str, n: u32) -> String {
    if n == 1 {
        return name.to_owned();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{n}.{ext}"),
        _ => format!("{name}-{n}"),
    }
}

/// A file moved to `imported/` or `rejected/`.
struct Moved {
    path: PathBuf,
}

impl Moved {
    fn display_name(&self) -> String {
        self.path
            .parent()
            .and_then(Path::file_name)
            .map(|folder| format!("{}/{}", folder.to_string_lossy(), file_name(&self.path)))
            .unwrap_or_else(|| file_name(&self.path))
    }

    fn write_report(&self, report: &WatchReport) -> io::Result<()> {
        let mut text = serde_json::to_vec_pretty(report).map_err(io::Error::other)?;
        text.push(b'\n');
        self.write_beside(REPORT_SUFFIX, &text)
    }

    /// Writes `bytes` to the moved file's name followed by `suffix`, never over a file.
    fn write_beside(&self, suffix: &str, bytes: &[u8]) -> io::Result<()> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(suffix);
        let mut file = File::options().write(true).create_new(true).open(name)?;
        file.write_all(bytes)?;
        file.sync_all()
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The SHA-256 of the file at `path`, reading at most `max_bytes`.
fn digest_of(path: &Path, max_bytes: u64) -> io::Result<FileDigest> {
    let mut file = File::open(path)?.take(max_bytes);
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    FileDigest::parse(&hex).ok_or_else(|| io::Error::other("a SHA-256 is 64 hex digits"))
}

fn zinc_error(error: &(dyn std::error::Error + 'static)) -> String {
    crate::commands::one_line(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_name_is_numbered_before_its_extension() {
        assert_eq!(numbered("sales.csv", 1), "sales.csv");
        assert_eq!(numbered("sales.csv", 2), "sales-2.csv");
        assert_eq!(numbered("sales", 3), "sales-3");
        assert_eq!(numbered(".hidden", 2), ".hidden-2");
    }

    #[test]
    fn placing_a_file_never_replaces_one_already_there() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("new.csv"), dir.path().join("old.csv"));
        fs::write(&from, "new").unwrap();
        fs::write(&to, "old").unwrap();
        let error = place(&from, &to).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&to).unwrap(), "old");
        assert_eq!(fs::read_to_string(&from).unwrap(), "new");
    }
}
