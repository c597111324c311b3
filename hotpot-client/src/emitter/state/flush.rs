//! Flush and shutdown: marks, the waits for everything before a mark to settle, giving up
//! on the queue and the moments being sent, and the counts and reports.

use std::sync::PoisonError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use super::{EmitterState, QueuedMoment};
use crate::{Report, Stats};

impl EmitterState {
    /// A mark that settles once every moment emitted so far has.
    pub(in crate::emitter) fn mark(&self) -> u64 {
        self.lock().next_seq
    }

    /// Refuses further moments; returns the mark of everything queued.
    pub(in crate::emitter) fn close(&self) -> u64 {
        let mut ledger = self.lock();
        ledger.closed = true;
        self.room.notify_all();
        ledger.next_seq
    }

    pub(in crate::emitter) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Whether everything before `mark` has settled.
    pub(in crate::emitter) fn settled_before(&self, mark: u64) -> bool {
        self.lock().settled_before(mark)
    }

    /// Blocks until everything before `mark` has settled (`true`) or `deadline` passes.
    pub(in crate::emitter) fn wait_settled(&self, mark: u64, deadline: Instant) -> bool {
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
    pub(in crate::emitter) async fn wait_settled_async(
        &self,
        mark: u64,
        deadline: Instant,
    ) -> bool {
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
    pub(super) fn wake_waiters(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.settled.notify_all();
            self.settled_async.notify_waiters();
        }
    }

    /// Shutdown's deadline passed: stops the sending tasks from taking moments, takes the
    /// queue out (counted as abandoned, and the caller reports each; with a spool counted as
    /// kept, left in it and not reported) and tells the moments being sent to give up.
    /// Returns the queue and how many were in flight.
    pub(in crate::emitter) fn abandon(&self) -> (Vec<QueuedMoment>, usize) {
        let mut ledger = self.lock();
        ledger.closed = true;
        ledger.stopped = true;
        let mut queued: Vec<QueuedMoment> = ledger.queue.drain(..).collect();
        let n = queued.len() as u64;
        if self.keep_abandoned {
            ledger.kept += n;
            queued.clear(); // in the spool: nothing to report
        } else {
            for q in &queued {
                self.unspool(Some(q));
            }
            ledger.dropped += n;
            ledger.abandoned += n;
        }
        let in_flight = ledger.in_flight.len();
        self.room.notify_all();
        self.wake_waiters();
        drop(ledger);
        self.cancel.send_replace(true);
        (queued, in_flight)
    }

    /// Counts the moments still in flight after the grace period as abandoned (their tasks
    /// report them to the hook when they stop), or as kept with a spool. Returns how many
    /// there were.
    pub(in crate::emitter) fn write_off_in_flight(&self) -> u64 {
        let mut ledger = self.lock();
        let n = ledger.in_flight.len() as u64;
        if self.keep_abandoned {
            ledger.in_flight.clear();
            ledger.kept += n;
        } else {
            for (_, id) in ledger.in_flight.drain(..) {
                self.unspool_id(id);
            }
            ledger.dropped += n;
            ledger.abandoned += n;
        }
        self.wake_waiters();
        n
    }

    pub(in crate::emitter) fn stats(&self) -> Stats {
        let retried = self.retried.load(Ordering::Relaxed);
        self.lock().stats(retried)
    }

    /// The report of `flush` and `shutdown`: the counts as they are now (after a shutdown,
    /// what it gave up is dropped, or kept with a spool, and nothing is pending).
    pub(in crate::emitter) fn report(&self, timed_out: bool) -> Report {
        let retried = self.retried.load(Ordering::Relaxed);
        let ledger = self.lock();
        let s = ledger.stats(retried);
        Report {
            emitted: s.emitted,
            delivered: s.delivered,
            failed: s.failed,
            dropped: s.dropped,
            abandoned: ledger.abandoned,
            kept: s.kept,
            still_queued: s.queued,
            in_flight: s.in_flight,
            retried: s.retried,
            recovered: s.recovered,
            timed_out,
            blocked_runtime: false,
        }
    }
}

/// Counts an async waiter for as long as it waits, even if its future is dropped.
struct WaiterCount<'a>(&'a AtomicUsize);

impl Drop for WaiterCount<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
