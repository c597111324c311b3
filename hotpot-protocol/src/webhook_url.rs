//! [`WebhookUrl`]: the secret URL of spec §2, parsed, checked and always printed redacted.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::{Host, Url};

/// The production base of webhook URLs.
pub const DEFAULT_BASE: &str = "https://api.hotpot.works";

/// The longest token accepted, in characters. The specification (spec §2) sets no length; a token of
/// hundreds of characters is a mistake (a pasted document, a doubled URL), not a webhook.
pub const MAX_TOKEN_CHARS: usize = 200;

/// A checked Hotpot webhook URL: `{base}/moment/{token}` or
/// `{base}/moment/{token}/{integration}`.
///
/// The URL is a secret — anybody with it can create moments — so [`Debug`](fmt::Debug) and
/// [`Display`](fmt::Display) show at most the token's first 4 characters followed by `…`.
/// The full URL is only available through [`expose_secret`](WebhookUrl::expose_secret).
///
/// Plain `http://` is refused unless the host is loopback (`localhost`, `127.0.0.0/8`,
/// `::1`); [`parse_allowing_http`](WebhookUrl::parse_allowing_http) is the explicit opt-in.
/// A `/` after the token or the integration is refused ([`UrlError::TrailingSlash`]): the
/// server does not know `/moment/TOKEN/`, and the error says to remove the slash rather than
/// let the send fail as if the webhook were unknown.
///
/// ```
/// use hotpot_protocol::WebhookUrl;
///
/// let url: WebhookUrl = "https://api.hotpot.works/moment/845b1e3c9d0f".parse()?;
/// assert_eq!(url.to_string(), "https://api.hotpot.works/moment/845b…");
/// assert_eq!(format!("{url:?}"), "WebhookUrl(\"https://api.hotpot.works/moment/845b…\")");
///
/// let url = WebhookUrl::parse("https://api.hotpot.works/moment/845b1e3c9d0f/datadog")?;
/// assert_eq!(url.integration(), Some("datadog"));
/// assert!(WebhookUrl::parse("http://hotpot.example.com/moment/845b1e3c9d0f").is_err());
/// assert_eq!(
///     WebhookUrl::parse("https://api.hotpot.works/moment/845b1e3c9d0f/"),
///     Err(hotpot_protocol::UrlError::TrailingSlash)
/// );
/// # Ok::<(), hotpot_protocol::UrlError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WebhookUrl {
    url: Url,
    /// `url` with the path cut before `moment/`: no secret in it.
    base: Url,
    token: String,
    integration: Option<String>,
    redacted: String,
}

/// Why a string is not a usable webhook URL. Messages never contain the token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL at all.
    #[error(
        "expected an absolute URL such as {DEFAULT_BASE}/moment/TOKEN, found text that is not a URL ({0})"
    )]
    Malformed(url::ParseError),
    /// A scheme other than http or https.
    #[error("expected an https URL, found the scheme {0:?}")]
    Scheme(String),
    /// Plain http to a host that is not loopback, without the explicit opt-in.
    #[error(
        "refusing plain http to {0}: the URL carries a secret, so use https, \
         or opt in explicitly for a trusted network (WebhookUrl::parse_allowing_http, \
         ClientBuilder::allow_http)"
    )]
    InsecureHttp(String),
    /// User name or password in the URL.
    #[error("expected no user name or password in the webhook URL")]
    Credentials,
    /// A query string or fragment.
    #[error("expected no query string or fragment in the webhook URL")]
    QueryOrFragment,
    /// The path does not end in `/moment/{token}` or `/moment/{token}/{integration}`.
    #[error("expected a path ending in /moment/TOKEN or /moment/TOKEN/INTEGRATION, found {0}")]
    Path(String),
    /// The token segment breaks the token syntax or is too long.
    #[error(
        "expected the token to be one path segment of 1 to {MAX_TOKEN_CHARS} letters, digits, '_' and '-', found {0}"
    )]
    Token(String),
    /// The integration segment is not a slug.
    #[error("expected the integration to be a slug of a-z, 0-9 and '-', found {0}")]
    Integration(String),
    /// A `/` after the token (or the integration): Hotpot's URL ends with them, and the
    /// server does not know `/moment/TOKEN/`.
    #[error(
        "expected the URL to end with the token (or the integration), found a trailing '/' \
         after it: remove the last '/' of the webhook URL"
    )]
    TrailingSlash,
}

impl WebhookUrl {
    /// Parses and checks a webhook URL (https, or http to a loopback host).
    ///
    /// ```
    /// use hotpot_protocol::WebhookUrl;
    /// let url = WebhookUrl::parse("http://127.0.0.1:8080/moment/local-token")?;
    /// assert!(url.is_loopback());
    /// # Ok::<(), hotpot_protocol::UrlError>(())
    /// ```
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        Self::parse_inner(url, false)
    }

    /// Like [`parse`](Self::parse), but also accepts plain `http://` to any host: the token
    /// then crosses the network in clear text. Only for trusted networks.
    ///
    /// ```
    /// use hotpot_protocol::WebhookUrl;
    /// let url = WebhookUrl::parse_allowing_http("http://hotpot-mock.internal:8080/moment/tok3n")?;
    /// assert!(!url.is_loopback());
    /// # Ok::<(), hotpot_protocol::UrlError>(())
    /// ```
    pub fn parse_allowing_http(url: &str) -> Result<Self, UrlError> {
        Self::parse_inner(url, true)
    }

    /// Builds the URL from its parts: a base such as [`DEFAULT_BASE`], a token and an optional
    /// integration, with the same checks as [`parse`](Self::parse).
    ///
    /// ```
    /// use hotpot_protocol::{WebhookUrl, DEFAULT_BASE};
    /// let url = WebhookUrl::from_parts(DEFAULT_BASE, "845b1e3c9d0f", Some("pagerduty"))?;
    /// assert_eq!(url.to_string(), "https://api.hotpot.works/moment/845b…/pagerduty");
    /// # Ok::<(), hotpot_protocol::UrlError>(())
    /// ```
    pub fn from_parts(
        base: &str,
        token: &str,
        integration: Option<&str>,
    ) -> Result<Self, UrlError> {
        check_token(token)?;
        let mut text = format!("{}/moment/{token}", base.trim_end_matches('/'));
        if let Some(integration) = integration {
            text.push('/');
            text.push_str(integration);
        }
        Self::parse(&text)
    }

    fn parse_inner(text: &str, allow_http: bool) -> Result<Self, UrlError> {
        // Parse errors of the url crate never repeat the input, so they cannot leak the token.
        let url = Url::parse(text.trim()).map_err(UrlError::Malformed)?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http || is_loopback(&url) => {}
            "http" => {
                return Err(UrlError::InsecureHttp(
                    url.host_str().unwrap_or_default().to_owned(),
                ));
            }
            other => return Err(UrlError::Scheme(other.to_owned())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(UrlError::QueryOrFragment);
        }

        let mut segments: Vec<&str> = url.path_segments().into_iter().flatten().collect();
        // A trailing slash is refused once the rest is known to be a webhook URL, so that a
        // URL with other problems is told about those first.
        let trailing_slash = segments.last() == Some(&"");
        if trailing_slash {
            segments.pop();
        }
        let moment_at = match segments.as_slice() {
            [.., "moment", _] => segments.len() - 2,
            [.., "moment", _, _] => segments.len() - 3,
            _ => return Err(UrlError::Path(describe_path(&segments))),
        };
        let token = segments[moment_at + 1];
        check_token(token)?;
        let integration = match segments.get(moment_at + 2) {
            Some(slug) => {
                check_integration(slug)?;
                Some((*slug).to_owned())
            }
            None => None,
        };
        if trailing_slash {
            return Err(UrlError::TrailingSlash);
        }

        let mut base = url.clone();
        let prefix: String = segments[..moment_at]
            .iter()
            .map(|s| format!("/{s}"))
            .collect::<String>()
            + "/";
        base.set_path(&prefix);
        let redacted = format!(
            "{base}moment/{}{}",
            redact_token(token),
            integration
                .as_deref()
                .map(|i| format!("/{i}"))
                .unwrap_or_default()
        );
        let token = token.to_owned();
        Ok(WebhookUrl {
            url,
            base,
            token,
            integration,
            redacted,
        })
    }

    /// The full URL, token included. The secret: hand it only to what must send to it.
    ///
    /// ```
    /// use hotpot_protocol::WebhookUrl;
    /// let url = WebhookUrl::parse("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// assert_eq!(url.expose_secret(), "https://api.hotpot.works/moment/845b1e3c9d0f");
    /// # Ok::<(), hotpot_protocol::UrlError>(())
    /// ```
    pub fn expose_secret(&self) -> &str {
        self.url.as_str()
    }

    /// The token's first characters followed by `…` (see [`redact_token`]).
    ///
    /// ```
    /// use hotpot_protocol::WebhookUrl;
    /// let url = WebhookUrl::parse("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// assert_eq!(url.token_hint(), "845b…");
    /// # Ok::<(), hotpot_protocol::UrlError>(())
    /// ```
    pub fn token_hint(&self) -> String {
        redact_token(&self.token)
    }

    /// The integration slug, for `{base}/moment/{token}/{integration}` URLs.
    pub fn integration(&self) -> Option<&str> {
        self.integration.as_deref()
    }

    /// The base: everything before `moment/`, ending in `/` (no secret in it).
    ///
    /// ```
    /// use hotpot_protocol::WebhookUrl;
    /// let url = WebhookUrl::parse("https://example.com/hotpot/moment/845b1e3c9d0f")?;
    /// assert_eq!(url.base().as_str(), "https://example.com/hotpot/");
    /// # Ok::<(), hotpot_protocol::UrlError>(())
    /// ```
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Whether the host is loopback (`localhost`, `127.0.0.0/8` or `::1`).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.url)
    }

    /// The full URL, secret included, for the HTTP request: the one place the secret goes out.
    pub fn expose_url(&self) -> &Url {
        &self.url
    }

    /// `{base}/request/{request_id}/status` (spec §4).
    pub fn status_url(&self, request_id: &str) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["request", request_id, "status"]);
        }
        url
    }

    /// The token's length in bytes (it is ASCII): how much of a cut text could be a piece
    /// of it.
    pub(crate) fn secret_len(&self) -> usize {
        self.token.len()
    }

    /// `text` with every occurrence of this URL's token replaced by its hint: for messages
    /// of other libraries that may repeat the URL.
    ///
    /// ```
    /// use hotpot_protocol::WebhookUrl;
    /// let url = WebhookUrl::parse("https://api.hotpot.works/moment/845b1e3c9d0f")?;
    /// let message = "error sending request for https://api.hotpot.works/moment/845b1e3c9d0f";
    /// assert_eq!(url.redact(message), "error sending request for https://api.hotpot.works/moment/845b…");
    /// # Ok::<(), hotpot_protocol::UrlError>(())
    /// ```
    pub fn redact(&self, text: &str) -> String {
        redact_secret_in(text, &self.token)
    }
}

/// A token as it may be printed: its first 4 characters and `…` (fewer characters for tokens
/// shorter than 8, so that at most half of a token is ever shown).
///
/// ```
/// assert_eq!(hotpot_protocol::redact_token("845b1e3c9d0f"), "845b…");
/// assert_eq!(hotpot_protocol::redact_token("abcd"), "ab…");
/// ```
pub fn redact_token(token: &str) -> String {
    let shown = (token.chars().count() / 2).min(4);
    let mut out: String = token.chars().take(shown).collect();
    out.push('…');
    out
}

/// Replaces every occurrence of `secret` in `text` by [`redact_token`] of it.
///
/// ```
/// let text = "POST /moment/845b1e3c9d0f failed";
/// assert_eq!(hotpot_protocol::redact_secret_in(text, "845b1e3c9d0f"), "POST /moment/845b… failed");
/// ```
pub fn redact_secret_in(text: &str, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        return text.to_owned();
    }
    text.replace(secret, &redact_token(secret))
}

/// Checks a token (spec §2): 1 to [`MAX_TOKEN_CHARS`] characters of `A-Z`, `a-z`,
/// `0-9`, `_` and `-`. The error names the offending character and where it is, and shows
/// at most the token's hint, never the token.
///
/// ```
/// use hotpot_protocol::check_token;
/// assert!(check_token("845b1e3c9d0f").is_ok());
/// let err = check_token("845b1e3c/9d0f").unwrap_err();
/// assert!(err.to_string().ends_with("found '/' at byte 8 of the token 845b…"));
/// assert!(check_token(&"a".repeat(201)).is_err());
/// ```
pub fn check_token(token: &str) -> Result<(), UrlError> {
    if token.is_empty() {
        return Err(UrlError::Token("an empty segment".to_owned()));
    }
    if let Some((i, c)) = token
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        // Name the offending character, never the token around it.
        return Err(UrlError::Token(format!(
            "{c:?} at byte {i} of the token {}",
            redact_token(token)
        )));
    }
    if token.len() > MAX_TOKEN_CHARS {
        return Err(UrlError::Token(format!(
            "{} characters ({})",
            token.len(),
            redact_token(token)
        )));
    }
    Ok(())
}

/// Checks an integration slug (spec §2): `[a-z0-9-]+`, as in `datadog` or `pagerduty`.
/// The segment may be a misplaced token, so the error shows it whole only when it is a plain
/// word (`data_dog`), else its hint, and names the offending character only when it cannot be
/// part of a token (else just its kind).
///
/// ```
/// use hotpot_protocol::check_integration;
/// assert!(check_integration("pagerduty").is_ok());
/// let err = check_integration("PagerDuty").unwrap_err();
/// assert!(err.to_string().ends_with("found an upper-case letter at byte 0 of Page…"));
/// ```
pub fn check_integration(slug: &str) -> Result<(), UrlError> {
    if slug.is_empty() {
        return Err(UrlError::Integration("an empty segment".to_owned()));
    }
    if let Some((i, c)) = slug
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let found = match c {
            'A'..='Z' => "an upper-case letter".to_owned(),
            '_' => "an underscore".to_owned(),
            other => format!("{other:?}"),
        };
        return Err(UrlError::Integration(format!(
            "{found} at byte {i} of {}",
            shown_segment(slug)
        )));
    }
    Ok(())
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// A path named in an error without its secret: the token is redacted, and the rest is shown.
/// The token is the segment after `moment`; without one, or beside it, any segment that is not
/// a plain word ([`is_plain_word`]) may be a misplaced token and is redacted too. So
/// `https://example.com/hooks/abc` is shown as `"/hooks/abc"`, and
/// `https://api.hotpot.works/moments/845b1e3c9d0f` as `"/moments/845b…"`.
fn describe_path(segments: &[&str]) -> String {
    let shown: Vec<String> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let after_moment = i > 0 && segments[i - 1] == "moment";
            if after_moment && !s.is_empty() {
                redact_token(s)
            } else {
                shown_segment(s)
            }
        })
        .collect();
    format!("\"/{}\"", shown.join("/"))
}

/// A path segment as an error may show it: whole when it is a plain word, else its hint.
fn shown_segment(segment: &str) -> String {
    if segment.is_empty() || is_plain_word(segment) {
        segment.to_owned()
    } else {
        redact_token(segment)
    }
}

/// The segments no webhook token looks like, shown whole in errors: lower-case words of at
/// most 24 letters, joined by single `-` or `_` (`hooks`, `api`, `moments`, `web-hooks`), and
/// API versions (`v1`, `v12`). A segment with a digit elsewhere, a capital, or more length may
/// be a token (the mock's are 32 hex digits) and is redacted.
fn is_plain_word(segment: &str) -> bool {
    const MAX_WORD_CHARS: usize = 24;
    let version = segment.len() <= 3
        && segment.starts_with('v')
        && segment.len() > 1
        && segment[1..].bytes().all(|b| b.is_ascii_digit());
    let word = segment.len() <= MAX_WORD_CHARS
        && segment
            .split(['-', '_'])
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()));
    version || word
}

impl FromStr for WebhookUrl {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WebhookUrl::parse(s)
    }
}

impl TryFrom<&str> for WebhookUrl {
    type Error = UrlError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        WebhookUrl::parse(s)
    }
}

impl TryFrom<String> for WebhookUrl {
    type Error = UrlError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        WebhookUrl::parse(&s)
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WebhookUrl").field(&self.redacted).finish()
    }
}
