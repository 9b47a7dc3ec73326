//! Revenue figures: totals, per day, and best sellers.

use actix_web::{HttpResponse, get, web};
use chrono::{Days, Utc};
use zinc_domain::{DateRange, fill_days};

use super::AppState;
use super::body::{DailyRevenueBody, DayBody, RevenueBody, TopProductBody, TopProductsBody};
use super::params::{self, DailyRevenueQuery, RevenueQuery, TopProductsQuery};
use super::problem::{ApiError, ProblemDetails};

/// The most days one daily-revenue call covers.
pub const MAX_DAILY_DAYS: u64 = 366;
/// Days covered by default (ending at `to`).
const DEFAULT_DAILY_DAYS: u64 = 30;
/// Best sellers returned by default, and at most.
const DEFAULT_TOP: u32 = 10;
const MAX_TOP: u32 = 100;

/// Revenue, order count and average order value over a period (both ends included).
///
/// Revenue is the exact sum of the totals of the orders dated from `from` to `to`, both days
/// included (item totals after discount, tax included); without `from` the period starts at the
/// first sale, without `to` it ends at the last. A refund is an order with a negative total: it
/// lowers the revenue and counts as an order. The average is revenue ÷ orders, rounded half away
/// from zero to 2 places. A period without sales gives zeros (not a 404); `from` after `to` is a
/// 400. With `location`, only that location's orders count.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/revenue",
    tag = "metrics",
    params(RevenueQuery),
    responses(
        (status = 200, description = "Totals; zeros for a period without sales", body = RevenueBody),
        (status = 400, description = "A bad date or location, or `from` after `to`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/metrics/revenue")]
pub async fn revenue(
    state: web::Data<AppState>,
    query: web::Query<RevenueQuery>,
) -> Result<HttpResponse, ApiError> {
    let dates = params::date_bounds(query.from.as_deref(), query.to.as_deref())?;
    let location = params::location(query.location.as_deref())?;
    let totals = state.figures.revenue(dates, location).await?;
    Ok(HttpResponse::Ok().json(RevenueBody {
        from: dates.from(),
        to: dates.to(),
        location: location.map(|l| l.as_str().to_owned()),
        currency: state.currency.clone(),
        total_revenue: totals.revenue.to_string(),
        order_count: totals.order_count,
        average_order_value: totals.average_order_value().to_string(),
    }))
}

/// Revenue per day, every day of the range present (zero-filled), at most 366 days per call.
///
/// One entry per day from `from` to `to`, both included and in date order, with that day's
/// revenue (exact sum of order totals, refunds negative) and order count; a day without sales
/// is present with zeros. Without `to` the range ends today (UTC); without `from` it starts 29
/// days before `to` (30 days in all). More than 366 days, or `from` after `to`, is a 400 saying
/// so. With `location`, only that location's orders count.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/revenue/daily",
    tag = "metrics",
    params(DailyRevenueQuery),
    responses(
        (status = 200, body = DailyRevenueBody),
        (status = 400, description = "A bad date or location, `from` after `to`, or more than 366 days", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/metrics/revenue/daily")]
pub async fn daily_revenue(
    state: web::Data<AppState>,
    query: web::Query<DailyRevenueQuery>,
) -> Result<HttpResponse, ApiError> {
    let to = params::date("to", query.to.as_deref())?.unwrap_or_else(|| Utc::now().date_naive());
    let from = match params::date("from", query.from.as_deref())? {
        Some(from) => from,
        None => to
            .checked_sub_days(Days::new(DEFAULT_DAILY_DAYS - 1))
            .unwrap_or(to),
    };
    let range =
        DateRange::at_most(from, to, MAX_DAILY_DAYS).map_err(|source| ApiError::BadQuery {
            name: "from",
            source,
        })?;
    let location = params::location(query.location.as_deref())?;
    let sold = state.figures.daily_revenue(range, location).await?;
    Ok(HttpResponse::Ok().json(DailyRevenueBody {
        from,
        to,
        location: location.map(|l| l.as_str().to_owned()),
        currency: state.currency.clone(),
        days: fill_days(range, &sold).iter().map(DayBody::from).collect(),
    }))
}

/// Best-selling products over a period, by revenue or by units, at one location or both.
///
/// Sums each product's items over the orders dated from `from` to `to` (both included, each
/// open when absent), at `location` when given: `revenue` is the exact sum of the item totals,
/// `quantity` the units, refunds subtracted from both. Ranked by `by` (revenue by default), ties
/// broken by the other measure and then by name; at most `limit` products (10 by default), fewer
/// when fewer sold in the period, none for a period without sales.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/products/top",
    tag = "metrics",
    params(TopProductsQuery),
    responses(
        (status = 200, body = TopProductsBody),
        (status = 400, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/metrics/products/top")]
pub async fn top_products(
    state: web::Data<AppState>,
    query: web::Query<TopProductsQuery>,
) -> Result<HttpResponse, ApiError> {
    let dates = params::date_bounds(query.from.as_deref(), query.to.as_deref())?;
    let limit = params::number("limit", query.limit.as_deref(), 1, MAX_TOP)?.unwrap_or(DEFAULT_TOP);
    let location = params::location(query.location.as_deref())?;
    let by = query.by()?;
    let top = state
        .figures
        .top_products(dates, location, by, limit)
        .await?;
    Ok(HttpResponse::Ok().json(TopProductsBody {
        from: dates.from(),
        to: dates.to(),
        location: location.map(|l| l.as_str().to_owned()),
        by: by.as_str().to_owned(),
        currency: state.currency.clone(),
        items: top.iter().map(TopProductBody::from).collect(),
    }))
}
