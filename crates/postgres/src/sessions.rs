//! `DashboardSessions` on the `dashboard_sessions` table, beside the keys it belongs to:
//! token digests only, never a token.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::Value;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use tracing::instrument;
use zinc_domain::{ApiKey, SESSIONS_PER_KEY, SessionDigest};
use zinc_ports::{DashboardSessions, NewSession, StoreError};

use crate::api_keys::{PostgresApiKeys, keys};
use crate::error::store_error;
use crate::sql::Fixed;

/// Opens session `$1` for the active key of digest `$2` at `$3` until `$4`, forgetting the
/// sessions expired by `$3` and the key's oldest beyond the newest `$5` - 1; a row when opened.
const OPEN: Fixed<5> = Fixed::new(
    "WITH expired AS (DELETE FROM dashboard_sessions WHERE expires_at <= $3), \
     key AS (SELECT id FROM api_keys WHERE digest = $2 AND revoked_at IS NULL), \
     oldest AS (DELETE FROM dashboard_sessions WHERE id IN ( \
       SELECT s.id FROM dashboard_sessions s JOIN key k ON s.api_key_id = k.id \
       WHERE s.expires_at > $3 ORDER BY s.created_at DESC, s.id DESC OFFSET $5 - 1)) \
     INSERT INTO dashboard_sessions (digest, api_key_id, created_at, expires_at) \
     SELECT $1, id, $3, $4 FROM key RETURNING id",
);

/// Ends the open session `$1` at `$2`; a row when it was open.
const END: Fixed<2> = Fixed::new(
    "UPDATE dashboard_sessions SET revoked_at = $2 \
     WHERE digest = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING id",
);

fn digest_value(digest: &SessionDigest) -> Value {
    Value::from(digest.as_bytes().to_vec())
}

#[async_trait]
impl DashboardSessions for PostgresApiKeys {
    #[instrument(skip_all)]
    async fn open_session(&self, session: &NewSession) -> Result<bool, StoreError> {
        let rows = self
            .rows(OPEN.with([
                digest_value(&session.digest),
                Value::from(session.key.as_bytes().to_vec()),
                session.created_at.into(),
                session.expires_at.into(),
                Value::from(SESSIONS_PER_KEY as i64),
            ]))
            .await?
            .map_err(store_error)?;
        Ok(!rows.is_empty())
    }

    #[instrument(skip_all)]
    async fn session_key(
        &self,
        digest: &SessionDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiKey>, StoreError> {
        let mut open = Query::select();
        open.column("api_key_id")
            .from("dashboard_sessions")
            .and_where(Expr::col("digest").eq(digest_value(digest)))
            .and_where(Expr::col("revoked_at").is_null())
            .and_where(Expr::col("expires_at").gt(now));
        let mut select = keys();
        select
            .and_where(Expr::col("id").in_subquery(open))
            .and_where(Expr::col("revoked_at").is_null());
        Ok(self.keys(select).await?.into_iter().next())
    }

    #[instrument(skip_all)]
    async fn end_session(
        &self,
        digest: &SessionDigest,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let rows = self
            .rows(END.with([digest_value(digest), at.into()]))
            .await?
            .map_err(store_error)?;
        Ok(!rows.is_empty())
    }
}
