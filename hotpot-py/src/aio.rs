//! The native half of `hotpot.AsyncClient`: sends run on the background tokio runtime and
//! their results are handed to asyncio futures on the caller's event loop.
//!
//! The public class is a Python subclass (`hotpot/_aio.py`) whose three methods are
//! `async def`s awaiting a [`Pending`]: only a Python `async def` is a coroutine function
//! (`inspect.iscoroutinefunction`, which frameworks use to tell async callables apart), and
//! its coroutine is what `asyncio.create_task` takes. Everything else is here.
//!
//! Results cross over in batches: a finished send pushes its outcome onto its loop's
//! [`Bridge`], and only the first push of a batch takes the GIL, to schedule one
//! [`Drain`] with `loop.call_soon_threadsafe`; the drain, on the loop's thread, resolves every
//! future of the batch. Under load (a `gather` of hundreds of sends) the worker threads thus
//! rarely wait for the GIL.
//!
//! Cancelling the asyncio task that awaits a send aborts the tokio task, which drops the
//! request (see [`Pending`]).

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hotpot_client::{Error, Moment, WebhookUrl};
use pyo3::exceptions::PyStopIteration;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

use crate::client::{Config, webhook_client_methods};
use crate::errors::client_error;
use crate::moment::{PyMoment, moment_from_call, moment_text_signature};
use crate::process::{PerProcess, PythonCall, lock, runtimes};
use crate::receipt::{PyReceipt, PyRequestStatus};

/// The most requests one `AsyncClient` has in flight at once; the others wait their turn
/// inside the runtime. A `gather` of a thousand sends then runs over a few dozen pooled
/// connections instead of opening a thousand, which is both kinder to the server and faster
/// (fewer sockets to poll on either side).
pub(crate) const MAX_IN_FLIGHT: usize = 32;

/// Sends started by any `AsyncClient` of this process and not yet finished or aborted.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// How many async sends are still running in Rust (finished, failed and aborted ones are
/// not counted): lets tests check that a cancelled send really stopped.
#[pyfunction]
pub(crate) fn _tasks_in_flight() -> usize {
    IN_FLIGHT.load(Ordering::SeqCst)
}

/// Counts one task from its spawn to its drop (an abort drops it too).
struct InFlight;

impl InFlight {
    fn start() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a task produced, turned into Python objects on the loop's thread.
enum Outcome {
    Receipt(Result<hotpot_client::Receipt, Error>),
    Status(Result<hotpot_client::RequestStatus, Error>),
}

impl Outcome {
    fn into_py(self, py: Python<'_>, url: &WebhookUrl) -> PyResult<Py<PyAny>> {
        crate::sunset::log_notices(py);
        match self {
            Outcome::Receipt(Ok(r)) => Ok(Py::new(py, PyReceipt::from(r))?.into_any()),
            Outcome::Status(Ok(s)) => Ok(Py::new(py, PyRequestStatus::from(s))?.into_any()),
            Outcome::Receipt(Err(e)) | Outcome::Status(Err(e)) => Err(client_error(py, &e, url)),
        }
    }
}

thread_local! {
    /// Whether this thread keeps its Python thread state between two attaches.
    static KEEPS_THREAD_STATE: Cell<bool> = const { Cell::new(false) };
}

/// Keeps this thread's Python thread state alive after the current attach ends.
///
/// A thread that is not Python's gets a new thread state each time it attaches, and loses it
/// when it detaches: on CPython 3.11 that is an `mmap`, a `munmap` and a `gettid` each time,
/// once per batch of results on the worker threads. One more `PyGILState_Ensure`, never
/// released, makes the state outlive the attach, so later attaches only take the GIL.
fn keep_thread_state(_py: Python<'_>) {
    KEEPS_THREAD_STATE.with(|kept| {
        if !kept.get() {
            // SAFETY: the GIL is held (`_py`), so the interpreter is initialised and this
            // thread has a state; the call only raises that state's use count.
            unsafe {
                pyo3::ffi::PyGILState_Ensure();
            }
            kept.set(true);
        }
    });
}

/// A finished task waiting for its future to be resolved.
struct Completion {
    future: Py<PyAny>,
    outcome: Outcome,
}

/// One event loop's inbox of finished tasks.
struct Bridge {
    event_loop: Py<PyAny>,
    /// The client's URL, to redact its errors.
    url: WebhookUrl,
    pending: Mutex<Vec<Completion>>,
    /// A drain is scheduled and has not started yet.
    scheduled: AtomicBool,
}

impl Bridge {
    /// Called on a worker thread, without the GIL.
    fn complete(self: &Arc<Self>, future: Py<PyAny>, outcome: Outcome) {
        lock(&self.pending).push(Completion { future, outcome });
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return; // the scheduled drain will take this one too
        }
        let Some(_call) = PythonCall::begin() else {
            // The interpreter is exiting: nobody will await these futures.
            self.abandon();
            return;
        };
        let attached = Python::try_attach(|py| {
            keep_thread_state(py);
            let scheduled = Bound::new(
                py,
                Drain {
                    bridge: Arc::clone(self),
                },
            )
            .and_then(|drain| {
                self.event_loop
                    .bind(py)
                    .call_method1(intern!(py, "call_soon_threadsafe"), (drain,))
            });
            if scheduled.is_err() {
                // The loop is closed: nobody can await these futures any more.
                self.abandon();
            }
        });
        if attached.is_none() {
            // Python is shutting down; the references are left to the pending-decref pool.
            self.abandon();
        }
    }

    /// Forgets the pending completions (their loop is gone).
    fn abandon(&self) {
        self.scheduled.store(false, Ordering::Release);
        drop(std::mem::take(&mut *lock(&self.pending)));
    }
}

/// Resolves every pending future of a bridge; scheduled on the loop with `call_soon_threadsafe`.
#[pyclass(module = "hotpot._hotpot", frozen)]
struct Drain {
    bridge: Arc<Bridge>,
}

#[pymethods]
impl Drain {
    fn __call__(&self, py: Python<'_>) {
        // Cleared before taking the batch: a task finishing from now on schedules a new drain.
        self.bridge.scheduled.store(false, Ordering::Release);
        let batch = std::mem::take(&mut *lock(&self.bridge.pending));
        for Completion { future, outcome } in batch {
            let future = future.bind(py);
            if let Err(e) = resolve(py, future, outcome, &self.bridge.url) {
                e.write_unraisable(py, Some(future));
            }
        }
    }
}

fn resolve(
    py: Python<'_>,
    future: &Bound<'_, PyAny>,
    outcome: Outcome,
    url: &WebhookUrl,
) -> PyResult<()> {
    if future.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(()); // cancelled meanwhile
    }
    match outcome.into_py(py, url) {
        Ok(value) => future.call_method1(intern!(py, "set_result"), (value,))?,
        Err(e) => future.call_method1(intern!(py, "set_exception"), (e.into_value(py),))?,
    };
    Ok(())
}

/// A send under way: awaiting it waits for its asyncio future, as `await future` would.
///
/// It owns the tokio task, and dropping it aborts the task: when the coroutine awaiting it
/// ends, however it ends (most often a cancellation), the request is dropped, not left to
/// run to its end. (Cheaper than a done-callback on every future, which would cost the event
/// loop one more callback per send.) Once the result is in, aborting does nothing.
#[pyclass(module = "hotpot._hotpot", frozen)]
pub(crate) struct Pending {
    future: Py<PyAny>,
    task: AbortHandle,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[pymethods]
impl Pending {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// What `asyncio.Future.__await__` does: yields the future (marked blocking, so the task
    /// waits for it) until it is done, then returns its result or raises its exception.
    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let future = self.future.bind(py);
        if future.call_method0(intern!(py, "done"))?.is_truthy()? {
            let result = future.call_method0(intern!(py, "result"))?;
            return Err(PyStopIteration::new_err((result.unbind(),)));
        }
        future.setattr(intern!(py, "_asyncio_future_blocking"), true)?;
        Ok(self.future.clone_ref(py))
    }
}

/// The running event loop (`asyncio.get_running_loop()`).
fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    GET_RUNNING_LOOP
        .get_or_try_init(py, || {
            py.import("asyncio")?
                .getattr("get_running_loop")
                .map(Bound::unbind)
        })?
        .bind(py)
        .call0()
}

/// The native half of ``hotpot.AsyncClient``: the constructor, the settings and the sends;
/// the public subclass adds the coroutine methods.
#[pyclass(module = "hotpot._hotpot", name = "AsyncClient", subclass, frozen)]
pub(crate) struct PyAsyncClient {
    config: Config,
    /// The client and its request slots, per process: a fork must not inherit the parent's
    /// slots, held by tasks that do not exist in the child.
    client: PerProcess<(hotpot_client::Client, Arc<Semaphore>)>,
    /// The bridge of the loop last used.
    bridge: Mutex<Option<LoopSlot>>,
}

/// A loop's bridge, and the process that made it.
struct LoopSlot {
    pid: u32,
    event_loop: Py<PyAny>,
    bridge: Arc<Bridge>,
}

impl PyAsyncClient {
    /// The checked settings (for `hotpot.Emitter`, which builds its own client from them).
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// Starts `work` (given this process's client) on the background runtime and returns
    /// what awaits its outcome.
    fn spawn<F, Fut>(&self, py: Python<'_>, work: F) -> PyResult<Pending>
    where
        F: FnOnce(hotpot_client::Client) -> Fut,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let handle = runtimes(py)?.background()?;
        let (client, slots) = self
            .client
            .get_or_try_init(py, || {
                let client = self.config.build(&handle)?;
                Ok((client, Arc::new(Semaphore::new(MAX_IN_FLIGHT))))
            })
            .map_err(|e| client_error(py, &e, &self.config.url))?;
        let event_loop = running_loop(py)?;
        let bridge = self.bridge_for(py, &event_loop);
        let future = event_loop.call_method0(intern!(py, "create_future"))?;
        let target = future.clone().unbind();
        let work = work(client);
        // Counted from here: a task aborted before its first poll is dropped, and uncounted.
        let counted = InFlight::start();
        let task = handle.spawn(async move {
            let _counted = counted;
            // The semaphore is never closed, so acquiring cannot fail.
            let _slot = slots.acquire_owned().await;
            let outcome = work.await;
            bridge.complete(target, outcome);
        });
        Ok(Pending {
            future: future.unbind(),
            task: task.abort_handle(),
        })
    }

    /// Starts sending `moment` and returns what awaits the receipt.
    fn send_native(&self, py: Python<'_>, moment: Moment) -> PyResult<Pending> {
        self.spawn(py, move |client| async move {
            Outcome::Receipt(client.send(&moment).await)
        })
    }

    fn bridge_for(&self, py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> Arc<Bridge> {
        let pid = crate::process::pid();
        // Only locked with the GIL held (fork safety, see `process`).
        let mut slot = lock(&self.bridge);
        if let Some(known) = &*slot
            && known.pid == pid
            && known.event_loop.bind(py).is(event_loop)
        {
            return Arc::clone(&known.bridge);
        }
        let bridge = Arc::new(Bridge {
            event_loop: event_loop.clone().unbind(),
            url: self.config.url.clone(),
            pending: Mutex::new(Vec::new()),
            scheduled: AtomicBool::new(false),
        });
        let old = slot.replace(LoopSlot {
            pid,
            event_loop: event_loop.clone().unbind(),
            bridge: Arc::clone(&bridge),
        });
        drop(slot); // the old loop is released after the lock (releasing may run Python code)
        if let Some(old) = old
            && old.pid != pid
        {
            // The parent's, before a fork: its lock may be held by a thread that is gone.
            std::mem::forget(old.bridge);
        }
        bridge
    }
}

impl PyAsyncClient {
    fn with_config(config: Config) -> Self {
        PyAsyncClient {
            config,
            client: PerProcess::new(),
            bridge: Mutex::new(None),
        }
    }
}

impl Drop for PyAsyncClient {
    fn drop(&mut self) {
        let slot = self
            .bridge
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(stale) = slot.take().filter(|s| s.pid != crate::process::pid()) {
            std::mem::forget(stale.bridge);
        }
    }
}

#[pymethods]
impl PyAsyncClient {
    #[doc = moment_text_signature!("_send", "$self, ")]
    /// Checks the moment (as `Moment(...)` does) and starts sending it on the running loop;
    /// returns what awaits the receipt. `AsyncClient.send` takes its arguments.
    #[pyo3(signature = (name, r#type, **fields), text_signature = None)]
    fn _send(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        r#type: &Bound<'_, PyAny>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Pending> {
        let moment = moment_from_call("AsyncClient.send", name, r#type, fields)?;
        self.send_native(py, moment)
    }

    /// Starts sending `moment` (on the running loop) and returns what awaits the receipt.
    fn _send_moment(&self, py: Python<'_>, moment: &PyMoment) -> PyResult<Pending> {
        self.send_native(py, moment.inner.clone())
    }

    /// Starts looking a request up (spec §4) and returns what awaits its status.
    fn _request_status(&self, py: Python<'_>, request_id: String) -> PyResult<Pending> {
        self.spawn(py, move |client| async move {
            Outcome::Status(client.request_status(&request_id).await)
        })
    }
}

webhook_client_methods!(PyAsyncClient, "AsyncClient");
