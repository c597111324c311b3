//! [`MockServer`] and [`MockServerBuilder`]: an isolated server on its own port, stopped on drop.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use hotpot_protocol::redact_token;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::model::{
    Event, EventStatus, NewWebhook, RecordedMoment, RecordedRequest, Webhook, WebhookPatch,
};
use crate::state::{Config, Filter, Shared, check_token, random_token, token_of};
use crate::{Error, Fault, WaitTimeout};

/// The API key the server accepts on `GET /request/{id}/status` unless told otherwise.
pub const DEFAULT_API_KEY: &str = "hotpot-mock-api-key";

/// How many events (and moments) the server keeps unless told otherwise.
pub const DEFAULT_MAX_EVENTS: usize = 100_000;

/// How long [`MockServer::shutdown`] lets busy connections finish unless told otherwise.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings for a [`MockServer`]; [`start`](MockServerBuilder::start) binds and runs it.
///
/// ```
/// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
/// use hotpot_mock_server::MockServer;
///
/// let server = MockServer::builder()
///     .strict(true)             // §1 failures answered 422
///     .token("my-test-token")   // instead of a random one
///     .api_key("secret")        // for GET /request/{id}/status
///     .rate_limit(10)           // per webhook, per second
///     .max_events(1_000)
///     .start()
///     .await?;
/// assert!(server.webhook_url().ends_with("/moment/my-test-token"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until start() is called"]
pub struct MockServerBuilder {
    strict: bool,
    token: Option<String>,
    api_key: String,
    rate_limit: Option<u32>,
    max_events: usize,
    host: IpAddr,
    port: u16,
    shutdown_timeout: Duration,
    public_url: Option<String>,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            strict: false,
            token: None,
            api_key: DEFAULT_API_KEY.to_owned(),
            rate_limit: None,
            max_events: DEFAULT_MAX_EVENTS,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            public_url: None,
        }
    }
}

impl fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("strict", &self.strict)
            .field("token", &self.token.as_deref().map(redact_token))
            .field("api_key", &redact_token(&self.api_key))
            .field("rate_limit", &self.rate_limit)
            .field("max_events", &self.max_events)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl MockServerBuilder {
    /// Strict mode: a payload that breaks §1 is answered 422 with every problem instead of 202
    /// (it is still recorded as an `error` event).
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().strict(true);
    /// # let _ = builder;
    /// ```
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The default webhook's token (`[A-Za-z0-9_-]`, 1 to 200 characters); random otherwise.
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().token("abc123");
    /// # let _ = builder;
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The API key `GET /request/{id}/status` accepts as `Authorization: Bearer <key>`;
    /// [`DEFAULT_API_KEY`] otherwise.
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().api_key("k3y");
    /// # let _ = builder;
    /// ```
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// At most `per_second` requests a second to each webhook (bursts of `per_second`); more
    /// are answered 429 with `Retry-After`. The bucket follows the server's clock.
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().rate_limit(5);
    /// # let _ = builder;
    /// ```
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// How many events (and moments) to keep; the oldest go first ([`DEFAULT_MAX_EVENTS`]
    /// otherwise).
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().max_events(10);
    /// # let _ = builder;
    /// ```
    pub fn max_events(mut self, max_events: usize) -> Self {
        self.max_events = max_events;
        self
    }

    /// The address to bind (`127.0.0.1` otherwise).
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// let builder = hotpot_mock_server::MockServer::builder().host(Ipv6Addr::LOCALHOST.into());
    /// # let _ = builder;
    /// ```
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The port to bind (`0`, a free one, otherwise).
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().port(0);
    /// # let _ = builder;
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long [`MockServer::shutdown`] lets busy connections finish before cutting them
    /// ([`DEFAULT_SHUTDOWN_TIMEOUT`] otherwise). Idle keep-alive connections close at once.
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = hotpot_mock_server::MockServer::builder().shutdown_timeout(Duration::from_secs(1));
    /// # let _ = builder;
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The base of every URL the server returns ([`MockServer::url`], webhook URLs, the
    /// OpenAPI description's `servers`) instead of `http://HOST:PORT`: for a mock that its
    /// clients reach by another name, such as a container's (`http://hotpot-mock:8080`) when it
    /// listens on `0.0.0.0`. An absolute `http` or `https` URL, without query or fragment; a
    /// trailing slash is dropped.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::builder()
    ///     .public_url("http://hotpot-mock:8080/")
    ///     .start()
    ///     .await?;
    /// assert_eq!(server.url(), "http://hotpot-mock:8080");
    /// assert!(server.webhook_url().starts_with("http://hotpot-mock:8080/moment/"));
    /// # Ok(()) }
    /// ```
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Binds and starts the server on the current tokio runtime.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// let server = hotpot_mock_server::MockServer::builder().start().await?;
    /// assert!(server.url().starts_with("http://127.0.0.1:"));
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> Result<MockServer, Error> {
        self.start_on(&Handle::current())
    }

    /// Binds and starts the server on the runtime of `handle`, without being in an async
    /// context: for callers that own a runtime, such as the Python wrapper.
    ///
    /// ```
    /// let runtime = tokio::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .enable_all()
    ///     .build()?;
    /// let server = hotpot_mock_server::MockServer::builder().start_on(runtime.handle())?;
    /// assert!(server.events().is_empty());
    /// drop(server);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_on(self, handle: &Handle) -> Result<MockServer, Error> {
        let token = match self.token {
            Some(token) => {
                check_token(&token)?;
                token
            }
            None => random_token(),
        };
        if self.api_key.trim().is_empty() {
            return Err(Error::bad(
                "api_key: expected a non-empty key, found an empty string",
            ));
        }
        if self.max_events == 0 {
            return Err(Error::bad("max_events: expected at least 1, found 0"));
        }
        if self.rate_limit == Some(0) {
            return Err(Error::bad(
                "rate_limit: expected at least 1 request per second, found 0",
            ));
        }
        let public_url = self
            .public_url
            .as_deref()
            .map(check_public_url)
            .transpose()?;
        let listener = std::net::TcpListener::bind(SocketAddr::new(self.host, self.port))
            .map_err(Error::Bind)?;
        listener.set_nonblocking(true).map_err(Error::Bind)?;
        let addr = listener.local_addr().map_err(Error::Bind)?;
        let listener = {
            let _entered = handle.enter();
            tokio::net::TcpListener::from_std(listener).map_err(Error::Bind)?
        };
        let config = Config {
            strict: self.strict,
            api_key: self.api_key,
            rate_limit: self.rate_limit,
            max_events: self.max_events,
            base_url: public_url.unwrap_or_else(|| format!("http://{addr}")),
        };
        let shared = Arc::new(Shared::new(config, &token));
        let router = crate::http::router(Arc::clone(&shared));
        let task = handle.spawn(crate::serve::serve(
            listener,
            router,
            shared.shutdown.subscribe(),
            self.shutdown_timeout,
        ));
        Ok(MockServer {
            shared,
            addr,
            token,
            task: Some(task),
        })
    }
}

/// The base URL a server returns instead of its own address: an absolute http(s) URL without
/// credentials, query or fragment, without its trailing slash.
fn check_public_url(given: &str) -> Result<String, Error> {
    let shown: String = given.chars().take(100).collect();
    let wrong = |why: &str| {
        Error::bad(format!(
            "public_url: expected an absolute http or https URL such as http://hotpot-mock:8080, found {shown:?} ({why})"
        ))
    };
    let url = url::Url::parse(given).map_err(|e| wrong(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(wrong(&format!("the scheme {:?}", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(wrong("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(wrong("a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(wrong("a query string or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

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

    /// Creates a webhook (contract §6) and returns its URL, as Python's
    /// `MockServer.create_webhook(...) -> str` does (contract §8). [`webhooks`](Self::webhooks)
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
