//! What a request leaves in Sentry, said once: its method, its URL without the query (scheme,
//! host, path), and the headers in [`REPORTED_HEADERS`]; never its body, query string,
//! cookies or any other header (`Authorization`, `Cookie`, `Referer`, ... may carry a key).
//!
//! sentry-actix describes a request by itself, with its query string and, under the SDK's
//! default options, a form or JSON body of up to 10 kB: the sign-in form's `key=zinc_...`
//! reached Sentry with a failed sign-in. [`describe_request`] replaces that description on
//! every event and transaction of the request, whatever the client's options; the service also
//! tells the client never to read a body ([`without_request_secrets`] is its `before_send`).

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use sentry::protocol::{Event, Request};

/// The request headers reported to Sentry: none of them carries a secret.
pub const REPORTED_HEADERS: [&str; 5] = [
    "accept",
    "content-length",
    "content-type",
    "user-agent",
    "x-request-id",
];

/// The description of `request` that Sentry gets.
fn described(request: &ServiceRequest) -> Request {
    let url = {
        let info = request.connection_info();
        format!("{}://{}{}", info.scheme(), info.host(), request.path())
    };
    Request {
        url: url.parse().ok(),
        method: Some(request.method().as_str().to_owned()),
        headers: REPORTED_HEADERS
            .iter()
            .filter_map(|name| {
                let value = request.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect(),
        ..Request::default()
    }
}

/// Describes the request to Sentry as `described` says, replacing what the Sentry middleware
/// (which must wrap this one) attached to its transaction and to every event it reports.
pub async fn describe_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let description = described(&request);
    sentry::configure_scope(|scope| {
        if let Some(span) = scope.get_span() {
            span.set_request(description.clone());
        }
        scope.add_event_processor(move |mut event| {
            event.request = Some(description.clone());
            Some(event)
        });
    });
    next.call(request).await
}

/// Removes from `event` whatever of a request could carry a secret (body, query string,
/// cookies, environment, the URL's query and credentials, headers not in
/// [`REPORTED_HEADERS`]): the service's `before_send`, for events described by other code.
pub fn without_request_secrets(mut event: Event<'static>) -> Option<Event<'static>> {
    if let Some(request) = event.request.as_mut() {
        request.data = None;
        request.query_string = None;
        request.cookies = None;
        request.env.clear();
        request
            .headers
            .retain(|name, _| REPORTED_HEADERS.contains(&name.to_ascii_lowercase().as_str()));
        if let Some(url) = request.url.as_mut() {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
    }
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_keeps_no_body_query_cookie_or_secret_header() {
        let event = Event {
            request: Some(Request {
                url: "https://user:secretpw@zinc.example/sign-in?key=zinc_K#frag"
                    .parse()
                    .ok(),
                method: Some("POST".to_owned()),
                data: Some("key=zinc_K".to_owned()),
                query_string: Some("key=zinc_K".to_owned()),
                cookies: Some("zinc_key=zinc_K".to_owned()),
                headers: [
                    ("Authorization", "Bearer zinc_K"),
                    ("Cookie", "zinc_key=zinc_K"),
                    ("Referer", "https://zinc.example/?key=zinc_K"),
                    ("User-Agent", "curl/8"),
                ]
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
                env: [("REMOTE_ADDR".to_owned(), "192.0.2.7".to_owned())]
                    .into_iter()
                    .collect(),
            }),
            ..Event::default()
        };
        let event = without_request_secrets(event).unwrap();
        let shown = format!("{event:?}");
        assert!(!shown.contains("zinc_K"), "{shown}");
        assert!(
            !shown.contains("192.0.2.7") && !shown.contains("secretpw"),
            "{shown}"
        );
        let request = event.request.unwrap();
        assert_eq!(
            request.url.unwrap().as_str(),
            "https://zinc.example/sign-in"
        );
        assert_eq!(request.method.as_deref(), Some("POST"));
        assert_eq!(request.headers.len(), 1, "User-Agent stays");
    }
}
