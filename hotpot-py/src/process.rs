//! Per-process state: the tokio runtimes and anything holding sockets, rebuilt after `fork`.
//!
//! A forked child has the parent's memory but none of its threads, and it shares the parent's
//! file descriptors (the epoll instance, the pooled keep-alive connections). Using any of them
//! from the child would hang or steal the parent's events, so every such value is kept in a
//! [`PerProcess`] cell tagged with the PID that built it: when the PID differs, the old value
//! is leaked (never dropped: its threads do not exist here, and shutting it down could block
//! or touch the parent's descriptors) and a fresh one is built.
//!
//! The cells are only locked while the GIL is held and never across a release of the GIL, so
//! `os.fork()` (which holds the GIL) cannot copy one of them in a locked state.
//!
//! Also here: [`PythonCall`], the gate every call into Python from one of hotpot's own threads
//! passes, closed at interpreter exit ([`close_python_calls`]).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use pyo3::Python;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::{Builder, Handle, Runtime};

/// This process's id, cached (a `getpid` system call costs about 0.5 µs here, and every send
/// asks); the `pthread_atfork` child handler registered by [`register_fork_hook`] clears
/// it, so a forked child reads its own.
static PID: AtomicU32 = AtomicU32::new(0);

/// The current process's id.
pub(crate) fn pid() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => {
            let pid = std::process::id();
            PID.store(pid, Ordering::Relaxed);
            pid
        }
        pid => pid,
    }
}

/// Runs in the child right after `fork()`, whoever calls it (only atomic stores:
/// async-signal-safe).
extern "C" fn forget_pid() {
    PID.store(0, Ordering::Relaxed);
    // The calls and sends that were under way belong to threads of the parent.
    PYTHON_CALLS.store(0, Ordering::SeqCst);
    crate::spin::forget_waiting();
}

/// Whether hotpot's own threads may still call into Python; closed for good at exit.
static PYTHON_OPEN: AtomicBool = AtomicBool::new(true);

/// Calls into Python that passed the gate and have not finished.
static PYTHON_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A call into Python from one of hotpot's own threads (an emitter's `on_error`, the result
/// of an `AsyncClient` send), counted while it lasts.
///
/// Python < 3.14 ends a thread that takes the GIL while the interpreter finalizes with
/// `pthread_exit`, which aborts the process when the thread runs Rust code; and Python runs
/// code while it finalizes. So at exit, before finalizing, [`close_python_calls`] closes the
/// gate and waits for the calls under way, and none starts after it.
pub(crate) struct PythonCall(());

impl PythonCall {
    /// A pass for one call, or None once the gate is closed (the interpreter is exiting).
    pub(crate) fn begin() -> Option<PythonCall> {
        // Counted before the check: `close_python_calls` closes, then waits for the count,
        // so a call either sees the gate closed or is waited for.
        PYTHON_CALLS.fetch_add(1, Ordering::SeqCst);
        if PYTHON_OPEN.load(Ordering::SeqCst) {
            Some(PythonCall(()))
        } else {
            PYTHON_CALLS.fetch_sub(1, Ordering::SeqCst);
            None
        }
    }
}

impl Drop for PythonCall {
    fn drop(&mut self) {
        PYTHON_CALLS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Closes the gate for good and waits, up to `deadline`, for the calls under way. Returns
/// whether they all finished. Call it without the GIL, so that they can.
pub(crate) fn close_python_calls(deadline: Instant) -> bool {
    PYTHON_OPEN.store(false, Ordering::SeqCst);
    while PYTHON_CALLS.load(Ordering::SeqCst) > 0 {
        if Instant::now() >= deadline {
            return false;
        }
        // Once, at exit, and short: a poll is simpler than a lock that a fork could copy.
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// A value built in, and only valid in, the process with the PID it carries.
pub(crate) struct PerProcess<T> {
    slot: Mutex<Option<(u32, T)>>,
}

impl<T: Clone> PerProcess<T> {
    /// An empty cell.
    pub(crate) const fn new() -> Self {
        PerProcess {
            slot: Mutex::new(None),
        }
    }

    /// The value for this process: the stored one, or a new one from `build` when the cell
    /// is empty or was filled by another process (the one this process was forked from).
    ///
    /// `_py` proves the GIL is held (see the module documentation).
    pub(crate) fn get_or_try_init<E>(
        &self,
        py: Python<'_>,
        build: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        self.get_or_try_init_leaking(py, build, std::mem::forget)
    }

    /// [`get_or_try_init`](Self::get_or_try_init), with `leak` given the parent's stale value
    /// (it must not drop it: only leak it, after what little is safe in the child).
    pub(crate) fn get_or_try_init_leaking<E>(
        &self,
        _py: Python<'_>,
        build: impl FnOnce() -> Result<T, E>,
        leak: impl FnOnce(T),
    ) -> Result<T, E> {
        let pid = pid();
        let mut slot = lock(&self.slot);
        if let Some((owner, value)) = &*slot
            && *owner == pid
        {
            return Ok(value.clone());
        }
        let value = build()?;
        if let Some((_, stale)) = slot.replace((pid, value.clone())) {
            // Built by the parent before a fork: its threads and sockets are not ours.
            leak(stale);
        }
        Ok(value)
    }

    /// The value, if this process built it; never builds one.
    ///
    /// `_py` proves the GIL is held (see the module documentation).
    pub(crate) fn get_if_built(&self, _py: Python<'_>) -> Option<T> {
        let pid = pid();
        match &*lock(&self.slot) {
            Some((owner, value)) if *owner == pid => Some(value.clone()),
            _ => None,
        }
    }

    /// Takes the value out if this process built it (to drop it here); a value of another
    /// process stays, to be leaked when the cell is dropped.
    pub(crate) fn take_if_built(&mut self) -> Option<T> {
        let slot = self.slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        match slot {
            Some((owner, _)) if *owner == pid() => slot.take().map(|(_, value)| value),
            _ => None,
        }
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let slot = self.slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some((owner, value)) = slot.take()
            && owner != pid()
        {
            std::mem::forget(value);
        }
    }
}

/// Locks a mutex, ignoring poisoning (every value behind ours stays consistent on a panic).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The runtimes of one process.
pub(crate) struct Runtimes {
    /// Drives the blocking `Client`: a current-thread runtime that each caller drives itself
    /// with `block_on`, so a send never hops between threads.
    pub(crate) blocking: Runtime,
    /// Drives `AsyncClient` sends and in-process mock servers: worker threads of its own.
    background: OnceLock<Runtime>,
}

impl Runtimes {
    /// The multi-thread runtime, started on first use.
    pub(crate) fn background(&self) -> PyResult<Handle> {
        if let Some(rt) = self.background.get() {
            return Ok(rt.handle().clone());
        }
        let workers = std::env::var("HOTPOT_WORKER_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get().min(2))
                    .unwrap_or(1)
            });
        let rt = Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("hotpot-worker")
            .enable_all()
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start hotpot's runtime: {e}")))?;
        // Only the GIL holder gets here, so no other runtime can have been stored meanwhile.
        Ok(self.background.get_or_init(|| rt).handle().clone())
    }
}

static RUNTIMES: PerProcess<&'static Runtimes> = PerProcess::new();

/// This process's runtimes, built on first use and after a fork.
pub(crate) fn runtimes(py: Python<'_>) -> PyResult<&'static Runtimes> {
    RUNTIMES.get_or_try_init(py, || {
        let blocking = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start hotpot's runtime: {e}")))?;
        // Leaked on purpose: a runtime lives as long as its process (and a forked child must
        // never drop its parent's).
        Ok(&*Box::leak(Box::new(Runtimes {
            blocking,
            background: OnceLock::new(),
        })))
    })
}

/// Registers [`forget_pid`] with `pthread_atfork` (every fork, Python's or not).
///
/// (`Idempotency-Key`s need nothing here: `hotpot_client` re-seeds its generator itself when
/// the process id changes, so a child never repeats its parent's keys.)
pub(crate) fn register_fork_hook() -> PyResult<()> {
    // SAFETY: registers a handler that only stores to an atomic; called once, at import.
    let status = unsafe { libc::pthread_atfork(None, None, Some(forget_pid)) };
    if status != 0 {
        // Without the handler a child would take its parent's id: refuse to cache it at all.
        return Err(PyRuntimeError::new_err(format!(
            "pthread_atfork failed with error {status}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_survives_poisoning() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison");
        })
        .join();
        assert_eq!(*lock(&m), 1);
    }
}
