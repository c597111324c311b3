//! The [`MockServer`] methods that change its state: webhooks, faults, the clock, reset.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::MockServer;
use crate::model::{NewWebhook, Webhook, WebhookPatch};
use crate::{Error, Fault};

impl MockServer {
    /// Every webhook, oldest first.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.webhooks()[0].label, "default");
    /// # Ok(()) }
    /// ```
    pub fn webhooks(&self) -> Vec<Webhook> {
        self.shared.webhooks()
    }

    /// Creates a webhook (spec §6) and returns its URL, as Python's
    /// `MockServer.create_webhook(...) -> str` does (spec §8). [`webhooks`](Self::webhooks)
    /// has the whole record.
    ///
    /// The URL is a `String`, like [`webhook_url`](Self::webhook_url): the test hands it in
    /// full to the code under test (any client takes it), and a `hotpot_protocol::WebhookUrl`
    /// would refuse a server bound to a non-loopback [`host`](MockServerBuilder::host) over
    /// plain http. Being the secret, it is the test's to keep out of its own output.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{MockServer, NewWebhook};
    /// let server = MockServer::start().await?;
    /// let url = server.create_webhook(NewWebhook::new("pagerduty").kind("pagerduty"))?;
    /// assert!(url.starts_with(&format!("{}/moment/", server.url())));
    /// assert_eq!(server.webhooks()[1].url, url);
    /// # Ok(()) }
    /// ```
    pub fn create_webhook(&self, new: NewWebhook) -> Result<String, Error> {
        self.shared.create_webhook(new).map(|hook| hook.url)
    }

    /// Changes a webhook's label or expiry (rotation: give the old one a future `expires_at`).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use chrono::{Duration, Utc};
    /// use hotpot_mock_server::{MockServer, WebhookPatch};
    /// let server = MockServer::start().await?;
    /// let soon = server.now() + Duration::minutes(5);
    /// let hook = server.update_webhook(server.token(), WebhookPatch::default().expires_at(Some(soon)))?;
    /// assert_eq!(hook.expires_at, Some(soon));
    /// # Ok(()) }
    /// ```
    pub fn update_webhook(&self, token: &str, patch: WebhookPatch) -> Result<Webhook, Error> {
        self.shared.update_webhook(token, patch)
    }

    /// Deletes a webhook: its token is unknown (404) from then on.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{MockServer, NewWebhook};
    /// let server = MockServer::start().await?;
    /// server.create_webhook(NewWebhook::new("temp").token("temp-token"))?;
    /// server.delete_webhook("temp-token")?;
    /// # Ok(()) }
    /// ```
    pub fn delete_webhook(&self, token: &str) -> Result<(), Error> {
        self.shared.delete_webhook(token)
    }

    /// Queues a fault for the next ingest requests (see [`Fault`]). A fault
    /// [`for_token`](Fault::for_token) takes the webhook's token or its URL;
    /// [`Error::NotFound`] when no webhook has it (the fault would never fire).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{Fault, MockServer};
    /// let server = MockServer::start().await?;
    /// server.fail_next(Fault::status(503).times(2).for_token(server.token()))?;
    /// # Ok(()) }
    /// ```
    pub fn fail_next(&self, fault: Fault) -> Result<(), Error> {
        self.shared.push_fault(fault).map(drop)
    }

    /// How many faults are still queued (one that hits several requests counts once until
    /// its last hit).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{Fault, MockServer};
    /// let server = MockServer::start().await?;
    /// server.fail_next(Fault::status(503).times(2))?;
    /// assert_eq!(server.pending_faults(), 1);
    /// # Ok(()) }
    /// ```
    pub fn pending_faults(&self) -> usize {
        self.shared.pending_faults()
    }

    /// Drops every queued fault.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// server.clear_faults();
    /// # Ok(()) }
    /// ```
    pub fn clear_faults(&self) {
        self.shared.clear_faults(None);
    }

    /// Drops the faults queued for the webhook with `token` (or its URL) only (those of
    /// [`Fault::for_token`]), and returns how many went; [`Error::NotFound`] when no webhook
    /// has the token.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{Fault, MockServer};
    /// let server = MockServer::start().await?;
    /// server.fail_next(Fault::status(503).for_token(server.token()))?;
    /// server.fail_next(Fault::status(500))?;
    /// assert_eq!(server.clear_faults_for(server.token())?, 1);
    /// assert_eq!(server.pending_faults(), 1);
    /// # Ok(()) }
    /// ```
    pub fn clear_faults_for(&self, token: &str) -> Result<usize, Error> {
        let token = self.shared.known_token(token)?;
        Ok(self.shared.clear_faults(Some(&token)))
    }

    /// The queued faults, in the order they hit; each `count` is what it has left.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{Fault, MockServer};
    /// let server = MockServer::start().await?;
    /// server.fail_next(Fault::status(503).times(2))?;
    /// assert_eq!(server.faults()[0].count, 2);
    /// # Ok(()) }
    /// ```
    pub fn faults(&self) -> Vec<Fault> {
        self.shared.faults(None)
    }

    /// The queued faults of the webhook with `token` (or its URL) only (those of
    /// [`Fault::for_token`]), as `GET /_mock/faults?token=` lists them; [`Error::NotFound`] when
    /// no webhook has the token.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{Fault, MockServer};
    /// let server = MockServer::start().await?;
    /// server.fail_next(Fault::status(503).for_token(server.token()))?;
    /// server.fail_next(Fault::status(500))?;
    /// assert_eq!(server.faults_for(server.token())?.len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn faults_for(&self, token: &str) -> Result<Vec<Fault>, Error> {
        let token = self.shared.known_token(token)?;
        Ok(self.shared.faults(Some(&token)))
    }

    /// The server's "now".
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.now() <= chrono::Utc::now());
    /// # Ok(()) }
    /// ```
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// Freezes the server's clock at `now`: it decides receipt times, "the future" for
    /// `occurred_at`, webhook expiry, rate limits and the idempotency window.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use chrono::{TimeZone, Utc};
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    /// server.set_clock(t);
    /// assert_eq!(server.now(), t);
    /// # Ok(()) }
    /// ```
    pub fn set_clock(&self, now: DateTime<Utc>) {
        self.shared.set_clock(now);
    }

    /// Moves the clock forward by `by` (frozen stays frozen; running keeps running, ahead).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use std::time::Duration;
    /// use chrono::{TimeZone, Utc};
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    /// server.set_clock(t);
    /// server.advance_clock(Duration::from_secs(60));
    /// assert_eq!(server.now(), t + chrono::Duration::seconds(60));
    /// # Ok(()) }
    /// ```
    pub fn advance_clock(&self, by: Duration) {
        self.shared
            .advance_clock(TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX));
    }

    /// Puts the clock back on real time.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// server.reset_clock();
    /// # Ok(()) }
    /// ```
    pub fn reset_clock(&self) {
        self.shared.reset_clock();
    }

    /// Forgets events, moments, faults, the request journal, remembered idempotent answers
    /// and rate-limit state (webhooks and the clock stay).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// server.reset();
    /// assert!(server.events().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn reset(&self) {
        self.shared.reset(false);
    }

    /// Like [`reset`](Self::reset), and also drops every webhook but the default one, which
    /// gets back its first state (label `default`, no expiry; re-created if it was deleted).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{MockServer, NewWebhook};
    /// let server = MockServer::start().await?;
    /// server.create_webhook(NewWebhook::new("extra"))?;
    /// server.reset_webhooks();
    /// assert_eq!(server.webhooks().len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn reset_webhooks(&self) {
        self.shared.reset(true);
    }
}
