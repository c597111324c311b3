//! Answers remembered per `(webhook, Idempotency-Key)` (spec §3).
//!
//! An entry points at the event its first request made: that event gives the time of the
//! first request (for the 24-hour window), and the entry goes when the event leaves the log.

use std::collections::HashMap;

use axum::http::StatusCode;
use bytes::Bytes;
use chrono::TimeDelta;
use uuid::Uuid;

/// How long a key is remembered.
pub(crate) const WINDOW: TimeDelta = TimeDelta::hours(24);

/// A final answer of the webhook, replayed verbatim for a repeated key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// 202 with the queued envelope of this request id.
    Queued(Uuid),
    /// Any other answer.
    Other { status: StatusCode, body: Bytes },
}

/// A key as the store and its event know it: the webhook's id and the header's value.
pub(crate) type Key = (u64, Box<str>);

/// A remembered key: the event it produced, and its answer.
#[derive(Debug)]
pub(crate) struct Entry {
    pub seq: u64,
    pub answer: Answer,
}

/// Remembered answers by key.
#[derive(Default)]
pub(crate) struct Idempotency {
    map: HashMap<Key, Entry>,
}

impl Idempotency {
    pub(crate) fn get(&self, key: &Key) -> Option<&Entry> {
        self.map.get(key)
    }

    pub(crate) fn put(&mut self, key: Key, seq: u64, answer: Answer) {
        self.map.insert(key, Entry { seq, answer });
    }

    /// Forgets `key` if it still belongs to event `seq`.
    pub(crate) fn remove(&mut self, key: &Key, seq: u64) {
        if self.map.get(key).is_some_and(|e| e.seq == seq) {
            self.map.remove(key);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{Answer, Idempotency};

    #[test]
    fn keys_are_per_webhook_and_entries_per_event() {
        let mut store = Idempotency::default();
        let k1 = (1, "k".into());
        store.put(k1.clone(), 7, Answer::Queued(Uuid::nil()));
        assert_eq!(store.get(&k1).map(|e| e.seq), Some(7));
        assert!(store.get(&(2, "k".into())).is_none());
        store.remove(&k1, 8); // another event's: kept
        assert!(store.get(&k1).is_some());
        store.remove(&k1, 7);
        assert!(store.get(&k1).is_none());
    }
}
