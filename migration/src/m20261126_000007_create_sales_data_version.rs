//! `sales_data_version`: one row whose `version` is replaced by a random one whenever an import
//! is recorded as succeeded, by a trigger on `imports`, in the import's own transaction. Readers
//! compare it in one lookup to tell whether an earlier answer still holds (the API's `ETag`).
//! A rejected import leaves it alone; a random value never comes back, not even after a restore.

sql_migration! {
    up: r#"
CREATE TABLE sales_data_version (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    version   UUID    NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO sales_data_version DEFAULT VALUES;
COMMENT ON TABLE sales_data_version IS 'The version of the sales data (products, orders): replaced at random by the trigger imports_new_sales_data_version whenever an import is recorded as succeeded.';

CREATE FUNCTION new_sales_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
        UPDATE sales_data_version SET version = gen_random_uuid();
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER imports_new_sales_data_version
    AFTER INSERT OR UPDATE OF status ON imports
    FOR EACH ROW WHEN (NEW.status = 'succeeded')
    EXECUTE FUNCTION new_sales_data_version();
"#,
    down: "DROP TRIGGER imports_new_sales_data_version ON imports; \
                 DROP FUNCTION new_sales_data_version(); \
                 DROP TABLE sales_data_version;",
}
