//! The server's clock: real time, real time moved by an offset, or frozen.

use chrono::{DateTime, TimeDelta, Utc};

/// Decides "now" for receipt times, `occurred_at` checks, webhook expiry, rate limits and the
/// 24-hour idempotency window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clock {
    /// Real time plus an offset (zero until `advance` moves it).
    Real { offset: TimeDelta },
    /// Stopped at this instant until it is moved or released.
    Frozen(DateTime<Utc>),
}

impl Default for Clock {
    fn default() -> Self {
        Clock::Real {
            offset: TimeDelta::zero(),
        }
    }
}

impl Clock {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        match *self {
            Clock::Real { offset } if offset.is_zero() => Utc::now(),
            Clock::Real { offset } => Utc::now()
                .checked_add_signed(offset)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            Clock::Frozen(t) => t,
        }
    }

    pub(crate) fn is_frozen(&self) -> bool {
        matches!(self, Clock::Frozen(_))
    }

    /// Moves the clock by `by`: a frozen clock stays frozen at the new time, a running one keeps
    /// running, `by` ahead of (or behind) real time.
    pub(crate) fn advance(&mut self, by: TimeDelta) {
        *self = match *self {
            Clock::Real { offset } => Clock::Real {
                offset: offset.checked_add(&by).unwrap_or(offset),
            },
            Clock::Frozen(t) => Clock::Frozen(t.checked_add_signed(by).unwrap_or(t)),
        };
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta, Utc};

    use super::Clock;

    #[test]
    fn frozen_clock_moves_only_when_told() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let mut clock = Clock::Frozen(t);
        assert_eq!(clock.now(), t);
        clock.advance(TimeDelta::milliseconds(1500));
        assert_eq!(clock.now(), t + TimeDelta::milliseconds(1500));
        assert!(clock.is_frozen());
    }

    #[test]
    fn running_clock_keeps_its_offset() {
        let mut clock = Clock::default();
        clock.advance(TimeDelta::hours(1));
        let ahead = clock.now() - Utc::now();
        assert!(ahead > TimeDelta::minutes(59) && ahead <= TimeDelta::hours(1));
        assert!(!clock.is_frozen());
    }
}
