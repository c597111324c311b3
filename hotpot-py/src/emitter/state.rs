//! What an emitter is made of, shared with the exit handler, and the Rust emitter it builds:
//! once per process (see the module documentation on `fork`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use hotpot_client::Emitter;
use pyo3::prelude::*;

use super::callback::Callback;
use super::settings::Settings;
use crate::client::Config;
use crate::errors::client_error;
use crate::process::{PerProcess, lock, runtimes};

/// What an emitter is made of; shared with [`LIVE`], so that the exit handler finds it.
pub(super) struct State {
    pub(super) config: Config,
    pub(super) settings: Settings,
    pub(super) callback: Option<Arc<Callback>>,
    /// The Rust emitter of this process (see the module documentation on `fork`).
    pub(super) emitter: PerProcess<Emitter>,
    /// `shutdown` began in the process this one was forked from (or here): a child builds its
    /// emitter shut down.
    pub(super) closed: AtomicBool,
    /// A `shutdown` ran to its end (it was not interrupted): nothing is left to do at exit.
    pub(super) finished: AtomicBool,
}

/// Every emitter made in this process (or in the one it was forked from), for the exit
/// handler. Only locked with the GIL held (fork safety, see `process`).
pub(super) static LIVE: Mutex<Vec<Weak<State>>> = Mutex::new(Vec::new());

pub(super) fn enrol(_py: Python<'_>, state: &Arc<State>) {
    let mut live = lock(&LIVE);
    live.retain(|s| s.strong_count() > 0);
    live.push(Arc::downgrade(state));
}

impl State {
    /// This process's emitter, built on first use (and after a fork).
    pub(super) fn emitter(&self, py: Python<'_>) -> PyResult<Emitter> {
        // The parent's emitter is leaked, its copy of the spool's lock descriptor closed: the
        // spool is free once the parent ends, even while this child lives.
        self.emitter
            .get_or_try_init_leaking(py, || self.build(py), Emitter::forget_after_fork)
    }

    /// The Rust emitter, from the settings through `EmitterBuilder`'s setters.
    fn build(&self, py: Python<'_>) -> PyResult<Emitter> {
        let url = &self.config.url;
        let runtime = runtimes(py)?.blocking.handle();
        let client = self
            .config
            .build(runtime)
            .map_err(|e| client_error(py, &e, url))?;
        let s = &self.settings;
        let mut builder = Emitter::builder(client)
            .capacity(s.capacity)
            .overflow(s.overflow)
            .concurrency(s.concurrency)
            .delivery_deadline(s.deadline);
        if let Some(dir) = &s.spool {
            // In a forked child too: it claims a slot of its own (its parent's is locked by
            // the parent), so the child never writes into its parent's.
            builder = builder
                .spool(dir)
                .spool_sync(s.sync)
                .spool_max_bytes(s.spool_max_bytes);
        }
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
        Python::attach(|py| {
            py.detach(move || drop(emitter));
            if let Some(callback) = &self.callback {
                callback.log_held_back(py);
            }
        });
    }
}
