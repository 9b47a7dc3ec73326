//! A change to the API keys (a key created, revoked, renamed, re-scoped or deleted) sends a
//! notification on the channel `zinc_api_keys` (delivered when it commits), so that running
//! servers forget the keys they remember and refuse a revoked key at once. A key's use
//! (`last_used_at`) sends none: every server records uses, and each notification makes every
//! server ask again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE FUNCTION notify_api_key_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('zinc_api_keys', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER api_keys_changed
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF name, scope, digest, revoked_at
    ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION notify_api_key_changes();
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TRIGGER api_keys_changed ON api_keys; DROP FUNCTION notify_api_key_changes();",
            )
            .await?;
        Ok(())
    }
}
