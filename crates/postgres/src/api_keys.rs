//! `ApiKeys` on the `api_keys` table: digests only, never a secret.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use tracing::instrument;
use zinc_domain::{ApiKey, KeyDigest, KeyName, KeyScope};
use zinc_ports::{ApiKeys, CreateKeyError, NewApiKey, StoreError};

use crate::database::PoolSettings;
use crate::error::{UNIQUE_VIOLATION, sqlstate, store_error};

const KEY_COLUMNS: &str = "name, scope, created_at, last_used_at, revoked_at";

/// The API keys in PostgreSQL.
#[derive(Clone)]
pub struct PostgresApiKeys {
    db: DatabaseConnection,
    reply_timeout: Duration,
}

impl PostgresApiKeys {
    /// Keys read and written through `db`, giving a connection up for lost when the database
    /// does not answer within the default [`PoolSettings::reply_timeout`].
    pub fn new(db: DatabaseConnection) -> Self {
        PostgresApiKeys {
            db,
            reply_timeout: PoolSettings::default().reply_timeout(),
        }
    }

    /// The same, waiting at most `reply_timeout` for any answer.
    pub fn with_reply_timeout(mut self, reply_timeout: Duration) -> Self {
        self.reply_timeout = reply_timeout;
        self
    }

    async fn rows(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<QueryResult>, sea_orm::DbErr> {
        let query = self.db.query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ));
        tokio::time::timeout(self.reply_timeout, query)
            .await
            .unwrap_or_else(|_| {
                Err(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal(
                    format!(
                        "no answer from the database within {} s",
                        self.reply_timeout.as_secs()
                    ),
                )))
            })
    }
}

fn decode(row: &QueryResult) -> Result<ApiKey, StoreError> {
    let get = |e: sea_orm::DbErr| StoreError::Inconsistent(Box::new(e));
    let bad = |what: &str, e: zinc_domain::KeyError| {
        StoreError::Inconsistent(format!("stored key {what}: {e}").into())
    };
    let name: String = row.try_get("", "name").map_err(get)?;
    let scope: String = row.try_get("", "scope").map_err(get)?;
    Ok(ApiKey {
        name: KeyName::parse(&name).map_err(|e| bad("name", e))?,
        scope: scope.parse::<KeyScope>().map_err(|e| bad("scope", e))?,
        created_at: row.try_get("", "created_at").map_err(get)?,
        last_used_at: row.try_get("", "last_used_at").map_err(get)?,
        revoked_at: row.try_get("", "revoked_at").map_err(get)?,
    })
}

fn digest_value(digest: &KeyDigest) -> Value {
    Value::from(digest.as_bytes().to_vec())
}

#[async_trait]
impl ApiKeys for PostgresApiKeys {
    #[instrument(skip_all, fields(name = %key.name, scope = %key.scope))]
    async fn create_key(&self, key: &NewApiKey) -> Result<ApiKey, CreateKeyError> {
        let rows = self
            .rows(
                &format!(
                    "INSERT INTO api_keys (name, scope, digest, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING {KEY_COLUMNS}"
                ),
                vec![
                    key.name.as_str().into(),
                    key.scope.as_str().into(),
                    digest_value(&key.digest),
                    key.created_at.into(),
                ],
            )
            .await
            .map_err(|e| match sqlstate(&e).as_deref() {
                Some(UNIQUE_VIOLATION) => CreateKeyError::Duplicate(key.name.clone()),
                _ => CreateKeyError::Store(store_error(e)),
            })?;
        let row = rows
            .first()
            .ok_or_else(|| StoreError::Failed("INSERT ... RETURNING gave no row".into()))?;
        Ok(decode(row)?)
    }

    #[instrument(skip_all)]
    async fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.rows(
            &format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY name"),
            vec![],
        )
        .await
        .map_err(store_error)?
        .iter()
        .map(decode)
        .collect()
    }

    #[instrument(skip_all, fields(name = %name))]
    async fn revoke_key(&self, name: &KeyName, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let rows = self
            .rows(
                "UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL \
                 RETURNING name",
                vec![name.as_str().into(), at.into()],
            )
            .await
            .map_err(store_error)?;
        Ok(!rows.is_empty())
    }

    #[instrument(skip_all)]
    async fn find_active_key(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, StoreError> {
        self.rows(
            &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE digest = $1 AND revoked_at IS NULL"),
            vec![digest_value(digest)],
        )
        .await
        .map_err(store_error)?
        .first()
        .map(decode)
        .transpose()
    }

    #[instrument(skip_all)]
    async fn any_active_key(&self) -> Result<bool, StoreError> {
        let rows = self
            .rows(
                "SELECT 1 AS one FROM api_keys WHERE revoked_at IS NULL LIMIT 1",
                vec![],
            )
            .await
            .map_err(store_error)?;
        Ok(!rows.is_empty())
    }

    #[instrument(skip_all, fields(name = %name))]
    async fn mark_used(&self, name: &KeyName, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.rows(
            "UPDATE api_keys SET last_used_at = $2 WHERE name = $1 \
             AND (last_used_at IS NULL OR last_used_at < $2)",
            vec![name.as_str().into(), at.into()],
        )
        .await
        .map_err(store_error)?;
        Ok(())
    }
}
