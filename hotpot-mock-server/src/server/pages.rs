//! The [`MockServer`] methods of pages (spec §14): what was paged, waiting for pages, and
//! handling one.

use std::time::{Duration, Instant};

use hotpot_protocol::Acknowledgement;

use super::MockServer;
use crate::pages::RecordedPage;
use crate::{Error, WaitTimeout};

impl MockServer {
    /// Every recorded page, oldest first, with whom it has notified so far by the mock's
    /// clock ([`advance_clock`](Self::advance_clock) drives escalation).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.pages().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn pages(&self) -> Vec<RecordedPage> {
        self.shared.pages(None)
    }

    /// The recorded pages to `recipient` (an e-mail address, compared without regard to
    /// case, or a team's slug, compared exactly), oldest first.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.pages_for("default").is_empty());
    /// # Ok(()) }
    /// ```
    pub fn pages_for(&self, recipient: &str) -> Vec<RecordedPage> {
        self.shared.pages(Some(recipient))
    }

    /// One recorded page by its request id ([`Error::NotFound`] for none).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.page("no-such-request").is_err());
    /// # Ok(()) }
    /// ```
    pub fn page(&self, request_id: &str) -> Result<RecordedPage, Error> {
        self.shared.page(request_id)
    }

    /// Waits until at least `n` pages are recorded, and returns them all; or, after
    /// `timeout`, a [`WaitTimeout`] with what there is. Wakes on each new page.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// // ... page someone ...
    /// let pages = server.wait_for_pages(1, Duration::from_secs(5)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_pages(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<RecordedPage>, WaitTimeout<RecordedPage>> {
        let started = Instant::now();
        let reached = self.shared.wait_pages(None, n, timeout).await;
        let pages = self.shared.pages(None);
        if reached && pages.len() >= n {
            Ok(pages)
        } else {
            Err(WaitTimeout::new(n, pages, started.elapsed()))
        }
    }

    /// Records that the user `email` handled the page with this request id, as
    /// `POST /_mock/pages/{request_id}/ack` does, and stops its escalation; returns the
    /// acknowledgement (the existing one when that user already handled it).
    /// [`Error::NotFound`] for an unknown request id, [`Error::Conflict`] for a page whose
    /// status is `error`, [`Error::BadRequest`] for an e-mail no user has.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// let err = server.acknowledge("no-such-request", "oncall@example.com").unwrap_err();
    /// assert!(matches!(err, hotpot_mock_server::Error::NotFound(_)));
    /// # Ok(()) }
    /// ```
    pub fn acknowledge(&self, request_id: &str, email: &str) -> Result<Acknowledgement, Error> {
        self.shared
            .acknowledge(request_id, email)
            .map(|(ack, _)| ack)
    }
}
