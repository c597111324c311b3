//! The emitter's sustained throughput into the in-process mock server (issue 5), beside a raw
//! concurrent reqwest loop into the same mock, in the same run:
//! `cargo bench -p hotpot-e2e --bench emitter_into_mock`.
//!
//! - The mock: `MockServer` with its default settings, on its own 1-worker runtime.
//! - The Emitter: default settings (capacity 10,000, concurrency 32, its own 1-thread
//!   runtime). The producer keeps the queue at most half full rather than let `DropNewest`
//!   refuse moments; the time runs from the first `emit` until `shutdown` has seen every
//!   moment delivered.
//! - The raw loop: 32 tasks on a 1-thread runtime, each POSTing a pre-serialised moment
//!   with a fresh `Idempotency-Key` (what the emitter sends too), answer read in full.
//!
//! Rounds alternate raw and emitter; the mock is reset between them and must have recorded
//! every moment. Besides the ratio of the medians, the ratio within each round (raw and
//! emitter back to back) is printed: on a shared machine it moves less. Target: ≥ 20,000 moments/s through the emitter on 2 cores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hotpot_client::{Client, Emitter, Moment, MomentType, Priority};
use hotpot_mock_server::MockServer;

const MOMENTS: usize = 50_000;
const ROUNDS: usize = 5;
const TARGET: f64 = 20_000.0;

fn main() {
    let mock_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("mock")
        .enable_all()
        .build()
        .expect("runtime");
    let server = MockServer::builder()
        .start_on(mock_runtime.handle())
        .expect("mock server");
    let url = server.webhook_url();
    println!(
        "emitter into the in-process mock — {MOMENTS} moments a round, {ROUNDS} rounds, \
         {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // Warm-up: connections, the mock's log and arena, code paged in.
    raw_reqwest(&url, 5_000);
    through_emitter(&url, 5_000);
    server.reset();

    let (mut raw, mut emitted) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        raw.push(raw_reqwest(&url, MOMENTS));
        expect_and_reset(&server, MOMENTS);
        emitted.push(through_emitter(&url, MOMENTS));
        expect_and_reset(&server, MOMENTS);
    }

    let concurrency = hotpot_client::defaults::CONCURRENCY;
    println!("\n| sender | rounds (moments/s) | median |");
    println!("|---|---|---|");
    println!(
        "| raw reqwest loop ({concurrency} tasks, 1-thread runtime) | {} | {:.0} |",
        list(&raw),
        median(&raw)
    );
    println!(
        "| Emitter (defaults) | {} | {:.0} |",
        list(&emitted),
        median(&emitted)
    );
    let ratios: Vec<f64> = emitted.iter().zip(&raw).map(|(e, r)| e / r).collect();
    println!(
        "\nEmitter / raw reqwest: {:.2} (medians); per round {} → median {:.2}",
        median(&emitted) / median(&raw),
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        median(&ratios)
    );
    let lowest = emitted.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "target ≥ {TARGET:.0} moments/s: median {}, lowest round {lowest:.0}",
        if median(&emitted) >= TARGET {
            "met"
        } else {
            "NOT met"
        }
    );
}

fn expect_and_reset(server: &MockServer, n: usize) {
    assert_eq!(server.moment_count(), n, "moments recorded by the mock");
    server.reset();
}

fn through_emitter(url: &str, n: usize) -> f64 {
    let emitter = Emitter::new(Client::new(url).expect("client")).expect("emitter");
    let half_full = (hotpot_client::defaults::CAPACITY / 2) as u64;
    let batch: Vec<Moment> = (0..n).map(|i| moment(&format!("bench {i}"))).collect();
    let started = Instant::now();
    for (i, m) in batch.into_iter().enumerate() {
        // A producer faster than any network: keep the queue at most half full.
        while i % 100 == 0 && emitter.stats().queued >= half_full {
            std::thread::sleep(Duration::from_millis(1));
        }
        emitter.emit(m).expect("queued");
    }
    let report = emitter.shutdown(Duration::from_secs(120));
    let elapsed = started.elapsed();
    assert_eq!(report.delivered, n as u64, "{report}");
    n as f64 / elapsed.as_secs_f64()
}

fn raw_reqwest(url: &str, n: usize) -> f64 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let http = runtime.block_on(async { reqwest::Client::new() });
    let body = bytes::Bytes::from(moment("bench raw").to_json_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..hotpot_client::defaults::CONCURRENCY)
            .map(|_| {
                let (http, body, next, url) = (
                    http.clone(),
                    body.clone(),
                    Arc::clone(&next),
                    url.to_owned(),
                );
                tokio::spawn(async move {
                    while next.fetch_add(1, Ordering::Relaxed) < n {
                        let response = http
                            .post(&url)
                            .header("content-type", "application/json")
                            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                            .body(body.clone())
                            .send()
                            .await
                            .expect("answer");
                        assert_eq!(response.status(), 202);
                        response.bytes().await.expect("body");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
    });
    let elapsed = started.elapsed();
    runtime.shutdown_background();
    n as f64 / elapsed.as_secs_f64()
}

fn moment(name: &str) -> Moment {
    Moment::builder(name, MomentType::Alert)
        .priority(Priority::High)
        .source("bench")
        .build()
        .expect("valid")
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{:.1}k", v / 1000.0))
        .collect::<Vec<_>>()
        .join(", ")
}
