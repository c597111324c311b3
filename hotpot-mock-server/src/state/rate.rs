//! A per-webhook token bucket, driven by the server's clock (so a frozen clock makes rate-limit
//! tests deterministic).

use chrono::{DateTime, Utc};

/// `per_second` requests a second, with bursts of up to `per_second`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Bucket {
    tokens: f64,
    last: Option<DateTime<Utc>>,
}

impl Bucket {
    /// Takes one token, or says in how many whole seconds (at least 1) one will be there.
    pub(crate) fn take(&mut self, per_second: u32, now: DateTime<Utc>) -> Result<(), u64> {
        let rate = f64::from(per_second.max(1));
        self.tokens = match self.last {
            None => rate,
            Some(last) => {
                // A clock moved backwards refills nothing.
                let elapsed = (now - last).num_microseconds().unwrap_or(i64::MAX).max(0) as f64;
                (self.tokens + elapsed / 1e6 * rate).min(rate)
            }
        };
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};

    use super::Bucket;

    #[test]
    fn bursts_then_refills_with_the_clock() {
        let t = Utc::now();
        let mut bucket = Bucket::default();
        assert_eq!(bucket.take(2, t), Ok(()));
        assert_eq!(bucket.take(2, t), Ok(()));
        assert_eq!(bucket.take(2, t), Err(1));
        assert_eq!(bucket.take(2, t + TimeDelta::milliseconds(500)), Ok(()));
        assert_eq!(bucket.take(2, t + TimeDelta::milliseconds(500)), Err(1));
        // Going back in time refills nothing.
        assert_eq!(bucket.take(2, t), Err(1));
    }
}
