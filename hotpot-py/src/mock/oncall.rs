//! The on-call methods of `hotpot.testing.MockServer` (spec §14): users and teams, pages,
//! acknowledging; the `#[pymethods]` in `mod.rs` call these.

use std::path::PathBuf;

use hotpot_mock_server::{NewTeam, NewUser, OncallDirectory};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use super::PyMockServer;
use super::convert::{mock_error, to_py};
use crate::args::{given, int_arg, str_arg, wrong_type};

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

impl PyMockServer {
    pub(super) fn add_user_impl<'py>(
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

    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_team_impl<'py>(
        &self,
        py: Python<'py>,
        slug: &Bound<'py, PyAny>,
        stages: &Bound<'py, PyAny>,
        name: Option<&Bound<'py, PyAny>>,
        backstop: Option<&Bound<'py, PyAny>>,
        escalate_after_s: Option<&Bound<'py, PyAny>>,
        copy: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
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

    pub(super) fn pages_impl<'py>(
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

    pub(super) fn acknowledge_impl<'py>(
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
}
