//! The methods of `hotpot.testing.MockServer` (one `#[pymethods]` block, as pyo3 wants):
//! each reaches the Rust [`MockServer`](hotpot_mock_server::MockServer) through `access` and
//! converts with `convert`.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hotpot_mock_server::{NewWebhook, WebhookPatch};
use hotpot_protocol::redact_token;
use pyo3::prelude::*;

use super::convert::{duration_arg, mock_error, time_arg, to_py};
use super::{PyMockServer, build, watch};
use crate::args::{Arg, bool_arg, given, str_arg};
use crate::process::{lock, runtimes};

#[pymethods]
impl PyMockServer {
    /// Starts the server (``OSError`` when the port is taken).
    #[new]
    #[pyo3(
        signature = (*, strict=None, token=None, api_key=None, host=None, port=None, rate_limit=None, max_events=None, public_url=None, oncall=None),
        text_signature = "(*, strict=False, token=None, api_key=None, host='127.0.0.1', port=0, rate_limit=None, max_events=None, public_url=None, oncall=None)"
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
        oncall: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let builder = build::builder(
            py, strict, token, api_key, host, port, rate_limit, max_events, public_url, oncall,
        )?;
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
        self.events_impl(py, token, status)
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
    /// (``drop_connection=True``, which ignores ``status``; the clients resend such a request
    /// once at once without counting an attempt, so ``count=2`` fails one attempt).
    /// ``status=None`` with a ``delay`` only slows the answer down. A ``token`` that names no
    /// webhook raises ``LookupError``.
    /// ``route="moments"`` or ``"pages"`` hits only that kind of request (both by default; a
    /// fault for pages takes no ``token``).
    #[pyo3(
        signature = (status=Arg::Missing, *, count=None, retry_after=None, delay=None, drop_connection=None, token=None, route=None),
        text_signature = "(self, status=503, *, count=1, retry_after=None, delay=None, drop_connection=False, token=None, route=None)"
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
        route: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let fault = self.fault(
            status,
            count,
            retry_after,
            delay,
            drop_connection,
            token,
            route,
        )?;
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
        self.faults_impl(py, token)
    }

    /// Drops the faults not used up yet; with ``token``, only those :meth:`fail_next` queued
    /// for that webhook.
    #[pyo3(signature = (*, token=None))]
    fn clear_faults(&self, py: Python<'_>, token: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.clear_faults_impl(py, token)
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

    /// The pages recorded so far (to ``recipient`` only, if given: an e-mail address in any
    /// case, or a team's slug exactly), oldest first, as ``GET /_mock/pages`` lists them:
    /// ``id``, ``request_id``, ``kind``, ``recipient``, ``title``, ``text``, ``urgency``,
    /// ``source_url``, ``received_at``, ``status``, ``status_message``, ``errors``,
    /// ``notified`` (``email``, ``at``, ``role``, ``stage``: everyone due by the server's
    /// clock, so :meth:`advance_clock` drives escalation), ``acknowledgements``, ``warnings``.
    #[pyo3(signature = (*, recipient=None))]
    fn pages<'py>(
        &self,
        py: Python<'py>,
        recipient: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.pages_impl(py, recipient)
    }

    /// Waits until at least ``n`` pages are recorded and returns them all; after ``timeout``
    /// seconds (default 5) raises :class:`WaitTimeout` with what there was.
    #[pyo3(signature = (n, timeout=None), text_signature = "(self, n, timeout=5.0)")]
    fn wait_for_pages<'py>(
        &self,
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.wait(py, n, timeout, "pages", |server, n, timeout| async move {
            server.wait_for_pages(n, timeout).await
        })
    }

    /// Records that the user ``email`` handled the page with this request id (stopping its
    /// escalation) and returns the acknowledgement (``acknowledged_at``,
    /// ``acknowledged_by_email``, ``acknowledged_by``, ``status``); the existing one when that
    /// user already handled it. ``LookupError`` for an unknown request id,
    /// :class:`hotpot.ConfigError` for an unknown user or a page whose status is ``error``.
    fn acknowledge<'py>(
        &self,
        py: Python<'py>,
        request_id: &Bound<'py, PyAny>,
        email: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.acknowledge_impl(py, request_id, email)
    }

    /// Adds a user pages can reach (``name``: the part before ``@`` by default) and returns
    /// it: ``id``, ``email``, ``name``. :class:`hotpot.ConfigError` for a known e-mail.
    #[pyo3(signature = (email, *, name=None))]
    fn add_user<'py>(
        &self,
        py: Python<'py>,
        email: &Bound<'py, PyAny>,
        name: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.add_user_impl(py, email, name)
    }

    /// Adds a team and returns it: ``stages`` is a list of lists of known users' e-mails (the
    /// first paged at once, each next one ``escalate_after_s`` seconds later, default 300),
    /// then the ``backstop``; ``copy`` is notified at once.
    #[pyo3(
        signature = (slug, stages, *, name=None, backstop=None, escalate_after_s=None, copy=None),
        text_signature = "(self, slug, stages, *, name=None, backstop=None, escalate_after_s=300, copy=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn add_team<'py>(
        &self,
        py: Python<'py>,
        slug: &Bound<'py, PyAny>,
        stages: &Bound<'py, PyAny>,
        name: Option<&Bound<'py, PyAny>>,
        backstop: Option<&Bound<'py, PyAny>>,
        escalate_after_s: Option<&Bound<'py, PyAny>>,
        copy: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.add_team_impl(py, slug, stages, name, backstop, escalate_after_s, copy)
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
