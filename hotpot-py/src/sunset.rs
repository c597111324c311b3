//! The `Sunset` warning (spec §6) through Python's `logging`: the Rust client keeps one notice
//! per webhook URL per process ([`hotpot_client::sunset`]), whichever client or emitter heard
//! it; the package logs them at WARNING on the `hotpot` logger the next time the caller is
//! back with the GIL (after a send, on `emit`, `flush` and `shutdown`). The emitter's thread
//! never takes the GIL for it.

use pyo3::prelude::*;

/// Logs the notices not logged yet (one per webhook URL per process), token redacted.
pub(crate) fn log_notices(py: Python<'_>) {
    for notice in hotpot_client::sunset::take_notices() {
        let logged = py
            .import("logging")
            .and_then(|logging| logging.call_method1("getLogger", ("hotpot",)))
            .and_then(|logger| logger.call_method1("warning", ("%s", notice.to_string())));
        if let Err(e) = logged {
            e.write_unraisable(py, None);
        }
    }
}
