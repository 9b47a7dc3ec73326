//! Bounds on amounts and text: the database refuses what the domain refuses, and holds nothing
//! the read side could not read back.
//!
//! - Every amount (`NUMERIC`, kept at the scale it was written with, so no `NUMERIC(p, s)`
//!   type that would pad `252.00` to `252.000000`) has at most 15 digits before the decimal
//!   point and 6 after: `zinc_domain::MAX_INTEGER_DIGITS` and `zinc_domain::MAX_DECIMAL_PLACES`.
//!   Order sums are checked too: the domain refuses a sale whose sums leave that bound.
//! - Every text column an export fills is `VARCHAR(255)` (`zinc_domain::MAX_TEXT_CHARS`) and
//!   holds no control character but tab, and line breaks in the two note columns (the rule of
//!   `zinc_domain`'s text types; PostgreSQL itself refuses NUL).
//!
//! The numbers are written here, not imported: a migration states the schema of its day.

/// `column` is an amount the domain's `Money` can hold.
fn amount(column: &str) -> String {
    format!("(abs({column}) < 1e15 AND scale({column}) <= 6)")
}

/// One-line text (labels, names): no control character but tab.
fn one_line(column: &str) -> String {
    format!(r"({column} !~ '[\x01-\x08\x0a-\x1f\x7f-\x9f]')")
}

/// Free text (notes): no control character but tab and line breaks.
fn free_text(column: &str) -> String {
    format!(r"({column} !~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]')")
}

fn all(checks: &[String]) -> String {
    checks.join(" AND ")
}

const AMOUNTS: [&str; 6] = [
    "subtotal",
    "discount_percentage",
    "discount_amount",
    "tax",
    "total",
    "amount_paid",
];

fn up_sql() -> String {
    let amounts = |extra: &[&str]| {
        let columns: Vec<String> = AMOUNTS
            .iter()
            .chain(extra)
            .map(|column| amount(column))
            .collect();
        all(&columns)
    };
    format!(
        r#"
ALTER TABLE products
    ADD CONSTRAINT products_price_bounded CHECK ({product_price}),
    ADD CONSTRAINT products_name_printable CHECK ({product_name});

ALTER TABLE orders
    ALTER COLUMN payment_method TYPE VARCHAR(255),
    ALTER COLUMN sales_notes TYPE VARCHAR(255),
    ADD CONSTRAINT orders_amounts_bounded CHECK ({order_amounts}),
    ADD CONSTRAINT orders_text_printable CHECK ({order_text});

ALTER TABLE order_items
    ALTER COLUMN payment_method TYPE VARCHAR(255),
    ALTER COLUMN sales_notes TYPE VARCHAR(255),
    ALTER COLUMN color TYPE VARCHAR(255),
    ALTER COLUMN size TYPE VARCHAR(255),
    ADD CONSTRAINT order_items_amounts_bounded CHECK ({item_amounts}),
    ADD CONSTRAINT order_items_text_printable CHECK ({item_text});
"#,
        product_price = amount("price"),
        product_name = one_line("name"),
        order_amounts = amounts(&[]),
        order_text = all(&[
            one_line("payment_method"),
            free_text("sales_notes"),
            free_text("notes"),
        ]),
        item_amounts = amounts(&["unit_price"]),
        item_text = all(&[
            one_line("payment_method"),
            one_line("color"),
            one_line("size"),
            free_text("sales_notes"),
            free_text("notes"),
        ]),
    )
}

const DOWN_SQL: &str = r#"
ALTER TABLE order_items
    DROP CONSTRAINT order_items_text_printable,
    DROP CONSTRAINT order_items_amounts_bounded,
    ALTER COLUMN payment_method TYPE TEXT,
    ALTER COLUMN sales_notes TYPE TEXT,
    ALTER COLUMN color TYPE TEXT,
    ALTER COLUMN size TYPE TEXT;

ALTER TABLE orders
    DROP CONSTRAINT orders_text_printable,
    DROP CONSTRAINT orders_amounts_bounded,
    ALTER COLUMN payment_method TYPE TEXT,
    ALTER COLUMN sales_notes TYPE TEXT;

ALTER TABLE products
    DROP CONSTRAINT products_name_printable,
    DROP CONSTRAINT products_price_bounded;
"#;

sql_migration! {
    up: &up_sql(),
    down: DOWN_SQL,
}
