//! Reads through a PostgreSQL streaming replica ([`Replication`]), and when not to.
//!
//! Zinc writes to the primary; a replica replays the primary's write-ahead log (WAL) a little
//! later. Every read routed here asks [`Replication::replica_serves`] first, which says yes only
//! when both hold:
//! - the replica is *serving*: the last observation (every [`OBSERVE_EVERY`]) found it a
//!   standby, answering, and behind the primary by at most the lag bound
//!   ([`ReplicaSettings::max_lag`]);
//! - it has replayed the *target*: the primary's WAL position after the last change this
//!   server must see. An import through this server raises the target right after its commit
//!   ([`Replication::note_primary_position`]); so does every new data version this server
//!   learns (the version is read on the primary, with the position, see `versions.rs`), so
//!   that no answer tagged with a version is computed from a replica that has not replayed it.
//!
//! A read that finds the target not yet replayed waits for it, looking again every
//! [`WAIT_STEP`], at most [`ReplicaSettings::wait`]; past that it reads from the primary, and
//! so do the reads after it, without waiting, until the replica has replayed that target.
//!
//! The position is the primary's `pg_current_wal_lsn()` (its WAL *write* position), read after
//! the commit returned: a commit returns once its record is flushed (`synchronous_commit` on,
//! PostgreSQL's default; Zinc never turns it off), so that position is at or past the commit's
//! end, and the replica's `pg_last_wal_replay_lsn()` reaches it once the commit is replayed.
//! `pg_current_wal_insert_lsn()` would also be past it, but at a page boundary it points past
//! a page header that the replica only reaches when more WAL comes: reads would wait in vain.
//!
//! Lag in seconds is measured from positions, not from `pg_last_xact_replay_timestamp()`
//! (which grows while the primary is idle, and stands still while the replica is cut off):
//! every observation notes the primary's position and when it was seen; the lag is the age of
//! the oldest noted position the replica has not replayed (zero when it has replayed them all).
//! It is exact to one observation period.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tracing::{info, warn};
use zinc_ports::{ReplicaReport, ReplicaState, ReplicaStatus, StoreError};

use crate::database::Database;
use crate::error::{Inconsistency, store_error, within};
use crate::sql::{Fixed, get};

/// How often the replica's state and lag are observed.
pub const OBSERVE_EVERY: Duration = Duration::from_secs(1);

/// How often a waiting read looks at the replica's replay position again.
pub const WAIT_STEP: Duration = Duration::from_millis(10);

/// How long one look at either server may take before it counts as not answering.
const LOOK_TIMEOUT: Duration = Duration::from_secs(2);

/// The most primary positions remembered for measuring the lag (one per observation: more
/// than an hour's worth). Past it, the oldest is kept and the second oldest dropped, so that
/// a long lag is never understated.
const MAX_SAMPLES: usize = 4096;

/// The target when the primary could not tell its position after a commit: beyond any.
const UNKNOWN_TARGET: u64 = u64::MAX;

/// The primary's WAL write position, in bytes.
const PRIMARY_POSITION: Fixed<0> =
    Fixed::new("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS position");

/// Whether the replica is a standby, and how far it has replayed (NULL when not in recovery
/// from a stream, e.g. never a standby).
const REPLICA_POSITION: Fixed<0> = Fixed::new(
    "SELECT pg_is_in_recovery() AS standby, \
     (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS replayed",
);

/// How far the replica has replayed.
const REPLAYED: Fixed<0> =
    Fixed::new("SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS replayed");

/// The bounds of reading through a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaSettings {
    /// How long a read waits for the replica to replay a change this server must see before
    /// it reads from the primary instead.
    pub wait: Duration,
    /// How far behind the primary the replica may be (see the module's documentation for how
    /// it is measured) before reads go to the primary.
    pub max_lag: Duration,
}

impl Default for ReplicaSettings {
    fn default() -> Self {
        ReplicaSettings {
            wait: Duration::from_secs(2),
            max_lag: Duration::from_secs(30),
        }
    }
}

/// The choice between a replica and the primary, shared by every read port built on it (and
/// by the ledger and the data versions, which raise the target). Cheap to clone. Observes the
/// replica on a task of the current tokio runtime, which stops once every clone is dropped.
#[derive(Clone)]
pub struct Replication {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Replication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replication")
            .field("settings", &self.inner.settings)
            .field("report", &self.report())
            .finish()
    }
}

struct Inner {
    primary: DatabaseConnection,
    replica: DatabaseConnection,
    settings: ReplicaSettings,
    /// The primary position every read must see replayed.
    target: AtomicU64,
    /// The replica's replay position, as last seen.
    replayed: AtomicU64,
    /// A target a read waited for in vain: until it is replayed, reads go to the primary
    /// without waiting.
    given_up: AtomicU64,
    /// Reads sent to the primary.
    fallback_reads: AtomicU64,
    observed: Mutex<Observed>,
}

/// What the observations found.
struct Observed {
    state: ReplicaState,
    lag: Option<Duration>,
    lag_bytes: Option<u64>,
    /// Primary positions not yet replayed, with when each was seen, oldest first.
    samples: VecDeque<(Instant, u64)>,
}

impl Replication {
    /// Reads through `replica` when it may, else through `primary`; starts observing the
    /// replica (the first observation right away).
    pub fn start(
        primary: impl Into<Database>,
        replica: impl Into<Database>,
        settings: ReplicaSettings,
    ) -> Replication {
        let inner = Arc::new(Inner {
            primary: primary.into().0,
            replica: replica.into().0,
            settings,
            target: AtomicU64::new(0),
            replayed: AtomicU64::new(0),
            given_up: AtomicU64::new(0),
            fallback_reads: AtomicU64::new(0),
            observed: Mutex::new(Observed {
                state: ReplicaState::Unknown,
                lag: None,
                lag_bytes: None,
                samples: VecDeque::new(),
            }),
        });
        tokio::spawn(observe_while_wanted(Arc::downgrade(&inner)));
        Replication { inner }
    }

    /// Observes the replica once, now (the task does so every [`OBSERVE_EVERY`]).
    pub async fn observe(&self) {
        self.inner.observe().await;
    }

    /// Makes every later read see what the primary holds now: raises the target to the
    /// primary's current position (after an import's commit). When the primary cannot say,
    /// the target is beyond any position (reads go to the primary) until the next observation
    /// reads the primary's position, which is past the commit, and takes it as the target.
    pub async fn note_primary_position(&self) {
        match self.inner.primary_position().await {
            Ok(position) => self.raise_target(position),
            Err(error) => {
                warn!(%error, "cannot read the primary's WAL position; reads go to the primary");
                self.raise_target(UNKNOWN_TARGET);
            }
        }
    }

    /// Makes every later read see the primary's `position` (bytes of WAL).
    pub(crate) fn raise_target(&self, position: u64) {
        self.inner.target.fetch_max(position, Ordering::SeqCst);
    }

    /// Whether the next read may go to the replica; waits (at most the settings' wait) for it
    /// to replay the target. Counts a read sent to the primary.
    pub async fn replica_serves(&self) -> bool {
        let serves = self.inner.replica_serves().await;
        if !serves {
            self.inner.fallback_reads.fetch_add(1, Ordering::Relaxed);
        }
        serves
    }
}

impl ReplicaStatus for Replication {
    fn report(&self) -> ReplicaReport {
        let observed = lock(&self.inner.observed);
        ReplicaReport {
            state: observed.state,
            lag: observed.lag,
            lag_bytes: observed.lag_bytes,
            fallback_reads: self.inner.fallback_reads.load(Ordering::Relaxed),
        }
    }
}

fn lock(observed: &Mutex<Observed>) -> std::sync::MutexGuard<'_, Observed> {
    // A panic while holding the lock leaves plain data behind: still usable.
    observed
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A position read as `bigint` (never negative: WAL positions start at 0).
fn position(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl Inner {
    async fn primary_position(&self) -> Result<u64, StoreError> {
        let row = within(LOOK_TIMEOUT, async {
            self.primary
                .query_one_raw(PRIMARY_POSITION.with([]))
                .await
                .map_err(store_error)
        })
        .await?
        .ok_or_else(|| Inconsistency::unexpected("the WAL position query returned no row"))?;
        Ok(position(get(&row, "position")?))
    }

    /// Whether the replica is a standby, and its replay position.
    async fn replica_position(&self) -> Result<(bool, Option<u64>), StoreError> {
        let row = within(LOOK_TIMEOUT, async {
            self.replica
                .query_one_raw(REPLICA_POSITION.with([]))
                .await
                .map_err(store_error)
        })
        .await?
        .ok_or_else(|| Inconsistency::unexpected("the replay position query returned no row"))?;
        let replayed: Option<i64> = get(&row, "replayed")?;
        Ok((get(&row, "standby")?, replayed.map(position)))
    }

    async fn replayed_now(&self, limit: Duration) -> Result<u64, StoreError> {
        let row = within(limit, async {
            self.replica
                .query_one_raw(REPLAYED.with([]))
                .await
                .map_err(store_error)
        })
        .await?
        .ok_or_else(|| Inconsistency::unexpected("the replay position query returned no row"))?;
        let replayed: Option<i64> = get(&row, "replayed")?;
        let replayed = replayed.map_or(0, position);
        Ok(self
            .replayed
            .fetch_max(replayed, Ordering::SeqCst)
            .max(replayed))
    }

    async fn replica_serves(&self) -> bool {
        if !lock(&self.observed).state.serves_reads() {
            return false;
        }
        let target = self.target.load(Ordering::SeqCst);
        if self.replayed.load(Ordering::SeqCst) >= target {
            return true;
        }
        if self.given_up.load(Ordering::SeqCst) >= target {
            return false;
        }
        let deadline = tokio::time::Instant::now() + self.settings.wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.replayed_now(left.max(Duration::from_millis(1))).await {
                Ok(replayed) if replayed >= target => return true,
                Ok(_) => {}
                Err(error) => {
                    warn!(%error, "cannot read the replica's replay position; reading from the primary");
                    return false;
                }
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                self.given_up.fetch_max(target, Ordering::SeqCst);
                return false;
            }
            tokio::time::sleep(left.min(WAIT_STEP)).await;
        }
    }

    async fn observe(&self) {
        let replica = self.replica_position().await;
        let primary = self.primary_position().await.ok();
        let now = Instant::now();
        if let Some(primary) = primary {
            // An unknown target (see `note_primary_position`) becomes a position again, and
            // reads wait for it again rather than having given up on it.
            for (known, now) in [(&self.target, primary), (&self.given_up, 0)] {
                let _ =
                    known.compare_exchange(UNKNOWN_TARGET, now, Ordering::SeqCst, Ordering::SeqCst);
            }
        }
        let mut observed = lock(&self.observed);
        let before = observed.state;
        match replica {
            Err(_) => {
                observed.state = ReplicaState::Down;
                observed.lag = None;
                observed.lag_bytes = None;
            }
            Ok((false, _)) => {
                observed.state = ReplicaState::Promoted;
                observed.lag = None;
                observed.lag_bytes = None;
            }
            Ok((true, replayed)) => {
                let replayed =
                    replayed.map(|r| self.replayed.fetch_max(r, Ordering::SeqCst).max(r));
                if let Some(primary) = primary
                    && observed
                        .samples
                        .back()
                        .is_none_or(|(_, last)| *last < primary)
                {
                    if observed.samples.len() >= MAX_SAMPLES {
                        observed.samples.remove(1);
                    }
                    observed.samples.push_back((now, primary));
                }
                let replayed_all = replayed.unwrap_or(0);
                while observed
                    .samples
                    .front()
                    .is_some_and(|(_, position)| *position <= replayed_all)
                {
                    observed.samples.pop_front();
                }
                let lag = observed
                    .samples
                    .front()
                    .map_or(Duration::ZERO, |(seen, _)| now.duration_since(*seen));
                observed.lag = Some(lag);
                observed.lag_bytes = primary.map(|p| p.saturating_sub(replayed_all));
                observed.state = if replayed.is_some() && lag <= self.settings.max_lag {
                    ReplicaState::Serving
                } else {
                    ReplicaState::Lagging
                };
            }
        }
        let after = observed.state;
        drop(observed);
        if after != before {
            if after == ReplicaState::Serving {
                info!(state = after.as_str(), "reads go to the replica");
            } else {
                warn!(state = after.as_str(), "reads go to the primary");
            }
        }
    }
}

async fn observe_while_wanted(inner: Weak<Inner>) {
    loop {
        let Some(inner) = inner.upgrade() else {
            return;
        };
        if inner.primary.get_postgres_connection_pool().is_closed() {
            return;
        }
        inner.observe().await;
        drop(inner);
        tokio::time::sleep(OBSERVE_EVERY).await;
    }
}
