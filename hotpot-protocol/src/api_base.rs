//! [`ApiBase`]: where Hotpot's API lives (spec §14), checked.

use std::fmt;

use url::Url;

use crate::webhook_url::{DEFAULT_BASE, is_loopback};

/// The base of Hotpot's API (`https://api.hotpot.works` by default): an absolute `http` or
/// `https` URL with a host, no user name, password, query or fragment; plain `http` only to a
/// loopback host unless the caller opts in. Paths are appended to it
/// (`{base}/page/team`, `{base}/request/{id}/status`), so a base may carry a path prefix.
///
/// ```
/// use hotpot_protocol::ApiBase;
///
/// let base = ApiBase::parse("http://127.0.0.1:8080/", false)?;
/// assert_eq!(base.join(&["page", "team"]).as_str(), "http://127.0.0.1:8080/page/team");
/// assert_eq!(
///     base.join(&["request", "a/b", "status"]).as_str(),
///     "http://127.0.0.1:8080/request/a%2Fb/status"
/// );
/// let err = ApiBase::parse("http://hotpot.example.com", false).unwrap_err();
/// assert!(err.contains("refusing plain http to hotpot.example.com"));
/// assert!(ApiBase::parse("api.hotpot.works", false).is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ApiBase(Url);

impl ApiBase {
    /// Parses and checks a base URL; the error says what was expected and what was found.
    pub fn parse(text: &str, allow_http: bool) -> Result<Self, String> {
        const EXPECTED: &str =
            "expected an absolute http or https URL such as https://api.hotpot.works";
        let url =
            Url::parse(text.trim()).map_err(|e| format!("{EXPECTED}, found {text:?} ({e})"))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http || is_loopback(&url) => {}
            "http" => {
                return Err(format!(
                    "refusing plain http to {}: the API key would cross the network in clear \
                     text; use https, or opt in explicitly for a trusted network (allow_http)",
                    url.host_str().unwrap_or_default()
                ));
            }
            other => return Err(format!("{EXPECTED}, found the scheme {other:?}")),
        }
        if url.host().is_none() || url.cannot_be_a_base() {
            return Err(format!("{EXPECTED}, found no host ({text:?})"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{EXPECTED}, found a user name or password in it"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("{EXPECTED}, found a query string or fragment"));
        }
        Ok(ApiBase(url))
    }

    /// Hotpot's production API, `https://api.hotpot.works`.
    pub fn production() -> Self {
        ApiBase(Url::parse(DEFAULT_BASE).unwrap_or_else(|_| unreachable!("a valid URL")))
    }

    /// The base with `segments` appended, each percent-encoded as one path segment.
    pub fn join(&self, segments: &[&str]) -> Url {
        let mut url = self.0.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// The base URL.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// Whether the host is loopback (`localhost`, `127.0.0.0/8` or `::1`).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }
}

impl fmt::Display for ApiBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

impl fmt::Debug for ApiBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiBase({self})")
    }
}
