//! The properties hotpot-protocol's fuzz targets check, one entry point per target, each taking
//! the fuzzer's raw bytes.
//!
//! The same file is compiled into `hotpot-protocol/tests/protocol/fuzz_regressions.rs`, which replays the
//! committed regression inputs and a bounded number of random ones in `cargo test`: the
//! targets and the CI smoke run check exactly the same things.
//!
//! Beyond "no panic", each target asserts what must hold for every input:
//! - [`lenient_json`], [`lenient_structured`]: a moment `parse_lenient` accepts re-serialises
//!   and re-parses to the same moment with no warnings, and the builder given the same values
//!   accepts it too; a rejected payload gets problems naming known fields, each saying what was
//!   expected; where the builder can express the payload, it finds exactly the same problems;
//!   one warning per unknown field.
//! - [`webhook_url`]: a known token placed anywhere in a URL never shows in a `UrlError`'s
//!   `Display` or `Debug`, nor in a parsed URL's; a parsed URL re-parses to itself; `parse`
//!   and `parse_allowing_http` differ only on plain http.
//! - [`occurred_at`]: an accepted time formats back (`format_time`) to text that parses to the
//!   same instant; every well-formed time of the documented forms is accepted as the instant
//!   it names.
//! - [`retry_after`]: delay-seconds give that many seconds (saturating), an HTTP date gives
//!   the time until it, anything else nothing.

#![forbid(unsafe_code)]

mod inputs;
mod lenient;
mod occurred_at;
mod retry_after;
mod webhook_url;

pub use lenient::{lenient_json, lenient_structured, mixed_case};
pub use occurred_at::occurred_at;
pub use retry_after::retry_after;
pub use webhook_url::webhook_url;

use chrono::{DateTime, TimeZone, Utc};

/// The fixed "now" of the targets, so that a replayed input behaves as it did when found.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .expect("a valid date")
}
