//! The request journal (`GET /_mock/requests`): every request that reached an ingest route —
//! faulted, replayed and refused ones included — with the headers a test asks about, the
//! status it was answered and the fault that answered it. Bounded like the event log (the
//! same cap; the oldest go first, and a counter says how many went).
//!
//! It has its own lock, taken once per ingest request after the answer is decided, so that it
//! never waits on the state's.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::MutexGuard;

use chrono::{DateTime, Utc};

use super::Shared;
use crate::Fault;
use crate::model::{RecordedRequest, RequestHeaders};

/// Longest header value the journal keeps, in bytes (cut on a character boundary).
const MAX_HEADER_BYTES: usize = 1024;

/// What the ingest handler tells the journal about one request.
#[derive(Debug)]
pub(crate) struct RequestNote {
    pub received_at: DateTime<Utc>,
    /// The token of the path, when the path is a webhook path (for `?token=`).
    pub token: Option<Box<str>>,
    /// The path with the token redacted.
    pub path_hint: Box<str>,
    pub user_agent: Option<Box<str>>,
    pub idempotency_key: Option<Box<str>>,
    pub content_type: Option<Cow<'static, str>>,
    /// `None` when a fault closed the connection without an answer.
    pub status: Option<u16>,
    pub fault: Option<Box<Fault>>,
    /// Answered with the first answer of its `Idempotency-Key`.
    pub replayed: bool,
    /// The event it made, or (replayed) the one whose answer it got.
    pub event: Option<u64>,
}

/// The journal: notes in arrival order, numbered from 1.
pub(crate) struct Journal {
    max: usize,
    notes: VecDeque<(u64, RequestNote)>,
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
    fn push(&mut self, note: RequestNote) -> Option<(u64, RequestNote)> {
        let evicted = if self.notes.len() >= self.max {
            self.dropped += 1;
            self.notes.pop_front()
        } else {
            None
        };
        self.notes.push_back((self.next_id, note));
        self.next_id += 1;
        evicted
    }

    /// Forgets every note and the drop counter (ids are never reused).
    pub(crate) fn clear(&mut self) {
        self.notes.clear();
        self.dropped = 0;
    }
}

/// A header's value as the journal keeps it: lossy UTF-8, cut at [`MAX_HEADER_BYTES`].
pub(crate) fn header_text(value: &[u8]) -> Box<str> {
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
            .notes
            .iter()
            .filter(|(_, n)| token.is_none_or(|t| n.token.as_deref() == Some(t)))
            .map(|(id, n)| view(*id, n))
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
                .filter(|(_, n)| n.token.as_deref() == Some(t))
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
    let text = |v: &Option<Box<str>>| v.as_deref().map(str::to_owned);
    RecordedRequest {
        id: id.to_string(),
        received_at: note.received_at,
        method: "POST".to_owned(),
        path_hint: note.path_hint.to_string(),
        headers: RequestHeaders {
            user_agent: text(&note.user_agent),
            idempotency_key: text(&note.idempotency_key),
            content_type: note.content_type.as_deref().map(str::to_owned),
        },
        status: note.status,
        fault: note.fault.as_deref().cloned(),
        replayed: note.replayed,
        event_id: note.event.map(|seq| seq.to_string()),
    }
}
