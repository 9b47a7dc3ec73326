//! API keys on `/api/v1`: every route there needs `Authorization: Bearer KEY` once any active
//! key exists; writing (importing) needs a write key. Health, the documentation and `/metrics`
//! stay open. A client that presented too many invalid keys gets a 429 instead, before its key
//! is checked ([`super::auth_failures`]).

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;
use actix_web::http::{Method, header};
use zinc_application::Denied;
use zinc_domain::KeyScope;

use super::problem::ApiError;
use super::sites::client_address;
use super::state::AppState;

/// The routes that need a key.
pub const API_PREFIX: &str = "/api/v1";

/// Admits or refuses a request by its bearer key (a step of [`super::layers::admit`]): the
/// refusal, to be answered at once, or `None` with the admitted [`zinc_application::Access`] in
/// the request's extensions (an import records the key's name) when the route needs a key.
pub(crate) async fn refusal(request: &ServiceRequest, state: &AppState) -> Option<ApiError> {
    // The path as the router will match it (percent-decoded), not as sent: `/api/v%31/...`
    // reaches the same handlers as `/api/v1/...`.
    let path = request.match_info().as_str();
    let guarded = path
        .strip_prefix(API_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if !guarded {
        return None;
    }
    let needed = match *request.method() {
        Method::GET | Method::HEAD | Method::OPTIONS => KeyScope::Read,
        _ => KeyScope::Write,
    };
    let bearer = bearer_token(request);
    // The peer, or the client a trusted proxy forwards for.
    let peer = client_address(request.request(), &state.trusted_proxies);
    let waiting = peer
        .filter(|_| bearer.is_some())
        .and_then(|peer| state.auth_failures.refused(peer));
    match waiting {
        Some(wait) => Some(too_many(wait)),
        None => match state.gatekeeper.admit(bearer.as_deref(), needed).await {
            Ok(access) => {
                request.extensions_mut().insert(access);
                None
            }
            Err(Denied::Invalid) => match peer.and_then(|peer| state.auth_failures.failed(peer)) {
                Some(wait) => Some(too_many(wait)),
                None => Some(ApiError::from(Denied::Invalid)),
            },
            Err(denied) => Some(ApiError::from(denied)),
        },
    }
}

/// The 429 for a client that must wait `wait` (whole seconds, rounded up).
pub(crate) fn too_many(wait: std::time::Duration) -> ApiError {
    ApiError::TooManyInvalidKeys {
        retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    }
}

/// The token of an `Authorization: Bearer TOKEN` header (scheme matched ignoring case). A
/// header that is present but not a bearer token counts as an invalid token, not a missing one.
fn bearer_token(request: &ServiceRequest) -> Option<String> {
    let value = request.headers().get(header::AUTHORIZATION)?;
    let text = value.to_str().unwrap_or("");
    let token = match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => "",
    };
    Some(token.to_owned())
}
