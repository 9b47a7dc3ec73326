//! The HTTP layer on mocked ports, shared by the test files that need no database: each test
//! programs the ports it expects to be called; a mock with no expectation panics when called.

#![allow(dead_code)] // Each test file uses its own part of this.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::test;
use chrono::NaiveDate;
use serde_json::Value;
use zinc_application::{DEFAULT_SESSION_LIFETIME, Gatekeeper, OpenAccess, Sessions};
use zinc_ports::{
    DataVersion, MockApiKeys, MockDashboardSessions, MockDataVersions, MockImportHistory,
    MockImportReverts, MockOrderBook, MockProductCatalog, MockSalesArchive, MockSalesFigures,
    MockSalesLedger, MockStoreHealth, StoreError,
};
use zinc_web::api::{
    DEFAULT_MAX_CONCURRENT_UPLOADS, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_UPLOAD_IDLE_TIMEOUT,
    DEFAULT_UPLOAD_MIN_RATE,
};
use zinc_web::{AppState, MinRate, UploadSlots};

/// Ports that each test may program; the rest refuse to be called.
#[derive(Default)]
pub struct Ports {
    pub ledger: MockSalesLedger,
    pub history: MockImportHistory,
    pub reverts: MockImportReverts,
    pub products: MockProductCatalog,
    pub orders: MockOrderBook,
    pub figures: MockSalesFigures,
    pub archive: MockSalesArchive,
    pub health: MockStoreHealth,
    pub max_upload_bytes: Option<u64>,
    /// The API keys; none exist (the API is open) when not set.
    pub keys: Option<MockApiKeys>,
    /// The dashboard's sessions; none is asked for when not set (a call panics).
    pub sessions: Option<MockDashboardSessions>,
    /// The sales data's version; always the same one when not set.
    pub versions: Option<MockDataVersions>,
    /// `ZINC_CORS_ORIGINS`; none (CORS off) by default.
    pub cors_origins: Vec<String>,
    /// `ZINC_ALLOWED_HOSTS`; none by default.
    pub allowed_hosts: Vec<String>,
    /// `ZINC_TRUSTED_PROXIES`; none by default.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `ZINC_UPLOAD_MIN_RATE` and its grace; the default when not set.
    pub upload_min_rate: Option<MinRate>,
    /// The read replica's status; no replica when not set.
    pub replica: Option<zinc_ports::MockReplicaStatus>,
}

/// The sales data never changes: its version is always `v1`.
pub fn one_version() -> MockDataVersions {
    let mut versions = MockDataVersions::new();
    versions
        .expect_current_version()
        .returning(|| Ok(DataVersion::new("v1")));
    versions.expect_forget().returning(|| ());
    versions
}

/// No key exists: the API is open.
pub fn no_keys() -> MockApiKeys {
    let mut keys = MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(false));
    keys
}

impl Ports {
    pub fn state(self) -> AppState {
        AppState {
            ledger: Arc::new(self.ledger),
            history: Arc::new(self.history),
            reverts: Arc::new(self.reverts),
            products: Arc::new(self.products),
            orders: Arc::new(self.orders),
            figures: Arc::new(self.figures),
            archive: Arc::new(self.archive),
            versions: Arc::new(self.versions.unwrap_or_else(one_version)),
            answers: Default::default(),
            health: Arc::new(self.health),
            replica: self
                .replica
                .map(|replica| Arc::new(replica) as Arc<dyn zinc_ports::ReplicaStatus>),
            max_upload_bytes: self.max_upload_bytes.unwrap_or(DEFAULT_MAX_UPLOAD_BYTES),
            upload_idle_timeout: DEFAULT_UPLOAD_IDLE_TIMEOUT,
            upload_timeout: std::time::Duration::from_secs(600),
            upload_slots: UploadSlots::new(DEFAULT_MAX_CONCURRENT_UPLOADS),
            currency: "USD".to_owned(),
            runtime: tokio::runtime::Handle::current(),
            monitoring: Default::default(),
            gatekeeper: Arc::new(Gatekeeper::new(
                Arc::new(self.keys.unwrap_or_else(no_keys)),
                OpenAccess::Allowed,
            )),
            sessions: Arc::new(Sessions::new(
                Arc::new(self.sessions.unwrap_or_default()),
                DEFAULT_SESSION_LIFETIME,
            )),
            auth_failures: Default::default(),
            serve_metrics: true,
            cors_origins: self.cors_origins,
            allowed_hosts: self.allowed_hosts,
            trusted_proxies: self.trusted_proxies,
            upload_min_rate: self.upload_min_rate.unwrap_or(DEFAULT_UPLOAD_MIN_RATE),
        }
    }
}

/// Sends `request` to the app built on `ports`; returns status, content type and JSON body.
pub async fn send(ports: Ports, request: test::TestRequest) -> (StatusCode, String, Value) {
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = test::read_body(response).await;
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, content_type, json)
}

pub async fn get(ports: Ports, uri: &str) -> (StatusCode, String, Value) {
    send(ports, test::TestRequest::get().uri(uri)).await
}

pub fn unavailable() -> StoreError {
    StoreError::Unavailable("connection refused".into())
}

pub fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}
