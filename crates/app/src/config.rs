//! Configuration: read once from the environment, validated before anything starts, then
//! passed down. A bad value is one [`ConfigError`] naming the variable; secrets may come from
//! `NAME_FILE` (a mounted Docker/Kubernetes secret) and never appear in `Debug` output.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use thiserror::Error;
use zinc_domain::{KeySecret, echo};

// The web side's defaults: the OpenAPI document shows them, so they are declared there.
use zinc_web::api::answers::ANSWER_CACHE_BYTES;
use zinc_web::api::{
    DEFAULT_MAX_CONCURRENT_UPLOADS, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_UPLOAD_IDLE_TIMEOUT,
};

/// The database used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/zinc";
/// The address `zinc serve` listens on when `ZINC_BIND` is not set.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The currency reported when `ZINC_CURRENCY` is not set.
pub const DEFAULT_CURRENCY: &str = "USD";

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable lines.
    Pretty,
}

/// Error tracking (enabled when `SENTRY_DSN` is set).
#[derive(Clone, PartialEq)]
pub struct SentryConfig {
    /// Where events go (a secret).
    pub dsn: String,
    /// `SENTRY_ENVIRONMENT`, e.g. `production`.
    pub environment: String,
    /// `SENTRY_TRACES_SAMPLE_RATE`, 0.0 to 1.0.
    pub traces_sample_rate: f32,
}

/// Everything Zinc needs to know about its environment.
#[derive(Clone)]
pub struct Config {
    /// Where the data lives (`DATABASE_URL`). The database is created if missing.
    pub database_url: String,
    /// The most database connections (`ZINC_DB_MAX_CONNECTIONS`).
    pub db_max_connections: u32,
    /// How long a request waits for a connection before answering 503 (`ZINC_DB_ACQUIRE_TIMEOUT`).
    pub db_acquire_timeout: Duration,
    /// Connections of the revenue queries' own pool, so that they cannot starve lookups and
    /// readiness (`ZINC_DB_FIGURES_CONNECTIONS`).
    pub db_figures_connections: u32,
    /// Connections each HTTP worker keeps for looking up one order
    /// (`ZINC_DB_LOOKUP_CONNECTIONS`), besides the shared pool.
    pub db_lookup_connections: u32,
    /// The longest a statement may run (`ZINC_DB_STATEMENT_TIMEOUT`, seconds).
    pub db_statement_timeout: Duration,
    /// The longest a statement may wait for a lock (`ZINC_DB_LOCK_TIMEOUT`, seconds).
    pub db_lock_timeout: Duration,
    /// The longest a session may idle inside a transaction
    /// (`ZINC_DB_IDLE_IN_TRANSACTION_TIMEOUT`, seconds).
    pub db_idle_in_transaction_timeout: Duration,
    /// Where `zinc serve` listens (`ZINC_BIND`, host:port).
    pub bind: SocketAddr,
    /// Whether `zinc serve` applies pending migrations on start (`ZINC_MIGRATE_ON_START`).
    pub migrate_on_start: bool,
    /// The largest upload accepted, in bytes (`ZINC_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Bytes of computed answers kept for the current data (`ZINC_ANSWER_CACHE_BYTES`; 0 keeps
    /// none).
    pub answer_cache_bytes: u64,
    /// How long an upload may send nothing before it is cut with a 408
    /// (`ZINC_UPLOAD_IDLE_TIMEOUT`, seconds).
    pub upload_idle_timeout: Duration,
    /// How long receiving one upload may take in all, however it trickles
    /// (`ZINC_UPLOAD_TIMEOUT`, seconds).
    pub upload_timeout: Duration,
    /// Uploads received or imported at once; more get a 429 (`ZINC_MAX_CONCURRENT_UPLOADS`).
    pub max_concurrent_uploads: usize,
    /// The ISO 4217 code of the amounts in the exports (`ZINC_CURRENCY`).
    pub currency: String,
    /// How long in-flight requests may run after SIGTERM/SIGINT (`ZINC_SHUTDOWN_TIMEOUT`).
    pub shutdown_timeout: Duration,
    /// `ZINC_LOG_FORMAT`: JSON by default when standard error is not a terminal.
    pub log_format: Option<LogFormat>,
    /// Error tracking, when configured.
    pub sentry: Option<SentryConfig>,
    /// Serve the API openly on a non-loopback address when no API key exists
    /// (`ZINC_ALLOW_ANONYMOUS`).
    pub allow_anonymous: bool,
    /// Serve `/metrics` on this address only, not on the API's (`ZINC_METRICS_BIND`).
    pub metrics_bind: Option<SocketAddr>,
    /// A write key that `zinc serve` makes sure exists, named `bootstrap`
    /// (`ZINC_BOOTSTRAP_KEY` / `ZINC_BOOTSTRAP_KEY_FILE`, a secret), for containers.
    pub bootstrap_key: Option<KeySecret>,
    /// The origins whose pages may call the API from a browser (`ZINC_CORS_ORIGINS`), each as
    /// browsers send it (`https://app.example.com`); none, the default, turns CORS off.
    pub cors_origins: Vec<String>,
}

/// A configuration value that cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The variable is set but malformed.
    #[error("{variable}: {reason}")]
    Invalid {
        /// The environment variable at fault.
        variable: String,
        /// What is wrong with it.
        reason: String,
    },
}

fn invalid(variable: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        variable: variable.to_owned(),
        reason: reason.into(),
    }
}

/// Where values come from: the environment and the file system, or stand-ins in tests.
struct Source<L, F> {
    lookup: L,
    read_file: F,
}

impl<L, F> Source<L, F>
where
    L: Fn(&str) -> Option<String>,
    F: Fn(&Path) -> std::io::Result<String>,
{
    /// The variable's value, `None` when unset or blank.
    fn value(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A secret: `NAME`, or the contents of the file named by `NAME_FILE` (not both).
    fn secret(&self, name: &str) -> Result<Option<String>, ConfigError> {
        let file_variable = format!("{name}_FILE");
        match (self.value(name), self.value(&file_variable)) {
            (Some(_), Some(_)) => Err(invalid(
                name,
                format!("set {name} or {file_variable}, not both"),
            )),
            (Some(value), None) => Ok(Some(value)),
            (None, Some(path)) => {
                let text = (self.read_file)(Path::new(&path))
                    .map_err(|e| invalid(&file_variable, format!("cannot read {path}: {e}")))?;
                let text = text.trim().to_owned();
                if text.is_empty() {
                    return Err(invalid(&file_variable, format!("{path} is empty")));
                }
                Ok(Some(text))
            }
            (None, None) => Ok(None),
        }
    }

    fn parsed<T>(
        &self,
        name: &str,
        default: T,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        match self.value(name) {
            None => Ok(default),
            Some(text) => parse(&text).ok_or_else(|| invalid(name, expected)),
        }
    }
}

fn flag(text: &str) -> Option<bool> {
    match text {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// The longest duration any setting takes: a day (PostgreSQL's timeouts stop at about 24 days).
const MAX_SECONDS: u64 = 86_400;

fn seconds(text: &str) -> Option<Duration> {
    text.parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_SECONDS).contains(s))
        .map(Duration::from_secs)
}

impl Config {
    /// Reads the process environment (and the files that `*_FILE` variables name).
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_sources(
            |name| std::env::var(name).ok(),
            |path| std::fs::read_to_string(path),
        )
    }

    /// Reads configuration through `lookup` alone (files cannot be read); for tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        Config::from_sources(lookup, |path| {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} (files are not read here)", path.display()),
            ))
        })
    }

    /// Reads configuration through `lookup` and `read_file`.
    pub fn from_sources(
        lookup: impl Fn(&str) -> Option<String>,
        read_file: impl Fn(&Path) -> std::io::Result<String>,
    ) -> Result<Config, ConfigError> {
        let source = Source { lookup, read_file };
        let database_url = source
            .secret("DATABASE_URL")?
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let scheme = url::Url::parse(&database_url).map(|url| url.scheme().to_owned());
        if !matches!(scheme.as_deref(), Ok("postgres" | "postgresql")) {
            return Err(invalid(
                "DATABASE_URL",
                "must be a postgres:// or postgresql:// URL",
            ));
        }
        let db_max_connections = source.parsed(
            "ZINC_DB_MAX_CONNECTIONS",
            10,
            "must be a whole number from 1 to 1000",
            |t| t.parse().ok().filter(|n| (1..=1000).contains(n)),
        )?;
        let db_acquire_timeout = source.parsed(
            "ZINC_DB_ACQUIRE_TIMEOUT",
            Duration::from_secs(3),
            "must be a whole number of seconds from 1 to 86400",
            seconds,
        )?;
        let db_figures_connections = source.parsed(
            "ZINC_DB_FIGURES_CONNECTIONS",
            3,
            "must be a whole number from 1 to 1000",
            |t| t.parse().ok().filter(|n| (1..=1000).contains(n)),
        )?;
        let db_lookup_connections = source.parsed(
            "ZINC_DB_LOOKUP_CONNECTIONS",
            4,
            "must be a whole number from 1 to 1000",
            |t| t.parse().ok().filter(|n| (1..=1000).contains(n)),
        )?;
        let db_statement_timeout = source.parsed(
            "ZINC_DB_STATEMENT_TIMEOUT",
            Duration::from_secs(300),
            "must be a whole number of seconds from 1 to 86400",
            seconds,
        )?;
        let db_lock_timeout = source.parsed(
            "ZINC_DB_LOCK_TIMEOUT",
            Duration::from_secs(120),
            "must be a whole number of seconds from 1 to 86400",
            seconds,
        )?;
        let db_idle_in_transaction_timeout = source.parsed(
            "ZINC_DB_IDLE_IN_TRANSACTION_TIMEOUT",
            Duration::from_secs(60),
            "must be a whole number of seconds from 1 to 86400",
            seconds,
        )?;
        if db_lock_timeout >= db_statement_timeout {
            return Err(invalid(
                "ZINC_DB_LOCK_TIMEOUT",
                "must be shorter than ZINC_DB_STATEMENT_TIMEOUT (a lock wait would otherwise end as a statement timeout)",
            ));
        }
        let bind = source.parsed(
            "ZINC_BIND",
            DEFAULT_BIND.parse().expect("the default address parses"),
            "must be an address and port such as 0.0.0.0:8080",
            |t| t.parse().ok(),
        )?;
        let migrate_on_start =
            source.parsed("ZINC_MIGRATE_ON_START", true, "must be true or false", flag)?;
        let max_upload_bytes = source.parsed(
            "ZINC_MAX_UPLOAD_BYTES",
            DEFAULT_MAX_UPLOAD_BYTES,
            "must be a positive number of bytes",
            |t| t.parse().ok().filter(|n| *n > 0),
        )?;
        let answer_cache_bytes = source.parsed(
            "ZINC_ANSWER_CACHE_BYTES",
            ANSWER_CACHE_BYTES,
            "must be a number of bytes from 0 to 4294967296",
            |t| t.parse().ok().filter(|n| *n <= 1 << 32),
        )?;
        let upload_idle_timeout = source.parsed(
            "ZINC_UPLOAD_IDLE_TIMEOUT",
            DEFAULT_UPLOAD_IDLE_TIMEOUT,
            "must be a whole number of seconds from 1 to 86400",
            seconds,
        )?;
        let upload_timeout = source.parsed(
            "ZINC_UPLOAD_TIMEOUT",
            Duration::from_secs(600),
            "must be a whole number of seconds from 1 to 86400",
            seconds,
        )?;
        let max_concurrent_uploads = source.parsed(
            "ZINC_MAX_CONCURRENT_UPLOADS",
            DEFAULT_MAX_CONCURRENT_UPLOADS,
            "must be a whole number from 1 to 1000",
            |t| t.parse().ok().filter(|n| (1..=1000).contains(n)),
        )?;
        let currency = source.parsed(
            "ZINC_CURRENCY",
            DEFAULT_CURRENCY.to_owned(),
            "must be a three-letter ISO 4217 code such as USD",
            |t| (t.len() == 3 && t.chars().all(|c| c.is_ascii_uppercase())).then(|| t.to_owned()),
        )?;
        let shutdown_timeout = source.parsed(
            "ZINC_SHUTDOWN_TIMEOUT",
            Duration::from_secs(30),
            "must be a whole number of seconds from 1 to 86400",
            seconds,
        )?;
        let log_format =
            source.parsed(
                "ZINC_LOG_FORMAT",
                None,
                "must be json or pretty",
                |t| match t {
                    "json" => Some(Some(LogFormat::Json)),
                    "pretty" => Some(Some(LogFormat::Pretty)),
                    _ => None,
                },
            )?;
        let sentry = match source.secret("SENTRY_DSN")? {
            None => None,
            Some(dsn) => {
                if dsn.parse::<sentry::types::Dsn>().is_err() {
                    return Err(invalid(
                        "SENTRY_DSN",
                        "is not a Sentry DSN (https://KEY@HOST/PROJECT)",
                    ));
                }
                Some(SentryConfig {
                    dsn,
                    environment: source.parsed(
                        "SENTRY_ENVIRONMENT",
                        "development".to_owned(),
                        "",
                        |t| Some(t.to_owned()),
                    )?,
                    traces_sample_rate: source.parsed(
                        "SENTRY_TRACES_SAMPLE_RATE",
                        0.0,
                        "must be a number from 0.0 to 1.0",
                        |t| t.parse().ok().filter(|r: &f32| (0.0..=1.0).contains(r)),
                    )?,
                })
            }
        };
        let allow_anonymous =
            source.parsed("ZINC_ALLOW_ANONYMOUS", false, "must be true or false", flag)?;
        let metrics_bind = source.parsed(
            "ZINC_METRICS_BIND",
            None,
            "must be an address and port such as 0.0.0.0:9100",
            |t| t.parse().ok().map(Some),
        )?;
        let bootstrap_key = source
            .secret("ZINC_BOOTSTRAP_KEY")?
            .map(|text| KeySecret::parse(&text))
            .transpose()
            .map_err(|_| {
                invalid(
                    "ZINC_BOOTSTRAP_KEY",
                    "is not a Zinc API key (make one with `zinc keys generate`)",
                )
            })?;
        let cors_origins = source
            .value("ZINC_CORS_ORIGINS")
            .map(|text| origins(&text))
            .transpose()
            .map_err(|reason| invalid("ZINC_CORS_ORIGINS", reason))?
            .unwrap_or_default();
        Ok(Config {
            database_url,
            db_max_connections,
            db_acquire_timeout,
            db_figures_connections,
            db_lookup_connections,
            db_statement_timeout,
            db_lock_timeout,
            db_idle_in_transaction_timeout,
            bind,
            migrate_on_start,
            max_upload_bytes,
            answer_cache_bytes,
            upload_idle_timeout,
            upload_timeout,
            max_concurrent_uploads,
            currency,
            shutdown_timeout,
            log_format,
            sentry,
            allow_anonymous,
            metrics_bind,
            bootstrap_key,
            cors_origins,
        })
    }
}

/// Comma-separated origins, each `scheme://host[:port]`, normalised as browsers send them in
/// `Origin` (host in lower case, default port left out).
fn origins(text: &str) -> Result<Vec<String>, String> {
    let origins: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(origin)
        .collect::<Result<_, _>>()?;
    if origins.is_empty() {
        return Err("lists no origin (leave it unset to turn CORS off)".to_owned());
    }
    Ok(origins)
}

fn origin(entry: &str) -> Result<String, String> {
    let bad = |why: &str| {
        format!(
            "'{}' is not an origin such as https://app.example.com: {why}",
            echo(entry)
        )
    };
    if entry == "*" {
        return Err("'*' is not accepted: list each origin".to_owned());
    }
    let url = url::Url::parse(entry).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("an origin has no user name or password"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("an origin has no path, query or fragment"));
    }
    Ok(url.origin().ascii_serialization())
}

impl Config {
    /// The database pool's settings (`max_connections` connections).
    pub fn pool_settings(&self, max_connections: u32) -> zinc_postgres::database::PoolSettings {
        zinc_postgres::database::PoolSettings {
            max_connections,
            acquire_timeout: self.db_acquire_timeout,
            statement_timeout: self.db_statement_timeout,
            lock_timeout: self.db_lock_timeout,
            idle_in_transaction_timeout: self.db_idle_in_transaction_timeout,
        }
    }

    /// How long the adapters wait for any answer from the database (the pool size plays no
    /// part in it).
    pub fn reply_timeout(&self) -> std::time::Duration {
        self.pool_settings(self.db_max_connections).reply_timeout()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_password(&self.database_url))
            .field("db_max_connections", &self.db_max_connections)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .field("db_figures_connections", &self.db_figures_connections)
            .field("db_lookup_connections", &self.db_lookup_connections)
            .field("db_statement_timeout", &self.db_statement_timeout)
            .field("db_lock_timeout", &self.db_lock_timeout)
            .field(
                "db_idle_in_transaction_timeout",
                &self.db_idle_in_transaction_timeout,
            )
            .field("bind", &self.bind)
            .field("migrate_on_start", &self.migrate_on_start)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("answer_cache_bytes", &self.answer_cache_bytes)
            .field("upload_idle_timeout", &self.upload_idle_timeout)
            .field("upload_timeout", &self.upload_timeout)
            .field("max_concurrent_uploads", &self.max_concurrent_uploads)
            .field("currency", &self.currency)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("log_format", &self.log_format)
            .field("sentry", &self.sentry)
            .field("allow_anonymous", &self.allow_anonymous)
            .field("metrics_bind", &self.metrics_bind)
            .field("bootstrap_key", &self.bootstrap_key)
            .field("cors_origins", &self.cors_origins)
            .finish()
    }
}

impl std::fmt::Debug for SentryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentryConfig")
            .field("dsn", &"***")
            .field("environment", &self.environment)
            .field("traces_sample_rate", &self.traces_sample_rate)
            .finish()
    }
}

/// The URL with its password (in the user info or a `password` query parameter) replaced by
/// `***`; an unparsable URL is not shown at all.
pub fn redact_password(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Ok(mut parsed) = url::Url::parse(url) else {
        return format!("(an unparsable URL, not shown: {} characters)", url.len());
    };
    if parsed.password().is_some() {
        // Cannot fail: the URL has a host, since it has a password.
        let _ = parsed.set_password(Some(HIDDEN));
    }
    if parsed.query_pairs().any(|(key, _)| key == "password") {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if key == "password" {
                    HIDDEN.into()
                } else {
                    value
                };
                (key.into_owned(), value.into_owned())
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let files: HashMap<&str, &str> =
            [("/run/secrets/db", "postgres://zinc:fromfile@db/zinc\n")]
                .into_iter()
                .collect();
        Config::from_sources(
            |name| vars.get(name).cloned(),
            |path| {
                files
                    .get(path.to_str().unwrap())
                    .map(|s| s.to_string())
                    .ok_or_else(|| std::io::Error::other("no such file"))
            },
        )
    }

    #[test]
    fn defaults_to_the_local_zinc_database_on_localhost_8080() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert!(config.migrate_on_start);
        assert_eq!(config.max_upload_bytes, 64 * 1024 * 1024);
        assert_eq!(config.answer_cache_bytes, 32 * 1024 * 1024);
        assert_eq!(config.currency, "USD");
        assert_eq!(config.shutdown_timeout, Duration::from_secs(30));
        assert!(config.sentry.is_none());
        assert!(!config.allow_anonymous);
        assert!(config.metrics_bind.is_none());
        assert!(config.bootstrap_key.is_none());
        assert!(config.cors_origins.is_empty(), "CORS is off by default");
    }

    #[test]
    fn cors_origins_are_read_as_browsers_send_them() {
        let config = config(&[(
            "ZINC_CORS_ORIGINS",
            " https://App.Example.com, http://localhost:3000,https://example.com:443/,",
        )])
        .unwrap();
        assert_eq!(
            config.cors_origins,
            [
                "https://app.example.com",
                "http://localhost:3000",
                "https://example.com"
            ]
        );
    }

    #[test]
    fn a_malformed_cors_origin_is_refused_naming_it() {
        for (value, says) in [
            ("app.example.com", "app.example.com"),
            ("https://app.example.com/dashboard", "path"),
            ("https://app.example.com?x=1", "path"),
            ("ftp://files.example.com", "http or https"),
            ("https://user:pw@app.example.com", "user"),
            ("*", "each origin"),
            ("https://ok.example.com, https://", "https://"),
            (" , ", "no origin"),
        ] {
            let error = config_error_text(&[("ZINC_CORS_ORIGINS", value)]);
            assert!(error.starts_with("ZINC_CORS_ORIGINS: "), "{error}");
            assert!(error.contains(says), "{value}: {error}");
        }
    }

    #[test]
    fn a_bootstrap_key_never_shows_in_debug_output_nor_in_its_error() {
        let key = "zinc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let config = config(&[("ZINC_BOOTSTRAP_KEY", key)]).unwrap();
        assert_eq!(config.bootstrap_key.as_ref().map(|k| k.expose()), Some(key));
        assert!(!format!("{config:?}").contains("AAAAAAAA"));
        let error = config_error_text(&[("ZINC_BOOTSTRAP_KEY", "zinc_ secret with spaces")]);
        assert!(!error.contains("secret with spaces"), "{error}");
    }

    fn config_error_text(vars: &[(&str, &str)]) -> String {
        config(vars).unwrap_err().to_string()
    }

    #[test]
    fn rejects_a_database_url_that_is_not_postgres() {
        let error = config(&[("DATABASE_URL", "mysql://localhost/zinc")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "DATABASE_URL: must be a postgres:// or postgresql:// URL"
        );
    }

    #[test]
    fn timeouts_postgresql_would_refuse_are_refused_here_naming_the_variable() {
        for (variable, value) in [
            ("ZINC_DB_STATEMENT_TIMEOUT", "3000000"),
            ("ZINC_DB_LOCK_TIMEOUT", "18446744073709551615"),
            ("ZINC_UPLOAD_TIMEOUT", "0"),
        ] {
            let error = config(&[(variable, value)]).unwrap_err();
            assert!(error.to_string().starts_with(variable), "{error}");
        }
        let error = config(&[
            ("ZINC_DB_STATEMENT_TIMEOUT", "10"),
            ("ZINC_DB_LOCK_TIMEOUT", "10"),
        ])
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("ZINC_DB_LOCK_TIMEOUT: must be shorter"),
            "{error}"
        );
    }

    #[test]
    fn each_malformed_variable_is_named() {
        for (variable, value) in [
            ("ZINC_BIND", "localhost"),
            ("ZINC_MIGRATE_ON_START", "maybe"),
            ("ZINC_MAX_UPLOAD_BYTES", "0"),
            ("ZINC_ANSWER_CACHE_BYTES", "lots"),
            ("ZINC_ANSWER_CACHE_BYTES", "4294967297"),
            ("ZINC_CURRENCY", "dollars"),
            ("ZINC_SHUTDOWN_TIMEOUT", "-1"),
            ("ZINC_LOG_FORMAT", "xml"),
            ("ZINC_DB_MAX_CONNECTIONS", "0"),
            ("ZINC_DB_ACQUIRE_TIMEOUT", "soon"),
            ("SENTRY_DSN", "not a dsn"),
            ("ZINC_ALLOW_ANONYMOUS", "perhaps"),
            ("ZINC_METRICS_BIND", "9100"),
            ("ZINC_BOOTSTRAP_KEY", "hunter2"),
        ] {
            let error = config(&[(variable, value)]).unwrap_err();
            assert!(error.to_string().starts_with(variable), "{error}");
        }
        let error = config(&[
            ("SENTRY_DSN", "https://key@sentry.example.com/42"),
            ("SENTRY_TRACES_SAMPLE_RATE", "2"),
        ])
        .unwrap_err();
        assert!(error.to_string().starts_with("SENTRY_TRACES_SAMPLE_RATE"));
    }

    #[test]
    fn a_secret_may_come_from_a_file_but_not_from_both() {
        let config_from_file = config(&[("DATABASE_URL_FILE", "/run/secrets/db")]).unwrap();
        assert_eq!(
            config_from_file.database_url,
            "postgres://zinc:fromfile@db/zinc"
        );
        let both = config(&[
            ("DATABASE_URL_FILE", "/run/secrets/db"),
            ("DATABASE_URL", "postgres://x@y/z"),
        ])
        .unwrap_err();
        assert_eq!(
            both.to_string(),
            "DATABASE_URL: set DATABASE_URL or DATABASE_URL_FILE, not both"
        );
        let missing = config(&[("SENTRY_DSN_FILE", "/run/secrets/none")]).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("SENTRY_DSN_FILE: cannot read")
        );
    }

    #[test]
    fn debug_output_hides_the_password_and_the_dsn() {
        let config = config(&[
            ("DATABASE_URL", "postgres://zinc:s3cret@db:5432/zinc"),
            ("SENTRY_DSN", "https://publickey@sentry.example.com/42"),
        ])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("publickey"), "{shown}");
        assert!(
            shown.contains("postgres://zinc:***@db:5432/zinc"),
            "{shown}"
        );
    }
}

#[cfg(test)]
mod redaction_tests {
    use super::redact_password;

    #[test]
    fn a_password_in_the_query_string_is_redacted_too() {
        let shown = redact_password("postgres://u@db:5432/zinc?sslmode=disable&password=hunter2");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("sslmode=disable"), "{shown}");
    }

    #[test]
    fn a_password_in_the_user_info_is_redacted() {
        let shown = redact_password("postgres://zinc:s3cr%40t@db:5432/zinc");
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(shown.contains("zinc:***@db:5432/zinc"), "{shown}");
    }

    #[test]
    fn an_unparsable_url_is_not_shown_at_all() {
        let shown = redact_password("postgres://zinc:pa ss@[::1/zinc");
        assert!(!shown.contains("pa ss"), "{shown}");
    }
}
