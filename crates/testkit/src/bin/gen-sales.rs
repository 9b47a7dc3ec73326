//! `gen-sales ROWS [--seed N] [--start YYYY-MM-DD] [--days N] [--products N] > sales.csv`
//!
//! Writes a synthetic point-of-sale export of ROWS data rows to standard output; see
//! [`zinc_testkit::gen_sales`] for its shape. The same arguments always give the same bytes.

use std::io;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{CommandFactory, Parser, error::ErrorKind};
use zinc_testkit::gen_sales::{SalesSpec, write_sales};

/// Writes a synthetic point-of-sale export (Zinc's sales CSV layout) to standard output.
#[derive(Debug, Parser)]
#[command(name = "gen-sales", version)]
struct Cli {
    /// How many data rows to write (the header not counted).
    rows: u64,
    /// Seed of the random stream: the same arguments always give the same file.
    #[arg(long, default_value_t = SalesSpec::default().seed)]
    seed: u64,
    /// The first day sales may fall on (YYYY-MM-DD).
    #[arg(long, default_value_t = SalesSpec::default().start, value_parser = parse_date)]
    start: NaiveDate,
    /// How many days, from --start, sales fall on.
    #[arg(long, default_value_t = SalesSpec::default().days)]
    days: u32,
    /// How many distinct products are sold (1 to 218450).
    #[arg(long, default_value_t = SalesSpec::default().products)]
    products: usize,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| "expected a date as YYYY-MM-DD, such as 2024-01-01".to_owned())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let spec = SalesSpec {
        rows: cli.rows,
        seed: cli.seed,
        start: cli.start,
        days: cli.days,
        products: cli.products,
    };
    if let Err(error) = spec.check() {
        Cli::command()
            .error(ErrorKind::ValueValidation, error)
            .exit();
    }
    // Flushed by `write_sales`, which reports the errors a drop would swallow.
    let out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match write_sales(&spec, out) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader stopped early (`gen-sales 1000 | head`): it asked for no more.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gen-sales: cannot write to standard output: {error}");
            ExitCode::FAILURE
        }
    }
}
