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
//! - **Interpreter exit.** Every emitter is enrolled in [`state::LIVE`] when it is made.
//!   `hotpot._emitter` registers an `atexit` handler that calls [`_shutdown_at_exit`]: every
//!   emitter of this process is shut down within one short budget
//!   ([`defaults::EXIT_SHUTDOWN_TIMEOUT`]), then calls into Python from hotpot's threads are
//!   stopped for good and the ones under way waited for ([`crate::process::close_python_calls`]), so no
//!   thread of ours attaches to an interpreter that is finalizing.
//! - **`fork`.** The Rust emitter lives in a [`PerProcess`] cell: a forked child builds its own
//!   on first use (a new thread, an empty queue, counters at zero) and leaks the parent's copy,
//!   whose queue only the parent sends. With a spool, the child's emitter claims a slot of
//!   its own in the same directory (the parent's slot stays locked by the parent).
//!
//! | module | holds |
//! |---|---|
//! | `settings` | reading the constructor's arguments into checked [`Settings`] |
//! | `callback` | `on_error`: calling it from the emitter's hooks, and refusing to wait inside it |
//! | `state` | what an emitter is made of, per process: building it (again after a fork) |
//! | `report` | `flush`, `shutdown` and `stats` results as dicts; `emit`'s refusals as exceptions |
//! | `exit` | shutting every emitter down at interpreter exit |

mod callback;
mod exit;
mod report;
mod settings;
mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hotpot_client::defaults::{self, MAX_CONCURRENCY};
use hotpot_client::{Emitter, Overflow};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::{keywords, wrong_type};
use crate::client::block_on;
use crate::moment::PyMoment;
use crate::process::{PerProcess, runtimes};

use callback::{Callback, refuse_in_callback};
pub(crate) use exit::_shutdown_at_exit;
use report::{refused, report_dict, stats_dict};
use settings::{
    SETTINGS, Settings, client_config, count_arg, deadline_arg, overflow_arg, overflow_name,
    spool_arg, spool_max_bytes_arg, sync_arg, timeout_arg,
};
use state::{State, enrol};

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
///   through ``sys.unraisablehook``; the emitter carries on. Without ``on_error`` (None),
///   each such moment is a warning on the ``hotpot`` logger instead: at most one a second
///   for failures and one for drops, each saying how many more there were since the last
///   one, so that nothing is lost without a trace.
/// - ``spool``: a directory (``str`` or ``os.PathLike``, created if missing) where the queue
///   is also kept, so that moments survive a crash, ``kill -9`` or the OOM killer:
///   :meth:`emit` returns once the moment and its ``Idempotency-Key`` are written there,
///   and the next emitter made on that directory sends them first, with the same keys
///   (counted as ``recovered`` in :meth:`stats`). Every emitter of a service, in any process,
///   can use the same directory: each claims a slot of its own in it (``slot-N``), never
///   waiting for the others. A full disk makes :meth:`emit` raise :class:`SpoolError` with
///   the moment. A moment leaves the spool when it settles; one a shutdown gives up on stays,
///   counted as ``kept``. ``hotpot flush --spool DIR`` delivers the slots of processes that
///   will not come back.
/// - ``spool_max_bytes``: the most bytes the spool directory's files may take in all, every
///   emitter's slot counted (default 1073741824, 1 GiB): an :meth:`emit` that would pass it
///   raises :class:`SpoolError` with the moment, as a full disk does.
/// - ``sync``: when the spool is ``fsync``ed — ``"batch"`` (default: within 100 ms of
///   :meth:`emit`, so a power loss costs at most that), ``"always"`` (before :meth:`emit`
///   returns) or ``"never"`` (left to the OS). The death of the process loses nothing in
///   any mode.
///
/// Every moment given to :meth:`emit` ends up delivered, failed or dropped, and
/// :meth:`stats` counts each. Call :meth:`shutdown` before the process exits (or use the
/// emitter as a context manager); otherwise the exit handler gives every emitter 2 seconds
/// in all. After ``os.fork()`` the child's emitter starts afresh: its own thread, an empty
/// queue, counters at zero; the parent's queue is sent by the parent only. With a spool, the
/// child's emitter claims a slot of its own in the same directory on first use: it never
/// writes into its parent's.
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
        signature = (client, **settings),
        text_signature = "(client, *, capacity=10000, overflow='drop_newest', block_timeout=None, concurrency=32, delivery_deadline=600.0, on_error=None, spool=None, sync='batch', spool_max_bytes=1073741824)"
    )]
    fn new(
        py: Python<'_>,
        client: &Bound<'_, PyAny>,
        settings: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let settings = keywords("Emitter.__new__", settings, SETTINGS)?;
        let [
            capacity,
            overflow,
            block_timeout,
            concurrency,
            delivery_deadline,
            on_error,
            spool,
            sync,
            spool_max_bytes,
        ] = settings.each_ref().map(Option::as_ref);
        let config = client_config(client)?;
        let settings = Settings {
            capacity: count_arg(capacity, "capacity", defaults::CAPACITY, (1, usize::MAX))?,
            overflow: overflow_arg(py, overflow, block_timeout)?,
            concurrency: count_arg(
                concurrency,
                "concurrency",
                defaults::CONCURRENCY,
                (1, MAX_CONCURRENCY),
            )?,
            deadline: deadline_arg(delivery_deadline)?,
            spool: spool_arg(spool)?,
            sync: sync_arg(py, sync)?,
            spool_max_bytes: spool_max_bytes_arg(spool_max_bytes)?,
        };
        let callback = Callback::from_arg(on_error, &config.url)?;
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

    /// An emitter on :meth:`Client.from_env` (``HOTPOT_WEBHOOK_URL``, and ``HOTPOT_API_KEY``
    /// where set; ``allow_http`` as for :class:`Client`) with its queue in the spool
    /// ``HOTPOT_SPOOL`` names (in memory when it is unset or blank); ``settings`` are the
    /// constructor's keywords, and a ``spool`` given there wins over ``HOTPOT_SPOOL``. Raises
    /// :class:`ConfigError` when ``HOTPOT_WEBHOOK_URL`` is not set.
    #[classmethod]
    #[pyo3(
        signature = (*, allow_http=None, **settings),
        text_signature = "($cls, *, allow_http=False, **settings)"
    )]
    fn from_env<'py>(
        cls: &Bound<'py, pyo3::types::PyType>,
        allow_http: Option<&Bound<'py, PyAny>>,
        settings: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let client_class = py.get_type::<crate::client::PyClient>();
        let client = crate::client::from_env(&client_class, allow_http)?;
        let kwargs = match settings {
            Some(settings) => settings.copy()?,
            None => PyDict::new(py),
        };
        if !kwargs.contains("spool")? {
            let spool = hotpot_client::env::spool_from_env()
                .map_err(|e| crate::errors::config_error(py, e.to_string()))?;
            kwargs.set_item("spool", spool)?;
        }
        cls.call((client,), Some(&kwargs))
    }

    /// Queues a :class:`Moment` and returns at once, never waiting on the network (with
    /// ``overflow="block"`` and a full queue, it waits up to ``block_timeout`` for room, without
    /// the GIL). Raises :class:`QueueFullError` when the queue is full and
    /// :class:`EmitterClosedError` after :meth:`shutdown`, and :class:`SpoolError` when the
    /// spool cannot store it (all :class:`DroppedError`, with the refused ``moment``);
    /// ``on_error`` is told first.
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
        crate::sunset::log_notices(py);
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
        crate::sunset::log_notices(py);
        report_dict(py, &report)
    }

    /// Stops accepting moments, keeps sending until the queue is empty or ``timeout`` seconds
    /// pass (None: 10), then gives up on the rest (each passed to ``on_error`` as "abandoned"
    /// or "abandoned_in_flight") and stops the emitter's thread. Returns the report as a
    /// dict (:class:`EmitterReport`), within about ``timeout``; the moments given up are its
    /// ``still_queued`` and ``in_flight``. With a spool nothing is given up: they stay in the
    /// spool, counted as ``kept`` (``on_error`` is not called for them), and the next emitter
    /// on the directory sends them. A second call returns the same counts at once. The
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
        crate::sunset::log_notices(py);
        if let Some(callback) = &state.callback {
            callback.log_held_back(py);
        }
        report_dict(py, &report)
    }

    /// The counters as a dict (:class:`EmitterStats`): emitted, queued, in_flight, delivered,
    /// failed, dropped, kept, retried, recovered.
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

closed_on_exit!(
    PyEmitter,
    "Shuts the emitter down (``shutdown()``, at most 10 seconds).",
    |emitter: &PyEmitter, py| emitter.shutdown(py, None).map(drop)
);
