//! Spec §6 and §9: when the webhook's answers carry `Sunset` (it has an expiry date), `send`,
//! `run` and `flush` warn on stderr (and with a `::warning::` in GitHub Actions), and their
//! exit status stays what it would have been.

use chrono::{TimeZone, Utc};
use hotpot_mock_server::{Fault, WebhookPatch};

use crate::flush::spool_left_by_a_killed_process;
use crate::support::{Mock, RunExt, TOKEN, assert_no_secret, hotpot_to};

const WARNING: &str = "warning: webhook: this webhook expires at 2099-01-02T03:04:05Z; rotate it\n";

/// A mock whose webhook expires on 2099-01-02 at 03:04:05 UTC.
fn expiring_mock() -> Mock {
    let mock = Mock::start();
    let at = Utc.with_ymd_and_hms(2099, 1, 2, 3, 4, 5).unwrap();
    mock.server
        .update_webhook(TOKEN, WebhookPatch::default().expires_at(Some(at)))
        .unwrap();
    mock
}

#[test]
fn send_warns_and_still_exits_0_with_the_request_id_alone_on_stdout() {
    let mock = expiring_mock();
    let output = hotpot_to(&mock.url())
        .args(["send", "deploy", "--type", "alert"])
        .run();
    let err = output.exits(0);
    assert_eq!(err, WARNING);
    let id = mock.events()[0].request_id.clone().unwrap();
    assert_eq!(output.out, format!("{id}\n"));
    assert_no_secret(&format!("{}{err}", output.out), &[TOKEN]);
}

#[test]
fn no_expiry_no_warning() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["send", "deploy", "--type", "alert"])
        .run();
    let err = output.exits(0);
    assert!(!err.contains("rotate"), "{err}");
}

#[test]
fn in_github_actions_it_is_also_a_warning_annotation() {
    let mock = expiring_mock();
    let output = hotpot_to(&mock.url())
        .env("GITHUB_ACTIONS", "true")
        .args(["send", "deploy", "--type", "alert"])
        .run();
    let err = output.exits(0);
    let annotations: Vec<&str> = err.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        annotations,
        [
            "::warning title=hotpot send::webhook: this webhook expires at 2099-01-02T03:04:05Z; rotate it"
        ],
        "{err}"
    );
    assert!(err.contains(WARNING), "{err}");
}

#[test]
fn a_failed_send_keeps_its_exit_status_and_still_warns() {
    let mock = expiring_mock();
    mock.server.fail_next(Fault::status(503).times(3)).unwrap();
    let output = hotpot_to(&mock.url())
        .args(["send", "deploy", "--type", "alert", "--retries", "2"])
        .run();
    let err = output.exits(75);
    assert!(err.contains(WARNING), "{err}");
    assert!(err.contains("server error (HTTP 503)"), "{err}");
    assert_no_secret(err, &[TOKEN]);
}

#[test]
fn run_warns_and_exits_with_its_command_s_status() {
    let mock = expiring_mock();
    let output = hotpot_to(&mock.url())
        .args(["run", "--", "sh", "-c", "exit 3"])
        .run();
    let err = output.exits(3);
    assert!(err.contains(WARNING), "{err}");
    assert_eq!(mock.wait_moments(1).len(), 1);
    let output = hotpot_to(&mock.url())
        .args(["run", "--always", "--", "true"])
        .run();
    let err = output.exits(0);
    assert!(err.contains(WARNING), "{err}");
}

#[test]
fn flush_warns_and_exits_0_when_everything_was_delivered() {
    let dir = tempfile::tempdir().unwrap();
    spool_left_by_a_killed_process(dir.path(), 2);
    let mock = expiring_mock();
    let output = hotpot_to(&mock.url())
        .env("GITHUB_ACTIONS", "true")
        .args(["flush", "--spool"])
        .arg(dir.path())
        .run();
    let err = output.exits(0);
    assert!(err.contains(WARNING), "{err}");
    assert!(
        err.contains("::warning title=hotpot flush::webhook: this webhook expires at 2099-01-02T03:04:05Z; rotate it"),
        "{err}"
    );
    assert!(
        output.out.starts_with("found 2, delivered 2,"),
        "{}",
        output.out
    );
    assert_no_secret(&format!("{}{err}", output.out), &[TOKEN]);
}
