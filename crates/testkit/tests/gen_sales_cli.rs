//! The `gen-sales` binary: the library's file on standard output, bad arguments refused.

use std::process::{Command, Output};

use chrono::NaiveDate;
use zinc_testkit::gen_sales::{SalesSpec, sales_csv};

fn gen_sales(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gen-sales"))
        .args(args)
        .output()
        .expect("run gen-sales")
}

#[test]
fn prints_the_library_file_of_the_requested_rows_to_standard_output() {
    let output = gen_sales(&["25"]);
    assert!(output.status.success(), "{output:?}");
    let expected = sales_csv(&SalesSpec::new(25)).unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
    assert!(output.stderr.is_empty());
}

#[test]
fn passes_every_option_through() {
    let output = gen_sales(&[
        "40",
        "--seed",
        "99",
        "--start",
        "2023-06-01",
        "--days",
        "2",
        "--products",
        "3",
    ]);
    assert!(output.status.success(), "{output:?}");
    let expected = sales_csv(&SalesSpec {
        rows: 40,
        seed: 99,
        start: NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(),
        days: 2,
        products: 3,
    })
    .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
}

#[test]
fn refuses_bad_arguments_with_status_2_and_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "<ROWS>"),
        (&["abc"], "invalid value 'abc'"),
        (&["-5"], "-5"),
        (&["10", "--seed", "x"], "--seed"),
        (&["10", "--start", "2024-02-30"], "YYYY-MM-DD"),
        (&["10", "--start", "1/2/2024"], "YYYY-MM-DD"),
        (&["10", "--days", "0"], "days must be at least 1"),
        (&["10", "--products", "0"], "products must be at least 1"),
        (
            &["10", "--products", "218451"],
            "products must be at most 218450",
        ),
        (
            &["10", "--start", "+262142-12-31", "--days", "2"],
            "past the last representable date",
        ),
        (&["10", "--colour", "red"], "--colour"),
    ];
    for (args, message) in cases {
        let output = gen_sales(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("error:"), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
