//! The JSON bodies of the API: domain values translated for the wire, documented for OpenAPI.
//! Money is an exact decimal string as stored (`"34.88"`, `"74.928"`), never a float.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use zinc_domain::{
    DailyRevenue, ImportReport, InputProblem, Order, OrderItem, OrderWithItemPage, Paged, Period,
    Product, ProductSales, ProductTotals, RangeBasis, RevenueTotals,
};

/// One problem found in an uploaded file.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputProblemBody {
    /// The file's line (header = 1); absent for the file as a whole.
    #[schema(example = 14)]
    pub line: Option<u64>,
    /// The export's column name.
    #[schema(example = "Location")]
    pub column: Option<String>,
    /// The offending value as written.
    #[schema(example = "Gym")]
    pub value: Option<String>,
    /// Why it was refused.
    #[schema(example = "is not a known location (Online Store or Golf - experience)")]
    pub message: String,
}

impl From<&InputProblem> for InputProblemBody {
    fn from(problem: &InputProblem) -> Self {
        InputProblemBody {
            line: problem.line,
            column: problem.column.clone(),
            value: problem.value.clone(),
            message: problem.message.clone(),
        }
    }
}

/// The report of one import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportBody {
    /// The import's number (absent from a dry run, which is not recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 7)]
    pub id: Option<i64>,
    /// True for a dry run: the counts say what the import would change; nothing was written.
    #[schema(example = false)]
    pub dry_run: bool,
    /// The uploaded file's name.
    pub filename: String,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    /// `strict` or `skip_invalid`.
    #[schema(example = "strict")]
    pub mode: String,
    /// `succeeded` or `rejected`.
    #[schema(example = "succeeded")]
    pub status: String,
    /// Data rows in the file.
    #[schema(example = 1661)]
    pub rows_total: u64,
    /// Rows whose sales were written or found unchanged.
    #[schema(example = 1661)]
    pub rows_imported: u64,
    /// Rows not imported.
    #[schema(example = 0)]
    pub rows_rejected: u64,
    /// Distinct sales in the file.
    #[schema(example = 1408)]
    pub sales_total: u64,
    /// Sales rejected because a line was invalid.
    #[schema(example = 0)]
    pub sales_rejected: u64,
    /// Orders created.
    #[schema(example = 1408)]
    pub orders_created: u64,
    /// Orders replaced by a corrected version; for a revert, the sales it put back as they were
    /// before the import it reverts.
    #[schema(example = 0)]
    pub orders_updated: u64,
    /// Orders already stored exactly as in the file.
    #[schema(example = 0)]
    pub orders_unchanged: u64,
    /// Products created.
    #[schema(example = 80)]
    pub products_created: u64,
    /// Products whose price changed; for a revert, the prices it put back.
    #[schema(example = 0)]
    pub products_updated: u64,
    /// For a revert: the sales it removed (those the import it reverts created), with their
    /// items; 0 for an import of a file.
    #[schema(example = 0)]
    pub orders_removed: u64,
    /// For a revert: the products it removed (created by the import it reverts, and used by
    /// no sale left); 0 for an import of a file.
    #[schema(example = 0)]
    pub products_removed: u64,
    /// For a revert's record: the import it reverts (the record reads no file: its rows and
    /// sales counts are 0, `filename` is "revert of import N", `sha256` empty); null for an
    /// import of a file.
    #[schema(example = 5)]
    pub reverts: Option<i64>,
    /// The revert that took this import back (`POST /api/v1/imports/{id}/revert`); null while
    /// it is in effect. A reverted import cannot be reverted again (the revert can).
    #[schema(example = 12)]
    pub reverted_by: Option<i64>,
    /// Sale IDs of the orders replaced (the first 100; `orders_updated` counts them all).
    pub replaced_sales: Vec<i64>,
    /// How many problems were found (at most 10,000 are listed).
    #[schema(example = 0)]
    pub errors_total: u64,
    /// The problems kept in detail; left out of lists (fetch the import to see them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<InputProblemBody>>,
    /// When the import started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// The name of the API key that asked for it; null from the command line or an open API.
    #[schema(example = "finance-uploads")]
    pub requested_by: Option<String>,
    /// Which door the file (or the revert) came through: `cli` (`zinc import`, `zinc imports
    /// revert`), `api` (an upload or a revert, the dashboard's included) or `watch` (a file
    /// dropped into a watched folder); null for imports recorded before sources were.
    #[schema(example = "api")]
    pub source: Option<String>,
    /// The rejected lines kept verbatim in the import's reject file, and where to download it;
    /// null when nothing was rejected.
    pub rejected_lines: Option<RejectedLinesBody>,
}

/// Where the reject file of import `id` is served (`GET`).
pub fn rejected_lines_path(id: i64) -> String {
    format!("/api/v1/imports/{id}/rejected.csv")
}

/// Where an import's rejected lines are: its reject file.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedLinesBody {
    /// Rejected lines in the reject file (at most 10,000 and 4 MiB of text).
    #[schema(example = 2)]
    pub kept: u64,
    /// Rejected lines not in it: beyond its bounds, or lines of a rejected sale read and sent
    /// on before a later line rejected the sale.
    #[schema(example = 0)]
    pub omitted: u64,
    /// The reject file (CSV); absent from a dry run, which records nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/api/v1/imports/7/rejected.csv")]
    pub href: Option<String>,
}

impl ImportReportBody {
    /// The body of `report`, with its problem list when `with_errors`.
    pub fn from_report(report: &ImportReport, with_errors: bool) -> Self {
        let c = &report.counts;
        ImportReportBody {
            id: (!report.dry_run).then(|| report.id.get()),
            dry_run: report.dry_run,
            filename: report.file_name.clone(),
            sha256: report.sha256.clone(),
            mode: report.mode.as_str().to_owned(),
            status: report.status.as_str().to_owned(),
            rows_total: c.rows_total,
            rows_imported: c.rows_imported,
            rows_rejected: c.rows_rejected,
            sales_total: c.sales_total,
            sales_rejected: c.sales_rejected,
            orders_created: c.orders_created,
            orders_updated: c.orders_updated,
            orders_unchanged: c.orders_unchanged,
            products_created: c.products_created,
            products_updated: c.products_updated,
            orders_removed: c.orders_removed,
            products_removed: c.products_removed,
            reverts: report.revert.reverts.map(|id| id.get()),
            reverted_by: report.revert.reverted_by.map(|id| id.get()),
            replaced_sales: report.replaced_sales.iter().map(|id| id.get()).collect(),
            errors_total: report.problems.total(),
            errors: with_errors.then(|| {
                report
                    .problems
                    .problems()
                    .iter()
                    .map(InputProblemBody::from)
                    .collect()
            }),
            started_at: report.started_at,
            finished_at: report.finished_at,
            requested_by: report.requested_by.as_ref().map(|k| k.as_str().to_owned()),
            source: report.source.map(|source| source.as_str().to_owned()),
            rejected_lines: (!report.rejected_lines.is_empty()).then(|| RejectedLinesBody {
                kept: report.rejected_lines.kept,
                omitted: report.rejected_lines.omitted,
                href: (!report.dry_run).then(|| rejected_lines_path(report.id.get())),
            }),
        }
    }
}

/// A product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductBody {
    /// The product's number.
    #[schema(example = 42)]
    pub id: i64,
    /// Its name (trimmed, unique).
    #[schema(example = "Mineral Water")]
    pub name: String,
    /// The unit price of its most recent sale.
    #[schema(example = "2.50")]
    pub price: String,
    /// When it was first imported.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Product> for ProductBody {
    fn from(product: &Product) -> Self {
        ProductBody {
            id: product.id.get(),
            name: product.name.as_str().to_owned(),
            price: product.price.amount().to_string(),
            created_at: product.created_at,
            updated_at: product.updated_at,
        }
    }
}

/// An order (one sale); its amounts are the sums of its items.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderBody {
    /// The order's number.
    #[schema(example = 1408)]
    pub id: i64,
    /// The export's Sale ID.
    #[schema(example = 3971)]
    pub sale_id: i64,
    /// The client.
    #[schema(example = 100002649)]
    pub client_id: i64,
    /// The sale date.
    pub date: NaiveDate,
    /// `Online Store` or `Golf - experience`.
    #[schema(example = "Golf - experience")]
    pub location: String,
    /// How it was paid.
    pub payment_method: Option<String>,
    /// The first item's batch number.
    #[schema(example = 3)]
    pub batch_number: Option<i64>,
    /// The first item's sales notes.
    pub sales_notes: Option<String>,
    /// The first item's notes.
    pub notes: Option<String>,
    /// Sum of item subtotals (before discount and tax).
    #[schema(example = "32")]
    pub subtotal: String,
    /// The items' discount rate (common, or effective).
    #[schema(example = "0")]
    pub discount_percentage: String,
    /// Sum of item discounts.
    #[schema(example = "0")]
    pub discount_amount: String,
    /// Sum of item tax.
    #[schema(example = "2.88")]
    pub tax: String,
    /// Sum of item totals: subtotal − discount + tax.
    #[schema(example = "34.88")]
    pub total: String,
    /// Sum of what the items say was paid.
    #[schema(example = "34.88")]
    pub amount_paid: String,
    /// How many items the order has, in all (the order's own route pages them).
    #[schema(example = 1)]
    pub item_count: u32,
    /// The import that last wrote it.
    #[schema(example = 7)]
    pub import_id: i64,
    /// When it was first imported.
    pub created_at: DateTime<Utc>,
    /// When a correction last replaced it.
    pub updated_at: DateTime<Utc>,
}

impl From<&Order> for OrderBody {
    fn from(order: &Order) -> Self {
        OrderBody {
            id: order.id.get(),
            sale_id: order.sale_id.get(),
            client_id: order.client_id.get(),
            date: order.date,
            location: order.location.as_str().to_owned(),
            payment_method: order.payment_method.clone(),
            batch_number: order.batch_number.map(|b| b.get()),
            sales_notes: order.sales_notes.clone(),
            notes: order.notes.clone(),
            subtotal: order.subtotal.to_string(),
            discount_percentage: order.discount_percentage.get().to_string(),
            discount_amount: order.discount_amount.to_string(),
            tax: order.tax.to_string(),
            total: order.total.to_string(),
            amount_paid: order.amount_paid.to_string(),
            item_count: order.item_count,
            import_id: order.import_id.get(),
            created_at: order.created_at,
            updated_at: order.updated_at,
        }
    }
}

/// One item of an order (a line of the export).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderItemBody {
    /// Its position in the sale, from 1.
    #[schema(example = 1)]
    pub position: u32,
    /// The product's number.
    #[schema(example = 42)]
    pub product_id: i64,
    /// The product's name.
    pub product_name: String,
    /// Units; -1 is a refund.
    #[schema(example = 1)]
    pub quantity: i32,
    /// The price it was sold at.
    pub unit_price: String,
    /// Unit price × quantity.
    pub subtotal: String,
    /// The line's discount rate as exported.
    pub discount_percentage: String,
    /// The line's discount.
    pub discount_amount: String,
    /// The line's tax.
    pub tax: String,
    /// Subtotal − discount + tax.
    pub total: String,
    /// What the line says was paid.
    pub amount_paid: String,
    /// The line's payment method.
    pub payment_method: Option<String>,
    /// The line's batch number.
    #[schema(example = 3)]
    pub batch_number: Option<i64>,
    /// The line's sales notes.
    pub sales_notes: Option<String>,
    /// The line's notes.
    pub notes: Option<String>,
    /// The line's color.
    pub color: Option<String>,
    /// The line's size.
    pub size: Option<String>,
}

impl From<&OrderItem> for OrderItemBody {
    fn from(item: &OrderItem) -> Self {
        OrderItemBody {
            position: item.position,
            product_id: item.product_id.get(),
            product_name: item.product_name.as_str().to_owned(),
            quantity: item.quantity.get(),
            unit_price: item.unit_price.amount().to_string(),
            subtotal: item.subtotal.to_string(),
            discount_percentage: item.discount_percentage.get().to_string(),
            discount_amount: item.discount_amount.to_string(),
            tax: item.tax.to_string(),
            total: item.total.to_string(),
            amount_paid: item.amount_paid.to_string(),
            payment_method: item.payment_method.clone(),
            batch_number: item.batch_number.map(|b| b.get()),
            sales_notes: item.sales_notes.clone(),
            notes: item.notes.clone(),
            color: item.color.clone(),
            size: item.size.clone(),
        }
    }
}

/// An order with a page of its items: the order's amounts and `item_count` are the whole
/// order's, whatever the page.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDetailBody {
    /// The order.
    #[serde(flatten)]
    pub order: OrderBody,
    /// This page of its items, in file order.
    pub items: Vec<OrderItemBody>,
    /// The page size asked for (`item_count` counts every item).
    #[schema(example = 50)]
    pub limit: u32,
    /// How many items were skipped.
    #[schema(example = 0)]
    pub offset: u64,
    /// Whether more items follow this page (ask again with `offset` + `limit`).
    pub has_more: bool,
}

impl From<&OrderWithItemPage> for OrderDetailBody {
    fn from(detail: &OrderWithItemPage) -> Self {
        let page = &detail.items;
        let offset = page.page.offset();
        OrderDetailBody {
            order: OrderBody::from(&detail.order),
            items: page.items.iter().map(OrderItemBody::from).collect(),
            limit: page.page.limit(),
            offset,
            has_more: has_more(offset, page.items.len(), page.total),
        }
    }
}

/// Whether items follow a page of `listed` items from `offset` in a list of `total`.
fn has_more(offset: u64, listed: usize, total: u64) -> bool {
    offset.saturating_add(listed as u64) < total
}

macro_rules! page_body {
    ($(#[$doc:meta])* $name:ident of $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            /// This page's items.
            pub items: Vec<$item>,
            /// How many items match in all.
            #[schema(example = 1408)]
            pub total: u64,
            /// The page size asked for.
            #[schema(example = 50)]
            pub limit: u32,
            /// How many matching items were skipped.
            #[schema(example = 0)]
            pub offset: u64,
            /// Whether more items follow this page (ask again with `offset` + `limit`).
            pub has_more: bool,
        }

        impl $name {
            /// The body of a page of domain values.
            pub fn from_page<T>(paged: &Paged<T>) -> Self
            where
                for<'a> &'a T: Into<$item>,
            {
                let offset = paged.page.offset();
                $name {
                    items: paged.items.iter().map(Into::into).collect(),
                    total: paged.total,
                    limit: paged.page.limit(),
                    offset,
                    has_more: has_more(offset, paged.items.len(), paged.total),
                }
            }
        }
    };
}

page_body!(
    /// A page of imports, newest first.
    ImportPage of ImportReportBody
);
page_body!(
    /// A page of products, by name.
    ProductPage of ProductBody
);
page_body!(
    /// A page of orders, newest first.
    OrderPage of OrderBody
);

impl From<&ImportReport> for ImportReportBody {
    fn from(report: &ImportReport) -> Self {
        ImportReportBody::from_report(report, false)
    }
}

/// Revenue over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevenueBody {
    /// First day included (absent: from the first sale).
    pub from: Option<NaiveDate>,
    /// Last day included (absent: up to the last sale).
    pub to: Option<NaiveDate>,
    /// The location filter, if any.
    pub location: Option<String>,
    /// ISO 4217 currency of every amount (ZINC_CURRENCY).
    #[schema(example = "USD")]
    pub currency: String,
    /// Sum of order totals (incl. tax, after discount), exact.
    #[schema(example = "64509.982")]
    pub total_revenue: String,
    /// Distinct sales.
    #[schema(example = 1408)]
    pub order_count: u64,
    /// Revenue ÷ orders, rounded half away from zero to 2 places.
    #[schema(example = "45.82")]
    pub average_order_value: String,
}

/// Revenue of one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayBody {
    /// The day.
    pub date: NaiveDate,
    /// Sum of its order totals, exact.
    pub revenue: String,
    /// Its orders.
    #[schema(example = 37)]
    pub order_count: u64,
}

impl From<&DailyRevenue> for DayBody {
    fn from(day: &DailyRevenue) -> Self {
        DayBody {
            date: day.date,
            revenue: day.totals.revenue.to_string(),
            order_count: day.totals.order_count,
        }
    }
}

/// Revenue per day, every day of the range present.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyRevenueBody {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The location filter, if any.
    pub location: Option<String>,
    /// ISO 4217 currency of every amount.
    pub currency: String,
    /// How the range was chosen: `requested` (`to`, or both ends, given), `after_from` (only
    /// `from` given), `latest_sale` (neither given: it ends at the latest sale) or `today`
    /// (neither given and nothing sold yet).
    #[schema(value_type = String, example = "latest_sale")]
    pub range_basis: RangeBasis,
    /// One entry per day, zeros included.
    pub days: Vec<DayBody>,
}

/// Revenue of one period of a series.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodRevenueBody {
    /// The period's own first day (the week's Monday, the month's 1st): its label.
    #[schema(example = "2025-03-03")]
    pub start: NaiveDate,
    /// Its first day within the range.
    #[schema(example = "2025-03-05")]
    pub from: NaiveDate,
    /// Its last day within the range.
    #[schema(example = "2025-03-09")]
    pub to: NaiveDate,
    /// Sum of its order totals, exact.
    #[schema(example = "1297.51")]
    pub revenue: String,
    /// Its orders.
    #[schema(example = 29)]
    pub order_count: u64,
    /// Revenue per order, rounded half away from zero to 2 places.
    #[schema(example = "44.74")]
    pub average_order_value: String,
}

impl From<&(Period, RevenueTotals)> for PeriodRevenueBody {
    fn from((period, totals): &(Period, RevenueTotals)) -> Self {
        PeriodRevenueBody {
            start: period.start,
            from: period.days.from(),
            to: period.days.to(),
            revenue: totals.revenue.to_string(),
            order_count: totals.order_count,
            average_order_value: totals.average_order_value().to_string(),
        }
    }
}

/// Revenue per day, week or month, every period of the range present.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevenueSeriesBody {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// `day`, `week` or `month`.
    #[schema(example = "week")]
    pub interval: String,
    /// The location filter, if any.
    pub location: Option<String>,
    /// ISO 4217 currency of every amount.
    pub currency: String,
    /// How the range was chosen: `requested`, `after_from`, `latest_sale` or `today` (as for
    /// daily revenue).
    #[schema(value_type = String, example = "latest_sale")]
    pub range_basis: RangeBasis,
    /// One entry per period, zeros included.
    pub periods: Vec<PeriodRevenueBody>,
}

/// What a product sold in one period of a series.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodProductSalesBody {
    /// The period's own first day (the week's Monday, the month's 1st): its label.
    #[schema(example = "2025-03-01")]
    pub start: NaiveDate,
    /// Its first day within the range.
    #[schema(example = "2025-03-01")]
    pub from: NaiveDate,
    /// Its last day within the range.
    #[schema(example = "2025-03-31")]
    pub to: NaiveDate,
    /// Units sold, refunds subtracted.
    #[schema(example = 24)]
    pub quantity: i64,
    /// Sum of its item totals, exact.
    #[schema(example = "817.44")]
    pub revenue: String,
    /// Orders it appears in.
    #[schema(example = 22)]
    pub order_count: u64,
}

impl From<&(Period, ProductTotals)> for PeriodProductSalesBody {
    fn from((period, totals): &(Period, ProductTotals)) -> Self {
        PeriodProductSalesBody {
            start: period.start,
            from: period.days.from(),
            to: period.days.to(),
            quantity: totals.quantity,
            revenue: totals.revenue.to_string(),
            order_count: totals.order_count,
        }
    }
}

/// One product's sales per day, week or month, every period of the range present.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductSalesSeriesBody {
    /// The product's number.
    #[schema(example = 13)]
    pub product_id: i64,
    /// Its name.
    #[schema(example = "10 Practice Credits")]
    pub name: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// `day`, `week` or `month`.
    #[schema(example = "month")]
    pub interval: String,
    /// The location filter, if any.
    pub location: Option<String>,
    /// ISO 4217 currency of every amount.
    pub currency: String,
    /// How the range was chosen: `requested`, `after_from`, `latest_sale` (neither end given:
    /// it ends at this product's latest sale) or `today` (neither given and it never sold).
    #[schema(value_type = String, example = "latest_sale")]
    pub range_basis: RangeBasis,
    /// One entry per period, zeros included.
    pub periods: Vec<PeriodProductSalesBody>,
}

/// What one product sold.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopProductBody {
    /// The product's number.
    #[schema(example = 13)]
    pub product_id: i64,
    /// Its name.
    #[schema(example = "10 Practice Credits")]
    pub name: String,
    /// Units sold, refunds subtracted.
    #[schema(example = 273)]
    pub quantity: i64,
    /// Sum of its item totals, exact.
    #[schema(example = "9298.572")]
    pub revenue: String,
    /// Orders it appears in.
    #[schema(example = 280)]
    pub order_count: u64,
}

impl From<&ProductSales> for TopProductBody {
    fn from(sales: &ProductSales) -> Self {
        TopProductBody {
            product_id: sales.product_id.get(),
            name: sales.name.as_str().to_owned(),
            quantity: sales.quantity,
            revenue: sales.revenue.to_string(),
            order_count: sales.order_count,
        }
    }
}

/// Best-selling products over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopProductsBody {
    /// First day included, if bounded.
    pub from: Option<NaiveDate>,
    /// Last day included, if bounded.
    pub to: Option<NaiveDate>,
    /// The location filter, if any.
    pub location: Option<String>,
    /// `revenue` or `quantity`.
    pub by: String,
    /// ISO 4217 currency of the revenues.
    pub currency: String,
    /// The products, best first.
    pub items: Vec<TopProductBody>,
}

/// The service's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthBody {
    /// `ok`; `degraded` when reads go to the primary because the read replica does not serve
    /// them (readiness only, with a replica).
    #[schema(example = "ok")]
    pub status: String,
    /// `reachable` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "reachable")]
    pub database: Option<String>,
    /// The read replica's state, when one is configured (readiness only): `serving`,
    /// `lagging`, `down`, `promoted` or `unknown` (just started).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(null))]
    pub replica: Option<String>,
}

/// What reverting an import changes (a dry run) or changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevertBody {
    /// The import reverted.
    #[schema(example = 7)]
    pub import: i64,
    /// True when nothing was changed: the plan of a revert.
    pub dry_run: bool,
    /// The revert's own record in the import history (absent in a dry run); reverting it
    /// puts back what the revert replaced.
    #[schema(example = 9)]
    pub revert: Option<i64>,
    /// Sales put back as they were before the import.
    #[schema(example = 2)]
    pub orders_restored: u64,
    /// Sales the import created, removed.
    #[schema(example = 1)]
    pub orders_removed: u64,
    /// Products whose price goes back to what it was.
    #[schema(example = 1)]
    pub products_restored: u64,
    /// Products the import created that nothing uses any more, removed.
    #[schema(example = 0)]
    pub products_removed: u64,
    /// The Sale IDs changed (the first 100, by Sale ID).
    #[schema(example = json!([1, 3, 4]))]
    pub sales: Vec<i64>,
}

impl RevertBody {
    /// The body of a plan, or of a revert done (`revert`: its record).
    pub fn new(plan: &zinc_ports::RevertPlan, revert: Option<zinc_domain::ImportId>) -> Self {
        RevertBody {
            import: plan.import.get(),
            dry_run: revert.is_none(),
            revert: revert.map(|id| id.get()),
            orders_restored: plan.orders_restored,
            orders_removed: plan.orders_removed,
            products_restored: plan.products_restored,
            products_removed: plan.products_removed,
            sales: plan.sales.iter().map(|id| id.get()).collect(),
        }
    }
}

/// A sale a later import changed since the import to revert wrote it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleConflictBody {
    /// The sale.
    #[schema(example = 4105)]
    pub sale_id: i64,
    /// The later imports that wrote it, oldest first.
    #[schema(example = json!([9]))]
    pub touched_by: Vec<i64>,
}

impl From<&zinc_ports::SaleConflict> for SaleConflictBody {
    fn from(conflict: &zinc_ports::SaleConflict) -> Self {
        SaleConflictBody {
            sale_id: conflict.sale_id.get(),
            touched_by: conflict.touched_by.iter().map(|id| id.get()).collect(),
        }
    }
}
