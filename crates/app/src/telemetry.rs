//! Logs, traces and error tracking, set up in one place.
//!
//! `tracing` events go to standard error (JSON or human-readable), filtered by `RUST_LOG`.
//! When Sentry is configured, error-level events become Sentry events (with the fields of the
//! spans they happen in: an import's id, a request's route and id), lower levels become
//! breadcrumbs, and panics are captured.

use std::io::IsTerminal;
use std::sync::Arc;

use secrecy::ExposeSecret;
use sentry::integrations::tracing::EventFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use zinc_web::api::problem::HTTP_ERROR_TARGET;
use zinc_web::api::reporting::without_request_secrets;

use crate::config::{LogFormat, SentryConfig};

/// The release reported to Sentry: the crate version, and the git commit when the build
/// was given one (`ZINC_GIT_COMMIT` at compile time, as the Dockerfile does).
pub fn release() -> String {
    match option_env!("ZINC_GIT_COMMIT") {
        Some(commit) if !commit.is_empty() => {
            format!("zinc@{}+{commit}", env!("CARGO_PKG_VERSION"))
        }
        _ => format!("zinc@{}", env!("CARGO_PKG_VERSION")),
    }
}

/// Keeps telemetry running; dropping it flushes pending Sentry events.
pub struct Telemetry {
    _sentry: Option<sentry::ClientInitGuard>,
}

/// Starts logging (and Sentry when configured). `RUST_LOG` defaults to `default_level`.
pub fn init(format: Option<LogFormat>, sentry: &SentryConfig, default_level: &str) -> Telemetry {
    let guard = sentry.dsn.as_ref().map(|dsn| {
        sentry::init((
            dsn.expose_secret(),
            without_secrets(sentry::ClientOptions {
                release: Some(release().into()),
                environment: Some(sentry.environment.clone().into()),
                traces_sample_rate: sentry.traces_sample_rate,
                ..Default::default()
            }),
        ))
    });
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let json = match format {
        Some(LogFormat::Json) => true,
        Some(LogFormat::Pretty) => false,
        None => !std::io::stderr().is_terminal(),
    };
    let fmt = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .boxed()
    };
    let sentry_layer = guard.as_ref().map(|_| sentry_layer());
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(sentry_layer)
        .try_init();
    Telemetry { _sentry: guard }
}

/// `options` made to send no secret: no request body is read (the SDK's default keeps form
/// and JSON bodies up to 10 kB, such as the sign-in form's key), no personal data, and every
/// event passes [`without_request_secrets`] (no body, query string, cookie or secret header)
/// on its way out. What a request leaves in Sentry is said in `zinc_web::api::reporting`.
pub fn without_secrets(options: sentry::ClientOptions) -> sentry::ClientOptions {
    sentry::ClientOptions {
        max_request_body_size: sentry::MaxRequestBodySize::None,
        send_default_pii: false,
        before_send: Some(Arc::new(without_request_secrets)),
        ..options
    }
}

/// Zinc's own error events to Sentry (except the HTTP layer's failure lines, which the Sentry
/// middleware reports), the rest as breadcrumbs: a library's error line, such as actix-http's
/// for a malformed request, is a client's doing and must not let any client flood Sentry.
pub fn sentry_layer<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    sentry::integrations::tracing::layer().event_filter(|metadata| match *metadata.level() {
        tracing::Level::ERROR
            if metadata.target().starts_with("zinc") && metadata.target() != HTTP_ERROR_TARGET =>
        {
            EventFilter::Event
        }
        tracing::Level::ERROR | tracing::Level::WARN | tracing::Level::INFO => {
            EventFilter::Breadcrumb
        }
        _ => EventFilter::Ignore,
    })
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[test]
    fn the_service_reads_no_body_and_sends_no_request_secret() {
        let options = without_secrets(sentry::ClientOptions {
            send_default_pii: true,
            max_request_body_size: sentry::MaxRequestBodySize::Always,
            ..Default::default()
        });
        assert!(options.max_request_body_size == sentry::MaxRequestBodySize::None);
        assert!(!options.send_default_pii);
        let events = sentry::test::with_captured_events_options(
            || {
                let mut event = sentry::protocol::Event::new();
                event.request = Some(sentry::protocol::Request {
                    url: "https://zinc.example/sign-in?next=%2Fsecret".parse().ok(),
                    method: Some("POST".to_owned()),
                    data: Some("key=zinc_KKKKKKKK".to_owned()),
                    query_string: Some("next=%2Fsecret".to_owned()),
                    cookies: Some("zinc_key=zinc_KKKKKKKK".to_owned()),
                    headers: [(
                        "authorization".to_owned(),
                        "Bearer zinc_KKKKKKKK".to_owned(),
                    )]
                    .into_iter()
                    .collect(),
                    ..Default::default()
                });
                sentry::capture_event(event);
            },
            options,
        );
        assert_eq!(events.len(), 1);
        let shown = format!("{:?}", events[0]);
        assert!(!shown.contains("KKKKKKKK"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
        let url = events[0].request.as_ref().and_then(|r| r.url.as_ref());
        assert_eq!(
            url.map(|u| u.as_str()),
            Some("https://zinc.example/sign-in")
        );
    }

    #[test]
    fn error_events_reach_sentry_with_their_span_fields_and_http_lines_do_not() {
        let events = sentry::test::with_captured_events(|| {
            let subscriber = tracing_subscriber::registry().with(sentry_layer());
            tracing::subscriber::with_default(subscriber, || {
                let span = tracing::info_span!("import", import_id = 42_i64, file = "sales.csv");
                let _entered = span.enter();
                tracing::info!("rows read and staged");
                tracing::error!(target: HTTP_ERROR_TARGET, status = 503, "request failed");
                tracing::error!(target: "actix_http::h1::dispatcher", "invalid Header provided");
                tracing::error!(line = 14_u64, "import failed; nothing was written");
            });
        });
        assert_eq!(events.len(), 1, "{events:#?}");
        let event = &events[0];
        assert_eq!(
            event.message.as_deref(),
            Some("import failed; nothing was written")
        );
        let shown = format!("{event:?}");
        assert!(
            shown.contains("import_id") && shown.contains("42"),
            "{shown}"
        );
        assert!(shown.contains("sales.csv"), "{shown}");
        assert!(
            event.breadcrumbs.iter().any(|b| b
                .message
                .as_deref()
                .is_some_and(|m| m.contains("rows read"))),
            "info events are breadcrumbs: {shown}"
        );
    }
}
