//! [`ApiClientBuilder`]: the API key, the base, timeouts, retries and the poll interval.

use std::sync::Arc;
use std::time::Duration;

use hotpot_protocol::{ApiBase, ApiKey};

use super::{ApiClient, Inner};
use crate::client::{HttpSettings, bearer_header, http_setters};
use crate::env::{ENV_API_KEY, api_base_from_env, env_var};
use crate::{Error, RetryPolicy, USER_AGENT};

/// How often [`ApiClient::wait_for_acknowledgement`] polls by default (spec §14), before its
/// jitter (which adds up to 20 %, never less than the interval).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Configures an [`ApiClient`]. Problems (an empty key, a bad base URL) are kept until
/// [`build`](ApiClientBuilder::build) reports them, as [`Error::Config`].
///
/// ```
/// use std::time::Duration;
/// use hotpot_client::{ApiClient, RetryPolicy};
///
/// let api = ApiClient::builder("hp_live_0123456789")
///     .base_url("http://127.0.0.1:8080")
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::default().with_max_retries(4))
///     .poll_interval(Duration::from_millis(500))
///     .build()?;
/// assert_eq!(api.base_url().to_string(), "http://127.0.0.1:8080");
/// assert!(!format!("{api:?}").contains("0123456789"));
/// # Ok::<(), hotpot_client::Error>(())
/// ```
#[must_use = "a builder does nothing until build() is called"]
pub struct ApiClientBuilder {
    api_key: String,
    base: Option<String>,
    allow_http: bool,
    http: HttpSettings,
    retry: RetryPolicy,
    poll_interval: Duration,
}

impl ApiClientBuilder {
    pub(crate) fn new(api_key: impl Into<String>) -> Self {
        ApiClientBuilder {
            api_key: api_key.into(),
            base: None,
            allow_http: false,
            http: HttpSettings::new(USER_AGENT),
            retry: RetryPolicy::default(),
            poll_interval: DEFAULT_POLL_INTERVAL,
        }
    }

    http_setters!();

    /// The API's base (default `https://api.hotpot.works`); checked by `build()`: an absolute
    /// http(s) URL, plain http only to a loopback host unless [`allow_http`](Self::allow_http).
    pub fn base_url(mut self, base: impl Into<String>) -> Self {
        self.base = Some(base.into());
        self
    }

    /// Accepts a plain `http://` base to a host that is not loopback. The API key then crosses
    /// the network in clear text: only for trusted networks.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// How retryable answers are retried (default: [`RetryPolicy::default`]); every attempt
    /// of one page carries the same `Idempotency-Key`.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How often [`ApiClient::wait_for_acknowledgement`] polls (default 2 s), plus up to 20 %
    /// jitter: never faster than this.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Builds the client, reporting the first configuration problem.
    ///
    /// ```
    /// use hotpot_client::ApiClient;
    /// let err = ApiClient::builder("hp_live_0123456789").base_url("http://hotpot.example.com").build().unwrap_err();
    /// assert!(err.is_config());
    /// assert!(err.to_string().contains("refusing plain http"));
    /// assert!(ApiClient::new("").unwrap_err().is_config());
    /// ```
    pub fn build(self) -> Result<ApiClient, Error> {
        let key = ApiKey::new(self.api_key).map_err(|e| Error::Config(e.to_string()))?;
        let base = match &self.base {
            Some(text) => ApiBase::parse(text, self.allow_http)
                .map_err(|e| Error::Config(format!("invalid API base URL: {e}")))?,
            None => ApiBase::production(),
        };
        let auth = bearer_header(key.expose())?;
        let http = self.http.build_client()?;
        Ok(ApiClient {
            inner: Arc::new(Inner {
                http,
                base,
                key,
                auth,
                retry: self.retry,
                timeout: self.http.timeout,
                poll_interval: self.poll_interval,
            }),
        })
    }
}

impl ApiClient {
    /// A client with the default settings and this API key.
    ///
    /// ```
    /// let api = hotpot_client::ApiClient::new("hp_live_0123456789")?;
    /// assert_eq!(api.base_url().to_string(), "https://api.hotpot.works");
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn new(api_key: impl Into<String>) -> Result<ApiClient, Error> {
        ApiClientBuilder::new(api_key).build()
    }

    /// A builder for the base, timeouts, retries and the poll interval.
    pub fn builder(api_key: impl Into<String>) -> ApiClientBuilder {
        ApiClientBuilder::new(api_key)
    }

    /// A builder configured from the environment: `HOTPOT_API_KEY` (required), and the base
    /// by [`api_base_from_env`](crate::env::api_base_from_env) (`HOTPOT_API_URL`, else the
    /// base of `HOTPOT_WEBHOOK_URL`, else `https://api.hotpot.works`).
    pub fn builder_from_env() -> Result<ApiClientBuilder, Error> {
        let key = env_var(ENV_API_KEY)?.ok_or_else(|| {
            Error::Config(format!(
                "{ENV_API_KEY} is not set: set it to your Hotpot API key"
            ))
        })?;
        let base = api_base_from_env(false)?;
        Ok(ApiClientBuilder::new(key).base_url(base.as_url().as_str()))
    }

    /// A client configured from the environment (see [`builder_from_env`](Self::builder_from_env)).
    ///
    /// ```no_run
    /// let api = hotpot_client::ApiClient::from_env()?;
    /// # Ok::<(), hotpot_client::Error>(())
    /// ```
    pub fn from_env() -> Result<ApiClient, Error> {
        Self::builder_from_env()?.build()
    }
}
