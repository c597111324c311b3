//! `hotpot.Moment`, and turning Python arguments into a checked [`Moment`].
//!
//! No rule of spec §1 lives here: the values go through [`MomentType::from_str`],
//! [`Priority::from_str`], [`rules::parse_occurred_at`] and [`MomentBuilder::build`], and this
//! module only adds what Rust's types already guarantee there — that each value has the right
//! Python type. Every problem, of either kind, is reported at once.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use hotpot_client::{Moment, MomentBuilder, MomentType, Priority, Problem};
use hotpot_protocol::moment::rules;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDateTime, PyDict, PyString, PyTuple, PyType};

use crate::args::describe;
use crate::errors::validation_error;

/// The text signature (`help()`, `inspect.signature`) of a callable that takes the seven
/// fields of a moment after `$before`: `moment_text_signature!("send", "$self, ")`. Used as
/// the first `#[doc]` line of every such callable (with `text_signature = None`), so that
/// the keywords and their defaults are written here only; [`MomentArgs::from_call`] reads them.
macro_rules! moment_text_signature {
    ($name:literal, $before:literal) => {
        moment_text_signature!($name, $before, "")
    };
    ($name:literal, $before:literal, $after:literal) => {
        concat!(
            $name,
            "(",
            $before,
            "name, type, *, priority=None, source=None, source_url=None, description=None, \
             occurred_at=None",
            $after,
            ")\n--\n"
        )
    };
}
pub(crate) use moment_text_signature;

/// The seven fields of a moment, as Python gave them to `Moment(...)`, `Client.send(...)`,
/// `AsyncClient.send(...)` or `hotpot.send(...)`: the one place they are read.
pub(crate) struct MomentArgs<'py> {
    name: Bound<'py, PyAny>,
    kind: Bound<'py, PyAny>,
    priority: Option<Bound<'py, PyAny>>,
    source: Option<Bound<'py, PyAny>>,
    source_url: Option<Bound<'py, PyAny>>,
    description: Option<Bound<'py, PyAny>>,
    occurred_at: Option<Bound<'py, PyAny>>,
}

/// The moment of a call to `function` (its Python name, for errors) that took `name`, `type`
/// and the keywords of [`moment_text_signature`] as `**fields`: every value and every §1 rule
/// checked, as [`MomentArgs::build`] does.
pub(crate) fn moment_from_call<'py>(
    function: &str,
    name: &Bound<'py, PyAny>,
    kind: &Bound<'py, PyAny>,
    fields: Option<&Bound<'py, PyDict>>,
) -> PyResult<Moment> {
    MomentArgs::from_call(function, name, kind, fields)?.build(name.py())
}

impl<'py> MomentArgs<'py> {
    /// Reads `**fields`; a keyword that is not a field is the `TypeError` Python raises for an
    /// unexpected keyword argument.
    pub(crate) fn from_call(
        function: &str,
        name: &Bound<'py, PyAny>,
        kind: &Bound<'py, PyAny>,
        fields: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Self> {
        let mut args = MomentArgs {
            name: name.clone(),
            kind: kind.clone(),
            priority: None,
            source: None,
            source_url: None,
            description: None,
            occurred_at: None,
        };
        for (key, value) in fields.into_iter().flatten() {
            let key = key.cast_into::<PyString>()?;
            let slot = match &*key.to_cow()? {
                "priority" => &mut args.priority,
                "source" => &mut args.source,
                "source_url" => &mut args.source_url,
                "description" => &mut args.description,
                "occurred_at" => &mut args.occurred_at,
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "{function}() got an unexpected keyword argument '{other}'"
                    )));
                }
            };
            *slot = Some(value);
        }
        Ok(args)
    }

    /// Checks every value and every §1 rule; a `hotpot.ValidationError` lists every problem.
    pub(crate) fn build(&self, py: Python<'_>) -> PyResult<Moment> {
        let mut problems = Vec::new();
        let name = text(&self.name, "name", "a string", &mut problems);
        let kind = text(
            &self.kind,
            "type",
            "a string or hotpot.MomentType",
            &mut problems,
        )
        .and_then(|s| parse(MomentType::from_str(&s), "type", &mut problems));
        // Stand-ins let the builder check the other fields when these two are unusable; their
        // problems are already recorded.
        let mut builder = Moment::builder(
            name.unwrap_or_else(|| "-".to_owned()),
            kind.unwrap_or(MomentType::Alert),
        );
        if let Some(p) = optional_text(
            self.priority.as_ref(),
            "priority",
            "a string, hotpot.Priority or None",
            &mut problems,
        )
        .and_then(|s| parse(Priority::from_str(&s), "priority", &mut problems))
        {
            builder = builder.priority(p);
        }
        // The three free-text fields: any string, checked by the builder.
        let texts: [(_, _, Setter); 3] = [
            (&self.source, "source", MomentBuilder::source),
            (&self.source_url, "source_url", MomentBuilder::source_url),
            (&self.description, "description", MomentBuilder::description),
        ];
        for (value, field, setter) in texts {
            if let Some(s) = optional_text(value.as_ref(), field, "a string or None", &mut problems)
            {
                builder = setter(builder, s);
            }
        }
        if let Some(t) = self
            .occurred_at
            .as_ref()
            .filter(|v| !v.is_none())
            .and_then(|v| time(v, &mut problems))
        {
            builder = builder.occurred_at(t);
        }
        match builder.build_at(Utc::now()) {
            Ok(moment) if problems.is_empty() => Ok(moment),
            Ok(_) => Err(validation_error(py, &in_field_order(problems))),
            Err(e) => {
                problems.extend(e.into_problems());
                Err(validation_error(py, &in_field_order(problems)))
            }
        }
    }
}

fn in_field_order(mut problems: Vec<Problem>) -> Vec<Problem> {
    let rank = |p: &Problem| {
        rules::FIELDS
            .iter()
            .position(|f| *f == p.field)
            .unwrap_or(usize::MAX)
    };
    problems.sort_by_key(rank);
    problems
}

fn parse<T, E: std::fmt::Display>(
    result: Result<T, E>,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    result
        .map_err(|e| problems.push(Problem::new(field, e.to_string())))
        .ok()
}

/// One of `MomentBuilder`'s setters of a text field.
type Setter = fn(MomentBuilder, String) -> MomentBuilder;

/// A `str` (or subclass, such as the str enums) as a Rust string; a problem otherwise.
fn text(
    value: &Bound<'_, PyAny>,
    field: &str,
    expected: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match value.cast::<PyString>() {
        Ok(s) => match s.to_cow() {
            Ok(cow) => Some(cow.into_owned()),
            Err(_) => {
                problems.push(Problem::new(
                    field,
                    format!("expected {expected}, found a str that is not valid Unicode (a lone surrogate)"),
                ));
                None
            }
        },
        Err(_) => {
            problems.push(Problem::new(
                field,
                format!("expected {expected}, found {}", describe(value)),
            ));
            None
        }
    }
}

fn optional_text(
    value: Option<&Bound<'_, PyAny>>,
    field: &str,
    expected: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    value
        .filter(|v| !v.is_none())
        .and_then(|v| text(v, field, expected, problems))
}

/// `occurred_at`: a §1 string, or a `datetime` (naive means UTC; aware is converted).
fn time(value: &Bound<'_, PyAny>, problems: &mut Vec<Problem>) -> Option<DateTime<Utc>> {
    const EXPECTED: &str = "a datetime, an ISO 8601 string or None";
    if value.is_instance_of::<PyString>() {
        let s = text(value, "occurred_at", EXPECTED, problems)?;
        return parse(rules::parse_occurred_at(&s), "occurred_at", problems);
    }
    let Ok(dt) = value.cast::<PyDateTime>() else {
        problems.push(Problem::new(
            "occurred_at",
            format!("expected {EXPECTED}, found {}", describe(value)),
        ));
        return None;
    };
    match datetime_to_utc(dt) {
        Ok(t) => Some(t),
        Err(e) => {
            problems.push(Problem::new(
                "occurred_at",
                format!(
                    "expected a datetime with a usable UTC offset, found {} ({e})",
                    describe(value)
                ),
            ));
            None
        }
    }
}

/// A Python `datetime` in UTC: naive ones are taken as UTC, aware ones converted with their
/// `utcoffset()` (any `tzinfo`, `zoneinfo` included).
pub(crate) fn datetime_to_utc(dt: &Bound<'_, PyDateTime>) -> PyResult<DateTime<Utc>> {
    let py = dt.py();
    let offset = dt.call_method0(pyo3::intern!(py, "utcoffset"))?;
    if offset.is_none() {
        let naive: NaiveDateTime = dt.extract()?;
        return Ok(naive.and_utc());
    }
    let offset: TimeDelta = offset.extract()?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("tzinfo", py.None())?;
    let local: NaiveDateTime = dt.call_method("replace", (), Some(&kwargs))?.extract()?;
    Ok((local - offset).and_utc())
}

/// The members of `hotpot.MomentType` and `hotpot.Priority`, in Rust's order (imported on first
/// use: `import hotpot` does not pay for `enum`).
fn member<'py>(py: Python<'py>, class: &'static str, wire: &str) -> PyResult<Bound<'py, PyAny>> {
    static TYPES: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static PRIORITIES: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let cell = if class == "MomentType" {
        &TYPES
    } else {
        &PRIORITIES
    };
    cell.import(py, "hotpot._enums", class)?.call1((wire,))
}

#[doc = moment_text_signature!("Moment", "")]
/// A moment that satisfies every rule of the payload, checked on construction.
///
/// ``type`` is a string in any case (``"near-miss"``, ``"Near-miss"``) or a
/// :class:`MomentType`; ``priority`` a string or a :class:`Priority`; ``occurred_at`` a
/// ``datetime`` (naive means UTC, aware ones are converted) or a string such as
/// ``"2023-04-01T12:31:26Z"`` or ``"2023-04-01 12:31:26"`` (UTC). Left out, the server's
/// clock decides when it happened.
///
/// Anything wrong — a name of 71 characters, a relative ``source_url``, a time in the
/// future, a value of the wrong Python type — raises :class:`ValidationError` listing every
/// problem, each naming its field.
///
/// The attributes have the same names as the arguments (``type`` is a :class:`MomentType`,
/// ``occurred_at`` an aware ``datetime`` in UTC); ``to_dict()`` and ``to_json()`` give the
/// payload exactly as it is sent. Moments compare equal by value, hash, and pickle.
///
/// >>> m = Moment("Failed deploy with successful rollback", "Near-miss", source="Deploybot")
/// >>> m.to_json()
/// '{"name":"Failed deploy with successful rollback","type":"near-miss","source":"Deploybot"}'
#[pyclass(module = "hotpot", name = "Moment", subclass, frozen)]
pub(crate) struct PyMoment {
    pub(crate) inner: Moment,
}

#[pymethods]
impl PyMoment {
    /// Checks every value and every rule; raises ValidationError listing each problem.
    /// (`Client.send` and `hotpot.send` build their moment the same way.)
    #[new]
    #[pyo3(signature = (name, r#type, **fields), text_signature = None)]
    pub(crate) fn new(
        name: &Bound<'_, PyAny>,
        r#type: &Bound<'_, PyAny>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let inner = moment_from_call("Moment.__new__", name, r#type, fields)?;
        Ok(PyMoment { inner })
    }

    /// The name (1 to 70 characters).
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// The type, a `hotpot.MomentType`.
    #[getter(r#type)]
    fn moment_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        member(py, "MomentType", self.inner.moment_type().as_str())
    }

    /// The priority, a `hotpot.Priority`, or None (Hotpot then uses medium).
    #[getter]
    fn priority<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .priority()
            .map(|p| member(py, "Priority", p.as_str()))
            .transpose()
    }

    /// The system, person or tool that produced the moment, or None.
    #[getter]
    fn source(&self) -> Option<&str> {
        self.inner.source()
    }

    /// A link to more detail (an absolute http or https URL), or None.
    #[getter]
    fn source_url(&self) -> Option<&str> {
        self.inner.source_url()
    }

    /// The Markdown description, or None.
    #[getter]
    fn description(&self) -> Option<&str> {
        self.inner.description()
    }

    /// When it happened, an aware datetime in UTC, or None (the server then uses its receipt time).
    #[getter]
    fn occurred_at(&self) -> Option<DateTime<Utc>> {
        self.inner.occurred_at()
    }

    /// The payload as a dict, exactly as sent: lower-case type, occurred_at as RFC 3339 UTC,
    /// absent fields left out.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in self.inner.wire_fields() {
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }

    /// The payload as JSON text, exactly as sent.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let this = slf.get();
        let class = slf.get_type().name()?.to_string();
        let mut out = format!("{class}(");
        for (i, (key, value)) in this.inner.wire_fields().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(key);
            out.push('=');
            out.push_str(&PyString::new(py, &value).repr()?.to_cow()?);
        }
        out.push(')');
        Ok(out)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        Ok(match other.cast::<PyMoment>() {
            Ok(other) => (self.inner == other.get().inner)
                .into_pyobject(py)?
                .to_owned()
                .into_any()
                .unbind(),
            Err(_) => py.NotImplemented(),
        })
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.inner.hash(&mut hasher);
        hasher.finish()
    }

    /// The arguments that rebuild this moment (for pickle and copy): the name and type, and
    /// the other fields of the payload as keywords.
    fn __getnewargs_ex__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let m = &self.inner;
        let args = PyTuple::new(py, [m.name(), m.moment_type().as_str()])?;
        let kwargs = PyDict::new(py);
        for (key, value) in m.wire_fields().skip(2) {
            kwargs.set_item(key, value)?;
        }
        PyTuple::new(py, [args.into_any(), kwargs.into_any()])
    }
}

/// A `hotpot.Moment` holding a copy of `m` (for `on_error`).
pub(crate) fn public_moment<'py>(py: Python<'py>, m: &Moment) -> PyResult<Bound<'py, PyMoment>> {
    Bound::new(py, PyMoment { inner: m.clone() })
}
