//! `MockServer(...)`: its keyword arguments, checked, build the server, which starts.

use std::sync::{Arc, Mutex};

use hotpot_mock_server::MockServer;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::mock_error;
use super::{CLOSE_TIMEOUT, PyMockServer};
use crate::args::{bool_arg, given, int_arg, keywords, str_arg};
use crate::errors::config_error;
use crate::process::runtimes;

#[pymethods]
impl PyMockServer {
    /// Starts the server (``OSError`` when the port is taken).
    #[new]
    #[pyo3(
        signature = (**settings),
        text_signature = "(*, strict=False, token=None, api_key=None, host='127.0.0.1', port=0, rate_limit=None, max_events=None, public_url=None, oncall=None)"
    )]
    fn new(py: Python<'_>, settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let names = [
            "strict",
            "token",
            "api_key",
            "host",
            "port",
            "rate_limit",
            "max_events",
            "public_url",
            "oncall",
        ];
        let settings = keywords("MockServer.__new__", settings, names)?;
        let [
            strict,
            token,
            api_key,
            host,
            port,
            rate_limit,
            max_events,
            public_url,
            oncall,
        ] = settings.each_ref().map(Option::as_ref);
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
        if let Some(directory) = given(oncall) {
            builder = builder.oncall(super::oncall::directory_arg(py, directory)?);
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
}
