//! `hotpot._hotpot`: the native core of the Python package `hotpot`.
//!
//! Everything a user imports is re-exported, and where a signature matters wrapped, by the
//! pure-Python package in `python/hotpot/`; this crate only binds `hotpot_client` and
//! `hotpot_mock_server`, and keeps no rule of its own (contract §1 lives in
//! `hotpot_client::moment::rules`).
//!
//! | module | holds |
//! |---|---|
//! | `moment` | `Moment` and the checking of Python arguments into a `hotpot_client::Moment` |
//! | `client` | the blocking `Client`, `Receipt`, `RequestStatus`, `send` |
//! | `aio` | `AsyncCore`, the engine of `AsyncClient`: tokio tasks resolving asyncio futures |
//! | `emitter` | `Emitter`, background delivery on `hotpot_client::Emitter`, and its exit handler |
//! | `mock` | `MockCore`, the engine of `hotpot.testing.MockServer` |
//! | `errors` | raising the exceptions of `hotpot._errors`, with the token redacted |
//! | `process` | the runtimes and every per-process value, rebuilt after `fork` |
//! | `spin` | how a blocking send waits: polling briefly before it sleeps, when answers come fast |

#![warn(missing_docs)]

mod aio;
mod check;
mod client;
mod emitter;
mod errors;
mod mock;
mod moment;
mod process;
mod spin;

use pyo3::prelude::*;

/// Rust's allocations (not Python's) go to mimalloc: reqwest and hyper allocate a little for
/// every request, often on one thread and free on another, where it is faster than the
/// system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The native module `hotpot._hotpot`.
#[pymodule]
fn _hotpot(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("USER_AGENT", client::USER_AGENT)?;
    m.add_class::<moment::PyMoment>()?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<client::PyReceipt>()?;
    m.add_class::<client::PyRequestStatus>()?;
    m.add_class::<aio::AsyncCore>()?;
    m.add_class::<aio::TaskHandle>()?;
    m.add_class::<emitter::PyEmitter>()?;
    m.add_class::<mock::MockCore>()?;
    m.add_function(wrap_pyfunction!(client::send, m)?)?;
    m.add_function(wrap_pyfunction!(check::check, m)?)?;
    m.add_function(wrap_pyfunction!(aio::_tasks_in_flight, m)?)?;
    m.add_function(wrap_pyfunction!(emitter::_shutdown_at_exit, m)?)?;
    process::register_fork_hook()?;
    Ok(())
}
