//! Interpreter exit: `hotpot._emitter`'s `atexit` handler shuts every emitter of this
//! process down within one budget, then stops hotpot's calls into Python for good.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use hotpot_client::defaults;
use hotpot_client::{Emitter, Report};
use pyo3::prelude::*;

use super::callback::Callback;
use super::state::{LIVE, State};
use crate::process::{close_python_calls, lock};

/// At interpreter exit, how long the calls into Python under way (`on_error`, the results of
/// `AsyncClient` sends) get to finish once the emitters are shut down.
const CALLS_GRACE_AT_EXIT: Duration = Duration::from_secs(1);

/// Shuts down, within one budget of [`defaults::EXIT_SHUTDOWN_TIMEOUT`], every emitter that
/// runs in this process and has not been shut down yet (an interrupted `shutdown` does not
/// count), then stops calls into Python from hotpot's threads for good (waiting up to
/// [`CALLS_GRACE_AT_EXIT`] for the ones under way: `on_error`, `AsyncClient` results).
/// Returns how many moments were left undelivered, and how many of them a spool kept for the
/// next emitter on its directory (not counted in the first). Called by the `atexit` handler of
/// `hotpot._emitter`, before the interpreter finalizes.
#[pyfunction]
pub(crate) fn _shutdown_at_exit(py: Python<'_>) -> (u64, u64) {
    let live: Vec<Arc<State>> = lock(&LIVE).iter().filter_map(Weak::upgrade).collect();
    let mine: Vec<(Emitter, Option<Arc<Callback>>)> = live
        .iter()
        .filter_map(|state| {
            state.closed.store(true, Ordering::SeqCst);
            let emitter = state.emitter.get_if_built(py)?;
            // Shut down below, unless a shutdown already ran to its end.
            (!state.finished.swap(true, Ordering::SeqCst))
                .then(|| (emitter, state.callback.clone()))
        })
        .collect();
    py.detach(|| {
        let emitters: Vec<Emitter> = mine.iter().map(|(e, _)| e.clone()).collect();
        let reports = shut_down_all(&emitters, defaults::EXIT_SHUTDOWN_TIMEOUT);
        let grace = Instant::now() + CALLS_GRACE_AT_EXIT;
        wait_for_callbacks(&mine, grace);
        close_python_calls(grace);
        let unsent = reports.iter().map(|r| r.unsent() - r.kept).sum();
        let kept = reports.iter().map(|r| r.kept).sum();
        (unsent, kept)
    })
}

/// Waits, up to `deadline`, until every emitter's `on_error` has begun a call for each moment
/// that was not delivered (failed or dropped): the moments abandoned while being sent report
/// themselves from the emitter's runtime after its shutdown returns.
fn wait_for_callbacks(emitters: &[(Emitter, Option<Arc<Callback>>)], deadline: Instant) {
    let told = |(emitter, callback): &(Emitter, Option<Arc<Callback>>)| {
        callback.as_ref().is_none_or(|c| {
            let s = emitter.stats();
            c.calls.load(Ordering::SeqCst) >= s.failed + s.dropped
        })
    };
    while !emitters.iter().all(told) && Instant::now() < deadline {
        // Once, at exit, and short: as `close_python_calls` does.
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Shuts the emitters down side by side, so that they share one budget.
fn shut_down_all(emitters: &[Emitter], timeout: Duration) -> Vec<Report> {
    if let [one] = emitters {
        return vec![one.shutdown(timeout)];
    }
    std::thread::scope(|scope| {
        let running: Vec<_> = emitters
            .iter()
            .map(|e| {
                std::thread::Builder::new()
                    .name("hotpot-exit".to_owned())
                    .spawn_scoped(scope, move || e.shutdown(timeout))
                    .map_err(|_| e)
            })
            .collect();
        running
            .into_iter()
            .filter_map(|r| match r {
                Ok(thread) => thread.join().ok(),
                // No thread to spare: shut this one down here (after the others' budget).
                Err(e) => Some(e.shutdown(Duration::ZERO)),
            })
            .collect()
    })
}
