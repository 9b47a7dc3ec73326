//! Reads an export with [`SalesCsvReader`] and prints how long it took: the reading cost alone,
//! without a store. With `--raw`, each row's text is also copied out as an import does to keep
//! its reject file (`cargo run --release -p zinc-domain --example read_sales -- FILE [--raw]`).

use std::time::Instant;

use chrono::NaiveDate;
use zinc_domain::SalesCsvReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: read_sales FILE [--raw]")?;
    let copy_raw = args.next().as_deref() == Some("--raw");
    let file = std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(path)?);
    let started = Instant::now();
    let (mut valid, mut invalid) = (0u64, 0u64);
    let mut rows = SalesCsvReader::new(file, NaiveDate::MAX)?;
    let mut run = Vec::new();
    while let Some(row) = rows.next() {
        match row {
            Ok(_) => valid += 1,
            Err(_) => invalid += 1,
        }
        if copy_raw {
            // A run of a few lines, as a sale's.
            if valid.is_multiple_of(4) {
                run.clear();
            }
            rows.append_raw_record(&mut run);
        }
    }
    println!(
        "{valid} valid, {invalid} invalid rows in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
