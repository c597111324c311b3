//! Shared by the emitter suites (`emitter_chaos`, `emitter_shutdown_overflow`): fast retries,
//! hooks that record what they see, and the checks every report must pass.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use hotpot_client::{Client, RetryPolicy};
use hotpot_client::{DropReason, Emitter, EmitterBuilder, Moment, MomentType, Report, Undelivered};
use hotpot_mock_server::MockServer;
use hotpot_test_support::Collected;

/// The emitter's retries, shortened so that a burst of faults costs milliseconds: retry
/// until the delivery deadline, 5 ms base backoff capped at 200 ms, and `Retry-After` up to 5 s.
pub fn fast_retry() -> RetryPolicy {
    hotpot_test_support::unbounded_retry(
        Duration::from_millis(5),
        Duration::from_millis(200),
        Duration::from_secs(5),
    )
}

/// A client of the mock's default webhook, with a whole-request timeout of `timeout`.
pub fn client(server: &MockServer, timeout: Duration) -> Client {
    Client::builder(server.webhook_url())
        .timeout(timeout)
        .build()
        .expect("a loopback webhook URL is valid")
}

/// An emitter into the mock's default webhook (a client with `timeout`, [`fast_retry`]), its
/// hooks recorded.
pub fn hooked_emitter(server: &MockServer, timeout: Duration) -> (Emitter, Hooks) {
    let (builder, hooks) =
        Hooks::install(Emitter::builder(client(server, timeout)).retry(fast_retry()));
    (builder.build().expect("an emitter"), hooks)
}

/// A valid moment named `name`.
pub fn moment(name: impl Into<String>) -> Moment {
    Moment::builder(name.into(), MomentType::Incident)
        .source("hotpot-e2e")
        .build()
        .expect("a short name is valid")
}

/// The hooks of an emitter under test: each drop (name and reason) and each failure (name
/// and error text).
#[derive(Clone)]
pub struct Hooks {
    pub drops: Collected<(String, DropReason)>,
    pub failures: Collected<(String, String)>,
}

impl Hooks {
    /// Hooks recording into fresh lists, installed on `builder`.
    pub fn install(builder: EmitterBuilder) -> (EmitterBuilder, Hooks) {
        let hooks = Hooks {
            drops: Collected::new(),
            failures: Collected::new(),
        };
        let (drops, failures) = (hooks.drops.clone(), hooks.failures.clone());
        let builder = builder.on_error(move |m, why| match why {
            Undelivered::Dropped(reason) => drops.push((m.name().to_owned(), *reason)),
            other => failures.push((m.name().to_owned(), other.to_string())),
        });
        (builder, hooks)
    }

    /// The names dropped for `reason`, in the order the hook saw them.
    pub fn dropped(&self, reason: DropReason) -> Vec<String> {
        self.drops
            .items()
            .into_iter()
            .filter(|(_, r)| *r == reason)
            .map(|(name, _)| name)
            .collect()
    }
}

/// The names of the moments the mock recorded, checking that none is there twice.
pub fn recorded_once(server: &MockServer) -> HashSet<String> {
    let names: Vec<String> = server.moments().into_iter().map(|m| m.name).collect();
    let unique: HashSet<String> = names.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "{} moments recorded more than once",
        names.len() - unique.len()
    );
    unique
}

/// Every report's invariant: each emitted moment is counted in exactly one place.
pub fn assert_adds_up(report: &Report) {
    assert_eq!(
        report.emitted,
        report.delivered
            + report.failed
            + report.dropped
            + report.kept
            + report.still_queued
            + report.in_flight,
        "the report's counts do not add up: {report}"
    );
}

/// Polls `done` every millisecond until it holds, panicking after `timeout`. Only for the
/// emitter's internal counts, which have no wait of their own.
pub async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Emits `names` and asserts each one was queued.
pub fn emit_all(emitter: &Emitter, names: &[String]) {
    for name in names {
        emitter
            .emit(moment(name.as_str()))
            .unwrap_or_else(|e| panic!("{name} not queued: {e}"));
    }
}

/// `n` names `"{prefix} {i}"`.
pub fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} {i}")).collect()
}
