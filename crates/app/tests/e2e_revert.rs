//! Taking an import back end to end: `zinc imports revert` and
//! `POST /api/v1/imports/{id}/revert` on a real database.

use reqwest::{Client, StatusCode};
use sea_orm::DatabaseConnection;
use zinc_e2e::{Zinc, real_export, real_export_path};
use zinc_testkit::{TestDatabase, scalar};

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    scalar(db, sql).await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The real export (import 1), then a file moving the sale of its line 14 to the other
/// location (import 2).
async fn two_imports(database: &TestDatabase, dir: &std::path::Path) {
    let first = ZINC.run(
        database.url(),
        &["import", real_export_path().to_str().unwrap()],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let export = real_export();
    let lines: Vec<&str> = export.split('\n').collect();
    let moved = if lines[13].contains("Golf - experience") {
        lines[13].replace("Golf - experience", "Online Store")
    } else {
        lines[13].replace("Online Store", "Golf - experience")
    };
    let path = dir.join("correction.csv");
    std::fs::write(&path, format!("{}\n{moved}\n", lines[0].trim_end())).unwrap();
    let second = ZINC.run(database.url(), &["import", path.to_str().unwrap()]);
    assert!(second.status.success(), "{}", text(&second.stdout));
}

#[tokio::test]
async fn the_cli_refuses_a_conflicting_revert_and_reverts_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::migrated().await;
    two_imports(&database, dir.path()).await;
    let db = database.connection();

    let refused = ZINC.run(database.url(), &["imports", "revert", "1"]);
    assert_eq!(refused.status.code(), Some(1));
    let said = text(&refused.stderr);
    assert!(
        said.contains("later imports changed 1 of the sales import 1 wrote"),
        "{said}"
    );
    assert!(said.contains("changed since by import #2"), "{said}");
    assert!(
        said.contains("revert the later imports first, newest first"),
        "{said}"
    );

    let plan = ZINC.run(database.url(), &["imports", "revert", "2", "--dry-run"]);
    assert!(plan.status.success(), "{}", text(&plan.stderr));
    let said = text(&plan.stdout);
    assert!(
        said.contains("Import #2: 1 sales would be restored, 0 would be removed"),
        "{said}"
    );
    assert!(said.contains("Dry run: nothing changed"), "{said}");
    assert_eq!(count(db, "SELECT count(*) FROM imports").await, 2);

    let done = ZINC.run(database.url(), &["imports", "revert", "2"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(
        text(&done.stdout).contains("Recorded as import #3"),
        "{}",
        text(&done.stdout)
    );
    let again = ZINC.run(database.url(), &["imports", "revert", "2"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("import 2 was already reverted by import 3"));

    let first = ZINC.run(database.url(), &["imports", "revert", "1"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(count(db, "SELECT count(*) FROM orders").await, 0);
    assert_eq!(count(db, "SELECT count(*) FROM products").await, 0);
    assert_eq!(count(db, "SELECT count(*) FROM sales_by_day").await, 0);

    let pruned = ZINC.run(database.url(), &["imports", "prune"]);
    assert!(pruned.status.success(), "{}", text(&pruned.stderr));
    assert!(text(&pruned.stdout).contains("Pruned the replaced versions of 0 imports"));
}

#[tokio::test]
async fn the_api_plans_refuses_and_reverts() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::migrated().await;
    two_imports(&database, dir.path()).await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let client = Client::new();

    let refused = client
        .post(server.url("/api/v1/imports/1/revert"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        problem["conflicts"][0]["touched_by"],
        serde_json::json!([2])
    );

    let plan = client
        .post(server.url("/api/v1/imports/2/revert?dry_run=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.status(), StatusCode::OK);
    let plan: serde_json::Value = plan.json().await.unwrap();
    assert_eq!(plan["orders_restored"], 1);

    let done = client
        .post(server.url("/api/v1/imports/2/revert"))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::CREATED);
    let done: serde_json::Value = done.json().await.unwrap();
    assert_eq!(done["revert"], 3);
    let recorded: serde_json::Value = client
        .get(server.url("/api/v1/imports/3"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(recorded["filename"], "revert of import 2");

    let missing = client
        .post(server.url("/api/v1/imports/99/revert"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// Imports `rows` (sale, product, price) from a file in `dir` through the command line.
fn import_rows(database: &TestDatabase, dir: &std::path::Path, rows: &[(u32, &str, &str)]) {
    let mut text = zinc_domain::HeaderLine.to_string();
    for (sale, product, price) in rows {
        text.push_str(&format!(
            "\n3/1/2025,7,{sale},{product},---,,Online Store,,---,---,{price},1,{price},0,0,0,\
             {price},{price},Cash"
        ));
    }
    let path = dir.join(format!("sale-{}.csv", rows[0].0));
    std::fs::write(&path, format!("{text}\n")).unwrap();
    let imported = ZINC.run(database.url(), &["import", path.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", text_of(&imported));
}

fn text_of(output: &std::process::Output) -> String {
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}

/// Putting back a product whose name a product created since holds is a 409 saying which
/// import holds it, not a database error.
#[tokio::test]
async fn the_api_refuses_to_put_back_a_product_whose_name_was_taken_since() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::migrated().await;
    import_rows(&database, dir.path(), &[(1, "Water", "1")]);
    let removed = ZINC.run(database.url(), &["imports", "revert", "1"]);
    assert!(removed.status.success(), "{}", text_of(&removed));
    import_rows(&database, dir.path(), &[(2, "Water", "1.5")]);
    let server = ZINC.serve(database.url(), &[], &[]);

    let refused = Client::new()
        .post(server.url("/api/v1/imports/2/revert"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "https://zinc.dev/problems/not-revertible");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("product \"Water\"") && detail.contains("revert import 3"),
        "{detail}"
    );
}

/// `zinc serve` prunes the versions kept longer than `ZINC_REPLACED_KEEP_DAYS` on its own once
/// it starts, counting the run in its metrics, unless `ZINC_PRUNE_ON_SERVE=false`.
#[tokio::test]
async fn zinc_serve_prunes_versions_kept_too_long_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::migrated().await;
    two_imports(&database, dir.path()).await;
    let db = database.connection();
    sea_orm::ConnectionTrait::execute_unprepared(
        db,
        "UPDATE kept_versions SET kept_at = now() - interval '100 days' WHERE import_id = 1",
    )
    .await
    .unwrap();
    let pruned = "SELECT count(*) FROM kept_versions WHERE pruned_at IS NOT NULL";
    let metrics = |server: &zinc_e2e::Server| {
        let url = server.url("/metrics");
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };

    let mut server = ZINC.serve(database.url(), &[], &[("ZINC_PRUNE_ON_SERVE", "false")]);
    let shown = metrics(&server).await;
    assert!(
        shown.contains("zinc_prune_runs_total{outcome=\"succeeded\"} 0"),
        "{shown}"
    );
    assert_eq!(count(db, pruned).await, 0);
    server.terminate();

    let server = ZINC.serve(database.url(), &[], &[]);
    let mut waited = 0;
    while count(db, pruned).await == 0 {
        assert!(waited < 100, "zinc serve pruned nothing within 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(count(db, pruned).await, 1, "import 1's versions only");
    let mut shown = metrics(&server).await;
    for _ in 0..50 {
        if shown.contains("zinc_pruned_imports_total 1") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        shown = metrics(&server).await;
    }
    assert!(
        shown.contains("zinc_prune_runs_total{outcome=\"succeeded\"} 1"),
        "{shown}"
    );
    assert!(shown.contains("zinc_pruned_imports_total 1"), "{shown}");
}
