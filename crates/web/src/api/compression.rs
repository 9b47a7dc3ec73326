//! Response compression: Brotli, zstd or gzip, as the client's `Accept-Encoding` prefers,
//! negotiated and encoded by actix-web's own code.
//!
//! Why not actix-web's `Compress` middleware as it is: it compresses every body however small
//! (a 15-byte body grows by 20 bytes of gzip framing), says `Vary: Accept-Encoding` only on the
//! answers it compressed (so a cache may hand a stored plain answer or a 304 to any client),
//! and answers a client that refuses every coding with a plain-text 406 outside the problem
//! format. Here a body under [`MIN_COMPRESSED_BYTES`] goes as it is, every answer that could be
//! compressed says it varies, and such a client gets the plain body (RFC 9110 §12.5.3).

use actix_http::encoding::Encoder;
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Encoding, Header, HeaderValue,
};

/// Bodies shorter than this go uncompressed: they fit one TCP segment anyway, and the
/// coding's framing would eat most of the saving.
pub const MIN_COMPRESSED_BYTES: u64 = 1400;

/// The codings offered, identity included (a client may prefer it).
const OFFERED: [Encoding; 4] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::zstd(),
    Encoding::gzip(),
];

/// Compresses the answer's body in `preferred` (the client's [`preferred_coding`]) when the
/// body is worth it (a step of [`super::layers::identify_trace_compress`]).
pub(crate) fn compress<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
    preferred: ContentEncoding,
) -> ServiceResponse<Encoder<B>> {
    response.map_body(|head, body| {
        let varies = head.status == StatusCode::NOT_MODIFIED || compressible(&head.headers);
        let worth_it = match body.size() {
            BodySize::Sized(bytes) => bytes >= MIN_COMPRESSED_BYTES,
            BodySize::Stream => true,
            BodySize::None => false,
        };
        let coding = if varies && worth_it {
            preferred
        } else {
            ContentEncoding::Identity
        };
        let body = Encoder::response(coding, head, body);
        if varies && !says_it_varies_by_encoding(&head.headers) {
            head.headers
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        body
    })
}

/// The coding the client prefers among those offered; identity when it names none of them,
/// or sends no (or an unreadable) `Accept-Encoding`.
pub(crate) fn preferred_coding(request: &ServiceRequest) -> ContentEncoding {
    let Ok(accepted) = AcceptEncoding::parse(request) else {
        return ContentEncoding::Identity;
    };
    match accepted.negotiate(OFFERED.iter()) {
        Some(Encoding::Known(coding)) => coding,
        _ => ContentEncoding::Identity,
    }
}

/// Whether a body of this media type shrinks when compressed: text, JSON and JavaScript (the
/// API and its documentation), not images or anything already compressed.
fn compressible(headers: &header::HeaderMap) -> bool {
    let Some(media) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Ok(media) = media.parse::<actix_web::mime::Mime>() else {
        return false;
    };
    let essence = media.essence_str().to_ascii_lowercase();
    essence.starts_with("text/")
        || essence == "application/json"
        || essence.ends_with("+json")
        || essence == "application/javascript"
        || essence == "image/svg+xml"
}

fn says_it_varies_by_encoding(headers: &header::HeaderMap) -> bool {
    headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| {
            let v = v.trim();
            v == "*" || v.eq_ignore_ascii_case("accept-encoding")
        })
}
