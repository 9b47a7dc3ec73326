//! The stylesheet and the script, compiled into the binary and served from this server only.

use actix_web::http::header;
use actix_web::{HttpResponse, get};

/// Where the stylesheet is served.
pub const STYLESHEET_PATH: &str = "/assets/dashboard.css";
/// Where the script is served.
pub const SCRIPT_PATH: &str = "/assets/dashboard.js";

const STYLESHEET: &str = include_str!("assets/dashboard.css");
const SCRIPT: &str = include_str!("assets/dashboard.js");

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    let mut response = HttpResponse::Ok()
        .content_type(content_type)
        // Short: a new build's assets show within minutes without versioned names.
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body);
    super::headers::secure(&mut response);
    response
}

/// The stylesheet.
#[get("/assets/dashboard.css")]
pub async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

/// The script: upload progress and drag-and-drop on the imports page.
#[get("/assets/dashboard.js")]
pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}
