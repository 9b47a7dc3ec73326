//! Taking an import back: the port does the work in one transaction; this use case stamps the
//! request and, once data changed, makes this process forget the data version it remembers,
//! as an import does (a client reads its own writes).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use zinc_domain::{ImportId, ImportSource, KeyName};
use zinc_ports::{
    DataVersions, ImportReverts, RevertError, RevertOutcome, RevertPlan, RevertRequest,
};

/// Plans and runs reverts of imports.
pub struct RevertImport<R> {
    reverts: R,
    clock: fn() -> DateTime<Utc>,
    versions: Option<Arc<dyn DataVersions>>,
}

impl<R: ImportReverts> RevertImport<R> {
    /// A use case reverting through `reverts`, with the real clock.
    pub fn new(reverts: R) -> Self {
        RevertImport {
            reverts,
            clock: Utc::now,
            versions: None,
        }
    }

    /// Tells `versions` to forget the version it remembers after each revert.
    pub fn with_versions(mut self, versions: Arc<dyn DataVersions>) -> Self {
        self.versions = Some(versions);
        self
    }

    /// Replaces the clock (the revert's start time in the import history).
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// What reverting `import` would change, or why it would be refused.
    pub async fn plan(&self, import: ImportId) -> Result<RevertPlan, RevertError> {
        self.reverts.plan_revert(import).await
    }

    /// Reverts `import`, asked by `requested_by` through `via`.
    pub async fn revert(
        &self,
        import: ImportId,
        requested_by: Option<KeyName>,
        via: ImportSource,
    ) -> Result<RevertOutcome, RevertError> {
        let request = RevertRequest {
            requested_by,
            source: via,
            at: (self.clock)(),
        };
        let outcome = self.reverts.revert(import, &request).await?;
        if let Some(versions) = &self.versions {
            versions.forget();
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use zinc_ports::{MockDataVersions, MockImportReverts};

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap()
    }

    fn plan(import: ImportId) -> RevertPlan {
        RevertPlan {
            import,
            orders_restored: 1,
            orders_removed: 0,
            products_restored: 0,
            products_removed: 0,
            sales: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_revert_is_stamped_and_makes_the_data_version_forgotten() {
        let mut reverts = MockImportReverts::new();
        reverts
            .expect_revert()
            .withf(|import, request| {
                import.get() == 7
                    && request.at == noon()
                    && request.source == ImportSource::Api
                    && request.requested_by.as_ref().map(KeyName::as_str) == Some("ops")
            })
            .times(1)
            .returning(|import, _| {
                Ok(RevertOutcome {
                    revert: ImportId::new(8),
                    plan: plan(import),
                })
            });
        let mut versions = MockDataVersions::new();
        versions.expect_forget().times(1).return_const(());
        let use_case = RevertImport::new(reverts)
            .with_clock(noon)
            .with_versions(Arc::new(versions));
        let done = use_case
            .revert(
                ImportId::new(7),
                Some(KeyName::parse("ops").unwrap()),
                ImportSource::Api,
            )
            .await
            .unwrap();
        assert_eq!(done.revert, ImportId::new(8));
    }

    #[tokio::test]
    async fn a_refused_revert_leaves_the_data_version_remembered() {
        let mut reverts = MockImportReverts::new();
        reverts
            .expect_revert()
            .returning(|import, _| Err(RevertError::UnknownImport(import)));
        let mut versions = MockDataVersions::new();
        versions.expect_forget().never();
        let use_case = RevertImport::new(reverts).with_versions(Arc::new(versions));
        let refused = use_case
            .revert(ImportId::new(7), None, ImportSource::Cli)
            .await
            .unwrap_err();
        assert!(matches!(refused, RevertError::UnknownImport(_)));
    }
}
