//! Retrying from a script (spec §9): after a timeout nothing claims the moment was not
//! recorded, and `--idempotency-key` (or `HOTPOT_IDEMPOTENCY_KEY`) makes a retried call safe;
//! a failure in JSON says its exit status, its attempts and its key.

use std::time::Duration;

use hotpot_mock_server::Fault;
use serde_json::Value;

use crate::support::{Mock, RunExt, hotpot_to, texts};

fn json_line(stdout: &str) -> Value {
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout:?}"))
}

/// `hotpot send 'Deploy failed' --type alert --output json` to `url`, for more arguments.
fn send_json(url: &str) -> assert_cmd::Command {
    let mut cmd = hotpot_to(url);
    cmd.args([
        "send",
        "Deploy failed",
        "--type",
        "alert",
        "--output",
        "json",
    ]);
    cmd
}

#[test]
fn after_a_timeout_the_moment_may_have_been_recorded_and_the_same_key_retries_safely() {
    let mock = Mock::start();
    // The mock records the moment at once and answers 3 s later: the answer is lost.
    mock.server
        .fail_next(Fault::delay(Duration::from_secs(3)))
        .unwrap();
    let output = hotpot_to(&mock.url())
        .args(["send", "Deploy failed", "--type", "alert"])
        .args(["--timeout", "0.3", "--retries", "0", "--output", "json"])
        .run();
    let err = output.exits(75);
    let out = &output.out;
    assert_eq!(mock.wait_moments(1).len(), 1, "the mock recorded it");
    assert!(!err.contains("nothing was recorded"), "{err}");
    assert!(err.contains("may have been recorded"), "{err}");
    let failure = json_line(out);
    assert_eq!(failure["exit"], 75, "{out}");
    assert_eq!(failure["attempts"], 1, "{out}");
    let key = failure["idempotency_key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 36, "a fresh UUID: {out}");
    assert!(err.contains(&format!("--idempotency-key {key}")), "{err}");

    // The script retries with the key it was given: the replay, not a second moment.
    let output = send_json(&mock.url())
        .args(["--idempotency-key", &key])
        .run();
    output.exits(0);
    let out = &output.out;
    assert_eq!(json_line(out)["idempotency_key"], key.as_str());
    assert_eq!(mock.moments().len(), 1, "recorded once");
}

#[test]
fn a_dropped_connection_is_not_called_nothing_recorded_either() {
    let mock = Mock::start();
    mock.server
        // Two attempts, each resent once at once (spec §5).
        .fail_next(Fault::drop_connection().times(4))
        .unwrap();
    let output = hotpot_to(&mock.url())
        .args(["send", "Deploy failed", "--type", "alert", "--retries", "1"])
        .run();
    let err = output.exits(75);
    assert!(!err.contains("nothing was recorded"), "{err}");
    assert!(err.contains("may have been recorded"), "{err}");
}

#[test]
fn the_key_comes_from_the_environment_and_a_repeated_call_records_once() {
    let mock = Mock::start();
    let send = || {
        send_json(&mock.url())
            .env("HOTPOT_IDEMPOTENCY_KEY", "deploy-1234-failed")
            .run()
    };
    let (first, second) = (send(), send());
    assert!(first.success() && second.success());
    let (a, b) = (json_line(&first.out), json_line(&second.out));
    assert_eq!(a["idempotency_key"], "deploy-1234-failed");
    assert_eq!(a["request_id"], b["request_id"]);
    assert_eq!(mock.moments().len(), 1);

    // The flag wins over the environment.
    let output = send_json(&mock.url())
        .env("HOTPOT_IDEMPOTENCY_KEY", "deploy-1234-failed")
        .args(["--idempotency-key", "another-key"])
        .run();
    assert_eq!(json_line(&output.out)["idempotency_key"], "another-key");
    assert_eq!(mock.moments().len(), 2);
}

#[test]
fn a_key_that_breaks_the_rule_is_refused_before_anything_is_sent() {
    let mock = Mock::start();
    let output = send_json(&mock.url())
        .args(["--idempotency-key", "naïve"])
        .run();
    let err = output.exits(65);
    let out = &output.out;
    assert!(
        err.contains("--idempotency-key: expected printable ASCII characters, found 'ï'"),
        "{err}"
    );
    let failure = json_line(out);
    assert_eq!(failure["exit"], 65);
    assert_eq!(failure["attempts"], 0);
    assert_eq!(failure["idempotency_key"], Value::Null);

    let output = hotpot_to(&mock.url())
        .env("HOTPOT_IDEMPOTENCY_KEY", "k".repeat(256))
        .args(["send", "Deploy failed", "--type", "alert"])
        .run();
    output.exits_with(
        65,
        "HOTPOT_IDEMPOTENCY_KEY: expected 1 to 255 characters, found 256",
    );

    // `run` says so before the command starts, and still runs it.
    let output = hotpot_to(&mock.url())
        .args([
            "run",
            "--idempotency-key",
            " padded",
            "--",
            "sh",
            "-c",
            "exit 3",
        ])
        .run();
    output.exits_with(3, "--idempotency-key: expected no space");
    assert!(mock.events().is_empty());
}

#[test]
fn run_sends_its_moment_with_the_key() {
    let mock = Mock::start();
    for _ in 0..2 {
        let output = hotpot_to(&mock.url())
            .args(["run", "--idempotency-key", "nightly-2026-12-06", "--"])
            .args(["sh", "-c", "exit 3"])
            .run();
        output.exits(3);
    }
    assert_eq!(mock.moments().len(), 1, "the second run is the replay");
}

#[test]
fn a_stalled_server_gets_the_whole_send_timeout_total_not_every_attempt() {
    let mock = Mock::start();
    // Every attempt would wait 5 s for an answer that comes after 60 s, six times over;
    // --timeout-total ends the send after 1 s, in its first attempt.
    mock.server
        .fail_next(Fault::delay(Duration::from_secs(60)).times(10))
        .unwrap();
    let output = send_json(&mock.url())
        .args(["--timeout", "5", "--retries", "5", "--timeout-total", "1"])
        .run();
    let err = output.exits(75);
    let out = &output.out;
    assert_eq!(json_line(out)["attempts"], 1, "{out}");
    assert!(
        err.contains("no answer in time on its only attempt"),
        "{err}"
    );
    assert!(err.contains("--timeout-total"), "{err}");
    assert_eq!(mock.wait_moments(1).len(), 1);

    // `run` too, and it still exits with the command's status.
    let output = hotpot_to(&mock.url())
        .args([
            "run",
            "--timeout",
            "5",
            "--retries",
            "5",
            "--timeout-total",
            "1",
        ])
        .args(["--", "sh", "-c", "exit 3"])
        .run();
    output.exits_with(3, "no answer in time on its only attempt");
}

#[test]
fn the_whole_send_defaults_to_the_clients_deadline() {
    let (help, _) = texts(&crate::support::hotpot().args(["send", "--help"]).run());
    let total = format!(
        "[default: {}]",
        hotpot_client::defaults::SEND_DEADLINE.as_secs_f64()
    );
    let after = help.split("--timeout-total <SECONDS>").nth(1).unwrap_or("");
    assert!(after.split("--").next().unwrap().contains(&total), "{help}");
}
