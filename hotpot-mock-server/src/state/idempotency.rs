//! Answers remembered per `(webhook, Idempotency-Key)` (spec §3, §7), independently of the
//! event log: a key is remembered for [`WINDOW`] from its first request however many events
//! came after it, up to a bound of its own; past that the oldest keys go first, and a counter
//! says how many went.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

/// How long a key is remembered.
pub(crate) const WINDOW: TimeDelta = TimeDelta::hours(24);

/// How many keys are remembered at most, by default.
pub const DEFAULT_MAX_IDEMPOTENCY_KEYS: usize = 1_000_000;

/// A final answer of the webhook, replayed verbatim for a repeated key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// 202 with the queued envelope of this request id.
    Queued(Uuid),
    /// Any other answer.
    Other { status: StatusCode, body: Bytes },
}

/// A key as the store knows it: the webhook's id and the header's value (shared by the table
/// and the order of arrival: one allocation per key).
pub(crate) type Key = (u64, Arc<str>);

/// A remembered key: the event it produced, its answer, when its first request arrived.
#[derive(Debug)]
pub(crate) struct Entry {
    pub seq: u64,
    pub answer: Answer,
    pub at: DateTime<Utc>,
}

/// Remembered answers by key, and the keys in the order they were first seen.
pub(crate) struct Idempotency {
    map: HashMap<Key, Entry>,
    order: VecDeque<(Key, u64)>,
    max: usize,
    evicted: u64,
}

impl Idempotency {
    pub(crate) fn new(max: usize) -> Self {
        Idempotency {
            map: HashMap::new(),
            order: VecDeque::new(),
            max,
            evicted: 0,
        }
    }

    /// The entry of `key` if its first request is less than [`WINDOW`] before `now`.
    pub(crate) fn get(&self, key: &Key, now: DateTime<Utc>) -> Option<&Entry> {
        self.map.get(key).filter(|e| now - e.at < WINDOW)
    }

    /// Remembers `key`'s answer; forgets the keys older than the window and, past the
    /// bound, the oldest ones (counted).
    pub(crate) fn put(&mut self, key: Key, seq: u64, answer: Answer, now: DateTime<Utc>) {
        while let Some((oldest, seq)) = self.order.front() {
            let expired = self
                .map
                .get(oldest)
                .is_none_or(|e| e.seq != *seq || now - e.at >= WINDOW);
            let over = self.map.len() >= self.max;
            if !expired && !over {
                break;
            }
            let (oldest, seq) = self.order.pop_front().unwrap_or_else(|| unreachable!());
            if self.map.get(&oldest).is_some_and(|e| e.seq == seq) {
                self.map.remove(&oldest);
                if !expired {
                    self.evicted += 1;
                }
            }
        }
        self.order.push_back((key.clone(), seq));
        self.map.insert(
            key,
            Entry {
                seq,
                answer,
                at: now,
            },
        );
    }

    /// How many keys the bound pushed out before their 24 hours were over.
    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
        self.evicted = 0;
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};
    use uuid::Uuid;

    use super::{Answer, Idempotency};

    #[test]
    fn keys_are_per_webhook_expire_and_the_oldest_go_past_the_bound() {
        let now = Utc::now();
        let mut store = Idempotency::new(2);
        let k1 = (1, "k".into());
        store.put(k1.clone(), 7, Answer::Queued(Uuid::nil()), now);
        assert_eq!(store.get(&k1, now).map(|e| e.seq), Some(7));
        assert!(store.get(&(2, "k".into()), now).is_none());
        assert!(store.get(&k1, now + TimeDelta::hours(24)).is_none());
        store.put((1, "b".into()), 8, Answer::Queued(Uuid::nil()), now);
        store.put((1, "c".into()), 9, Answer::Queued(Uuid::nil()), now);
        assert!(store.get(&k1, now).is_none());
        assert_eq!(store.evicted(), 1);
        // Expired keys leave without being counted.
        store.put(
            (1, "d".into()),
            10,
            Answer::Queued(Uuid::nil()),
            now + TimeDelta::days(2),
        );
        assert_eq!(store.evicted(), 1);
        assert!(
            store
                .get(&(1, "d".into()), now + TimeDelta::days(2))
                .is_some()
        );
    }
}
