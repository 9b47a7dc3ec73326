//! The web dashboard served by `zinc serve` at `/`: server-rendered HTML (maud, checked at
//! compile time), charts as SVG drawn here, one small script for upload progress and
//! drag-and-drop. The pages read the same ports as the API (`AppState`), through the same
//! parameter parsers, and map failures through the API's one error vocabulary
//! ([`ApiError`](crate::http::problem::ApiError)) into HTML pages.
//!
//! One file per page: [`overview`] (`/`), [`orders`] (`/orders`, `/orders/{id}`),
//! [`products`] (`/products`, `/products/{id}`), [`imports`] (`/imports`, upload and history),
//! [`session`] (`/sign-in`, `/sign-out`).

mod assets;
mod chart;
mod format;
mod imports;
mod layout;
mod orders;
mod overview;
mod products;
mod range;
mod session;

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use maud::html;
use serde::de::DeserializeOwned;
use thiserror::Error;
use zinc_ports::StoreError;

use crate::http::problem::ApiError;

pub use session::SESSION_COOKIE;

/// Registers the dashboard's pages and assets.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(overview::overview)
        .service(overview::download_export)
        .service(orders::list)
        .service(orders::detail)
        .service(products::list)
        .service(products::detail)
        .service(imports::imports_page)
        .service(imports::upload)
        .service(imports::problems_csv)
        .service(imports::rejected_csv)
        .service(imports::detail)
        .service(session::sign_in_form)
        .service(session::sign_in)
        .service(session::sign_out)
        .service(assets::stylesheet)
        .service(assets::script);
}

/// Why a page could not be shown.
#[derive(Debug, Error)]
pub enum PageError {
    /// Keys exist and the browser has not signed in (or its key was revoked): sign in, then
    /// come back to `next`.
    #[error("sign in to see this page")]
    SignIn {
        /// The page asked for (a local path and query).
        next: String,
    },
    /// A form was posted from another site (no matching `Origin` or `Referer`).
    #[error("the form was not sent from this site's pages; reload the page and try again")]
    CrossSite,
    /// Anything the API would refuse, with the API's status.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        PageError::Api(ApiError::Store(error))
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn { .. } => StatusCode::SEE_OTHER,
            PageError::CrossSite => StatusCode::FORBIDDEN,
            PageError::Api(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, detail) = match self {
            PageError::SignIn { next } => {
                let target = format!("/sign-in?next={}", session::encode_next(next));
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, target))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .finish();
            }
            PageError::CrossSite => ("Refused".to_owned(), self.to_string()),
            PageError::Api(error) => {
                if error.status_code().is_server_error() {
                    tracing::error!(
                        error = error as &dyn std::error::Error,
                        "a dashboard page failed"
                    );
                }
                let problem = error.problem();
                (problem.title, problem.detail)
            }
        };
        let body = html! {
            section.notice.error role="alert" {
                h2 { (title) }
                p { (detail) }
                p { a href="/" { "Back to the overview" } }
            }
        };
        layout::bare(self.status_code(), &title, body)
    }
}

/// A page's query parameters: as `web::Query`, but a parameter that is unknown, repeated or
/// malformed is a 400 page naming it (the API's message), not a JSON problem.
pub struct PageQuery<T>(T);

impl<T> PageQuery<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for PageQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for PageQuery<T> {
    type Error = PageError;
    type Future = Ready<Result<Self, PageError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            web::Query::<T>::from_query(request.query_string())
                .map(|query| PageQuery(query.into_inner()))
                .map_err(|error| PageError::Api(crate::http::query_error(error))),
        )
    }
}

/// Security headers of every dashboard answer: nothing loads from anywhere but this server,
/// no inline script or style runs, no other site may frame the pages.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

fn secure(response: &mut HttpResponse) {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}
