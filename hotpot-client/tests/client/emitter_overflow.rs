//! A full queue (capacity 100, one send stalled): each overflow policy does what it says,
//! at once, and the drop hook sees every moment given up.

use std::time::{Duration, Instant};

use hotpot_client::{DropReason, EmitError, Emitter, EmitterBuilder, Overflow};

use crate::emitter_support::{Answer, Collected, Server, client, fast_retry, moment};

const WAIT: Duration = Duration::from_secs(20);

/// An emitter with one send stuck on `server` and 100 moments (`q0`..`q99`) queued behind
/// it; returns the emitter and what its drop hook sees.
fn full(
    server: &Server,
    configure: impl FnOnce(EmitterBuilder) -> EmitterBuilder,
) -> (Emitter, Collected<(String, DropReason)>) {
    let drops = Collected::new();
    let seen = drops.clone();
    let builder = Emitter::builder(client(&server.url()))
        .retry(fast_retry())
        .capacity(100)
        .concurrency(1)
        .on_error(move |m, why| {
            if let Some(reason) = why.drop_reason() {
                seen.push((m.name().to_owned(), reason));
            }
        });
    let emitter = configure(builder).build().unwrap();
    emitter.emit(moment("in flight")).unwrap();
    server.wait_for_requests(1, WAIT);
    for i in 0..100 {
        emitter.emit(moment(format!("q{i}"))).unwrap();
    }
    let s = emitter.stats();
    assert_eq!((s.in_flight, s.queued, s.dropped), (1, 100, 0), "{s}");
    (emitter, drops)
}

#[test]
fn drop_newest_refuses_at_once_and_hands_the_moment_back() {
    let server = Server::start(Answer::Stall);
    let (emitter, drops) = full(&server, |b| b); // DropNewest is the default
    let started = Instant::now();
    for i in 0..50 {
        match emitter.emit(moment(format!("n{i}"))) {
            Err(EmitError::QueueFull(m)) => assert_eq!(m.name(), format!("n{i}")),
            other => panic!("expected QueueFull, got {other:?}"),
        }
    }
    // Not a speed test: a refusal that waited for room would wait for a stalled server, for
    // ever (or for the client's 15 s timeout, then get room and not refuse).
    assert!(started.elapsed() < Duration::from_secs(10));

    let expected: Vec<_> = (0..50)
        .map(|i| (format!("n{i}"), DropReason::QueueFull))
        .collect();
    assert_eq!(drops.items(), expected);
    let s = emitter.stats();
    assert_eq!(
        (s.emitted, s.queued, s.in_flight, s.dropped),
        (151, 100, 1, 50),
        "{s}"
    );
    assert!(
        emitter
            .emit(moment("one more"))
            .unwrap_err()
            .to_string()
            .contains("queue is full")
    );
}

#[test]
fn drop_oldest_displaces_the_oldest_queued_moments() {
    let server = Server::start(Answer::Hold);
    let (emitter, drops) = full(&server, |b| b.overflow(Overflow::DropOldest));
    for i in 0..10 {
        emitter.emit(moment(format!("n{i}"))).unwrap();
    }
    let expected: Vec<_> = (0..10)
        .map(|i| (format!("q{i}"), DropReason::Displaced))
        .collect();
    assert_eq!(
        drops.items(),
        expected,
        "the oldest queued, not the one in flight"
    );
    let s = emitter.stats();
    assert_eq!((s.queued, s.in_flight, s.dropped), (100, 1, 10), "{s}");

    server.release();
    let report = emitter.flush(WAIT);
    assert_eq!((report.delivered, report.dropped), (101, 10), "{report}");
    let accepted: Vec<String> = server.accepted().into_iter().map(|s| s.name).collect();
    assert_eq!(accepted.len(), 101);
    assert_eq!(accepted[0], "in flight");
    assert_eq!(accepted[1], "q10", "sent in order");
    assert_eq!(accepted[100], "n9");
    assert!(!accepted.iter().any(|n| n == "q0" || n == "q9"));
}

#[test]
fn block_waits_for_its_timeout_then_refuses() {
    let server = Server::start(Answer::Hold);
    let timeout = Duration::from_millis(500);
    let (emitter, drops) = full(&server, |b| b.overflow(Overflow::Block(timeout)));
    let started = Instant::now();
    let err = emitter.emit(moment("late")).unwrap_err();
    assert!(started.elapsed() >= timeout, "waited for room first");
    assert!(matches!(err, EmitError::QueueFull(ref m) if m.name() == "late"));
    assert_eq!(drops.items(), [("late".to_owned(), DropReason::QueueFull)]);

    // Room made while waiting lets the moment in.
    let waiting = {
        let emitter = emitter.clone();
        std::thread::spawn(move || emitter.emit(moment("patient")).map_err(|e| e.to_string()))
    };
    server.release();
    assert_eq!(waiting.join().unwrap(), Ok(()));
    let report = emitter.flush(WAIT);
    assert_eq!((report.delivered, report.dropped), (102, 1), "{report}");
}

#[test]
fn shutdown_wakes_a_blocked_emit() {
    let server = Server::start(Answer::Stall);
    let (emitter, drops) = full(&server, |b| b.overflow(Overflow::Block(Duration::MAX)));
    let blocked = {
        let emitter = emitter.clone();
        std::thread::spawn(move || emitter.emit(moment("blocked")))
    };
    let report = emitter.shutdown(Duration::ZERO);
    let result = blocked.join().unwrap();
    assert!(
        matches!(result, Err(EmitError::ShutDown(ref m)) if m.name() == "blocked"),
        "{result:?}"
    );
    // Given up by the shutdown: dropped, as the hook and the stats count them; nothing pending.
    assert_eq!(
        (report.abandoned, report.still_queued, report.in_flight),
        (101, 0, 0),
        "{report}"
    );
    assert!(report.dropped >= 101, "{report}");
    assert!(
        drops
            .items()
            .contains(&("blocked".to_owned(), DropReason::ShutDown))
    );
}
