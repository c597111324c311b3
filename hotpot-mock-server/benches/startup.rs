//! `MockServer::start()` latency: median of many starts (each dropped before the next).
//! Target: median ≤ 5 ms.
//!
//! `cargo bench -p hotpot-mock-server --bench startup`

#[path = "support/load.rs"]
mod load;

use std::time::{Duration, Instant};

use hotpot_mock_server::MockServer;

const RUNS: usize = 300;

fn main() {
    let runtime = load::runtime(2);
    let mut times: Vec<Duration> = runtime.block_on(async {
        // Warm up the allocator and the page cache.
        for _ in 0..10 {
            drop(MockServer::start().await.unwrap());
        }
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            let server = MockServer::start().await.unwrap();
            times.push(started.elapsed());
            drop(server);
        }
        times
    });
    times.sort();
    let median = times[RUNS / 2];
    let p90 = times[RUNS * 9 / 10];
    println!(
        "MockServer::start(): median {:.3} ms, p90 {:.3} ms, max {:.3} ms over {RUNS} starts; \
         target median <= 5 ms {}",
        median.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
        if median <= Duration::from_millis(5) {
            "PASS"
        } else {
            "FAIL"
        }
    );
}
