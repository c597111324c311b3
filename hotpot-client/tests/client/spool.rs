//! The emitter's spool (spec §10) with real processes: a child emits into a spool and is
//! killed with SIGKILL, and a restart delivers every moment whose `emit` had returned, each
//! exactly once by its `Idempotency-Key` (the scripted server records a key once). Also:
//! slots across processes and within one, the single-owner layout taken over, a full disk (`RLIMIT_FSIZE`), `spool_max_bytes`, recovery counted in the stats,
//! `flush_spool`, and space reclaimed over many moments.
//!
//! The child is this test binary itself, run with `--ignored --exact spool::spool_child` and
//! the `SPOOL_CHILD_*` variables: [`spool_child`] is not a test of its own.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::emitter_support::{Answer, Server, client, fast_retry, moment};
use hotpot_client::spool::flush_spool;
use hotpot_client::{EmitError, Emitter, SpoolSync};

// --- the child -----------------------------------------------------------------------------

/// Runs only as a child of the tests below (`--ignored`): emits `SPOOL_CHILD_N` moments named
/// `m<i>` into `SPOOL_CHILD_DIR`, printing `emitted <i>` after each `emit` returned, then
/// `done`, and waits to be killed. `SPOOL_CHILD_HOLD=1` only holds the spool.
#[test]
#[ignore = "a child process of the spool tests, not a test of its own"]
fn spool_child() {
    let Ok(dir) = std::env::var("SPOOL_CHILD_DIR") else {
        return;
    };
    let url = std::env::var("SPOOL_CHILD_URL").unwrap();
    let n: usize = std::env::var("SPOOL_CHILD_N").unwrap().parse().unwrap();
    let emitter = Emitter::builder(client(&url))
        .spool(&dir)
        .retry(fast_retry())
        .capacity(100_000)
        .build()
        .unwrap();
    println!("ready");
    for i in 0..n {
        match emitter.emit(moment(format!("m{i}"))) {
            Ok(()) => println!("emitted {i}"),
            Err(EmitError::Spool { moment, error }) => {
                // Handed back, with what the OS said.
                println!("refused {}: {error}", moment.name());
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    println!("done {}", emitter.stats().dropped);
    std::thread::sleep(Duration::from_secs(600));
}

/// The child, started; its stdout read line by line.
struct ChildRun {
    child: Child,
    lines: std::io::Lines<BufReader<ChildStdout>>,
}

impl ChildRun {
    fn start(dir: &Path, url: &str, n: usize) -> ChildRun {
        ChildRun::spawn(Command::new(std::env::current_exe().unwrap()), dir, url, n)
    }

    fn spawn(mut command: Command, dir: &Path, url: &str, n: usize) -> ChildRun {
        let mut child = command
            .args([
                "--ignored",
                "--exact",
                "spool::spool_child",
                "--nocapture",
                "-q",
            ])
            .env("SPOOL_CHILD_DIR", dir)
            .env("SPOOL_CHILD_URL", url)
            .env("SPOOL_CHILD_N", n.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut run = ChildRun { child, lines };
        // The test harness speaks first ("running 1 test").
        while let Some(line) = run.next_line() {
            if line == "ready" {
                return run;
            }
        }
        panic!("the child ended before it was ready");
    }

    fn next_line(&mut self) -> Option<String> {
        self.lines.next().map(Result::unwrap)
    }

    /// SIGKILL, and the reaping.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

// --- helpers ---------------------------------------------------------------------------------

/// A fresh directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "hotpot-spool-it-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The segment files of the spool `dir`: in its slots, and in the directory itself (a
/// spool of the single-owner layout).
fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(segment_files(&path));
        } else if path.extension().is_some_and(|x| x == "seg") {
            found.push(path);
        }
    }
    found
}

/// The bytes of the segments' records, without the zeros reserved after them (and without
/// the zero bytes a last settled record may end with: enough to compare spools).
fn record_bytes(dir: &Path) -> u64 {
    segment_files(dir)
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .map(|b| b.iter().rposition(|&x| x != 0).map_or(0, |i| i as u64 + 1))
        .sum()
}

/// Bytes of the spool's segment files.
fn segment_bytes(dir: &Path) -> u64 {
    segment_files(dir)
        .into_iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum()
}

/// The names of the spool's slots, sorted.
fn slot_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("slot-"))
        .collect();
    names.sort();
    names
}

/// Restarts on `dir` (here: the second process), delivers, and checks that the server holds
/// every acknowledged moment exactly once. Returns how many were recovered.
fn restart_and_check(dir: &Path, server: &Server, acknowledged: &HashSet<String>) -> u64 {
    server.set_default(Answer::Accept);
    let emitter = Emitter::builder(client(&server.url()))
        .spool(dir)
        .retry(fast_retry())
        .capacity(100_000)
        .build()
        .unwrap();
    let recovered = emitter.stats().recovered;
    let report = emitter.flush(Duration::from_secs(20));
    assert!(!report.timed_out, "{report}");
    let report = emitter.shutdown(Duration::from_secs(5));
    assert_eq!(report.recovered, recovered);
    assert_eq!(
        report.emitted,
        report.delivered + report.failed + report.dropped + report.kept + report.unsent()
    );
    assert_eq!(report.failed + report.dropped + report.kept, 0, "{report}");
    let accepted = server.accepted();
    let mut names = HashSet::new();
    for seen in &accepted {
        // A second key for one moment would be a second record on a real server.
        assert!(
            names.insert(seen.name.clone()),
            "{} recorded twice",
            seen.name
        );
    }
    for name in acknowledged {
        assert!(
            names.contains(name),
            "{name} was acknowledged by emit but never delivered"
        );
    }
    // Nothing pending: the spool is empty again.
    assert_eq!(segment_bytes(dir), 0);
    recovered
}

/// Kills a child emitting `n` moments after a random number of them; returns the names
/// whose `emit` had returned.
fn emit_and_kill(dir: &Path, url: &str, n: usize) -> HashSet<String> {
    let mut run = ChildRun::start(dir, url, n);
    let stop_after = fastrand::usize(0..=n);
    let mut acknowledged = HashSet::new();
    while acknowledged.len() < stop_after {
        match run.next_line() {
            Some(line) if line.starts_with("emitted ") => {
                acknowledged.insert(format!("m{}", &line["emitted ".len()..]));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // A random moment more: in the middle of a write, of a send, or of nothing.
    std::thread::sleep(Duration::from_micros(fastrand::u64(0..2000)));
    run.kill();
    acknowledged
}

/// How many kills each crash test makes (`HOTPOT_SPOOL_KILLS`, default 25: 50 in all).
fn kills() -> usize {
    std::env::var("HOTPOT_SPOOL_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25)
}

/// Slots and adoption (every emitter of a service on one directory); `spool_max_bytes`.
mod max_bytes;
mod slots;

// --- crash safety ------------------------------------------------------------------------------

#[test]
fn killed_while_the_server_answers_503_to_everything_nothing_is_lost() {
    let mut recovered = 0;
    for round in 0..kills() {
        let dir = TempDir::new("503");
        let server = Server::start(Answer::Status(503));
        let acknowledged = emit_and_kill(&dir.0, &server.url(), 40);
        // Nothing was delivered before the kill.
        assert!(server.accepted().is_empty(), "round {round}");
        recovered += restart_and_check(&dir.0, &server, &acknowledged);
        assert!(recovered >= acknowledged.len() as u64);
    }
}

#[test]
fn killed_while_deliveries_are_in_flight_each_moment_is_recorded_once() {
    for round in 0..kills() {
        let dir = TempDir::new("inflight");
        let server = Server::start(Answer::Accept);
        let acknowledged = emit_and_kill(&dir.0, &server.url(), 60);
        let before = server.accepted().len();
        let recovered = restart_and_check(&dir.0, &server, &acknowledged);
        // What was delivered before the kill, and whose settled record made it to the file,
        // is not sent again; the rest is, with its key.
        assert!(
            recovered as usize + before >= acknowledged.len(),
            "round {round}: {recovered} recovered, {before} delivered before, {} acknowledged",
            acknowledged.len()
        );
    }
}

#[test]
fn a_torn_last_record_left_by_a_kill_costs_nothing_that_was_acknowledged() {
    let dir = TempDir::new("torn");
    let server = Server::start(Answer::Status(503));
    let acknowledged = emit_and_kill(&dir.0, &server.url(), 20);
    // As if the kill had come in the middle of the next write: half a record at the end.
    let last = segment_files(&dir.0).into_iter().max().unwrap();
    let mut bytes = std::fs::read(&last).unwrap();
    let torn: Vec<u8> = bytes[24..24 + 30].to_vec();
    bytes.extend_from_slice(&torn);
    std::fs::write(&last, &bytes).unwrap();
    restart_and_check(&dir.0, &server, &acknowledged);
}

// --- a full disk ------------------------------------------------------------------------------

#[test]
fn a_full_disk_refuses_the_moment_and_hands_it_back_and_the_spool_stays_readable() {
    let dir = TempDir::new("full");
    let server = Server::start(Answer::Status(503));
    // RLIMIT_FSIZE: no file may grow past 64 KiB (128 blocks of 512 bytes), as on a full
    // disk: the spool reserves its first 64 KiB, and the next reservation fails with EFBIG
    // (SIGXFSZ ignored, so that it does not kill the child).
    let mut shell = Command::new("sh");
    shell.args([
        "-c",
        "trap '' XFSZ; ulimit -f 128; exec \"$0\" \"$@\"",
        std::env::current_exe().unwrap().to_str().unwrap(),
    ]);
    let mut run = ChildRun::spawn(shell, &dir.0, &server.url(), 1000);
    let mut acknowledged = HashSet::new();
    let refusal = loop {
        match run.next_line() {
            Some(line) if line.starts_with("emitted ") => {
                acknowledged.insert(format!("m{}", &line["emitted ".len()..]));
            }
            Some(line) if line.starts_with("refused ") => break line,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(refusal.contains("cannot write to the spool"), "{refusal}");
    assert!(refusal.contains(&dir.0.display().to_string()), "{refusal}");
    assert!(refusal.contains("too large"), "{refusal}"); // EFBIG: "File too large"
    assert!(acknowledged.len() > 10, "{}", acknowledged.len());
    // The refused moment was counted as dropped.
    assert_eq!(run.next_line().as_deref(), Some("done 1"));
    run.kill();
    // No torn record was left behind: all acknowledged ones are delivered, nothing damaged.
    assert_eq!(
        restart_and_check(&dir.0, &server, &acknowledged),
        acknowledged.len() as u64
    );
}

#[test]
fn a_directory_that_cannot_be_made_is_a_config_error_naming_it() {
    let dir = TempDir::new("file");
    std::fs::write(&dir.0, b"a file where the spool's parent should be").unwrap();
    let path = dir.0.join("spool");
    let err = Emitter::builder(client("http://127.0.0.1:9/moment/abcd1234"))
        .spool(&path)
        .build()
        .unwrap_err();
    assert!(err.is_config());
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    let _ = std::fs::remove_file(&dir.0);
}

#[test]
fn an_empty_spool_path_is_refused_and_leaves_no_lock_in_the_working_directory() {
    let err = Emitter::builder(client("http://127.0.0.1:9/moment/abcd1234"))
        .spool("")
        .build()
        .unwrap_err();
    assert!(err.is_config());
    assert!(
        err.to_string()
            .contains("spool: expected a directory, found an empty path"),
        "{err}"
    );
    assert!(
        !Path::new("lock").exists(),
        "a lock file was left in the working directory"
    );
}

// --- recovery, counted ---------------------------------------------------------------------------

#[test]
fn a_shutdown_that_gives_up_keeps_its_moments_for_the_next_emitter_with_their_keys() {
    let dir = TempDir::new("kept");
    let server = Server::start(Answer::Status(503));
    let hook_calls = std::sync::Arc::new(AtomicU32::new(0));
    let calls = std::sync::Arc::clone(&hook_calls);
    // Two sends at a time: two moments in flight and three queued when the shutdown gives up.
    let first = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .concurrency(2)
        .retry(fast_retry())
        .on_error(move |_, _| {
            calls.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    for i in 0..5 {
        first.emit(moment(format!("kept {i}"))).unwrap();
    }
    server.wait_for_requests(2, Duration::from_secs(5));
    let report = first.shutdown(Duration::from_millis(50));
    assert_eq!(
        (
            report.emitted,
            report.kept,
            report.still_queued,
            report.in_flight
        ),
        (5, 5, 0, 0),
        "{report}"
    );
    assert_eq!(
        (report.delivered, report.failed, report.dropped),
        (0, 0, 0),
        "{report}"
    );
    assert!(report.timed_out);
    assert!(
        report.to_string().contains("kept 5 in the spool"),
        "{report}"
    );
    let stats = first.stats();
    assert_eq!((stats.kept, stats.dropped, stats.pending()), (5, 0, 0));
    assert_eq!(
        hook_calls.load(Ordering::SeqCst),
        0,
        "on_error called for a kept moment"
    );
    drop(first);
    assert!(segment_bytes(&dir.0) > 0);
    // The keys the first emitter sent, by moment.
    let sent: Vec<(String, String)> = server
        .requests()
        .into_iter()
        .map(|s| (s.name, s.key))
        .collect();

    // Hotpot is back: the next emitter on the directory sends them, once each.
    server.set_default(Answer::Accept);
    let second = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .retry(fast_retry())
        .build()
        .unwrap();
    assert_eq!(second.stats().recovered, 5);
    let report = second.flush(Duration::from_secs(10));
    assert!(!report.timed_out, "{report}");
    assert_eq!((report.delivered, report.recovered, report.kept), (5, 5, 0));
    let accepted = server.accepted();
    let mut names: Vec<String> = accepted.iter().map(|s| s.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["kept 0", "kept 1", "kept 2", "kept 3", "kept 4"]);
    // With their original keys: those sent before the shutdown came back with the same key.
    for (name, key) in &sent {
        let again = accepted.iter().find(|s| &s.name == name).unwrap();
        assert_eq!(&again.key, key, "{name} changed its key");
    }
    let report = second.shutdown(Duration::from_secs(1));
    assert_eq!(report.kept, 0);
    assert_eq!(segment_bytes(&dir.0), 0);
}

#[test]
fn recovered_moments_are_sent_first_with_their_keys_and_counted() {
    let dir = TempDir::new("keys");
    let server = Server::start(Answer::Status(503));
    // A spool left by a killed process holds them all.
    assert_eq!(emit_and_kill_all(&dir.0, &server, 4).len(), 4);
    // A request of the dead child's that the server handles only after this is accepted with
    // the child's key, before the restart sends that moment: the checks below allow for it.
    server.set_default(Answer::Accept);
    // One send at a time, so the order of sending is the order of arrival.
    let second = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .concurrency(1)
        .retry(fast_retry())
        .build()
        .unwrap();
    second.emit(moment("new")).unwrap();
    let stats = second.stats();
    assert_eq!(stats.recovered, 4);
    assert_eq!(stats.emitted, 5);
    assert!(!second.flush(Duration::from_secs(10)).timed_out);
    let stats = second.stats();
    assert_eq!(stats.delivered, 5);
    let accepted: Vec<String> = server.accepted().into_iter().map(|s| s.name).collect();
    // Recovered first, then the new one. (A request the dead child had sent just before the
    // kill may still be answered 202 once Hotpot is back; the restart's send of that moment,
    // with the same key, is then not recorded again: the order among m0..m3 may differ.)
    let mut recovered_names = accepted[..4].to_vec();
    recovered_names.sort();
    assert_eq!(recovered_names, ["m0", "m1", "m2", "m3"], "{accepted:?}");
    assert_eq!(accepted[4], "new");
    // The recovered ones kept the keys the dead process had sent them with.
    let child_keys: HashSet<String> = server
        .requests()
        .into_iter()
        .filter(|s| s.name.starts_with('m'))
        .map(|s| s.key)
        .collect();
    let accepted_keys: HashSet<String> = server
        .accepted()
        .into_iter()
        .filter(|s| s.name.starts_with('m'))
        .map(|s| s.key)
        .collect();
    assert!(!child_keys.is_empty());
    assert!(
        accepted_keys.is_subset(&child_keys),
        "keys changed on recovery"
    );
    second.shutdown(Duration::from_secs(1));
}

/// A child emits all `n` (the server refusing them with 503), then is killed.
fn emit_and_kill_all(dir: &Path, server: &Server, n: usize) -> HashSet<String> {
    let mut run = ChildRun::start(dir, &server.url(), n);
    let mut acknowledged = HashSet::new();
    for i in 0..n {
        assert_eq!(run.next_line(), Some(format!("emitted {i}")));
        acknowledged.insert(format!("m{i}"));
    }
    // Every moment's send has reached the server, so that its key is seen.
    server.wait_for_requests_of(&acknowledged, Duration::from_secs(20));
    run.kill();
    acknowledged
}

// --- flush_spool ---------------------------------------------------------------------------------

#[test]
fn flush_spool_delivers_a_dead_process_s_spool_or_leaves_it_intact_when_hotpot_is_down() {
    let dir = TempDir::new("flush");
    let server = Server::start(Answer::Status(503));
    let acknowledged = emit_and_kill_all(&dir.0, &server, 6);
    let bytes = record_bytes(&dir.0);

    // Hotpot still down: nothing delivered, everything left, the spool as it was.
    let report = flush_spool(&dir.0, client(&server.url()), Duration::from_millis(300)).unwrap();
    assert_eq!(
        (report.found, report.delivered, report.left),
        (6, 0, 6),
        "{report}"
    );
    assert!(record_bytes(&dir.0) >= bytes);

    // Back up: everything delivered, once each, and the spool empty.
    server.set_default(Answer::Accept);
    let report = flush_spool(&dir.0, client(&server.url()), Duration::from_secs(10)).unwrap();
    assert_eq!(
        (report.found, report.delivered, report.left),
        (6, 6, 0),
        "{report}"
    );
    let names: HashSet<String> = server.accepted().into_iter().map(|s| s.name).collect();
    assert_eq!(names, acknowledged);
    assert_eq!(segment_bytes(&dir.0), 0);

    // An unknown webhook: they fail for good and leave the spool; exit 77.
    server.set_default(Answer::Status(503));
    let acknowledged = emit_and_kill_all(&dir.0, &server, 2);
    assert_eq!(acknowledged.len(), 2);
    server.set_default(Answer::Status(404));
    let report = flush_spool(&dir.0, client(&server.url()), Duration::from_secs(10)).unwrap();
    assert_eq!((report.found, report.webhook_gone), (2, 2), "{report}");
    assert_eq!(segment_bytes(&dir.0), 0);

    // A directory that is not there is a typo, not an empty spool.
    let err = flush_spool(dir.0.join("nope"), client(&server.url()), Duration::ZERO).unwrap_err();
    assert!(err.is_config());
}

// --- space -----------------------------------------------------------------------------------------

#[test]
fn a_long_run_through_the_spool_leaves_at_most_one_segment() {
    let dir = TempDir::new("space");
    let server = Server::start(Answer::Accept);
    let emitter = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .spool_sync(SpoolSync::Never)
        .build()
        .unwrap();
    let description = "x".repeat(900);
    let mut peak = 0;
    // About 30 MiB through the spool, 7 segments' worth.
    for round in 0..30 {
        for i in 0..1000 {
            let m = hotpot_client::Moment::builder(
                format!("r{round} m{i}"),
                hotpot_client::MomentType::Alert,
            )
            .description(description.as_str())
            .build()
            .unwrap();
            emitter.emit(m).unwrap();
        }
        assert!(!emitter.flush(Duration::from_secs(30)).timed_out);
        peak = peak.max(segment_bytes(&dir.0));
    }
    let settled = segment_bytes(&dir.0);
    assert!(
        settled <= 5 << 20,
        "{settled} bytes once everything settled"
    );
    assert!(peak <= 9 << 20, "peak {peak} bytes");
    assert_eq!(emitter.stats().delivered, 30_000);
    emitter.shutdown(Duration::from_secs(1));
    assert_eq!(segment_bytes(&dir.0), 0);
}
