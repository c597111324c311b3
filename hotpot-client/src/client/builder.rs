//! [`ClientBuilder`]: timeouts, retries, API key, user agent, proxy and TLS roots.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::{Client, HttpSettings, Inner};
use crate::env::{ENV_API_KEY, env_var, webhook_url_from_env};
use crate::{Error, RetryPolicy, WebhookUrl};

/// `User-Agent` sent by default: `hotpot-client/<version>` (spec §5).
pub const USER_AGENT: &str = concat!("hotpot-client/", env!("CARGO_PKG_VERSION"));

/// Configures a [`Client`]. Every setter takes and returns the builder; problems (a bad URL,
/// a bad certificate) are kept until [`build`](ClientBuilder::build) reports them.
///
/// ```
/// use std::time::Duration;
/// use hotpot_client::{Client, RetryPolicy};
///
/// let client = Client::builder("https://api.hotpot.works/moment/845b1e3c9d0f")
///     .timeout(Duration::from_secs(5))
///     .connect_timeout(Duration::from_secs(2))
///     .retry(RetryPolicy::default().with_max_retries(4))
///     .api_key("hp_key_123")
///     .build()?;
/// assert_eq!(client.webhook_url().to_string(), "https://api.hotpot.works/moment/845b…");
/// # Ok::<(), hotpot_client::Error>(())
/// ```
#[must_use = "a builder does nothing until build() is called"]
pub struct ClientBuilder {
    url: UrlSource,
    allow_http: bool,
    http: HttpSettings,
    retry: RetryPolicy,
    api_key: Option<String>,
}

/// What the builder was given: a checked URL, or text to parse at `build()` (when the
/// http opt-in is known).
enum UrlSource {
    Checked(Box<WebhookUrl>),
    Text(String),
}

/// What [`Client::builder`] and [`Client::new`] accept as the webhook URL: a [`WebhookUrl`],
/// a `&str` or a `String`. Text is checked when the client is built.
pub trait IntoWebhookUrl: sealed::Sealed {
    #[doc(hidden)]
    fn into_source(self) -> WebhookUrlSource;
}

/// Opaque carrier for [`IntoWebhookUrl`].
#[doc(hidden)]
pub struct WebhookUrlSource(UrlSource);

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::WebhookUrl {}
    impl Sealed for &crate::WebhookUrl {}
    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
}

impl IntoWebhookUrl for WebhookUrl {
    fn into_source(self) -> WebhookUrlSource {
        WebhookUrlSource(UrlSource::Checked(Box::new(self)))
    }
}
impl IntoWebhookUrl for &WebhookUrl {
    fn into_source(self) -> WebhookUrlSource {
        WebhookUrlSource(UrlSource::Checked(Box::new(self.clone())))
    }
}
impl IntoWebhookUrl for &str {
    fn into_source(self) -> WebhookUrlSource {
        WebhookUrlSource(UrlSource::Text(self.to_owned()))
    }
}
impl IntoWebhookUrl for String {
    fn into_source(self) -> WebhookUrlSource {
        WebhookUrlSource(UrlSource::Text(self))
    }
}
impl IntoWebhookUrl for &String {
    fn into_source(self) -> WebhookUrlSource {
        self.as_str().into_source()
    }
}

impl ClientBuilder {
    pub(crate) fn new(url: impl IntoWebhookUrl) -> Self {
        ClientBuilder {
            url: url.into_source().0,
            allow_http: false,
            http: HttpSettings::new(USER_AGENT),
            retry: RetryPolicy::default(),
            api_key: None,
        }
    }

    /// The time allowed for one attempt, connecting and reading the answer included
    /// (default 15 s). The retry policy's deadline bounds the whole send.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// The time allowed to connect (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout;
        self
    }

    /// How retryable answers are retried (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The API key for [`Client::request_status`] (sent as `Authorization: Bearer …`, never
    /// printed).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Replaces the `User-Agent` (default `hotpot-client/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.http.user_agent = user_agent.into();
        self
    }

    /// Accepts a plain `http://` webhook URL to a host that is not loopback. The token then
    /// crosses the network in clear text: only for trusted networks.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Sends through this proxy (`http://`, `https://` or `socks5://` URL) instead of the
    /// one the environment names.
    pub fn proxy(mut self, proxy_url: impl Into<String>) -> Self {
        self.http.proxy = Some(proxy_url.into());
        self
    }

    /// Ignores proxies named by the environment (`HTTPS_PROXY`, ...).
    pub fn no_proxy(mut self) -> Self {
        self.http.no_proxy = true;
        self
    }

    /// Trusts this PEM certificate authority in addition to the system's (for a corporate
    /// proxy or a private deployment). Certificates are always verified.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.http.root_certs.push(pem.into());
        self
    }

    /// Trusts only the certificate authorities given with
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem), not the system's.
    pub fn only_given_root_certificates(mut self, only: bool) -> Self {
        self.http.only_given_roots = only;
        self
    }

    /// How long an idle keep-alive connection is kept (reqwest's default: 90 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.http.pool_idle_timeout = Some(timeout);
        self
    }

    /// Builds the client, reporting the first configuration problem.
    ///
    /// ```
    /// let err = hotpot_client::Client::builder("http://hotpot.example.com/moment/845b1e3c9d0f")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.is_config());
    /// assert!(!err.to_string().contains("845b1e3c9d0f"));
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let url = match self.url {
            UrlSource::Checked(url) => *url,
            UrlSource::Text(text) if self.allow_http => WebhookUrl::parse_allowing_http(&text)?,
            UrlSource::Text(text) => WebhookUrl::parse(&text)?,
        };
        let api_key = match self.api_key {
            Some(key) => {
                let mut value = HeaderValue::try_from(format!("Bearer {key}")).map_err(|_| {
                    Error::Config("the API key contains characters not allowed in a header".into())
                })?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        let http = self.http.build_client()?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                url,
                retry: self.retry,
                timeout: self.http.timeout,
                api_key,
                sunset: std::sync::Mutex::new(None),
            }),
        })
    }
}

impl Client {
    /// A client with the default settings (see [`ClientBuilder`]).
    ///
    /// ```
    /// let client = hotpot_client::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn new(webhook_url: impl IntoWebhookUrl) -> Result<Client, Error> {
        ClientBuilder::new(webhook_url).build()
    }

    /// A builder for timeouts, retries, the API key and more.
    pub fn builder(webhook_url: impl IntoWebhookUrl) -> ClientBuilder {
        ClientBuilder::new(webhook_url)
    }

    /// A builder configured from the environment: `HOTPOT_WEBHOOK_URL` (required) and
    /// `HOTPOT_API_KEY` (where set), read by [`env_var`](crate::env_var) (trimmed; blank
    /// means unset).
    ///
    /// ```no_run
    /// let client = hotpot_client::Client::builder_from_env()?
    ///     .retry(hotpot_client::RetryPolicy::never())
    ///     .build()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        let mut builder = ClientBuilder::new(webhook_url_from_env()?);
        if let Some(key) = env_var(ENV_API_KEY)? {
            builder = builder.api_key(key);
        }
        Ok(builder)
    }

    /// A client configured from the environment: `HOTPOT_WEBHOOK_URL` (required) and
    /// `HOTPOT_API_KEY` (where set).
    ///
    /// ```no_run
    /// let client = hotpot_client::Client::from_env()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        Self::builder_from_env()?.build()
    }
}
