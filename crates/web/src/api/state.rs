//! What the handlers share: the ports, and a few settings.

use std::sync::Arc;

use zinc_application::{Gatekeeper, Sessions};
use zinc_ports::{
    DataVersions, ImportHistory, ImportReverts, OrderBook, ProductCatalog, ReplicaStatus,
    SalesArchive, SalesFigures, SalesLedger, StoreHealth,
};

use super::answers::AnswerCache;
use super::auth_failures::AuthFailures;
use super::metrics::Monitoring;
use super::problem::ApiError;

/// What the handlers need: the ports, and a few settings.
#[derive(Clone)]
pub struct AppState {
    /// Writes imports.
    pub ledger: Arc<dyn SalesLedger>,
    /// Reads past imports.
    pub history: Arc<dyn ImportHistory>,
    /// Reverts imports.
    pub reverts: Arc<dyn ImportReverts>,
    /// Reads products.
    pub products: Arc<dyn ProductCatalog>,
    /// Reads orders.
    pub orders: Arc<dyn OrderBook>,
    /// Sums revenue.
    pub figures: Arc<dyn SalesFigures>,
    /// Reads orders whole, page by page (exports).
    pub archive: Arc<dyn SalesArchive>,
    /// Tells the sales data's version (for validators).
    pub versions: Arc<dyn DataVersions>,
    /// Answers already computed for the current data, by tag.
    pub answers: AnswerCache,
    /// Checks the store.
    pub health: Arc<dyn StoreHealth>,
    /// The read replica's status, when reads may go to one (`DATABASE_READ_URL`).
    pub replica: Option<Arc<dyn ReplicaStatus>>,
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// How long receiving one upload may take in all.
    pub upload_timeout: std::time::Duration,
    /// How long an upload may send nothing before it is cut.
    pub upload_idle_timeout: std::time::Duration,
    /// Places for uploads being received or imported; none free is a 429.
    pub upload_slots: UploadSlots,
    /// The currency of every amount (ISO 4217).
    pub currency: String,
    /// Where imports run (off the HTTP workers).
    pub runtime: tokio::runtime::Handle,
    /// Prometheus metrics.
    pub monitoring: Arc<Monitoring>,
    /// Admits requests by their API key.
    pub gatekeeper: Arc<Gatekeeper>,
    /// The dashboard's sessions, opened by signing in with a key.
    pub sessions: Arc<Sessions>,
    /// Failed authentications per client: too many, and a client must wait (429).
    pub auth_failures: AuthFailures,
    /// Whether `/metrics` is served with the API (it is not when it has its own address).
    pub serve_metrics: bool,
    /// The origins whose pages may call the API from a browser; none turns CORS off.
    pub cors_origins: Vec<String>,
    /// Host names answered while the API is open (no key exists), besides loopback names and
    /// IP addresses (`ZINC_ALLOWED_HOSTS`).
    pub allowed_hosts: Vec<String>,
    /// The proxies whose `Forwarded` / `X-Forwarded-*` headers are believed
    /// (`ZINC_TRUSTED_PROXIES`); nobody's when empty.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The slowest an upload may arrive once its grace period is over.
    pub upload_min_rate: MinRate,
}

/// Further than any upload may take (a day).
const MAX_UPLOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(86_400);

/// Apache mod_reqtimeout's `MinRate`: an upload has `grace` to start, and then its deadline
/// moves one second later for every `bytes_per_second` bytes received; one that falls behind
/// is cut (408).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinRate {
    /// How long an upload may take before any rate is asked of it.
    pub grace: std::time::Duration,
    /// The bytes that earn one more second; 0 asks no rate at all.
    pub bytes_per_second: u64,
}

impl MinRate {
    /// When an upload that started at `start` and has sent `received` bytes falls behind.
    pub fn deadline(&self, start: tokio::time::Instant, received: u64) -> tokio::time::Instant {
        // An upload bound by the whole-upload timeout long before this could overflow.
        let far = start + MAX_UPLOAD_WAIT;
        if self.bytes_per_second == 0 {
            return far;
        }
        let earned =
            std::time::Duration::from_millis(received.saturating_mul(1000) / self.bytes_per_second);
        start
            .checked_add(self.grace.saturating_add(earned))
            .map_or(far, |deadline| deadline.min(far))
    }
}

/// A fixed number of places for uploads being received or imported.
#[derive(Clone)]
pub struct UploadSlots {
    places: Arc<tokio::sync::Semaphore>,
    limit: usize,
}

impl UploadSlots {
    /// `limit` places.
    pub fn new(limit: usize) -> Self {
        UploadSlots {
            places: Arc::new(tokio::sync::Semaphore::new(limit)),
            limit,
        }
    }

    /// A place, held until the returned permit is dropped; a 429 when none is free.
    pub(crate) fn take(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        self.places
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::TooManyUploads { limit: self.limit })
    }
}
