//! The end-to-end suites, one binary (`cargo test -p hotpot-e2e`), a module per subject:
//!
//! | module | tests |
//! |---|---|
//! | `client_to_mock` | a valid moment sent by the client lands in the mock, field for field |
//! | `rules_seen_by_the_mock` | §1 from both sides: a payload the client refuses, sent raw, gets the same problems from the mock |
//! | `rotation` | webhook rotation (§6): the old token works until it expires, then answers 410 |
//! | `faults_retried` | the client retries through the mock's faults, each moment recorded once |
//! | `pages` | spec §14: paging through the mock's on-call (retries, escalation on its clock, acknowledgements, the wait) |
//! | `emitter_chaos`, `emitter_shutdown_overflow` | the emitter under faults, overload and shutdown |
//!
//! Helpers: `support` (raw requests) and `emitter_support` (the emitter suites' hooks and checks).

mod emitter_support;
mod support;

mod client_to_mock;
mod emitter_chaos;
mod emitter_shutdown_overflow;
mod faults_retried;
mod pages;
mod rotation;
mod rules_seen_by_the_mock;
