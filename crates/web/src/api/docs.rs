//! The OpenAPI document, generated from the handlers' annotations, and the Swagger UI (its
//! assets are compiled into the binary: it works without internet access).

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, ContentBuilder, HttpMethod, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::auth::API_PREFIX;
use super::body::{
    DailyRevenueBody, DayBody, HealthBody, ImportPage, ImportReportBody, InputProblemBody,
    OrderBody, OrderDetailBody, OrderItemBody, OrderPage, ProductBody, ProductPage,
    RejectedLinesBody, RevenueBody, TopProductBody, TopProductsBody,
};
use super::examples;
use super::problem::PROBLEM_JSON;
use super::problem::ProblemDetails;
use super::routes::Routes;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";
/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/docs";

/// What Swagger UI's pages may load: this server only, and no framing by any site. (Its
/// scripts are files; its components set `style` attributes, hence inline styles.)
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Whether `path` is under [`DOCS_PATH`], whose answers get [`secure_docs`].
pub(crate) fn is_docs_path(path: &str) -> bool {
    path.strip_prefix(DOCS_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Sets the security headers of every answer under [`DOCS_PATH`] (a step of
/// [`super::layers::admit`]).
pub(crate) fn secure_docs(headers: &mut HeaderMap) {
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            DOCS_CONTENT_SECURITY_POLICY,
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// Zinc's HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zinc",
        description = "Point-of-sale exports in; products, orders and revenue out. Money is an exact decimal string; ids are 64-bit integers as JSON numbers (beyond 2^53, read them as BigInt in JavaScript); errors are application/problem+json.",
    ),
    components(schemas(
        ProblemDetails, InputProblemBody, ImportReportBody, RejectedLinesBody, ImportPage, ProductBody, ProductPage, OrderBody,
        OrderPage, OrderItemBody, OrderDetailBody, RevenueBody, DayBody, DailyRevenueBody,
        TopProductBody, TopProductsBody, HealthBody,
    )),
    // In this order: the routes first, then what they answer; the examples cover the answers
    // the others add.
    modifiers(&RouteOperations, &ApiKeyAuth, &Validators, &ProblemExamples),
    security(("api_key" = [])),
    tags(
        (name = "imports", description = "Load point-of-sale exports"),
        (name = "products", description = "Products, one per item name"),
        (name = "orders", description = "Orders, one per sale, with their items"),
        (name = "metrics", description = "Revenue figures"),
        (name = "exports", description = "The stored sales as a point-of-sale export"),
        (name = "health", description = "Liveness and readiness"),
    ),
)]
pub struct ApiDoc;

/// Adds the operations of the API's routes, declared once in `routes`.
struct RouteOperations;

impl Modify for RouteOperations {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.merge(Routes::openapi());
    }
}

/// The tags of the operations on the sales data: their answers change only when an import
/// succeeds, so they carry validators (see `validators`, which serves them for exactly the
/// operations documented with a 304 here).
const SALES_DATA_TAGS: [&str; 3] = ["products", "orders", "metrics"];

/// Documents the validators of the sales-data operations: `If-None-Match`, the `ETag` of a 200,
/// and the 304.
struct Validators;

impl Modify for Validators {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let text = || ObjectBuilder::new().schema_type(Type::String).build();
        let etag = || {
            HeaderBuilder::new()
                .schema(text())
                .description(Some(
                    "A weak tag of this answer, e.g. `W/\"5f2c0e9d41a7b3c8e1d6f0a2b4c6d8e0\"`: it \
                     changes when an import succeeds (never when one is rejected). Send it back \
                     in `If-None-Match` to get a 304 while it is current.",
                ))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let Some(get) = item.get.as_mut() else {
                continue;
            };
            let on_sales_data = get.tags.as_ref().is_some_and(|tags| {
                tags.iter()
                    .any(|tag| SALES_DATA_TAGS.contains(&tag.as_str()))
            });
            if !on_sales_data {
                continue;
            }
            get.parameters.get_or_insert_with(Vec::new).push(
                ParameterBuilder::new()
                    .name("If-None-Match")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "The `ETag` of an earlier answer (or several, comma-separated, or `*`): \
                         while it is current the answer is a 304 without a body.",
                    ))
                    .schema(Some(text()))
                    .build(),
            );
            if let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200") {
                ok.headers.insert("ETag".to_owned(), etag());
            }
            get.responses.responses.insert(
                "304".to_owned(),
                ResponseBuilder::new()
                    .description(
                        "Not Modified: `If-None-Match` names the current `ETag` (or is `*`); no \
                         body, keep the copy you have",
                    )
                    .header("ETag", etag())
                    .build()
                    .into(),
            );
        }
    }
}

/// The `Retry-After` of a 429.
fn retry_after() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer).build())
        .description(Some("Seconds to wait before trying again"))
        .build()
}

/// Declares the bearer scheme (Swagger UI's Authorize button) and the 401/403/429 answers of
/// every `/api/v1` operation, in one place.
struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("zinc_...")
                    .description(Some(
                        "An API key from `zinc keys create NAME --scope read|write`, required on \
                         /api/v1 once any key exists; importing needs a write key.",
                    ))
                    .build(),
            ),
        );
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    Content::new(Some(Ref::from_schema_name("ProblemDetails"))),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with(API_PREFIX) {
                continue;
            }
            for (method, operation) in [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
            ] {
                let Some(operation) = operation else { continue };
                let responses = &mut operation.responses.responses;
                responses.insert(
                    "401".to_owned(),
                    problem("No valid API key (missing, unknown, revoked or malformed)").into(),
                );
                // Answered before the key is checked, to a client past its failed
                // authentications (an upload's own 429 says so too).
                responses.entry("429".to_owned()).or_insert_with(|| {
                    let mut answer = problem(
                        "Too many invalid API keys from this address: wait `Retry-After` seconds",
                    );
                    answer
                        .headers
                        .insert("Retry-After".to_owned(), retry_after());
                    answer.into()
                });
                if method == HttpMethod::Post {
                    responses.insert(
                        "403".to_owned(),
                        problem(
                            "The key is a read key (importing needs a write key), or the write \
                             comes from another site's page (`Origin`, `Sec-Fetch-Site`)",
                        )
                        .into(),
                    );
                }
            }
        }
    }
}

/// Shows on every documented error the problem a client really gets (see `examples`), and
/// documents once, among the components, the answers any route may give.
struct ProblemExamples;

impl Modify for ProblemExamples {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let json = |problem| serde_json::to_value(problem).ok();
        for item in openapi.paths.paths.values_mut() {
            for (post, operation) in [(false, item.get.as_mut()), (true, item.post.as_mut())] {
                let Some(operation) = operation else {
                    continue;
                };
                let asked = examples::Asked::new(post, operation);
                for (status, response) in operation.responses.responses.iter_mut() {
                    let (RefOr::T(response), Ok(status)) = (response, status.parse()) else {
                        continue;
                    };
                    let Some(content) = response.content.get_mut(PROBLEM_JSON) else {
                        continue;
                    };
                    let problem = examples::for_operation(&asked, status);
                    if let Some(problem) = &problem
                        && response.description.is_empty()
                    {
                        response.description = problem.title.clone();
                    }
                    content.example = problem.and_then(json);
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        for (status, when, problem) in examples::for_any_route() {
            let slug = problem
                .kind
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDetails")))
                .example(json(problem))
                .build();
            components.responses.insert(
                format!("{status}-{slug}"),
                ResponseBuilder::new()
                    .description(when)
                    .content(PROBLEM_JSON, content)
                    .build()
                    .into(),
            );
        }
    }
}
