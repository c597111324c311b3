//! `MockServer.expect_moment` (the Rust server's, its failure an `AssertionError` whose
//! message lists the near misses) and `MockServer.senders`.

use hotpot_mock_server::{Error, MomentMatch};
use pyo3::exceptions::PyAssertionError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use serde_json::Value;

use super::PyMockServer;
use super::convert::{duration_arg, mock_error, to_py};
use crate::args::{given, int_arg, wrong_type};

#[pymethods]
impl PyMockServer {
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
        fields: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut wanted = MomentMatch::new();
        if let Some(count) = given(count) {
            wanted = wanted.count(int_arg(count, "count", 1..=1_000_000)? as usize);
        }
        if let Some(within) = given(within) {
            wanted = wanted.within(duration_arg(within, "within")?);
        }
        if let Some(token) = given(token) {
            wanted = wanted.token(self.known_token(token)?);
        }
        for (key, value) in fields.into_iter().flat_map(|d| d.iter()) {
            let field: String = key.extract()?;
            let value = json_of(&value, &field)?;
            wanted = wanted.field(&field, value).map_err(|e| mock_error(py, e))?;
        }
        let rust = self.server()?;
        let handle = self.handle.clone();
        match py.detach(move || handle.block_on(rust.expect_moment(wanted))) {
            Ok(moments) => to_py(py, &moments),
            Err(Error::ExpectationFailed(failed)) => {
                Err(PyAssertionError::new_err(failed.to_string()))
            }
            Err(other) => Err(mock_error(py, other)),
        }
    }

    /// Who sent to the webhook ``token`` (or its URL), most recent first: one dict per
    /// (``source``, ``user_agent``, ``client_addr``), with ``first_seen``, ``last_seen``, ``count``.
    fn senders<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let token = self.known_token(token)?;
        let senders = self.server()?.senders(&token);
        to_py(py, &senders.map_err(|e| mock_error(py, e))?)
    }
}

/// A field's value as JSON: a str (a `MomentType` or `Priority` too), a number, a bool,
/// `None`, or `{"contains": "..."}` for the name.
fn json_of(value: &Bound<'_, PyAny>, field: &str) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(Value::from(value.extract::<i64>()?));
    }
    if value.is_instance_of::<PyFloat>() {
        let f = value.extract::<f64>()?;
        return Ok(serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number));
    }
    if let Ok(d) = value.cast::<PyDict>()
        && d.len() == 1
        && let Some(part) = d.get_item("contains")?
        && let Ok(part) = part.cast::<PyString>()
    {
        return Ok(serde_json::json!({"contains": part.to_cow()?.into_owned()}));
    }
    Err(wrong_type(
        value,
        field,
        "a str, a number, a bool, None, or for name {\"contains\": str}",
    ))
}
