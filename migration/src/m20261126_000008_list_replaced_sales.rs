//! `imports.replaced_sales`: the Sale IDs of the orders an import replaced (the first 100), so
//! the record of an import says which orders it overwrote, not only how many.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE imports ADD COLUMN replaced_sales BIGINT[] NOT NULL DEFAULT '{}',
                 ADD CONSTRAINT imports_replaced_sales_listed
                   CHECK (cardinality(replaced_sales) <= 100);",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE imports DROP COLUMN replaced_sales;")
            .await?;
        Ok(())
    }
}
