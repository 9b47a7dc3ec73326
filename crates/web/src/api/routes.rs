//! The API's routes, declared once: each handler's path and method are written once, in its
//! actix attribute (`#[get("/api/v1/...")]`, which `#[utoipa::path]` reads), and the list below
//! hands every handler to the router ([`register`]) and to the OpenAPI document ([`Routes`],
//! merged into `docs::ApiDoc`), so neither can miss one the other has. Also: which methods each
//! route answers, read from those operations, so that a wrong method is a 405 naming the right
//! ones, never a 404; and HEAD, answered wherever GET is.

use std::sync::LazyLock;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use utoipa::OpenApi;

use actix_web::web;

use super::{catalog, exports, health, imports, monitoring, revenue};

macro_rules! routes {
    ($($module:ident::$handler:ident),* $(,)?) => {
        /// Registers every route's handler.
        pub fn register(config: &mut web::ServiceConfig) {
            $(config.service($module::$handler);)*
        }

        /// The operations of the routes (and the schemas they use).
        #[derive(OpenApi)]
        #[openapi(paths($($module::$handler),*))]
        pub struct Routes;
    };
}

routes! {
    imports::create_import,
    imports::list_imports,
    imports::get_import,
    imports::get_rejected_lines,
    imports::revert_import,
    catalog::list_products,
    catalog::get_product,
    catalog::list_orders,
    catalog::get_order,
    revenue::revenue,
    revenue::daily_revenue,
    revenue::revenue_series,
    revenue::product_sales,
    revenue::top_products,
    exports::export_sales,
    health::live,
    health::ready,
    monitoring::metrics,
}

/// Each route's path with the methods it answers, in a fixed order.
static ROUTES: LazyLock<Vec<(ResourceDef, Vec<&'static str>)>> = LazyLock::new(|| {
    Routes::openapi()
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                // Answered by `head_as_get` wherever GET is.
                ("HEAD", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ]
            .into_iter()
            .filter_map(|(method, present)| present.then_some(method))
            .collect();
            (ResourceDef::new(path.as_str()), methods)
        })
        .collect()
});

/// The methods the route at `path` answers; empty when no route has that path.
pub fn allowed_methods(path: &str) -> &'static [&'static str] {
    ROUTES
        .iter()
        .find(|(route, _)| route.is_match(path))
        .map_or(&[], |(_, methods)| methods.as_slice())
}

/// Answers HEAD as the GET of the same route would (a step of [`super::layers::admit`]):
/// turns a HEAD `request` into a GET, saying whether it was one, so that its answer goes
/// [`without_body`].
pub(crate) fn head_as_get(request: &mut ServiceRequest) -> bool {
    let head = request.method() == Method::HEAD;
    if head {
        request.head_mut().method = Method::GET;
    }
    head
}

/// The answer to a HEAD: the GET's, without its body.
pub(crate) fn without_body(response: ServiceResponse<impl MessageBody>) -> ServiceResponse {
    response.map_body(|_, _| BoxBody::new(()))
}
