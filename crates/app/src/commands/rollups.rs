//! `zinc rollups verify|rebuild`: the sums the figures are read from, checked against the
//! orders or recomputed.

use std::io::Write;

use anyhow::Context;
use zinc_ports::{RollupDrift, RollupSums, RollupUpkeep, StoreHealth};
use zinc_postgres::PostgresQueries;

use super::database::{Missing, open_database};
use super::exit::ExitStatus;
use crate::cli::RollupsAction;
use crate::config::Config;

pub(super) async fn run(config: &Config, action: RollupsAction) -> anyhow::Result<ExitStatus> {
    let db = open_database(config, Missing::Refuse).await?;
    let pending = PostgresQueries::new(db.clone())
        .with_reply_timeout(config.reply_timeout())
        .pending_migrations()
        .await
        .context("reading the schema's migrations")?;
    if !pending.is_empty() {
        anyhow::bail!(
            "the schema is not up to date ({} pending migration(s)): run 'zinc migrate up' first, \
             which also fills the rollups",
            pending.len()
        );
    }
    let rollups = super::database::rollups(config, &db);
    let mut out = std::io::stdout().lock();
    let status = match action {
        RollupsAction::Verify { max } => verify(&rollups, max, &mut out).await?,
        RollupsAction::Rebuild => rebuild(&rollups, &mut out).await?,
    };
    db.close().await.ok();
    Ok(status)
}

/// Lists where the rollups differ from the orders: 1 when they do.
async fn verify(
    rollups: &dyn RollupUpkeep,
    max: u32,
    out: &mut impl Write,
) -> anyhow::Result<ExitStatus> {
    let drifts = rollups
        .verify_rollups(max)
        .await
        .context("verifying the rollups")?;
    if drifts.total == 0 {
        writeln!(out, "The rollups match the orders.")?;
        return Ok(ExitStatus::Success);
    }
    writeln!(
        out,
        "The rollups differ from the orders in {} place(s):",
        drifts.total
    )?;
    for drift in &drifts.listed {
        writeln!(out, "  {}", describe(drift))?;
    }
    let unlisted = drifts.total.saturating_sub(drifts.listed.len() as u64);
    if unlisted > 0 {
        writeln!(out, "  ... and {unlisted} more (--max lists more)")?;
    }
    writeln!(out, "Run 'zinc rollups rebuild' to recompute them.")?;
    Ok(ExitStatus::Differs)
}

/// Recomputes every rollup and says how many rows each holds.
async fn rebuild(rollups: &dyn RollupUpkeep, out: &mut impl Write) -> anyhow::Result<ExitStatus> {
    let counts = rollups
        .rebuild_rollups()
        .await
        .context("rebuilding the rollups")?;
    let counts: Vec<String> = counts
        .iter()
        .map(|(rollup, rows)| format!("{rollup}: {rows} rows"))
        .collect();
    writeln!(
        out,
        "Rebuilt the rollups from the orders ({}).",
        counts.join(", ")
    )?;
    Ok(ExitStatus::Success)
}

/// `daily product sales 2024-03-01 Online Store product 17: stored 3 units, revenue 9.5,
/// 2 orders; the orders give 4 units, revenue 12.5, 3 orders`.
fn describe(drift: &RollupDrift) -> String {
    let product = drift
        .product_id
        .map(|id| format!(" product {}", id.get()))
        .unwrap_or_default();
    let sums = |sums: &Option<RollupSums>| match sums {
        None => "nothing".to_owned(),
        Some(f) => {
            let units = f
                .quantity
                .map(|q| format!("{q} units, "))
                .unwrap_or_default();
            format!("{units}revenue {}, {} orders", f.revenue, f.orders)
        }
    };
    let location = drift
        .location
        .map_or_else(|| "all locations".to_owned(), |l| l.to_string());
    format!(
        "{} {} {location}{product}: stored {}; the orders give {}",
        drift.rollup,
        drift.date,
        sums(&drift.stored),
        sums(&drift.expected),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use zinc_domain::{Location, ProductId};
    use zinc_ports::{MockRollupUpkeep, Rollup, RollupDrifts};

    fn drift(stored: Option<i64>) -> RollupDrift {
        RollupDrift {
            rollup: Rollup::DailyProductSales,
            date: "2024-03-01".parse().unwrap(),
            location: Some(Location::OnlineStore),
            product_id: Some(ProductId::new(17)),
            stored: stored.map(|orders| RollupSums {
                revenue: "9.50".parse().unwrap(),
                orders: orders as u64,
                quantity: Some(3),
            }),
            expected: Some(RollupSums {
                revenue: "12.5".parse().unwrap(),
                orders: 3,
                quantity: Some(4),
            }),
        }
    }

    #[tokio::test]
    async fn a_drift_is_listed_with_both_sides_and_exits_1() {
        let mut rollups = MockRollupUpkeep::new();
        rollups
            .expect_verify_rollups()
            .withf(|max| *max == 2)
            .returning(|_| {
                Ok(RollupDrifts {
                    listed: vec![drift(Some(2)), drift(None)],
                    total: 5,
                })
            });
        let mut out = Vec::new();
        let status = verify(&rollups, 2, &mut out).await.unwrap();
        assert_eq!(status, ExitStatus::Differs);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "The rollups differ from the orders in 5 place(s):\n  \
             daily product sales 2024-03-01 Online Store product 17: stored 3 units, revenue 9.50, \
             2 orders; the orders give 4 units, revenue 12.5, 3 orders\n  \
             daily product sales 2024-03-01 Online Store product 17: stored nothing; the orders \
             give 4 units, revenue 12.5, 3 orders\n  \
             ... and 3 more (--max lists more)\n\
             Run 'zinc rollups rebuild' to recompute them.\n"
        );
    }

    #[tokio::test]
    async fn rollups_that_match_exit_0() {
        let mut rollups = MockRollupUpkeep::new();
        rollups
            .expect_verify_rollups()
            .returning(|_| Ok(RollupDrifts::default()));
        let mut out = Vec::new();
        assert_eq!(
            verify(&rollups, 20, &mut out).await.unwrap(),
            ExitStatus::Success
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "The rollups match the orders.\n"
        );
    }
}
