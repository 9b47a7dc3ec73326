//! A change to the API keys (a key created, revoked, renamed, re-scoped or deleted) sends a
//! notification on the channel `zinc_api_keys` (delivered when it commits), so that running
//! servers forget the keys they remember and refuse a revoked key at once. A key's use
//! (`last_used_at`) sends none: every server records uses, and each notification makes every
//! server ask again.

sql_migration! {
    up: r#"
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
    down: "DROP TRIGGER api_keys_changed ON api_keys; DROP FUNCTION notify_api_key_changes();",
}
