//! # hotpot-mock-server
//!
//! A faithful, stateful mock of Hotpot's moment webhooks (spec §3, §4, §6, §7), to test
//! code that sends moments without touching the real service: in-process from Rust (and,
//! through the Python package, from pytest), or as the standalone binary
//! `hotpot-mock-server` for any other language.
//!
//! ```
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use hotpot_client::{Client, Moment, MomentType};
//! use hotpot_mock_server::{EventStatus, Fault, MockServer};
//!
//! let server = MockServer::start().await?;            // 127.0.0.1, a free port
//! let client = Client::new(server.webhook_url().as_str())?;
//!
//! server.fail_next(Fault::status(503))?;               // the client retries through it
//! client.send(&Moment::builder("Disk full", MomentType::Alert).build()?).await?;
//!
//! let moments = server.wait_for_moments(1, Duration::from_secs(5)).await?;
//! assert_eq!(moments[0].name, "Disk full");
//! assert_eq!(server.events()[0].status, EventStatus::Success);
//! # Ok(()) }
//! ```
//!
//! ## It runs on the runtime that starts it: do not block that runtime
//!
//! [`MockServer::start`] serves on the calling tokio runtime, which in a `#[tokio::test]` is a
//! current-thread runtime: the test's own thread. A blocking call on that thread stops the mock
//! until it returns, so whatever it waits for from the mock never comes: a blocking
//! `Emitter::shutdown` or `flush` reports every moment undelivered (it warns, and its
//! `Report::blocked_runtime` says so), a `reqwest::blocking` call times out. Use the async
//! forms (`client.send(..).await`, `emitter.shutdown_async(..).await`), run blocking code in
//! `tokio::task::spawn_blocking`, or start the mock on another runtime with
//! [`MockServerBuilder::start_on`]. (hotpot-client's `blocking::Client` refuses to run on that
//! thread, with `Error::BlockingInAsync`.)
//!
//! ## What it does
//!
//! - **Ingest** (`POST /moment/{token}` and `/moment/{token}/{integration}`): every row of the
//!   §3 status table with its exact body, `Idempotency-Key` replay for 24 hours, an optional
//!   per-webhook rate limit, strict mode (422). Every request to a live webhook becomes an
//!   [`Event`]; a payload that passes §1 — checked only by
//!   [`hotpot_protocol::parse_lenient`], never a copy of the rules — also becomes a
//!   [`RecordedMoment`].
//! - **Request status** (`GET /request/{id}/status`, §4) with `Authorization: Bearer`
//!   [`DEFAULT_API_KEY`] (or the key given to the builder).
//! - **The admin API** under `/_mock` (§7): webhooks, events and moments with filters and a
//!   long-poll, the request journal, retry, faults, the clock, reset — the same operations as
//!   [`MockServer`]'s methods. Its OpenAPI description is [`OPENAPI_JSON`], served at `/_mock/openapi.json`.
//! - **The console** (spec §15): Events at `/`, Integrations, Webhooks — server-rendered HTML
//!   that works without JavaScript, with live updates and copy buttons from one small script.
//! - **Pages** (`POST /page/person`, `POST /page/team`, spec §14) behind the API key, with
//!   every answer of §14, checked only by [`hotpot_protocol::parse_page_lenient`]; an on-call
//!   directory of [`User`]s and [`Team`]s (`--oncall FILE`, [`OncallDirectory`], the default
//!   user `oncall@example.com` and team `default`); escalation stage by stage on the mock's
//!   clock ([`RecordedPage::notified`]); acknowledgements ([`MockServer::acknowledge`],
//!   `GET /request/{id}/acknowledgements`).
//!
//! ## Layout: from the route to the record
//!
//! Like mini-redis, one module per concern, with the state in the middle. A moment's way
//! through the server reads top to bottom:
//!
//! | module | holds |
//! |---|---|
//! | `serve` | the accept loop and connections (hyper HTTP/1.1), request logs, bounded graceful shutdown |
//! | `http` | the axum routes; `http::ingest` is the hot path and words every §3 answer and every rejection an event records; `body` reads the body (1 MiB, `Content-Type`); `status` (§4), `admin` (§7, with `input` for its checks), `reply` (the answers' bytes) |
//! | `console` | the console's views (§15), rendered with `maud`; its stylesheet and script are in `assets/` |
//! | `payload` | the one parse step, for ingest and retry: JSON (warning of repeated keys), then §1 with [`hotpot_protocol::parse_lenient`] |
//! | `state` | `Shared`, one `std::sync::Mutex` never held across an `.await`: `state::ingest` (admit, then record), `state::record` (how an event and its moment are kept, and made public), `state::log` (the bounded log), `state::reads` (reads and waits), `state::control` (faults, clock, reset), `state::webhooks`, `state::journal` (the request journal, under its own lock) |
//! | `oncall`, `pages` | the on-call directory's records and inputs ([`User`], [`Team`], [`NewUser`], [`NewTeam`], [`OncallDirectory`]) and the page records ([`RecordedPage`], [`Notification`]); `http::pages` and `http::page_admin` the page routes, `state::page_ingest` and `state::paging` their state |
//! | `model` | the public records: [`Event`], [`RecordedMoment`], [`RecordedRequest`], [`Webhook`], [`NewWebhook`], [`WebhookPatch`] |
//! | `fault` | [`Fault`] |
//! | `server` | [`MockServer`]: the running server, the library API that reads its state, stopping; `server::control` changes the state (webhooks, faults, the clock, reset); `server::builder` holds [`MockServerBuilder`]: the settings, their checks, binding and spawning |
//! | `error` | [`Error`], [`WaitTimeout`] |
//!
//! ## The hot path
//!
//! `http::ingest::ingest` takes the lock twice, briefly. `Shared::begin` looks at the queued
//! faults, the webhook, the idempotency key and the rate limit. Then, without the lock, the
//! body is read and parsed once (`payload::check`), and the handler decides the answer and
//! what the event records. `Shared::finish` appends the event, and the [`Moment`] that
//! `parse_lenient` made, to the bounded log (`state::log`); reads turn them into the public
//! records in one place (`state::record`). What keeps the log compact, and why, is in
//! `BENCHMARKS.md`.
//!
//! [`Moment`]: hotpot_protocol::Moment
//!
//! The webhook token is a secret (spec §2): logs, `Debug` output and error bodies show at
//! most its first 4 characters (`845b…`). Only [`MockServer::webhook_url`], the admin API's
//! webhook records and the binary's start-up line hand out the full URL.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(feature = "cli")]
mod cli;
mod console;
mod error;
mod expect;
mod fault;
mod head_timer;
mod http;
#[cfg(feature = "cli")]
mod log_writer;
mod model;
mod oncall;
mod pages;
mod payload;
#[cfg(feature = "cli")]
mod print;
mod serve;
mod server;
mod signals;
mod state;
mod watch;

#[cfg(feature = "cli")]
pub use cli::{LogFormat, MockArgs};
pub use console::PAGE_EVENTS;
pub use error::{Error, WaitTimeout};
pub use expect::{Difference, ExpectationFailed, MomentMatch, NearMiss};
pub use fault::{Fault, FaultRoute, MAX_FAULT_COUNT, MAX_FAULT_DELAY};
pub use hotpot_protocol::Acknowledgement;
pub use http::admin::{DEFAULT_WAIT_MS, MAX_WAIT_MS};
pub use http::body::{MAX_BODY_BYTES, RAW_BODY_MAX_BYTES};
pub use http::stream::STREAM_KEEP_ALIVE as DEFAULT_STREAM_KEEP_ALIVE;
pub use model::{
    Event, EventStatus, NewWebhook, RecordedMoment, RecordedRequest, RequestHeaders, Webhook,
    WebhookPatch,
};
pub use oncall::{
    DEFAULT_ESCALATE_AFTER_S, DEFAULT_ONCALL_EMAIL, DEFAULT_TEAM_SLUG, MAX_ESCALATE_AFTER_S,
    NewTeam, NewUser, OncallDirectory, Team, User,
};
pub use pages::{Notification, NotificationRole, PageKind, PageStatus, RecordedPage};
pub use server::{
    DEFAULT_API_KEY, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_EVENTS, DEFAULT_READ_TIMEOUT,
    DEFAULT_SHUTDOWN_TIMEOUT, MockServer, MockServerBuilder,
};
pub use state::DEFAULT_MAX_IDEMPOTENCY_KEYS;
pub use watch::{Near, Rejected, Sender};

/// The OpenAPI 3 description of the ingest, status and admin routes (also served at
/// `GET /_mock/openapi.json`).
///
/// ```
/// let spec: serde_json::Value = serde_json::from_str(hotpot_mock_server::OPENAPI_JSON).unwrap();
/// assert!(spec["paths"]["/moment/{token}"]["post"].is_object());
/// ```
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");
