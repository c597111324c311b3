//! Between the mock server and Python: its errors as exceptions, its records (serialized as
//! its JSON API shows them) as dicts and lists, and the times and durations its methods take.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hotpot_protocol::moment::rules;
use pyo3::exceptions::{PyLookupError, PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDateTime, PyDict, PyList, PyString};
use serde::Serialize;
use serde_json::Value;

use crate::args::{Seconds, seconds_arg, wrong_type};
use crate::errors::config_error;
use crate::moment::datetime_to_utc;

/// The Python exception for a mock server error: `ConfigError` for a bad argument or one
/// that clashes with the server's state, `LookupError` for an unknown webhook or event,
/// `OSError` for a port that cannot be bound.
pub(super) fn mock_error(py: Python<'_>, err: hotpot_mock_server::Error) -> PyErr {
    use hotpot_mock_server::Error as E;
    match err {
        E::NotFound(m) => PyLookupError::new_err(m),
        E::Bind(e) => PyOSError::new_err(format!("could not bind the mock server's socket: {e}")),
        other => config_error(py, other.to_string()),
    }
}

/// A JSON value as Python objects (dicts, lists, str, int, float, bool, None).
fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
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

/// A record as the mock's JSON API shows it (spec §7), as Python objects.
pub(super) fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

/// A time given as a `datetime` (naive = UTC) or a §1 string.
pub(super) fn time_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<DateTime<Utc>> {
    if let Ok(s) = value.cast::<PyString>() {
        return rules::parse_occurred_at(&s.to_cow()?)
            .map_err(|m| config_error(value.py(), format!("{name}: {m}")));
    }
    if let Ok(dt) = value.cast::<PyDateTime>() {
        return datetime_to_utc(dt);
    }
    Err(wrong_type(value, name, "a datetime or an RFC 3339 string"))
}

/// Seconds (zero or more) as a duration.
pub(super) fn duration_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Duration> {
    let expected = "a non-negative number of seconds";
    seconds_arg(value, name, expected, Seconds::NonNegative)
}
