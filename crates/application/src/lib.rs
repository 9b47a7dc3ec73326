//! # zinc-application
//!
//! Zinc's use cases, generic over the ports of `zinc-ports`. Every door into Zinc (the CLI,
//! the HTTP API) calls the same use case, so the rules hold the same way everywhere.
//!
//! - [`ImportSales`]: reads a point-of-sale export and writes it as products, orders and order
//!   items, in one unit of work, in bounded memory.
//! - [`KeyRing`] issues and revokes API keys; [`Gatekeeper`] admits requests by their key;
//!   [`Sessions`] admits the dashboard's browsers by a session opened with a key.
#![warn(missing_docs)]

mod api_keys;
mod hashing_reader;
mod import_sales;
mod rejects;
mod revert_import;
mod sessions;

pub use api_keys::{
    Access, Denied, Gatekeeper, KEY_CACHE_ENTRIES, KEY_CACHE_TTL, KeyRing, OpenAccess,
    UNHEARD_KEY_CACHE_TTL,
};
pub use hashing_reader::HashingReader;
pub use import_sales::{
    ImportError, ImportObserver, ImportPhase, ImportProgress, ImportRequest, ImportSales,
    NoProgress, READ_BUFFER_BYTES,
};
pub use revert_import::RevertImport;
pub use sessions::{Clock, DEFAULT_SESSION_LIFETIME, OpenSessionError, Sessions};
