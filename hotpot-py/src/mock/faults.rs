//! The faults of `hotpot.testing.MockServer`: `fail_next` (its arguments, checked, as a
//! [`Fault`]), `faults` and `clear_faults`; and `events`.

use std::str::FromStr;

use hotpot_mock_server::{EventStatus, Fault, FaultRoute, MAX_FAULT_COUNT};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::{duration_arg, mock_error, to_py};
use super::{FAULT_STATUS, PyMockServer};
use crate::args::{Arg, bool_arg, given, int_arg, keywords, str_arg};

#[pymethods]
impl PyMockServer {
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
        signature = (status=Arg::Missing, **settings),
        text_signature = "(self, status=503, *, count=1, retry_after=None, delay=None, drop_connection=False, token=None, route=None)"
    )]
    fn fail_next(
        &self,
        py: Python<'_>,
        status: Arg<'_>,
        settings: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let names = [
            "count",
            "retry_after",
            "delay",
            "drop_connection",
            "token",
            "route",
        ];
        let settings = keywords("MockServer.fail_next", settings, names)?;
        let [count, retry_after, delay, drop_connection, token, route] =
            settings.each_ref().map(Option::as_ref);
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
        if let Some(route) = given(route) {
            let text = str_arg(route, "route", "'moments', 'pages' or None")?;
            let route = text.parse::<FaultRoute>().map_err(|e| mock_error(py, e))?;
            fault = fault.on_route(route);
        }
        self.server()?
            .fail_next(fault)
            .map_err(|e| mock_error(py, e))
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
}
