//! The [`MockServer`] methods that watch who sends: a webhook's senders, and the requests
//! that reached no live webhook.

use super::MockServer;
use crate::model::RecordedMoment;
use crate::watch::{Rejected, Sender};
use crate::{Error, MomentMatch};

impl MockServer {
    /// Who sent to the webhook with `token` (or its URL), the most recent first: one
    /// [`Sender`] per distinct (`source`, `User-Agent`, client IP address), at most 100;
    /// [`Error::NotFound`] when no webhook has the token.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.senders(server.token())?.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn senders(&self, token: &str) -> Result<Vec<Sender>, Error> {
        self.shared.senders(token)
    }

    /// The requests that reached no live webhook (an unknown token, an expired one, a
    /// malformed path), newest first, at most 1,000, each with the webhook it most likely
    /// meant ([`Rejected::near`]).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.rejected().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn rejected(&self) -> Vec<Rejected> {
        self.shared.rejected()
    }

    /// How many `Idempotency-Key`s the bound pushed out before their 24 hours were over
    /// ([`MockServerBuilder::max_idempotency_keys`](crate::MockServerBuilder::max_idempotency_keys)).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.evicted_idempotency_keys(), 0);
    /// # Ok(()) }
    /// ```
    pub fn evicted_idempotency_keys(&self) -> u64 {
        self.shared.evicted_idempotency_keys()
    }

    /// Prints one line per received event on standard output until the server stops
    /// (`--print`); the task ends once it has printed every event recorded before the stop.
    #[cfg(feature = "cli")]
    pub(crate) fn spawn_printer(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(crate::print::print_events(std::sync::Arc::clone(
            &self.shared,
        )))
    }

    /// Waits up to [`MomentMatch::within`] until at least [`MomentMatch::count`] moments
    /// match, and returns every matching one; otherwise fails with
    /// [`Error::ExpectationFailed`], whose message lists the received moments closest to the
    /// match, field by field (as `POST /_mock/expect` answers 409). A token that names no
    /// webhook is [`Error::NotFound`].
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use std::time::Duration;
    /// use hotpot_mock_server::{MockServer, MomentMatch};
    /// use hotpot_protocol::MomentType;
    ///
    /// let server = MockServer::start().await?;
    /// // ... the code under test sends {"name": "Deploy failed", "type": "incident"} ...
    /// let wanted = MomentMatch::new()
    ///     .name_contains("Deploy")
    ///     .moment_type(MomentType::Incident)
    ///     .within(Duration::from_secs(5));
    /// match server.expect_moment(wanted).await {
    ///     Ok(moments) => println!("{} matched", moments.len()),
    ///     Err(e) => println!("{e}"), // what arrived instead, closest first
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn expect_moment(&self, wanted: MomentMatch) -> Result<Vec<RecordedMoment>, Error> {
        self.shared.expect(&wanted).await
    }
}
