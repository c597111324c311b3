//! [`Fault`]: a failure queued for the next ingest requests (`POST /_mock/faults`).

use std::fmt;
use std::time::Duration;

use axum::http::StatusCode;
use hotpot_protocol::redact_token;

use crate::Error;

/// Longest delay a fault may add (10 minutes).
pub const MAX_FAULT_DELAY: Duration = Duration::from_secs(600);

/// Most requests one fault may hit.
pub const MAX_FAULT_COUNT: u32 = 1_000_000;

/// A failure for the next `count` ingest requests: answer with `status` (and `Retry-After`),
/// answer late (`delay`), or close the connection without answering (`drop_connection`).
///
/// With a `token` it hits only that webhook's requests, so parallel tests do not disturb each
/// other. Without `status` and `drop_connection`, a `delay` only slows the answer down: the
/// request is processed (and recorded) at once, and its answer leaves `delay` later — so a
/// client that times out and retries with the same `Idempotency-Key` gets the replay.
///
/// ```
/// use std::time::Duration;
/// use hotpot_mock_server::Fault;
///
/// let twice_unavailable = Fault::status(503).times(2);
/// let rate_limited = Fault::status(429).retry_after(Duration::from_secs(1));
/// let slow = Fault::delay(Duration::from_millis(200));
/// let hang_up = Fault::drop_connection().for_token("my-token");
/// assert_eq!(twice_unavailable.count, 2);
/// assert!(hang_up.drop_connection);
/// # let _ = (rate_limited, slow);
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a Fault does nothing until it is passed to fail_next"]
pub struct Fault {
    /// Only requests to this webhook are hit; any webhook (and unknown tokens) when `None`.
    pub token: Option<String>,
    /// The status to answer with (200 to 599); the body is `{"error": "<reason phrase>"}`.
    pub status: Option<u16>,
    /// How many requests it hits (at least 1).
    pub count: u32,
    /// `Retry-After` to send with `status`, in whole seconds.
    pub retry_after: Option<Duration>,
    /// How long to wait before answering (or processing, without `status`).
    pub delay: Option<Duration>,
    /// Close the TCP connection without answering.
    pub drop_connection: bool,
    /// Only requests of this kind are hit (moments or pages); both when `None`. A fault for
    /// pages takes no `token`.
    pub route: Option<FaultRoute>,
}

/// Which ingest requests a [`Fault`] hits (spec §14): `"route": "moments"` or `"pages"`.
///
/// ```
/// use hotpot_mock_server::{Fault, FaultRoute};
/// let f = Fault::status(503).on_route(FaultRoute::Pages);
/// assert_eq!(f.to_json()["route"], "pages");
/// assert_eq!("moments".parse::<FaultRoute>().unwrap(), FaultRoute::Moments);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultRoute {
    /// `POST /moment/{token}` (and its integration form).
    Moments,
    /// `POST /page/person` and `POST /page/team`.
    Pages,
}

impl FaultRoute {
    /// `moments` or `pages`.
    ///
    /// ```
    /// assert_eq!(hotpot_mock_server::FaultRoute::Pages.as_str(), "pages");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            FaultRoute::Moments => "moments",
            FaultRoute::Pages => "pages",
        }
    }
}

impl std::str::FromStr for FaultRoute {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "moments" => Ok(FaultRoute::Moments),
            "pages" => Ok(FaultRoute::Pages),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(Error::bad(format!(
                    "route: expected moments or pages, found {shown:?}"
                )))
            }
        }
    }
}

impl Default for Fault {
    fn default() -> Self {
        Fault {
            token: None,
            status: None,
            count: 1,
            retry_after: None,
            delay: None,
            drop_connection: false,
            route: None,
        }
    }
}

impl Fault {
    /// Answers the next request with `status` instead of processing it.
    ///
    /// ```
    /// assert_eq!(hotpot_mock_server::Fault::status(500).status, Some(500));
    /// ```
    pub fn status(status: u16) -> Self {
        Fault {
            status: Some(status),
            ..Fault::default()
        }
    }

    /// Processes (and records) the next request at once, but answers `delay` later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let f = hotpot_mock_server::Fault::delay(Duration::from_millis(50));
    /// assert_eq!(f.status, None);
    /// ```
    pub fn delay(delay: Duration) -> Self {
        Fault {
            delay: Some(delay),
            ..Fault::default()
        }
    }

    /// Closes the next request's connection without answering. Hotpot's clients resend such a
    /// request once at once without counting an attempt (spec §5): `.times(2)` fails one attempt.
    ///
    /// ```
    /// assert!(hotpot_mock_server::Fault::drop_connection().drop_connection);
    /// ```
    pub fn drop_connection() -> Self {
        Fault {
            drop_connection: true,
            ..Fault::default()
        }
    }

    /// Hits `count` requests instead of one.
    ///
    /// ```
    /// assert_eq!(hotpot_mock_server::Fault::status(503).times(3).count, 3);
    /// ```
    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Hits only requests to the webhook with this token (or this webhook URL).
    ///
    /// ```
    /// let f = hotpot_mock_server::Fault::status(503).for_token("abc");
    /// assert_eq!(f.token.as_deref(), Some("abc"));
    /// ```
    pub fn for_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Hits only moment requests, or only page requests (a fault for pages takes no token).
    ///
    /// ```
    /// use hotpot_mock_server::{Fault, FaultRoute};
    /// let f = Fault::status(503).on_route(FaultRoute::Moments);
    /// assert_eq!(f.route, Some(FaultRoute::Moments));
    /// ```
    pub fn on_route(mut self, route: FaultRoute) -> Self {
        self.route = Some(route);
        self
    }

    /// Sends `Retry-After` (whole seconds, rounded up) with the status.
    ///
    /// ```
    /// use std::time::Duration;
    /// let f = hotpot_mock_server::Fault::status(429).retry_after(Duration::from_secs(2));
    /// assert_eq!(f.retry_after, Some(Duration::from_secs(2)));
    /// ```
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Waits `delay` before answering (or before hanging up).
    ///
    /// ```
    /// use std::time::Duration;
    /// let f = hotpot_mock_server::Fault::status(503).after(Duration::from_millis(10));
    /// assert_eq!(f.delay, Some(Duration::from_millis(10)));
    /// ```
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Checks that the fault makes sense; the message names the field.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if let Some(status) = self.status {
            if !(200..=599).contains(&status) {
                return Err(Error::bad(format!(
                    "status: expected an HTTP status from 200 to 599, found {status}"
                )));
            }
            if self.drop_connection {
                return Err(Error::bad(
                    "status: expected either status or drop_connection, found both",
                ));
            }
        } else if self.retry_after.is_some() {
            return Err(Error::bad(
                "retry_after: expected only with a status, found it without one",
            ));
        }
        if self.status.is_none() && self.delay.is_none() && !self.drop_connection {
            return Err(Error::bad(
                "expected at least one of status, delay_ms or drop_connection, found none",
            ));
        }
        if !(1..=MAX_FAULT_COUNT).contains(&self.count) {
            return Err(Error::bad(format!(
                "count: expected 1 to {MAX_FAULT_COUNT}, found {}",
                self.count
            )));
        }
        if let Some(delay) = self.delay.filter(|d| *d > MAX_FAULT_DELAY) {
            return Err(Error::bad(format!(
                "delay_ms: expected at most {} ms, found {} ms",
                MAX_FAULT_DELAY.as_millis(),
                delay.as_millis()
            )));
        }
        if self.token.is_some() && self.route == Some(FaultRoute::Pages) {
            return Err(Error::bad(
                "token: expected no token for a fault on route pages (a page names no webhook), found one",
            ));
        }
        if self.token.as_deref() == Some("") {
            return Err(Error::bad(
                "token: expected a webhook token, found an empty string",
            ));
        }
        Ok(())
    }

    /// The fault as `GET /_mock/faults` lists it: `token_hint` (the token redacted, or null for
    /// a fault on every webhook), `status`, `count` (what it has left to hit), `retry_after`
    /// (whole seconds), `delay_ms`, `drop_connection`, `route` (`moments`, `pages` or null).
    ///
    /// ```
    /// let json = hotpot_mock_server::Fault::status(503).times(2).to_json();
    /// assert_eq!((json["status"].as_u64(), json["count"].as_u64()), (Some(503), Some(2)));
    /// assert!(json["token_hint"].is_null());
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "token_hint": self.token.as_deref().map(redact_token),
            "status": self.status,
            "count": self.count,
            "retry_after": self.retry_after.map(|d| d.as_secs_f64().ceil() as u64),
            "delay_ms": self.delay.map(|d| d.as_millis() as u64),
            "drop_connection": self.drop_connection,
            "route": self.route.map(FaultRoute::as_str),
        })
    }

    /// What the fault does to a request, as the request journal shows it.
    pub(crate) fn answer_json(&self) -> serde_json::Value {
        serde_json::json!({
            "status": self.status,
            "retry_after": self.retry_after.map(|d| d.as_secs_f64().ceil() as u64),
            "delay_ms": self.delay.map(|d| d.as_millis() as u64),
            "drop_connection": self.drop_connection,
        })
    }

    /// The status as an `http` status code (validated before it gets here).
    pub(crate) fn status_code(&self) -> Option<StatusCode> {
        self.status.and_then(|s| StatusCode::from_u16(s).ok())
    }
}

impl fmt::Debug for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fault")
            .field("token", &self.token.as_deref().map(redact_token))
            .field("status", &self.status)
            .field("count", &self.count)
            .field("retry_after", &self.retry_after)
            .field("delay", &self.delay)
            .field("drop_connection", &self.drop_connection)
            .field("route", &self.route)
            .finish()
    }
}
