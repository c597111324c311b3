//! How the log keeps an event and its moment, and the one place they become the public
//! [`Event`] and [`RecordedMoment`].
//!
//! A moment is kept as the [`Moment`] that `parse_lenient` made when its event was recorded:
//! parsed once, never again. An event keeps its body as the bytes received (compact: one
//! allocation), which [`StoredEvent::to_event`] decodes into the event's `payload` value.

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotpot_protocol::{Moment, Priority, Problem};
use uuid::Uuid;

use super::journal::ContentType;
use super::webhooks::Ident;
use crate::model::{Event, EventStatus, RecordedMoment, RequestHeaders};

/// What an event keeps of its request: three headers (cut at 1 KiB) and the client's address.
#[derive(Clone, Debug, Default)]
pub(crate) struct Origin {
    pub user_agent: Option<Arc<str>>,
    pub idempotency_key: Option<Arc<str>>,
    /// `application/json` without an allocation.
    pub content_type: Option<ContentType>,
    pub client: Option<IpAddr>,
}

impl Origin {
    /// The headers as the public records show them.
    pub(crate) fn headers(&self) -> RequestHeaders {
        let text = |v: &Option<Arc<str>>| v.as_deref().map(str::to_owned);
        RequestHeaders {
            user_agent: text(&self.user_agent),
            idempotency_key: text(&self.idempotency_key),
            content_type: self.content_type.as_ref().map(|c| c.as_str().to_owned()),
        }
    }
}

/// The body as an event keeps it.
#[derive(Clone, Debug)]
pub(crate) enum StoredBody {
    None,
    /// Valid JSON text, as received.
    Json(Bytes),
    /// Text that is not JSON: lossy UTF-8, cut at 64 KiB.
    Raw(Bytes),
}

impl StoredBody {
    /// The log's own copy: a request's bytes may be a slice of a much larger read buffer.
    pub(crate) fn own_copy(self) -> StoredBody {
        match self {
            StoredBody::None => StoredBody::None,
            StoredBody::Json(b) => StoredBody::Json(Bytes::copy_from_slice(&b)),
            StoredBody::Raw(b) => StoredBody::Raw(Bytes::copy_from_slice(&b)),
        }
    }
}

/// An event as it is kept: the webhook's shared identity, the body's bytes.
#[derive(Clone, Debug)]
pub(super) struct StoredEvent {
    pub seq: u64,
    pub request_id: Option<Uuid>,
    pub hook: Arc<Ident>,
    pub integration: Option<Box<str>>,
    pub received_at: DateTime<Utc>,
    pub status: EventStatus,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub body: StoredBody,
    pub moment_id: Option<Uuid>,
    /// The request's headers and client address (boxed: most of the log's size is events).
    pub origin: Arc<Origin>,
}

/// A moment as it is kept: its ids, the parsed moment, where it came from.
#[derive(Clone, Debug)]
pub(super) struct StoredMoment {
    pub id: Uuid,
    pub request_id: Uuid,
    pub moment: Moment,
    pub created_at: DateTime<Utc>,
    pub hook: Arc<Ident>,
    pub integration: Option<Box<str>>,
}

impl StoredEvent {
    /// The public record (spec §7).
    pub(super) fn to_event(&self) -> Event {
        let (payload, raw_body) = match &self.body {
            StoredBody::None => (None, None),
            // Kept only after it parsed as JSON.
            StoredBody::Json(bytes) => (serde_json::from_slice(bytes).ok(), None),
            StoredBody::Raw(bytes) => (None, Some(String::from_utf8_lossy(bytes).into_owned())),
        };
        Event {
            id: self.seq.to_string(),
            request_id: self.request_id.map(|id| id.to_string()),
            webhook_label: self.hook.label.to_string(),
            token_hint: self.hook.hint.to_string(),
            integration: self.integration.as_deref().map(str::to_owned),
            received_at: self.received_at,
            status: self.status,
            errors: self.errors.clone(),
            warnings: self.warnings.clone(),
            payload,
            raw_body,
            moment_id: self.moment_id.map(|id| id.to_string()),
            headers: self.origin.headers(),
            client_addr: self.origin.client.map(|ip| ip.to_string()),
        }
    }
}

impl StoredMoment {
    /// The public record (spec §7), with the defaults filled in: `medium` priority, the
    /// creation time for a missing `occurred_at`.
    pub(super) fn to_recorded(&self) -> RecordedMoment {
        let m = &self.moment;
        RecordedMoment {
            id: self.id.to_string(),
            request_id: self.request_id.to_string(),
            name: m.name().to_owned(),
            moment_type: m.moment_type(),
            priority: m.priority().unwrap_or(Priority::Medium),
            source: m.source().map(str::to_owned),
            source_url: m.source_url().map(str::to_owned),
            description: m.description().map(str::to_owned),
            occurred_at: m.occurred_at().unwrap_or(self.created_at),
            created_at: self.created_at,
            webhook_label: self.hook.label.to_string(),
            integration: self.integration.as_deref().map(str::to_owned),
        }
    }
}
