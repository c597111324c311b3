//! Everything the server remembers, behind one `std::sync::Mutex` that is never held across an
//! `.await`, and the `Notify` that wakes the waits.
//!
//! [`Shared`] is the one implementation behind both the admin HTTP API and the library's
//! methods. Its methods are spread over the files below by job; each file adds an `impl Shared`
//! block for its own.
//!
//! | file | job |
//! |---|---|
//! | `ingest` | the ingest protocol: [`Shared::begin`] (faults, webhook, expiry, idempotency, rate limit), then [`Shared::finish`] (record); [`Shared::retry_event`] |
//! | `record` | how an event and its moment are kept, and the one place they become the public [`Event`](crate::Event) and [`RecordedMoment`](crate::RecordedMoment) |
//! | `event_json` | an event's JSON for the stream, written from the kept record |
//! | `log` | the bounded log: events and moments, the oldest out first |
//! | `reads` | reads and waits: filters, lists, counts, request status, long-polls |
//! | `control` | faults, the clock, reset |
//! | `console` | the console's reads: a page of events without copying the log, per-webhook counts |
//! | `journal` | the request journal (`GET /_mock/requests`), under its own lock |
//! | `webhooks` | webhooks (spec §6) |
//! | `senders`, `rejected` | who sent to each webhook; requests that reached no live webhook |
//! | `stream` | what `GET /_mock/stream` tells, and its `Last-Event-ID` history |
//! | `oncall`, `paging` | the on-call directory, and pages (spec §14) |
//! | `clock`, `rate`, `idempotency` | the clock, rate-limit buckets, remembered answers |
//! | `request_id` | request ids that carry their event's number (no map from ids to events) |

mod clock;
mod console;
mod control;
mod event_json;
mod expect;
mod idempotency;
mod ingest;
mod journal;
mod log;
mod oncall;
mod page_ingest;
mod paging;
mod rate;
mod reads;
mod record;
mod rejected;
mod request_id;
mod senders;
pub(crate) mod stream;
mod webhooks;

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, OnceLock};

use bytes::Bytes;

use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::Fault;
use clock::Clock;
use idempotency::Idempotency;
use journal::Journal;
use log::Log;
use rejected::Rejections;
use senders::Senders;
use stream::Stream;
use webhooks::Hook;

pub(crate) use console::{ConsolePage, ConsoleQuery, HookStats};
pub(crate) use idempotency::Answer;
pub use idempotency::DEFAULT_MAX_IDEMPOTENCY_KEYS;
pub(crate) use ingest::{Admission, Begun, Finished, Record, Refusal, Ticket};
pub(crate) use journal::{ContentType, RequestNote, Target, header_text};
pub(crate) use page_ingest::{PageAdmission, PageOutcome};
pub(crate) use reads::Filter;
pub(crate) use record::{Origin, StoredBody};
pub(crate) use rejected::RejectedNote;
pub(crate) use webhooks::{check_token, token_of};

/// The server's fixed settings.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub strict: bool,
    pub api_key: String,
    pub rate_limit: Option<u32>,
    pub max_events: usize,
    /// How many `Idempotency-Key`s are remembered at most.
    pub max_idempotency_keys: usize,
    /// How long a request's headers or body may take to arrive.
    pub read_timeout: std::time::Duration,
    /// How long `/_mock/stream` stays silent before a keep-alive comment.
    pub stream_keep_alive: std::time::Duration,
    /// `http://HOST:PORT`, without a trailing slash.
    pub base_url: String,
}

/// The state and what waits on it, shared by every request handler and the
/// [`MockServer`](crate::MockServer).
pub(crate) struct Shared {
    pub config: Config,
    state: Mutex<State>,
    /// The request journal, under its own lock.
    journal: Mutex<Journal>,
    /// Woken whenever an event or moment is recorded or changed.
    changed: Notify,
    /// `true` once the server is shutting down: long polls answer at once.
    pub shutdown: watch::Sender<bool>,
    /// The OpenAPI description with this server's address as its `servers`, made on first use.
    openapi: OnceLock<Bytes>,
}

/// What the lock guards.
struct State {
    clock: Clock,
    webhooks: HashMap<Box<str>, Hook>,
    default_token: Box<str>,
    next_hook_id: u64,
    log: Log,
    /// The event of each request id the log holds.
    request_ids: request_id::RequestIds,
    faults: VecDeque<Fault>,
    idempotency: Idempotency,
    senders: Senders,
    rejections: Rejections,
    stream: Stream,
    /// Pages and the on-call directory (spec §14).
    paging: paging::Paging,
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
            log: Log::new(config.max_events),
            request_ids: request_id::RequestIds::new(),
            faults: VecDeque::new(),
            idempotency: Idempotency::new(config.max_idempotency_keys),
            senders: Senders::default(),
            rejections: Rejections::default(),
            stream: Stream::default(),
            paging: paging::Paging::new(config.max_events),
        };
        state.insert_default();
        let journal = Mutex::new(Journal::new(config.max_events));
        Shared {
            config,
            state: Mutex::new(state),
            journal,
            changed: Notify::new(),
            shutdown: watch::Sender::new(false),
            openapi: OnceLock::new(),
        }
    }

    /// [`OPENAPI_JSON`](crate::OPENAPI_JSON) with `servers` set to the address this server
    /// serves (or its public URL).
    pub(crate) fn openapi(&self) -> Bytes {
        self.openapi
            .get_or_init(|| {
                let mut spec: serde_json::Value =
                    serde_json::from_str(crate::OPENAPI_JSON).unwrap_or_default();
                if let Some(spec) = spec.as_object_mut() {
                    let server = serde_json::json!([{
                        "url": self.config.base_url,
                        "description": "this mock server",
                    }]);
                    spec.insert("servers".to_owned(), server);
                }
                Bytes::from(serde_json::to_vec_pretty(&spec).unwrap_or_default())
            })
            .clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-changed in a way that
        // matters to a test double: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn webhook_url(&self, token: &str) -> String {
        format!("{}/moment/{token}", self.config.base_url)
    }
}
