//! The throughput loops of the emitter benchmarks (`hotpot-client/benches/emitter.rs` into a
//! bare axum route, `tests/benches/emitter_into_mock.rs` into the mock server): the emitter,
//! and the baseline it is compared with in the same run, a raw concurrent reqwest loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hotpot_client::{Client, Emitter, Moment, MomentType, Priority};

/// The moment every benchmark sends: a short alert from "bench".
///
/// ```
/// assert_eq!(hotpot_test_support::bench::moment("m1").name(), "m1");
/// ```
pub fn moment(name: &str) -> Moment {
    Moment::builder(name, MomentType::Alert)
        .priority(Priority::High)
        .source("bench")
        .build()
        .expect("a short name is valid")
}

/// `n` moments named `"{prefix} {i}"`.
///
/// ```
/// let batch = hotpot_test_support::bench::moments("burst", 2);
/// assert_eq!(batch[1].name(), "burst 1");
/// ```
pub fn moments(prefix: &str, n: usize) -> Vec<Moment> {
    (0..n).map(|i| moment(&format!("{prefix} {i}"))).collect()
}

/// Moments per second through an [`Emitter`] with the default settings but `concurrency`:
/// `n` moments emitted, timed from the first `emit` until `shutdown` has seen every one
/// delivered (asserted). The producer keeps the queue at most half full, as a service would
/// that must not have moments refused.
pub fn through_emitter(url: &str, n: usize, concurrency: usize) -> f64 {
    let client = Client::new(url).expect("a loopback webhook URL is valid");
    let emitter = Emitter::builder(client)
        .concurrency(concurrency)
        .build()
        .expect("the emitter starts");
    let half_full = (hotpot_client::defaults::CAPACITY / 2) as u64;
    let batch = moments("throughput", n);
    let started = Instant::now();
    for (i, m) in batch.into_iter().enumerate() {
        // A producer faster than any network: wait for room rather than let DropNewest refuse.
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

/// Moments per second through the baseline: `concurrency` tasks on a 1-thread runtime (the
/// emitter's size), each POSTing a pre-serialised moment with a fresh `Idempotency-Key` and
/// reading the answer (asserted 202), until `n` are sent.
pub fn raw_reqwest(url: &str, concurrency: usize, n: usize) -> f64 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let http = runtime.block_on(async { reqwest::Client::new() });
    let body = bytes::Bytes::from(moment("throughput 0").to_json_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..concurrency)
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
                            .expect("an answer");
                        assert_eq!(response.status(), 202);
                        response.bytes().await.expect("the body");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("the task ends");
        }
    });
    let elapsed = started.elapsed();
    runtime.shutdown_background();
    n as f64 / elapsed.as_secs_f64()
}

/// The median of `values` (the upper one of an even count).
///
/// ```
/// assert_eq!(hotpot_test_support::bench::median(&[3.0, 1.0, 2.0]), 2.0);
/// ```
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}
