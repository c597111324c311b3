//! The emitter delivers: every moment exactly once, through retries with one
//! `Idempotency-Key`, failures reported to the hook, from any thread, runtime or none.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hotpot_client::{
    EmitError, Emitter, Error, Moment, MomentType, RetryPolicy, Stats, Undelivered,
};

use crate::emitter_support;
use crate::emitter_support::{Answer, Collected, Server, client, emitter_to, fast_retry, moment};

const WAIT: Duration = Duration::from_secs(20);

fn adds_up(s: &Stats) -> bool {
    s.emitted == s.queued + s.in_flight + s.delivered + s.failed + s.dropped
}

#[test]
fn delivers_every_moment_exactly_once() {
    let server = Server::start(Answer::Accept);
    let emitter = emitter_to(&server);
    for i in 0..500 {
        emitter.emit(moment(format!("moment {i}"))).unwrap();
    }
    let report = emitter.flush(WAIT);
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.delivered, 500, "{report}");
    assert_eq!(
        (
            report.failed,
            report.dropped,
            report.unsent(),
            report.retried
        ),
        (0, 0, 0, 0)
    );

    let accepted = server.accepted();
    let names: HashSet<String> = accepted.iter().map(|s| s.name.clone()).collect();
    assert_eq!(accepted.len(), 500, "each moment recorded once");
    assert_eq!(names.len(), 500, "no moment recorded twice");
    assert!((0..500).all(|i| names.contains(&format!("moment {i}"))));
    assert_eq!(server.requests().len(), 500, "no request was retried");
    let keys: HashSet<String> = accepted.iter().map(|s| s.key.clone()).collect();
    assert_eq!(keys.len(), 500, "one Idempotency-Key per moment");

    let stats = emitter.stats();
    assert!(adds_up(&stats), "{stats}");
    assert_eq!((stats.emitted, stats.delivered), (500, 500));
}

#[test]
fn retries_through_503_and_429_with_one_idempotency_key() {
    let server = Server::scripted(
        &[
            Answer::Status(503),
            Answer::Status(503),
            Answer::RateLimited(0),
        ],
        Answer::Accept,
    );
    let emitter = Emitter::builder(client(&server.url()))
        .retry(fast_retry())
        .concurrency(1)
        .build()
        .unwrap();
    emitter.emit(moment("flaky")).unwrap();
    let report = emitter.flush(WAIT);
    assert_eq!(report.delivered, 1, "{report}");
    assert_eq!(report.retried, 3, "{report}");

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|r| r.name == "flaky"));
    assert!(
        requests.iter().all(|r| r.key == requests[0].key),
        "every attempt carries the same key: {requests:?}"
    );
    assert_eq!(requests[0].key.len(), 36, "a UUID");
    assert_eq!(server.accepted().len(), 1);
}

#[test]
fn a_non_retryable_answer_fails_at_once_and_the_hook_sees_the_moment() {
    let server = Server::start(Answer::Status(400));
    let failures: Collected<(Moment, Option<u16>, String)> = Collected::new();
    let seen = failures.clone();
    let emitter = Emitter::builder(client(&server.url()))
        .retry(fast_retry())
        .on_error(move |m, why| {
            if let Undelivered::Failed(e) = why {
                seen.push((m.clone(), e.status(), e.to_string()));
            }
        })
        .build()
        .unwrap();
    let rejected = Moment::builder("rejected", MomentType::Incident)
        .source("tests")
        .build()
        .unwrap();
    emitter.emit(rejected.clone()).unwrap();
    let report = emitter.flush(WAIT);
    assert_eq!(
        (report.delivered, report.failed, report.retried),
        (0, 1, 0),
        "{report}"
    );
    assert_eq!(server.requests().len(), 1, "a 400 is not retried");

    let failures = failures.items();
    assert_eq!(failures.len(), 1);
    let (m, status, message) = &failures[0];
    assert_eq!(m, &rejected);
    assert_eq!(*status, Some(400));
    assert!(
        !message.contains(emitter_support::TOKEN),
        "the error never shows the token: {message}"
    );
}

#[test]
fn retryable_answers_are_retried_until_the_delivery_deadline() {
    let server = Server::start(Answer::Status(503));
    let failures: Collected<bool> = Collected::new();
    let seen = failures.clone();
    let emitter = Emitter::builder(client(&server.url()))
        .retry(fast_retry())
        .delivery_deadline(Duration::from_secs(1))
        .on_error(move |_, why| seen.push(why.error().is_some_and(Error::is_retryable)))
        .build()
        .unwrap();
    emitter.emit(moment("never accepted")).unwrap();
    let report = emitter.flush(WAIT);
    assert_eq!((report.delivered, report.failed), (0, 1), "{report}");
    assert!(report.retried >= 2, "kept retrying: {report}");
    // Every attempt but the last was answered (a retry follows an answer), so the server saw
    // it; the last one may have been cut short by the deadline before it arrived.
    let requests = server.requests().len() as u64;
    assert!(
        requests == report.retried || requests == report.retried + 1,
        "{requests} requests: {report}"
    );
    assert_eq!(failures.items(), [true], "given up only at the deadline");
}

#[test]
fn emits_from_plain_threads_without_a_runtime() {
    let server = Server::start(Answer::Accept);
    // Built, used and shut down with no tokio runtime anywhere on these threads.
    let emitter = emitter_to(&server);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let emitter = emitter.clone();
            std::thread::spawn(move || {
                assert!(tokio::runtime::Handle::try_current().is_err());
                for i in 0..50 {
                    emitter
                        .emit(moment(format!("thread {t} moment {i}")))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let report = emitter.shutdown(WAIT);
    assert_eq!(report.delivered, 200, "{report}");
    assert!(report.is_complete());
    assert_eq!(server.accepted().len(), 200);
}

#[tokio::test]
async fn emits_inside_a_current_thread_runtime() {
    let server = Server::start(Answer::Accept);
    let emitter = emitter_to(&server);
    for i in 0..20 {
        emitter.emit(moment(format!("async {i}"))).unwrap();
    }
    let report = emitter.flush_async(WAIT).await;
    assert_eq!(report.delivered, 20, "{report}");
    let report = emitter.shutdown_async(WAIT).await;
    assert_eq!(report.delivered, 20, "{report}");
    assert!(report.is_complete());
    // The runtime is gone: waiting on it ends at once.
    let report = emitter.flush_async(WAIT).await;
    assert_eq!(
        (report.delivered, report.timed_out),
        (20, false),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emits_from_many_tasks_of_a_multi_thread_runtime() {
    let server = Server::start(Answer::Accept);
    let emitter = emitter_to(&server);
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let emitter = emitter.clone();
            tokio::spawn(async move {
                for i in 0..25 {
                    emitter
                        .emit(moment(format!("task {t} moment {i}")))
                        .unwrap();
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    // The blocking flush works here too (it only parks this worker thread).
    let report = emitter.flush(WAIT);
    assert_eq!(report.delivered, 100, "{report}");
}

#[tokio::test]
async fn flush_async_does_not_block_a_server_on_the_same_runtime() {
    // A server on the test's own single thread: a blocking flush would starve it; the
    // async one waits on the emitter's runtime and lets it run.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/moment/{token}",
        axum::routing::post(|| async { axum::http::StatusCode::ACCEPTED }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{addr}/moment/{}", emitter_support::TOKEN);
    let emitter = Emitter::builder(client(&url))
        .retry(fast_retry())
        .build()
        .unwrap();
    for i in 0..10 {
        emitter.emit(moment(format!("same runtime {i}"))).unwrap();
    }
    let report = emitter.flush_async(WAIT).await;
    assert_eq!(report.delivered, 10, "{report}");
    let report = emitter.shutdown_async(Duration::from_secs(1)).await;
    assert!(report.is_complete(), "{report}");
}

#[test]
fn emit_builder_validates_and_counts_only_valid_moments() {
    let server = Server::start(Answer::Accept);
    let emitter = emitter_to(&server);
    let err = emitter
        .emit_builder(Moment::builder("x".repeat(71), MomentType::Alert).source_url("nope"))
        .unwrap_err();
    let EmitError::Invalid(v) = &err else {
        panic!("expected Invalid, got {err:?}")
    };
    let fields: Vec<&str> = v.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "source_url"], "every problem is reported");
    assert!(err.into_moment().is_none());

    emitter
        .emit_builder(Moment::builder("valid", MomentType::Page))
        .unwrap();
    let report = emitter.flush(WAIT);
    assert_eq!((report.emitted, report.delivered), (1, 1), "{report}");
    assert_eq!(server.accepted()[0].name, "valid");
}

#[test]
fn stats_add_up_at_every_moment() {
    let server = Server::scripted(&[Answer::Status(503); 20], Answer::Accept);
    let emitter = Emitter::builder(client(&server.url()))
        .retry(fast_retry())
        .capacity(50)
        .concurrency(4)
        .build()
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (emitter, done) = (emitter.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut snapshots = 0u32;
            while !done.load(Ordering::Relaxed) {
                let s = emitter.stats();
                assert!(adds_up(&s), "{s}");
                snapshots += 1;
            }
            snapshots
        })
    };
    let mut refused = 0;
    for i in 0..300 {
        if emitter.emit(moment(format!("m{i}"))).is_err() {
            refused += 1;
        }
    }
    let report = emitter.flush(WAIT);
    done.store(true, Ordering::Relaxed);
    assert!(watcher.join().unwrap() > 0);

    let s = emitter.stats();
    assert!(adds_up(&s), "{s}");
    assert_eq!(s.emitted, 300);
    assert_eq!(s.dropped, refused);
    assert_eq!(s.delivered, 300 - refused);
    assert_eq!(s.retried, 20);
    assert_eq!(
        report.emitted,
        report.delivered + report.failed + report.dropped + report.unsent()
    );
    // The server recorded exactly the moments reported delivered, each once.
    let per_name = server
        .accepted()
        .iter()
        .fold(HashMap::<String, u32>::new(), |mut m, s| {
            *m.entry(s.name.clone()).or_default() += 1;
            m
        });
    assert_eq!(per_name.len() as u64, s.delivered);
    assert!(per_name.values().all(|&n| n == 1));
}

#[test]
fn the_default_policy_is_the_clients_with_unbounded_attempts() {
    // The client gives up after 3 attempts; the emitter built from it keeps its backoff but
    // not that limit.
    let server = Server::scripted(&[Answer::Status(503); 5], Answer::Accept);
    let c = hotpot_client::Client::builder(server.url())
        .retry(RetryPolicy::default().with_base_delay(Duration::from_millis(1)))
        .build()
        .unwrap();
    assert_eq!(c.retry_policy().max_attempts(), 3);
    let emitter = Emitter::new(c).unwrap();
    let debug = format!("{emitter:?}");
    assert!(!debug.contains(emitter_support::TOKEN), "{debug}");
    emitter.emit(moment("persistent")).unwrap();
    let report = emitter.flush(WAIT);
    assert_eq!((report.delivered, report.retried), (1, 5), "{report}");
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn a_policy_of_one_attempt_is_honoured() {
    let server = Server::start(Answer::Status(503));
    let emitter = Emitter::builder(client(&server.url()))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    emitter.emit(moment("once")).unwrap();
    let report = emitter.flush(WAIT);
    assert_eq!((report.failed, report.retried), (1, 0), "{report}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_policy_without_a_deadline_is_accepted() {
    // A 0 s Retry-After, then a plain 503 whose backoff is at most 1 ms (the first retry's).
    let server = Server::scripted(
        &[Answer::RateLimited(0), Answer::Status(503)],
        Answer::Accept,
    );
    let emitter = Emitter::builder(client(&server.url()))
        .retry(
            fast_retry()
                .with_max_delay(Duration::MAX)
                .with_max_retry_after(Duration::MAX),
        )
        .delivery_deadline(Duration::MAX)
        .build()
        .unwrap();
    emitter.emit(moment("whenever")).unwrap();
    let report = emitter.flush(WAIT);
    assert_eq!((report.delivered, report.retried), (1, 2), "{report}");
}

#[test]
fn the_emitter_and_its_values_cross_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Emitter>();
    send_sync::<EmitError>();
    send_sync::<hotpot_client::Report>();
    send_sync::<Stats>();
    send_sync::<hotpot_client::DropReason>();
    // An EmitError is a std error, so `?` carries it into Box<dyn Error>.
    let boxed: Box<dyn std::error::Error + Send + Sync> = EmitError::QueueFull(moment("x")).into();
    assert!(boxed.to_string().contains("queue is full"));
}
