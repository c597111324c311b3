//! The console's Events view (spec §15) with 100,000 events kept: the time to render its first
//! page (and a filtered one, and one far back), against the same page with 50 events kept
//! measured in the same run. A page walks the log backwards and copies only its own events, so
//! the first page should cost about the same at both sizes. Target: the first page in ≤ 50 ms.
//!
//! `cargo bench -p hotpot-mock-server --bench console`

#[path = "support/load.rs"]
mod load;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotpot_mock_server::{DEFAULT_MAX_EVENTS, MockServer, PAGE_EVENTS};

const RUNS: usize = 30;

/// The median time of `RUNS` GETs of `path` (after two warm-up ones), and the page's size.
async fn median_get(http: &reqwest::Client, base: &str, path: &str) -> (Duration, usize) {
    let url = format!("{base}{path}");
    let mut size = 0;
    for _ in 0..2 {
        size = http
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len();
    }
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let body = http.get(&url).send().await.unwrap().bytes().await.unwrap();
        times.push(started.elapsed());
        assert!(body.len() > 1000);
    }
    times.sort();
    (times[RUNS / 2], size)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let runtime = load::runtime(2);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let make: load::MakeRequest = Arc::new(|_| load::request("/moment/bench-token", None));

    let small = MockServer::builder()
        .token("bench-token")
        .start_on(runtime.handle())
        .unwrap();
    runtime.block_on(load::send_n(
        small.addr(),
        4,
        PAGE_EVENTS as u64,
        make.clone(),
    ));
    let (baseline, _) = runtime.block_on(median_get(&http, small.url(), "/"));
    println!(
        "Events view, {PAGE_EVENTS} events kept: first page median {:.2} ms (baseline)",
        ms(baseline)
    );

    let big = MockServer::builder()
        .token("bench-token")
        .start_on(runtime.handle())
        .unwrap();
    let cap = DEFAULT_MAX_EVENTS as u64;
    runtime.block_on(load::send_n(big.addr(), 32, cap, make));
    assert_eq!(big.event_count(), DEFAULT_MAX_EVENTS);
    for (what, path) in [
        ("first page", "/"),
        ("first page, ?q= that matches every event", "/?q=deploybot"),
        ("a page far back (?before=1000)", "/?before=1000"),
        (
            "?q= that matches nothing (scans every event)",
            "/?q=no-such-text",
        ),
    ] {
        let (median, size) = runtime.block_on(median_get(&http, big.url(), path));
        println!(
            "Events view, {cap} events kept, {what}: median {:.2} ms ({:.2}x the baseline, {} KiB){}",
            ms(median),
            median.as_secs_f64() / baseline.as_secs_f64(),
            size / 1024,
            if path == "/" {
                if median <= Duration::from_millis(50) {
                    "; target <= 50 ms: met"
                } else {
                    "; target <= 50 ms: MISSED"
                }
            } else {
                ""
            }
        );
    }
}
