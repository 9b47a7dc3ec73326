//! Products and orders: `GET /api/v1/products[/{id}]`, `GET /api/v1/orders[/{id}]`.

use actix_web::{HttpResponse, get, web};
use zinc_domain::{OrderFilter, OrderId, ProductFilter, ProductId};

use super::body::{OrderDetailBody, OrderPage, ProductBody, ProductPage};
use super::params::{self, OrderQuery, PageQuery, ProductQuery};
use super::problem::{ApiError, ProblemDetails};
use super::state::AppState;

/// List products by name, optionally those whose name contains `q`.
///
/// Products in name order (one per distinct item name the imports met), each with the unit
/// price of its most recent sale. `q` matches anywhere in the name, ignoring case, with `%` and
/// `_` taken literally; a blank `q` lists all. A page of `limit` (50 by default) from `offset`;
/// `total` counts every match and `has_more` says whether another page follows. No match is an
/// empty page, not a 404.
#[utoipa::path(
    tag = "products",
    params(ProductQuery),
    responses(
        (status = 200, body = ProductPage),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    query: web::Query<ProductQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = params::page(query.limit.as_deref(), query.offset.as_deref())?;
    let filter = ProductFilter {
        name_contains: params::text("q", query.q.as_deref())?.filter(|q| !q.trim().is_empty()),
    };
    let products = state.products.list_products(&filter, page).await?;
    Ok(HttpResponse::Ok().json(ProductPage::from_page(&products)))
}

/// One product.
///
/// The product with this number: its name and the unit price of its most recent sale, when it
/// was first imported and when its price last changed. A number no product has is a 404; one
/// that is not a whole number from 1 is a 400.
#[utoipa::path(
    tag = "products",
    params(("id" = i64, Path, description = "The product's number", minimum = 1, example = 42)),
    responses(
        (status = 200, body = ProductBody),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = params::id("id", &id)?;
    let product = state
        .products
        .find_product(ProductId::new(id))
        .await?
        .ok_or(ApiError::NotFound {
            what: "product",
            id,
        })?;
    Ok(HttpResponse::Ok().json(ProductBody::from(&product)))
}

/// List orders, newest sale date first, filtered by date range, location, client, sale or
/// product.
///
/// One order per sale of the exports, sorted by sale date (newest first) and then by Sale ID
/// (highest first); its amounts are the sums of its items, negative for a refund. `from` and
/// `to` are days, both included, each open when absent (`from` after `to` is a 400); filters
/// combine. A page of `limit` (50 by default) from `offset`, with `total` and `has_more`; no
/// match is an empty page.
///
/// `product_id` keeps the orders with at least one item of that product (a number no product
/// has gives an empty page). `total` is exact and `has_more` says whether `offset` + `limit`
/// reaches further. Filtered by dates, location and product only (or not at all), `total` is
/// read from the daily sums every import keeps, so a page costs the same however many orders
/// there are; with `client_id` or `sale_id` the matching orders are counted, through an index. Deep pages cost more: the orders skipped
/// by `offset` are read past.
#[utoipa::path(
    tag = "orders",
    params(OrderQuery),
    responses(
        (status = 200, body = OrderPage),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = params::page(query.limit.as_deref(), query.offset.as_deref())?;
    let dates = params::date_bounds(query.from.as_deref(), query.to.as_deref())?;
    let filter = OrderFilter {
        dates,
        location: params::location(query.location.as_deref())?,
        client_id: query.client_id()?,
        sale_id: query.sale_id()?,
        product_id: query.product_id()?,
    };
    let orders = state.orders.list_orders(&filter, page).await?;
    Ok(HttpResponse::Ok().json(OrderPage::from_page(&orders)))
}

/// One order with a page of its items.
///
/// The order with this number (not its Sale ID: filter the list by `sale_id` for that), with
/// a page of its items in the order of the file's lines: product, quantity (negative for a
/// refund), unit price and the line's amounts. The order's amounts and `item_count` are the
/// whole order's; the items are a page of `limit` (1 to 500, 50 by default) from `offset`, as
/// the lists' pages, with `has_more` (`item_count` is their total). A page past the last item
/// has none. A number no order has is a 404.
#[utoipa::path(
    tag = "orders",
    params(
        ("id" = i64, Path, description = "The order's number (not the Sale ID)", minimum = 1, example = 1408),
        PageQuery,
    ),
    responses(
        (status = 200, body = OrderDetailBody),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/orders/{id}")]
pub async fn get_order(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = params::id("id", &id)?;
    let page = params::page(query.limit.as_deref(), query.offset.as_deref())?;
    let order = state
        .orders
        .find_order(OrderId::new(id), page)
        .await?
        .ok_or(ApiError::NotFound { what: "order", id })?;
    Ok(HttpResponse::Ok().json(OrderDetailBody::from(&order)))
}
