//! The rollups (`sales_by_day`, `product_sales_by_day`, `product_sales_by_month`,
//! `product_sales_by_month_all`, `product_sales_by_year_all` and `product_sales_by_year`): the
//! one place that knows how they are derived from orders and items.
//!
//! - An import notes in `zinc_touched_days` the days (date and location) whose sums its writes
//!   change, old and new ([`touch_changed_days`]), and refreshes the rollups of exactly those
//!   days once it has written ([`refresh_touched`]): readers see orders and sums change together.
//!   A day no stored sale had before the import (`fresh`: a first import, or a new day's sales)
//!   is summed from the rows the import staged, without reading orders and items back; the other
//!   touched days are recomputed from the orders as they now are.
//! - [`PostgresRollups`] verifies them against a recomputation and rebuilds them.
//!
//! A derivation is written once, for any [`Scope`]: the touched days or everything. The monthly
//! rollup is summed from the daily one, the monthly one over all locations from it, and the
//! yearly one from that; the yearly one per location from the monthly one per location. Each
//! is derived after the one it sums.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TransactionTrait};
use tracing::instrument;
use zinc_domain::{DateBounds, Location, ProductId};
use zinc_ports::{Rollup, RollupDrift, RollupDrifts, RollupSums, RollupUpkeep, StoreError};

use crate::database::{BulkBound, Database, Reach, WRITE_LOCK_KEY};
use crate::error::{Inconsistency, store_error, within};
use crate::sql::{decimal, get};

/// The daily sums of orders per location.
pub(crate) const DAILY: &str = "sales_by_day";
/// The daily sums of each product's sales per location.
pub(crate) const DAILY_BY_PRODUCT: &str = "product_sales_by_day";
/// The monthly sums of each product's sales per location.
pub(crate) const MONTHLY_BY_PRODUCT: &str = "product_sales_by_month";
/// The monthly sums of each product's sales over all locations.
pub(crate) const MONTHLY_BY_PRODUCT_ALL: &str = "product_sales_by_month_all";
/// The yearly sums of each product's sales over all locations.
pub(crate) const YEARLY_BY_PRODUCT_ALL: &str = "product_sales_by_year_all";
/// The yearly sums of each product's sales at each location.
pub(crate) const YEARLY_BY_PRODUCT: &str = "product_sales_by_year";

/// The days an import touched: created in its transaction, dropped when it ends.
pub(crate) const TOUCHED_DAYS_DDL: &str = "CREATE TEMPORARY TABLE zinc_touched_days \
    (date date, location text, fresh boolean NOT NULL DEFAULT true, PRIMARY KEY (date, location)) \
    ON COMMIT DROP;";

/// Which days a derivation covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The days listed in `zinc_touched_days` that are not fresh (and, for a monthly rollup,
    /// the months of every touched day).
    Touched,
    /// Every day.
    Everything,
}

/// How one rollup is stored and derived.
struct Definition {
    rollup: Rollup,
    table: &'static str,
    /// Its key columns; the first is the date (the month's first day for a monthly rollup).
    key: &'static [&'static str],
    /// Its sums, in the order `derive` selects them after the key.
    sums: &'static [&'static str],
    /// The order its inserts write rows in (1-based positions of its key columns): the order
    /// its readers want a table's rows laid out in. A bulk import writes rows to the end of the
    /// table in that order, so that a reader of one product's rows finds them together.
    write_order: &'static [usize],
    /// `SELECT key..., sums...` recomputed over a scope.
    derive: fn(Scope) -> String,
    /// The same for the fresh touched days, from what the import staged: its changed orders
    /// (`zinc_changed`) and the lines given (every line of a changed sale on a fresh day). `None`
    /// for a rollup derived from another one.
    from_staged: Option<fn(&str) -> String>,
    /// `USING ... WHERE ...` matching its rows `r` to the touched days.
    touched: fn() -> String,
}

/// The sums of every product rollup, in the order each selects them after its key.
const PRODUCT_SUMS: [&str; 3] = ["quantity", "revenue", "orders"];

/// [`PRODUCT_SUMS`] added up over the rows `alias` of a finer product rollup (a month's days,
/// a year's months, a month's locations).
fn summed_product_sums(alias: &str) -> String {
    format!(
        "sum({alias}.quantity)::bigint AS quantity, sum({alias}.revenue) AS revenue, \
         sum({alias}.orders)::bigint AS orders"
    )
}

/// Matches rows `r` of a daily rollup to the touched days.
fn touched_days() -> String {
    "USING zinc_touched_days t WHERE r.date = t.date AND r.location = t.location".to_owned()
}

/// Orders `o` within the scope.
fn orders_in(scope: Scope) -> &'static str {
    match scope {
        Scope::Touched => {
            "orders o JOIN zinc_touched_days t \
             ON t.date = o.date AND t.location = o.location AND NOT t.fresh"
        }
        Scope::Everything => "orders o",
    }
}

/// Joins the fresh touched days `f` (the rest of the join's condition follows).
const FRESH: &str = "JOIN zinc_touched_days f ON f.fresh AND";

/// The months (first day and location) of the touched days.
const TOUCHED_MONTHS: &str = "(SELECT DISTINCT date_trunc('month', date)::date AS month, \
    location FROM zinc_touched_days)";

/// The months of the touched days, whatever their location.
const TOUCHED_MONTHS_ANYWHERE: &str = "(SELECT DISTINCT month FROM \
    (SELECT DISTINCT date_trunc('month', date)::date AS month, location \
    FROM zinc_touched_days) x)";

/// The years (first day) of the touched days.
const TOUCHED_YEARS: &str =
    "(SELECT DISTINCT date_trunc('year', date)::date AS year FROM zinc_touched_days)";

/// The years (first day) and locations of the touched days.
const TOUCHED_YEARS_AT: &str = "(SELECT DISTINCT date_trunc('year', date)::date AS year, \
    location FROM zinc_touched_days)";

const DEFINITIONS: [Definition; 6] = [
    Definition {
        rollup: Rollup::DailySales,
        table: DAILY,
        key: &["date", "location"],
        sums: &["revenue", "orders"],
        write_order: &[1, 2],
        derive: |scope| {
            format!(
                "SELECT o.date, o.location, sum(o.total) AS revenue, count(*) AS orders \
                 FROM {} GROUP BY o.date, o.location",
                orders_in(scope)
            )
        },
        from_staged: Some(|_| {
            format!(
                "SELECT c.date, c.location, sum(c.total) AS revenue, count(*) AS orders \
                 FROM zinc_changed c {FRESH} f.date = c.date AND f.location = c.location \
                 GROUP BY c.date, c.location"
            )
        }),
        touched: touched_days,
    },
    Definition {
        rollup: Rollup::DailyProductSales,
        table: DAILY_BY_PRODUCT,
        key: &["date", "location", "product_id"],
        sums: &PRODUCT_SUMS,
        write_order: &[3, 1, 2],
        derive: |scope| {
            format!(
                "SELECT o.date, o.location, i.product_id, sum(i.quantity) AS quantity, \
                   sum(i.total) AS revenue, count(DISTINCT i.order_id) AS orders \
                 FROM {} JOIN order_items i ON i.order_id = o.id \
                 GROUP BY o.date, o.location, i.product_id",
                orders_in(scope)
            )
        },
        // A sale counts once for each of its products: on the first of its lines with it.
        // Summed per product name first: only the sums meet the products and the days.
        from_staged: Some(|lines| {
            format!(
                "SELECT s.date, s.location, p.id, s.quantity, s.revenue, s.orders \
                 FROM (SELECT l.date, l.location, l.product, sum(l.quantity) AS quantity, \
                         sum(l.total) AS revenue, \
                         count(*) FILTER (WHERE l.first_of_product) AS orders \
                       FROM {lines} GROUP BY l.date, l.location, l.product) s \
                 {FRESH} f.date = s.date AND f.location = s.location \
                 JOIN products p ON p.name = s.product"
            )
        }),
        touched: touched_days,
    },
    Definition {
        rollup: Rollup::MonthlyProductSales,
        table: MONTHLY_BY_PRODUCT,
        key: &["month", "location", "product_id"],
        sums: &PRODUCT_SUMS,
        write_order: &[1, 2, 3],
        derive: |scope| {
            let days = match scope {
                Scope::Touched => format!(
                    "{DAILY_BY_PRODUCT} d JOIN {TOUCHED_MONTHS} t ON d.location = t.location \
                     AND d.date >= t.month AND d.date < (t.month + interval '1 month')::date"
                ),
                Scope::Everything => format!("{DAILY_BY_PRODUCT} d"),
            };
            format!(
                "SELECT date_trunc('month', d.date)::date AS month, d.location, d.product_id, \
                   {} FROM {days} GROUP BY 1, 2, 3",
                summed_product_sums("d")
            )
        },
        from_staged: None,
        touched: || {
            format!("USING {TOUCHED_MONTHS} t WHERE r.month = t.month AND r.location = t.location")
        },
    },
    Definition {
        rollup: Rollup::MonthlyProductTotals,
        table: MONTHLY_BY_PRODUCT_ALL,
        key: &["month", "product_id"],
        sums: &PRODUCT_SUMS,
        write_order: &[1, 2],
        derive: |scope| {
            let months = match scope {
                Scope::Touched => format!(
                    "{MONTHLY_BY_PRODUCT} m JOIN {TOUCHED_MONTHS_ANYWHERE} t ON m.month = t.month"
                ),
                Scope::Everything => format!("{MONTHLY_BY_PRODUCT} m"),
            };
            // An order has one location: its counts add up over them.
            format!(
                "SELECT m.month, m.product_id, {} FROM {months} GROUP BY 1, 2",
                summed_product_sums("m")
            )
        },
        from_staged: None,
        touched: || format!("USING {TOUCHED_MONTHS_ANYWHERE} t WHERE r.month = t.month"),
    },
    Definition {
        rollup: Rollup::YearlyProductTotals,
        table: YEARLY_BY_PRODUCT_ALL,
        key: &["year", "product_id"],
        sums: &PRODUCT_SUMS,
        write_order: &[1, 2],
        derive: |scope| {
            let months = match scope {
                Scope::Touched => format!(
                    "{MONTHLY_BY_PRODUCT_ALL} m JOIN {TOUCHED_YEARS} t ON m.month >= t.year \
                     AND m.month < (t.year + interval '1 year')::date"
                ),
                Scope::Everything => format!("{MONTHLY_BY_PRODUCT_ALL} m"),
            };
            format!(
                "SELECT date_trunc('year', m.month)::date AS year, m.product_id, {} \
                 FROM {months} GROUP BY 1, 2",
                summed_product_sums("m")
            )
        },
        from_staged: None,
        touched: || format!("USING {TOUCHED_YEARS} t WHERE r.year = t.year"),
    },
    Definition {
        rollup: Rollup::YearlyProductSales,
        table: YEARLY_BY_PRODUCT,
        key: &["year", "location", "product_id"],
        sums: &PRODUCT_SUMS,
        write_order: &[1, 2, 3],
        derive: |scope| {
            let months = match scope {
                Scope::Touched => format!(
                    "{MONTHLY_BY_PRODUCT} m JOIN {TOUCHED_YEARS_AT} t ON m.location = t.location \
                     AND m.month >= t.year AND m.month < (t.year + interval '1 year')::date"
                ),
                Scope::Everything => format!("{MONTHLY_BY_PRODUCT} m"),
            };
            format!(
                "SELECT date_trunc('year', m.month)::date AS year, m.location, m.product_id, {} \
                 FROM {months} GROUP BY 1, 2, 3",
                summed_product_sums("m")
            )
        },
        from_staged: None,
        touched: || {
            format!("USING {TOUCHED_YEARS_AT} t WHERE r.year = t.year AND r.location = t.location")
        },
    },
];

impl Definition {
    fn columns(&self) -> String {
        self.key
            .iter()
            .chain(self.sums)
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Deletes the rows of the scope and inserts their recomputation.
    fn replace(&self, scope: Scope) -> String {
        let delete = match scope {
            Scope::Touched => format!("DELETE FROM {} r {};", self.table, (self.touched)()),
            Scope::Everything => format!("DELETE FROM {};", self.table),
        };
        format!(
            "{delete}\nINSERT INTO {} ({}) {} ORDER BY {};\n",
            self.table,
            self.columns(),
            (self.derive)(scope),
            self.write_order()
        )
    }

    /// `ORDER BY` positions writing rows in [`Definition::write_order`].
    fn write_order(&self) -> String {
        let positions: Vec<String> = self.write_order.iter().map(usize::to_string).collect();
        positions.join(", ")
    }

    /// Inserts the rows of the fresh touched days summed from what the import staged (after
    /// [`Definition::replace`] deleted any row they had).
    fn insert_fresh(&self, lines: &str) -> Option<String> {
        self.from_staged.map(|derive| {
            format!(
                "INSERT INTO {} ({}) {} ORDER BY {};\n",
                self.table,
                self.columns(),
                derive(lines),
                self.write_order()
            )
        })
    }

    /// The rows where the stored rollup and its recomputation differ, in the shape
    /// [`drift`] reads (`rank` orders the rollups in the listing).
    fn differences(&self, rank: usize) -> String {
        let on: Vec<String> = self.key.iter().map(|k| format!("s.{k} = d.{k}")).collect();
        let side = |alias: &str| {
            let figure = |name: &str| {
                if self.sums.contains(&name) {
                    format!("{alias}.{name}")
                } else {
                    "NULL::bigint".to_owned()
                }
            };
            format!(
                "{alias}.{date} IS NOT NULL AS {alias}_present, {revenue} AS {alias}_revenue, \
                 {orders} AS {alias}_orders, {quantity} AS {alias}_quantity",
                date = self.key[0],
                revenue = figure("revenue"),
                orders = figure("orders"),
                quantity = figure("quantity"),
            )
        };
        // Scale counts: a sum shown as 27.25 instead of 27.250 is a drift too.
        let compared = |alias: &str| {
            let mut values: Vec<String> = self
                .sums
                .iter()
                .map(|figure| format!("{alias}.{figure}"))
                .collect();
            values.push(format!("scale({alias}.revenue)"));
            format!("({})", values.join(", "))
        };
        let product = if self.key.contains(&"product_id") {
            "coalesce(s.product_id, d.product_id)"
        } else {
            "NULL::bigint"
        };
        let location = if self.key.contains(&"location") {
            "coalesce(s.location, d.location)"
        } else {
            "NULL::text"
        };
        format!(
            "SELECT {rank} AS rank, coalesce(s.{date}, d.{date}) AS date, \
               {location} AS location, {product} AS product_id, \
               {stored}, {expected} \
             FROM {table} s FULL JOIN ({derived}) d ON {on} \
             WHERE {stored_values} IS DISTINCT FROM {expected_values}",
            date = self.key[0],
            stored = side("s"),
            expected = side("d"),
            table = self.table,
            derived = (self.derive)(Scope::Everything),
            on = on.join(" AND "),
            stored_values = compared("s"),
            expected_values = compared("d"),
        )
    }
}

/// Notes the days whose sums an import's writes change, from its `zinc_changed` table (the
/// sales created or replaced, with the stored day of each replaced one): old and new days.
/// A day is fresh when the daily rollup has no row for it yet: no stored sale was on it, so
/// every sale on it now is one this import wrote. Run before the rollups are refreshed.
pub(crate) fn touch_changed_days() -> String {
    format!(
        "INSERT INTO zinc_touched_days (date, location) \
         SELECT date, location FROM zinc_changed \
         UNION SELECT old_date, old_location FROM zinc_changed WHERE old_date IS NOT NULL \
         ON CONFLICT DO NOTHING; \
         UPDATE zinc_touched_days t SET fresh = false FROM {DAILY} r \
         WHERE r.date = t.date AND r.location = t.location"
    )
}

/// Gives the temporary `zinc_touched_days` statistics. Run before [`refresh_touched`]: without
/// them, a refresh of a whole year would be planned as if it touched a few days.
pub(crate) const ANALYZE_TOUCHED_DAYS: &str = "ANALYZE zinc_touched_days";

/// Refreshes every rollup of the days noted in `zinc_touched_days`, one rollup table at a time
/// (its name, and its statements): deletes their rows, inserts those of the days that are not
/// fresh recomputed from the orders as they now are, and those of the fresh days summed from
/// `lines` (the lines of the changed sales, as the items were written from them) and
/// `zinc_changed`. In order: a rollup is summed from the one before it.
pub(crate) fn refresh_touched(lines: &str) -> impl Iterator<Item = (&'static str, String)> + '_ {
    DEFINITIONS.iter().map(move |definition| {
        let mut sql = definition.replace(Scope::Touched);
        sql.extend(definition.insert_fresh(lines));
        (definition.table, sql)
    })
}

/// Refreshes every rollup of the days noted in `zinc_touched_days` from the orders as they now
/// are, for a writer that stages no lines (a revert notes its days with `fresh` false): one
/// rollup table at a time, in order.
pub(crate) fn recompute_touched() -> impl Iterator<Item = (&'static str, String)> {
    DEFINITIONS
        .iter()
        .map(|definition| (definition.table, definition.replace(Scope::Touched)))
}

/// The whole months and the loose days that together make up some dates, so that a sum over
/// them reads the monthly rollup for the months and the daily one for the days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MonthSplit {
    /// First days of the whole months, both ends included, each end open when `None`; `None`
    /// when there is no whole month.
    pub months: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// Ranges of days outside those months (at most two: before and after).
    pub days: Vec<(NaiveDate, NaiveDate)>,
}

/// Splits `dates` into whole months and loose days at either end.
pub(crate) fn split_by_month(dates: DateBounds) -> MonthSplit {
    let (from, to) = (dates.from(), dates.to());
    // The first day of the first whole month and of the last one: `None` for an open end,
    // `Some(None)` when no whole month starts after `from` (or ends before `to`).
    let first = from.map(|from| {
        if from.day() == 1 {
            Some(from)
        } else {
            next_month(from)
        }
    });
    let last = to.map(|to| {
        if next_month(to) == to.succ_opt() {
            Some(first_of_month(to))
        } else {
            first_of_month(to).pred_opt().map(first_of_month)
        }
    });
    let months = match (first, last) {
        (Some(None), _) | (_, Some(None)) => None,
        (Some(Some(first)), Some(Some(last))) if first > last => None,
        (first, last) => Some((first.flatten(), last.flatten())),
    };
    let Some((first, last)) = months else {
        let whole = (from.unwrap_or(NaiveDate::MIN), to.unwrap_or(NaiveDate::MAX));
        return MonthSplit {
            months: None,
            days: vec![whole],
        };
    };
    let mut days = Vec::new();
    if let (Some(from), Some(first)) = (from, first)
        && from < first
    {
        days.push((from, first.pred_opt().unwrap_or(from)));
    }
    if let (Some(to), Some(last)) = (to, last)
        && first_of_month(to) > last
    {
        days.push((first_of_month(to), to));
    }
    MonthSplit {
        months: Some((first, last)),
        days,
    }
}

/// Whole years and the loose months that together make up some whole months, so that a sum
/// over them reads the yearly rollup for the years and the monthly one for the months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YearSplit {
    /// First days of the whole years, both ends included, each end open when `None`; `None`
    /// when there is no whole year.
    pub years: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// Ranges of months (their first days, both ends included, each end open when `None`)
    /// outside those years (at most two: before and after).
    pub months: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
}

/// Splits whole months (the first days of the first and last, as [`MonthSplit::months`] gives
/// them) into whole calendar years and loose months at either end.
pub(crate) fn split_by_year((first, last): (Option<NaiveDate>, Option<NaiveDate>)) -> YearSplit {
    let january = |year: i32| NaiveDate::from_ymd_opt(year, 1, 1);
    let december = |year: i32| NaiveDate::from_ymd_opt(year, 12, 1);
    // The first day of the first whole year and of the last one: `None` for an open end,
    // `Some(None)` when no whole year starts after `first` (or ends before `last`).
    let first_year = first.map(|first| {
        if first.month() == 1 {
            Some(first)
        } else {
            january(first.year() + 1)
        }
    });
    let last_year = last.map(|last| {
        if last.month() == 12 {
            january(last.year())
        } else {
            january(last.year() - 1)
        }
    });
    let years = match (first_year, last_year) {
        (Some(None), _) | (_, Some(None)) => None,
        (Some(Some(first)), Some(Some(last))) if first > last => None,
        (first, last) => Some((first.flatten(), last.flatten())),
    };
    let Some((first_year, last_year)) = years else {
        return YearSplit {
            years: None,
            months: vec![(first, last)],
        };
    };
    let mut months = Vec::new();
    if let (Some(first), Some(first_year)) = (first, first_year)
        && first < first_year
        && let Some(before) = december(first_year.year() - 1)
    {
        months.push((Some(first), Some(before)));
    }
    if let (Some(last), Some(last_year)) = (last, last_year)
        && last.year() > last_year.year()
        && let Some(after) = january(last.year())
    {
        months.push((Some(after), Some(last)));
    }
    YearSplit { years, months }
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The first day of the month after `date`'s, if representable.
fn next_month(date: NaiveDate) -> Option<NaiveDate> {
    first_of_month(date).checked_add_months(chrono::Months::new(1))
}

/// Verifies and rebuilds the rollups. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct PostgresRollups {
    reach: Reach,
}

impl PostgresRollups {
    /// Works through `db`, giving a connection up for lost when the database does not answer
    /// within the default [`PoolSettings::reply_timeout`](crate::database::PoolSettings::reply_timeout).
    pub fn new(db: impl Into<Database>) -> Self {
        PostgresRollups {
            reach: Reach::new(db),
        }
    }

    /// The same, waiting at most `reply_timeout` for any answer.
    pub fn with_reply_timeout(mut self, reply_timeout: Duration) -> Self {
        self.reach.reply_timeout = reply_timeout;
        self
    }

    /// The same, checks and rebuilds working under `bound`.
    pub fn with_bulk_bound(mut self, bound: BulkBound) -> Self {
        self.reach.bulk = bound;
        self
    }
}

#[async_trait]
impl RollupUpkeep for PostgresRollups {
    #[instrument(skip(self))]
    async fn verify_rollups(&self, max: u32) -> Result<RollupDrifts, StoreError> {
        let differences: Vec<String> = DEFINITIONS
            .iter()
            .enumerate()
            .map(|(rank, definition)| definition.differences(rank))
            .collect();
        let sql = format!(
            "SELECT *, count(*) OVER () AS total FROM ({}) x \
             ORDER BY rank, date, location, product_id LIMIT $1",
            differences.join(" UNION ALL ")
        );
        let bound = self.reach.bulk;
        let checked = within(bound.reply_timeout, async {
            let txn = self.reach.db.begin().await.map_err(store_error)?;
            txn.execute_unprepared(&bound.settings())
                .await
                .map_err(store_error)?;
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    [i64::from(max).into()],
                ))
                .await
                .map_err(store_error)?;
            txn.rollback().await.map_err(store_error)?;
            let total = rows
                .first()
                .map(|row| get::<i64>(row, "total"))
                .transpose()?
                .unwrap_or(0);
            Ok(RollupDrifts {
                listed: rows.iter().map(drift).collect::<Result<_, _>>()?,
                total: total as u64,
            })
        })
        .await;
        checked.map_err(|error| bound.explain("rollup check", error))
    }

    #[instrument(skip(self))]
    async fn rebuild_rollups(&self) -> Result<Vec<(Rollup, u64)>, StoreError> {
        let bound = self.reach.bulk;
        let mut sql = format!(
            "SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY});\n{};\n",
            bound.settings()
        );
        for definition in &DEFINITIONS {
            sql.push_str(&definition.replace(Scope::Everything));
        }
        let counts: Vec<String> = DEFINITIONS
            .iter()
            .map(|d| format!("(SELECT count(*) FROM {}) AS {}", d.table, d.table))
            .collect();
        let rebuilt = within(bound.reply_timeout, async {
            let txn = self.reach.db.begin().await.map_err(store_error)?;
            txn.execute_unprepared(&sql).await.map_err(store_error)?;
            let row = txn
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("SELECT {}", counts.join(", ")),
                ))
                .await
                .map_err(store_error)?
                .ok_or_else(|| Inconsistency::unexpected("a count returned no row"))?;
            txn.commit().await.map_err(store_error)?;
            DEFINITIONS
                .iter()
                .map(|d| Ok((d.rollup, get::<i64>(&row, d.table)? as u64)))
                .collect()
        })
        .await;
        rebuilt.map_err(|error| bound.explain("rollup rebuild", error))
    }
}

fn sums(row: &QueryResult, side: &str) -> Result<Option<RollupSums>, StoreError> {
    if !get::<bool>(row, &format!("{side}_present"))? {
        return Ok(None);
    }
    Ok(Some(RollupSums {
        revenue: decimal(row, &format!("{side}_revenue"))?,
        orders: get::<i64>(row, &format!("{side}_orders"))? as u64,
        quantity: get(row, &format!("{side}_quantity"))?,
    }))
}

fn drift(row: &QueryResult) -> Result<RollupDrift, StoreError> {
    let rank = get::<i32>(row, "rank")? as usize;
    let rollup = DEFINITIONS
        .get(rank)
        .map(|d| d.rollup)
        .ok_or_else(|| Inconsistency::unexpected(format!("no rollup ranked {rank}")))?;
    let location = get::<Option<String>>(row, "location")?
        .map(|location| Location::parse(&location))
        .transpose()
        .map_err(|e| Inconsistency::breaks_rule("location", e))?;
    Ok(RollupDrift {
        rollup,
        date: get(row, "date")?,
        location,
        product_id: get::<Option<i64>>(row, "product_id")?.map(ProductId::new),
        stored: sums(row, "s")?,
        expected: sums(row, "d")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn split(from: Option<&str>, to: Option<&str>) -> MonthSplit {
        split_by_month(DateBounds::new(from.map(day), to.map(day)).unwrap())
    }

    #[test]
    fn a_calendar_year_is_twelve_whole_months() {
        assert_eq!(
            split(Some("2024-01-01"), Some("2024-12-31")),
            MonthSplit {
                months: Some((Some(day("2024-01-01")), Some(day("2024-12-01")))),
                days: vec![],
            }
        );
    }

    #[test]
    fn loose_days_at_either_end_are_read_day_by_day() {
        assert_eq!(
            split(Some("2024-01-15"), Some("2025-01-14")),
            MonthSplit {
                months: Some((Some(day("2024-02-01")), Some(day("2024-12-01")))),
                days: vec![
                    (day("2024-01-15"), day("2024-01-31")),
                    (day("2025-01-01"), day("2025-01-14"))
                ],
            }
        );
        // A leap February ends on the 29th.
        assert_eq!(
            split(Some("2024-02-01"), Some("2024-02-28")),
            MonthSplit {
                months: None,
                days: vec![(day("2024-02-01"), day("2024-02-28"))],
            }
        );
        assert_eq!(
            split(Some("2024-02-01"), Some("2024-02-29")).months,
            Some((Some(day("2024-02-01")), Some(day("2024-02-01"))))
        );
    }

    #[test]
    fn a_range_within_one_month_or_across_two_partial_ones_has_no_whole_month() {
        assert_eq!(
            split(Some("2024-03-05"), Some("2024-03-09")),
            MonthSplit {
                months: None,
                days: vec![(day("2024-03-05"), day("2024-03-09"))],
            }
        );
        assert_eq!(
            split(Some("2024-03-05"), Some("2024-04-09")),
            MonthSplit {
                months: None,
                days: vec![(day("2024-03-05"), day("2024-04-09"))],
            }
        );
    }

    #[test]
    fn open_ends_are_open_months() {
        assert_eq!(
            split(None, None),
            MonthSplit {
                months: Some((None, None)),
                days: vec![],
            }
        );
        assert_eq!(
            split(Some("2024-03-05"), None),
            MonthSplit {
                months: Some((Some(day("2024-04-01")), None)),
                days: vec![(day("2024-03-05"), day("2024-03-31"))],
            }
        );
        assert_eq!(
            split(None, Some("2024-03-05")),
            MonthSplit {
                months: Some((None, Some(day("2024-02-01")))),
                days: vec![(day("2024-03-01"), day("2024-03-05"))],
            }
        );
    }

    fn years(first: Option<&str>, last: Option<&str>) -> YearSplit {
        split_by_year((first.map(day), last.map(day)))
    }

    #[test]
    fn twelve_months_of_a_calendar_year_are_one_whole_year() {
        assert_eq!(
            years(Some("2024-01-01"), Some("2024-12-01")),
            YearSplit {
                years: Some((Some(day("2024-01-01")), Some(day("2024-01-01")))),
                months: vec![],
            }
        );
    }

    #[test]
    fn loose_months_at_either_end_are_read_month_by_month() {
        assert_eq!(
            years(Some("2023-07-01"), Some("2025-03-01")),
            YearSplit {
                years: Some((Some(day("2024-01-01")), Some(day("2024-01-01")))),
                months: vec![
                    (Some(day("2023-07-01")), Some(day("2023-12-01"))),
                    (Some(day("2025-01-01")), Some(day("2025-03-01")))
                ],
            }
        );
        assert_eq!(
            years(Some("2023-01-01"), Some("2024-11-01")),
            YearSplit {
                years: Some((Some(day("2023-01-01")), Some(day("2023-01-01")))),
                months: vec![(Some(day("2024-01-01")), Some(day("2024-11-01")))],
            }
        );
    }

    #[test]
    fn months_within_one_year_or_across_two_partial_ones_have_no_whole_year() {
        assert_eq!(
            years(Some("2024-01-01"), Some("2024-11-01")),
            YearSplit {
                years: None,
                months: vec![(Some(day("2024-01-01")), Some(day("2024-11-01")))],
            }
        );
        assert_eq!(
            years(Some("2023-02-01"), Some("2024-11-01")),
            YearSplit {
                years: None,
                months: vec![(Some(day("2023-02-01")), Some(day("2024-11-01")))],
            }
        );
    }

    #[test]
    fn open_ends_are_open_years() {
        assert_eq!(
            years(None, None),
            YearSplit {
                years: Some((None, None)),
                months: vec![],
            }
        );
        assert_eq!(
            years(Some("2024-03-01"), None),
            YearSplit {
                years: Some((Some(day("2025-01-01")), None)),
                months: vec![(Some(day("2024-03-01")), Some(day("2024-12-01")))],
            }
        );
        assert_eq!(
            years(None, Some("2024-03-01")),
            YearSplit {
                years: Some((None, Some(day("2023-01-01")))),
                months: vec![(Some(day("2024-01-01")), Some(day("2024-03-01")))],
            }
        );
    }
}
