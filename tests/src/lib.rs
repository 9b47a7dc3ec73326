//! Support for Zinc's end-to-end tests: the built `zinc` binary, the shared sample data and an
//! independent reading of CSV files to check results against.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rust_decimal::Decimal;

/// The `zinc` binary built alongside these tests.
pub fn zinc_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    // target/<profile>/deps/<test> -> target/<profile>/zinc
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let binary = profile_dir.join(format!("zinc{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p zinc-app` (cargo test --workspace does)",
        binary.display()
    );
    binary
}

/// Runs `zinc` with `args` against the database at `database_url`.
pub fn zinc(database_url: &str, args: &[&str]) -> Output {
    Command::new(zinc_binary())
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run zinc")
}

/// The `shared/` folder beside the repository.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// The real export.
pub fn real_export() -> PathBuf {
    shared_dir().join("data/zinc-sales.csv")
}

/// Writes a synthetic export of `rows` rows with the shared generator.
pub fn generate_sales(rows: usize, seed: u64, into: &Path) {
    let output = Command::new("python3")
        .arg(shared_dir().join("tools/gen_sales.py"))
        .args([rows.to_string(), "--seed".into(), seed.to_string()])
        .output()
        .expect("run python3 shared/tools/gen_sales.py");
    assert!(
        output.status.success(),
        "gen_sales.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(into, output.stdout).expect("write the generated file");
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

/// A `zinc serve` process on a free port, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
}

impl Server {
    /// Starts `zinc serve ARGS` against `database_url` and waits until it listens.
    pub fn start(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(zinc_binary())
            .arg("serve")
            .args(args)
            .env("DATABASE_URL", database_url)
            .env("ZINC_BIND", "127.0.0.1:0")
            .env("RUST_LOG", "warn,zinc_app::commands=info")
            .env("ZINC_LOG_FORMAT", "pretty")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start zinc serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        let base_url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(at) = line.find("listening on http://") {
                        let rest = &line[at + "listening on ".len()..];
                        let end = rest.find([' ', '"']).unwrap_or(rest.len());
                        break rest[..end].to_owned();
                    }
                    seen.push(line);
                }
                _ => {
                    let _ = child.kill();
                    panic!("zinc serve stopped before listening:\n{}", seen.join("\n"));
                }
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
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
