//! `/orders`: the orders of a period, newest first, paged; `/orders/{id}`: one order with its
//! items, paged. Read through the API's `OrderBook` port.

use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::html;
use serde::Deserialize;
use zinc_domain::{KeyScope, OrderFilter, OrderId, Page};

use super::imports::{Listed, pager};
use super::layout::{self, Section};
use super::page::{PageError, PageQuery};
use super::range::{self, RangeQuery};
use super::{format, session};
use crate::api::AppState;
use crate::api::params;
use crate::api::problem::ApiError;

/// Orders per page.
const ORDERS_PAGE: u64 = 50;

/// Items per page of an order: the API's default page.
const ITEMS_PAGE: u64 = Page::DEFAULT_LIMIT as u64;

#[derive(Debug, Deserialize)]
pub struct OrdersQuery {
    from: Option<String>,
    to: Option<String>,
    location: Option<String>,
    sale_id: Option<String>,
    client_id: Option<String>,
    offset: Option<String>,
}

/// A search box's text, trimmed; one sent empty searches for nothing.
fn searched(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The orders page.
#[get("/orders")]
pub async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: PageQuery<OrdersQuery>,
) -> Result<HttpResponse, PageError> {
    let viewer = session::admit(&request, &state, KeyScope::Read).await?;
    let query = query.into_inner();
    let sale_id = params::sale_id(searched(&query.sale_id))?;
    let client_id = params::client_id(searched(&query.client_id))?;
    let offset =
        params::number("offset", query.offset.as_deref(), 0, i64::MAX as u64)?.unwrap_or(0);
    let page = Page::new(ORDERS_PAGE, offset).map_err(|source| ApiError::BadQuery {
        name: "offset",
        source,
    })?;
    // Every parameter is checked before the store is asked anything.
    let period = range::resolve(
        &state,
        &RangeQuery {
            from: query.from,
            to: query.to,
            location: query.location,
        },
    )
    .await?;
    // A Sale ID finds its order whatever the period.
    let filter = match sale_id {
        Some(sale_id) => OrderFilter {
            sale_id: Some(sale_id),
            ..OrderFilter::default()
        },
        None => OrderFilter {
            dates: period.bounds(),
            location: period.location,
            client_id,
            ..OrderFilter::default()
        },
    };
    let orders = state.orders.list_orders(&filter, page).await?;
    let currency = state.currency.as_str();
    let mut pager_query = period.query();
    if let Some(sale_id) = sale_id {
        pager_query.push_str(&format!("&sale_id={sale_id}"));
    }
    if let Some(client_id) = client_id {
        pager_query.push_str(&format!("&client_id={client_id}"));
    }
    let content = html! {
        (range::picker(&period, "/orders"))
        form.search method="get" action="/orders" role="search" {
            div.field {
                label for="sale_id" { "Find a sale by its Sale ID" }
                input #sale_id type="search" name="sale_id" inputmode="numeric" maxlength="19"
                    value=[sale_id.map(|s| s.to_string())];
            }
            div.field {
                label for="client_id" { "or a client's orders in the period, by Client ID" }
                input #client_id type="search" name="client_id" inputmode="numeric" maxlength="19"
                    value=[client_id.map(|c| c.to_string())];
            }
            // The period travels with the search.
            input type="hidden" name="from" value=(period.range.from());
            input type="hidden" name="to" value=(period.range.to());
            @if let Some(location) = period.location {
                input type="hidden" name="location" value=(location.as_str());
            }
            button type="submit" { "Find" }
        }
        section.panel aria-labelledby="orders-heading" {
            h2 #orders-heading {
                @if let Some(sale_id) = sale_id { "Sale " (sale_id) } @else if let Some(client_id) = client_id {
                    (format::count(orders.total)) " orders of client " (client_id) " from " (format::date(period.range.from())) " to " (format::date(period.range.to()))
                } @else {
                    (format::count(orders.total)) " orders from " (format::date(period.range.from())) " to " (format::date(period.range.to()))
                }
            }
            @if orders.items.is_empty() {
                p { "No order matches." }
            } @else {
                table #orders {
                    thead {
                        tr {
                            th scope="col" { "Date" }
                            th scope="col" { "Sale ID" }
                            th.hide-narrow scope="col" { "Location" }
                            th.hide-narrow scope="col" { "Client" }
                            th.num scope="col" { "Items" }
                            th.num scope="col" { "Total" }
                        }
                    }
                    tbody {
                        @for order in &orders.items {
                            tr {
                                td { (format::date(order.date)) }
                                td { a href=(format!("/orders/{}", order.id.get())) { (order.sale_id) } }
                                td.hide-narrow { (order.location.as_str()) }
                                td.hide-narrow { (order.client_id) }
                                td.num { (order.item_count) }
                                td.num { (format::money(order.total.amount(), currency)) }
                            }
                        }
                    }
                }
                (pager("/orders", &pager_query, offset, ORDERS_PAGE, orders.total, Listed::NewestFirst))
            }
        }
    };
    Ok(layout::page(Section::Orders, &viewer, "Orders", content))
}

#[derive(Debug, Deserialize)]
pub struct OrderQuery {
    offset: Option<String>,
}

/// One order with a page of its items.
#[get("/orders/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    query: PageQuery<OrderQuery>,
) -> Result<HttpResponse, PageError> {
    let viewer = session::admit(&request, &state, KeyScope::Read).await?;
    let id = params::id("id", &id)?;
    let offset =
        params::number("offset", query.offset.as_deref(), 0, i64::MAX as u64)?.unwrap_or(0);
    let page = Page::new(ITEMS_PAGE, offset).map_err(|source| ApiError::BadQuery {
        name: "offset",
        source,
    })?;
    let found = state
        .orders
        .find_order(OrderId::new(id), page)
        .await?
        .ok_or(ApiError::NotFound { what: "order", id })?;
    let (order, items) = (&found.order, &found.items);
    let currency = state.currency.as_str();
    let title = format!("Sale {}", order.sale_id);
    let content = html! {
        p { a href="/orders" { "← Orders" } }
        section.panel aria-label="The order" {
            dl.facts {
                dt { "Date" } dd { (format::date(order.date)) }
                dt { "Location" } dd { (order.location.as_str()) }
                dt { "Client" } dd { (order.client_id) }
                dt { "Payment" } dd { (order.payment_method.as_deref().unwrap_or("—")) }
                dt { "Subtotal" } dd { (format::money(order.subtotal.amount(), currency)) }
                dt { "Discount" } dd { (format::money(order.discount_amount.amount(), currency)) }
                dt { "Tax" } dd { (format::money(order.tax.amount(), currency)) }
                dt { "Total" } dd #order-total { (format::money(order.total.amount(), currency)) }
                dt { "Paid" } dd { (format::money(order.amount_paid.amount(), currency)) }
                dt { "Items" } dd #order-item-count { (format::count(order.item_count)) }
                @if let Some(notes) = &order.sales_notes { dt { "Sales notes" } dd { (notes) } }
                @if let Some(notes) = &order.notes { dt { "Notes" } dd { (notes) } }
            }
        }
        section.panel aria-labelledby="items-heading" {
            h2 #items-heading {
                @if items.total > ITEMS_PAGE && !items.items.is_empty() {
                    "Items " (format::count(offset + 1)) "–" (format::count(offset + items.items.len() as u64)) " of " (format::count(items.total))
                } @else {
                    (format::counted(items.total, "item", "items"))
                }
            }
            @if items.items.is_empty() {
                p { "No item on this page." }
            } @else {
                table #order-items {
                    thead {
                        tr {
                            th.num scope="col" { "#" }
                            th scope="col" { "Product" }
                            th.num scope="col" { "Qty" }
                            th.num scope="col" { "Price" }
                            th.num.hide-narrow scope="col" { "Discount" }
                            th.num.hide-narrow scope="col" { "Tax" }
                            th.num scope="col" { "Total" }
                        }
                    }
                    tbody {
                        @for item in &items.items {
                            tr {
                                td.num { (item.position) }
                                th scope="row" { a href=(format!("/products/{}", item.product_id.get())) { (item.product_name.as_str()) } }
                                td.num { (item.quantity) }
                                td.num { (format::money(item.unit_price.amount(), currency)) }
                                td.num.hide-narrow { (format::money(item.discount_amount.amount(), currency)) }
                                td.num.hide-narrow { (format::money(item.tax.amount(), currency)) }
                                td.num { (format::money(item.total.amount(), currency)) }
                            }
                        }
                    }
                }
            }
            @if items.total > ITEMS_PAGE || offset > 0 {
                (pager(&format!("/orders/{id}"), "", offset, ITEMS_PAGE, items.total, Listed::InFileOrder))
            }
        }
    };
    Ok(layout::page(Section::Orders, &viewer, &title, content))
}
