//! The web dashboard served by `zinc serve` at `/`: server-rendered HTML (maud, checked at
//! compile time), charts as SVG drawn here, one small script for upload progress and
//! drag-and-drop. The pages read the same ports as the API (`AppState`), through the same
//! parameter parsers, and map failures through the API's one error vocabulary
//! ([`ApiError`](crate::api::problem::ApiError)) into HTML pages.
//!
//! One file per page: `overview` (`/`), `orders` (`/orders`, `/orders/{id}`),
//! `products` (`/products`, `/products/{id}`), `imports` (`/imports`, upload and history),
//! `session` (`/sign-in`, `/sign-out`).

mod assets;
mod chart;
mod format;
mod headers;
mod imports;
mod layout;
mod orders;
mod overview;
mod page;
mod products;
mod range;
mod session;

use actix_web::web;

pub use session::{SECURE_SESSION_COOKIE, SESSION_COOKIE};

/// Registers the dashboard's pages and assets.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(overview::overview)
        .service(overview::download_export)
        .service(orders::list)
        .service(orders::detail)
        .service(products::list)
        .service(products::detail)
        .service(imports::imports_page)
        .service(imports::upload)
        .service(imports::problems_csv)
        .service(imports::rejected_csv)
        .service(imports::detail)
        .service(imports::revert)
        .service(session::sign_in_form)
        .service(session::sign_in)
        .service(session::sign_out)
        .service(assets::stylesheet)
        .service(assets::script);
}
