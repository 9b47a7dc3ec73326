//! The `imports` table: an import's record, its columns written once, in [`Model`] (a sea-orm
//! entity). The statements that open, finish and read a record are derived from it, as is the
//! conversion from and to the domain's [`ImportReport`].

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ActiveValue::Set, FromQueryResult, Iterable, QueryResult, QueryTrait, Statement};
use serde::Deserialize;
use zinc_domain::{
    ImportCounts, ImportId, ImportMode, ImportReport, ImportSource, ImportStatus, InputProblem,
    KeyName, ProblemLog, RejectedLineCounts, RejectedLines, RevertLinks, SaleId,
};
use zinc_ports::{ImportStart, StoreError};

use crate::error::Inconsistency;
use crate::sql::{built, get};

/// A row of `imports` (`created_at` and `updated_at` are left to the database).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub file_name: String,
    pub sha256: Option<String>,
    pub mode: String,
    pub status: String,
    pub rows_total: i64,
    pub rows_imported: i64,
    pub rows_rejected: i64,
    pub sales_total: i64,
    pub sales_rejected: i64,
    pub orders_created: i64,
    pub orders_updated: i64,
    pub orders_unchanged: i64,
    pub products_created: i64,
    pub products_updated: i64,
    #[sea_orm(column_type = "JsonBinary")]
    pub problems: Json,
    pub problems_total: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub requested_by: Option<String>,
    pub replaced_sales: Vec<i64>,
    pub rejected_header: Option<Vec<u8>>,
    pub rejected_lines_omitted: i64,
    pub source: Option<String>,
    pub orders_removed: i64,
    pub products_removed: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The status of a record while its import runs (hidden from readers).
const RUNNING: &str = "running";

/// The columns written when an import starts, never changed afterwards.
const START_COLUMNS: [Column; 5] = [
    Column::FileName,
    Column::Mode,
    Column::StartedAt,
    Column::RequestedBy,
    Column::Source,
];

/// How many lines of an import's reject file are kept (computed, not stored in `imports`).
const REJECTED_LINES_KEPT: &str = "rejected_lines_kept";

/// The import a revert reverts (from `kept_versions`, not stored in `imports`).
const REVERTS: &str = "reverts";

/// The revert that reverted an import (from `kept_versions`, not stored in `imports`).
const REVERTED_BY: &str = "reverted_by";

/// The record of an import starting (status running), answering its `id`.
pub(crate) fn start(start: &ImportStart) -> Statement {
    let record = ActiveModel {
        file_name: Set(start.file_name.clone()),
        mode: Set(start.mode.as_str().to_owned()),
        status: Set(RUNNING.to_owned()),
        started_at: Set(start.started_at),
        requested_by: Set(start
            .requested_by
            .as_ref()
            .map(|key| key.as_str().to_owned())),
        source: Set(Some(start.source.as_str().to_owned())),
        ..Default::default()
    };
    let mut insert = Entity::insert(record).into_query();
    insert.returning_col(Column::Id);
    built(&insert)
}

/// Completes the record [`start`] wrote with the import's report and reject file.
pub(crate) fn finish(
    report: &ImportReport,
    rejected: &RejectedLines,
) -> Result<Statement, StoreError> {
    let mut record = record(report, rejected)?;
    for column in START_COLUMNS.into_iter().chain([Column::Id]) {
        record.not_set(column);
    }
    let mut update = Entity::update_many()
        .set(record)
        .filter(Column::Id.eq(report.id.get()))
        .into_query();
    update.value(Alias::new("updated_at"), Expr::cust("now()"));
    Ok(built(&update))
}

/// The whole record of an import that was rejected (its transaction rolled back, the record
/// with it).
pub(crate) fn insert(
    report: &ImportReport,
    rejected: &RejectedLines,
) -> Result<Statement, StoreError> {
    Ok(built(
        &Entity::insert(record(report, rejected)?).into_query(),
    ))
}

/// Every column of the report.
fn record(report: &ImportReport, rejected: &RejectedLines) -> Result<ActiveModel, StoreError> {
    let c = &report.counts;
    let count = |n: u64| Set(n as i64);
    let problems = serde_json::to_value(report.problems.problems())
        .map_err(|error| StoreError::Failed(Box::new(error)))?;
    Ok(ActiveModel {
        id: Set(report.id.get()),
        file_name: Set(report.file_name.clone()),
        // A revert reads no file: it has no digest.
        sha256: Set((!report.sha256.is_empty()).then(|| report.sha256.clone())),
        mode: Set(report.mode.as_str().to_owned()),
        status: Set(report.status.as_str().to_owned()),
        rows_total: count(c.rows_total),
        rows_imported: count(c.rows_imported),
        rows_rejected: count(c.rows_rejected),
        sales_total: count(c.sales_total),
        sales_rejected: count(c.sales_rejected),
        orders_created: count(c.orders_created),
        orders_updated: count(c.orders_updated),
        orders_unchanged: count(c.orders_unchanged),
        products_created: count(c.products_created),
        products_updated: count(c.products_updated),
        problems: Set(problems),
        problems_total: count(report.problems.total()),
        started_at: Set(report.started_at),
        finished_at: Set(Some(report.finished_at)),
        requested_by: Set(report
            .requested_by
            .as_ref()
            .map(|key| key.as_str().to_owned())),
        replaced_sales: Set(report.replaced_sales.iter().map(|id| id.get()).collect()),
        rejected_header: Set(Some(rejected.header().to_vec())),
        rejected_lines_omitted: count(rejected.counts().omitted),
        source: Set(report.source.map(|source| source.as_str().to_owned())),
        orders_removed: count(c.orders_removed),
        products_removed: count(c.products_removed),
    })
}

/// The finished imports' records, as [`report`] reads them, with the import each revert
/// reverts and the revert that reverted each import (`kept_versions`); their problems only
/// when `with_problems` (else an empty list).
pub(crate) fn finished(with_problems: bool) -> SelectStatement {
    let mut select = Query::select();
    for column in Column::iter() {
        if matches!(column, Column::Problems) && !with_problems {
            select.expr_as(Expr::cust("'[]'::jsonb"), column);
        } else {
            select.column((Entity, column));
        }
    }
    select
        .expr_as(
            Expr::cust(
                "(SELECT count(*) FROM import_rejected_lines r WHERE r.import_id = imports.id)",
            ),
            Alias::new(REJECTED_LINES_KEPT),
        )
        .expr_as(
            Expr::cust("(SELECT k.reverts FROM kept_versions k WHERE k.import_id = imports.id)"),
            Alias::new(REVERTS),
        )
        .expr_as(
            Expr::cust("(SELECT k.import_id FROM kept_versions k WHERE k.reverts = imports.id)"),
            Alias::new(REVERTED_BY),
        )
        .from(Entity)
        .and_where(Expr::col((Entity, Column::Status)).ne(RUNNING));
    select
}

/// The import whose id is `id`, if finished.
pub(crate) fn finished_one(id: ImportId, with_problems: bool) -> SelectStatement {
    let mut select = finished(with_problems);
    select.and_where(Expr::col((Entity, Column::Id)).eq(id.get()));
    select
}

/// The import's reject file: its name, header and lines not kept (selected by
/// [`finished_one`]'s conditions).
pub(crate) fn reject_file_of(id: ImportId) -> SelectStatement {
    let mut select = finished_one(id, false);
    select.clear_selects();
    select.columns([
        (Entity, Column::FileName),
        (Entity, Column::RejectedHeader),
        (Entity, Column::RejectedLinesOmitted),
    ]);
    select
}

/// A problem as the `problems` column stores it.
#[derive(Deserialize)]
struct StoredProblem {
    line: Option<u64>,
    column: Option<String>,
    value: Option<String>,
    message: String,
    sale_id: Option<i64>,
}

/// The choice whose name `column` holds.
fn one_of<T, const N: usize>(
    column: &str,
    stored: &str,
    choices: [(&str, T); N],
) -> Result<T, StoreError> {
    choices
        .into_iter()
        .find_map(|(name, choice)| (name == stored).then_some(choice))
        .ok_or_else(|| Inconsistency::breaks_rule(column, format!("unknown {column} {stored:?}")))
}

/// The report of a row selected by [`finished`].
pub(crate) fn report(row: &QueryResult) -> Result<ImportReport, StoreError> {
    let record = Model::from_query_result(row, "").map_err(|error| {
        StoreError::Inconsistent(Box::new(Inconsistency::Unreadable {
            column: "an import's record".to_owned(),
            source: Box::new(error),
        }))
    })?;
    let kept = get::<i64>(row, REJECTED_LINES_KEPT)? as u64;
    let revert = RevertLinks {
        reverts: get::<Option<i64>>(row, REVERTS)?.map(ImportId::new),
        reverted_by: get::<Option<i64>>(row, REVERTED_BY)?.map(ImportId::new),
    };
    let count = |n: i64| n as u64;
    let problems: Vec<StoredProblem> = serde_json::from_value(record.problems)
        .map_err(|e| Inconsistency::breaks_rule("problems", e))?;
    let problems = problems
        .into_iter()
        .map(|p| InputProblem {
            line: p.line,
            column: p.column,
            value: p.value,
            message: p.message,
            sale_id: p.sale_id.and_then(|id| SaleId::new(id).ok()),
        })
        .collect();
    let mode = one_of(
        "mode",
        &record.mode,
        [ImportMode::Strict, ImportMode::SkipInvalid].map(|mode| (mode.as_str(), mode)),
    )?;
    let status = one_of(
        "status",
        &record.status,
        [ImportStatus::Succeeded, ImportStatus::Rejected].map(|status| (status.as_str(), status)),
    )?;
    Ok(ImportReport {
        id: ImportId::new(record.id),
        file_name: record.file_name,
        sha256: record.sha256.unwrap_or_default(),
        mode,
        status,
        counts: ImportCounts {
            rows_total: count(record.rows_total),
            rows_imported: count(record.rows_imported),
            rows_rejected: count(record.rows_rejected),
            sales_total: count(record.sales_total),
            sales_rejected: count(record.sales_rejected),
            orders_created: count(record.orders_created),
            orders_updated: count(record.orders_updated),
            orders_unchanged: count(record.orders_unchanged),
            products_created: count(record.products_created),
            products_updated: count(record.products_updated),
            orders_removed: count(record.orders_removed),
            products_removed: count(record.products_removed),
        },
        problems: ProblemLog::restore(problems, count(record.problems_total)),
        started_at: record.started_at,
        finished_at: record.finished_at.unwrap_or(record.started_at),
        requested_by: record
            .requested_by
            .map(|name| {
                KeyName::parse(&name).map_err(|e| Inconsistency::breaks_rule("requested_by", e))
            })
            .transpose()?,
        source: record
            .source
            .map(|name| {
                ImportSource::parse(&name).ok_or_else(|| {
                    Inconsistency::breaks_rule("source", format!("unknown source {name:?}"))
                })
            })
            .transpose()?,
        dry_run: false,
        replaced_sales: record
            .replaced_sales
            .into_iter()
            .map(|id| SaleId::new(id).map_err(|e| Inconsistency::breaks_rule("replaced_sales", e)))
            .collect::<Result<_, _>>()?,
        rejected_lines: RejectedLineCounts {
            kept,
            omitted: count(record.rejected_lines_omitted),
        },
        revert,
    })
}
