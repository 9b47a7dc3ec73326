//! Validators on the sales-data routes (those whose OpenAPI operation documents a 304, see
//! [`super::docs`]): a 200 carries an `ETag`, and a GET (or HEAD) whose `If-None-Match` names
//! the current tag is answered 304 Not Modified without computing the answer.
//!
//! The tag is derived from the sales data's version ([`zinc_ports::DataVersions`], one lookup,
//! changed by every succeeded import), the request's path and query, and whatever else shapes
//! the answer: the build, the currency, and today's date (daily revenue's default range ends
//! today). It is weak (`W/"..."`): the same answer goes compressed or not, and a strong tag would
//! have to differ per coding (RFC 9110 §8.8.3); `If-None-Match` compares weakly anyway (§13.1.2).
//! `*` matches any current answer: the route answers first, and a 200 becomes a 304.

use std::sync::LazyLock;

use actix_web::body::{BodySize, EitherBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ETag, EntityTag, Header, HeaderMap, IfNoneMatch};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use chrono::Utc;
use sha2::{Digest, Sha256};
use utoipa::OpenApi;

use super::answers::{AnswerCache, CachedAnswer, MAX_KEPT_ANSWER_BYTES};
use super::docs::ApiDoc;
use super::metrics::git_commit;
use super::monitoring;
use super::problem::ApiError;
use super::state::AppState;

/// The route templates whose GET documents a 304.
static REVALIDATED: LazyLock<Vec<String>> = LazyLock::new(|| {
    ApiDoc::openapi()
        .paths
        .paths
        .iter()
        .filter(|(_, item)| {
            item.get
                .as_ref()
                .is_some_and(|get| get.responses.responses.contains_key("304"))
        })
        .map(|(path, _)| path.clone())
        .collect()
});

/// Adds the `ETag` to the sales-data routes' answers and answers 304 when the client's copy is
/// current. An answer already computed under the current tag is served again from the
/// [`AnswerCache`](super::answers::AnswerCache) without asking the store. When the version
/// cannot be read, the route answers as if there were no validators.
pub async fn revalidate(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(tag) = current_tag(&request).await else {
        return Ok(next.call(request).await?.map_into_left_body());
    };
    let condition = IfNoneMatch::parse(&request).ok();
    if let Some(IfNoneMatch::Items(tags)) = &condition
        && tags.iter().any(|held| held.weak_eq(&tag))
    {
        return Ok(request
            .into_response(not_modified(tag))
            .map_into_right_body());
    }
    // With no answers kept (a cache of 0 bytes), an answer goes out as the route wrote it.
    let answers = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.answers.clone())
        .filter(AnswerCache::keeps_answers);
    if let Some(cached) = answers.as_ref().and_then(|a| a.get(tag.tag())) {
        if let Some(IfNoneMatch::Any) = condition {
            return Ok(request
                .into_response(not_modified(tag))
                .map_into_right_body());
        }
        let mut response = HttpResponse::Ok().body(cached.body);
        *response.headers_mut() = cached.headers;
        set_tag(response.headers_mut(), tag);
        return Ok(request.into_response(response).map_into_right_body());
    }
    let response = next.call(request).await?;
    if response.status() != StatusCode::OK {
        return Ok(response.map_into_left_body());
    }
    if let Some(IfNoneMatch::Any) = condition {
        return Ok(response
            .into_response(not_modified(tag))
            .map_into_right_body());
    }
    let keepable = matches!(
        response.response().body().size(),
        BodySize::Sized(n) if n <= MAX_KEPT_ANSWER_BYTES as u64
    );
    let Some(answers) = answers.filter(|_| keepable) else {
        let mut response = response;
        set_tag(response.headers_mut(), tag);
        return Ok(response.map_into_left_body());
    };
    let (request, response) = response.into_parts();
    let headers = response.headers().clone();
    let body = match to_bytes(response.into_body()).await {
        Ok(body) => body,
        Err(error) => {
            return Err(ApiError::Internal {
                doing: "reading an answer",
                cause: error.into(),
            }
            .into());
        }
    };
    answers.keep(
        tag.tag(),
        CachedAnswer {
            headers: headers.clone(),
            body: body.clone(),
        },
    );
    let mut rebuilt = HttpResponse::Ok().body(body);
    *rebuilt.headers_mut() = headers;
    set_tag(rebuilt.headers_mut(), tag);
    Ok(ServiceResponse::new(request, rebuilt).map_into_right_body())
}

/// Sets `tag` as the `ETag` among `headers`.
fn set_tag(headers: &mut HeaderMap, tag: EntityTag) {
    if let Ok(value) = header::TryIntoHeaderValue::try_into_value(ETag(tag)) {
        headers.insert(header::ETAG, value);
    }
}

fn not_modified(tag: EntityTag) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header(ETag(tag))
        .finish()
}

/// The tag of the current answer to `request`; `None` when it has no validators (another
/// route or method) or the data's version cannot be read.
async fn current_tag(request: &ServiceRequest) -> Option<EntityTag> {
    if request.method() != Method::GET {
        return None;
    }
    let route = monitoring::route_of(request);
    if !REVALIDATED.contains(&route) {
        return None;
    }
    let state = request.app_data::<web::Data<AppState>>()?;
    let version = match state.versions.current_version().await {
        Ok(version) => version,
        Err(error) => {
            // The route answers on its own (a 503 if the store is down).
            tracing::debug!(%error, "no validators: the data's version is unknown");
            return None;
        }
    };
    let path_and_query = request.uri().path_and_query().map_or("", |p| p.as_str());
    let mut digest = Sha256::new();
    for part in [
        version.as_str(),
        path_and_query,
        env!("CARGO_PKG_VERSION"),
        git_commit(),
        &state.currency,
        &Utc::now().date_naive().to_string(),
    ] {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    Some(EntityTag::new_weak(hex::encode(&digest.finalize()[..16])))
}
