//! Configuration: read once from the environment, validated, then passed down.

use thiserror::Error;

/// The database used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/zinc";

/// Everything Zinc needs to know about its environment.
#[derive(Clone)]
pub struct Config {
    /// Where the data lives (`DATABASE_URL`). The database is created if missing.
    pub database_url: String,
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
        Ok(Config { database_url })
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_password(&self.database_url))
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
    fn debug_output_hides_the_password() {
        let config =
            Config::from_lookup(|_| Some("postgres://zinc:s3cret@db:5432/zinc".into())).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://zinc:***@db:5432/zinc"),
            "{shown}"
        );
    }
}
