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
//! - **Interpreter exit.** Every emitter is enrolled in [`LIVE`] when it is made.
//!   `hotpot._emitter` registers an `atexit` handler that calls [`_shutdown_at_exit`]: every
//!   emitter of this process is shut down within one short budget
//!   ([`defaults::EXIT_SHUTDOWN_TIMEOUT`]), then calls into Python from hotpot's threads are
//!   stopped for good and the ones under way waited for ([`close_python_calls`]), so no
//!   thread of ours attaches to an interpreter that is finalizing.
//! - **`fork`.** The Rust emitter lives in a [`PerProcess`] cell: a forked child builds its own
//!   on first use (a new thread, an empty queue, counters at zero) and leaks the parent's copy,
//!   whose queue only the parent sends.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use hotpot_client::defaults::{self, MAX_CONCURRENCY};
use hotpot_client::{EmitError, Emitter, Moment, Overflow, Report, Stats, Undelivered, WebhookUrl};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::aio::PyAsyncClient;
use crate::args::{Seconds, given, int_arg, seconds_arg, str_arg, wrong_type};
use crate::client::{Config, PyClient, block_on};
use crate::errors::{client_error, config_error, dropped_error, validation_error};
use crate::moment::{PyMoment, public_moment};
use crate::process::{PerProcess, PythonCall, close_python_calls, lock, runtimes};

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
    /// The client's URL, to redact its errors.
    url: WebhookUrl,
    /// Calls begun (one per moment not delivered): at exit, the moments abandoned while being
    /// sent report themselves after the shutdown returns, and are waited for by this count.
    calls: AtomicU64,
}

impl Callback {
    /// The `on_error` hook: the moment failed for good (a non-retryable answer, or its
    /// deadline passed) or was given up without an answer.
    fn undelivered(&self, moment: &Moment, why: &Undelivered) {
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

// --- arguments --------------------------------------------------------------------------------

/// The settings of an emitter, checked.
#[derive(Clone, Copy)]
struct Settings {
    capacity: usize,
    overflow: Overflow,
    concurrency: usize,
    deadline: Duration,
}

/// The client's settings: a `hotpot.Client` or a `hotpot.AsyncClient`.
fn client_config(client: &Bound<'_, PyAny>) -> PyResult<Config> {
    if let Ok(client) = client.cast::<PyClient>() {
        return Ok(client.get().config().clone());
    }
    if let Ok(client) = client.cast::<PyAsyncClient>() {
        return Ok(client.get().config().clone());
    }
    Err(wrong_type(
        client,
        "client",
        "a hotpot.Client or hotpot.AsyncClient",
    ))
}

/// A whole number in `min..=max`, or `default` when left out.
fn count_arg(
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
    default: usize,
    (min, max): (usize, usize),
) -> PyResult<usize> {
    match given(value) {
        Some(value) => Ok(int_arg(value, name, min as u64..=max as u64)? as usize),
        None => Ok(default),
    }
}

/// `timeout` of `flush` and `shutdown`: seconds (`math.inf`: no limit), or `default` for None.
fn timeout_arg(value: Option<&Bound<'_, PyAny>>, default: Duration) -> PyResult<Duration> {
    match given(value) {
        Some(value) => seconds_arg(
            value,
            "timeout",
            "a non-negative number of seconds or None",
            Seconds::NonNegativeOrInf,
        ),
        None => Ok(default),
    }
}

/// `overflow` and `block_timeout`.
fn overflow_arg(
    py: Python<'_>,
    overflow: Option<&Bound<'_, PyAny>>,
    block_timeout: Option<&Bound<'_, PyAny>>,
) -> PyResult<Overflow> {
    const ALLOWED: &str = "'drop_newest', 'drop_oldest' or 'block'";
    let block_timeout = given(block_timeout)
        .map(|value| {
            let expected = "a non-negative number of seconds or None";
            seconds_arg(value, "block_timeout", expected, Seconds::NonNegative)
        })
        .transpose()?;
    let name = match given(overflow) {
        Some(overflow) => str_arg(overflow, "overflow", ALLOWED)?,
        None => overflow_name(Overflow::default()).to_owned(),
    };
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

/// What an emitter is made of; shared with [`LIVE`], so that the exit handler finds it.
struct State {
    config: Config,
    settings: Settings,
    callback: Option<Arc<Callback>>,
    /// The Rust emitter of this process (see the module documentation on `fork`).
    emitter: PerProcess<Emitter>,
    /// `shutdown` began in the process this one was forked from (or here): a child builds its
    /// emitter shut down.
    closed: AtomicBool,
    /// A `shutdown` ran to its end (it was not interrupted): nothing is left to do at exit.
    finished: AtomicBool,
}

/// Every emitter made in this process (or in the one it was forked from), for the exit
/// handler. Only locked with the GIL held (fork safety, see `process`).
static LIVE: Mutex<Vec<Weak<State>>> = Mutex::new(Vec::new());

fn enrol(_py: Python<'_>, state: &Arc<State>) {
    let mut live = lock(&LIVE);
    live.retain(|s| s.strong_count() > 0);
    live.push(Arc::downgrade(state));
}

impl State {
    /// This process's emitter, built on first use (and after a fork).
    fn emitter(&self, py: Python<'_>) -> PyResult<Emitter> {
        self.emitter.get_or_try_init(py, || self.build(py))
    }

    /// The Rust emitter, from the settings through `EmitterBuilder`'s setters.
    fn build(&self, py: Python<'_>) -> PyResult<Emitter> {
        let url = &self.config.url;
        let runtime = runtimes(py)?.blocking.handle();
        let client = self
            .config
            .build(runtime)
            .map_err(|e| client_error(py, &e, url))?;
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
        let emitter = builder.build().map_err(|e| client_error(py, &e, url))?;
        if self.closed.load(Ordering::SeqCst) {
            // Shut down before the fork that made this process: it stays shut down here.
            emitter.shutdown(Duration::ZERO);
            self.finished.store(true, Ordering::SeqCst);
        }
        Ok(emitter)
    }
}

impl Drop for State {
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

/// Background delivery: :meth:`emit` queues a moment and returns at once; the emitter's
/// own thread sends it, retrying through 429s, 5xx answers, timeouts and dropped
/// connections (one ``Idempotency-Key`` for every attempt, so a retry never records it
/// twice) until it is delivered, fails for good, or its ``delivery_deadline`` passes.
///
/// Use it where a moment must never slow down or stall the code that makes it — a web
/// service, a worker, a hot loop. Use :meth:`Client.send` instead when you need the
/// :class:`Receipt` or the error in the code path that made the moment.
///
/// - ``client``: a :class:`Client` (or :class:`AsyncClient`); the emitter builds its own
///   connection from the client's URL, ``timeout`` (per attempt) and ``api_key``. The
///   client's ``max_retries`` does not apply: the emitter retries until the ``delivery_deadline``.
/// - ``capacity``: the most moments waiting to be sent (default 10,000).
/// - ``overflow``: what :meth:`emit` does when the queue is full — ``"drop_newest"``
///   (default: refuse the new moment with :class:`QueueFullError`), ``"drop_oldest"`` (drop
///   the oldest queued moment to make room) or ``"block"`` (wait up to ``block_timeout``
///   seconds, default 1, for room, then refuse; the GIL is released meanwhile).
/// - ``concurrency``: how many moments are sent at once (default 32; 1 to 4096).
/// - ``delivery_deadline``: seconds from :meth:`emit` within which a moment must be delivered
///   (default 600, 10 minutes); after it, the moment fails, and ``on_error`` gets the last
///   attempt's error (a :class:`TransportError`, :class:`ServerError`, ...).
/// - ``on_error``: called as ``on_error(moment, exception)`` for every moment that is not
///   delivered: a failure (``exception`` is the :class:`HotpotError` a send would have
///   raised: :class:`WebhookError`, :class:`RejectedError`, :class:`TimeoutError`, ...) or
///   a drop (a :class:`DroppedError`, whose ``reason`` says why). It runs on the emitter's
///   thread (or on the thread calling :meth:`emit` or :meth:`shutdown`, for the drops they
///   cause): keep it short and never block in it. An exception it raises is reported
///   through ``sys.unraisablehook``; the emitter carries on.
///
/// Every moment given to :meth:`emit` ends up delivered, failed or dropped, and
/// :meth:`stats` counts each. Call :meth:`shutdown` before the process exits (or use the
/// emitter as a context manager); otherwise the exit handler gives every emitter 2 seconds
/// in all. After ``os.fork()`` the child's emitter starts afresh: its own thread, an empty
/// queue, counters at zero; the parent's queue is sent by the parent only.
///
/// >>> emitter = Emitter(Client.from_env(), on_error=log_failure)  # doctest: +SKIP
/// >>> emitter.emit(Moment("Disk 91% full on db-1", "alert"))  # doctest: +SKIP
/// >>> emitter.shutdown(timeout=5)  # doctest: +SKIP
/// {'emitted': 1, 'delivered': 1, 'failed': 0, 'dropped': 0, 'still_queued': 0, ...}
#[pyclass(module = "hotpot", name = "Emitter", subclass, frozen)]
pub(crate) struct PyEmitter {
    state: Arc<State>,
}

impl PyEmitter {
    fn emitter(&self, py: Python<'_>) -> PyResult<Emitter> {
        self.state.emitter(py)
    }
}

#[pymethods]
impl PyEmitter {
    /// Checks the settings (``ConfigError`` or ``TypeError``, naming the argument) and
    /// starts the emitter's thread.
    #[new]
    #[pyo3(
        signature = (client, *, capacity=None, overflow=None, block_timeout=None, concurrency=None, delivery_deadline=None, on_error=None),
        text_signature = "(client, *, capacity=10000, overflow='drop_newest', block_timeout=None, concurrency=32, delivery_deadline=600.0, on_error=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client: &Bound<'_, PyAny>,
        capacity: Option<&Bound<'_, PyAny>>,
        overflow: Option<&Bound<'_, PyAny>>,
        block_timeout: Option<&Bound<'_, PyAny>>,
        concurrency: Option<&Bound<'_, PyAny>>,
        delivery_deadline: Option<&Bound<'_, PyAny>>,
        on_error: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let config = client_config(client)?;
        let deadline = match given(delivery_deadline) {
            Some(value) => {
                let expected = "a positive number of seconds";
                seconds_arg(value, "delivery_deadline", expected, Seconds::Positive)?
            }
            None => defaults::DELIVERY_DEADLINE,
        };
        let settings = Settings {
            capacity: count_arg(capacity, "capacity", defaults::CAPACITY, (1, usize::MAX))?,
            overflow: overflow_arg(py, overflow, block_timeout)?,
            concurrency: count_arg(
                concurrency,
                "concurrency",
                defaults::CONCURRENCY,
                (1, MAX_CONCURRENCY),
            )?,
            deadline,
        };
        let callback = match given(on_error) {
            Some(f) if f.is_callable() => Some(Arc::new(Callback {
                on_error: f.clone().unbind(),
                url: config.url.clone(),
                calls: AtomicU64::new(0),
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
        let state = Arc::new(State {
            config,
            settings,
            callback,
            emitter: PerProcess::new(),
            closed: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        });
        state.emitter(py)?; // started now: a bad setting or a missing runtime shows here
        enrol(py, &state);
        Ok(PyEmitter { state })
    }

    /// Queues a :class:`Moment` and returns at once, never waiting on the network (with
    /// ``overflow="block"`` and a full queue, it waits up to ``block_timeout`` for room, without
    /// the GIL). Raises :class:`QueueFullError` when the queue is full and
    /// :class:`EmitterClosedError` after :meth:`shutdown` (both :class:`DroppedError`, with the
    /// refused ``moment``); ``on_error`` is told first.
    fn emit(&self, py: Python<'_>, moment: &Bound<'_, PyAny>) -> PyResult<()> {
        let native = moment
            .cast::<PyMoment>()
            .map_err(|_| wrong_type(moment, "moment", "a hotpot.Moment"))?;
        let inner = native.get().inner.clone();
        let emitter = self.emitter(py)?;
        let result = match self.state.settings.overflow {
            // It may wait for room: without the GIL, which the sending thread's hooks need.
            Overflow::Block(_) => py.detach(|| emitter.emit(inner)),
            _ => emitter.emit(inner),
        };
        result.map_err(|e| refused(py, e, moment))
    }

    /// Waits until every moment emitted before the call has settled (delivered, failed or
    /// dropped), or ``timeout`` seconds pass (None: no limit; each moment settles by its
    /// deadline), and returns the report as a dict (:class:`EmitterReport`); ``timed_out``
    /// says whether it gave up waiting. Nothing is given up: what is pending keeps being
    /// sent. The GIL is released while it waits, and Ctrl-C interrupts it.
    #[pyo3(signature = (timeout=None))]
    fn flush<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        refuse_in_callback("flush")?;
        let timeout = timeout_arg(timeout, Duration::MAX)?;
        let emitter = self.emitter(py)?;
        let runtime = &runtimes(py)?.blocking;
        let report = py.detach(|| block_on(runtime, emitter.flush_async(timeout)))?;
        report_dict(py, &report)
    }

    /// Stops accepting moments, keeps sending until the queue is empty or ``timeout`` seconds
    /// pass (None: 10), then gives up on the rest (each passed to ``on_error`` as "abandoned"
    /// or "abandoned_in_flight") and stops the emitter's thread. Returns the report as a
    /// dict (:class:`EmitterReport`), within about ``timeout``; the moments given up are its
    /// ``still_queued`` and ``in_flight``. A second call returns the same counts at once. The
    /// GIL is released while it waits, and Ctrl-C interrupts the wait (the emitter stays
    /// closed).
    #[pyo3(signature = (timeout=None))]
    fn shutdown<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        refuse_in_callback("shutdown")?;
        let timeout = timeout_arg(timeout, defaults::SHUTDOWN_TIMEOUT)?;
        let state = &self.state;
        state.closed.store(true, Ordering::SeqCst);
        let emitter = state.emitter(py)?;
        let runtime = &runtimes(py)?.blocking;
        let report = py.detach(|| block_on(runtime, emitter.shutdown_async(timeout)))?;
        state.finished.store(true, Ordering::SeqCst);
        report_dict(py, &report)
    }

    /// The counters as a dict (:class:`EmitterStats`): emitted, queued, in_flight, delivered,
    /// failed, dropped, retried.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        stats_dict(py, &self.emitter(py)?.stats())
    }

    /// Whether :meth:`shutdown` has begun (:meth:`emit` then raises :class:`EmitterClosedError`).
    #[getter]
    fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.emitter(py)?.is_closed())
    }

    /// The most moments waiting to be sent.
    #[getter]
    fn capacity(&self) -> usize {
        self.state.settings.capacity
    }

    /// What :meth:`emit` does when the queue is full: "drop_newest", "drop_oldest" or "block".
    #[getter]
    fn overflow(&self) -> &'static str {
        overflow_name(self.state.settings.overflow)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Shuts the emitter down (``shutdown()``, at most 10 seconds).
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: &Bound<'_, PyAny>,
        exc: &Bound<'_, PyAny>,
        tb: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let _ = (exc_type, exc, tb);
        self.shutdown(py, None).map(drop)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let this = slf.get();
        let class = slf.get_type().name()?.to_string();
        let emitter = this.emitter(py)?;
        let s = emitter.stats();
        let settings = &this.state.settings;
        let overflow = match settings.overflow {
            Overflow::Block(t) => format!("'block', block_timeout={:?}", t.as_secs_f64()),
            other => format!("'{}'", overflow_name(other)),
        };
        Ok(format!(
            "{class}(webhook_url='{}', capacity={}, overflow={overflow}, closed={}, \
             emitted={}, queued={}, in_flight={}, delivered={}, failed={}, dropped={}, \
             retried={})",
            this.state.config.url,
            settings.capacity,
            if emitter.is_closed() { "True" } else { "False" },
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

/// Shuts down, within one budget of [`defaults::EXIT_SHUTDOWN_TIMEOUT`], every emitter that
/// runs in this process and has not been shut down yet (an interrupted `shutdown` does not
/// count), then stops calls into Python from hotpot's threads for good (waiting up to
/// [`CALLS_GRACE_AT_EXIT`] for the ones under way: `on_error`, `AsyncClient` results).
/// Returns how many moments were left undelivered. Called by the `atexit` handler of
/// `hotpot._emitter`, before the interpreter finalizes.
#[pyfunction]
pub(crate) fn _shutdown_at_exit(py: Python<'_>) -> u64 {
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
        reports.iter().map(Report::unsent).sum()
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
