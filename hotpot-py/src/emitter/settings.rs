//! The arguments of `Emitter(...)`, `flush` and `shutdown`, checked: a value of the wrong
//! Python type is a `TypeError` naming the argument, one out of range a `ConfigError`.

use std::path::PathBuf;
use std::time::Duration;

use hotpot_client::defaults;
use hotpot_client::{Overflow, SpoolSync};
use pyo3::prelude::*;

use crate::aio::PyAsyncClient;
use crate::args::{Seconds, given, int_arg, seconds_arg, str_arg, wrong_type};
use crate::client::{Config, PyClient};
use crate::errors::config_error;

/// The keywords of `Emitter(client, ...)`, in the order `Emitter.__new__` reads them.
pub(super) const SETTINGS: [&str; 9] = [
    "capacity",
    "overflow",
    "block_timeout",
    "concurrency",
    "delivery_deadline",
    "on_error",
    "spool",
    "sync",
    "spool_max_bytes",
];

/// The settings of an emitter, checked.
#[derive(Clone)]
pub(super) struct Settings {
    pub(super) capacity: usize,
    pub(super) overflow: Overflow,
    pub(super) concurrency: usize,
    pub(super) deadline: Duration,
    /// The spool's directory, and when it is `fsync`ed.
    pub(super) spool: Option<PathBuf>,
    pub(super) sync: SpoolSync,
    /// The bound on the spool directory's files, in bytes.
    pub(super) spool_max_bytes: u64,
}

/// `spool`: a `str` or an `os.PathLike`, or None.
pub(super) fn spool_arg(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<PathBuf>> {
    let Some(value) = given(value) else {
        return Ok(None);
    };
    if value.is_instance_of::<pyo3::types::PyBytes>() {
        return Err(wrong_type(
            value,
            "spool",
            "a str or os.PathLike directory, or None",
        ));
    }
    let dir = value
        .extract::<PathBuf>()
        .map_err(|_| wrong_type(value, "spool", "a str or os.PathLike directory, or None"))?;
    if dir.as_os_str().is_empty() {
        return Err(config_error(
            value.py(),
            "spool: expected a directory, found an empty path (None for no spool; \".\" for the \
             working directory)",
        ));
    }
    Ok(Some(dir))
}

/// `spool_max_bytes`: a positive int, or the default (1 GiB) for None.
pub(super) fn spool_max_bytes_arg(value: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    match given(value) {
        Some(value) => int_arg(value, "spool_max_bytes", 1..=u64::MAX),
        None => Ok(defaults::SPOOL_MAX_BYTES),
    }
}

/// `sync`: "always", "batch" (the default) or "never".
pub(super) fn sync_arg(py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<SpoolSync> {
    const ALLOWED: &str = "'always', 'batch' or 'never'";
    let Some(value) = given(value) else {
        return Ok(SpoolSync::default());
    };
    let name = str_arg(value, "sync", ALLOWED)?;
    name.parse()
        .map_err(|_| config_error(py, format!("sync: expected {ALLOWED}, found {name:?}")))
}

/// The client's settings: a `hotpot.Client` or a `hotpot.AsyncClient`.
pub(super) fn client_config(client: &Bound<'_, PyAny>) -> PyResult<Config> {
    if let Ok(client) = client.cast::<PyClient>() {
        return Ok(client.get().config().clone());
    }
    if let Ok(client) = client.cast::<PyAsyncClient>() {
        return Ok(client.get().config().clone());
    }
    Err(wrong_type(
        client,
        "client",
        "a hotpot.Client or hotpot.AsyncClient",
    ))
}

/// `delivery_deadline`: a positive number of seconds, or the default for None.
pub(super) fn deadline_arg(value: Option<&Bound<'_, PyAny>>) -> PyResult<Duration> {
    match given(value) {
        Some(value) => {
            let expected = "a positive number of seconds";
            seconds_arg(value, "delivery_deadline", expected, Seconds::Positive)
        }
        None => Ok(defaults::DELIVERY_DEADLINE),
    }
}

/// A whole number in `min..=max`, or `default` when left out.
pub(super) fn count_arg(
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
    default: usize,
    (min, max): (usize, usize),
) -> PyResult<usize> {
    match given(value) {
        Some(value) => Ok(int_arg(value, name, min as u64..=max as u64)? as usize),
        None => Ok(default),
    }
}

/// `timeout` of `flush` and `shutdown`: seconds (`math.inf`: no limit), or `default` for None.
pub(super) fn timeout_arg(
    value: Option<&Bound<'_, PyAny>>,
    default: Duration,
) -> PyResult<Duration> {
    match given(value) {
        Some(value) => seconds_arg(
            value,
            "timeout",
            "a non-negative number of seconds or None",
            Seconds::NonNegativeOrInf,
        ),
        None => Ok(default),
    }
}

/// `overflow` and `block_timeout`.
pub(super) fn overflow_arg(
    py: Python<'_>,
    overflow: Option<&Bound<'_, PyAny>>,
    block_timeout: Option<&Bound<'_, PyAny>>,
) -> PyResult<Overflow> {
    const ALLOWED: &str = "'drop_newest', 'drop_oldest' or 'block'";
    let block_timeout = given(block_timeout)
        .map(|value| {
            let expected = "a non-negative number of seconds or None";
            seconds_arg(value, "block_timeout", expected, Seconds::NonNegative)
        })
        .transpose()?;
    let name = match given(overflow) {
        Some(overflow) => str_arg(overflow, "overflow", ALLOWED)?,
        None => overflow_name(Overflow::default()).to_owned(),
    };
    let policy = match name.as_str() {
        "drop_newest" => Overflow::DropNewest,
        "drop_oldest" => Overflow::DropOldest,
        "block" => Overflow::Block(block_timeout.unwrap_or(defaults::BLOCK_TIMEOUT)),
        other => {
            return Err(config_error(
                py,
                format!("overflow: expected {ALLOWED}, found {other:?}"),
            ));
        }
    };
    if block_timeout.is_some() && !matches!(policy, Overflow::Block(_)) {
        return Err(config_error(
            py,
            format!("block_timeout: only used with overflow='block', found overflow={name:?}"),
        ));
    }
    Ok(policy)
}

pub(super) fn overflow_name(overflow: Overflow) -> &'static str {
    match overflow {
        Overflow::DropOldest => "drop_oldest",
        Overflow::Block(_) => "block",
        _ => "drop_newest",
    }
}
