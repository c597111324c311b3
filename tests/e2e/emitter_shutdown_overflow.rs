//! The emitter when the mock is down or stalled (issue 5): `shutdown` returns on time and
//! reports delivered only what the mock recorded, every abandoned moment reaches the
//! `on_error` hook; a full queue refuses (or displaces) at once, and says so.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use hotpot_client::{DropReason, EmitError, Emitter, Moment, Overflow};
use hotpot_mock_server::{Fault, MAX_FAULT_COUNT, MockServer};

use crate::emitter_support::{
    Hooks, assert_adds_up, client, emit_all, fast_retry, hooked_emitter, moment, names,
    recorded_once, wait_until,
};

const WAIT: Duration = Duration::from_secs(20);

/// Loose: `shutdown(1 s)` must return "within about a second"; a shutdown that kept going
/// would go on for the moments' 10-minute delivery deadline, so a minute tells them apart
/// however loaded the machine.
const SHUTDOWN_BOUND: Duration = Duration::from_secs(60);

fn set(names: &[String]) -> HashSet<String> {
    names.iter().cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_while_the_mock_is_stopped_returns_in_about_a_second() {
    let server = MockServer::start().await.unwrap();
    let (emitter, hooks) = hooked_emitter(&server, Duration::from_secs(5));
    let before = names("before the stop", 20);
    emit_all(&emitter, &before);
    let flushed = emitter.flush_async(WAIT).await;
    assert_eq!(flushed.delivered, 20, "{flushed}");
    assert_eq!(recorded_once(&server), set(&before));
    server.shutdown().await; // nothing listens on its port any more

    let after = names("after the stop", 200);
    emit_all(&emitter, &after);
    let started = Instant::now();
    let report = tokio::task::spawn_blocking({
        let emitter = emitter.clone();
        move || emitter.shutdown(Duration::from_secs(1))
    })
    .await
    .unwrap();
    let took = started.elapsed();
    eprintln!("shutdown(1 s) with the mock stopped took {took:?}: {report}");

    assert!(
        took >= Duration::from_secs(1),
        "kept trying until the deadline: {took:?}"
    );
    assert!(took < SHUTDOWN_BOUND, "returned about then: {took:?}");
    assert_adds_up(&report);
    assert!(report.timed_out, "{report}");
    assert_eq!(
        report.delivered, 20,
        "delivered is what the mock recorded before it stopped: {report}"
    );
    // What the shutdown gave up is dropped (as the hook and the stats count it), nothing
    // pending.
    assert_eq!((report.failed, report.dropped), (0, 200), "{report}");
    assert_eq!(
        (report.abandoned, report.still_queued, report.in_flight),
        (200, 0, 0),
        "{report}"
    );
    assert_eq!(report.unsent(), 200, "{report}");
    assert!(report.retried > 0, "{report}");

    // The abandoned sends reach the hook as their tasks stop, which may be after shutdown.
    hooks.drops.wait_for_len(200, WAIT);
    let queued = hooks.dropped(DropReason::Abandoned);
    let in_flight = hooks.dropped(DropReason::AbandonedInFlight);
    assert!(!in_flight.is_empty(), "the sends were retrying: {report}");
    assert_eq!((queued.len() + in_flight.len()) as u64, report.abandoned);
    let abandoned: HashSet<String> = queued.into_iter().chain(in_flight).collect();
    assert_eq!(
        abandoned,
        set(&after),
        "the hook saw each abandoned moment once"
    );
    assert!(
        hooks.failures.items().is_empty(),
        "{:?}",
        hooks.failures.items()
    );

    let s = emitter.stats();
    assert_eq!(
        (s.emitted, s.delivered, s.dropped, s.pending()),
        (220, 20, 200, 0),
        "{s}"
    );
    let late = emitter.emit(moment("after shutdown")).unwrap_err();
    assert!(matches!(late, EmitError::ShutDown(_)), "{late}");
    assert_eq!(hooks.dropped(DropReason::ShutDown), ["after shutdown"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_after_the_mock_went_down_mid_stream_reports_only_what_it_recorded() {
    let server = MockServer::start().await.unwrap();
    let (emitter, hooks) = hooked_emitter(&server, Duration::from_secs(5));
    let all = names("mid-stream", 5_000);
    emit_all(&emitter, &all);
    server.wait_for_moments(100, WAIT).await.unwrap();
    // From now on the mock hangs up on every request: it is down, mid-stream.
    server
        .fail_next(Fault::drop_connection().times(MAX_FAULT_COUNT))
        .unwrap();

    let started = Instant::now();
    let report = emitter.shutdown_async(Duration::from_secs(1)).await;
    let took = started.elapsed();
    eprintln!("shutdown_async(1 s) mid-stream took {took:?}: {report}");
    assert!(
        took < SHUTDOWN_BOUND,
        "returned about a second later: {took:?}"
    );
    assert_adds_up(&report);
    assert!(report.timed_out, "{report}");
    assert_eq!(report.failed, 0, "{report}");
    assert_eq!(
        report.dropped, report.abandoned,
        "only the shutdown dropped: {report}"
    );
    assert!(
        report.abandoned > 0,
        "moments were left when the mock went down: {report}"
    );

    let recorded = recorded_once(&server);
    // The abandoned sends reach the hook as their tasks stop, which may be after shutdown.
    hooks.drops.wait_for_len(report.unsent() as usize, WAIT);
    let abandoned_queued = set(&hooks.dropped(DropReason::Abandoned));
    let abandoned_in_flight = set(&hooks.dropped(DropReason::AbandonedInFlight));
    assert_eq!(
        (abandoned_queued.len() + abandoned_in_flight.len()) as u64,
        report.abandoned
    );
    let delivered: HashSet<String> = all
        .iter()
        .filter(|n| !abandoned_queued.contains(*n) && !abandoned_in_flight.contains(*n))
        .cloned()
        .collect();
    assert_eq!(delivered.len() as u64, report.delivered, "{report}");
    assert!(
        delivered.is_subset(&recorded),
        "reported delivered but not recorded: {:?}",
        delivered.difference(&recorded).take(5).collect::<Vec<_>>()
    );
    assert!(
        recorded.is_disjoint(&abandoned_queued),
        "a moment abandoned unsent was recorded"
    );
    // Only a moment abandoned mid-send may have reached the mock ("the server may have it").
    assert!(
        recorded
            .difference(&delivered)
            .all(|n| abandoned_in_flight.contains(n))
    );
    assert!(
        hooks.failures.items().is_empty(),
        "{:?}",
        hooks.failures.items()
    );
    server.clear_faults();
}

// --- overflow ----------------------------------------------------------------------------

const CAPACITY: usize = 100;
const SENDERS: usize = 4;
/// How long the mock holds the first requests: far longer than the emits below take (they
/// take microseconds each; an emit that waits for room would wait until the stall ends).
const STALL: Duration = Duration::from_secs(2);

/// An emitter with room for [`CAPACITY`] moments whose [`SENDERS`] sending tasks are all
/// stuck on the mock for [`STALL`], and whose queue is then filled (`queued`): every emit
/// from here on meets a full queue until the stall ends.
/// Returns the emitter, its hooks, the stuck moments' names and the queued ones'.
async fn stalled(
    server: &MockServer,
    overflow: Overflow,
) -> (Emitter, Hooks, Vec<String>, Vec<String>) {
    server
        .fail_next(Fault::delay(STALL).times(SENDERS as u32))
        .unwrap();
    let (builder, hooks) = Hooks::install(
        Emitter::builder(client(server, Duration::from_secs(30)))
            .retry(fast_retry())
            .capacity(CAPACITY)
            .concurrency(SENDERS)
            .overflow(overflow),
    );
    let emitter = builder.build().unwrap();
    let stuck = names("stuck", SENDERS);
    emit_all(&emitter, &stuck);
    wait_until("every sending task stuck on the mock", WAIT, || {
        let s = emitter.stats();
        s.in_flight == SENDERS as u64 && s.queued == 0 && server.pending_faults() == 0
    })
    .await;
    let queued = names("queued", CAPACITY);
    emit_all(&emitter, &queued);
    (emitter, hooks, stuck, queued)
}

/// Emits each moment and returns the results and the slowest call.
fn emit_timed(emitter: &Emitter, moments: Vec<Moment>) -> (Vec<Result<(), EmitError>>, Duration) {
    let mut slowest = Duration::ZERO;
    let results = moments
        .into_iter()
        .map(|m| {
            let t = Instant::now();
            let result = emitter.emit(m);
            slowest = slowest.max(t.elapsed());
            result
        })
        .collect();
    (results, slowest)
}

/// The emitter's counts: `(emitted, queued, in_flight, dropped)`.
fn assert_counts(emitter: &Emitter, expected: (u64, u64, u64, u64)) {
    let s = emitter.stats();
    assert_eq!(
        (s.emitted, s.queued, s.in_flight, s.dropped),
        expected,
        "{s}"
    );
}

/// Flushes (the stall has ended): the report adds up and is
/// `(delivered, dropped, failed, unsent)`.
async fn assert_flushed(emitter: &Emitter, expected: (u64, u64, u64, u64)) {
    let report = emitter.flush_async(WAIT).await;
    assert_adds_up(&report);
    assert_eq!(
        (
            report.delivered,
            report.dropped,
            report.failed,
            report.unsent()
        ),
        expected,
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_newest_refuses_at_once_and_the_hook_sees_each_refusal() {
    let server = MockServer::start().await.unwrap();
    let (emitter, hooks, stuck, queued) = stalled(&server, Overflow::DropNewest).await;

    let refused = names("refused", 500);
    let (results, slowest) = emit_timed(&emitter, refused.iter().map(moment).collect());
    for (name, result) in refused.iter().zip(results) {
        match result {
            Err(EmitError::QueueFull(m)) => assert_eq!(m.name(), name, "handed back"),
            other => panic!("{name}: expected QueueFull, got {other:?}"),
        }
    }
    // An emit that waited for room would have waited for the stall to end.
    assert!(slowest < STALL / 4, "an emit waited {slowest:?}");
    assert_eq!(
        hooks.dropped(DropReason::QueueFull),
        refused,
        "each refusal, in order"
    );
    assert_counts(&emitter, (604, 100, 4, 500));

    // The stall ends: what was queued is delivered, what was refused never is.
    assert_flushed(&emitter, (104, 500, 0, 0)).await;
    let expected: HashSet<String> = stuck.into_iter().chain(queued).collect();
    assert_eq!(recorded_once(&server), expected);
    assert_eq!(hooks.drops.items().len(), 500, "no other drop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_oldest_displaces_the_oldest_and_the_hook_sees_them_as_displaced() {
    let server = MockServer::start().await.unwrap();
    let (emitter, hooks, stuck, queued) = stalled(&server, Overflow::DropOldest).await;

    let newer = names("newer", 30);
    let (results, slowest) = emit_timed(&emitter, newer.iter().map(moment).collect());
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    // An emit that waited for room would have waited for the stall to end.
    assert!(slowest < STALL / 4, "an emit waited {slowest:?}");
    assert_eq!(
        hooks.dropped(DropReason::Displaced),
        queued[..30],
        "the 30 oldest, oldest first"
    );
    assert_counts(&emitter, (134, 100, 4, 30));

    assert_flushed(&emitter, (104, 30, 0, 0)).await;
    let expected: HashSet<String> = stuck
        .into_iter()
        .chain(queued[30..].iter().cloned())
        .chain(newer)
        .collect();
    assert_eq!(
        recorded_once(&server),
        expected,
        "the displaced never reach the mock"
    );
    assert_eq!(hooks.drops.items().len(), 30, "no other drop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_waits_its_timeout_then_refuses() {
    let server = MockServer::start().await.unwrap();
    let wait = Duration::from_millis(100);
    let (emitter, hooks, _, _) = stalled(&server, Overflow::Block(wait)).await;

    let started = Instant::now();
    let refused = tokio::task::spawn_blocking({
        let emitter = emitter.clone();
        move || emitter.emit(moment("blocked"))
    })
    .await
    .unwrap();
    let took = started.elapsed();
    assert!(
        matches!(refused, Err(EmitError::QueueFull(_))),
        "{refused:?}"
    );
    assert!(took >= wait, "waited for room: {took:?}");
    assert!(
        took < STALL,
        "gave up after its timeout, not when room came: {took:?}"
    );
    assert_eq!(hooks.dropped(DropReason::QueueFull), ["blocked"]);
    let report = emitter.flush_async(WAIT).await;
    assert_eq!((report.delivered, report.dropped), (104, 1), "{report}");
}
