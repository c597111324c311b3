//! The request journal (`GET /_mock/requests`): every request that reached an ingest route —
//! faulted, replayed and refused ones included — with the headers a test asks about, the
//! status it was answered and the fault that answered it. Bounded like the event log (the
//! same cap; the oldest go first, and a counter says how many went).
//!
//! It has its own lock, taken once per ingest request after the answer is decided, so that it
//! never waits on the state's.

use std::collections::VecDeque;
use std::sync::{Arc, MutexGuard};

use chrono::{DateTime, Utc};

use super::Shared;
use super::webhooks::Ident;
use crate::Fault;
use crate::model::{RecordedRequest, RequestHeaders};

/// Longest header value the journal keeps, in bytes (cut on a character boundary).
const MAX_HEADER_BYTES: usize = 1024;

/// What the ingest handler tells the journal about one request, kept as it is: compact, since
/// the journal holds as many as the event log (the webhook shared with it, no id, no options
/// where a zero says "none").
#[derive(Debug)]
pub(crate) struct RequestNote {
    pub received_at: DateTime<Utc>,
    pub target: Target,
    pub user_agent: Option<Arc<str>>,
    pub idempotency_key: Option<Arc<str>>,
    pub content_type: Option<ContentType>,
    /// The status answered; 0 when a fault closed the connection without an answer.
    pub status: u16,
    pub fault: Option<Box<Fault>>,
    /// Answered with the first answer of its `Idempotency-Key`.
    pub replayed: bool,
    /// The event it made, or (replayed) the one whose answer it got; 0 for none (events are
    /// numbered from 1).
    pub event: u64,
}

/// Where a request went.
#[derive(Debug)]
pub(crate) enum Target {
    /// A webhook's path (live or expired): the webhook, and the integration of the path.
    Hook {
        hook: Arc<Ident>,
        integration: Option<Box<str>>,
    },
    /// A path that names no webhook.
    Other(Box<OtherPath>),
}

/// A path that names no webhook: the token it carried (for `?token=`), and the path redacted.
#[derive(Debug)]
pub(crate) struct OtherPath {
    pub token: Option<Box<str>>,
    pub path_hint: Box<str>,
}

impl Target {
    /// A path that names no webhook.
    pub(crate) fn other(token: Option<Box<str>>, path_hint: String) -> Target {
        Target::Other(Box::new(OtherPath {
            token,
            path_hint: path_hint.into(),
        }))
    }

    fn token(&self) -> Option<&str> {
        match self {
            Target::Hook { hook, .. } => Some(&hook.token),
            Target::Other(other) => other.token.as_deref(),
        }
    }

    fn path_hint(&self) -> String {
        match self {
            Target::Hook { hook, integration } => match integration {
                Some(integration) => format!("/moment/{}/{integration}", hook.hint),
                None => format!("/moment/{}", hook.hint),
            },
            Target::Other(other) => other.path_hint.to_string(),
        }
    }
}

/// A `Content-Type`, without an allocation for the usual one.
#[derive(Clone, Debug)]
pub(crate) enum ContentType {
    Json,
    Other(Arc<str>),
}

impl ContentType {
    pub(crate) fn of(value: &[u8]) -> ContentType {
        if value == b"application/json" {
            ContentType::Json
        } else {
            ContentType::Other(header_text(value))
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            ContentType::Json => "application/json",
            ContentType::Other(text) => text,
        }
    }
}

/// The journal: notes in arrival order; the first has the number `next_id - notes.len()`.
pub(crate) struct Journal {
    max: usize,
    notes: VecDeque<RequestNote>,
    next_id: u64,
    dropped: u64,
}

impl Journal {
    pub(crate) fn new(max: usize) -> Self {
        Journal {
            max,
            notes: VecDeque::new(),
            next_id: 1,
            dropped: 0,
        }
    }

    /// Appends a note; returns the one the cap pushed out, to be freed after the lock.
    fn push(&mut self, note: RequestNote) -> Option<RequestNote> {
        let evicted = if self.notes.len() >= self.max {
            self.dropped += 1;
            self.notes.pop_front()
        } else {
            None
        };
        self.notes.push_back(note);
        self.next_id += 1;
        evicted
    }

    /// The notes with their numbers, oldest first.
    fn numbered(&self) -> impl Iterator<Item = (u64, &RequestNote)> {
        let first = self.next_id - self.notes.len() as u64;
        (first..).zip(self.notes.iter())
    }

    /// Forgets every note and the drop counter (numbers are never reused).
    pub(crate) fn clear(&mut self) {
        self.notes.clear();
        self.dropped = 0;
    }
}

/// A header's value as the journal keeps it: lossy UTF-8, cut at [`MAX_HEADER_BYTES`]; shared
/// by the journal's note and the event.
pub(crate) fn header_text(value: &[u8]) -> Arc<str> {
    let text = String::from_utf8_lossy(value);
    let mut end = text.len().min(MAX_HEADER_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].into()
}

impl Shared {
    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn clear_journal(&self) {
        self.journal().clear();
    }

    /// Records one ingest request.
    pub(crate) fn note_request(&self, note: RequestNote) {
        let evicted = self.journal().push(note);
        drop(evicted);
        self.changed.notify_waiters();
    }

    /// The journal's notes (with `token`, only the requests to that webhook's path), oldest
    /// first, and how many the cap has dropped.
    pub(crate) fn requests(&self, token: Option<&str>) -> (Vec<RecordedRequest>, u64) {
        let journal = self.journal();
        let requests = journal
            .numbered()
            .filter(|(_, n)| token.is_none_or(|t| n.target.token() == Some(t)))
            .map(|(id, n)| view(id, n))
            .collect();
        (requests, journal.dropped)
    }

    fn count_requests(&self, token: Option<&str>) -> usize {
        let journal = self.journal();
        match token {
            None => journal.notes.len(),
            Some(t) => journal
                .notes
                .iter()
                .filter(|n| n.target.token() == Some(t))
                .count(),
        }
    }

    /// Waits until at least `min` requests match, `timeout` passes or the server shuts down.
    pub(crate) async fn wait_requests(
        &self,
        token: Option<&str>,
        min: usize,
        timeout: std::time::Duration,
    ) -> bool {
        self.wait_until(timeout, || self.count_requests(token) >= min)
            .await
    }
}

/// The public record of a note.
fn view(id: u64, note: &RequestNote) -> RecordedRequest {
    let text = |v: &Option<Arc<str>>| v.as_deref().map(str::to_owned);
    RecordedRequest {
        id: id.to_string(),
        received_at: note.received_at,
        method: "POST".to_owned(),
        path_hint: note.target.path_hint(),
        headers: RequestHeaders {
            user_agent: text(&note.user_agent),
            idempotency_key: text(&note.idempotency_key),
            content_type: note.content_type.as_ref().map(|c| c.as_str().to_owned()),
        },
        status: (note.status != 0).then_some(note.status),
        fault: note.fault.as_deref().cloned(),
        replayed: note.replayed,
        event_id: (note.event != 0).then(|| note.event.to_string()),
    }
}
