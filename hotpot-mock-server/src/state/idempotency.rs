//! Answers remembered per `(webhook, Idempotency-Key)`.
//!
//! Compact on purpose (the store can hold 100,000 keys): a key is kept as a 128-bit keyed hash
//! (two independent SipHash keys per server, so a collision between live keys is as unlikely
//! as between two UUIDs), and a 202 answer as nothing but "queued": its body is rebuilt from
//! the event's request id. The entry points at the event, which gives the time of the first
//! request (for the 24-hour window) and ends the entry's life when the event leaves the log.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};

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

/// An answer as the store keeps it.
#[derive(Debug)]
pub(crate) enum Kept {
    /// The 202 envelope of the event's request id.
    Queued,
    /// Anything else (rare: rejections), in full.
    Other(Box<(StatusCode, Bytes)>),
}

/// A remembered key: the event it produced, and its answer.
#[derive(Debug)]
pub(crate) struct Entry {
    pub seq: u64,
    pub kept: Kept,
}

/// The hash of `(webhook, key)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyHash(u64, u64);

impl Hash for KeyHash {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
    }
}

/// A hasher for keys that are already uniformly random: passes a `u64` through.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by our keys; FNV-1a keeps it correct for any other.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map for random `u64`-like keys.
pub(crate) type RandomKeyMap<K, V> = HashMap<K, V, BuildHasherDefault<PassThrough>>;

/// Remembered answers by key hash.
pub(crate) struct Idempotency {
    a: RandomState,
    b: RandomState,
    map: RandomKeyMap<KeyHash, Entry>,
}

impl Default for Idempotency {
    fn default() -> Self {
        Idempotency {
            a: RandomState::new(),
            b: RandomState::new(),
            map: RandomKeyMap::default(),
        }
    }
}

impl Idempotency {
    pub(crate) fn hash(&self, hook: u64, key: &str) -> KeyHash {
        let one = |state: &RandomState| {
            let mut h = state.build_hasher();
            hook.hash(&mut h);
            key.hash(&mut h);
            h.finish()
        };
        KeyHash(one(&self.a), one(&self.b))
    }

    pub(crate) fn get(&self, key: KeyHash) -> Option<&Entry> {
        self.map.get(&key)
    }

    pub(crate) fn put(&mut self, key: KeyHash, seq: u64, answer: &Answer) {
        let kept = match answer {
            Answer::Queued(_) => Kept::Queued,
            Answer::Other { status, body } => Kept::Other(Box::new((*status, body.clone()))),
        };
        self.map.insert(key, Entry { seq, kept });
    }

    /// Forgets `key` if it still belongs to event `seq`.
    pub(crate) fn remove(&mut self, key: KeyHash, seq: u64) {
        if self.map.get(&key).is_some_and(|e| e.seq == seq) {
            self.map.remove(&key);
        }
    }

    /// Makes room for `n` keys at under half load, so that churn at a steady size never
    /// makes the table grow again.
    pub(crate) fn size_for(&mut self, n: usize) {
        self.map.reserve((2 * n).saturating_sub(self.map.len()));
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}

impl Kept {
    /// The answer, given the request id of the event it belongs to.
    pub(crate) fn answer(&self, request_id: Option<Uuid>) -> Answer {
        match (self, request_id) {
            (Kept::Queued, Some(id)) => Answer::Queued(id),
            (Kept::Queued, None) => Answer::Other {
                status: StatusCode::ACCEPTED,
                body: Bytes::new(),
            },
            (Kept::Other(kept), _) => Answer::Other {
                status: kept.0,
                body: kept.1.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use bytes::Bytes;
    use uuid::Uuid;

    use super::{Answer, Idempotency, Kept};

    #[test]
    fn keys_are_per_webhook_and_entries_per_event() {
        let mut store = Idempotency::default();
        let k1 = store.hash(1, "k");
        assert_ne!(k1, store.hash(2, "k"));
        assert_ne!(k1, store.hash(1, "k2"));
        assert_eq!(k1, store.hash(1, "k"));
        store.put(k1, 7, &Answer::Queued(Uuid::nil()));
        assert_eq!(store.get(k1).map(|e| e.seq), Some(7));
        store.remove(k1, 8); // another event's: kept
        assert!(store.get(k1).is_some());
        store.remove(k1, 7);
        assert!(store.get(k1).is_none());
    }

    #[test]
    fn answers_come_back() {
        let id = Uuid::new_v4();
        assert_eq!(Kept::Queued.answer(Some(id)), Answer::Queued(id));
        let other = Kept::Other(Box::new((
            StatusCode::BAD_REQUEST,
            Bytes::from_static(b"x"),
        )));
        assert_eq!(
            other.answer(None),
            Answer::Other {
                status: StatusCode::BAD_REQUEST,
                body: Bytes::from_static(b"x")
            }
        );
    }
}
