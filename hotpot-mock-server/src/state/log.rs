//! The bounded log: events in arrival order, numbered from 1, and the moments they created,
//! at most `max` of each; the oldest event (and its moment) leaves first, and counters say
//! how many left.

use std::collections::VecDeque;

use super::record::{StoredEvent, StoredMoment};

/// What the cap pushed out: an event and its moment, to be freed after the lock.
pub(super) type Evicted = Option<(StoredEvent, Option<StoredMoment>)>;

pub(super) struct Log {
    max: usize,
    events: VecDeque<StoredEvent>,
    moments: VecDeque<StoredMoment>,
    next_seq: u64,
    dropped_events: u64,
    dropped_moments: u64,
}

impl Log {
    pub(super) fn new(max: usize) -> Self {
        Log {
            max,
            events: VecDeque::new(),
            moments: VecDeque::new(),
            next_seq: 1,
            dropped_events: 0,
            dropped_moments: 0,
        }
    }

    /// The number the next event gets.
    pub(super) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Appends `event` with the next number (and its moment), making room first so that the
    /// log never holds more than the cap.
    pub(super) fn push(&mut self, mut event: StoredEvent, moment: Option<StoredMoment>) -> Evicted {
        let evicted = if self.events.len() >= self.max {
            self.evict_oldest()
        } else {
            None
        };
        event.seq = self.next_seq;
        self.next_seq += 1;
        self.events.push_back(event);
        if let Some(moment) = moment {
            self.moments.push_back(moment);
        }
        evicted
    }

    /// Adds a moment to a kept event (a retry that succeeded).
    pub(super) fn push_moment(&mut self, moment: StoredMoment) {
        self.moments.push_back(moment);
    }

    fn evict_oldest(&mut self) -> Evicted {
        let old = self.events.pop_front()?;
        self.dropped_events += 1;
        let moment = old.moment_id.and_then(|id| {
            // Usually the oldest moment; a retried event's moment may sit later.
            let at = self.moments.iter().position(|m| m.id == id)?;
            self.dropped_moments += 1;
            self.moments.remove(at)
        });
        Some((old, moment))
    }

    fn index(&self, seq: u64) -> Option<usize> {
        let first = self.events.front()?.seq;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        (index < self.events.len()).then_some(index)
    }

    /// The event numbered `seq`, if it is still kept.
    pub(super) fn get(&self, seq: u64) -> Option<&StoredEvent> {
        self.events.get(self.index(seq)?)
    }

    pub(super) fn get_mut(&mut self, seq: u64) -> Option<&mut StoredEvent> {
        let index = self.index(seq)?;
        self.events.get_mut(index)
    }

    /// Kept events, oldest first.
    pub(super) fn events(&self) -> &VecDeque<StoredEvent> {
        &self.events
    }

    /// Kept moments, oldest first.
    pub(super) fn moments(&self) -> &VecDeque<StoredMoment> {
        &self.moments
    }

    pub(super) fn dropped_events(&self) -> u64 {
        self.dropped_events
    }

    pub(super) fn dropped_moments(&self) -> u64 {
        self.dropped_moments
    }

    /// Forgets every event and moment and the drop counters (numbers are never reused).
    pub(super) fn clear(&mut self) {
        self.events.clear();
        self.moments.clear();
        self.dropped_events = 0;
        self.dropped_moments = 0;
    }
}
