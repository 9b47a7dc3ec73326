//! A product's sales over time, its latest sale, and the orders holding it are read from the
//! daily product rollup by product: an index on (product, day) lets them read only that
//! product's rows instead of every product's over the range.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX product_sales_by_day_product_date_idx \
                 ON product_sales_by_day (product_id, date)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX product_sales_by_day_product_date_idx")
            .await?;
        Ok(())
    }
}
