//! Answers remembered per `(webhook, Idempotency-Key)` for 24 hours of the server's clock.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};

/// How long a key is remembered.
pub(crate) const WINDOW: TimeDelta = TimeDelta::hours(24);

/// A final answer of the webhook, replayed verbatim for a repeated key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

struct Entry {
    seq: u64,
    at: DateTime<Utc>,
    answer: Answer,
}

/// Remembered answers, bounded in number (oldest forgotten first) and in time.
#[derive(Default)]
pub(crate) struct Idempotency {
    by_webhook: HashMap<u64, HashMap<Arc<str>, Entry>>,
    order: VecDeque<(u64, Arc<str>, u64)>,
    next_seq: u64,
}

impl Idempotency {
    /// The answer remembered for `key` on webhook `hook`, if it is less than 24 hours old.
    pub(crate) fn get(&self, hook: u64, key: &str, now: DateTime<Utc>) -> Option<&Answer> {
        let entry = self.by_webhook.get(&hook)?.get(key)?;
        (now - entry.at < WINDOW).then_some(&entry.answer)
    }

    /// Remembers `answer` for `key`, forgetting expired entries and the oldest beyond `cap`.
    pub(crate) fn put(
        &mut self,
        hook: u64,
        key: &str,
        answer: Answer,
        now: DateTime<Utc>,
        cap: usize,
    ) {
        let key: Arc<str> = Arc::from(key);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_webhook.entry(hook).or_default().insert(
            Arc::clone(&key),
            Entry {
                seq,
                at: now,
                answer,
            },
        );
        self.order.push_back((hook, key, seq));
        while let Some((hook, key, seq)) = self.order.front() {
            let entry = self.by_webhook.get(hook).and_then(|m| m.get(key));
            let stale = match entry {
                Some(e) if e.seq == *seq => self.order.len() > cap || now - e.at >= WINDOW,
                _ => true, // replaced or already removed
            };
            if !stale {
                break;
            }
            let Some((hook, key, seq)) = self.order.pop_front() else {
                break;
            };
            if let Some(map) = self.by_webhook.get_mut(&hook) {
                if map.get(&key).is_some_and(|e| e.seq == seq) {
                    map.remove(&key);
                }
                if map.is_empty() {
                    self.by_webhook.remove(&hook);
                }
            }
        }
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        *self = Idempotency::default();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_webhook.values().map(HashMap::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(n: u8) -> Answer {
        Answer {
            status: StatusCode::ACCEPTED,
            body: Bytes::from(vec![n]),
        }
    }

    #[test]
    fn remembers_per_webhook_for_24_hours() {
        let t = Utc::now();
        let mut store = Idempotency::default();
        store.put(1, "k", answer(1), t, 10);
        assert_eq!(store.get(1, "k", t), Some(&answer(1)));
        assert_eq!(store.get(2, "k", t), None);
        assert_eq!(store.get(1, "k", t + TimeDelta::hours(23)), Some(&answer(1)));
        assert_eq!(store.get(1, "k", t + WINDOW), None);
    }

    #[test]
    fn bounded_oldest_first() {
        let t = Utc::now();
        let mut store = Idempotency::default();
        for i in 0..5u8 {
            store.put(1, &i.to_string(), answer(i), t, 3);
        }
        assert_eq!(store.len(), 3);
        assert_eq!(store.get(1, "0", t), None);
        assert_eq!(store.get(1, "4", t), Some(&answer(4)));
        // A re-used key after expiry is stored again and survives its old queue entry.
        let later = t + WINDOW;
        store.put(1, "4", answer(9), later, 3);
        assert_eq!(store.get(1, "4", later), Some(&answer(9)));
        assert_eq!(store.len(), 1);
    }
}
