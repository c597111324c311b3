//! [`Throttle`]: at most one warning a second for events that can come by the thousand
//! (drops under overload, failures while a webhook is revoked), each carrying how many were
//! held back since the last one.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The shortest time between two warnings of one kind.
const PERIOD_MS: u64 = 1_000;

pub(super) struct Throttle {
    /// The earliest time (ms since the emitter started) of the next warning.
    next_ms: AtomicU64,
    /// Events not warned about since the last warning.
    held_back: AtomicU64,
}

impl Throttle {
    pub(super) const fn new() -> Self {
        Throttle {
            next_ms: AtomicU64::new(0),
            held_back: AtomicU64::new(0),
        }
    }

    /// `Some(events held back since the last warning)` when this event should be a warning,
    /// `None` when it should only be counted.
    pub(super) fn allow(&self, now_ms: u64) -> Option<u64> {
        let next = self.next_ms.load(Relaxed);
        if now_ms >= next
            && self
                .next_ms
                .compare_exchange(next, now_ms + PERIOD_MS, Relaxed, Relaxed)
                .is_ok()
        {
            Some(self.held_back.swap(0, Relaxed))
        } else {
            self.held_back.fetch_add(1, Relaxed);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_a_second_with_the_count_held_back() {
        let t = Throttle::new();
        assert_eq!(t.allow(5), Some(0));
        assert_eq!(t.allow(6), None);
        assert_eq!(t.allow(1_004), None);
        assert_eq!(t.allow(1_005), Some(2));
        assert_eq!(t.allow(1_006), None);
        assert_eq!(t.allow(9_000), Some(1));
    }
}
