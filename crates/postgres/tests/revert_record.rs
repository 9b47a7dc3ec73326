//! A revert's record on PostgreSQL: what it removed, counted as it runs and, for reverts
//! recorded before `orders_removed` / `products_removed` were columns, by the migration that
//! added them, from the versions the revert kept.

use chrono::{TimeZone, Utc};
use zinc_application::{ImportRequest, ImportSales, NoProgress};
use zinc_domain::{ImportId, ImportMode, ImportSource};
use zinc_ports::{ImportHistory, ImportReverts, RevertRequest};
use zinc_postgres::database::{migrate_down, migrate_up, migrations};
use zinc_postgres::{Database, PostgresLedger, PostgresQueries};
use zinc_testkit::TestDatabase;

fn file(rows: &[(u32, &str, &str)]) -> String {
    let mut text = zinc_domain::HeaderLine.to_string();
    for (sale, product, price) in rows {
        text.push_str(&format!(
            "\n3/1/2025,7,{sale},{product},---,,Online Store,,---,---,{price},1,{price},0,0,0,\
             {price},{price},Cash"
        ));
    }
    text.push('\n');
    text
}

async fn import(ledger: &PostgresLedger, text: &str) -> ImportId {
    ImportSales::new(std::sync::Arc::new(ledger.clone()))
        .with_clock(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap())
        .import(
            ImportRequest::new(
                "sales.csv",
                text.as_bytes(),
                ImportMode::Strict,
                ImportSource::Cli,
            ),
            &NoProgress,
        )
        .await
        .expect("the import runs")
        .id
}

#[tokio::test]
async fn a_revert_recorded_before_the_removed_counts_gets_them_from_its_kept_versions() {
    let database = TestDatabase::migrated().await;
    let db = database.connection().clone();
    let ledger = PostgresLedger::new(db.clone());
    let history = PostgresQueries::new(db.clone());
    import(&ledger, &file(&[(1, "Water", "1"), (2, "Snack", "2")])).await;
    let correction = import(&ledger, &file(&[(1, "Water", "1.5"), (3, "Towel", "5")])).await;
    let revert = ledger
        .revert(
            correction,
            &RevertRequest {
                requested_by: None,
                source: ImportSource::Cli,
                at: Utc::now(),
            },
        )
        .await
        .unwrap()
        .revert;
    let counts = |report: zinc_domain::ImportReport| {
        let c = report.counts;
        (
            c.orders_updated,
            c.orders_removed,
            c.products_updated,
            c.products_removed,
        )
    };
    let recorded = history.find_import(revert).await.unwrap().unwrap();
    assert_eq!(
        counts(recorded),
        (1, 1, 1, 1),
        "sale 1 and Water's price put back; sale 3 and Towel removed"
    );

    // As if recorded before the columns: the migration counts them again (the migrations
    // after it rolled back too).
    let store = Database::from(db.clone());
    let all = migrations(&store).await.unwrap();
    let adding = all
        .iter()
        .position(|m| m.name == "m20261206_000021_record_revert_removals")
        .unwrap();
    migrate_down(&store, (all.len() - adding) as u32)
        .await
        .unwrap();
    migrate_up(&store).await.unwrap();
    let recorded = history.find_import(revert).await.unwrap().unwrap();
    assert_eq!(counts(recorded), (1, 1, 1, 1));
    let reverted = history.find_import(correction).await.unwrap().unwrap();
    assert_eq!(
        (
            reverted.counts.orders_removed,
            reverted.counts.products_removed
        ),
        (0, 0),
        "an import of a file removed nothing"
    );
    assert_eq!(reverted.revert.reverted_by, Some(revert));
}
