//! `zinc import FILE... [--skip-invalid] [--dry-run]`: for each file (`-` is standard input) a progress
//! bar, then a summary and the problems.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use zinc_application::{
    ImportObserver, ImportPhase, ImportProgress, ImportRequest, ImportSales, READ_BUFFER_BYTES,
};
use zinc_domain::{ImportMode, ImportReport, ImportStatus};
use zinc_ports::WriteStep;
use zinc_postgres::Database;

use super::database::open_migrated;
use super::exit::ExitStatus;
use crate::config::Config;

/// How many problems the terminal shows; all of them are stored with the import.
const PROBLEMS_SHOWN: usize = 50;

/// Where an import reads from: a file, or standard input (`-`).
#[derive(Debug)]
pub(super) enum Source<'a> {
    /// A file on disk.
    File(&'a Path),
    /// Standard input, recorded as `stdin`.
    Stdin,
}

impl<'a> Source<'a> {
    fn of(path: &'a Path) -> Self {
        if path == Path::new("-") {
            Source::Stdin
        } else {
            Source::File(path)
        }
    }

    /// Refuses a path that cannot be imported, before anything touches the database.
    fn check(&self) -> anyhow::Result<()> {
        if let Source::File(path) = self {
            if path.is_dir() {
                anyhow::bail!("{} is a directory, not a CSV file", path.display());
            }
            File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        }
        Ok(())
    }

    /// The name recorded with the import.
    fn name(&self) -> String {
        match self {
            Source::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            Source::Stdin => "stdin".to_owned(),
        }
    }

    /// The bytes to read, with their size when known.
    fn open(&self) -> anyhow::Result<(Box<dyn Read + Send>, Option<u64>)> {
        Ok(match self {
            Source::File(path) => {
                let file =
                    File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                let size = file.metadata().map(|m| m.len()).ok();
                (Box::new(file), size)
            }
            Source::Stdin => (Box::new(std::io::stdin()), None),
        })
    }
}

/// Imports each file in turn, each with its report; exits with the worst outcome (could not
/// run, then rejected, then partly imported).
pub(super) async fn run(
    config: &Config,
    paths: &[PathBuf],
    skip_invalid: bool,
    dry_run: bool,
) -> anyhow::Result<ExitStatus> {
    let sources: Vec<Source> = paths.iter().map(|p| Source::of(p)).collect();
    // Check every file first: a typo should neither create a database nor import half the list.
    for source in &sources {
        source.check()?;
    }
    let db = open_migrated(config).await?;
    let mut worst = ExitStatus::Success;
    for (index, source) in sources.iter().enumerate() {
        if index > 0 {
            println!();
        }
        let started = Instant::now();
        let report = match import_file(config, &db, source, skip_invalid, dry_run).await {
            Ok(report) => report,
            Err(error) => {
                db.close().await.ok();
                return Err(error);
            }
        };
        print_report(&report, started.elapsed());
        let status = match report.status {
            ImportStatus::Succeeded if report.counts.sales_rejected > 0 => ExitStatus::Partial,
            ImportStatus::Succeeded => ExitStatus::Success,
            ImportStatus::Rejected => ExitStatus::Rejected,
        };
        worst = worst.worse(status);
    }
    db.close().await.ok();
    Ok(worst)
}

/// Imports one source through `db`, showing progress on a terminal.
pub(super) async fn import_file(
    config: &Config,
    db: &Database,
    source: &Source<'_>,
    skip_invalid: bool,
    dry_run: bool,
) -> anyhow::Result<ImportReport> {
    let (input, size) = source.open()?;
    let mode = if skip_invalid {
        ImportMode::SkipInvalid
    } else {
        ImportMode::Strict
    };
    let request = ImportRequest {
        dry_run,
        ..ImportRequest::new(
            source.name(),
            BufReader::with_capacity(READ_BUFFER_BYTES, input),
            mode,
            zinc_domain::ImportSource::Cli,
        )
    };
    let progress = ProgressDisplay::new(size);
    let report = ImportSales::new(super::database::ledger(config, db))
        .import(request, &progress)
        .await;
    progress.clear();
    report.context("the import failed; nothing was written")
}

/// A progress bar on standard error, drawn only when it is a terminal, in two phases: the
/// bytes read (with their rate and the time left), then the sales written, step by step, with
/// an estimated rate and time left. It is cleared before the report is printed.
struct ProgressDisplay {
    bar: ProgressBar,
    /// Whether the writing phase began (the bar then counts sales).
    writing: AtomicBool,
}

/// The first phase, when the file's size is known.
const READING: &str = "{msg:>16} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}";
/// The first phase from standard input (no size).
const READING_UNSIZED: &str = "{spinner} {msg:>14} {bytes} {binary_bytes_per_sec} {elapsed}";
/// The second phase. It moves step by step (comparing, writing orders, items, rollups), so
/// a rate or a time left would jump about: it says the time spent instead.
const WRITING: &str = "{msg:>16} [{bar:30}] {human_pos}/{human_len} sales, {elapsed} so far";

impl ProgressDisplay {
    fn new(size: Option<u64>) -> Self {
        Self::drawn_on(size, ProgressDrawTarget::stderr())
    }

    fn drawn_on(size: Option<u64>, target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(size, target);
        bar.set_style(style(if size.is_some() {
            READING
        } else {
            READING_UNSIZED
        }));
        bar.set_message("reading rows");
        bar.enable_steady_tick(Duration::from_millis(200));
        ProgressDisplay {
            bar,
            writing: AtomicBool::new(false),
        }
    }

    fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl ImportObserver for ProgressDisplay {
    fn progress(&self, progress: ImportProgress) {
        match progress.phase {
            ImportPhase::Reading => self.bar.set_position(progress.bytes_read),
            ImportPhase::Writing => {
                if !self.writing.swap(true, Ordering::Relaxed) {
                    // A new phase: its own length, rate and time left.
                    self.bar.reset();
                    self.bar.set_style(style(WRITING));
                    self.bar.set_length(progress.sales);
                }
                let written = progress.sales * u64::from(progress.written_percent.min(100)) / 100;
                self.bar.set_position(written);
                // The step under way: the one after the step that just ended.
                let next = match progress.step {
                    None => WriteStep::ALL.first(),
                    Some(done) => WriteStep::ALL
                        .iter()
                        .skip_while(|step| **step != done)
                        .nth(1),
                };
                self.bar
                    .set_message(next.map_or("written", |step| step.as_str()));
            }
        }
    }
}

fn print_report(report: &ImportReport, took: Duration) {
    let c = &report.counts;
    let verdict = match report.status {
        ImportStatus::Succeeded => "imported".to_owned(),
        ImportStatus::Rejected if report.mode == ImportMode::Strict => {
            "REJECTED: nothing was written (strict mode; --skip-invalid imports the valid sales)"
                .to_owned()
        }
        ImportStatus::Rejected => "REJECTED: nothing was written".to_owned(),
    };
    if report.dry_run {
        let verdict = match report.status {
            ImportStatus::Succeeded => "would be imported",
            ImportStatus::Rejected => "would be REJECTED",
        };
        println!(
            "Dry run of {}: {verdict}; nothing was written",
            report.file_name
        );
    } else {
        println!("Import #{} of {}: {verdict}", report.id, report.file_name);
    }
    // Counts with grouped digits, as people read them: 1,661.
    let n = HumanCount;
    // The mode in words, with the option that chose it.
    let mode = match report.mode {
        ImportMode::Strict => "strict (any invalid row rejects the file)",
        ImportMode::SkipInvalid => "valid sales only (--skip-invalid)",
    };
    println!("  mode      {mode}");
    println!(
        "  rows      {} read, {} imported, {} rejected",
        n(c.rows_total),
        n(c.rows_imported),
        n(c.rows_rejected)
    );
    println!(
        "  sales     {} in file, {} rejected",
        n(c.sales_total),
        n(c.sales_rejected)
    );
    println!(
        "  orders    {} created, {} updated, {} unchanged",
        n(c.orders_created),
        n(c.orders_updated),
        n(c.orders_unchanged)
    );
    println!(
        "  products  {} created, {} updated",
        n(c.products_created),
        n(c.products_updated)
    );
    if !report.replaced_sales.is_empty() {
        let listed: Vec<String> = report
            .replaced_sales
            .iter()
            .map(ToString::to_string)
            .collect();
        let more = c.orders_updated.saturating_sub(listed.len() as u64);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        println!("  replaced  Sale IDs {}{more}", listed.join(", "));
    }
    println!("  sha256    {}", report.sha256);
    println!("  took      {:.2} s", took.as_secs_f64());
    let rejected = report.rejected_lines;
    if !rejected.is_empty() {
        let omitted = match rejected.omitted {
            0 => String::new(),
            n => format!(" ({n} more rejected line(s) not kept)"),
        };
        if report.dry_run {
            println!(
                "  reject    {} line(s){omitted}; a dry run keeps no reject file",
                rejected.kept
            );
        } else {
            println!(
                "  reject    {} line(s) kept verbatim with their reasons{omitted}: {}",
                n(rejected.kept),
                super::imports::rejected_command(report.id)
            );
        }
    }
    if report.status == ImportStatus::Succeeded && c.sales_rejected > 0 {
        println!(
            "Partly imported: {} sale(s) rejected, the valid ones written (exit code 4).",
            c.sales_rejected
        );
    } else if report.status == ImportStatus::Succeeded
        && c.rows_imported > 0
        && report.changed_nothing()
        && !report.dry_run
    {
        println!("No changes: every sale was already stored exactly as in this file.");
    }
    let total = report.problems.total();
    if total > 0 {
        println!("Problems ({total}):");
        for problem in report.problems.problems().iter().take(PROBLEMS_SHOWN) {
            println!("  {problem}");
        }
        let shown = report.problems.problems().len().min(PROBLEMS_SHOWN) as u64;
        if total > shown {
            if report.dry_run {
                println!("  ... and {} more", total - shown);
            } else {
                println!(
                    "  ... and {} more (the first {} are stored with import #{})",
                    total - shown,
                    report.problems.problems().len(),
                    report.id
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use indicatif::InMemoryTerm;

    use super::*;

    fn at(phase: ImportPhase, bytes_read: u64, step: Option<WriteStep>) -> ImportProgress {
        ImportProgress {
            phase,
            bytes_read,
            rows_read: 10,
            sales: 1_000,
            step,
            written_percent: step.map_or(0, WriteStep::done_percent),
        }
    }

    #[test]
    fn the_bar_shows_bytes_read_then_sales_written_and_time_spent_and_leaves_no_line() {
        let term = InMemoryTerm::new(4, 140);
        let display = ProgressDisplay::drawn_on(
            Some(2_000),
            ProgressDrawTarget::term_like(Box::new(term.clone())),
        );
        display.progress(at(ImportPhase::Reading, 500, None));
        display.bar.force_draw();
        let reading = term.contents();
        assert!(reading.contains("reading rows"), "{reading}");
        assert!(reading.contains("500 B/1.95 KiB"), "{reading}");
        assert!(reading.contains("ETA"), "{reading}");

        display.progress(at(ImportPhase::Writing, 2_000, None));
        display.bar.force_draw();
        let started = term.contents();
        assert!(started.contains("comparing sales"), "{started}");
        assert!(started.contains("0/1,000 sales"), "{started}");

        display.progress(at(ImportPhase::Writing, 2_000, Some(WriteStep::Orders)));
        display.bar.force_draw();
        let writing = term.contents();
        assert!(writing.contains("writing items"), "{writing}");
        assert!(writing.contains("350/1,000 sales"), "{writing}");
        assert!(writing.contains(" sales, 0s so far"), "{writing}");
        assert!(!writing.contains("/s"), "no rate of steps: {writing}");
        assert!(
            !writing.contains("ETA"),
            "no time left that climbs: {writing}"
        );

        display.progress(at(ImportPhase::Writing, 2_000, Some(WriteStep::Rollups)));
        display.bar.force_draw();
        assert!(term.contents().contains("1,000/1,000 sales"));

        display.clear();
        assert_eq!(term.contents(), "", "the bar leaves no line behind");
    }

    #[test]
    fn standard_input_has_no_size_so_the_bar_counts_bytes_without_an_end() {
        let term = InMemoryTerm::new(4, 140);
        let display =
            ProgressDisplay::drawn_on(None, ProgressDrawTarget::term_like(Box::new(term.clone())));
        display.progress(at(ImportPhase::Reading, 3_000, None));
        display.bar.force_draw();
        let reading = term.contents();
        assert!(reading.contains("reading rows 2.93 KiB"), "{reading}");
        display.clear();
        assert_eq!(term.contents(), "");
    }
}
