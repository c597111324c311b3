//! [`EmitterState`]: what the emitter's handles and its tasks share. Its [`Ledger`] holds the
//! bounded queue, the moments being sent and every count under one lock, so a snapshot of the
//! counts always adds up.
//!
//! Each queued moment gets a sequence number. "Everything emitted before mark `m` has
//! settled" is then: no queued or in-flight number below `m`.
//!
//! Waking: `emit` wakes nobody while the watcher task is active (it looks at the queue every
//! millisecond and hands moments to idle sending tasks); only a parked watcher is rung, through
//! the `doorbell`. That keeps system calls out of a steady stream of `emit`s (BENCHMARKS.md,
//! "`emit()` latency").
//!
//! | module | holds |
//! |---|---|
//! | `state` (here) | the shared state, `emit` and the bounded queue's overflow, the sending tasks' side |
//! | `state::ledger` | [`Ledger`]: the queue, the moments being sent and the counts |
//! | `state::flush` | flush and shutdown: marks, waits for settling, abandoning, the reports |
//! | `state::hooks` | telling the user: traces, throttled warnings, the `on_error` hook |

mod flush;
mod hooks;
mod ledger;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use hooks::WARN_PERIOD_MS;
use ledger::Ledger;

use crate::spool::{Recovered, Spool};
use crate::throttle::Throttle;
use crate::{Client, DropReason, EmitError, Error, Moment, Overflow, RetryPolicy, Undelivered};

/// The user's `on_error` callback.
pub(super) type ErrorHook = Box<dyn Fn(&Moment, &Undelivered) + Send + Sync>;

/// A moment in the queue or being sent, with its place in emit order.
pub(super) struct QueuedMoment {
    pub(super) seq: u64,
    pub(super) moment: Moment,
    pub(super) emitted_at: Instant,
    /// Its record in the spool, if the emitter has one.
    pub(super) spooled: Option<Spooled>,
}

impl QueuedMoment {
    /// A moment recovered from a spool, `seq`-th in emit order, with its record id and key
    /// (`now` starts its delivery deadline afresh).
    fn recovered(seq: u64, r: Recovered, now: Instant) -> Self {
        QueuedMoment {
            seq,
            moment: r.moment,
            emitted_at: now,
            spooled: Some(Spooled {
                id: r.id,
                key: Some(r.key),
            }),
        }
    }
}

/// A spooled moment's record id and, if it was recovered, the `Idempotency-Key` stored with
/// it. A moment spooled by this emitter has the key its id stands for
/// ([`Spool::key_for`]), the one its record holds, made when it is sent.
pub(super) struct Spooled {
    pub(super) id: u64,
    pub(super) key: Option<String>,
}

/// The emitter's spool and what it held when opened.
pub(super) struct SpoolSetup {
    pub(super) spool: Arc<Spool>,
    pub(super) recovered: Vec<Recovered>,
}

/// How the sending of one moment ended.
pub(super) enum Settlement {
    /// Answered 2xx.
    Delivered,
    /// A non-retryable answer, or the delivery deadline passed.
    Failed(Error),
    /// Shutdown gave up on it mid-send.
    Abandoned,
}

/// What the sending tasks and the emitter's handles share.
pub(super) struct EmitterState {
    pub(super) client: Client,
    pub(super) policy: RetryPolicy,
    capacity: usize,
    overflow: Overflow,
    on_error: Option<ErrorHook>,
    pub(super) spool: Option<Arc<Spool>>,
    /// With a spool: the moments shutdown gives up on stay in it, counted as kept, not
    /// dropped, and the hook is not told of them.
    keep_abandoned: bool,
    ledger: Mutex<Ledger>,
    /// Wakes an idle sending task: a moment is waiting.
    work: Notify,
    /// Wakes the watcher from its parked state: `emit` queued a moment.
    doorbell: Notify,
    /// Wakes emitters blocked by [`Overflow::Block`]: there is room, or shutdown began.
    room: Condvar,
    /// Wakes blocking `flush`/`shutdown` calls: something settled.
    settled: Condvar,
    /// Wakes async `flush`/`shutdown` waits: something settled.
    settled_async: Notify,
    /// `flush`/`shutdown` calls waiting; settling wakes them only when there are some.
    waiters: AtomicUsize,
    /// Becomes `true` when shutdown gives up on the moments being sent.
    cancel: watch::Sender<bool>,
    /// Retries made; outside the lock, as they are counted from within a send.
    pub(super) retried: AtomicU64,
    started: Instant,
    drop_warnings: Throttle,
    failure_warnings: Throttle,
}

impl EmitterState {
    pub(super) fn new(
        client: Client,
        policy: RetryPolicy,
        capacity: usize,
        overflow: Overflow,
        on_error: Option<ErrorHook>,
        spool: Option<SpoolSetup>,
    ) -> EmitterState {
        let (spool, recovered) = match spool {
            Some(s) => (Some(s.spool), s.recovered),
            None => (None, Vec::new()),
        };
        let keep_abandoned = spool.is_some();
        // Recovered moments are sent first, with their keys and a fresh delivery deadline;
        // they are taken in even beyond the capacity (refusing them would lose them).
        let now = Instant::now();
        let queue: VecDeque<QueuedMoment> = recovered
            .into_iter()
            .zip(0..)
            .map(|(r, seq)| QueuedMoment::recovered(seq, r, now))
            .collect();
        let n = queue.len() as u64;
        let doorbell = Notify::new();
        if n > 0 {
            doorbell.notify_one(); // the watcher starts handing them out at once
        }
        EmitterState {
            client,
            policy,
            capacity,
            overflow,
            on_error,
            spool,
            keep_abandoned,
            ledger: Mutex::new(Ledger::new(queue)),
            work: Notify::new(),
            doorbell,
            room: Condvar::new(),
            settled: Condvar::new(),
            settled_async: Notify::new(),
            waiters: AtomicUsize::new(0),
            cancel: watch::Sender::new(false),
            retried: AtomicU64::new(0),
            started: Instant::now(),
            drop_warnings: Throttle::new(WARN_PERIOD_MS),
            failure_warnings: Throttle::new(WARN_PERIOD_MS),
        }
    }

    /// The ledger, even if a panic elsewhere poisoned the lock: every update under it is a
    /// few plain assignments, so it is never left half-done.
    fn lock(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // --- emit -------------------------------------------------------------------------

    /// Queues a moment, or refuses it (counted and reported as dropped). With a spool, the
    /// moment and its key (made by the spool) are written to it first, under the lock, so that its record is
    /// always before the record of its settling.
    pub(super) fn enqueue(&self, moment: Moment) -> Result<(), EmitError> {
        let emitted_at = Instant::now();
        let mut ledger = self.lock();
        ledger.emitted += 1;
        let mut displace = false;
        if !ledger.closed && ledger.queue.len() >= self.capacity {
            match self.overflow {
                Overflow::DropNewest => {}
                Overflow::DropOldest => displace = true,
                Overflow::Block(timeout) => {
                    ledger = self.wait_for_room(ledger, deadline_after(emitted_at, timeout));
                }
            }
        }
        if ledger.closed || (!displace && ledger.queue.len() >= self.capacity) {
            let closed = ledger.closed;
            ledger.dropped += 1;
            drop(ledger);
            return Err(if closed {
                self.report_drop(&moment, DropReason::ShutDown);
                EmitError::ShutDown(moment)
            } else {
                self.report_drop(&moment, DropReason::QueueFull);
                EmitError::QueueFull(moment)
            });
        }
        let spooled = match &self.spool {
            Some(spool) => match spool.append(&moment) {
                Ok(id) => Some(Spooled { id, key: None }),
                Err(error) => {
                    ledger.dropped += 1;
                    drop(ledger);
                    self.report_drop(&moment, DropReason::Spool);
                    return Err(EmitError::Spool { moment, error });
                }
            },
            None => None,
        };
        let displaced = if displace {
            let displaced = ledger.queue.pop_front();
            ledger.dropped += 1;
            self.unspool(displaced.as_ref());
            self.wake_waiters();
            displaced
        } else {
            None
        };
        let seq = ledger.next_seq;
        ledger.next_seq += 1;
        ledger.queue.push_back(QueuedMoment {
            seq,
            moment,
            emitted_at,
            spooled,
        });
        // Only a parked emitter is woken (a system call, and maybe a context switch); an
        // active one finds the moment at its next look, within a millisecond.
        let ring = std::mem::take(&mut ledger.parked);
        drop(ledger);
        if ring {
            self.doorbell.notify_one();
        }
        if let Some(entry) = displaced {
            self.report_drop(&entry.moment, DropReason::Displaced);
        }
        Ok(())
    }

    /// Queues moments adopted from an orphaned slot (already copied into this emitter's),
    /// counted as emitted and recovered; taken in even beyond the capacity, like the ones
    /// recovered at start. Once shutdown has given up they stay in the spool, counted as kept.
    pub(super) fn take_in(&self, adopted: Vec<Recovered>) {
        let n = adopted.len() as u64;
        let now = Instant::now();
        let mut ledger = self.lock();
        ledger.emitted += n;
        ledger.recovered += n;
        if ledger.stopped {
            ledger.kept += n;
            return;
        }
        for r in adopted {
            let seq = ledger.next_seq;
            ledger.next_seq += 1;
            ledger.queue.push_back(QueuedMoment::recovered(seq, r, now));
        }
        let ring = std::mem::take(&mut ledger.parked);
        drop(ledger);
        if ring {
            self.doorbell.notify_one();
        }
    }

    /// A moment settled: its record leaves the spool.
    fn unspool(&self, queued: Option<&QueuedMoment>) {
        if let Some(id) = queued.and_then(|q| q.spooled.as_ref()).map(|s| s.id) {
            self.unspool_id(Some(id));
        }
    }

    fn unspool_id(&self, id: Option<u64>) {
        if let (Some(spool), Some(id)) = (&self.spool, id) {
            spool.settle(id);
        }
    }

    /// Waits until the queue has room, shutdown begins or `deadline` passes.
    fn wait_for_room<'a>(
        &'a self,
        mut ledger: MutexGuard<'a, Ledger>,
        deadline: Instant,
    ) -> MutexGuard<'a, Ledger> {
        ledger.blocked += 1;
        while !ledger.closed && ledger.queue.len() >= self.capacity {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            ledger = self
                .room
                .wait_timeout(ledger, remaining)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        ledger.blocked -= 1;
        ledger
    }

    // --- the sending tasks --------------------------------------------------------------

    /// The next moment to send, once there is one (never, after shutdown gave up).
    pub(super) async fn next(&self) -> QueuedMoment {
        loop {
            // Woken by the watcher or by another task's `pop`; `notify_one` leaves a permit
            // when no task is waiting, so a wake between `pop` and the wait is not missed.
            let notified = self.work.notified();
            if let Some(entry) = self.pop() {
                return entry;
            }
            notified.await;
        }
    }

    fn pop(&self) -> Option<QueuedMoment> {
        let mut ledger = self.lock();
        if ledger.stopped {
            return None;
        }
        let entry = ledger.queue.pop_front()?;
        ledger
            .in_flight
            .push((entry.seq, entry.spooled.as_ref().map(|s| s.id)));
        let more = !ledger.queue.is_empty();
        if ledger.blocked > 0 {
            self.room.notify_one();
        }
        drop(ledger);
        if more {
            // Pass the wake on, so that idle tasks start one after the other.
            self.work.notify_one();
        }
        Some(entry)
    }

    /// Waits until `emit` rings the doorbell of a parked emitter.
    pub(super) async fn doorbell(&self) {
        self.doorbell.notified().await;
    }

    /// The watcher's look at the queue: wakes an idle sending task if a moment waits.
    /// Returns whether one does.
    pub(super) fn hand_out(&self) -> bool {
        let waiting = {
            let ledger = self.lock();
            !ledger.queue.is_empty() && !ledger.stopped
        };
        if waiting {
            self.work.notify_one();
        }
        waiting
    }

    /// Parks the watcher if the queue is empty (the next `emit` rings the doorbell).
    /// Returns whether it parked.
    pub(super) fn park_if_idle(&self) -> bool {
        let mut ledger = self.lock();
        ledger.parked = ledger.queue.is_empty();
        ledger.parked
    }

    /// Counts how a send ended, then traces it and calls the hook (not for a kept moment:
    /// given up by shutdown with a spool, it stays there for the next emitter).
    pub(super) fn settle(&self, entry: QueuedMoment, outcome: Settlement) {
        let (counted, reporting, kept) = {
            let mut ledger = self.lock();
            let position = ledger.in_flight.iter().position(|&(s, _)| s == entry.seq);
            let abandoned = matches!(outcome, Settlement::Abandoned);
            if position.is_some() && !(abandoned && self.keep_abandoned) {
                self.unspool(Some(&entry));
            } else if position.is_none() && matches!(outcome, Settlement::Delivered) {
                // Written off by shutdown, and delivered after all: not to be sent again.
                self.unspool(Some(&entry));
            }
            if let Some(i) = position {
                ledger.in_flight.swap_remove(i);
                match &outcome {
                    Settlement::Delivered => ledger.delivered += 1,
                    Settlement::Failed(_) => ledger.failed += 1,
                    Settlement::Abandoned if self.keep_abandoned => ledger.kept += 1,
                    Settlement::Abandoned => {
                        ledger.dropped += 1;
                        ledger.abandoned += 1;
                    }
                }
            }
            // A kept moment is not reported: it is not given up, the next emitter sends it.
            let kept = self.keep_abandoned && (position.is_none() || abandoned);
            let reporting =
                !kept && (position.is_none() || !matches!(outcome, Settlement::Delivered));
            if reporting {
                ledger.reporting += 1;
            } else {
                self.wake_waiters();
            }
            (position.is_some(), reporting, kept)
        };
        if kept {
            tracing::trace!(
                moment = entry.moment.name(),
                "hotpot emitter kept a moment in its spool for the next emitter"
            );
            return;
        }
        match outcome {
            // Shutdown already counted this moment as abandoned mid-send (it took longer
            // than the grace period to stop): whatever happened since, it stays a drop.
            _ if !counted => self.report_drop(&entry.moment, DropReason::AbandonedInFlight),
            Settlement::Delivered => {
                tracing::trace!(
                    moment = entry.moment.name(),
                    "hotpot emitter delivered a moment"
                );
            }
            Settlement::Failed(error) => self.report_failure(&entry.moment, error),
            Settlement::Abandoned => self.report_drop(&entry.moment, DropReason::AbandonedInFlight),
        }
        if reporting {
            let mut ledger = self.lock();
            ledger.reporting -= 1;
            self.wake_waiters();
        }
    }

    /// The signal that shutdown has given up on the moments being sent.
    pub(super) fn cancel_signal(&self) -> watch::Receiver<bool> {
        self.cancel.subscribe()
    }
}

/// "No deadline", in a form `Instant` arithmetic cannot overflow with: a century.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `start + timeout`, with timeouts longer than [`FOREVER`] cut to it.
pub(super) fn deadline_after(start: Instant, timeout: Duration) -> Instant {
    start + timeout.min(FOREVER)
}
