//! The emitter's spool (issue 13), each number beside the same emitter without a spool in the
//! same run: `cargo bench -p hotpot-e2e --bench spool_into_mock`.
//!
//! 1. `emit()` latency into the in-process mock, paced (one moment every 200 µs), every call
//!    timed: median and p99, without a spool and with one (`sync` batch, the default, and
//!    always). Targets with `batch`: median ≤ 5 µs, p99 ≤ 50 µs.
//! 2. Sustained delivery into the mock, rounds alternating without and with a spool (batch);
//!    target: with ≥ 70 % of without.
//! 3. Recovery: a child process (this binary, re-run) spools 100,000 moments while Hotpot is
//!    down and is killed; an emitter built on that spool must start sending within 1 s.
//! 4. Adoption: ten children, alive at once so each holds a slot of its own, spool 10,000
//!    moments each and are killed; an emitter built on that directory (one slot its own, nine
//!    to adopt) must start sending within 1 s; its time is also given as a ratio of 3's.
//!
//! The spools live in the system's temporary directory (`TMPDIR`), on whatever disk that is.

#[path = "support/mock.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hotpot_client::{Client, Emitter, SpoolSync};
use hotpot_mock_server::MockServer;
use hotpot_test_support::bench::{median, moments};
use support::{cores, list, mock_on_its_own_runtime, two_decimals};

const PACED: usize = 20_000;
const THROUGHPUT_MOMENTS: usize = 50_000;
const ROUNDS: usize = 3;
const RECOVERED: usize = 100_000;

fn main() {
    if let Ok(dir) = std::env::var("SPOOL_BENCH_CHILD") {
        return child(Path::new(&dir));
    }
    let (_mock_runtime, server) = mock_on_its_own_runtime();
    let url = server.webhook_url();
    println!(
        "spool bench — in-process mock, {} cores, spools under {}",
        cores(),
        std::env::temp_dir().display()
    );

    latency(&url, &server);
    throughput(&url, &server);
    let single = recovery(&url, &server);
    adoption(&url, &server, single);
}

fn spool_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hotpot-spool-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn emitter(url: &str, spool: Option<(&Path, SpoolSync)>) -> Emitter {
    let mut builder = Emitter::builder(Client::new(url).expect("url"));
    if let Some((dir, sync)) = spool {
        builder = builder.spool(dir).spool_sync(sync);
    }
    builder.build().expect("emitter")
}

// --- 1. emit latency ---------------------------------------------------------------------

/// Median and p99 of `emit`, in µs, paced one moment every 200 µs.
fn paced(emitter: &Emitter) -> (f64, f64) {
    for m in moments("warm-up", 2_000) {
        emitter.emit(m).expect("queued");
    }
    assert!(emitter.flush(Duration::from_secs(30)).is_complete());
    let mut samples = Vec::with_capacity(PACED);
    let mut next = Instant::now();
    for m in moments("paced", PACED) {
        next += Duration::from_micros(200);
        while Instant::now() < next {
            std::hint::spin_loop();
        }
        let t = Instant::now();
        let r = emitter.emit(m);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(r).expect("queued");
    }
    assert!(emitter.flush(Duration::from_secs(30)).is_complete());
    samples.sort_by(f64::total_cmp);
    (median(&samples), samples[samples.len() * 99 / 100])
}

fn latency(url: &str, server: &MockServer) {
    println!("\n1. emit() latency, paced 200 µs, {PACED} calls each\n");
    println!("| emitter | median µs | p99 µs |");
    println!("|---|---|---|");
    let without = {
        let e = emitter(url, None);
        let r = paced(&e);
        e.shutdown(Duration::from_secs(5));
        r
    };
    println!("| without a spool | {:.2} | {:.2} |", without.0, without.1);
    let mut batch = (0.0, 0.0);
    for sync in [SpoolSync::Batch, SpoolSync::Always, SpoolSync::Never] {
        let dir = spool_dir("latency");
        let e = emitter(url, Some((&dir, sync)));
        let r = paced(&e);
        e.shutdown(Duration::from_secs(5));
        let _ = std::fs::remove_dir_all(&dir);
        println!(
            "| spool, sync {} | {:.2} ({:.1}×) | {:.2} ({:.1}×) |",
            sync.as_str(),
            r.0,
            r.0 / without.0,
            r.1,
            r.1 / without.1
        );
        if sync == SpoolSync::Batch {
            batch = r;
        }
    }
    server.reset();
    println!(
        "\ntarget (batch): median ≤ 5 µs {}, p99 ≤ 50 µs {}",
        verdict(batch.0 <= 5.0),
        verdict(batch.1 <= 50.0)
    );
}

// --- 2. throughput -----------------------------------------------------------------------

/// Moments per second from the first `emit` until `shutdown` has seen all delivered.
fn through(url: &str, spool: Option<&Path>) -> f64 {
    let e = emitter(url, spool.map(|d| (d, SpoolSync::Batch)));
    let half_full = (hotpot_client::defaults::CAPACITY / 2) as u64;
    let batch = moments("throughput", THROUGHPUT_MOMENTS);
    let started = Instant::now();
    for (i, m) in batch.into_iter().enumerate() {
        while i % 100 == 0 && e.stats().queued >= half_full {
            std::thread::sleep(Duration::from_millis(1));
        }
        e.emit(m).expect("queued");
    }
    let report = e.shutdown(Duration::from_secs(120));
    let elapsed = started.elapsed();
    assert_eq!(report.delivered, THROUGHPUT_MOMENTS as u64, "{report}");
    THROUGHPUT_MOMENTS as f64 / elapsed.as_secs_f64()
}

fn throughput(url: &str, server: &MockServer) {
    println!("\n2. sustained delivery into the mock, {THROUGHPUT_MOMENTS} moments a round\n");
    let (mut without, mut with) = (Vec::new(), Vec::new());
    through(url, None); // warm-up
    server.reset();
    for _ in 0..ROUNDS {
        without.push(through(url, None));
        assert_eq!(server.moment_count(), THROUGHPUT_MOMENTS);
        server.reset();
        let dir = spool_dir("throughput");
        with.push(through(url, Some(&dir)));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(server.moment_count(), THROUGHPUT_MOMENTS);
        server.reset();
    }
    let ratios: Vec<f64> = with.iter().zip(&without).map(|(w, o)| w / o).collect();
    println!("| emitter | rounds (moments/s) | median |");
    println!("|---|---|---|");
    println!(
        "| without a spool | {} | {:.0} |",
        list(&without),
        median(&without)
    );
    println!(
        "| spool, sync batch | {} | {:.0} |",
        list(&with),
        median(&with)
    );
    println!(
        "\nwith / without: {:.2} (medians), per round {} → target ≥ 0.70 {}",
        median(&with) / median(&without),
        two_decimals(&ratios),
        verdict(median(&ratios) >= 0.70)
    );
}

// --- 3. recovery ---------------------------------------------------------------------------

/// The child: spools `SPOOL_BENCH_N` moments (default `RECOVERED`) to a server that is not
/// there, says so, and waits to be killed.
fn child(dir: &Path) {
    let n = std::env::var("SPOOL_BENCH_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(RECOVERED);
    let e = Emitter::builder(Client::new("http://127.0.0.1:9/moment/benchTOKEN0").expect("url"))
        .spool(dir)
        .spool_sync(SpoolSync::Never)
        .capacity(n)
        .concurrency(1)
        .build()
        .expect("emitter");
    for m in moments("recovered", n) {
        e.emit(m).expect("spooled");
    }
    println!("spooled");
    std::thread::sleep(Duration::from_secs(600));
}

/// Spools of `per_child` moments each, written by `children` processes alive at once (each
/// in a slot of its own), all killed; returns the bytes of their segment files.
fn spools_left_by_killed_children(dir: &Path, children: usize, per_child: usize) -> u64 {
    let mut running: Vec<_> = (0..children)
        .map(|_| {
            Command::new(std::env::current_exe().expect("exe"))
                .env("SPOOL_BENCH_CHILD", dir)
                .env("SPOOL_BENCH_N", per_child.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .expect("child")
        })
        .collect();
    for child in &mut running {
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        assert_eq!(line.trim(), "spooled");
    }
    for mut child in running {
        child.kill().expect("kill");
        child.wait().expect("wait");
    }
    segment_bytes(dir)
}

/// Bytes of the segment files under `dir` (every slot).
fn segment_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .map(|path| {
            if path.is_dir() {
                segment_bytes(&path)
            } else if path.extension().is_some_and(|x| x == "seg") {
                path.metadata().expect("meta").len()
            } else {
                0
            }
        })
        .sum()
}

/// Builds an emitter on `dir`, watching the mock from another thread for its first moment
/// (which may arrive before `build` returns), then waits for all `expected`: the times to
/// build, to the first moment, and to all.
fn start_and_drain(
    url: &str,
    server: &MockServer,
    dir: &Path,
    expected: usize,
) -> (Duration, Duration, Duration) {
    server.reset();
    let started = Instant::now();
    let (e, built, first) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            while server.moment_count() == 0 {
                std::thread::sleep(Duration::from_micros(100));
            }
            started.elapsed()
        });
        let e = Emitter::builder(Client::new(url).expect("url"))
            .spool(dir)
            .capacity(expected)
            .build()
            .expect("emitter");
        let built = started.elapsed();
        (e, built, watcher.join().expect("watcher"))
    });
    let report = e.flush(Duration::from_secs(120));
    let all = started.elapsed();
    assert!(report.is_complete(), "{report}");
    assert_eq!(e.stats().recovered, expected as u64);
    e.shutdown(Duration::from_secs(5));
    (built, first, all)
}

fn adoption(url: &str, server: &MockServer, single: Duration) {
    const CHILDREN: usize = 10;
    let per_child = RECOVERED / CHILDREN;
    println!(
        "\n4. adoption: {CHILDREN} slots of {per_child} moments each, left by killed processes\n"
    );
    let dir = spool_dir("adoption");
    let bytes = spools_left_by_killed_children(&dir, CHILDREN, per_child);
    let (built, first, all) = start_and_drain(url, server, &dir, RECOVERED);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{CHILDREN} slots, {:.1} MiB in all: emitter built (its slot read, {} adopted) in {:.0} ms, \
         first moment delivered after {:.0} ms ({:.2}× one slot of {RECOVERED}), all after {:.1} s \
         — target: sending within 1 s {}",
        bytes as f64 / (1 << 20) as f64,
        CHILDREN - 1,
        built.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3,
        first.as_secs_f64() / single.as_secs_f64(),
        all.as_secs_f64(),
        verdict(first <= Duration::from_secs(1))
    );
}

/// Returns the time to the first moment delivered.
fn recovery(url: &str, server: &MockServer) -> Duration {
    println!("\n3. recovery of a spool of {RECOVERED} moments left by a killed process\n");
    let dir = spool_dir("recovery");
    let bytes = spools_left_by_killed_children(&dir, 1, RECOVERED);
    let (built, first, all) = start_and_drain(url, server, &dir, RECOVERED);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "spool of {:.1} MiB: read and emitter built in {:.0} ms, first moment delivered after \
         {:.0} ms, all {RECOVERED} after {:.1} s — target: sending within 1 s {}",
        bytes as f64 / (1 << 20) as f64,
        built.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3,
        all.as_secs_f64(),
        verdict(first <= Duration::from_secs(1))
    );
    first
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
