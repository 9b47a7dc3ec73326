//! The binary's own surface. (Having integration tests here also makes `cargo test --workspace`
//! build `target/<profile>/zinc`, which the end-to-end tests in `tests/` drive.)

use std::process::Command;

fn zinc(args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zinc"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .output()
        .expect("run zinc")
}

#[test]
fn help_lists_the_commands() {
    let output = zinc(&["--help"], "postgres://localhost/zinc");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for command in ["import", "migrate"] {
        assert!(text.contains(command), "{text}");
    }
}

#[test]
fn a_malformed_database_url_stops_with_one_clear_line_and_exit_3() {
    let output = zinc(&["migrate", "status"], "mysql://localhost/zinc");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "zinc: configuration error: DATABASE_URL: must be a postgres:// or postgresql:// URL"
    );
}

#[test]
fn usage_errors_exit_2() {
    let output = zinc(&["import"], "postgres://localhost/zinc");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_key_name_out_of_the_rules_is_a_usage_error_before_any_database() {
    // Nothing listens on port 1: a usage error must not need the database.
    let output = zinc(
        &["keys", "create", "bad name", "--scope", "read"],
        "postgres://postgres@127.0.0.1:1/zinc",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("'bad name'"), "{stderr}");
    assert!(
        stderr.contains("A-Z, a-z, 0-9"),
        "the rule is said: {stderr}"
    );
}

#[test]
fn a_missing_database_is_named_without_the_servers_source_line() {
    let output = zinc(
        &["keys", "list"],
        "postgres://postgres@127.0.0.1:5432/zinc_no_such_database_here",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("the database zinc_no_such_database_here does not exist"),
        "{stderr}"
    );
    assert!(!stderr.contains("at line"), "{stderr}");
}
