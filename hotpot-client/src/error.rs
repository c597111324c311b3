//! [`Error`]: everything that can go wrong when building a client or sending a moment.

use std::time::Duration;

use hotpot_protocol::{UrlError, ValidationError, is_retryable_status};

/// Why a moment was not accepted, or a client not built.
///
/// Tell the kinds apart by matching, or with the predicates ([`is_retryable`](Error::is_retryable),
/// [`is_timeout`](Error::is_timeout), ...).
///
/// Each cause is said once, in the message or in the [`source`](std::error::Error::source)
/// chain, never in both, so a chain printer (`anyhow`'s `{:#}`, `tracing`'s error fields) prints
/// nothing twice and the plain message (`{}`) still says what went wrong:
/// [`InvalidUrl`](Error::InvalidUrl) and [`Transport`](Error::Transport) put theirs in the
/// message (the error they carry is there to match on, not in the chain);
/// [`Timeout`](Error::Timeout) puts the HTTP stack's error in the chain. No message, `Debug` output or source error
/// contains the webhook token: errors of the HTTP stack are stripped of their URL and answer
/// bodies are redacted and cut to 512 characters.
///
/// ```
/// use hotpot_client::{Error, Moment, MomentType};
///
/// let err: Error = Moment::builder("", MomentType::Alert).build().unwrap_err().into();
/// assert!(err.is_validation());
/// assert!(!err.is_retryable());
/// match err {
///     Error::Validation(v) => assert_eq!(v.problems()[0].field, "name"),
///     other => panic!("unexpected {other}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The moment breaks a rule of spec §1; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),

    /// The webhook URL is not usable (spec §2); nothing was sent. The message says why (the
    /// [`UrlError`]'s message), so the `UrlError` is not also its `source()`.
    #[error("invalid webhook URL: {0}")]
    InvalidUrl(UrlError),

    /// The client could not be configured: a bad header value, CA certificate, proxy, or a
    /// missing environment variable.
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// Hotpot refused the payload: 400, 413, 415, 422 or another 4xx that is not about the
    /// webhook. Retrying the same payload gives the same answer.
    #[error("payload rejected (HTTP {status}){}", colon(body))]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The answer's body, redacted and cut to 512 characters.
        body: String,
    },

    /// The webhook is unknown or revoked (401, 403, 404) or expired (410).
    #[error("{} (HTTP {status}){}", webhook_problem(*status), colon(body))]
    Webhook {
        /// The HTTP status.
        status: u16,
        /// The answer's body, redacted and cut to 512 characters.
        body: String,
    },

    /// Rate limited (429) on every attempt, or told to wait longer than the client's maximum.
    #[error(
        "rate limited (HTTP 429){}{}",
        retry_after_note(retry_after),
        colon(body)
    )]
    RateLimited {
        /// How long the server asked to wait before the next request, if it said.
        retry_after: Option<Duration>,
        /// The answer's body, redacted and cut to 512 characters.
        body: String,
    },

    /// Hotpot had trouble: a 5xx answer or 408 (on the last attempt, for the retryable ones).
    #[error("server error (HTTP {status}){}", colon(body))]
    Server {
        /// The HTTP status.
        status: u16,
        /// The answer's body, redacted and cut to 512 characters.
        body: String,
    },

    /// No answer in time: the request timeout, or the retry policy's overall deadline.
    #[error("timed out after {:.1?}", elapsed)]
    Timeout {
        /// Time spent on the send, all attempts included.
        elapsed: Duration,
        /// The HTTP stack's error (its URL removed), when it was the one to time out.
        #[source]
        source: Option<TransportError>,
    },

    /// The request did not get an answer: connect, DNS, TLS or reset errors. The message ends
    /// with the deepest cause ("invalid peer certificate: UnknownIssuer", "Connection refused"),
    /// so it has no `source()`: match the variant to walk the HTTP stack's own chain
    /// (`Error::Transport(e) => e.source()`, down to the `std::io::Error`).
    #[error("transport error: {}", with_root_cause(.0))]
    Transport(TransportError),

    /// A method of [`blocking::Client`](crate::blocking::Client) was called from async code, on
    /// a thread that runs a tokio runtime's tasks (a task, or the body of `#[tokio::main]` or
    /// `#[tokio::test]`), where waiting would stall the runtime; nothing was sent. `.await` the
    /// async [`Client`](crate::Client) there, or call the blocking one inside
    /// `tokio::task::spawn_blocking`, where it works.
    #[error(
        "the blocking client (hotpot_client::blocking::Client) was called from async code, on a \
         thread that runs a tokio runtime's tasks, where waiting would stall the runtime: .await \
         the async hotpot_client::Client instead, or call the blocking one inside \
         tokio::task::spawn_blocking"
    )]
    BlockingInAsync,

    /// The API refused the API key (401/403: the request-status endpoint of §4, the page and
    /// acknowledgement routes of §14), or none is configured.
    #[error("unauthorized: {0}")]
    Unauthorized(String),

    /// A page was accepted, then its status became `error` (spec §14: a field problem, or a
    /// recipient Hotpot does not know), so nobody will acknowledge it.
    #[error("page {request_id} failed{}", problems(errors))]
    PageFailed {
        /// The page's request id.
        request_id: String,
        /// The problems the status lists.
        errors: Vec<hotpot_protocol::Problem>,
    },

    /// The request-status endpoint (§4) does not know this request id.
    #[error("unknown request id {0:?}")]
    UnknownRequest(String),

    /// An answer with a status the specification gives no meaning (a redirect, a 1xx), not retried.
    #[error("unexpected answer (HTTP {status}){}", colon(body))]
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
        /// The answer's body, redacted and cut to 512 characters.
        body: String,
    },
}

impl From<UrlError> for Error {
    fn from(error: UrlError) -> Self {
        Error::InvalidUrl(error)
    }
}

impl Error {
    /// Whether trying again later could succeed: rate limits, server trouble (408, 500, 502,
    /// 503, 504), timeouts and transport errors (spec §5).
    ///
    /// ```
    /// use hotpot_client::Error;
    /// let err = Error::Server { status: 503, body: String::new() };
    /// assert!(err.is_retryable());
    /// let err = Error::Server { status: 501, body: String::new() };
    /// assert!(!err.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport(_) => true,
            Error::Server { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }

    /// Whether no answer came in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the moment broke a §1 rule before anything was sent.
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Validation(_))
    }

    /// Whether Hotpot refused the payload (400, 413, 415, 422, ...).
    pub fn is_rejected(&self) -> bool {
        matches!(self, Error::Rejected { .. })
    }

    /// Whether the webhook is unknown, revoked or expired.
    pub fn is_webhook(&self) -> bool {
        matches!(self, Error::Webhook { .. })
    }

    /// Whether the webhook has expired (410): time to rotate.
    pub fn is_expired(&self) -> bool {
        matches!(self, Error::Webhook { status: 410, .. })
    }

    /// Whether the answer was 429.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. })
    }

    /// Whether the server answered with a 5xx or 408.
    pub fn is_server(&self) -> bool {
        matches!(self, Error::Server { .. })
    }

    /// Whether no answer came at all (connect, DNS, TLS, reset).
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_))
    }

    /// Whether a blocking client was called from async code ([`Error::BlockingInAsync`]).
    pub fn is_blocking_in_async(&self) -> bool {
        matches!(self, Error::BlockingInAsync)
    }

    /// Whether the API key was refused (401, 403) or none is configured.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Unauthorized(_))
    }

    /// Whether a page's status became `error` ([`Error::PageFailed`]).
    pub fn is_page_failed(&self) -> bool {
        matches!(self, Error::PageFailed { .. })
    }

    /// Whether the URL or the client's configuration is unusable.
    pub fn is_config(&self) -> bool {
        matches!(self, Error::InvalidUrl(_) | Error::Config(_))
    }

    /// The HTTP status of the answer, where there was one.
    ///
    /// ```
    /// use hotpot_client::Error;
    /// assert_eq!(Error::Webhook { status: 410, body: String::new() }.status(), Some(410));
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Rejected { status, .. }
            | Error::Webhook { status, .. }
            | Error::Server { status, .. }
            | Error::UnexpectedStatus { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The wait the server asked for with `Retry-After`, for rate limits.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The answer's body (redacted, at most 512 characters), where there was one.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Rejected { body, .. }
            | Error::Webhook { body, .. }
            | Error::RateLimited { body, .. }
            | Error::Server { body, .. }
            | Error::UnexpectedStatus { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// The HTTP stack's error behind [`Error::Transport`] and [`Error::Timeout`], its URL (and
/// so the token) removed.
///
/// Opaque, so that the HTTP stack can change without changing this crate's API: read it through
/// its message and its [`source`](std::error::Error::source) chain (the I/O or TLS error that
/// says what went wrong).
pub struct TransportError(reqwest::Error);

impl TransportError {
    /// Wraps reqwest's error, stripping its URL (which holds the token).
    pub(crate) fn new(error: reqwest::Error) -> Self {
        TransportError(error.without_url())
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Debug for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// The HTTP stack's message ("error sending request") followed by the deepest cause of the
/// chain, which is the one that says what went wrong.
pub(crate) fn with_root_cause(error: &TransportError) -> String {
    let mut text = error.to_string();
    let mut root = None;
    let mut source = std::error::Error::source(&error.0);
    while let Some(cause) = source {
        root = Some(cause);
        source = cause.source();
    }
    if let Some(root) = root.map(ToString::to_string)
        && !text.contains(&root)
    {
        text.push_str(": ");
        text.push_str(&root);
    }
    text
}

fn colon(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

fn problems(errors: &[hotpot_protocol::Problem]) -> String {
    let mut text = String::new();
    for (i, p) in errors.iter().enumerate() {
        text.push_str(if i == 0 { ": " } else { "; " });
        text.push_str(&p.to_string());
    }
    text
}

fn webhook_problem(status: u16) -> &'static str {
    match status {
        410 => "webhook expired",
        404 => "webhook unknown",
        _ => "webhook refused",
    }
}

fn retry_after_note(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry after {}s", d.as_secs_f64()),
        None => String::new(),
    }
}
