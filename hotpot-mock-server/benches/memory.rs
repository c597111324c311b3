//! Memory: RSS after 100,000 recorded events (the cap), then after each of eleven more passes of
//! 100,000 through the log. Every request carries a unique `Idempotency-Key`, as the client
//! sends, so the remembered answers are counted too: they are kept for 24 hours up to their
//! own bound (1,000,000), independently of the log (spec §7), so RSS grows with them until
//! the bound and is flat after it. Target: ≤ 150 MB; the bench prints RSS at 400,000
//! requests and at the bound, and what one remembered key costs.
//!
//! `cargo bench -p hotpot-mock-server --bench memory`

#[path = "support/load.rs"]
mod load;

use std::sync::Arc;

use hotpot_mock_server::{DEFAULT_MAX_EVENTS, DEFAULT_MAX_IDEMPOTENCY_KEYS, MockServer};

fn main() {
    let runtime = load::runtime(2);
    let server = MockServer::builder()
        .token("bench-token")
        .start_on(runtime.handle())
        .unwrap();
    let addr = server.addr();
    let make: load::MakeRequest = Arc::new(|i| load::request("/moment/bench-token", Some(i)));

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
    // Eleven more passes through the log, each with new keys (not replays): the event log stays
    // at its cap while the remembered keys grow to their bound (1,000,000) after the ninth,
    // and stay there. The slope over passes 2-9 is what one more remembered key costs.
    let max_keys = DEFAULT_MAX_IDEMPOTENCY_KEYS as u64;
    let passes = max_keys / cap + 1;
    let mut after = vec![at_cap];
    for pass in 1..=passes {
        let offset = pass * cap;
        let batch: load::MakeRequest =
            Arc::new(move |i| load::request("/moment/bench-token", Some(offset + i)));
        runtime.block_on(load::send_n(addr, 32, cap, batch));
        let rss = load::rss_mib();
        println!(
            "RSS after {} requests: {rss:.1} MiB ({} events kept, {} dropped; {} keys forgotten)",
            (pass + 1) * cap,
            server.event_count(),
            server.dropped_events(),
            server.evicted_idempotency_keys()
        );
        after.push(rss);
    }
    // `after[n]`: RSS after (n + 1) * cap requests, as many keys up to the bound.
    let per_key = (after[8] - after[1]) * 1024.0 * 1024.0 / (7 * cap) as f64;
    let at_400k = after[3];
    let at_bound = after[(max_keys / cap) as usize - 1];
    let last = after[after.len() - 1];
    let verdict = |mib: f64| if mib <= 150.0 { "PASS" } else { "FAIL" };
    println!(
        "memory: {at_cap:.1} MiB at the cap ({cap} events, as many keys); one more remembered \
         Idempotency-Key costs {per_key:.0} bytes (RSS slope from 200,000 to 900,000 requests)"
    );
    println!(
        "  400,000 requests (100,000 events, 400,000 keys): {at_400k:.1} MiB, target <= 150 MB {}",
        verdict(at_400k)
    );
    println!(
        "  {max_keys} keys (the bound): {at_bound:.1} MiB, {:.1} MiB one pass later (flat: \
         the oldest keys go), target <= 150 MB {}",
        last,
        verdict(at_bound.max(last))
    );
    drop(server);
}
