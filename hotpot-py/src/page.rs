//! `hotpot.Page` and `hotpot.Acknowledgement` (spec §14): a page's content, validated when it is
//! made, and a record of someone handling a page.

use chrono::{DateTime, Utc};
use hotpot_client::{Acknowledgement, Page, Problem, Urgency};
use hotpot_protocol::page::rules::FIELDS;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::{given, str_arg};
use crate::errors::validation_error_of;
use crate::receipt::py_repr;

/// Reads a page's fields; every problem at once as a `ValidationError` ("invalid page: ..."),
/// a value of the wrong type as a `TypeError` naming the argument.
pub(crate) fn page_from_args(
    title: &Bound<'_, PyAny>,
    text: &Bound<'_, PyAny>,
    urgency: Option<&Bound<'_, PyAny>>,
    source_url: Option<&Bound<'_, PyAny>>,
) -> PyResult<Page> {
    let py = title.py();
    let title = str_arg(title, "title", "a str")?;
    let text = str_arg(text, "text", "a str")?;
    let urgency = match given(urgency) {
        Some(v) => Some(str_arg(v, "urgency", "a str, a hotpot.Urgency or None")?),
        None => None,
    };
    let source_url = match given(source_url) {
        Some(v) => Some(str_arg(v, "source_url", "a str or None")?),
        None => None,
    };
    let mut problems = Vec::new();
    let mut builder = Page::builder(title, text);
    if let Some(u) = urgency {
        match u.parse::<Urgency>() {
            Ok(u) => builder = builder.urgency(u),
            Err(e) => problems.push(Problem::new("urgency", e.message())),
        }
    }
    if let Some(url) = source_url {
        builder = builder.source_url(url);
    }
    match builder.build() {
        Ok(page) if problems.is_empty() => Ok(page),
        result => {
            problems.extend(result.err().map(|e| e.into_problems()).unwrap_or_default());
            problems.sort_by_key(|p| FIELDS.iter().position(|f| *f == p.field));
            Err(validation_error_of(py, "page", &problems))
        }
    }
}

/// A page: a short ``title`` (at most 200 characters), the full ``text`` (at most 10,000),
/// and optionally an ``urgency`` (``"low"``, ``"medium"``, ``"high"`` in any case, or a
/// :class:`Urgency`) and a ``source_url`` (an absolute http(s) URL). Checked when it is made:
/// :class:`ValidationError` lists every problem. Who it goes to is given when it is sent
/// (:meth:`ApiClient.page_team`, :meth:`ApiClient.page_person`).
///
/// >>> Page("Rollback failed", "api 1.4.2 could not be rolled back", urgency="HIGH")
/// Page(title='Rollback failed', text='api 1.4.2 could not be rolled back', urgency='high', source_url=None)
#[pyclass(module = "hotpot", name = "Page", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyPage {
    pub(crate) inner: Page,
}

#[pymethods]
impl PyPage {
    #[new]
    #[pyo3(
        signature = (title, text, *, urgency=None, source_url=None),
        text_signature = "(title, text, *, urgency=None, source_url=None)"
    )]
    fn new(
        title: &Bound<'_, PyAny>,
        text: &Bound<'_, PyAny>,
        urgency: Option<&Bound<'_, PyAny>>,
        source_url: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyPage {
            inner: page_from_args(title, text, urgency, source_url)?,
        })
    }

    /// The short summary.
    #[getter]
    fn title(&self) -> &str {
        self.inner.title()
    }

    /// The full text.
    #[getter]
    fn text(&self) -> &str {
        self.inner.text()
    }

    /// ``"low"``, ``"medium"`` or ``"high"``, or None (Hotpot then uses ``"medium"``).
    #[getter]
    fn urgency(&self) -> Option<&'static str> {
        self.inner.urgency().map(Urgency::as_str)
    }

    /// The link to more detail, or None.
    #[getter]
    fn source_url(&self) -> Option<&str> {
        self.inner.source_url()
    }

    /// The fields as sent, absent ones left out (the recipient is added when it is sent).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("title", self.inner.title())?;
        d.set_item("text", self.inner.text())?;
        if let Some(u) = self.urgency() {
            d.set_item("urgency", u)?;
        }
        if let Some(u) = self.inner.source_url() {
            d.set_item("source_url", u)?;
        }
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Page(title={}, text={}, urgency={}, source_url={})",
            py_repr(Some(self.inner.title())),
            py_repr(Some(self.inner.text())),
            py_repr(self.urgency()),
            py_repr(self.inner.source_url()),
        )
    }
}

/// Someone handled a page: ``acknowledged_at`` (an aware ``datetime`` in UTC), ``email`` (who;
/// ``acknowledged_by_email`` on the wire), ``user_id`` (``acknowledged_by``) and ``status``
/// (``"handled"``).
#[pyclass(module = "hotpot", name = "Acknowledgement", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyAcknowledgement {
    /// When it was acknowledged (UTC).
    acknowledged_at: DateTime<Utc>,
    /// The e-mail address of who acknowledged it.
    email: String,
    /// Their user id.
    user_id: String,
    /// "handled".
    status: String,
}

impl From<Acknowledgement> for PyAcknowledgement {
    fn from(a: Acknowledgement) -> Self {
        PyAcknowledgement {
            acknowledged_at: a.acknowledged_at,
            email: a.email,
            user_id: a.user_id,
            status: a.status,
        }
    }
}

#[pymethods]
impl PyAcknowledgement {
    fn __repr__(&self) -> String {
        format!(
            "Acknowledgement(acknowledged_at='{}', email={}, user_id={}, status={})",
            hotpot_protocol::moment::rules::format_time(self.acknowledged_at),
            py_repr(Some(&self.email)),
            py_repr(Some(&self.user_id)),
            py_repr(Some(&self.status)),
        )
    }
}
