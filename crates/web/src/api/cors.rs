//! Cross-origin requests from browsers (CORS, by `actix-cors`), for the origins listed in
//! `ZINC_CORS_ORIGINS` only; off when none is. A request from another origin is still served
//! (the browser withholds the answer from the page); a preflight from it is a 403 problem.

use actix_cors::{Cors, CorsError};
use actix_web::ResponseError;
use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, header};
use actix_web::middleware::Condition;

use super::monitoring::REQUEST_ID_HEADER;
use super::problem::ApiError;

/// How long a browser may keep a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE_SECONDS: usize = 3600;

/// CORS for `origins` (each as browsers send it in `Origin`); no CORS at all when empty.
pub fn cors(origins: &[String]) -> Condition<Cors> {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::HEAD, Method::POST])
        // The key, an upload's media type, the validators and a request id.
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        // What a page needs to read beyond the safelisted headers.
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
            header::ALLOW,
            header::HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        .max_age(PREFLIGHT_MAX_AGE_SECONDS);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    Condition::new(!origins.is_empty(), cors)
}

/// Turns the plain-text refusal of a preflight by [`cors`] into a problem document (a step of
/// [`super::layers::bound_and_count`]); any other answer goes as it is.
pub(crate) fn refusal_as_problem<B>(
    response: ServiceResponse<B>,
) -> ServiceResponse<EitherBody<B>> {
    let refusal = response
        .response()
        .error()
        .and_then(|error| error.as_error::<CorsError>())
        .cloned();
    match refusal {
        None => response.map_into_left_body(),
        Some(refusal) => {
            let problem = ApiError::CrossOriginRefused(refusal).error_response();
            response.into_response(problem).map_into_right_body()
        }
    }
}
