//! The OpenAPI document read as a client reads it: every operation says what it computes,
//! every error it documents shows the problem a client really gets, examples never change
//! what a request means, and numbers in examples look like Zinc's data.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use actix_web::test;
use serde_json::Value;
use support::Ports;
use zinc_domain::{Page, Paged, RankBy};

async fn document() -> Value {
    let app = test::init_service(zinc_web::app(Ports::default().state(), None)).await;
    test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api-docs/openapi.json")
            .to_request(),
    )
    .await
}

/// Every operation of the document: (method, path, operation).
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            all.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    assert!(all.len() >= 13, "{} operations", all.len());
    all
}

/// The example of a problem+json response (inline or referenced from the components).
fn problem_example<'a>(document: &'a Value, response: &'a Value) -> Option<&'a Value> {
    let response = match response["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/responses/");
            &document["components"]["responses"][name]
        }
        None => response,
    };
    response["content"]["application/problem+json"]
        .get("example")
        .filter(|example| !example.is_null())
}

#[actix_web::test]
async fn every_operation_says_what_it_computes_beyond_its_summary() {
    let document = document().await;
    for (method, path, operation) in operations(&document) {
        let summary = operation["summary"].as_str().unwrap_or("");
        let description = operation["description"].as_str().unwrap_or("");
        // utoipa takes the doc comment's first paragraph as the summary and the rest as the
        // description: a handler documented by one line has none, or the summary again.
        assert!(
            !description.trim().is_empty(),
            "{method} {path} needs a description of what it computes and its edge cases"
        );
        assert!(
            !description.contains(summary),
            "{method} {path}: the description repeats the summary: {description:?}"
        );
    }
}

#[actix_web::test]
async fn every_documented_error_shows_the_problem_of_its_own_status() {
    let document = document().await;
    let mut kinds: BTreeMap<u16, BTreeSet<String>> = BTreeMap::new();
    let mut check = |what: &str, status: &str, example: Option<&Value>| {
        let code: u16 = status.parse().unwrap();
        let example = example.unwrap_or_else(|| panic!("{what}: {status} has no example"));
        assert_eq!(example["status"], code, "{what}: {example}");
        for field in ["type", "title", "detail"] {
            assert!(
                example[field].is_string(),
                "{what} {status}: {field}: {example}"
            );
        }
        kinds
            .entry(code)
            .or_default()
            .insert(example["type"].as_str().unwrap().to_owned());
    };
    for (method, path, operation) in operations(&document) {
        for (status, response) in operation["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                check(
                    &format!("{method} {path}"),
                    status,
                    problem_example(&document, response),
                );
            }
        }
    }
    // Answers any route may give, documented once among the components.
    for (name, response) in document["components"]["responses"].as_object().unwrap() {
        let code = name.split('-').next().unwrap();
        check(
            &format!("components {name}"),
            code,
            problem_example(&document, response),
        );
    }
    let documented: BTreeSet<u16> = kinds.keys().copied().collect();
    for status in [400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 503] {
        assert!(
            documented.contains(&status),
            "{status} is documented nowhere"
        );
    }
    // Each status shows its own kind of problem, not one shared body.
    let mut seen = BTreeSet::new();
    for (status, types) in &kinds {
        for kind in types {
            assert!(
                seen.insert(kind.clone()),
                "{kind} shown for {status} and another status"
            );
        }
    }
}

#[actix_web::test]
async fn a_rejected_import_example_lists_its_problems_and_its_report() {
    let document = document().await;
    let rejected = problem_example(
        &document,
        &document["paths"]["/api/v1/imports"]["post"]["responses"]["422"],
    )
    .unwrap();
    assert_eq!(rejected["errors"][0]["column"], "Location");
    assert_eq!(rejected["import"]["status"], "rejected");
}

/// An example of the parameter, wherever the document puts it.
fn parameter_examples(parameter: &Value) -> Vec<&Value> {
    let mut examples: Vec<&Value> = Vec::new();
    examples.extend(parameter.get("example"));
    examples.extend(parameter["schema"].get("example"));
    if let Some(named) = parameter["examples"].as_object() {
        examples.extend(named.values().map(|e| &e["value"]));
    }
    examples
}

#[actix_web::test]
async fn optional_query_parameters_carry_no_example_that_would_filter() {
    let document = document().await;
    for (method, path, operation) in operations(&document) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] != "query" || parameter["required"] == true {
                continue;
            }
            let name = parameter["name"].as_str().unwrap();
            let default = parameter["schema"].get("default");
            for example in parameter_examples(parameter) {
                assert_eq!(
                    Some(example),
                    default,
                    "{method} {path}: `{name}` has an example that is not its default: \
                     \"Try it out\" would send it and change what is asked"
                );
            }
        }
    }
}

#[actix_web::test]
async fn path_ids_and_integer_fields_have_realistic_examples() {
    let document = document().await;
    for (method, path, operation) in operations(&document) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "path" {
                let examples = parameter_examples(parameter);
                assert!(
                    examples.iter().any(|e| e.as_i64().is_some_and(|n| n > 1)),
                    "{method} {path}: path parameter {} needs an example",
                    parameter["name"]
                );
            }
        }
    }
    for (schema_name, schema) in document["components"]["schemas"].as_object().unwrap() {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let integer = match &property["type"] {
                Value::String(kind) => kind == "integer",
                Value::Array(kinds) => kinds.iter().any(|k| k == "integer"),
                _ => false,
            };
            if !integer {
                continue;
            }
            let example = property
                .get("example")
                .unwrap_or_else(|| panic!("{schema_name}.{field} has no example"));
            if field == "id" || field.ends_with("_id") {
                assert!(
                    example.as_i64().is_some_and(|n| n > 1),
                    "{schema_name}.{field}: {example}"
                );
            }
        }
    }
}

#[actix_web::test]
async fn every_request_body_has_a_schema() {
    let document = document().await;
    let mut bodies = 0;
    for (method, path, operation) in operations(&document) {
        let Some(content) = operation["requestBody"]["content"].as_object() else {
            continue;
        };
        for (media, body) in content {
            bodies += 1;
            assert!(body["schema"].is_object(), "{method} {path} {media}");
        }
    }
    assert!(bodies >= 2, "the upload's form and raw CSV");
}

fn empty<T>(page: Page) -> Paged<T> {
    Paged {
        items: vec![],
        total: 0,
        page,
    }
}

#[actix_web::test]
async fn the_documented_defaults_are_the_ones_applied() {
    let document = document().await;
    let default = |path: &str, name: &str| -> Value {
        document["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} has no {name}"))["schema"]["default"]
            .clone()
    };
    let top_limit = default("/api/v1/metrics/products/top", "limit")
        .as_u64()
        .unwrap();
    let mut ports = Ports::default();
    ports
        .figures
        .expect_top_products()
        // `by` says its default in words (revenue).
        .withf(move |_, _, by, limit| *by == RankBy::Revenue && u64::from(*limit) == top_limit)
        .returning(|_, _, _, _| Ok(vec![]));
    let lists = ["/api/v1/orders", "/api/v1/products", "/api/v1/imports"];
    let pages: Vec<(u64, u64)> = lists
        .iter()
        .map(|path| {
            (
                default(path, "limit").as_u64().unwrap(),
                default(path, "offset").as_u64().unwrap(),
            )
        })
        .collect();
    let documented = move |index: usize| {
        let (limit, offset) = pages[index];
        move |page: &Page| u64::from(page.limit()) == limit && page.offset() == offset
    };
    let orders = documented(0);
    ports
        .orders
        .expect_list_orders()
        .withf(move |_, page| orders(page))
        .returning(|_, page| Ok(empty(page)));
    let products = documented(1);
    ports
        .products
        .expect_list_products()
        .withf(move |_, page| products(page))
        .returning(|_, page| Ok(empty(page)));
    ports
        .history
        .expect_list_imports()
        .withf(documented(2))
        .returning(|page| Ok(empty(page)));
    // An order's items are paged as the lists are.
    let order = "/api/v1/orders/{id}";
    let (limit, offset) = (
        default(order, "limit").as_u64().unwrap(),
        default(order, "offset").as_u64().unwrap(),
    );
    ports
        .orders
        .expect_find_order()
        .withf(move |_, page| u64::from(page.limit()) == limit && page.offset() == offset)
        .returning(|_, _| Ok(None));
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    for path in lists.iter().chain(&["/api/v1/metrics/products/top"]) {
        let response =
            test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(response.status(), 200, "{path}");
    }
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/orders/7")
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), 404, "asked with the documented page");
}

/// `n` as the document writes limits: `10,000`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// utoipa takes a field's description from its doc comment only (no expression), so the
/// limits the document states in prose are checked here against the constants applied.
#[actix_web::test]
async fn every_limit_the_document_states_is_the_one_applied() {
    use zinc_domain::{
        MAX_REJECTED_BYTES, MAX_REJECTED_LINES, MAX_REPORTED_PROBLEMS, REPLACED_SALES_LISTED,
    };
    let document = document().await;
    let schemas = &document["components"]["schemas"];
    let field = |schema: &str, name: &str| {
        schemas[schema]["properties"][name]["description"]
            .as_str()
            .unwrap_or_else(|| panic!("{schema}.{name} has no description"))
            .to_owned()
    };
    let operation = |path: &str| {
        document["paths"][path]["get"]["description"]
            .as_str()
            .unwrap_or_else(|| panic!("GET {path} has no description"))
            .to_owned()
    };
    let bytes = humansize::format_size(MAX_REJECTED_BYTES, humansize::BINARY);
    let stated = [
        (
            field("ImportReportBody", "replaced_sales"),
            format!("the first {REPLACED_SALES_LISTED};"),
        ),
        (
            field("ImportReportBody", "errors_total"),
            format!("at most {} are listed", grouped(MAX_REPORTED_PROBLEMS)),
        ),
        (
            field("RejectedLinesBody", "kept"),
            format!(
                "at most {} and {bytes} of text",
                grouped(MAX_REJECTED_LINES)
            ),
        ),
        (
            operation("/api/v1/imports/{id}"),
            format!("at most {} kept", grouped(MAX_REPORTED_PROBLEMS)),
        ),
        (
            operation("/api/v1/imports/{id}/rejected.csv"),
            format!(
                "At most {} lines and {bytes} of text are kept",
                grouped(MAX_REJECTED_LINES)
            ),
        ),
    ];
    for (description, limit) in stated {
        assert!(
            description.contains(&limit),
            "{limit:?} not in {description:?}"
        );
    }
}

/// Every paged route (the lists, and an order's items) states the page's bounds applied: in
/// its `limit` parameter's schema and prose, and the order's in its description too.
#[actix_web::test]
async fn every_page_states_the_page_bounds_applied() {
    let document = document().await;
    let (max, default) = (Page::MAX_LIMIT, Page::DEFAULT_LIMIT);
    let paged = [
        "/api/v1/orders",
        "/api/v1/products",
        "/api/v1/imports",
        "/api/v1/orders/{id}",
    ];
    for path in paged {
        let operation = &document["paths"][path]["get"];
        let limit = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap_or_else(|| panic!("{path} has no limit"));
        assert_eq!(limit["schema"]["maximum"], max, "{path}");
        assert_eq!(limit["schema"]["minimum"], 1, "{path}");
        assert_eq!(limit["schema"]["default"], default, "{path}");
        let prose = limit["description"].as_str().unwrap();
        let stated = format!("1 to {max} (default {default})");
        assert!(
            prose.contains(&stated),
            "{path}: {stated:?} not in {prose:?}"
        );
    }
    let order = document["paths"]["/api/v1/orders/{id}"]["get"]["description"]
        .as_str()
        .unwrap();
    let stated = format!("a page of `limit` (1 to {max}, {default} by default)");
    assert!(order.contains(&stated), "{stated:?} not in {order:?}");
}

/// The README states the page bounds applied: the API's paging, the Security section's bound
/// on a page, and the dashboard's page of an order's items (the API's default page).
#[actix_web::test]
async fn the_readme_states_the_page_bounds_applied() {
    let readme = include_str!("../../../README.md");
    let (max, default) = (Page::MAX_LIMIT, Page::DEFAULT_LIMIT);
    for stated in [
        format!("Paging everywhere: `limit` 1–{max} (default {default})"),
        format!(
            "| a page of a list, or of an order's items (API and dashboard) | {max} (default {default}) |"
        ),
        format!("one order with its totals and its items, {default} a page"),
    ] {
        assert!(
            readme.contains(&stated),
            "README.md does not say {stated:?}"
        );
    }
}
