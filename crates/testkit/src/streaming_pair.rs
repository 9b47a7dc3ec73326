//! A PostgreSQL primary and a streaming replica of it, both made for a test and dropped after
//! it ([`StreamingPair`]), with Debian's cluster tools (postgresql-common): `pg_createcluster`,
//! `pg_ctlcluster`, `pg_basebackup` and `pg_dropcluster`. Never touches the machine's own
//! clusters: each pair has clusters of its own (named `zinc_pair_*`) on free ports.
//!
//! Needs root (or the postgres user) and the PostgreSQL server packages, as the machines that
//! run Zinc's tests have them (`.ci/run` checks). Creating a pair takes a few seconds; tests
//! that use one run one at a time (the `streaming-pair` test group in `.config/nextest.toml`).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// Prefix of the clusters a pair creates, so that leftovers are easy to find.
pub const PAIR_CLUSTER_PREFIX: &str = "zinc_pair_";

/// A primary and a replica streaming from it, each a cluster of its own on 127.0.0.1 (trust
/// authentication, user `postgres`). Both are stopped and dropped when the value is dropped,
/// also when the test panics.
pub struct StreamingPair {
    version: String,
    primary: Cluster,
    replica: Cluster,
}

/// One cluster of the pair.
#[derive(Debug, Clone)]
struct Cluster {
    name: String,
    port: u16,
}

/// Why a pair could not be made.
#[derive(Debug)]
pub struct PairError(String);

impl std::fmt::Display for PairError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PairError {}

static PAIRS: AtomicU32 = AtomicU32::new(0);

/// Runs a command, failing with its output when it fails.
fn run(program: &str, args: &[&str]) -> Result<Output, PairError> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|error| PairError(format!("cannot run {program}: {error}")))?;
    if !output.status.success() {
        return Err(PairError(format!(
            "{program} {} failed ({}): {}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(output)
}

/// A port nobody listens on now.
fn free_port() -> Result<u16, PairError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| PairError(format!("no free port: {error}")))
}

/// The newest PostgreSQL server installed (`/usr/lib/postgresql/<version>/bin/postgres`).
fn newest_version() -> Result<String, PairError> {
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|error| PairError(format!("no PostgreSQL server installed: {error}")))?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("bin/postgres").exists())
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort_unstable();
    versions
        .last()
        .map(u32::to_string)
        .ok_or_else(|| PairError("no PostgreSQL server in /usr/lib/postgresql".to_owned()))
}

impl StreamingPair {
    /// Whether this machine can make pairs (`pg_createcluster` is there).
    pub fn available() -> bool {
        Command::new("pg_createcluster")
            .arg("--version")
            .output()
            .is_ok()
    }

    /// Creates and starts a primary, then a replica streaming from it (`pg_basebackup -R -X
    /// stream`); returns once the replica accepts connections. Blocks for a few seconds.
    pub fn create() -> Result<StreamingPair, PairError> {
        let version = newest_version()?;
        let n = PAIRS.fetch_add(1, Ordering::Relaxed);
        let stem = format!("{PAIR_CLUSTER_PREFIX}{}_{n}", std::process::id());
        let primary = Cluster {
            name: format!("{stem}_primary"),
            port: free_port()?,
        };
        let replica = Cluster {
            name: format!("{stem}_replica"),
            port: free_port()?,
        };
        // Dropped (both clusters) if anything below fails.
        let pair = StreamingPair {
            version,
            primary,
            replica,
        };
        pair.create_cluster(&pair.primary)?;
        pair.start(&pair.primary)?;
        pair.create_cluster(&pair.replica)?;
        let data = pair.data_directory(&pair.replica)?;
        // pg_basebackup fills an empty directory (kept: the postgres user owns it).
        let empty =
            |error: std::io::Error| PairError(format!("cannot empty {}: {error}", data.display()));
        for entry in std::fs::read_dir(&data).map_err(empty)? {
            let path = entry.map_err(empty)?.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path).map_err(empty)?;
            } else {
                std::fs::remove_file(&path).map_err(empty)?;
            }
        }
        let port = pair.primary.port.to_string();
        let data = data.to_string_lossy().into_owned();
        run(
            "runuser",
            &[
                "-u",
                "postgres",
                "--",
                "pg_basebackup",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &data,
                "-R",
                "-X",
                "stream",
            ],
        )?;
        pair.start(&pair.replica)?;
        Ok(pair)
    }

    fn create_cluster(&self, cluster: &Cluster) -> Result<(), PairError> {
        let port = cluster.port.to_string();
        run(
            "pg_createcluster",
            &[
                &self.version,
                &cluster.name,
                "-p",
                &port,
                "--start-conf",
                "manual",
                "-q",
                // Tests only: nothing here must survive a crash.
                "-o",
                "fsync=off",
                "-o",
                "shared_buffers=16MB",
                "-o",
                "max_connections=60",
                // initdb's own pg_hba.conf: trust, replication connections included.
                "--",
                "--auth=trust",
            ],
        )?;
        Ok(())
    }

    fn data_directory(&self, cluster: &Cluster) -> Result<PathBuf, PairError> {
        let listed = run("pg_lsclusters", &["-h", &self.version, &cluster.name])?;
        String::from_utf8_lossy(&listed.stdout)
            .split_whitespace()
            .nth(5)
            .map(PathBuf::from)
            .ok_or_else(|| PairError(format!("pg_lsclusters does not list {}", cluster.name)))
    }

    fn start(&self, cluster: &Cluster) -> Result<(), PairError> {
        run(
            "pg_ctlcluster",
            &[
                "--skip-systemctl-redirect",
                &self.version,
                &cluster.name,
                "start",
            ],
        )?;
        Ok(())
    }

    /// A URL to `database` on the primary.
    pub fn primary_url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.primary.port
        )
    }

    /// A URL to `database` on the replica.
    pub fn replica_url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.replica.port
        )
    }

    /// Stops the replica (fast shutdown: its connections are cut).
    pub fn stop_replica(&self) -> Result<(), PairError> {
        run(
            "pg_ctlcluster",
            &[
                "--skip-systemctl-redirect",
                &self.version,
                &self.replica.name,
                "stop",
                "-m",
                "fast",
            ],
        )?;
        Ok(())
    }

    /// Starts the replica again.
    pub fn start_replica(&self) -> Result<(), PairError> {
        self.start(&self.replica)
    }
}

impl Drop for StreamingPair {
    fn drop(&mut self) {
        for cluster in [&self.replica, &self.primary] {
            // A cluster never created is not listed: nothing to drop.
            let dropped = Command::new("pg_dropcluster")
                .args(["--stop", &self.version, &cluster.name])
                .output();
            if !matches!(&dropped, Ok(output) if output.status.success()) {
                let listed = Command::new("pg_lsclusters")
                    .args(["-h", &self.version, &cluster.name])
                    .output();
                if matches!(&listed, Ok(output) if !output.stdout.is_empty()) {
                    eprintln!("warning: could not drop the test cluster {}", cluster.name);
                }
            }
        }
    }
}
