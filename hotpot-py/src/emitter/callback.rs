//! `on_error`: the user's callback, called from the Rust emitter's hooks with a
//! `hotpot.Moment` and the exception, and the guard that keeps `flush` and `shutdown` from
//! waiting for the callback that calls them. Without a callback, each moment not delivered
//! is a warning on the `hotpot` logger, at most one a second for each kind (failed, dropped),
//! saying how many were held back since the last one: nothing is lost without a trace.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use hotpot_client::{Moment, Undelivered, WebhookUrl};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::args::{given, wrong_type};
use crate::errors::{client_error, dropped_error};
use crate::moment::public_moment;
use crate::process::PythonCall;

thread_local! {
    /// Whether this thread is running `on_error` (where `flush` and `shutdown` would wait
    /// for the callback itself).
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as running `on_error` until dropped.
struct InCallback;

impl InCallback {
    fn enter() -> InCallback {
        IN_CALLBACK.with(|c| c.set(true));
        InCallback
    }
}

impl Drop for InCallback {
    fn drop(&mut self) {
        IN_CALLBACK.with(|c| c.set(false));
    }
}

pub(super) fn refuse_in_callback(method: &str) -> PyResult<()> {
    if IN_CALLBACK.with(Cell::get) {
        return Err(PyRuntimeError::new_err(format!(
            "Emitter.{method}() cannot be called from on_error: it would wait for the callback \
             that is calling it"
        )));
    }
    Ok(())
}

/// The user's `on_error` (or, without one, the `hotpot` logger), and what its exceptions need.
pub(super) struct Callback {
    /// None: log to the `hotpot` logger instead.
    on_error: Option<Py<PyAny>>,
    /// Without `on_error`: at most one warning a period for failures, and one for drops.
    failures: Throttle,
    drops: Throttle,
    /// The client's URL, to redact its errors.
    url: WebhookUrl,
    /// Calls begun (one per moment not delivered): at exit, the moments abandoned while being
    /// sent report themselves after the shutdown returns, and are waited for by this count.
    pub(super) calls: AtomicU64,
}

impl Callback {
    /// `on_error`: a callable, or None (the `hotpot` logger).
    pub(super) fn from_arg(
        on_error: Option<&Bound<'_, PyAny>>,
        url: &WebhookUrl,
    ) -> PyResult<Option<Arc<Callback>>> {
        let on_error = match given(on_error) {
            Some(f) if f.is_callable() => Some(f.clone().unbind()),
            Some(f) => {
                return Err(wrong_type(
                    f,
                    "on_error",
                    "a callable taking (moment, exception), or None",
                ));
            }
            None => None,
        };
        Ok(Some(Arc::new(Callback {
            on_error,
            failures: Throttle::new(),
            drops: Throttle::new(),
            url: url.clone(),
            calls: AtomicU64::new(0),
        })))
    }

    /// Without `on_error`: logs how many moments were held back since the last warning of
    /// each kind, if any (after `shutdown`, so that the last ones are counted too).
    pub(super) fn log_held_back(&self, py: Python<'_>) {
        if self.on_error.is_some() {
            return;
        }
        for (throttle, what) in [(&self.failures, "failed"), (&self.drops, "dropped")] {
            let n = throttle.held_back.swap(0, Ordering::Relaxed);
            if n > 0 {
                let s = if n == 1 { "" } else { "s" };
                log_warning(
                    py,
                    &format!("{n} more moment{s} {what} since the last warning (no on_error set)"),
                );
            }
        }
    }

    /// The `on_error` hook: the moment failed for good (a non-retryable answer, or its
    /// deadline passed) or was given up without an answer.
    pub(super) fn undelivered(&self, moment: &Moment, why: &Undelivered) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.on_error.is_none() {
            self.log(moment, why);
            return;
        }
        match why {
            Undelivered::Dropped(reason) => self.call(moment, |py, m| {
                dropped_error(py, *reason, reason.describe(moment.name()), m)
            }),
            other => {
                let Some(error) = other.error() else { return };
                self.call(moment, |py, _| client_error(py, error, &self.url));
            }
        }
    }

    /// Without `on_error`: a warning on the `hotpot` logger, unless one of the same kind was
    /// logged less than a second ago (then it is counted, and the next one says how many).
    fn log(&self, moment: &Moment, why: &Undelivered) {
        let (throttle, what) = match why {
            Undelivered::Dropped(_) => (&self.drops, "dropped"),
            _ => (&self.failures, "failed"),
        };
        let Some(held_back) = throttle.allow() else {
            return;
        };
        let Some(_pass) = PythonCall::begin() else {
            return; // the interpreter is exiting
        };
        Python::try_attach(|py| {
            let mut message = match why {
                Undelivered::Dropped(reason) => reason.describe(moment.name()),
                other => match other.error() {
                    Some(error) => {
                        let exception = client_error(py, error, &self.url);
                        format!(
                            "moment {:?} not delivered: {}",
                            moment.name(),
                            exception.value(py)
                        )
                    }
                    None => format!("moment {:?} not delivered", moment.name()),
                },
            };
            if held_back > 0 {
                let s = if held_back == 1 { "" } else { "s" };
                message.push_str(&format!(
                    " ({held_back} more moment{s} {what} since the last warning)"
                ));
            }
            message.push_str(" (no on_error set: pass Emitter(..., on_error=...) to handle them)");
            log_warning(py, &message);
        });
    }

    fn call(
        &self,
        moment: &Moment,
        exception: impl FnOnce(Python<'_>, &Bound<'_, PyAny>) -> PyErr,
    ) {
        let Some(_pass) = PythonCall::begin() else {
            return; // the interpreter is exiting
        };
        Python::try_attach(|py| {
            let _in_callback = InCallback::enter();
            let Some(callback) = &self.on_error else {
                return;
            };
            let callback = callback.bind(py);
            let called = public_moment(py, moment).and_then(|m| {
                let m = m.into_any();
                let exception = exception(py, &m).into_value(py);
                callback.call1((m, exception))
            });
            if let Err(e) = called {
                // Reported (sys.unraisablehook), and the emitter carries on.
                e.write_unraisable(py, Some(callback));
            }
        });
    }
}

/// Logs `message` at WARNING on the `hotpot` logger (a failure to log is unraisable).
pub(super) fn log_warning(py: Python<'_>, message: &str) {
    let logged = py
        .import("logging")
        .and_then(|logging| logging.call_method1("getLogger", ("hotpot",)))
        .and_then(|logger| logger.call_method1("warning", ("%s", message)));
    if let Err(e) = logged {
        e.write_unraisable(py, None);
    }
}

/// The shortest time between two warnings of one kind, as the Rust emitter's.
const WARN_PERIOD_MS: u64 = 1_000;

/// At most one warning a period, counting the events held back in between.
struct Throttle {
    started: Instant,
    /// The earliest time (ms since `started`) of the next warning.
    next_ms: AtomicU64,
    held_back: AtomicU64,
}

impl Throttle {
    fn new() -> Throttle {
        Throttle {
            started: Instant::now(),
            next_ms: AtomicU64::new(0),
            held_back: AtomicU64::new(0),
        }
    }

    /// `Some(events held back since the last warning)` when this event is to be logged.
    fn allow(&self) -> Option<u64> {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let next = self.next_ms.load(Ordering::Relaxed);
        if now >= next
            && self
                .next_ms
                .compare_exchange(
                    next,
                    now.saturating_add(WARN_PERIOD_MS),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            Some(self.held_back.swap(0, Ordering::Relaxed))
        } else {
            self.held_back.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}
