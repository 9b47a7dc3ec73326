//! `POST /api/v1/imports/{id}/revert` against mocked ports: a dry run, a revert, and each
//! refusal as its problem document.

mod support;

use actix_web::http::StatusCode;
use actix_web::test;
use support::{Ports, send};
use zinc_domain::{ImportId, ProductName, SaleId};
use zinc_ports::{NotRevertible, RevertError, RevertOutcome, RevertPlan, SaleConflict};

fn plan(import: ImportId) -> RevertPlan {
    RevertPlan {
        import,
        orders_restored: 2,
        orders_removed: 1,
        products_restored: 1,
        products_removed: 0,
        sales: vec![SaleId::new(1).unwrap(), SaleId::new(3).unwrap()],
    }
}

fn post(uri: &str) -> test::TestRequest {
    test::TestRequest::post().uri(uri)
}

#[actix_web::test]
async fn a_dry_run_answers_the_plan_and_reverts_nothing() {
    let mut ports = Ports::default();
    ports
        .reverts
        .expect_plan_revert()
        .withf(|id| id.get() == 7)
        .times(1)
        .returning(|id| Ok(plan(id)));
    // No expectation on `revert`: a call would panic.
    let (status, _, body) = send(ports, post("/api/v1/imports/7/revert?dry_run=true")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["revert"], serde_json::Value::Null);
    assert_eq!(body["orders_restored"], 2);
    assert_eq!(body["orders_removed"], 1);
    assert_eq!(body["sales"], serde_json::json!([1, 3]));
}

#[actix_web::test]
async fn a_revert_answers_201_with_its_record() {
    let mut ports = Ports::default();
    ports
        .reverts
        .expect_revert()
        .withf(|id, request| id.get() == 7 && request.source == zinc_domain::ImportSource::Api)
        .times(1)
        .returning(|id, _| {
            Ok(RevertOutcome {
                revert: ImportId::new(9),
                plan: plan(id),
            })
        });
    let (status, _, body) = send(ports, post("/api/v1/imports/7/revert")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["dry_run"], false);
    assert_eq!(body["revert"], 9);
    assert_eq!(body["import"], 7);
}

#[actix_web::test]
async fn an_unknown_import_is_a_404() {
    let mut ports = Ports::default();
    ports
        .reverts
        .expect_revert()
        .returning(|id, _| Err(RevertError::UnknownImport(id)));
    let (status, content_type, body) = send(ports, post("/api/v1/imports/1408/revert")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["detail"], "import 1408 does not exist");
}

#[actix_web::test]
async fn a_conflict_is_a_409_naming_the_sales_and_the_imports_to_revert_first() {
    let mut ports = Ports::default();
    ports.reverts.expect_revert().returning(|id, _| {
        Err(RevertError::Conflict {
            import: id,
            conflicts: vec![
                SaleConflict {
                    sale_id: SaleId::new(1).unwrap(),
                    touched_by: vec![ImportId::new(8), ImportId::new(10)],
                },
                SaleConflict {
                    sale_id: SaleId::new(3).unwrap(),
                    touched_by: vec![ImportId::new(8)],
                },
            ],
            total: 2,
        })
    });
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response = test::call_service(&app, post("/api/v1/imports/7/revert").to_request()).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        response.headers().get("retry-after").is_none(),
        "trying again does not help"
    );
    let body: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(body["type"], "https://zinc.dev/problems/revert-conflict");
    assert_eq!(
        body["conflicts"],
        serde_json::json!([
            {"sale_id": 1, "touched_by": [8, 10]},
            {"sale_id": 3, "touched_by": [8]},
        ])
    );
    assert_eq!(
        body["detail"],
        "later imports changed 2 of the sales import 7 wrote; revert them first, newest first (#10, #8), then import 7"
    );
}

#[actix_web::test]
async fn an_import_reverted_already_or_not_revertible_is_a_409_saying_why() {
    for (refusal, slug, detail) in [
        (
            RevertError::AlreadyReverted {
                import: ImportId::new(7),
                by: ImportId::new(9),
            },
            "already-reverted",
            "import 7 was already reverted by import 9",
        ),
        (
            RevertError::NotRevertible(ImportId::new(7), NotRevertible::Unversioned),
            "not-revertible",
            "import 7 cannot be reverted: it ran before Zinc kept the versions imports replace",
        ),
        (
            RevertError::NotRevertible(
                ImportId::new(7),
                NotRevertible::NameTaken {
                    product: ProductName::parse("Water").unwrap(),
                    holder: Some(ImportId::new(8)),
                },
            ),
            "not-revertible",
            "import 7 cannot be reverted: it would put back product \"Water\", whose name a product written by import 8 holds now; revert import 8 (and any later import of Water) first, or import the files in effect again instead",
        ),
        (
            RevertError::NotRevertible(
                ImportId::new(7),
                NotRevertible::NameTaken {
                    product: ProductName::parse("Water").unwrap(),
                    holder: None,
                },
            ),
            "not-revertible",
            "import 7 cannot be reverted: it would put back product \"Water\", whose name a product no import in effect holds now; import the files in effect again instead",
        ),
    ] {
        let mut ports = Ports::default();
        let refusal = std::sync::Mutex::new(Some(refusal));
        ports
            .reverts
            .expect_plan_revert()
            .returning(move |_| Err(refusal.lock().unwrap().take().unwrap()));
        let (status, _, body) = send(ports, post("/api/v1/imports/7/revert?dry_run=true")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["type"], format!("https://zinc.dev/problems/{slug}"));
        assert_eq!(body["detail"], detail);
    }
}

#[actix_web::test]
async fn a_bad_id_or_flag_is_a_400_that_never_reaches_the_store() {
    for uri in [
        "/api/v1/imports/seven/revert",
        "/api/v1/imports/7/revert?dry_run=perhaps",
        "/api/v1/imports/7/revert?force=true",
    ] {
        let (status, _, body) = send(Ports::default(), post(uri)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
    }
}
