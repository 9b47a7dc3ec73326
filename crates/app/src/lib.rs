//! # zinc-app
//!
//! Wires Zinc together: configuration, telemetry, the database, and the commands of the `zinc`
//! binary. Each command is a thin door onto a use case of `zinc-application`; `zinc serve`
//! runs the web side (`zinc-web`) on the PostgreSQL adapters (`zinc-postgres`).

pub mod cli;
pub mod commands;
pub mod config;
pub mod telemetry;
pub mod watch;

pub use cli::Cli;
pub use commands::{ExitStatus, run};
pub use config::Config;
