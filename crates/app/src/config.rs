//! Configuration: every setting declared once, as a field of [`Config`] with its variable, its
//! default, its range (the value parser) and its help (the doc comment), through clap's `env`
//! support. Read once from the environment, validated before anything starts, then passed
//! down. A bad value is one [`ConfigError`] naming the variable. Secrets (`hide_env_values`)
//! may come from `NAME_FILE` (a mounted Docker/Kubernetes secret) and never appear in `Debug`
//! output or errors.

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::error::{ContextKind, ContextValue};
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser};
use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;
use zinc_application::DEFAULT_SESSION_LIFETIME;
use zinc_domain::{ImportMode, KeySecret, echo};
use zinc_postgres::database::{BulkBound, PoolSettings};
use zinc_postgres::{ReadBounds, ReplicaSettings};

// The web side's defaults: the OpenAPI document shows them, so they are declared there.
use zinc_web::api::answers::ANSWER_CACHE_BYTES;
use zinc_web::api::{
    DEFAULT_MAX_CONCURRENT_UPLOADS, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_UPLOAD_IDLE_TIMEOUT,
    DEFAULT_UPLOAD_MIN_RATE,
};

/// The database used when `DATABASE_URL` is not set (a macro, so that help texts can
/// `concat!` it).
macro_rules! default_database_url {
    () => {
        "postgres://postgres@127.0.0.1:5432/zinc"
    };
}
pub(crate) use default_database_url;

/// The database used when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = default_database_url!();

/// The variable bounding each statement of bulk work, which its errors name.
pub const IMPORT_STATEMENT_TIMEOUT: &str = "ZINC_DB_IMPORT_STATEMENT_TIMEOUT";

/// The longest duration any setting takes: a day (PostgreSQL's timeouts stop at about 24 days).
pub const MAX_SECONDS: u64 = 86_400;
/// The most of anything counted (connections, uploads at once).
pub const MAX_COUNT: u64 = 1000;
/// The most bytes of answers kept.
pub const MAX_ANSWER_CACHE_BYTES: u64 = 1 << 32;

/// Everything Zinc needs to know about its environment.
#[derive(Debug, Clone, Parser)]
#[command(name = "zinc-configuration", disable_help_flag = true)]
pub struct Config {
    /// Where the data lives; the database is created if missing.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true,
          default_value = DEFAULT_DATABASE_URL, value_parser = DatabaseUrl::parse)]
    pub database_url: DatabaseUrl,
    /// A streaming replica of that database, for the reads (orders, products, figures,
    /// exports); imports, keys, sessions and the import log stay on `DATABASE_URL`. Unset, the
    /// default, every read goes to `DATABASE_URL`.
    #[arg(long, env = "DATABASE_READ_URL", hide_env_values = true,
          value_parser = DatabaseUrl::parse)]
    pub database_read_url: Option<DatabaseUrl>,
    /// How long a read waits for the replica to replay an import this server made (or a new
    /// data version it heard of) before reading from the primary instead, in seconds.
    #[arg(long, env = "ZINC_REPLICA_WAIT",
          default_value_t = Seconds(ReplicaSettings::default().wait), value_parser = seconds)]
    pub replica_wait: Seconds,
    /// How far behind the primary the replica may be, in seconds (the age of the oldest
    /// change it has not replayed), before reads go to the primary.
    #[arg(long, env = "ZINC_REPLICA_MAX_LAG",
          default_value_t = Seconds(ReplicaSettings::default().max_lag), value_parser = seconds)]
    pub replica_max_lag: Seconds,
    /// The most database connections.
    #[arg(long, env = "ZINC_DB_MAX_CONNECTIONS",
          default_value_t = PoolSettings::default().max_connections, value_parser = count::<u32>)]
    pub db_max_connections: u32,
    /// How long a request waits for a connection before answering 503, in seconds.
    #[arg(long, env = "ZINC_DB_ACQUIRE_TIMEOUT",
          default_value_t = Seconds(PoolSettings::default().acquire_timeout), value_parser = seconds)]
    pub db_acquire_timeout: Seconds,
    /// Connections of the revenue queries' own pool, so that they cannot starve lookups and
    /// readiness: four, as many as the overview page asks at once.
    #[arg(long, env = "ZINC_DB_FIGURES_CONNECTIONS", default_value = "4",
          value_parser = count::<u32>)]
    pub db_figures_connections: u32,
    /// Lookup connections: those each HTTP worker keeps for looking up one order, besides the
    /// shared pool.
    #[arg(long, env = "ZINC_DB_LOOKUP_CONNECTIONS", default_value = "4",
          value_parser = count::<u32>)]
    pub db_lookup_connections: u32,
    /// The longest a statement may run, in seconds.
    #[arg(long, env = "ZINC_DB_STATEMENT_TIMEOUT",
          default_value_t = Seconds(PoolSettings::default().statement_timeout), value_parser = seconds)]
    pub db_statement_timeout: Seconds,
    /// The longest one statement of bulk work (an import, a revert, pruning replaced versions,
    /// a rollup check or rebuild) may run, in seconds: each covers the whole file or table.
    #[arg(long, env = IMPORT_STATEMENT_TIMEOUT,
          default_value_t = Seconds(PoolSettings::default().bulk_statement_timeout),
          value_parser = seconds)]
    pub db_import_statement_timeout: Seconds,
    /// How long a lookup of one order, product or import waits for the database's answer
    /// before a 503, in seconds (at most the reply timeout).
    #[arg(long, env = "ZINC_DB_LOOKUP_TIMEOUT",
          default_value_t = Seconds(ReadBounds::default().lookup), value_parser = seconds)]
    pub db_lookup_timeout: Seconds,
    /// How long a revenue figure waits for the database's answer before a 503, in seconds (at
    /// most the reply timeout).
    #[arg(long, env = "ZINC_DB_FIGURES_TIMEOUT",
          default_value_t = Seconds(ReadBounds::default().figures), value_parser = seconds)]
    pub db_figures_timeout: Seconds,
    /// The longest a statement may wait for a lock, in seconds; shorter than the statement
    /// timeout.
    #[arg(long, env = "ZINC_DB_LOCK_TIMEOUT",
          default_value_t = Seconds(PoolSettings::default().lock_timeout), value_parser = seconds)]
    pub db_lock_timeout: Seconds,
    /// The longest a session may idle inside a transaction, in seconds.
    #[arg(long, env = "ZINC_DB_IDLE_IN_TRANSACTION_TIMEOUT",
          default_value_t = Seconds(PoolSettings::default().idle_in_transaction_timeout),
          value_parser = seconds)]
    pub db_idle_in_transaction_timeout: Seconds,
    /// Where `zinc serve` listens (host:port).
    #[arg(long, env = "ZINC_BIND", default_value = "127.0.0.1:8080",
          value_parser = address("0.0.0.0:8080"))]
    pub bind: SocketAddr,
    /// Whether `zinc serve` applies pending migrations on start.
    #[arg(long, env = "ZINC_MIGRATE_ON_START", action = ArgAction::Set, default_value = "true",
          value_parser = flag)]
    pub migrate_on_start: bool,
    /// The largest upload accepted, in bytes.
    #[arg(long, env = "ZINC_MAX_UPLOAD_BYTES", default_value_t = DEFAULT_MAX_UPLOAD_BYTES,
          value_parser = upload_bytes)]
    pub max_upload_bytes: u64,
    /// Bytes of computed answers kept for the current data (0 keeps none).
    #[arg(long, env = "ZINC_ANSWER_CACHE_BYTES", default_value_t = ANSWER_CACHE_BYTES,
          value_parser = answer_cache_bytes)]
    pub answer_cache_bytes: u64,
    /// How long an upload may send nothing before it is cut with a 408, in seconds.
    #[arg(long, env = "ZINC_UPLOAD_IDLE_TIMEOUT",
          default_value_t = Seconds(DEFAULT_UPLOAD_IDLE_TIMEOUT), value_parser = seconds)]
    pub upload_idle_timeout: Seconds,
    /// How long receiving one upload may take in all, however it trickles, in seconds.
    #[arg(long, env = "ZINC_UPLOAD_TIMEOUT", default_value = "600", value_parser = seconds)]
    pub upload_timeout: Seconds,
    /// The slowest an upload may arrive once its grace period is over, in bytes per second
    /// (Apache's `MinRate`: each such many bytes earn one more second); 0 asks no rate.
    #[arg(long, env = "ZINC_UPLOAD_MIN_RATE",
          default_value_t = DEFAULT_UPLOAD_MIN_RATE.bytes_per_second, value_parser = rate)]
    pub upload_min_rate: u64,
    /// How long an upload may take before the minimum rate applies, in seconds.
    #[arg(long, env = "ZINC_UPLOAD_MIN_RATE_GRACE",
          default_value_t = Seconds(DEFAULT_UPLOAD_MIN_RATE.grace), value_parser = seconds)]
    pub upload_min_rate_grace: Seconds,
    /// Uploads received or imported at once; more get a 429.
    #[arg(long, env = "ZINC_MAX_CONCURRENT_UPLOADS",
          default_value_t = DEFAULT_MAX_CONCURRENT_UPLOADS, value_parser = count::<usize>)]
    pub max_concurrent_uploads: usize,
    /// The ISO 4217 code of the amounts in the exports.
    #[arg(long, env = "ZINC_CURRENCY", default_value = "USD", value_parser = currency)]
    pub currency: String,
    /// How long in-flight requests may run after SIGTERM/SIGINT, in seconds.
    #[arg(long, env = "ZINC_SHUTDOWN_TIMEOUT", default_value = "30", value_parser = seconds)]
    pub shutdown_timeout: Seconds,
    /// How logs are written: JSON by default when standard error is not a terminal.
    #[arg(long, env = "ZINC_LOG_FORMAT", value_parser = log_format)]
    pub log_format: Option<LogFormat>,
    /// Error tracking.
    #[command(flatten)]
    pub sentry: SentryConfig,
    /// Serve the API openly on a non-loopback address when no API key exists.
    #[arg(long, env = "ZINC_ALLOW_ANONYMOUS", action = ArgAction::Set, default_value = "false",
          value_parser = flag)]
    pub allow_anonymous: bool,
    /// Serve `/metrics` on this address only, not on the API's.
    #[arg(long, env = "ZINC_METRICS_BIND", value_parser = address("0.0.0.0:9100"))]
    pub metrics_bind: Option<SocketAddr>,
    /// A write key that `zinc serve` makes sure exists, named `bootstrap`, for containers.
    #[arg(long, env = "ZINC_BOOTSTRAP_KEY", hide_env_values = true, value_parser = api_key)]
    pub bootstrap_key: Option<KeySecret>,
    /// The origins whose pages may call the API from a browser, each as browsers send it
    /// (`https://app.example.com`); unset, the default, turns CORS off.
    #[arg(long, env = "ZINC_CORS_ORIGINS", value_parser = origins)]
    pub cors_origins: Option<::std::vec::Vec<String>>,
    /// Host names answered while no API key exists, besides `localhost` and IP addresses
    /// (comma-separated, e.g. `zinc.lan`).
    #[arg(long, env = "ZINC_ALLOWED_HOSTS", value_parser = host_names)]
    pub allowed_hosts: Option<::std::vec::Vec<String>>,
    /// The reverse proxies whose forwarded headers are believed, for this server's origin and
    /// the client's address (comma-separated addresses or networks, e.g. `10.0.0.0/8`); unset,
    /// no forwarded header is read.
    #[arg(long, env = "ZINC_TRUSTED_PROXIES", value_parser = networks)]
    pub trusted_proxies: Option<::std::vec::Vec<ipnet::IpNet>>,
    /// How long a dashboard sign-in lasts (the session and its cookie), in seconds; signing
    /// out or revoking the key ends it sooner.
    #[arg(long, env = "ZINC_SESSION_TTL",
          default_value_t = Seconds(DEFAULT_SESSION_LIFETIME), value_parser = seconds)]
    pub session_ttl: Seconds,
    /// A folder `zinc serve` watches for files to import, as `zinc watch DIR` does; unset,
    /// none is watched.
    #[arg(long, env = "ZINC_WATCH_DIR")]
    pub watch_dir: Option<PathBuf>,
    /// How a watched file with invalid rows is imported: `strict` (rejected whole) or
    /// `skip_invalid` (the valid sales are written), as `zinc import [--skip-invalid]`.
    #[arg(long, env = "ZINC_WATCH_MODE", default_value = "strict", value_parser = import_mode)]
    pub watch_mode: ImportMode,
    /// How often the watched folder is listed, in milliseconds.
    #[arg(long, env = "ZINC_WATCH_INTERVAL_MS", default_value = "5000",
          value_parser = watch_millis)]
    pub watch_interval_ms: u64,
    /// How long a watched file's size and modification time must stay the same before it is
    /// read, in milliseconds (files named `*.part` or `.*` are never read).
    #[arg(long, env = "ZINC_WATCH_SETTLE_MS", default_value = "10000",
          value_parser = watch_millis)]
    pub watch_settle_ms: u64,
    /// How many days the versions an import replaced are kept (for `zinc imports revert`);
    /// `zinc imports prune` (and `zinc serve`, see `ZINC_PRUNE_ON_SERVE`) deletes older ones,
    /// and those imports can no longer be reverted.
    #[arg(long, env = "ZINC_REPLACED_KEEP_DAYS", default_value = "90",
          value_parser = keep_days)]
    pub replaced_keep_days: u32,
    /// Whether `zinc serve` prunes the versions kept longer than `ZINC_REPLACED_KEEP_DAYS`
    /// itself, as `zinc imports prune` does: once at start, then daily.
    #[arg(long, env = "ZINC_PRUNE_ON_SERVE", action = ArgAction::Set, default_value = "true",
          value_parser = flag)]
    pub prune_on_serve: bool,
}

/// The fewest days replaced versions are kept.
pub const MIN_KEEP_DAYS: u32 = 1;
/// The most days replaced versions are kept (ten years).
pub const MAX_KEEP_DAYS: u32 = 3_650;

fn keep_days(text: &str) -> Result<u32, Invalid> {
    text.parse::<u32>()
        .ok()
        .filter(|days| (MIN_KEEP_DAYS..=MAX_KEEP_DAYS).contains(days))
        .ok_or_else(|| {
            expected(format!(
                "a whole number of days from {MIN_KEEP_DAYS} to {MAX_KEEP_DAYS}"
            ))
        })
}

/// The shortest watch interval or settle time, in milliseconds.
pub const MIN_WATCH_MILLIS: u64 = 100;
/// The longest watch interval or settle time, in milliseconds (an hour).
pub const MAX_WATCH_MILLIS: u64 = 3_600_000;

/// Error tracking, enabled when `SENTRY_DSN` is set.
#[derive(Debug, Clone, Args)]
pub struct SentryConfig {
    /// Where events go.
    #[arg(long, env = "SENTRY_DSN", hide_env_values = true, value_parser = dsn)]
    pub dsn: Option<SecretString>,
    /// The Sentry environment, e.g. `production`.
    #[arg(
        long = "sentry-environment",
        env = "SENTRY_ENVIRONMENT",
        default_value = "development"
    )]
    pub environment: String,
    /// The share of requests traced, 0.0 to 1.0.
    #[arg(long, env = "SENTRY_TRACES_SAMPLE_RATE", default_value = "0.0", value_parser = share)]
    pub traces_sample_rate: f32,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable lines.
    Pretty,
}

/// A duration setting, in whole seconds from 1 to [`MAX_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seconds(pub Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs())
    }
}

impl std::ops::Deref for Seconds {
    type Target = Duration;

    fn deref(&self) -> &Duration {
        &self.0
    }
}

/// The database URL: a secret (its password), shown only with the password hidden.
#[derive(Clone)]
pub struct DatabaseUrl(SecretString);

impl DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL. A query parameter naming a password other than
    /// `password` itself (`PASSWORD`, `sslpassword`) is refused, naming it: the driver would
    /// ignore it, and write its value into a warning.
    pub fn parse(text: &str) -> Result<DatabaseUrl, Invalid> {
        let url = url::Url::parse(text).ok();
        if !matches!(
            url.as_ref().map(url::Url::scheme),
            Some("postgres" | "postgresql")
        ) {
            return Err(Invalid::Expected(
                "a postgres:// or postgresql:// URL".to_owned(),
            ));
        }
        if let Some((name, _)) = url
            .iter()
            .flat_map(url::Url::query_pairs)
            .find(|(name, _)| names_a_secret(name) && name != "password")
        {
            return Err(Invalid::UnusedSecretParameter { name: echo(&name) });
        }
        Ok(DatabaseUrl(text.into()))
    }

    /// The URL itself, password included: for connecting only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with its password hidden, for messages.
    pub fn shown(&self) -> String {
        redact_password(self.expose())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The variable is set to a value that cannot be used.
    #[error("{variable}")]
    Invalid {
        /// The environment variable at fault.
        variable: String,
        /// What is wrong with its value.
        #[source]
        problem: Invalid,
    },
    /// A secret is given both directly and as a file.
    #[error("{variable}: set {variable} or {variable}_FILE, not both")]
    Twice {
        /// The secret's variable.
        variable: String,
    },
    /// The file a `NAME_FILE` variable names cannot be read.
    #[error("{variable}: cannot read {}", path.display())]
    Unreadable {
        /// The `NAME_FILE` variable.
        variable: String,
        /// The file it names.
        path: PathBuf,
        /// Why it cannot be read.
        #[source]
        source: std::io::Error,
    },
    /// The file a `NAME_FILE` variable names holds nothing.
    #[error("{variable}: {} is empty", path.display())]
    EmptyFile {
        /// The `NAME_FILE` variable.
        variable: String,
        /// The file it names.
        path: PathBuf,
    },
    /// The declaration itself is at fault (a bug, not a user's mistake).
    #[error("the configuration's declaration")]
    Declaration(#[source] clap::Error),
}

/// What is wrong with a value (never the value of a secret).
#[derive(Debug, Clone, Error)]
pub enum Invalid {
    /// Not in the setting's range or form.
    #[error("must be {0}")]
    Expected(String),
    /// Not a Sentry DSN.
    #[error("is not a Sentry DSN (https://KEY@HOST/PROJECT)")]
    NotADsn,
    /// Not a Zinc API key.
    #[error("is not a Zinc API key (make one with: zinc keys generate)")]
    NotAKey,
    /// A database URL's query parameter that names a password the driver does not take.
    #[error(
        "has a query parameter '{name}' that the driver would ignore (names are case-sensitive; only `password` is taken): remove it"
    )]
    UnusedSecretParameter {
        /// The parameter's name (never its value).
        name: String,
    },
    /// A list of origins with none in it.
    #[error("lists no origin (leave it unset to turn CORS off)")]
    NoOrigin,
    /// `*` instead of origins.
    #[error("'*' is not accepted: list each origin")]
    AnyOrigin,
    /// A list of host names with none in it.
    #[error("lists no host name (leave it unset to answer loopback names and addresses only)")]
    NoHost,
    /// One entry of a list of host names is not a host name.
    #[error(
        "'{}' is not a host name such as zinc.lan (no scheme, port or path)",
        echo(entry)
    )]
    NotAHostName {
        /// The entry as given.
        entry: String,
    },
    /// A list of proxies with none in it.
    #[error("lists no proxy (leave it unset to trust none)")]
    NoProxy,
    /// One entry of a list of proxies is neither an address nor a network.
    #[error("'{}' is not an IP address or network such as 10.0.0.0/8", echo(entry))]
    NotANetwork {
        /// The entry as given.
        entry: String,
    },
    /// One entry of a list of origins is not an origin.
    #[error("'{}' is not an origin such as https://app.example.com", echo(entry))]
    NotAnOrigin {
        /// The entry as given.
        entry: String,
        /// Why it is not an origin.
        #[source]
        fault: OriginFault,
    },
}

/// Why an entry is not an origin.
#[derive(Debug, Clone, Error)]
pub enum OriginFault {
    /// Not a URL at all.
    #[error(transparent)]
    NotAUrl(#[from] url::ParseError),
    /// Neither http nor https.
    #[error("the scheme must be http or https")]
    Scheme,
    /// A user name or password.
    #[error("an origin has no user name or password")]
    UserInfo,
    /// A path, query or fragment.
    #[error("an origin has no path, query or fragment")]
    Path,
}

fn expected(what: impl Into<String>) -> Invalid {
    Invalid::Expected(what.into())
}

fn count<T: TryFrom<u64>>(text: &str) -> Result<T, Invalid> {
    text.parse::<u64>()
        .ok()
        .filter(|n| (1..=MAX_COUNT).contains(n))
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| expected(format!("a whole number from 1 to {MAX_COUNT}")))
}

fn seconds(text: &str) -> Result<Seconds, Invalid> {
    text.parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_SECONDS).contains(s))
        .map(|s| Seconds(Duration::from_secs(s)))
        .ok_or_else(|| expected(format!("a whole number of seconds from 1 to {MAX_SECONDS}")))
}

fn import_mode(text: &str) -> Result<ImportMode, Invalid> {
    [ImportMode::Strict, ImportMode::SkipInvalid]
        .into_iter()
        .find(|mode| mode.as_str() == text)
        .ok_or_else(|| expected("strict or skip_invalid"))
}

fn watch_millis(text: &str) -> Result<u64, Invalid> {
    text.parse::<u64>()
        .ok()
        .filter(|ms| (MIN_WATCH_MILLIS..=MAX_WATCH_MILLIS).contains(ms))
        .ok_or_else(|| {
            expected(format!(
                "a whole number of milliseconds from {MIN_WATCH_MILLIS} to {MAX_WATCH_MILLIS}"
            ))
        })
}

fn upload_bytes(text: &str) -> Result<u64, Invalid> {
    text.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| expected("a positive number of bytes"))
}

fn rate(text: &str) -> Result<u64, Invalid> {
    text.parse()
        .ok()
        .filter(|n| *n <= u64::from(u32::MAX))
        .ok_or_else(|| expected("a number of bytes per second from 0 to 4294967295"))
}

/// Comma-separated host names, in lower case.
fn host_names(text: &str) -> Result<Vec<String>, Invalid> {
    let names: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let not_a_name = || Invalid::NotAHostName {
                entry: entry.to_owned(),
            };
            match url::Host::parse(entry) {
                Ok(url::Host::Domain(name)) if !name.contains([':', '/', '@', '?', '#', '*']) => {
                    Ok(name.trim_end_matches('.').to_owned())
                }
                _ => Err(not_a_name()),
            }
        })
        .collect::<Result<_, _>>()?;
    if names.is_empty() {
        return Err(Invalid::NoHost);
    }
    Ok(names)
}

/// Comma-separated addresses (`192.0.2.7`, `::1`) or networks (`10.0.0.0/8`).
fn networks(text: &str) -> Result<Vec<ipnet::IpNet>, Invalid> {
    let networks: Vec<ipnet::IpNet> = text
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| Invalid::NotANetwork {
                    entry: entry.to_owned(),
                })
        })
        .collect::<Result<_, _>>()?;
    if networks.is_empty() {
        return Err(Invalid::NoProxy);
    }
    Ok(networks)
}

fn answer_cache_bytes(text: &str) -> Result<u64, Invalid> {
    text.parse()
        .ok()
        .filter(|n| *n <= MAX_ANSWER_CACHE_BYTES)
        .ok_or_else(|| {
            expected(format!(
                "a number of bytes from 0 to {MAX_ANSWER_CACHE_BYTES}"
            ))
        })
}

fn address(
    example: &'static str,
) -> impl Fn(&str) -> Result<SocketAddr, Invalid> + Clone + Send + Sync + 'static {
    move |text| {
        text.parse()
            .map_err(|_| expected(format!("an address and port such as {example}")))
    }
}

fn flag(text: &str) -> Result<bool, Invalid> {
    match text {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(expected("true or false")),
    }
}

fn currency(text: &str) -> Result<String, Invalid> {
    if iso_currency::Currency::from_code(text).is_some() {
        Ok(text.to_owned())
    } else {
        Err(expected("a three-letter ISO 4217 code such as USD"))
    }
}

fn log_format(text: &str) -> Result<LogFormat, Invalid> {
    match text {
        "json" => Ok(LogFormat::Json),
        "pretty" => Ok(LogFormat::Pretty),
        _ => Err(expected("json or pretty")),
    }
}

fn share(text: &str) -> Result<f32, Invalid> {
    text.parse()
        .ok()
        .filter(|r: &f32| (0.0..=1.0).contains(r))
        .ok_or_else(|| expected("a number from 0.0 to 1.0"))
}

fn dsn(text: &str) -> Result<SecretString, Invalid> {
    match text.parse::<sentry::types::Dsn>() {
        Ok(_) => Ok(text.into()),
        Err(_) => Err(Invalid::NotADsn),
    }
}

fn api_key(text: &str) -> Result<KeySecret, Invalid> {
    KeySecret::parse(text).map_err(|_| Invalid::NotAKey)
}

/// Comma-separated origins, each `scheme://host[:port]`, normalised as browsers send them in
/// `Origin` (host in lower case, default port left out).
fn origins(text: &str) -> Result<Vec<String>, Invalid> {
    let origins: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(origin)
        .collect::<Result<_, _>>()?;
    if origins.is_empty() {
        return Err(Invalid::NoOrigin);
    }
    Ok(origins)
}

fn origin(entry: &str) -> Result<String, Invalid> {
    if entry == "*" {
        return Err(Invalid::AnyOrigin);
    }
    let not_an_origin = |fault: OriginFault| Invalid::NotAnOrigin {
        entry: entry.to_owned(),
        fault,
    };
    let url = url::Url::parse(entry).map_err(|e| not_an_origin(e.into()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(not_an_origin(OriginFault::Scheme));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(not_an_origin(OriginFault::UserInfo));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(not_an_origin(OriginFault::Path));
    }
    Ok(url.origin().ascii_serialization())
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
            (Some(_), Some(_)) => Err(ConfigError::Twice {
                variable: name.to_owned(),
            }),
            (Some(value), None) => Ok(Some(value)),
            (None, Some(path)) => {
                let path = PathBuf::from(path);
                let text = (self.read_file)(&path).map_err(|source| ConfigError::Unreadable {
                    variable: file_variable.clone(),
                    path: path.clone(),
                    source,
                })?;
                let text = text.trim().to_owned();
                if text.is_empty() {
                    return Err(ConfigError::EmptyFile {
                        variable: file_variable,
                        path,
                    });
                }
                Ok(Some(text))
            }
            (None, None) => Ok(None),
        }
    }
}

/// Each declared setting: its variable, and whether it is a secret (which may also come from
/// `NAME_FILE`, and whose value clap never shows).
pub fn declared() -> Vec<clap::Arg> {
    let mut command = Config::command();
    // Built, as when parsing: an argument shows itself as clap's errors name it.
    command.build();
    command
        .get_arguments()
        .filter(|arg| arg.get_env().is_some())
        .cloned()
        .collect()
}

fn variable(arg: &clap::Arg) -> String {
    arg.get_env()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
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

    /// Reads configuration through `lookup` and `read_file`: each declared variable's value
    /// (blank is unset; a secret's possibly from its file) is handed to clap, which applies
    /// the defaults and the value parsers.
    pub fn from_sources(
        lookup: impl Fn(&str) -> Option<String>,
        read_file: impl Fn(&Path) -> std::io::Result<String>,
    ) -> Result<Config, ConfigError> {
        let source = Source { lookup, read_file };
        let declared = declared();
        let mut argv = vec![OsString::from("zinc")];
        for arg in &declared {
            let name = variable(arg);
            let value = if arg.is_hide_env_values_set() {
                source.secret(&name)?
            } else {
                source.value(&name)
            };
            if let (Some(value), Some(long)) = (value, arg.get_long()) {
                argv.push(format!("--{long}={value}").into());
            }
        }
        // Values come from `source` alone, never straight from the process environment.
        let command = Config::command()
            .mut_args(|arg| arg.env(clap::builder::Resettable::<clap::builder::OsStr>::Reset));
        let config = command
            .try_get_matches_from(argv)
            .and_then(|matches| Config::from_arg_matches(&matches))
            .map_err(|error| refused(&declared, error))?;
        let named = |id: &str| {
            declared
                .iter()
                .find(|arg| arg.get_id() == id)
                .map(variable)
                .unwrap_or_default()
        };
        for (bound, id) in [
            (config.db_statement_timeout, "db_statement_timeout"),
            (
                config.db_import_statement_timeout,
                "db_import_statement_timeout",
            ),
        ] {
            if config.db_lock_timeout >= bound {
                return Err(ConfigError::Invalid {
                    variable: named("db_lock_timeout"),
                    problem: expected(format!(
                        "shorter than {} (a lock wait would otherwise end as a statement timeout)",
                        named(id)
                    )),
                });
            }
        }
        Ok(config)
    }

    /// How the folder `dir` is watched: the mode, interval and settle time configured, and
    /// the API's upload limit as the largest file read.
    pub fn watch_settings(&self, dir: PathBuf) -> crate::watch::WatchSettings {
        crate::watch::WatchSettings {
            dir,
            mode: self.watch_mode,
            interval: Duration::from_millis(self.watch_interval_ms),
            settle: Duration::from_millis(self.watch_settle_ms),
            max_bytes: self.max_upload_bytes,
        }
    }

    /// The database pool's settings (`max_connections` connections).
    pub fn pool_settings(&self, max_connections: u32) -> PoolSettings {
        PoolSettings {
            max_connections,
            acquire_timeout: *self.db_acquire_timeout,
            statement_timeout: *self.db_statement_timeout,
            bulk_statement_timeout: *self.db_import_statement_timeout,
            lock_timeout: *self.db_lock_timeout,
            idle_in_transaction_timeout: *self.db_idle_in_transaction_timeout,
            generic_plans: false,
        }
    }

    /// The settings of a pool of revenue figures' reads (`ZINC_DB_FIGURES_CONNECTIONS`):
    /// statements of a few fixed shapes over the rollups, planned once.
    pub fn figures_pool_settings(&self) -> PoolSettings {
        PoolSettings {
            generic_plans: true,
            ..self.pool_settings(self.db_figures_connections)
        }
    }

    /// The bounds of reading through the replica.
    pub fn replica_settings(&self) -> ReplicaSettings {
        ReplicaSettings {
            wait: *self.replica_wait,
            max_lag: *self.replica_max_lag,
        }
    }

    /// How long short reads wait for the database's answer, by kind.
    pub fn read_bounds(&self) -> ReadBounds {
        ReadBounds {
            lookup: *self.db_lookup_timeout,
            figures: *self.db_figures_timeout,
        }
    }

    /// How long the adapters wait for any answer from the database (the pool size plays no
    /// part in it).
    pub fn reply_timeout(&self) -> Duration {
        self.pool_settings(self.db_max_connections).reply_timeout()
    }

    /// The bound of bulk work (an import's transaction, a revert, pruning, a rollup check or
    /// rebuild), naming its variable when a statement outlasts it.
    pub fn bulk_bound(&self) -> BulkBound {
        self.pool_settings(self.db_max_connections)
            .bulk_bound(IMPORT_STATEMENT_TIMEOUT)
    }
}

/// The variable whose value clap refused, and why (our value parser's [`Invalid`]).
fn refused(declared: &[clap::Arg], error: clap::Error) -> ConfigError {
    let arg = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(shown)) => declared.iter().find(|arg| arg.to_string() == *shown),
        _ => None,
    };
    let problem = std::error::Error::source(&error)
        .and_then(|source| source.downcast_ref::<Invalid>())
        .cloned();
    match (arg, problem) {
        (Some(arg), Some(problem)) => ConfigError::Invalid {
            variable: variable(arg),
            problem,
        },
        _ => ConfigError::Declaration(error),
    }
}

/// Whether a URL's query parameter `name` holds a secret: any name with `password` in it,
/// whatever its case (`password`, `PASSWORD`, `sslpassword`).
fn names_a_secret(name: &str) -> bool {
    name.to_ascii_lowercase().contains("password")
}

/// The URL with its password (in the user info, or any query parameter whose name says
/// password, whatever its case) replaced by `***`; an unparsable URL is not shown at all.
pub fn redact_password(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Ok(mut parsed) = url::Url::parse(url) else {
        return format!("(an unparsable URL, not shown: {} characters)", url.len());
    };
    if parsed.password().is_some() {
        // Cannot fail: the URL has a host, since it has a password.
        let _ = parsed.set_password(Some(HIDDEN));
    }
    if parsed.query_pairs().any(|(key, _)| names_a_secret(&key)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if names_a_secret(&key) {
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

    /// The error as `zinc` prints it: the variable, then its chain of causes.
    fn shown(error: ConfigError) -> String {
        format!("{:#}", anyhow::Error::new(error))
    }

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
        assert_eq!(config.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert!(config.migrate_on_start);
        assert_eq!(config.max_upload_bytes, 64 * 1024 * 1024);
        assert_eq!(config.answer_cache_bytes, 32 * 1024 * 1024);
        assert_eq!(config.currency, "USD");
        assert_eq!(*config.shutdown_timeout, Duration::from_secs(30));
        assert!(config.sentry.dsn.is_none());
        assert!(!config.allow_anonymous);
        assert!(config.metrics_bind.is_none());
        assert!(config.bootstrap_key.is_none());
        assert!(config.cors_origins.is_none(), "CORS is off by default");
    }

    #[test]
    fn cors_origins_are_read_as_browsers_send_them() {
        let config = config(&[(
            "ZINC_CORS_ORIGINS",
            " https://App.Example.com, http://localhost:3000,https://example.com:443/,",
        )])
        .unwrap();
        assert_eq!(
            config.cors_origins.unwrap(),
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
    fn allowed_hosts_and_trusted_proxies_are_read_as_lists() {
        let listed = config(&[
            ("ZINC_ALLOWED_HOSTS", " Zinc.LAN, zinc.internal.,"),
            ("ZINC_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,::1"),
        ])
        .unwrap();
        assert_eq!(listed.allowed_hosts.unwrap(), ["zinc.lan", "zinc.internal"]);
        let proxies: Vec<String> = listed
            .trusted_proxies
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]);
        let defaults = config(&[]).unwrap();
        assert!(defaults.allowed_hosts.is_none() && defaults.trusted_proxies.is_none());
        assert_eq!(defaults.upload_min_rate, 1024);
        assert_eq!(*defaults.upload_min_rate_grace, Duration::from_secs(10));
    }

    #[test]
    fn a_malformed_host_or_proxy_is_refused_naming_it() {
        for (variable, value, says) in [
            ("ZINC_ALLOWED_HOSTS", "http://zinc.lan", "http://zinc.lan"),
            ("ZINC_ALLOWED_HOSTS", "zinc.lan:8080", "zinc.lan:8080"),
            ("ZINC_ALLOWED_HOSTS", " , ", "no host"),
            ("ZINC_TRUSTED_PROXIES", "proxy.lan", "proxy.lan"),
            ("ZINC_TRUSTED_PROXIES", "10.0.0.0/33", "10.0.0.0/33"),
            ("ZINC_TRUSTED_PROXIES", ",", "no proxy"),
            ("ZINC_UPLOAD_MIN_RATE", "fast", "bytes per second"),
            ("ZINC_UPLOAD_MIN_RATE_GRACE", "0", "seconds"),
        ] {
            let error = config_error_text(&[(variable, value)]);
            assert!(error.starts_with(&format!("{variable}: ")), "{error}");
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
        shown(config(vars).unwrap_err())
    }

    #[test]
    fn a_password_parameter_the_driver_would_ignore_is_refused_without_its_value() {
        for (url, name) in [
            ("postgres://u@db/zinc?PASSWORD=hunter2", "PASSWORD"),
            (
                "postgres://u@db/zinc?sslmode=require&sslpassword=hunter2",
                "sslpassword",
            ),
        ] {
            let error = config_error_text(&[("DATABASE_URL", url)]);
            assert!(error.starts_with("DATABASE_URL: "), "{error}");
            assert!(error.contains(name), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
        assert!(config(&[("DATABASE_URL", "postgres://u@db/zinc?password=hunter2")]).is_ok());
    }

    #[test]
    fn rejects_a_database_url_that_is_not_postgres() {
        let error = config(&[("DATABASE_URL", "mysql://localhost/zinc")]).unwrap_err();
        assert_eq!(
            shown(error),
            "DATABASE_URL: must be a postgres:// or postgresql:// URL"
        );
    }

    #[test]
    fn timeouts_postgresql_would_refuse_are_refused_here_naming_the_variable() {
        for (variable, value) in [
            ("ZINC_DB_STATEMENT_TIMEOUT", "3000000"),
            ("ZINC_DB_IMPORT_STATEMENT_TIMEOUT", "86401"),
            ("ZINC_DB_IMPORT_STATEMENT_TIMEOUT", "0"),
            ("ZINC_DB_LOCK_TIMEOUT", "18446744073709551615"),
            ("ZINC_UPLOAD_TIMEOUT", "0"),
        ] {
            let error = shown(config(&[(variable, value)]).unwrap_err());
            assert!(error.starts_with(variable), "{error}");
        }
        let error = config(&[
            ("ZINC_DB_STATEMENT_TIMEOUT", "10"),
            ("ZINC_DB_LOCK_TIMEOUT", "10"),
        ])
        .unwrap_err();
        let error = shown(error);
        assert!(
            error.starts_with("ZINC_DB_LOCK_TIMEOUT: must be shorter"),
            "{error}"
        );
        let error = config(&[
            ("ZINC_DB_IMPORT_STATEMENT_TIMEOUT", "60"),
            ("ZINC_DB_LOCK_TIMEOUT", "60"),
        ])
        .unwrap_err();
        assert_eq!(
            shown(error),
            "ZINC_DB_LOCK_TIMEOUT: must be shorter than ZINC_DB_IMPORT_STATEMENT_TIMEOUT \
             (a lock wait would otherwise end as a statement timeout)"
        );
    }

    #[test]
    fn bulk_work_has_an_hour_per_statement_unless_told_otherwise() {
        let defaults = config(&[]).unwrap();
        assert_eq!(*defaults.db_statement_timeout, Duration::from_secs(300));
        assert_eq!(
            *defaults.db_import_statement_timeout,
            Duration::from_secs(3600)
        );
        let set = config(&[("ZINC_DB_IMPORT_STATEMENT_TIMEOUT", "7200")]).unwrap();
        assert_eq!(
            set.pool_settings(1).bulk_statement_timeout,
            Duration::from_secs(7200)
        );
        assert_eq!(
            *set.db_statement_timeout,
            Duration::from_secs(300),
            "requests keep their bound"
        );
    }

    #[test]
    fn watch_settings_are_bounded_and_the_mode_is_one_of_the_imports() {
        let defaults = config(&[]).unwrap();
        assert_eq!(defaults.watch_dir, None);
        assert_eq!(defaults.watch_mode, ImportMode::Strict);
        let edges = config(&[
            ("ZINC_WATCH_MODE", "skip_invalid"),
            ("ZINC_WATCH_INTERVAL_MS", &MIN_WATCH_MILLIS.to_string()),
            ("ZINC_WATCH_SETTLE_MS", &MAX_WATCH_MILLIS.to_string()),
        ])
        .unwrap();
        assert_eq!(edges.watch_mode, ImportMode::SkipInvalid);
        let settings = edges.watch_settings(PathBuf::from("pos"));
        assert_eq!(settings.interval, Duration::from_millis(MIN_WATCH_MILLIS));
        assert_eq!(settings.settle, Duration::from_millis(MAX_WATCH_MILLIS));
        assert_eq!(
            settings.max_bytes, edges.max_upload_bytes,
            "one upload limit"
        );
        for (variable, value) in [
            ("ZINC_WATCH_MODE", "lenient"),
            (
                "ZINC_WATCH_INTERVAL_MS",
                &(MIN_WATCH_MILLIS - 1).to_string(),
            ),
            ("ZINC_WATCH_SETTLE_MS", &(MAX_WATCH_MILLIS + 1).to_string()),
        ] {
            let error = shown(config(&[(variable, value)]).unwrap_err());
            assert!(error.starts_with(variable), "{error}");
        }
    }

    #[test]
    fn replaced_versions_are_kept_a_bounded_number_of_days() {
        assert!(config(&[]).unwrap().prune_on_serve);
        assert!(
            !config(&[("ZINC_PRUNE_ON_SERVE", "false")])
                .unwrap()
                .prune_on_serve
        );
        assert_eq!(config(&[]).unwrap().replaced_keep_days, 90);
        for days in [MIN_KEEP_DAYS, MAX_KEEP_DAYS] {
            let kept = config(&[("ZINC_REPLACED_KEEP_DAYS", &days.to_string())]).unwrap();
            assert_eq!(kept.replaced_keep_days, days);
        }
        for value in ["0", &(MAX_KEEP_DAYS + 1).to_string(), "a week"] {
            let error = shown(config(&[("ZINC_REPLACED_KEEP_DAYS", value)]).unwrap_err());
            assert!(error.starts_with("ZINC_REPLACED_KEEP_DAYS"), "{error}");
        }
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
            ("ZINC_CURRENCY", "XYZ"),
            ("ZINC_SHUTDOWN_TIMEOUT", "-1"),
            ("ZINC_LOG_FORMAT", "xml"),
            ("ZINC_DB_MAX_CONNECTIONS", "0"),
            ("ZINC_DB_ACQUIRE_TIMEOUT", "soon"),
            ("SENTRY_DSN", "not a dsn"),
            ("ZINC_ALLOW_ANONYMOUS", "perhaps"),
            ("ZINC_METRICS_BIND", "9100"),
            ("ZINC_BOOTSTRAP_KEY", "hunter2"),
        ] {
            let error = shown(config(&[(variable, value)]).unwrap_err());
            assert!(error.starts_with(variable), "{error}");
        }
        let error = config(&[
            ("SENTRY_DSN", "https://key@sentry.example.com/42"),
            ("SENTRY_TRACES_SAMPLE_RATE", "2"),
        ])
        .unwrap_err();
        assert!(shown(error).starts_with("SENTRY_TRACES_SAMPLE_RATE"));
    }

    #[test]
    fn a_secret_may_come_from_a_file_but_not_from_both() {
        let config_from_file = config(&[("DATABASE_URL_FILE", "/run/secrets/db")]).unwrap();
        assert_eq!(
            config_from_file.database_url.expose(),
            "postgres://zinc:fromfile@db/zinc"
        );
        let both = config(&[
            ("DATABASE_URL_FILE", "/run/secrets/db"),
            ("DATABASE_URL", "postgres://x@y/z"),
        ])
        .unwrap_err();
        assert_eq!(
            shown(both),
            "DATABASE_URL: set DATABASE_URL or DATABASE_URL_FILE, not both"
        );
        let missing = config(&[("SENTRY_DSN_FILE", "/run/secrets/none")]).unwrap_err();
        assert!(
            shown(missing)
                .starts_with("SENTRY_DSN_FILE: cannot read /run/secrets/none: no such file")
        );
    }

    #[test]
    fn the_read_replica_is_off_unless_its_url_is_set() {
        let defaults = config(&[]).unwrap();
        assert!(defaults.database_read_url.is_none());
        assert_eq!(*defaults.replica_wait, Duration::from_secs(2));
        assert_eq!(*defaults.replica_max_lag, Duration::from_secs(30));
        let set = config(&[
            (
                "DATABASE_READ_URL",
                "postgres://zinc:r3plica@replica:5432/zinc",
            ),
            ("ZINC_REPLICA_WAIT", "5"),
            ("ZINC_REPLICA_MAX_LAG", "60"),
        ])
        .unwrap();
        assert_eq!(
            set.database_read_url.as_ref().map(DatabaseUrl::expose),
            Some("postgres://zinc:r3plica@replica:5432/zinc")
        );
        assert_eq!(set.replica_settings().wait, Duration::from_secs(5));
        assert_eq!(set.replica_settings().max_lag, Duration::from_secs(60));
        assert!(!format!("{set:?}").contains("r3plica"));
    }

    #[test]
    fn a_bad_read_url_is_refused_without_its_password() {
        let error = config_error_text(&[("DATABASE_READ_URL", "mysql://u:hunter2@db/zinc")]);
        assert!(
            error.starts_with("DATABASE_READ_URL: must be a postgres"),
            "{error}"
        );
        let error = config_error_text(&[(
            "DATABASE_READ_URL",
            "postgres://u@db/zinc?sslpassword=hunter2",
        )]);
        assert!(error.starts_with("DATABASE_READ_URL: "), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        for variable in ["ZINC_REPLICA_WAIT", "ZINC_REPLICA_MAX_LAG"] {
            let error = config_error_text(&[(variable, "0")]);
            assert!(error.starts_with(variable), "{error}");
        }
        let both = config(&[
            ("DATABASE_READ_URL_FILE", "/run/secrets/db"),
            ("DATABASE_READ_URL", "postgres://x@y/z"),
        ])
        .unwrap_err();
        assert_eq!(
            shown(both),
            "DATABASE_READ_URL: set DATABASE_READ_URL or DATABASE_READ_URL_FILE, not both"
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
    fn every_query_parameter_naming_a_password_is_redacted_whatever_its_case() {
        let shown = redact_password(
            "postgres://u@db/zinc?sslmode=require&sslpassword=k3ypass&PASSWORD=UPPER&Password=mixed",
        );
        for secret in ["k3ypass", "UPPER", "mixed"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("sslmode=require"), "{shown}");
        assert!(shown.contains("sslpassword=***"), "{shown}");
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

#[cfg(test)]
mod readme_tests {
    use super::{declared, variable};

    /// Variables in the README's table that the configuration does not read: the log filter
    /// (tracing reads it), a build-time one and the tests' own.
    const READ_ELSEWHERE: [&str; 3] = ["RUST_LOG", "ZINC_GIT_COMMIT", "ZINC_TEST_DATABASE_URL"];

    /// A setting as a table shows it: variable, default (`None`: unset) and whether it may
    /// come from `NAME_FILE`.
    type Row = (String, Option<String>, bool);

    fn backticked(cell: &str) -> Vec<&str> {
        cell.split('`').skip(1).step_by(2).collect()
    }

    /// The rows of the table in the README's Configuration section.
    fn readme_rows(readme: &str) -> Vec<Row> {
        let section = readme
            .split("\n## ")
            .find(|section| section.starts_with("Configuration\n"))
            .expect("README.md has a Configuration section");
        let mut rows: Vec<Row> = section
            .lines()
            .filter(|line| line.starts_with("| `"))
            .map(|line| {
                let cells: Vec<&str> = line.split(" | ").collect();
                let names = backticked(cells[0]);
                let default = cells[1]
                    .starts_with('`')
                    .then(|| backticked(cells[1])[0].to_owned());
                let from_file = names.contains(&format!("{}_FILE", names[0]).as_str());
                (names[0].to_owned(), default, from_file)
            })
            .filter(|(name, _, _)| !READ_ELSEWHERE.contains(&name.as_str()))
            .collect();
        rows.sort();
        rows
    }

    fn declared_rows() -> Vec<Row> {
        let mut rows: Vec<Row> = declared()
            .iter()
            .map(|arg| {
                let default = arg
                    .get_default_values()
                    .first()
                    .map(|value| value.to_string_lossy().into_owned());
                (variable(arg), default, arg.is_hide_env_values_set())
            })
            .collect();
        rows.sort();
        rows
    }

    #[test]
    fn the_readme_table_lists_each_variable_with_its_declared_default() {
        let readme = include_str!("../../../README.md");
        assert_eq!(readme_rows(readme), declared_rows());
    }
}
