//! `/products`: the products, searchable by name, paged; `/products/{id}`: one product.
//! Read through the API's `ProductCatalog` port.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use zinc_domain::{Interval, KeyScope, Page, ProductFilter, ProductId, SeriesRange};

use super::imports::{Listed, pager};
use super::layout::{self, Section};
use super::page::{PageError, PageQuery};
use super::{format, session};
use crate::api::AppState;
use crate::api::params;
use crate::api::problem::ApiError;

/// Products per page.
const PRODUCTS_PAGE: u64 = 50;

#[derive(Debug, Deserialize)]
pub struct ProductsQuery {
    q: Option<String>,
    offset: Option<String>,
}

/// The products page.
#[get("/products")]
pub async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: PageQuery<ProductsQuery>,
) -> Result<HttpResponse, PageError> {
    let viewer = session::admit(&request, &state, KeyScope::Read).await?;
    let search = params::text("q", query.q.as_deref())?.filter(|q| !q.trim().is_empty());
    let offset =
        params::number("offset", query.offset.as_deref(), 0, i64::MAX as u64)?.unwrap_or(0);
    let page = Page::new(PRODUCTS_PAGE, offset).map_err(|source| ApiError::BadQuery {
        name: "offset",
        source,
    })?;
    let filter = ProductFilter {
        name_contains: search.clone(),
    };
    let products = state.products.list_products(&filter, page).await?;
    let ids: Vec<ProductId> = products.items.iter().map(|p| p.id).collect();
    let since = state.products.prices_since(&ids).await?;
    let currency = state.currency.as_str();
    let pager_query = search
        .as_deref()
        .map(|q| format!("q={}", super::page::encode_next(q)))
        .unwrap_or_default();
    let content = html! {
        form.search method="get" action="/products" role="search" {
            div.field {
                label for="q" { "Name contains" }
                input #q type="search" name="q" maxlength="255" value=[search.as_deref()];
            }
            button type="submit" { "Search" }
        }
        section.panel aria-labelledby="products-heading" {
            h2 #products-heading { (format::count(products.total)) " products" }
            @if products.items.is_empty() {
                p { "No product matches." }
            } @else {
                table #products {
                    thead {
                        tr {
                            th scope="col" { "Product" }
                            th.num scope="col" { "Price (latest sale)" }
                            th.hide-narrow scope="col" { "Price since" }
                        }
                    }
                    tbody {
                        @for product in &products.items {
                            tr {
                                th scope="row" { a href=(format!("/products/{}", product.id.get())) { (product.name.as_str()) } }
                                td.num { (format::money(product.price.amount(), currency)) }
                                td.hide-narrow { (price_since(since.get(&product.id).copied())) }
                            }
                        }
                    }
                }
                (pager("/products", &pager_query, offset, PRODUCTS_PAGE, products.total, Listed::ByName))
            }
        }
    };
    Ok(layout::page(
        Section::Products,
        &viewer,
        "Products",
        content,
    ))
}

/// One product, with what it sold in each of the 12 months ending with its latest sale (the
/// API's `/api/v1/products/{id}/sales?interval=month`, read from the same ports).
#[get("/products/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let viewer = session::admit(&request, &state, KeyScope::Read).await?;
    let id = params::id("id", &id)?;
    let product = state
        .products
        .find_product(ProductId::new(id))
        .await?
        .ok_or(ApiError::NotFound {
            what: "product",
            id,
        })?;
    let since = state
        .products
        .prices_since(&[product.id])
        .await?
        .get(&product.id)
        .copied();
    let latest = state.figures.latest_sale(Some(product.id), None).await?;
    let today = Utc::now().date_naive();
    let months = SeriesRange::new(
        None,
        None,
        Interval::Month,
        latest.unwrap_or(today),
        latest.is_none(),
    )
    .map_err(|source| ApiError::BadQuery {
        name: "from",
        source,
    })?;
    let sold = state
        .figures
        .product_daily_sales(product.id, months.days(), None)
        .await?;
    let per_month = months.sum(sold.iter().map(|day| (day.date, day.totals)));
    let currency = state.currency.as_str();
    let content = html! {
        p { a href="/products" { "← Products" } }
        section.panel aria-label="The product" {
            dl.facts {
                dt { "Price" } dd #product-price { (format::money(product.price.amount(), currency)) " (its most recent sale)" }
                dt { "First imported" } dd { (format::date(product.created_at.date_naive())) }
                dt { "Price since" } dd #product-price-since { (price_since(since)) }
                @if let Some(latest) = latest {
                    dt { "Latest sale" } dd { (format::date(latest)) }
                }
            }
        }
        section.panel aria-labelledby="monthly-heading" {
            h2 #monthly-heading { "Sales per month" }
            p.hint {
                @if latest.is_some() {
                    "The 12 months ending with its latest sale; refunds subtracted."
                } @else {
                    "It has not sold yet: the 12 months ending today."
                }
            }
            table #product-months {
                thead {
                    tr {
                        th scope="col" { "Month" }
                        th.num scope="col" { "Units" }
                        th.num scope="col" { "Orders" }
                        th.num scope="col" { "Revenue" }
                    }
                }
                tbody {
                    @for (month, totals) in per_month.iter().rev() {
                        tr {
                            th scope="row" { time datetime=(month.start.format("%Y-%m")) { (format::month_text(month.start)) } }
                            td.num { (format::signed(totals.quantity)) }
                            td.num { (format::count(totals.order_count)) }
                            td.num { (format::money(totals.revenue, currency)) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        Section::Products,
        &viewer,
        product.name.as_str(),
        content,
    ))
}

/// When a product's price began (the first sale at its current price), or that it has no
/// sale to say it.
fn price_since(day: Option<chrono::NaiveDate>) -> Markup {
    html! {
        @match day {
            Some(day) => (format::date(day)),
            None => "no sale stored",
        }
    }
}
