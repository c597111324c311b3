//! `hotpot.testing.MockServer`: the Rust [`MockServer`], in-process, on the background
//! runtime, with the same methods.
//!
//! | module | holds |
//! |---|---|
//! | `convert` | the server's records and errors as Python objects; times and durations from Python |
//! | `access` | what every method does around its call: reaching the server, reading a token, waiting |
//! | `main` | `_mock_main`: `python -m hotpot.testing`, the binary's code and flags |
//! | `build` | the constructor: its arguments, checked, start the server |
//! | `faults` | `fail_next`, `faults`, `clear_faults`; `events` |
//! | `oncall` | users, teams, pages, acknowledging |
//! | `methods` | the class's other methods |
//! | `watch` | `expect_moment` and its near misses; `senders` |
//!
//! Each module holds its own `#[pymethods]` block (pyo3's `multiple-pymethods`).

mod access;
mod build;
mod convert;
mod faults;
mod main;
mod methods;
mod oncall;
mod watch;

pub(crate) use main::_mock_main;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotpot_mock_server::MockServer;
use pyo3::prelude::*;
use tokio::runtime::Handle;

/// How long `close()` lets requests in flight finish: short, since a test's teardown waits
/// for it (the Rust server's own default is for a server that is shut down once).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The status `fail_next()` answers with when none is given.
const FAULT_STATUS: u16 = 503;

/// The in-process mock of Hotpot's webhooks (the Rust ``hotpot-mock-server``), running until
/// :meth:`close` (or the end of a ``with`` block) on ``127.0.0.1`` and a free port: give its
/// ``webhook_url`` to the code under test, then look at what it recorded.
///
/// ``strict=True`` answers payloads that break a rule with 422 instead of 202 (Hotpot
/// itself queues them and records an error event). ``token`` fixes the default webhook's
/// token (random otherwise); ``api_key`` is the key ``GET /request/{id}/status`` and the
/// page routes accept (``hotpot-mock-api-key`` otherwise). ``host`` and ``port`` choose the
/// address (127.0.0.1 and a free port by default), ``rate_limit`` answers 429 beyond that
/// many requests per second per webhook (and for the API key's pages), ``max_events`` bounds the event log and the request journal (100,000
/// by default; the oldest go first, counted by :meth:`dropped_events`). ``public_url``
/// (``http://hotpot-mock:8080``) replaces ``http://HOST:PORT`` in every URL the server
/// returns, for a server its clients reach by another name. ``oncall`` (a dict
/// ``{"users": [...], "teams": [...]}`` or the path of such a JSON file) is the on-call
/// directory pages reach, instead of the user ``oncall@example.com`` and the team ``default``.
///
/// Events, moments and webhooks come back as lists of dicts, oldest first, shaped as the
/// mock's own JSON API (``/_mock/events``, ``/_mock/moments``, ``/_mock/webhooks``). Where a
/// method takes a ``token``, it also takes the webhook's URL (as :meth:`create_webhook`
/// returns it). Bad arguments raise ``TypeError`` (a value of the wrong type) or
/// :class:`hotpot.ConfigError` (a value out of range), as the clients do; an unknown webhook
/// or event ``LookupError`` (so does a ``token`` argument that names no webhook: a fault for
/// it would never fire, a filter never match).
///
/// >>> with MockServer() as mock:  # doctest: +SKIP
/// ...     deploy(webhook_url=mock.webhook_url)
/// ...     [moment] = mock.wait_for_moments(1)
#[pyclass(module = "hotpot.testing", name = "MockServer", subclass, frozen)]
pub(crate) struct PyMockServer {
    /// Only locked with the GIL held, never across a release of it (fork safety).
    server: Mutex<Option<Arc<MockServer>>>,
    handle: Handle,
    pid: u32,
    /// The server's base URL, ``http://127.0.0.1:PORT``.
    #[pyo3(get)]
    url: String,
    /// The default webhook's URL, ``{url}/moment/{token}``: give it to the code under test.
    #[pyo3(get)]
    webhook_url: String,
    /// The default webhook's token.
    #[pyo3(get)]
    token: String,
    /// The API key ``request_status`` must use.
    #[pyo3(get)]
    api_key: String,
}

impl Drop for PyMockServer {
    fn drop(&mut self) {
        if self.pid != crate::process::pid() {
            // A forked child's copy: the server's threads live in the parent.
            if let Some(server) = self.server.get_mut().ok().and_then(Option::take) {
                std::mem::forget(server);
            }
        }
    }
}
