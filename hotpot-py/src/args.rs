//! Checking the arguments Python gives: the one way every class of the package reads a
//! setting. A value of the wrong Python type is a `TypeError` naming the argument (a `bool`
//! is never taken for an `int` or a number); a value out of range a `hotpot.ConfigError`.
//! Both say what was expected and what was found.

use std::ops::RangeInclusive;
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use crate::errors::config_error;

/// An argument that was left out, told apart from one given as `None` (where `None` means
/// something: `fail_next(None, delay=...)`, `update_webhook(..., expires_at=None)`).
pub(crate) enum Arg<'py> {
    /// Not given: the default applies.
    Missing,
    /// Given, `None` included.
    Given(Bound<'py, PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Arg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Arg::Given(obj.to_owned()))
    }
}

/// A value named for a message: `int (42)`, `list ([1, 2])`, the repr cut after 40 characters.
pub(crate) fn describe(value: &Bound<'_, PyAny>) -> String {
    let type_name = value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    let repr = value.repr().map(|r| r.to_string()).unwrap_or_default();
    let repr = if repr.chars().count() > 40 {
        format!("{}…", repr.chars().take(40).collect::<String>())
    } else {
        repr
    };
    format!("{type_name} ({repr})")
}

/// `TypeError: {name}: expected {expected}, found {type} ({repr})`.
pub(crate) fn wrong_type(value: &Bound<'_, PyAny>, name: &str, expected: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{name}: expected {expected}, found {}",
        describe(value)
    ))
}

/// `value`, or None when it is absent or `None`.
pub(crate) fn given<'a, 'py>(
    value: Option<&'a Bound<'py, PyAny>>,
) -> Option<&'a Bound<'py, PyAny>> {
    value.filter(|v| !v.is_none())
}

/// The keyword-only arguments of a function that takes them as `**kwargs` (its
/// `text_signature` lists them with their defaults): the value of each of `names`, in that
/// order, `None` where it is left out. Any other keyword is the `TypeError` Python raises for
/// an unexpected keyword argument; `function` names the function as that message does
/// (`Client.__new__`). One list of names, where pyo3 would want a parameter each.
pub(crate) fn keywords<'py, const N: usize>(
    function: &str,
    kwargs: Option<&Bound<'py, PyDict>>,
    names: [&str; N],
) -> PyResult<[Option<Bound<'py, PyAny>>; N]> {
    let mut values = [const { None }; N];
    for (key, value) in kwargs.into_iter().flatten() {
        let key = key.cast_into::<PyString>()?;
        let key = key.to_cow()?;
        let Some(slot) = names.iter().position(|name| *name == key) else {
            return Err(PyTypeError::new_err(format!(
                "{function}() got an unexpected keyword argument '{key}'"
            )));
        };
        values[slot] = Some(value);
    }
    Ok(values)
}

/// A `str` (subclasses included).
pub(crate) fn str_arg(value: &Bound<'_, PyAny>, name: &str, expected: &str) -> PyResult<String> {
    let s = value
        .cast::<PyString>()
        .map_err(|_| wrong_type(value, name, expected))?;
    Ok(s.to_cow()?.into_owned())
}

/// A `bool` (not an `int`, not any other truthy value).
pub(crate) fn bool_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<bool> {
    value
        .cast::<PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| wrong_type(value, name, "a bool"))
}

/// An `int` (not a `bool`) in `range`: `{name}: expected {min} to {max}, found {value}`.
pub(crate) fn int_arg(
    value: &Bound<'_, PyAny>,
    name: &str,
    range: RangeInclusive<u64>,
) -> PyResult<u64> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(wrong_type(value, name, "an int"));
    }
    match value.extract::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(config_error(
            value.py(),
            format!(
                "{name}: expected {} to {}, found {value}",
                range.start(),
                range.end()
            ),
        )),
    }
}

/// An `int` or `float` (not a `bool`); `expected` words the `TypeError`.
pub(crate) fn number_arg(value: &Bound<'_, PyAny>, name: &str, expected: &str) -> PyResult<f64> {
    if value.is_instance_of::<PyBool>()
        || !(value.is_instance_of::<PyFloat>() || value.is_instance_of::<PyInt>())
    {
        return Err(wrong_type(value, name, expected));
    }
    value.extract()
}

/// Which numbers of seconds a setting takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seconds {
    /// More than zero, finite.
    Positive,
    /// Zero or more, finite.
    NonNegative,
    /// Zero or more; `math.inf` means no limit ([`Duration::MAX`]).
    NonNegativeOrInf,
}

/// A number of seconds as a duration; `expected` words both errors.
pub(crate) fn seconds_arg(
    value: &Bound<'_, PyAny>,
    name: &str,
    expected: &str,
    rule: Seconds,
) -> PyResult<Duration> {
    let seconds = number_arg(value, name, expected)?;
    rule.duration(seconds).ok_or_else(|| {
        config_error(
            value.py(),
            format!("{name}: expected {expected}, found {value}"),
        )
    })
}

/// A positive number of seconds (`timeout`, `poll_interval`): `TypeError` for what is not a
/// number, `{name}: expected a positive number of seconds, found {value}` for the rest.
pub(crate) fn positive_seconds_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Duration> {
    let seconds = number_arg(value, name, "a number of seconds")?;
    Seconds::Positive.duration(seconds).ok_or_else(|| {
        config_error(
            value.py(),
            format!("{name}: expected a positive number of seconds, found {value}"),
        )
    })
}

/// The most retries a Python client takes: more is a mistake (an attempt count of minutes),
/// not a setting.
const MOST_RETRIES: u64 = 100;

/// `timeout` and `max_retries` of a client (`Client`, `AsyncClient`, `ApiClient`): the time
/// one attempt may take and the retries after the first; left out (or None), the defaults of
/// [`hotpot_client::defaults`].
pub(crate) fn attempt_args(
    timeout: Option<&Bound<'_, PyAny>>,
    max_retries: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Duration, u32)> {
    let timeout = match given(timeout) {
        Some(v) => positive_seconds_arg(v, "timeout")?,
        None => hotpot_client::defaults::TIMEOUT,
    };
    let max_retries = match given(max_retries) {
        Some(v) => int_arg(v, "max_retries", 0..=MOST_RETRIES)? as u32,
        None => hotpot_client::defaults::MAX_RETRIES,
    };
    Ok((timeout, max_retries))
}

impl Seconds {
    /// `seconds` as a duration, if the rule takes it.
    pub(crate) fn duration(self, seconds: f64) -> Option<Duration> {
        if seconds == f64::INFINITY && self == Seconds::NonNegativeOrInf {
            return Some(Duration::MAX);
        }
        Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| !(d.is_zero() && self == Seconds::Positive))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_seconds_follow_their_rule() {
        assert_eq!(Seconds::Positive.duration(0.0), None);
        assert_eq!(Seconds::NonNegative.duration(0.0), Some(Duration::ZERO));
        assert_eq!(Seconds::NonNegative.duration(-1.0), None);
        assert_eq!(Seconds::NonNegativeOrInf.duration(f64::NAN), None);
        assert_eq!(Seconds::NonNegative.duration(f64::INFINITY), None);
        assert_eq!(Seconds::Positive.duration(f64::INFINITY), None);
        assert_eq!(
            Seconds::NonNegativeOrInf.duration(f64::INFINITY),
            Some(Duration::MAX)
        );
        assert_eq!(
            Seconds::Positive.duration(1.5),
            Some(Duration::from_millis(1500))
        );
    }
}
