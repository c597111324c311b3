//! What the emitter's methods return or raise, in Python: the report of `flush` and
//! `shutdown` and the counters of `stats` as dicts (the shapes of `hotpot.EmitterReport` and
//! `hotpot.EmitterStats`), and the exception of a refused `emit`.

use hotpot_client::{EmitError, Report, Stats};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{dropped_error, validation_error};

/// A dict of `value`'s fields, each under its own name, in the order given.
macro_rules! fields_dict {
    ($py:expr, $value:expr; $($field:ident),+ $(,)?) => {{
        let d = PyDict::new($py);
        $(d.set_item(stringify!($field), $value.$field)?;)+
        Ok(d)
    }};
}

/// The report of `flush` and `shutdown` (`hotpot.EmitterReport`).
pub(super) fn report_dict<'py>(py: Python<'py>, r: &Report) -> PyResult<Bound<'py, PyDict>> {
    fields_dict!(py, r;
        emitted, delivered, failed, dropped, abandoned, kept, still_queued, in_flight, retried,
        recovered, timed_out)
}

/// The counters of `stats` (`hotpot.EmitterStats`).
pub(super) fn stats_dict<'py>(py: Python<'py>, s: &Stats) -> PyResult<Bound<'py, PyDict>> {
    fields_dict!(py, s;
        emitted, queued, in_flight, delivered, failed, dropped, kept, retried, recovered)
}

/// The exception `emit` raises for a refused moment (`moment`, the caller's object).
pub(super) fn refused(py: Python<'_>, error: EmitError, moment: &Bound<'_, PyAny>) -> PyErr {
    match (error.drop_reason(), error) {
        (_, EmitError::Invalid(v)) => validation_error(py, v.problems()),
        (Some(reason), error) => dropped_error(py, reason, error.to_string(), moment),
        (None, error) => PyRuntimeError::new_err(error.to_string()),
    }
}
