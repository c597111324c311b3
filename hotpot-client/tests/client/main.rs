//! hotpot-client's integration tests: one binary (`cargo test -p hotpot-client --test client`),
//! a module per subject. Filter by module: `cargo test -p hotpot-client --test client --
//! emitter_` runs the emitter's suites.
//!
//! | module | tests |
//! |---|---|
//! | `moment_rules`, `lenient`, `properties` | contract §1: the builder, the server-side parser, and properties over generated moments |
//! | `fuzz_regressions` | the fuzz targets' properties, replayed from committed inputs and random ones |
//! | `webhook_url`, `redaction` | contract §2: the URL forms, and the token never printed |
//! | `send_wire`, `send_retries`, `request_status`, `tls`, `blocking` | the clients against a wiremock server (§3 to §5) |
//! | `emitter_delivery`, `emitter_overflow`, `emitter_shutdown` | the emitter against a scripted server |
//!
//! Helpers: `common` (a known token, clients of a wiremock server, the log capture) and
//! `emitter_support` (the scripted server).

mod common;
mod emitter_support;

mod blocking;
mod emitter_delivery;
mod emitter_overflow;
mod emitter_shutdown;
mod fuzz_regressions;
mod lenient;
mod moment_rules;
mod properties;
mod redaction;
mod request_status;
mod send_retries;
mod send_wire;
mod tls;
mod webhook_url;
