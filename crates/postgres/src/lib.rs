//! # zinc-postgres
//!
//! The PostgreSQL adapter for Zinc's ports, on sea-orm: [`PostgresLedger`] implements
//! `zinc_ports::SalesLedger` (imports), [`PostgresQueries`] the read-side ports (history,
//! products, orders, revenue, health), [`PostgresRollups`] the upkeep of the rollups the
//! revenue figures read, [`PostgresDataVersions`] the sales data's version (remembered while a
//! listener keeps it current), [`PostgresApiKeys`] the API keys, [`PostgresKeyChanges`] the
//! changes to them (heard by a listener), [`Replication`] the choice between a read replica and
//! the primary (and the replica's status), [`PostgresWatchedFiles`] the claims of files in
//! watched folders, and [`database`] connects, creates
//! a missing database and applies migrations. sea-orm types stay inside this crate; callers
//! see domain and port types only.
#![warn(missing_docs)]

mod api_keys;
pub mod database;
mod error;
mod imports;
mod key_changes;
mod ledger;
pub mod lookups;
mod queries;
pub mod replica;
mod rollups;
mod sessions;
mod sql;
mod versions;
mod watched;

pub use api_keys::PostgresApiKeys;
pub use database::{Database, DatabaseError};
pub use key_changes::{KEY_CHANNEL, PostgresKeyChanges};
pub use ledger::PostgresLedger;
pub use queries::{PostgresQueries, ReadBounds};
pub use replica::{ReplicaSettings, Replication};
pub use rollups::PostgresRollups;
pub use versions::{MAX_REMEMBERED, PostgresDataVersions, VERSION_CHANNEL};
pub use watched::PostgresWatchedFiles;
