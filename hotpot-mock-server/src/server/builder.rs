//! [`MockServerBuilder`]: the settings, their checks, and the binding and spawning of a
//! [`MockServer`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hotpot_protocol::redact_token;
use tokio::runtime::Handle;

use super::MockServer;
use crate::Error;
use crate::oncall::{NewTeam, NewUser, OncallDirectory};
use crate::state::{Config, DEFAULT_MAX_IDEMPOTENCY_KEYS, Shared, check_token, random_token};

/// The API key the server accepts on `GET /request/{id}/status` unless told otherwise.
pub const DEFAULT_API_KEY: &str = "hotpot-mock-api-key";

/// How many events (and moments) the server keeps unless told otherwise.
pub const DEFAULT_MAX_EVENTS: usize = 100_000;

/// How long [`MockServer::shutdown`] lets busy connections finish unless told otherwise.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a request's headers, or its body, may take to arrive unless told otherwise; an
/// idle connection is closed after as long.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections are served at once unless told otherwise; more wait in the backlog.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

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
    read_timeout: Duration,
    stream_keep_alive: Duration,
    max_connections: usize,
    max_idempotency_keys: usize,
    oncall: Option<OncallDirectory>,
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
            read_timeout: DEFAULT_READ_TIMEOUT,
            stream_keep_alive: crate::http::stream::STREAM_KEEP_ALIVE,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_idempotency_keys: DEFAULT_MAX_IDEMPOTENCY_KEYS,
            oncall: None,
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
            .field("read_timeout", &self.read_timeout)
            .field("stream_keep_alive", &self.stream_keep_alive)
            .field("max_connections", &self.max_connections)
            .field("max_idempotency_keys", &self.max_idempotency_keys)
            .field("oncall", &self.oncall)
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

    /// The API key `GET /request/{id}/status`, `/acknowledgements` and the page routes accept
    /// as `Authorization: Bearer <key>`; [`DEFAULT_API_KEY`] otherwise.
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().api_key("k3y");
    /// # let _ = builder;
    /// ```
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// At most `per_second` requests a second to each webhook, and to the page routes with
    /// the API key (bursts of `per_second`); more are answered 429 with `Retry-After`. The
    /// buckets follow the server's clock.
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

    /// How long a request's headers, or its body, may take to arrive
    /// ([`DEFAULT_READ_TIMEOUT`] otherwise): a slower one is answered 408 and its connection
    /// closed, and an idle connection is closed after as long.
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = hotpot_mock_server::MockServer::builder().read_timeout(Duration::from_secs(2));
    /// # let _ = builder;
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// How long `GET /_mock/stream` stays silent before it sends a keep-alive comment line
    /// ([`DEFAULT_STREAM_KEEP_ALIVE`](crate::DEFAULT_STREAM_KEEP_ALIVE), 15 s, otherwise).
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder =
    ///     hotpot_mock_server::MockServer::builder().stream_keep_alive(Duration::from_secs(1));
    /// # let _ = builder;
    /// ```
    pub fn stream_keep_alive(mut self, interval: Duration) -> Self {
        self.stream_keep_alive = interval;
        self
    }

    /// How many connections are served at once ([`DEFAULT_MAX_CONNECTIONS`] otherwise); more
    /// wait in the listen backlog until one closes.
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().max_connections(64);
    /// # let _ = builder;
    /// ```
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// How many `Idempotency-Key`s are remembered at most
    /// ([`DEFAULT_MAX_IDEMPOTENCY_KEYS`] otherwise), independently of the event log: past
    /// that the oldest go first ([`MockServer::evicted_idempotency_keys`] counts them).
    ///
    /// ```
    /// let builder = hotpot_mock_server::MockServer::builder().max_idempotency_keys(1000);
    /// # let _ = builder;
    /// ```
    pub fn max_idempotency_keys(mut self, max: usize) -> Self {
        self.max_idempotency_keys = max;
        self
    }

    /// The on-call directory the server starts with, instead of its default user
    /// `oncall@example.com` and team `default` (spec §14); `--oncall FILE` for the binary.
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{MockServer, NewTeam, NewUser, OncallDirectory};
    /// let directory = OncallDirectory::default()
    ///     .user(NewUser::new("ada@example.com"))
    ///     .team(NewTeam::new("ops", [["ada@example.com"]]));
    /// let server = MockServer::builder().oncall(directory).start().await?;
    /// assert_eq!(server.teams()[0].slug, "ops");
    /// assert_eq!(server.users().len(), 1); // no default user
    /// # Ok(()) }
    /// ```
    pub fn oncall(mut self, directory: OncallDirectory) -> Self {
        self.oncall = Some(directory);
        self
    }

    /// Adds a user to the directory the server starts with (then it has no default user or
    /// team).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{MockServer, NewUser};
    /// let server = MockServer::builder().user(NewUser::new("ada@example.com")).start().await?;
    /// assert!(server.teams().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn user(mut self, user: NewUser) -> Self {
        let directory = self.oncall.take().unwrap_or_default();
        self.oncall = Some(directory.user(user));
        self
    }

    /// Adds a team to the directory the server starts with (after its users, whatever the
    /// order of the calls).
    ///
    /// ```
    /// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
    /// use hotpot_mock_server::{MockServer, NewTeam, NewUser};
    /// let server = MockServer::builder()
    ///     .team(NewTeam::new("ops", [["ada@example.com"]]))
    ///     .user(NewUser::new("ada@example.com"))
    ///     .start()
    ///     .await?;
    /// assert_eq!(server.teams()[0].stages[0], ["ada@example.com"]);
    /// # Ok(()) }
    /// ```
    pub fn team(mut self, team: NewTeam) -> Self {
        let directory = self.oncall.take().unwrap_or_default();
        self.oncall = Some(directory.team(team));
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
        for (name, value) in [
            ("max_connections", self.max_connections),
            ("max_idempotency_keys", self.max_idempotency_keys),
        ] {
            if value == 0 {
                return Err(Error::bad(format!("{name}: expected at least 1, found 0")));
            }
        }
        if self.read_timeout.is_zero() {
            return Err(Error::bad(
                "read_timeout: expected a positive duration, found 0",
            ));
        }
        if self.stream_keep_alive.is_zero() {
            return Err(Error::bad(
                "stream_keep_alive: expected a positive duration, found 0",
            ));
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
            max_idempotency_keys: self.max_idempotency_keys,
            read_timeout: self.read_timeout,
            stream_keep_alive: self.stream_keep_alive,
            base_url: public_url.unwrap_or_else(|| format!("http://{addr}")),
        };
        let shared = Arc::new(Shared::new(config, &token));
        if let Some(directory) = self.oncall {
            shared.install_directory(directory)?;
        }
        let router = crate::http::router(Arc::clone(&shared));
        let served = crate::serve::serve(
            listener,
            router,
            shared.shutdown.subscribe(),
            crate::serve::Limits {
                grace: self.shutdown_timeout,
                read_timeout: self.read_timeout,
                max_connections: self.max_connections,
            },
        );
        // Both end on shutdown: the task is done when the connections are.
        let escalations = Arc::clone(&shared).announce_escalations();
        let task = handle.spawn(async move {
            tokio::join!(served, escalations);
        });
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
