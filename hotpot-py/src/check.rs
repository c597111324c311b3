//! `hotpot.check`: the spec §1 verdict on a raw payload, as the mock server gives it.
//!
//! The payload goes through [`parse_lenient`], the parser the mock server runs on every request,
//! so this is the Rust side of the paste-in snippet's differential test and a way to check a
//! payload from Python before sending it with anything else. No rule lives here.

use chrono::Utc;
use hotpot_client::Problem;
use hotpot_protocol::parse_lenient;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};
use serde_json::{Map, Value};

use crate::errors::problem_list;

/// Every §1 problem of `payload` as `(field, message)` tuples; empty when it is valid.
///
/// `payload` is a `dict` (each value turned into JSON by Python's `json.dumps`), JSON text
/// (`str`, `bytes`), or any other value `json.dumps` takes (which is then not an object). Text
/// that is not JSON is one problem for the field `payload`, as the mock server words it; a
/// value that cannot be JSON (a `set`, `nan`) raises `TypeError` naming its field.
#[pyfunction]
pub(crate) fn check<'py>(
    py: Python<'py>,
    payload: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let problems = match to_value(py, payload)? {
        Ok(value) => match parse_lenient(&value, Utc::now()).moment {
            Ok(_) => Vec::new(),
            Err(e) => e.into_problems(),
        },
        Err(problem) => vec![problem],
    };
    problem_list(py, &problems)
}

/// The payload as JSON, or the `payload` problem of text that is not JSON.
fn to_value(py: Python<'_>, payload: &Bound<'_, PyAny>) -> PyResult<Result<Value, Problem>> {
    let text = if let Ok(s) = payload.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if payload.is_instance_of::<PyBytes>() || payload.is_instance_of::<PyByteArray>() {
        let bytes: Vec<u8> = payload.extract()?;
        match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                return Ok(Err(Problem::new(
                    "payload",
                    format!(
                        "expected UTF-8 JSON text, found a byte that is not UTF-8 at offset {}",
                        e.utf8_error().valid_up_to()
                    ),
                )));
            }
        }
    } else if let Ok(dict) = payload.cast::<PyDict>() {
        let mut object = Map::new();
        for (key, value) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!(
                    "expected the payload's keys to be str, found {}",
                    key.get_type().name()?
                )));
            };
            let key = key.to_cow()?.into_owned();
            let field = format!("payload field {key:?}");
            object.insert(key, dumps(py, &value, &field)?);
        }
        return Ok(Ok(Value::Object(object)));
    } else {
        return dumps(py, payload, "payload").map(Ok);
    };
    Ok(serde_json::from_str(&text).map_err(|e| {
        Problem::new(
            "payload",
            format!("expected a JSON object, found text that is not JSON ({e})"),
        )
    }))
}

/// `value` through `json.dumps(value, allow_nan=False)`; a `TypeError` naming `what` when it
/// is not JSON.
fn dumps(py: Python<'_>, value: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    let not_json = |detail: String| PyTypeError::new_err(format!("{what} is not JSON: {detail}"));
    let kwargs = PyDict::new(py);
    kwargs.set_item("allow_nan", false)?;
    let text: String = py
        .import("json")?
        .call_method("dumps", (value,), Some(&kwargs))
        .map_err(|e| {
            let err = not_json(e.to_string());
            err.set_cause(py, Some(e));
            err
        })?
        .extract()?;
    // A lone surrogate passes json.dumps (as an escape) but is not Unicode text.
    serde_json::from_str(&text).map_err(|e| not_json(e.to_string()))
}
