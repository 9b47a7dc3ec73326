//! `ApiKeys` on the `api_keys` table: digests only, never a secret.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};
use tracing::instrument;
use zinc_domain::{ApiKey, KeyDigest, KeyName, KeyScope};
use zinc_ports::{ApiKeys, CreateKeyError, NewApiKey, StoreError};

use crate::database::{Database, Reach};
use crate::error::{Inconsistency, UNIQUE_VIOLATION, sqlstate, store_error, within};
use crate::sql::{Fixed, built, get};

const TABLE: &str = "api_keys";

/// A key's columns, as [`decode`] reads them.
const KEY_FIELDS: [&str; 5] = ["name", "scope", "created_at", "last_used_at", "revoked_at"];

/// Revokes key `$1` at `$2`, unless revoked already; answers its name if it was.
const REVOKE: Fixed<2> = Fixed::new(
    "UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING name",
);

/// A row when any key is active.
const ANY_ACTIVE: Fixed<0> =
    Fixed::new("SELECT 1 AS one FROM api_keys WHERE revoked_at IS NULL LIMIT 1");

/// Notes that key `$1` was used at `$2` (unless a later use was noted).
const MARK_USED: Fixed<2> = Fixed::new(
    "UPDATE api_keys SET last_used_at = $2 WHERE name = $1 \
     AND (last_used_at IS NULL OR last_used_at < $2)",
);

/// The API keys in PostgreSQL.
#[derive(Clone)]
pub struct PostgresApiKeys {
    reach: Reach,
}

impl PostgresApiKeys {
    /// Keys read and written through `db`, giving a connection up for lost when the database
    /// does not answer within the default [`PoolSettings::reply_timeout`](crate::database::PoolSettings::reply_timeout).
    pub fn new(db: impl Into<Database>) -> Self {
        PostgresApiKeys {
            reach: Reach::new(db),
        }
    }

    /// The same, waiting at most `reply_timeout` for any answer.
    pub fn with_reply_timeout(mut self, reply_timeout: Duration) -> Self {
        self.reach.reply_timeout = reply_timeout;
        self
    }

    /// The rows of `statement`, or what the database said (to be told apart by the caller).
    pub(crate) async fn rows(
        &self,
        statement: Statement,
    ) -> Result<Result<Vec<QueryResult>, DbErr>, StoreError> {
        within(self.reach.reply_timeout, async {
            Ok(self.reach.db.query_all_raw(statement).await)
        })
        .await
    }

    /// The keys `select` (from [`keys`]) finds.
    pub(crate) async fn keys(&self, select: SelectStatement) -> Result<Vec<ApiKey>, StoreError> {
        self.rows(built(&select))
            .await?
            .map_err(store_error)?
            .iter()
            .map(decode)
            .collect()
    }
}

/// The keys (their columns), nothing filtered yet.
pub(crate) fn keys() -> SelectStatement {
    let mut select = Query::select();
    select.columns(KEY_FIELDS).from(TABLE);
    select
}

fn decode(row: &QueryResult) -> Result<ApiKey, StoreError> {
    let bad = |what: &str, e: zinc_domain::KeyError| {
        Inconsistency::breaks_rule(&format!("key {what}"), e)
    };
    let name: String = get(row, "name")?;
    let scope: String = get(row, "scope")?;
    Ok(ApiKey {
        name: KeyName::parse(&name).map_err(|e| bad("name", e))?,
        scope: scope.parse::<KeyScope>().map_err(|e| bad("scope", e))?,
        created_at: get(row, "created_at")?,
        last_used_at: get(row, "last_used_at")?,
        revoked_at: get(row, "revoked_at")?,
    })
}

fn digest_value(digest: &KeyDigest) -> Value {
    Value::from(digest.as_bytes().to_vec())
}

#[async_trait]
impl ApiKeys for PostgresApiKeys {
    #[instrument(skip_all, fields(name = %key.name, scope = %key.scope))]
    async fn create_key(&self, key: &NewApiKey) -> Result<ApiKey, CreateKeyError> {
        let mut insert = Query::insert();
        insert
            .into_table(TABLE)
            .columns(["name", "scope", "digest", "created_at"])
            .values_panic([
                key.name.as_str().into(),
                key.scope.as_str().into(),
                digest_value(&key.digest).into(),
                key.created_at.into(),
            ])
            .returning(Query::returning().columns(KEY_FIELDS));
        let rows = self
            .rows(built(&insert))
            .await?
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
        let mut select = keys();
        select.order_by("name", Order::Asc);
        self.keys(select).await
    }

    #[instrument(skip_all, fields(name = %name))]
    async fn revoke_key(&self, name: &KeyName, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let rows = self
            .rows(REVOKE.with([name.as_str().into(), at.into()]))
            .await?
            .map_err(store_error)?;
        Ok(!rows.is_empty())
    }

    #[instrument(skip_all)]
    async fn find_active_key(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, StoreError> {
        let mut select = keys();
        select
            .and_where(Expr::col("digest").eq(digest_value(digest)))
            .and_where(Expr::col("revoked_at").is_null());
        Ok(self.keys(select).await?.into_iter().next())
    }

    #[instrument(skip_all)]
    async fn any_active_key(&self) -> Result<bool, StoreError> {
        let rows = self.rows(ANY_ACTIVE.with([])).await?.map_err(store_error)?;
        Ok(!rows.is_empty())
    }

    #[instrument(skip_all, fields(name = %name))]
    async fn mark_used(&self, name: &KeyName, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.rows(MARK_USED.with([name.as_str().into(), at.into()]))
            .await?
            .map_err(store_error)?;
        Ok(())
    }
}
