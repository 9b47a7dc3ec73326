//! Planner statistics after an import. PostgreSQL plans from what the last `ANALYZE` saw; a
//! bulk load makes that stale until autovacuum catches up, which a busy database (or one with
//! autovacuum off) may not do for a while ("Populating a Database" in PostgreSQL's manual:
//! run `ANALYZE` afterwards). So an import analyses, once it has committed, each table it
//! changed substantially, by autovacuum's own rule: more rows written than
//! `autovacuum_analyze_threshold + autovacuum_analyze_scale_factor * rows in the table`.

use sea_orm::sqlx::{self, AssertSqlSafe};
use tracing::{debug, warn};

use crate::database::Reach;
use crate::error::{sqlx_error, within};
use crate::sql::Fixed;

/// The tables among `$1` whose rows written (`$2`, in step) pass autovacuum's analyze threshold
/// against the rows the table had at its last analysis (none when never analysed).
const STALE: Fixed<2> = Fixed::new(
    "SELECT w.name FROM unnest($1::text[], $2::float8[]) AS w(name, written) \
     JOIN pg_class c ON c.oid = to_regclass(w.name) \
     WHERE w.written > current_setting('autovacuum_analyze_threshold')::float8 \
       + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)",
);

/// Rows an import wrote (inserted, updated or deleted), table by table.
#[derive(Debug, Default)]
pub(super) struct Written(Vec<(&'static str, u64)>);

impl Written {
    /// Counts `rows` more written to `table`.
    pub(super) fn add(&mut self, table: &'static str, rows: u64) {
        match self.0.iter_mut().find(|(name, _)| *name == table) {
            Some((_, written)) => *written += rows,
            None => self.0.push((table, rows)),
        }
    }

    /// Analyses the tables these writes changed substantially, skipping any another session
    /// holds (autovacuum, or a concurrent import analysing it). The import has committed: a
    /// failure here costs only fresh statistics, so it is logged, not returned.
    pub(super) async fn refresh_statistics(&self, reach: &Reach) {
        if self.0.is_empty() {
            return;
        }
        match within(reach.reply_timeout, self.analyse_stale(reach)).await {
            Ok(analysed) if analysed.is_empty() => debug!("no table needs new statistics"),
            Ok(analysed) => debug!(tables = ?analysed, "analysed the tables the import changed"),
            Err(error) => warn!(%error, "could not refresh statistics after an import"),
        }
    }

    async fn analyse_stale(
        &self,
        reach: &Reach,
    ) -> Result<Vec<&'static str>, zinc_ports::StoreError> {
        let pool = reach.db.get_postgres_connection_pool();
        let names: Vec<String> = self.0.iter().map(|(name, _)| name.to_string()).collect();
        let written: Vec<f64> = self.0.iter().map(|(_, rows)| *rows as f64).collect();
        let stale = crate::sql::on_sqlx(&STALE.with([names.into(), written.into()]))
            .fetch_all(pool)
            .await
            .map_err(sqlx_error)?;
        let stale: Vec<String> = stale
            .into_iter()
            .map(|row| crate::sql::get(&sea_orm::QueryResult::from(row), "name"))
            .collect::<Result<_, _>>()?;
        // Only this module's own table names go into the statement, never text read back.
        let analysed: Vec<&'static str> = self
            .0
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| stale.iter().any(|s| s == name))
            .collect();
        if !analysed.is_empty() {
            let sql = format!("ANALYZE (SKIP_LOCKED) {}", analysed.join(", "));
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(pool)
                .await
                .map_err(sqlx_error)?;
        }
        Ok(analysed)
    }
}
