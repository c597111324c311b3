//! [`ApiClient::wait_for_acknowledgement`]: polling until someone handles a page.

use std::time::Duration;

use hotpot_protocol::Acknowledgement;
use tokio::time::Instant;

use super::ApiClient;
use crate::{Error, RequestState};

/// How long an unknown request id (404) is taken to mean "not processed yet" rather than
/// "no such request": some APIs answer 404 for a moment after accepting a request.
const UNKNOWN_GRACE: Duration = Duration::from_secs(10);

impl ApiClient {
    /// Waits until someone handles the page `request_id` and returns the first
    /// acknowledgement (spec §14).
    ///
    /// Polls the acknowledgements every [`poll_interval`](Self::poll_interval) (default 2 s,
    /// each wait drawn from 1.0 to 1.2 times it) and, until the page is delivered, its status. Fails at
    /// once with [`Error::PageFailed`] when the status becomes `error` (an unknown recipient:
    /// nobody will ever acknowledge), with [`Error::Timeout`] when `timeout` passes first, and
    /// with the error of a request that is not worth retrying (a refused key). Retryable
    /// trouble during the wait (a 503, a reset) is retried by the client's policy and then by
    /// the next poll.
    ///
    /// ```no_run
    /// # async fn demo(api: hotpot_client::ApiClient, id: String) -> Result<(), hotpot_client::Error> {
    /// use std::time::Duration;
    /// match api.wait_for_acknowledgement(&id, Duration::from_secs(300)).await {
    ///     Ok(ack) => println!("handled by {}", ack.email),
    ///     Err(e) if e.is_timeout() => eprintln!("nobody has handled the page yet: escalate by hand"),
    ///     Err(e) => eprintln!("the page failed: {e}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_acknowledgement(
        &self,
        request_id: &str,
        timeout: Duration,
    ) -> Result<Acknowledgement, Error> {
        self.wait_for_acknowledgement_every(request_id, timeout, self.poll_interval())
            .await
    }

    /// [`wait_for_acknowledgement`](Self::wait_for_acknowledgement), polling every
    /// `poll_interval` (plus up to 20 %) instead of the client's interval.
    pub async fn wait_for_acknowledgement_every(
        &self,
        request_id: &str,
        timeout: Duration,
        poll_interval: Duration,
    ) -> Result<Acknowledgement, Error> {
        let started = Instant::now();
        let deadline = started + timeout;
        let mut delivered = false;
        let mut polls = 0u32;
        loop {
            polls += 1;
            if let Some(ack) = self.poll(request_id, &mut delivered, started).await? {
                tracing::debug!(request_id, polls, "acknowledged");
                return Ok(ack);
            }
            let now = Instant::now();
            if now >= deadline {
                tracing::debug!(request_id, polls, "nobody acknowledged in time");
                return Err(Error::Timeout {
                    elapsed: started.elapsed(),
                    source: None,
                });
            }
            let wait = jittered(poll_interval).min(deadline - now);
            tokio::time::sleep(wait).await;
        }
    }

    /// One poll: the first acknowledgement if there is one; checks the status until the page
    /// is known to be delivered.
    async fn poll(
        &self,
        request_id: &str,
        delivered: &mut bool,
        started: Instant,
    ) -> Result<Option<Acknowledgement>, Error> {
        let tolerate = |e: Error| -> Result<(), Error> {
            match e {
                Error::UnknownRequest(_) if started.elapsed() < UNKNOWN_GRACE => Ok(()),
                e if e.is_retryable() => {
                    tracing::debug!(request_id, error = %e, "poll failed; polling on");
                    Ok(())
                }
                e => Err(e),
            }
        };
        match self.acknowledgements(request_id).await {
            Ok(acks) => {
                if let Some(first) = acks.into_iter().next() {
                    return Ok(Some(first));
                }
            }
            Err(e) => tolerate(e)?,
        }
        if !*delivered {
            match self.request_status(request_id).await {
                Ok(status) => match status.state {
                    RequestState::Error => {
                        return Err(Error::PageFailed {
                            request_id: request_id.to_owned(),
                            errors: status.errors,
                        });
                    }
                    RequestState::Success => *delivered = true,
                    _ => {}
                },
                Err(e) => tolerate(e)?,
            }
        }
        Ok(None)
    }
}

/// `interval` scaled by a random factor in [1.0, 1.2]: pollers started together spread out,
/// and none polls faster than its interval (spec §14).
fn jittered(interval: Duration) -> Duration {
    interval.mul_f64(1.0 + 0.2 * fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_never_shortens_the_interval_and_adds_at_most_twenty_percent() {
        let interval = Duration::from_secs(2);
        let waits: Vec<Duration> = (0..2000).map(|_| jittered(interval)).collect();
        assert!(waits.iter().all(|w| *w >= interval));
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(2400)));
        assert!(waits.iter().any(|w| *w < Duration::from_millis(2100)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(2300)));
    }
}
