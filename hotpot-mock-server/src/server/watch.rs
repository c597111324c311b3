//! The [`MockServer`] methods that watch who sends: a webhook's senders, and the requests
//! that reached no live webhook.

use super::MockServer;
use crate::Error;
use crate::watch::{Rejected, Sender};

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
}
