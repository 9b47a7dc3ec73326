//! Revenue figures: totals, per day, and best sellers.

use actix_web::{HttpResponse, get, web};
use chrono::{NaiveDate, Utc};
use zinc_domain::{
    DailyRevenue, Interval, Location, Period, ProductId, RevenueTotals, SeriesRange,
};

use super::body::{
    DailyRevenueBody, DayBody, PeriodProductSalesBody, PeriodRevenueBody, ProductSalesSeriesBody,
    RevenueBody, RevenueSeriesBody, TopProductBody, TopProductsBody,
};
use super::params::{self, DailyRevenueQuery, RevenueQuery, SeriesQuery, TopProductsQuery};
use super::problem::{ApiError, ProblemDetails};
use super::state::AppState;

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
/// is present with zeros. Without `from` and `to` the range is the 30 days ending at the latest
/// sale (today when nothing was sold yet), so that data from another year does not answer 30
/// zeros; with only `to`, the 30 days ending there; with only `from`, the 30 days from there.
/// `range_basis` says which applied. More than 366 days, or `from` after `to`, is a 400 saying
/// so. With `location`, only that location's orders count. The same figures per week or month:
/// `/api/v1/metrics/revenue/series`.
#[utoipa::path(
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
    let dates = params::dates(query.from.as_deref(), query.to.as_deref())?;
    let location = params::location(query.location.as_deref())?;
    let range = series_range(&state, dates, Interval::Day, None, location).await?;
    let (from, to) = (range.days().from(), range.days().to());
    let days = revenue_per_period(&state, range, location).await?;
    Ok(HttpResponse::Ok().json(DailyRevenueBody {
        from,
        to,
        location: location.map(|l| l.as_str().to_owned()),
        currency: state.currency.clone(),
        range_basis: range.basis(),
        days: days
            .iter()
            .map(|(period, totals)| {
                DayBody::from(&DailyRevenue {
                    date: period.start,
                    totals: *totals,
                })
            })
            .collect(),
    }))
}

/// Revenue per day, week or month, every period of the range present (zero-filled).
///
/// The range from `from` to `to` (both included) cut into `interval`s: days, ISO weeks
/// (Monday to Sunday) or calendar months; each period has its label `start` (the day, the
/// week's Monday, the month's 1st), its days within the range (`from`, `to`: the first and last
/// periods may be cut short by the range), its revenue (exact sum of order totals, refunds
/// negative), order count and average order value; a period without sales is present with
/// zeros. Without `from` and `to` the range is the last 30 days, 12 weeks or 12 months ending
/// at the latest sale (today when nothing was sold yet), the first period whole; with only
/// `to`, the same ending there; with only `from`, as many periods from there. `range_basis`
/// says which applied. More than 366 periods, or `from` after `to`, is a 400. With `location`,
/// only that location's orders count.
#[utoipa::path(
    tag = "metrics",
    params(SeriesQuery),
    responses(
        (status = 200, body = RevenueSeriesBody),
        (status = 400, description = "A bad date, location or interval, `from` after `to`, or more than 366 periods", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/metrics/revenue/series")]
pub async fn revenue_series(
    state: web::Data<AppState>,
    query: web::Query<SeriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let dates = params::dates(query.from.as_deref(), query.to.as_deref())?;
    let location = params::location(query.location.as_deref())?;
    let interval = params::interval(query.interval.as_deref())?;
    let range = series_range(&state, dates, interval, None, location).await?;
    let periods = revenue_per_period(&state, range, location).await?;
    Ok(HttpResponse::Ok().json(RevenueSeriesBody {
        from: range.days().from(),
        to: range.days().to(),
        interval: interval.as_str().to_owned(),
        location: location.map(|l| l.as_str().to_owned()),
        currency: state.currency.clone(),
        range_basis: range.basis(),
        periods: periods.iter().map(PeriodRevenueBody::from).collect(),
    }))
}

/// A product's sales per day, week or month, every period of the range present.
///
/// What the product with this number sold in each period: units (refunds subtracted), revenue
/// (exact sum of its item totals) and the orders it appears in; periods as for the revenue
/// series (`start` label, `from` and `to` within the range, zeros where it did not sell).
/// Without `from` and `to` the range is the last 30 days, 12 weeks or 12 months ending at this
/// product's latest sale (today when it never sold); `range_basis` says which applied. A number
/// no product has is a 404; more than 366 periods, or `from` after `to`, is a 400. With
/// `location`, only that location's sales count.
#[utoipa::path(
    tag = "products",
    params(
        ("id" = i64, Path, description = "The product's number", minimum = 1, example = 42),
        SeriesQuery,
    ),
    responses(
        (status = 200, body = ProductSalesSeriesBody),
        (status = 400, description = "A bad number, date, location or interval, `from` after `to`, or more than 366 periods", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/products/{id}/sales")]
pub async fn product_sales(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<SeriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = params::id("id", &id)?;
    let dates = params::dates(query.from.as_deref(), query.to.as_deref())?;
    let location = params::location(query.location.as_deref())?;
    let interval = params::interval(query.interval.as_deref())?;
    let not_found = || ApiError::NotFound {
        what: "product",
        id,
    };
    let (product, range, sold) = if dates == (None, None) {
        // The range ends at the product's latest sale: asked once the product is known.
        let product = state
            .products
            .find_product(ProductId::new(id))
            .await?
            .ok_or_else(not_found)?;
        let range = series_range(&state, dates, interval, Some(product.id), location).await?;
        let sold = state
            .figures
            .product_daily_sales(product.id, range.days(), location)
            .await?;
        (product, range, sold)
    } else {
        // The range is the query's: the product and its days are asked side by side.
        let range = series_range(&state, dates, interval, None, location).await?;
        let (product, sold) = futures_util::future::try_join(
            state.products.find_product(ProductId::new(id)),
            state
                .figures
                .product_daily_sales(ProductId::new(id), range.days(), location),
        )
        .await?;
        (product.ok_or_else(not_found)?, range, sold)
    };
    let periods = range.sum(sold.iter().map(|day| (day.date, day.totals)));
    Ok(HttpResponse::Ok().json(ProductSalesSeriesBody {
        product_id: product.id.get(),
        name: product.name.as_str().to_owned(),
        from: range.days().from(),
        to: range.days().to(),
        interval: interval.as_str().to_owned(),
        location: location.map(|l| l.as_str().to_owned()),
        currency: state.currency.clone(),
        range_basis: range.basis(),
        periods: periods.iter().map(PeriodProductSalesBody::from).collect(),
    }))
}

/// The range of a series from the query's `from` and `to`; with neither, the default periods
/// ending at the latest sale (of `product` when given, at `location`), or today.
async fn series_range(
    state: &AppState,
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
    interval: Interval,
    product: Option<ProductId>,
    location: Option<Location>,
) -> Result<SeriesRange, ApiError> {
    let latest = match (from, to) {
        (None, None) => state.figures.latest_sale(product, location).await?,
        _ => None,
    };
    let today = Utc::now().date_naive();
    SeriesRange::new(
        from,
        to,
        interval,
        latest.unwrap_or(today),
        latest.is_none(),
    )
    .map_err(|source| ApiError::BadQuery {
        name: "from",
        source,
    })
}

/// Revenue summed into each period of `range` (every period present).
async fn revenue_per_period(
    state: &AppState,
    range: SeriesRange,
    location: Option<Location>,
) -> Result<Vec<(Period, RevenueTotals)>, ApiError> {
    let sold = state.figures.daily_revenue(range.days(), location).await?;
    Ok(range.sum(sold.iter().map(|day| (day.date, day.totals))))
}

/// Best-selling products over a period, by revenue or by units, at one location or both.
///
/// Sums each product's items over the orders dated from `from` to `to` (both included, each
/// open when absent), at `location` when given: `revenue` is the exact sum of the item totals,
/// `quantity` the units, refunds subtracted from both. Ranked by `by` (revenue by default), ties
/// broken by the other measure and then by name; at most `limit` products (10 by default), fewer
/// when fewer sold in the period, none for a period without sales.
#[utoipa::path(
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
