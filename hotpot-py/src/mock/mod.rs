//! `hotpot.testing.MockServer`: the Rust [`MockServer`], in-process, on the background
//! runtime, with the same methods.
//!
//! | module | holds |
//! |---|---|
//! | `convert` | the server's records and errors as Python objects; times and durations from Python |
//! | `access` | what every method does around its call: reaching the server, reading a token, waiting |
//! | `main` | `_mock_main`: `python -m hotpot.testing`, the binary's code and flags |
//! | `watch` | `expect_moment` and its near misses |

mod access;
mod convert;
mod main;
mod watch;

pub(crate) use main::_mock_main;

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hotpot_mock_server::{
    EventStatus, Fault, MAX_FAULT_COUNT, MockServer, NewWebhook, WebhookPatch,
};
use hotpot_protocol::redact_token;
use pyo3::prelude::*;
use tokio::runtime::Handle;

use crate::args::{Arg, bool_arg, given, int_arg, str_arg};
use crate::errors::config_error;
use crate::process::{lock, runtimes};
use convert::{duration_arg, mock_error, time_arg, to_py};

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
/// token (random otherwise); ``api_key`` is the key ``GET /request/{id}/status`` accepts
/// (``hotpot-mock-api-key`` otherwise). ``host`` and ``port`` choose the address (127.0.0.1
/// and a free port by default), ``rate_limit`` answers 429 beyond that many requests per
/// second per webhook, ``max_events`` bounds the event log and the request journal (100,000
/// by default; the oldest go first, counted by :meth:`dropped_events`). ``public_url``
/// (``http://hotpot-mock:8080``) replaces ``http://HOST:PORT`` in every URL the server
/// returns, for a server its clients reach by another name.
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

#[pymethods]
impl PyMockServer {
    /// Starts the server (``OSError`` when the port is taken).
    #[new]
    #[pyo3(
        signature = (*, strict=None, token=None, api_key=None, host=None, port=None, rate_limit=None, max_events=None, public_url=None),
        text_signature = "(*, strict=False, token=None, api_key=None, host='127.0.0.1', port=0, rate_limit=None, max_events=None, public_url=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        strict: Option<&Bound<'_, PyAny>>,
        token: Option<&Bound<'_, PyAny>>,
        api_key: Option<&Bound<'_, PyAny>>,
        host: Option<&Bound<'_, PyAny>>,
        port: Option<&Bound<'_, PyAny>>,
        rate_limit: Option<&Bound<'_, PyAny>>,
        max_events: Option<&Bound<'_, PyAny>>,
        public_url: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut builder = MockServer::builder().shutdown_timeout(CLOSE_TIMEOUT);
        if let Some(strict) = given(strict) {
            builder = builder.strict(bool_arg(strict, "strict")?);
        }
        if let Some(token) = given(token) {
            builder = builder.token(str_arg(token, "token", "a str or None")?);
        }
        if let Some(key) = given(api_key) {
            builder = builder.api_key(str_arg(key, "api_key", "a str or None")?);
        }
        if let Some(value) = given(host) {
            let host = str_arg(value, "host", "an IP address (a str)")?;
            let ip = host.parse().map_err(|_| {
                config_error(py, format!("host: expected an IP address, found {host:?}"))
            })?;
            builder = builder.host(ip);
        }
        if let Some(port) = given(port) {
            builder = builder.port(int_arg(port, "port", 0..=u16::MAX.into())? as u16);
        }
        if let Some(per_second) = given(rate_limit) {
            let per_second = int_arg(per_second, "rate_limit", 1..=u32::MAX.into())?;
            builder = builder.rate_limit(per_second as u32);
        }
        if let Some(n) = given(max_events) {
            builder = builder.max_events(int_arg(n, "max_events", 1..=usize::MAX as u64)? as usize);
        }
        if let Some(url) = given(public_url) {
            builder = builder.public_url(str_arg(url, "public_url", "a URL (a str) or None")?);
        }
        let handle = runtimes(py)?.background()?;
        let server = builder.start_on(&handle).map_err(|e| mock_error(py, e))?;
        Ok(PyMockServer {
            url: server.url().to_owned(),
            webhook_url: server.webhook_url(),
            token: server.token().to_owned(),
            api_key: server.api_key().to_owned(),
            server: Mutex::new(Some(Arc::new(server))),
            handle,
            pid: crate::process::pid(),
        })
    }

    /// Whether :meth:`close` has run.
    #[getter]
    fn closed(&self) -> bool {
        lock(&self.server).is_none()
    }

    /// The moments created so far (of the webhook ``token`` only, if given), oldest first:
    /// ``id``, ``request_id``, ``name``, ``type``, ``priority`` (``medium`` when none was
    /// sent), ``source``, ``source_url``, ``description``, ``occurred_at``, ``created_at``,
    /// ``webhook_label``, ``integration``.
    #[pyo3(signature = (*, token=None))]
    fn moments<'py>(
        &self,
        py: Python<'py>,
        token: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let server = self.server()?;
        match given(token) {
            Some(token) => to_py(py, &server.moments_for(&self.known_token(token)?)),
            None => to_py(py, &server.moments()),
        }
    }

    /// The requests recorded so far (of the webhook ``token`` only, with ``status``
    /// ``"success"`` or ``"error"`` only, if given), oldest first: ``id``, ``request_id``,
    /// ``webhook_label``, ``token_hint``, ``integration``, ``received_at``, ``status``,
    /// ``errors`` and ``warnings`` (lists of ``{field, message}``), ``payload``,
    /// ``raw_body``, ``moment_id``.
    #[pyo3(signature = (*, token=None, status=None))]
    fn events<'py>(
        &self,
        py: Python<'py>,
        token: Option<&Bound<'py, PyAny>>,
        status: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let status = given(status)
            .map(|s| {
                let text = str_arg(s, "status", "'success', 'error' or None")?;
                EventStatus::from_str(&text).map_err(|e| mock_error(py, e))
            })
            .transpose()?;
        let server = self.server()?;
        let mut events = match (given(token), status) {
            (Some(token), _) => server.events_for(&self.known_token(token)?),
            (None, Some(status)) => server.events_with(status),
            (None, None) => server.events(),
        };
        if let Some(status) = status {
            events.retain(|e| e.status == status);
        }
        to_py(py, &events)
    }

    /// The request journal (of the webhook ``token`` only, if given), oldest first: every
    /// request that reached an ingest route, faulted, replayed and refused ones included, as
    /// ``GET /_mock/requests`` lists them: ``id``, ``received_at``, ``method``, ``path_hint``
    /// (the path, its token redacted), ``headers`` (``user_agent``, ``idempotency_key``,
    /// ``content_type``), ``status`` (``None`` for a dropped connection), ``fault`` (the
    /// fault that hit it: ``status``, ``retry_after``, ``delay_ms``, ``drop_connection``; or
    /// ``None``), ``replayed``, ``event_id``. How a test counts its client's attempts.
    #[pyo3(signature = (*, token=None))]
    fn requests<'py>(
        &self,
        py: Python<'py>,
        token: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let server = self.server()?;
        match given(token) {
            Some(token) => {
                let token = self.known_token(token)?;
                let requests = server.requests_for(&token).map_err(|e| mock_error(py, e))?;
                to_py(py, &requests)
            }
            None => to_py(py, &server.requests()),
        }
    }

    /// Who sent to the webhook ``token`` (or its URL), most recent first: one dict per
    /// (``source``, ``user_agent``, ``client_addr``), with ``first_seen``, ``last_seen``, ``count``.
    fn senders<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        watch::senders(self, py, token)
    }

    /// The requests that reached no live webhook (unknown, expired, malformed path), newest
    /// first, at most 1,000, each with ``near``: the webhook it most likely meant, or ``None``.
    fn rejected<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.server()?.rejected())
    }

    /// Waits up to ``within`` seconds until at least ``count`` moments have the given fields
    /// (``name``, ``type``, ``priority``, ``source``, ``source_url``, ``description``,
    /// ``webhook_label``, ``integration``, ...; ``name={"contains": "..."}`` for a part of it)
    /// and returns every matching moment; otherwise raises ``AssertionError`` listing the
    /// received moments closest to the match, field by field. The GIL is released meanwhile.
    #[pyo3(signature = (*, count=None, within=None, token=None, **fields), text_signature = "(self, *, count=1, within=0.0, token=None, **fields)")]
    fn expect_moment<'py>(
        &self,
        py: Python<'py>,
        count: Option<&Bound<'py, PyAny>>,
        within: Option<&Bound<'py, PyAny>>,
        token: Option<&Bound<'py, PyAny>>,
        fields: Option<&Bound<'py, pyo3::types::PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        watch::expect_moment(self, py, [count, within, token], fields)
    }

    /// One event by id (``LookupError`` for an unknown one).
    fn event<'py>(
        &self,
        py: Python<'py>,
        event_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = str_arg(event_id, "event_id", "an event id (a str)")?;
        let event = self.server()?.event(&id).map_err(|e| mock_error(py, e))?;
        to_py(py, &event)
    }

    /// How many moments are kept (cheaper than ``len(self.moments())``).
    fn moment_count(&self) -> PyResult<usize> {
        Ok(self.server()?.moment_count())
    }

    /// How many events are kept (cheaper than ``len(self.events())``).
    fn event_count(&self) -> PyResult<usize> {
        Ok(self.server()?.event_count())
    }

    /// How many events (and their moments) ``max_events`` has pushed out, oldest first.
    fn dropped_events(&self) -> PyResult<u64> {
        Ok(self.server()?.dropped_events())
    }

    /// Every webhook, oldest first: ``token``, ``url``, ``label``, ``type``, ``expires_at``,
    /// ``created_at``.
    fn webhooks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.server()?.webhooks())
    }

    /// Waits until at least ``n`` events are recorded and returns them all; after
    /// ``timeout`` seconds (default 5) raises :class:`WaitTimeout` with what there was.
    /// Wakes on each event: no polling. The GIL is released while it waits.
    #[pyo3(signature = (n, timeout=None), text_signature = "(self, n, timeout=5.0)")]
    fn wait_for_events<'py>(
        &self,
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.wait(py, n, timeout, "events", |server, n, timeout| async move {
            server.wait_for_events(n, timeout).await
        })
    }

    /// Waits until at least ``n`` moments exist and returns them all; after ``timeout``
    /// seconds (default 5) raises :class:`WaitTimeout` with what there was.
    #[pyo3(signature = (n, timeout=None), text_signature = "(self, n, timeout=5.0)")]
    fn wait_for_moments<'py>(
        &self,
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.wait(py, n, timeout, "moments", |server, n, timeout| async move {
            server.wait_for_moments(n, timeout).await
        })
    }

    /// Processes an ``error`` event's payload again with the server's clock (the Events
    /// view's "retry") and returns the event as it is now.
    fn retry_event<'py>(
        &self,
        py: Python<'py>,
        event_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = str_arg(event_id, "event_id", "an event id (a str)")?;
        let event = self
            .server()?
            .retry_event(&id)
            .map_err(|e| mock_error(py, e))?;
        to_py(py, &event)
    }

    /// Creates another webhook and returns its URL. From ``expires_at`` on (a ``datetime``,
    /// naive meaning UTC, or an RFC 3339 string; by the server's clock) it is answered 410.
    #[pyo3(
        signature = (label, r#type=None, expires_at=None),
        text_signature = "(self, label, type='custom', expires_at=None)"
    )]
    fn create_webhook(
        &self,
        py: Python<'_>,
        label: &Bound<'_, PyAny>,
        r#type: Option<&Bound<'_, PyAny>>,
        expires_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let mut new = NewWebhook::new(str_arg(label, "label", "a str")?);
        if let Some(kind) = given(r#type) {
            new = new.kind(str_arg(kind, "type", "a str")?);
        }
        if let Some(at) = given(expires_at) {
            new = new.expires_at(time_arg(at, "expires_at")?);
        }
        self.server()?
            .create_webhook(new)
            .map_err(|e| mock_error(py, e))
    }

    /// Changes a webhook's ``label`` or its expiry, and returns the webhook: ``expires_at``
    /// a ``datetime`` or an RFC 3339 string (rotation: give the old webhook a future one), or
    /// ``None`` for never; left out, it stays as it is.
    #[pyo3(
        signature = (token, *, label=None, expires_at=Arg::Missing),
        text_signature = "(self, token, *, label=None, expires_at=...)"
    )]
    fn update_webhook<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        label: Option<&Bound<'py, PyAny>>,
        expires_at: Arg<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let token = self.token_of(token)?;
        let mut patch = WebhookPatch::default();
        if let Some(label) = given(label) {
            patch = patch.label(str_arg(label, "label", "a str or None")?);
        }
        if let Arg::Given(at) = expires_at {
            let at = given(Some(&at))
                .map(|at| time_arg(at, "expires_at"))
                .transpose()?;
            patch = patch.expires_at(at);
        }
        let hook = self
            .server()?
            .update_webhook(&token, patch)
            .map_err(|e| mock_error(py, e))?;
        to_py(py, &hook)
    }

    /// Deletes a webhook: its token is unknown (404) from then on.
    fn delete_webhook(&self, py: Python<'_>, token: &Bound<'_, PyAny>) -> PyResult<()> {
        let token = self.token_of(token)?;
        self.server()?
            .delete_webhook(&token)
            .map_err(|e| mock_error(py, e))
    }

    /// Makes the next ``count`` requests (to the webhook ``token`` only, if given) fail:
    /// answered with ``status`` (with a ``Retry-After`` of ``retry_after`` seconds), answered
    /// ``delay`` seconds late, or with the connection closed unanswered
    /// (``drop_connection=True``, which ignores ``status``). ``status=None`` with a ``delay``
    /// only slows the answer down. A ``token`` that names no webhook raises ``LookupError``.
    #[pyo3(
        signature = (status=Arg::Missing, *, count=None, retry_after=None, delay=None, drop_connection=None, token=None),
        text_signature = "(self, status=503, *, count=1, retry_after=None, delay=None, drop_connection=False, token=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn fail_next(
        &self,
        py: Python<'_>,
        status: Arg<'_>,
        count: Option<&Bound<'_, PyAny>>,
        retry_after: Option<&Bound<'_, PyAny>>,
        delay: Option<&Bound<'_, PyAny>>,
        drop_connection: Option<&Bound<'_, PyAny>>,
        token: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let status = match status {
            Arg::Missing => Some(FAULT_STATUS),
            Arg::Given(value) => given(Some(&value))
                .map(|s| int_arg(s, "status", 0..=u16::MAX.into()).map(|s| s as u16))
                .transpose()?,
        };
        let drop_connection = given(drop_connection)
            .map(|v| bool_arg(v, "drop_connection"))
            .transpose()?
            .unwrap_or(false);
        let delay = given(delay).map(|v| duration_arg(v, "delay")).transpose()?;
        let mut fault = match (drop_connection, status, delay) {
            (true, _, _) => Fault::drop_connection(),
            (false, Some(status), _) => Fault::status(status),
            (false, None, Some(delay)) => Fault::delay(delay),
            (false, None, None) => Fault::default(), // refused by fail_next, naming what is missing
        };
        if let Some(delay) = delay {
            fault = fault.after(delay);
        }
        if let Some(after) = given(retry_after) {
            fault = fault.retry_after(duration_arg(after, "retry_after")?);
        }
        if let Some(count) = given(count) {
            fault = fault.times(int_arg(count, "count", 1..=MAX_FAULT_COUNT.into())? as u32);
        }
        if let Some(token) = given(token) {
            fault = fault.for_token(self.known_token(token)?);
        }
        self.server()?
            .fail_next(fault)
            .map_err(|e| mock_error(py, e))
    }

    /// How many :meth:`fail_next` faults are not used up yet (one with ``count=3`` counts
    /// once, until its third request).
    fn pending_faults(&self) -> PyResult<usize> {
        Ok(self.server()?.pending_faults())
    }

    /// The faults not used up yet (of the webhook ``token`` only, if given), in the order
    /// they hit, as ``GET /_mock/faults`` lists them: ``token_hint`` (``None`` for a fault on
    /// every webhook), ``status``, ``count`` (the requests it has left to hit),
    /// ``retry_after``, ``delay_ms``, ``drop_connection``.
    #[pyo3(signature = (*, token=None))]
    fn faults<'py>(
        &self,
        py: Python<'py>,
        token: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let server = self.server()?;
        let faults = match given(token) {
            Some(token) => {
                let token = self.known_token(token)?;
                server.faults_for(&token).map_err(|e| mock_error(py, e))?
            }
            None => server.faults(),
        };
        let faults: Vec<_> = faults.iter().map(Fault::to_json).collect();
        to_py(py, &faults)
    }

    /// Drops the faults not used up yet; with ``token``, only those :meth:`fail_next` queued
    /// for that webhook.
    #[pyo3(signature = (*, token=None))]
    fn clear_faults(&self, py: Python<'_>, token: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let server = self.server()?;
        match given(token) {
            Some(token) => {
                let token = self.known_token(token)?;
                server
                    .clear_faults_for(&token)
                    .map(drop)
                    .map_err(|e| mock_error(py, e))
            }
            None => {
                server.clear_faults();
                Ok(())
            }
        }
    }

    /// Forgets events, moments, faults and the request journal; with ``webhooks=True`` also
    /// every webhook but the default one.
    #[pyo3(signature = (*, webhooks=None), text_signature = "(self, *, webhooks=False)")]
    fn reset(&self, webhooks: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let webhooks = given(webhooks)
            .map(|v| bool_arg(v, "webhooks"))
            .transpose()?
            .unwrap_or(false);
        let server = self.server()?;
        if webhooks {
            server.reset_webhooks();
        } else {
            server.reset();
        }
        Ok(())
    }

    /// The server's clock (it decides what "in the future" means, and webhook expiry).
    fn now(&self) -> PyResult<DateTime<Utc>> {
        Ok(self.server()?.now())
    }

    /// Freezes the server's clock at ``now`` (a ``datetime``, naive meaning UTC, or an RFC
    /// 3339 string).
    fn set_clock(&self, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let now = time_arg(now, "now")?;
        self.server()?.set_clock(now);
        Ok(())
    }

    /// Moves the server's clock forward by ``seconds``.
    fn advance_clock(&self, seconds: &Bound<'_, PyAny>) -> PyResult<()> {
        let by = duration_arg(seconds, "seconds")?;
        self.server()?.advance_clock(by);
        Ok(())
    }

    /// Puts the server's clock back on real time.
    fn reset_clock(&self) -> PyResult<()> {
        self.server()?.reset_clock();
        Ok(())
    }

    /// Stops the server (requests in flight get up to 2 s to finish); the port is free then.
    /// Idempotent.
    fn close(&self, py: Python<'_>) {
        if self.pid != crate::process::pid() {
            return;
        }
        let Some(server) = lock(&self.server).take() else {
            return;
        };
        match Arc::try_unwrap(server) {
            Ok(server) => {
                let handle = self.handle.clone();
                py.detach(|| handle.block_on(server.shutdown()));
            }
            // Another thread is waiting on it: dropping the last reference stops it.
            Err(shared) => drop(shared),
        }
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Closes the server.
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: &Bound<'_, PyAny>,
        exc: &Bound<'_, PyAny>,
        tb: &Bound<'_, PyAny>,
    ) {
        let _ = (exc_type, exc, tb);
        self.close(py);
    }

    fn __repr__(&self) -> String {
        format!(
            "MockServer(url='{}', token='{}')",
            self.url,
            redact_token(&self.token)
        )
    }
}
