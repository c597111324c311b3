//! `hotpot send`: flags, `--json`, `--json-file PATH|-`, `--url-file`, retries.

use hotpot_client::{MomentType, Priority};
use hotpot_mock_server::Fault;

use crate::support::{Mock, RunExt, hotpot, hotpot_to, texts};

#[test]
fn flags_become_the_moments_fields() {
    let mock = Mock::start();
    let notes = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(notes.path(), "Rolled back **automatically**.\n").unwrap();
    let output = hotpot_to(&mock.url())
        .args([
            "send",
            "Failed deploy with successful rollback",
            "--type",
            "Near-Miss",
        ])
        .args(["--priority", "HIGH", "--source", "deploybot"])
        .args(["--source-url", "https://ci.example.com/runs/1234"])
        .arg("--description-file")
        .arg(notes.path())
        .args(["--occurred-at", "2023-04-01 12:31:26"])
        .run();
    assert!(output.success(), "{}", output.err);
    let moment = &mock.moments()[0];
    assert_eq!(moment.name, "Failed deploy with successful rollback");
    assert_eq!(moment.moment_type, MomentType::NearMiss);
    assert_eq!(moment.priority, Priority::High);
    assert_eq!(moment.source.as_deref(), Some("deploybot"));
    assert_eq!(
        moment.source_url.as_deref(),
        Some("https://ci.example.com/runs/1234")
    );
    assert_eq!(
        moment.description.as_deref(),
        Some("Rolled back **automatically**.\n")
    );
    assert_eq!(moment.occurred_at.to_rfc3339(), "2023-04-01T12:31:26+00:00");
    // What went on the wire is the canonical payload (lower case, RFC 3339 UTC).
    let payload = mock.events()[0].payload.clone().unwrap();
    assert_eq!(payload["type"], "near-miss");
    assert_eq!(payload["priority"], "high");
    assert_eq!(payload["occurred_at"], "2023-04-01T12:31:26Z");
}

#[test]
fn a_json_payload_is_sent_and_unknown_fields_are_warnings() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args([
            "send",
            "--json",
            r#"{"name": "Disk 91% full", "type": "alert", "occured_at": "x"}"#,
        ])
        .run();
    let (out, err) = texts(&output);
    assert!(output.success(), "{err}");
    assert_eq!(
        err,
        "warning: occured_at: unknown field, ignored; did you mean `occurred_at`?\n"
    );
    assert_eq!(out.lines().count(), 1);
    assert_eq!(mock.moments()[0].name, "Disk 91% full");
    // The unknown field is not sent: the canonical payload is.
    assert!(
        mock.events()[0]
            .payload
            .as_ref()
            .unwrap()
            .get("occured_at")
            .is_none()
    );
}

#[test]
fn a_payload_from_standard_input() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["send", "--json-file", "-"])
        .write_stdin(r#"{"name": "From a pipe", "type": "page"}"#)
        .run();
    assert!(output.success(), "{}", output.err);
    assert_eq!(mock.moments()[0].name, "From a pipe");
}

#[test]
fn a_description_from_standard_input() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args([
            "send",
            "Backup failed",
            "--type",
            "alert",
            "--description-file",
            "-",
        ])
        .write_stdin("pg_dump: error: connection refused\n")
        .run();
    assert!(output.success(), "{}", output.err);
    assert_eq!(
        mock.moments()[0].description.as_deref(),
        Some("pg_dump: error: connection refused\n")
    );
}

#[test]
fn the_url_from_a_file_first_line_wins_over_the_environment() {
    let mock = Mock::start();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        format!("  {}  \nsecond line ignored\n", mock.url()),
    )
    .unwrap();
    let output = hotpot_to("https://api.hotpot.works/moment/elsewhere123")
        .args(["send", "x", "--type", "alert", "--url-file"])
        .arg(file.path())
        .run();
    assert!(output.success(), "{}", output.err);
    assert_eq!(mock.moments().len(), 1);

    std::fs::write(file.path(), "\n").unwrap();
    let output = hotpot()
        .args(["send", "x", "--type", "alert", "--url-file"])
        .arg(file.path())
        .run();
    output.exits_with(78, "the first line is empty");
}

#[test]
fn server_trouble_is_retried_with_one_idempotency_key() {
    let mock = Mock::start();
    mock.server.fail_next(Fault::status(503).times(2)).unwrap();
    let output = hotpot_to(&mock.url())
        .args(["send", "x", "--type", "alert", "--output", "json"])
        .run();
    let (out, err) = texts(&output);
    assert!(output.success(), "{err}");
    let receipt: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(receipt["attempts"], 3);
    assert_eq!(mock.moments().len(), 1);

    mock.server.fail_next(Fault::status(503)).unwrap();
    let output = hotpot_to(&mock.url())
        .args(["send", "x", "--type", "alert", "--retries", "0"])
        .run();
    assert_eq!(output.code, Some(75), "--retries 0: one attempt only");
    assert!(output.err.contains("on its only attempt"));
}

#[test]
fn flags_and_a_json_payload_do_not_mix() {
    let output = hotpot()
        .args(["send", "--json", "{}", "--priority", "high"])
        .run();
    assert_eq!(output.code, Some(2));
    let output = hotpot().args(["send", "x", "--json", "{}"]).run();
    assert_eq!(output.code, Some(2));
}
