//! The emitter's numbers (`cargo bench -p hotpot-client --bench emitter`):
//!
//! 1. `emit()` latency with a healthy consumer: every call timed, median / p99 / p99.9 from
//!    the sorted samples — paced (one moment every 200 µs, the sending tasks idle between
//!    moments) and in bursts (5,000 back to back, the queue absorbing them).
//! 2. Sustained throughput with the default settings (the producer keeps the queue at most
//!    half full, so nothing is refused), into a local axum server answering 202 — beside a
//!    raw reqwest loop with the same concurrency on a runtime of the same size, in the same
//!    run.
//!
//! 3. A concurrency sweep (4 to 64 sends at once), each beside the raw loop.
//!
//! Targets (issue 5): emit median ≤ 1 µs, p99 ≤ 20 µs; throughput ≥ 20,000 moments/s.
//! The server here is a bare axum route, standing in for the in-process mock server.

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use hotpot_client::{Client, Emitter, Moment};
use hotpot_test_support::QUEUED_ENVELOPE;
use hotpot_test_support::bench::{median, moments, raw_reqwest, through_emitter};

const TOKEN: &str = "benchTOKEN_0123456789abcdef";

fn main() {
    let server = BenchServer::start();
    let url = format!("http://{}/moment/{TOKEN}", server.addr);
    println!("emitter bench — local axum 202 server on {}", server.addr);
    println!("(machine: {} cores)", num_cpus());

    latency(&url, &server);
    throughput(&url, &server);
    concurrency_sweep(&url, &server);
}

// --- emit() latency --------------------------------------------------------------------

fn latency(url: &str, server: &BenchServer) {
    let emitter = Emitter::new(client(url)).expect("emitter");
    // Warm up: connections open, code paged in.
    for m in moments("warm-up", 2_000) {
        emitter.emit(m).expect("queued");
    }
    assert!(emitter.flush(Duration::from_secs(30)).is_complete());

    let paced = {
        let mut next = Instant::now();
        timed_emits(&emitter, moments("paced", 20_000), || {
            next += Duration::from_micros(200);
            while Instant::now() < next {
                std::hint::spin_loop();
            }
        })
    };
    assert!(emitter.flush(Duration::from_secs(30)).is_complete());

    let slept = timed_emits(&emitter, moments("slept", 5_000), || {
        std::thread::sleep(Duration::from_micros(200));
    });
    assert!(emitter.flush(Duration::from_secs(30)).is_complete());

    let mut burst = Vec::with_capacity(50_000);
    for round in 0..10 {
        burst.extend(timed_emits(
            &emitter,
            moments(&format!("burst {round}"), 5_000),
            || {},
        ));
        assert!(emitter.flush(Duration::from_secs(30)).is_complete());
    }
    let report = emitter.shutdown(Duration::from_secs(30));
    assert_eq!(report.delivered, report.emitted, "{report}");
    assert_eq!(report.delivered, 2_000 + 20_000 + 5_000 + 50_000);
    server.expect_and_reset(report.delivered);

    let timer = timer_overhead();
    println!("\n## emit() latency, healthy consumer (timer overhead ~{timer:?} included)");
    println!("| case | samples | median | p90 | p99 | p99.9 | max |");
    println!("|---|---|---|---|---|---|---|");
    for (name, samples) in [
        ("paced, spinning 200 µs between", paced),
        ("paced, sleeping 200 µs between", slept),
        ("bursts of 5,000", burst),
    ] {
        let q = Quantiles::of(samples);
        println!(
            "| {name} | {} | {:?} | {:?} | {:?} | {:?} | {:?} |",
            q.n, q.p50, q.p90, q.p99, q.p999, q.max
        );
    }
}

/// Emits `batch`, calling `pause` before each `emit`; returns how long each `emit` took.
fn timed_emits(emitter: &Emitter, batch: Vec<Moment>, mut pause: impl FnMut()) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(batch.len());
    for m in batch {
        pause();
        let t = Instant::now();
        let r = emitter.emit(m);
        samples.push(t.elapsed());
        black_box(r).expect("queued");
    }
    samples
}

fn timer_overhead() -> Duration {
    let mut samples: Vec<Duration> = (0..10_000)
        .map(|_| {
            let t = Instant::now();
            t.elapsed()
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2]
}

struct Quantiles {
    n: usize,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    p999: Duration,
    max: Duration,
}

impl Quantiles {
    fn of(mut samples: Vec<Duration>) -> Quantiles {
        samples.sort_unstable();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Quantiles {
            n: samples.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: at(1.0),
        }
    }
}

// --- throughput ------------------------------------------------------------------------

const THROUGHPUT_MOMENTS: usize = 100_000;
const ROUNDS: usize = 5;

fn throughput(url: &str, server: &BenchServer) {
    let concurrency = hotpot_client::defaults::CONCURRENCY;
    let mut raw = Vec::new();
    let mut emitted = Vec::new();
    for _ in 0..ROUNDS {
        raw.push(raw_reqwest(url, concurrency, THROUGHPUT_MOMENTS));
        server.expect_and_reset(THROUGHPUT_MOMENTS as u64);
        emitted.push(through_emitter(url, THROUGHPUT_MOMENTS, concurrency));
        server.expect_and_reset(THROUGHPUT_MOMENTS as u64);
    }
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "\n## Sustained throughput, {THROUGHPUT_MOMENTS} moments, concurrency {concurrency}, \
         median of {ROUNDS} rounds (moments/s)"
    );
    println!("| sender | rounds | median |");
    println!("|---|---|---|");
    println!(
        "| raw reqwest loop ({concurrency} tasks, 1-thread runtime) | {} | {:.0} |",
        fmt(&raw),
        median(&raw)
    );
    println!(
        "| Emitter (defaults; producer keeps the queue half full) | {} | {:.0} |",
        fmt(&emitted),
        median(&emitted)
    );
    println!(
        "\nEmitter / raw reqwest: {:.2}",
        median(&emitted) / median(&raw)
    );
}

/// Why the default concurrency is what it is: throughput at a few settings, each beside
/// the raw loop with the same concurrency.
fn concurrency_sweep(url: &str, server: &BenchServer) {
    const N: usize = 30_000;
    println!("\n## Concurrency sweep, {N} moments each (moments/s)");
    println!("| concurrency | raw reqwest | Emitter | ratio |");
    println!("|---|---|---|---|");
    for concurrency in [4, 8, 16, 32, 64] {
        let raw = raw_reqwest(url, concurrency, N);
        server.expect_and_reset(N as u64);
        let emitted = through_emitter(url, N, concurrency);
        server.expect_and_reset(N as u64);
        println!(
            "| {concurrency} | {raw:.0} | {emitted:.0} | {:.2} |",
            emitted / raw
        );
    }
}

// --- helpers ---------------------------------------------------------------------------

fn client(url: &str) -> Client {
    Client::new(url).expect("client")
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A bare 202 route on its own thread and single-threaded runtime, counting requests.
struct BenchServer {
    addr: SocketAddr,
    received: Arc<AtomicU64>,
}

impl BenchServer {
    fn start() -> BenchServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let received = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&received);
        let app = Router::new().route(
            "/moment/{token}",
            post(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                async { (StatusCode::ACCEPTED, QUEUED_ENVELOPE) }
            }),
        );
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, app).await.expect("serve");
            });
        });
        BenchServer { addr, received }
    }

    /// Checks that the server saw `n` requests since the last call.
    fn expect_and_reset(&self, n: u64) {
        let seen = self.received.swap(0, Ordering::Relaxed);
        assert_eq!(seen, n, "requests received by the server");
    }
}
