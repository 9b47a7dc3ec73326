//! Files kept in the repository for tests.

use std::path::PathBuf;

/// The real point-of-sale export kept in the repository, `data/zinc-sales.csv` (CRLF line
/// ends, 1,661 rows, 1,408 sales, 80 products, Item Totals summing to 64509.982). Its quirks
/// are the import's rules: see `data/README.md`.
pub fn real_export_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/zinc-sales.csv"
    ))
}

/// The text of [`real_export_path`].
pub fn real_export() -> String {
    let path = real_export_path();
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read the real export {}: {e}", path.display()))
}
