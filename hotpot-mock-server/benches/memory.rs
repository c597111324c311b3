//! Memory: RSS after 100,000 recorded events and after 200,000 (the cap is 100,000, so the
//! second number must stay flat). Every request carries a unique `Idempotency-Key`, as the
//! client sends, so the remembered answers are counted too. Target: ≤ 150 MB, flat after the cap.
//!
//! `cargo bench -p hotpot-mock-server --bench memory`

#[path = "support/load.rs"]
mod load;

use std::sync::Arc;

use hotpot_mock_server::{DEFAULT_MAX_EVENTS, MockServer};

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = MockServer::builder()
        .token("bench-token")
        .start_on(runtime.handle())
        .unwrap();
    let addr = server.addr();
    let make: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
        Arc::new(|i| load::request("/moment/bench-token", Some(i)));

    let start = load::rss_mib();
    println!("RSS at start: {start:.1} MiB");
    let cap = DEFAULT_MAX_EVENTS as u64;
    runtime.block_on(load::send_n(addr, 32, cap, make.clone()));
    let at_cap = load::rss_mib();
    // Counts only: reading 100,000 events as values would itself take tens of MB.
    assert_eq!(server.event_count(), DEFAULT_MAX_EVENTS);
    println!(
        "RSS after {cap} events: {at_cap:.1} MiB ({} moments kept)",
        server.moment_count()
    );
    // Offset the keys so that the second batch is new requests, not replays.
    let second: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
        Arc::new(move |i| load::request("/moment/bench-token", Some(cap + i)));
    runtime.block_on(load::send_n(addr, 32, cap, second));
    let after = load::rss_mib();
    println!(
        "RSS after {} events: {after:.1} MiB ({} kept, {} dropped)",
        2 * cap,
        server.event_count(),
        server.dropped_events()
    );
    let growth = 100.0 * (after - at_cap) / at_cap;
    let pass = at_cap <= 150.0 && after <= 150.0 && growth <= 10.0;
    println!(
        "memory: {at_cap:.1} MiB at the cap, {after:.1} MiB after twice as many ({growth:+.1} %); \
         target <= 150 MB and flat {}",
        if pass { "PASS" } else { "FAIL" }
    );
    drop(server);
}
