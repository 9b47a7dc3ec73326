//! `/imports`: upload a file (drag-and-drop, progress), see its report, and the history of
//! imports; `/imports/{id}`: one import with its problems. Uploads go through the API's own
//! receiving and import code ([`crate::api::imports::receive_and_import`]).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use zinc_domain::{
    ImportId, ImportMode, ImportReport, ImportSource, ImportStatus, InputProblem, KeyScope, Page,
    formula,
};

use super::layout::{self, Section};
use super::page::{PageError, PageQuery};
use super::{format, session};
use crate::api::AppState;
use crate::api::imports::{UploadOptions, receive_and_import};
use crate::api::params;
use crate::api::problem::ApiError;
use zinc_application::RevertImport;
use zinc_ports::{RevertError, RevertPlan};

/// Imports listed per page of the history.
const HISTORY_PAGE: u64 = 20;

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    offset: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    skip_invalid: Option<String>,
    dry_run: Option<String>,
}

/// What the upload gave, to show above the form.
enum Outcome {
    Report(Box<ImportReport>),
    Refused(ApiError),
}

/// The imports page.
#[get("/imports")]
pub async fn imports_page(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: PageQuery<HistoryQuery>,
) -> Result<HttpResponse, PageError> {
    let viewer = session::admit(&request, &state, KeyScope::Read).await?;
    let offset = params::number("offset", query.offset.as_deref(), 0, i64::MAX as u64)?;
    render(&state, &viewer, None, offset.unwrap_or(0)).await
}

/// Receives an upload from the form (a write key needed), imports it, and shows the page with
/// its report.
#[post("/imports")]
pub async fn upload(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: PageQuery<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    session::same_site_form(&request)?;
    let viewer = session::admit(&request, &state, KeyScope::Write).await?;
    let mode = if params::flag("skip_invalid", query.skip_invalid.as_deref())? {
        ImportMode::SkipInvalid
    } else {
        ImportMode::Strict
    };
    let dry_run = params::flag("dry_run", query.dry_run.as_deref())?;
    let options = UploadOptions {
        mode,
        dry_run,
        requested_by: viewer.access().key_name().cloned(),
    };
    let outcome =
        match receive_and_import(&state, &request, payload, "upload.csv".into(), options).await {
            Ok(report) => Outcome::Report(Box::new(report)),
            Err(error) if error.status_code().is_server_error() => return Err(error.into()),
            Err(error) => Outcome::Refused(error),
        };
    render(&state, &viewer, Some(outcome), 0).await
}

async fn render(
    state: &AppState,
    viewer: &layout::Viewer,
    outcome: Option<Outcome>,
    offset: u64,
) -> Result<HttpResponse, PageError> {
    let page = Page::new(HISTORY_PAGE, offset).map_err(|source| ApiError::BadQuery {
        name: "offset",
        source,
    })?;
    let history = state.history.list_imports(page).await?;
    let can_upload = viewer.key_name().is_none() || viewer.scope_label() == "write key";
    let content = html! {
        div #import-result tabindex="-1" {
            @match &outcome {
                Some(Outcome::Report(report)) => (report_view(report, true)),
                Some(Outcome::Refused(error)) if error.status_code() == StatusCode::PAYLOAD_TOO_LARGE => {
                    section.notice.error role="alert" {
                        h2 { "The file is too large" }
                        p { "This server takes files of up to " (format::bytes(state.max_upload_bytes))
                            ". Nothing was imported: split the file (by month, say) and upload each part." }
                    }
                },
                Some(Outcome::Refused(error)) => {
                    @let problem = error.problem();
                    section.notice.error role="alert" {
                        h2 { (problem.title) }
                        p { (problem.detail) }
                    }
                },
                None => {},
            }
        }
        @if can_upload {
            (upload_form(state.max_upload_bytes))
        } @else {
            section.notice role="note" {
                p { "Your key is a read key: uploading files needs a write key." }
            }
        }
        section.panel aria-labelledby="history-heading" {
            h2 #history-heading { "History" }
            @if history.items.is_empty() {
                p { "No import yet." }
            } @else {
                table #import-history {
                    thead {
                        tr {
                            th scope="col" { "#" }
                            th scope="col" { "File" }
                            th scope="col" { "Result" }
                            th.hide-narrow scope="col" { "Source" }
                            th.num scope="col" { "Rows" }
                            th.num.hide-narrow scope="col" { "Created" }
                            th.num.hide-narrow scope="col" { "Updated" }
                            th.num.hide-narrow scope="col" { "Unchanged" }
                            th.num scope="col" { "Problems" }
                            th.hide-narrow scope="col" { "Started (UTC)" }
                        }
                    }
                    tbody {
                        @for report in &history.items {
                            tr {
                                td { a href=(format!("/imports/{}", report.id.get())) { (report.id.get()) } }
                                td.file-name { (report.file_name) }
                                td { (history_result(report)) }
                                td.source.hide-narrow { (source_words(report)) }
                                @if report.revert.reverts.is_some() {
                                    // A revert reads no file and creates nothing: its sales
                                    // put back are its updates (its page says what it removed).
                                    td.num { "—" }
                                    td.num.hide-narrow { "—" }
                                    td.num.hide-narrow { (format::count(report.counts.orders_updated)) }
                                    td.num.hide-narrow { "—" }
                                } @else {
                                    td.num { (format::count(report.counts.rows_total)) }
                                    td.num.hide-narrow { (format::count(report.counts.orders_created)) }
                                    td.num.hide-narrow { (format::count(report.counts.orders_updated)) }
                                    td.num.hide-narrow { (format::count(report.counts.orders_unchanged)) }
                                }
                                td.num { (format::count(report.problems.total())) }
                                td.hide-narrow { (format::moment(report.started_at)) }
                            }
                        }
                    }
                }
                (pager("/imports", "", offset, HISTORY_PAGE, history.total, Listed::NewestFirst))
            }
        }
    };
    // The page is the answer, whatever the import found: the report says it (a script posting
    // the form reads the page, and a 4xx would only add a console error).
    Ok(layout::page(Section::Imports, viewer, "Imports", content))
}

/// An import's Result in the history: a revert names the import it reverts, an import
/// reverted names its revert (both linked), any other says how it ended.
fn history_result(report: &ImportReport) -> Markup {
    match (report.revert.reverts, report.revert.reverted_by) {
        (Some(reverted), _) => html! {
            "Revert of " a href=(format!("/imports/{}", reverted.get())) { "#" (reverted.get()) }
        },
        (None, Some(by)) => html! {
            "Reverted by " a href=(format!("/imports/{}", by.get())) { "#" (by.get()) }
        },
        (None, None) => html! { (status_label(report)) },
    }
}

/// Where an import came from, in the history's Source column: a revert uploads no file.
fn source_words(report: &ImportReport) -> &'static str {
    let is_revert = report.revert.reverts.is_some();
    match report.source {
        Some(ImportSource::Cli) => "Command line",
        Some(ImportSource::Api) if is_revert => "API or dashboard",
        Some(ImportSource::Api) => "Upload",
        Some(ImportSource::Watch) => "Watched folder",
        None => "—",
    }
}

/// Where an import came from, in a sentence ("Started …, strict, from a watched folder.").
fn source_phrase(source: ImportSource) -> &'static str {
    match source {
        ImportSource::Cli => "from the command line",
        ImportSource::Api => "uploaded",
        ImportSource::Watch => "from a watched folder",
    }
}

/// Where a revert was asked for, in a sentence ("Started …, through the API or the
/// dashboard.").
fn revert_source_phrase(source: ImportSource) -> &'static str {
    match source {
        ImportSource::Cli => "from the command line",
        ImportSource::Api => "through the API or the dashboard",
        ImportSource::Watch => "from a watched folder",
    }
}

/// How a paged list is ordered, which names its links.
#[derive(Debug, Clone, Copy)]
pub enum Listed {
    /// Newest first: "← Newer", "Older →".
    NewestFirst,
    /// By name: "← Previous", "Next →".
    ByName,
    /// In the file's order (an order's items): "← Previous", "Next →".
    InFileOrder,
}

/// Links to the pages before and after.
pub fn pager(
    path: &str,
    query: &str,
    offset: u64,
    size: u64,
    total: u64,
    listed: Listed,
) -> Markup {
    let (before, after) = match listed {
        Listed::NewestFirst => ("← Newer", "Older →"),
        Listed::ByName | Listed::InFileOrder => ("← Previous", "Next →"),
    };
    let link = |offset: u64| {
        let separator = if query.is_empty() { "" } else { "&" };
        format!("{path}?{query}{separator}offset={offset}")
    };
    let last = offset.saturating_add(size).min(total);
    html! {
        nav.pager aria-label="Pages" {
            @if offset > 0 {
                a href=(link(offset.saturating_sub(size))) rel="prev" { (before) }
            }
            span { (format::count(offset.min(total) + u64::from(total > 0))) "–" (format::count(last)) " of " (format::count(total)) }
            @if last < total {
                a href=(link(last)) rel="next" { (after) }
            }
        }
    }
}

fn upload_form(max_bytes: u64) -> Markup {
    html! {
        form #upload-form.panel method="post" action="/imports" enctype="multipart/form-data"
            aria-labelledby="upload-heading" {
            h2 #upload-heading { "Upload a point-of-sale export" }
            div.dropzone {
                label for="file" { "CSV file (drop it here or choose it), up to " (format::bytes(max_bytes)) }
                input #file type="file" name="file" accept=".csv,text/csv" required
                    data-max-bytes=(max_bytes) data-max-size=(format::bytes(max_bytes));
                p #file-chosen.hint aria-live="polite" {}
            }
            p.hint {
                "Import checks every row: one invalid row rejects the whole file and nothing is written. "
                "Sales already stored as in the file are left as they are."
            }
            div.actions {
                button type="submit" formaction="/imports" { "Import" }
                button.secondary type="submit" formaction="/imports?dry_run=true" { "Check only (write nothing)" }
                button.secondary type="submit" formaction="/imports?skip_invalid=true" { "Import the valid sales only" }
            }
            div.progress {
                progress #upload-progress hidden max="100" aria-label="Upload progress" {}
                p #upload-status role="status" aria-live="polite" {}
            }
        }
    }
}

fn status_label(report: &ImportReport) -> &'static str {
    match (report.dry_run, report.status) {
        (true, ImportStatus::Succeeded) if report.partly_imported() => "Check passed in part",
        (true, ImportStatus::Succeeded) => "Check passed",
        (true, ImportStatus::Rejected) => "Check failed",
        (false, ImportStatus::Succeeded) if report.partly_imported() => "Partly imported",
        (false, ImportStatus::Succeeded) => "Imported",
        (false, ImportStatus::Rejected) => "Rejected",
    }
}

/// How the import treated invalid rows, in the words of the upload form's buttons.
fn mode_words(mode: ImportMode) -> &'static str {
    match mode {
        ImportMode::Strict => "importing every sale or none (one invalid row rejects the file)",
        ImportMode::SkipInvalid => "importing the valid sales only",
    }
}

/// The Sale IDs a report lists as replaced: "Sale ID 3971", "Sale IDs 3965, 3971 and 12
/// more".
fn replaced_sales(report: &ImportReport) -> String {
    let listed = &report.replaced_sales;
    let ids: Vec<String> = listed.iter().map(|id| id.get().to_string()).collect();
    let more = report
        .counts
        .orders_updated
        .saturating_sub(listed.len() as u64);
    let noun = if listed.len() == 1 && more == 0 {
        "Sale ID"
    } else {
        "Sale IDs"
    };
    match more {
        0 => format!("{noun} {}", ids.join(", ")),
        more => format!("{noun} {} and {} more", ids.join(", "), format::count(more)),
    }
}

/// The headline of a report, and the kind of notice it is shown in.
fn headline(report: &ImportReport) -> (String, &'static str) {
    let ok = report.status == ImportStatus::Succeeded;
    if report.partly_imported() {
        let c = &report.counts;
        let rejected = format!(
            "{} ({})",
            format::counted(c.sales_rejected, "sale", "sales"),
            format::counted(c.rows_rejected, "line", "lines")
        );
        let text = if report.dry_run {
            format!(
                "Check passed in part: importing the valid sales would succeed; {rejected} \
                 would be rejected. Nothing was written."
            )
        } else if report.changed_nothing() {
            format!(
                "Partly imported: {rejected} rejected and not written; the other sales were \
                 already stored as in the file."
            )
        } else {
            format!(
                "Partly imported: {rejected} rejected and not written; the other sales were imported."
            )
        };
        return (text, "warning");
    }
    let text = match (report.dry_run, ok) {
        (true, true) => "Check passed: importing this file would succeed. Nothing was written.",
        (true, false) => {
            "Check failed: importing this file would be rejected. Nothing was written."
        }
        (false, true) if report.changed_nothing() => {
            "Imported: every sale was already stored as in the file; nothing changed."
        }
        (false, true) => "Imported.",
        (false, false) => "Rejected: the file has problems; nothing was written.",
    };
    (text.to_owned(), if ok { "success" } else { "error" })
}

/// A revert's record: the import it reverts, the sales and product prices it put back and
/// what it removed (it reads no file: no rows, no file, no problems).
fn revert_view(report: &ImportReport, reverted: ImportId) -> Markup {
    let c = &report.counts;
    html! {
        section.notice.success #import-report role="status" {
            h2 { "Reverted import #" (reverted.get()) }
            dl.facts {
                dt { "Reverted" } dd #report-reverts {
                    a href=(format!("/imports/{}", reverted.get())) { "Import #" (reverted.get()) }
                }
                dt { "Sales" } dd #report-orders {
                    (format::count(c.orders_updated)) " put back as it was, "
                    (format::count(c.orders_removed)) " removed"
                }
                dt { "Products" } dd #report-products {
                    (format::counted(c.products_updated, "price", "prices")) " put back, "
                    (format::count(c.products_removed)) " removed"
                }
                dt { "Record" } dd { a href=(format!("/imports/{}", report.id.get())) { "Import #" (report.id.get()) } }
            }
        }
    }
}

/// A report: what changed (or would), and every problem listed.
/// With `problems`, the kept problems are listed under it.
fn report_view(report: &ImportReport, problems: bool) -> Markup {
    if let Some(reverted) = report.revert.reverts {
        return revert_view(report, reverted);
    }
    let c = &report.counts;
    let (headline, kind) = headline(report);
    let ok = report.status == ImportStatus::Succeeded;
    let listed = report.problems.problems();
    let more = report.problems.total().saturating_sub(listed.len() as u64);
    html! {
        section.notice.(kind) #import-report
            role=(if kind == "success" { "status" } else { "alert" })
            // After a check or a rejection, the page's script keeps the chosen file for
            // the next button (import now, or the valid sales only).
            data-keep-file[report.dry_run || !ok] {
            h2 { (headline) }
            dl.facts {
                dt { "File" } dd { (report.file_name) }
                @if ok {
                    dt { "Rows" } dd { (format::count(c.rows_total)) " read, " (format::count(c.rows_imported)) " imported, " (format::count(c.rows_rejected)) " rejected" }
                    dt { "Sales" } dd { (format::count(c.sales_total)) " in the file, " (format::count(c.sales_rejected)) " rejected" }
                } @else {
                    // Every row of a rejected file is counted as rejected: say why instead.
                    dt { "Rows" } dd { (format::count(c.rows_total)) " read, none written" }
                    dt { "Sales" } dd { (format::count(c.sales_total)) " in the file, " (format::count(c.sales_rejected)) " with problems" }
                }
                dt { "Orders" } dd #report-orders {
                    (format::count(c.orders_created)) " created, " (format::count(c.orders_updated)) " updated, "
                    (format::count(c.orders_unchanged)) " unchanged"
                }
                dt { "Products" } dd { (format::count(c.products_created)) " created, " (format::count(c.products_updated)) " repriced" }
                @if !report.replaced_sales.is_empty() {
                    dt { (if report.dry_run { "Would replace" } else { "Replaced" }) }
                    dd #report-replaced { (replaced_sales(report)) }
                }
                @if !report.dry_run {
                    dt { "Record" } dd { a href=(format!("/imports/{}", report.id.get())) { "Import #" (report.id.get()) } }
                    @if report.rejected_lines.kept > 0 {
                        dt { "Rejected lines" } dd {
                            a #report-rejected href=(format!("/imports/{}/rejected.csv", report.id.get())) download {
                                "Download the " (format::counted(report.rejected_lines.kept, "rejected line", "rejected lines")) " (CSV)"
                            }
                        }
                    }
                }
            }
        }
        @if problems && !listed.is_empty() {
            (problem_rows(report, &listed.iter().collect::<Vec<_>>()))
        }
        @if more > 0 {
            p { "…and " (format::count(more)) " more problem(s) counted but not kept." }
        }
    }
}

fn problem_rows(report: &ImportReport, shown: &[&InputProblem]) -> Markup {
    html! {
        section.panel aria-labelledby="problems-heading" {
            h2 #problems-heading {
                (format::count(shown.len() as u64)) " of " (format::count(report.problems.total())) " problem(s)"
            }
            table #import-problems {
                thead {
                    tr {
                        th.num scope="col" { "Line" }
                        th scope="col" { "Column" }
                        th scope="col" { "Value" }
                        th scope="col" { "Problem" }
                    }
                }
                tbody {
                    @for problem in shown {
                        tr {
                            td.num { @if let Some(line) = problem.line { (line) } }
                            td { @if let Some(column) = &problem.column { (column) } }
                            td { @if let Some(value) = &problem.value { code { (value) } } }
                            td { (problem.message) }
                        }
                    }
                }
            }
        }
    }
}

/// Filters an import's problems.
#[derive(Debug, Deserialize)]
pub struct ProblemQuery {
    /// Problems whose line, column, value or reason contain this text (ignoring case).
    q: Option<String>,
}

impl ProblemQuery {
    fn text(&self) -> Result<Option<String>, ApiError> {
        Ok(params::text("q", self.q.as_deref())?.filter(|q| !q.trim().is_empty()))
    }
}

/// The kept problems of `report` matching `q` (all when `None`).
fn matching<'a>(report: &'a ImportReport, q: Option<&str>) -> Vec<&'a InputProblem> {
    let q = q.map(str::to_lowercase);
    report
        .problems
        .problems()
        .iter()
        .filter(|problem| {
            let Some(q) = &q else { return true };
            let line = problem.line.map(|l| l.to_string()).unwrap_or_default();
            [
                Some(line.as_str()),
                problem.column.as_deref(),
                problem.value.as_deref(),
                Some(problem.message.as_str()),
            ]
            .into_iter()
            .flatten()
            .any(|field| field.to_lowercase().contains(q.as_str()))
        })
        .collect()
}

async fn find(state: &AppState, id: i64) -> Result<ImportReport, PageError> {
    Ok(state
        .history
        .find_import(ImportId::new(id))
        .await?
        .ok_or(ApiError::NotFound { what: "import", id })?)
}

/// One import, with its problems (filtered by `q`), and links to download them and its reject
/// file.
#[get("/imports/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    query: PageQuery<ProblemQuery>,
) -> Result<HttpResponse, PageError> {
    let viewer = session::admit(&request, &state, KeyScope::Read).await?;
    let id = params::id("id", &id)?;
    let q = query.text()?;
    let report = find(&state, id).await?;
    let title = format!("Import #{id}");
    let shown = matching(&report, q.as_deref());
    let encoded = q.as_deref().map(|q| {
        percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC).to_string()
    });
    let problems_link = match &encoded {
        Some(q) => format!("/imports/{id}/problems.csv?q={q}"),
        None => format!("/imports/{id}/problems.csv"),
    };
    Ok(layout::page(
        Section::Imports,
        &viewer,
        &title,
        html! {
            p { a href="/imports" { "← All imports" } }
            (report_view(&report, false))
            @if report.problems.total() > 0 {
                form.filters method="get" action=(format!("/imports/{id}")) role="search" {
                    label for="problem-filter" { "Show problems containing" }
                    input #problem-filter type="search" name="q" value=(q.as_deref().unwrap_or("")) maxlength="255";
                    button type="submit" { "Filter" }
                }
                p #problem-downloads {
                    a href=(problems_link) download { "Download these problems (CSV)" }
                    " · "
                    a href=(format!("/imports/{id}/rejected.csv")) download { "Download the rejected lines, verbatim (CSV)" }
                }
                (problem_rows(&report, &shown))
            }
            @if report.revert.reverts.is_some() {
                p.hint { "Started " (format::moment(report.started_at))
                    @if let Some(key) = &report.requested_by { ", by key " (key) }
                    @if let Some(source) = report.source { ", " (revert_source_phrase(source)) } "." }
            } @else {
                p.hint { "Started " (format::moment(report.started_at)) ", " (mode_words(report.mode))
                    @if let Some(key) = &report.requested_by { ", by key " (key) }
                    @if let Some(source) = report.source { ", " (source_phrase(source)) } "." }
            }
            @if let Some(by) = report.revert.reverted_by {
                // Reverted already: a check would only be refused.
                p #reverted-by {
                    "Reverted by " a href=(format!("/imports/{}", by.get())) { "import #" (by.get()) } "."
                }
            } @else if report.status == ImportStatus::Succeeded && can_write(&viewer) {
                (revert_form(id, true))
            }
        },
    ))
}

/// Whether the viewer may write (an open dashboard, or a write key).
fn can_write(viewer: &layout::Viewer) -> bool {
    viewer.key_name().is_none() || viewer.scope_label() == "write key"
}

/// The form that checks what reverting import `id` would change (`check`), or confirms it.
fn revert_form(id: i64, check: bool) -> Markup {
    let (action, label) = if check {
        (
            format!("/imports/{id}/revert?dry_run=true"),
            "Check what reverting this import would change".to_owned(),
        )
    } else {
        (
            format!("/imports/{id}/revert"),
            format!("Revert import #{id}"),
        )
    };
    html! {
        form #revert-form.panel method="post" action=(action) {
            @if check {
                button.secondary type="submit" { (label) }
            } @else {
                button type="submit" { (label) }
            }
        }
    }
}

/// The Sale IDs a revert puts back or removes (the first the plan lists), each linked to its
/// order: "Sale ID 3971", "Sale IDs 3965, 3971 and 12 more".
fn reverted_sales(plan: &RevertPlan) -> Markup {
    let listed = &plan.sales;
    let more = (plan.orders_restored + plan.orders_removed).saturating_sub(listed.len() as u64);
    let noun = if listed.len() == 1 && more == 0 {
        "Sale ID"
    } else {
        "Sale IDs"
    };
    html! {
        @if !listed.is_empty() {
            p #revert-sales {
                (noun) " "
                @for (n, sale) in listed.iter().enumerate() {
                    @if n > 0 { ", " }
                    a href=(format!("/orders?sale_id={}", sale.get())) { (sale.get()) }
                }
                @if more > 0 { " and " (format::count(more)) " more" }
            }
        }
    }
}

/// `text` as a sentence: its first letter a capital, a full stop at its end.
fn sentence(text: &str) -> String {
    let mut said = format::capitalised(text);
    if !said.ends_with(['.', '!', '?']) {
        said.push('.');
    }
    said
}

#[derive(Debug, Deserialize)]
pub struct RevertFormQuery {
    dry_run: Option<String>,
}

/// Reverts import `id` from the dashboard (a write key needed): with `dry_run`, shows what
/// would change and a form to confirm; else reverts and shows what changed. A refusal is shown
/// on the page with what to do.
#[post("/imports/{id}/revert")]
pub async fn revert(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    query: PageQuery<RevertFormQuery>,
) -> Result<HttpResponse, PageError> {
    session::same_site_form(&request)?;
    let viewer = session::admit(&request, &state, KeyScope::Write).await?;
    let id = params::id("id", &id)?;
    let dry_run = params::flag("dry_run", query.dry_run.as_deref())?;
    let use_case = RevertImport::new(state.reverts.clone()).with_versions(state.versions.clone());
    let done = if dry_run {
        use_case
            .plan(ImportId::new(id))
            .await
            .map(|plan| (plan, None))
    } else {
        use_case
            .revert(
                ImportId::new(id),
                viewer.access().key_name().cloned(),
                ImportSource::Api,
            )
            .await
            .map(|done| (done.plan, Some(done.revert)))
    };
    let body = match done {
        Ok((plan, revert)) => {
            let verb = if revert.is_some() { "" } else { "would be " };
            let as_it_was = if plan.orders_restored == 1 {
                "as it was"
            } else {
                "as they were"
            };
            html! {
                p #revert-plan {
                    (format::counted(plan.orders_restored, "sale", "sales")) " " (verb) "put back " (as_it_was) ", "
                    (format::counted(plan.orders_removed, "sale", "sales")) " " (verb) "removed; "
                    (format::counted(plan.products_restored, "product price", "product prices")) " " (verb) "put back, "
                    (format::counted(plan.products_removed, "product", "products")) " " (verb) "removed."
                }
                (reverted_sales(&plan))
                @match revert {
                    Some(revert) => p #revert-done {
                        "Done, recorded as "
                        a href=(format!("/imports/{}", revert.get())) { "import #" (revert.get()) }
                        " (which can be reverted in turn)."
                    },
                    None => (revert_form(id, false)),
                }
            }
        }
        Err(refused) => {
            let total = match &refused {
                RevertError::Conflict { total, .. } => *total,
                _ => 0,
            };
            let error = ApiError::from(refused);
            if error.status_code().is_server_error() || error.status_code() == StatusCode::NOT_FOUND
            {
                return Err(error.into());
            }
            let problem = error.problem();
            let listed = problem.conflicts.as_ref().map_or(0, Vec::len) as u64;
            html! {
                section.notice.error #revert-refusal role="alert" {
                    h2 { (problem.title) }
                    p #revert-refused { (sentence(&problem.detail)) " Nothing was changed." }
                    @if let Some(conflicts) = &problem.conflicts {
                        ul #revert-conflicts {
                            @for conflict in conflicts {
                                li { "Sale "
                                    a href=(format!("/orders?sale_id={}", conflict.sale_id)) { (conflict.sale_id) }
                                    " changed since by "
                                    @for (n, later) in conflict.touched_by.iter().enumerate() {
                                        @if n > 0 { ", " }
                                        a href=(format!("/imports/{later}")) { "import #" (later) }
                                    }
                                }
                            }
                        }
                        @if total > listed {
                            p { "…and " (format::counted(total - listed, "more sale", "more sales")) "." }
                        }
                    }
                }
            }
        }
    };
    let title = format!("Revert import #{id}");
    Ok(layout::page(
        Section::Imports,
        &viewer,
        &title,
        html! {
            p { a href=(format!("/imports/{id}")) { "← Import #" (id) } }
            (body)
        },
    ))
}

/// The problems of import `id` (filtered by `q`) as CSV: line, column, value, problem, each
/// cell a spreadsheet would run as a formula marked as text (`zinc_domain::formula`).
#[get("/imports/{id}/problems.csv")]
pub async fn problems_csv(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    query: PageQuery<ProblemQuery>,
) -> Result<HttpResponse, PageError> {
    session::admit(&request, &state, KeyScope::Read).await?;
    let id = params::id("id", &id)?;
    let q = query.text()?;
    let report = find(&state, id).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = (|| {
        writer.write_record(["Line", "Column", "Value", "Problem"])?;
        for problem in matching(&report, q.as_deref()) {
            let line = problem.line.map(|l| l.to_string()).unwrap_or_default();
            let cells = [
                line.as_str(),
                problem.column.as_deref().unwrap_or(""),
                problem.value.as_deref().unwrap_or(""),
                problem.message.as_str(),
            ];
            // A value a spreadsheet would run as a formula is written as text.
            writer.write_record(cells.map(formula::written).iter().map(|c| c.as_bytes()))?;
        }
        writer.flush()
    })();
    written.map_err(|e| ApiError::internal("writing the problems", e))?;
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::internal("writing the problems", e.into_error()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{id}-problems.csv\""),
        ))
        .body(body))
}

/// The reject file of import `id`, as the API serves it (for a signed-in browser).
#[get("/imports/{id}/rejected.csv")]
pub async fn rejected_csv(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    session::admit(&request, &state, KeyScope::Read).await?;
    let id = params::id("id", &id)?;
    Ok(crate::api::imports::reject_file_response(&state, id).await?)
}
