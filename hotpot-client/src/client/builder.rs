//! [`ClientBuilder`]: timeouts, retries, API key, user agent, proxy and TLS roots.

use std::sync::Arc;

use super::http::{HttpSettings, bearer_header, http_setters};
use super::{Client, Inner};
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

    http_setters!();

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

    /// Accepts a plain `http://` webhook URL to a host that is not loopback. The token then
    /// crosses the network in clear text: only for trusted networks.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
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
        let api_key = self.api_key.as_deref().map(bearer_header).transpose()?;
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
