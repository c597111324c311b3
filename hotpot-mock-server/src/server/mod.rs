//! [`MockServer`]: a running, isolated server on its own port, stopped on drop, and the
//! library API that reads its state. Its settings are in `builder`; the methods that
//! change the state (webhooks, faults, the clock, reset) in `control`.

mod builder;
mod control;
mod oncall;
mod pages;
mod watch;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hotpot_protocol::redact_token;
use tokio::task::JoinHandle;

pub use builder::{
    DEFAULT_API_KEY, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_EVENTS, DEFAULT_READ_TIMEOUT,
    DEFAULT_SHUTDOWN_TIMEOUT, MockServerBuilder,
};

use crate::model::{Event, EventStatus, RecordedMoment, RecordedRequest};
use crate::state::{Filter, Shared, token_of};
use crate::{Error, WaitTimeout};

/// A running mock of Hotpot's webhooks: its own port, its own state, stopped when dropped.
///
/// Every method that reads or changes the state is synchronous and cheap (a short lock);
/// only the waits and [`shutdown`](MockServer::shutdown) are `async`.
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use hotpot_client::{Client, Moment, MomentType};
/// use hotpot_mock_server::MockServer;
///
/// let server = MockServer::start().await?;
/// let client = Client::new(server.webhook_url().as_str())?;
/// client.send(&Moment::builder("A thing happened", MomentType::Alert).build()?).await?;
///
/// let moments = server.wait_for_moments(1, Duration::from_secs(5)).await?;
/// assert_eq!(moments[0].name, "A thing happened");
/// # Ok(()) }
/// ```
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    token: String,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url())
            .field("token", &redact_token(&self.token))
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server with the default settings on `127.0.0.1` and a free port.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// println!("send moments to {}", server.webhook_url());
    /// # Ok(()) }
    /// ```
    pub async fn start() -> Result<MockServer, Error> {
        MockServerBuilder::default().start().await
    }

    /// Settings for a server: strict mode, token, API key, rate limit, event cap, address.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::builder().strict(true).start().await?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash), or the
    /// [`public_url`](MockServerBuilder::public_url) it was given.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// let health = format!("{}/_mock/health", server.url());
    /// # Ok(()) }
    /// ```
    pub fn url(&self) -> &str {
        &self.shared.config.base_url
    }

    /// The address the server listens on.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.addr().ip().is_loopback());
    /// # Ok(()) }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The default webhook's URL, token included: the test's own secret, to hand to the client.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.webhook_url(), format!("{}/moment/{}", server.url(), server.token()));
    /// # Ok(()) }
    /// ```
    pub fn webhook_url(&self) -> String {
        self.shared.webhook_url(&self.token)
    }

    /// The default webhook's token.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::builder().token("t0ken").start().await?;
    /// assert_eq!(server.token(), "t0ken");
    /// # Ok(()) }
    /// ```
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The API key `GET /request/{id}/status` accepts.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.api_key(), hotpot_mock_server::DEFAULT_API_KEY);
    /// # Ok(()) }
    /// ```
    pub fn api_key(&self) -> &str {
        &self.shared.config.api_key
    }

    /// Every kept event, oldest first.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.events().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> Vec<Event> {
        self.shared.events(&Filter::default()).0
    }

    /// The kept events of the webhook with `token` (or its URL), oldest first.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.events_for(server.token()).is_empty());
    /// # Ok(()) }
    /// ```
    pub fn events_for(&self, token: &str) -> Vec<Event> {
        let filter = Filter {
            token: Some(token_of(token).unwrap_or_default()),
            status: None,
        };
        self.shared.events(&filter).0
    }

    /// The kept events with `status`, oldest first.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{EventStatus, MockServer};
    /// let server = MockServer::start().await?;
    /// assert!(server.events_with(EventStatus::Error).is_empty());
    /// # Ok(()) }
    /// ```
    pub fn events_with(&self, status: EventStatus) -> Vec<Event> {
        let filter = Filter {
            token: None,
            status: Some(status),
        };
        self.shared.events(&filter).0
    }

    /// One event by id.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.event("1").is_err());
    /// # Ok(()) }
    /// ```
    pub fn event(&self, id: &str) -> Result<Event, Error> {
        self.shared.event(id)
    }

    /// How many events are kept (cheap: nothing is copied).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.event_count(), 0);
    /// # Ok(()) }
    /// ```
    pub fn event_count(&self) -> usize {
        self.shared.counts().0
    }

    /// How many moments are kept (cheap: nothing is copied).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.moment_count(), 0);
    /// # Ok(()) }
    /// ```
    pub fn moment_count(&self) -> usize {
        self.shared.counts().1
    }

    /// How many events the cap has dropped (oldest first).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert_eq!(server.dropped_events(), 0);
    /// # Ok(()) }
    /// ```
    pub fn dropped_events(&self) -> u64 {
        self.shared.dropped_events()
    }

    /// Every kept moment, oldest first.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.moments().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn moments(&self) -> Vec<RecordedMoment> {
        self.shared.moments(&Filter::default()).0
    }

    /// The kept moments of the webhook with `token` (or its URL), oldest first.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.moments_for(server.token()).is_empty());
    /// # Ok(()) }
    /// ```
    pub fn moments_for(&self, token: &str) -> Vec<RecordedMoment> {
        let filter = Filter {
            token: Some(token_of(token).unwrap_or_default()),
            status: None,
        };
        self.shared.moments(&filter).0
    }

    /// The request journal: every request that reached an ingest route, oldest first —
    /// faulted, replayed (a repeated `Idempotency-Key`) and refused ones (an unknown or
    /// expired webhook) included — with its headers, status and fault (see
    /// [`RecordedRequest`]). Bounded like the event log; [`reset`](Self::reset) clears it.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.requests().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests(None).0
    }

    /// The request journal of the webhook with `token` (or its URL) only, oldest first, as
    /// `GET /_mock/requests?token=` lists it; [`Error::NotFound`] when no webhook has the token.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.requests_for(server.token())?.is_empty());
    /// assert!(server.requests_for("no-such-webhook").is_err());
    /// # Ok(()) }
    /// ```
    pub fn requests_for(&self, token: &str) -> Result<Vec<RecordedRequest>, Error> {
        let token = self.shared.known_token(token)?;
        Ok(self.shared.requests(Some(&token)).0)
    }

    /// Waits until at least `n` events are kept, and returns them all; or, after `timeout`,
    /// a [`WaitTimeout`] with what there is. Never polls: it wakes on each new event.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// // ... send two moments ...
    /// let events = server.wait_for_events(2, Duration::from_secs(5)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_events(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Event>, WaitTimeout<Event>> {
        let started = Instant::now();
        let filter = Filter::default();
        let reached = self.shared.wait_events(&filter, n, timeout).await;
        let events = self.shared.events(&filter).0;
        if reached && events.len() >= n {
            Ok(events)
        } else {
            Err(WaitTimeout::new(n, events, started.elapsed()))
        }
    }

    /// Waits until at least `n` moments are kept, and returns them all; or, after `timeout`,
    /// a [`WaitTimeout`] with what there is.
    ///
    /// ```
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// // ... send a moment ...
    /// let moments = server.wait_for_moments(1, Duration::from_secs(5)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_moments(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<RecordedMoment>, WaitTimeout<RecordedMoment>> {
        let started = Instant::now();
        let filter = Filter::default();
        let reached = self.shared.wait_moments(&filter, n, timeout).await;
        let moments = self.shared.moments(&filter).0;
        if reached && moments.len() >= n {
            Ok(moments)
        } else {
            Err(WaitTimeout::new(n, moments, started.elapsed()))
        }
    }

    /// Processes an `error` event's payload again with the current clock (the Events view's
    /// "retry"), and returns the event as it is now.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// assert!(server.retry_event("42").is_err()); // no such event
    /// # Ok(()) }
    /// ```
    pub fn retry_event(&self, id: &str) -> Result<Event, Error> {
        self.shared.retry_event(id)
    }

    /// Stops gracefully: no new connections, requests in flight finish (for at most the
    /// builder's shutdown timeout), idle keep-alive connections close at once.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::start().await?;
    /// server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn shutdown(mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            // Aborting the accept loop drops its connection tasks too.
            task.abort();
        }
    }
}
