//! # zinc-domain
//!
//! The vocabulary of Zinc, a sales-data service: point-of-sale exports come in as CSV rows,
//! each row becomes a validated [`SaleLine`], the lines sharing a Sale ID become a [`Sale`]
//! (stored as an order with its items), and every product gets the price of its most recent
//! sale ([`LatestPrices`]).
//!
//! The crate is pure: no I/O beyond reading from any [`std::io::Read`] you hand it, no
//! database, no web types. Every value type has a validating constructor, so a value that
//! exists is valid: a [`Money`] is exact and never rounded, a [`SaleDate`] is never in the
//! future, a [`Location`] is one of the two sales channels, a [`ProductName`] is trimmed and
//! at most 255 characters.
//!
//! ```
//! use chrono::NaiveDate;
//! use zinc_domain::{Sale, SaleGrouper, SalesCsvReader};
//!
//! let csv = "\
//! Sale Date,Client ID,Sale ID,Item name,Batch #,Sales Notes,Location,Notes,Color,Size,Item price (excluding tax),Quantity,Subtotal (excluding tax),Discount %,Discount amount,Tax,Item Total,Total Paid w/ Payment Method,Payment Method
//! 3/1/2025,100002154,3965,Club set rental,---,,Golf - experience,,---,---,2,1,2,0,0,0.18,2.18,2.18,Credit card (AMEX-Keyed)
//! 03/01/2025,100002154,3965,30 Mins Practice Credit ,---,,Golf - experience,,---,---,8,1,8,0,0,0.72,8.72,8.72,Credit card (AMEX-Keyed)
//! ";
//! let latest_sale_date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
//! let reader = SalesCsvReader::new(csv.as_bytes(), latest_sale_date)?;
//! let lines = reader.collect::<Result<Vec<_>, _>>()?;
//!
//! let mut grouper = SaleGrouper::new();
//! assert!(grouper.push(lines).is_empty()); // the sale may go on in the next batch
//! let sale = Sale::assemble(grouper.finish().unwrap()).expect("consistent lines");
//!
//! assert_eq!(sale.sale_id().get(), 3965);
//! assert_eq!(sale.total().to_string(), "10.90");
//! assert_eq!(sale.lines()[1].product.as_str(), "30 Mins Practice Credit");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod api_key;
mod column;
pub mod formula;
mod identifiers;
mod import;
mod location;
mod money;
mod order;
pub mod plain;
mod pricing;
mod problem;
mod product;
mod query;
mod rejected;
mod revenue;
mod sale;
mod sale_date;
mod sale_line;
mod sales_csv;
mod sales_export;
mod series;
mod session_token;
mod text;
mod value_error;

pub use api_key::{
    ApiKey, KEY_CHARS, KEY_PREFIX, KEY_RANDOM_BYTES, KeyDigest, KeyError, KeyFormat, KeyName,
    KeyScope, KeySecret, LEGACY_KEY_CHARS, MAX_KEY_NAME_CHARS, MAX_PRESENTED_KEY_BYTES,
};
pub use column::{Column, HeaderLine, REJECT_FILE_COLUMNS, is_reject_file_column};
pub use identifiers::{BatchNumber, ClientId, Quantity, SaleId};
pub use import::{
    FileDigest, ImportCounts, ImportId, ImportMode, ImportReport, ImportSource, ImportStatus,
    REPLACED_SALES_LISTED, RevertLinks,
};
pub use location::Location;
pub use money::{DiscountPercent, MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS, Money, UnitPrice};
pub use order::{Order, OrderId, OrderItem, OrderWithItemPage, OrderWithItems};
pub use pricing::{LatestPrices, PriceRank, ProductPrice, price_since};
pub use problem::{
    InputProblem, MAX_ECHO_CHARS, MAX_MESSAGE_CHARS, MAX_REJECTED_BYTES, MAX_REJECTED_LINES,
    MAX_REPORTED_PROBLEM_BYTES, MAX_REPORTED_PROBLEMS, ProblemLog, echo,
};
pub use product::{Product, ProductId};
pub use query::{
    DateBounds, DateRange, LAST_WRITABLE_DAY, OrderFilter, Page, Paged, ProductFilter, QueryError,
};
pub use rejected::{
    RejectFile, RejectedLine, RejectedLineCounts, RejectedLines, row_reason, sale_reason,
};
pub use revenue::{
    AVERAGE_DECIMAL_PLACES, DailyProductSales, DailyRevenue, ProductSales, ProductTotals, RankBy,
    RevenueTotals,
};
pub use sale::{Sale, SaleGrouper};
pub use sale_date::{SaleDate, latest_sale_date};
pub use sale_line::{FieldProblem, SaleLine, SaleLineFields};
pub use sales_csv::{
    HeaderError, HeaderMismatch, InvalidRow, MAX_HEADER_BYTES, MAX_HEADER_COLUMNS,
    MAX_LISTED_HEADER_NAMES, MAX_RECORD_BYTES, RowError, SalesCsvReader,
};
pub use sales_export::{EXPORT_DATE_FORMAT, SalesExportWriter, export_cell};
pub use series::{
    DAILY_UP_TO, Interval, MAX_PERIODS, Period, RangeBasis, SeriesRange, WEEKLY_UP_TO,
};
pub use session_token::{
    SESSION_RANDOM_BYTES, SESSION_TOKEN_CHARS, SESSIONS_PER_KEY, SessionDigest, SessionToken,
    SessionTokenError,
};
pub use text::{Label, MAX_TEXT_CHARS, NO_VALUE, Note, ProductName, optional_cell};
pub use value_error::ValueError;
