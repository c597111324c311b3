//! `--output json`, `--quiet`, and GitHub Actions.

use hotpot_mock_server::Fault;
use serde_json::Value;

use crate::support::{Mock, RunExt, hotpot, hotpot_to, texts};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
}

#[test]
fn send_prints_the_receipt_in_the_spec_shape() {
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["send", "x", "--type", "alert", "--output", "json"])
        .run();
    let (out, _) = texts(&output);
    assert_eq!(out.lines().count(), 1);
    let receipt = json(&out);
    let keys: Vec<&str> = receipt
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = ["status", "request_id", "attempts", "idempotency_key"];
    expected.sort();
    assert_eq!(keys, expected);
    assert_eq!(receipt["status"], 202);
    assert_eq!(receipt["attempts"], 1);
    assert_eq!(
        receipt["request_id"],
        mock.events()[0].request_id.clone().unwrap()
    );
    // Written as the specification writes it.
    assert!(
        out.starts_with("{\"status\": 202, \"request_id\": \""),
        "{out}"
    );
    assert!(
        receipt["idempotency_key"]
            .as_str()
            .is_some_and(|k| !k.is_empty())
    );
}

#[test]
fn problems_are_on_stderr_and_as_errors_on_stdout() {
    let output = hotpot()
        .args(["send", "", "--type", "alert", "--output", "json"])
        .run();
    let (out, err) = texts(&output);
    assert_eq!(output.code, Some(78));
    let errors = json(&out)["errors"].as_array().unwrap().clone();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["HOTPOT_WEBHOOK_URL", "name"]);
    for (line, error) in err.lines().zip(&errors) {
        assert_eq!(
            line,
            format!(
                "{}: {}",
                error["field"].as_str().unwrap(),
                error["message"].as_str().unwrap()
            )
        );
    }
}

#[test]
fn quiet_prints_nothing_on_stdout_even_with_json() {
    let mock = Mock::start();
    for args in [&["--quiet"][..], &["-q", "--output", "json"]] {
        let output = hotpot_to(&mock.url())
            .args(["send", "x", "--type", "alert"])
            .args(args)
            .run();
        assert!(output.success());
        assert!(output.out.is_empty());
        let output = hotpot_to(&mock.url())
            .args(["send", "", "--type", "alert"])
            .args(args)
            .run();
        assert_eq!(output.code, Some(65));
        assert!(output.out.is_empty());
        assert!(output.err.starts_with("name: "));
    }
}

#[test]
fn check_and_status_have_json_shapes_too() {
    let output = hotpot()
        .args(["check", "--output", "json", "-"])
        .write_stdin(r#"{"name": "x", "type": "PAGE"}"#)
        .run();
    assert_eq!(
        json(&output.out),
        serde_json::json!({"name": "x", "type": "page"})
    );
    let output = hotpot()
        .args(["check", "--output", "json", "-"])
        .write_stdin(r#"{"type": "PAGE"}"#)
        .run();
    assert_eq!(json(&output.out)["errors"][0]["field"], "name");
}

#[test]
fn github_actions_get_annotations_and_the_request_id() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let github_output = dir.path().join("output");
    std::fs::write(&github_output, "earlier=1\n").unwrap();
    let output = hotpot_to(&mock.url())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &github_output)
        .args(["send", "x", "--type", "alert"])
        .run();
    assert!(output.success());
    let id = mock.events()[0].request_id.clone().unwrap();
    assert_eq!(
        std::fs::read_to_string(&github_output).unwrap(),
        format!("earlier=1\nrequest_id={id}\n")
    );

    mock.server.fail_next(Fault::status(503).times(3)).unwrap();
    let output = hotpot_to(&mock.url())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &github_output)
        .args(["send", "x", "--type", "alrt", "--description", "a\nb"])
        .run();
    let (_, err) = texts(&output);
    let annotations: Vec<&str> = err.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(annotations.len(), 1, "{err}");
    assert!(
        annotations[0].starts_with("::error title=hotpot send::type: expected one of"),
        "{err}"
    );

    let output = hotpot_to(&mock.url())
        .env("GITHUB_ACTIONS", "true")
        .args(["send", "x", "--type", "alert"])
        .run();
    let (_, err) = texts(&output);
    assert_eq!(output.code, Some(75));
    // Try later: a warning, not an error (a step that treats 75 as success stays green).
    assert!(
        err.lines().any(
            |l| l.starts_with("::warning title=hotpot send::delivery: server error (HTTP 503)")
        ),
        "{err}"
    );
    assert!(!err.contains("::error"), "{err}");
    // Not in GitHub Actions: no annotations.
    let output = hotpot().args(["send", "x", "--type", "alert"]).run();
    assert!(!output.err.contains("::error"));
}

/// The lines GitHub's runner would read as workflow commands: after CR or LF, the first
/// non-blank characters are `::` (or the old form `##[` appears).
fn workflow_commands(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(['\r', '\n'])
        .filter(|line| line.trim_start().starts_with("::"))
        .map(str::to_owned)
        .collect();
    if text.contains("##[") {
        found.push("##[".to_owned());
    }
    found
}

#[test]
fn in_github_actions_no_payload_can_start_a_workflow_command() {
    let mock = Mock::start();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = hotpot_to(&mock.url());
        cmd.env("GITHUB_ACTIONS", "true").args(args);
        if let Some(stdin) = stdin {
            cmd.write_stdin(stdin.to_owned());
        }
        let output = cmd.run();
        let (out, err) = texts(&output);
        (output.code.unwrap(), out, err)
    };
    // A key, a value and a description carrying `::` and newlines (and CR, and `%`).
    let payload = serde_json::json!({
        "name": "Disk 91% full",
        "type": "alert\n::notice::VALUE",
        "description": "line\n::notice::DESCRIPTION\r::error::CR",
        "k\n::notice::KEY": 1,
        "k\r::notice::CRKEY ##[set-env name=X]": 2,
    })
    .to_string();
    let mut all = Vec::new();
    for (args, stdin) in [
        (vec!["send", "--json", payload.as_str()], None),
        (vec!["check", "-"], Some(payload.as_str())),
        (
            vec!["check", "--output", "json", "-"],
            Some(payload.as_str()),
        ),
        (
            vec!["send", "--json", payload.as_str(), "--output", "json"],
            None,
        ),
        (
            vec!["send", "x\n::notice::ARG", "--type", "nope\n::notice::T"],
            None,
        ),
        (vec!["x\n::notice::SUBCOMMAND"], None),
    ] {
        let (code, out, err) = run(&args, stdin);
        assert_ne!(code, 0, "{args:?}: {err}");
        assert!(workflow_commands(&out).is_empty(), "{args:?}: {out}");
        // The only commands are hotpot's own annotations.
        for line in workflow_commands(&err) {
            assert!(
                line.starts_with("::error title=hotpot ")
                    || line.starts_with("::warning title=hotpot "),
                "{args:?}: {line:?} in\n{err}"
            );
        }
        all.push(err);
    }
    // The unknown keys are still named, one line each, escaped as workflow data.
    assert!(
        all[0].contains("warning: k%0A::notice::KEY: "),
        "{}",
        all[0]
    );
    assert!(
        all[0].contains("::warning title=hotpot send::k%0A::notice::KEY"),
        "{}",
        all[0]
    );
    assert!(mock.events().is_empty());

    // A description with `::` and newlines that is sent: nothing of it reaches the log.
    let description = "step 1\n::notice::DESCRIPTION\r\n##[error]x";
    let (code, out, err) = run(
        &[
            "send",
            "Deploy failed",
            "--type",
            "alert",
            "--description",
            description,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(workflow_commands(&out).is_empty() && workflow_commands(&err).is_empty());
    assert_eq!(
        mock.moments()[0].description.as_deref(),
        Some(description),
        "sent as it was"
    );
}
