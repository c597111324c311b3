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

#[path = "support/mock.rs"]
mod support;

use hotpot_client::defaults::CONCURRENCY;
use hotpot_mock_server::MockServer;
use hotpot_test_support::bench::{median, raw_reqwest, through_emitter};
use support::{cores, list, mock_on_its_own_runtime, two_decimals};

const MOMENTS: usize = 50_000;
const ROUNDS: usize = 5;
const TARGET: f64 = 20_000.0;

fn main() {
    let (_mock_runtime, server) = mock_on_its_own_runtime();
    let url = server.webhook_url();
    println!(
        "emitter into the in-process mock — {MOMENTS} moments a round, {ROUNDS} rounds, \
         {} cores",
        cores()
    );

    // Warm-up: connections, the mock's log and arena, code paged in.
    raw_reqwest(&url, CONCURRENCY, 5_000);
    through_emitter(&url, 5_000, CONCURRENCY);
    server.reset();

    let (mut raw, mut emitted) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        raw.push(raw_reqwest(&url, CONCURRENCY, MOMENTS));
        expect_and_reset(&server, MOMENTS);
        emitted.push(through_emitter(&url, MOMENTS, CONCURRENCY));
        expect_and_reset(&server, MOMENTS);
    }

    println!("\n| sender | rounds (moments/s) | median |");
    println!("|---|---|---|");
    println!(
        "| raw reqwest loop ({CONCURRENCY} tasks, 1-thread runtime) | {} | {:.0} |",
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
        two_decimals(&ratios),
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
