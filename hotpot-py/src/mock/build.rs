//! `MockServer(...)`'s keyword arguments, checked, as a [`MockServerBuilder`].

use hotpot_mock_server::{MockServer, MockServerBuilder};
use pyo3::prelude::*;

use super::CLOSE_TIMEOUT;
use crate::args::{bool_arg, given, int_arg, str_arg};
use crate::errors::config_error;

/// The builder of a server with these arguments (each `None` when not given).
#[allow(clippy::too_many_arguments)]
pub(super) fn builder(
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
) -> PyResult<MockServerBuilder> {
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
    Ok(builder)
}
