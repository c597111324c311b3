//! hotpot-client's integration tests: one binary (`cargo test -p hotpot-client --test client`),
//! a module per subject. Filter by module: `cargo test -p hotpot-client --test client --
//! emitter_` runs the emitter's suites. The payload's rules are tested in hotpot-protocol.
//!
//! | module | tests |
//! |---|---|
//! | `webhook_url`, `redaction` | spec §2: the URL forms, and the token never printed |
//! | `send_wire`, `send_retries`, `request_status`, `tls`, `blocking` | the clients against a wiremock server (spec §3 to §5) |
//! | `pages` | spec §14: `ApiClient` and `blocking::ApiClient` against a wiremock server |
//! | `emitter_delivery`, `emitter_overflow`, `emitter_shutdown` | the emitter against a scripted server |
//! | `emitter_from_env` | `Emitter::from_env()`: `HOTPOT_WEBHOOK_URL` and `HOTPOT_SPOOL`, in child processes |
//! | `idle_connections` | spec §5: a request a closed keep-alive connection dropped is resent, not counted as an attempt |
//! | `error_chain` | every error with a cause says it once (message or `source()`, not both) |
//! | `sunset` | spec §6: `Receipt::sunset`, `Client::sunset`, one warning per webhook URL per process |
//! | `spool` | the emitter's spool (spec §10): children killed with SIGKILL, the lock, a full disk, `flush_spool` |
//!
//! Helpers: `common` (a known token, clients of a wiremock server, the log capture) and
//! `emitter_support` (the scripted server).

mod common;
mod emitter_support;

mod blocking;
mod emitter_delivery;
mod emitter_from_env;
mod emitter_overflow;
mod emitter_shutdown;
mod error_chain;
mod idle_connections;
mod pages;
mod redaction;
mod request_status;
mod send_retries;
mod send_wire;
mod spool;
mod sunset;
mod tls;
mod webhook_url;
