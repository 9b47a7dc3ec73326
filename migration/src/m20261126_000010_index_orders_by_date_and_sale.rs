//! Orders are listed newest sale date first, then highest Sale ID: an index in that order lets
//! a page read only its own rows. It replaces the index on the date alone (its prefix), with
//! which the first page read and sorted every order of the latest day.

sql_migration! {
    up: "CREATE INDEX orders_date_sale_id_idx ON orders (date, sale_id);
                 DROP INDEX orders_date_idx;",
    down: "CREATE INDEX orders_date_idx ON orders (date);
                 DROP INDEX orders_date_sale_id_idx;",
}
