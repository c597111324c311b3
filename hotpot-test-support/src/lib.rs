//! # hotpot-test-support
//!
//! What the tests and benchmarks of `hotpot-client` and `hotpot-e2e` share, written once:
//!
//! | item | for |
//! |---|---|
//! | [`Collected`] | recording what an emitter's `on_error` hook is given |
//! | [`full_moment`], [`FULL_MOMENT_JSON`] | a moment with every field set, and its canonical JSON |
//! | [`unbounded_retry`] | the emitter suites' retry policy: no count limit, a pace of their choosing |
//! | [`QUEUED_ENVELOPE`] | Hotpot's answer to an accepted moment, for local servers |
//! | [`bench`] | the throughput loops the emitter benchmarks compare: a raw reqwest loop and the emitter |
//!
//! A dev-dependency only (`publish = false`).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod bench;

use std::sync::{Arc, Mutex, PoisonError};

use std::time::Duration;

use hotpot_client::{Moment, MomentType, Priority, RetryPolicy};

/// Retries without a count limit (until the delivery deadline), backing off from `base` up
/// to `max`, and honouring a `Retry-After` of up to `max_retry_after`: the emitter suites'
/// policy, each with its own pace.
pub fn unbounded_retry(base: Duration, max: Duration, max_retry_after: Duration) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(u32::MAX)
        .with_base_delay(base)
        .with_max_delay(max)
        .with_max_retry_after(max_retry_after)
}

/// The body Hotpot answers an accepted moment with (spec §3), as a local server sends it.
pub const QUEUED_ENVELOPE: &str = r#"{"hotpot_request_id":"f1e5ae0a-f90c-4dac-affa-2eda897f5c3f","response":{"success":true,"message":"Your request has been queued."}}"#;

/// A moment with every field set.
///
/// ```
/// let moment = hotpot_test_support::full_moment();
/// assert_eq!(moment.to_json(), hotpot_test_support::FULL_MOMENT_JSON);
/// ```
pub fn full_moment() -> Moment {
    Moment::builder(
        "Failed deploy with successful rollback",
        MomentType::NearMiss,
    )
    .priority(Priority::High)
    .source("Deploybot")
    .source_url("https://deploys.example.com/runs/1234")
    .description("Rolled back **automatically** after health checks failed.")
    .occurred_at(
        chrono::DateTime::parse_from_rfc3339("2023-04-01T12:31:26Z")
            .expect("a valid time")
            .to_utc(),
    )
    .build()
    .expect("a valid moment")
}

/// The canonical JSON of [`full_moment`].
pub const FULL_MOMENT_JSON: &str = concat!(
    r#"{"name":"Failed deploy with successful rollback","type":"near-miss","priority":"high","#,
    r#""source":"Deploybot","source_url":"https://deploys.example.com/runs/1234","#,
    r#""description":"Rolled back **automatically** after health checks failed.","#,
    r#""occurred_at":"2023-04-01T12:31:26Z"}"#
);

/// A list shared between a test and the hook that fills it, in the order the hook saw things.
///
/// ```
/// use hotpot_test_support::Collected;
/// let seen = Collected::new();
/// let hook = seen.clone();
/// hook.push("m1");
/// assert_eq!(seen.items(), ["m1"]);
/// ```
pub struct Collected<T>(Arc<Mutex<Vec<T>>>);

impl<T> Clone for Collected<T> {
    fn clone(&self) -> Self {
        Collected(Arc::clone(&self.0))
    }
}

impl<T> Default for Collected<T> {
    fn default() -> Self {
        Collected(Arc::new(Mutex::new(Vec::new())))
    }
}

impl<T: Clone> Collected<T> {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `item` (from the hook).
    pub fn push(&self, item: T) {
        self.lock().push(item);
    }

    /// Everything pushed so far, in order.
    pub fn items(&self) -> Vec<T> {
        self.lock().clone()
    }

    /// Everything pushed, once there are at least `n` items: a hook runs on other threads,
    /// and some of its calls come after the call that caused them returned (an emitter's
    /// shutdown reports the sends it abandoned as their tasks stop). Polls every millisecond;
    /// panics after `timeout`.
    pub fn wait_for_len(&self, n: usize, timeout: std::time::Duration) -> Vec<T> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let items = self.items();
            if items.len() >= n {
                return items;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "waited {timeout:?} for {n} items, got {}",
                items.len()
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// A hook that panicked while pushing leaves the list whole: a push is one `Vec::push`.
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<T>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
