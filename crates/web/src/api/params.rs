//! Query parameters: each route's set is a struct that both parses the query (unknown or
//! repeated parameters are refused by name) and documents it in OpenAPI. Values arrive as text
//! and are converted here, so that a bad value is a 400 naming the parameter.

use std::str::FromStr;

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zinc_domain::{
    ClientId, DateBounds, Interval, Location, MAX_TEXT_CHARS, Page, ProductId, RankBy, SaleId, echo,
};

use super::problem::ApiError;

fn bad(name: &str, reason: impl Into<String>) -> ApiError {
    ApiError::BadParameter {
        name: name.to_owned(),
        reason: reason.into(),
    }
}

/// Converts an optional text parameter with `parse`, naming it on failure.
fn convert<T>(
    name: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ApiError> {
    value
        .map(|text| parse(text).map_err(|reason| bad(name, reason)))
        .transpose()
}

/// A `YYYY-MM-DD` date with a four-digit year, as the OpenAPI document's `format: date` says.
/// chrono alone also reads signed and longer years, and PostgreSQL refuses a day before 4713 BC.
pub fn date(name: &str, value: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    convert(name, value, |text| {
        let shape = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        shape
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten()
            .ok_or_else(|| format!("'{}' is not a date written YYYY-MM-DD", echo(text)))
    })
}

/// Optional `from` and `to` dates, each read alone (their order is checked by the range they
/// make).
pub fn dates(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ApiError> {
    Ok((date("from", from)?, date("to", to)?))
}

/// Optional `from` and `to` dates, both included; `from` after `to` is refused.
pub fn date_bounds(from: Option<&str>, to: Option<&str>) -> Result<DateBounds, ApiError> {
    let (from, to) = dates(from, to)?;
    DateBounds::new(from, to).map_err(|source| ApiError::BadQuery {
        name: "from",
        source,
    })
}

/// A whole number within `min..=max`.
pub fn number<T>(name: &str, value: Option<&str>, min: T, max: T) -> Result<Option<T>, ApiError>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    convert(name, value, |text| {
        let n: T = text
            .parse()
            .map_err(|_| format!("'{}' is not a whole number", echo(text)))?;
        if n < min || n > max {
            return Err(format!("must be between {min} and {max}, got {n}"));
        }
        Ok(n)
    })
}

/// One of the two locations, written exactly.
pub fn location(value: Option<&str>) -> Result<Option<Location>, ApiError> {
    convert("location", value, |text| {
        Location::parse(text).map_err(|e| format!("'{}' {e}", echo(text)))
    })
}

/// Free text (a search, a file name): at most [`MAX_TEXT_CHARS`] characters and no control
/// character (PostgreSQL refuses NUL; the others have no business in a name).
pub fn text(name: &str, value: Option<&str>) -> Result<Option<String>, ApiError> {
    convert(name, value, |text| {
        if text.chars().count() > MAX_TEXT_CHARS {
            Err(format!("is longer than {MAX_TEXT_CHARS} characters"))
        } else if text.chars().any(char::is_control) {
            Err(format!(
                "'{}' holds a control character (a NUL, a line break, ...)",
                echo(text)
            ))
        } else {
            Ok(text.to_owned())
        }
    })
}

/// A Client ID (`client_id`).
pub fn client_id(value: Option<&str>) -> Result<Option<ClientId>, ApiError> {
    convert("client_id", value, |text| {
        ClientId::parse(text).map_err(|e| format!("'{}' {e}", echo(text)))
    })
}

/// A Sale ID (`sale_id`).
pub fn sale_id(value: Option<&str>) -> Result<Option<SaleId>, ApiError> {
    convert("sale_id", value, |text| {
        SaleId::parse(text).map_err(|e| format!("'{}' {e}", echo(text)))
    })
}

/// `true` or `false`.
pub fn flag(name: &str, value: Option<&str>) -> Result<bool, ApiError> {
    Ok(convert(name, value, |text| match text {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("'{}' is not true or false", echo(text))),
    })?
    .unwrap_or(false))
}

/// `limit` (1 to 500, default 50) and `offset` (0 or more, default 0).
pub fn page(limit: Option<&str>, offset: Option<&str>) -> Result<Page, ApiError> {
    let limit = number("limit", limit, 1u64, u64::from(Page::MAX_LIMIT))?
        .unwrap_or(u64::from(Page::DEFAULT_LIMIT));
    let offset = number("offset", offset, 0u64, i64::MAX as u64)?.unwrap_or(0);
    Page::new(limit, offset).map_err(|source| ApiError::BadQuery {
        name: "limit",
        source,
    })
}

// Documentation only: the handlers read text and convert it themselves (a bad value is a 400
// naming the parameter), but the document says which values are accepted. An optional
// parameter's example is its default or nothing: Swagger UI's "Try it out" sends examples, and
// one that filters would change what is asked.

/// A sale's location.
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum LocationParam {
    /// Sales made online.
    #[schema(rename = "Online Store")]
    OnlineStore,
    /// Sales made at the golf course.
    #[schema(rename = "Golf - experience")]
    GolfExperience,
}

/// How best sellers are ranked.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum RankByParam {
    /// By revenue.
    Revenue,
    /// By units sold.
    Quantity,
}

/// How long each period of a series is.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum IntervalParam {
    /// One calendar day.
    Day,
    /// An ISO week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

/// `day`, `week` or `month` (default `day`).
pub fn interval(value: Option<&str>) -> Result<Interval, ApiError> {
    Ok(convert("interval", value, |text| {
        Interval::parse(text).ok_or_else(|| format!("'{}' is not day, week or month", echo(text)))
    })?
    .unwrap_or_default())
}

/// Paging of lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500, default = 50, example = 50)]
    pub limit: Option<String>,
    /// Items to skip, 0 or more (default 0).
    #[param(value_type = Option<u64>, minimum = 0, default = 0, example = 0)]
    pub offset: Option<String>,
}

/// Product search.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Names containing this text, ignoring case.
    // What `text` accepts: at most MAX_TEXT_CHARS characters, no control character (Unicode
    // category Cc, as `char::is_control`). The macro takes literals only.
    #[param(max_length = 255, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub q: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500, default = 50, example = 50)]
    pub limit: Option<String>,
    /// Items to skip (default 0).
    #[param(value_type = Option<u64>, minimum = 0, default = 0, example = 0)]
    pub offset: Option<String>,
}

/// Order search.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Sales on or after this day (YYYY-MM-DD).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Sales on or before this day (YYYY-MM-DD).
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `Online Store` or `Golf - experience`.
    #[param(value_type = Option<LocationParam>, inline)]
    pub location: Option<String>,
    /// Only this client's orders.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub client_id: Option<String>,
    /// Only this sale.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub sale_id: Option<String>,
    /// Only orders with an item of this product.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub product_id: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500, default = 50, example = 50)]
    pub limit: Option<String>,
    /// Items to skip (default 0).
    #[param(value_type = Option<u64>, minimum = 0, default = 0, example = 0)]
    pub offset: Option<String>,
}

impl OrderQuery {
    /// The client filter.
    pub fn client_id(&self) -> Result<Option<ClientId>, ApiError> {
        client_id(self.client_id.as_deref())
    }

    /// The sale filter.
    pub fn sale_id(&self) -> Result<Option<SaleId>, ApiError> {
        sale_id(self.sale_id.as_deref())
    }

    /// The product filter.
    pub fn product_id(&self) -> Result<Option<ProductId>, ApiError> {
        self.product_id
            .as_deref()
            .map(|text| id("product_id", text).map(ProductId::new))
            .transpose()
    }
}

/// A revenue period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevenueQuery {
    /// First day included (YYYY-MM-DD); open when absent.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day included (YYYY-MM-DD); open when absent.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `Online Store` or `Golf - experience`; both when absent.
    #[param(value_type = Option<LocationParam>, inline)]
    pub location: Option<String>,
}

/// A series: a range cut into days, weeks or months.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// First day (YYYY-MM-DD); default: 30 days, 12 weeks or 12 months before `to` (the first
    /// period whole). At most 366 periods per call.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); default: 30 days, 12 weeks or 12 months after `from`, or without
    /// `from` the day of the latest sale (today when nothing was sold).
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `Online Store` or `Golf - experience`; both when absent.
    #[param(value_type = Option<LocationParam>, inline)]
    pub location: Option<String>,
    /// `day` (default), `week` (ISO, Monday to Sunday) or `month`.
    #[param(value_type = Option<IntervalParam>, inline, default = "day", example = "day")]
    pub interval: Option<String>,
}

/// A daily revenue range.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DailyRevenueQuery {
    /// First day (YYYY-MM-DD); default 29 days before `to`. At most 366 days per call.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); default 29 days after `from`, or without `from` the day of the
    /// latest sale (today when nothing was sold).
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `Online Store` or `Golf - experience`; both when absent.
    #[param(value_type = Option<LocationParam>, inline)]
    pub location: Option<String>,
}

/// A best-sellers query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TopProductsQuery {
    /// First day included (YYYY-MM-DD); open when absent.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day included (YYYY-MM-DD); open when absent.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `Online Store` or `Golf - experience`; both when absent.
    #[param(value_type = Option<LocationParam>, inline)]
    pub location: Option<String>,
    /// How many products, 1 to 100 (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 10, example = 10)]
    pub limit: Option<String>,
    /// `revenue` (default) or `quantity`.
    // No `default`: utoipa would wrap the inline enum in a `oneOf`.
    #[param(value_type = Option<RankByParam>, inline)]
    pub by: Option<String>,
}

impl TopProductsQuery {
    /// The ranking.
    pub fn by(&self) -> Result<RankBy, ApiError> {
        Ok(convert("by", self.by.as_deref(), |text| {
            RankBy::parse(text)
                .ok_or_else(|| format!("'{}' is not revenue or quantity", echo(text)))
        })?
        .unwrap_or_default())
    }
}

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Import every valid sale and report the rejected ones, instead of rejecting the file.
    #[param(value_type = Option<bool>, default = false)]
    pub skip_invalid: Option<String>,
    /// Run every check and answer 200 with what the import would change (`dry_run: true`,
    /// `replaced_sales`), writing and recording nothing.
    #[param(value_type = Option<bool>)]
    pub dry_run: Option<String>,
    /// The file name to record for a raw `text/csv` body (default `upload.csv`).
    // What `text` accepts: at most MAX_TEXT_CHARS characters, no control character (Unicode
    // category Cc, as `char::is_control`). The macro takes literals only.
    #[param(
        max_length = 255,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*$",
        default = "upload.csv"
    )]
    pub filename: Option<String>,
}

/// Reads a path id, naming it on failure.
pub fn id(name: &str, text: &str) -> Result<i64, ApiError> {
    Ok(number(name, Some(text), 1i64, i64::MAX)?.unwrap_or_default())
}

/// The query of a revert.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevertQuery {
    /// Answer 200 with what the revert would change, changing nothing.
    #[param(value_type = Option<bool>, default = false)]
    pub dry_run: Option<String>,
}
