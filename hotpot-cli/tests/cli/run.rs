//! `hotpot run -- COMMAND`: a moment when the command fails, its exit status always kept.

use std::process::Stdio;
use std::time::Duration;

use hotpot_client::MomentType;
use hotpot_mock_server::Fault;

use crate::support::{Mock, RunExt, hotpot, hotpot_to, texts};

#[test]
fn a_failing_command_becomes_a_moment_and_keeps_its_status() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["run", "--source", "cron", "--"])
        .args([
            "sh",
            "-c",
            "echo out; for i in $(seq 1 60); do echo err $i >&2; done; exit 3",
        ])
        .run();
    assert_eq!(output.code, Some(3));
    let (out, err) = texts(&output);
    assert_eq!(out, "out\n", "the command's stdout is its own");
    assert!(
        err.starts_with("err 1\nerr 2\n"),
        "its stderr passes through: {err}"
    );
    let moments = mock.moments();
    assert_eq!(moments.len(), 1);
    let moment = &moments[0];
    assert_eq!(moment.name, "sh failed (exit 3)");
    assert_eq!(moment.moment_type, MomentType::Alert);
    assert_eq!(moment.source.as_deref(), Some("cron"));
    let description = moment.description.as_deref().unwrap();
    assert!(
        description.contains("exited with status 3 after"),
        "{description}"
    );
    assert!(description.contains("the last 50 lines"), "{description}");
    assert!(
        description.contains("\nerr 11\n") && description.contains("\nerr 60\n"),
        "{description}"
    );
    assert!(
        !description.contains("\nerr 10\n"),
        "only the last 50 lines: {description}"
    );
}

#[test]
fn a_command_that_succeeds_sends_nothing_unless_always() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url()).args(["run", "--", "true"]).run();
    assert_eq!(output.code, Some(0));
    assert!(mock.events().is_empty());

    let output = hotpot_to(&mock.url())
        .args(["run", "--always", "--type", "page", "--", "true"])
        .run();
    assert_eq!(output.code, Some(0));
    let moments = mock.wait_moments(1);
    assert_eq!(moments[0].name, "true succeeded");
    assert_eq!(moments[0].moment_type, MomentType::Page);
}

#[test]
fn a_signal_is_reported_and_exits_as_a_shell_would() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args([
            "run",
            "--name",
            "Nightly backup failed",
            "--",
            "sh",
            "-c",
            "kill -KILL $$",
        ])
        .run();
    assert_eq!(output.code, Some(128 + 9));
    let moment = &mock.moments()[0];
    assert_eq!(moment.name, "Nightly backup failed");
    assert!(
        moment
            .description
            .as_deref()
            .unwrap()
            .contains("was killed by SIGKILL")
    );
}

#[test]
fn a_command_that_cannot_start_is_127_and_reported() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["run", "--", "no-such-command-hotpot-test"])
        .run();
    output.exits_with(127, "cannot run no-such-command-hotpot-test");
    assert_eq!(
        mock.moments()[0].name,
        "no-such-command-hotpot-test failed (could not start)"
    );
}

#[test]
fn a_failure_to_send_never_changes_the_exit_status() {
    // No URL at all: said before the command runs, and again when it fails.
    let output = hotpot().args(["run", "--", "sh", "-c", "exit 4"]).run();
    let err = output.exits_with(4, "HOTPOT_WEBHOOK_URL: is not set");
    assert!(err.contains("no moment was sent"), "{err}");

    // Hotpot down on every attempt.
    let mock = Mock::start();
    mock.server.fail_next(Fault::status(503).times(3)).unwrap();
    let output = hotpot_to(&mock.url())
        .args(["run", "--", "sh", "-c", "exit 5"])
        .run();
    output.exits_with(5, "delivery: server error (HTTP 503) on each of 3 attempts");

    // Invalid flags: the command still runs, and its status is kept.
    let output = hotpot_to(&mock.url())
        .args(["run", "--type", "alrt", "--", "sh", "-c", "exit 6"])
        .run();
    output.exits_with(6, "type: expected one of");
}

#[test]
fn the_webhook_url_in_its_stderr_is_redacted_in_the_moment() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args([
            "run",
            "--",
            "sh",
            "-c",
            "echo \"posting to $HOTPOT_WEBHOOK_URL\" >&2; exit 1",
        ])
        .run();
    assert_eq!(output.code, Some(1));
    let description = mock.moments()[0].description.clone().unwrap();
    assert!(
        !description.contains(crate::support::TOKEN),
        "{description}"
    );
    assert!(description.contains("/moment/cliT…"), "{description}");
}

#[test]
fn sigterm_is_passed_on_to_the_command() {
    let mock = Mock::start();
    let bin = assert_cmd::cargo::cargo_bin("hotpot");
    let mut child = std::process::Command::new(bin)
        .env("HOTPOT_WEBHOOK_URL", mock.url())
        .env_remove("RUST_LOG")
        .args(["run", "--", "sleep", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command runs (after its exec: before it, the forked child still has `hotpot`'s
    // handler and would swallow the signal).
    wait_for_child_running(child.id(), "sleep");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
    let moment = &mock.wait_moments(1)[0];
    assert_eq!(moment.name, "sleep failed (killed by SIGTERM)");
}

#[test]
fn json_output_leaves_stdout_to_the_command_and_comes_last_on_stderr() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["run", "--output", "json", "--"])
        .args([
            "sh",
            "-c",
            "echo '{\"from\": \"the command\"}'; echo oops >&2; exit 2",
        ])
        .run();
    assert_eq!(output.code, Some(2));
    let (out, err) = texts(&output);
    // `| jq` reads the command's own output, and only it.
    assert_eq!(out, "{\"from\": \"the command\"}\n");
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with("{\"status\": 202, \"request_id\": \""),
        "{err}"
    );
    let receipt: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(
        receipt["request_id"],
        mock.events()[0].request_id.clone().unwrap()
    );
    assert!(
        err.starts_with("oops\n"),
        "the command's stderr first: {err}"
    );
}

#[test]
fn output_file_holds_the_result_as_json() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("result.json");
    let output = hotpot_to(&mock.url())
        .arg("run")
        .arg("--output-file")
        .arg(&file)
        .args(["--", "sh", "-c", "echo 'deploying'; exit 4"])
        .run();
    assert_eq!(output.code, Some(4));
    let (out, err) = texts(&output);
    assert_eq!(out, "deploying\n");
    assert!(!err.contains("request_id"), "{err}");
    let receipt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(receipt["status"], 202);
    assert_eq!(
        receipt["request_id"],
        mock.events()[0].request_id.clone().unwrap()
    );

    // A failure to send is in the file too, with its exit, attempts and key.
    mock.server.fail_next(Fault::status(503).times(3)).unwrap();
    let output = hotpot_to(&mock.url())
        .arg("run")
        .arg("--output-file")
        .arg(&file)
        .args(["--", "sh", "-c", "exit 4"])
        .run();
    assert_eq!(output.code, Some(4));
    let failure: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(failure["exit"], 75);
    assert_eq!(failure["attempts"], 3);
    assert!(failure["idempotency_key"].is_string());

    // A command that succeeds sends nothing: the file is left empty, not stale.
    let output = hotpot_to(&mock.url())
        .arg("run")
        .arg("--output-file")
        .arg(&file)
        .args(["--", "true"])
        .run();
    assert_eq!(output.code, Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "");
}

/// Waits until a child of process `parent` runs the program `name` (Linux: read from
/// /proc; elsewhere a pause of half a second stands in); panics after 20 s.
fn wait_for_child_running(parent: u32, name: &str) {
    if !std::path::Path::new("/proc/self/stat").exists() {
        std::thread::sleep(Duration::from_millis(500));
        return;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let running = std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
            // `pid (comm) state ppid ...`: comm may hold spaces, so split after its `)`.
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let Some((head, tail)) = stat.rsplit_once(')') else {
                return false;
            };
            let comm = head.split_once('(').map_or("", |(_, c)| c);
            let ppid = tail.split_whitespace().nth(1);
            comm == name && ppid == Some(parent.to_string().as_str())
        });
        if running {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} never started under process {parent}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn problems_found_before_the_command_runs_come_last_as_json_too() {
    let output = hotpot()
        .args(["run", "--output", "json", "--"])
        .args(["sh", "-c", "echo out; echo oops >&2; exit 3"])
        .run();
    assert_eq!(output.code, Some(3));
    let (out, err) = texts(&output);
    assert_eq!(out, "out\n", "stdout is the command's");
    // Said before the command starts, in words; the JSON is the last line.
    assert!(
        err.starts_with("hotpot run: a moment could not be sent"),
        "{err}"
    );
    let last: serde_json::Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
    assert_eq!(last["exit"], 78, "{err}");
    assert_eq!(last["attempts"], 0);
    assert_eq!(last["errors"][0]["field"], "HOTPOT_WEBHOOK_URL");
}
