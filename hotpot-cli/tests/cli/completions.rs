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

fn script(shell: &str) -> String {
    let output = hotpot().args(["completions", shell]).run();
    assert!(output.success(), "{shell}");
    output.out
}

#[test]
fn values_are_completed_not_file_names() {
    let (bash, zsh, fish) = (script("bash"), script("zsh"), script("fish"));
    for values in [
        "page alert near-miss incident",
        "high medium low",
        "text json",
    ] {
        assert!(
            bash.contains(&format!("compgen -W \"{values}\"")),
            "bash: {values}"
        );
        assert!(zsh.contains(&format!(":({values})'")), "zsh: {values}");
    }
    for value in ["near-miss", "medium", "json"] {
        assert!(
            fish.lines().any(|l| l.contains("-l type")
                || l.contains("-l priority")
                || l.contains("-l output"))
                && fish.contains(value),
            "fish: {value}"
        );
    }
    let fish_type = fish
        .lines()
        .find(|l| l.contains("using_subcommand send") && l.contains("-l type"))
        .unwrap();
    assert!(
        fish_type.contains("near-miss") && fish_type.contains(" -f "),
        "{fish_type}"
    );
    assert!(zsh.contains("--spool=[The spool directory an emitter was built with]:DIR:_files -/"));
}

#[test]
fn the_refused_url_flag_is_never_offered() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = script(shell);
        let offered = script
            .match_indices("--url")
            .any(|(at, _)| !script[at..].starts_with("--url-file"))
            || script.contains("-l url ");
        assert!(!offered, "{shell} offers --url");
    }
    // And it is still refused, with where the URL comes from.
    let output = hotpot()
        .args([
            "send",
            "x",
            "--type",
            "alert",
            "--url=https://h.example/moment/abcdef1234",
        ])
        .run();
    let err = output.exits_starting(
        2,
        "--url: the webhook URL is never taken from the command line",
    );
    assert!(!err.contains("abcdef1234"), "{err}");
}

#[test]
fn run_completes_a_command_after_the_double_dash() {
    let zsh = script("zsh");
    assert!(
        zsh.contains("The command to run, and its arguments:_cmdambivalent'"),
        "zsh"
    );
    let fish = script("fish");
    assert!(
        fish.contains("__fish_hotpot_using_subcommand run; and contains -- -- (commandline -opc)\" -f -a \"(__fish_complete_command)\""),
        "fish"
    );
    // bash: what a TAB gives, computed by bash itself.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotpot.bash");
    std::fs::write(&path, script("bash")).unwrap();
    let complete = |words: &str| {
        let probe = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
             _hotpot_run_command hotpot \"${{COMP_WORDS[COMP_CWORD]}}\" \
             \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let output = std::process::Command::new("bash")
            .args(["--norc", "-c", &probe])
            .run();
        output.out
    };
    assert!(
        complete("hotpot run --always -- ech")
            .lines()
            .any(|l| l == "echo")
    );
    assert_eq!(complete("hotpot send x --type ne").trim(), "near-miss");
    assert_eq!(complete("hotpot send x --priority me").trim(), "medium");
    assert!(!complete("hotpot send --u").lines().any(|l| l == "--url"));
}
