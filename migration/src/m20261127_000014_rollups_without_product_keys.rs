//! The product rollups lose their foreign keys to `products`. They are derived data: every
//! `product_id` in them comes from `order_items`, whose own key already guarantees the product,
//! and `zinc rollups verify` compares them with the items. Checking the key again for each of
//! the ~200,000 rows a year of sales makes cost most of a second per import.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The rollups that referred to products, with the name PostgreSQL gave each key.
const KEYS: [(&str, &str); 2] = [
    (
        "product_sales_by_day",
        "product_sales_by_day_product_id_fkey",
    ),
    (
        "product_sales_by_month",
        "product_sales_by_month_product_id_fkey",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, key) in KEYS {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name(key)
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, key) in KEYS {
            manager
                .create_foreign_key(
                    ForeignKey::create()
                        .name(key)
                        .from(Alias::new(table), Alias::new("product_id"))
                        .to(Alias::new("products"), Alias::new("id"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
