//! Answers remembered per `(webhook, Idempotency-Key)` (spec §3, §7), independently of the
//! event log: a key is remembered for [`WINDOW`] from its first request however many events
//! came after it, up to a bound of its own; past that the oldest keys go first, and a counter
//! says how many went.
//!
//! Compact, since a client that sends a fresh key with every request fills the bound
//! (1,000,000 by default): a key is kept as a 128-bit keyed hash of `(webhook, key text)`,
//! never as its text; the keys sit in a ring in the order they were first seen, each slot
//! holding the hash, the request id of a 202 (16 bytes), the event's number and the time
//! (48 bytes in all); a `HashTable` finds a key's slot by its number (4 bytes a slot). The
//! rare answers other than a 202 are kept on the side.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};

use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use hashbrown::HashTable;
use uuid::Uuid;

/// How long a key is remembered.
pub(crate) const WINDOW: TimeDelta = TimeDelta::hours(24);

/// How many keys are remembered at most, by default.
pub const DEFAULT_MAX_IDEMPOTENCY_KEYS: usize = 1_000_000;

/// The most keys the store can number (slot numbers are 32 bits, counted modulo 2³²).
const MAX_SLOTS: usize = (u32::MAX / 2) as usize;

/// A final answer of the webhook, replayed verbatim for a repeated key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// 202 with the queued envelope of this request id.
    Queued(Uuid),
    /// Any other answer.
    Other { status: StatusCode, body: Bytes },
}

/// A key as the store knows it: a 128-bit keyed hash of its scope (the webhook) and text.
/// Two different keys share a hash with a probability of about 2⁻¹²⁸ per pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key([u64; 2]);

/// One remembered key, in the ring.
struct Slot {
    key: [u64; 2],
    /// The request id of a 202 answer (the answer is on the side otherwise).
    request_id: [u8; 16],
    /// The event the first request made.
    seq: u64,
    /// When the first request arrived, in microseconds since the epoch.
    at: i64,
}

/// Remembered answers: the keys in the order they were first seen, found by hash.
pub(crate) struct Idempotency {
    hashers: [RandomState; 2],
    /// Oldest first; `slots[0]` has the number `first`.
    slots: VecDeque<Slot>,
    first: u64,
    /// The number (modulo 2³²) of each key's current slot, hashed by the key's first half.
    index: HashTable<u32>,
    /// The answers other than 202, by slot number.
    others: HashMap<u32, (StatusCode, Bytes)>,
    max: usize,
    evicted: u64,
}

impl Default for Idempotency {
    /// The default bound, [`DEFAULT_MAX_IDEMPOTENCY_KEYS`].
    fn default() -> Self {
        Idempotency::new(DEFAULT_MAX_IDEMPOTENCY_KEYS)
    }
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency")
            .field("keys", &self.index.len())
            .field("max", &self.max)
            .field("evicted", &self.evicted)
            .finish()
    }
}

impl Idempotency {
    pub(crate) fn new(max: usize) -> Self {
        Idempotency {
            hashers: [RandomState::new(), RandomState::new()],
            slots: VecDeque::new(),
            first: 0,
            index: HashTable::new(),
            others: HashMap::new(),
            max: max.min(MAX_SLOTS),
            evicted: 0,
        }
    }

    /// The store's key for `text` on the webhook numbered `scope`.
    pub(crate) fn key(&self, scope: u64, text: &str) -> Key {
        let hash = |state: &RandomState| {
            let mut hasher = state.build_hasher();
            scope.hash(&mut hasher);
            text.hash(&mut hasher);
            hasher.finish()
        };
        Key([hash(&self.hashers[0]), hash(&self.hashers[1])])
    }

    /// The answer remembered for `key` and the event its first request made, if that request
    /// is less than [`WINDOW`] before `now`.
    pub(crate) fn get(&self, key: &Key, now: DateTime<Utc>) -> Option<(Answer, u64)> {
        let number = *self
            .index
            .find(key.0[0], |&n| slot(&self.slots, self.first, n).key == key.0)?;
        let found = slot(&self.slots, self.first, number);
        if micros(now) - found.at >= window_micros() {
            return None;
        }
        let answer = match self.others.get(&number) {
            Some((status, body)) => Answer::Other {
                status: *status,
                body: body.clone(),
            },
            None => Answer::Queued(Uuid::from_bytes(found.request_id)),
        };
        Some((answer, found.seq))
    }

    /// Remembers `key`'s answer; forgets the keys older than the window and, past the
    /// bound, the oldest ones (counted).
    pub(crate) fn put(&mut self, key: Key, seq: u64, answer: Answer, now: DateTime<Utc>) {
        let now = micros(now);
        while let Some(oldest) = self.slots.front() {
            let number = self.first as u32;
            let stale = now - oldest.at >= window_micros();
            let over = self.index.len() >= self.max;
            // A slot whose key was remembered again later is no longer in the index.
            let live = self.index.find_entry(oldest.key[0], |&n| n == number);
            if let Ok(entry) = live {
                if !stale && !over {
                    break;
                }
                entry.remove();
                if !stale {
                    self.evicted += 1;
                }
            }
            if !self.others.is_empty() {
                self.others.remove(&number);
            }
            self.slots.pop_front();
            self.first += 1;
        }
        let Idempotency {
            slots,
            first,
            index,
            others,
            ..
        } = self;
        // A key whose 24 hours are over is remembered anew.
        if let Ok(entry) = index.find_entry(key.0[0], |&n| slot(slots, *first, n).key == key.0) {
            let (number, _) = entry.remove();
            others.remove(&number);
        }
        let number = (*first + slots.len() as u64) as u32;
        let request_id = match answer {
            Answer::Queued(id) => id.into_bytes(),
            Answer::Other { status, body } => {
                others.insert(number, (status, body));
                [0; 16]
            }
        };
        slots.push_back(Slot {
            key: key.0,
            request_id,
            seq,
            at: now,
        });
        index.insert_unique(key.0[0], number, |&n| slot(slots, *first, n).key[0]);
    }

    /// How many keys the bound pushed out before their 24 hours were over.
    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }

    pub(crate) fn clear(&mut self) {
        self.first += self.slots.len() as u64;
        self.slots.clear();
        self.index.clear();
        self.others.clear();
        self.evicted = 0;
    }
}

/// The slot numbered `number` (modulo 2³²) in `slots`, whose first is numbered `first`.
fn slot(slots: &VecDeque<Slot>, first: u64, number: u32) -> &Slot {
    &slots[number.wrapping_sub(first as u32) as usize]
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn window_micros() -> i64 {
    WINDOW.num_microseconds().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use bytes::Bytes;
    use chrono::{TimeDelta, Utc};
    use uuid::Uuid;

    use super::{Answer, Idempotency};

    #[test]
    fn keys_are_per_webhook_expire_and_the_oldest_go_past_the_bound() {
        let now = Utc::now();
        let mut store = Idempotency::new(2);
        let k1 = store.key(1, "k");
        let id = Uuid::new_v4();
        store.put(k1, 7, Answer::Queued(id), now);
        assert_eq!(store.get(&k1, now), Some((Answer::Queued(id), 7)));
        assert!(store.get(&store.key(2, "k"), now).is_none());
        assert!(store.get(&k1, now + TimeDelta::hours(24)).is_none());
        store.put(store.key(1, "b"), 8, Answer::Queued(Uuid::nil()), now);
        store.put(store.key(1, "c"), 9, Answer::Queued(Uuid::nil()), now);
        assert!(store.get(&k1, now).is_none());
        assert_eq!(store.evicted(), 1);
        // Expired keys leave without being counted.
        let later = now + TimeDelta::days(2);
        store.put(store.key(1, "d"), 10, Answer::Queued(Uuid::nil()), later);
        assert_eq!(store.evicted(), 1);
        assert!(store.get(&store.key(1, "d"), later).is_some());
    }

    #[test]
    fn other_answers_are_replayed_and_a_key_is_remembered_anew_after_its_window() {
        let now = Utc::now();
        let mut store = Idempotency::new(10);
        let key = store.key(3, "again");
        let refused = Answer::Other {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: Bytes::from_static(b"{}"),
        };
        store.put(key, 1, refused.clone(), now);
        assert_eq!(store.get(&key, now), Some((refused, 1)));
        let later = now + TimeDelta::hours(25);
        let id = Uuid::new_v4();
        store.put(key, 2, Answer::Queued(id), later);
        assert_eq!(store.get(&key, later), Some((Answer::Queued(id), 2)));
        // The first slot left (it was stale), the second is the key's.
        store.put(store.key(3, "other"), 3, Answer::Queued(id), later);
        assert_eq!(store.get(&key, later), Some((Answer::Queued(id), 2)));
        assert_eq!(store.evicted(), 0);
        assert_eq!(store.slots.len(), 2);
        assert!(store.others.is_empty());
    }

    #[test]
    fn the_bound_holds_over_many_keys_and_keeps_the_newest() {
        let now = Utc::now();
        let mut store = Idempotency::new(1000);
        for i in 0..5000u64 {
            store.put(
                store.key(1, &i.to_string()),
                i,
                Answer::Queued(Uuid::nil()),
                now,
            );
        }
        assert_eq!(store.index.len(), 1000);
        assert_eq!(store.evicted(), 4000);
        assert!(store.get(&store.key(1, "3999"), now).is_none());
        assert_eq!(
            store.get(&store.key(1, "4000"), now).map(|(_, seq)| seq),
            Some(4000)
        );
        assert_eq!(
            store.get(&store.key(1, "4999"), now).map(|(_, seq)| seq),
            Some(4999)
        );
    }
}
