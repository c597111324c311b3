//! `fail_next(...)`'s arguments, checked, as a [`Fault`]; the bodies of `faults`,
//! `clear_faults` and `events`.

use hotpot_mock_server::{Fault, FaultRoute, MAX_FAULT_COUNT};
use pyo3::prelude::*;

use std::str::FromStr;

use hotpot_mock_server::EventStatus;

use super::convert::{duration_arg, mock_error, to_py};
use super::{FAULT_STATUS, PyMockServer};
use crate::args::{Arg, bool_arg, given, int_arg, str_arg};

impl PyMockServer {
    /// The fault `fail_next` queues.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fault(
        &self,
        status: Arg<'_>,
        count: Option<&Bound<'_, PyAny>>,
        retry_after: Option<&Bound<'_, PyAny>>,
        delay: Option<&Bound<'_, PyAny>>,
        drop_connection: Option<&Bound<'_, PyAny>>,
        token: Option<&Bound<'_, PyAny>>,
        route: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Fault> {
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
            let route = text
                .parse::<FaultRoute>()
                .map_err(|e| mock_error(route.py(), e))?;
            fault = fault.on_route(route);
        }
        Ok(fault)
    }
}

impl PyMockServer {
    pub(super) fn faults_impl<'py>(
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

    pub(super) fn clear_faults_impl(
        &self,
        py: Python<'_>,
        token: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
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

    pub(super) fn events_impl<'py>(
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
