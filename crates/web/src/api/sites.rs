//! Requests from other sites' pages. A browser lets any page send a "simple" POST (a form, or
//! `text/plain`) anywhere without asking first, and a page whose name an attacker points at
//! this server's address (DNS rebinding) reads the answers as its own. So:
//!
//! - a write (any method but GET, HEAD, OPTIONS and TRACE) whose `Origin` is another site's
//!   (or `null`), or whose `Sec-Fetch-Site` is `cross-site`, is a 403 problem, unless that
//!   origin is listed in `ZINC_CORS_ORIGINS`; a request with neither header (the CLI, curl,
//!   scripts) is not a browser's and passes;
//! - while the API is open (no key exists), only requests for a loopback name (`localhost`),
//!   an IP address or a name listed in `ZINC_ALLOWED_HOSTS` are answered; any other `Host`
//!   is a 421 problem. (A page can only send `Host: 127.0.0.1` by calling `127.0.0.1`
//!   itself, which makes it another origin: rebinding needs a name.)
//!
//! This server's own origin is the scheme and the `Host` of the request as it arrived;
//! `Forwarded`, `X-Forwarded-Host` and `X-Forwarded-Proto` are read only from a peer listed
//! in `ZINC_TRUSTED_PROXIES` (anyone could send them otherwise), and so is `X-Forwarded-For`,
//! which names the client whose failed authentications are counted ([`client_address`]).

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap};
use zinc_application::Access;
use zinc_domain::{KeyScope, echo};

use super::problem::{ApiError, CrossSite};
use super::state::AppState;

/// The header by which proxies name the client they forward for, one address per hop.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The header by which browsers say where a request comes from, relative to its target.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// A cross-site write's refusal (403), and, while the API is open, that of a request for a
/// host name this server does not answer (421): a step of [`super::layers::admit`].
pub(crate) async fn refusal(request: &HttpRequest, state: &AppState) -> Option<ApiError> {
    let asked = Asked::of(request, &state.trusted_proxies);
    if !request.method().is_safe()
        && let Some(why) = cross_site(request.headers(), &asked, &state.cors_origins)
    {
        return Some(ApiError::CrossSiteWrite(why));
    }
    let host = asked.host.as_deref()?;
    if answered_host(host, &state.allowed_hosts) {
        return None;
    }
    // Asked only for a name not answered: the gatekeeper remembers whether any key exists.
    match state.gatekeeper.admit(None, KeyScope::Read).await {
        Ok(Access::Open) => Some(ApiError::HostNotAllowed { host: echo(host) }),
        _ => None,
    }
}

/// What the client asked for: a scheme and a host (with its port, as sent).
pub(crate) struct Asked {
    scheme: String,
    host: Option<String>,
}

impl Asked {
    /// Read from the request itself, or from a trusted proxy's forwarded headers.
    pub(crate) fn of(request: &HttpRequest, trusted_proxies: &[ipnet::IpNet]) -> Asked {
        let via_trusted_proxy = request
            .peer_addr()
            .is_some_and(|peer| trusted_proxies.iter().any(|net| net.contains(&peer.ip())));
        if via_trusted_proxy {
            let info = request.connection_info();
            return Asked {
                scheme: info.scheme().to_owned(),
                host: Some(info.host().to_owned()),
            };
        }
        let scheme = if request.app_config().secure() {
            "https"
        } else {
            "http"
        };
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
        Asked {
            scheme: scheme.to_owned(),
            host,
        }
    }

    /// Whether the client reached this server over HTTPS.
    pub(crate) fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// This server's origin as the client sees it (`None` without a usable host).
    pub(crate) fn origin(&self) -> Option<String> {
        let host = self.host.as_deref()?;
        url::Url::parse(&format!("{}://{host}/", self.scheme))
            .ok()
            .map(|url| url.origin().ascii_serialization())
    }
}

/// The client a request stands for: its peer address, or, from a trusted proxy, the
/// address that proxy says it was talking to: the last one of `X-Forwarded-For` that is not
/// itself a trusted proxy (those before it could be anything the client wrote).
pub fn client_address(request: &HttpRequest, trusted_proxies: &[ipnet::IpNet]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    let trusted = |address: &IpAddr| trusted_proxies.iter().any(|net| net.contains(address));
    if !trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = request
        .headers()
        .get_all(X_FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map_while(|entry| entry.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|address| !trusted(address))
            .unwrap_or(peer),
    )
}

/// An origin as browsers serialise it; `None` for `null` or anything else opaque.
pub(crate) fn normalised_origin(text: &str) -> Option<String> {
    let origin = url::Url::parse(text).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Why a write is another site's: its `Origin` is neither this server's nor listed, or
/// (without `Origin`) the browser says `Sec-Fetch-Site: cross-site`.
fn cross_site(headers: &HeaderMap, asked: &Asked, listed: &[String]) -> Option<CrossSite> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let sent = origin.to_str().unwrap_or("");
        let ours = asked.origin();
        return match normalised_origin(sent) {
            Some(origin) if Some(&origin) == ours.as_ref() || listed.contains(&origin) => None,
            _ => Some(CrossSite::Origin(echo(sent))),
        };
    }
    text(SEC_FETCH_SITE)
        .filter(|site| site.eq_ignore_ascii_case("cross-site"))
        .map(|_| CrossSite::FetchSite)
}

/// Whether `host` (a `Host` header: a name or an address, perhaps with a port) is answered
/// while the API is open.
fn answered_host(host: &str, allowed: &[String]) -> bool {
    // The usual case, an address with or without a port, without parsing a URL per request.
    if host.parse::<std::net::SocketAddr>().is_ok() || host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let Ok(url) = url::Url::parse(&format!("http://{host}/")) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name == "localhost" || allowed.iter().any(|allowed| allowed == name)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_addresses_and_listed_names_are_answered() {
        let listed = vec!["zinc.internal".to_owned()];
        for host in [
            "localhost",
            "localhost:8080",
            "LOCALHOST.:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "10.0.0.5",
            "zinc.internal:8080",
        ] {
            assert!(answered_host(host, &listed), "{host}");
        }
        for host in [
            "attacker.example",
            "localhost.attacker.example",
            "zinc.internal.attacker.example:8080",
            "a b",
            "",
        ] {
            assert!(!answered_host(host, &listed), "{host}");
        }
    }
}
