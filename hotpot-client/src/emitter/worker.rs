//! The sending tasks: each takes the next moment from the queue and sends it through
//! `Client::send_with`'s retry loop, with one `Idempotency-Key` for all its attempts, until
//! it is delivered, fails for good or shutdown gives up on it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::queue::{Entry, Outcome, Shared};
use crate::Error;
use crate::new_idempotency_key;

/// One sending task; the emitter runs `concurrency` of them. Never returns: the runtime's
/// shutdown ends it.
pub(super) async fn run(shared: Arc<Shared>) {
    let mut cancel = shared.cancel_signal();
    loop {
        let entry = shared.next().await;
        let flight = InFlight {
            shared: &shared,
            entry: Some(entry),
        };
        let outcome = deliver(&shared, flight.entry(), &mut cancel).await;
        flight.land(outcome);
    }
}

/// How often the watcher looks at the queue while the emitter is active.
const TICK: Duration = Duration::from_millis(1);

/// Looks without finding a moment before the watcher parks (about 100 ms).
const IDLE_TICKS: u32 = 100;

/// The watcher: while the emitter is active, hands queued moments to idle sending tasks
/// every [`TICK`]; parks when there has been nothing to do for [`IDLE_TICKS`], until `emit`
/// rings. See the `queue` module on waking.
pub(super) async fn watch(shared: Arc<Shared>) {
    loop {
        shared.doorbell().await;
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut idle = 0;
        loop {
            if shared.hand_out() {
                idle = 0;
            } else {
                idle += 1;
                if idle >= IDLE_TICKS && shared.park_if_idle() {
                    break;
                }
            }
            ticks.tick().await;
        }
    }
}

/// Sends one moment until it settles.
async fn deliver(shared: &Shared, entry: &Entry, cancel: &mut watch::Receiver<bool>) -> Outcome {
    // The deadline counts from `emit`: time spent queued is part of it.
    let waited = entry.emitted_at.elapsed();
    let remaining = shared.policy.deadline().saturating_sub(waited);
    if remaining.is_zero() {
        return Outcome::Failed(Error::Timeout {
            elapsed: waited,
            source: None,
        });
    }
    let policy = shared.policy.clone().with_deadline(remaining);
    // Made here rather than in `emit` (it asks the OS for the process id, a system call, and
    // formats a UUID), once per moment: every attempt below carries it.
    let key = new_idempotency_key();
    let count_retry = || {
        shared.retried.fetch_add(1, Ordering::Relaxed);
    };
    let send = shared
        .client
        .send_observed(&entry.moment, &key, &policy, &count_retry);
    tokio::select! {
        biased;
        () = cancelled(cancel) => Outcome::Abandoned,
        result = send => match result {
            Ok(_) => Outcome::Delivered,
            Err(error) => Outcome::Failed(error),
        },
    }
}

/// Resolves once shutdown gives up on the moments being sent.
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    // An error means the sender is gone with the emitter: give up too.
    let _ = cancel.wait_for(|&stop| stop).await;
}

/// A moment being sent. If the task is dropped before the moment settles (the runtime shut
/// down first), it is reported as abandoned rather than lost without a word.
struct InFlight<'a> {
    shared: &'a Shared,
    entry: Option<Entry>,
}

impl InFlight<'_> {
    fn entry(&self) -> &Entry {
        // Only `land` and `drop` take the entry out, and both consume the guard.
        self.entry
            .as_ref()
            .expect("an in-flight entry until it lands")
    }

    fn land(mut self, outcome: Outcome) {
        if let Some(entry) = self.entry.take() {
            self.shared.settle(entry, outcome);
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(entry) = self.entry.take() {
            self.shared.settle(entry, Outcome::Abandoned);
        }
    }
}
