//! [`Throttle`]: at most one warning a period for events that can come by the thousand
//! (the emitter's drops under overload and failures while a webhook is revoked, the tracing
//! layer's own trouble), each carrying how many were held back since the last one.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

pub(crate) struct Throttle {
    /// The shortest time between two warnings, in ms.
    period_ms: u64,
    /// The earliest time (ms since the owner started) of the next warning.
    next_ms: AtomicU64,
    /// Events not warned about since the last warning.
    held_back: AtomicU64,
}

impl Throttle {
    /// A throttle letting one warning through every `period_ms`.
    pub(crate) const fn new(period_ms: u64) -> Self {
        Throttle {
            period_ms,
            next_ms: AtomicU64::new(0),
            held_back: AtomicU64::new(0),
        }
    }

    /// `Some(events held back since the last warning)` when this event should be a warning,
    /// `None` when it should only be counted.
    pub(crate) fn allow(&self, now_ms: u64) -> Option<u64> {
        let next = self.next_ms.load(Relaxed);
        if now_ms >= next
            && self
                .next_ms
                .compare_exchange(
                    next,
                    now_ms.saturating_add(self.period_ms),
                    Relaxed,
                    Relaxed,
                )
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
        let t = Throttle::new(1_000);
        assert_eq!(t.allow(5), Some(0));
        assert_eq!(t.allow(6), None);
        assert_eq!(t.allow(1_004), None);
        assert_eq!(t.allow(1_005), Some(2));
        assert_eq!(t.allow(1_006), None);
        assert_eq!(t.allow(9_000), Some(1));
    }

    #[test]
    fn the_period_is_the_owners() {
        let t = Throttle::new(60_000);
        assert_eq!(t.allow(0), Some(0));
        assert_eq!(t.allow(59_999), None);
        assert_eq!(t.allow(60_000), Some(1));
    }
}
