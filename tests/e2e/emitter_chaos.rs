//! The emitter under chaos (issue 5): 10,000 moments from 4 producer threads while the mock
//! answers about 30 % of the requests with faults — 503s, 429s with `Retry-After: 1`,
//! hung-up connections and slow answers — fed in by a driver task while the moments are
//! delivered, so that the faults interleave with successes. Every moment must land exactly
//! once, and the report must say so. Plus the smaller exactly-once cases.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hotpot_client::{Client, Emitter};
use hotpot_mock_server::{Fault, MockServer};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

use crate::emitter_support::{
    Hooks, assert_adds_up, emit_all, fast_retry, hooked_emitter, names, recorded_once,
};

const WAIT: Duration = Duration::from_secs(20);

const MOMENTS: usize = 10_000;
const PRODUCERS: usize = 4;

/// Faults hit about this share of the requests (numerator, denominator).
const FAULT_SHARE: (usize, usize) = (3, 10);

/// The driver keeps at most this many faults queued, so each one hits one of the next few
/// requests rather than a run of them.
const MAX_QUEUED_FAULTS: usize = 8;

/// The kinds of fault in the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// 503 at once.
    Unavailable,
    /// 429 with `Retry-After: 1`: holds a sending task for a second.
    RateLimited,
    /// The connection closed without an answer.
    HangUp,
    /// 503 after 50 to 300 ms.
    SlowUnavailable,
    /// 202 after 50 to 300 ms: slow, but a success.
    Slow,
}

impl Kind {
    /// The `i`-th fault of the mix. Per 100: 1 rate limit (each costs a sending task a
    /// whole second, so they are rare), 6 slow successes, 6 slow 503s, 25 hang-ups and 62
    /// quick 503s — spread out by a stride coprime to 100, so no kind comes in runs.
    fn nth(i: usize) -> Kind {
        match (i * 37) % 100 {
            0 => Kind::RateLimited,
            1..=6 => Kind::Slow,
            7..=12 => Kind::SlowUnavailable,
            13..=37 => Kind::HangUp,
            _ => Kind::Unavailable,
        }
    }

    fn fault(self, i: usize) -> Fault {
        let delay = Duration::from_millis(50 + (i as u64 * 7919) % 251); // 50 to 300 ms
        match self {
            Kind::Unavailable => Fault::status(503),
            Kind::RateLimited => Fault::status(429).retry_after(Duration::from_secs(1)),
            Kind::HangUp => Fault::drop_connection(),
            Kind::SlowUnavailable => Fault::status(503).after(delay),
            Kind::Slow => Fault::delay(delay),
        }
    }

    /// Whether a request it hits fails (and so costs the emitter one retry).
    fn fails(self) -> bool {
        self != Kind::Slow
    }
}

/// Feeds faults to the mock until `stop`: one at a time, at most [`MAX_QUEUED_FAULTS`]
/// queued, and only while the faults pushed stay under [`FAULT_SHARE`] of the requests seen
/// (successes are the mock's events: a fault records none). Returns the faults pushed, in
/// order — the mock takes them first in, first out. On the way, checks that every snapshot
/// of the emitter's counters adds up.
async fn drive_faults(server: &MockServer, emitter: &Emitter, stop: &AtomicBool) -> Vec<Kind> {
    let (share, of) = FAULT_SHARE;
    let mut pushed = Vec::new();
    while !stop.load(Ordering::Acquire) {
        let s = emitter.stats();
        assert_eq!(
            s.emitted,
            s.queued + s.in_flight + s.delivered + s.failed + s.dropped,
            "a snapshot of the counters does not add up: {s}"
        );
        let successes = server.event_count();
        let mut queued = server.pending_faults();
        // pushed / (pushed + successes) = share / of  ⇔  pushed = successes × share / (of − share)
        let wanted = successes * share / (of - share) + 1;
        while successes < MOMENTS && pushed.len() < wanted && queued < MAX_QUEUED_FAULTS {
            let kind = Kind::nth(pushed.len());
            server
                .fail_next(kind.fault(pushed.len()))
                .expect("a valid fault");
            pushed.push(kind);
            queued += 1;
        }
        // A control loop's pace, not a wait for an event.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    pushed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_moments_through_thirty_percent_faults_land_exactly_once() {
    let server = MockServer::start().await.unwrap();
    let (emitter, hooks) = hooked_emitter(&server, Duration::from_secs(5));
    let per_producer: Vec<Vec<String>> = (0..PRODUCERS)
        .map(|p| names(&format!("chaos p{p}"), MOMENTS / PRODUCERS))
        .collect();
    let expected: HashSet<String> = per_producer.iter().flatten().cloned().collect();
    assert_eq!(expected.len(), MOMENTS);

    let started = Instant::now();
    let stop = AtomicBool::new(false);
    let (pushed, report) = tokio::join!(drive_faults(&server, &emitter, &stop), async {
        // Producers on their own threads, emitting in bursts of 50, so that emitting,
        // sending and the faults all overlap.
        let producers: Vec<_> = per_producer
            .into_iter()
            .map(|batch| {
                let emitter = emitter.clone();
                std::thread::spawn(move || {
                    for burst in batch.chunks(50) {
                        emit_all(&emitter, burst);
                        std::thread::sleep(Duration::from_millis(1));
                    }
                })
            })
            .collect();
        tokio::task::spawn_blocking(move || {
            for producer in producers {
                producer.join().expect("a producer panicked");
            }
        })
        .await
        .unwrap();
        let report = emitter.flush_async(Duration::from_secs(90)).await;
        stop.store(true, Ordering::Release);
        report
    });
    let took = started.elapsed();

    // The mock's side: how many faults were hit, of which kinds, and what was recorded.
    let hit = &pushed[..pushed.len() - server.pending_faults()];
    let mut by_kind: HashMap<Kind, usize> = HashMap::new();
    for kind in hit {
        *by_kind.entry(*kind).or_default() += 1;
    }
    let failing = hit.iter().filter(|k| k.fails()).count();
    let requests = failing + server.event_count();
    eprintln!(
        "chaos: {MOMENTS} moments in {took:?}; {} of {requests} requests hit a fault \
         ({:.1} %): {by_kind:?}; {report}",
        hit.len(),
        100.0 * hit.len() as f64 / requests as f64
    );
    assert_eq!(
        recorded_once(&server),
        expected,
        "every moment exactly once"
    );
    assert_eq!(
        server.event_count(),
        MOMENTS,
        "one event per moment: no request was recorded twice"
    );
    let share = hit.len() as f64 / requests as f64;
    assert!(
        (0.25..=0.35).contains(&share),
        "faults hit {:.1} % of the requests, wanted about 30 %",
        share * 100.0
    );
    for kind in [
        Kind::Unavailable,
        Kind::RateLimited,
        Kind::HangUp,
        Kind::SlowUnavailable,
        Kind::Slow,
    ] {
        assert!(
            by_kind.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind:?} fault was hit"
        );
    }

    // The emitter's side.
    assert_adds_up(&report);
    assert!(!report.timed_out, "{report}");
    assert_eq!(report.emitted, MOMENTS as u64);
    assert_eq!(report.delivered, MOMENTS as u64, "{report}");
    assert_eq!((report.failed, report.dropped), (0, 0), "{report}");
    assert_eq!((report.still_queued, report.in_flight), (0, 0), "{report}");
    // Each failed request costs its moment one retry, and nothing else does; but a hang-up
    // costs none when the request's at-once resend (spec §5) is answered.
    let retried = usize::try_from(report.retried).unwrap();
    let hang_ups = by_kind.get(&Kind::HangUp).copied().unwrap_or(0);
    assert!(
        (failing - hang_ups..=failing).contains(&retried),
        "{failing} requests failed, so about as many retries: {report}"
    );
    assert!(hooks.drops.items().is_empty(), "{:?}", hooks.drops.items());
    assert!(
        hooks.failures.items().is_empty(),
        "{:?}",
        hooks.failures.items()
    );

    let last = emitter.shutdown_async(Duration::from_secs(1)).await;
    assert_eq!(
        (last.delivered, last.unsent()),
        (MOMENTS as u64, 0),
        "{last}"
    );
}

#[tokio::test]
async fn two_503s_then_success_is_one_moment() {
    let server = MockServer::start().await.unwrap();
    server.fail_next(Fault::status(503).times(2)).unwrap();
    let (emitter, hooks) = hooked_emitter(&server, Duration::from_secs(5));
    emit_all(&emitter, &["Failover, retried twice".to_owned()]);

    let report = emitter.flush_async(WAIT).await;
    assert_adds_up(&report);
    assert_eq!(
        (
            report.delivered,
            report.retried,
            report.failed,
            report.dropped
        ),
        (1, 2, 0, 0),
        "{report}"
    );
    assert_eq!(server.pending_faults(), 0, "both 503s were answered");
    assert_eq!(
        recorded_once(&server),
        HashSet::from(["Failover, retried twice".to_owned()])
    );
    assert_eq!(server.event_count(), 1, "the 503s recorded nothing");
    assert!(hooks.drops.items().is_empty() && hooks.failures.items().is_empty());
}

/// The client gives up on a slow answer and retries. The mock drops a request whose client
/// hung up (hyper cancels its handler), so the timed-out attempt records nothing: the retry
/// records the moment once, and nothing turns up later.
#[tokio::test]
async fn a_slow_answer_the_client_gave_up_on_is_recorded_once() {
    let server = MockServer::start().await.unwrap();
    // Twenty times the client's timeout: a retry on a loaded machine still lands before it.
    let slow = Duration::from_secs(3);
    server.fail_next(Fault::delay(slow)).unwrap();
    let (emitter, hooks) = hooked_emitter(&server, Duration::from_millis(150));
    let started = Instant::now();
    emit_all(&emitter, &["Slow answer, given up".to_owned()]);

    let report = emitter.flush_async(WAIT).await;
    assert_eq!((report.delivered, report.failed), (1, 0), "{report}");
    assert!(
        report.retried >= 1,
        "the timed-out attempt was retried: {report}"
    );
    assert!(
        started.elapsed() < slow,
        "delivered by the retry, before the slow answer"
    );
    // Past the first request's delay, nothing more may appear: a negative check has to
    // wait out the time in which it could happen.
    let more = server
        .wait_for_moments(2, slow + Duration::from_millis(400))
        .await;
    let Err(timeout) = more else {
        panic!("the moment was recorded twice");
    };
    assert_eq!(timeout.got.len(), 1);
    assert_eq!(server.event_count(), 1, "the late request recorded nothing");
    assert!(hooks.drops.items().is_empty() && hooks.failures.items().is_empty());
}

/// The mock's faults all act before it records, so an answer lost *after* the mock recorded
/// the moment is made here: a proxy in front of the mock that, on its first `lost`
/// connections, forwards the request, waits for the mock's answer to start — the moment is
/// recorded by then — and hangs up instead of passing it on.
struct AnswerLosingProxy {
    url: String,
    lost: Arc<AtomicUsize>,
}

impl AnswerLosingProxy {
    async fn start(server: &MockServer, lose: usize) -> AnswerLosingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let upstream = server.url().trim_start_matches("http://").to_owned();
        let lost = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&lost);
        tokio::spawn(async move {
            let mut connections = 0;
            loop {
                let (mut downstream, _) = listener.accept().await.unwrap();
                let mut mock = TcpStream::connect(&upstream).await.unwrap();
                connections += 1;
                if connections > lose {
                    tokio::spawn(async move {
                        let _ = tokio::io::copy_bidirectional(&mut downstream, &mut mock).await;
                    });
                    continue;
                }
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let (mut from_client, _to_client) = downstream.split();
                    let (mut from_mock, mut to_mock) = mock.split();
                    let forward = tokio::io::copy(&mut from_client, &mut to_mock);
                    let mut first = [0u8; 1];
                    // The request goes through; the connection closes once the answer starts.
                    tokio::select! {
                        _ = forward => {}
                        read = from_mock.read(&mut first) => {
                            if matches!(read, Ok(1)) {
                                counter.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                });
            }
        });
        AnswerLosingProxy {
            url: format!("http://{addr}/moment/{}", server.token()),
            lost,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_lost_after_the_mock_recorded_are_retried_without_duplicates() {
    const MOMENTS: usize = 20;
    const LOSE: usize = 8;
    let server = MockServer::start().await.unwrap();
    let proxy = AnswerLosingProxy::start(&server, LOSE).await;
    let client = Client::builder(proxy.url.as_str())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let (builder, hooks) = Hooks::install(Emitter::builder(client).retry(fast_retry()));
    let emitter = builder.build().unwrap();
    let all = names("answer lost", MOMENTS);
    emit_all(&emitter, &all);

    let report = emitter.flush_async(WAIT).await;
    assert_adds_up(&report);
    assert_eq!(
        proxy.lost.load(Ordering::SeqCst),
        LOSE,
        "the mock answered, and the proxy lost, {LOSE} answers"
    );
    assert_eq!(
        (report.delivered, report.failed),
        (MOMENTS as u64, 0),
        "{report}"
    );
    // Each lost answer was sent again: at once, with no retry counted, when its connection
    // closed before the answer started (spec §5); as a retry when the resend was lost too.
    assert!(report.retried <= LOSE as u64 / 2, "{report}");
    assert_eq!(
        recorded_once(&server),
        all.iter().cloned().collect::<HashSet<_>>(),
        "each moment once, although {LOSE} were recorded and then sent again"
    );
    assert_eq!(
        server.event_count(),
        MOMENTS,
        "the retries of recorded moments were answered from the Idempotency-Key replay"
    );
    assert!(hooks.drops.items().is_empty() && hooks.failures.items().is_empty());
}
