//! `build()` + `to_json_vec()` of a typical moment with every field (goal: ≤ 1 µs per
//! moment), and `parse_lenient` of the same payload, as the mock server runs it.
//!
//! Run with `make bench` or `cargo bench -p hotpot-protocol --bench moment`.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use hotpot_protocol::{Moment, MomentType, Priority, parse_lenient};

const NAME: &str = "Failed deploy with successful rollback";
const SOURCE: &str = "Deploybot";
const SOURCE_URL: &str = "https://deploys.example.com/runs/1234";
const DESCRIPTION: &str = "Rolled back **automatically** after health checks failed on 3 of 12 \
                           instances; see the run for the full log.";

fn occurred_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2023-04-01T12:31:26.250Z")
        .expect("a valid time")
        .to_utc()
}

/// What a caller does per moment: fill the builder from its own strings, build, serialise.
fn build_and_serialise(at: DateTime<Utc>) -> Vec<u8> {
    Moment::builder(NAME, MomentType::NearMiss)
        .priority(Priority::High)
        .source(SOURCE)
        .source_url(SOURCE_URL)
        .description(DESCRIPTION)
        .occurred_at(at)
        .build()
        .expect("a valid moment")
        .to_json_vec()
}

fn moment(c: &mut Criterion) {
    let at = occurred_at();
    let payload = build_and_serialise(at);
    let value: serde_json::Value = serde_json::from_slice(&payload).expect("valid JSON");
    let now = Utc::now();
    // The benches measure the same thing the tests check.
    let parsed = parse_lenient(&value, now).moment.expect("a valid payload");
    assert_eq!(parsed.to_json_vec(), payload);

    let mut group = c.benchmark_group("moment");
    group.bench_function("build + to_json_vec (all fields)", |b| {
        b.iter(|| build_and_serialise(black_box(at)))
    });
    group.bench_function("build (all fields)", |b| {
        b.iter(|| {
            Moment::builder(NAME, MomentType::NearMiss)
                .priority(Priority::High)
                .source(SOURCE)
                .source_url(SOURCE_URL)
                .description(DESCRIPTION)
                .occurred_at(black_box(at))
                .build()
        })
    });
    let built = parse_lenient(&value, now).moment.expect("a valid payload");
    group.bench_function("to_json_vec (built, all fields)", |b| {
        b.iter(|| black_box(&built).to_json_vec())
    });
    group.bench_function("parse_lenient (Value, all fields)", |b| {
        b.iter(|| parse_lenient(black_box(&value), now))
    });
    group.bench_function("from_slice + parse_lenient (bytes, all fields)", |b| {
        b.iter(|| {
            let value: serde_json::Value =
                serde_json::from_slice(black_box(&payload)).expect("valid JSON");
            parse_lenient(&value, now)
        })
    });
    group.finish();
}

criterion_group!(benches, moment);
criterion_main!(benches);
