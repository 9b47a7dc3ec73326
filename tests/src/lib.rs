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

/// Reads a CSV export with the plain `csv` crate.
pub fn expected_from(path: &Path) -> Expected {
    let mut reader = csv::Reader::from_path(path).expect("open the CSV");
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
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
