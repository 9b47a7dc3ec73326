//! The frame of every page: head, navigation, the signed-in key, and the security headers.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use maud::{DOCTYPE, Markup, html};

use zinc_application::Access;
use zinc_domain::{KeyName, KeyScope};

use super::assets;
use super::headers::secure;

/// Who is looking at a page.
#[derive(Debug, Clone)]
pub struct Viewer {
    access: Access,
}

impl Viewer {
    /// Someone admitted with `access`.
    pub fn new(access: Access) -> Viewer {
        Viewer { access }
    }

    /// The key's name, when signed in with one.
    pub fn key_name(&self) -> Option<&KeyName> {
        self.access.key_name()
    }

    /// `read key` or `write key`.
    pub fn scope_label(&self) -> &'static str {
        match &self.access {
            Access::Key(key) if key.scope == KeyScope::Write => "write key",
            _ => "read key",
        }
    }

    /// What to record as the importer.
    pub fn access(&self) -> &Access {
        &self.access
    }
}

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Orders,
    Products,
    Imports,
}

const SECTIONS: [(Section, &str, &str); 4] = [
    (Section::Overview, "/", "Overview"),
    (Section::Orders, "/orders", "Orders"),
    (Section::Products, "/products", "Products"),
    (Section::Imports, "/imports", "Imports"),
];

fn document(title: &str, nav: Markup, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No icon to fetch: browsers otherwise ask for /favicon.ico.
                link rel="icon" href="data:,";
                title { (title) " · Zinc" }
                link rel="stylesheet" href=(assets::STYLESHEET_PATH);
                script src=(assets::SCRIPT_PATH) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    p.brand { a href="/" { "Zinc" } }
                    (nav)
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (main)
                }
                footer.bottom {
                    p { "Sales data from point-of-sale exports. " a href="/docs/" { "API documentation" } }
                }
            }
        }
    }
}

/// The main navigation, with `current` marked.
fn sections(current: Option<Section>) -> Markup {
    html! {
        nav aria-label="Main" {
            ul {
                @for (item, href, label) in SECTIONS {
                    li {
                        @if Some(item) == current {
                            a href=(href) aria-current="page" { (label) }
                        } @else {
                            a href=(href) { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// A page of `section` for `viewer`.
pub fn page(section: Section, viewer: &Viewer, title: &str, main: Markup) -> HttpResponse {
    let nav = html! {
        (sections(Some(section)))
        @if let Some(name) = viewer.key_name() {
            form.signout method="post" action="/sign-out" {
                span.who { "Signed in with key " strong { (name) } " (" (viewer.scope_label()) ")" }
                " "
                button type="submit" { "Sign out" }
            }
        }
    };
    respond(StatusCode::OK, document(title, nav, main))
}

/// A page of no section and no viewer (sign-in, errors): the navigation leads on.
pub fn bare(status: StatusCode, title: &str, main: Markup) -> HttpResponse {
    respond(status, document(title, sections(None), main))
}

fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string());
    secure(&mut response);
    response
}
