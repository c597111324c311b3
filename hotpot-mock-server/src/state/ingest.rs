//! The ingest protocol (spec §3), in two short looks at the state with the body read and
//! parsed in between, without the lock:
//!
//! 1. [`Shared::begin`]: a queued fault, the webhook and its expiry, the `Idempotency-Key`
//!    replay, the rate limit. Its [`Admission`] says whether the request goes on.
//! 2. [`Shared::finish`]: records what the HTTP layer made of the request (a [`Record`]) as
//!    an event, and its moment, and remembers the answer for the key.
//!
//! [`Shared::retry_event`] processes a kept payload again through the same parse step
//! ([`crate::payload::check`]) and the same [`settle`].

use std::sync::Arc;

use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotpot_protocol::{LenientParse, Moment, Problem, ValidationError};
use uuid::Uuid;

use super::idempotency::{Answer, Key};
use super::log::Evicted;
use super::record::{Origin, StoredBody, StoredEvent, StoredMoment};
use super::senders::Who;
use super::stream::{Item, render_event};
use super::webhooks::Ident;
use super::{Shared, State, fast_uuid};
use crate::model::{Event, EventStatus};
use crate::payload::check;
use crate::{Error, Fault};

/// What [`Shared::begin`] saw and decided.
#[derive(Debug)]
pub(crate) struct Begun {
    /// The server's clock when the request arrived.
    pub now: DateTime<Utc>,
    /// The queued fault that hits this request, if any (its delay holds the answer back).
    pub fault: Option<Fault>,
    /// The webhook the token names, expired or not.
    pub hook: Option<Arc<Ident>>,
    /// The webhook's `expires_at`, which every answer carries as `Sunset` (spec §6).
    pub sunset: Option<DateTime<Utc>>,
    pub admission: Admission,
}

/// What [`Shared::finish`] recorded.
#[derive(Debug)]
pub(crate) struct Finished {
    pub answer: Answer,
    /// The event it recorded, or (`replayed`) the one whose answer it gave.
    pub event: u64,
    /// A concurrent request with the same key got there first: its answer is given.
    pub replayed: bool,
}

/// What [`Shared::begin`] decided for a request.
#[derive(Debug)]
pub(crate) enum Admission {
    /// Go on: read the body and process it.
    Go(Ticket),
    /// Over the webhook's rate limit: record the rejection (the ticket has no key: a 429 is
    /// not a final answer) and answer 429.
    Limited {
        ticket: Ticket,
        per_second: u32,
        retry_after: u64,
    },
    /// Answered without reading the body, and nothing recorded.
    Refused(Refusal),
}

/// Why a request is answered without being recorded.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// A queued fault answers with this status (and `Retry-After`, in seconds).
    FaultStatus {
        status: StatusCode,
        retry_after: Option<u64>,
    },
    /// A queued fault closes the connection.
    Drop,
    /// No webhook has the token.
    Unknown,
    /// The webhook expired at this time.
    Expired(DateTime<Utc>),
    /// The key was seen on this webhook within 24 hours: its first answer, and its event.
    Replay(Answer, u64),
}

/// A request let in by [`Shared::begin`], for [`Shared::finish`].
#[derive(Debug)]
pub(crate) struct Ticket {
    hook: Arc<Ident>,
    integration: Option<Box<str>>,
    /// The server's clock when the request arrived.
    pub now: DateTime<Utc>,
    key: Option<Key>,
    /// The request's headers and client address, set by the HTTP layer.
    pub origin: Origin,
}

/// What the HTTP layer made of a request it read.
pub(crate) enum Record {
    /// Rejected before §1 processing (400, 413, 415, 429): one problem, and the body as the
    /// event keeps it.
    Rejected { problem: Problem, body: StoredBody },
    /// Processed against §1 (202, or 422 in strict mode).
    Processed {
        payload: Bytes,
        parsed: LenientParse,
    },
}

impl Shared {
    /// The first look at an ingest request: faults, token, expiry, idempotency, rate limit.
    /// Also returns the queued fault that hits it, whose delay holds the answer back.
    pub(crate) fn begin(&self, token: &str, integration: Option<&str>, key: Option<&str>) -> Begun {
        let mut guard = self.lock();
        let state = &mut *guard;
        let now = state.clock.now();
        let fault = state.take_fault(token);
        let hook = state.webhooks.get_mut(token);
        let ident = hook.as_ref().map(|h| Arc::clone(&h.ident));
        let sunset = hook.as_ref().and_then(|h| h.expires_at);
        let begun = |fault, admission| Begun {
            now,
            fault,
            hook: ident.clone(),
            sunset,
            admission,
        };
        if let Some(refusal) = fault.as_ref().and_then(fault_refusal) {
            return begun(fault, Admission::Refused(refusal));
        }
        let refused = |refusal| begun(fault.clone(), Admission::Refused(refusal));
        let Some(hook) = hook else {
            return refused(Refusal::Unknown);
        };
        if let Some(at) = hook.expires_at.filter(|at| *at <= now) {
            return refused(Refusal::Expired(at));
        }
        let key: Option<Key> = key.map(|k| state.idempotency.key(hook.ident.id, k));
        if let Some((answer, seq)) = key.as_ref().and_then(|k| state.idempotency.get(k, now)) {
            return refused(Refusal::Replay(answer, seq));
        }
        let limited = self.config.rate_limit.and_then(|per_second| {
            let retry_after = hook.bucket.take(per_second, now).err()?;
            Some((per_second, retry_after))
        });
        let hook = Arc::clone(&hook.ident);
        let integration = integration.map(Box::from);
        let mut ticket = Ticket {
            hook,
            integration,
            now,
            key,
            origin: Origin::default(),
        };
        let admission = match limited {
            Some((per_second, retry_after)) => {
                ticket.key = None;
                Admission::Limited {
                    ticket,
                    per_second,
                    retry_after,
                }
            }
            None => Admission::Go(ticket),
        };
        begun(fault, admission)
    }

    /// Records a request that was let in, and returns the answer to give: `answer`, or the
    /// one remembered for its key if a concurrent request with the same key got there first
    /// (and then nothing is recorded).
    ///
    /// An `Answer::Queued` gets the request id made here (whatever id it carried).
    pub(crate) fn finish(&self, ticket: Ticket, record: Record, answer: Answer) -> Finished {
        let Ticket {
            hook,
            integration,
            now,
            key,
            origin,
        } = ticket;
        // The log's own copies, made before the lock.
        let record = match record {
            Record::Rejected { problem, body } => Record::Rejected {
                problem,
                body: body.own_copy(),
            },
            Record::Processed { payload, parsed } => Record::Processed {
                payload: Bytes::copy_from_slice(&payload),
                parsed,
            },
        };
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some((answer, event)) = key.as_ref().and_then(|k| state.idempotency.get(k, now)) {
            return Finished {
                answer,
                event,
                replayed: true,
            };
        }
        let seq = state.log.next_seq();
        let mut event = StoredEvent {
            seq,
            request_id: None,
            hook,
            integration,
            received_at: now,
            status: EventStatus::Error,
            errors: Vec::new(),
            warnings: Vec::new(),
            body: StoredBody::None,
            moment_id: None,
            origin: Arc::new(origin),
        };
        let (moment, answer) = match record {
            Record::Rejected { problem, body } => {
                event.errors = vec![problem];
                event.body = body;
                (None, answer)
            }
            Record::Processed { payload, parsed } => {
                let id = state.request_ids.make(seq);
                event.request_id = Some(id);
                event.warnings = parsed.warnings;
                event.body = StoredBody::Json(payload);
                let moment = settle(&mut event, parsed.moment, id, now);
                let answer = match answer {
                    Answer::Queued(_) => Answer::Queued(id),
                    other => other,
                };
                (moment, answer)
            }
        };
        // An event that made no moment: its payload's `source`, if it has one as a string.
        let fallback = match (&moment, &event.body) {
            (None, StoredBody::Json(payload)) => source_of(payload),
            _ => None,
        };
        let source = moment
            .as_ref()
            .and_then(|m| m.moment.source())
            .or(fallback.as_deref());
        let who = Who {
            source,
            user_agent: event.origin.user_agent.as_deref(),
            client: event.origin.client,
        };
        state.senders.note(event.hook.id, who, now);
        // With a stream reader connected, the event's JSON is written once, here, after the
        // lock (not by each reader, nor under the lock).
        let copy = state.stream_watched().then(|| event.clone());
        let evicted = state.record(event, moment);
        let (rendered, old_item) = state.publish_event(seq);
        if let Some(key) = key {
            state.idempotency.put(key, seq, answer.clone(), now);
        }
        drop(guard);
        drop(evicted);
        drop(old_item);
        if let Some(copy) = copy {
            render_event(&rendered, copy);
        }
        self.changed.notify_waiters();
        Finished {
            answer,
            event: seq,
            replayed: false,
        }
    }

    /// Processes an `error` event's JSON payload again with the current clock, through the
    /// same parse step as ingest.
    pub(crate) fn retry_event(&self, id: &str) -> Result<Event, Error> {
        let seq = parse_event_id(id)?;
        let (payload, now) = {
            let state = self.lock();
            let event = state.log.get(seq).ok_or_else(|| no_event(id))?;
            if event.status == EventStatus::Success {
                return Err(Error::Conflict(format!(
                    "event {id}: expected an error event, found one that already succeeded"
                )));
            }
            let StoredBody::Json(payload) = &event.body else {
                return Err(Error::Conflict(format!(
                    "event {id}: expected an event with a JSON payload, found one whose body was not JSON"
                )));
            };
            (payload.clone(), state.clock.now())
        };
        let parsed = check(&payload, now).unwrap_or_else(|unreadable| LenientParse {
            moment: Err(ValidationError::new(vec![unreadable.into_problem()])),
            warnings: Vec::new(),
        });
        let event = {
            let mut guard = self.lock();
            let state = &mut *guard;
            let kept = state.log.get(seq).ok_or_else(|| no_event(id))?.request_id;
            let request_id = kept.unwrap_or_else(|| state.request_ids.make(seq));
            let event = state.log.get_mut(seq).ok_or_else(|| no_event(id))?;
            // A concurrent retry may have got there first.
            if event.status == EventStatus::Error {
                event.request_id = Some(request_id);
                event.warnings = parsed.warnings;
                if let Some(moment) = settle(event, parsed.moment, request_id, now) {
                    state.log.push_moment(moment);
                }
            }
            state.publish(Item::event(seq));
            state.log.get(seq).ok_or_else(|| no_event(id))?.to_event()
        };
        self.changed.notify_waiters();
        Ok(event)
    }
}

impl State {
    /// Appends an event (and its moment) to the log; returns the event the cap pushes out,
    /// to be freed after the lock (its request id finds nothing once it has gone; its
    /// `Idempotency-Key` is remembered on its own).
    fn record(&mut self, event: StoredEvent, moment: Option<StoredMoment>) -> Evicted {
        self.log.push(event, moment)
    }
}

/// The `source` string of a JSON payload that did not make a moment.
fn source_of(payload: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct SourceOnly {
        source: Option<serde_json::Value>,
    }
    let only: SourceOnly = serde_json::from_slice(payload).ok()?;
    match only.source? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    }
}

/// What a queued fault does instead of processing the request, if anything (a bare delay
/// only holds the answer).
fn fault_refusal(fault: &Fault) -> Option<Refusal> {
    if fault.drop_connection {
        return Some(Refusal::Drop);
    }
    let status = fault.status_code()?;
    Some(Refusal::FaultStatus {
        status,
        retry_after: fault.retry_after.map(|d| d.as_secs_f64().ceil() as u64),
    })
}

/// Sets the outcome of §1 processing on `event`: `success` and a new moment (which lives as
/// long as its event), or `error` with every problem.
fn settle(
    event: &mut StoredEvent,
    moment: Result<Moment, ValidationError>,
    request_id: Uuid,
    now: DateTime<Utc>,
) -> Option<StoredMoment> {
    match moment {
        Ok(moment) => {
            let id = fast_uuid();
            event.status = EventStatus::Success;
            event.errors = Vec::new();
            event.moment_id = Some(id);
            Some(StoredMoment {
                id,
                request_id,
                moment,
                created_at: now,
                hook: Arc::clone(&event.hook),
                integration: event.integration.clone(),
            })
        }
        Err(err) => {
            event.status = EventStatus::Error;
            event.errors = err.into_problems();
            None
        }
    }
}

/// An event id (its decimal number), or "no such event".
pub(super) fn parse_event_id(id: &str) -> Result<u64, Error> {
    id.parse().map_err(|_| no_event(id))
}

pub(super) fn no_event(id: &str) -> Error {
    let shown: String = id.chars().take(40).collect();
    Error::NotFound(format!("no event with id {shown:?}"))
}
