//! The on-call methods of `hotpot.testing.MockServer` (spec §14): users and teams, pages,
//! acknowledging.

use std::path::PathBuf;

use hotpot_mock_server::{NewTeam, NewUser, OncallDirectory};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use super::PyMockServer;
use super::convert::{mock_error, to_py};
use crate::args::{given, int_arg, keywords, str_arg, wrong_type};

/// `oncall=`: a dict `{"users": [...], "teams": [...]}` or the path of such a JSON file.
pub(super) fn directory_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<OncallDirectory> {
    let expected = "a dict {'users': [...], 'teams': [...]} or the path of a JSON file";
    let directory = if value.cast::<PyDict>().is_ok() {
        let text: String = py
            .import("json")?
            .call_method1("dumps", (value,))
            .map_err(|_| wrong_type(value, "oncall", expected))?
            .extract()?;
        OncallDirectory::from_json(&text)
    } else if value.cast::<PyString>().is_ok() || value.hasattr("__fspath__")? {
        let path: PathBuf = value.extract()?;
        OncallDirectory::from_file(&path)
    } else {
        return Err(wrong_type(value, "oncall", expected));
    };
    directory.map_err(|e| mock_error(py, e))
}

/// A list of e-mail addresses (`copy`).
fn emails_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<String>> {
    if value.cast::<PyString>().is_ok() {
        return Err(wrong_type(value, name, "a list of e-mail addresses (str)"));
    }
    value
        .extract()
        .map_err(|_| wrong_type(value, name, "a list of e-mail addresses (str)"))
}

#[pymethods]
impl PyMockServer {
    /// The pages recorded so far (to ``recipient`` only, if given: an e-mail address in any
    /// case, or a team's slug exactly), oldest first, as ``GET /_mock/pages`` lists them:
    /// ``id``, ``request_id``, ``kind``, ``recipient``, ``title``, ``text``, ``urgency``,
    /// ``source_url``, ``received_at``, ``status``, ``status_message``, ``errors``,
    /// ``notified`` (``email``, ``at``, ``role``, ``stage``: everyone due by the server's
    /// clock, so :meth:`advance_clock` drives escalation), ``acknowledgements``, ``warnings``.
    #[pyo3(signature = (*, recipient=None))]
    fn pages<'py>(
        &self,
        py: Python<'py>,
        recipient: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let server = self.server()?;
        match given(recipient) {
            Some(r) => {
                let r = str_arg(r, "recipient", "an e-mail address or team slug (a str)")?;
                to_py(py, &server.pages_for(&r))
            }
            None => to_py(py, &server.pages()),
        }
    }

    /// Records that the user ``email`` handled the page with this request id (stopping its
    /// escalation) and returns the acknowledgement (``acknowledged_at``,
    /// ``acknowledged_by_email``, ``acknowledged_by``, ``status``); the existing one when that
    /// user already handled it. ``LookupError`` for an unknown request id,
    /// :class:`hotpot.ConfigError` for an unknown user or a page whose status is ``error``.
    fn acknowledge<'py>(
        &self,
        py: Python<'py>,
        request_id: &Bound<'py, PyAny>,
        email: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = str_arg(request_id, "request_id", "a request id (a str)")?;
        let email = str_arg(email, "email", "an e-mail address (a str)")?;
        let ack = self
            .server()?
            .acknowledge(&id, &email)
            .map_err(|e| mock_error(py, e))?;
        to_py(py, &ack)
    }

    /// Adds a user pages can reach (``name``: the part before ``@`` by default) and returns
    /// it: ``id``, ``email``, ``name``. :class:`hotpot.ConfigError` for a known e-mail.
    #[pyo3(signature = (email, *, name=None))]
    fn add_user<'py>(
        &self,
        py: Python<'py>,
        email: &Bound<'py, PyAny>,
        name: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut user = NewUser::new(str_arg(email, "email", "an e-mail address (a str)")?);
        if let Some(name) = given(name) {
            user = user.name(str_arg(name, "name", "a str or None")?);
        }
        let user = self
            .server()?
            .add_user(user)
            .map_err(|e| mock_error(py, e))?;
        to_py(py, &user)
    }

    /// Adds a team and returns it: ``stages`` is a list of lists of known users' e-mails (the
    /// first paged at once, each next one ``escalate_after_s`` seconds later, default 300),
    /// then the ``backstop``; ``copy`` is notified at once.
    #[pyo3(
        signature = (slug, stages, **settings),
        text_signature = "(self, slug, stages, *, name=None, backstop=None, escalate_after_s=300, copy=None)"
    )]
    fn add_team<'py>(
        &self,
        py: Python<'py>,
        slug: &Bound<'py, PyAny>,
        stages: &Bound<'py, PyAny>,
        settings: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let names = ["name", "backstop", "escalate_after_s", "copy"];
        let settings = keywords("MockServer.add_team", settings, names)?;
        let [name, backstop, escalate_after_s, copy] = settings.each_ref().map(Option::as_ref);
        let expected = "a list of stages, each a list of e-mail addresses (str)";
        if stages.cast::<PyString>().is_ok() {
            return Err(wrong_type(stages, "stages", expected));
        }
        let list: Vec<Bound<'py, PyAny>> = stages
            .extract()
            .map_err(|_| wrong_type(stages, "stages", expected))?;
        let stages = list
            .iter()
            .enumerate()
            .map(|(i, stage)| emails_arg(stage, &format!("stages[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        let mut team = NewTeam::new(str_arg(slug, "slug", "a team slug (a str)")?, stages);
        if let Some(name) = given(name) {
            team = team.name(str_arg(name, "name", "a str or None")?);
        }
        if let Some(backstop) = given(backstop) {
            team = team.backstop(str_arg(backstop, "backstop", "an e-mail address or None")?);
        }
        if let Some(seconds) = given(escalate_after_s) {
            let max = hotpot_mock_server::MAX_ESCALATE_AFTER_S;
            team.escalate_after_s = Some(int_arg(seconds, "escalate_after_s", 0..=max)?);
        }
        if let Some(copy) = given(copy) {
            team = team.copy(emails_arg(copy, "copy")?);
        }
        let team = self
            .server()?
            .add_team(team)
            .map_err(|e| mock_error(py, e))?;
        to_py(py, &team)
    }
}
