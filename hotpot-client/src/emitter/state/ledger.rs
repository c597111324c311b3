//! [`Ledger`]: the queue, the moments being sent and every count, kept together under the
//! emitter's one lock so that a snapshot of the counts always adds up.

use std::collections::VecDeque;

use super::QueuedMoment;
use crate::Stats;

/// The queue, the moments being sent and the counts: everything that changes under the lock.
#[derive(Default)]
pub(super) struct Ledger {
    pub(super) queue: VecDeque<QueuedMoment>,
    /// Sequence numbers (and spool record ids) of the moments being sent (at most
    /// `concurrency` of them).
    pub(super) in_flight: Vec<(u64, Option<u64>)>,
    pub(super) next_seq: u64,
    /// `emit` refuses moments.
    pub(super) closed: bool,
    /// The sending tasks take no more moments.
    pub(super) stopped: bool,
    /// Emitters waiting for room.
    pub(super) blocked: usize,
    /// The watcher is parked: the next `emit` must ring the doorbell.
    pub(super) parked: bool,
    /// Settled moments whose hook is still being called: `flush` and `shutdown` wait for
    /// them too, so the hooks have seen every moment the report counts.
    pub(super) reporting: usize,
    pub(super) emitted: u64,
    /// Of `emitted`: read back from the spool.
    pub(super) recovered: u64,
    pub(super) delivered: u64,
    pub(super) failed: u64,
    pub(super) dropped: u64,
    /// Given up by shutdown with a spool: left in it for the next emitter (never dropped).
    pub(super) kept: u64,
    /// Of `dropped`: given up by shutdown, from the queue and mid-send (without a spool).
    pub(super) abandoned: u64,
}

impl Ledger {
    /// A ledger whose queue starts with `queue`: the moments recovered from the spool,
    /// numbered from 0 and counted as emitted and recovered.
    pub(super) fn new(queue: VecDeque<QueuedMoment>) -> Ledger {
        let n = queue.len() as u64;
        Ledger {
            queue,
            next_seq: n,
            parked: n == 0,
            emitted: n,
            recovered: n,
            ..Ledger::default()
        }
    }

    /// Whether every moment numbered below `mark` has settled.
    pub(super) fn settled_before(&self, mark: u64) -> bool {
        self.queue.front().is_none_or(|e| e.seq >= mark)
            && self.in_flight.iter().all(|&(s, _)| s >= mark)
            && self.reporting == 0
    }

    pub(super) fn stats(&self, retried: u64) -> Stats {
        Stats {
            emitted: self.emitted,
            queued: self.queue.len() as u64,
            in_flight: self.in_flight.len() as u64,
            delivered: self.delivered,
            failed: self.failed,
            dropped: self.dropped,
            kept: self.kept,
            retried,
            recovered: self.recovered,
        }
    }
}
