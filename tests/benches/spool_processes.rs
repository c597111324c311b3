//! `emit()` with a spool while 8 processes emit into one spool directory at once (issue 22),
//! beside the same 8 processes emitting without a spool, in the same run:
//! `cargo bench -p hotpot-e2e --bench spool_processes`.
//!
//! Each process (this binary, re-run) builds an emitter (on the one shared directory, or
//! without a spool), waits behind a barrier (a file), then emits paced moments (one every
//! `PACE`, sleeping between them, as a service emits) into the in-process mock of the parent,
//! timing every `emit`. The samples of all 8 are put together: median and p99. Targets with a
//! spool (`sync` batch, the default): median ≤ 5 µs, p99 ≤ 50 µs.
//!
//! Then recovery: 10 processes, alive at once, spool 10,000 moments each while Hotpot is down
//! and are killed (10 orphaned slots, 100,000 moments); an emitter started on the directory
//! must send its first moment within 1 s.

#[path = "support/mock.rs"]
#[allow(dead_code, reason = "the other benches use the rest of it")]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use hotpot_client::{Client, Emitter};
use hotpot_test_support::bench::{median, moments};
use support::{cores, mock_on_its_own_runtime};

const PROCESSES: usize = 8;
const PER_PROCESS: usize = 5_000;
const PACE: Duration = Duration::from_micros(500);

fn main() {
    if let Ok(url) = std::env::var("SPOOL_PROCESSES_CHILD") {
        return child(&url);
    }
    if let Ok(dir) = std::env::var("SPOOL_PROCESSES_ORPHAN") {
        return orphan(Path::new(&dir));
    }
    let (_mock_runtime, server) = mock_on_its_own_runtime();
    let url = server.webhook_url();
    println!(
        "spool bench, {PROCESSES} processes on one spool directory — in-process mock, {} cores, \
         spools under {}",
        cores(),
        std::env::temp_dir().display()
    );
    println!(
        "\nemit() latency, paced {} µs, {PER_PROCESS} calls in each of {PROCESSES} processes \
         at once\n",
        PACE.as_micros()
    );
    println!("| emitters | median µs | p99 µs |");
    println!("|---|---|---|");
    let without = run(&url, None);
    server.reset();
    println!(
        "| {PROCESSES} processes without a spool | {:.2} | {:.2} |",
        without.0, without.1
    );
    let dir = std::env::temp_dir().join(format!("hotpot-spool-processes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let with = run(&url, Some(&dir));
    server.reset();
    let slots = std::fs::read_dir(&dir).map_or(0, |d| d.count());
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "| {PROCESSES} processes on one spool (sync batch) | {:.2} ({:.1}×) | {:.2} ({:.1}×) |",
        with.0,
        with.0 / without.0,
        with.1,
        with.1 / without.1
    );
    println!(
        "\n{slots} slots in the directory; target (spool): median ≤ 5 µs {}, p99 ≤ 50 µs {}",
        verdict(with.0 <= 5.0),
        verdict(with.1 <= 50.0)
    );
    recovery(&url, &server);
}

/// Runs the 8 processes (on the spool `dir`, if given) and returns the median and p99 of all
/// their samples.
fn run(url: &str, dir: Option<&Path>) -> (f64, f64) {
    let go: PathBuf = std::env::temp_dir().join(format!("hotpot-spool-go-{}", std::process::id()));
    let _ = std::fs::remove_file(&go);
    let children = children_saying(PROCESSES, "ready", |command| {
        command
            .env("SPOOL_PROCESSES_CHILD", url)
            .env("SPOOL_PROCESSES_GO", &go);
        if let Some(dir) = dir {
            command.env("SPOOL_PROCESSES_DIR", dir);
        }
    });
    std::fs::write(&go, b"go").expect("barrier");
    let mut samples = Vec::with_capacity(PROCESSES * PER_PROCESS);
    for (mut child, mut out) in children {
        let mut line = String::new();
        out.read_line(&mut line).expect("read");
        samples.extend(
            line.split_whitespace()
                .map(|s| s.parse::<f64>().expect("sample")),
        );
        assert!(child.wait().expect("wait").success());
    }
    let _ = std::fs::remove_file(&go);
    assert_eq!(samples.len(), PROCESSES * PER_PROCESS);
    samples.sort_by(f64::total_cmp);
    (median(&samples), samples[samples.len() * 99 / 100])
}

/// A child: its emitter, the barrier, the paced emits; prints its samples (µs) on one line.
fn child(url: &str) {
    let mut builder = Emitter::builder(Client::new(url).expect("url"));
    if let Ok(dir) = std::env::var("SPOOL_PROCESSES_DIR") {
        builder = builder.spool(dir);
    }
    let e = builder.build().expect("emitter");
    for m in moments("warm-up", 500) {
        e.emit(m).expect("queued");
    }
    assert!(e.flush(Duration::from_secs(60)).is_complete());
    println!("ready");
    std::io::stdout().flush().expect("stdout");
    let go = PathBuf::from(std::env::var_os("SPOOL_PROCESSES_GO").expect("go"));
    while !go.exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut samples = Vec::with_capacity(PER_PROCESS);
    for m in moments("paced", PER_PROCESS) {
        std::thread::sleep(PACE);
        let t = Instant::now();
        let r = e.emit(m);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(r).expect("queued");
    }
    let report = e.shutdown(Duration::from_secs(60));
    assert_eq!(report.delivered, (PER_PROCESS + 500) as u64, "{report}");
    let line: Vec<String> = samples.iter().map(|s| format!("{s:.3}")).collect();
    println!("{}", line.join(" "));
}

const ORPHANS: usize = 10;
const PER_ORPHAN: usize = 10_000;

/// An orphan to be: spools `PER_ORPHAN` moments to a server that is not there, says so, and
/// waits to be killed.
fn orphan(dir: &Path) {
    let e = Emitter::builder(Client::new("http://127.0.0.1:9/moment/benchTOKEN0").expect("url"))
        .spool(dir)
        .spool_sync(hotpot_client::SpoolSync::Never)
        .capacity(PER_ORPHAN)
        .concurrency(1)
        .build()
        .expect("emitter");
    for m in moments("orphaned", PER_ORPHAN) {
        e.emit(m).expect("spooled");
    }
    println!("spooled");
    std::io::stdout().flush().expect("stdout");
    std::thread::sleep(Duration::from_secs(600));
}

/// 10 orphaned slots, 100,000 moments: the time until an emitter started on them sends.
fn recovery(url: &str, server: &hotpot_mock_server::MockServer) {
    let total = ORPHANS * PER_ORPHAN;
    println!(
        "\nrecovery: {ORPHANS} orphaned slots of {PER_ORPHAN} moments each ({total} in all)\n"
    );
    let dir = std::env::temp_dir().join(format!("hotpot-spool-orphans-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut children = children_saying(ORPHANS, "spooled", |command| {
        command.env("SPOOL_PROCESSES_ORPHAN", &dir);
    });
    for (child, _) in &mut children {
        child.kill().expect("kill");
        child.wait().expect("wait");
    }
    let slots = std::fs::read_dir(&dir).map_or(0, |d| d.count());
    server.reset();
    let started = Instant::now();
    let e = Emitter::builder(Client::new(url).expect("url"))
        .spool(&dir)
        .build()
        .expect("emitter");
    let built = started.elapsed();
    while server.moment_count() == 0 {
        std::thread::sleep(Duration::from_micros(100));
    }
    let first = started.elapsed();
    let report = e.flush(Duration::from_secs(300));
    let all = started.elapsed();
    assert!(report.is_complete(), "{report}");
    assert_eq!(e.stats().recovered, total as u64);
    e.shutdown(Duration::from_secs(5));
    assert_eq!(server.moment_count(), total);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{slots} slots: emitter built (every orphan adopted) in {:.0} ms, first moment delivered \
         after {:.0} ms, all {total} after {:.1} s — target: sending within 1 s {}",
        built.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3,
        all.as_secs_f64(),
        verdict(first <= Duration::from_secs(1))
    );
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// `n` child processes of this binary (`configure` sets their environment), their stdout
/// piped; returned once each has written the line `first`.
fn children_saying(
    n: usize,
    first: &str,
    configure: impl Fn(&mut Command),
) -> Vec<(Child, BufReader<ChildStdout>)> {
    let mut children: Vec<_> = (0..n)
        .map(|_| {
            let mut command = Command::new(std::env::current_exe().expect("exe"));
            configure(&mut command);
            let mut child = command.stdout(Stdio::piped()).spawn().expect("child");
            let out = BufReader::new(child.stdout.take().expect("stdout"));
            (child, out)
        })
        .collect();
    for (_, out) in &mut children {
        let mut line = String::new();
        out.read_line(&mut line).expect("read");
        assert_eq!(line.trim(), first);
    }
    children
}
