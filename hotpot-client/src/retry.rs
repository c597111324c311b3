//! [`RetryPolicy`] (spec §5) and the `Retry-After` header.

use std::time::Duration;

use crate::defaults;

/// How a client retries retryable answers (429, 408, 500, 502, 503, 504, timeouts and
/// transport errors): a bounded number of retries, exponential backoff with full jitter, a
/// cap on each wait, a cap on a server-requested wait, and an overall deadline.
///
/// The defaults are the specification's ([`defaults`](crate::defaults)): 2 retries (3 attempts in
/// all), 100 ms base, 5 s cap; plus a 30 s deadline for the whole send and at most 30 s of
/// `Retry-After`. A policy is a value: the `with_*` methods return a changed copy.
///
/// ```
/// use std::time::Duration;
/// use hotpot_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_retries(4)
///     .with_base_delay(Duration::from_millis(50))
///     .with_deadline(Duration::from_secs(10));
/// assert_eq!(policy.max_retries(), 4);
/// assert!(policy.backoff(3) <= Duration::from_millis(200));
/// assert_eq!(RetryPolicy::never().max_retries(), 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    deadline: Duration,
}

/// The longest duration a policy holds: longer ones (`Duration::MAX` for "no limit") are
/// cut to it, so that adding one to the current time cannot overflow.
const LONGEST: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: defaults::MAX_RETRIES,
            base_delay: defaults::BASE_DELAY,
            max_delay: defaults::MAX_DELAY,
            max_retry_after: defaults::MAX_RETRY_AFTER,
            deadline: defaults::SEND_DEADLINE,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries. Named as reqwest names it (`reqwest::retry::never()`;
    /// `none()` is reqwest's redirect policy), and found by searching the docs for `none`.
    ///
    /// ```
    /// assert_eq!(hotpot_client::RetryPolicy::never().max_retries(), 0);
    /// ```
    #[doc(alias = "none")]
    pub fn never() -> Self {
        RetryPolicy::default().with_max_retries(0)
    }

    /// This policy with `retries` retries after the first attempt (`u32::MAX`: until the
    /// deadline).
    ///
    /// ```
    /// let policy = hotpot_client::RetryPolicy::default().with_max_retries(5);
    /// assert_eq!(policy.max_retries(), 5);
    /// ```
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// This policy with another first backoff's upper bound; each retry doubles it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = hotpot_client::RetryPolicy::default().with_base_delay(Duration::from_millis(10));
    /// assert_eq!(policy.base_delay(), Duration::from_millis(10));
    /// ```
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay.min(LONGEST);
        self
    }

    /// This policy with another largest backoff between two attempts.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = hotpot_client::RetryPolicy::default().with_max_delay(Duration::from_secs(1));
    /// assert!(policy.backoff(30) <= Duration::from_secs(1));
    /// ```
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay.min(LONGEST);
        self
    }

    /// This policy with another longest `Retry-After` the client waits; a longer one ends the
    /// send with [`Error::RateLimited`](crate::Error::RateLimited) at once.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = hotpot_client::RetryPolicy::default().with_max_retry_after(Duration::from_secs(5));
    /// assert_eq!(policy.max_retry_after(), Duration::from_secs(5));
    /// ```
    pub fn with_max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait.min(LONGEST);
        self
    }

    /// This policy with another time budget for one send, every attempt and wait included.
    /// No attempt starts, and no wait is begun, that would end after it. `Duration::MAX`
    /// means no deadline (any duration is cut to a century).
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = hotpot_client::RetryPolicy::default().with_deadline(Duration::from_secs(5));
    /// assert_eq!(policy.deadline(), Duration::from_secs(5));
    /// ```
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline.min(LONGEST);
        self
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Attempts in all: the first one and the retries (saturating at `u32::MAX`).
    ///
    /// ```
    /// assert_eq!(hotpot_client::RetryPolicy::default().max_attempts(), 3);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_retries.saturating_add(1)
    }

    /// The first backoff's upper bound.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The largest backoff between two attempts.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest `Retry-After` honoured.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The overall deadline of one send.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The wait before retry number `retry` (1 for the wait after the first attempt): a
    /// uniformly random duration between zero and `min(max_delay, base_delay × 2^(retry-1))`
    /// ("full jitter").
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = hotpot_client::RetryPolicy::default();
    /// for _ in 0..100 {
    ///     assert!(policy.backoff(1) <= Duration::from_millis(100));
    ///     assert!(policy.backoff(30) <= Duration::from_secs(5));
    /// }
    /// ```
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(31))
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps() {
        let policy = RetryPolicy::default()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(250));
        let max_seen = |retry| (0..2000).map(|_| policy.backoff(retry)).max().unwrap();
        assert!(max_seen(1) <= Duration::from_millis(100));
        assert!(
            max_seen(1) > Duration::from_millis(80),
            "jitter covers the range"
        );
        assert!(max_seen(2) > Duration::from_millis(150));
        assert!(max_seen(2) <= Duration::from_millis(200));
        assert!(max_seen(3) <= Duration::from_millis(250));
        assert!(max_seen(u32::MAX) <= Duration::from_millis(250));
        let min_seen = (0..2000).map(|_| policy.backoff(3)).min().unwrap();
        assert!(
            min_seen < Duration::from_millis(20),
            "full jitter starts near zero"
        );
    }

    #[test]
    fn no_limit_is_cut_to_a_century_that_instants_can_hold() {
        let policy = RetryPolicy::default()
            .with_deadline(Duration::MAX)
            .with_max_delay(Duration::MAX)
            .with_base_delay(Duration::MAX)
            .with_max_retry_after(Duration::MAX)
            .with_max_retries(u32::MAX);
        assert_eq!(policy.deadline(), LONGEST);
        assert_eq!(policy.max_retry_after(), LONGEST);
        assert_eq!(policy.max_attempts(), u32::MAX);
        assert!(policy.backoff(u32::MAX) <= LONGEST);
        let now = std::time::Instant::now();
        assert!(now.checked_add(policy.deadline() + LONGEST).is_some());
    }
}
