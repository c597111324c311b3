//! `on_error`: the user's callback, called from the Rust emitter's hooks with a
//! `hotpot.Moment` and the exception, and the guard that keeps `flush` and `shutdown` from
//! waiting for the callback that calls them.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// The user's `on_error`, and what its exceptions need.
pub(super) struct Callback {
    on_error: Py<PyAny>,
    /// The client's URL, to redact its errors.
    url: WebhookUrl,
    /// Calls begun (one per moment not delivered): at exit, the moments abandoned while being
    /// sent report themselves after the shutdown returns, and are waited for by this count.
    pub(super) calls: AtomicU64,
}

impl Callback {
    /// `on_error`: a callable, or None.
    pub(super) fn from_arg(
        on_error: Option<&Bound<'_, PyAny>>,
        url: &WebhookUrl,
    ) -> PyResult<Option<Arc<Callback>>> {
        match given(on_error) {
            Some(f) if f.is_callable() => Ok(Some(Arc::new(Callback {
                on_error: f.clone().unbind(),
                url: url.clone(),
                calls: AtomicU64::new(0),
            }))),
            Some(f) => Err(wrong_type(
                f,
                "on_error",
                "a callable taking (moment, exception), or None",
            )),
            None => Ok(None),
        }
    }

    /// The `on_error` hook: the moment failed for good (a non-retryable answer, or its
    /// deadline passed) or was given up without an answer.
    pub(super) fn undelivered(&self, moment: &Moment, why: &Undelivered) {
        self.calls.fetch_add(1, Ordering::SeqCst);
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
            let callback = self.on_error.bind(py);
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
