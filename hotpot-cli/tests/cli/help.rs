//! `--help` everywhere, with an example each, on an 80-column terminal; `--version`.

use crate::support::{RunExt, hotpot, texts};

const SUBCOMMANDS: [&str; 7] = [
    "send",
    "run",
    "check",
    "page",
    "status",
    "mock",
    "completions",
];

#[test]
fn every_help_has_an_example_and_fits_80_columns() {
    let mut calls: Vec<Vec<&str>> = vec![vec!["-h"], vec!["--help"], vec!["help"]];
    for sub in SUBCOMMANDS {
        calls.push(vec![sub, "-h"]);
        calls.push(vec![sub, "--help"]);
        calls.push(vec!["help", sub]);
    }
    for args in calls {
        // A wide terminal must not widen the help: it is written for 80 columns.
        let output = hotpot().args(&args).env("COLUMNS", "200").run();
        assert!(output.success(), "{args:?}");
        let (help, _) = texts(&output);
        let examples = help.split("\nExamples:\n").nth(1).unwrap_or_default();
        assert!(
            examples.contains("  hotpot "),
            "{args:?} has no example:\n{help}"
        );
        for line in help.lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: a line over 80 columns:\n{line}"
            );
        }
    }
}

#[test]
fn the_long_help_has_the_exit_statuses() {
    let (help, _) = texts(&hotpot().args(["send", "--help"]).run());
    for row in ["  65  ", "  75  ", "  77  ", "  78  "] {
        assert!(help.contains(row), "{row} missing:\n{help}");
    }
}

#[test]
fn version() {
    let output = hotpot().arg("--version").run();
    assert!(output.success());
    assert_eq!(
        output.out,
        format!("hotpot {}\n", env!("CARGO_PKG_VERSION"))
    );
    let output = hotpot().args(["send", "--version"]).run();
    assert_eq!(
        output.out,
        format!("hotpot-send {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_defaults_shown_are_the_clients() {
    use hotpot_client::defaults;
    let (help, _) = texts(&hotpot().args(["send", "--help"]).run());
    let timeout = format!("[default: {}]", defaults::TIMEOUT.as_secs_f64());
    let retries = format!("[default: {}]", defaults::MAX_RETRIES);
    let after = |flag: &str| help.split(flag).nth(1).unwrap_or_default().to_owned();
    assert!(
        after("--timeout <SECONDS>")
            .split("--retries")
            .next()
            .unwrap()
            .contains(&timeout),
        "{help}"
    );
    assert!(
        after("--retries <N>")
            .split("--output")
            .next()
            .unwrap()
            .contains(&retries),
        "{help}"
    );
}
