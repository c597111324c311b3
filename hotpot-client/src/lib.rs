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
//!    of the contract (name length in characters, an absolute `source_url`, an
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
//! from hotpot's own logs or the HTTP stack's (contract §11):
//!
//! ```ignore
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::fmt::layer())
//!     .with(hotpot_client::MomentLayer::new(emitter))
//!     .init();
//! tracing::error!(hotpot_type = "incident", "Payment provider unreachable");
//! ```
//!
//! ## Layout
//!
//! | module | holds |
//! |---|---|
//! | [`moment`] | [`Moment`], [`MomentBuilder`], [`MomentType`], [`Priority`], [`ValidationError`], and [`parse_lenient`], the server-side parser the mock server uses |
//! | [`moment::rules`] | every rule of the contract's §1, in one place |
//! | `webhook_url` | [`WebhookUrl`], the token and integration rules of §2 ([`check_token`], [`check_integration`]) and the redaction helpers |
//! | `idempotency` | the `Idempotency-Key` header of §3: [`check_idempotency_key`], [`new_idempotency_key`] |
//! | `env` | the `HOTPOT_*` variables, read one way everywhere ([`env_var`]) |
//! | [`defaults`] | every default of the clients and the emitter |
//! | `client` | the async [`Client`], its [`ClientBuilder`], [`Receipt`] and [`RequestStatus`] |
//! | [`blocking`] | the same client without `async` |
//! | [`emitter`] | [`Emitter`]: background delivery that never blocks the caller, its [`EmitterBuilder`], [`Overflow`], [`EmitError`], [`Undelivered`], [`DropReason`], [`Stats`] and [`Report`] |
//! | [`spool`] | the emitter's spool: the queue kept on disk so that moments survive a crash ([`SpoolSync`], [`spool::flush_spool`]) |
//! | `retry` | [`RetryPolicy`] and [`parse_retry_after`] |
//! | `error` | [`Error`] and its predicates |
//! | `layer` | `MomentLayer`, `tracing` events as moments (cargo feature `tracing-layer`) |
//!
//! Everything is re-exported at the crate root.

#![warn(missing_docs)]
// `unsafe` in one place only: the spool's mapped writes (spool/mapped.rs).
#![deny(unsafe_code)]

pub mod blocking;
mod client;
pub mod defaults;
pub mod emitter;
mod env;
mod error;
mod idempotency;
#[cfg(feature = "tracing-layer")]
mod layer;
pub mod moment;
mod retry;
pub mod spool;
mod throttle;
mod webhook_url;

pub use client::{
    Client, ClientBuilder, IntoWebhookUrl, Receipt, RequestState, RequestStatus, USER_AGENT,
    WebhookUrlSource,
};
pub use emitter::{
    DropReason, EmitError, Emitter, EmitterBuilder, Overflow, Report, Stats, Undelivered,
};
pub use env::{ENV_API_KEY, ENV_WEBHOOK_URL, env_var, webhook_url_from_env};
pub use error::Error;
pub use idempotency::{
    IDEMPOTENCY_KEY, MAX_IDEMPOTENCY_KEY_CHARS, check_idempotency_key, new_idempotency_key,
};
#[cfg(feature = "tracing-layer")]
pub use layer::MomentLayer;
pub use moment::{
    LenientParse, Moment, MomentBuilder, MomentType, ParseKindError, Priority, Problem,
    ValidationError, parse_lenient,
};
pub use retry::{RetryPolicy, parse_retry_after};
pub use spool::{FlushReport, SpoolSync, flush_spool};
pub use webhook_url::{
    DEFAULT_BASE, MAX_TOKEN_CHARS, UrlError, WebhookUrl, check_integration, check_token,
    redact_secret_in, redact_token,
};
