//! Best sellers without a location read `product_sales_by_month_all`: the monthly product
//! rollup summed over the locations (an order has one location, so its counts add up). A year of
//! best sellers then sums half the rows (one per product and month, not per location too).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE product_sales_by_month_all (
    month      DATE    NOT NULL,
    product_id BIGINT  NOT NULL,
    quantity   BIGINT  NOT NULL,
    revenue    NUMERIC NOT NULL,
    orders     BIGINT  NOT NULL,
    PRIMARY KEY (month, product_id),
    CONSTRAINT product_sales_by_month_all_first_day CHECK (extract(day FROM month) = 1),
    CONSTRAINT product_sales_by_month_all_orders_positive CHECK (orders > 0)
);

COMMENT ON TABLE product_sales_by_month_all IS 'product_sales_by_month summed over the locations; kept by every import (zinc rollups verify|rebuild).';

INSERT INTO product_sales_by_month_all (month, product_id, quantity, revenue, orders)
SELECT month, product_id, sum(quantity), sum(revenue), sum(orders)
FROM product_sales_by_month
GROUP BY month, product_id;
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE product_sales_by_month_all")
            .await?;
        Ok(())
    }
}
