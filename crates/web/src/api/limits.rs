//! Bounds on the request head, answered as problems: a URL over [`MAX_URL_BYTES`] is a 414,
//! headers over [`MAX_REQUEST_HEADER_BYTES`] in all a 431. (Beyond about 64 KiB, actix-web's own
//! parser refuses the request with a bare 400 before any of this runs.) A body sent compressed
//! (`Content-Encoding` other than `identity`: no route decompresses one) is a 415, and more
//! than one `Authorization` header a 400 (which one counts would be a guess).

use actix_web::dev::ServiceRequest;
use actix_web::http::header;

use super::problem::ApiError;

/// The longest path and query accepted, in bytes.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) accepted in all.
pub const MAX_REQUEST_HEADER_BYTES: usize = 16 * 1024;

/// The refusal of a request whose head is over its bounds, or refused otherwise (see the
/// module's documentation): a step of [`super::layers::bound_and_count`].
pub(crate) fn refusal(request: &ServiceRequest) -> Option<ApiError> {
    let url_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if url_bytes > MAX_URL_BYTES {
        Some(ApiError::UriTooLong {
            bytes: url_bytes,
            limit: MAX_URL_BYTES,
        })
    } else if header_bytes > MAX_REQUEST_HEADER_BYTES {
        Some(ApiError::HeadersTooLarge {
            bytes: header_bytes,
            limit: MAX_REQUEST_HEADER_BYTES,
        })
    } else {
        refused_head(request.headers())
    }
}

/// A compressed body (415), or several `Authorization` headers (400).
fn refused_head(headers: &header::HeaderMap) -> Option<ApiError> {
    let authorizations = headers.get_all(header::AUTHORIZATION).count();
    if authorizations > 1 {
        return Some(ApiError::AmbiguousAuthorization(authorizations));
    }
    let encodings: Vec<&str> = headers
        .get_all(header::CONTENT_ENCODING)
        .map(|value| value.to_str().unwrap_or("?"))
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
        .collect();
    (!encodings.is_empty()).then(|| ApiError::EncodedBody(encodings.join(", ")))
}
