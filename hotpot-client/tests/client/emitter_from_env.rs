//! `Emitter::from_env()` (spec §10): the client from `HOTPOT_WEBHOOK_URL`, the spool from
//! `HOTPOT_SPOOL`. The environment is a process's: each case runs this test binary again as a
//! child with the variables set (`--ignored --exact emitter_from_env::from_env_child`), so no
//! test changes the environment of the others.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::emitter_support::{Answer, Server, client, fast_retry, moment};
use hotpot_client::Emitter;

/// Runs only as a child of the tests below: `Emitter::from_env()`, one moment emitted, a
/// shutdown of 200 ms; prints `kept <n> delivered <n>`, or `error <message>`.
#[test]
#[ignore = "a child process of the from_env tests, not a test of its own"]
fn from_env_child() {
    if std::env::var_os("FROM_ENV_CHILD").is_none() {
        return;
    }
    match Emitter::from_env() {
        Ok(emitter) => {
            emitter.emit(moment("from the environment")).unwrap();
            let report = emitter.shutdown(Duration::from_millis(200));
            println!("kept {} delivered {}", report.kept, report.delivered);
        }
        Err(e) => println!("error {} {e}", e.is_config()),
    }
}

/// Runs [`from_env_child`] with `vars` set (and the hotpot variables not named unset);
/// returns its result line.
fn run_child(vars: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--ignored",
            "--exact",
            "emitter_from_env::from_env_child",
            "--nocapture",
            "-q",
        ])
        .env("FROM_ENV_CHILD", "1")
        .env_remove("HOTPOT_WEBHOOK_URL")
        .env_remove("HOTPOT_API_KEY")
        .env_remove("HOTPOT_SPOOL");
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout
        .lines()
        .find(|line| line.starts_with("kept ") || line.starts_with("error "))
        .unwrap_or_else(|| panic!("no result from the child: {stdout}"))
        .to_owned()
}

/// A fresh directory, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn from_env_keeps_its_queue_in_the_spool_hotpot_spool_names() {
    let dir =
        TempDir(std::env::temp_dir().join(format!("hotpot-from-env-it-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let server = Server::start(Answer::Status(503));
    let url = server.url();
    // Hotpot is down: the shutdown keeps the moment in the spool (it would drop it in memory).
    let line = run_child(&[
        ("HOTPOT_WEBHOOK_URL", &url),
        ("HOTPOT_SPOOL", &format!("  {}\n", dir.0.display())),
    ]);
    assert_eq!(line, "kept 1 delivered 0");
    // The next emitter on that directory sends it.
    server.set_default(Answer::Accept);
    let next = Emitter::builder(client(&url))
        .spool(&dir.0)
        .retry(fast_retry())
        .build()
        .unwrap();
    let report = next.shutdown(Duration::from_secs(10));
    assert_eq!((report.recovered, report.delivered), (1, 1), "{report:?}");
    assert_eq!(server.accepted()[0].name, "from the environment");
}

#[test]
fn from_env_without_hotpot_spool_keeps_its_queue_in_memory() {
    let server = Server::start(Answer::Status(503));
    let line = run_child(&[("HOTPOT_WEBHOOK_URL", &server.url()), ("HOTPOT_SPOOL", " ")]);
    assert_eq!(line, "kept 0 delivered 0");
}

#[test]
fn from_env_without_a_webhook_url_is_a_config_error_naming_the_variable() {
    let line = run_child(&[("HOTPOT_SPOOL", "/nonexistent/never-made")]);
    assert!(line.starts_with("error true "), "{line}");
    assert!(line.contains("HOTPOT_WEBHOOK_URL is not set"), "{line}");
}
