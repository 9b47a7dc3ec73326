//! What every page shares: why it could not be shown ([`PageError`], an HTML page), its query
//! parameters ([`PageQuery`]), and how a value travels in a link's query.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use maud::html;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use thiserror::Error;
use zinc_ports::StoreError;

use super::layout;
use crate::api::problem::ApiError;

/// Why a page could not be shown.
#[derive(Debug, Error)]
pub enum PageError {
    /// Keys exist and the browser has not signed in (or its key was revoked): sign in, then
    /// come back to `next`.
    #[error("sign in to see this page")]
    SignIn {
        /// The page asked for (a local path and query).
        next: String,
        /// The browser's key was refused (revoked, or no longer known): its cookie is
        /// cleared and the sign-in page says why.
        stale: bool,
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
            PageError::SignIn { next, stale } => {
                let mut target = format!("/sign-in?next={}", encode_next(next));
                let mut response = HttpResponse::SeeOther();
                if *stale {
                    target.push_str("&signed_out=true");
                    response.cookie(super::session::removal());
                }
                return response
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
        let mut response = layout::bare(self.status_code(), &title, body);
        if let PageError::Api(ApiError::TooManyInvalidKeys { retry_after }) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, (*retry_after).into());
        }
        response
    }
}

/// A page's query parameters: as `web::Query`, but a parameter that is repeated or malformed
/// is a 400 page naming it (the API's message), not a JSON problem. Unlike the API, a page
/// ignores parameters it does not know (a link from a newsletter adds `utm_source`): its
/// query types do not deny unknown fields.
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
                .map_err(|error| PageError::Api(crate::api::query_error(error))),
        )
    }
}

/// `next` as a query value.
pub fn encode_next(next: &str) -> String {
    utf8_percent_encode(next, NON_ALPHANUMERIC).to_string()
}
