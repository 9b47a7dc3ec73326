//! Signing in to the dashboard with an API key.
//!
//! While no key exists (and the server may be open) every page is open. Once one exists, a
//! page asks for a key; the key is checked by the API's own [`Gatekeeper`](zinc_application::Gatekeeper)
//! and exchanged for a session of its own ([`Sessions`](zinc_application::Sessions)): the
//! browser keeps the session's token, never the key, in one cookie, `HttpOnly` (no script
//! reads it), `SameSite=Strict` (no other site's page sends it), `Path=/`, named
//! `__Host-zinc_session` and `Secure` when the page came over HTTPS (so that no other host
//! and no plain-HTTP page can set it) and `zinc_session` otherwise, for the session's
//! lifetime. Every page asks the store for the session: signing out ends it for every copy
//! of the cookie, and revoking the key ends all its sessions at once; a restart signs nobody
//! out and several servers share the store. The key is never written into a cookie, a page,
//! a URL or a log. Forms that change something also check that `Origin` (or `Referer`) names
//! this server.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::html;
use serde::Deserialize;
use zinc_application::{Access, Denied};
use zinc_domain::{KeyScope, KeySecret, MAX_PRESENTED_KEY_BYTES};

use super::layout::{self, Viewer};
use super::page::{PageError, PageQuery};
use crate::api::AppState;
use crate::api::auth::too_many;
use crate::api::problem::ApiError;
use crate::api::sites::{Asked, client_address, normalised_origin};

/// The cookie holding the session's token when the page came over plain HTTP.
pub const SESSION_COOKIE: &str = "zinc_session";
/// The cookie holding the session's token when the page came over HTTPS: the `__Host-`
/// prefix makes browsers take it only `Secure`, with `Path=/` and from this very host.
pub const SECURE_SESSION_COOKIE: &str = "__Host-zinc_session";
/// The cookie that held the key itself before sessions; removed on signing in.
const LEGACY_KEY_COOKIE: &str = "zinc_key";
/// The longest `next` kept (a local path and query).
const MAX_NEXT_BYTES: usize = 2048;

/// The session cookie's name for a page that came over HTTPS (`secure`) or not.
pub fn session_cookie(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// Whether `request` came over HTTPS (as a trusted proxy says, or as it reached this server).
fn is_https(request: &HttpRequest, state: &AppState) -> bool {
    Asked::of(request, &state.trusted_proxies).is_https()
}

/// Lets the request see a page that needs `needed`, by its session cookie; sends it to sign
/// in when keys exist and it has no open session; a 403 page when its key's scope is short.
pub async fn admit(
    request: &HttpRequest,
    state: &AppState,
    needed: KeyScope,
) -> Result<Viewer, PageError> {
    let secure = is_https(request, state);
    let cookie = request.cookie(session_cookie(secure));
    let admitted = match cookie.as_ref().map(Cookie::value) {
        Some(token) => state.sessions.admit(token, needed).await,
        None => state.gatekeeper.admit(None, needed).await,
    };
    match admitted {
        Ok(access) => Ok(Viewer::new(access)),
        Err(Denied::Missing) => Err(PageError::SignIn {
            next: local_target(request),
            stale: false,
            secure,
        }),
        Err(Denied::Invalid) => Err(PageError::SignIn {
            next: local_target(request),
            stale: cookie.is_some(),
            secure,
        }),
        Err(denied) => Err(PageError::Api(ApiError::from(denied))),
    }
}

/// The path and query of `request`, to come back to after signing in.
fn local_target(request: &HttpRequest) -> String {
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    if target.len() > MAX_NEXT_BYTES {
        request.path().to_owned()
    } else {
        target.to_owned()
    }
}

/// A local path to go to after signing in: anything else (another site, `//host`, a scheme)
/// becomes `/`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.starts_with("/\\")
                && next.len() <= MAX_NEXT_BYTES
                && !next.chars().any(char::is_control) =>
        {
            next.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Refuses a form posted from a page of another site: browsers send `Origin` with every POST
/// (or at least `Referer`); it must name this server (as the request reached it, or as a
/// trusted proxy forwarded it: see [`crate::api::sites`]).
pub fn same_site_form(request: &HttpRequest) -> Result<(), PageError> {
    let trusted = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.trusted_proxies.clone())
        .unwrap_or_default();
    let own = Asked::of(request, &trusted).origin();
    let header_text = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    let origin = header_text(header::ORIGIN)
        .or_else(|| header_text(header::REFERER))
        .and_then(normalised_origin);
    match (origin, own) {
        (Some(origin), Some(own)) if origin == own => Ok(()),
        _ => Err(PageError::CrossSite),
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// Set when a page refused the key the browser had (see [`PageError::SignIn`]).
    signed_out: Option<String>,
}

fn form(next: &str, problem: Option<&str>) -> maud::Markup {
    html! {
        @if let Some(problem) = problem {
            section.notice.error role="alert" { p { (problem) } }
        }
        form.signin method="post" action="/sign-in" {
            p { "This server has API keys: sign in with one to see its sales." }
            input type="hidden" name="next" value=(next);
            label for="key" { "API key" }
            input #key type="password" name="key" required autocomplete="current-password"
                maxlength=(MAX_PRESENTED_KEY_BYTES) spellcheck="false";
            p.hint { "A read key shows the figures; uploading files needs a write key." }
            button type="submit" { "Sign in" }
        }
    }
}

/// The sign-in form.
#[get("/sign-in")]
pub async fn sign_in_form(query: PageQuery<NextQuery>) -> HttpResponse {
    let next = safe_next(query.next.as_deref());
    let signed_out = query.signed_out.is_some();
    layout::bare(
        actix_web::http::StatusCode::OK,
        "Sign in",
        html! {
            @if signed_out {
                section.notice.error #signed-out role="alert" {
                    h2 { "Signed out" }
                    p { "The key you signed in with is no longer valid here (it was revoked, or \
                         replaced): nothing was imported with it. Sign in with a valid key, then \
                         try again." }
                }
            }
            (form(&next, None))
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    key: String,
    next: Option<String>,
}

/// Checks the key; on success opens a session, ends the one the browser had, keeps the new
/// token in the session cookie and goes on to `next`.
#[post("/sign-in")]
pub async fn sign_in(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Form<SignInForm>,
) -> Result<HttpResponse, PageError> {
    same_site_form(&request)?;
    let next = safe_next(body.next.as_deref());
    let key = body.key.trim();
    let refused = |message: &str| {
        layout::bare(
            actix_web::http::StatusCode::UNAUTHORIZED,
            "Sign in",
            form(&next, Some(message)),
        )
    };
    if key.is_empty() || key.len() > MAX_PRESENTED_KEY_BYTES {
        return Ok(refused("Enter an API key."));
    }
    // Limited as the API's failed authentications are, sharing their count per client.
    let peer = client_address(&request, &state.trusted_proxies);
    if let Some(wait) = peer.and_then(|peer| state.auth_failures.refused(peer)) {
        return Err(too_many(wait).into());
    }
    let refused_key = || refused("That key is not valid (unknown, revoked or mistyped).");
    match state.gatekeeper.admit(Some(key), KeyScope::Read).await {
        Ok(Access::Key(_)) => {}
        Ok(Access::Open) => return Ok(refused("That is not an API key.")),
        Err(Denied::Missing | Denied::Invalid | Denied::Forbidden { .. }) => {
            if let Some(wait) = peer.and_then(|peer| state.auth_failures.failed(peer)) {
                return Err(too_many(wait).into());
            }
            return Ok(refused_key());
        }
        Err(Denied::Store(error)) => return Err(error.into()),
    }
    // The gatekeeper parsed it; a key revoked since opens no session.
    let Ok(secret) = KeySecret::parse(key) else {
        return Ok(refused_key());
    };
    let Some(token) = state.sessions.open(&secret).await.map_err(ApiError::from)? else {
        return Ok(refused_key());
    };
    let secure = is_https(&request, &state);
    // Signing in again replaces the browser's session: the one it had ends, so that a copy of
    // the old cookie stops working too.
    if let Some(previous) = request.cookie(session_cookie(secure)) {
        state.sessions.end(previous.value()).await?;
    }
    let lifetime = i64::try_from(state.sessions.lifetime().as_secs()).unwrap_or(i64::MAX);
    let cookie = Cookie::build(session_cookie(secure), token.expose().to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::seconds(lifetime))
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .cookie(removal(LEGACY_KEY_COOKIE, false))
        .finish())
}

/// A cookie that makes the browser forget the cookie `name` (set `Secure` or not).
fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    cookie.make_removal();
    cookie
}

/// A cookie that makes the browser forget the session cookie of a page that came over HTTPS
/// (`secure`) or not.
pub fn session_removal(secure: bool) -> Cookie<'static> {
    removal(session_cookie(secure), secure)
}

/// Ends the session (every copy of its cookie stops working) and forgets the cookie.
#[post("/sign-out")]
pub async fn sign_out(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    same_site_form(&request)?;
    let secure = is_https(&request, &state);
    if let Some(cookie) = request.cookie(session_cookie(secure)) {
        state.sessions.end(cookie.value()).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/sign-in"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(session_removal(secure))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(
            safe_next(Some("/orders?from=2025-03-01")),
            "/orders?from=2025-03-01"
        );
        for elsewhere in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "orders",
        ] {
            assert_eq!(safe_next(Some(elsewhere)), "/", "{elsewhere}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
