//! Memory: RSS after 100,000 recorded events (the cap), then after each of three more passes
//! of 100,000 through the log, which must stay flat once the first pass has brought the tables
//! that follow the log to their steady size. Every request carries a unique
//! `Idempotency-Key`, as the client sends, so the remembered answers are counted too.
//! Target: ≤ 150 MB throughout, flat after the first pass.
//!
//! `cargo bench -p hotpot-mock-server --bench memory`

#[path = "support/load.rs"]
mod load;

use std::sync::Arc;

use hotpot_mock_server::{DEFAULT_MAX_EVENTS, MockServer};

fn main() {
    let runtime = load::runtime(2);
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
    runtime.block_on(load::send_n(addr, 32, cap, make));
    let at_cap = load::rss_mib();
    // Counts only: reading 100,000 events as values would itself take tens of MB.
    assert_eq!(server.event_count(), DEFAULT_MAX_EVENTS);
    println!(
        "RSS after {cap} events: {at_cap:.1} MiB ({} moments kept)",
        server.moment_count()
    );
    // Three more passes through the log, each with new keys (not replays): the tables that
    // follow the log reach their steady size during the first pass, so flatness is judged on
    // the later ones.
    let mut after = Vec::new();
    for pass in 1..=3u64 {
        let offset = pass * cap;
        let batch: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
            Arc::new(move |i| load::request("/moment/bench-token", Some(offset + i)));
        runtime.block_on(load::send_n(addr, 32, cap, batch));
        let rss = load::rss_mib();
        println!(
            "RSS after {} events: {rss:.1} MiB ({} kept, {} dropped)",
            (pass + 1) * cap,
            server.event_count(),
            server.dropped_events()
        );
        after.push(rss);
    }
    let peak = after.iter().copied().fold(at_cap, f64::max);
    let first_pass = 100.0 * (after[0] - at_cap) / at_cap;
    let later = 100.0 * (after[2] - after[0]) / after[0];
    let pass = peak <= 150.0 && later <= 10.0;
    println!(
        "memory: {at_cap:.1} MiB at the cap, {:.1} MiB after one more pass ({first_pass:+.1} %), \
         {:.1} MiB after three ({later:+.1} % over the last two); peak {peak:.1} MiB; \
         target <= 150 MB and flat after the first pass {}",
        after[0],
        after[2],
        if pass { "PASS" } else { "FAIL" }
    );
    drop(server);
}
