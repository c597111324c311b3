//! The methods of `hotpot.testing.MockServer` that the other modules do not hold (its
//! constructor is in `build`, faults and `events` in `faults`, on-call in `oncall`,
//! `expect_moment` and `senders` in `watch`): each reaches the Rust
//! [`MockServer`](hotpot_mock_server::MockServer) through `access` and converts with `convert`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotpot_mock_server::{NewWebhook, WebhookPatch};
use hotpot_protocol::redact_token;
use pyo3::prelude::*;

use super::PyMockServer;
use super::convert::{duration_arg, mock_error, time_arg, to_py};
use crate::args::{Arg, bool_arg, given, str_arg};
use crate::process::lock;

/// A `#[pymethods]` block with `$method(n, timeout=5.0)`: waits (without the GIL) until the
/// Rust server's `$method` has at least `n` records (`$what`) and returns them all; after
/// ``timeout`` seconds raises `WaitTimeout` with what there was (see `PyMockServer::wait`).
macro_rules! wait_method {
    ($(#[doc = $doc:literal])* $method:ident, $what:literal) => {
        #[pymethods]
        impl PyMockServer {
            $(#[doc = $doc])*
            #[pyo3(signature = (n, timeout=None), text_signature = "(self, n, timeout=5.0)")]
            fn $method<'py>(
                &self,
                py: Python<'py>,
                n: &Bound<'py, PyAny>,
                timeout: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                self.wait(py, n, timeout, $what, |server, n, timeout| async move {
                    server.$method(n, timeout).await
                })
            }
        }
    };
}

wait_method!(
    /// Waits until at least ``n`` events are recorded and returns them all; after
    /// ``timeout`` seconds (default 5) raises :class:`WaitTimeout` with what there was.
    /// Wakes on each event: no polling. The GIL is released while it waits.
    wait_for_events, "events"
);

wait_method!(
    /// Waits until at least ``n`` moments exist and returns them all; after ``timeout``
    /// seconds (default 5) raises :class:`WaitTimeout` with what there was.
    wait_for_moments, "moments"
);

wait_method!(
    /// Waits until at least ``n`` pages are recorded and returns them all; after ``timeout``
    /// seconds (default 5) raises :class:`WaitTimeout` with what there was.
    wait_for_pages, "pages"
);

#[pymethods]
impl PyMockServer {
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

    /// The requests that reached no live webhook (unknown, expired, malformed path), newest
    /// first, at most 1,000, each with ``near``: the webhook it most likely meant, or ``None``.
    fn rejected<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.server()?.rejected())
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

    /// How many :meth:`fail_next` faults are not used up yet (one with ``count=3`` counts
    /// once, until its third request).
    fn pending_faults(&self) -> PyResult<usize> {
        Ok(self.server()?.pending_faults())
    }

    /// Forgets events, moments, pages, faults and the request journal; with ``webhooks=True``
    /// also every webhook but the default one; with ``oncall=True`` it puts the users and
    /// teams back as the server started.
    #[pyo3(
        signature = (*, webhooks=None, oncall=None),
        text_signature = "(self, *, webhooks=False, oncall=False)"
    )]
    fn reset(
        &self,
        webhooks: Option<&Bound<'_, PyAny>>,
        oncall: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let flag =
            |v: Option<&Bound<'_, PyAny>>, name| given(v).map(|v| bool_arg(v, name)).transpose();
        let (webhooks, oncall) = (flag(webhooks, "webhooks")?, flag(oncall, "oncall")?);
        let server = self.server()?;
        if webhooks == Some(true) {
            server.reset_webhooks();
        } else {
            server.reset();
        }
        if oncall == Some(true) {
            server.reset_oncall();
        }
        Ok(())
    }

    /// The users, in the order they were added.
    fn users<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.server()?.users())
    }

    /// The teams, in the order they were added.
    fn teams<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.server()?.teams())
    }

    /// Removes a user (``LookupError`` for none; :class:`hotpot.ConfigError` while a team
    /// names it).
    fn delete_user(&self, py: Python<'_>, email: &Bound<'_, PyAny>) -> PyResult<()> {
        let email = str_arg(email, "email", "an e-mail address (a str)")?;
        self.server()?
            .delete_user(&email)
            .map_err(|e| mock_error(py, e))
    }

    /// Removes a team (``LookupError`` for none).
    fn delete_team(&self, py: Python<'_>, slug: &Bound<'_, PyAny>) -> PyResult<()> {
        let slug = str_arg(slug, "slug", "a team slug (a str)")?;
        self.server()?
            .delete_team(&slug)
            .map_err(|e| mock_error(py, e))
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

    fn __repr__(&self) -> String {
        format!(
            "MockServer(url='{}', token='{}')",
            self.url,
            redact_token(&self.token)
        )
    }
}

closed_on_exit!(
    PyMockServer,
    "Closes the server.",
    |server: &PyMockServer, py| {
        server.close(py);
        Ok(())
    }
);
