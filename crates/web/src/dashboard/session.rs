//! Signing in to the dashboard with an API key.
//!
//! While no key exists (and the server may be open) every page is open. Once one exists, a
//! page asks for a key; the key is checked by the API's own [`Gatekeeper`](zinc_application::Gatekeeper)
//! and kept in one cookie, `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's
//! page sends it), `Path=/`, `Secure` when the page came over HTTPS, for 8 hours. Every page
//! checks it again like a bearer key, so a revoked key stops working within the gatekeeper's
//! cache time, a restart signs nobody out, and several servers share nothing. The key is
//! never written into a page, a URL or a log. Forms that change something also check that
//! `Origin` (or `Referer`) names this server.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::html;
use serde::Deserialize;
use zinc_application::{Access, Denied};
use zinc_domain::{KeyScope, MAX_PRESENTED_KEY_BYTES};

use super::layout::{self, Viewer};
use super::page::{PageError, PageQuery};
use crate::api::AppState;
use crate::api::auth::too_many;
use crate::api::problem::ApiError;
use crate::api::sites::{Asked, client_address, normalised_origin};

/// The cookie holding the signed-in key.
pub const SESSION_COOKIE: &str = "zinc_key";
/// How long a sign-in lasts.
const SESSION_HOURS: i64 = 8;
/// The longest `next` kept (a local path and query).
const MAX_NEXT_BYTES: usize = 2048;

/// Lets the request see a page that needs `needed`, by its cookie; sends it to sign in when
/// keys exist and it has none (or a revoked one); a 403 page when its key's scope is short.
pub async fn admit(
    request: &HttpRequest,
    state: &AppState,
    needed: KeyScope,
) -> Result<Viewer, PageError> {
    let cookie = request.cookie(SESSION_COOKIE);
    let presented = cookie.as_ref().map(Cookie::value);
    match state.gatekeeper.admit(presented, needed).await {
        Ok(access) => Ok(Viewer::new(access)),
        Err(Denied::Missing) => Err(PageError::SignIn {
            next: local_target(request),
            stale: false,
        }),
        Err(Denied::Invalid) => Err(PageError::SignIn {
            next: local_target(request),
            stale: presented.is_some(),
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

/// Checks the key; on success keeps it in the session cookie and goes on to `next`.
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
    match state.gatekeeper.admit(Some(key), KeyScope::Read).await {
        Ok(Access::Key(_)) => {}
        Ok(Access::Open) => return Ok(refused("That is not an API key.")),
        Err(Denied::Missing | Denied::Invalid | Denied::Forbidden { .. }) => {
            if let Some(wait) = peer.and_then(|peer| state.auth_failures.failed(peer)) {
                return Err(too_many(wait).into());
            }
            return Ok(refused(
                "That key is not valid (unknown, revoked or mistyped).",
            ));
        }
        Err(Denied::Store(error)) => return Err(error.into()),
    }
    let secure = Asked::of(&request, &state.trusted_proxies).is_https();
    let cookie = Cookie::build(SESSION_COOKIE, key.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::hours(SESSION_HOURS))
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .finish())
}

/// A cookie that makes the browser forget the session cookie.
pub fn removal() -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

/// Forgets the key.
#[post("/sign-out")]
pub async fn sign_out(request: HttpRequest) -> Result<HttpResponse, PageError> {
    same_site_form(&request)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/sign-in"))
        .cookie(removal())
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
