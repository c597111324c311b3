//! Shutdown, flush and drop: bounded in time, honest in their counts, and never a panic.

use std::time::{Duration, Instant};

use hotpot_client::{DropReason, EmitError, Emitter};

use crate::common::{LogBuffer, warnings_in};
use crate::emitter_support;
use crate::emitter_support::{
    Answer, Collected, Server, client, emitter_to, fast_retry, moment, unreachable_url,
};

const WAIT: Duration = Duration::from_secs(20);

/// An emitter for `url` with `concurrency` sends at once, and what its drop hook sees.
fn emitter(url: &str, concurrency: usize) -> (Emitter, Collected<(String, DropReason)>) {
    let drops = Collected::new();
    let seen = drops.clone();
    let emitter = Emitter::builder(client(url))
        .retry(fast_retry())
        .concurrency(concurrency)
        .on_error(move |m, why| {
            if let Some(reason) = why.drop_reason() {
                seen.push((m.name().to_owned(), reason));
            }
        })
        .build()
        .unwrap();
    (emitter, drops)
}

fn count(drops: &[(String, DropReason)], reason: DropReason) -> usize {
    drops.iter().filter(|(_, r)| *r == reason).count()
}

#[test]
fn shutdown_while_the_server_is_down_returns_in_time_and_reports_what_is_left() {
    let (emitter, drops) = emitter(&unreachable_url(), 4);
    for i in 0..50 {
        emitter.emit(moment(format!("m{i}"))).unwrap();
    }
    let started = Instant::now();
    let report = emitter.shutdown(Duration::from_secs(1));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1),
        "kept trying until the deadline"
    );
    // Returned about then: a shutdown that kept going would go on for the moments'
    // 10-minute delivery deadline; a minute tells them apart however loaded the machine.
    assert!(
        took < Duration::from_secs(60),
        "returned about then: {took:?}"
    );

    assert!(report.timed_out, "{report}");
    // What the shutdown gave up is dropped, as the hook and the stats say: nothing pending.
    assert_eq!(
        (report.delivered, report.failed, report.dropped),
        (0, 0, 50)
    );
    assert_eq!(
        (report.abandoned, report.still_queued, report.in_flight),
        (50, 0, 0),
        "{report}"
    );
    assert_eq!(report.unsent(), 50);
    assert!(report.retried > 4, "the sends were retrying: {report}");

    // The abandoned sends reach the hook as their tasks stop, which may be after shutdown.
    let drops = drops.wait_for_len(50, WAIT);
    assert_eq!(count(&drops, DropReason::Abandoned), 46);
    assert_eq!(count(&drops, DropReason::AbandonedInFlight), 4);
    let s = emitter.stats();
    assert_eq!(
        (s.emitted, s.dropped, s.queued, s.in_flight),
        (50, 50, 0, 0),
        "{s}"
    );
}

#[test]
fn shutdown_reports_delivered_exactly_what_the_server_accepted() {
    let server = Server::scripted(&[Answer::Accept; 10], Answer::Stall);
    let (emitter, drops) = emitter(&server.url(), 4);
    for i in 0..30 {
        emitter.emit(moment(format!("m{i}"))).unwrap();
    }
    server.wait_for_requests(14, WAIT); // 10 accepted, then 4 that will never be answered
    let report = emitter.shutdown(Duration::from_millis(200));
    assert_eq!(report.delivered, 10, "{report}");
    assert_eq!(server.accepted().len(), 10);
    assert_eq!(
        (
            report.dropped,
            report.abandoned,
            report.still_queued,
            report.in_flight
        ),
        (20, 20, 0, 0),
        "{report}"
    );
    assert_eq!(
        report.emitted,
        report.delivered + report.failed + report.dropped + report.kept
    );
    let drops = drops.wait_for_len(20, WAIT); // the in-flight ones as their tasks stop
    let accepted: Vec<String> = server.accepted().into_iter().map(|s| s.name).collect();
    assert!(
        drops.iter().all(|(name, _)| !accepted.contains(name)),
        "no delivered moment is reported dropped"
    );
    assert_eq!(drops.len(), 20);
}

#[test]
fn a_clean_shutdown_delivers_everything_and_later_emits_are_refused() {
    let server = Server::start(Answer::Accept);
    let (emitter, drops) = emitter(&server.url(), 8);
    for i in 0..100 {
        emitter.emit(moment(format!("m{i}"))).unwrap();
    }
    let report = emitter.shutdown(WAIT);
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.delivered, 100, "{report}");
    assert_eq!(server.accepted().len(), 100);
    assert!(emitter.is_closed());

    match emitter.emit(moment("too late")) {
        Err(EmitError::ShutDown(m)) => assert_eq!(m.name(), "too late"),
        other => panic!("expected ShutDown, got {other:?}"),
    }
    assert_eq!(
        drops.items(),
        [("too late".to_owned(), DropReason::ShutDown)]
    );
    let again = emitter.shutdown(WAIT);
    assert_eq!(
        (again.delivered, again.dropped, again.emitted),
        (100, 1, 101)
    );
    assert_eq!(
        emitter.flush(WAIT).delivered,
        100,
        "flush after shutdown returns at once"
    );
}

#[test]
fn flush_waits_for_earlier_moments_and_gives_up_at_its_timeout() {
    let server = Server::start(Answer::Hold);
    let (emitter, drops) = emitter(&server.url(), 1);
    emitter.emit(moment("a")).unwrap();
    emitter.emit(moment("b")).unwrap();
    server.wait_for_requests(1, WAIT);
    let report = emitter.flush(Duration::from_millis(100));
    assert!(report.timed_out, "{report}");
    assert_eq!((report.still_queued, report.in_flight), (1, 1), "{report}");

    server.release();
    let report = emitter.flush(WAIT);
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.delivered, 2, "{report}");
    assert!(drops.items().is_empty(), "flush abandons nothing");
}

#[test]
fn a_panicking_hook_does_not_stop_delivery() {
    let server = Server::scripted(&[Answer::Status(400); 2], Answer::Accept);
    let emitter = Emitter::builder(client(&server.url()))
        .retry(fast_retry())
        .concurrency(1)
        .on_error(|_, _| panic!("a careless hook"))
        .build()
        .unwrap();
    for i in 0..5 {
        emitter.emit(moment(format!("m{i}"))).unwrap();
    }
    let report = emitter.flush(WAIT);
    assert_eq!((report.failed, report.delivered), (2, 3), "{report}");
}

/// The warnings and errors `tracing` wrote on this thread while `f` ran.
fn warnings_of(f: impl FnOnce()) -> String {
    warnings_in(&LogBuffer::of_this_thread(f))
}

#[tokio::test]
async fn dropping_inside_a_current_thread_runtime_is_bounded_and_says_what_it_abandoned() {
    let server = Server::start(Answer::Stall);
    let (emitter, drops) = emitter(&server.url(), 2);
    for i in 0..10 {
        emitter.emit(moment(format!("m{i}"))).unwrap();
    }
    server.wait_for_requests(2, WAIT);
    let started = Instant::now();
    let logs = warnings_of(|| drop(emitter));
    let took = started.elapsed();
    // A drop that waited for the stalled server would wait for ever.
    assert!(took < Duration::from_secs(30), "drop is bounded: {took:?}");
    assert!(
        logs.contains("WARN") && logs.contains("abandoned 8 queued and 2 in-flight moments"),
        "{logs}"
    );
    assert!(!logs.contains(emitter_support::TOKEN), "{logs}");
    let drops = drops.wait_for_len(10, WAIT); // the in-flight ones as their tasks stop
    assert_eq!(count(&drops, DropReason::Abandoned), 8);
    assert_eq!(count(&drops, DropReason::AbandonedInFlight), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_inside_a_multi_thread_runtime_neither_panics_nor_hangs() {
    let (emitter, _drops) = emitter(&unreachable_url(), 2);
    for i in 0..10 {
        emitter.emit(moment(format!("m{i}"))).unwrap();
    }
    let started = Instant::now();
    tokio::spawn(async move { drop(emitter) }).await.unwrap();
    // A drop that kept retrying would go on for the moments' 10-minute delivery deadline.
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn dropping_a_clone_keeps_the_emitter_running() {
    let server = Server::start(Answer::Accept);
    let (emitter, drops) = emitter(&server.url(), 2);
    drop(emitter.clone());
    emitter.emit(moment("still running")).unwrap();
    assert_eq!(emitter.flush(WAIT).delivered, 1);
    assert!(drops.items().is_empty());
}

#[test]
fn drops_are_warned_at_most_once_a_second_with_a_count() {
    let server = Server::start(Answer::Stall);
    let emitter = Emitter::builder(client(&server.url()))
        .capacity(1)
        .concurrency(1)
        .build()
        .unwrap();
    emitter.emit(moment("in flight")).unwrap();
    server.wait_for_requests(1, WAIT);
    emitter.emit(moment("queued")).unwrap();
    let logs = warnings_of(|| {
        for i in 0..50 {
            assert!(emitter.emit(moment(format!("refused {i}"))).is_err());
        }
    });
    let warnings: Vec<&str> = logs.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{logs}");
    assert!(warnings[0].contains("refused 0") && warnings[0].contains("queue_full"));
    assert_eq!(emitter.stats().dropped, 50);
}

#[test]
fn failures_are_warned_with_the_moment_and_never_the_token() {
    warnings_of(|| {}); // the subscriber is in place before the emitter's thread logs
    let server = Server::start(Answer::Status(410));
    let emitter = emitter_to(&server);
    emitter.emit(moment("expired webhook moment")).unwrap();
    assert_eq!(emitter.flush(WAIT).failed, 1);
    let all = warnings_in(&LogBuffer::global().text());
    let line = all
        .lines()
        .find(|l| l.contains("expired webhook moment"))
        .unwrap_or_else(|| panic!("no warning for the failure in {all}"));
    assert!(line.contains("WARN") && line.contains("410"), "{line}");
    assert!(!all.contains(emitter_support::TOKEN), "{all}");
}

/// The mistake of a `#[tokio::test]` against the in-process mock: a blocking `shutdown` (or
/// `flush`) blocks the test's current-thread runtime, on which the mock runs, so the mock cannot
/// answer and the moment is reported undelivered. It is said: a warning naming the mistake and
/// the fix when the call begins, and a note in the report.
#[tokio::test]
async fn a_blocking_shutdown_on_a_current_thread_runtime_says_it_blocks_that_runtime() {
    let mock = hotpot_mock_server::MockServer::start().await.unwrap();
    let emitter = Emitter::new(client(&mock.webhook_url())).unwrap();
    emitter.emit(moment("m")).unwrap();

    let mut flushed = None;
    let warnings = warnings_of(|| flushed = Some(emitter.flush(Duration::from_millis(100))));
    let flushed = flushed.unwrap();
    assert!(flushed.blocked_runtime, "{flushed}");
    assert!(warnings.contains("blocking flush(100ms)"), "{warnings}");

    let mut report = None;
    let warnings = warnings_of(|| report = Some(emitter.shutdown(Duration::from_millis(100))));
    let report = report.unwrap();
    assert!(report.blocked_runtime, "{report}");
    assert_eq!(report.delivered, 0, "the mock could not answer: {report}");
    assert!(
        report
            .to_string()
            .contains("called from async code on a current-thread tokio runtime, which it blocked"),
        "{report}"
    );
    for words in [
        "blocking shutdown(100ms) was called from async code on a current-thread tokio runtime",
        "in-process mock",
        "shutdown_async(..).await",
    ] {
        assert!(warnings.contains(words), "{words:?} not in: {warnings}");
    }
    assert_eq!(mock.moment_count(), 0);
}

/// The right ways, on the same runtime: the async shutdown, and the blocking one inside
/// `spawn_blocking`; neither blocks the mock, so the moment is delivered and nothing is noted.
#[tokio::test]
async fn shutdown_async_or_spawn_blocking_on_a_current_thread_runtime_deliver() {
    let mock = hotpot_mock_server::MockServer::start().await.unwrap();
    let emitter = Emitter::new(client(&mock.webhook_url())).unwrap();
    emitter.emit(moment("async")).unwrap();
    let report = emitter.flush_async(WAIT).await;
    assert_eq!(report.delivered, 1, "{report}");
    assert!(!report.blocked_runtime);

    emitter.emit(moment("in the pool")).unwrap();
    let report = tokio::task::spawn_blocking(move || emitter.shutdown(WAIT))
        .await
        .unwrap();
    assert_eq!(report.delivered, 2, "{report}");
    assert!(!report.blocked_runtime && !report.timed_out, "{report}");
    assert_eq!(mock.moment_count(), 2);
}
