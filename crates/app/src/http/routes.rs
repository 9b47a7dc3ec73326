//! Which methods each route answers, read from the OpenAPI document (itself generated from the
//! handlers), so that a wrong method is a 405 naming the right ones, never a 404.

use std::sync::LazyLock;

use actix_web::dev::ResourceDef;
use utoipa::OpenApi;

use super::docs::ApiDoc;

/// Each documented path with the methods it answers, in a fixed order.
static ROUTES: LazyLock<Vec<(ResourceDef, Vec<&'static str>)>> = LazyLock::new(|| {
    ApiDoc::openapi()
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
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
