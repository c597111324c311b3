//! Corners newcomers met (issue 21): a program with no file name, an empty request id, the
//! placeholder `PATH:` in `check`'s problems, a byte order mark, a full standard output.

use std::process::Stdio;

use crate::support::{API_KEY, Mock, RunExt, hotpot, hotpot_to, texts};

#[test]
fn a_program_without_a_file_name_is_named_as_given() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url()).args(["run", "--", "./"]).run();
    output.exits(126);
    let moments = mock.wait_moments(1);
    assert_eq!(moments[0].name, "./ failed (could not start)");
}

#[test]
fn an_empty_request_id_is_refused_without_asking_the_server() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .env("HOTPOT_API_KEY", API_KEY)
        .args(["status", ""])
        .run();
    let (_, err) = texts(&output);
    // A call would have been answered (69 for an unknown id): 2 is the command line's own.
    assert_eq!(output.code, Some(2), "{err}");
    assert!(
        err.contains(
            "<REQUEST_ID>': expected the request id `hotpot send` printed, found an empty one"
        ),
        "{err}"
    );
}

#[test]
fn check_names_the_file_it_cannot_read() {
    let output = hotpot().args(["check", "/no/such/payload.json"]).run();
    let (_, err) = texts(&output);
    assert_eq!(output.code, Some(66));
    assert!(
        err.starts_with("/no/such/payload.json: cannot read the file: No such file"),
        "{err}"
    );
    assert!(!err.contains("PATH:"), "{err}");
}

#[test]
fn a_byte_order_mark_at_the_start_of_a_file_is_ignored() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let (url_file, json_file) = (dir.path().join("url.txt"), dir.path().join("moment.json"));
    std::fs::write(&url_file, format!("\u{feff}{}\r\n", mock.url())).unwrap();
    std::fs::write(
        &json_file,
        "\u{feff}{\"name\": \"Disk full\", \"type\": \"alert\"}",
    )
    .unwrap();

    let output = hotpot().arg("check").arg(&json_file).run();
    output.exits(0);
    assert_eq!(output.out, "{\"name\":\"Disk full\",\"type\":\"alert\"}\n");

    let output = hotpot()
        .arg("send")
        .arg("--url-file")
        .arg(&url_file)
        .arg("--json-file")
        .arg(&json_file)
        .run();
    output.exits(0);
    assert_eq!(mock.moments()[0].name, "Disk full");
}

/// `hotpot` as a `std::process::Command` (whose standard output can be any file), without
/// the test's `HOTPOT_*`, `GITHUB_*` and `RUST_LOG`.
fn std_hotpot(url: Option<&str>) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("hotpot"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("HOTPOT_") || key.starts_with("GITHUB_") || key == "RUST_LOG" {
            cmd.env_remove(&key);
        }
    }
    if let Some(url) = url {
        cmd.env("HOTPOT_WEBHOOK_URL", url);
    }
    cmd
}

#[test]
fn a_result_that_cannot_be_written_is_not_a_success() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full here (not Linux)
    };
    let dir = tempfile::tempdir().unwrap();
    let json_file = dir.path().join("moment.json");
    std::fs::write(&json_file, r#"{"name": "Disk full", "type": "alert"}"#).unwrap();
    let output = std_hotpot(None)
        .arg("check")
        .arg(&json_file)
        .stdout(Stdio::from(full.try_clone().unwrap()))
        .run();
    output.exits_starting(
        74,
        "hotpot: cannot write to standard output: No space left on device",
    );

    // `send`: the moment was sent, its request id lost; 74 says so.
    let mock = Mock::start();
    let output = std_hotpot(Some(&mock.url()))
        .args(["send", "Disk full", "--type", "alert"])
        .stdout(Stdio::from(full))
        .run();
    output.exits(74);
    assert_eq!(mock.moments().len(), 1);

    // A reader that stops early (`| head`) is not an error.
    let mut child = std_hotpot(None)
        .args(["--help"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
