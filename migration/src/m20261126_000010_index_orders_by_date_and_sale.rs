//! Orders are listed newest sale date first, then highest Sale ID: an index in that order lets
//! a page read only its own rows. It replaces the index on the date alone (its prefix), with
//! which the first page read and sorted every order of the latest day.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX orders_date_sale_id_idx ON orders (date, sale_id);
                 DROP INDEX orders_date_idx;",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX orders_date_idx ON orders (date);
                 DROP INDEX orders_date_sale_id_idx;",
            )
            .await?;
        Ok(())
    }
}
