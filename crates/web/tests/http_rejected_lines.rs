//! `GET /api/v1/imports/{id}/rejected.csv` on mocked ports: the reject file as a CSV
//! attachment, its bytes as stored, and the import report's pointer to it.

mod support;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use support::{Ports, get, unavailable};
use zinc_domain::{
    ImportCounts, ImportId, ImportMode, ImportReport, ImportStatus, ProblemLog, RejectFile,
    RejectedLine, RejectedLineCounts, RejectedLines,
};

/// Status, headers and body bytes of a GET.
async fn download(ports: Ports, uri: &str) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let app = test::init_service(zinc_web::app(ports.state(), None)).await;
    let response = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, test::read_body(response).await.to_vec())
}

fn reject_file() -> RejectFile {
    let lines = vec![
        RejectedLine {
            line: 3,
            reason:
                "column Location: 'Gym' is not a known location (Online Store or Golf - experience)"
                    .to_owned(),
            raw: b"3971,\"Gym\r\nnote\",\xff".to_vec(),
        },
        RejectedLine {
            line: 5,
            reason: "sale 3971 is rejected: line 3 has a problem".to_owned(),
            raw: b"3971,Golf - experience,ok".to_vec(),
        },
    ];
    RejectFile {
        file_name: "exports/März sales.csv".to_owned(),
        lines: RejectedLines::restore(b"Sale ID,Location,Notes", lines, 0),
    }
}

#[actix_web::test]
async fn serves_the_reject_file_as_a_csv_attachment_with_each_line_verbatim() {
    let mut ports = Ports::default();
    ports
        .history
        .expect_rejected_lines()
        .withf(|id| id.get() == 7)
        .returning(|_| Ok(Some(reject_file())));
    let (status, headers, body) = download(ports, "/api/v1/imports/7/rejected.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        headers.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"M_rz_sales-rejected.csv\""
    );
    let mut expected = b"Line,Reason,Sale ID,Location,Notes\n\
        3,column Location: 'Gym' is not a known location (Online Store or Golf - experience),3971,\"Gym\r\nnote\","
        .to_vec();
    expected.extend_from_slice(
        b"\xff\n5,sale 3971 is rejected: line 3 has a problem,3971,Golf - experience,ok\n",
    );
    assert_eq!(body, expected);
}

#[actix_web::test]
async fn an_import_that_rejected_nothing_gives_the_header_alone() {
    let mut ports = Ports::default();
    ports.history.expect_rejected_lines().returning(|_| {
        Ok(Some(RejectFile {
            file_name: "sales.csv".to_owned(),
            lines: RejectedLines::new(b"Sale ID,Location"),
        }))
    });
    let (status, _, body) = download(ports, "/api/v1/imports/7/rejected.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"Line,Reason,Sale ID,Location\n");
}

#[actix_web::test]
async fn an_unknown_or_running_import_is_a_404_and_a_bad_id_a_400() {
    let mut ports = Ports::default();
    ports
        .history
        .expect_rejected_lines()
        .returning(|_| Ok(None));
    let (status, content_type, body) = get(ports, "/api/v1/imports/99/rejected.csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["detail"], "import 99 does not exist");
    let (status, _, body) = get(Ports::default(), "/api/v1/imports/abc/rejected.csv").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["parameter"], "id");
}

#[actix_web::test]
async fn a_store_that_is_down_is_a_503() {
    let mut ports = Ports::default();
    ports
        .history
        .expect_rejected_lines()
        .returning(|_| Err(unavailable()));
    let (status, content_type, _) = get(ports, "/api/v1/imports/7/rejected.csv").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type, "application/problem+json");
}

#[actix_web::test]
async fn the_reject_file_needs_a_key_once_keys_exist() {
    let mut ports = Ports::default();
    let mut keys = zinc_ports::MockApiKeys::new();
    keys.expect_any_active_key().returning(|| Ok(true));
    ports.keys = Some(keys);
    let (status, _, _) = get(ports, "/api/v1/imports/7/rejected.csv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

fn report(rejected_lines: RejectedLineCounts) -> ImportReport {
    ImportReport {
        id: ImportId::new(7),
        file_name: "sales.csv".to_owned(),
        sha256: "0".repeat(64),
        mode: ImportMode::SkipInvalid,
        status: ImportStatus::Succeeded,
        counts: ImportCounts::default(),
        problems: ProblemLog::new(),
        started_at: chrono::Utc::now(),
        finished_at: chrono::Utc::now(),
        requested_by: None,
        source: Some(zinc_domain::ImportSource::Cli),
        dry_run: false,
        replaced_sales: Vec::new(),
        rejected_lines,
        revert: zinc_domain::RevertLinks::default(),
    }
}

#[actix_web::test]
async fn an_import_report_points_to_its_reject_file_when_it_rejected_lines() {
    let mut ports = Ports::default();
    ports.history.expect_find_import().returning(|_| {
        Ok(Some(report(RejectedLineCounts {
            kept: 2,
            omitted: 1,
        })))
    });
    let (_, _, body) = get(ports, "/api/v1/imports/7").await;
    assert_eq!(
        body["rejected_lines"],
        serde_json::json!({"kept": 2, "omitted": 1, "href": "/api/v1/imports/7/rejected.csv"})
    );
    let mut ports = Ports::default();
    ports
        .history
        .expect_find_import()
        .returning(|_| Ok(Some(report(RejectedLineCounts::default()))));
    let (_, _, body) = get(ports, "/api/v1/imports/7").await;
    assert!(body["rejected_lines"].is_null(), "{body}");
}
