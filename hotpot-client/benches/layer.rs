//! What `MomentLayer` adds to a `tracing` call (issue 14): an `error!` that becomes a moment
//! (target: at most 2 µs more) and a `debug!` below the layer's level (target: no measurable
//! cost), each against a baseline measured in the same run — the same subscriber with a layer
//! that does nothing in the layer's place.
//!
//! ```text
//! cargo bench -p hotpot-client --features tracing-layer --bench layer
//! ```
//!
//! The emitter sends to a listener that never answers, with room for every moment, so that
//! the numbers are the logging thread's own work (the layer, `emit`), not the network's.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use hotpot_client::{Client, Emitter, MomentLayer};
use tracing::Subscriber;
use tracing_subscriber::layer::Layer;
use tracing_subscriber::prelude::*;

const CALLS: usize = 50_000;
const ROUNDS: usize = 9;

/// A case: its name, the call, and the layer's dedup window.
type Case<'a> = (&'a str, &'a dyn Fn(usize), Duration);

/// The baseline's layer: sees every event and does nothing.
struct Nothing;

impl<S: Subscriber> Layer<S> for Nothing {}

/// The calling thread's CPU time so far (ns), from the scheduler: unlike the wall clock, it
/// does not count the time other processes had the core (the machine is shared).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Nanoseconds per call, wall clock and the thread's CPU time.
fn per_call(
    subscriber: impl Subscriber + Send + Sync + 'static,
    call: impl Fn(usize),
) -> (f64, f64) {
    let dispatch = tracing::Dispatch::new(subscriber);
    tracing::dispatcher::with_default(&dispatch, || {
        for i in 0..CALLS / 10 {
            call(i); // warm up
        }
        let (started, cpu) = (Instant::now(), thread_cpu_ns());
        for i in 0..CALLS {
            call(i);
        }
        let wall = started.elapsed().as_nanos() as f64;
        let cpu = (thread_cpu_ns() - cpu) as f64;
        (wall / CALLS as f64, cpu / CALLS as f64)
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let black_hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/moment/bench0token",
        black_hole.local_addr().unwrap()
    );
    let emitter = || {
        Emitter::builder(Client::new(url.as_str()).unwrap())
            .capacity(CALLS * 2)
            .build()
            .unwrap()
    };

    let error = |i: usize| {
        tracing::error!(
            order_id = i,
            provider = "acme-pay",
            "Payment provider unreachable for order {i}"
        )
    };
    let debug = |i: usize| tracing::debug!(order_id = i, "Cache lookup for order {i}");

    let cases: [Case<'_>; 3] = [
        (
            "error! becoming a moment (dedup off)",
            &error,
            Duration::ZERO,
        ),
        (
            "error! becoming a moment (60 s dedup, distinct messages)",
            &error,
            hotpot_client::defaults::LOG_DEDUP_WINDOW,
        ),
        ("debug! below the layer's level", &debug, Duration::ZERO),
    ];
    println!("{CALLS} calls a round, median of {ROUNDS} rounds; baseline: a layer doing nothing");
    println!("wall clock, then the calling thread's CPU time, per call:");
    println!(
        "{:<58} {:>10} {:>10} {:>10} {:>7} | {:>9} {:>9} {:>9}",
        "case", "baseline", "layer", "added", "ratio", "cpu base", "cpu layer", "cpu added"
    );
    for (name, call, window) in cases {
        let (mut base, mut layer) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            base.push(per_call(tracing_subscriber::registry().with(Nothing), call));
            let e = emitter();
            let moment_layer = MomentLayer::new(e.clone()).dedup_window(window);
            layer.push(per_call(
                tracing_subscriber::registry().with(moment_layer),
                call,
            ));
            e.shutdown(Duration::ZERO);
        }
        let wall = |xs: &[(f64, f64)]| median(xs.iter().map(|x| x.0).collect());
        let cpu = |xs: &[(f64, f64)]| median(xs.iter().map(|x| x.1).collect());
        let (b, l) = (wall(&base), wall(&layer));
        let (cb, cl) = (cpu(&base), cpu(&layer));
        println!(
            "{name:<58} {b:>8.0}ns {l:>8.0}ns {:>8.0}ns {:>7.2} | {cb:>7.0}ns {cl:>7.0}ns {:>7.0}ns",
            l - b,
            l / b,
            cl - cb
        );
    }
}
