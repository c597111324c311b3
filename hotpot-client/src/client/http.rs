//! [`HttpSettings`]: the HTTP client's settings (timeouts, user agent, proxy, TLS roots) and
//! how reqwest's client is built from them, shared by [`ClientBuilder`](crate::ClientBuilder)
//! and [`ApiClientBuilder`](crate::ApiClientBuilder).

use std::time::Duration;

use bytes::Bytes;
use hotpot_protocol::{IDEMPOTENCY_KEY, check_idempotency_key};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

use tracing::Instrument;

use super::{Caller, Endpoint};
use crate::{Error, Receipt, RetryPolicy, defaults};

/// The `Authorization: Bearer …` header for an API key, marked sensitive (never printed).
pub(crate) fn bearer_header(key: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::try_from(format!("Bearer {key}")).map_err(|_| {
        Error::Config("the API key contains characters not allowed in a header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The setters of the HTTP client's settings, the same on [`ClientBuilder`](crate::ClientBuilder)
/// and [`ApiClientBuilder`](crate::ApiClientBuilder) (each keeps them in a field `http`).
macro_rules! http_setters {
    () => {
        /// The time allowed for one attempt, connecting and reading the answer included
        /// (default 15 s). The retry policy's deadline bounds the whole call.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.http.timeout = timeout;
            self
        }

        /// The time allowed to connect (default 5 s).
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.http.connect_timeout = timeout;
            self
        }

        /// Replaces the `User-Agent` (default `hotpot-client/<version>`).
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.http.user_agent = user_agent.into();
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
        pub fn pool_idle_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.http.pool_idle_timeout = Some(timeout);
            self
        }
    };
}
pub(crate) use http_setters;

/// A JSON body POSTed with an `Idempotency-Key` that every attempt of one send carries: a
/// moment sent by [`Client`](crate::Client), a page by [`ApiClient`](crate::ApiClient).
pub(crate) struct JsonPost {
    key_text: String,
    key: HeaderValue,
    body: Bytes,
}

impl JsonPost {
    /// Checks the key (1 to 255 printable ASCII characters) and keeps it with the body.
    pub(crate) fn new(key_text: &str, body: Vec<u8>) -> Result<Self, Error> {
        check_idempotency_key(key_text).map_err(|p| Error::Config(p.to_string()))?;
        let key = HeaderValue::from_str(key_text)
            .map_err(|_| Error::Config("Idempotency-Key: not a header value".to_owned()))?;
        Ok(JsonPost {
            key_text: key_text.to_owned(),
            key,
            body: Bytes::from(body),
        })
    }

    /// Sends it through `caller`'s retry loop within `span` (each attempt's request built by
    /// `request`, which starts from [`request`](Self::request)) and reads the receipt.
    pub(crate) async fn send(
        &self,
        caller: Caller<'_>,
        policy: &RetryPolicy,
        endpoint: Endpoint<'_>,
        on_retry: &(dyn Fn() + Sync),
        span: tracing::Span,
        request: impl Fn(&Self) -> reqwest::RequestBuilder,
    ) -> Result<Receipt, Error> {
        let (answer, attempts) = caller
            .with_retries(policy, endpoint, on_retry, || request(self))
            .instrument(span)
            .await?;
        Ok(Receipt::from_answer(
            answer.status,
            &answer.body,
            &self.key_text,
            attempts,
            answer.sunset,
        ))
    }

    /// One attempt's request to `url`.
    pub(crate) fn request(
        &self,
        http: &reqwest::Client,
        url: reqwest::Url,
    ) -> reqwest::RequestBuilder {
        http.post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(IDEMPOTENCY_KEY, self.key.clone())
            .body(self.body.clone())
    }
}

/// Everything a builder knows about the HTTP client itself.
pub(crate) struct HttpSettings {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) proxy: Option<String>,
    pub(crate) no_proxy: bool,
    pub(crate) root_certs: Vec<Vec<u8>>,
    pub(crate) only_given_roots: bool,
    pub(crate) pool_idle_timeout: Option<Duration>,
}

impl HttpSettings {
    /// The defaults (spec §5: 5 s to connect, 15 s per attempt), with this user agent.
    pub(crate) fn new(user_agent: &str) -> Self {
        HttpSettings {
            timeout: defaults::TIMEOUT,
            connect_timeout: defaults::CONNECT_TIMEOUT,
            user_agent: user_agent.to_owned(),
            proxy: None,
            no_proxy: false,
            root_certs: Vec::new(),
            only_given_roots: false,
            pool_idle_timeout: None,
        }
    }

    /// Builds reqwest's client: JSON accepted, no redirects followed, certificates verified.
    pub(crate) fn build_client(&self) -> Result<reqwest::Client, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let mut http = reqwest::Client::builder()
            .user_agent(&self.user_agent)
            .default_headers(headers)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true);
        if let Some(idle) = self.pool_idle_timeout {
            http = http.pool_idle_timeout(idle);
        }
        if self.no_proxy {
            http = http.no_proxy();
        }
        if let Some(proxy) = &self.proxy {
            // reqwest's proxy errors do not repeat the proxy URL, which may hold credentials.
            let proxy = reqwest::Proxy::all(proxy.as_str())
                .map_err(|e| Error::Config(format!("invalid proxy URL: {}", e.without_url())))?;
            http = http.proxy(proxy);
        }
        let mut certs = Vec::with_capacity(self.root_certs.len());
        for pem in &self.root_certs {
            certs.extend(reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                Error::Config(format!("invalid PEM root certificate: {}", e.without_url()))
            })?);
        }
        if self.only_given_roots {
            http = http.tls_certs_only(certs);
        } else if !certs.is_empty() {
            http = http.tls_certs_merge(certs);
        }
        #[cfg(feature = "ring")]
        install_ring_provider();
        http.build().map_err(|e| {
            // reqwest says only "builder error"; the cause (a certificate that does not parse,
            // ...) is in its source.
            let cause = crate::error::with_root_cause(&crate::TransportError::new(e));
            Error::Config(format!("cannot build the HTTP client: {cause}"))
        })
    }
}

/// With the `ring` feature, reqwest takes the process's default rustls provider: ring's, which
/// this installs unless the program installed one already (then that one is used).
#[cfg(feature = "ring")]
fn install_ring_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // An error means another thread installed a provider meanwhile: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(all(test, feature = "ring"))]
mod ring_tests {
    #[test]
    fn with_the_ring_feature_the_client_uses_ring() {
        let client = crate::Client::new("https://api.hotpot.works/moment/845b1e3c9d0f");
        assert!(client.is_ok(), "{client:?}");
        let provider = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(
            format!("{:?}", provider.key_provider),
            format!("{:?}", ring.key_provider)
        );
    }
}
