//! [`Dedup`]: the same record from the same place within the window becomes one moment; the
//! next moment from that place says how many were folded.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::defaults::LOG_DEDUP_PLACES;

/// The last moment sent for each place, and the records folded since.
pub(crate) struct Dedup<K> {
    window: Duration,
    places: Mutex<HashMap<K, Place>>,
}

struct Place {
    sent_at: Instant,
    folded: u64,
}

impl<K: Hash + Eq> Dedup<K> {
    pub(crate) fn new(window: Duration) -> Self {
        Dedup {
            window,
            places: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(records folded since the last moment from this place)` when this record should
    /// become a moment, `None` when it is folded into the last one.
    pub(crate) fn admit(&self, key: K, now: Instant) -> Option<u64> {
        if self.window.is_zero() {
            return Some(0);
        }
        let mut places = self.places.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(place) = places.get_mut(&key) {
            if now.saturating_duration_since(place.sent_at) < self.window {
                place.folded += 1;
                return None;
            }
            place.sent_at = now;
            return Some(std::mem::take(&mut place.folded));
        }
        if places.len() >= LOG_DEDUP_PLACES {
            // Forget the places whose window has passed with nothing folded; if most are still
            // live (a flood of distinct messages), forget them all: the table stays bounded and
            // the cost amortised, at the price of some fold counts.
            places.retain(|_, p| {
                p.folded > 0 || now.saturating_duration_since(p.sent_at) < self.window
            });
            if places.len() >= LOG_DEDUP_PLACES / 2 {
                places.clear();
            }
        }
        places.insert(
            key,
            Place {
                sent_at: now,
                folded: 0,
            },
        );
        Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    #[test]
    fn folds_within_the_window_and_counts_in_the_next_moment() {
        let d = Dedup::new(WINDOW);
        let t0 = Instant::now();
        assert_eq!(d.admit("a", t0), Some(0));
        assert_eq!(d.admit("a", t0 + Duration::from_secs(1)), None);
        assert_eq!(
            d.admit("b", t0 + Duration::from_secs(1)),
            Some(0),
            "another place"
        );
        assert_eq!(d.admit("a", t0 + Duration::from_secs(59)), None);
        assert_eq!(d.admit("a", t0 + WINDOW), Some(2), "the window has passed");
        assert_eq!(
            d.admit("a", t0 + WINDOW + Duration::from_secs(1)),
            None,
            "a new window"
        );
        assert_eq!(d.admit("a", t0 + 3 * WINDOW), Some(1));
        assert_eq!(
            d.admit("a", t0 + 5 * WINDOW),
            Some(0),
            "nothing folded since"
        );
    }

    #[test]
    fn a_zero_window_sends_every_record() {
        let d = Dedup::new(Duration::ZERO);
        let t0 = Instant::now();
        assert_eq!(d.admit("a", t0), Some(0));
        assert_eq!(d.admit("a", t0), Some(0));
    }

    #[test]
    fn the_table_stays_bounded_under_a_flood_of_distinct_records() {
        let d = Dedup::new(WINDOW);
        let t0 = Instant::now();
        for i in 0..10 * LOG_DEDUP_PLACES {
            assert_eq!(d.admit(i, t0), Some(0));
        }
        assert!(d.places.lock().unwrap().len() <= LOG_DEDUP_PLACES);
    }

    #[test]
    fn places_with_folded_records_outlive_expired_ones() {
        let d = Dedup::new(WINDOW);
        let t0 = Instant::now();
        d.admit(usize::MAX, t0);
        d.admit(usize::MAX, t0); // one folded
        for i in 0..LOG_DEDUP_PLACES - 1 {
            d.admit(i, t0);
        }
        // Every window has passed: the expired places go, the one with a count stays.
        let later = t0 + 2 * WINDOW;
        assert_eq!(d.admit(LOG_DEDUP_PLACES, later), Some(0));
        assert_eq!(d.places.lock().unwrap().len(), 2);
        assert_eq!(d.admit(usize::MAX, later), Some(1));
    }
}
