//! The columns of a point-of-sale export.

use std::fmt;

/// The header line of the reference export: every column's header in [`Column::ALL`]'s order,
/// comma separated, without a line end; written by `Display`.
///
/// ```
/// use zinc_domain::HeaderLine;
///
/// assert!(HeaderLine.to_string().starts_with("Sale Date,Client ID,Sale ID,"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderLine;

impl fmt::Display for HeaderLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, column) in Column::ALL.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            f.write_str(column.header())?;
        }
        Ok(())
    }
}

/// One column of the export, named as its header spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)] // each variant is documented by its header text
pub enum Column {
    SaleDate,
    ClientId,
    SaleId,
    ItemName,
    BatchNumber,
    SalesNotes,
    Location,
    Notes,
    Color,
    Size,
    ItemPrice,
    Quantity,
    Subtotal,
    DiscountPercent,
    DiscountAmount,
    Tax,
    ItemTotal,
    TotalPaid,
    PaymentMethod,
}

impl Column {
    /// Every column, in the order of the reference export.
    pub const ALL: [Column; 19] = [
        Column::SaleDate,
        Column::ClientId,
        Column::SaleId,
        Column::ItemName,
        Column::BatchNumber,
        Column::SalesNotes,
        Column::Location,
        Column::Notes,
        Column::Color,
        Column::Size,
        Column::ItemPrice,
        Column::Quantity,
        Column::Subtotal,
        Column::DiscountPercent,
        Column::DiscountAmount,
        Column::Tax,
        Column::ItemTotal,
        Column::TotalPaid,
        Column::PaymentMethod,
    ];

    /// The header text of the column.
    pub fn header(self) -> &'static str {
        match self {
            Column::SaleDate => "Sale Date",
            Column::ClientId => "Client ID",
            Column::SaleId => "Sale ID",
            Column::ItemName => "Item name",
            Column::BatchNumber => "Batch #",
            Column::SalesNotes => "Sales Notes",
            Column::Location => "Location",
            Column::Notes => "Notes",
            Column::Color => "Color",
            Column::Size => "Size",
            Column::ItemPrice => "Item price (excluding tax)",
            Column::Quantity => "Quantity",
            Column::Subtotal => "Subtotal (excluding tax)",
            Column::DiscountPercent => "Discount %",
            Column::DiscountAmount => "Discount amount",
            Column::Tax => "Tax",
            Column::ItemTotal => "Item Total",
            Column::TotalPaid => "Total Paid w/ Payment Method",
            Column::PaymentMethod => "Payment Method",
        }
    }

    /// Finds the column a header cell names: case, surrounding spaces, repeated inner
    /// spaces and a byte-order mark are ignored.
    pub fn from_header(text: &str) -> Option<Column> {
        let wanted = normalize(text);
        Column::ALL
            .into_iter()
            .find(|column| normalize(column.header()) == wanted)
    }
}

/// The columns the reject file puts before the file's own: each rejected line's number and the
/// reason it was rejected. The reader knows them and skips them, so that a reject file imports
/// as it is.
pub const REJECT_FILE_COLUMNS: [&str; 2] = ["Line", "Reason"];

/// Whether a header cell names one of [`REJECT_FILE_COLUMNS`] (compared as
/// [`Column::from_header`] compares).
pub fn is_reject_file_column(text: &str) -> bool {
    let wanted = normalize(text);
    REJECT_FILE_COLUMNS
        .iter()
        .any(|name| normalize(name) == wanted)
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header())
    }
}

fn normalize(text: &str) -> String {
    text.trim_start_matches('\u{feff}')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_headers_loosely() {
        assert_eq!(
            Column::from_header("\u{feff}Sale Date"),
            Some(Column::SaleDate)
        );
        assert_eq!(Column::from_header(" batch  # "), Some(Column::BatchNumber));
        assert_eq!(Column::from_header("Sale Day"), None);
    }

    #[test]
    fn every_header_maps_back_to_its_column() {
        for column in Column::ALL {
            assert_eq!(Column::from_header(column.header()), Some(column));
        }
    }
}
