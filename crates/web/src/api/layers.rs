//! The middleware every answer passes through, as three layers (see [`crate::app`] for where
//! they sit, outermost first: [`identify_trace_compress`], [`bound_and_count`], CORS, then
//! [`admit`]). Each layer runs, in the same order, the steps that were once a middleware of
//! their own: one layer costs a boxed future and a call per request, and an order lookup went
//! through eleven.

use actix_http::encoding::Encoder;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use super::monitoring::{self, InSpan, Timing};
use super::state::AppState;
use super::{auth, compression, cors, docs, limits, routes, sites, validators};

/// Outermost, in this order: compression of the answer (see the `compression` module), the
/// request's id and Sentry tags (`monitoring::identify`), and its span (`monitoring::traced`).
pub async fn identify_trace_compress(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<Encoder<InSpan>>, Error> {
    let preferred = compression::preferred_coding(&request);
    let id = monitoring::identify(&request);
    let mut response = monitoring::traced(request, |request| next.call(request)).await?;
    monitoring::answer_with_id(&mut response, &id);
    Ok(compression::compress(response, preferred))
}

/// Then, in this order: the bounds on the request's head (`limits`: a refusal is answered
/// here, neither counted nor seen by CORS), the request's duration by route and status
/// (`Timing`), and a CORS refusal as a problem (`cors::refusal_as_problem`).
pub async fn bound_and_count(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<EitherBody<impl MessageBody>>>, Error> {
    if let Some(error) = limits::refusal(&request) {
        let response = error.error_response();
        return Ok(request.into_response(response).map_into_right_body());
    }
    let timing = Timing::start(&request);
    let outcome = next.call(request).await.map(cors::refusal_as_problem);
    timing.record(&outcome);
    Ok(outcome?.map_into_left_body())
}

/// Inside CORS, in this order: another site's write or a host name not answered
/// ([`sites`]), the API key ([`auth`]; both refusals answered here, so that the outer layers
/// log and count them), HEAD answered as GET (`routes::head_as_get`), the documentation's
/// security headers (`docs::secure_docs`), and the validators (`validators`) around the
/// route.
pub async fn admit(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse, Error> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .expect("the application state is registered")
        .clone();
    let refusal = match sites::refusal(request.request(), &state).await {
        Some(refusal) => Some(refusal),
        None => auth::refusal(&request, &state).await,
    };
    if let Some(error) = refusal {
        let response = error.error_response();
        return Ok(request.into_response(response));
    }
    let head = routes::head_as_get(&mut request);
    let under_docs = docs::is_docs_path(request.path());
    let mut response = validators::revalidate(request, next).await?;
    if under_docs {
        docs::secure_docs(response.headers_mut());
    }
    Ok(if head {
        routes::without_body(response)
    } else {
        response.map_into_boxed_body()
    })
}
