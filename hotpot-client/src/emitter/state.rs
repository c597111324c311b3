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

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use crate::spool::{Recovered, Spool};
use crate::throttle::Throttle;
use crate::{
    Client, DropReason, EmitError, Error, Moment, Overflow, Report, RetryPolicy, Stats, Undelivered,
};

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
    /// Moments given up at shutdown stay in the spool (`flush_spool`: for a later run).
    pub(super) keep_abandoned: bool,
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

/// The queue, the moments being sent and the counts: everything that changes under the lock.
struct Ledger {
    queue: VecDeque<QueuedMoment>,
    /// Sequence numbers (and spool record ids) of the moments being sent (at most
    /// `concurrency` of them).
    in_flight: Vec<(u64, Option<u64>)>,
    next_seq: u64,
    /// `emit` refuses moments.
    closed: bool,
    /// The sending tasks take no more moments.
    stopped: bool,
    /// Emitters waiting for room.
    blocked: usize,
    /// The watcher is parked: the next `emit` must ring the doorbell.
    parked: bool,
    /// Settled moments whose hook is still being called: `flush` and `shutdown` wait for
    /// them too, so the hooks have seen every moment the report counts.
    reporting: usize,
    emitted: u64,
    /// Of `emitted`: read back from the spool.
    recovered: u64,
    delivered: u64,
    failed: u64,
    dropped: u64,
    /// Of `dropped`: given up by shutdown, from the queue and mid-send.
    abandoned_queued: u64,
    abandoned_in_flight: u64,
}

impl Ledger {
    /// Whether every moment numbered below `mark` has settled.
    fn settled_before(&self, mark: u64) -> bool {
        self.queue.front().is_none_or(|e| e.seq >= mark)
            && self.in_flight.iter().all(|&(s, _)| s >= mark)
            && self.reporting == 0
    }

    fn stats(&self, retried: u64) -> Stats {
        Stats {
            emitted: self.emitted,
            queued: self.queue.len() as u64,
            in_flight: self.in_flight.len() as u64,
            delivered: self.delivered,
            failed: self.failed,
            dropped: self.dropped,
            retried,
            recovered: self.recovered,
        }
    }
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
        let (spool, recovered, keep_abandoned) = match spool {
            Some(s) => (Some(s.spool), s.recovered, s.keep_abandoned),
            None => (None, Vec::new(), false),
        };
        // Recovered moments are sent first, with their keys and a fresh delivery deadline;
        // they are taken in even beyond the capacity (refusing them would lose them).
        let now = Instant::now();
        let queue: VecDeque<QueuedMoment> = recovered
            .into_iter()
            .zip(0..)
            .map(|(r, seq)| QueuedMoment {
                seq,
                moment: r.moment,
                emitted_at: now,
                spooled: Some(Spooled {
                    id: r.id,
                    key: Some(r.key),
                }),
            })
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
            ledger: Mutex::new(Ledger {
                queue,
                in_flight: Vec::new(),
                next_seq: n,
                closed: false,
                stopped: false,
                blocked: 0,
                parked: n == 0,
                reporting: 0,
                emitted: n,
                recovered: n,
                delivered: 0,
                failed: 0,
                dropped: 0,
                abandoned_queued: 0,
                abandoned_in_flight: 0,
            }),
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

    /// Counts how a send ended, then traces it and calls the hook.
    pub(super) fn settle(&self, entry: QueuedMoment, outcome: Settlement) {
        let (counted, reporting) = {
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
                    Settlement::Abandoned => {
                        ledger.dropped += 1;
                        ledger.abandoned_in_flight += 1;
                    }
                }
            }
            let reporting = position.is_none() || !matches!(outcome, Settlement::Delivered);
            if reporting {
                ledger.reporting += 1;
            } else {
                self.wake_waiters();
            }
            (position.is_some(), reporting)
        };
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

    // --- flush and shutdown -------------------------------------------------------------

    /// A mark that settles once every moment emitted so far has.
    pub(super) fn mark(&self) -> u64 {
        self.lock().next_seq
    }

    /// Refuses further moments; returns the mark of everything queued.
    pub(super) fn close(&self) -> u64 {
        let mut ledger = self.lock();
        ledger.closed = true;
        self.room.notify_all();
        ledger.next_seq
    }

    pub(super) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Whether everything before `mark` has settled.
    pub(super) fn settled_before(&self, mark: u64) -> bool {
        self.lock().settled_before(mark)
    }

    /// Blocks until everything before `mark` has settled (`true`) or `deadline` passes.
    pub(super) fn wait_settled(&self, mark: u64, deadline: Instant) -> bool {
        let mut ledger = self.lock();
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let settled = loop {
            if ledger.settled_before(mark) {
                break true;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break false;
            }
            ledger = self
                .settled
                .wait_timeout(ledger, remaining)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        settled
    }

    /// [`wait_settled`](Self::wait_settled) for async code; runs on the emitter's runtime.
    pub(super) async fn wait_settled_async(&self, mark: u64, deadline: Instant) -> bool {
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let _waiting = WaiterCount(&self.waiters);
        let deadline = tokio::time::Instant::from_std(deadline);
        loop {
            let notified = self.settled_async.notified();
            tokio::pin!(notified);
            // Registered before the check, so a settle right after it still wakes us.
            notified.as_mut().enable();
            if self.settled_before(mark) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.settled_before(mark);
            }
        }
    }

    /// Wakes the `flush`/`shutdown` calls waiting, if any. Called with the lock held, so a
    /// waiter that checked the ledger before this change is already waiting.
    fn wake_waiters(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.settled.notify_all();
            self.settled_async.notify_waiters();
        }
    }

    /// Shutdown's deadline passed: stops the sending tasks from taking moments, takes the
    /// queue out (counted as abandoned; the caller reports each) and tells the moments
    /// being sent to give up. Returns the queue and how many were in flight.
    pub(super) fn abandon(&self) -> (Vec<QueuedMoment>, usize) {
        let mut ledger = self.lock();
        ledger.closed = true;
        ledger.stopped = true;
        let queued: Vec<QueuedMoment> = ledger.queue.drain(..).collect();
        if !self.keep_abandoned {
            for q in &queued {
                self.unspool(Some(q));
            }
        }
        ledger.dropped += queued.len() as u64;
        ledger.abandoned_queued += queued.len() as u64;
        let in_flight = ledger.in_flight.len();
        self.room.notify_all();
        self.wake_waiters();
        drop(ledger);
        self.cancel.send_replace(true);
        (queued, in_flight)
    }

    /// Counts the moments still in flight after the grace period as abandoned; their
    /// tasks report them to the hook when they stop. Returns how many there were.
    pub(super) fn write_off_in_flight(&self) -> u64 {
        let mut ledger = self.lock();
        let n = ledger.in_flight.len() as u64;
        for (_, id) in ledger.in_flight.drain(..) {
            if !self.keep_abandoned {
                self.unspool_id(id);
            }
        }
        ledger.dropped += n;
        ledger.abandoned_in_flight += n;
        self.wake_waiters();
        n
    }

    pub(super) fn stats(&self) -> Stats {
        let retried = self.retried.load(Ordering::Relaxed);
        self.lock().stats(retried)
    }

    /// The report of `flush`: pending moments as they are now.
    pub(super) fn flush_report(&self, timed_out: bool) -> Report {
        let s = self.stats();
        Report {
            emitted: s.emitted,
            delivered: s.delivered,
            failed: s.failed,
            dropped: s.dropped,
            still_queued: s.queued,
            in_flight: s.in_flight,
            retried: s.retried,
            recovered: s.recovered,
            timed_out,
            blocked_runtime: false,
        }
    }

    /// The report of `shutdown`: the moments it abandoned, as still queued and in flight.
    pub(super) fn shutdown_report(&self, timed_out: bool) -> Report {
        let retried = self.retried.load(Ordering::Relaxed);
        let ledger = self.lock();
        Report {
            emitted: ledger.emitted,
            delivered: ledger.delivered,
            failed: ledger.failed,
            dropped: ledger.dropped - ledger.abandoned_queued - ledger.abandoned_in_flight,
            still_queued: ledger.abandoned_queued + ledger.queue.len() as u64,
            in_flight: ledger.abandoned_in_flight + ledger.in_flight.len() as u64,
            retried,
            recovered: ledger.recovered,
            timed_out,
            blocked_runtime: false,
        }
    }

    // --- telling the user ---------------------------------------------------------------

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Traces a drop (a warning at most once a second) and calls the hook.
    pub(super) fn report_drop(&self, moment: &Moment, reason: DropReason) {
        tracing::debug!(moment = moment.name(), %reason, "hotpot emitter dropped a moment");
        // Abandoned moments are summed up in one warning by shutdown itself.
        let abandoned = matches!(
            reason,
            DropReason::Abandoned | DropReason::AbandonedInFlight
        );
        if !abandoned && let Some(held_back) = self.drop_warnings.allow(self.now_ms()) {
            tracing::warn!(
                moment = moment.name(),
                %reason,
                more_since_last_warning = held_back,
                "hotpot emitter dropped a moment"
            );
        }
        self.call_hook(moment, &Undelivered::Dropped(reason));
    }

    /// Traces a failure (a warning at most once a second) and calls the hook.
    fn report_failure(&self, moment: &Moment, error: Error) {
        tracing::debug!(moment = moment.name(), %error, "hotpot emitter failed to deliver a moment");
        if let Some(held_back) = self.failure_warnings.allow(self.now_ms()) {
            tracing::warn!(
                moment = moment.name(),
                %error,
                more_since_last_warning = held_back,
                "hotpot emitter failed to deliver a moment"
            );
        }
        self.call_hook(moment, &Undelivered::Failed(error));
    }

    /// Calls `on_error`, if any; a panic in it is logged, never passed on.
    fn call_hook(&self, moment: &Moment, why: &Undelivered) {
        if let Some(hook) = &self.on_error
            && catch_unwind(AssertUnwindSafe(|| hook(moment, why))).is_err()
        {
            tracing::error!("the hotpot emitter's on_error hook panicked");
        }
    }
}

/// The shortest time between two warnings of one kind (drops, failures).
const WARN_PERIOD_MS: u64 = 1_000;

/// "No deadline", in a form `Instant` arithmetic cannot overflow with: a century.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `start + timeout`, with timeouts longer than [`FOREVER`] cut to it.
pub(super) fn deadline_after(start: Instant, timeout: Duration) -> Instant {
    start + timeout.min(FOREVER)
}

/// Counts an async waiter for as long as it waits, even if its future is dropped.
struct WaiterCount<'a>(&'a AtomicUsize);

impl Drop for WaiterCount<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
