//! The core of `hotpot.Emitter`: background delivery on a `hotpot_client::Emitter`.
//!
//! - **The GIL.** `emit` holds it for no more than the queue's lock, except with
//!   `overflow="block"`, where it waits for room without it. `flush` and `shutdown` wait
//!   without it, and look for a pending signal (Ctrl-C) every 100 ms.
//! - **`on_error`.** The Rust hooks call it, attached to Python, with a `hotpot.Moment` and
//!   the exception: the client's exception for a failure, a `hotpot.DroppedError` for a drop.
//!   The hooks run on the emitter's thread (failures), on the thread calling `emit` (queue
//!   full, displaced, shut down) or `shutdown` (abandoned), never under one of the emitter's
//!   locks; `flush` and `shutdown` release the GIL while they wait, so a hook under way can
//!   finish. An exception raised by the callback goes to `sys.unraisablehook`.
//! - **Interpreter exit.** `hotpot._emitter` registers an `atexit` handler that calls
//!   [`_shutdown_at_exit`]: every emitter of this process is shut down within one short
//!   budget, then calls into Python from hotpot's threads are stopped for good and the ones
//!   under way waited for ([`close_python_calls`]), so no thread of ours attaches to an
//!   interpreter that is finalizing.
//! - **`fork`.** The Rust emitter lives in a [`PerProcess`] cell: a forked child builds its own
//!   on first use (a new thread, an empty queue, counters at zero) and leaks the parent's copy,
//!   whose queue only the parent sends.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hotpot_client::defaults::{self, MAX_CONCURRENCY};
use hotpot_client::{EmitError, Emitter, Moment, Overflow, Report, Stats, Undelivered};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyType};

use crate::aio::AsyncCore;
use crate::client::{Config, PyClient, block_on};
use crate::errors::{
    Secret, client_error, client_error_ref, config_error, dropped_error, validation_error,
};
use crate::moment::{PyMoment, describe, public_moment};
use crate::process::{PerProcess, PythonCall, close_python_calls, runtimes};

/// At interpreter exit, how long the calls into Python under way (`on_error`, the results of
/// `AsyncClient` sends) get to finish once the emitters are shut down.
const CALLS_GRACE_AT_EXIT: Duration = Duration::from_secs(1);

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

fn refuse_in_callback(method: &str) -> PyResult<()> {
    if IN_CALLBACK.with(Cell::get) {
        return Err(PyRuntimeError::new_err(format!(
            "Emitter.{method}() cannot be called from on_error: it would wait for the callback \
             that is calling it"
        )));
    }
    Ok(())
}

// --- on_error --------------------------------------------------------------------------------

/// The user's `on_error`, and what its exceptions need.
struct Callback {
    on_error: Py<PyAny>,
    secret: Secret,
}

impl Callback {
    /// The `on_error` hook: the moment failed for good (a non-retryable answer, or its
    /// deadline passed) or was given up without an answer.
    fn undelivered(&self, moment: &Moment, why: &Undelivered) {
        match why {
            Undelivered::Dropped(reason) => self.call(moment, |py, m| {
                dropped_error(py, *reason, reason.describe(moment.name()), m)
            }),
            other => {
                let Some(error) = other.error() else { return };
                self.call(moment, |py, _| client_error_ref(py, error, &self.secret));
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

// --- arguments --------------------------------------------------------------------------------

/// The settings of an emitter, checked.
#[derive(Clone, Copy)]
struct Settings {
    capacity: usize,
    overflow: Overflow,
    concurrency: usize,
    deadline: Duration,
}

fn wrong_type(value: &Bound<'_, PyAny>, name: &str, expected: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{name}: expected {expected}, found {}",
        describe(value)
    ))
}

/// The client's settings: a `hotpot.Client` or a `hotpot.AsyncClient`.
fn client_config(client: &Bound<'_, PyAny>) -> PyResult<Config> {
    static ASYNC_CLIENT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let py = client.py();
    if let Ok(client) = client.cast::<PyClient>() {
        return Ok(client.get().config().clone());
    }
    if client.is_instance(ASYNC_CLIENT.import(py, "hotpot._api", "AsyncClient")?)? {
        if let Ok(core) = client.getattr("_core")?.cast::<AsyncCore>() {
            return Ok(core.get().config().clone());
        }
    }
    Err(wrong_type(
        client,
        "client",
        "a hotpot.Client or hotpot.AsyncClient",
    ))
}

/// A whole number in `min..=max` (not a `bool`), or `default` for None.
fn count_arg(
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
    default: usize,
    (min, max): (usize, usize),
) -> PyResult<usize> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(default);
    };
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(wrong_type(value, name, "an int"));
    }
    match value.extract::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(config_error(
            value.py(),
            format!("{name}: expected {min} to {max}, found {value}"),
        )),
    }
}

/// Seconds as a duration, or None when the value is None. `math.inf` is accepted only where
/// `inf_ok` (it then means no limit); negative numbers and NaN never are.
fn seconds_arg(
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
    expected: &str,
    inf_ok: bool,
) -> PyResult<Option<Duration>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if value.is_instance_of::<PyBool>()
        || !(value.is_instance_of::<PyFloat>() || value.is_instance_of::<PyInt>())
    {
        return Err(wrong_type(value, name, expected));
    }
    let seconds: f64 = value.extract()?;
    if seconds == f64::INFINITY && inf_ok {
        return Ok(Some(Duration::MAX));
    }
    Duration::try_from_secs_f64(seconds).map(Some).map_err(|_| {
        config_error(
            value.py(),
            format!("{name}: expected {expected}, found {value}"),
        )
    })
}

/// `overflow` and `block_timeout`.
fn overflow_arg(
    overflow: Option<&Bound<'_, PyAny>>,
    block_timeout: Option<&Bound<'_, PyAny>>,
) -> PyResult<Overflow> {
    const ALLOWED: &str = "'drop_newest', 'drop_oldest' or 'block'";
    let block_timeout = seconds_arg(
        block_timeout,
        "block_timeout",
        "a non-negative number of seconds or None",
        false,
    )?;
    let Some(overflow) = overflow.filter(|v| !v.is_none()) else {
        return Ok(Overflow::DropNewest);
    };
    let py = overflow.py();
    let name = overflow
        .extract::<String>()
        .map_err(|_| wrong_type(overflow, "overflow", ALLOWED))?;
    let policy = match name.as_str() {
        "drop_newest" => Overflow::DropNewest,
        "drop_oldest" => Overflow::DropOldest,
        "block" => Overflow::Block(block_timeout.unwrap_or(defaults::BLOCK_TIMEOUT)),
        other => {
            return Err(config_error(
                py,
                format!("overflow: expected {ALLOWED}, found {other:?}"),
            ));
        }
    };
    if block_timeout.is_some() && !matches!(policy, Overflow::Block(_)) {
        return Err(config_error(
            py,
            format!("block_timeout: only used with overflow='block', found overflow={name:?}"),
        ));
    }
    Ok(policy)
}

fn overflow_name(overflow: Overflow) -> &'static str {
    match overflow {
        Overflow::DropOldest => "drop_oldest",
        Overflow::Block(_) => "block",
        _ => "drop_newest",
    }
}

// --- results ------------------------------------------------------------------------------------

fn report_dict<'py>(py: Python<'py>, r: &Report) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("emitted", r.emitted)?;
    d.set_item("delivered", r.delivered)?;
    d.set_item("failed", r.failed)?;
    d.set_item("dropped", r.dropped)?;
    d.set_item("still_queued", r.still_queued)?;
    d.set_item("in_flight", r.in_flight)?;
    d.set_item("retried", r.retried)?;
    d.set_item("timed_out", r.timed_out)?;
    Ok(d)
}

fn stats_dict<'py>(py: Python<'py>, s: &Stats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("emitted", s.emitted)?;
    d.set_item("queued", s.queued)?;
    d.set_item("in_flight", s.in_flight)?;
    d.set_item("delivered", s.delivered)?;
    d.set_item("failed", s.failed)?;
    d.set_item("dropped", s.dropped)?;
    d.set_item("retried", s.retried)?;
    Ok(d)
}

/// The exception `emit` raises for a refused moment (`moment`, the caller's object).
fn refused(py: Python<'_>, error: EmitError, moment: &Bound<'_, PyAny>) -> PyErr {
    match (error.drop_reason(), error) {
        (_, EmitError::Invalid(v)) => validation_error(py, v.problems()),
        (Some(reason), error) => dropped_error(py, reason, error.to_string(), moment),
        (None, error) => PyRuntimeError::new_err(error.to_string()),
    }
}

// --- the class ------------------------------------------------------------------------------------

/// Background delivery of moments. The public class is `hotpot.Emitter`, a subclass.
#[pyclass(module = "hotpot._hotpot", name = "Emitter", subclass, frozen, weakref)]
pub(crate) struct PyEmitter {
    config: Config,
    settings: Settings,
    callback: Option<Arc<Callback>>,
    /// The Rust emitter of this process (see the module documentation on `fork`).
    emitter: PerProcess<Emitter>,
    /// `shutdown` began, here or in the process this one was forked from.
    closed: AtomicBool,
    /// A `shutdown` ran to its end (it was not interrupted): nothing is left to do at exit.
    finished: AtomicBool,
}

impl PyEmitter {
    /// This process's emitter, built on first use (and after a fork).
    fn emitter(&self, py: Python<'_>) -> PyResult<Emitter> {
        self.emitter.get_or_try_init(py, || self.build(py))
    }

    fn build(&self, py: Python<'_>) -> PyResult<Emitter> {
        let secret = &self.config.secret;
        let runtime = runtimes(py)?.blocking.handle();
        let client = self
            .config
            .build(runtime)
            .map_err(|e| client_error(py, e, secret))?;
        let s = self.settings;
        let mut builder = Emitter::builder(client)
            .capacity(s.capacity)
            .overflow(s.overflow)
            .concurrency(s.concurrency)
            .delivery_deadline(s.deadline);
        if let Some(callback) = &self.callback {
            let callback = Arc::clone(callback);
            builder = builder.on_error(move |moment, why| callback.undelivered(moment, why));
        }
        let emitter = builder.build().map_err(|e| client_error(py, e, secret))?;
        if self.closed.load(Ordering::SeqCst) {
            // Shut down before the fork that made this process: it stays shut down here.
            emitter.shutdown(Duration::ZERO);
            self.finished.store(true, Ordering::SeqCst);
        }
        Ok(emitter)
    }
}

impl Drop for PyEmitter {
    fn drop(&mut self) {
        let Some(emitter) = self.emitter.take_if_built() else {
            return; // never built here (a forked child's copy is leaked by the cell)
        };
        if *self.finished.get_mut() {
            return;
        }
        // Dropping the last handle lets it send for about 100 ms, then gives up on the rest
        // (each one to on_error): without the GIL, so that the hooks can run.
        Python::attach(|py| py.detach(move || drop(emitter)));
    }
}

#[pymethods]
impl PyEmitter {
    #[new]
    #[pyo3(signature = (client, *, capacity=None, overflow=None, block_timeout=None, concurrency=None, deadline=None, on_error=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client: &Bound<'_, PyAny>,
        capacity: Option<&Bound<'_, PyAny>>,
        overflow: Option<&Bound<'_, PyAny>>,
        block_timeout: Option<&Bound<'_, PyAny>>,
        concurrency: Option<&Bound<'_, PyAny>>,
        deadline: Option<&Bound<'_, PyAny>>,
        on_error: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let config = client_config(client)?;
        let settings = Settings {
            capacity: count_arg(capacity, "capacity", defaults::CAPACITY, (1, usize::MAX))?,
            overflow: overflow_arg(overflow, block_timeout)?,
            concurrency: count_arg(
                concurrency,
                "concurrency",
                defaults::CONCURRENCY,
                (1, MAX_CONCURRENCY),
            )?,
            deadline: seconds_arg(deadline, "deadline", "a positive number of seconds", false)?
                .map(|d| {
                    if d.is_zero() {
                        Err(config_error(
                            py,
                            "deadline: expected a positive number of seconds, found 0",
                        ))
                    } else {
                        Ok(d)
                    }
                })
                .transpose()?
                .unwrap_or(defaults::DELIVERY_DEADLINE),
        };
        let callback = match on_error.filter(|f| !f.is_none()) {
            Some(f) if f.is_callable() => Some(Arc::new(Callback {
                on_error: f.clone().unbind(),
                secret: config.secret.clone(),
            })),
            Some(f) => {
                return Err(wrong_type(
                    f,
                    "on_error",
                    "a callable taking (moment, exception), or None",
                ));
            }
            None => None,
        };
        let this = PyEmitter {
            config,
            settings,
            callback,
            emitter: PerProcess::new(),
            closed: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        };
        this.emitter(py)?; // started now: a bad setting or a missing runtime shows here
        Ok(this)
    }

    /// Queues a `hotpot.Moment` and returns at once, never waiting on the network (with
    /// overflow="block" and a full queue, it waits up to block_timeout for room, without the
    /// GIL). Raises `QueueFullError` when the queue is full and `EmitterClosedError` after
    /// `shutdown` (both `DroppedError`s, with the refused `moment`); on_error is told first.
    fn emit(&self, py: Python<'_>, moment: &Bound<'_, PyAny>) -> PyResult<()> {
        let native = moment
            .cast::<PyMoment>()
            .map_err(|_| wrong_type(moment, "moment", "a hotpot.Moment"))?;
        let inner = native.get().inner.clone();
        let emitter = self.emitter(py)?;
        let result = match self.settings.overflow {
            // It may wait for room: without the GIL, which the sending thread's hooks need.
            Overflow::Block(_) => py.detach(|| emitter.emit(inner)),
            _ => emitter.emit(inner),
        };
        result.map_err(|e| refused(py, e, moment))
    }

    /// Waits until every moment emitted before the call has settled (delivered, failed or
    /// dropped), or `timeout` seconds pass (None: no limit; each moment settles by its
    /// deadline), and returns the report as a dict; `timed_out` says whether it gave up
    /// waiting. Nothing is given up: what is pending keeps being sent. The GIL is released
    /// while it waits, and Ctrl-C interrupts it.
    #[pyo3(signature = (timeout=None))]
    fn flush<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        refuse_in_callback("flush")?;
        let timeout = seconds_arg(
            timeout,
            "timeout",
            "a non-negative number of seconds or None",
            true,
        )?
        .unwrap_or(Duration::MAX);
        let emitter = self.emitter(py)?;
        let runtime = &runtimes(py)?.blocking;
        let report = py.detach(|| block_on(runtime, emitter.flush_async(timeout)))?;
        report_dict(py, &report)
    }

    /// Stops accepting moments, keeps sending until the queue is empty or `timeout` seconds
    /// pass (None: 10), then gives up on the rest (each passed to on_error as "abandoned"
    /// or "abandoned_in_flight") and stops the emitter's thread. Returns the report as a
    /// dict, within about `timeout`; the moments given up are its `still_queued` and
    /// `in_flight`. A second call returns the same counts at once. The GIL is released while
    /// it waits, and Ctrl-C interrupts the wait (the emitter stays closed).
    #[pyo3(signature = (timeout=None))]
    fn shutdown<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        refuse_in_callback("shutdown")?;
        let timeout = seconds_arg(
            timeout,
            "timeout",
            "a non-negative number of seconds or None",
            true,
        )?
        .unwrap_or(defaults::SHUTDOWN_TIMEOUT);
        self.closed.store(true, Ordering::SeqCst);
        let emitter = self.emitter(py)?;
        let runtime = &runtimes(py)?.blocking;
        let report = py.detach(|| block_on(runtime, emitter.shutdown_async(timeout)))?;
        self.finished.store(true, Ordering::SeqCst);
        report_dict(py, &report)
    }

    /// The counters as a dict: emitted, queued, in_flight, delivered, failed, dropped, retried.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        stats_dict(py, &self.emitter(py)?.stats())
    }

    /// Whether `shutdown` has begun (`emit` then raises `EmitterClosedError`).
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// The most moments waiting to be sent.
    #[getter]
    fn capacity(&self) -> usize {
        self.settings.capacity
    }

    /// What `emit` does when the queue is full: "drop_newest", "drop_oldest" or "block".
    #[getter]
    fn overflow(&self) -> &'static str {
        overflow_name(self.settings.overflow)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let this = slf.get();
        let class = slf.get_type().name()?.to_string();
        let s = this.emitter(py)?.stats();
        let overflow = match this.settings.overflow {
            Overflow::Block(t) => format!("'block', block_timeout={:?}", t.as_secs_f64()),
            other => format!("'{}'", overflow_name(other)),
        };
        Ok(format!(
            "{class}(webhook_url='{}', capacity={}, overflow={overflow}, closed={}, \
             emitted={}, queued={}, in_flight={}, delivered={}, failed={}, dropped={}, \
             retried={})",
            this.config.url(),
            this.settings.capacity,
            if this.closed() { "True" } else { "False" },
            s.emitted,
            s.queued,
            s.in_flight,
            s.delivered,
            s.failed,
            s.dropped,
            s.retried,
        ))
    }
}

/// Shuts down, within one budget of `timeout` seconds, every emitter of `emitters` that runs
/// in this process and has not been shut down yet (an interrupted `shutdown` does not count),
/// then stops calls into Python from hotpot's threads for good (waiting up to a second for the
/// ones under way: `on_error`, `AsyncClient` results). Returns the reports of the emitters it shut down. Called by the `atexit` handler of
/// `hotpot._emitter`, before the interpreter finalizes.
#[pyfunction]
pub(crate) fn _shutdown_at_exit<'py>(
    py: Python<'py>,
    emitters: Vec<Bound<'py, PyAny>>,
    timeout: f64,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let timeout = Duration::try_from_secs_f64(timeout).unwrap_or(Duration::ZERO);
    let mine: Vec<Emitter> = emitters
        .iter()
        .filter_map(|e| e.cast::<PyEmitter>().ok())
        .filter_map(|e| {
            let e = e.get();
            e.closed.store(true, Ordering::SeqCst);
            let emitter = e.emitter.get_if_built(py)?;
            // Shut down below, unless a shutdown already ran to its end.
            (!e.finished.swap(true, Ordering::SeqCst)).then_some(emitter)
        })
        .collect();
    let reports = py.detach(|| {
        let reports = shut_down_all(&mine, timeout);
        close_python_calls(Instant::now() + CALLS_GRACE_AT_EXIT);
        reports
    });
    reports.iter().map(|r| report_dict(py, r)).collect()
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
