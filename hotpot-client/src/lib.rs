//! # hotpot-client
//!
//! Typed, validated moments and a client for Hotpot's webhooks that retries safely and never
//! leaks its token.
//!
//! A *moment* is a small JSON record — "Failed deploy with successful rollback", type
//! `near-miss`, source `Deploybot` — POSTed to a secret webhook URL. This crate follows a
//! moment from your code to the wire:
//!
//! 1. [`Moment::builder`] collects the fields and [`MomentBuilder::build`] checks every rule
//!    of the specification (name length in characters, an absolute `source_url`, an
//!    `occurred_at` that is not in the future, ...), reporting **all** problems at once in a
//!    [`ValidationError`].
//! 2. [`WebhookUrl`] parses the secret URL and prints it redacted (`…/moment/845b…`).
//! 3. [`Client::send`] serialises the moment canonically, POSTs it with an
//!    `Idempotency-Key`, retries what is worth retrying ([`RetryPolicy`]) and returns a
//!    [`Receipt`] — or an [`Error`] you can match on.
//!
//! ```no_run
//! use hotpot_client::{Client, Moment, MomentType, Priority};
//!
//! # async fn demo() -> Result<(), hotpot_client::Error> {
//! let client = Client::from_env()?; // HOTPOT_WEBHOOK_URL
//! let moment = Moment::builder("Failed deploy with successful rollback", MomentType::NearMiss)
//!     .priority(Priority::High)
//!     .source("Deploybot")
//!     .build()?;
//! let receipt = client.send(&moment).await?;
//! println!("queued as {:?}", receipt.request_id);
//! # Ok(()) }
//! ```
//!
//! ## Moments from your logs
//!
//! With the cargo feature `tracing-layer`, `MomentLayer` turns the `tracing` events you
//! choose (`ERROR` by default) into moments through an [`Emitter`], deduplicated, and never
//! from hotpot's own logs or the HTTP stack's (spec §11):
//!
//! ```no_run
//! # #[cfg(feature = "tracing-layer")]
//! # #[tokio::main]
//! # async fn main() -> Result<(), hotpot_client::Error> {
//! use tracing_subscriber::prelude::*;
//!
//! let emitter = hotpot_client::Emitter::builder(hotpot_client::Client::from_env()?).build()?;
//! tracing_subscriber::registry()
//!     .with(hotpot_client::MomentLayer::new(emitter))
//!     .init();
//! tracing::error!(hotpot_type = "incident", "Payment provider unreachable");
//! # Ok(()) }
//! # #[cfg(not(feature = "tracing-layer"))]
//! # fn main() {}
//! ```
//!
//! ## Layout
//!
//! The rules themselves (the moment model and its checks, the webhook URL and its redaction,
//! the `Idempotency-Key`, what an answer means) are in the crate `hotpot-protocol`, shared with
//! the mock server; the types a caller needs ([`Moment`], [`WebhookUrl`], ...) are re-exported
//! here.
//!
//! | module | holds |
//! |---|---|
//! | `client` | the async [`Client`], its [`ClientBuilder`], [`Receipt`] and [`RequestStatus`]; one retry loop over one attempt |
//! | `api` | [`ApiClient`] and its [`ApiClientBuilder`]: pages to a person or a team, request status, acknowledgements and the wait for one (spec §14) |
//! | [`blocking`] | the same clients without `async` |
//! | `retry` | [`RetryPolicy`] |
//! | `error` | [`Error`] and its predicates |
//! | [`emitter`] | [`Emitter`]: background delivery that never blocks the caller, its [`EmitterBuilder`], [`Overflow`], [`EmitError`], [`Undelivered`], [`DropReason`], [`Stats`] and [`Report`] |
//! | [`spool`] | the emitter's spool: the queue kept on disk so that moments survive a crash ([`SpoolSync`], [`flush_spool`]) |
//! | [`sunset`] | the `Sunset` header: one warning per webhook per process, [`SunsetNotice`](sunset::SunsetNotice) |
//! | [`env`] | the `HOTPOT_*` variables, read one way everywhere |
//! | [`defaults`] | every default of the clients and the emitter |
//! | `layer` | `MomentLayer`, `tracing` events as moments (cargo feature `tracing-layer`) |
//!
//! Sections cited as "spec §N" are those of the project's specification, `docs/src/spec/` in
//! the repository. Everything a caller needs is re-exported at the crate root.

#![warn(missing_docs)]
// `unsafe` in one place only: the spool's mapped writes (spool/mapped.rs).
#![deny(unsafe_code)]

#[cfg(not(any(feature = "aws-lc", feature = "ring")))]
compile_error!(
    "hotpot-client needs a TLS backend: enable its feature `aws-lc` (the default) or `ring`"
);

mod api;
mod async_context;
pub mod blocking;
mod client;
pub mod defaults;
pub mod emitter;
pub mod env;
mod error;
#[cfg(feature = "tracing-layer")]
mod layer;
mod retry;
pub mod spool;
pub mod sunset;
mod throttle;

pub use api::{ApiClient, ApiClientBuilder, DEFAULT_POLL_INTERVAL};
pub use client::{
    Client, ClientBuilder, IntoWebhookUrl, Receipt, RequestState, RequestStatus, USER_AGENT,
    WebhookUrlSource,
};
pub use emitter::{
    DropReason, EmitError, Emitter, EmitterBuilder, Overflow, Report, Stats, Undelivered,
};
pub use env::{ENV_API_KEY, ENV_API_URL, ENV_WEBHOOK_URL};
pub use error::{Error, TransportError};
pub use hotpot_protocol::{
    Acknowledgement, ApiBase, ApiKey, Moment, MomentBuilder, MomentType, Page, PageBuilder,
    PageRequest, ParseKindError, Priority, Problem, Recipient, RecipientKind, Urgency, UrlError,
    ValidationError, WebhookUrl,
};
#[cfg(feature = "tracing-layer")]
pub use layer::MomentLayer;
pub use retry::RetryPolicy;
pub use spool::{FlushReport, LiveSlot, SpoolSync, flush_spool};
