//! `examples/shell/deploy.sh`, run as a deploy pipeline would, against the mock.

use std::path::PathBuf;

use hotpot_client::MomentType;
use hotpot_mock_server::Fault;

use crate::support::{Mock, Ran, RunExt};

fn deploy(mock: &Mock, command: &[&str]) -> Ran {
    deploy_to(&mock.url(), command)
}

thread_local! {
    /// A file the deploy command may write, one per test (each test runs on its thread).
    static MARKER: tempfile::TempDir = tempfile::tempdir().unwrap();
}

fn marker_path() -> PathBuf {
    MARKER.with(|dir| dir.path().join("deployed"))
}

fn deploy_to(url: &str, command: &[&str]) -> Ran {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/shell/deploy.sh");
    let bin_dir = assert_cmd::cargo::cargo_bin("hotpot")
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // As strict as a CI step: bash -euo pipefail, so a failing `hotpot send` that is not
    // caught would stop the script.
    std::process::Command::new("bash")
        .args(["-euo", "pipefail"])
        .arg(script)
        .args(["api", "v42"])
        .args(command)
        .env("PATH", path)
        .env("HOTPOT_WEBHOOK_URL", url)
        .env("MARKER", marker_path())
        .env_remove("GITHUB_ACTIONS")
        .run()
}

#[test]
fn a_deploy_that_works_announces_itself() {
    let mock = Mock::start();
    let output = deploy(&mock, &["true"]);
    assert!(output.success(), "{}", output.err);
    let names: Vec<String> = mock.moments().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["Deploy of api v42 started"]);
}

#[test]
fn a_deploy_that_fails_is_an_incident_and_fails_the_script() {
    let mock = Mock::start();
    let output = deploy(&mock, &["sh", "-c", "echo 'rollout timed out' >&2; exit 4"]);
    output.exits(4);
    let moments = mock.moments();
    assert_eq!(moments.len(), 2);
    assert_eq!(moments[1].name, "Deploy of api v42 failed");
    assert_eq!(moments[1].moment_type, MomentType::Incident);
    assert!(
        moments[1]
            .description
            .as_deref()
            .unwrap()
            .contains("rollout timed out")
    );
}

#[test]
fn hotpot_being_down_does_not_stop_the_deploy() {
    let mock = Mock::start();
    mock.server.fail_next(Fault::status(503).times(3)).unwrap();
    let output = deploy(&mock, &["sh", "-c", "echo deployed > \"$MARKER\""]);
    assert!(
        output.success(),
        "exit 75 is not a reason to stop: {}",
        output.err
    );
    assert_eq!(
        std::fs::read_to_string(marker_path()).unwrap_or_default(),
        "deployed\n",
        "the deploy ran after the 503s"
    );
}

#[test]
fn a_call_to_fix_stops_the_deploy_before_it_starts() {
    let mock = Mock::start();
    let expired = mock.expired_webhook();
    let output = deploy_to(&expired, &["sh", "-c", "echo deployed > \"$MARKER\""]);
    output.exits_with(1, "hotpot send failed with exit 77");
    assert!(!marker_path().exists(), "the deploy did not run");
}
