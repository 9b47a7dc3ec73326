//! `GET /api/v1/exports/sales.csv`: the stored sales as a point-of-sale export, streamed page
//! by page (constant memory whatever the range).

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use tracing::error;
use utoipa::IntoParams;
use zinc_domain::{DateBounds, Location, OrderWithItems, SalesExportWriter};
use zinc_ports::{SaleCursor, SalesArchive, StoreError};

use super::params::{self, LocationParam};
use super::problem::{ApiError, ProblemDetails};
use super::state::AppState;

/// Orders read from the store per page of the export.
pub const EXPORT_PAGE_ORDERS: u32 = 500;

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Sales on or after this day (YYYY-MM-DD); from the first sale when absent.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Sales on or before this day (YYYY-MM-DD); to the last sale when absent.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    /// `Online Store` or `Golf - experience`; both when absent.
    #[param(value_type = Option<LocationParam>, inline)]
    pub location: Option<String>,
}

/// The stored sales as a CSV export the importer reads back: one row per order item.
///
/// The 19 columns of the point-of-sale export, in its order and with its header, one row per
/// item of every order dated from `from` to `to` (both included, each open when absent) at
/// `location` when given; orders by sale date then Sale ID, each order's items in their stored
/// order. Amounts are written exactly as stored (scale kept, refunds negative); absent batch
/// numbers, colors and sizes are `---`, absent notes empty; dates are month first
/// (`03/01/2025`). Importing the export into the same database changes nothing; into an
/// empty one it gives the same products, orders, items and figures. A range without sales
/// gives the header alone. The body is streamed: a store failure after the first page cuts
/// the transfer short (the client sees an incomplete body), it never sends a partial file as
/// complete.
#[utoipa::path(
    tag = "exports",
    params(ExportQuery),
    responses(
        (status = 200, description = "The export (streamed)", content_type = "text/csv", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"zinc-sales.csv\" (the range in the name when given)"))),
        (status = 400, description = "A bad date or location, or `from` after `to`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/api/v1/exports/sales.csv")]
pub async fn export_sales(
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let dates = params::date_bounds(query.from.as_deref(), query.to.as_deref())?;
    let location = params::location(query.location.as_deref())?;
    export_response(&state, dates, location).await
}

/// The export of the sales dated within `dates` at `location`, streamed: the API's route and
/// the dashboard's download both answer with it.
pub(crate) async fn export_response(
    state: &AppState,
    dates: DateBounds,
    location: Option<Location>,
) -> Result<HttpResponse, ApiError> {
    // The first page is read before answering: a store that is down is a 503, not a cut body.
    let first = state
        .archive
        .sales_after(dates, location, None, EXPORT_PAGE_ORDERS)
        .await?;
    let header = SalesExportWriter::new(Vec::new())
        .and_then(SalesExportWriter::into_inner)
        .map_err(|e| ApiError::Store(StoreError::Failed(e.into())))?;
    let pages = ExportPages {
        archive: state.archive.clone(),
        dates,
        location,
        next: Some(first),
        failed: None,
    };
    let body = stream::once(async move { Ok::<_, StoreError>(Bytes::from(header)) })
        .chain(stream::unfold(pages, ExportPages::step));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file_name(dates, location))],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// `zinc-sales[-FROM][-TO][-location].csv`.
fn file_name(dates: DateBounds, location: Option<Location>) -> String {
    let mut name = "zinc-sales".to_owned();
    for day in [dates.from(), dates.to()].into_iter().flatten() {
        name.push_str(&format!("-{day}"));
    }
    if let Some(location) = location {
        let slug: String = location
            .as_str()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-")
            .to_lowercase();
        name.push_str(&format!("-{slug}"));
    }
    name.push_str(".csv");
    name
}

/// The pages still to send: the next one read (if any), or the failure that ends the export.
struct ExportPages {
    archive: std::sync::Arc<dyn SalesArchive>,
    dates: DateBounds,
    location: Option<Location>,
    next: Option<Vec<OrderWithItems>>,
    failed: Option<StoreError>,
}

impl ExportPages {
    /// The bytes of the page in hand, reading the one after it; then the failure, if reading
    /// failed (the server cuts the body short on it); `None` once all were sent.
    async fn step(mut self) -> Option<(Result<Bytes, StoreError>, ExportPages)> {
        if let Some(failure) = self.failed.take() {
            return Some((Err(failure), self));
        }
        let page = self.next.take()?;
        let bytes = match write_page(&page) {
            Ok(bytes) => bytes,
            Err(failure) => return Some((Err(failure), self)),
        };
        if page.len() == EXPORT_PAGE_ORDERS as usize {
            let after = page.last().map(|sale| SaleCursor::after(&sale.order));
            match self
                .archive
                .sales_after(self.dates, self.location, after, EXPORT_PAGE_ORDERS)
                .await
            {
                Ok(following) => self.next = Some(following),
                Err(failure) => {
                    error!(
                        error = &failure as &dyn std::error::Error,
                        "the sales export stopped: a page could not be read; the body is cut short"
                    );
                    self.failed = Some(failure);
                }
            }
        }
        Some((Ok(bytes), self))
    }
}

fn write_page(page: &[OrderWithItems]) -> Result<Bytes, StoreError> {
    let mut writer = SalesExportWriter::continuing(Vec::new());
    page.iter()
        .try_for_each(|sale| writer.write_order(sale))
        .and_then(|()| writer.into_inner())
        .map(Bytes::from)
        .map_err(|e| StoreError::Failed(e.into()))
}
