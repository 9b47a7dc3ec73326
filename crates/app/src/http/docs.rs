//! The OpenAPI document, generated from the handlers' annotations, and the Swagger UI (its
//! assets are compiled into the binary: it works without internet access).

use utoipa::OpenApi;

use super::body::{
    DailyRevenueBody, DayBody, HealthBody, ImportPage, ImportReportBody, InputProblemBody,
    OrderBody, OrderDetailBody, OrderItemBody, OrderPage, ProductBody, ProductPage, RevenueBody,
    TopProductBody, TopProductsBody,
};
use super::problem::ProblemDetails;
use super::{catalog, health, imports, monitoring, revenue};

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

/// Zinc's HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zinc",
        description = "Point-of-sale exports in; products, orders and revenue out. Money is an exact decimal string; errors are application/problem+json.",
    ),
    paths(
        imports::create_import,
        imports::list_imports,
        imports::get_import,
        catalog::list_products,
        catalog::get_product,
        catalog::list_orders,
        catalog::get_order,
        revenue::revenue,
        revenue::daily_revenue,
        revenue::top_products,
        health::live,
        health::ready,
        monitoring::metrics,
    ),
    components(schemas(
        ProblemDetails, InputProblemBody, ImportReportBody, ImportPage, ProductBody, ProductPage, OrderBody,
        OrderPage, OrderItemBody, OrderDetailBody, RevenueBody, DayBody, DailyRevenueBody,
        TopProductBody, TopProductsBody, HealthBody,
    )),
    tags(
        (name = "imports", description = "Load point-of-sale exports"),
        (name = "products", description = "Products, one per item name"),
        (name = "orders", description = "Orders, one per sale, with their items"),
        (name = "metrics", description = "Revenue figures"),
        (name = "health", description = "Liveness and readiness"),
    ),
)]
pub struct ApiDoc;
