//! # zinc-migration
//!
//! Zinc's PostgreSQL schema, one migration per table, each with `up` and `down`. Every rule of
//! the domain that a table can state is also a constraint here, so the database refuses what
//! the domain refuses even when written to by something else.
#![warn(missing_docs)]

pub use sea_orm_migration::prelude::*;

/// Defines this module's `Migration`: `up` and `down` each run one fixed SQL script (several
/// statements may follow each other), named like every migration after its file.
macro_rules! sql_migration {
    (up: $up:expr, down: $down:expr $(,)?) => {
        use sea_orm_migration::prelude::*;

        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                manager.get_connection().execute_unprepared($up).await?;
                Ok(())
            }

            async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                manager.get_connection().execute_unprepared($down).await?;
                Ok(())
            }
        }
    };
}

mod m20261124_000001_create_imports;
mod m20261124_000002_create_products;
mod m20261124_000003_create_orders;
mod m20261124_000004_create_order_items;
mod m20261125_000005_bound_amounts;
mod m20261125_000006_create_api_keys;
mod m20261126_000007_create_sales_data_version;
mod m20261126_000008_list_replaced_sales;
mod m20261126_000009_create_rollups;
mod m20261126_000010_index_orders_by_date_and_sale;
mod m20261126_000011_index_product_sales_by_product;
mod m20261126_000012_keep_rejected_lines;
mod m20261126_000013_notify_sales_data_version;
mod m20261127_000014_rollups_without_product_keys;
mod m20261127_000015_create_product_sales_by_month_all;
mod m20261204_000016_notify_api_key_changes;
mod m20261205_000017_create_dashboard_sessions;
mod m20261205_000018_record_import_sources;
mod m20261205_000019_keep_replaced_versions;
mod m20261205_000020_keep_restated_sales;
mod m20261206_000021_record_revert_removals;
mod m20261206_000022_create_product_sales_by_year_all;
mod m20261206_000023_restated_sales_in_blocks;
mod m20261206_000024_written_sales_in_blocks;
mod m20261207_000025_create_product_sales_by_year;

/// Applies and rolls back Zinc's migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_imports::Migration),
            Box::new(m20261124_000002_create_products::Migration),
            Box::new(m20261124_000003_create_orders::Migration),
            Box::new(m20261124_000004_create_order_items::Migration),
            Box::new(m20261125_000005_bound_amounts::Migration),
            Box::new(m20261125_000006_create_api_keys::Migration),
            Box::new(m20261126_000007_create_sales_data_version::Migration),
            Box::new(m20261126_000008_list_replaced_sales::Migration),
            Box::new(m20261126_000009_create_rollups::Migration),
            Box::new(m20261126_000010_index_orders_by_date_and_sale::Migration),
            Box::new(m20261126_000011_index_product_sales_by_product::Migration),
            Box::new(m20261126_000012_keep_rejected_lines::Migration),
            Box::new(m20261126_000013_notify_sales_data_version::Migration),
            Box::new(m20261127_000014_rollups_without_product_keys::Migration),
            Box::new(m20261127_000015_create_product_sales_by_month_all::Migration),
            Box::new(m20261204_000016_notify_api_key_changes::Migration),
            Box::new(m20261205_000017_create_dashboard_sessions::Migration),
            Box::new(m20261205_000018_record_import_sources::Migration),
            Box::new(m20261205_000019_keep_replaced_versions::Migration),
            Box::new(m20261205_000020_keep_restated_sales::Migration),
            Box::new(m20261206_000021_record_revert_removals::Migration),
            Box::new(m20261206_000022_create_product_sales_by_year_all::Migration),
            Box::new(m20261206_000023_restated_sales_in_blocks::Migration),
            Box::new(m20261206_000024_written_sales_in_blocks::Migration),
            Box::new(m20261207_000025_create_product_sales_by_year::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_migration_is_named_after_its_file_in_order() {
        let source = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut files: Vec<String> = std::fs::read_dir(source)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter_map(|name| name.strip_suffix(".rs").map(str::to_owned))
            .filter(|name| name != "lib")
            .collect();
        files.sort();
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|migration| migration.name().to_owned())
            .collect();
        assert_eq!(names, files);
    }
}
