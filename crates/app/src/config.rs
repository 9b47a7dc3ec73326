//! Configuration: read once from the environment, validated, then passed down.

use std::net::SocketAddr;

use thiserror::Error;

/// The database used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/zinc";

/// The address `zinc serve` listens on when `ZINC_BIND` is not set.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The largest upload accepted when `ZINC_MAX_UPLOAD_BYTES` is not set (64 MiB).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;
/// The currency reported when `ZINC_CURRENCY` is not set.
pub const DEFAULT_CURRENCY: &str = "USD";

/// Everything Zinc needs to know about its environment.
#[derive(Clone)]
pub struct Config {
    /// Where the data lives (`DATABASE_URL`). The database is created if missing.
    pub database_url: String,
    /// Where `zinc serve` listens (`ZINC_BIND`, host:port).
    pub bind: SocketAddr,
    /// Whether `zinc serve` applies pending migrations on start (`ZINC_MIGRATE_ON_START`).
    pub migrate_on_start: bool,
    /// The largest upload accepted, in bytes (`ZINC_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// The ISO 4217 code of the amounts in the exports (`ZINC_CURRENCY`).
    pub currency: String,
}

/// A configuration value that cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The variable is set but malformed.
    #[error("{variable}: {reason}")]
    Invalid {
        /// The environment variable at fault.
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let database_url = lookup("DATABASE_URL")
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid {
                variable: "DATABASE_URL",
                reason: "must be a postgres:// or postgresql:// URL".to_owned(),
            });
        }
        let invalid = |variable: &'static str, reason: &str| ConfigError::Invalid {
            variable,
            reason: reason.to_owned(),
        };
        let value = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let bind = match value("ZINC_BIND") {
            Some(text) => text.trim().parse().map_err(|_| {
                invalid(
                    "ZINC_BIND",
                    "must be an address and port such as 0.0.0.0:8080",
                )
            })?,
            None => DEFAULT_BIND.parse().expect("the default address parses"),
        };
        let migrate_on_start = match value("ZINC_MIGRATE_ON_START").as_deref().map(str::trim) {
            None | Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(_) => return Err(invalid("ZINC_MIGRATE_ON_START", "must be true or false")),
        };
        let max_upload_bytes = match value("ZINC_MAX_UPLOAD_BYTES") {
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    invalid(
                        "ZINC_MAX_UPLOAD_BYTES",
                        "must be a positive number of bytes",
                    )
                })?,
            None => DEFAULT_MAX_UPLOAD_BYTES,
        };
        let currency = match value("ZINC_CURRENCY") {
            Some(text) => {
                let code = text.trim().to_owned();
                if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                    return Err(invalid(
                        "ZINC_CURRENCY",
                        "must be a three-letter ISO 4217 code such as USD",
                    ));
                }
                code
            }
            None => DEFAULT_CURRENCY.to_owned(),
        };
        Ok(Config {
            database_url,
            bind,
            migrate_on_start,
            max_upload_bytes,
            currency,
        })
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_password(&self.database_url))
            .field("bind", &self.bind)
            .field("migrate_on_start", &self.migrate_on_start)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("currency", &self.currency)
            .finish()
    }
}

/// The URL with its password, if any, replaced by `***`.
pub fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_local_zinc_database() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
    }

    #[test]
    fn rejects_a_database_url_that_is_not_postgres() {
        let error = Config::from_lookup(|_| Some("mysql://localhost/zinc".into())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "DATABASE_URL: must be a postgres:// or postgresql:// URL"
        );
    }

    #[test]
    fn serving_defaults_to_localhost_8080_migrating_with_a_64_mib_limit() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert!(config.migrate_on_start);
        assert_eq!(config.max_upload_bytes, 64 * 1024 * 1024);
        assert_eq!(config.currency, "USD");
    }

    #[test]
    fn each_malformed_serving_variable_is_named() {
        for (variable, value) in [
            ("ZINC_BIND", "localhost"),
            ("ZINC_MIGRATE_ON_START", "maybe"),
            ("ZINC_MAX_UPLOAD_BYTES", "0"),
            ("ZINC_CURRENCY", "dollars"),
        ] {
            let error = Config::from_lookup(|name| (name == variable).then(|| value.to_owned()))
                .unwrap_err();
            assert!(error.to_string().starts_with(variable), "{error}");
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let config = Config::from_lookup(|name| {
            (name == "DATABASE_URL").then(|| "postgres://zinc:s3cret@db:5432/zinc".into())
        })
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://zinc:***@db:5432/zinc"),
            "{shown}"
        );
    }
}
