//! The public records: [`Event`], [`RecordedMoment`], [`Webhook`] and the inputs that create
//! or change a webhook ([`NewWebhook`], [`WebhookPatch`]).
//!
//! Each record serialises to exactly the JSON shape of spec §7, which is also what the
//! admin API answers, so the Python wrapper can hand the same data to its users as dicts.

use std::fmt;

use chrono::{DateTime, Utc};
use hotpot_protocol::moment::rules::format_time;
use hotpot_protocol::{MomentType, Priority, Problem, redact_token};
use serde::{Deserialize, Serialize, Serializer};

/// Whether a recorded request created a moment.
///
/// ```
/// use hotpot_mock_server::EventStatus;
/// assert_eq!(serde_json::to_string(&EventStatus::Error).unwrap(), "\"error\"");
/// assert_eq!("success".parse::<EventStatus>().unwrap(), EventStatus::Success);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    /// The payload passed every §1 rule and a moment was created.
    Success,
    /// The request or its payload was rejected; the event's `errors` say why.
    Error,
}

impl EventStatus {
    /// `success` or `error`.
    ///
    /// ```
    /// assert_eq!(hotpot_mock_server::EventStatus::Success.as_str(), "success");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            EventStatus::Success => "success",
            EventStatus::Error => "error",
        }
    }
}

impl std::str::FromStr for EventStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "success" => Ok(EventStatus::Success),
            "error" => Ok(EventStatus::Error),
            other => Err(Error::bad(format!(
                "status: expected success or error, found {other:?}"
            ))),
        }
    }
}

use crate::{Error, Fault};

/// One request to a live webhook, as the Events view shows it (spec §7).
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use hotpot_mock_server::{EventStatus, MockServer};
///
/// let server = MockServer::start().await?;
/// // ... send {"name": "A thing happened"} to server.webhook_url() ...
/// let events = server.wait_for_events(1, Duration::from_secs(5)).await?;
/// if events[0].status == EventStatus::Error {
///     println!("{}: {}", events[0].errors[0].field, events[0].errors[0].message);
/// }
/// println!("{}", serde_json::to_string(&events[0])?); // the §7 JSON
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The event's id (a decimal number, increasing, never reused by one server).
    pub id: String,
    /// The `hotpot_request_id` of the request, when the payload was processed (202 or strict
    /// 422); `null` for requests rejected before that (400, 413, 415, 429).
    pub request_id: Option<String>,
    /// The webhook's label when the request arrived.
    pub webhook_label: String,
    /// The token's first characters and `…` (never the token).
    pub token_hint: String,
    /// The integration of `/moment/{token}/{integration}`, if the request used that route.
    pub integration: Option<String>,
    /// When the request arrived, by the server's clock.
    #[serde(serialize_with = "ser_time")]
    pub received_at: DateTime<Utc>,
    /// `success` (a moment was created) or `error`.
    pub status: EventStatus,
    /// Every problem, empty on success.
    pub errors: Vec<Problem>,
    /// Unknown fields, ignored (`occured_at` → did you mean `occurred_at`?), and fields given
    /// more than once (the last value is used).
    pub warnings: Vec<Problem>,
    /// The JSON body, or `null` when the body was not JSON.
    pub payload: Option<serde_json::Value>,
    /// The body as text (lossy UTF-8, cut at 64 KiB) when it was not JSON; else `null`.
    pub raw_body: Option<String>,
    /// The moment created from this event, on success.
    pub moment_id: Option<String>,
    /// The request's `User-Agent`, `Idempotency-Key` and `Content-Type` (each cut at 1 KiB).
    #[serde(default)]
    pub headers: RequestHeaders,
    /// The client's IP address, without the port (`null` when unknown).
    #[serde(default)]
    pub client_addr: Option<String>,
}

/// A moment the server created (spec §7), with its defaults filled in: `priority` is
/// `medium` and `occurred_at` the receipt time when the payload left them out.
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use hotpot_protocol::MomentType;
/// use hotpot_mock_server::MockServer;
///
/// let server = MockServer::start().await?;
/// // ... send a moment to server.webhook_url() ...
/// let moments = server.wait_for_moments(1, Duration::from_secs(5)).await?;
/// assert_eq!(moments[0].moment_type, MomentType::Alert);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordedMoment {
    /// The moment's id (a UUID; `message_id` in the request status).
    pub id: String,
    /// The request that created it.
    pub request_id: String,
    /// The name.
    pub name: String,
    /// The type, lower case on the wire.
    #[serde(rename = "type")]
    pub moment_type: MomentType,
    /// The priority (`medium` when the payload had none).
    pub priority: Priority,
    /// The source, if any.
    pub source: Option<String>,
    /// The source URL, if any.
    pub source_url: Option<String>,
    /// The Markdown description, if any.
    pub description: Option<String>,
    /// When it happened (the receipt time when the payload had none), RFC 3339 UTC.
    #[serde(serialize_with = "ser_time")]
    pub occurred_at: DateTime<Utc>,
    /// When the server created it, by its clock.
    #[serde(serialize_with = "ser_time")]
    pub created_at: DateTime<Utc>,
    /// The label of the webhook it came through.
    pub webhook_label: String,
    /// The integration of `/moment/{token}/{integration}`, if any.
    pub integration: Option<String>,
}

/// A webhook the server accepts moments on (spec §6).
///
/// Its `Debug` redacts the token and the URL; serialising it (the admin API's answer) does not,
/// since handing the token to the test is its purpose.
///
/// ```
/// # async fn demo() -> Result<(), hotpot_mock_server::Error> {
/// use hotpot_mock_server::{MockServer, NewWebhook};
///
/// let server = MockServer::start().await?;
/// server.create_webhook(NewWebhook::new("alerts").kind("datadog"))?;
/// let hook = &server.webhooks()[1];
/// assert_eq!(hook.kind, "datadog");
/// assert!(hook.url.ends_with(&hook.token));
/// assert!(!format!("{hook:?}").contains(&hook.token));
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// The secret token.
    pub token: String,
    /// The full webhook URL on this server (a secret, like the token).
    pub url: String,
    /// The webhook's name.
    pub label: String,
    /// Where it comes from: `custom`, `datadog`, `linear`, `pagerduty`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// When it stops working (answered 410 from then on), if ever.
    #[serde(serialize_with = "ser_opt_time")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was created, by the server's clock.
    #[serde(serialize_with = "ser_time")]
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("token", &redact_token(&self.token))
            .field("label", &self.label)
            .field("kind", &self.kind)
            .field("expires_at", &self.expires_at)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// What `POST /_mock/webhooks` takes: a label, and optionally a type, an expiry and a token.
///
/// ```
/// use chrono::{Duration, Utc};
/// use hotpot_mock_server::NewWebhook;
///
/// let new = NewWebhook::new("pagerduty")
///     .kind("pagerduty")
///     .expires_at(Utc::now() + Duration::hours(1))
///     .token("my-test-token");
/// assert_eq!(new.label, "pagerduty");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a NewWebhook does nothing until it is passed to create_webhook"]
pub struct NewWebhook {
    /// The name (1 to 200 characters).
    pub label: String,
    /// The type; `custom` when `None`.
    pub kind: Option<String>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// The token; a random one when `None`.
    pub token: Option<String>,
}

impl NewWebhook {
    /// A webhook labelled `label`, of type `custom`, that never expires, with a random token.
    ///
    /// ```
    /// assert_eq!(hotpot_mock_server::NewWebhook::new("ci").kind, None);
    /// ```
    pub fn new(label: impl Into<String>) -> Self {
        NewWebhook {
            label: label.into(),
            ..NewWebhook::default()
        }
    }

    /// Sets the type (`custom`, `datadog`, `linear`, `pagerduty`, ...: a slug of `a-z0-9-`).
    ///
    /// ```
    /// let new = hotpot_mock_server::NewWebhook::new("dd").kind("datadog");
    /// assert_eq!(new.kind.as_deref(), Some("datadog"));
    /// ```
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// Sets the expiry: from that time on (by the server's clock) the webhook answers 410.
    ///
    /// ```
    /// use chrono::Utc;
    /// let new = hotpot_mock_server::NewWebhook::new("old").expires_at(Utc::now());
    /// assert!(new.expires_at.is_some());
    /// ```
    pub fn expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// Sets the token (`[A-Za-z0-9_-]`, 1 to 200 characters) instead of a random one.
    ///
    /// ```
    /// let new = hotpot_mock_server::NewWebhook::new("x").token("abc123");
    /// assert_eq!(new.token.as_deref(), Some("abc123"));
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("label", &self.label)
            .field("kind", &self.kind)
            .field("expires_at", &self.expires_at)
            .field("token", &self.token.as_deref().map(redact_token))
            .finish()
    }
}

/// What `PATCH /_mock/webhooks/{token}` takes: a new label and/or a new expiry.
///
/// ```
/// use chrono::{Duration, Utc};
/// use hotpot_mock_server::WebhookPatch;
///
/// // Rotation: the old webhook keeps working for ten more minutes.
/// let patch = WebhookPatch::default().expires_at(Some(Utc::now() + Duration::minutes(10)));
/// assert!(patch.label.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a WebhookPatch does nothing until it is passed to update_webhook"]
pub struct WebhookPatch {
    /// The new label, if it changes.
    pub label: Option<String>,
    /// The new expiry, if it changes: `Some(None)` removes it.
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

impl WebhookPatch {
    /// Changes the label.
    ///
    /// ```
    /// let patch = hotpot_mock_server::WebhookPatch::default().label("renamed");
    /// assert_eq!(patch.label.as_deref(), Some("renamed"));
    /// ```
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Changes the expiry; `None` makes the webhook never expire.
    ///
    /// ```
    /// let patch = hotpot_mock_server::WebhookPatch::default().expires_at(None);
    /// assert_eq!(patch.expires_at, Some(None));
    /// ```
    pub fn expires_at(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.expires_at = Some(at);
        self
    }
}

/// One request that reached an ingest route (`POST /moment/...`), as the request journal
/// (`GET /_mock/requests`) keeps it: faulted, replayed and refused requests included, so a test
/// can count its client's attempts and read the headers it sent.
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use hotpot_client::{Client, Moment, MomentType};
/// use hotpot_mock_server::{Fault, MockServer};
///
/// let server = MockServer::start().await?;
/// server.fail_next(Fault::status(503))?;
/// let client = Client::new(server.webhook_url().as_str())?;
/// client.send(&Moment::builder("Disk full", MomentType::Alert).build()?).await?;
///
/// let requests = server.requests();
/// assert_eq!(requests.len(), 2); // the 503, then the retry
/// assert_eq!(requests[0].status, Some(503));
/// assert_eq!(requests[0].fault.as_ref().and_then(|f| f.status), Some(503));
/// assert_eq!(requests[1].status, Some(202));
/// assert_eq!(requests[0].headers.idempotency_key, requests[1].headers.idempotency_key);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The request's number in the journal (a decimal string, increasing, never reused).
    pub id: String,
    /// When it arrived, by the server's clock.
    #[serde(serialize_with = "ser_time")]
    pub received_at: DateTime<Utc>,
    /// The HTTP method (`POST`: the ingest routes take no other).
    pub method: String,
    /// The path with the token redacted (`/moment/845b…/datadog`).
    pub path_hint: String,
    /// The headers a test asks about.
    pub headers: RequestHeaders,
    /// The status it was answered with; `None` when a fault closed the connection instead.
    pub status: Option<u16>,
    /// The queued fault that hit it, if any (its `status`, `retry_after`, `delay`,
    /// `drop_connection`).
    #[serde(serialize_with = "ser_fault")]
    pub fault: Option<Fault>,
    /// Answered with the first answer of its `Idempotency-Key` (`Idempotent-Replayed: true`).
    pub replayed: bool,
    /// The event it made, or, when replayed, the event whose answer it got; `None` for
    /// requests that made no event (an unknown or expired webhook, a fault's status or hang-up).
    pub event_id: Option<String>,
}

/// The headers of a [`RecordedRequest`] or an [`Event`], each as text (cut at 1 KiB) or `None`
/// when absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestHeaders {
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// `Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
}

fn ser_fault<S: Serializer>(fault: &Option<Fault>, s: S) -> Result<S::Ok, S::Error> {
    match fault {
        Some(fault) => fault.answer_json().serialize(s),
        None => s.serialize_none(),
    }
}

pub(crate) fn ser_time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(*t))
}

pub(crate) fn ser_opt_time<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_time(*t)),
        None => s.serialize_none(),
    }
}
