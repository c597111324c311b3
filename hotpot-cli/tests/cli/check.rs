//! `hotpot check`: the verdict without sending.

use crate::support::{RunExt, hotpot, texts};

#[test]
fn a_valid_payload_is_printed_canonical() {
    let output = hotpot()
        .arg("check")
        .write_stdin(r#"{"name": "Failed deploy", "type": "Near-miss", "priority": "LOW", "occurred_at": "2023-04-01T14:31:26+02:00", "source": null}"#)
        .run();
    assert!(output.success());
    assert_eq!(
        output.out,
        "{\"name\":\"Failed deploy\",\"type\":\"near-miss\",\"priority\":\"low\",\"occurred_at\":\"2023-04-01T12:31:26Z\"}\n"
    );
}

#[test]
fn every_problem_is_listed_and_nothing_is_printed_on_stdout() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        r#"{"name": 42, "type": "nearmiss", "source_url": "ftp://x", "occurred_at": "tomorrow"}"#,
    )
    .unwrap();
    let output = hotpot().arg("check").arg(file.path()).run();
    assert_eq!(output.code, Some(65));
    let (out, err) = texts(&output);
    assert!(out.is_empty());
    let fields: Vec<&str> = err.lines().filter_map(|l| l.split(": ").next()).collect();
    assert_eq!(
        fields,
        ["name", "type", "source_url", "occurred_at"],
        "{err}"
    );
}

#[test]
fn check_needs_no_webhook_url() {
    let output = hotpot()
        .args(["check", "-"])
        .write_stdin(r#"{"name": "x", "type": "page"}"#)
        .run();
    assert!(output.success(), "{}", output.err);
}
