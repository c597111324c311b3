//! Everything the server remembers, behind one `std::sync::Mutex` that is never held across an
//! `.await`: webhooks, the bounded event and moment logs, queued faults, the clock, remembered
//! idempotent answers and rate-limit buckets.
//!
//! [`Shared`] is the one implementation behind both the admin HTTP API and the library's
//! methods. Reads copy compact records out under the lock and build the public
//! [`Event`]/[`RecordedMoment`] values after releasing it.

mod arena;
mod clock;
mod idempotency;
mod ids;
mod rate;
mod records;
mod webhooks;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use hotpot_client::moment::rules::format_time;
use hotpot_client::{LenientParse, Moment, Priority, Problem, parse_lenient, redact_token};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use arena::Arena;
pub(crate) use clock::Clock;
pub(crate) use idempotency::Answer;
use idempotency::{Idempotency, KeyHash, WINDOW};
use rate::Bucket;
pub(crate) use records::clock_json;
use records::recorded_moment;
pub(crate) use webhooks::check_token;

use crate::document::Document;
use crate::model::{Event, EventStatus, NewWebhook, RecordedMoment, Webhook, WebhookPatch};
use crate::{Error, Fault};

/// Longest label and token accepted for a webhook.
const MAX_LABEL_CHARS: usize = 200;
const MAX_TOKEN_CHARS: usize = 200;

/// The server's fixed settings.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub strict: bool,
    pub api_key: String,
    pub rate_limit: Option<u32>,
    pub max_events: usize,
    /// `http://HOST:PORT`, without a trailing slash.
    pub base_url: String,
}

/// The state and what waits on it, shared by every request handler and the [`MockServer`](crate::MockServer).
pub(crate) struct Shared {
    pub config: Config,
    state: Mutex<State>,
    /// Woken whenever an event or moment is recorded or changed.
    changed: Notify,
    /// `true` once the server is shutting down: long polls answer at once.
    pub shutdown: watch::Sender<bool>,
}

/// A webhook's identity as events remember it: a new one is made when the label changes, so
/// old events keep the label they arrived with.
#[derive(Debug)]
pub(crate) struct Ident {
    pub id: u64,
    pub token: Box<str>,
    pub label: Box<str>,
    pub hint: Box<str>,
}

struct Hook {
    ident: Arc<Ident>,
    kind: Box<str>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    bucket: Bucket,
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

/// An event as it is stored: shared webhook identity, body bytes, no `Value`.
#[derive(Clone, Debug)]
pub(crate) struct StoredEvent {
    pub seq: u64,
    pub request_id: Option<Uuid>,
    pub hook: Arc<Ident>,
    pub integration: Option<Arc<str>>,
    pub received_at: DateTime<Utc>,
    pub status: EventStatus,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub body: StoredBody,
    pub moment_id: Option<Uuid>,
    /// The hash of the request's `Idempotency-Key`, if it had one.
    pub key: Option<KeyHash>,
}

/// A moment as it is stored: its ids and the event's payload bytes (shared, not copied). Its
/// fields are parsed again on read with `parse_lenient(payload, created_at)`, which gives the
/// same moment as when it was created: fewer, smaller allocations for the log.
#[derive(Clone, Debug)]
pub(crate) struct StoredMoment {
    id: Uuid,
    request_id: Uuid,
    payload: Bytes,
    created_at: DateTime<Utc>,
    hook: Arc<Ident>,
    integration: Option<Arc<str>>,
}

struct State {
    clock: Clock,
    webhooks: HashMap<Box<str>, Hook>,
    default_token: Box<str>,
    next_hook_id: u64,
    events: VecDeque<StoredEvent>,
    next_event_seq: u64,
    dropped_events: u64,
    moments: VecDeque<StoredMoment>,
    dropped_moments: u64,
    /// Makes request ids that lead back to their event.
    ids: ids::RequestIds,
    /// Whether the tables were sized for the cap (done once, when the log first fills up).
    sized: bool,
    faults: VecDeque<Fault>,
    idempotency: Idempotency,
    integrations: HashMap<Box<str>, Arc<str>>,
    arena: Arena,
}

/// Which events or moments a read wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    pub token: Option<String>,
    pub status: Option<EventStatus>,
}

impl Filter {
    fn event(&self, e: &StoredEvent) -> bool {
        self.token.as_deref().is_none_or(|t| *e.hook.token == *t)
            && self.status.is_none_or(|s| e.status == s)
    }

    fn moment(&self, m: &StoredMoment) -> bool {
        self.token.as_deref().is_none_or(|t| *m.hook.token == *t)
    }

    fn is_empty(&self) -> bool {
        self.token.is_none() && self.status.is_none()
    }
}

/// What ingest does after the first look at the state.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A queued fault answers with this status.
    FaultStatus {
        status: axum::http::StatusCode,
        retry_after: Option<u64>,
    },
    /// A queued fault closes the connection.
    Drop,
    Unknown,
    Expired(DateTime<Utc>),
    /// The key was seen on this webhook within 24 hours.
    Replay(Answer),
    /// Over the rate limit (recorded as an error event already).
    Limited {
        retry_after: u64,
    },
    /// Go on: read the body and process it.
    Go(Ticket),
}

/// The first look's result for a request that goes on.
#[derive(Debug)]
pub(crate) struct Ticket {
    pub hook: Arc<Ident>,
    pub integration: Option<Arc<str>>,
    pub now: DateTime<Utc>,
    /// The hash of the `Idempotency-Key`, if any.
    pub key: Option<KeyHash>,
}

/// What happened to a request that was read, for [`Shared::finish`] (which copies the bytes
/// it keeps into the log's arena).
pub(crate) enum Record {
    /// Rejected before §1 processing (400, 413, 415).
    Rejected { problem: Problem, body: StoredBody },
    /// Processed against §1 (202, or 422 in strict mode).
    Processed {
        payload: Bytes,
        parsed: LenientParse,
    },
}

/// What the cap pushed out of the log: an event and its moment, freed after the lock.
type Evicted = Option<(StoredEvent, Option<StoredMoment>)>;

/// The remembered answer for `key`, if its event is still kept and less than 24 hours old.
fn replay(
    store: &Idempotency,
    events: &VecDeque<StoredEvent>,
    key: KeyHash,
    now: DateTime<Utc>,
) -> Option<Answer> {
    let entry = store.get(key)?;
    let event = events.get(index_of(events, entry.seq)?)?;
    (now - event.received_at < WINDOW).then(|| entry.kept.answer(event.request_id))
}

fn index_of(events: &VecDeque<StoredEvent>, seq: u64) -> Option<usize> {
    let first = events.front()?.seq;
    let index = usize::try_from(seq.checked_sub(first)?).ok()?;
    (index < events.len()).then_some(index)
}

/// A request status (contract §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestView {
    pub request_id: Uuid,
    pub status: EventStatus,
    pub errors: Vec<Problem>,
    pub moment_id: Option<Uuid>,
}

/// A UUID v4 from a fast thread-local generator (request and moment ids: unique, not secret).
pub(crate) fn fast_uuid() -> Uuid {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid()
}

/// A fresh token: 32 hex characters from the OS's random source.
pub(crate) fn random_token() -> String {
    Uuid::new_v4().simple().to_string()
}

impl Shared {
    /// A state with one default webhook (label `default`, type `custom`).
    pub(crate) fn new(config: Config, default_token: &str) -> Self {
        let mut state = State {
            clock: Clock::default(),
            webhooks: HashMap::new(),
            default_token: default_token.into(),
            next_hook_id: 1,
            events: VecDeque::new(),
            next_event_seq: 1,
            dropped_events: 0,
            moments: VecDeque::new(),
            dropped_moments: 0,
            ids: ids::RequestIds::new(),
            sized: false,
            faults: VecDeque::new(),
            idempotency: Idempotency::default(),
            integrations: HashMap::new(),
            arena: Arena::default(),
        };
        state.insert_default();
        Shared {
            config,
            state: Mutex::new(state),
            changed: Notify::new(),
            shutdown: watch::Sender::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-changed in a way that
        // matters to a test double: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The server's "now".
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.lock().clock.now()
    }

    pub(crate) fn clock(&self) -> (DateTime<Utc>, bool) {
        let state = self.lock();
        (state.clock.now(), state.clock.is_frozen())
    }

    pub(crate) fn set_clock(&self, now: DateTime<Utc>) {
        self.lock().clock = Clock::Frozen(now);
        self.changed.notify_waiters();
    }

    pub(crate) fn advance_clock(&self, by: TimeDelta) {
        self.lock().clock.advance(by);
    }

    pub(crate) fn reset_clock(&self) {
        self.lock().clock = Clock::default();
    }

    pub(crate) fn webhook_url(&self, token: &str) -> String {
        format!("{}/moment/{token}", self.config.base_url)
    }

    // ----- ingest -----

    /// The first look at an ingest request: faults, token, expiry, idempotency, rate limit.
    pub(crate) fn begin(
        &self,
        token: &str,
        integration: Option<&str>,
        key: Option<&str>,
    ) -> (Option<Duration>, Outcome) {
        let mut recorded = false;
        let mut evicted = None;
        let result = {
            let mut guard = self.lock();
            let state = &mut *guard;
            let now = state.clock.now();
            let fault = state.take_fault(token);
            let delay = fault.as_ref().and_then(|f| f.delay);
            let outcome = 'outcome: {
                if let Some(fault) = &fault {
                    if fault.drop_connection {
                        break 'outcome Outcome::Drop;
                    }
                    if let Some(status) = fault.status_code() {
                        break 'outcome Outcome::FaultStatus {
                            status,
                            retry_after: fault.retry_after.map(|d| d.as_secs_f64().ceil() as u64),
                        };
                    }
                }
                let Some(hook) = state.webhooks.get_mut(token) else {
                    break 'outcome Outcome::Unknown;
                };
                if let Some(at) = hook.expires_at.filter(|at| *at <= now) {
                    break 'outcome Outcome::Expired(at);
                }
                let key = key.map(|k| state.idempotency.hash(hook.ident.id, k));
                if let Some(answer) =
                    key.and_then(|k| replay(&state.idempotency, &state.events, k, now))
                {
                    break 'outcome Outcome::Replay(answer);
                }
                let ident = Arc::clone(&hook.ident);
                let limited = self.config.rate_limit.and_then(|per_second| {
                    let retry_after = hook.bucket.take(per_second, now).err()?;
                    Some((per_second, retry_after))
                });
                let integration = integration.map(|i| state.intern(i));
                if let Some((per_second, retry_after)) = limited {
                    let problem = Problem::new(
                        "request",
                        format!(
                            "rate limit exceeded: expected at most {per_second} requests per second \
                             to this webhook, answered 429 with Retry-After: {retry_after}"
                        ),
                    );
                    evicted = state.make_room(self.config.max_events);
                    state.push_event(StoredEvent {
                        seq: 0,
                        request_id: None,
                        hook: ident,
                        integration,
                        received_at: now,
                        status: EventStatus::Error,
                        errors: vec![problem],
                        warnings: Vec::new(),
                        body: StoredBody::None,
                        moment_id: None,
                        key: None,
                    });
                    recorded = true;
                    break 'outcome Outcome::Limited { retry_after };
                }
                Outcome::Go(Ticket {
                    hook: ident,
                    integration,
                    now,
                    key,
                })
            };
            (delay, outcome)
        };
        drop(evicted);
        if recorded {
            self.changed.notify_waiters();
        }
        result
    }

    /// Records a request that was read and returns the answer to give: `answer`, or the one
    /// remembered for its key if a concurrent request with the same key got there first (and
    /// then nothing is recorded).
    ///
    /// A 202 answer (`Answer::Queued`) gets the request id made here, from the event's number.
    pub(crate) fn finish(&self, ticket: Ticket, record: Record, mut answer: Answer) -> Answer {
        let mut request_id = None;
        // What the cap pushes out is freed after the lock is released.
        let evicted;
        {
            let mut guard = self.lock();
            let state = &mut *guard;
            let key = ticket.key;
            if let Some(seen) =
                key.and_then(|k| replay(&state.idempotency, &state.events, k, ticket.now))
            {
                return seen;
            }
            evicted = state.make_room(self.config.max_events);
            let event = match record {
                Record::Rejected { problem, body } => StoredEvent {
                    body: match body {
                        StoredBody::None => StoredBody::None,
                        StoredBody::Json(b) => StoredBody::Json(state.arena.copy(&b)),
                        StoredBody::Raw(b) => StoredBody::Raw(state.arena.copy(&b)),
                    },
                    seq: 0,
                    request_id: None,
                    hook: Arc::clone(&ticket.hook),
                    integration: ticket.integration,
                    received_at: ticket.now,
                    status: EventStatus::Error,
                    errors: vec![problem],
                    warnings: Vec::new(),
                    moment_id: None,
                    key,
                },
                Record::Processed { payload, parsed } => {
                    // The id leads back to the event: it is made from the event's number.
                    let id = state.ids.encode(state.next_event_seq);
                    request_id = Some(id);
                    // The log's own copy: the request's buffer may be much larger.
                    let payload = state.arena.copy(&payload);
                    let mut event = StoredEvent {
                        seq: 0,
                        request_id: Some(id),
                        hook: Arc::clone(&ticket.hook),
                        integration: ticket.integration,
                        received_at: ticket.now,
                        status: EventStatus::Error,
                        errors: Vec::new(),
                        warnings: parsed.warnings,
                        body: StoredBody::Json(payload.clone()),
                        moment_id: None,
                        key,
                    };
                    state.apply(&mut event, parsed.moment, payload, id, ticket.now);
                    event
                }
            };
            state.push_event(event);
            if let (Answer::Queued(_), Some(id)) = (&answer, request_id) {
                answer = Answer::Queued(id);
            }
            if let Some(key) = key {
                let seq = state.next_event_seq - 1;
                state.idempotency.put(key, seq, &answer);
            }
        }
        drop(evicted);
        self.changed.notify_waiters();
        answer
    }

    // ----- request status -----

    pub(crate) fn request_status(&self, request_id: &str) -> Option<RequestView> {
        let id = Uuid::try_parse(request_id).ok()?;
        let state = self.lock();
        let seq = state.ids.decode(&id);
        let event = state.event(seq).filter(|e| e.request_id == Some(id))?;
        Some(RequestView {
            request_id: id,
            status: event.status,
            errors: event.errors.clone(),
            moment_id: event.moment_id,
        })
    }

    // ----- events and moments -----

    /// Matching events, oldest first, and how many events the cap has dropped so far.
    pub(crate) fn stored_events(&self, filter: &Filter) -> (Vec<StoredEvent>, u64) {
        let state = self.lock();
        let events = state
            .events
            .iter()
            .filter(|e| filter.event(e))
            .cloned()
            .collect();
        (events, state.dropped_events)
    }

    /// How many events and moments are kept.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let state = self.lock();
        (state.events.len(), state.moments.len())
    }

    /// How many events the cap has dropped so far.
    pub(crate) fn dropped_events(&self) -> u64 {
        self.lock().dropped_events
    }

    /// The `n` newest events, newest first, and how many events there are in all.
    pub(crate) fn newest_events(&self, n: usize) -> (Vec<StoredEvent>, usize) {
        let state = self.lock();
        let events = state.events.iter().rev().take(n).cloned().collect();
        (events, state.events.len())
    }

    pub(crate) fn events(&self, filter: &Filter) -> (Vec<Event>, u64) {
        let (events, dropped) = self.stored_events(filter);
        (events.into_iter().map(Event::from).collect(), dropped)
    }

    pub(crate) fn moments(&self, filter: &Filter) -> (Vec<RecordedMoment>, u64) {
        let state = self.lock();
        let moments: Vec<StoredMoment> = state
            .moments
            .iter()
            .filter(|m| filter.moment(m))
            .cloned()
            .collect();
        let dropped = state.dropped_moments;
        drop(state);
        (
            moments.into_iter().filter_map(recorded_moment).collect(),
            dropped,
        )
    }

    pub(crate) fn event(&self, id: &str) -> Result<Event, Error> {
        let seq = parse_event_id(id)?;
        let state = self.lock();
        let event = state.event(seq).cloned().ok_or_else(|| no_event(id))?;
        drop(state);
        Ok(Event::from(event))
    }

    fn count_events(&self, filter: &Filter) -> usize {
        let state = self.lock();
        if filter.is_empty() {
            state.events.len()
        } else {
            state.events.iter().filter(|e| filter.event(e)).count()
        }
    }

    fn count_moments(&self, filter: &Filter) -> usize {
        let state = self.lock();
        if filter.token.is_none() {
            state.moments.len()
        } else {
            state.moments.iter().filter(|m| filter.moment(m)).count()
        }
    }

    /// Waits until at least `min` events match, `timeout` passes or the server shuts down;
    /// returns whether `min` was reached.
    pub(crate) async fn wait_events(&self, filter: &Filter, min: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, || self.count_events(filter) >= min)
            .await
    }

    /// Like [`wait_events`](Self::wait_events), for moments.
    pub(crate) async fn wait_moments(
        &self,
        filter: &Filter,
        min: usize,
        timeout: Duration,
    ) -> bool {
        self.wait_until(timeout, || self.count_moments(filter) >= min)
            .await
    }

    async fn wait_until(&self, timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut shutdown = self.shutdown.subscribe();
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Register before checking, so a change between the check and the wait wakes us.
            notified.as_mut().enable();
            if done() {
                return true;
            }
            if *shutdown.borrow_and_update() {
                return false;
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(deadline) => return done(),
                _ = shutdown.changed() => return done(),
            }
        }
    }

    /// Processes an `error` event's JSON payload again with the current clock.
    pub(crate) fn retry_event(&self, id: &str) -> Result<Event, Error> {
        let seq = parse_event_id(id)?;
        let (payload, now) = {
            let state = self.lock();
            let event = state.event(seq).ok_or_else(|| no_event(id))?;
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
        let parsed = match Document::parse_slice(&payload) {
            Ok(document) => {
                let mut parsed = parse_lenient(&document.value, now);
                parsed.warnings.extend(document.warnings());
                parsed
            }
            // Stored as JSON only after it parsed; keep the answer honest anyway.
            Err(e) => LenientParse {
                moment: Err(hotpot_client::ValidationError::new(vec![Problem::new(
                    "payload",
                    format!("expected JSON, found invalid JSON ({e})"),
                )])),
                warnings: Vec::new(),
            },
        };
        let event = {
            let mut guard = self.lock();
            let state = &mut *guard;
            let index = state.index(seq).ok_or_else(|| no_event(id))?;
            let mut event = state.events[index].clone();
            if event.status == EventStatus::Error {
                let request_id = match event.request_id {
                    Some(id) => id,
                    None => {
                        let id = state.ids.encode(seq);
                        event.request_id = Some(id);
                        id
                    }
                };
                event.warnings = parsed.warnings;
                state.apply(&mut event, parsed.moment, payload, request_id, now);
                state.events[index] = event.clone();
            }
            event
        };
        self.changed.notify_waiters();
        Ok(Event::from(event))
    }

    // ----- faults and reset -----

    /// Queues a fault; returns how many are queued now.
    pub(crate) fn push_fault(&self, fault: Fault) -> Result<usize, Error> {
        fault.validate()?;
        let mut state = self.lock();
        state.faults.push_back(fault);
        Ok(state.faults.len())
    }

    /// How many faults are queued (a fault hitting several requests counts once).
    pub(crate) fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    pub(crate) fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Forgets events, moments, faults, remembered idempotent answers and rate-limit buckets;
    /// with `webhooks`, also every webhook but the default one, which gets its first state back.
    pub(crate) fn reset(&self, webhooks: bool) {
        {
            let mut state = self.lock();
            state.events.clear();
            state.moments.clear();
            state.dropped_events = 0;
            state.dropped_moments = 0;
            state.faults.clear();
            state.idempotency.clear();
            for hook in state.webhooks.values_mut() {
                hook.bucket = Bucket::default();
            }
            if webhooks {
                let default = state.default_token.clone();
                state.webhooks.retain(|token, _| *token == default);
                state.insert_default();
            }
        }
        self.changed.notify_waiters();
    }
}

impl State {
    /// The first queued fault for a request to `token`, counted down.
    fn take_fault(&mut self, token: &str) -> Option<Fault> {
        if self.faults.is_empty() {
            return None;
        }
        let index = self
            .faults
            .iter()
            .position(|f| f.token.as_deref().is_none_or(|t| t == token))?;
        let fault = &mut self.faults[index];
        if fault.count > 1 {
            fault.count -= 1;
            Some(fault.clone())
        } else {
            self.faults.remove(index)
        }
    }

    fn intern(&mut self, integration: &str) -> Arc<str> {
        if let Some(name) = self.integrations.get(integration) {
            return Arc::clone(name);
        }
        let name: Arc<str> = Arc::from(integration);
        self.integrations
            .insert(integration.into(), Arc::clone(&name));
        name
    }

    fn index(&self, seq: u64) -> Option<usize> {
        index_of(&self.events, seq)
    }

    fn event(&self, seq: u64) -> Option<&StoredEvent> {
        self.events.get(self.index(seq)?)
    }

    /// Makes room for one more event (and its moment) under the cap, before anything is
    /// added, so that the log never holds more than `max` (its tables are sized for exactly
    /// that); returns what was pushed out, to be freed after the lock.
    fn make_room(&mut self, max: usize) -> Evicted {
        let evicted = if self.events.len() >= max {
            self.evict_oldest()
        } else {
            None
        };
        if !self.sized && self.events.len() + 1 >= max {
            self.size_for(max);
        }
        evicted
    }

    /// Appends `event` (after [`make_room`](Self::make_room)).
    fn push_event(&mut self, mut event: StoredEvent) {
        event.seq = self.next_event_seq;
        self.next_event_seq += 1;
        self.events.push_back(event);
    }

    /// Drops the oldest event, its moment, its request id and its idempotent answer.
    fn evict_oldest(&mut self) -> Evicted {
        let old = self.events.pop_front()?;
        self.dropped_events += 1;
        if let Some(key) = old.key {
            self.idempotency.remove(key, old.seq);
        }
        let moment = old.moment_id.and_then(|id| {
            // Usually the oldest moment; a retried event's moment may sit later.
            let at = self.moments.iter().position(|m| m.id == id)?;
            self.dropped_moments += 1;
            self.moments.remove(at)
        });
        Some((old, moment))
    }

    /// Sizes the tables for a full log once, when it first fills up: the deques get exactly
    /// `max` slots and the maps room for twice as many keys, so that the steady churn after
    /// the cap neither grows them nor touches new memory.
    fn size_for(&mut self, max: usize) {
        self.sized = true;
        self.events.shrink_to(max);
        self.events
            .reserve_exact(max.saturating_sub(self.events.len()));
        self.moments.shrink_to(max);
        self.moments
            .reserve_exact(max.saturating_sub(self.moments.len()));
        self.idempotency.size_for(max);
    }

    /// Sets the outcome of §1 processing on `event`, creating the moment on success (it lives
    /// as long as its event).
    fn apply(
        &mut self,
        event: &mut StoredEvent,
        moment: Result<Moment, hotpot_client::ValidationError>,
        payload: Bytes,
        request_id: Uuid,
        now: DateTime<Utc>,
    ) {
        match moment {
            Ok(_) => {
                let id = fast_uuid();
                event.status = EventStatus::Success;
                event.errors = Vec::new();
                event.moment_id = Some(id);
                self.moments.push_back(StoredMoment {
                    id,
                    request_id,
                    payload,
                    created_at: now,
                    hook: Arc::clone(&event.hook),
                    integration: event.integration.clone(),
                });
            }
            Err(err) => {
                event.status = EventStatus::Error;
                event.errors = err.into_problems();
            }
        }
    }
}

fn parse_event_id(id: &str) -> Result<u64, Error> {
    id.parse().map_err(|_| no_event(id))
}

fn no_event(id: &str) -> Error {
    let shown: String = id.chars().take(40).collect();
    Error::NotFound(format!("no event with id {shown:?}"))
}
