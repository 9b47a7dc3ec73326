//! Support for Zinc's end-to-end tests (they live beside the binary, in `crates/app/tests`):
//! the `zinc` binary run as a user runs it, a `zinc serve` on a free port, synthetic exports,
//! and an independent reading of CSV files to check results against.
//!
//! ```no_run
//! use zinc_e2e::Zinc;
//!
//! // In a test of the crate that builds the binary: Zinc::at(env!("CARGO_BIN_EXE_zinc")).
//! const ZINC: Zinc = Zinc::at("target/debug/zinc");
//! let output = ZINC.run("postgres://postgres@127.0.0.1:5432/zinc", &["migrate", "status"]);
//! assert!(output.status.success());
//! ```

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use rust_decimal::Decimal;

pub use zinc_testkit::{real_export, real_export_path};

/// The line `zinc serve` prints on standard output, once per address, when it accepts
/// connections (documented in `zinc serve --help`).
pub const LISTENING_PREFIX: &str = "listening on ";

/// The `zinc` binary under test.
#[derive(Debug, Clone, Copy)]
pub struct Zinc {
    binary: &'static str,
}

impl Zinc {
    /// The binary at `binary`: pass `env!("CARGO_BIN_EXE_zinc")`.
    pub const fn at(binary: &'static str) -> Zinc {
        Zinc { binary }
    }

    /// A command for the binary against the database at `database_url`, logging errors only.
    pub fn command(&self, database_url: &str) -> Command {
        let mut command = Command::new(self.binary);
        command
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "error");
        command
    }

    /// Runs `zinc ARGS` against the database at `database_url` and waits for it.
    pub fn run(&self, database_url: &str, args: &[&str]) -> Output {
        self.command(database_url)
            .args(args)
            .output()
            .expect("run zinc")
    }

    /// Starts `zinc serve ARGS` on a free port against `database_url`, with `env` added.
    pub fn serve(&self, database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::start(self.command(database_url), args, env)
    }
}

/// Writes a synthetic export of `rows` rows, a year from 2024-01-01, with `seed`.
pub fn generate_sales(rows: usize, seed: u64, into: &Path) {
    generate(
        &zinc_testkit::SalesSpec {
            seed,
            ..zinc_testkit::SalesSpec::new(rows as u64)
        },
        into,
    );
}

/// Writes the synthetic export `spec` describes into `into`.
pub fn generate(spec: &zinc_testkit::SalesSpec, into: &Path) {
    let file = std::fs::File::create(into).expect("create the generated file");
    zinc_testkit::write_sales(spec, std::io::BufWriter::new(file))
        .expect("write the generated file");
}

/// Writes a file holding one sale (Sale ID 77 on 3/1/2025, Online Store) of `lines` lines under
/// the real export's header: `Item 1`, `Item 2`... in that order, each one unit at 1.00 plus
/// 0.09 tax. Gives the sale's total.
pub fn one_long_sale(lines: usize, into: &Path) -> Decimal {
    let export = std::fs::read_to_string(real_export_path()).expect("read the real export");
    let header = export.lines().next().expect("the real export's header");
    let mut text = format!("{header}\r\n");
    for n in 1..=lines {
        text.push_str(&format!(
            "3/1/2025,100002649,77,Item {n},---,,Online Store,,---,---,1.00,1,1.00,0,0,0.09,1.09,1.09,Cash\r\n"
        ));
    }
    std::fs::write(into, text).expect("write the file");
    Decimal::new(109, 2) * Decimal::from(lines)
}

/// What a file should import as, computed without Zinc's code.
#[derive(Debug, PartialEq, Eq)]
pub struct Expected {
    /// Data rows.
    pub rows: u64,
    /// Distinct Sale IDs.
    pub sales: u64,
    /// Distinct trimmed item names.
    pub products: u64,
    /// Sum of the Item Total column.
    pub total: Decimal,
}

/// Where column `name` stands in `headers` (a byte-order mark before the first name ignored).
fn column_index(headers: &csv::StringRecord, name: &str) -> usize {
    headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == name)
        .unwrap_or_else(|| panic!("column {name}"))
}

/// Reads a CSV export with the plain `csv` crate.
pub fn expected_from(path: &Path) -> Expected {
    let mut reader = csv::Reader::from_path(path).expect("open the CSV");
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| column_index(&headers, name);
    let (sale, item, total) = (column("Sale ID"), column("Item name"), column("Item Total"));
    let mut sales = HashSet::new();
    let mut products = HashSet::new();
    let mut sum = Decimal::ZERO;
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("record");
        rows += 1;
        sales.insert(record[sale].to_owned());
        products.insert(record[item].trim().to_owned());
        sum += record[total].parse::<Decimal>().expect("Item Total");
    }
    Expected {
        rows,
        sales: sales.len() as u64,
        products: products.len() as u64,
        total: sum,
    }
}

/// One sale of a file, read without Zinc's code.
#[derive(Debug, Clone)]
pub struct FileSale {
    /// The Sale ID.
    pub sale_id: i64,
    /// Its date (month-first in the file).
    pub date: chrono::NaiveDate,
    /// Its location.
    pub location: String,
    /// Sum of its rows' Item Total.
    pub total: Decimal,
    /// Its rows: trimmed item name, quantity, Item Total.
    pub items: Vec<(String, i64, Decimal)>,
}

/// Every sale of a CSV export, by Sale ID.
pub fn sales_from(path: &Path) -> std::collections::BTreeMap<i64, FileSale> {
    let mut reader = csv::Reader::from_path(path).expect("open the CSV");
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| column_index(&headers, name);
    let [date, sale, item, location, quantity, total] = [
        "Sale Date",
        "Sale ID",
        "Item name",
        "Location",
        "Quantity",
        "Item Total",
    ]
    .map(column);
    let mut sales = std::collections::BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("record");
        let parts: Vec<u32> = record[date]
            .split('/')
            .map(|p| p.parse().expect("a month-first date"))
            .collect();
        let day = chrono::NaiveDate::from_ymd_opt(parts[2] as i32, parts[0], parts[1])
            .expect("a calendar date");
        let amount: Decimal = record[total].parse().expect("Item Total");
        let sale_id: i64 = record[sale].parse().expect("Sale ID");
        let entry = sales.entry(sale_id).or_insert_with(|| FileSale {
            sale_id,
            date: day,
            location: record[location].to_owned(),
            total: Decimal::ZERO,
            items: Vec::new(),
        });
        entry.total += amount;
        entry.items.push((
            record[item].trim().to_owned(),
            record[quantity].parse().expect("Quantity"),
            amount,
        ));
    }
    sales
}

/// A `zinc serve` process on a free port, killed when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
}

impl Server {
    fn start(mut command: Command, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = command
            .arg("serve")
            .args(args)
            .env("ZINC_BIND", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .env("ZINC_LOG_FORMAT", "pretty")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zinc serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        // Keep draining stderr so the server never blocks on a full pipe; keep it for a
        // failure message.
        let log = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });
        let mut lines = BufReader::new(stdout).lines();
        let Some(Ok(first)) = lines.next() else {
            let _ = child.kill();
            let _ = child.wait();
            let log = log.join().unwrap_or_default();
            panic!("zinc serve stopped before listening:\n{}", log.join("\n"));
        };
        let base_url = first
            .strip_prefix(LISTENING_PREFIX)
            .unwrap_or_else(|| panic!("unexpected first line of zinc serve: {first}"))
            .to_owned();
        std::thread::spawn(move || for _ in lines {});
        Server { child, base_url }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the process to exit; its exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        self.child.wait().expect("wait for zinc serve").code()
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
