//! The trigger that replaces the sales data's version also sends it as a notification on the
//! channel `zinc_sales_data_version` (delivered when the import commits), so that servers can
//! remember the version instead of reading it on every request.

sql_migration! {
    up: r#"
CREATE OR REPLACE FUNCTION new_sales_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    replaced UUID := gen_random_uuid();
BEGIN
    IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
        UPDATE sales_data_version SET version = replaced;
        PERFORM pg_notify('zinc_sales_data_version', replaced::text);
    END IF;
    RETURN NULL;
END
$$;
"#,
    down: r#"
CREATE OR REPLACE FUNCTION new_sales_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
        UPDATE sales_data_version SET version = gen_random_uuid();
    END IF;
    RETURN NULL;
END
$$;
"#,
}
