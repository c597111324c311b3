//! The emitter's tasks: the sending tasks, each taking the next moment from the queue and
//! sending it through the client's retry loop (one `Idempotency-Key` for all its attempts)
//! until it settles, and the watcher that hands queued moments to idle sending tasks.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::state::{EmitterState, QueuedMoment, Settlement, Spooled};
use crate::Error;
use hotpot_protocol::new_idempotency_key;

/// One sending task; the emitter runs `concurrency` of them. Never returns: the runtime's
/// shutdown ends it.
pub(super) async fn send_moments(state: Arc<EmitterState>) {
    let mut cancel = state.cancel_signal();
    loop {
        let queued = state.next().await;
        let guard = SettleOnDrop {
            state: &state,
            queued: Some(queued),
        };
        let settlement = deliver(&state, guard.queued(), &mut cancel).await;
        guard.land(settlement);
    }
}

/// How often the watcher looks at the queue while the emitter is active.
const TICK: Duration = Duration::from_millis(1);

/// Looks without finding a moment before the watcher parks (about 100 ms).
const IDLE_TICKS: u32 = 100;

/// The watcher: while the emitter is active, hands queued moments to idle sending tasks
/// every [`TICK`]; parks when there has been nothing to do for [`IDLE_TICKS`], until `emit`
/// rings. See the `state` module on waking.
pub(super) async fn watch_queue(state: Arc<EmitterState>) {
    loop {
        state.doorbell().await;
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut idle = 0;
        loop {
            if state.hand_out() {
                idle = 0;
            } else {
                idle += 1;
                if idle >= IDLE_TICKS && state.park_if_idle() {
                    break;
                }
            }
            ticks.tick().await;
        }
    }
}

/// While the emitter lives, adopts the orphaned slots of its spool's directory every
/// [`SPOOL_ADOPT_INTERVAL`](crate::defaults::SPOOL_ADOPT_INTERVAL) and queues their moments.
pub(super) async fn adopt_orphans(state: Arc<EmitterState>) {
    loop {
        tokio::time::sleep(crate::defaults::SPOOL_ADOPT_INTERVAL).await;
        let Some(spool) = state.spool.clone() else {
            return;
        };
        // File work: off the runtime's threads.
        let taker = Arc::clone(&state);
        let adopting = move || spool.adopt_orphans(|adopted| taker.take_in(adopted));
        if tokio::task::spawn_blocking(adopting).await.is_err() {
            return;
        }
    }
}

/// Sends one moment until it settles.
async fn deliver(
    state: &EmitterState,
    queued: &QueuedMoment,
    cancel: &mut watch::Receiver<bool>,
) -> Settlement {
    // The deadline counts from `emit`: time spent queued is part of it.
    let waited = queued.emitted_at.elapsed();
    let remaining = state.policy.deadline().saturating_sub(waited);
    if remaining.is_zero() {
        return Settlement::Failed(Error::Timeout {
            elapsed: waited,
            source: None,
        });
    }
    let policy = state.policy.clone().with_deadline(remaining);
    // Made here rather than in `emit` (it asks the OS for the process id, a system call, and
    // formats a UUID), once per moment: every attempt below carries it. A spooled moment's
    // key is in its record, so a restart sends it with the same one.
    let key: Cow<'_, str> = match (&queued.spooled, &state.spool) {
        (Some(Spooled { key: Some(key), .. }), _) => Cow::Borrowed(key),
        (Some(Spooled { id, key: None }), Some(spool)) => Cow::Owned(spool.key_for(*id)),
        _ => Cow::Owned(new_idempotency_key()),
    };
    let count_retry = || {
        state.retried.fetch_add(1, Ordering::Relaxed);
    };
    let send = state
        .client
        .send_moment(&queued.moment, &key, &policy, &count_retry);
    tokio::select! {
        biased;
        () = cancelled(cancel) => Settlement::Abandoned,
        result = send => match result {
            Ok(_) => Settlement::Delivered,
            Err(error) => Settlement::Failed(error),
        },
    }
}

/// Resolves once shutdown gives up on the moments being sent.
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    // An error means the sender is gone with the emitter: give up too.
    let _ = cancel.wait_for(|&stop| stop).await;
}

/// Holds a moment being sent and settles it: with the send's settlement through `land`, or as
/// abandoned if the task is dropped first (the runtime shut down), so none is lost unsaid.
struct SettleOnDrop<'a> {
    state: &'a EmitterState,
    queued: Option<QueuedMoment>,
}

impl SettleOnDrop<'_> {
    fn queued(&self) -> &QueuedMoment {
        // Only `land` and `drop` take the moment out, and both consume the guard.
        self.queued
            .as_ref()
            .expect("the guard holds its moment until it lands")
    }

    fn land(mut self, settlement: Settlement) {
        if let Some(queued) = self.queued.take() {
            self.state.settle(queued, settlement);
        }
    }
}

impl Drop for SettleOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(queued) = self.queued.take() {
            self.state.settle(queued, Settlement::Abandoned);
        }
    }
}
