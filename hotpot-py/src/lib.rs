//! `hotpot._hotpot`: the native core of the Python package `hotpot`.
//!
//! Every public class is a pyo3 class declared in the module users import it from
//! (`module = "hotpot"`, `"hotpot.testing"`) and re-exported as is by the pure-Python
//! package in `python/hotpot/`, whose hand-written `_hotpot.pyi` describes them. Python adds
//! only what has to be Python: the exceptions (`_errors.py`: builtin bases), the enums
//! (`_enums.py`), the shapes of the dicts (`_reports.py`), the exit handler (`_emitter.py`:
//! `atexit`, `multiprocessing`) and the coroutine methods of `AsyncClient` (`_aio.py`: only
//! an `async def` is a coroutine function). This crate binds `hotpot_client` and
//! `hotpot_mock_server` and keeps no rule or default of its own: spec §1 lives in
//! `hotpot_protocol::moment::rules`, the defaults in `hotpot_client::defaults`.
//!
//! | module | holds |
//! |---|---|
//! | `args` | reading Python arguments: type and range checks that name the argument |
//! | `moment` | `Moment`: the one place the seven fields are read |
//! | `check` | `check`: the §1 verdict on a raw payload, through `parse_lenient` |
//! | `cli` | `_cli_main`: the `hotpot` console script, running crate `hotpot-cli` |
//! | `client` | the blocking `Client` and `send`; the settings both clients share |
//! | `receipt` | `Receipt` and `RequestStatus`, what the server answered |
//! | `page`, `api` | `Page`, `Acknowledgement` and the blocking `ApiClient` (spec §14) |
//! | `aio` | the native half of `AsyncClient`: tokio tasks resolving asyncio futures |
//! | `emitter` | `Emitter`, background delivery on `hotpot_client::Emitter`, and its exit handler |
//! | `mock` | `hotpot.testing.MockServer`, the Rust mock server in-process; `_mock_main`, the standalone one |
//! | `errors` | raising the exceptions of `hotpot._errors`, with the token redacted |
//! | `process` | the runtimes and every per-process value, rebuilt after `fork` |
//! | `spin` | how a blocking send waits: polling briefly before it sleeps, when answers come fast |

#![warn(missing_docs)]

/// A `#[pymethods]` block that makes `$class` a context manager: `with` gives the object
/// itself, and leaving the block runs `$close(&self, py)`, which `$doc` describes.
macro_rules! closed_on_exit {
    ($class:ty, $doc:literal, $close:expr) => {
        #[pyo3::pymethods]
        impl $class {
            fn __enter__(slf: pyo3::Bound<'_, Self>) -> pyo3::Bound<'_, Self> {
                slf
            }

            #[doc = $doc]
            fn __exit__(
                &self,
                py: pyo3::Python<'_>,
                exc_type: &pyo3::Bound<'_, pyo3::PyAny>,
                exc: &pyo3::Bound<'_, pyo3::PyAny>,
                tb: &pyo3::Bound<'_, pyo3::PyAny>,
            ) -> pyo3::PyResult<()> {
                let _ = (exc_type, exc, tb);
                ($close)(self, py)
            }
        }
    };
}

mod aio;
mod api;
mod args;
mod check;
mod cli;
mod client;
mod emitter;
mod errors;
mod mock;
mod moment;
mod page;
mod process;
mod receipt;
mod spin;
mod sunset;

use std::time::Duration;

use hotpot_client::defaults;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Rust's allocations (not Python's) go to mimalloc: reqwest and hyper allocate a little for
/// every request, often on one thread and free on another, where it is faster than the
/// system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `hotpot._hotpot.DEFAULTS`: every default of [`hotpot_client::defaults`], by the name of
/// the Python setting it is the default of (seconds for durations). The stubs and docstrings
/// state the same values; a test checks that they agree.
fn defaults_dict(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let secs = Duration::as_secs_f64;
    let d = PyDict::new(py);
    d.set_item("timeout", secs(&defaults::TIMEOUT))?;
    d.set_item("connect_timeout", secs(&defaults::CONNECT_TIMEOUT))?;
    d.set_item("max_retries", defaults::MAX_RETRIES)?;
    d.set_item("base_delay", secs(&defaults::BASE_DELAY))?;
    d.set_item("max_delay", secs(&defaults::MAX_DELAY))?;
    d.set_item("max_retry_after", secs(&defaults::MAX_RETRY_AFTER))?;
    d.set_item("send_deadline", secs(&defaults::SEND_DEADLINE))?;
    d.set_item("capacity", defaults::CAPACITY)?;
    d.set_item("concurrency", defaults::CONCURRENCY)?;
    d.set_item("max_concurrency", defaults::MAX_CONCURRENCY)?;
    d.set_item("delivery_deadline", secs(&defaults::DELIVERY_DEADLINE))?;
    d.set_item("block_timeout", secs(&defaults::BLOCK_TIMEOUT))?;
    d.set_item("shutdown_timeout", secs(&defaults::SHUTDOWN_TIMEOUT))?;
    d.set_item(
        "drop_shutdown_timeout",
        secs(&defaults::DROP_SHUTDOWN_TIMEOUT),
    )?;
    d.set_item(
        "exit_shutdown_timeout",
        secs(&defaults::EXIT_SHUTDOWN_TIMEOUT),
    )?;
    d.set_item("sync", hotpot_client::SpoolSync::default().as_str())?;
    d.set_item("spool_sync_interval", secs(&defaults::SPOOL_SYNC_INTERVAL))?;
    d.set_item(
        "spool_adopt_interval",
        secs(&defaults::SPOOL_ADOPT_INTERVAL),
    )?;
    d.set_item("spool_max_bytes", defaults::SPOOL_MAX_BYTES)?;
    // hotpot.logging.MomentHandler (spec §11)
    d.set_item("dedup_window", secs(&defaults::LOG_DEDUP_WINDOW))?;
    d.set_item("dedup_places", defaults::LOG_DEDUP_PLACES)?;
    Ok(d)
}

/// The native module `hotpot._hotpot`.
#[pymodule]
fn _hotpot(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("USER_AGENT", client::USER_AGENT)?;
    m.add("DEFAULTS", defaults_dict(m.py())?)?;
    m.add(
        "NAME_MAX_CHARS",
        hotpot_protocol::moment::rules::NAME_MAX_CHARS,
    )?;
    m.add_class::<moment::PyMoment>()?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<receipt::PyReceipt>()?;
    m.add_class::<receipt::PyRequestStatus>()?;
    m.add_class::<page::PyPage>()?;
    m.add_class::<page::PyAcknowledgement>()?;
    m.add_class::<api::PyApiClient>()?;
    m.add_class::<aio::PyAsyncClient>()?;
    m.add_class::<aio::Pending>()?;
    m.add_class::<emitter::PyEmitter>()?;
    m.add_class::<mock::PyMockServer>()?;
    m.add_function(wrap_pyfunction!(client::send, m)?)?;
    m.add_function(wrap_pyfunction!(check::check, m)?)?;
    m.add_function(wrap_pyfunction!(cli::_cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(mock::_mock_main, m)?)?;
    m.add_function(wrap_pyfunction!(aio::_tasks_in_flight, m)?)?;
    m.add_function(wrap_pyfunction!(emitter::_shutdown_at_exit, m)?)?;
    process::register_fork_hook()?;
    Ok(())
}
