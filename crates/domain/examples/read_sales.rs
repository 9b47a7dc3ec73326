//! Reads an export with [`SalesCsvReader`] and prints how long it took: the reading cost alone,
//! without a store (`cargo run --release -p zinc-domain --example read_sales -- FILE`).

use std::time::Instant;

use chrono::NaiveDate;
use zinc_domain::SalesCsvReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: read_sales FILE")?;
    let file = std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(path)?);
    let started = Instant::now();
    let (mut valid, mut invalid) = (0u64, 0u64);
    for row in SalesCsvReader::new(file, NaiveDate::MAX)? {
        match row {
            Ok(_) => valid += 1,
            Err(_) => invalid += 1,
        }
    }
    println!(
        "{valid} valid, {invalid} invalid rows in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
