//! `hotpot completions SHELL` for every shell clap_complete knows, and the man page.

use clap::ValueEnum as _;
use clap_complete::Shell;

use crate::support::{RunExt, hotpot, texts};

#[test]
fn a_script_for_every_shell() {
    for shell in Shell::value_variants() {
        let name = shell.to_possible_value().unwrap().get_name().to_owned();
        let output = hotpot().args(["completions", &name]).run();
        assert!(output.success(), "{name}");
        let (script, _) = texts(&output);
        for word in ["hotpot", "send", "json-file", "url-file"] {
            assert!(script.contains(word), "{name}: {word} missing");
        }
    }
    assert_eq!(hotpot().args(["completions", "tcsh"]).run().code, Some(2));
}

#[test]
fn the_bash_script_is_valid_bash() {
    let (script, _) = texts(&hotpot().args(["completions", "bash"]).run());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotpot.bash");
    std::fs::write(&path, script).unwrap();
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(checked.success());
}

#[test]
fn the_man_page_renders_every_subcommand() {
    let command = hotpot_cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .unwrap();
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq \\(aq") || page.contains(".TH hotpot"),
        "{page}"
    );
    for sub in command.get_subcommands() {
        let mut sub_page = Vec::new();
        clap_mangen::Man::new(sub.clone())
            .render(&mut sub_page)
            .unwrap();
        assert!(!sub_page.is_empty());
    }
}
