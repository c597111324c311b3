//! [`HttpSettings`]: the HTTP client's settings (timeouts, user agent, proxy, TLS roots) and
//! how reqwest's client is built from them, shared by [`ClientBuilder`](crate::ClientBuilder)
//! and [`ApiClientBuilder`](crate::ApiClientBuilder).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::{Error, defaults};

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
