//! The core of `hotpot.testing.MockServer`: the Rust mock server, in-process, on the
//! background runtime.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hotpot_client::moment::rules;
use hotpot_mock_server::{Fault, MockServer, NewWebhook};
use pyo3::exceptions::{
    PyLookupError, PyOSError, PyRuntimeError, PyTimeoutError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDateTime, PyDict, PyList, PyString};
use serde::Serialize;
use serde_json::Value;
use tokio::runtime::Handle;

use crate::moment::{datetime_to_utc, describe};
use crate::process::{lock, runtimes};

/// How long `close()` lets requests in flight finish.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

fn mock_error(err: hotpot_mock_server::Error) -> PyErr {
    use hotpot_mock_server::Error as E;
    match err {
        E::NotFound(m) => PyLookupError::new_err(m),
        E::Bind(e) => PyOSError::new_err(format!("could not bind the mock server's socket: {e}")),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// A JSON value as Python objects (dicts, lists, str, int, float, bool, None).
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

/// A time given as a `datetime` (naive = UTC) or a §1 string.
fn time_arg(field: &str, value: &Bound<'_, PyAny>) -> PyResult<DateTime<Utc>> {
    if let Ok(s) = value.cast::<PyString>() {
        return rules::parse_occurred_at(&s.to_cow()?)
            .map_err(|m| PyValueError::new_err(format!("{field}: {m}")));
    }
    if let Ok(dt) = value.cast::<PyDateTime>() {
        return datetime_to_utc(dt);
    }
    Err(PyTypeError::new_err(format!(
        "{field}: expected a datetime or an RFC 3339 string, found {}",
        describe(value)
    )))
}

/// Seconds as a duration; a clear `ValueError` for negative, NaN or huge values.
fn to_duration(field: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{field}: expected a non-negative number of seconds, found {value}"
        ))
    })
}

/// The in-process mock server behind `hotpot.testing.MockServer`.
#[pyclass(module = "hotpot._hotpot", name = "MockCore", frozen)]
pub(crate) struct MockCore {
    /// Only locked with the GIL held, never across a release of it (fork safety).
    server: Mutex<Option<Arc<MockServer>>>,
    handle: Handle,
    pid: u32,
    url: String,
    webhook_url: String,
    token: String,
    api_key: String,
}

impl MockCore {
    fn server(&self) -> PyResult<Arc<MockServer>> {
        if self.pid != crate::process::pid() {
            return Err(PyRuntimeError::new_err(
                "this MockServer runs in the parent process (it was started before a fork); \
                 start a new one here",
            ));
        }
        lock(&self.server)
            .clone()
            .ok_or_else(|| PyRuntimeError::new_err("the MockServer is closed"))
    }
}

impl Drop for MockCore {
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
impl MockCore {
    #[new]
    #[pyo3(signature = (*, strict=false, token=None, api_key=None, host="127.0.0.1", port=0, rate_limit=None, max_events=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        strict: bool,
        token: Option<String>,
        api_key: Option<String>,
        host: &str,
        port: u16,
        rate_limit: Option<u32>,
        max_events: Option<usize>,
    ) -> PyResult<Self> {
        let host = host.parse().map_err(|_| {
            PyValueError::new_err(format!("host: expected an IP address, found {host:?}"))
        })?;
        let mut builder = MockServer::builder()
            .strict(strict)
            .host(host)
            .port(port)
            .shutdown_timeout(SHUTDOWN_TIMEOUT);
        if let Some(token) = token {
            builder = builder.token(token);
        }
        if let Some(key) = api_key {
            builder = builder.api_key(key);
        }
        if let Some(per_second) = rate_limit {
            builder = builder.rate_limit(per_second);
        }
        if let Some(n) = max_events {
            builder = builder.max_events(n);
        }
        let handle = runtimes(py)?.background()?;
        let server = builder.start_on(&handle).map_err(mock_error)?;
        Ok(MockCore {
            url: server.url().to_owned(),
            webhook_url: server.webhook_url(),
            token: server.token().to_owned(),
            api_key: server.api_key().to_owned(),
            server: Mutex::new(Some(Arc::new(server))),
            handle,
            pid: crate::process::pid(),
        })
    }

    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    #[getter]
    fn webhook_url(&self) -> &str {
        &self.webhook_url
    }

    #[getter]
    fn token(&self) -> &str {
        &self.token
    }

    #[getter]
    fn api_key(&self) -> &str {
        &self.api_key
    }

    #[getter]
    fn closed(&self) -> bool {
        lock(&self.server).is_none()
    }

    fn moments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.server()?.moments())
    }

    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.server()?.events())
    }

    fn webhooks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.server()?.webhooks())
    }

    #[pyo3(signature = (n, timeout))]
    fn wait_for_events<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let server = self.server()?;
        let timeout = to_duration("timeout", timeout)?;
        let handle = self.handle.clone();
        let result = py.detach(|| handle.block_on(server.wait_for_events(n, timeout)));
        match result {
            Ok(events) => to_py(py, &events),
            Err(t) => Err(PyTimeoutError::new_err(format!(
                "waited {:.1}s for {n} events, found {}",
                t.waited.as_secs_f64(),
                t.got.len()
            ))),
        }
    }

    #[pyo3(signature = (n, timeout))]
    fn wait_for_moments<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let server = self.server()?;
        let timeout = to_duration("timeout", timeout)?;
        let handle = self.handle.clone();
        let result = py.detach(|| handle.block_on(server.wait_for_moments(n, timeout)));
        match result {
            Ok(moments) => to_py(py, &moments),
            Err(t) => Err(PyTimeoutError::new_err(format!(
                "waited {:.1}s for {n} moments, found {}",
                t.waited.as_secs_f64(),
                t.got.len()
            ))),
        }
    }

    #[pyo3(signature = (label, r#type, expires_at))]
    fn create_webhook<'py>(
        &self,
        py: Python<'py>,
        label: String,
        r#type: String,
        expires_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut new = NewWebhook::new(label).kind(r#type);
        if let Some(at) = expires_at.filter(|v| !v.is_none()) {
            new = new.expires_at(time_arg("expires_at", at)?);
        }
        let hook = self.server()?.create_webhook(new).map_err(mock_error)?;
        to_py(py, &hook)
    }

    #[pyo3(signature = (status, count, retry_after, delay, drop_connection))]
    fn fail_next(
        &self,
        status: Option<u16>,
        count: u32,
        retry_after: Option<f64>,
        delay: Option<f64>,
        drop_connection: bool,
    ) -> PyResult<()> {
        let fault = Fault {
            token: None,
            status: if drop_connection { None } else { status },
            count,
            retry_after: retry_after
                .map(|s| to_duration("retry_after", s))
                .transpose()?,
            delay: delay.map(|s| to_duration("delay", s)).transpose()?,
            drop_connection,
        };
        self.server()?.fail_next(fault).map_err(mock_error)
    }

    fn pending_faults(&self) -> PyResult<usize> {
        Ok(self.server()?.pending_faults())
    }

    fn event_count(&self) -> PyResult<usize> {
        Ok(self.server()?.event_count())
    }

    fn clear_faults(&self) -> PyResult<()> {
        self.server()?.clear_faults();
        Ok(())
    }

    #[pyo3(signature = (webhooks))]
    fn reset(&self, webhooks: bool) -> PyResult<()> {
        let server = self.server()?;
        if webhooks {
            server.reset_webhooks();
        } else {
            server.reset();
        }
        Ok(())
    }

    fn now(&self) -> PyResult<DateTime<Utc>> {
        Ok(self.server()?.now())
    }

    fn set_clock(&self, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let now = time_arg("now", now)?;
        self.server()?.set_clock(now);
        Ok(())
    }

    fn advance_clock(&self, seconds: f64) -> PyResult<()> {
        let by = to_duration("seconds", seconds)?;
        self.server()?.advance_clock(by);
        Ok(())
    }

    fn reset_clock(&self) -> PyResult<()> {
        self.server()?.reset_clock();
        Ok(())
    }

    /// Stops the server: requests in flight may finish (for at most 2 s), then the port is free.
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
            hotpot_client::redact_token(&self.token)
        )
    }
}
