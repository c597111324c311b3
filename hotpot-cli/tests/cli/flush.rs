//! `hotpot flush --spool DIR` (spec §9, §10): a spool left by a process killed with
//! SIGKILL is delivered with its moments' own keys; with Hotpot down it is left intact (75);
//! a live emitter's slot is left alone and listed; damaged records give 65.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use hotpot_client::{Client, Emitter, Moment, MomentType, RetryPolicy};

use crate::support::{Mock, RunExt, hotpot, hotpot_to, texts};

/// A URL nobody answers: port 1 of loopback refuses connections.
const DOWN: &str = "http://127.0.0.1:1/moment/cliDownT0kenSecretR5";

/// `hotpot flush ARGS --output json --spool DIR` sending to `url`: checks its exit status and
/// gives its JSON report.
fn flush_report(url: &str, args: &[&str], dir: &Path, status: i32) -> serde_json::Value {
    let output = hotpot_to(url)
        .arg("flush")
        .args(args)
        .args(["--output", "json", "--spool"])
        .arg(dir)
        .run();
    output.exits(status);
    serde_json::from_str(&output.out).unwrap()
}

/// Runs only as a child of the tests below (`--ignored`): emits `FLUSH_CHILD_N` moments into
/// the spool `FLUSH_CHILD_DIR` for a server that is down, says `done`, and waits to be killed.
#[test]
#[ignore = "a child process of the flush tests, not a test of its own"]
fn flush_child() {
    let Ok(dir) = std::env::var("FLUSH_CHILD_DIR") else {
        return;
    };
    let n: usize = std::env::var("FLUSH_CHILD_N").unwrap().parse().unwrap();
    let client = Client::builder(DOWN)
        .retry(RetryPolicy::default().with_max_delay(Duration::from_millis(50)))
        .build()
        .unwrap();
    let emitter = Emitter::builder(client).spool(&dir).build().unwrap();
    for i in 0..n {
        let moment = Moment::builder(format!("spooled {i}"), MomentType::Alert)
            .build()
            .unwrap();
        emitter.emit(moment).unwrap();
    }
    println!("done");
    std::thread::sleep(Duration::from_secs(600));
}

/// A spool holding `n` moments, left by a child killed with SIGKILL after every `emit`
/// returned.
pub(crate) fn spool_left_by_a_killed_process(dir: &Path, n: usize) {
    let mut child = emitter_holding(dir, n);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A child whose emitter holds a slot of the spool `dir` with `n` moments in it (Hotpot is
/// down for it), alive until killed.
fn emitter_holding(dir: &Path, n: usize) -> std::process::Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "flush::flush_child",
            "--nocapture",
            "-q",
        ])
        .env("FLUSH_CHILD_DIR", dir)
        .env("FLUSH_CHILD_N", n.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.map(Result::unwrap).any(|line| line == "done"),
        "the child ended before it had emitted"
    );
    child
}

#[test]
fn a_dead_services_spool_is_delivered_once_with_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    spool_left_by_a_killed_process(dir.path(), 5);
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["flush", "--spool"])
        .arg(dir.path())
        .run();
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.code, Some(0), "{stdout}{stderr}");
    assert!(stdout.starts_with("found 5, delivered 5,"), "{stdout}");
    let moments = mock.wait_moments(5);
    let mut names: Vec<_> = moments.iter().map(|m| m.name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        (0..5).map(|i| format!("spooled {i}")).collect::<Vec<_>>()
    );

    // Delivered moments left the spool: a second flush finds nothing.
    let report = flush_report(&mock.url(), &[], dir.path(), 0);
    assert_eq!(report["found"], 0);
    assert_eq!(mock.moments().len(), 5);
}

#[test]
fn with_hotpot_down_the_spool_is_left_for_later_and_the_status_is_75() {
    let dir = tempfile::tempdir().unwrap();
    spool_left_by_a_killed_process(dir.path(), 3);
    let report = flush_report(DOWN, &["--timeout-total", "0.5"], dir.path(), 75);
    assert_eq!(
        (report["found"].as_u64(), report["left"].as_u64()),
        (Some(3), Some(3))
    );

    // Nothing was lost: once Hotpot is back, every moment arrives.
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["flush", "--spool"])
        .arg(dir.path())
        .run();
    output.exits(0);
    assert_eq!(mock.wait_moments(3).len(), 3);
}

#[test]
fn a_spool_that_is_not_there_and_a_missing_url_are_both_reported() {
    let output = hotpot().args(["flush", "--spool", "/no/such/spool"]).run();
    let stderr = output.err;
    assert_eq!(output.code, Some(78), "{stderr}");
    assert!(stderr.contains("HOTPOT_WEBHOOK_URL: "), "{stderr}");
    assert!(stderr.contains("--spool: expected the directory of an emitter's spool, found no directory at /no/such/spool"), "{stderr}");

    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["flush", "--spool", "/no/such/spool"])
        .run();
    output.exits(66);
}

#[test]
fn a_directory_that_is_not_a_spool_is_refused_and_left_as_it_was() {
    let mock = Mock::start();
    for files in [&[][..], &["notes.txt", "42.seg"][..]] {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            std::fs::write(dir.path().join(file), "x").unwrap();
        }
        let output = hotpot_to(&mock.url())
            .args(["flush", "--spool"])
            .arg(dir.path())
            .run();
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.code, Some(66), "{stdout}{stderr}");
        assert!(stdout.is_empty(), "no report: {stdout}");
        assert!(
            stderr.starts_with(
                "--spool: expected the directory of an emitter's spool, found no spool file in"
            ),
            "{stderr}"
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected: Vec<String> = files.iter().map(|f| (*f).to_owned()).collect();
        expected.sort();
        assert_eq!(left, expected, "nothing created, no lock file");
    }
}

#[test]
fn a_live_emitters_slot_is_left_alone_and_listed_with_its_process_id_and_moments() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = emitter_holding(dir.path(), 3);
    let pid = live.id();
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["flush", "--output", "json", "--spool"])
        .arg(dir.path())
        .run();
    let json = output.out.clone();
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let text = hotpot_to(&mock.url())
        .args(["flush", "--spool"])
        .arg(dir.path())
        .run();
    live.kill().unwrap();
    live.wait().unwrap();
    // Nothing orphaned, nothing sent: the live slot does not count against the exit status.
    output.exits(0);
    assert_eq!(report["found"], 0, "{json}");
    assert_eq!(
        report["live"],
        serde_json::json!([{"pid": pid, "moments": 3}]),
        "{json}"
    );
    let (stdout, stderr) = texts(&text);
    assert_eq!(text.code, Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "live slot left alone: process {pid} holds 3 moment(s) and delivers them itself"
        )),
        "{stderr}"
    );
    assert!(
        mock.moments().is_empty(),
        "a live emitter's moment was sent"
    );

    // Once its process is gone the slot is an orphan like any other: delivered.
    let report = flush_report(&mock.url(), &[], dir.path(), 0);
    assert_eq!(
        (report["found"].as_u64(), report["delivered"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(report["live"], serde_json::json!([]));
}

#[test]
fn damaged_records_are_counted_the_intact_moments_delivered_and_the_status_is_65() {
    let dir = tempfile::tempdir().unwrap();
    spool_left_by_a_killed_process(dir.path(), 3);
    // A flipped byte inside the first record's payload (after the 24-byte segment header and
    // the record's 12-byte header): its checksum fails.
    let segment = std::fs::read_dir(dir.path().join("slot-0"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "seg"))
        .unwrap();
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes[24 + 12 + 20] ^= 0xFF;
    std::fs::write(&segment, bytes).unwrap();
    let mock = Mock::start();
    let output = hotpot_to(&mock.url())
        .args(["flush", "--output", "json", "--spool"])
        .arg(dir.path())
        .run();
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.code, Some(65), "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["damaged"], 1, "{stdout}");
    assert_eq!(
        (report["found"].as_u64(), report["delivered"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(
        stderr.contains("--spool: skipped 1 damaged record stretch(es)"),
        "{stderr}"
    );
    let mut names: Vec<_> = mock
        .wait_moments(2)
        .iter()
        .map(|m| m.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["spooled 1", "spooled 2"]);
}
